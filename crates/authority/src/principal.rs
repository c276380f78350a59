//! The principal of a decision: the account acting, described by registry facts.

use domain::{AgencyKind, Role};

/// The account asking to act, with the facts the policy looks at.
///
/// Every field comes from cortina's registry (the account, its agency and its
/// delegation), never from the request the user sent: the service looks the
/// account up after authentication and fills this in. In particular whether
/// the principal is "host" is derived from [`Principal::agency_kind`], not
/// from the role, so a foreign agency's account that holds a host role by
/// mistake is still treated as foreign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The account's registry id.
    pub id: String,
    /// The account's role.
    pub role: Role,
    /// The registry id of the agency the account belongs to.
    pub agency_id: String,
    /// The kind of that agency, as the registry records it.
    pub agency_kind: AgencyKind,
    /// The delegation of a foreign account; `None` for everyone else.
    pub delegation: Option<String>,
}

impl Principal {
    /// Whether the principal's agency is a host agency.
    pub fn is_host(&self) -> bool {
        self.agency_kind == AgencyKind::Host
    }
}
