//! Tasks for host units: created and approved by host commanders only (the
//! policy), assigned only to host agencies (the domain's `HostUnit`).

use authority::Resource;
use domain::Action;
use domain::storage::Aggregate;
use domain::task::Task;
use store::records::Record;

use super::registry::host_unit;
use super::{authorize, new_id};
use crate::ServiceError;
use crate::command::{Target, TaskCreate, TaskProgress, TaskUpdate};
use crate::context::{Ctx, Outcome};

/// The record kind of tasks.
pub(crate) const TASK: &str = <Task as Aggregate>::KIND;

async fn save(ctx: &mut Ctx<'_>, t: &Task, previous: Option<&Record>) -> Result<(), ServiceError> {
    ctx.save(t, false, previous).await
}

async fn finish(
    ctx: &mut Ctx<'_>,
    action: Action,
    t: &Task,
    previous: Option<&Record>,
) -> Result<Outcome, ServiceError> {
    save(ctx, t, previous).await?;
    ctx.done(action, TASK, t.id().as_str(), Some(t.state_name()), None)
        .await
}

pub(crate) async fn create(ctx: &mut Ctx<'_>, c: TaskCreate) -> Result<Outcome, ServiceError> {
    let id = match c.id {
        Some(id) => id,
        None => new_id("task")?,
    };
    authorize!(
        ctx,
        Action::TaskCreate,
        Resource::Task { id: id.to_string() }
    );
    if ctx.exists::<Task>(id.as_str()).await? {
        return Err(ServiceError::Conflict(format!("task {id} exists")));
    }
    let unit = host_unit(ctx, c.unit.as_str()).await?;
    let task = Task::propose(id, c.title, c.details, unit, ctx.now);
    finish(ctx, Action::TaskCreate, &task, None).await
}

async fn load(
    ctx: &mut Ctx<'_>,
    id: &str,
    action: Action,
) -> Result<Result<(Task, Record), Outcome>, ServiceError> {
    let (t, rec): (Task, Record) = ctx.load(id).await?;
    if let Some(denied) = ctx
        .authorize(action, &Resource::Task { id: id.to_owned() })
        .await?
    {
        return Ok(Err(denied));
    }
    Ok(Ok((t, rec)))
}

pub(crate) async fn approve(
    ctx: &mut Ctx<'_>,
    c: Target<domain::ids::TaskId>,
) -> Result<Outcome, ServiceError> {
    let (t, rec) = match load(ctx, c.id.as_str(), Action::TaskApprove).await? {
        Ok(x) => x,
        Err(denied) => return Ok(denied),
    };
    let next = t.approve(ctx.now)?;
    finish(ctx, Action::TaskApprove, &next, Some(&rec)).await
}

pub(crate) async fn update(ctx: &mut Ctx<'_>, c: TaskUpdate) -> Result<Outcome, ServiceError> {
    let (t, rec) = match load(ctx, c.id.as_str(), Action::TaskUpdate).await? {
        Ok(x) => x,
        Err(denied) => return Ok(denied),
    };
    let next = match c.progress {
        TaskProgress::Start => t.start(ctx.now)?,
        TaskProgress::Complete { report } => t.complete(report, ctx.now)?,
        TaskProgress::Cancel { reason } => t.cancel(reason, ctx.now)?,
    };
    finish(ctx, Action::TaskUpdate, &next, Some(&rec)).await
}

pub(crate) async fn read(
    ctx: &mut Ctx<'_>,
    c: Target<domain::ids::TaskId>,
) -> Result<Outcome, ServiceError> {
    let (t, _) = match load(ctx, c.id.as_str(), Action::TaskRead).await? {
        Ok(x) => x,
        Err(denied) => return Ok(denied),
    };
    let data = serde_json::to_value(&t).map_err(|e| ServiceError::BadCommand(e.to_string()))?;
    ctx.done(
        Action::TaskRead,
        TASK,
        t.id().as_str(),
        Some(t.state_name()),
        Some(data),
    )
    .await
}
