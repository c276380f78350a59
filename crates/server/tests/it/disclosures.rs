//! The disclosure register: an approved RFI disclosure and a shared vetting
//! case are listed with recipient, legal basis, categories, approver, time
//! and their ledger entries; an unapproved answer is not; oversight and the
//! host commander read it (each read recorded), nobody else does; JSON and
//! CSV; filters.

use serde_json::{Value, json};

use crate::world::{Auth, World, backends, config};

#[test]
fn the_register_lists_releases_for_oversight_and_the_commander_only() {
    for db in backends() {
        let w = World::start(db, config());
        let case = crate::matrix::fixtures(&w);
        let cookie = |u: &str| w.login(u);
        let (us, operator, commander, oversight, fr) = (
            cookie("us-liaison"),
            cookie("operator"),
            cookie("commander"),
            cookie("oversight"),
            cookie("fr-liaison"),
        );
        let ok = |auth: &Auth<'_>, c: Value| {
            let r = w.command(auth, c.clone());
            assert_eq!(r.status, 200, "{}: {c}: {}", w.name, r.text());
            r.json()
        };
        for id in ["us-reg-1", "us-reg-2"] {
            ok(
                &Auth::Cookie(&us),
                json!({"action": "rfi.draft", "id": id, "kind": "information", "priority": "urgent",
                       "subject": "Vehicle AB123CD", "body": "Who is the registered keeper?"}),
            );
            ok(
                &Auth::Cookie(&us),
                json!({"action": "rfi.submit", "id": id}),
            );
            let op = Auth::Cookie(&operator);
            ok(&op, json!({"action": "rfi.acknowledge", "id": id}));
            ok(
                &op,
                json!({"action": "rfi.accept", "id": id, "unit": "polizia-di-stato"}),
            );
            ok(&op, json!({"action": "rfi.start", "id": id}));
            ok(
                &op,
                json!({"action": "rfi.answer", "id": id, "text": "Registered to Mario Rossi.",
                       "disclosure": {"personal_data": true, "legal_basis": "Directive 2023/977 art. 5",
                                      "categories": ["identity", "vehicles"]}}),
            );
        }
        // Only the first is approved: the second released nothing.
        let approved = ok(
            &Auth::Cookie(&commander),
            json!({"action": "rfi.approve_disclosure", "id": "us-reg-1"}),
        );
        let shared = ok(
            &Auth::Cookie(&commander),
            json!({"action": "vetting.share", "id": case, "delegation": "us",
                   "legal_basis": "Liaison agreement, art. 4", "question": "Your officer's namesake?"}),
        );

        let read =
            |auth: &Auth<'_>, query: &str| w.get(&format!("/api/v1/disclosures{query}"), auth);
        for reader in [&oversight, &commander] {
            let before = w.ledger_size();
            let r = read(&Auth::Cookie(reader), "");
            assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
            let body = r.json();
            // The read itself is recorded.
            assert_eq!(w.ledger_size(), before + 1);
            let seq = body["seq"].as_u64().unwrap();
            assert_eq!(w.entry(seq).action, "disclosures.read");
            let items = body["items"].as_array().unwrap();
            assert_eq!(items.len(), 2, "{}: {body}", w.name);
            let rfi = items.iter().find(|i| i["kind"] == "rfi_answer").unwrap();
            assert_eq!(rfi["record"], "us-reg-1");
            assert_eq!(rfi["recipient"], "us");
            assert_eq!(rfi["legal_basis"], "Directive 2023/977 art. 5");
            assert_eq!(rfi["categories"], json!(["identity", "vehicles"]));
            assert_eq!(rfi["entry"], approved["seq"]);
            let entry = w.entry(rfi["entry"].as_u64().unwrap());
            assert_eq!(entry.action, "rfi.approve_disclosure");
            assert_eq!(rfi["approver"], json!(entry.actor_account));
            assert_eq!(rfi["time"], json!(entry.time_ms));
            let share = items.iter().find(|i| i["kind"] == "case_share").unwrap();
            assert_eq!(share["record"], json!(case));
            assert_eq!(share["legal_basis"], "Liaison agreement, art. 4");
            assert_eq!(share["entry"], shared["seq"]);
            assert_eq!(
                w.entry(share["entry"].as_u64().unwrap()).action,
                "vetting.share"
            );
        }
        // Filters and CSV.
        let o = Auth::Cookie(&oversight);
        let n = |q: &str| read(&o, q).json()["items"].as_array().unwrap().len();
        assert_eq!(n("?kind=case_share"), 1);
        assert_eq!(n("?recipient=fr"), 0);
        assert_eq!(n("?from=0&until=1"), 0);
        assert_eq!(read(&o, "?kind=other").status, 400);
        assert_eq!(read(&o, "?colour=red").status, 400);
        let csv = read(&o, "?format=csv");
        assert_eq!(csv.status, 200);
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        let text = csv.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("time,kind,record,recipient,legal_basis"));
        assert!(
            text.contains("us-reg-1,us,Directive 2023/977 art. 5,identity;vehicles"),
            "{text}"
        );
        // Nobody else: the operator (host: told the rules), a delegation
        // (told nothing); each refusal recorded.
        for (who, policies) in [(&operator, true), (&us, false), (&fr, false)] {
            let before = w.ledger_size();
            let r = read(&Auth::Cookie(who), "");
            assert_eq!(r.status, 403, "{}", r.text());
            assert_eq!(r.json()["error"].get("policies").is_some(), policies);
            assert_eq!(w.ledger_size(), before + 1);
        }
        assert_eq!(read(&Auth::None, "").status, 401);
        // The page: the same register, for the same readers.
        let page = w.get("/disclosures", &Auth::Cookie(&commander));
        assert_eq!(page.status, 200, "{}", page.text());
        let html = page.text();
        assert!(
            html.contains("us-reg-1") && html.contains("Liaison agreement, art. 4"),
            "{html}"
        );
        assert!(
            !html.contains("us-reg-2"),
            "an unapproved answer released nothing"
        );
        assert!(html.contains("/api/v1/disclosures?format=csv"));
        let filtered = w.get(
            "/disclosures?kind=case_share&recipient=us",
            &Auth::Cookie(&oversight),
        );
        assert!(!filtered.text().contains("us-reg-1"));
        let before = w.ledger_size();
        let refused = w.get("/disclosures", &Auth::Cookie(&operator));
        assert_eq!(refused.status, 403, "{}", refused.text());
        assert_eq!(
            w.ledger_size(),
            before + 1,
            "a refused page read is recorded"
        );
    }
}
