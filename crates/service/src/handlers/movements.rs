//! Protectees and their movements: a host commander registers a protectee
//! with its risk level, an operator plans a movement with a host unit in the
//! lead and the foreign protective agents attached, a commander approves it,
//! and an attached agent then sees it.
//!
//! Both are personal data (a protected person's name, where and when they
//! will be), so their records are salted and their entries carry a
//! commitment; a read is a consultation with its purpose.
//!
//! The policy names the escort by account, the domain by declaration line:
//! [`resource`] maps each attached line to the accounts created for it, at
//! each decision, so an account made after the planning counts too.

use authority::Resource;
use domain::Action;
use domain::declaration::DeclarationLine;
use domain::ids::MovementId;
use domain::movement::{Movement, Protectee, Stop};
use domain::registry::Delegation;
use domain::storage::Aggregate;
use domain::time::Window;
use store::records::{self, Record};

use super::registry::{host_unit, load_event};
use super::{authorize, new_id, to_data};
use crate::ServiceError;
use crate::command::{Consult, MovementPlan, ProtecteeRegister, Target};
use crate::context::{Ctx, Outcome};
use crate::opaque;

/// The record kind of protectees.
pub(crate) const PROTECTEE: &str = <Protectee as Aggregate>::KIND;
/// The record kind of movements.
pub(crate) const MOVEMENT: &str = <Movement as Aggregate>::KIND;

/// The account ids of the agents whose declaration lines are `lines`.
async fn escort_accounts<'a>(
    ctx: &mut Ctx<'_>,
    lines: impl IntoIterator<Item = &'a domain::ids::DeclarationId>,
) -> Result<Vec<String>, ServiceError> {
    let mut accounts = Vec::new();
    for line in lines {
        let rows = records::accounts_by_declaration(ctx.tx.conn().await?, line.as_str()).await?;
        accounts.extend(rows.into_iter().map(|a| a.id));
    }
    Ok(accounts)
}

/// The policy's facts about a movement. It counts as approved once a
/// commander has approved it, and stays so when completed; a cancelled
/// movement is shown to no foreign agent (the domain's
/// `Movement::is_visible_to_agent` draws the same line).
async fn resource(ctx: &mut Ctx<'_>, m: &Movement) -> Result<Resource, ServiceError> {
    Ok(crate::facts::movement(
        m,
        escort_accounts(ctx, m.agents()).await?,
    ))
}

pub(crate) async fn register_protectee(
    ctx: &mut Ctx<'_>,
    c: ProtecteeRegister,
) -> Result<Outcome, ServiceError> {
    // The host's label names the protectee; its id is opaque
    // (`crate::opaque`), the label kept in the salted document.
    let reference = c.id;
    let id = match &reference {
        Some(label) => {
            opaque::new_labelled(&ctx.inner.opaque_key, opaque::prefix::PROTECTEE, label)?
        }
        None => new_id(opaque::prefix::PROTECTEE)?,
    };
    authorize!(
        ctx,
        Action::ProtecteeRegister,
        Resource::Protectee {
            id: id.to_string(),
            delegation: Some(c.delegation.to_string()),
        }
    );
    opaque::check_label_free::<Protectee, _>(ctx, &id, reference.as_ref()).await?;
    let (delegation, _): (Delegation, _) = ctx.load(c.delegation.as_str()).await?;
    let protectee = Protectee::register(id, c.name, &delegation, c.risk).with_reference(reference);
    ctx.save(&protectee, true, None).await?;
    ctx.done(
        Action::ProtecteeRegister,
        PROTECTEE,
        protectee.id().as_str(),
        Some(protectee.state_name()),
        None,
    )
    .await
}

pub(crate) async fn plan(ctx: &mut Ctx<'_>, c: MovementPlan) -> Result<Outcome, ServiceError> {
    let (protectee, _): (Protectee, _) =
        opaque::load(ctx, opaque::prefix::PROTECTEE, &c.protectee).await?;
    let id = match c.id {
        Some(id) => id,
        None => new_id("mov")?,
    };
    // Authorized before the agents are looked up: a planned movement is not
    // approved, so its escort changes no decision on planning it (the
    // policy reads `attached_agents` only for approved movements).
    authorize!(
        ctx,
        Action::MovementPlan,
        Resource::Movement {
            id: id.to_string(),
            protectee: protectee.id().to_string(),
            delegation: Some(protectee.delegation().to_string()),
            attached_agents: Vec::new(),
            approved: false,
        }
    );
    if ctx.exists::<Movement>(id.as_str()).await? {
        return Err(ServiceError::Conflict(format!("movement {id} exists")));
    }
    let event = load_event(ctx).await?;
    let lead = host_unit(ctx, c.lead.as_str()).await?;
    let mut lines = Vec::with_capacity(c.agents.len());
    for line in &c.agents {
        let (line, _) = super::declarations::load_line(ctx, line.as_str()).await?;
        lines.push(line);
    }
    let agents: Vec<&DeclarationLine> = lines.iter().collect();
    let stops = c
        .stops
        .into_iter()
        .map(|s| Stop::new(s.venue, s.at))
        .collect();
    let window = Window::new(c.window.from, c.window.until)?;
    let movement = Movement::plan(
        id, &event, &protectee, stops, window, lead, &agents, ctx.now,
    )?;
    ctx.save(&movement, true, None).await?;
    ctx.done(
        Action::MovementPlan,
        MOVEMENT,
        movement.id().as_str(),
        Some(movement.state_name()),
        None,
    )
    .await
}

async fn load(ctx: &mut Ctx<'_>, id: &MovementId) -> Result<(Movement, Record), ServiceError> {
    ctx.load(id.as_str()).await
}

pub(crate) async fn approve(
    ctx: &mut Ctx<'_>,
    c: Target<MovementId>,
) -> Result<Outcome, ServiceError> {
    let (m, rec) = load(ctx, &c.id).await?;
    let facts = resource(ctx, &m).await?;
    authorize!(ctx, Action::MovementApprove, facts);
    let next = m.approve(ctx.now)?;
    ctx.save(&next, true, Some(&rec)).await?;
    ctx.done(
        Action::MovementApprove,
        MOVEMENT,
        next.id().as_str(),
        Some(next.state_name()),
        None,
    )
    .await
}

/// A consultation: the entry records who read which movement and (in the
/// payload digest) why; nothing changes.
pub(crate) async fn read(
    ctx: &mut Ctx<'_>,
    c: Consult<MovementId>,
) -> Result<Outcome, ServiceError> {
    let (m, _) = load(ctx, &c.id).await?;
    let facts = resource(ctx, &m).await?;
    authorize!(ctx, Action::MovementRead, facts);
    ctx.done(
        Action::MovementRead,
        MOVEMENT,
        m.id().as_str(),
        Some(m.state_name()),
        Some(to_data(&m)?),
    )
    .await
}
