//! Live changes: what `Service::subscribe` hears, when, and who may see it
//! on which room's board.

use std::sync::Arc;

use domain::room::Room;
use serde_json::json;
use service::Change;
use store::testing::backends;
use tokio::sync::broadcast;

use crate::world::{World, person};

const MORNING: i64 = 1_770_714_000_000;
const HOUR: i64 = 3_600_000;

/// Everything published so far.
fn drain(rx: &mut broadcast::Receiver<Arc<Change>>) -> Vec<Arc<Change>> {
    let mut out = Vec::new();
    while let Ok(c) = rx.try_recv() {
        out.push(c);
    }
    out
}

async fn room(w: &World, id: &str) -> Room {
    let done = w
        .ok("commander", json!({"action": "room.read", "id": id}))
        .await;
    serde_json::from_value(done.data.unwrap()["room"].clone()).expect("a room")
}

#[tokio::test]
async fn committed_changes_are_published_after_the_commit_and_only_those() {
    for db in backends().await {
        let w = World::new(db).await;
        for (id, agency, line, name, doc, user) in [
            (
                "us",
                "us-hsi",
                "us-head",
                "John Carter",
                "P1234567",
                "us-liaison",
            ),
            (
                "fr",
                "fr-police",
                "fr-head",
                "Jeanne Martin",
                "F7654321",
                "fr-liaison",
            ),
        ] {
            let nationality = &id.to_uppercase();
            w.delegation_with_liaison(
                id,
                agency,
                line,
                person(name, "1975-03-02", nationality, doc, json!("liaison")),
                user,
            )
            .await;
        }
        w.ok(
            "commander",
            json!({"action": "room.create", "id": "rome", "name": "Rome", "kind": "host_national"}),
        )
        .await;
        w.ok("commander", json!({"action": "room.create", "id": "us-room", "name": "US", "kind": "delegation_liaison", "delegation": "us"})).await;
        let rome = room(&w, "rome").await;
        let us_room = room(&w, "us-room").await;

        let mut rx = w.svc.subscribe();
        let log = w
            .ok("operator", json!({"action": "log.record", "id": "log-1", "room": "rome",
                                   "category": "incident", "severity": 3, "text": "Crowd at gate 4"}))
            .await;
        let draft = w
            .ok("us-liaison", json!({"action": "rfi.draft", "id": "us-rfi", "kind": "information",
                                     "priority": "normal", "subject": "Plate AB123CD", "body": "Keeper?"}))
            .await;
        let fr = w
            .ok("fr-liaison", json!({"action": "rfi.draft", "id": "fr-rfi", "kind": "information",
                                     "priority": "normal", "subject": "Plate XY", "body": "Keeper?"}))
            .await;
        let task = w
            .ok(
                "operator",
                json!({"action": "task.create", "id": "task-1", "title": "Sweep",
                                   "details": "Sweep gate 4", "unit": "questura-milano"}),
            )
            .await;
        // A denial, a refused transition and a read publish nothing.
        assert!(
            w.run(
                "us-liaison",
                json!({"action": "task.create", "id": "task-2", "title": "x",
                                            "details": "x", "unit": "questura-milano"})
            )
            .await
            .is_err()
        );
        assert!(
            w.run(
                "operator",
                json!({"action": "rfi.acknowledge", "id": "us-rfi"})
            )
            .await
            .is_err()
        );
        w.ok("operator", json!({"action": "log.read", "room": "rome"}))
            .await;
        let vp = w
            .ok(
                "commander",
                json!({"action": "protectee.register", "id": "vp", "name": "Jane Roe",
                                     "delegation": "us", "risk": 1}),
            )
            .await
            .id;
        let movement = w
            .ok(
                "operator",
                json!({"action": "movement.plan", "id": "mv-1", "protectee": "vp",
                                   "stops": [{"venue": "san-siro", "at": MORNING + HOUR}],
                                   "window": {"from": MORNING, "until": MORNING + 4 * HOUR},
                                   "lead": "polizia-di-stato", "agents": []}),
            )
            .await;
        let us_log = w
            .ok("operator", json!({"action": "log.record", "id": "log-us", "room": "us-room",
                                   "category": "information", "severity": 1, "text": "Briefing at 11:30"}))
            .await;

        let got = drain(&mut rx);
        let seen: Vec<(u64, &str, &str, &str)> = got
            .iter()
            .map(|c| (c.seq, c.action, c.kind.as_str(), c.id.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (log.seq, "log.record", "log_entry", "log-1"),
                (draft.seq, "rfi.draft", "request", "us-rfi"),
                (fr.seq, "rfi.draft", "request", "fr-rfi"),
                (task.seq, "task.create", "task", "task-1"),
                (seen[4].0, "protectee.register", "protectee", vp.as_str()),
                (movement.seq, "movement.plan", "movement", "mv-1"),
                (us_log.seq, "log.record", "log_entry", "log-us"),
            ],
            "{}",
            w.db.name
        );
        assert_eq!(got[0].room.as_deref(), Some("rome"));
        assert_eq!(got[0].state, "open");
        assert_eq!(got[1].delegation.as_deref(), Some("us"));
        assert_eq!(got[1].state, "draft");
        assert_eq!(got[5].protectee.as_deref(), Some(vp.as_str()));

        // Who sees what where: the host every record its role reads on a host
        // room; a delegation's liaison only its own room's records, never a
        // task, another delegation's request or a movement outside an escort.
        let authority = w.svc.authority();
        let operator = w.svc.principal("operator").await.unwrap();
        let analyst = w.svc.principal("analyst").await.unwrap();
        let us = w.svc.principal("us-liaison").await.unwrap();
        let fr_liaison = w.svc.principal("fr-liaison").await.unwrap();
        let on = |c: &Change, p: &authority::Principal, r: &Room| c.visible(authority, p, r);
        let ids = |p: &authority::Principal, r: &Room| -> Vec<&str> {
            got.iter()
                .filter(|c| on(c, p, r))
                .map(|c| c.id.as_str())
                .collect()
        };
        assert_eq!(
            ids(&operator, &rome),
            ["log-1", "us-rfi", "fr-rfi", "task-1", "mv-1"]
        );
        assert_eq!(ids(&operator, &us_room), ["us-rfi", "mv-1", "log-us"]);
        // The analyst reads rooms and the log, not requests, tasks or movements.
        assert_eq!(ids(&analyst, &rome), ["log-1"]);
        assert_eq!(ids(&us, &us_room), ["us-rfi", "log-us"]);
        // Even on a host room's board (which the liaison cannot open today),
        // the policy keeps the host's log, tasks and France's request away.
        assert_eq!(ids(&us, &rome), ["us-rfi"]);
        assert_eq!(ids(&fr_liaison, &rome), ["fr-rfi"]);
        assert!(ids(&fr_liaison, &us_room).is_empty());

        // Nobody subscribed: nothing is kept.
        drop(rx);
        w.ok(
            "operator",
            json!({"action": "log.update", "id": "log-1", "severity": 4}),
        )
        .await;
        let mut late = w.svc.subscribe();
        assert!(drain(&mut late).is_empty());
        w.verify().await;
    }
}

#[tokio::test]
async fn a_triaged_report_is_two_changes_with_one_seq() {
    for db in backends().await {
        let w = World::new(db).await;
        crate::scenario::us_delegation(&w).await;
        w.ok(
            "commander",
            json!({"action": "room.create", "id": "rome", "name": "Rome", "kind": "host_national"}),
        )
        .await;
        w.ok("us-liaison", json!({"action": "liaison_report.submit", "id": "us-rep-1", "text": "Drone over the stadium"})).await;
        let mut rx = w.svc.subscribe();
        let done = w
            .ok(
                "operator",
                json!({"action": "liaison_report.triage", "id": "us-rep-1", "room": "rome",
                                   "entry": "log-rep", "category": "incident", "severity": 2}),
            )
            .await;
        let got = drain(&mut rx);
        let seen: Vec<(u64, &str, &str)> = got
            .iter()
            .map(|c| (c.seq, c.kind.as_str(), c.id.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (done.seq, "log_entry", "log-rep"),
                (done.seq, "liaison_report", "us-rep-1")
            ],
            "{}",
            w.db.name
        );
        let rome = room(&w, "rome").await;
        let us = w.svc.principal("us-liaison").await.unwrap();
        let operator = w.svc.principal("operator").await.unwrap();
        // The delegation sees its report's new state, not the host's log entry.
        let visible = |p| -> Vec<&str> {
            got.iter()
                .filter(|c| c.visible(w.svc.authority(), p, &rome))
                .map(|c| c.id.as_str())
                .collect()
        };
        assert_eq!(visible(&us), ["us-rep-1"]);
        assert_eq!(visible(&operator), ["log-rep", "us-rep-1"]);
        w.verify().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_commands_are_published_in_commit_order() {
    for db in backends().await {
        let w = World::new(db).await;
        w.ok(
            "commander",
            json!({"action": "room.create", "id": "rome", "name": "Rome", "kind": "host_national"}),
        )
        .await;
        let mut rx = w.svc.subscribe();
        // Many at once, so that the writer commits several in one batch; one
        // in four is refused (a duplicate id) and rolled back.
        let handles: Vec<_> = (0..40)
            .map(|i| {
                let svc = w.svc.clone();
                let id = if i % 4 == 3 {
                    format!("log-{}", i - 1)
                } else {
                    format!("log-{i}")
                };
                tokio::spawn(async move {
                    let c = json!({"action": "log.record", "id": id, "room": "rome",
                                   "category": "information", "severity": 1, "text": "tick"});
                    svc.execute(
                        &service::Actor::cli("operator"),
                        serde_json::from_value(c).unwrap(),
                    )
                    .await
                })
            })
            .collect();
        let mut committed = Vec::new();
        for h in handles {
            if let Ok(done) = h.await.unwrap() {
                committed.push(done.seq);
            }
        }
        committed.sort_unstable();
        let published: Vec<u64> = drain(&mut rx).iter().map(|c| c.seq).collect();
        assert_eq!(published, committed, "{}", w.db.name);
        assert_eq!(published.len(), 30, "{}", w.db.name);
        w.verify().await;
    }
}
