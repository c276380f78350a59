//! Logins, sessions, lockout, tokens: who may call, and the ledger entries
//! every attempt leaves.

use serde_json::json;

use crate::world::{Auth, PASSWORD, World, backends, config};

#[test]
fn every_role_logs_in_and_out_and_both_are_recorded() {
    for db in backends() {
        let w = World::start(db, config());
        for (user, role) in [
            ("it-admin", "admin"),
            ("commander", "host_commander"),
            ("operator", "host_operator"),
            ("analyst", "host_analyst"),
            ("us-liaison", "foreign_liaison"),
            ("oversight", "oversight"),
        ] {
            let r = w.post(
                "/api/v1/session",
                &Auth::None,
                &json!({"username": user, "password": PASSWORD}),
            );
            assert_eq!(r.status, 200, "{}: {user}: {}", w.name, r.text());
            let body = r.json();
            assert_eq!(body["username"], user);
            assert_eq!(body["role"], role);
            let set = r.header("set-cookie").expect("cookie").to_owned();
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
                assert!(set.contains(attribute), "{set}");
            }
            assert!(!set.contains("Secure"), "no TLS, no Secure: {set}");
            let login = w.entry(body["seq"].as_u64().expect("seq"));
            assert_eq!(login.action, "session.login");
            assert_eq!(login.resource.kind, "session");
            assert_eq!(login.resource.id, body["session"].as_str().unwrap());
            let cookie = set.split(';').next().unwrap().to_owned();

            let me = w.get("/api/v1/session", &Auth::Cookie(&cookie));
            assert_eq!(me.status, 200, "{}", me.text());
            assert_eq!(me.json()["username"], user);

            let out = w.send(
                "DELETE",
                "/api/v1/session",
                &Auth::Cookie(&cookie),
                &[],
                None,
            );
            assert_eq!(out.status, 204, "{}", out.text());
            assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
            let logout = w.last_entry();
            assert_eq!(logout.action, "session.logout");
            assert_eq!(logout.actor_account, login.actor_account);

            let after = w.get("/api/v1/session", &Auth::Cookie(&cookie));
            assert_eq!(after.status, 401, "the session is over");
            assert_eq!(after.json()["error"]["code"], "unauthenticated");
        }
    }
}

#[test]
fn a_wrong_password_is_401_and_recorded_and_repeated_failures_lock_out() {
    for db in backends() {
        let w = World::start(db, config());
        let before = w.ledger_size();
        let r = w.post(
            "/api/v1/session",
            &Auth::None,
            &json!({"username": "commander", "password": "not the password"}),
        );
        assert_eq!(r.status, 401, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "login_failed");
        assert!(r.header("set-cookie").is_none());
        assert_eq!(w.ledger_size(), before + 1);
        let failed = w.last_entry();
        assert_eq!(failed.action, "session.login_failed");
        assert_eq!(failed.decision, ledger::Decision::Deny);
        assert_eq!(failed.actor_account, "acc-commander");
        assert_eq!(failed.policies, vec!["authn-password".to_owned()]);

        // An unknown name fails the same way, and names nobody in clear.
        let r = w.post(
            "/api/v1/session",
            &Auth::None,
            &json!({"username": "mallory", "password": PASSWORD}),
        );
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["error"]["message"], "wrong username or password");
        assert_eq!(w.last_entry().actor_account, "unknown");

        // Four more failures (five in all) lock the name out…
        let policy = service::LoginPolicy::default();
        for i in 2..=policy.max_failures {
            let r = w.post(
                "/api/v1/session",
                &Auth::None,
                &json!({"username": "commander", "password": format!("guess {i}")}),
            );
            let want = if i == policy.max_failures { 429 } else { 401 };
            assert_eq!(r.status, want, "attempt {i}: {}", r.text());
        }
        // …so that even the right password is refused, without being checked.
        let r = w.post(
            "/api/v1/session",
            &Auth::None,
            &json!({"username": "commander", "password": PASSWORD}),
        );
        assert_eq!(r.status, 429, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "locked_out");
        assert!(r.header("retry-after").is_some());
        let locked = w.last_entry();
        assert_eq!(locked.action, "session.login_failed");
        assert_eq!(locked.policies, vec!["authn-lockout".to_owned()]);
        // Other names are not affected.
        w.login("operator");
        assert!(w.block_on(w.svc.store().verify(None, &[])).is_ok());
    }
}

#[test]
fn tokens_authenticate_as_their_account_until_revoked() {
    for db in backends() {
        let w = World::start(db, config());
        let token = w.token("commander", Some("operations"));
        assert!(token.starts_with("cortina_"));
        let issued = w.last_entry();
        assert_eq!(issued.action, "token.issue");
        assert_eq!(issued.actor_account, "acc-it-admin");
        for auth in [Auth::Bearer(&token), Auth::ApiKey(&token)] {
            let me = w.get("/api/v1/session", &auth);
            assert_eq!(me.status, 200, "{}", me.text());
            assert_eq!(me.json()["username"], "commander");
        }
        // A garbled token is refused, even next to a valid cookie.
        let cookie = w.login("operator");
        let r = w.send(
            "GET",
            "/api/v1/session",
            &Auth::Cookie(&cookie),
            &[("Authorization", "Bearer cortina_0000")],
            None,
        );
        assert_eq!(r.status, 401);
        assert!(r.header("www-authenticate").is_some());

        // Only an admin revokes, and then the token is dead.
        let id = issued.resource.id.clone();
        let denied = w.block_on(w.svc.revoke_token(&service::Actor::cli("commander"), &id));
        assert!(
            matches!(denied, Err(service::ServiceError::Denied { .. })),
            "{denied:?}"
        );
        let done = w
            .block_on(w.svc.revoke_token(&service::Actor::cli("it-admin"), &id))
            .expect("revoke");
        assert_eq!(w.entry(done.seq).action, "token.revoke");
        assert_eq!(w.get("/api/v1/session", &Auth::Bearer(&token)).status, 401);
        // A foreign liaison may not issue tokens either.
        let refused = w.block_on(w.svc.issue_token(
            &service::Actor::cli("us-liaison"),
            serde_json::from_value(json!({"user": "us-liaison"})).unwrap(),
        ));
        assert!(matches!(refused, Err(service::ServiceError::Denied { .. })));
    }
}

#[test]
fn logins_from_one_address_are_rate_limited() {
    let db = store::testing::sqlite();
    let w = World::start(
        db,
        server::Config {
            login_burst: 3,
            login_replenish_ms: 60_000,
            ..config()
        },
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = w.post(
            "/api/v1/session",
            &Auth::None,
            &json!({"username": "analyst", "password": "wrong"}),
        );
        statuses.push(r.status);
    }
    assert_eq!(statuses, vec![401, 401, 401, 429, 429]);
    let r = w.post(
        "/api/v1/session",
        &Auth::None,
        &json!({"username": "analyst", "password": "wrong"}),
    );
    assert_eq!(r.json()["error"]["code"], "rate_limited");
    assert!(r.header("retry-after").is_some());
}

#[test]
fn behind_a_trusted_proxy_the_limit_keys_on_the_forwarded_client() {
    let w = World::start(
        store::testing::sqlite(),
        server::Config {
            login_burst: 2,
            login_replenish_ms: 60_000,
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..config()
        },
    );
    let attempt = |client: &str| {
        let body = json!({"username": "analyst", "password": "wrong"}).to_string();
        w.send(
            "POST",
            "/api/v1/session",
            &Auth::None,
            &[("X-Forwarded-For", client)],
            Some(&body),
        )
        .status
    };
    let first: Vec<u16> = (0..3).map(|_| attempt("192.0.2.10")).collect();
    assert_eq!(first, vec![401, 401, 429]);
    // Another client behind the same proxy has a bucket of its own.
    assert_eq!(attempt("192.0.2.11"), 401);
    // A client cannot escape its bucket by prepending a forged address.
    assert_eq!(attempt("198.51.100.1, 192.0.2.10"), 429);
    // Through a TLS-terminating proxy the session cookie is Secure.
    let body = json!({"username": "operator", "password": PASSWORD}).to_string();
    let r = w.send(
        "POST",
        "/api/v1/session",
        &Auth::None,
        &[
            ("X-Forwarded-For", "192.0.2.12"),
            ("X-Forwarded-Proto", "https"),
        ],
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("set-cookie").unwrap().contains("; Secure"));
}
