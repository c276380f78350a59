//! Requests for information and assistance: a liaison asks, the host
//! decides and answers; personal data leaves only with a commander's
//! approval, recorded as a disclosure.

use authority::Resource;
use domain::Action;
use domain::registry::Delegation;
use domain::request::{Disclosure, Request};
use domain::storage::Aggregate;
use store::records::Record;

use super::registry::host_unit;
use super::{authorize, check_own_id, new_id};
use crate::ServiceError;
use crate::command::{Command, Consult, RfiAccept, RfiAnswer, RfiDraft};
use crate::context::{Ctx, Outcome};

/// The record kind of requests.
pub(crate) const REQUEST: &str = <Request as Aggregate>::KIND;

async fn save(
    ctx: &mut Ctx<'_>,
    r: &Request,
    previous: Option<&Record>,
) -> Result<(), ServiceError> {
    // Answers may carry personal data: committed, never in clear in the ledger.
    ctx.save(r, true, previous).await
}

async fn finish(
    ctx: &mut Ctx<'_>,
    action: Action,
    next: &Request,
    previous: &Record,
) -> Result<Outcome, ServiceError> {
    save(ctx, next, Some(previous)).await?;
    ctx.done(
        action,
        REQUEST,
        next.id().as_str(),
        Some(next.state_name()),
        None,
    )
    .await
}

async fn load(ctx: &mut Ctx<'_>, id: &str) -> Result<(Request, Record), ServiceError> {
    ctx.load(id).await
}

pub(crate) async fn draft(ctx: &mut Ctx<'_>, c: RfiDraft) -> Result<Outcome, ServiceError> {
    let delegation_id = ctx.own_delegation()?.to_owned();
    let id = match c.id {
        Some(id) => check_own_id(ctx, id)?,
        None => new_id("rfi")?,
    };
    authorize!(
        ctx,
        Action::RfiDraft,
        Resource::Request {
            id: id.to_string(),
            delegation: delegation_id.clone()
        }
    );
    if ctx.exists::<Request>(id.as_str()).await? {
        return Err(ServiceError::Conflict(format!("request {id} exists")));
    }
    let (delegation, _): (Delegation, _) = ctx.load(&delegation_id).await?;
    let r = Request::draft(
        id,
        &delegation,
        c.kind,
        c.priority,
        c.subject,
        c.body,
        ctx.now,
    );
    save(ctx, &r, None).await?;
    ctx.done(
        Action::RfiDraft,
        REQUEST,
        r.id().as_str(),
        Some(r.state_name()),
        None,
    )
    .await
}

pub(crate) async fn accept(ctx: &mut Ctx<'_>, c: RfiAccept) -> Result<Outcome, ServiceError> {
    let (r, rec) = load(ctx, c.id.as_str()).await?;
    authorize!(ctx, Action::RfiAccept, crate::facts::request(&r));
    let unit = host_unit(ctx, c.unit.as_str()).await?;
    let next = r.accept(ctx.side(), &unit, ctx.now)?;
    finish(ctx, Action::RfiAccept, &next, &rec).await
}

pub(crate) async fn answer(ctx: &mut Ctx<'_>, c: RfiAnswer) -> Result<Outcome, ServiceError> {
    // The statement is checked before anything is read.
    let d = c.disclosure;
    let basis = match (d.personal_data, d.legal_basis) {
        (true, Some(basis)) => Some(basis),
        (true, None) => {
            return Err(ServiceError::BadCommand(
                "disclosure.legal_basis: an answer with personal data names its legal basis".into(),
            ));
        }
        (false, None) if d.categories.is_empty() => None,
        (false, _) => {
            return Err(ServiceError::BadCommand(
                "disclosure: an answer without personal data has no legal basis or categories"
                    .into(),
            ));
        }
    };
    let (r, rec) = load(ctx, c.id.as_str()).await?;
    authorize!(ctx, Action::RfiAnswer, crate::facts::request(&r));
    let disclosure = match basis {
        Some(basis) => Some(Disclosure::new(r.requester().clone(), basis, d.categories)?),
        None => None,
    };
    let next = r.answer(ctx.side(), c.text, disclosure, ctx.now)?;
    finish(ctx, Action::RfiAnswer, &next, &rec).await
}

pub(crate) async fn read(
    ctx: &mut Ctx<'_>,
    c: Consult<domain::ids::RequestId>,
) -> Result<Outcome, ServiceError> {
    let (r, _) = load(ctx, c.id.as_str()).await?;
    authorize!(ctx, Action::RfiRead, crate::facts::request(&r));
    // The requester sees only a released answer; the host sees the draft answer.
    let mut data = serde_json::json!({
        "id": r.id().as_str(),
        "requester": r.requester().as_str(),
        "state": r.state_name(),
        "subject": r.subject().as_str(),
        "body": r.body().as_str(),
        "submitted_at": r.submitted_at().map(|t| t.as_millis()),
        "due_at": r.due_at().map(|t| t.as_millis()),
        "overdue": r.is_overdue(ctx.now),
    });
    let answer = if ctx.principal.is_host() {
        r.current_answer()
    } else {
        r.released_answer()
    };
    if let Some(a) = answer {
        data["answer"] = serde_json::Value::String(a.text().to_string());
    }
    ctx.done(
        Action::RfiRead,
        REQUEST,
        r.id().as_str(),
        Some(r.state_name()),
        Some(data),
    )
    .await
}

/// The transitions that need only the request and, at most, a text.
pub(crate) async fn transition(ctx: &mut Ctx<'_>, c: Command) -> Result<Outcome, ServiceError> {
    use Command as C;
    let action = c.action();
    let id = match &c {
        C::RfiSubmit(t)
        | C::RfiAcknowledge(t)
        | C::RfiStart(t)
        | C::RfiApproveDisclosure(t)
        | C::RfiClose(t) => t.id.clone(),
        C::RfiRequestClarification(t) | C::RfiClarify(t) => t.id.clone(),
        C::RfiRefuse(t) | C::RfiCancel(t) => t.id.clone(),
        _ => {
            return Err(ServiceError::BadCommand(format!(
                "{} is not a request transition",
                action
            )));
        }
    };
    let (r, rec) = load(ctx, id.as_str()).await?;
    authorize!(ctx, action, crate::facts::request(&r));
    let (side, now) = (ctx.side(), ctx.now);
    let next = match c {
        C::RfiSubmit(_) => r.submit(side, &ctx.inner.deadlines, now)?,
        C::RfiAcknowledge(_) => r.acknowledge(side, now)?,
        C::RfiStart(_) => r.start(side, now)?,
        C::RfiApproveDisclosure(_) => r.approve_disclosure(side, ctx.account_id()?, now)?,
        C::RfiClose(_) => r.close(side, now)?,
        C::RfiRequestClarification(t) => r.request_clarification(side, t.text, now)?,
        C::RfiClarify(t) => r.clarify(side, t.text, now)?,
        C::RfiRefuse(t) => r.refuse(side, t.reason, now)?,
        C::RfiCancel(t) => r.cancel(side, t.reason, now)?,
        _ => unreachable!("filtered above"),
    };
    finish(ctx, action, &next, &rec).await
}
