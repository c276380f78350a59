//! `cortina applicants import` killed mid-import (SIGKILL), then run again:
//! the re-run finds what was committed, adds exactly the rest, and the
//! ledger and every row's stamps verify. On SQLite, and on PostgreSQL when
//! `CORTINA_TEST_DATABASE_URL` is set.

use std::fmt::Write as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use store::testing::backends;

use crate::crash::{cortina, organiser_store};

const ROWS: usize = 20_000;

fn csv(dir: &std::path::Path) -> std::path::PathBuf {
    let mut s = String::from(
        "reference,name,birth_date,nationality,document_type,document_number,category\n",
    );
    for i in 0..ROWS {
        let name = if i % 997 == 0 {
            "Viktor Anatolyevich Bout".to_owned()
        } else {
            format!("Persona Numero{i}")
        };
        let _ = writeln!(s, "K-{i},{name},1980-01-01,IT,passport,P{i:07},workforce");
    }
    let path = dir.join("applicants.csv");
    std::fs::write(&path, s).expect("write the applicants file");
    path
}

/// How many applicants another reader of the store sees committed.
async fn applicants_in(db: &store::testing::TestDb) -> u64 {
    use sqlx::Connection as _;
    sqlx::any::install_default_drivers();
    let url = match &db.location.database_url {
        Some(url) => url.clone(),
        None => format!(
            "sqlite://{}?mode=ro",
            db.location.data_dir.join("cortina.db").display()
        ),
    };
    let Ok(mut conn) = sqlx::AnyConnection::connect(&url).await else {
        return 0;
    };
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE kind = 'applicant'")
        .fetch_one(&mut conn)
        .await
        .unwrap_or(0);
    let _ = conn.close().await;
    u64::try_from(n).unwrap_or(0)
}

fn summary(out: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{e}: {text}\n{}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn a_killed_import_resumes_without_duplicates() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for db in rt.block_on(backends()) {
        organiser_store(
            &db,
            "cortina.test/applicants",
            r#"{"id":"t-bout","schema":"Person","properties":{"name":["Viktor Anatolyevich Bout"]},"datasets":["test"]}
"#,
        );
        let file = csv(&db.location.data_dir);
        let file = file.to_str().expect("path");
        let import = || {
            let mut c = cortina(
                &db,
                &[
                    "applicants",
                    "import",
                    "--as",
                    "organiser",
                    "--quiet",
                    "--batch",
                    "500",
                ],
            );
            c.arg(file);
            c
        };
        // Kill it once some requests have committed.
        let mut child = import()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the import");
        // Kill it as soon as some requests have committed (as another
        // reader of the store sees them).
        let start = Instant::now();
        let mut seen = 0;
        while seen == 0 && start.elapsed() < Duration::from_secs(300) {
            std::thread::sleep(Duration::from_millis(50));
            seen = rt.block_on(applicants_in(&db));
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let killed_after = start.elapsed();
        assert!(
            seen > 0,
            "{}: nothing committed in {killed_after:?}",
            db.name
        );

        let again = import().output().expect("re-run");
        assert_eq!(
            again.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&again.stderr)
        );
        let s = summary(&again);
        let (created, unchanged) = (
            s["created"].as_u64().unwrap(),
            s["unchanged"].as_u64().unwrap(),
        );
        assert_eq!(created + unchanged, ROWS as u64, "{}: {s}", db.name);
        assert_eq!(s["refused"], 0);
        assert!(
            unchanged >= seen && unchanged < ROWS as u64,
            "{}: killed after {killed_after:?}, {unchanged} rows were in (want some, not all)",
            db.name
        );
        // A third run changes nothing.
        let third = import().output().expect("third run");
        let s = summary(&third);
        assert_eq!(s["unchanged"], ROWS as u64, "{s}");
        assert_eq!(s["created"], 0);
        let out = cortina(&db, &["ledger", "verify"])
            .output()
            .expect("verify");
        assert!(
            out.status.success(),
            "{}: {}{}",
            db.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
