//! A list change through the real binary: `cortina lists import` of a new
//! snapshot re-screens the applicants against what changed (a case opens
//! for the one accredited person now listed), `cortina lists rescreen
//! --full` searches everyone again, and the ledger verifies. On SQLite, and
//! on PostgreSQL when `CORTINA_TEST_DATABASE_URL` is set.

use serde_json::Value;
use store::testing::backends;

use crate::crash::{cortina, organiser_store};

const BEFORE: &str = r#"{"id":"t-bout","schema":"Person","properties":{"name":["Viktor Anatolyevich Bout"]},"datasets":["test"]}
"#;
const AFTER: &str = r#"{"id":"t-bout","schema":"Person","properties":{"name":["Viktor Anatolyevich Bout"]},"datasets":["test"]}
{"id":"t-verdi","schema":"Person","properties":{"name":["VERDI, Paolo"],"birthDate":["1985-11-30"]},"datasets":["test"]}
"#;

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_new_snapshot_rescreens_the_applicants() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for db in rt.block_on(backends()) {
        let dir = db.location.data_dir.clone();
        organiser_store(&db, "cortina.test/rescreen", BEFORE);
        let import = |body: &str, name: &str| {
            let list = dir.join(name);
            std::fs::write(&list, body).expect("list");
            cortina(
                &db,
                &["lists", "import", "--as", "admin", "--format", "ftm-json"],
            )
            .arg(&list)
            .output()
            .expect("lists import")
        };
        let csv = dir.join("applicants.csv");
        std::fs::write(
            &csv,
            "reference,name,birth_date,nationality,document_type,document_number,category\n\
             A-1,Paolo Verdi,1985-11-30,IT,passport,P0000001,media\n\
             A-2,Maria Bianchi,1990-02-03,IT,passport,P0000002,media\n\
             A-3,Viktor Anatolyevich Bout,1967-01-13,RU,passport,P0000003,media\n",
        )
        .expect("csv");
        ok(&cortina(
            &db,
            &["applicants", "import", "--as", "organiser", "--quiet"],
        )
        .arg(&csv)
        .output()
        .expect("applicants import"));

        // The new snapshot: Verdi is listed now.
        let out = ok(&import(AFTER, "after.json"));
        assert!(
            out.contains("re-screen (delta)") && out.contains("1 list entities changed"),
            "{}: {out}",
            db.name
        );
        // In reverse: of the three applicants (Bout's under review), only
        // Verdi's names meet the change, and only he is searched.
        assert!(
            out.contains("in reverse: 1 of 3 people are candidates")
                && out.contains("1 applicants searched")
                && out.contains("1 cases opened"),
            "{}: {out}",
            db.name
        );

        // The same delta again, in another process: the keys come from the
        // data directory; searching everyone instead finds the same (Verdi
        // is under review now, Bianchi holds no objection and no hit).
        for (args, search, screened) in [
            (vec![], "reverse", 0),
            (vec!["--population"], "population", 1),
        ] {
            let mut all = vec!["lists", "rescreen", "--as", "admin", "--json"];
            all.extend(args);
            let out = ok(&cortina(&db, &all).output().expect("rescreen"));
            let report: Value = serde_json::from_str(&out).expect("json report");
            assert_eq!(report["search"], search, "{report}");
            assert_eq!(report["screened"], screened, "{report}");
            assert_eq!(report["hits"], 0, "{report}");
            if search == "reverse" {
                assert_eq!(report["keys_rebuilt"], false, "{report}");
                assert_eq!(report["candidates"], 1, "{report}");
            }
        }

        // Importing the same lists again re-screens nothing.
        let out = ok(&import(AFTER, "again.json"));
        assert!(!out.contains("re-screen"), "{out}");

        // A full re-screen: Bianchi alone holds no objection now.
        let out = ok(&cortina(
            &db,
            &["lists", "rescreen", "--full", "--as", "admin", "--json"],
        )
        .output()
        .expect("rescreen"));
        let report: Value = serde_json::from_str(&out).expect("json report");
        assert_eq!(report["mode"], "full");
        assert_eq!(report["screened"], 1, "{report}");
        assert_eq!(report["cases_opened"], 0, "{report}");

        // The organiser may not re-screen.
        let refused = cortina(&db, &["lists", "rescreen", "--full", "--as", "organiser"])
            .output()
            .expect("rescreen as organiser");
        assert!(!refused.status.success());

        ok(&cortina(&db, &["ledger", "verify"])
            .output()
            .expect("verify"));
    }
}
