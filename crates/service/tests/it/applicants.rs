//! Issue 12's intake scenario through the service: an organiser's batch
//! with bad rows, cases from hits, claim, clear, propose and confirm a
//! refusal, bulk clear, the opinions — and what the organiser is told.

use serde_json::{Value, json};
use service::ServiceError;
use store::testing::backends;

use crate::world::World;

fn row(reference: &str, name: &str, birth: &str, nationality: &str) -> Value {
    json!({"reference": reference, "name": name, "birth_date": birth, "nationality": nationality,
           "document_type": "passport", "document_number": format!("P{reference}"),
           "category": "media", "zones": "zone-2"})
}

/// The batch: three people on no list, two listed (one with a malformed
/// birth date, still found by name), a row without a name, a duplicate.
fn batch() -> Value {
    json!({"action": "applicant.submit", "applicants": [
        row("R-1", "Maria Bianchi", "1990-02-03", "IT"),
        row("R-2", "Viktor Anatolyevich Bout", "1967-01-13", "Russia"),
        row("R-3", "Paolo Verdi", "1985-11-30", "IT"),
        row("R-4", "Joaquin Archivaldo Guzman Loera", "1957-4-4", "MX"),
        {"reference": "R-5", "name": "  ", "birth_date": "1990-01-01"},
        row("R-6", "Luca Neri", "1974-01-32", "IT"),
        row("R-1", "Maria Bianchi", "1990-02-03", "IT"),
    ]})
}

async fn opinions(w: &World) -> Vec<(String, String)> {
    let page = w
        .svc
        .applicant_opinions("organiser", None, 100)
        .await
        .expect("opinions");
    assert_eq!(page.next, None);
    page.items
        .into_iter()
        .map(|l| (l.reference, l.opinion.to_owned()))
        .collect()
}

/// The ids of the cases in the analysts' queue (the first 50).
pub(crate) async fn open_cases(w: &World) -> Vec<String> {
    let rows = w
        .svc
        .vetting_queue(
            "analyst",
            store::applicants::QueueFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .expect("queue");
    rows.into_iter().map(|r| r.id).collect()
}

#[tokio::test]
async fn intake_screening_cases_decisions_and_opinions() {
    for db in backends().await {
        let w = World::new(db).await;
        let size = w.ledger_size().await;
        let done = w.ok("organiser", batch()).await;
        let data = done.data.clone().expect("summary");
        assert_eq!(data["received"], 7);
        assert_eq!(data["created"], 5, "{data}");
        assert_eq!(data["unchanged"], 0);
        let refused = data["refused"].as_array().unwrap();
        let lines: Vec<(u64, &str)> = refused
            .iter()
            .map(|r| (r["line"].as_u64().unwrap(), r["field"].as_str().unwrap()))
            .collect();
        assert_eq!(lines, [(5, "name"), (7, "reference")], "{data}");
        let warnings = data["warnings"].as_array().unwrap();
        assert!(
            warnings
                .iter()
                .any(|w| w["line"] == 4 && w["field"] == "birth_date"),
            "{data}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w["line"] == 6 && w["field"] == "birth_date"),
            "{data}"
        );
        // The organiser's answer says nothing of the screening.
        let text = data.to_string();
        for word in ["case", "hit", "score", "list", "snapshot", "Bout"] {
            assert!(!text.contains(word), "{word} in {text}");
        }
        // One entry per applicant, the consultation, the batch.
        assert_eq!(w.ledger_size().await, size + 5 + 2);
        // No reference in clear in any entry.
        for seq in size..size + 7 {
            let e = w.entry(seq).await;
            assert!(!e.resource.id.contains("R-"), "{e:?}");
        }
        let consult = w.entry(size + 5).await;
        assert_eq!(consult.resource.kind, "lists");
        assert_eq!(
            consult.resource.id,
            w.svc.lists().unwrap().snapshot(),
            "the consultation names the snapshot"
        );

        let mut got = opinions(&w).await;
        got.sort();
        assert_eq!(
            got,
            [
                ("R-1".into(), "no_objection".into()),
                ("R-2".into(), "pending".into()),
                ("R-3".into(), "no_objection".into()),
                ("R-4".into(), "pending".into()),
                ("R-6".into(), "no_objection".into()),
            ]
        );

        // Sending the same rows again changes nothing.
        let size = w.ledger_size().await;
        let again = w.ok("organiser", batch()).await.data.unwrap();
        assert_eq!(again["created"], 0);
        assert_eq!(again["unchanged"], 5, "{again}");
        assert_eq!(w.ledger_size().await, size + 1, "only the batch entry");

        // The queue: two cases. The analyst claims one; a second claim by
        // the commander is refused while it holds.
        let cases = open_cases(&w).await;
        assert_eq!(cases.len(), 2, "{cases:?}");
        let (first, second) = (cases[0].clone(), cases[1].clone());
        w.ok("analyst", json!({"action": "vetting.claim", "id": first}))
            .await;
        let taken = w
            .run("commander", json!({"action": "vetting.claim", "id": first}))
            .await;
        assert!(matches!(taken, Err(ServiceError::State(_))), "{taken:?}");
        let mine = w
            .svc
            .vetting_queue(
                "analyst",
                store::applicants::QueueFilter {
                    assignee: Some(w.svc.principal("analyst").await.unwrap().id),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        // The case view shows the applicant.
        let view = w
            .ok(
                "analyst",
                json!({"action": "vetting.read", "id": first, "purpose": "adjudicate the intake hit"}),
            )
            .await
            .data
            .unwrap();
        assert!(
            view["applicant"]["facts"]["reference"].is_string(),
            "{view}"
        );
        assert!(!view["triage"]["candidates"].as_array().unwrap().is_empty());

        // Clear the first; propose and confirm a refusal of the second.
        w.ok("analyst", json!({"action": "vetting.clear", "id": first, "reason": "different person: birth date and nationality differ"}))
            .await;
        w.ok(
            "analyst",
            json!({"action": "vetting.propose_refusal", "id": second, "reason": "listed person"}),
        )
        .await;
        w.ok(
            "commander",
            json!({"action": "vetting.confirm_refusal", "id": second, "reason": "confirmed"}),
        )
        .await;
        let got = opinions(&w).await;
        let objections = got.iter().filter(|(_, o)| o == "objection").count();
        let pending = got.iter().filter(|(_, o)| o == "pending").count();
        assert_eq!((objections, pending), (1, 0), "{got:?}");
        assert!(open_cases(&w).await.is_empty());

        // The organiser reads no case, and no opinion of anyone else's.
        let peek = w
            .run(
                "organiser",
                json!({"action": "vetting.read", "id": second, "purpose": "curious"}),
            )
            .await;
        assert!(
            matches!(peek, Err(ServiceError::Withheld { .. })),
            "{peek:?}"
        );
        assert!(
            w.svc
                .vetting_queue("organiser", Default::default())
                .await
                .is_err()
        );
        // A host analyst may read opinions, of its own agency's applicants
        // only: none.
        let host = w.svc.applicant_opinions("analyst", None, 10).await.unwrap();
        assert!(host.items.is_empty());
        w.verify().await;
    }
}

#[tokio::test]
async fn bulk_clear_records_each_case_and_counts_the_share() {
    for db in backends().await {
        let w = World::new(db).await;
        let rows: Vec<Value> = (0..4)
            .map(|i| row(&format!("B-{i}"), "Viktor Anatolyevich Bout", "", ""))
            .collect();
        w.ok(
            "organiser",
            json!({"action": "applicant.submit", "applicants": rows}),
        )
        .await;
        let cases = open_cases(&w).await;
        assert_eq!(cases.len(), 4);
        let size = w.ledger_size().await;
        let done = w
            .ok(
                "analyst",
                json!({"action": "vetting.clear_bulk", "ids": &cases[..3], "reason": "known to the organiser: other people"}),
            )
            .await;
        assert_eq!(done.data.unwrap()["cleared"], 3);
        assert_eq!(w.ledger_size().await, size + 3, "one entry per case");
        for seq in size..size + 3 {
            assert_eq!(w.entry(seq).await.action, "vetting.clear");
        }
        w.ok(
            "analyst",
            json!({"action": "vetting.clear", "id": cases[3], "reason": "other person"}),
        )
        .await;
        let stats = w.svc.vetting_queue_stats("analyst").await.unwrap();
        assert_eq!((stats.cleared, stats.cleared_in_bulk), (4, 3));
        // A foreign liaison or the organiser cannot clear in bulk.
        let refused = w
            .run(
                "organiser",
                json!({"action": "vetting.clear_bulk", "ids": [&cases[3]], "reason": "x"}),
            )
            .await;
        assert!(refused.is_err());
        w.verify().await;
    }
}

/// A caller the policy does not let submit applicants costs the host no
/// screening: the policy decides before the rows are screened, and the
/// refusal is recorded as any other.
#[tokio::test]
async fn a_refused_submit_screens_nobody() {
    for db in backends().await {
        let w = World::new(db).await;
        let lists = w.svc.lists().expect("lists");
        let before = lists.searches();
        for user in ["analyst", "admin", "oversight"] {
            let size = w.ledger_size().await;
            let err = w.run(user, batch()).await.expect_err("refused");
            assert!(
                matches!(
                    err,
                    ServiceError::Denied { .. } | ServiceError::Withheld { .. }
                ),
                "{user}: {err:?}"
            );
            assert_eq!(
                w.ledger_size().await,
                size + 1,
                "{user}: the refusal is recorded"
            );
            assert_eq!(
                lists.searches(),
                before,
                "{user}: screened before the policy decided"
            );
        }
        // The organiser's batch is screened (5 readable rows).
        w.ok("organiser", batch()).await;
        assert!(lists.searches() >= before + 5, "{}", lists.searches());
    }
}
