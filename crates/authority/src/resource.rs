//! The resource of a decision: the record acted upon, described by registry facts.
//!
//! Each variant of [`Resource`] carries exactly the facts the policy may look
//! at for that kind of record, so a caller cannot give a task an owner or
//! forget a movement's escort. The Cedar schema (`policies/cortina.cedarschema`)
//! declares the same shapes; [`crate::Authority`] checks at load time that the
//! two agree.

use std::fmt;
use std::str::FromStr;

/// A record an action applies to, with its registry facts.
///
/// Delegations, agencies and accounts are named by their registry ids.
/// `delegation` is the foreign delegation that owns a record (its
/// declarations, requests, reports, its liaison room); `shared_with` lists the
/// delegations the host has chosen to share a host-owned record with.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// The event, with its clusters, venues and security zones.
    Event {
        /// The event's registry id.
        id: String,
    },
    /// An agency (host, foreign, organiser or oversight).
    Agency {
        /// The agency's registry id.
        id: String,
    },
    /// A foreign delegation.
    Delegation {
        /// The delegation's registry id.
        id: String,
    },
    /// A declared member of a delegation (one declaration line).
    Declaration {
        /// The declaration line's id.
        id: String,
        /// The delegation that declared the person.
        delegation: String,
    },
    /// An operations room.
    Room {
        /// The room's id.
        id: String,
        /// The delegation whose liaison room this is, if it is one.
        delegation: Option<String>,
        /// The delegations the host shares this room with.
        shared_with: Vec<String>,
    },
    /// An entry in a room's event log.
    LogEntry {
        /// The entry's id.
        id: String,
        /// The delegation that owns the entry (an entry of its liaison room).
        delegation: Option<String>,
        /// The delegations the host shares this entry with.
        shared_with: Vec<String>,
    },
    /// A liaison report filed by a delegation.
    LiaisonReport {
        /// The report's id.
        id: String,
        /// The delegation that filed it.
        delegation: String,
    },
    /// A request for information or assistance filed by a delegation.
    Request {
        /// The request's id.
        id: String,
        /// The delegation that filed it.
        delegation: String,
    },
    /// A task for a host unit.
    Task {
        /// The task's id.
        id: String,
    },
    /// A protected person.
    Protectee {
        /// The protectee's id.
        id: String,
        /// The delegation that brought the protectee; `None` for a person the
        /// host protects on its own account.
        delegation: Option<String>,
    },
    /// A planned movement of a protectee.
    Movement {
        /// The movement's id.
        id: String,
        /// The protectee who moves.
        protectee: String,
        /// The protectee's delegation, if any.
        delegation: Option<String>,
        /// The account ids of the escort the host approved for the movement.
        attached_agents: Vec<String>,
        /// Whether a host commander has approved the movement.
        approved: bool,
    },
    /// A vetting case opened from a screening hit.
    VettingCase {
        /// The case's id.
        id: String,
        /// The delegation that declared the person, when the person is
        /// foreign personnel.
        delegation: Option<String>,
        /// The agency id of the accreditation office whose applicant the
        /// person is, when there is one.
        organiser: Option<String>,
        /// The delegations the host has invited to add risk notes.
        shared_with: Vec<String>,
    },
    /// An applicant for accreditation through the organiser.
    Applicant {
        /// The applicant's (opaque) id.
        id: String,
        /// The agency id of the accreditation office that submitted it.
        organiser: String,
    },
    /// A numbered situation report.
    Sitrep {
        /// The report's id.
        id: String,
        /// The delegations the report is shared with.
        shared_with: Vec<String>,
    },
    /// The ledger, with the statistics and authority trail drawn from it.
    Ledger,
    /// An account, as the object of an administrative action.
    Account {
        /// The account's registry id.
        id: String,
    },
    /// An API or witness token.
    Token {
        /// The token's id (never the secret).
        id: String,
    },
    /// The watchlists (the current list snapshot).
    Lists,
}

impl Resource {
    /// The kind of record this is.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Resource::Event { .. } => ResourceKind::Event,
            Resource::Agency { .. } => ResourceKind::Agency,
            Resource::Delegation { .. } => ResourceKind::Delegation,
            Resource::Declaration { .. } => ResourceKind::Declaration,
            Resource::Room { .. } => ResourceKind::Room,
            Resource::LogEntry { .. } => ResourceKind::LogEntry,
            Resource::LiaisonReport { .. } => ResourceKind::LiaisonReport,
            Resource::Request { .. } => ResourceKind::Request,
            Resource::Task { .. } => ResourceKind::Task,
            Resource::Protectee { .. } => ResourceKind::Protectee,
            Resource::Movement { .. } => ResourceKind::Movement,
            Resource::VettingCase { .. } => ResourceKind::VettingCase,
            Resource::Applicant { .. } => ResourceKind::Applicant,
            Resource::Sitrep { .. } => ResourceKind::Sitrep,
            Resource::Ledger => ResourceKind::Ledger,
            Resource::Account { .. } => ResourceKind::Account,
            Resource::Token { .. } => ResourceKind::Token,
            Resource::Lists => ResourceKind::Lists,
        }
    }

    /// The record's id. The ledger and the lists are single records, named
    /// `ledger` and `lists`.
    pub fn id(&self) -> &str {
        match self {
            Resource::Event { id }
            | Resource::Agency { id }
            | Resource::Delegation { id }
            | Resource::Declaration { id, .. }
            | Resource::Room { id, .. }
            | Resource::LogEntry { id, .. }
            | Resource::LiaisonReport { id, .. }
            | Resource::Request { id, .. }
            | Resource::Task { id }
            | Resource::Protectee { id, .. }
            | Resource::Movement { id, .. }
            | Resource::VettingCase { id, .. }
            | Resource::Applicant { id, .. }
            | Resource::Sitrep { id, .. }
            | Resource::Account { id }
            | Resource::Token { id } => id,
            Resource::Ledger => "ledger",
            Resource::Lists => "lists",
        }
    }

    /// The same facts without the record's identity: what a decision can
    /// depend on, since the policy never names a resource by its id (a test
    /// of this crate reads the policy for it). Two records with the same
    /// anonymous facts get the same decision for the same principal and
    /// action, which [`crate::Memo`] relies on.
    pub fn anonymous(&self) -> Resource {
        let mut facts = self.clone();
        match &mut facts {
            Resource::Event { id }
            | Resource::Agency { id }
            | Resource::Delegation { id }
            | Resource::Declaration { id, .. }
            | Resource::Room { id, .. }
            | Resource::LogEntry { id, .. }
            | Resource::LiaisonReport { id, .. }
            | Resource::Request { id, .. }
            | Resource::Task { id }
            | Resource::Protectee { id, .. }
            | Resource::Movement { id, .. }
            | Resource::VettingCase { id, .. }
            | Resource::Applicant { id, .. }
            | Resource::Sitrep { id, .. }
            | Resource::Account { id }
            | Resource::Token { id } => id.clear(),
            Resource::Ledger | Resource::Lists => {}
        }
        facts
    }

    /// The delegation that owns the record, if a delegation does.
    pub fn owner(&self) -> Option<&str> {
        match self {
            Resource::Declaration { delegation, .. }
            | Resource::LiaisonReport { delegation, .. }
            | Resource::Request { delegation, .. } => Some(delegation),
            Resource::Room { delegation, .. }
            | Resource::LogEntry { delegation, .. }
            | Resource::Protectee { delegation, .. }
            | Resource::Movement { delegation, .. }
            | Resource::VettingCase { delegation, .. } => delegation.as_deref(),
            Resource::Event { .. }
            | Resource::Agency { .. }
            | Resource::Delegation { .. }
            | Resource::Task { .. }
            | Resource::Applicant { .. }
            | Resource::Sitrep { .. }
            | Resource::Ledger
            | Resource::Account { .. }
            | Resource::Token { .. }
            | Resource::Lists => None,
        }
    }
}

macro_rules! resource_kinds {
    ($( $(#[$doc:meta])* $variant:ident, )*) => {
        /// The kinds of record, one per entity type of the Cedar schema.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ResourceKind {
            $( $(#[$doc])* $variant, )*
        }

        impl ResourceKind {
            /// Every kind, in a stable order.
            pub const ALL: &'static [ResourceKind] = &[$(ResourceKind::$variant),*];

            /// The Cedar entity type name (`Event`, `LogEntry`, ...).
            pub fn as_str(self) -> &'static str {
                match self { $(ResourceKind::$variant => stringify!($variant),)* }
            }
        }
    };
}

resource_kinds! {
    /// [`Resource::Event`].
    Event,
    /// [`Resource::Agency`].
    Agency,
    /// [`Resource::Delegation`].
    Delegation,
    /// [`Resource::Declaration`].
    Declaration,
    /// [`Resource::Room`].
    Room,
    /// [`Resource::LogEntry`].
    LogEntry,
    /// [`Resource::LiaisonReport`].
    LiaisonReport,
    /// [`Resource::Request`].
    Request,
    /// [`Resource::Task`].
    Task,
    /// [`Resource::Protectee`].
    Protectee,
    /// [`Resource::Movement`].
    Movement,
    /// [`Resource::VettingCase`].
    VettingCase,
    /// [`Resource::Applicant`].
    Applicant,
    /// [`Resource::Sitrep`].
    Sitrep,
    /// [`Resource::Ledger`].
    Ledger,
    /// [`Resource::Account`].
    Account,
    /// [`Resource::Token`].
    Token,
    /// [`Resource::Lists`].
    Lists,
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not the Cedar type name of any [`ResourceKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown resource type {0:?}")]
pub struct UnknownResourceKind(pub String);

impl FromStr for ResourceKind {
    type Err = UnknownResourceKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResourceKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownResourceKind(s.to_owned()))
    }
}
