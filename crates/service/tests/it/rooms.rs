//! The operations room end to end, on every backend: the event log and its
//! numbered situation reports, liaison reports and their triage, who sees
//! which room, and protectee movements seen only by their approved escort.

use std::time::Duration;

use serde_json::{Value, json};
use service::{Done, ServiceError};
use store::testing::backends;

use crate::scenario::us_delegation;
use crate::world::{World, games_window, person};

/// 2026-02-10 09:00 UTC, in Unix ms: the day of the movements below.
const MORNING: i64 = 1_770_714_000_000;
const HOUR: i64 = 3_600_000;

/// Lets the store's clock pass a millisecond, so that a situation report
/// covers everything committed before it (a report covers its log up to the
/// millisecond before its own time).
async fn tick() {
    tokio::time::sleep(Duration::from_millis(3)).await;
}

/// The ids in a JSON array of strings.
fn ids(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().expect("an id"))
        .collect()
}

/// Asserts that `result` is a denial naming `policy`, recorded as a deny
/// entry of `action` by `actor` that names it too.
async fn assert_denied(
    w: &World,
    result: Result<Done, ServiceError>,
    policy: &str,
    action: &str,
    actor: &str,
) {
    // The host hears the rules; anyone else gets the answer a missing
    // record gets, and the rules are in the entry only.
    let seq = match result {
        Err(ServiceError::Denied { policies, seq }) => {
            assert!(policies.iter().any(|p| p == policy), "{policies:?}");
            seq
        }
        Err(ServiceError::Withheld { seq }) => seq,
        other => panic!(
            "{}: {action} by {actor}: expected a denial, got {other:?}",
            w.db.name
        ),
    };
    let entry = w.entry(seq).await;
    assert_eq!(entry.decision, ledger::Decision::Deny);
    assert_eq!(entry.action, action);
    assert_eq!(entry.actor_account, w.account_id(actor).await);
    assert!(entry.policies.iter().any(|p| p == policy), "{entry:?}");
}

/// Checks the ledger and every row's stamps (as `cortina ledger verify`
/// does), then closes the store.
async fn verify_and_close(w: World) {
    w.verify().await;
    w.svc.store().close().await;
}

#[tokio::test]
async fn incidents_are_logged_closed_and_summed_up_in_numbered_sitreps() {
    for db in backends().await {
        let w = World::new(db).await;
        let room = w
            .ok(
                "commander",
                json!({"action": "room.create", "id": "milano-joc", "name": "JOC Milano",
                       "kind": "host_cluster", "cluster": "milano"}),
            )
            .await;
        assert_eq!(
            (room.kind, room.state.as_deref()),
            ("room", Some("created"))
        );

        let recorded = w
            .ok(
                "operator",
                json!({"action": "log.record", "id": "log-1", "room": "milano-joc", "venue": "san-siro",
                       "category": "incident", "severity": 3,
                       "text": "Two people with counterfeit passes stopped at gate 4."}),
            )
            .await;
        assert_eq!(recorded.state.as_deref(), Some("open"));
        // Closing an incident is the commander's, not the operator's.
        let op = w
            .run("operator", json!({"action": "log.close", "id": "log-1"}))
            .await;
        assert_denied(&w, op, "default-deny", "log.close", "operator").await;
        let closed = w
            .ok("commander", json!({"action": "log.close", "id": "log-1"}))
            .await;
        assert_eq!(closed.state.as_deref(), Some("closed"));

        tick().await;
        let first = w
            .ok(
                "operator",
                json!({"action": "sitrep.issue", "room": "milano-joc"}),
            )
            .await;
        assert_eq!(first.id, "milano-joc/1");
        let report = first.data.unwrap();
        assert_eq!(report["number"], 1);
        assert_eq!(ids(&report["recorded"]), ["log-1"]);
        assert_eq!(report["by_category"]["incident"], 1);
        assert_eq!(report["by_severity"]["3"], 1);
        assert!(ids(&report["open_items"]).is_empty(), "{report}");

        w.ok(
            "operator",
            json!({"action": "log.record", "id": "log-2", "room": "milano-joc",
                   "category": "information", "severity": 2,
                   "text": "Crowd at the metro exit, flowing normally."}),
        )
        .await;
        tick().await;
        let second = w
            .ok(
                "operator",
                json!({"action": "sitrep.issue", "room": "milano-joc"}),
            )
            .await;
        assert_eq!(second.id, "milano-joc/2");
        let report = second.data.unwrap();
        assert_eq!(report["number"], 2);
        assert_eq!(ids(&report["recorded"]), ["log-2"], "only the newer entry");
        assert!(ids(&report["changed"]).is_empty(), "{report}");
        assert_eq!(ids(&report["open_items"]), ["log-2"]);
        assert_eq!(
            report["period"]["since"],
            period_until(&w, "milano-joc/1").await
        );

        // Reading: the first report by number, the latest without one.
        let read = w
            .ok(
                "analyst",
                json!({"action": "sitrep.read", "room": "milano-joc", "number": 1}),
            )
            .await;
        assert_eq!(read.data.unwrap()["number"], 1);
        let latest = w
            .ok(
                "commander",
                json!({"action": "sitrep.read", "room": "milano-joc"}),
            )
            .await;
        assert_eq!(latest.id, "milano-joc/2");

        // The board shows the open entries; the log shows them all, oldest first.
        let board = w
            .ok(
                "operator",
                json!({"action": "room.read", "id": "milano-joc"}),
            )
            .await
            .data
            .unwrap();
        assert_eq!(board["room"]["cluster"], "milano");
        let open: Vec<&Value> = board["board"].as_array().unwrap().iter().collect();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0]["id"], "log-2");
        let updated = w
            .ok(
                "operator",
                json!({"action": "log.update", "id": "log-2", "severity": 4}),
            )
            .await;
        assert_eq!(updated.state.as_deref(), Some("open"));
        let log = w
            .ok(
                "analyst",
                json!({"action": "log.read", "room": "milano-joc"}),
            )
            .await
            .data
            .unwrap();
        let entries = log["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (&entries[0]["id"], &entries[0]["status"]),
            (&json!("log-1"), &json!("closed"))
        );
        assert_eq!(
            (&entries[1]["id"], &entries[1]["severity"]),
            (&json!("log-2"), &json!(4))
        );
        assert_eq!(
            entries[1]["text"],
            "Crowd at the metro exit, flowing normally."
        );

        // Invalid transitions, unknown ids and bad shapes change nothing.
        let size = w.ledger_size().await;
        for (user, command, code) in [
            (
                "commander",
                json!({"action": "log.close", "id": "log-1"}),
                "conflict",
            ),
            (
                "operator",
                json!({"action": "log.update", "id": "log-1", "text": "late"}),
                "conflict",
            ),
            (
                "operator",
                json!({"action": "log.update", "id": "log-2"}),
                "bad_command",
            ),
            (
                "operator",
                json!({"action": "log.record", "room": "nowhere", "category": "incident",
                                "severity": 1, "text": "x"}),
                "not_found",
            ),
            (
                "operator",
                json!({"action": "log.record", "room": "milano-joc", "venue": "atlantis",
                                "category": "incident", "severity": 1, "text": "x"}),
                "not_found",
            ),
            (
                "operator",
                json!({"action": "log.record", "id": "log-1", "room": "milano-joc",
                                "category": "incident", "severity": 1, "text": "again"}),
                "conflict",
            ),
            (
                "commander",
                json!({"action": "log.close", "id": "log-none"}),
                "not_found",
            ),
            (
                "analyst",
                json!({"action": "sitrep.read", "room": "milano-joc", "number": 3}),
                "not_found",
            ),
            (
                "commander",
                json!({"action": "room.create", "name": "Nowhere", "kind": "host_cluster",
                                 "cluster": "atlantis"}),
                "not_found",
            ),
            (
                "commander",
                json!({"action": "room.create", "name": "Mixed", "kind": "host_national",
                                 "cluster": "milano"}),
                "bad_command",
            ),
            (
                "commander",
                json!({"action": "room.create", "name": "Liaison", "kind": "delegation_liaison",
                                 "delegation": "nobody"}),
                "not_found",
            ),
        ] {
            let text = command.to_string();
            let result = w.run(user, command).await;
            let Err(e) = result else {
                panic!("{}: {user} {text} succeeded", w.db.name);
            };
            assert_eq!(e.code(), code, "{user} {text}: {e}");
        }
        // The refusals left no trace: the next report is number 3, one
        // entry later.
        tick().await;
        let third = w
            .ok(
                "operator",
                json!({"action": "sitrep.issue", "room": "milano-joc"}),
            )
            .await;
        assert_eq!(third.id, "milano-joc/3");
        let size_after_third = w.ledger_size().await;
        assert_eq!(size_after_third, size + 1);
        for bad in [
            json!({"action": "log.record", "room": "milano-joc", "category": "incident", "severity": 6, "text": "x"}),
            json!({"action": "log.record", "room": "milano-joc", "category": "rumour", "severity": 1, "text": "x"}),
            json!({"action": "room.create", "name": "R", "kind": "host_national", "extra": true}),
            json!({"action": "sitrep.read", "room": "milano-joc", "number": 0}),
            json!({"action": "log.close", "id": "log-1", "reason": "no such field"}),
        ] {
            assert!(
                serde_json::from_value::<service::Command>(bad.clone()).is_err(),
                "accepted {bad}"
            );
        }
        verify_and_close(w).await;
    }
}

/// The end of the period of the stored situation report `key`, as JSON.
async fn period_until(w: &World, key: &str) -> Value {
    let rec = store::records::get(w.svc.store().pool(), "sitrep", key)
        .await
        .unwrap()
        .unwrap();
    let doc: Value = serde_json::from_str(rec.doc.as_deref().unwrap()).unwrap();
    doc["period"]["until"].clone()
}

#[tokio::test]
async fn liaison_reports_are_triaged_and_each_delegation_sees_only_its_room() {
    for db in backends().await {
        let w = World::new(db).await;
        us_delegation(&w).await;
        w.delegation_with_liaison(
            "fr",
            "fr-police",
            "fr-head",
            person(
                "Claire Martin",
                "1978-09-14",
                "FR",
                "FR998877",
                json!("liaison"),
            ),
            "fr-liaison",
        )
        .await;
        for (id, kind, owner) in [
            ("rome-ico", "host_national", None),
            ("us-room", "delegation_liaison", Some("us")),
            ("fr-room", "delegation_liaison", Some("fr")),
        ] {
            let mut command = json!({"action": "room.create", "id": id, "name": id, "kind": kind});
            if let Some(owner) = owner {
                command["delegation"] = json!(owner);
            }
            w.ok("commander", command).await;
        }

        // A liaison report, triaged into the national room's log.
        let submitted = w
            .ok(
                "us-liaison",
                json!({"action": "liaison_report.submit", "id": "us-report-1", "venue": "san-siro",
                       "text": "A person of interest is expected at the stadium tonight."}),
            )
            .await;
        assert_eq!(submitted.state.as_deref(), Some("submitted"));
        let triaged = w
            .ok(
                "operator",
                json!({"action": "liaison_report.triage", "id": "us-report-1", "room": "rome-ico",
                       "category": "information", "severity": 3, "entry": "log-from-us"}),
            )
            .await;
        assert_eq!(triaged.action, "liaison_report.triage");
        assert_eq!(triaged.state.as_deref(), Some("triaged"));
        assert_eq!(triaged.data.unwrap()["log_entry"], "log-from-us");
        let log = w
            .ok(
                "operator",
                json!({"action": "log.read", "room": "rome-ico"}),
            )
            .await
            .data
            .unwrap();
        let entry = &log["entries"][0];
        assert_eq!(entry["id"], "log-from-us");
        assert_eq!(entry["source"], "us-report-1");
        assert_eq!(entry["venue"], "san-siro");
        // Both records carry the one entry that triaged the report.
        let pool = w.svc.store().pool();
        let report = store::records::get(pool, "liaison_report", "us-report-1")
            .await
            .unwrap()
            .unwrap();
        let made = store::records::get(pool, "log_entry", "log-from-us")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(report.updated_seq, triaged.seq as i64);
        assert_eq!(made.created_seq, triaged.seq as i64);

        // A second report, dismissed with a reason under the same action.
        w.ok(
            "us-liaison",
            json!({"action": "liaison_report.submit", "id": "us-report-2", "text": "Duplicate of us-report-1."}),
        )
        .await;
        let dismissed = w
            .ok(
                "commander",
                json!({"action": "liaison_report.dismiss", "id": "us-report-2", "reason": "Already in the log."}),
            )
            .await;
        assert_eq!(dismissed.action, "liaison_report.triage");
        assert_eq!(dismissed.state.as_deref(), Some("dismissed"));

        // The US liaison reads its own room, never the French one, and
        // decides nothing.
        w.ok(
            "us-liaison",
            json!({"action": "room.read", "id": "us-room"}),
        )
        .await;
        w.ok(
            "us-liaison",
            json!({"action": "log.read", "room": "us-room"}),
        )
        .await;
        let other = w
            .run(
                "us-liaison",
                json!({"action": "room.read", "id": "fr-room"}),
            )
            .await;
        assert_denied(
            &w,
            other,
            "forbid-other-delegation-data",
            "room.read",
            "us-liaison",
        )
        .await;
        let other_log = w
            .run(
                "us-liaison",
                json!({"action": "log.read", "room": "fr-room"}),
            )
            .await;
        assert_denied(
            &w,
            other_log,
            "forbid-other-delegation-data",
            "log.read",
            "us-liaison",
        )
        .await;
        let host_room = w
            .run(
                "us-liaison",
                json!({"action": "room.read", "id": "rome-ico"}),
            )
            .await;
        assert_denied(&w, host_room, "default-deny", "room.read", "us-liaison").await;
        let close = w
            .run(
                "us-liaison",
                json!({"action": "log.close", "id": "log-from-us"}),
            )
            .await;
        assert_denied(
            &w,
            close,
            "forbid-foreign-adjudication",
            "log.close",
            "us-liaison",
        )
        .await;
        let record = w
            .run(
                "us-liaison",
                json!({"action": "log.record", "room": "us-room", "category": "information",
                       "severity": 1, "text": "Our own entry."}),
            )
            .await;
        assert_denied(
            &w,
            record,
            "forbid-foreign-operations",
            "log.record",
            "us-liaison",
        )
        .await;
        let triage = w
            .run(
                "fr-liaison",
                json!({"action": "liaison_report.dismiss", "id": "us-report-1", "reason": "Not ours."}),
            )
            .await;
        assert_denied(
            &w,
            triage,
            "forbid-other-delegation-data",
            "liaison_report.triage",
            "fr-liaison",
        )
        .await;
        let sitrep = w
            .run(
                "us-liaison",
                json!({"action": "sitrep.issue", "room": "us-room"}),
            )
            .await;
        assert_denied(
            &w,
            sitrep,
            "forbid-foreign-adjudication",
            "sitrep.issue",
            "us-liaison",
        )
        .await;

        // The host records in the US room; the US reads its sitrep, the
        // French do not.
        w.ok(
            "operator",
            json!({"action": "log.record", "id": "log-us-1", "room": "us-room", "category": "decision",
                   "severity": 1, "text": "Daily briefing moved to 11:30."}),
        )
        .await;
        let board = w
            .ok(
                "us-liaison",
                json!({"action": "room.read", "id": "us-room"}),
            )
            .await
            .data
            .unwrap();
        assert_eq!(board["board"][0]["id"], "log-us-1");
        tick().await;
        w.ok(
            "operator",
            json!({"action": "sitrep.issue", "room": "us-room"}),
        )
        .await;
        let ours = w
            .ok(
                "us-liaison",
                json!({"action": "sitrep.read", "room": "us-room"}),
            )
            .await;
        assert_eq!(ids(&ours.data.unwrap()["recorded"]), ["log-us-1"]);
        let theirs = w
            .run(
                "fr-liaison",
                json!({"action": "sitrep.read", "room": "us-room"}),
            )
            .await;
        assert_denied(&w, theirs, "default-deny", "sitrep.read", "fr-liaison").await;

        // Invalid transitions and unknown ids change nothing.
        let size = w.ledger_size().await;
        for (user, command, code) in [
            (
                "operator",
                json!({"action": "liaison_report.triage", "id": "us-report-1", "room": "rome-ico",
                                "category": "information", "severity": 3}),
                "conflict",
            ),
            (
                "operator",
                json!({"action": "liaison_report.dismiss", "id": "us-report-2",
                                "reason": "Twice."}),
                "conflict",
            ),
            (
                "operator",
                json!({"action": "liaison_report.triage", "id": "us-report-none", "room": "rome-ico",
                                "category": "information", "severity": 3}),
                "not_found",
            ),
            (
                "commander",
                json!({"action": "room.create", "id": "us-room", "name": "Again",
                                 "kind": "host_national"}),
                "conflict",
            ),
            (
                "operator",
                json!({"action": "room.read", "id": "no-room"}),
                "not_found",
            ),
            (
                "operator",
                json!({"action": "log.read", "room": "no-room"}),
                "not_found",
            ),
            (
                "operator",
                json!({"action": "sitrep.issue", "room": "no-room"}),
                "not_found",
            ),
            (
                "operator",
                json!({"action": "liaison_report.submit", "text": "Host accounts have no delegation."}),
                "forbidden",
            ),
        ] {
            let text = command.to_string();
            let result = w.run(user, command).await;
            let Err(e) = result else {
                panic!("{}: {user} {text} succeeded", w.db.name);
            };
            assert_eq!(e.code(), code, "{user} {text}: {e}");
        }
        // A report is triaged only into a host room's log.
        w.ok(
            "us-liaison",
            json!({"action": "liaison_report.submit", "id": "us-report-3", "text": "For the host."}),
        )
        .await;
        let size = size + 1;
        let liaison_room = w
            .run(
                "operator",
                json!({"action": "liaison_report.triage", "id": "us-report-3", "room": "us-room",
                       "category": "information", "severity": 2}),
            )
            .await;
        assert!(
            matches!(liaison_room, Err(ServiceError::Invalid(_))),
            "{liaison_room:?}"
        );
        assert_eq!(w.ledger_size().await, size, "nothing recorded");
        verify_and_close(w).await;
    }
}

/// A protective agent of `vp` declared by the US liaison, accredited for the
/// Games, with a `foreign_protective` account named `username`.
async fn protective_agent(w: &World, line: &str, name: &str, document: &str, username: &str) {
    // The protectee sits beside the role, as in the stored person.
    let mut agent = person(
        name,
        "1985-05-05",
        "US",
        document,
        json!("protective_agent"),
    );
    agent["protectee"] = json!("vp");
    w.ok(
        "us-liaison",
        json!({"action": "declaration.submit", "id": line, "person": agent}),
    )
    .await;
    w.ok(
        "commander",
        json!({"action": "declaration.accredit", "id": line, "window": games_window()}),
    )
    .await;
    w.account(
        json!({"action": "account.create", "username": username, "role": "foreign_protective",
               "agency": "us-hsi", "delegation": "us", "declaration": line}),
    )
    .await;
}

fn plan(id: &str, agents: &[&str]) -> Value {
    json!({"action": "movement.plan", "id": id, "protectee": "vp",
           "stops": [{"venue": "san-siro", "at": MORNING + HOUR}],
           "window": {"from": MORNING, "until": MORNING + 4 * HOUR},
           "lead": "polizia-di-stato", "agents": agents})
}

#[tokio::test]
async fn a_movement_is_seen_only_by_its_attached_agent_once_approved() {
    for db in backends().await {
        let w = World::new(db).await;
        us_delegation(&w).await;

        let op = w
            .run(
                "operator",
                json!({"action": "protectee.register", "id": "vp", "name": "Jane Roe",
                       "delegation": "us", "risk": 1}),
            )
            .await;
        assert_denied(&w, op, "default-deny", "protectee.register", "operator").await;
        let registered = w
            .ok(
                "commander",
                json!({"action": "protectee.register", "id": "vp", "name": "Jane Roe",
                       "delegation": "us", "risk": 1}),
            )
            .await;
        assert!(
            w.entry(registered.seq).await.personal_data.is_some(),
            "a protectee is personal data"
        );
        protective_agent(&w, "us-agent-a", "Adam Walker", "P1111111", "agent-a").await;
        protective_agent(&w, "us-agent-b", "Bruce Hill", "P2222222", "agent-b").await;

        let planned = w.ok("operator", plan("mov-1", &["us-agent-a"])).await;
        assert_eq!(planned.state.as_deref(), Some("planned"));
        let entry = w.entry(planned.seq).await;
        assert!(entry.personal_data.is_some(), "a movement is personal data");
        let read = json!({"action": "movement.read", "id": "mov-1", "purpose": "Escort briefing."});
        // Not before a commander approves it, and never on the operator's word.
        let early = w.run("agent-a", read.clone()).await;
        assert_denied(
            &w,
            early,
            "forbid-foreign-movement-outside-escort",
            "movement.read",
            "agent-a",
        )
        .await;
        let by_operator = w
            .run(
                "operator",
                json!({"action": "movement.approve", "id": "mov-1"}),
            )
            .await;
        assert_denied(
            &w,
            by_operator,
            "default-deny",
            "movement.approve",
            "operator",
        )
        .await;
        let approved = w
            .ok(
                "commander",
                json!({"action": "movement.approve", "id": "mov-1"}),
            )
            .await;
        assert_eq!(approved.state.as_deref(), Some("approved"));

        let seen = w.ok("agent-a", read.clone()).await;
        let movement = seen.data.unwrap();
        // The line's id is opaque; its label names it in commands.
        let line_a = w
            .ok(
                "commander",
                json!({"action": "declaration.read", "id": "us-agent-a", "purpose": "test"}),
            )
            .await
            .id;
        assert!(line_a.starts_with("decl-"), "{line_a}");
        assert_eq!(ids(&movement["agents"]), [line_a.as_str()]);
        assert_eq!(movement["lead"]["agency"], "polizia-di-stato");
        assert_eq!(movement["stops"][0]["venue"], "san-siro");
        // An agent of the same protectee who is not attached, and the
        // delegation's liaison, do not see it.
        let unattached = w.run("agent-b", read.clone()).await;
        assert_denied(
            &w,
            unattached,
            "forbid-foreign-movement-outside-escort",
            "movement.read",
            "agent-b",
        )
        .await;
        let liaison = w.run("us-liaison", read.clone()).await;
        assert_denied(
            &w,
            liaison,
            "forbid-foreign-movement-outside-escort",
            "movement.read",
            "us-liaison",
        )
        .await;
        w.ok("commander", read.clone()).await;

        // Invalid transitions, ineligible escorts and unknown ids change nothing.
        let size = w.ledger_size().await;
        let outside = {
            let mut p = plan("mov-2", &[]);
            p["stops"][0]["at"] = json!(MORNING + 5 * HOUR);
            p
        };
        let unordered = {
            let mut p = plan("mov-2", &[]);
            p["stops"] = json!([{"venue": "san-siro", "at": MORNING + 2 * HOUR},
                                {"venue": "olimpia", "at": MORNING + HOUR}]);
            p
        };
        let unknown_protectee = {
            let mut p = plan("mov-2", &[]);
            p["protectee"] = json!("nobody");
            p
        };
        let foreign_lead = {
            let mut p = plan("mov-2", &[]);
            p["lead"] = json!("us-dss");
            p
        };
        for (user, command, code) in [
            (
                "commander",
                json!({"action": "movement.approve", "id": "mov-1"}),
                "conflict",
            ),
            (
                "commander",
                json!({"action": "movement.approve", "id": "mov-none"}),
                "not_found",
            ),
            // The head is a liaison officer, not a protective agent.
            ("operator", plan("mov-2", &["us-head"]), "conflict"),
            (
                "operator",
                plan("mov-2", &["us-agent-a", "us-agent-a"]),
                "invalid",
            ),
            ("operator", plan("mov-2", &["no-such-line"]), "not_found"),
            ("operator", plan("mov-1", &[]), "conflict"),
            ("operator", outside, "invalid"),
            ("operator", unordered, "invalid"),
            ("operator", unknown_protectee, "not_found"),
            ("operator", foreign_lead, "conflict"),
            (
                "commander",
                json!({"action": "protectee.register", "id": "vp", "name": "Jane Roe",
                                 "delegation": "us", "risk": 2}),
                "conflict",
            ),
            (
                "commander",
                json!({"action": "protectee.register", "name": "John Roe",
                                 "delegation": "nobody", "risk": 2}),
                "not_found",
            ),
        ] {
            let text = command.to_string();
            let result = w.run(user, command).await;
            let Err(e) = result else {
                panic!("{}: {user} {text} succeeded", w.db.name);
            };
            assert_eq!(e.code(), code, "{user} {text}: {e}");
        }
        assert_eq!(w.ledger_size().await, size, "nothing recorded");
        // Outside the host a missing record is answered like a refused
        // one, and the probe is recorded.
        let probe = w
            .run(
                "agent-a",
                json!({"action": "movement.read", "id": "mov-none", "purpose": "x"}),
            )
            .await;
        assert!(
            matches!(probe, Err(ServiceError::Withheld { .. })),
            "{probe:?}"
        );
        assert_eq!(w.ledger_size().await, size + 1, "the probe is recorded");
        for bad in [
            json!({"action": "protectee.register", "name": "X Y", "delegation": "us", "risk": 5}),
            json!({"action": "movement.read", "id": "mov-1"}),
            json!({"action": "movement.plan", "protectee": "vp", "stops": [{"venue": "san-siro", "at": 1, "note": "x"}],
                   "window": {"from": 0, "until": 2}, "lead": "polizia-di-stato"}),
        ] {
            assert!(
                serde_json::from_value::<service::Command>(bad.clone()).is_err(),
                "accepted {bad}"
            );
        }
        verify_and_close(w).await;
    }
}
