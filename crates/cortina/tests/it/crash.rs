//! Crash safety of the service, through the real binary: `cortina exec`
//! streams commands from a pipe and prints one result line per command
//! after its commit; the test kills it with SIGKILL mid-stream, reopens the
//! store and checks that every acknowledged command is there with its
//! ledger entry, that no row is half-applied (every row's stamps verify) and
//! that the whole ledger verifies. On SQLite, and on PostgreSQL when
//! `CORTINA_TEST_DATABASE_URL` is set.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};
use store::testing::{TestDb, backends};

/// Acknowledgements to collect before the kill.
const ACKS: usize = 300;

/// `cortina ARGS… --data-dir D [--database URL]` for the store of `db`.
pub(crate) fn cortina(db: &TestDb, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cortina"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(&db.location.data_dir)
        .env_remove("CORTINA_DATABASE_URL")
        .env_remove("CORTINA_DATA_DIR");
    if let Some(url) = &db.location.database_url {
        cmd.arg("--database").arg(url);
    }
    cmd
}

/// Runs `cortina exec --as USER -` on `commands`; every line must succeed.
pub(crate) fn exec_all(db: &TestDb, user: &str, commands: &[Value]) -> Vec<Value> {
    let mut child = cortina(db, &["exec", "--as", user, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cortina exec");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        for c in commands {
            writeln!(stdin, "{c}").expect("write a command");
        }
    }
    let out = child.wait_with_output().expect("run cortina exec");
    let results: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON result line"))
        .collect();
    assert!(
        out.status.success() && results.iter().all(|r| r["ok"] == true),
        "{}: exec as {user}: {results:?}\n{}",
        db.name,
        String::from_utf8_lossy(&out.stderr)
    );
    results
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A store with an event, a host commander, and a US delegation whose
/// accredited head holds the `us-liaison` account.
fn world(db: &TestDb) {
    let out = cortina(db, &["admin", "init", "--origin", "cortina.test/crash"])
        .output()
        .expect("cortina admin init");
    assert!(out.status.success(), "{}: {}", db.name, stdout(&out));
    // Declared people are screened before accreditation: a one-entry list.
    let list = db.location.data_dir.join("test-list.json");
    std::fs::write(
        &list,
        r#"{"id":"t-bout","schema":"Person","properties":{"name":["Viktor Anatolyevich Bout"],"birthDate":["1967-01-13"],"nationality":["ru"]},"datasets":["test"]}
"#,
    )
    .expect("write the test list");
    let out = Command::new(env!("CARGO_BIN_EXE_cortina"))
        .args([
            "lists",
            "import",
            "--as",
            "admin",
            "--format",
            "ftm-json",
            "--data-dir",
        ])
        .arg(&db.location.data_dir)
        .arg(&list)
        .env_remove("CORTINA_DATA_DIR")
        .output()
        .expect("cortina lists import");
    assert!(
        out.status.success(),
        "{}: {}",
        db.name,
        String::from_utf8_lossy(&out.stderr)
    );
    exec_all(
        db,
        "admin",
        &[
            json!({"action": "agency.register", "id": "questura-milano", "name": "Questura di Milano", "kind": "host", "country": "IT"}),
            json!({"action": "agency.register", "id": "us-hsi", "name": "Homeland Security Investigations", "kind": "foreign", "country": "US"}),
            json!({"action": "event.configure", "id": "mico2026", "name": "Milano Cortina 2026",
                   "clusters": [{"id": "milano", "name": "Milano"}],
                   "venues": [{"id": "san-siro", "name": "San Siro", "cluster": "milano"}]}),
            json!({"action": "delegation.register", "id": "us", "name": "United States delegation", "agency": "us-hsi",
                   "head_line": "us-head",
                   "head": {"name": "John Carter", "birth_date": "1975-03-02", "nationality": "US", "document": "P1234567",
                            "role": "liaison", "weapons": [], "vehicles": []}}),
        ],
    );
    exec_all(
        db,
        "commander",
        &[json!({"action": "declaration.accredit", "id": "us-head",
                   "window": {"from": 1_769_299_200_000i64, "until": 1_773_964_800_000i64}})],
    );
    exec_all(
        db,
        "admin",
        &[
            json!({"action": "account.create", "username": "us-liaison", "role": "foreign_liaison", "agency": "us-hsi",
                   "delegation": "us", "declaration": "us-head"}),
        ],
    );
    // `cortina admin init` made the first commander; it confirms (four eyes).
    exec_all(
        db,
        "commander",
        &[json!({"action": "account.confirm", "proposal": "prop-us-liaison"})],
    );
}

/// The `i`th command of the stream: drafts and submissions of requests,
/// and now and then a task the liaison may not create (a denial, which is
/// an entry too).
fn command(i: u64) -> Value {
    let rfi = format!("us-rfi-c{}", i / 2);
    match i % 10 {
        9 => {
            json!({"action": "task.create", "id": format!("task-c{i}"), "title": "Search the hotel",
                    "details": "Room 12", "unit": "questura-milano"})
        }
        n if n % 2 == 0 => json!({"action": "rfi.draft", "id": rfi, "kind": "information",
                                  "priority": "normal", "subject": format!("Request {i}"), "body": "Which hotel?"}),
        _ => json!({"action": "rfi.submit", "id": rfi}),
    }
}

/// One acknowledged command, as its result line (or HTTP response)
/// reported it.
#[derive(Debug)]
pub(crate) struct Ack {
    pub(crate) seq: u64,
    pub(crate) action: String,
    pub(crate) kind: String,
    pub(crate) id: String,
    /// The record's state afterwards; `None` for a denial.
    pub(crate) state: Option<String>,
}

/// Reads result lines until `ACKS` acknowledgements, then kills the child.
fn stream_and_kill(db: &TestDb, child: &mut Child) -> Vec<Ack> {
    let stdout = child.stdout.take().expect("stdout");
    let mut acks = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read a result line");
        let r: Value = serde_json::from_str(&line).expect("a JSON result line");
        let ack = if r["ok"] == true {
            Ack {
                seq: r["seq"].as_u64().expect("seq"),
                action: r["action"].as_str().expect("action").to_owned(),
                kind: r["kind"].as_str().expect("kind").to_owned(),
                id: r["id"].as_str().expect("id").to_owned(),
                state: r["state"].as_str().map(str::to_owned),
            }
        } else {
            // Outside the host a refusal answers like a missing record.
            assert_eq!(r["error"]["code"], "not_found", "{}: {line}", db.name);
            Ack {
                seq: r["error"]["seq"].as_u64().expect("seq"),
                action: "task.create".into(),
                kind: "task".into(),
                id: String::new(),
                state: None,
            }
        };
        acks.push(ack);
        if acks.len() >= ACKS {
            break;
        }
    }
    // SIGKILL: no destructors, no flush, most likely inside a transaction.
    child.kill().expect("kill cortina exec");
    child.wait().expect("reap cortina exec");
    assert!(
        acks.len() >= ACKS,
        "{}: cortina exec stopped after {} results",
        db.name,
        acks.len()
    );
    acks
}

/// In the reopened store: the ledger verifies and holds every acknowledged
/// command's entry (by `actor`) at its sequence number, naming its record,
/// which is stamped at least that far and, where that was its last change,
/// in the state reported; every row's stamps verify (nothing half-applied).
pub(crate) async fn check_after_crash(db: &TestDb, acks: &[Ack], username: &str) {
    let store = db.reopen().await.expect("reopen after the crash");
    let actor = store::records::account_by_username(store.pool(), username)
        .await
        .expect("accounts")
        .expect("the actor's account")
        .id;
    let actor = actor.as_str();
    let report = store
        .verify(None, &[])
        .await
        .unwrap_or_else(|f| panic!("{}: ledger broken after the crash: {f}", db.name));
    let size = report.checkpoint.checkpoint.size;
    let max = acks.iter().map(|a| a.seq).max().unwrap_or(0);
    assert!(
        size > max,
        "{}: entry {max} acknowledged, log has {size}",
        db.name
    );
    eprintln!(
        "{}: {} commands acknowledged up to entry {max}; {size} entries after the crash",
        db.name,
        acks.len()
    );

    // Every acknowledged command's entry is at its sequence number, and its
    // record is there, changed at least that far.
    let mut last: HashMap<&str, &Ack> = HashMap::new();
    for ack in acks {
        let bytes = store.entries(ack.seq, ack.seq + 1).await.expect("entry");
        let entry = ledger::Entry::decode(&bytes[0]).expect("decodes");
        assert_eq!(entry.action, ack.action, "{}: entry {}", db.name, ack.seq);
        assert_eq!(entry.actor_account, actor, "{}: entry {}", db.name, ack.seq);
        if ack.state.is_none() {
            assert_eq!(
                entry.decision,
                ledger::Decision::Deny,
                "{}: {ack:?}",
                db.name
            );
            continue;
        }
        assert_eq!(
            entry.decision,
            ledger::Decision::Allow,
            "{}: {ack:?}",
            db.name
        );
        assert_eq!(
            (entry.resource.kind.as_str(), entry.resource.id.as_str()),
            (ack.kind.as_str(), ack.id.as_str()),
            "{}: entry {}",
            db.name,
            ack.seq
        );
        let record = store::records::get(store.pool(), &ack.kind, &ack.id)
            .await
            .expect("read the record")
            .unwrap_or_else(|| {
                panic!(
                    "{}: acknowledged {} {} is missing",
                    db.name, ack.kind, ack.id
                )
            });
        assert!(
            record.created_seq as u64 <= ack.seq && record.updated_seq as u64 >= ack.seq,
            "{}: {ack:?} but the record is stamped {}..{}",
            db.name,
            record.created_seq,
            record.updated_seq
        );
        last.insert(ack.id.as_str(), ack);
    }
    // Where the last acknowledged change is the last change, the record is
    // in the state it reported.
    for ack in last.values() {
        let record = store::records::get(store.pool(), &ack.kind, &ack.id)
            .await
            .expect("read the record")
            .expect("present");
        if record.updated_seq as u64 == ack.seq {
            assert_eq!(
                Some(record.state.as_str()),
                ack.state.as_deref(),
                "{}: {ack:?}",
                db.name
            );
        }
    }
    // Nothing half-applied: every row is stamped by the entries that
    // created and last changed it.
    let rows = store
        .verify_stamps(&service::stamp_rules())
        .await
        .unwrap_or_else(|f| panic!("{}: row stamps after the crash: {f}", db.name));
    assert!(rows >= acks.len() * 2 / 5, "{}: only {rows} rows", db.name);
    store.close().await;
}

#[test]
fn kill_9_mid_stream_loses_no_acknowledged_command() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    for db in rt.block_on(backends()) {
        world(&db);
        let mut child = cortina(&db, &["exec", "--as", "us-liaison", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cortina exec");
        let mut stdin = child.stdin.take().expect("stdin");
        // The feeder writes until the pipe breaks (the child is gone).
        let feeder = std::thread::spawn(move || {
            for i in 0.. {
                if writeln!(stdin, "{}", command(i)).is_err() {
                    return;
                }
            }
        });
        let acks = stream_and_kill(&db, &mut child);
        feeder.join().expect("feeder thread");
        rt.block_on(check_after_crash(&db, &acks, "us-liaison"));

        // The binary agrees, and the store takes commands again.
        let out = cortina(&db, &["ledger", "verify"])
            .output()
            .expect("verify");
        assert!(out.status.success(), "{}: {}", db.name, stdout(&out));
        assert!(
            stdout(&out).contains("rows stamped by their entries"),
            "{}",
            stdout(&out)
        );
        let more = exec_all(&db, "us-liaison", &[command(1_000_000)]);
        let out = cortina(&db, &["ledger", "verify"])
            .output()
            .expect("verify");
        assert!(out.status.success(), "{}: {}", db.name, stdout(&out));
        let entries = format!("{} entries", more[0]["seq"].as_u64().expect("seq") + 1);
        assert!(
            stdout(&out).contains(&entries),
            "{}: {}",
            db.name,
            stdout(&out)
        );
    }
}

/// A new store with an organiser agency and its account `organiser`
/// (proposed by the admin, confirmed by `admin init`'s commander: four
/// eyes), the lists in `list` (FollowTheMoney JSON) imported by the admin.
pub fn organiser_store(db: &store::testing::TestDb, origin: &str, list: &str) {
    let out = cortina(db, &["admin", "init", "--origin", origin])
        .output()
        .expect("admin init");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = db.location.data_dir.join("test-list.json");
    std::fs::write(&path, list).expect("list");
    let out = cortina(
        db,
        &["lists", "import", "--as", "admin", "--format", "ftm-json"],
    )
    .arg(&path)
    .output()
    .expect("lists import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exec_all(
        db,
        "admin",
        &[
            serde_json::json!({"action": "agency.register", "id": "toroc", "name": "Accreditation", "kind": "organiser", "country": "IT"}),
            serde_json::json!({"action": "account.create", "username": "organiser", "role": "organiser", "agency": "toroc"}),
        ],
    );
    exec_all(
        db,
        "commander",
        &[serde_json::json!({"action": "account.confirm", "proposal": "prop-organiser"})],
    );
}
