//! Operations rooms, their event log, and the liaison reports foreign
//! delegations send in.
//!
//! A log entry is `Open` until closed; while open its severity and text can be
//! updated, and every change moves its `updated_at`, which is what situation
//! reports use to find what changed in their period.
//!
//! ```text
//! log entry:       Open ─update─► Open ─close─► Closed
//! liaison report:  Submitted ─triage─► Triaged { log entry }
//!                      └─────dismiss─► Dismissed { reason }
//! ```
//!
//! # Stored form
//!
//! Each is one JSON object. A room's kind is the tag `"kind"` (with its
//! `"cluster"` or `"delegation"`), a log entry's status the tag `"status"`
//! (with `"closed_at"` once closed), a liaison report's state the tag
//! `"state"` (with the `"log_entry"` made from it, or the dismissal's
//! `"reason"`); severities are numbers:
//!
//! ```json
//! {"id": "rome-ico", "name": "International coordination room", "kind": "host_national"}
//! {"id": "log-1", "room": "rome-ico", "venue": "santa-giulia", "category": "incident",
//!  "severity": 3, "text": "…", "recorded_at": 1769904000000, "updated_at": 1769907600000,
//!  "status": "closed", "closed_at": 1769907600000, "source": null}
//! {"id": "report-1", "delegation": "us-dss", "venue": null, "text": "…",
//!  "submitted_at": 1769904000000, "updated_at": 1769907600000,
//!  "state": "triaged", "log_entry": "log-2"}
//! ```
//!
//! Loading re-checks each value (a severity is 1 to 5) and that times are in
//! order: nothing before the recording or submission, or after the last
//! change. It trusts what needs other records: that the room's cluster or
//! delegation, an entry's room and venue, and a report's delegation exist, and
//! that a triaged report's log entry is in a host room.

use serde::{Deserialize, Serialize};

use crate::codes::CountryCode;
use crate::error::{DomainError, FieldProblem};
use crate::ids::{ClusterId, DelegationId, LiaisonReportId, LogEntryId, RoomId, VenueId};
use crate::registry::{Cluster, Delegation, Venue};
use crate::storage::{Span, aggregate};
use crate::text::{LongText, Name, PersonName, Reason};
use crate::time::{Date, Timestamp};

/// What kind of operations room, and whose.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoomKind {
    /// The host's national coordination room (the international room in Rome).
    HostNational,
    /// A host room for one venue cluster (a provincial joint operations centre).
    HostCluster {
        /// The cluster.
        cluster: ClusterId,
    },
    /// A foreign delegation's liaison room.
    DelegationLiaison {
        /// The delegation.
        delegation: DelegationId,
    },
}

impl RoomKind {
    /// Whether the room is one of the host's.
    pub fn is_host(&self) -> bool {
        !matches!(self, RoomKind::DelegationLiaison { .. })
    }
}

/// An operations room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    id: RoomId,
    name: Name,
    #[serde(flatten)]
    kind: RoomKind,
}

impl Room {
    /// The host's national coordination room.
    pub fn host_national(id: RoomId, name: Name) -> Self {
        Room {
            id,
            name,
            kind: RoomKind::HostNational,
        }
    }

    /// A host room for a cluster.
    pub fn host_cluster(id: RoomId, name: Name, cluster: &Cluster) -> Self {
        let cluster = cluster.id().clone();
        Room {
            id,
            name,
            kind: RoomKind::HostCluster { cluster },
        }
    }

    /// A delegation's liaison room.
    pub fn delegation_liaison(id: RoomId, name: Name, delegation: &Delegation) -> Self {
        let delegation = delegation.id().clone();
        Room {
            id,
            name,
            kind: RoomKind::DelegationLiaison { delegation },
        }
    }

    /// The room's identifier.
    pub fn id(&self) -> &RoomId {
        &self.id
    }

    /// The room's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The room's kind.
    pub fn kind(&self) -> &RoomKind {
        &self.kind
    }

    /// The delegation whose liaison room it is; `None` for a host room.
    pub fn delegation(&self) -> Option<&DelegationId> {
        match &self.kind {
            RoomKind::DelegationLiaison { delegation } => Some(delegation),
            RoomKind::HostNational | RoomKind::HostCluster { .. } => None,
        }
    }

    /// The stable state name, `created`: a room has no state machine.
    pub fn state_name(&self) -> &'static str {
        "created"
    }

    /// The cluster of a host cluster room; `None` for other rooms.
    pub fn cluster(&self) -> Option<&ClusterId> {
        match &self.kind {
            RoomKind::HostCluster { cluster } => Some(cluster),
            RoomKind::HostNational | RoomKind::DelegationLiaison { .. } => None,
        }
    }
}

/// What a log entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// An incident: something happened that needs a response.
    Incident,
    /// A significant event: something happened that others should know.
    SignificantEvent,
    /// Information received or shared.
    Information,
    /// A decision taken in the room.
    Decision,
}

impl Category {
    /// Every category, in a stable order.
    pub const ALL: [Category; 4] = [
        Category::Incident,
        Category::SignificantEvent,
        Category::Information,
        Category::Decision,
    ];

    /// The stable name (`incident`, `significant_event`, `information`, `decision`).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Incident => "incident",
            Category::SignificantEvent => "significant_event",
            Category::Information => "information",
            Category::Decision => "decision",
        }
    }
}

/// How serious a log entry is, from 1 (minor) to 5 (critical).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Severity(u8);

impl Severity {
    /// The lowest severity.
    pub const MIN: Severity = Severity(1);
    /// The highest severity.
    pub const MAX: Severity = Severity(5);

    /// A severity; refused outside 1 to 5.
    pub fn new(level: u8) -> Result<Self, DomainError> {
        if !(1..=5).contains(&level) {
            return Err(DomainError::field(
                "severity",
                FieldProblem::OutOfRange {
                    min: 1,
                    max: 5,
                    found: level.into(),
                },
            ));
        }
        Ok(Severity(level))
    }

    /// The level, 1 to 5.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Severity {
    type Error = DomainError;

    /// The same as [`Severity::new`].
    fn try_from(level: u8) -> Result<Self, Self::Error> {
        Severity::new(level)
    }
}

impl From<Severity> for u8 {
    fn from(severity: Severity) -> u8 {
        severity.0
    }
}

/// Whether a log entry still needs attention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LogStatus {
    /// Still open.
    Open,
    /// Closed. Final.
    Closed {
        /// When it was closed.
        #[serde(rename = "closed_at")]
        at: Timestamp,
    },
}

impl LogStatus {
    /// The status's name, as error messages spell it.
    pub fn name(self) -> &'static str {
        match self {
            LogStatus::Open => "Open",
            LogStatus::Closed { .. } => "Closed",
        }
    }

    /// The stable name (`open`, `closed`), as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            LogStatus::Open => "open",
            LogStatus::Closed { .. } => "closed",
        }
    }
}

/// One entry of a room's event log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredLogEntry", into = "StoredLogEntry")]
pub struct LogEntry {
    id: LogEntryId,
    room: RoomId,
    venue: Option<VenueId>,
    category: Category,
    severity: Severity,
    text: LongText,
    recorded_at: Timestamp,
    updated_at: Timestamp,
    status: LogStatus,
    source: Option<LiaisonReportId>,
}

impl LogEntry {
    /// Records an entry in a room's log, optionally at a venue.
    pub fn record(
        id: LogEntryId,
        room: &Room,
        venue: Option<&Venue>,
        category: Category,
        severity: Severity,
        text: LongText,
        at: Timestamp,
    ) -> Self {
        LogEntry {
            id,
            room: room.id().clone(),
            venue: venue.map(|v| v.id().clone()),
            category,
            severity,
            text,
            recorded_at: at,
            updated_at: at,
            status: LogStatus::Open,
            source: None,
        }
    }

    /// The entry's identifier.
    pub fn id(&self) -> &LogEntryId {
        &self.id
    }

    /// The room whose log it is in.
    pub fn room(&self) -> &RoomId {
        &self.room
    }

    /// The venue concerned, if any.
    pub fn venue(&self) -> Option<&VenueId> {
        self.venue.as_ref()
    }

    /// The category.
    pub fn category(&self) -> Category {
        self.category
    }

    /// The severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The text.
    pub fn text(&self) -> &LongText {
        &self.text
    }

    /// When it was recorded.
    pub fn recorded_at(&self) -> Timestamp {
        self.recorded_at
    }

    /// When it last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// Open or closed.
    pub fn status(&self) -> LogStatus {
        self.status
    }

    /// The stable name of the entry's status ([`LogStatus::as_str`]), as stored.
    pub fn state_name(&self) -> &'static str {
        self.status.as_str()
    }

    /// The liaison report it was triaged from, if any.
    pub fn source(&self) -> Option<&LiaisonReportId> {
        self.source.as_ref()
    }

    /// Changes the severity and the text of an open entry.
    pub fn update(
        &self,
        severity: Severity,
        text: LongText,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.require_open("update", at)?;
        let mut next = self.clone();
        next.severity = severity;
        next.text = text;
        next.updated_at = at;
        Ok(next)
    }

    /// Closes an open entry.
    pub fn close(&self, at: Timestamp) -> Result<Self, DomainError> {
        self.require_open("close", at)?;
        let mut next = self.clone();
        next.status = LogStatus::Closed { at };
        next.updated_at = at;
        Ok(next)
    }

    fn require_open(&self, transition: &'static str, at: Timestamp) -> Result<(), DomainError> {
        let entity = "log entry";
        if self.status != LogStatus::Open {
            return Err(DomainError::InvalidTransition {
                entity,
                state: self.status.name(),
                transition,
            });
        }
        if at < self.updated_at {
            return Err(DomainError::TimeWentBackwards {
                entity,
                at: at.as_millis(),
                last: self.updated_at.as_millis(),
            });
        }
        Ok(())
    }
}

/// Where a liaison report stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReportState {
    /// Waiting for the host to triage it.
    Submitted,
    /// Entered into a host room's log.
    Triaged {
        /// The log entry made from it.
        #[serde(rename = "log_entry")]
        entry: LogEntryId,
    },
    /// Not entered into the log.
    Dismissed {
        /// Why.
        reason: Reason,
    },
}

impl ReportState {
    /// The state's name, as error messages spell it.
    pub fn name(&self) -> &'static str {
        match self {
            ReportState::Submitted => "Submitted",
            ReportState::Triaged { .. } => "Triaged",
            ReportState::Dismissed { .. } => "Dismissed",
        }
    }

    /// The stable name (`submitted`, `triaged`, `dismissed`), as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportState::Submitted => "submitted",
            ReportState::Triaged { .. } => "triaged",
            ReportState::Dismissed { .. } => "dismissed",
        }
    }
}

/// A report a foreign liaison officer sends to the host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredLiaisonReport", into = "StoredLiaisonReport")]
pub struct LiaisonReport {
    id: LiaisonReportId,
    delegation: DelegationId,
    venue: Option<VenueId>,
    text: LongText,
    submitted_at: Timestamp,
    updated_at: Timestamp,
    state: ReportState,
    subject: Option<ReportSubject>,
}

/// The person a liaison report is about, when a delegation brings the host
/// unsolicited risk information on someone (the way a delegation's risk
/// information reaches vetting: the host attaches the report to a case;
/// no case is ever opened to a delegation for it). Personal data: a report
/// with a subject is stored salted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSubject {
    /// The person's name.
    pub name: PersonName,
    /// The birth date, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Date>,
    /// The nationality, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<CountryCode>,
}

impl LiaisonReport {
    /// Submits a report of a delegation, optionally about a venue.
    pub fn submit(
        id: LiaisonReportId,
        delegation: &Delegation,
        venue: Option<&Venue>,
        text: LongText,
        at: Timestamp,
    ) -> Self {
        LiaisonReport {
            id,
            delegation: delegation.id().clone(),
            venue: venue.map(|v| v.id().clone()),
            text,
            submitted_at: at,
            updated_at: at,
            state: ReportState::Submitted,
            subject: None,
        }
    }

    /// The report as being about `subject`.
    pub fn about(mut self, subject: ReportSubject) -> Self {
        self.subject = Some(subject);
        self
    }

    /// The person the report is about, if any.
    pub fn subject(&self) -> Option<&ReportSubject> {
        self.subject.as_ref()
    }

    /// The report's identifier.
    pub fn id(&self) -> &LiaisonReportId {
        &self.id
    }

    /// The reporting delegation.
    pub fn delegation(&self) -> &DelegationId {
        &self.delegation
    }

    /// The venue concerned, if any.
    pub fn venue(&self) -> Option<&VenueId> {
        self.venue.as_ref()
    }

    /// The report.
    pub fn text(&self) -> &LongText {
        &self.text
    }

    /// When it was submitted.
    pub fn submitted_at(&self) -> Timestamp {
        self.submitted_at
    }

    /// When it last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// Where it stands.
    pub fn state(&self) -> &ReportState {
        &self.state
    }

    /// The stable name of the report's state ([`ReportState::as_str`]), as stored.
    pub fn state_name(&self) -> &'static str {
        self.state.as_str()
    }

    /// Triages the report into a host room's log: returns the triaged report
    /// and the new log entry, which carries the report's venue and text.
    pub fn triage(
        &self,
        entry: LogEntryId,
        room: &Room,
        category: Category,
        severity: Severity,
        at: Timestamp,
    ) -> Result<(Self, LogEntry), DomainError> {
        self.require_submitted("triage", at)?;
        if !room.kind().is_host() {
            return Err(DomainError::field(
                "room",
                FieldProblem::Rule("a liaison report is triaged into a host room's log"),
            ));
        }
        let log_entry = LogEntry {
            id: entry.clone(),
            room: room.id().clone(),
            venue: self.venue.clone(),
            category,
            severity,
            text: self.text.clone(),
            recorded_at: at,
            updated_at: at,
            status: LogStatus::Open,
            source: Some(self.id.clone()),
        };
        let mut next = self.clone();
        next.state = ReportState::Triaged { entry };
        next.updated_at = at;
        Ok((next, log_entry))
    }

    /// Dismisses the report, with a reason.
    pub fn dismiss(&self, reason: Reason, at: Timestamp) -> Result<Self, DomainError> {
        self.require_submitted("dismiss", at)?;
        let mut next = self.clone();
        next.state = ReportState::Dismissed { reason };
        next.updated_at = at;
        Ok(next)
    }

    fn require_submitted(
        &self,
        transition: &'static str,
        at: Timestamp,
    ) -> Result<(), DomainError> {
        let entity = "liaison report";
        if self.state != ReportState::Submitted {
            return Err(DomainError::InvalidTransition {
                entity,
                state: self.state.name(),
                transition,
            });
        }
        if at < self.updated_at {
            return Err(DomainError::TimeWentBackwards {
                entity,
                at: at.as_millis(),
                last: self.updated_at.as_millis(),
            });
        }
        Ok(())
    }
}

aggregate!(Room, "room", delegation: |r| r.delegation(), room: |r| Some(r.id()));
aggregate!(LogEntry, "log_entry", delegation: |_| None, room: |e| Some(e.room()),
board: |e| crate::storage::BoardAttributes {
    category: Some(e.category().as_str()),
    severity: Some(e.severity().get()),
    ..crate::storage::BoardAttributes::default()
});
aggregate!(LiaisonReport, "liaison_report", delegation: |r| Some(r.delegation()), room: |_| None);

/// The stored form of a [`LogEntry`], checked on loading as the module
/// documentation describes.
#[derive(Serialize, Deserialize)]
struct StoredLogEntry {
    id: LogEntryId,
    room: RoomId,
    venue: Option<VenueId>,
    category: Category,
    severity: Severity,
    text: LongText,
    recorded_at: Timestamp,
    updated_at: Timestamp,
    #[serde(flatten)]
    status: LogStatus,
    source: Option<LiaisonReportId>,
}

impl From<LogEntry> for StoredLogEntry {
    fn from(entry: LogEntry) -> Self {
        StoredLogEntry {
            id: entry.id,
            room: entry.room,
            venue: entry.venue,
            category: entry.category,
            severity: entry.severity,
            text: entry.text,
            recorded_at: entry.recorded_at,
            updated_at: entry.updated_at,
            status: entry.status,
            source: entry.source,
        }
    }
}

impl TryFrom<StoredLogEntry> for LogEntry {
    type Error = DomainError;

    fn try_from(stored: StoredLogEntry) -> Result<Self, Self::Error> {
        let span = Span::new("log entry", stored.recorded_at, stored.updated_at)?;
        if let LogStatus::Closed { at } = stored.status {
            span.contains([at])?;
        }
        Ok(LogEntry {
            id: stored.id,
            room: stored.room,
            venue: stored.venue,
            category: stored.category,
            severity: stored.severity,
            text: stored.text,
            recorded_at: stored.recorded_at,
            updated_at: stored.updated_at,
            status: stored.status,
            source: stored.source,
        })
    }
}

/// The stored form of a [`LiaisonReport`], checked on loading as the module
/// documentation describes.
#[derive(Serialize, Deserialize)]
struct StoredLiaisonReport {
    id: LiaisonReportId,
    delegation: DelegationId,
    venue: Option<VenueId>,
    text: LongText,
    submitted_at: Timestamp,
    updated_at: Timestamp,
    #[serde(flatten)]
    state: ReportState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<ReportSubject>,
}

impl From<LiaisonReport> for StoredLiaisonReport {
    fn from(report: LiaisonReport) -> Self {
        StoredLiaisonReport {
            id: report.id,
            delegation: report.delegation,
            venue: report.venue,
            text: report.text,
            submitted_at: report.submitted_at,
            updated_at: report.updated_at,
            state: report.state,
            subject: report.subject,
        }
    }
}

impl TryFrom<StoredLiaisonReport> for LiaisonReport {
    type Error = DomainError;

    fn try_from(stored: StoredLiaisonReport) -> Result<Self, Self::Error> {
        Span::new("liaison report", stored.submitted_at, stored.updated_at)?;
        Ok(LiaisonReport {
            id: stored.id,
            delegation: stored.delegation,
            venue: stored.venue,
            text: stored.text,
            submitted_at: stored.submitted_at,
            updated_at: stored.updated_at,
            state: stored.state,
            subject: stored.subject,
        })
    }
}
