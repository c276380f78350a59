//! Roles and agency kinds, as DESIGN.md's table of users defines them.
//!
//! Stored form: both are JSON strings of their stable names
//! ([`Role::as_str`], [`AgencyKind::as_str`]); loading parses them back with
//! `FromStr` and refuses an unknown name.

use std::fmt;
use std::str::FromStr;

use crate::storage::serde_as_str;

/// What kind of organisation an agency is. It comes from the registry, never
/// from a request: whether a principal is "host" is a fact about its agency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgencyKind {
    /// A security agency of the host nation (ministry, police forces, Questure).
    Host,
    /// A foreign security agency present through a delegation.
    Foreign,
    /// The organising committee's accreditation office.
    Organiser,
    /// An oversight body (parliamentary committee, data-protection authority).
    Oversight,
}

impl AgencyKind {
    /// Every kind, in a stable order.
    pub const ALL: [AgencyKind; 4] = [
        AgencyKind::Host,
        AgencyKind::Foreign,
        AgencyKind::Organiser,
        AgencyKind::Oversight,
    ];

    /// The stable lower-case name (`host`, `foreign`, `organiser`, `oversight`).
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Host => "host",
            AgencyKind::Foreign => "foreign",
            AgencyKind::Organiser => "organiser",
            AgencyKind::Oversight => "oversight",
        }
    }
}

impl fmt::Display for AgencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An agency kind name that is not one of [`AgencyKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown agency kind {0:?} (expected one of: {list})", list = AgencyKind::ALL.map(AgencyKind::as_str).join(", "))]
pub struct UnknownAgencyKind(pub String);

impl FromStr for AgencyKind {
    type Err = UnknownAgencyKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgencyKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownAgencyKind(s.to_owned()))
    }
}

/// The role an account holds. One account, one role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Opens and closes incidents, creates and approves tasks, approves
    /// declarations, arms permits and movements, confirms refusals, approves
    /// disclosures of personal data.
    HostCommander,
    /// Logs incidents, triages liaison reports, acknowledges and answers
    /// requests, prepares movements.
    HostOperator,
    /// Runs screenings, prepares and clears routine vetting cases, proposes
    /// refusals.
    HostAnalyst,
    /// A foreign delegation's liaison officer: declares the delegation's
    /// personnel, files requests and liaison reports, adds risk notes.
    ForeignLiaison,
    /// A foreign investigator: adds risk notes, reads what the host shares.
    ForeignInvestigator,
    /// A foreign protective agent: sees the own protectee's approved movements.
    ForeignProtective,
    /// The organising committee's accreditation office: sees opinions only.
    Organiser,
    /// The oversight body: verifies the ledger, reads statistics; never writes.
    Oversight,
    /// Host IT: accounts, list updates, configuration; no operational decisions.
    Admin,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 9] = [
        Role::HostCommander,
        Role::HostOperator,
        Role::HostAnalyst,
        Role::ForeignLiaison,
        Role::ForeignInvestigator,
        Role::ForeignProtective,
        Role::Organiser,
        Role::Oversight,
        Role::Admin,
    ];

    /// The stable name used in the CLI, the policy and the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::HostCommander => "host_commander",
            Role::HostOperator => "host_operator",
            Role::HostAnalyst => "host_analyst",
            Role::ForeignLiaison => "foreign_liaison",
            Role::ForeignInvestigator => "foreign_investigator",
            Role::ForeignProtective => "foreign_protective",
            Role::Organiser => "organiser",
            Role::Oversight => "oversight",
            Role::Admin => "admin",
        }
    }

    /// The kind of agency an account with this role must belong to. Foreign
    /// roles need a foreign agency (and a delegation); host roles and admin a
    /// host agency.
    pub fn agency_kind(self) -> AgencyKind {
        match self {
            Role::HostCommander | Role::HostOperator | Role::HostAnalyst | Role::Admin => {
                AgencyKind::Host
            }
            Role::ForeignLiaison | Role::ForeignInvestigator | Role::ForeignProtective => {
                AgencyKind::Foreign
            }
            Role::Organiser => AgencyKind::Organiser,
            Role::Oversight => AgencyKind::Oversight,
        }
    }

    /// Whether the role belongs to a foreign delegation.
    pub fn is_foreign(self) -> bool {
        self.agency_kind() == AgencyKind::Foreign
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (expected one of: {list})", list = Role::ALL.map(Role::as_str).join(", "))]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Accept the CLI's hyphenated spelling too (`host-commander`).
        let normalised = s.trim().to_ascii_lowercase().replace('-', "_");
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == normalised)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

serde_as_str!(AgencyKind, "an agency kind", str::parse::<AgencyKind>);
serde_as_str!(Role, "a role", str::parse::<Role>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(role.as_str().replace('_', "-").parse::<Role>(), Ok(role));
        }
        assert!("commander".parse::<Role>().is_err());
    }

    #[test]
    fn foreign_roles_need_foreign_agencies() {
        let foreign: Vec<Role> = Role::ALL.into_iter().filter(|r| r.is_foreign()).collect();
        assert_eq!(
            foreign,
            [
                Role::ForeignLiaison,
                Role::ForeignInvestigator,
                Role::ForeignProtective
            ]
        );
    }
}
