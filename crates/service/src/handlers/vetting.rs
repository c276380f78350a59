//! Vetting cases from screening hits: analysts clear routine cases, a
//! refusal or referral needs a commander's confirmation, foreign officers
//! add notes but never decide, the organiser sees only the opinion.

use authority::Resource;
use domain::Action;
use domain::storage::Aggregate;
use domain::vetting::{AttachedReport, AuthorSide, CaseShare, RiskNote, VettingCase};
use store::records::Record;

use super::authorize;
use crate::ServiceError;
use crate::command::{Command, Consult, Target, VettingAttachReport, VettingShare, WithText};
use crate::context::{Ctx, Outcome};

/// The record kind of vetting cases.
pub(crate) const VETTING: &str = <VettingCase as Aggregate>::KIND;

/// Stores a case. Its delegation column names the delegation whose person
/// it concerns (the policy's facts); watchlist details are personal data.
pub(crate) async fn save_case(
    ctx: &mut Ctx<'_>,
    case: &VettingCase,
    delegation: Option<String>,
    previous: Option<&Record>,
) -> Result<(), ServiceError> {
    ctx.save_owned_by(case, delegation, true, previous).await
}

/// The policy's facts about a case: the delegation whose declared person it
/// concerns, and the delegations the host shared it with.
fn resource(case: &VettingCase, record: &Record) -> Resource {
    crate::facts::vetting_case(case, record)
}

async fn load(ctx: &mut Ctx<'_>, id: &str) -> Result<(VettingCase, Record), ServiceError> {
    ctx.load(id).await
}

async fn finish(
    ctx: &mut Ctx<'_>,
    action: Action,
    next: &VettingCase,
    rec: &Record,
) -> Result<Outcome, ServiceError> {
    save_case(ctx, next, rec.delegation.clone(), Some(rec)).await?;
    ctx.done(
        action,
        VETTING,
        next.id().as_str(),
        Some(next.state_name()),
        None,
    )
    .await
}

pub(crate) async fn read(
    ctx: &mut Ctx<'_>,
    c: Consult<domain::ids::VettingCaseId>,
) -> Result<Outcome, ServiceError> {
    let (case, rec) = load(ctx, c.id.as_str()).await?;
    authorize!(ctx, Action::VettingRead, resource(&case, &rec));
    let data = serde_json::to_value(&case).map_err(|e| ServiceError::BadCommand(e.to_string()))?;
    ctx.done(
        Action::VettingRead,
        VETTING,
        case.id().as_str(),
        Some(case.state_name()),
        Some(data),
    )
    .await
}

pub(crate) async fn read_opinion(
    ctx: &mut Ctx<'_>,
    c: Target<domain::ids::VettingCaseId>,
) -> Result<Outcome, ServiceError> {
    let (case, rec) = load(ctx, c.id.as_str()).await?;
    authorize!(ctx, Action::VettingReadOpinion, resource(&case, &rec));
    // Only the opinion leaves: no reasons, no watchlist details.
    let opinion = serde_json::to_value(case.opinion())
        .map_err(|e| ServiceError::BadCommand(e.to_string()))?;
    ctx.done(
        Action::VettingReadOpinion,
        VETTING,
        case.id().as_str(),
        None,
        Some(serde_json::json!({ "opinion": opinion })),
    )
    .await
}

pub(crate) async fn note(
    ctx: &mut Ctx<'_>,
    c: WithText<domain::ids::VettingCaseId>,
) -> Result<Outcome, ServiceError> {
    let (case, rec) = load(ctx, c.id.as_str()).await?;
    authorize!(ctx, Action::VettingNote, resource(&case, &rec));
    let side = if ctx.principal.is_host() {
        AuthorSide::Host
    } else {
        AuthorSide::Foreign
    };
    let next = case.add_note(RiskNote::new(ctx.account_id()?, side, c.text, ctx.now))?;
    save_case(ctx, &next, rec.delegation.clone(), Some(&rec)).await?;
    // A note is write-only: outside the host the answer is "recorded", with
    // nothing of the case's state.
    let state = ctx.principal.is_host().then(|| next.state_name());
    ctx.done(
        Action::VettingNote,
        VETTING,
        next.id().as_str(),
        state,
        None,
    )
    .await
}

pub(crate) async fn share(ctx: &mut Ctx<'_>, c: VettingShare) -> Result<Outcome, ServiceError> {
    let (case, rec) = load(ctx, c.id.as_str()).await?;
    authorize!(ctx, Action::VettingShare, resource(&case, &rec));
    // A declared person's case can only be shared with the declaring
    // delegation: the policy keeps every other delegation out of it.
    if let Some(owner) = &rec.delegation
        && owner != c.delegation.as_str()
    {
        return Err(ServiceError::Conflict(format!(
            "delegation: this case concerns a person declared by {owner}; it can be shared with that delegation only"
        )));
    }
    let _: (domain::registry::Delegation, _) = ctx.load(c.delegation.as_str()).await?;
    let next = case.share(CaseShare {
        delegation: c.delegation,
        legal_basis: c.legal_basis,
        question: c.question,
        by: ctx.account_id()?,
        at: ctx.now,
    })?;
    finish(ctx, Action::VettingShare, &next, &rec).await
}

/// Clear, propose or confirm a refusal or referral.
pub(crate) async fn decide(ctx: &mut Ctx<'_>, c: Command) -> Result<Outcome, ServiceError> {
    use Command as C;
    let action = c.action();
    let (id, reason) = match c {
        C::VettingClear(w)
        | C::VettingProposeRefusal(w)
        | C::VettingConfirmRefusal(w)
        | C::VettingProposeReferral(w)
        | C::VettingConfirmReferral(w) => (w.id, w.reason),
        _ => {
            return Err(ServiceError::BadCommand(format!(
                "{action} is not a vetting decision"
            )));
        }
    };
    let (case, rec) = load(ctx, id.as_str()).await?;
    authorize!(ctx, action, resource(&case, &rec));
    let (by, now) = (ctx.account_id()?, ctx.now);
    let next = match action {
        Action::VettingClear => case.clear(reason, by, now)?,
        Action::VettingProposeRefusal => case.propose_refusal(reason, by, now)?,
        Action::VettingConfirmRefusal => case.confirm_refusal(reason, by, now)?,
        Action::VettingProposeReferral => case.propose_referral(reason, by, now)?,
        _ => case.confirm_referral(reason, by, now)?,
    };
    finish(ctx, action, &next, &rec).await
}

pub(crate) async fn attach_report(
    ctx: &mut Ctx<'_>,
    c: VettingAttachReport,
) -> Result<Outcome, ServiceError> {
    let (case, rec) = load(ctx, c.id.as_str()).await?;
    authorize!(ctx, Action::VettingAttachReport, resource(&case, &rec));
    let _: (domain::room::LiaisonReport, _) = ctx.load(c.report.as_str()).await?;
    let next = case.attach_report(AttachedReport {
        report: c.report,
        by: ctx.account_id()?,
        at: ctx.now,
    })?;
    finish(ctx, Action::VettingAttachReport, &next, &rec).await
}
