//! Vetting cases from screening hits: analysts clear routine cases, a
//! refusal or referral needs a commander's confirmation, foreign officers
//! add notes but never decide, the organiser sees only the opinion.

use authority::Resource;
use domain::Action;
use domain::applicant::Applicant;
use domain::storage::Aggregate;
use domain::time::Timestamp;
use domain::vetting::{AttachedReport, AuthorSide, CaseShare, RiskNote, Subject, VettingCase};
use store::records::Record;

use super::authorize;
use crate::ServiceError;
use crate::command::{
    Command, Consult, Target, VettingAttachReport, VettingClearBulk, VettingShare, WithText,
};
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

/// Keeps what hangs off a case opened at intake in step with it: its row
/// in the analysts' queue, and, once the case is decided, the applicant's
/// opinion (the applicant's row is written by the same entry).
async fn follow(ctx: &mut Ctx<'_>, next: &VettingCase) -> Result<(), ServiceError> {
    let Some(row) = super::applicants::queue_row(next) else {
        return Ok(());
    };
    store::applicants::put_queue(ctx.tx.conn().await?, &[row]).await?;
    if let Subject::Applicant(id) = next.subject() {
        let (applicant, arec): (Applicant, Record) = ctx.load(id.as_str()).await?;
        if applicant.opinion() != next.opinion() {
            let decided = applicant.decide(next.opinion(), ctx.now)?;
            ctx.save_owned_by(&decided, arec.delegation.clone(), true, Some(&arec))
                .await?;
        }
    }
    Ok(())
}

/// How long a claim holds unless renewed: 30 minutes.
pub(crate) const CLAIM_MS: i64 = 30 * 60 * 1000;

async fn finish(
    ctx: &mut Ctx<'_>,
    action: Action,
    next: &VettingCase,
    rec: &Record,
) -> Result<Outcome, ServiceError> {
    save_case(ctx, next, rec.delegation.clone(), Some(rec)).await?;
    follow(ctx, next).await?;
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
    let mut data =
        serde_json::to_value(&case).map_err(|e| ServiceError::BadCommand(e.to_string()))?;
    // A case on an applicant shows the applicant (the host's consultation
    // of the person's record, recorded by this entry).
    if let Subject::Applicant(id) = case.subject()
        && let Some(map) = data.as_object_mut()
    {
        let (applicant, _): (Applicant, Record) = ctx.load(id.as_str()).await?;
        map.insert("applicant".into(), super::to_data(&applicant)?);
    }
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

/// `vetting.claim`: the analyst takes the case for [`CLAIM_MS`] (renewable).
pub(crate) async fn claim(
    ctx: &mut Ctx<'_>,
    c: Target<domain::ids::VettingCaseId>,
) -> Result<Outcome, ServiceError> {
    let (case, rec) = load(ctx, c.id.as_str()).await?;
    authorize!(ctx, Action::VettingClaim, resource(&case, &rec));
    let until = Timestamp::from_millis(ctx.now.as_millis() + CLAIM_MS);
    let next = case.claim_for(ctx.account_id()?, until, ctx.now)?;
    finish(ctx, Action::VettingClaim, &next, &rec).await
}

/// `vetting.release`: gives a claim back.
pub(crate) async fn release(
    ctx: &mut Ctx<'_>,
    c: Target<domain::ids::VettingCaseId>,
) -> Result<Outcome, ServiceError> {
    let (case, rec) = load(ctx, c.id.as_str()).await?;
    authorize!(ctx, Action::VettingRelease, resource(&case, &rec));
    let next = case.release(&ctx.account_id()?, ctx.now)?;
    finish(ctx, Action::VettingRelease, &next, &rec).await
}

/// `vetting.clear_bulk`: every case is authorized first (a denial of any
/// is recorded and nothing is cleared), then each is cleared with the one
/// reason and recorded by its own `vetting.clear` entry, marked as cleared
/// in bulk. A case that is not open refuses the whole command.
pub(crate) async fn clear_bulk(
    ctx: &mut Ctx<'_>,
    c: VettingClearBulk,
) -> Result<Outcome, ServiceError> {
    let mut loaded = Vec::with_capacity(c.ids.len());
    let mut seen = std::collections::HashSet::new();
    for id in &c.ids {
        if !seen.insert(id.as_str()) {
            return Err(ServiceError::BadCommand(format!("ids: {id} appears twice")));
        }
        loaded.push(load(ctx, id.as_str()).await?);
    }
    if loaded.is_empty() {
        return Err(ServiceError::BadCommand("ids: none given".into()));
    }
    for (case, rec) in &loaded {
        authorize!(ctx, Action::VettingClear, resource(case, rec));
    }
    let by = ctx.account_id()?;
    let count = loaded.len();
    let mut last = String::new();
    for (i, (case, rec)) in loaded.into_iter().enumerate() {
        let next = case.clear_in_bulk(c.reason.clone(), by.clone(), ctx.now)?;
        save_case(ctx, &next, rec.delegation.clone(), Some(&rec)).await?;
        follow(ctx, &next).await?;
        if i + 1 < count {
            ctx.record_item(
                Action::VettingClear,
                VETTING,
                next.id().as_str(),
                format!("bulk\0{}\0{}", next.id(), c.reason).as_bytes(),
            )?;
        } else {
            last = next.id().to_string();
        }
    }
    ctx.done(
        Action::VettingClear,
        VETTING,
        &last,
        Some("cleared"),
        Some(serde_json::json!({ "cleared": count })),
    )
    .await
}
