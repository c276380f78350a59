//! Loading the policy (strict validation, `@id`s, errors an operator can act
//! on) and what decisions report (the ids of the deciding policies).

use authority::{
    Authority, DEFAULT_DENY, DecisionError, INVALID_REQUEST, LoadError, Principal, Resource,
    SHIPPED_POLICY, SHIPPED_SCHEMA,
};
use domain::{Action, AgencyKind, Role};

use crate::common::{OTHER, OWN, authority, principal};

/// The ids of the shipped policy. The ledger records these next to every
/// decision, so renaming one breaks the trail: change this list only together
/// with a note in the policy file.
const SHIPPED_IDS: &[&str] = &[
    "forbid-role-agency-mismatch",
    "forbid-foreign-without-delegation",
    "forbid-foreign-tasking",
    "forbid-foreign-adjudication",
    "forbid-foreign-operations",
    "forbid-non-host-administration",
    "forbid-other-delegation-data",
    "forbid-foreign-movement-outside-escort",
    "forbid-oversight-writes",
    "forbid-organiser-beyond-opinion",
    "forbid-admin-operations",
    "permit-registry-read",
    "permit-host-commander",
    "permit-host-operator",
    "permit-host-analyst",
    "permit-foreign-liaison-own-delegation",
    "permit-foreign-shared-reads",
    "permit-foreign-risk-notes",
    "permit-foreign-protective-escort",
    "permit-organiser-opinion",
    "permit-organiser-applicants",
    "permit-oversight",
    "permit-admin",
];

#[test]
fn the_shipped_policy_validates_in_strict_mode_without_warnings() {
    let authority = match Authority::from_sources(SHIPPED_POLICY, SHIPPED_SCHEMA) {
        Ok(authority) => authority,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(authority.warnings(), [] as [String; 0]);
    assert_eq!(authority.policy_ids(), SHIPPED_IDS);
}

#[test]
fn every_shipped_rule_is_explained_in_a_comment_above_it() {
    let lines: Vec<&str> = SHIPPED_POLICY.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("@id(") {
            let above = i.checked_sub(1).map(|j| lines[j].trim_start());
            assert!(
                above.is_some_and(|l| l.starts_with("//") && l.len() > 3),
                "policy at line {} has no explanation right above it",
                i + 1
            );
        }
    }
}

/// Whoever acts, the `writes` action group that the oversight rule relies on
/// holds exactly the actions crates/domain marks as writes.
#[test]
fn the_writes_group_is_exactly_the_domain_writes() {
    let probe = Authority::from_sources(
        r#"@id("probe") permit (principal, action in Action::"writes", resource);"#,
        SHIPPED_SCHEMA,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let anyone = principal(Role::HostCommander);
    for &action in Action::ALL {
        for &kind in probe.resource_kinds(action) {
            let resource = crate::common::situations(kind, &anyone)
                .into_iter()
                .next()
                .map(|(_, r)| r)
                .unwrap_or_else(|| panic!("no situation for {kind}"));
            let decision = probe.decide(&anyone, action, &resource);
            assert_eq!(
                decision.allowed,
                action.is_write(),
                "{action}: in the writes group = {}, is_write = {}",
                decision.allowed,
                action.is_write()
            );
        }
    }
}

fn assert_denied_by(principal: &Principal, action: Action, resource: &Resource, id: &str) {
    let decision = authority().decide(principal, action, resource);
    assert!(
        !decision.allowed,
        "{action} by {} was allowed",
        principal.role
    );
    assert!(
        decision.policy_ids.iter().any(|p| p == id),
        "{action} by {}: expected {id} among {:?}",
        principal.role,
        decision.policy_ids
    );
    assert!(decision.errors.is_empty(), "{:?}", decision.errors);
}

#[test]
fn denials_name_the_forbidding_rule() {
    let liaison = principal(Role::ForeignLiaison);
    let task = Resource::Task { id: "t-1".into() };
    assert_denied_by(
        &liaison,
        Action::TaskCreate,
        &task,
        "forbid-foreign-tasking",
    );
    let own_declaration = Resource::Declaration {
        id: "decl-1".into(),
        delegation: OWN.into(),
    };
    assert_denied_by(
        &liaison,
        Action::DeclarationAccredit,
        &own_declaration,
        "forbid-foreign-adjudication",
    );
    let room = Resource::Room {
        id: "room-1".into(),
        delegation: Some(OWN.into()),
        shared_with: Vec::new(),
    };
    assert_denied_by(
        &liaison,
        Action::RoomCreate,
        &room,
        "forbid-foreign-operations",
    );
    assert_denied_by(
        &liaison,
        Action::ListsUpdate,
        &Resource::Lists,
        "forbid-non-host-administration",
    );
    let other_declaration = Resource::Declaration {
        id: "decl-2".into(),
        delegation: OTHER.into(),
    };
    assert_denied_by(
        &liaison,
        Action::DeclarationRead,
        &other_declaration,
        "forbid-other-delegation-data",
    );

    let protective = principal(Role::ForeignProtective);
    let unapproved = Resource::Movement {
        id: "mv-1".into(),
        protectee: "vp".into(),
        delegation: Some(OWN.into()),
        attached_agents: vec![protective.id.clone()],
        approved: false,
    };
    assert_denied_by(
        &protective,
        Action::MovementRead,
        &unapproved,
        "forbid-foreign-movement-outside-escort",
    );

    let oversight = principal(Role::Oversight);
    let entry = Resource::LogEntry {
        id: "log-1".into(),
        delegation: None,
        shared_with: Vec::new(),
    };
    assert_denied_by(
        &oversight,
        Action::LogRecord,
        &entry,
        "forbid-oversight-writes",
    );

    let organiser = principal(Role::Organiser);
    let case = Resource::VettingCase {
        id: "case-1".into(),
        delegation: None,
        organiser: Some(organiser.agency_id.clone()),
        shared_with: Vec::new(),
    };
    assert_denied_by(
        &organiser,
        Action::VettingRead,
        &case,
        "forbid-organiser-beyond-opinion",
    );

    let admin = principal(Role::Admin);
    assert_denied_by(&admin, Action::TaskRead, &task, "forbid-admin-operations");
}

#[test]
fn misconfigured_accounts_are_refused_and_treated_by_their_agency() {
    // A foreign agency's account that holds a host commander's role by
    // mistake: the registry's agency kind wins over the role name.
    let impostor = Principal {
        agency_kind: AgencyKind::Foreign,
        delegation: Some(OWN.into()),
        ..principal(Role::HostCommander)
    };
    let task = Resource::Task { id: "t-1".into() };
    assert_denied_by(
        &impostor,
        Action::TaskApprove,
        &task,
        "forbid-role-agency-mismatch",
    );
    assert_denied_by(
        &impostor,
        Action::TaskApprove,
        &task,
        "forbid-foreign-tasking",
    );

    // A foreign account the registry attached to no delegation.
    let stray = Principal {
        delegation: None,
        ..principal(Role::ForeignLiaison)
    };
    assert_denied_by(
        &stray,
        Action::RegistryRead,
        &Resource::Event { id: "e".into() },
        "forbid-foreign-without-delegation",
    );
}

#[test]
fn allows_name_the_granting_rule_and_silence_is_default_deny() {
    let commander = principal(Role::HostCommander);
    let task = Resource::Task { id: "t-1".into() };
    let decision = authority().decide(&commander, Action::TaskApprove, &task);
    assert!(decision.allowed);
    assert_eq!(decision.policy_ids, ["permit-host-commander"]);

    let analyst = principal(Role::HostAnalyst);
    let decision = authority().decide(&analyst, Action::TaskCreate, &task);
    assert!(!decision.allowed);
    assert_eq!(decision.policy_ids, [DEFAULT_DENY]);
    assert!(decision.errors.is_empty());
}

#[test]
fn a_resource_of_the_wrong_kind_is_an_invalid_request() {
    let commander = principal(Role::HostCommander);
    let decision = authority().decide(&commander, Action::TaskApprove, &Resource::Lists);
    assert!(!decision.allowed);
    assert_eq!(decision.policy_ids, [INVALID_REQUEST]);
    assert!(
        matches!(
            decision.errors.as_slice(),
            [DecisionError::InvalidRequest(_)]
        ),
        "{:?}",
        decision.errors
    );
}

#[test]
fn a_forbid_rule_that_fails_to_evaluate_denies() {
    // Integer overflow is a run-time error the validator cannot see. Cedar
    // itself would skip the failing forbid and allow; cortina fails closed.
    let authority = Authority::from_sources(
        r#"
        @id("permit-everything") permit (principal, action, resource);
        @id("forbid-by-overflow") forbid (principal, action, resource)
        when { 9223372036854775807 + 1 > 0 };
        "#,
        SHIPPED_SCHEMA,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let decision = authority.decide(
        &principal(Role::HostCommander),
        Action::TaskRead,
        &Resource::Task { id: "t".into() },
    );
    assert!(!decision.allowed);
    assert_eq!(decision.policy_ids, ["forbid-by-overflow"]);
    assert!(
        matches!(
            decision.errors.as_slice(),
            [DecisionError::Evaluation { policy_id, .. }] if policy_id == "forbid-by-overflow"
        ),
        "{:?}",
        decision.errors
    );
}

fn load_error(policy: &str, schema: &str) -> LoadError {
    match Authority::from_sources(policy, schema) {
        Ok(_) => panic!("loaded:\n{policy}"),
        Err(e) => e,
    }
}

const PERMIT_ALL: &str = r#"@id("permit-all") permit (principal, action, resource);"#;

#[test]
fn a_policy_without_an_id_is_refused_with_its_position() {
    let error = load_error(
        "@id(\"first\")\npermit (principal, action, resource);\n\nforbid (principal, action, resource);\n",
        SHIPPED_SCHEMA,
    );
    assert_eq!(
        error,
        LoadError::MissingId {
            number: 2,
            start: "line 4, column 1".into()
        }
    );
}

#[test]
fn duplicate_reserved_and_unreadable_ids_are_refused() {
    let error = load_error(&format!("{PERMIT_ALL}\n{PERMIT_ALL}"), SHIPPED_SCHEMA);
    assert_eq!(error, LoadError::DuplicateId("permit-all".into()));
    for bad in ["default-deny", "Permit All", ""] {
        let error = load_error(
            &format!("@id({bad:?}) permit (principal, action, resource);"),
            SHIPPED_SCHEMA,
        );
        assert!(
            matches!(&error, LoadError::InvalidId { number: 1, id } if id == bad),
            "{error}"
        );
    }
}

#[test]
fn syntax_errors_name_the_line() {
    let error = load_error(
        "@id(\"a\")\npermit (principal, action, resource)\nwhen { principal.role == };",
        SHIPPED_SCHEMA,
    );
    let LoadError::Parse(messages) = &error else {
        panic!("{error}");
    };
    assert!(messages[0].starts_with("line 3,"), "{error}");
}

#[test]
fn validation_errors_are_listed_with_the_policy_id() {
    let error = load_error(
        r#"
        @id("uses-a-missing-fact")
        permit (principal, action, resource) when { principal.rank == "general" };
        @id("names-a-missing-action")
        permit (principal, action == Action::"task.delete", resource);
        "#,
        SHIPPED_SCHEMA,
    );
    let LoadError::Validation(messages) = &error else {
        panic!("{error}");
    };
    assert_eq!(messages.len(), 2, "{error}");
    let text = error.to_string();
    assert!(text.contains("uses-a-missing-fact"), "{text}");
    assert!(text.contains("names-a-missing-action"), "{text}");
    assert!(text.contains("line "), "{text}");
}

#[test]
fn templates_are_refused() {
    let error = load_error(
        r#"@id("t") permit (principal == ?principal, action, resource);"#,
        SHIPPED_SCHEMA,
    );
    assert!(matches!(error, LoadError::Template(_)), "{error}");
}

#[test]
fn schema_errors_are_refused() {
    let error = load_error(PERMIT_ALL, "entity User = { role: };");
    assert!(matches!(error, LoadError::Schema(_)), "{error}");

    let without_lists_update = SHIPPED_SCHEMA.replace(
        "action \"lists.update\" in [\"writes\", \"administration\"]\n  appliesTo { principal: User, resource: Lists };",
        "",
    );
    assert_ne!(without_lists_update, SHIPPED_SCHEMA, "the replace missed");
    let error = load_error(PERMIT_ALL, &without_lists_update);
    assert_eq!(error, LoadError::MissingAction("lists.update"));

    let without_is_host = SHIPPED_SCHEMA.replace("  is_host: Bool,\n", "");
    assert_ne!(without_is_host, SHIPPED_SCHEMA, "the replace missed");
    let error = load_error(PERMIT_ALL, &without_is_host);
    assert!(
        matches!(&error, LoadError::EntityShape { message, .. } if message.contains("is_host")),
        "{error}"
    );
}

#[test]
fn the_authority_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Authority>();
}
