//! A room's live board over server-sent events: real subscriptions over
//! HTTP, real commands, on every backend.

use std::io::{BufRead as _, BufReader};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::world::{Auth, World, backends, config};

const MORNING: i64 = 1_770_714_000_000;
const HOUR: i64 = 3_600_000;

/// One server-sent event.
#[derive(Debug)]
struct Sse {
    event: String,
    id: Option<String>,
    data: Value,
}

/// An open subscription: events arrive on a channel, read by a thread.
struct Stream {
    events: mpsc::Receiver<Sse>,
    name: &'static str,
}

impl Stream {
    /// The next event (keep-alive comments skipped), within 10 s.
    #[track_caller]
    fn next(&self) -> Sse {
        self.events
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("{}: no event: {e}", self.name))
    }

    /// Whether the server ends the stream within `limit` (events before
    /// the end are skipped).
    fn ends_within(&self, limit: Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.events.recv_timeout(left) {
                Ok(_) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => return true,
                Err(mpsc::RecvTimeoutError::Timeout) => return false,
            }
        }
    }

    /// The next `n` events.
    #[track_caller]
    fn take(&self, n: usize) -> Vec<Sse> {
        (0..n).map(|_| self.next()).collect()
    }
}

/// Opens `path` as an event stream; panics unless it is one.
fn subscribe(w: &World, path: &str, auth: &Auth<'_>, headers: &[(&str, &str)]) -> Stream {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = ureq::http::Request::builder()
        .method("GET")
        .uri(format!("{}{path}", w.base))
        .header("Accept", "text/event-stream");
    match auth {
        Auth::Cookie(c) => request = request.header("Cookie", *c),
        Auth::Bearer(t) => request = request.header("Authorization", format!("Bearer {t}")),
        _ => {}
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = agent
        .run(request.body(Vec::new()).expect("request"))
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    assert_eq!(response.status().as_u16(), 200, "{}: GET {path}", w.name);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let reader = BufReader::new(response.into_body().into_reader());
    let (tx, events) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut event, mut id, mut data) = (String::new(), None, String::new());
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if line.is_empty() {
                if !data.is_empty() {
                    let parsed = serde_json::from_str(&data).expect("JSON data");
                    let e = Sse {
                        event: std::mem::take(&mut event),
                        id: id.take(),
                        data: parsed,
                    };
                    if tx.send(e).is_err() {
                        return;
                    }
                }
                data.clear();
                event.clear();
                id = None;
            } else if let Some(v) = line.strip_prefix("event:") {
                event = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("id:") {
                id = Some(v.trim().to_owned());
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
    });
    Stream {
        events,
        name: w.name,
    }
}

/// Runs a command over HTTP, which must succeed; returns its seq.
#[track_caller]
fn ok(w: &World, auth: &Auth<'_>, command: Value) -> u64 {
    let r = w.command(auth, command.clone());
    assert_eq!(r.status, 200, "{}: {command}: {}", w.name, r.text());
    r.json()["seq"].as_u64().expect("seq")
}

/// `(id, event, kind, record id, state)` of change events.
fn summary(events: &[Sse]) -> Vec<(String, String, String, String, String)> {
    events
        .iter()
        .map(|e| {
            assert_eq!(e.id.as_deref(), Some(e.data["seq"].to_string().as_str()));
            assert_eq!(e.event, e.data["action"].as_str().unwrap());
            assert!(e.data["time"].as_i64().unwrap() > 0);
            (
                e.data["seq"].to_string(),
                e.event.clone(),
                e.data["kind"].as_str().unwrap().to_owned(),
                e.data["id"].as_str().unwrap().to_owned(),
                e.data["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row(
    seq: u64,
    action: &str,
    kind: &str,
    id: &str,
    state: &str,
) -> (String, String, String, String, String) {
    (
        seq.to_string(),
        action.into(),
        kind.into(),
        id.into(),
        state.into(),
    )
}

#[test]
fn a_room_streams_each_committed_change_its_subscriber_may_see() {
    for db in backends() {
        // A short request timeout: the streams must outlive it.
        let w = World::start(
            db,
            server::Config {
                // Short, yet long enough for a write on a busy machine.
                timeout: Duration::from_millis(2500),
                ..config()
            },
        );
        w.ok(
            "commander",
            json!({"action": "room.create", "id": "rome", "name": "Rome", "kind": "host_national"}),
        );
        w.ok(
            "commander",
            json!({"action": "room.create", "id": "us-room", "name": "US liaison room",
                                 "kind": "delegation_liaison", "delegation": "us"}),
        );
        w.ok(
            "commander",
            json!({"action": "protectee.register", "id": "vp", "name": "Jane Roe",
                                 "delegation": "us", "risk": 1}),
        );
        // Tokens, not logins: a password check in a debug build may take
        // longer than this test's request timeout.
        let tokens: Vec<String> = ["operator", "commander", "us-liaison", "fr-liaison"]
            .into_iter()
            .map(|user| w.token(user, None))
            .collect();
        let [operator, commander, us, fr] = [0, 1, 2, 3].map(|i| Auth::Bearer(&tokens[i]));

        let host_stream = subscribe(&w, "/api/v1/rooms/rome/events", &operator, &[]);
        let ready = host_stream.next();
        assert_eq!(ready.event, "ready");
        let read_seq = ready.data["seq"].as_u64().unwrap();
        assert_eq!(ready.id.as_deref(), Some(read_seq.to_string().as_str()));
        assert_eq!(ready.data["room"], "rome");
        // The subscription is a recorded room.read.
        let entry = w.entry(read_seq);
        assert_eq!(
            (entry.action.as_str(), entry.resource.id.as_str()),
            ("room.read", "rome")
        );
        let us_stream = subscribe(&w, "/api/v1/rooms/us-room/events", &us, &[]);
        assert_eq!(us_stream.next().event, "ready");

        // Longer than the request timeout: the streams are still open.
        std::thread::sleep(Duration::from_millis(3000));

        let log = ok(
            &w,
            &operator,
            json!({"action": "log.record", "id": "log-1", "room": "rome",
                                            "category": "incident", "severity": 3, "text": "Crowd at gate 4"}),
        );
        let draft = ok(
            &w,
            &us,
            json!({"action": "rfi.draft", "id": "us-rfi", "kind": "information",
                                       "priority": "normal", "subject": "Plate AB123CD", "body": "Keeper?"}),
        );
        let submit = ok(&w, &us, json!({"action": "rfi.submit", "id": "us-rfi"}));
        let fr_draft = ok(
            &w,
            &fr,
            json!({"action": "rfi.draft", "id": "fr-rfi", "kind": "information",
                                          "priority": "normal", "subject": "Plate XY", "body": "Keeper?"}),
        );
        let ack = ok(
            &w,
            &operator,
            json!({"action": "rfi.acknowledge", "id": "us-rfi"}),
        );
        let task = ok(
            &w,
            &operator,
            json!({"action": "task.create", "id": "task-1", "title": "Sweep",
                                            "details": "Sweep gate 4", "unit": "questura-milano"}),
        );
        // A denied attempt is no change.
        let denied = w.command(
            &us,
            json!({"action": "task.create", "id": "task-2", "title": "x",
                                          "details": "x", "unit": "questura-milano"}),
        );
        assert_eq!(denied.status, 404, "{}", denied.text());
        // A movement of a US protectee concerns the US room, but a liaison
        // officer may not read movements.
        let movement = ok(
            &w,
            &operator,
            json!({"action": "movement.plan", "id": "mv-1", "protectee": "vp",
                                                "stops": [{"venue": "san-siro", "at": MORNING + HOUR}],
                                                "window": {"from": MORNING, "until": MORNING + 4 * HOUR},
                                                "lead": "polizia-di-stato", "agents": []}),
        );
        let us_log = ok(
            &w,
            &operator,
            json!({"action": "log.record", "id": "log-us", "room": "us-room",
                                              "category": "information", "severity": 1, "text": "Briefing 11:30"}),
        );
        let close = ok(
            &w,
            &commander,
            json!({"action": "log.close", "id": "log-1"}),
        );

        assert_eq!(
            summary(&host_stream.take(8)),
            [
                row(log, "log.record", "log_entry", "log-1", "open"),
                row(draft, "rfi.draft", "request", "us-rfi", "draft"),
                row(submit, "rfi.submit", "request", "us-rfi", "submitted"),
                row(fr_draft, "rfi.draft", "request", "fr-rfi", "draft"),
                row(ack, "rfi.acknowledge", "request", "us-rfi", "acknowledged"),
                row(task, "task.create", "task", "task-1", "proposed"),
                row(movement, "movement.plan", "movement", "mv-1", "planned"),
                // (log-us is in another room.)
                row(close, "log.close", "log_entry", "log-1", "closed"),
            ],
            "{}",
            w.name
        );
        // The liaison: its delegation's request and its room's log; not the
        // host room's log, France's request, the task or the movement.
        let last = ok(
            &w,
            &operator,
            json!({"action": "log.update", "id": "log-us", "severity": 2}),
        );
        assert_eq!(
            summary(&us_stream.take(5)),
            [
                row(draft, "rfi.draft", "request", "us-rfi", "draft"),
                row(submit, "rfi.submit", "request", "us-rfi", "submitted"),
                row(ack, "rfi.acknowledge", "request", "us-rfi", "acknowledged"),
                row(us_log, "log.record", "log_entry", "log-us", "open"),
                row(last, "log.update", "log_entry", "log-us", "open"),
            ],
            "{}",
            w.name
        );
        // Nothing else came to the host room.
        let r = host_stream.events.try_recv();
        assert!(r.is_err(), "{r:?}");

        // Resuming: from the last event seen, with nothing in between,
        // the stream just goes on; from further back, what was missed
        // follows ready, read back from the store — each record once, as
        // it is now, in the order of the entries that last changed them.
        let size = w.ledger_size();
        let back = (size - 1).to_string();
        let resumed = subscribe(
            &w,
            "/api/v1/rooms/rome/events",
            &operator,
            &[("Last-Event-ID", &back)],
        );
        assert_eq!(resumed.next().event, "ready");
        let log2 = ok(
            &w,
            &operator,
            json!({"action": "log.record", "id": "log-2", "room": "rome",
                                            "category": "information", "severity": 1, "text": "All clear"}),
        );
        assert_eq!(
            summary(&resumed.take(1)),
            [row(log2, "log.record", "log_entry", "log-2", "open")]
        );
        let old = read_seq.to_string();
        let behind = subscribe(
            &w,
            "/api/v1/rooms/rome/events",
            &operator,
            &[("Last-Event-ID", &old)],
        );
        assert_eq!(behind.next().event, "ready");
        assert_eq!(
            summary(&behind.take(6)),
            [
                row(fr_draft, "rfi.draft", "request", "fr-rfi", "draft"),
                row(ack, "rfi.acknowledge", "request", "us-rfi", "acknowledged"),
                row(task, "task.create", "task", "task-1", "proposed"),
                row(movement, "movement.plan", "movement", "mv-1", "planned"),
                row(close, "log.close", "log_entry", "log-1", "closed"),
                row(log2, "log.record", "log_entry", "log-2", "open"),
            ],
            "{}",
            w.name
        );
        // The liaison resuming from the start misses nothing of its own
        // either, and sees nothing of anyone else's.
        let us_behind = subscribe(
            &w,
            "/api/v1/rooms/us-room/events",
            &us,
            &[("Last-Event-ID", &old)],
        );
        assert_eq!(us_behind.next().event, "ready");
        // (log-us, recorded then updated, is one change: as it is now.)
        assert_eq!(
            summary(&us_behind.take(2)),
            [
                row(ack, "rfi.acknowledge", "request", "us-rfi", "acknowledged"),
                row(last, "log.update", "log_entry", "log-us", "open"),
            ],
            "{}",
            w.name
        );
        let r = us_behind.events.recv_timeout(Duration::from_millis(500));
        assert!(r.is_err(), "{r:?}");
    }
}

/// A change made by another process on the same database — `cortina exec`
/// on the SQLite file, a second `cortina serve` on the same PostgreSQL —
/// shows on the live board within a second.
#[test]
fn another_process_changes_show_live() {
    for db in backends() {
        let w = World::start(db, config());
        w.ok(
            "commander",
            json!({"action": "room.create", "id": "rome", "name": "Rome", "kind": "host_national"}),
        );
        let operator = w.token("operator", None);
        let stream = subscribe(
            &w,
            "/api/v1/rooms/rome/events",
            &Auth::Bearer(&operator),
            &[],
        );
        assert_eq!(stream.next().event, "ready");
        // The other process: its own store and service on the same database.
        let other = w.other_process();
        let started = std::time::Instant::now();
        let done = w
            .block_on(
                other.execute(
                    &service::Actor::cli("operator"),
                    serde_json::from_value(
                        json!({"action": "log.record", "id": "log-9", "room": "rome",
                    "category": "incident", "severity": 2, "text": "Smoke at gate 2"}),
                    )
                    .unwrap(),
                ),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", w.name));
        let seen = stream.next();
        // The follower polls every 250 ms; the bound leaves room for a
        // loaded test machine.
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{}: {:?}",
            w.name,
            started.elapsed()
        );
        assert_eq!(
            summary(&[seen]),
            [row(done.seq, "log.record", "log_entry", "log-9", "open")],
            "{}",
            w.name
        );
        // And this process's own changes keep coming, in ledger order.
        let mine = ok(
            &w,
            &Auth::Bearer(&operator),
            json!({"action": "log.update", "id": "log-9", "severity": 3}),
        );
        assert_eq!(
            summary(&stream.take(1)),
            [row(mine, "log.update", "log_entry", "log-9", "open")]
        );
        w.block_on(other.store().close());
    }
}

#[test]
fn a_subscription_is_authenticated_and_authorized_first() {
    for db in backends() {
        let w = World::start(db, config());
        w.ok(
            "commander",
            json!({"action": "room.create", "id": "us-room", "name": "US liaison room",
                                 "kind": "delegation_liaison", "delegation": "us"}),
        );
        let path = "/api/v1/rooms/us-room/events";

        let r = w.get(path, &Auth::None);
        assert_eq!(r.status, 401, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "unauthenticated");

        // Another delegation's liaison room: denied by the policy and
        // recorded, answered like a room that does not exist.
        let fr = w.login("fr-liaison");
        let r = w.get(path, &Auth::Cookie(&fr));
        assert_eq!(r.status, 404, "{}", r.text());
        let body = r.json();
        assert_eq!(body["error"]["code"], "not_found");
        assert!(body["error"].get("policies").is_none(), "{body}");
        let entry = w.entry(body["error"]["seq"].as_u64().unwrap());
        assert_eq!(entry.action, "room.read");
        assert!(entry.resource.id.starts_with("hmac:"), "{entry:?}");
        assert_eq!(entry.decision, ledger::Decision::Deny);
        assert!(
            entry
                .policies
                .contains(&"forbid-other-delegation-data".to_owned()),
            "{entry:?}"
        );

        // A role without room access.
        let oversight = w.login("oversight");
        let r = w.get(path, &Auth::Cookie(&oversight));
        assert_eq!(r.status, 404, "{}", r.text());
        assert_eq!(w.last_entry().decision, ledger::Decision::Deny);

        // A witness token reads the ledger only.
        let witness = w.witness_token("verifier");
        let r = w.get(path, &Auth::Bearer(&witness));
        assert_eq!(r.status, 403, "{}", r.text());

        // The host, with a session cookie, may.
        let operator = w.login("operator");
        let stream = subscribe(&w, path, &Auth::Cookie(&operator), &[]);
        assert_eq!(stream.next().data["room"], "us-room");

        let r = w.get("/api/v1/rooms/nowhere/events", &Auth::Cookie(&operator));
        assert_eq!(r.status, 404, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "not_found");
    }
}

#[test]
fn a_stream_ends_at_logout_and_an_account_holds_a_bounded_number() {
    for db in backends() {
        let w = World::start(db, config());
        w.ok(
            "commander",
            json!({"action": "room.create", "id": "rome", "name": "Rome", "kind": "host_national"}),
        );
        let path = "/api/v1/rooms/rome/events";
        let cookie = w.login("operator");
        let stream = subscribe(&w, path, &Auth::Cookie(&cookie), &[]);
        assert_eq!(stream.next().event, "ready");
        let r = w.send(
            "DELETE",
            "/api/v1/session",
            &Auth::Cookie(&cookie),
            &[],
            None,
        );
        assert!(r.status < 300, "{}: logout: {}", w.name, r.text());
        assert!(
            stream.ends_within(server::events::RECHECK * 3),
            "{}: the stream outlived the logout",
            w.name
        );
        // A token holds at most MAX_STREAMS streams at once.
        let token = w.token("operator", None);
        let open: Vec<Stream> = (0..server::events::MAX_STREAMS)
            .map(|_| subscribe(&w, path, &Auth::Bearer(&token), &[]))
            .collect();
        let r = w.get(path, &Auth::Bearer(&token));
        assert_eq!(r.status, 429, "{}: {}", w.name, r.text());
        assert_eq!(r.json()["error"]["code"], "too_many_streams");
        drop(open);
    }
}
