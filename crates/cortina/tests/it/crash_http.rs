//! Crash safety of the server, through the real binary: several client
//! threads stream writes over HTTP (`POST /api/v1/commands`, each a new
//! event-log entry or an update of one, as a host operator with a bearer
//! token) into `cortina serve`; the test kills the server with SIGKILL
//! mid-stream, starts it again on the same store, and checks that every
//! write answered 200 is there — read back over HTTP, and in the store at
//! the ledger entry its response named (`seq`) — that every row's stamps
//! verify and that `cortina ledger verify` passes. On SQLite, and on
//! PostgreSQL when `CORTINA_TEST_DATABASE_URL` is set.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use store::testing::{TestDb, backends};

use crate::crash::{Ack, check_after_crash, cortina, exec_all};

/// Client threads writing at once.
const CLIENTS: usize = 4;
/// Acknowledged writes (over all clients) to collect before the kill.
const ACKS: usize = 400;
/// The room every write goes to.
const ROOM: &str = "milano-joc";

/// A store with an event, a host commander and operator, and the room.
fn world(db: &TestDb) {
    let out = cortina(
        db,
        &["admin", "init", "--origin", "cortina.test/crash-http"],
    )
    .output()
    .expect("cortina admin init");
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
            json!({"action": "event.configure", "id": "mico2026", "name": "Milano Cortina 2026",
                   "clusters": [{"id": "milano", "name": "Milano"}],
                   "venues": [{"id": "san-siro", "name": "San Siro", "cluster": "milano"}]}),
            json!({"action": "account.create", "username": "operator", "role": "host_operator", "agency": "questura-milano"}),
        ],
    );
    // `cortina admin init` made the first commander; it confirms (four eyes).
    exec_all(
        db,
        "commander",
        &[json!({"action": "account.confirm", "proposal": "prop-operator"})],
    );
    exec_all(
        db,
        "commander",
        &[
            json!({"action": "room.create", "id": ROOM, "name": "JOC Milano",
                 "kind": "host_cluster", "cluster": "milano"}),
        ],
    );
}

/// An API token for `user` (`cortina admin token` prints it last).
fn token(db: &TestDb, user: &str) -> String {
    let out = cortina(db, &["admin", "token", "--user", user])
        .output()
        .expect("cortina admin token");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}: {text}", db.name);
    text.lines().last().expect("the token").trim().to_owned()
}

/// A running `cortina serve` on a free loopback port.
struct Server {
    child: Child,
    url: String,
    /// The rest of its output, kept open: it prints a last line when it
    /// stops.
    stdout: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Server {
    fn start(db: &TestDb) -> Server {
        let mut child = cortina(db, &["serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cortina serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = stdout.next().expect("a first line").expect("readable");
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("{}: no address in {first:?}", db.name))
            .to_owned();
        Server { child, url, stdout }
    }

    /// SIGKILL: no destructors, no graceful shutdown, most likely inside a
    /// transaction.
    fn kill_9(mut self) {
        self.child.kill().expect("kill cortina serve");
        self.child.wait().expect("reap cortina serve");
    }

    /// SIGTERM, and a clean exit.
    fn stop(mut self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
        let exit = self.child.wait().expect("wait for cortina serve");
        assert!(exit.success(), "{exit:?}");
        let rest: Vec<String> = self.stdout.map_while(Result::ok).collect();
        assert!(rest.iter().any(|l| l == "cortina stopped"), "{rest:?}");
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Posts one command; `None` when the server did not answer (it is gone).
fn post(agent: &ureq::Agent, url: &str, token: &str, command: &Value) -> Option<(u16, Value)> {
    let mut response = agent
        .post(&format!("{url}/api/v1/commands"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(command.to_string())
        .ok()?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().ok()?;
    let value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("HTTP {status}: not JSON ({e}): {body}"));
    Some((status, value))
}

/// The `i`th write of client `c`: a new log entry, then an update of it.
fn command(c: usize, i: u64) -> Value {
    let id = format!("log-h{c}-{}", i / 2);
    if i.is_multiple_of(2) {
        json!({"action": "log.record", "id": id, "room": ROOM, "category": "incident",
               "severity": 2, "text": format!("Report {i} from client {c}")})
    } else {
        json!({"action": "log.update", "id": id, "severity": 4})
    }
}

/// Writes until the server stops answering; returns the acknowledged ones.
fn client(c: usize, url: String, token: String, acked: Arc<AtomicUsize>) -> Vec<Ack> {
    let agent = agent();
    let mut acks = Vec::new();
    for i in 0.. {
        let Some((status, body)) = post(&agent, &url, &token, &command(c, i)) else {
            break;
        };
        assert_eq!(status, 200, "client {c}, write {i}: {body}");
        acks.push(Ack {
            seq: body["seq"].as_u64().expect("seq"),
            action: body["action"].as_str().expect("action").to_owned(),
            kind: body["kind"].as_str().expect("kind").to_owned(),
            id: body["id"].as_str().expect("id").to_owned(),
            state: body["state"].as_str().map(str::to_owned),
        });
        acked.fetch_add(1, Ordering::SeqCst);
    }
    acks
}

/// Streams writes from `CLIENTS` threads and kills the server once `ACKS`
/// of them were acknowledged; returns every acknowledgement.
fn stream_and_kill(db: &TestDb, server: Server, token: &str) -> Vec<Ack> {
    let acked = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (url, token, acked) = (server.url.clone(), token.to_owned(), acked.clone());
            std::thread::spawn(move || client(c, url, token, acked))
        })
        .collect();
    let start = Instant::now();
    while acked.load(Ordering::SeqCst) < ACKS {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{}: only {} writes acknowledged in 2 minutes",
            db.name,
            acked.load(Ordering::SeqCst)
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    server.kill_9();
    clients
        .into_iter()
        .flat_map(|t| t.join().expect("a client thread"))
        .collect()
}

/// After the restart: every acknowledged log entry is in the room's log,
/// read over HTTP, with the new severity where its update was
/// acknowledged; and the server takes writes again.
fn check_over_http(db: &TestDb, server: &Server, token: &str, acks: &[Ack]) {
    let agent = agent();
    let (status, read) = post(
        &agent,
        &server.url,
        token,
        // The largest page `log.read` gives: more than the test writes.
        &json!({"action": "log.read", "room": ROOM, "limit": 1000}),
    )
    .expect("the restarted server answers");
    assert_eq!(status, 200, "{}: {read}", db.name);
    assert_eq!(
        read["data"]["limited"], false,
        "{}: more than one page",
        db.name
    );
    let entries: HashMap<&str, &Value> = read["data"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["id"].as_str().expect("an entry id"), e))
        .collect();
    for ack in acks {
        let entry = entries.get(ack.id.as_str()).unwrap_or_else(|| {
            panic!(
                "{}: acknowledged {ack:?} is missing after the crash",
                db.name
            )
        });
        if ack.action == "log.update" {
            assert_eq!(entry["severity"], 4, "{}: {ack:?}: {entry}", db.name);
        }
    }
    // The restarted server takes writes again.
    let (status, more) = post(&agent, &server.url, token, &command(99, 0)).expect("answers");
    assert_eq!(status, 200, "{}: {more}", db.name);
}

#[test]
fn kill_9_of_the_server_loses_no_acknowledged_write() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    for db in rt.block_on(backends()) {
        world(&db);
        let token = token(&db, "operator");
        let acks = stream_and_kill(&db, Server::start(&db), &token);
        assert!(acks.len() >= ACKS, "{}: {} acks", db.name, acks.len());

        let server = Server::start(&db);
        check_over_http(&db, &server, &token, &acks);
        server.stop();
        rt.block_on(check_after_crash(&db, &acks, "operator"));

        let out = cortina(&db, &["ledger", "verify"])
            .output()
            .expect("cortina ledger verify");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: {text}", db.name);
        assert!(text.contains("rows stamped by their entries"), "{text}");
    }
}
