//! The command API and the boards, across the host and the delegations.

use serde_json::json;

use crate::world::{Auth, World, backends, config};

#[test]
fn an_rfi_goes_through_its_lifecycle_over_http() {
    for db in backends() {
        let w = World::start(db, config());
        let us = w.login("us-liaison");
        let operator = w.login("operator");
        let commander = w.login("commander");
        let us = Auth::Cookie(&us);
        let operator = Auth::Cookie(&operator);
        let commander = Auth::Cookie(&commander);
        let ok = |auth: &Auth<'_>, c: serde_json::Value| {
            let r = w.command(auth, c.clone());
            assert_eq!(r.status, 200, "{}: {c}: {}", w.name, r.text());
            r.json()
        };
        let drafted = ok(
            &us,
            json!({"action": "rfi.draft", "id": "us-rfi-1", "kind": "information", "priority": "urgent",
                   "subject": "Vehicle AB123CD", "body": "Who is the registered keeper?"}),
        );
        assert_eq!(drafted["state"], "draft");
        assert_eq!(
            w.entry(drafted["seq"].as_u64().unwrap()).action,
            "rfi.draft"
        );
        ok(&us, json!({"action": "rfi.submit", "id": "us-rfi-1"}));
        ok(
            &operator,
            json!({"action": "rfi.acknowledge", "id": "us-rfi-1"}),
        );
        ok(
            &operator,
            json!({"action": "rfi.accept", "id": "us-rfi-1", "unit": "polizia-di-stato"}),
        );
        ok(&operator, json!({"action": "rfi.start", "id": "us-rfi-1"}));
        ok(
            &operator,
            json!({"action": "rfi.answer", "id": "us-rfi-1", "text": "Registered to Mario Rossi.",
                   "disclosure": {"personal_data": true, "legal_basis": "Directive 2023/977 art. 5", "categories": ["identity"]}}),
        );
        // The operator may not approve a disclosure; the commander may.
        let denied = w.command(
            &operator,
            json!({"action": "rfi.approve_disclosure", "id": "us-rfi-1"}),
        );
        assert_eq!(denied.status, 403, "{}", denied.text());
        ok(
            &commander,
            json!({"action": "rfi.approve_disclosure", "id": "us-rfi-1"}),
        );
        let read = ok(
            &us,
            json!({"action": "rfi.read", "id": "us-rfi-1", "purpose": "follow-up"}),
        );
        assert!(read["data"].to_string().contains("Mario Rossi"), "{read}");
        let closed = ok(&us, json!({"action": "rfi.close", "id": "us-rfi-1"}));
        assert_eq!(closed["state"], "closed");

        // Boards: the host and the US delegation see it; France does not.
        let board = |auth: &Auth<'_>| {
            let r = w.get("/api/v1/requests", auth);
            assert_eq!(r.status, 200, "{}", r.text());
            r.json()["items"].as_array().unwrap().clone()
        };
        let items = board(&us);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], "us-rfi-1");
        assert_eq!(items[0]["state"], "closed");
        assert_eq!(items[0]["delegation"], "us");
        assert_eq!(board(&operator).len(), 1);
        let fr = w.login("fr-liaison");
        assert!(board(&Auth::Cookie(&fr)).is_empty());
        let closed_only = w.get("/api/v1/requests?state=draft", &us);
        assert!(closed_only.json()["items"].as_array().unwrap().is_empty());
        // Declarations: each delegation sees its own line, no personal data.
        let lines = w.get("/api/v1/declarations", &us).json();
        let lines = lines["items"].as_array().unwrap();
        assert_eq!(lines.len(), 1, "{lines:?}");
        // Opaque: the label `us-head` is not in the list (it is in the
        // line's document, read with a purpose).
        assert!(
            lines[0]["id"].as_str().unwrap().starts_with("decl-"),
            "{lines:?}"
        );
        assert!(!lines[0].to_string().contains("us-head"), "{lines:?}");
        assert!(!lines[0].to_string().contains("Carter"), "{lines:?}");
        assert_eq!(
            w.get("/api/v1/declarations", &commander).json()["items"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert!(w.block_on(w.svc.store().verify(None, &[])).is_ok());
    }
}

#[test]
fn a_liaison_cannot_task_and_the_denial_is_in_the_ledger() {
    for db in backends() {
        let w = World::start(db, config());
        let us = w.login("us-liaison");
        let r = w.command(
            &Auth::Cookie(&us),
            json!({"action": "task.create", "title": "Search the hotel", "details": "Room 12",
                   "unit": "questura-milano"}),
        );
        // Outside the host a refusal says nothing of the rules: 404, the
        // entry's number; the entry names the rule for oversight.
        assert_eq!(r.status, 404, "{}", r.text());
        let err = &r.json()["error"];
        assert_eq!(err["code"], "not_found");
        assert!(err.get("policies").is_none(), "{err}");
        let entry = w.entry(err["seq"].as_u64().unwrap());
        assert_eq!(entry.action, "task.create");
        assert_eq!(entry.decision, ledger::Decision::Deny);
        assert_eq!(entry.actor_account, w.account_id("us-liaison"));
        assert!(entry.policies.iter().any(|p| p == "forbid-foreign-tasking"));
        // The host's task is invisible on the liaison's board.
        let commander = w.login("commander");
        let t = w.command(
            &Auth::Cookie(&commander),
            json!({"action": "task.create", "id": "task-1", "title": "Patrol", "details": "Gate 4",
                   "unit": "questura-milano"}),
        );
        assert_eq!(t.status, 200, "{}", t.text());
        let host = w.get("/api/v1/tasks", &Auth::Cookie(&commander)).json();
        assert_eq!(host["items"][0]["id"], "task-1");
        let foreign = w.get("/api/v1/tasks", &Auth::Cookie(&us)).json();
        assert!(foreign["items"].as_array().unwrap().is_empty());
    }
}

#[test]
fn nobody_unauthenticated_and_no_witness_runs_commands() {
    let w = World::start(store::testing::sqlite(), config());
    let witness = w.witness_token("observer-ngo");
    let before = w.ledger_size();
    let r = w.command(
        &Auth::None,
        json!({"action": "rfi.read", "id": "x", "purpose": "follow-up"}),
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "unauthenticated");
    let r = w.command(
        &Auth::Bearer(&witness),
        json!({"action": "rfi.read", "id": "x", "purpose": "follow-up"}),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        w.get("/api/v1/requests", &Auth::Bearer(&witness)).status,
        403
    );
    assert_eq!(w.get("/api/v1/requests", &Auth::None).status, 401);
    assert_eq!(w.ledger_size(), before);
}
