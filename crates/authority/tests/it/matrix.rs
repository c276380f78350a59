//! The policy matrix: every action, for every role, in every resource
//! situation, against the table in expected.txt written by hand from
//! DESIGN.md. The table is the specification; the policy must agree with it.

use std::collections::{BTreeMap, BTreeSet};

use domain::{Action, Role};

use crate::common::{authority, principal, situations};

const EXPECTED: &str = include_str!("expected.txt");

/// Role columns, in the order of `Role::ALL`.
const COLUMNS: [&str; 9] = ["HC", "HO", "HA", "FL", "FI", "FP", "OR", "OV", "AD"];

/// One line of the table: which roles may act.
type Row = [bool; 9];

/// Parses expected.txt into `(action, situation) -> allowed per role`,
/// rejecting malformed lines, unknown actions and duplicates.
fn expected_table() -> BTreeMap<(Action, String), Row> {
    let mut lines = EXPECTED
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));

    let Some((number, header)) = lines.next() else {
        panic!("expected.txt has no header line");
    };
    let header: Vec<&str> = header.split_whitespace().collect();
    let mut wanted = vec!["action", "resource"];
    wanted.extend(COLUMNS);
    assert_eq!(header, wanted, "expected.txt line {number}: header");
    assert_eq!(Role::ALL.len(), COLUMNS.len(), "a role has no column");

    let mut table = BTreeMap::new();
    for (number, line) in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            fields.len(),
            2 + COLUMNS.len(),
            "expected.txt line {number}: want action, situation and {} columns: {line}",
            COLUMNS.len()
        );
        let action: Action = fields[0]
            .parse()
            .unwrap_or_else(|e| panic!("expected.txt line {number}: {e}"));
        let mut row = [false; 9];
        for (cell, field) in row.iter_mut().zip(&fields[2..]) {
            *cell = match *field {
                "Y" => true,
                "." => false,
                other => panic!("expected.txt line {number}: {other:?} is neither Y nor ."),
            };
        }
        let key = (action, fields[1].to_owned());
        assert!(
            table.insert(key, row).is_none(),
            "expected.txt line {number}: duplicate line for {} {}",
            fields[0],
            fields[1]
        );
    }
    table
}

#[test]
fn every_action_for_every_role_matches_the_hand_written_table() {
    let authority = authority();
    let table = expected_table();
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();

    for &action in Action::ALL {
        let kinds = authority.resource_kinds(action);
        assert!(!kinds.is_empty(), "{action} applies to no resource");
        // The situation names are the same for every principal; the
        // resources differ only where they refer to the principal.
        let names: Vec<&str> = kinds
            .iter()
            .flat_map(|&kind| situations(kind, &principal(Role::HostCommander)))
            .map(|(name, _)| name)
            .collect();
        let unique: BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "{action}: situation names clash");

        for name in names {
            let key = (action, name.to_owned());
            let Some(row) = table.get(&key) else {
                failures.push(format!(
                    "expected.txt has no line for `{action} {name}`: decide who may do it"
                ));
                continue;
            };
            covered.insert(key);
            for (&role, &expected) in Role::ALL.iter().zip(row) {
                let who = principal(role);
                let resource = kinds
                    .iter()
                    .flat_map(|&kind| situations(kind, &who))
                    .find(|(n, _)| *n == name)
                    .map(|(_, resource)| resource)
                    .unwrap_or_else(|| panic!("situation {name} vanished"));
                let decision = authority.decide(&who, action, &resource);
                assert!(
                    decision.errors.is_empty(),
                    "{action} {name} {role}: {:?}",
                    decision.errors
                );
                if decision.allowed != expected {
                    failures.push(format!(
                        "{:<26} {name:<11} {:<21} expected {}, policy says {} ({})",
                        action.as_str(),
                        role.as_str(),
                        verdict(expected),
                        verdict(decision.allowed),
                        decision.policy_ids.join(", ")
                    ));
                }
            }
        }
    }

    for (action, name) in table.keys() {
        if !covered.contains(&(*action, name.clone())) {
            failures.push(format!(
                "expected.txt line `{action} {name}` names a situation that {action} does not have"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} difference(s) between the policy and expected.txt:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn verdict(allowed: bool) -> &'static str {
    if allowed { "allow" } else { "deny" }
}

#[test]
fn the_table_covers_every_action() {
    let table = expected_table();
    let listed: BTreeSet<Action> = table.keys().map(|(action, _)| *action).collect();
    let missing: Vec<&str> = Action::ALL
        .iter()
        .filter(|a| !listed.contains(a))
        .map(|a| a.as_str())
        .collect();
    assert!(missing.is_empty(), "expected.txt lacks: {missing:?}");
}
