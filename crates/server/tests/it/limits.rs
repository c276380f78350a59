//! Bad input gets a clear 4xx and changes nothing: malformed JSON, unknown
//! fields, the wrong content type, oversize bodies, path tricks.

use std::io::{Read as _, Write as _};

use serde_json::json;

use crate::world::{Auth, World, config};

#[test]
fn bad_requests_are_refused_clearly_and_change_nothing() {
    let w = World::start(store::testing::sqlite(), config());
    let cookie = w.login("us-liaison");
    let auth = Auth::Cookie(&cookie);
    let before = w.ledger_size();
    // (what, extra headers, body, status, error code)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, String, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "malformed JSON",
            vec![],
            "{\"action\": \"rfi.draft\",".into(),
            400,
            "bad_json",
        ),
        (
            "an unknown field",
            vec![],
            json!({"action": "rfi.draft", "kind": "information", "priority": "normal",
                   "subject": "s", "body": "b", "extra": 1})
            .to_string(),
            400,
            "bad_command",
        ),
        (
            "an unknown action",
            vec![],
            json!({"action": "rfi.destroy", "id": "x"}).to_string(),
            400,
            "bad_command",
        ),
        (
            "a form post",
            vec![("Content-Type", "application/x-www-form-urlencoded")],
            "action=rfi.draft".into(),
            415,
            "unsupported_media_type",
        ),
    ];
    for (what, headers, body, status, code) in cases {
        let r = w.send("POST", "/api/v1/commands", &auth, &headers, Some(&body));
        assert_eq!(r.status, status, "{what}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], code, "{what}");
        assert_eq!(w.ledger_size(), before, "{what} changed the ledger");
    }
    // An oversize body is refused from its Content-Length, before it is
    // read (so the client sends it over a raw socket and reads the answer).
    let (status, body) = raw(
        &w.base,
        &format!(
            "POST /api/v1/commands HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{\"action\": \"rfi.draft\", \"body\": \"xxxx",
            2 << 20
        ),
    );
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("payload_too_large"), "{body}");
    let r = w.get("/api/v1/requests?bogus=1", &auth);
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        w.get("/no/such/route", &auth).json()["error"]["code"],
        "not_found"
    );
    assert_eq!(w.ledger_size(), before);
}

/// Sends raw bytes (so that no client normalises the path or insists on
/// sending a whole body) and returns the status code and the response.
fn raw(base: &str, request: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(request.as_bytes()).expect("write");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

#[test]
fn tile_paths_cannot_escape() {
    let w = World::start(store::testing::sqlite(), config());
    let witness = w.witness_token("verifier");
    for path in [
        "/ledger/tile/../x",
        "/ledger/tile/../../etc/passwd",
        "/ledger/tile/0/..%2f..%2fx",
        "/ledger/tile/entries/x001",
        "/ledger/tile/9/000",
        "/ledger/tile/0/000.p/0",
        // Indexes whose positions overflow a u64: the first once wrapped around and answered
        // 200 with entry bundle 0.
        "/ledger/tile/entries/x072/x057/x594/x037/x927/936.p/5",
        "/ledger/tile/entries/x072/x057/x594/x037/x927/936",
        "/ledger/tile/5/x065/536",
        "/ledger/tile/1/x281/x474/x976/x710/656",
        "/ledger/tile/entries/x018/x446/x744/x073/x709/x551/615",
    ] {
        let (status, _) = raw(
            &w.base,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {witness}\r\nConnection: close\r\n\r\n"
            ),
        );
        // Bogus and overflowing paths are "no such tile", like a tile beyond the log.
        assert_eq!(status, 404, "{path}");
    }
}

#[test]
fn every_response_carries_the_security_headers() {
    let w = World::start(store::testing::sqlite(), config());
    for path in [
        "/healthz",
        "/api/v1/session",
        "/catalog",
        "/ledger/checkpoint",
    ] {
        let r = w.get(path, &Auth::None);
        assert_eq!(
            r.header("content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert!(
            r.header("strict-transport-security").is_none(),
            "no HSTS without TLS"
        );
    }
    let ready = w.get("/readyz", &Auth::None);
    assert_eq!(ready.status, 200);
    // Ready, and nothing else to anyone who can reach the port.
    assert_eq!(ready.json(), serde_json::json!({"status": "ready"}));
}
