//! Serving over TLS: Secure cookies, HSTS, and a client that never
//! completes its handshake holds up nobody.

use serde_json::json;

use crate::world::{Auth, PASSWORD, World, config};

#[test]
fn over_tls_cookies_are_secure_and_hsts_is_sent() {
    let w = World::start_tls(store::testing::sqlite(), config());
    assert!(w.base.starts_with("https://"));
    // A client that connects and says nothing (no handshake).
    let silent =
        std::net::TcpStream::connect(w.base.trim_start_matches("https://")).expect("connect");
    let r = w.post(
        "/api/v1/session",
        &Auth::None,
        &json!({"username": "commander", "password": PASSWORD}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let set = r.header("set-cookie").expect("cookie");
    assert!(set.contains("; Secure"), "{set}");
    assert!(
        r.header("strict-transport-security")
            .is_some_and(|h| h.starts_with("max-age=")),
        "HSTS under TLS"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let me = w.get("/api/v1/session", &Auth::Cookie(&cookie));
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["username"], "commander");
    drop(silent);
}

#[test]
fn a_certificate_and_key_must_be_pem_and_belong_together() {
    let a = rcgen::generate_simple_self_signed(vec!["a.example".to_owned()]).unwrap();
    let b = rcgen::generate_simple_self_signed(vec!["b.example".to_owned()]).unwrap();
    let pem = |c: &rcgen::CertifiedKey| (c.cert.pem(), c.key_pair.serialize_pem());
    let (cert_a, key_a) = pem(&a);
    let (_, key_b) = pem(&b);
    assert!(server::tls::config_from_pem(cert_a.as_bytes(), key_a.as_bytes()).is_ok());
    assert!(server::tls::config_from_pem(b"not pem", key_a.as_bytes()).is_err());
    let no_key = server::tls::config_from_pem(cert_a.as_bytes(), b"garbage").unwrap_err();
    assert!(!no_key.to_string().contains("garbage"));
    assert!(server::tls::config_from_pem(cert_a.as_bytes(), key_b.as_bytes()).is_err());
}
