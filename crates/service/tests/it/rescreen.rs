//! Issue 12, item 5: a list change re-screens the applicants. A new entry
//! naming an accredited applicant opens a case, turns the organiser's
//! opinion to pending and proposes a suspension the commander confirms; a
//! removed entry flags the open case that named it; the organiser learns
//! nothing else; a caller the policy refuses makes the host screen nobody.

use std::sync::Arc;

use serde_json::{Value, json};
use service::{Actor, ScreeningLists, ServiceError};
use store::testing::backends;

use crate::applicants::open_cases;
use crate::world::{World, games_window, person};

fn row(reference: &str, name: &str, birth: &str) -> Value {
    json!({"reference": reference, "name": name, "birth_date": birth, "nationality": "IT",
           "document_type": "passport", "document_number": format!("P{reference}"),
           "category": "media", "zones": "zone-2"})
}

/// The lists after the change: Bout unchanged, Guzman gone, a new entry for
/// a person already accredited (written surname first, as lists do).
const NEW_LISTS: &str = r#"{"id":"t-bout","schema":"Person","properties":{"name":["Viktor Anatolyevich Bout"],"birthDate":["1967-01-13"],"nationality":["ru"]},"datasets":["test"]}
{"id":"t-verdi","schema":"Person","properties":{"name":["VERDI, Paolo"],"birthDate":["1985-11-30"],"nationality":["it"]},"datasets":["test"]}
"#;

fn new_lists() -> Arc<ScreeningLists> {
    let file = watchlist::SourceFile::new("new-lists.json", NEW_LISTS.as_bytes());
    let imports = watchlist::import_files(
        &[file],
        Some(watchlist::Format::FtmJson),
        Default::default(),
    )
    .expect("lists");
    let entities: Vec<_> = imports.into_iter().flat_map(|i| i.entities).collect();
    Arc::new(ScreeningLists::new(screening::Index::build(entities)))
}

async fn opinion_of(w: &World, reference: &str) -> String {
    let page = w
        .svc
        .applicant_opinions("organiser", None, 100)
        .await
        .expect("opinions");
    page.items
        .into_iter()
        .find(|l| l.reference == reference)
        .map(|l| l.opinion.to_owned())
        .expect("the applicant")
}

#[tokio::test]
async fn a_list_change_rescreens_the_accredited_and_flags_removed_entries() {
    for db in backends().await {
        let w = World::new(db).await;
        w.ok(
            "organiser",
            json!({"action": "applicant.submit", "applicants": [
                row("R-1", "Maria Bianchi", "1990-02-03"),
                row("R-3", "Paolo Verdi", "1985-11-30"),
                row("R-4", "Joaquin Archivaldo Guzman Loera", "1957-04-04"),
                row("R-7", "Mario Rossi", "1979-05-06"),
            ]}),
        )
        .await;
        assert_eq!(opinion_of(&w, "R-3").await, "no_objection");
        assert_eq!(opinion_of(&w, "R-4").await, "pending");
        // A delegation, and a declared person of the same name, accredited.
        w.delegation_with_liaison(
            "us",
            "us-dss",
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
        w.ok(
            "us-liaison",
            json!({"action": "declaration.submit", "id": "us-verdi",
                   "person": person("Paolo Verdi", "1985-11-30", "US", "P5550001", json!("investigative_support"))}),
        )
        .await;
        w.ok(
            "commander",
            json!({"action": "declaration.accredit", "id": "us-verdi", "window": games_window()}),
        )
        .await;
        let seen_before = w
            .ok(
                "us-liaison",
                json!({"action": "declaration.read", "id": "us-verdi", "purpose": "own line"}),
            )
            .await
            .data;
        let previous = w.svc.lists().unwrap().index().clone();

        // The organiser may not re-screen: refused, and nothing searched.
        w.svc.set_lists(new_lists());
        let searches = w.svc.lists().unwrap().searches();
        let refused = w
            .svc
            .rescreen(&Actor::session("organiser"), Some(previous.clone()))
            .await;
        assert!(
            matches!(refused, Err(ServiceError::Refused { .. })),
            "{}: {refused:?}",
            w.db.name
        );
        assert_eq!(w.svc.lists().unwrap().searches(), searches);
        assert_eq!(opinion_of(&w, "R-3").await, "no_objection");

        let report = w
            .svc
            .rescreen(&Actor::session("admin"), Some(previous.clone()))
            .await
            .expect("the re-screen");
        assert_eq!(report.mode, "delta");
        assert_eq!(report.changed_entities, 1, "{report:?}");
        assert_eq!(report.removed_entities, 1, "{report:?}");
        assert_eq!(report.screened, 3, "R-1, R-3 and R-7 hold no objection");
        assert_eq!(report.screened_declared, 2, "the head and us-verdi");
        assert_eq!(report.hits, 2, "{report:?}");
        assert_eq!(report.cases_opened, 2, "{report:?}");
        assert_eq!(report.suspensions_proposed, 2, "{report:?}");
        assert_eq!(report.cases_flagged, 1, "the Guzman case: {report:?}");
        assert_eq!(opinion_of(&w, "R-3").await, "pending");
        assert_eq!(opinion_of(&w, "R-1").await, "no_objection");

        // The new case is in the queue, naming the change; the Guzman case
        // carries a note asking for review.
        let queue = open_cases(&w).await;
        assert_eq!(queue.len(), 2, "{queue:?}");
        let mut verdi_case = None;
        let mut flagged = 0;
        for row in &queue {
            let case = w
                .ok("analyst", json!({"action": "vetting.read", "id": row, "purpose": "review after a list change"}))
                .await
                .data
                .unwrap();
            let text = case.to_string();
            if text.contains("t-verdi") {
                assert!(text.contains("suspension is proposed"), "{text}");
                verdi_case = Some(case);
            }
            if text.contains("no longer on the lists") {
                flagged += 1;
            }
        }
        let verdi_case = verdi_case.expect("a case on the new entry");
        assert_eq!(flagged, 1);
        let applicant = verdi_case["subject"]["applicant"]
            .as_str()
            .or_else(|| verdi_case["subject"].as_str())
            .unwrap_or_else(|| panic!("subject of {verdi_case}"))
            .to_owned();

        // The delegation sees its line exactly as before: nothing of the
        // hit or the case.
        let seen_after = w
            .ok(
                "us-liaison",
                json!({"action": "declaration.read", "id": "us-verdi", "purpose": "own line"}),
            )
            .await
            .data;
        assert_eq!(seen_after, seen_before, "{}", w.db.name);
        // The commander may suspend the declared person's accreditation.
        w.ok(
            "commander",
            json!({"action": "accreditation.suspend", "kind": "declaration", "id": "us-verdi",
                   "reason": "listed since the last update"}),
        )
        .await;

        // The commander confirms the suspension: the accreditation was still
        // in force.
        w.ok(
            "commander",
            json!({"action": "accreditation.suspend", "kind": "applicant", "id": applicant,
                   "reason": "listed since the last update"}),
        )
        .await;
        assert_eq!(opinion_of(&w, "R-3").await, "pending");

        // Again: R-3 is under review now, nobody else hits.
        let again = w
            .svc
            .rescreen(&Actor::session("admin"), Some(previous.clone()))
            .await
            .expect("again");
        assert_eq!((again.screened, again.cases_opened), (2, 0), "{again:?}");
        assert_eq!(
            again.screened_declared, 1,
            "us-verdi has a case now: {again:?}"
        );

        // A full re-screen searches the two with no objection against all.
        let full = w
            .svc
            .rescreen(&Actor::session("admin"), None)
            .await
            .expect("full");
        assert_eq!(full.mode, "full");
        assert_eq!((full.screened, full.hits), (2, 0), "{full:?}");
        w.verify().await;
    }
}
