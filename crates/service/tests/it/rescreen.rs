//! Issue 12, item 5: a list change re-screens the applicants. A new entry
//! naming an accredited applicant opens a case, turns the organiser's
//! opinion to pending and proposes a suspension the commander confirms; a
//! removed entry flags the open case that named it; the organiser learns
//! nothing else; a caller the policy refuses makes the host screen nobody.

use std::sync::Arc;

use serde_json::{Value, json};
use service::rescreen::DeltaSearch;
use service::{Actor, ScreeningLists, Service, ServiceError};
use store::testing::backends;

use crate::applicants::open_cases;
use crate::scenario::us_delegation;
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
        us_delegation(&w).await;
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
        assert_eq!(report.search, "reverse");
        assert_eq!(report.changed_entities, 1, "{report:?}");
        assert_eq!(report.removed_entities, 1, "{report:?}");
        // R-1, R-3 and R-7 hold no objection, the head and us-verdi are
        // open: of them, only the two named Paolo Verdi carry a key the
        // change reaches, and only they are searched.
        assert!(report.keys_rebuilt, "no keys yet: {report:?}");
        assert_eq!(report.keyed, 6, "four applicants, two declared: {report:?}");
        assert_eq!(report.candidates, 2, "{report:?}");
        assert_eq!(report.screened, 1, "R-3: {report:?}");
        assert_eq!(report.screened_declared, 1, "us-verdi: {report:?}");
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

        // Again: R-3 is under review now, nobody else hits; searching
        // everyone finds the same.
        let again = w
            .svc
            .rescreen(&Actor::session("admin"), Some(previous.clone()))
            .await
            .expect("again");
        assert!(!again.keys_rebuilt && again.keys_read > 0, "{again:?}");
        assert_eq!((again.candidates, again.screened), (2, 0), "{again:?}");
        assert_eq!((again.hits, again.cases_opened), (0, 0), "{again:?}");
        assert_eq!(
            again.screened_declared, 0,
            "us-verdi has a case now: {again:?}"
        );
        let everyone = w
            .svc
            .rescreen_with(
                &Actor::session("admin"),
                Some(previous.clone()),
                DeltaSearch::Population,
            )
            .await
            .expect("again, everyone");
        assert_eq!(everyone.search, "population");
        assert_eq!((everyone.screened, everyone.hits), (2, 0), "{everyone:?}");
        assert_eq!(everyone.screened_declared, 1, "the head: {everyone:?}");

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

/// FollowTheMoney lines of a person: id, names (the first the name, the
/// others aliases), birth date.
fn listed(id: &str, names: &[&str], birth: &str) -> String {
    json!({"id": id, "schema": "Person",
           "properties": {"name": [names[0]], "alias": &names[1..], "birthDate": [birth]},
           "datasets": ["test"]})
    .to_string()
}

fn lists_of(lines: &[String]) -> Arc<ScreeningLists> {
    let text = lines.join("\n");
    let file = watchlist::SourceFile::new("lists.json", text.as_bytes());
    let imports = watchlist::import_files(
        &[file],
        Some(watchlist::Format::FtmJson),
        Default::default(),
    )
    .expect("lists");
    let entities: Vec<_> = imports.into_iter().flat_map(|i| i.entities).collect();
    Arc::new(ScreeningLists::new(screening::Index::build(entities)))
}

/// The lists after each change: the world's two entries, then entries
/// added, changed (an alias more) and removed.
fn list_versions() -> Vec<Vec<String>> {
    let bout = listed("t-bout", &["Viktor Anatolyevich Bout"], "1967-01-13");
    let guzman = listed(
        "t-guzman",
        &["Joaquin Archivaldo Guzman Loera"],
        "1957-04-04",
    );
    let verdi = listed("t-verdi", &["VERDI, Paolo"], "1985-11-30");
    let verdi2 = listed("t-verdi", &["VERDI, Paolo", "Paolo Verdini"], "1985-11-30");
    let rashidi = listed(
        "t-rashidi",
        &["AL-RASHIDI, Yusuf Abd al-Karim"],
        "1970-05-01",
    );
    let ivanov = listed(
        "t-ivanov",
        &["IVANOV, Aleksandr Petrovich", "Иванов Александр Петрович"],
        "1966-02-02",
    );
    let yamada = listed("t-yamada", &["YAMADA, Taro", "山田太郎"], "1959-09-09");
    let mahmoud = listed(
        "t-mahmoud",
        &["Ahmed Hassan MAHMOUD", "أحمد حسن محمود"],
        "1975-07-07",
    );
    let kozlovsky = listed(
        "t-kozlovsky",
        &["KOZLOVSKY, Artem Viktorovich"],
        "1979-11-05",
    );
    let rossi = listed("t-rossi", &["ROSSI, Maria Luisa"], "1990-02-03");
    let wang = listed("t-wang", &["WANG, Xiaoming", "王小明"], "1980-08-08");
    let kim = listed("t-kim", &["KIM Jong Un", "김정은"], "1984-01-08");
    vec![
        vec![bout.clone(), guzman.clone()],
        vec![
            bout.clone(),
            guzman,
            verdi,
            rashidi.clone(),
            ivanov.clone(),
            yamada.clone(),
        ],
        vec![
            bout.clone(),
            verdi2.clone(),
            rashidi.clone(),
            ivanov.clone(),
            yamada.clone(),
            mahmoud.clone(),
            kozlovsky.clone(),
        ],
        vec![
            bout.clone(),
            verdi2.clone(),
            rashidi.clone(),
            ivanov.clone(),
            yamada.clone(),
            mahmoud.clone(),
            kozlovsky.clone(),
            rossi.clone(),
            wang.clone(),
        ],
        vec![
            bout, verdi2, rashidi, yamada, mahmoud, kozlovsky, rossi, wang, kim,
        ],
    ]
}

/// A deterministic population: people on no list, list names and variants
/// of them (initials, a letter changed, surname first, a name left out),
/// some with their name in its original script.
fn population(first: usize, n: usize, seed: u64) -> Vec<Value> {
    const GIVEN: [&str; 10] = [
        "Maria", "Luca", "Giulia", "Marco", "Anna", "Paolo", "Sofia", "Ahmed", "Olga", "Kenji",
    ];
    const SURNAMES: [&str; 10] = [
        "Rossi", "Bianchi", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Hassan",
        "Petrova", "Tanaka",
    ];
    const PLANTED: [(&str, Option<&str>); 24] = [
        ("Paolo Verdi", None),
        ("P. Verdi", None),
        ("Verdi Paolo", None),
        ("Paolo Verdy", None),
        ("Paolo Verdini", None),
        ("Yusuf al-Rashidi", Some("يوسف الرشيدي")),
        ("Yusuf Abdulkarim Rashidi", None),
        ("Aleksandr Ivanov", Some("Александр Иванов")),
        ("Alexander Ivanov", None),
        ("Taro Yamada", Some("山田太郎")),
        ("T. Yamada", None),
        ("Ahmed Mahmoud", Some("أحمد محمود")),
        ("Ahmad Hasan Mahmud", None),
        ("Artem Kozlovskiy", Some("Артём Козловский")),
        ("Maria Luisa Rossi", None),
        ("Rossi Maria", None),
        ("Xiaoming Wang", Some("王小明")),
        ("Wang Xiao Ming", None),
        ("Kim Jong-un", Some("김정은")),
        ("Jong Un Kim", None),
        ("Viktor Bout", Some("Виктор Бут")),
        ("Joaquin Guzman", None),
        ("Olga Petrova", Some("Ольга Петрова")),
        ("Kenji Tanaka", Some("田中健二")),
    ];
    let mut state = seed;
    let mut below = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    (first..first + n)
        .map(|i| {
            let (name, original) = if below(10) < 4 {
                let (name, original) = PLANTED[below(PLANTED.len())];
                (name.to_owned(), original)
            } else {
                let name = format!("{} {}", GIVEN[below(10)], SURNAMES[below(10)]);
                (name, None)
            };
            let mut r = row(&format!("P-{i:04}"), &name, "1980-01-01");
            if let Some(o) = original {
                r["original_name"] = json!(o);
            }
            r
        })
        .collect()
}

async fn opinions(w: &World) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = w
        .svc
        .applicant_opinions("organiser", None, 10_000)
        .await
        .expect("opinions")
        .items
        .into_iter()
        .map(|l| (l.reference, l.opinion.to_owned()))
        .collect();
    out.sort();
    out
}

/// One store re-screened in reverse, one searching everyone: after every
/// list change, the same hits, cases, proposals and flags, and the same
/// opinion for every applicant. Between changes applicants are imported,
/// a reference is re-sent under a listed name, a declared person is added,
/// the reverse store's service is restarted, and its keys file is replaced
/// by an older one, by one from another store and by garbage.
#[tokio::test]
async fn a_delta_in_reverse_finds_what_searching_everyone_finds() {
    for (a, b) in backends().await.into_iter().zip(backends().await) {
        let mut a = World::new(a).await;
        let b = World::new(b).await;
        let name = a.db.name;
        let versions = list_versions();
        for w in [&a, &b] {
            w.svc.set_lists(lists_of(&versions[0]));
            w.ok(
                "organiser",
                json!({"action": "applicant.submit", "applicants": population(0, 160, 11)}),
            )
            .await;
            us_delegation(w).await;
        }
        let keys_file = a.svc.store().location().data_dir.join("rescreen-keys.bin");
        let mut older: Option<Vec<u8>> = None;
        let (mut searched_everyone, mut candidates, mut hits) = (0, 0, 0);
        for (k, version) in versions.iter().enumerate().skip(1) {
            // What happens between list changes.
            match k {
                2 => {
                    for w in [&a, &b] {
                        w.ok(
                            "organiser",
                            json!({"action": "applicant.submit", "applicants": population(160, 40, 12)}),
                        )
                        .await;
                        // A reference re-sent under a name the next change lists.
                        let mut again = population(0, 1, 11).remove(0);
                        again["name"] = json!("Ahmed Hasan Mahmoud");
                        w.ok(
                            "organiser",
                            json!({"action": "applicant.submit", "applicants": [again]}),
                        )
                        .await;
                        w.ok(
                            "us-liaison",
                            json!({"action": "declaration.submit", "id": "us-kozlovsky",
                                   "person": person("Artem Kozlovsky", "1979-11-05", "US", "P5550001", json!("investigative_support"))}),
                        )
                        .await;
                        w.ok(
                            "commander",
                            json!({"action": "declaration.accredit", "id": "us-kozlovsky", "window": games_window()}),
                        )
                        .await;
                    }
                }
                // A restart: the keys come from the file.
                3 => a.svc = restarted(&a),
                4 => {
                    // A file from an earlier catch-up of this store: caught up
                    // from its mark.
                    std::fs::write(&keys_file, older.as_ref().expect("older keys")).unwrap();
                    a.svc = restarted(&a);
                }
                _ => {}
            }
            let before_a = a.svc.lists().unwrap().index().clone();
            let before_b = b.svc.lists().unwrap().index().clone();
            a.svc.set_lists(lists_of(version));
            b.svc.set_lists(lists_of(version));
            let ra = a
                .svc
                .rescreen_with(
                    &Actor::session("admin"),
                    Some(before_a),
                    DeltaSearch::Reverse,
                )
                .await
                .expect("in reverse");
            let rb = b
                .svc
                .rescreen_with(
                    &Actor::session("admin"),
                    Some(before_b),
                    DeltaSearch::Population,
                )
                .await
                .expect("everyone");
            let what = format!("{name}, change {k}:\n  reverse {ra:?}\n  everyone {rb:?}");
            assert_eq!((ra.search, rb.search), ("reverse", "population"));
            assert_eq!(
                (
                    ra.changed_entities,
                    ra.removed_entities,
                    ra.hits,
                    ra.cases_opened
                ),
                (
                    rb.changed_entities,
                    rb.removed_entities,
                    rb.hits,
                    rb.cases_opened
                ),
                "{what}"
            );
            assert_eq!(
                (ra.under_review, ra.suspensions_proposed, ra.cases_flagged),
                (rb.under_review, rb.suspensions_proposed, rb.cases_flagged),
                "{what}"
            );
            assert!(ra.screened <= rb.screened, "{what}");
            assert!(ra.screened_declared <= rb.screened_declared, "{what}");
            assert_eq!(opinions(&a).await, opinions(&b).await, "{what}");
            match k {
                1 => assert!(ra.keys_rebuilt, "{what}"),
                3 => assert!(!ra.keys_rebuilt && ra.keys_read < 20, "{what}"),
                4 => assert!(!ra.keys_rebuilt && ra.keys_read > 0, "{what}"),
                _ => {}
            }
            if k == 1 {
                older = Some(std::fs::read(&keys_file).expect("the keys file"));
            }
            searched_everyone += rb.screened + rb.screened_declared;
            candidates += ra.candidates;
            hits += ra.hits;
        }
        assert!(hits >= 20, "{name}: {hits} hits in all");
        assert!(
            candidates * 2 < searched_everyone,
            "{name}: {candidates} candidates, {searched_everyone} searched by everyone"
        );

        // Keys from another store, or garbage: rebuilt, same answer.
        let other = World::new(store::testing::sqlite()).await;
        other.svc.set_lists(lists_of(&versions[0]));
        let before = other.svc.lists().unwrap().index().clone();
        other.svc.set_lists(lists_of(&versions[1]));
        other
            .svc
            .rescreen(&Actor::session("admin"), Some(before))
            .await
            .expect("the other store");
        let foreign = other
            .svc
            .store()
            .location()
            .data_dir
            .join("rescreen-keys.bin");
        for bytes in [
            std::fs::read(foreign).unwrap(),
            b"CRTNKEYS garbage".to_vec(),
        ] {
            std::fs::write(&keys_file, bytes).unwrap();
            a.svc = restarted(&a);
            let before = lists_of(&versions[3]).index().clone();
            let ra = a
                .svc
                .rescreen(&Actor::session("admin"), Some(before.clone()))
                .await
                .expect("rebuilt");
            let rb = b
                .svc
                .rescreen_with(
                    &Actor::session("admin"),
                    Some(before),
                    DeltaSearch::Population,
                )
                .await
                .expect("everyone");
            assert!(ra.keys_rebuilt, "{name}: {ra:?}");
            assert_eq!(ra.keyed, 200 + 2, "{name}: {ra:?}");
            assert_eq!(
                (ra.hits, ra.under_review),
                (rb.hits, rb.under_review),
                "{name}"
            );
        }
    }
}

/// The world's service over the same store, as after a restart.
fn restarted(w: &World) -> Service {
    let svc = Service::new(
        w.svc.store().clone(),
        authority::Authority::new().expect("policy"),
    );
    svc.set_lists(w.svc.lists().expect("lists"));
    svc
}
