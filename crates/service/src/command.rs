//! The command vocabulary: one JSON object per command, `"action"` naming it
//! (the policy's action names, plus a few commands that act under an action
//! of the same family, e.g. `declaration.answer` under `declaration.submit`
//! and `liaison_report.dismiss` under `liaison_report.triage`).
//! Fields deserialize into the domain's validated types, so a bad field is
//! refused before anything runs; unknown fields are refused too.
//!
//! Times are Unix milliseconds; windows are `{"from": ms, "until": ms}`.
//! Ids are optional on creation (generated when absent) so that scripts can
//! name what they create and refer to it later.

use std::num::NonZeroU32;

use domain::declaration::PersonInput;
use domain::ids::{
    AgencyId, ClusterId, DeclarationId, DelegationId, EventId, LiaisonReportId, LogEntryId,
    MovementId, ProtecteeId, RequestId, RoomId, TaskId, VenueId, VettingCaseId,
};
use domain::movement::RiskLevel;
use domain::registry::{Cluster, Venue};
use domain::request::{DataCategory, Priority, RequestKind};
use domain::room::{Category, Severity};
use domain::text::{LongText, Name, PersonName, Reason, Text};
use domain::time::Timestamp;
use domain::{AgencyKind, Role};
use serde::{Deserialize, Serialize};

/// One command, as `cortina exec` reads it and the API receives it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "action")]
#[allow(missing_docs)]
pub enum Command {
    // Registry and administration.
    #[serde(rename = "agency.register")]
    AgencyRegister(AgencyRegister),
    #[serde(rename = "event.configure")]
    EventConfigure(EventConfigure),
    #[serde(rename = "delegation.register")]
    DelegationRegister(DelegationRegister),
    #[serde(rename = "account.create")]
    AccountCreate(AccountCreate),
    #[serde(rename = "account.confirm")]
    AccountConfirm(AccountConfirm),
    #[serde(rename = "account.enrolment")]
    AccountEnrolment(AccountEnrolment),
    #[serde(rename = "account.disable")]
    AccountDisable(AccountDisable),
    // Declarations.
    #[serde(rename = "declaration.submit")]
    DeclarationSubmit(DeclarationSubmit),
    #[serde(rename = "declaration.answer")]
    DeclarationAnswer(DeclarationAnswer),
    #[serde(rename = "declaration.withdraw")]
    DeclarationWithdraw(Target<DeclarationId>),
    #[serde(rename = "declaration.request_info")]
    DeclarationRequestInfo(DeclarationRequestInfo),
    #[serde(rename = "declaration.refuse")]
    DeclarationRefuse(WithReason<DeclarationId>),
    #[serde(rename = "declaration.accredit")]
    DeclarationAccredit(DeclarationAccredit),
    #[serde(rename = "declaration.read")]
    DeclarationRead(Consult<DeclarationId>),
    #[serde(rename = "arms_permit.grant")]
    ArmsPermitGrant(ArmsPermitGrant),
    #[serde(rename = "accreditation.suspend")]
    AccreditationSuspend(AccreditationChange),
    #[serde(rename = "accreditation.reinstate")]
    AccreditationReinstate(AccreditationChange),
    #[serde(rename = "accreditation.revoke")]
    AccreditationRevoke(AccreditationChange),
    // Rooms, the event log, liaison reports and situation reports.
    #[serde(rename = "room.create")]
    RoomCreate(RoomCreate),
    #[serde(rename = "room.read")]
    RoomRead(Target<RoomId>),
    #[serde(rename = "log.record")]
    LogRecord(LogRecord),
    #[serde(rename = "log.update")]
    LogUpdate(LogUpdate),
    #[serde(rename = "log.close")]
    LogClose(Target<LogEntryId>),
    #[serde(rename = "log.read")]
    LogRead(LogRead),
    #[serde(rename = "liaison_report.submit")]
    LiaisonReportSubmit(LiaisonReportSubmit),
    #[serde(rename = "liaison_report.triage")]
    LiaisonReportTriage(LiaisonReportTriage),
    #[serde(rename = "liaison_report.dismiss")]
    LiaisonReportDismiss(WithReason<LiaisonReportId>),
    #[serde(rename = "sitrep.issue")]
    SitrepIssue(SitrepIssue),
    #[serde(rename = "sitrep.read")]
    SitrepRead(SitrepRead),
    // Protectees and movements.
    #[serde(rename = "protectee.register")]
    ProtecteeRegister(ProtecteeRegister),
    #[serde(rename = "movement.plan")]
    MovementPlan(MovementPlan),
    #[serde(rename = "movement.approve")]
    MovementApprove(Target<MovementId>),
    #[serde(rename = "movement.read")]
    MovementRead(Consult<MovementId>),
    // Requests for information / assistance.
    #[serde(rename = "rfi.draft")]
    RfiDraft(RfiDraft),
    #[serde(rename = "rfi.submit")]
    RfiSubmit(Target<RequestId>),
    #[serde(rename = "rfi.acknowledge")]
    RfiAcknowledge(Target<RequestId>),
    #[serde(rename = "rfi.accept")]
    RfiAccept(RfiAccept),
    #[serde(rename = "rfi.request_clarification")]
    RfiRequestClarification(WithText<RequestId>),
    #[serde(rename = "rfi.clarify")]
    RfiClarify(WithText<RequestId>),
    #[serde(rename = "rfi.refuse")]
    RfiRefuse(WithReason<RequestId>),
    #[serde(rename = "rfi.start")]
    RfiStart(Target<RequestId>),
    #[serde(rename = "rfi.answer")]
    RfiAnswer(RfiAnswer),
    #[serde(rename = "rfi.approve_disclosure")]
    RfiApproveDisclosure(Target<RequestId>),
    #[serde(rename = "rfi.close")]
    RfiClose(Target<RequestId>),
    #[serde(rename = "rfi.cancel")]
    RfiCancel(WithReason<RequestId>),
    #[serde(rename = "rfi.read")]
    RfiRead(Consult<RequestId>),
    // Tasks.
    #[serde(rename = "task.create")]
    TaskCreate(TaskCreate),
    #[serde(rename = "task.approve")]
    TaskApprove(Target<TaskId>),
    #[serde(rename = "task.update")]
    TaskUpdate(TaskUpdate),
    #[serde(rename = "task.read")]
    TaskRead(Target<TaskId>),
    // Vetting.
    #[serde(rename = "vetting.read")]
    VettingRead(Consult<VettingCaseId>),
    #[serde(rename = "vetting.read_opinion")]
    VettingReadOpinion(Target<VettingCaseId>),
    #[serde(rename = "vetting.note")]
    VettingNote(WithText<VettingCaseId>),
    #[serde(rename = "vetting.share")]
    VettingShare(VettingShare),
    #[serde(rename = "vetting.attach_report")]
    VettingAttachReport(VettingAttachReport),
    #[serde(rename = "vetting.clear")]
    VettingClear(WithReason<VettingCaseId>),
    #[serde(rename = "vetting.propose_refusal")]
    VettingProposeRefusal(WithReason<VettingCaseId>),
    #[serde(rename = "vetting.confirm_refusal")]
    VettingConfirmRefusal(WithReason<VettingCaseId>),
    #[serde(rename = "vetting.propose_referral")]
    VettingProposeReferral(WithReason<VettingCaseId>),
    #[serde(rename = "vetting.confirm_referral")]
    VettingConfirmReferral(WithReason<VettingCaseId>),
    #[serde(rename = "vetting.clear_bulk")]
    VettingClearBulk(VettingClearBulk),
    #[serde(rename = "vetting.claim")]
    VettingClaim(Target<VettingCaseId>),
    #[serde(rename = "vetting.release")]
    VettingRelease(Target<VettingCaseId>),
    // Applicants for accreditation (the organiser).
    #[serde(rename = "applicant.submit")]
    ApplicantSubmit(ApplicantSubmit),
    // Retention after the Games (two host commanders).
    #[serde(rename = "retention.propose_purge")]
    RetentionProposePurge(RetentionProposePurge),
    #[serde(rename = "retention.purge")]
    RetentionPurge(RetentionPurge),
}

/// A command that names one record.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target<I> {
    /// The record.
    pub id: I,
}

/// A command that names one record and gives a reason.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithReason<I> {
    /// The record.
    pub id: I,
    /// Why.
    pub reason: Reason,
}

/// A command that names one record and carries a text.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithText<I> {
    /// The record.
    pub id: I,
    /// The text (question, answer, note).
    pub text: LongText,
}

/// A read of personal data: a consultation, recorded with its purpose.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consult<I> {
    /// The record.
    pub id: I,
    /// Why it is read (kept with the consultation, LED art. 25).
    pub purpose: Text<500>,
}

/// `agency.register`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyRegister {
    /// Registry id.
    pub id: AgencyId,
    /// Name.
    pub name: Name,
    /// Host, foreign, organiser or oversight.
    pub kind: AgencyKind,
    /// ISO country.
    pub country: domain::codes::CountryCode,
}

/// `event.configure`: the event with its clusters and venues.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventConfigure {
    /// Event id.
    pub id: EventId,
    /// Name.
    pub name: Name,
    /// Clusters.
    pub clusters: Vec<Cluster>,
    /// Venues, each in a cluster.
    pub venues: Vec<Venue>,
}

/// `delegation.register`: a foreign agency's delegation with its head.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegationRegister {
    /// Delegation id.
    pub id: DelegationId,
    /// Name.
    pub name: Name,
    /// The foreign agency.
    pub agency: AgencyId,
    /// Id for the head's declaration line (generated if absent).
    #[serde(default)]
    pub head_line: Option<DeclarationId>,
    /// The head of the delegation.
    pub head: PersonInput,
}

/// `account.create`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountCreate {
    /// Login name.
    pub username: Name,
    /// Role.
    pub role: Role,
    /// Agency.
    pub agency: AgencyId,
    /// Delegation (foreign roles).
    #[serde(default)]
    pub delegation: Option<DelegationId>,
    /// The accredited declaration line (foreign roles).
    #[serde(default)]
    pub declaration: Option<DeclarationId>,
    /// Refused when present: the admin never chooses (nor learns) a
    /// password; the user chooses it at enrolment. Accepted by the decoder
    /// only to answer with a clear error, never serialized.
    #[serde(default, skip_serializing)]
    pub password: Option<Password>,
}

/// `account.confirm`: a host commander confirms an admin's proposal.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfirm {
    /// The proposal (`account.create`'s answer).
    pub proposal: Name,
}

/// `account.enrolment`: the admin issues a confirmed account's enrolment
/// secret (single use, 24 h), to hand to its user out of band.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEnrolment {
    /// Login name.
    pub username: Name,
}

/// A password on its way to being hashed: `Debug` never shows it.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// The password itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(redacted)")
    }
}

/// `account.disable`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountDisable {
    /// Login name.
    pub username: Name,
}

/// `declaration.submit`: one more person of the principal's delegation.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationSubmit {
    /// Line id (generated if absent).
    #[serde(default)]
    pub id: Option<DeclarationId>,
    /// The person.
    pub person: PersonInput,
}

/// `declaration.answer`: the delegation answers the host's question.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationAnswer {
    /// The line.
    pub id: DeclarationId,
    /// The answer.
    pub answer: LongText,
}

/// `declaration.request_info`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationRequestInfo {
    /// The line.
    pub id: DeclarationId,
    /// The question.
    pub question: LongText,
}

/// A time window, Unix milliseconds, `[from, until)`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowInput {
    /// Start.
    pub from: Timestamp,
    /// End (excluded).
    pub until: Timestamp,
}

/// One zone of one venue.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    /// Venue.
    pub venue: VenueId,
    /// Zone number: 1 inner, 2 middle, 3 outer.
    pub zone: u8,
}

/// `declaration.accredit`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationAccredit {
    /// The line.
    pub id: DeclarationId,
    /// Validity.
    pub window: WindowInput,
    /// Rooms the person may work in.
    #[serde(default)]
    pub rooms: Vec<RoomId>,
    /// Zones the person may enter.
    #[serde(default)]
    pub zones: Vec<ZoneInput>,
}

/// Whose accreditation: a declaration line's or an applicant's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum AccreditationKind {
    Declaration,
    Applicant,
}

/// `accreditation.suspend`, `accreditation.reinstate`, `accreditation.revoke`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccreditationChange {
    /// The declaration line's or the applicant's id.
    pub id: Text<64>,
    /// `declaration` or `applicant`.
    pub kind: AccreditationKind,
    /// Why (kept in the ledger; never shown to the delegation or the organiser).
    pub reason: Reason,
}

/// `arms_permit.grant`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmsPermitGrant {
    /// The line.
    pub id: DeclarationId,
    /// The weapon's serial number.
    pub serial: domain::codes::SerialNumber,
    /// Validity (inside the accreditation).
    pub window: WindowInput,
}

/// `rfi.draft`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfiDraft {
    /// Request id (generated if absent).
    #[serde(default)]
    pub id: Option<RequestId>,
    /// Information or assistance.
    pub kind: RequestKind,
    /// Priority.
    pub priority: Priority,
    /// Subject line.
    pub subject: Name,
    /// The request.
    pub body: LongText,
}

/// `rfi.accept`: accept and assign to a host unit (a host agency).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfiAccept {
    /// The request.
    pub id: RequestId,
    /// The host agency that will work on it.
    pub unit: AgencyId,
}

/// What an answer releases: every answer to a delegation says whether it
/// carries personal data. `{"personal_data": false}` is the answering
/// officer's recorded statement that it does not (the entry names who
/// said so); `{"personal_data": true, "legal_basis", "categories"}` is a
/// disclosure, released only once a commander approves it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureInput {
    /// Whether the answer carries personal data.
    pub personal_data: bool,
    /// Legal basis (with personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<Text<1000>>,
    /// Categories of data (with personal data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<DataCategory>,
}

/// `rfi.answer`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfiAnswer {
    /// The request.
    pub id: RequestId,
    /// The answer.
    pub text: LongText,
    /// Whether the answer releases personal data, and if so on which
    /// basis: required, so that no answer skips the question.
    pub disclosure: DisclosureInput,
}

/// `task.create`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskCreate {
    /// Task id (generated if absent).
    #[serde(default)]
    pub id: Option<TaskId>,
    /// Title.
    pub title: Name,
    /// Details.
    pub details: LongText,
    /// The host unit (a host agency).
    pub unit: AgencyId,
}

/// What happened to a task.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TaskProgress {
    /// Work started.
    Start,
    /// Done, with a report.
    Complete {
        /// The report.
        report: LongText,
    },
    /// Cancelled, with a reason.
    Cancel {
        /// Why.
        reason: Reason,
    },
}

/// `task.update`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdate {
    /// The task.
    pub id: TaskId,
    /// What happened.
    pub progress: TaskProgress,
}

/// Which kind of room `room.create` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomKindInput {
    /// The host's national coordination room (no cluster, no delegation).
    HostNational,
    /// A host room for one venue cluster (needs `cluster`).
    HostCluster,
    /// A foreign delegation's liaison room (needs `delegation`).
    DelegationLiaison,
}

/// `room.create`: the kind's data sits beside it, as in the stored room
/// (`"kind": "host_cluster", "cluster": "milano"`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomCreate {
    /// Room id (generated if absent).
    #[serde(default)]
    pub id: Option<RoomId>,
    /// Name.
    pub name: Name,
    /// Which kind of room.
    pub kind: RoomKindInput,
    /// The cluster of a host cluster room.
    #[serde(default)]
    pub cluster: Option<ClusterId>,
    /// The delegation of a liaison room.
    #[serde(default)]
    pub delegation: Option<DelegationId>,
}

/// `log.record`: a new entry in a room's event log.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRecord {
    /// Entry id (generated if absent).
    #[serde(default)]
    pub id: Option<LogEntryId>,
    /// The room whose log it goes in.
    pub room: RoomId,
    /// The venue concerned, if any.
    #[serde(default)]
    pub venue: Option<VenueId>,
    /// Incident, significant event, information or decision.
    pub category: Category,
    /// 1 (minor) to 5 (critical).
    pub severity: Severity,
    /// What happened.
    pub text: LongText,
}

/// `log.update`: a new severity, a new text, or both, for an open entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogUpdate {
    /// The entry.
    pub id: LogEntryId,
    /// The new severity (unchanged when absent).
    #[serde(default)]
    pub severity: Option<Severity>,
    /// The new text (unchanged when absent).
    #[serde(default)]
    pub text: Option<LongText>,
}

/// `log.read`: a room's whole event log.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRead {
    /// The room.
    pub room: RoomId,
    /// At most this many entries, those changed most recently
    /// (1..=[`MAX_LOG_READ`]; default [`DEFAULT_LOG_READ`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Entries a `log.read` returns when it names no limit.
pub const DEFAULT_LOG_READ: u32 = 200;
/// Most entries one `log.read` returns.
pub const MAX_LOG_READ: u32 = 1000;

/// `liaison_report.submit`: a report of the principal's delegation.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiaisonReportSubmit {
    /// Report id (generated if absent).
    #[serde(default)]
    pub id: Option<LiaisonReportId>,
    /// The venue concerned, if any.
    #[serde(default)]
    pub venue: Option<VenueId>,
    /// The report.
    pub text: LongText,
    /// The person the report is about, for risk information the host may
    /// attach to a vetting case (`vetting.attach_report`).
    #[serde(default)]
    pub subject: Option<domain::room::ReportSubject>,
}

/// `liaison_report.triage`: the report becomes an entry of a host room's
/// log (its dismissal is `liaison_report.dismiss`, under the same action).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiaisonReportTriage {
    /// The report.
    pub id: LiaisonReportId,
    /// The host room whose log receives it.
    pub room: RoomId,
    /// The new entry's category.
    pub category: Category,
    /// The new entry's severity.
    pub severity: Severity,
    /// The new entry's id (generated if absent).
    #[serde(default)]
    pub entry: Option<LogEntryId>,
}

/// `sitrep.issue`: the room's next numbered situation report.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitrepIssue {
    /// The room.
    pub room: RoomId,
}

/// `sitrep.read`: one of a room's situation reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitrepRead {
    /// The room.
    pub room: RoomId,
    /// The report's number (from 1); the latest report when absent.
    #[serde(default)]
    pub number: Option<NonZeroU32>,
}

/// `protectee.register`: a protected person of a delegation.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtecteeRegister {
    /// Protectee id (generated if absent); protective agents' declarations
    /// name it.
    #[serde(default)]
    pub id: Option<ProtecteeId>,
    /// The person's name.
    pub name: PersonName,
    /// The delegation that brings the person.
    pub delegation: DelegationId,
    /// Risk level, 1 to 4, as the host sets it.
    pub risk: RiskLevel,
}

/// One stop of a movement's itinerary.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopInput {
    /// The venue.
    pub venue: VenueId,
    /// The planned arrival (Unix ms).
    pub at: Timestamp,
}

/// `vetting.share`: open a case to a delegation to ask for its risk notes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VettingShare {
    /// The case.
    pub id: VettingCaseId,
    /// The delegation asked (for a declared person: the declaring one).
    pub delegation: DelegationId,
    /// The legal basis of the disclosure.
    pub legal_basis: Text<1000>,
    /// What the host asks the delegation.
    pub question: LongText,
}

/// `vetting.attach_report`: a delegation's liaison report about the
/// person, attached to the case.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VettingAttachReport {
    /// The case.
    pub id: VettingCaseId,
    /// The liaison report.
    pub report: LiaisonReportId,
}

/// `movement.plan`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovementPlan {
    /// Movement id (generated if absent).
    #[serde(default)]
    pub id: Option<MovementId>,
    /// Who moves.
    pub protectee: ProtecteeId,
    /// The itinerary, in time order, inside the window.
    pub stops: Vec<StopInput>,
    /// When.
    pub window: WindowInput,
    /// The host unit in the lead (a host agency).
    pub lead: AgencyId,
    /// The foreign protective agents attached: their declaration lines,
    /// each accredited as a protective agent of this protectee.
    #[serde(default)]
    pub agents: Vec<DeclarationId>,
}

/// `vetting.clear_bulk`: clear a group of cases selected together (obvious
/// false positives) with one reason; each case is cleared and recorded on
/// its own, under `vetting.clear`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VettingClearBulk {
    /// The cases.
    pub ids: Vec<VettingCaseId>,
    /// Why, for all of them.
    pub reason: Reason,
}

/// `applicant.submit`: applicants of the caller's accreditation office,
/// as rows of text (the CSV header's names); each row is read as far as it
/// can be, a row without a readable reference or name is refused with the
/// field and the reason, and the others go in.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicantSubmit {
    /// The rows.
    pub applicants: Vec<ApplicantRow>,
}

/// One applicant as the organiser sends it: every field as text, since a
/// malformed field must not refuse the row (see `service::applicants`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ApplicantRow {
    /// The row's line in the file it came from (for error reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub nationality: Option<String>,
    #[serde(default)]
    pub document_type: Option<String>,
    #[serde(default)]
    pub document_number: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub original_name: Option<String>,
    #[serde(default)]
    pub gender: Option<String>,
    /// Venues, separated by `;` or `|`.
    #[serde(default)]
    pub venues: Option<String>,
    /// Zones, separated by `;` or `|`.
    #[serde(default)]
    pub zones: Option<String>,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// The kinds of record a retention rule can purge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionKind {
    /// Applicants for accreditation (the organiser's), with the vetting
    /// cases their intake screening opened.
    Applicant,
    /// The delegations' declared personnel (declaration lines, heads
    /// included), with the vetting cases their screening opened.
    Declaration,
    /// The consultation log: the consultations made up to the rule's
    /// `event_end`, each with its subjects and payload salt.
    Consultation,
}

impl RetentionKind {
    /// The stored record kind (the log's table for consultations).
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionKind::Applicant => "applicant",
            RetentionKind::Declaration => "declaration",
            RetentionKind::Consultation => "consultation",
        }
    }
}

/// `retention.propose_purge`: a host commander proposes the retention
/// rule "records of `kind` are due `after_days` days after the event's end
/// (`event_end`, Unix ms)"; nothing is purged until another commander
/// confirms it with `retention.purge`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionProposePurge {
    /// The proposal's id (made when absent).
    #[serde(default)]
    pub id: Option<Name>,
    /// Which records.
    pub kind: RetentionKind,
    /// When the event ended (Unix ms).
    pub event_end: Timestamp,
    /// Days after the end of the event the records are kept.
    pub after_days: u32,
    /// Why (the legal basis of the retention period).
    pub reason: Reason,
}

/// The longest retention a rule may name, in days (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3653;

/// `retention.purge`: a second host commander confirms a purge proposal,
/// and the due records are purged in batches of `batch` (default
/// [`PURGE_BATCH`]), each batch one ledger entry. Interrupted, it is
/// confirmed again and goes on where it stopped.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPurge {
    /// The proposal (`retention.propose_purge`'s id).
    pub proposal: Name,
    /// Records per batch (one entry each), 1 to [`MAX_PURGE_BATCH`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u32>,
}

/// Records per purge entry unless the command says otherwise.
pub const PURGE_BATCH: u32 = 10_000;
/// The most records one purge entry may list.
pub const MAX_PURGE_BATCH: u32 = 50_000;

/// The most applicants one `applicant.submit` may carry.
pub const MAX_APPLICANTS: usize = 10_000;
/// The most cases one `vetting.clear_bulk` may clear.
pub const MAX_BULK: usize = 1_000;

/// The most items a list in a command may hold, so that no command makes
/// the single writer do unbounded work (one lookup per agent, per stop…).
pub const MAX_ITEMS: usize = 64;
/// The most venues an `event.configure` may name (an event has tens).
pub const MAX_VENUES: usize = 512;

// The module depends on `domain` and serde only (the command fuzzer compiles
// it on its own), so limits are reported as text; `Service::execute` makes
// them a `ServiceError::BadCommand`.
fn check_len(field: &str, len: usize, max: usize) -> Result<(), String> {
    if len > max {
        return Err(format!("{field}: {len} items, at most {max} allowed"));
    }
    Ok(())
}

impl Command {
    /// Refuses a command whose lists are longer than cortina accepts
    /// ([`MAX_ITEMS`], [`MAX_VENUES`]), before anything runs.
    pub fn check_limits(&self) -> Result<(), String> {
        match self {
            Command::EventConfigure(c) => {
                check_len("clusters", c.clusters.len(), MAX_ITEMS)?;
                check_len("venues", c.venues.len(), MAX_VENUES)
            }
            Command::DeclarationAccredit(c) => {
                check_len("rooms", c.rooms.len(), MAX_ITEMS)?;
                check_len("zones", c.zones.len(), MAX_VENUES)
            }
            Command::RfiAnswer(c) => check_len(
                "disclosure.categories",
                c.disclosure.categories.len(),
                MAX_ITEMS,
            ),
            Command::MovementPlan(c) => {
                check_len("stops", c.stops.len(), MAX_ITEMS)?;
                check_len("agents", c.agents.len(), MAX_ITEMS)
            }
            Command::LogRead(LogRead {
                limit: Some(limit), ..
            }) if !(1..=MAX_LOG_READ).contains(limit) => Err(format!(
                "limit: {limit} is not between 1 and {MAX_LOG_READ}"
            )),
            Command::DeclarationSubmit(DeclarationSubmit { person, .. })
            | Command::DelegationRegister(DelegationRegister { head: person, .. }) => {
                check_len("weapons", person.weapons.len(), MAX_ITEMS)?;
                check_len("vehicles", person.vehicles.len(), MAX_ITEMS)
            }
            Command::ApplicantSubmit(c) => {
                check_len("applicants", c.applicants.len(), MAX_APPLICANTS)
            }
            Command::VettingClearBulk(c) => check_len("ids", c.ids.len(), MAX_BULK),
            Command::RetentionProposePurge(c) if c.after_days > MAX_RETENTION_DAYS => Err(format!(
                "after_days: {} is more than {MAX_RETENTION_DAYS}",
                c.after_days
            )),
            Command::RetentionPurge(RetentionPurge {
                batch: Some(batch), ..
            }) if !(1..=MAX_PURGE_BATCH).contains(batch) => Err(format!(
                "batch: {batch} is not between 1 and {MAX_PURGE_BATCH}"
            )),
            _ => Ok(()),
        }
    }

    /// The action the policy decides this command under.
    pub fn action(&self) -> domain::Action {
        use domain::Action as A;
        match self {
            Command::AgencyRegister(_) => A::AgencyRegister,
            Command::EventConfigure(_) => A::EventConfigure,
            Command::DelegationRegister(_) => A::DelegationRegister,
            Command::AccountCreate(_) => A::AccountCreate,
            Command::AccountConfirm(_) => A::AccountConfirm,
            Command::AccountEnrolment(_) => A::AccountEnrolment,
            Command::AccountDisable(_) => A::AccountDisable,
            Command::DeclarationSubmit(_) | Command::DeclarationAnswer(_) => A::DeclarationSubmit,
            Command::DeclarationWithdraw(_) => A::DeclarationWithdraw,
            Command::DeclarationRequestInfo(_) => A::DeclarationRequestInfo,
            Command::DeclarationRefuse(_) => A::DeclarationRefuse,
            Command::DeclarationAccredit(_) => A::DeclarationAccredit,
            Command::DeclarationRead(_) => A::DeclarationRead,
            Command::ArmsPermitGrant(_) => A::ArmsPermitGrant,
            Command::AccreditationSuspend(_) => A::AccreditationSuspend,
            Command::AccreditationReinstate(_) => A::AccreditationReinstate,
            Command::AccreditationRevoke(_) => A::AccreditationRevoke,
            Command::RoomCreate(_) => A::RoomCreate,
            Command::RoomRead(_) => A::RoomRead,
            Command::LogRecord(_) => A::LogRecord,
            Command::LogUpdate(_) => A::LogUpdate,
            Command::LogClose(_) => A::LogClose,
            Command::LogRead(_) => A::LogRead,
            Command::LiaisonReportSubmit(_) => A::LiaisonReportSubmit,
            Command::LiaisonReportTriage(_) | Command::LiaisonReportDismiss(_) => {
                A::LiaisonReportTriage
            }
            Command::SitrepIssue(_) => A::SitrepIssue,
            Command::SitrepRead(_) => A::SitrepRead,
            Command::ProtecteeRegister(_) => A::ProtecteeRegister,
            Command::MovementPlan(_) => A::MovementPlan,
            Command::MovementApprove(_) => A::MovementApprove,
            Command::MovementRead(_) => A::MovementRead,
            Command::RfiDraft(_) => A::RfiDraft,
            Command::RfiSubmit(_) => A::RfiSubmit,
            Command::RfiAcknowledge(_) => A::RfiAcknowledge,
            Command::RfiAccept(_) => A::RfiAccept,
            Command::RfiRequestClarification(_) => A::RfiRequestClarification,
            Command::RfiClarify(_) => A::RfiClarify,
            Command::RfiRefuse(_) => A::RfiRefuse,
            Command::RfiStart(_) => A::RfiStart,
            Command::RfiAnswer(_) => A::RfiAnswer,
            Command::RfiApproveDisclosure(_) => A::RfiApproveDisclosure,
            Command::RfiClose(_) => A::RfiClose,
            Command::RfiCancel(_) => A::RfiCancel,
            Command::RfiRead(_) => A::RfiRead,
            Command::TaskCreate(_) => A::TaskCreate,
            Command::TaskApprove(_) => A::TaskApprove,
            Command::TaskUpdate(_) => A::TaskUpdate,
            Command::TaskRead(_) => A::TaskRead,
            Command::VettingRead(_) => A::VettingRead,
            Command::VettingReadOpinion(_) => A::VettingReadOpinion,
            Command::VettingNote(_) => A::VettingNote,
            Command::VettingShare(_) => A::VettingShare,
            Command::VettingAttachReport(_) => A::VettingAttachReport,
            Command::VettingClear(_) => A::VettingClear,
            Command::VettingProposeRefusal(_) => A::VettingProposeRefusal,
            Command::VettingConfirmRefusal(_) => A::VettingConfirmRefusal,
            Command::VettingProposeReferral(_) => A::VettingProposeReferral,
            Command::VettingConfirmReferral(_) => A::VettingConfirmReferral,
            Command::VettingClearBulk(_) => A::VettingClear,
            Command::VettingClaim(_) => A::VettingClaim,
            Command::VettingRelease(_) => A::VettingRelease,
            Command::ApplicantSubmit(_) => A::ApplicantSubmit,
            Command::RetentionProposePurge(_) => A::RetentionProposePurge,
            Command::RetentionPurge(_) => A::RetentionPurge,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Command;

    #[test]
    fn debug_never_shows_a_password() {
        let command: Command = serde_json::from_value(serde_json::json!({
            "action": "account.create", "username": "eve", "role": "host_operator",
            "agency": "questura-milano", "password": "hunter2hunter2"
        }))
        .expect("a valid command");
        let shown = format!("{command:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }

    #[test]
    fn long_lists_are_refused_before_anything_runs() {
        let agents: Vec<String> = (0..=super::MAX_ITEMS).map(|i| format!("a-{i}")).collect();
        let command: Command = serde_json::from_value(serde_json::json!({
            "action": "movement.plan", "protectee": "vp",
            "stops": [{"venue": "san-siro", "at": 1}], "window": {"from": 0, "until": 2},
            "lead": "polizia-di-stato", "agents": agents
        }))
        .expect("a valid command");
        let err = command.check_limits().expect_err("too many agents");
        assert!(err.contains("agents: 65 items"), "{err}");
    }
}
