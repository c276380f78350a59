//! One handler per command family. Each handler resolves the target's
//! registry facts, asks the policy (`deny!` returns the recorded denial),
//! applies the domain transition, stores the records and finishes with the
//! allowing entry.

mod accreditations;
pub(crate) mod applicants;
pub(crate) mod declarations;
pub(crate) mod movements;
pub(crate) mod registry;
mod requests;
pub(crate) mod rescreen;
mod rooms;
mod tasks;
mod vetting;

use domain::Action;

use crate::ServiceError;
use crate::command::Command;
use crate::context::{Ctx, Done, Outcome};

/// The rows a command creates besides the one its entry names, as
/// `(action, record kind)`; every other row a command writes is the one its
/// entry names. `delegation.register` declares the head (a declaration
/// line) and screens them (a hit opens a vetting case); `declaration.submit`
/// screens the person declared. The row-stamp check of the ledger accepts
/// exactly these (see `store::stamps`), so a handler that writes another
/// row on the side must be listed here, or its stores stop verifying.
pub(crate) const SIDE_CREATIONS: &[(Action, &str)] = &[
    (Action::DelegationRegister, declarations::DECLARATION),
    (Action::DelegationRegister, vetting::VETTING),
    (Action::DeclarationSubmit, vetting::VETTING),
    (Action::LiaisonReportTriage, rooms::LOG_ENTRY),
    (Action::ApplicantSubmit, vetting::VETTING),
    (Action::ListsUpdate, vetting::VETTING),
];

/// The record kind of applicants.
pub(crate) const APPLICANT_KIND: &str = applicants::APPLICANT;
/// The record kind of vetting cases.
pub(crate) const VETTING_KIND: &str = vetting::VETTING;
/// The keyed digest under which an organiser's reference is kept.
pub(crate) fn ref_digest_of(key: &[u8; 32], organiser: &str, reference: &str) -> String {
    applicants::ref_digest(key, organiser, reference)
}
/// Stored kind of a declaration line.
pub(crate) const DECLARATION_KIND: &str = declarations::DECLARATION;

/// Asks the policy; on a denial, returns the (recorded) denial from the handler.
macro_rules! authorize {
    ($ctx:expr, $action:expr, $resource:expr) => {
        if let Some(denied) = $ctx.authorize($action, &$resource).await? {
            return Ok(denied);
        }
    };
}
pub(crate) use authorize;

/// A fresh id with a readable prefix: `rfi-3f9c…` (96 random bits).
pub(crate) fn new_id<K: domain::ids::IdKind>(
    prefix: &str,
) -> Result<domain::ids::Id<K>, ServiceError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| store::StoreError::Random(e.to_string()))?;
    Ok(format!("{prefix}-{}", crate::context::hex(&bytes)).parse()?)
}

/// An id a delegation chooses for a record of its own must start with the
/// delegation's id and a dash (`us-…`): then it can never name another
/// delegation's record (delegation ids are kept from being dash-prefixes
/// of one another, see `registry::delegation_register`), and "this id is
/// taken" never tells a delegation what another one has. The host chooses
/// ids freely.
pub(crate) fn check_own_id<K: domain::ids::IdKind>(
    ctx: &Ctx<'_>,
    id: domain::ids::Id<K>,
) -> Result<domain::ids::Id<K>, ServiceError> {
    if ctx.principal.is_host() {
        return Ok(id);
    }
    let delegation = ctx.own_delegation()?;
    match id.as_str().strip_prefix(delegation) {
        Some(rest) if rest.len() > 1 && rest.starts_with('-') => Ok(id),
        // Another delegation's namespace: like an id that is taken, a
        // conflict, answered the same whatever exists there.
        _ => Err(ServiceError::Conflict(format!(
            "{}: an id a delegation chooses starts with its own id and a dash ({delegation}-…); leave it out to have one made",
            K::FIELD
        ))),
    }
}

/// Authorizes `action` on `resource` and records it, changing no record.
pub(crate) async fn record(
    ctx: &mut Ctx<'_>,
    action: domain::Action,
    resource: authority::Resource,
) -> Result<Outcome, ServiceError> {
    // The resources recorded here are few and fixed: the decision is
    // remembered (`context::Decisions`).
    if let Some(denied) = ctx.authorize_remembered(action, &resource).await? {
        return Ok(denied);
    }
    let kind = resource.kind().as_str();
    ctx.done(action, kind, resource.id(), None, None).await
}

/// A domain value as the JSON a read returns to its caller.
pub(crate) fn to_data<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, ServiceError> {
    serde_json::to_value(value).map_err(|e| ServiceError::BadCommand(e.to_string()))
}

/// Runs `command` in `ctx`.
pub(crate) async fn run(
    ctx: &mut Ctx<'_>,
    command: Command,
) -> Result<Result<Done, ServiceError>, ServiceError> {
    use Command as C;
    let outcome: Outcome = match command {
        C::AgencyRegister(c) => registry::agency_register(ctx, c).await?,
        C::EventConfigure(c) => registry::event_configure(ctx, c).await?,
        C::DelegationRegister(c) => registry::delegation_register(ctx, c).await?,
        C::AccountCreate(c) => registry::account_create(ctx, c).await?,
        C::AccountConfirm(c) => registry::account_confirm(ctx, c).await?,
        C::AccountEnrolment(c) => registry::account_enrolment(ctx, c).await?,
        C::AccountDisable(c) => registry::account_disable(ctx, c).await?,
        C::DeclarationSubmit(c) => declarations::submit(ctx, c).await?,
        C::DeclarationAnswer(c) => declarations::answer(ctx, c).await?,
        C::DeclarationWithdraw(c) => declarations::withdraw(ctx, c).await?,
        C::DeclarationRequestInfo(c) => declarations::request_info(ctx, c).await?,
        C::DeclarationRefuse(c) => declarations::refuse(ctx, c).await?,
        C::DeclarationAccredit(c) => declarations::accredit(ctx, c).await?,
        C::DeclarationRead(c) => declarations::read(ctx, c).await?,
        C::ArmsPermitGrant(c) => declarations::arms_permit(ctx, c).await?,
        C::AccreditationSuspend(c) => {
            accreditations::change(ctx, Action::AccreditationSuspend, c).await?
        }
        C::AccreditationReinstate(c) => {
            accreditations::change(ctx, Action::AccreditationReinstate, c).await?
        }
        C::AccreditationRevoke(c) => {
            accreditations::change(ctx, Action::AccreditationRevoke, c).await?
        }
        C::RoomCreate(c) => rooms::create(ctx, c).await?,
        C::RoomRead(c) => rooms::read(ctx, c).await?,
        C::LogRecord(c) => rooms::record(ctx, c).await?,
        C::LogUpdate(c) => rooms::update(ctx, c).await?,
        C::LogClose(c) => rooms::close(ctx, c).await?,
        C::LogRead(c) => rooms::read_log(ctx, c).await?,
        C::LiaisonReportSubmit(c) => rooms::submit_report(ctx, c).await?,
        C::LiaisonReportTriage(c) => rooms::triage_report(ctx, c).await?,
        C::LiaisonReportDismiss(c) => rooms::dismiss_report(ctx, c).await?,
        C::SitrepIssue(c) => rooms::issue_sitrep(ctx, c).await?,
        C::SitrepRead(c) => rooms::read_sitrep(ctx, c).await?,
        C::ProtecteeRegister(c) => movements::register_protectee(ctx, c).await?,
        C::MovementPlan(c) => movements::plan(ctx, c).await?,
        C::MovementApprove(c) => movements::approve(ctx, c).await?,
        C::MovementRead(c) => movements::read(ctx, c).await?,
        C::RfiDraft(c) => requests::draft(ctx, c).await?,
        C::RfiRead(c) => requests::read(ctx, c).await?,
        C::RfiAccept(c) => requests::accept(ctx, c).await?,
        C::RfiAnswer(c) => requests::answer(ctx, c).await?,
        c @ (C::RfiSubmit(_)
        | C::RfiAcknowledge(_)
        | C::RfiRequestClarification(_)
        | C::RfiClarify(_)
        | C::RfiRefuse(_)
        | C::RfiStart(_)
        | C::RfiApproveDisclosure(_)
        | C::RfiClose(_)
        | C::RfiCancel(_)) => requests::transition(ctx, c).await?,
        C::TaskCreate(c) => tasks::create(ctx, c).await?,
        C::TaskApprove(c) => tasks::approve(ctx, c).await?,
        C::TaskUpdate(c) => tasks::update(ctx, c).await?,
        C::TaskRead(c) => tasks::read(ctx, c).await?,
        C::VettingRead(c) => vetting::read(ctx, c).await?,
        C::VettingReadOpinion(c) => vetting::read_opinion(ctx, c).await?,
        C::VettingNote(c) => vetting::note(ctx, c).await?,
        C::VettingShare(c) => vetting::share(ctx, c).await?,
        C::VettingAttachReport(c) => vetting::attach_report(ctx, c).await?,
        c @ (C::VettingClear(_)
        | C::VettingProposeRefusal(_)
        | C::VettingConfirmRefusal(_)
        | C::VettingProposeReferral(_)
        | C::VettingConfirmReferral(_)) => vetting::decide(ctx, c).await?,
        C::VettingClearBulk(c) => vetting::clear_bulk(ctx, c).await?,
        C::VettingClaim(c) => vetting::claim(ctx, c).await?,
        C::VettingRelease(c) => vetting::release(ctx, c).await?,
        C::ApplicantSubmit(c) => applicants::submit(ctx, c).await?,
        C::RetentionProposePurge(c) => crate::retention::propose(ctx, c).await?,
        // Many transactions, one per batch: `Service::execute` runs it.
        C::RetentionPurge(_) => {
            return Err(ServiceError::BadCommand(
                "retention.purge runs in batches outside one transaction".into(),
            ));
        }
    };
    Ok(outcome.into_result())
}
