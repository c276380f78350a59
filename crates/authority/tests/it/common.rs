//! Shared helpers: the loaded authority, principals, and the representative
//! resource situations the matrix test and expected.txt speak of.

use std::sync::OnceLock;

use authority::{Authority, Principal, Resource, ResourceKind};
use domain::Role;

/// The principal's own delegation in every fixture.
pub const OWN: &str = "del-a";
/// Another delegation.
pub const OTHER: &str = "del-b";

/// The shipped authority, loaded once for the whole test binary.
pub fn authority() -> &'static Authority {
    static AUTHORITY: OnceLock<Authority> = OnceLock::new();
    AUTHORITY.get_or_init(|| match Authority::new() {
        Ok(authority) => authority,
        Err(e) => panic!("the shipped policy does not load: {e}"),
    })
}

/// A principal holding `role` in the kind of agency the role belongs to;
/// foreign principals belong to delegation [`OWN`].
pub fn principal(role: Role) -> Principal {
    Principal {
        id: format!("user-{role}"),
        role,
        agency_id: format!("agency-{role}"),
        agency_kind: role.agency_kind(),
        delegation: role.is_foreign().then(|| OWN.to_owned()),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The named situations of one kind of record, built for `principal` (a
/// movement's escort and a vetting case's organiser refer to it). The names
/// are the ones expected.txt uses. The match is exhaustive, so a new kind of
/// record does not compile until its situations are written here.
pub fn situations(kind: ResourceKind, principal: &Principal) -> Vec<(&'static str, Resource)> {
    let id = || format!("{}-1", kind.as_str().to_ascii_lowercase());
    let me = principal.id.as_str();
    let movement = |delegation: &str, approved: bool, escort: &[&str]| Resource::Movement {
        id: id(),
        protectee: "protectee-1".to_owned(),
        delegation: Some(delegation.to_owned()),
        attached_agents: strings(escort),
        approved,
    };
    match kind {
        ResourceKind::Event => vec![("event", Resource::Event { id: id() })],
        ResourceKind::Agency => vec![("agency", Resource::Agency { id: id() })],
        ResourceKind::Delegation => vec![(
            "delegation",
            Resource::Delegation {
                id: OTHER.to_owned(),
            },
        )],
        ResourceKind::Declaration => owned(|delegation| Resource::Declaration {
            id: id(),
            delegation,
        }),
        ResourceKind::LiaisonReport => owned(|delegation| Resource::LiaisonReport {
            id: id(),
            delegation,
        }),
        ResourceKind::Request => owned(|delegation| Resource::Request {
            id: id(),
            delegation,
        }),
        ResourceKind::Room => shareable(|delegation, shared_with| Resource::Room {
            id: id(),
            delegation,
            shared_with,
        }),
        ResourceKind::LogEntry => shareable(|delegation, shared_with| Resource::LogEntry {
            id: id(),
            delegation,
            shared_with,
        }),
        ResourceKind::Task => vec![("task", Resource::Task { id: id() })],
        ResourceKind::Protectee => vec![
            (
                "own",
                Resource::Protectee {
                    id: id(),
                    delegation: Some(OWN.to_owned()),
                },
            ),
            (
                "host",
                Resource::Protectee {
                    id: id(),
                    delegation: None,
                },
            ),
            (
                "other",
                Resource::Protectee {
                    id: id(),
                    delegation: Some(OTHER.to_owned()),
                },
            ),
        ],
        ResourceKind::Movement => vec![
            ("escort", movement(OWN, true, &[me, "user-other"])),
            ("unapproved", movement(OWN, false, &[me])),
            ("not-escort", movement(OWN, true, &["user-other"])),
            ("other", movement(OTHER, true, &[me])),
        ],
        ResourceKind::VettingCase => vec![
            (
                "open",
                Resource::VettingCase {
                    id: id(),
                    delegation: None,
                    organiser: Some(principal.agency_id.clone()),
                    shared_with: strings(&[OWN]),
                },
            ),
            (
                "closed",
                Resource::VettingCase {
                    id: id(),
                    delegation: None,
                    organiser: Some("agency-other".to_owned()),
                    shared_with: Vec::new(),
                },
            ),
            (
                "other",
                Resource::VettingCase {
                    id: id(),
                    delegation: Some(OTHER.to_owned()),
                    organiser: None,
                    shared_with: strings(&[OTHER, OWN]),
                },
            ),
        ],
        ResourceKind::Sitrep => vec![
            (
                "shared",
                Resource::Sitrep {
                    id: id(),
                    shared_with: strings(&[OTHER, OWN]),
                },
            ),
            (
                "host",
                Resource::Sitrep {
                    id: id(),
                    shared_with: Vec::new(),
                },
            ),
        ],
        ResourceKind::Ledger => vec![("ledger", Resource::Ledger)],
        ResourceKind::Account => vec![("account", Resource::Account { id: id() })],
        ResourceKind::Token => vec![("token", Resource::Token { id: id() })],
        ResourceKind::Lists => vec![("lists", Resource::Lists)],
        // Named apart from a declaration's `own`/`other`: the accreditation
        // actions apply to both kinds.
        ResourceKind::Applicant => vec![
            (
                "own_applicant",
                Resource::Applicant {
                    id: id(),
                    organiser: principal.agency_id.clone(),
                },
            ),
            (
                "other_applicant",
                Resource::Applicant {
                    id: id(),
                    organiser: "agency-other".to_owned(),
                },
            ),
        ],
    }
}

/// `own` and `other` situations of a record a delegation always owns.
fn owned(build: impl Fn(String) -> Resource) -> Vec<(&'static str, Resource)> {
    vec![
        ("own", build(OWN.to_owned())),
        ("other", build(OTHER.to_owned())),
    ]
}

/// The four situations of a room or log entry.
fn shareable(
    build: impl Fn(Option<String>, Vec<String>) -> Resource,
) -> Vec<(&'static str, Resource)> {
    vec![
        ("own", build(Some(OWN.to_owned()), Vec::new())),
        ("shared", build(None, strings(&[OTHER, OWN]))),
        ("host", build(None, Vec::new())),
        // Owned by another delegation, even though shared with ours.
        ("other", build(Some(OTHER.to_owned()), strings(&[OWN]))),
    ]
}
