//! The scenarios, end to end through the service, on every backend.

use serde_json::json;
use service::ServiceError;
use store::testing::backends;

use crate::world::{World, games_window, person};

const DAY: i64 = 86_400_000;

/// The US delegation with an accredited head (a liaison officer) who holds
/// the `us-liaison` account.
pub async fn us_delegation(w: &World) {
    w.delegation_with_liaison(
        "us",
        "us-hsi",
        "us-head",
        person(
            "John Carter",
            "1975-03-02",
            "US",
            "P1234567",
            json!("liaison"),
        ),
        "us-liaison",
    )
    .await;
}

#[tokio::test]
async fn declarations_are_screened_reviewed_and_accredited_or_refused() {
    for db in backends().await {
        let w = World::new(db).await;
        us_delegation(&w).await;

        // A clean person: screened clear, accredited by the commander.
        let a = w
            .ok(
                "us-liaison",
                json!({"action": "declaration.submit", "id": "us-agent-1",
                       "person": person("Mary Smith", "1980-06-01", "US", "P7654321", json!("investigative_support"))}),
            )
            .await;
        assert_eq!(a.state.as_deref(), Some("submitted"));
        // An analyst may not accredit; the commander may.
        let denied = w
            .run(
                "analyst",
                json!({"action": "declaration.accredit", "id": "us-agent-1", "window": games_window()}),
            )
            .await;
        assert!(
            matches!(
                denied,
                Err(ServiceError::Denied { .. } | ServiceError::Withheld { .. })
            ),
            "{denied:?}"
        );
        let accredited = w
            .ok(
                "commander",
                json!({"action": "declaration.accredit", "id": "us-agent-1", "window": games_window()}),
            )
            .await;
        assert_eq!(accredited.state.as_deref(), Some("accredited"));

        // A person on the lists: the hit opens a vetting case, which blocks
        // accreditation until decided.
        w.ok(
            "us-liaison",
            json!({"action": "declaration.submit", "id": "us-agent-2",
                   "person": person("Viktor Bout", "1967-01-13", "RU", "X0000001", json!("observer"))}),
        )
        .await;
        let line = w
            .ok(
                "commander",
                json!({"action": "declaration.read", "id": "us-agent-2", "purpose": "review"}),
            )
            .await
            .data
            .unwrap();
        assert_eq!(line["screening"], "hit", "{line}");
        let case = line["case"]
            .as_str()
            .expect("a hit opened a case")
            .to_owned();
        let blocked = w
            .run(
                "commander",
                json!({"action": "declaration.accredit", "id": "us-agent-2", "window": games_window()}),
            )
            .await;
        assert!(
            matches!(blocked, Err(ServiceError::State(_))),
            "{blocked:?}"
        );

        // The organiser sees only the opinion, while the case is open: pending.
        let opinion = w
            .ok(
                "analyst",
                json!({"action": "vetting.read_opinion", "id": case}),
            )
            .await;
        assert_eq!(opinion.data.unwrap()["opinion"], "pending");
        // The case is not the delegation's until a commander shares it (a
        // disclosure); then the delegation may add a note, never decide.
        let unshared = w
            .run(
                "us-liaison",
                json!({"action": "vetting.note", "id": case, "text": "Not our officer."}),
            )
            .await;
        assert!(
            matches!(unshared, Err(ServiceError::Withheld { .. })),
            "{unshared:?}"
        );
        w.ok(
            "commander",
            json!({"action": "vetting.share", "id": case, "delegation": "us",
                   "legal_basis": "Liaison agreement, art. 4", "question": "Is this your officer?"}),
        )
        .await;
        w.ok("us-liaison", json!({"action": "vetting.note", "id": case, "text": "Not our officer; declared in error."}))
            .await;
        let decide = w
            .run(
                "us-liaison",
                json!({"action": "vetting.clear", "id": case, "reason": "vouched"}),
            )
            .await;
        assert!(
            matches!(
                decide,
                Err(ServiceError::Denied { .. } | ServiceError::Withheld { .. })
            ),
            "{decide:?}"
        );
        // The analyst proposes, the commander confirms (the decision board).
        let alone = w
            .run(
                "analyst",
                json!({"action": "vetting.confirm_refusal", "id": case, "reason": "listed"}),
            )
            .await;
        assert!(
            matches!(
                alone,
                Err(ServiceError::Denied { .. } | ServiceError::Withheld { .. })
            ),
            "{alone:?}"
        );
        w.ok("analyst", json!({"action": "vetting.propose_refusal", "id": case, "reason": "Matches a listed arms trafficker by name and birth date."}))
            .await;
        let refused = w
            .ok("commander", json!({"action": "vetting.confirm_refusal", "id": case, "reason": "Confirmed on review."}))
            .await;
        assert_eq!(refused.state.as_deref(), Some("refused"));
        let opinion = w
            .ok(
                "analyst",
                json!({"action": "vetting.read_opinion", "id": case}),
            )
            .await;
        assert_eq!(opinion.data.unwrap()["opinion"], "objection");
        let line = w
            .ok("commander", json!({"action": "declaration.refuse", "id": "us-agent-2", "reason": "Vetting objection."}))
            .await;
        assert_eq!(line.state.as_deref(), Some("refused"));

        // Nobody unaccredited gets an account.
        let early = w
            .run("admin", json!({"action": "account.create", "username": "bout", "role": "foreign_investigator",
                                  "agency": "us-hsi", "delegation": "us", "declaration": "us-agent-2"}))
            .await;
        assert!(matches!(early, Err(ServiceError::State(_))), "{early:?}");

        w.verify().await;
        w.svc.store().close().await;
    }
}

#[tokio::test]
async fn the_rfi_lifecycle_with_a_disclosure() {
    for db in backends().await {
        let w = World::new(db).await;
        us_delegation(&w).await;
        w.ok(
            "us-liaison",
            json!({"action": "rfi.draft", "id": "us-rfi-1", "kind": "information", "priority": "urgent_direct",
                   "subject": "Vehicle registration", "body": "Owner of plate AB123CD?"}),
        )
        .await;
        let submitted = w
            .ok(
                "us-liaison",
                json!({"action": "rfi.submit", "id": "us-rfi-1"}),
            )
            .await;
        assert_eq!(submitted.state.as_deref(), Some("submitted"));
        let read = w
            .ok(
                "operator",
                json!({"action": "rfi.read", "id": "us-rfi-1", "purpose": "follow-up"}),
            )
            .await
            .data
            .unwrap();
        let (sub, due) = (
            read["submitted_at"].as_i64().unwrap(),
            read["due_at"].as_i64().unwrap(),
        );
        assert_eq!(due - sub, 8 * 3_600_000, "urgent direct: 8 hours");
        assert_eq!(read["overdue"], false);

        // Only the host moves it; the liaison cannot acknowledge its own request.
        let own = w
            .run(
                "us-liaison",
                json!({"action": "rfi.acknowledge", "id": "us-rfi-1"}),
            )
            .await;
        assert!(
            matches!(
                own,
                Err(ServiceError::Denied { .. } | ServiceError::Withheld { .. })
            ),
            "{own:?}"
        );
        w.ok(
            "operator",
            json!({"action": "rfi.acknowledge", "id": "us-rfi-1"}),
        )
        .await;
        w.ok(
            "operator",
            json!({"action": "rfi.accept", "id": "us-rfi-1", "unit": "polizia-di-stato"}),
        )
        .await;
        w.ok("operator", json!({"action": "rfi.start", "id": "us-rfi-1"}))
            .await;
        w.ok(
            "operator",
            json!({"action": "rfi.answer", "id": "us-rfi-1", "text": "Registered to Mario Rossi, born 1970.",
                   "disclosure": {"personal_data": true, "legal_basis": "Directive (EU) 2023/977 art. 5", "categories": ["identity", "vehicles"]}}),
        )
        .await;
        // Personal data is not released before the commander approves.
        let before = w
            .ok(
                "us-liaison",
                json!({"action": "rfi.read", "id": "us-rfi-1", "purpose": "follow-up"}),
            )
            .await
            .data
            .unwrap();
        assert!(before.get("answer").is_none(), "{before}");
        let op = w
            .run(
                "operator",
                json!({"action": "rfi.approve_disclosure", "id": "us-rfi-1"}),
            )
            .await;
        assert!(
            matches!(
                op,
                Err(ServiceError::Denied { .. } | ServiceError::Withheld { .. })
            ),
            "an operator cannot approve: {op:?}"
        );
        let approved = w
            .ok(
                "commander",
                json!({"action": "rfi.approve_disclosure", "id": "us-rfi-1"}),
            )
            .await;
        let after = w
            .ok(
                "us-liaison",
                json!({"action": "rfi.read", "id": "us-rfi-1", "purpose": "follow-up"}),
            )
            .await
            .data
            .unwrap();
        assert_eq!(after["answer"], "Registered to Mario Rossi, born 1970.");
        w.ok(
            "us-liaison",
            json!({"action": "rfi.close", "id": "us-rfi-1"}),
        )
        .await;
        // The disclosure is in the ledger: who approved, on which request;
        // the answer itself only as a salted commitment.
        let entry = w.entry(approved.seq).await;
        assert_eq!(entry.action, "rfi.approve_disclosure");
        assert_eq!(entry.resource.id, "us-rfi-1");
        assert_eq!(entry.actor_account, w.account_id("commander").await);
        assert!(entry.personal_data.is_some());

        // An invalid transition changes nothing, not even the ledger.
        let size = w.ledger_size().await;
        let again = w
            .run(
                "us-liaison",
                json!({"action": "rfi.submit", "id": "us-rfi-1"}),
            )
            .await;
        assert!(matches!(again, Err(ServiceError::State(_))), "{again:?}");
        let unknown = w
            .run(
                "operator",
                json!({"action": "rfi.acknowledge", "id": "rfi-none"}),
            )
            .await;
        assert!(
            matches!(unknown, Err(ServiceError::NotFound { .. })),
            "{unknown:?}"
        );
        assert_eq!(w.ledger_size().await, size);

        // Overdue: a normal request left unanswered is overdue from its due
        // time (7 days), checked on the stored request with the domain's rule.
        w.ok(
            "us-liaison",
            json!({"action": "rfi.draft", "id": "us-rfi-2", "kind": "assistance", "priority": "normal",
                   "subject": "Escort", "body": "Escort at Cortina?"}),
        )
        .await;
        w.ok(
            "us-liaison",
            json!({"action": "rfi.submit", "id": "us-rfi-2"}),
        )
        .await;
        w.ok(
            "operator",
            json!({"action": "rfi.acknowledge", "id": "us-rfi-2"}),
        )
        .await;
        let rec = store::records::get(w.svc.store().pool(), "request", "us-rfi-2")
            .await
            .unwrap()
            .unwrap();
        let r: domain::request::Request =
            serde_json::from_str(rec.doc.as_deref().unwrap()).unwrap();
        let due = r.due_at().unwrap();
        assert_eq!(
            due.as_millis() - r.submitted_at().unwrap().as_millis(),
            7 * DAY
        );
        let before = domain::time::Timestamp::from_millis(due.as_millis() - 1);
        assert!(!r.is_overdue(before) && r.is_overdue(due));
        w.verify().await;
        w.svc.store().close().await;
    }
}

#[tokio::test]
async fn a_foreign_liaison_cannot_task_and_the_denial_is_in_the_ledger() {
    for db in backends().await {
        let w = World::new(db).await;
        us_delegation(&w).await;
        let size = w.ledger_size().await;
        let denied = w
            .run(
                "us-liaison",
                json!({"action": "task.create", "title": "Search the hotel", "details": "Room 12", "unit": "questura-milano"}),
            )
            .await;
        // Outside the host a refusal names no rule (the entry does).
        let Err(ServiceError::Withheld { seq }) = denied else {
            panic!("{}: task.create by a liaison: {denied:?}", w.db.name);
        };
        assert_eq!(seq, size, "the denial is the next entry");
        let entry = w.entry(seq).await;
        assert_eq!(entry.decision, ledger::Decision::Deny);
        assert_eq!(entry.action, "task.create");
        assert_eq!(entry.actor_account, w.account_id("us-liaison").await);
        assert!(
            entry
                .policies
                .contains(&"forbid-foreign-tasking".to_owned())
        );

        // The commander tasks; the liaison cannot approve it either.
        let task = w
            .ok("commander", json!({"action": "task.create", "id": "task-1", "title": "Patrol", "details": "Gate 4", "unit": "questura-milano"}))
            .await;
        let approve = w
            .run(
                "us-liaison",
                json!({"action": "task.approve", "id": task.id}),
            )
            .await;
        assert!(
            matches!(
                approve,
                Err(ServiceError::Denied { .. } | ServiceError::Withheld { .. })
            ),
            "{approve:?}"
        );
        w.ok(
            "commander",
            json!({"action": "task.approve", "id": "task-1"}),
        )
        .await;
        // A task for a foreign agency is impossible by construction.
        let foreign_unit = w
            .run("commander", json!({"action": "task.create", "title": "Escort", "details": "x", "unit": "us-dss"}))
            .await;
        assert!(
            matches!(foreign_unit, Err(ServiceError::State(_))),
            "{foreign_unit:?}"
        );

        w.verify().await;
        w.svc.store().close().await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    for db in backends().await {
        let w = World::new(db).await;
        us_delegation(&w).await;
        let size = w.ledger_size().await;
        // Over-long, empty and malformed fields never reach the service.
        for bad in [
            json!({"action": "rfi.draft", "kind": "information", "priority": "normal", "subject": "x".repeat(201), "body": "b"}),
            json!({"action": "rfi.draft", "kind": "information", "priority": "whenever", "subject": "s", "body": "b"}),
            json!({"action": "rfi.draft", "kind": "information", "priority": "normal", "subject": "s", "body": "b", "extra": 1}),
            json!({"action": "task.create", "title": "t", "details": "d", "unit": "../etc"}),
            json!({"action": "no.such.action"}),
        ] {
            assert!(
                serde_json::from_value::<service::Command>(bad.clone()).is_err(),
                "accepted {bad}"
            );
        }
        // A duplicate declaration (same document and nationality).
        let dup = w
            .run(
                "us-liaison",
                json!({"action": "declaration.submit",
                       "person": person("Johnny Carter", "1975-03-02", "US", "P1234567", json!("liaison"))}),
            )
            .await;
        assert!(matches!(dup, Err(ServiceError::State(_))), "{dup:?}");
        // An unknown account.
        let who = w
            .run("mallory", json!({"action": "task.read", "id": "task-x"}))
            .await;
        assert!(
            matches!(who, Err(ServiceError::Unauthenticated(_))),
            "{who:?}"
        );
        assert_eq!(w.ledger_size().await, size, "nothing recorded");
        w.verify().await;
        w.svc.store().close().await;
    }
}

#[tokio::test]
async fn a_tampered_row_stamp_fails_verification_naming_the_row() {
    for db in backends().await {
        let w = World::new(db).await;
        us_delegation(&w).await;
        let draft = w
            .ok(
                "us-liaison",
                json!({"action": "rfi.draft", "id": "us-rfi-1", "kind": "information", "priority": "normal",
                       "subject": "Hotel", "body": "Which hotel?"}),
            )
            .await;
        let submit = w
            .ok(
                "us-liaison",
                json!({"action": "rfi.submit", "id": "us-rfi-1"}),
            )
            .await;
        let task = w
            .ok(
                "commander",
                json!({"action": "task.create", "id": "task-1", "title": "Patrol",
                                    "details": "Gate 4", "unit": "questura-milano"}),
            )
            .await;
        w.verify().await;
        let store = w.svc.store();
        let size = w.ledger_size().await;
        for (stamp, want) in [
            (
                draft.seq,
                format!(
                    "records row request/us-rfi-1: present as stamped by entry {}, but entry {} (rfi.submit) wrote it later",
                    draft.seq, submit.seq
                ),
            ),
            (
                size + 5,
                format!(
                    "row request/us-rfi-1 is stamped with entry {} which is not in the log ({size} entries)",
                    size + 5
                ),
            ),
            (
                task.seq,
                format!(
                    "records row request/us-rfi-1: stamped with entry {} (task.create), which did not write it",
                    task.seq
                ),
            ),
        ] {
            sqlx::query(
                "UPDATE records SET updated_seq = $1 WHERE kind = 'request' AND id = 'us-rfi-1'",
            )
            .bind(stamp as i64)
            .execute(store.pool())
            .await
            .unwrap();
            let failure = store
                .verify_stamps(&service::stamp_rules())
                .await
                .expect_err("a tampered stamp verifies");
            assert_eq!(failure.message, want, "{}", w.db.name);
        }
        store.close().await;
    }
}

/// Issue 10: entries name their actor and the record acted on in clear and
/// for ever, so personal records and accounts have opaque ids — no login
/// name, no label a delegation or the host chose, appears in any entry —
/// while the labels keep naming the records in commands.
#[tokio::test]
async fn no_entry_names_a_login_name_or_a_label_of_a_personal_record() {
    for db in backends().await {
        let w = World::new(db).await;
        us_delegation(&w).await;
        let line = w
            .ok(
                "us-liaison",
                json!({"action": "declaration.submit", "id": "us-mary-smith",
                       "person": person("Mary Smith", "1980-06-01", "US", "P7654321", json!("investigative_support"))}),
            )
            .await;
        assert!(line.id.starts_with("decl-"), "{}", line.id);
        // The label names the line: the delegation reads it back by it, and
        // sees its own label; a second line with the label is refused.
        let read = w
            .ok(
                "us-liaison",
                json!({"action": "declaration.read", "id": "us-mary-smith", "purpose": "check"}),
            )
            .await;
        assert_eq!(read.id, line.id);
        assert_eq!(read.data.as_ref().unwrap()["reference"], "us-mary-smith");
        assert_eq!(read.data.as_ref().unwrap()["id"], line.id.as_str());
        let again = w
            .run(
                "us-liaison",
                json!({"action": "declaration.submit", "id": "us-mary-smith",
                       "person": person("Mary Smith", "1980-06-01", "US", "P7654322", json!("investigative_support"))}),
            )
            .await;
        assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
        // An id of cortina's own shape is not a label.
        let forged = w
            .run(
                "commander",
                json!({"action": "protectee.register", "id": "prot-0123456789abcdef01234567",
                       "name": "Jane Roe", "delegation": "us", "risk": 2}),
            )
            .await;
        assert!(
            matches!(forged, Err(ServiceError::BadCommand(_))),
            "{forged:?}"
        );
        let vp = w
            .ok(
                "commander",
                json!({"action": "protectee.register", "id": "jane-roe",
                       "name": "Jane Roe", "delegation": "us", "risk": 2}),
            )
            .await;
        assert!(vp.id.starts_with("prot-"), "{}", vp.id);
        w.ok(
            "commander",
            json!({"action": "declaration.accredit", "id": "us-mary-smith", "window": games_window()}),
        )
        .await;
        w.account(json!({"action": "account.create", "username": "mary.smith",
                         "role": "foreign_liaison", "agency": "us-hsi", "delegation": "us",
                         "declaration": "us-mary-smith"}))
            .await;
        let mary = w.account_id("mary.smith").await;
        assert!(mary.starts_with("acc-") && !mary.contains("mary"), "{mary}");

        let clear = [
            "mary",
            "smith",
            "jane-roe",
            "us-liaison",
            "commander",
            "operator",
            "analyst",
            "admin",
        ];
        for seq in 0..w.ledger_size().await {
            let e = w.entry(seq).await;
            for text in [&e.actor_account, &e.resource.id] {
                let lower = text.to_lowercase();
                assert!(
                    !clear.iter().any(|c| lower.contains(c)),
                    "{}: entry {seq} ({}) names {text:?}",
                    w.db.name,
                    e.action
                );
            }
        }
        w.verify().await;
    }
}
