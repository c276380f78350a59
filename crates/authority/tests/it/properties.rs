//! Property tests of the constitution: for random principals and random
//! resources, foreign principals never task, never adjudicate and never
//! touch another delegation's records, and oversight never writes.
//!
//! The sets of tasking and adjudication actions are written here by hand
//! from DESIGN.md, independently of the action groups in the schema.

use authority::{Memo, Principal, Resource, ResourceKind};
use domain::{Action, AgencyKind, Role};
use proptest::prelude::*;

use crate::common::authority;

/// Tasking host units.
const TASKING: &[Action] = &[Action::TaskCreate, Action::TaskApprove, Action::TaskUpdate];

/// Decisions that belong to the host.
const ADJUDICATION: &[Action] = &[
    Action::DeclarationAccredit,
    Action::DeclarationRefuse,
    Action::DeclarationRequestInfo,
    Action::ArmsPermitGrant,
    Action::AccreditationSuspend,
    Action::AccreditationReinstate,
    Action::AccreditationRevoke,
    Action::VettingClear,
    Action::VettingProposeRefusal,
    Action::VettingConfirmRefusal,
    Action::VettingProposeReferral,
    Action::VettingConfirmReferral,
    Action::RfiAcknowledge,
    Action::RfiAccept,
    Action::RfiRequestClarification,
    Action::RfiRefuse,
    Action::RfiStart,
    Action::RfiAnswer,
    Action::RfiApproveDisclosure,
    Action::MovementApprove,
    Action::LogClose,
    Action::LiaisonReportTriage,
    Action::SitrepIssue,
];

const DELEGATIONS: [&str; 3] = ["d0", "d1", "d2"];
const AGENTS: [&str; 3] = ["u0", "u1", "u2"];
const AGENCIES: [&str; 3] = ["a0", "a1", "a2"];

/// Random registry facts, from which a principal and a resource are built.
#[derive(Clone, Debug)]
struct Facts {
    role: Role,
    agency_kind: AgencyKind,
    principal: usize,
    agency: usize,
    delegation: Option<usize>,
    action: Action,
    kind_choice: usize,
    owner: Option<usize>,
    shared_with: Vec<usize>,
    attached: Vec<usize>,
    approved: bool,
    organiser: Option<usize>,
}

fn facts(agency_kind: BoxedStrategy<AgencyKind>) -> impl Strategy<Value = Facts> {
    (
        (
            proptest::sample::select(Role::ALL.to_vec()),
            agency_kind,
            0..AGENTS.len(),
            0..AGENCIES.len(),
            proptest::option::of(0..DELEGATIONS.len()),
            proptest::sample::select(Action::ALL.to_vec()),
        ),
        (
            0..8usize,
            proptest::option::of(0..DELEGATIONS.len()),
            proptest::collection::vec(0..DELEGATIONS.len(), 0..3),
            proptest::collection::vec(0..AGENTS.len(), 0..3),
            any::<bool>(),
            proptest::option::of(0..AGENCIES.len()),
        ),
    )
        .prop_map(
            |(
                (role, agency_kind, principal, agency, delegation, action),
                (kind_choice, owner, shared_with, attached, approved, organiser),
            )| Facts {
                role,
                agency_kind,
                principal,
                agency,
                delegation,
                action,
                kind_choice,
                owner,
                shared_with,
                attached,
                approved,
                organiser,
            },
        )
}

impl Facts {
    fn principal(&self) -> Principal {
        Principal {
            id: AGENTS[self.principal].to_owned(),
            role: self.role,
            agency_id: AGENCIES[self.agency].to_owned(),
            agency_kind: self.agency_kind,
            delegation: self.delegation.map(|d| DELEGATIONS[d].to_owned()),
        }
    }

    /// A resource of a kind the action applies to, with random facts.
    fn resource(&self) -> Resource {
        self.resource_named(None)
    }

    /// The same resource under another identity (`name` as its id; for a
    /// delegation, the delegation itself).
    fn resource_named(&self, name: Option<&str>) -> Resource {
        let kinds = authority().resource_kinds(self.action);
        let kind = kinds[self.kind_choice % kinds.len()];
        let id = name.unwrap_or("r").to_owned();
        let owner = self.owner.map(|d| DELEGATIONS[d].to_owned());
        let required_owner = || owner.clone().unwrap_or_else(|| DELEGATIONS[0].to_owned());
        let shared_with: Vec<String> = self
            .shared_with
            .iter()
            .map(|&d| DELEGATIONS[d].to_owned())
            .collect();
        match kind {
            ResourceKind::Event => Resource::Event { id },
            ResourceKind::Agency => Resource::Agency { id },
            ResourceKind::Delegation => Resource::Delegation {
                id: name.map_or_else(required_owner, str::to_owned),
            },
            ResourceKind::Declaration => Resource::Declaration {
                id,
                delegation: required_owner(),
            },
            ResourceKind::Room => Resource::Room {
                id,
                delegation: owner,
                shared_with,
            },
            ResourceKind::LogEntry => Resource::LogEntry {
                id,
                delegation: owner,
                shared_with,
            },
            ResourceKind::LiaisonReport => Resource::LiaisonReport {
                id,
                delegation: required_owner(),
            },
            ResourceKind::Request => Resource::Request {
                id,
                delegation: required_owner(),
            },
            ResourceKind::Task => Resource::Task { id },
            ResourceKind::Protectee => Resource::Protectee {
                id,
                delegation: owner,
            },
            ResourceKind::Movement => Resource::Movement {
                id,
                protectee: "p".to_owned(),
                delegation: owner,
                attached_agents: self
                    .attached
                    .iter()
                    .map(|&a| AGENTS[a].to_owned())
                    .collect(),
                approved: self.approved,
            },
            ResourceKind::VettingCase => Resource::VettingCase {
                id,
                delegation: owner,
                organiser: self.organiser.map(|a| AGENCIES[a].to_owned()),
                shared_with,
            },
            ResourceKind::Sitrep => Resource::Sitrep { id, shared_with },
            ResourceKind::Ledger => Resource::Ledger,
            ResourceKind::Account => Resource::Account { id },
            ResourceKind::Token => Resource::Token { id },
            ResourceKind::Lists => Resource::Lists,
            ResourceKind::Applicant => Resource::Applicant {
                id,
                organiser: AGENCIES[self.organiser.unwrap_or(0)].to_owned(),
            },
        }
    }
}

fn any_agency_kind() -> BoxedStrategy<AgencyKind> {
    proptest::sample::select(AgencyKind::ALL.to_vec()).boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Foreign principals, whatever role they hold (host role names by
    /// misconfiguration included) and whatever delegation, never task, never
    /// adjudicate, and never touch a record another delegation owns.
    #[test]
    fn foreign_principals_never_task_adjudicate_or_cross_delegations(
        facts in facts(Just(AgencyKind::Foreign).boxed())
    ) {
        let principal = facts.principal();
        let resource = facts.resource();
        let decision = authority().decide(&principal, facts.action, &resource);
        prop_assert!(decision.errors.is_empty(), "{:?}", decision.errors);
        prop_assert!(!decision.policy_ids.is_empty());
        if TASKING.contains(&facts.action) {
            prop_assert!(!decision.allowed, "tasking allowed: {:?}", decision);
        }
        if ADJUDICATION.contains(&facts.action) {
            prop_assert!(!decision.allowed, "adjudication allowed: {:?}", decision);
        }
        if let Some(owner) = resource.owner()
            && principal.delegation.as_deref() != Some(owner)
        {
            prop_assert!(
                !decision.allowed,
                "another delegation's record: {:?} on {:?}",
                decision,
                resource
            );
        }
    }

    /// Oversight never changes anything: not with the oversight role in any
    /// kind of agency, nor with any role in an oversight agency.
    #[test]
    fn oversight_never_writes(
        facts in facts(any_agency_kind()),
        role_is_oversight in any::<bool>(),
    ) {
        let mut facts = facts;
        if role_is_oversight {
            facts.role = Role::Oversight;
        } else {
            facts.agency_kind = AgencyKind::Oversight;
        }
        let principal = facts.principal();
        let resource = facts.resource();
        let decision = authority().decide(&principal, facts.action, &resource);
        prop_assert!(decision.errors.is_empty(), "{:?}", decision.errors);
        if facts.action.is_write() {
            prop_assert!(!decision.allowed, "oversight wrote: {:?}", decision);
        }
    }

    /// A decision never depends on which record it is about, only on the
    /// record's facts: the policy names no resource by its id. Listings
    /// decide once per set of facts ([`Memo`]) and rely on this; it fails
    /// the day a rule says `resource == ...` or `... in resource`.
    #[test]
    fn decisions_do_not_depend_on_the_records_identity(
        facts in facts(any_agency_kind()),
        other in proptest::sample::select(vec!["r", "s", "", "d0", "d1", "d2", "u0", "a0"]),
    ) {
        let principal = facts.principal();
        let resource = facts.resource();
        let renamed = facts.resource_named(Some(other));
        let decision = authority().decide(&principal, facts.action, &resource);
        let again = authority().decide(&principal, facts.action, &renamed);
        prop_assert_eq!(decision.allowed, again.allowed, "{:?} vs {:?}", resource, renamed);
        prop_assert_eq!(resource.anonymous(), renamed.anonymous());
    }

    /// A memo answers as the authority does, and decides each set of facts
    /// once however many records share it.
    #[test]
    fn a_memo_agrees_with_the_authority(
        many in proptest::collection::vec(facts(any_agency_kind()), 1..40),
    ) {
        let principal = many[0].principal();
        let mut memo = Memo::new(authority(), &principal);
        let mut distinct = std::collections::HashSet::new();
        for (n, facts) in many.iter().enumerate() {
            let name = format!("record-{n}");
            let resource = facts.resource_named(Some(&name));
            let expected = authority().decide(&principal, facts.action, &resource).allowed;
            prop_assert_eq!(memo.allowed(facts.action, &resource), expected);
            prop_assert_eq!(memo.allowed(facts.action, &resource), expected);
            distinct.insert((facts.action, resource.anonymous()));
        }
        prop_assert_eq!(memo.decided(), distinct.len());
    }
}
