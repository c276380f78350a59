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
fn a_wrong_password_is_401_and_recorded_and_repeated_failures_back_off() {
    // A first back-off long enough for a loaded machine to send three
    // requests within it.
    let policy = service::LoginPolicy {
        backoff_base_ms: 4_000,
        ..service::LoginPolicy::default()
    };
    for db in backends() {
        let w = World::start(
            db,
            server::Config {
                login: policy,
                ..config()
            },
        );
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
        assert_eq!(failed.actor_account, w.account_id("commander"));
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

        // Four more failures (five in all) start a back-off…
        for i in 2..=policy.free_per_pair {
            let r = w.post(
                "/api/v1/session",
                &Auth::None,
                &json!({"username": "commander", "password": format!("guess {i}")}),
            );
            let want = if i == policy.free_per_pair { 429 } else { 401 };
            assert_eq!(r.status, want, "attempt {i}: {}", r.text());
        }
        // …in which even the right password is refused, without being
        // checked, and without prolonging it.
        let started = std::time::Instant::now();
        for _ in 0..3 {
            let r = w.post(
                "/api/v1/session",
                &Auth::None,
                &json!({"username": "commander", "password": PASSWORD}),
            );
            assert_eq!(r.status, 429, "{}", r.text());
            assert_eq!(r.json()["error"]["code"], "locked_out");
            let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
            assert!((1..=4).contains(&wait), "{wait}");
            let refused = w.last_entry();
            assert_eq!(refused.action, "session.login_failed");
            assert_eq!(refused.policies, vec!["authn-backoff".to_owned()]);
        }
        // Other names are not affected.
        w.login("operator");
        // When the back-off is over, the owner gets in.
        std::thread::sleep(
            std::time::Duration::from_millis(policy.backoff_base_ms as u64 + 50)
                .saturating_sub(started.elapsed()),
        );
        w.login("commander");
        // A success from this address forgets the failures from it: five
        // free failures again, and the back-off after them starts afresh.
        for i in 1..=policy.free_per_pair {
            let r = w.post(
                "/api/v1/session",
                &Auth::None,
                &json!({"username": "commander", "password": format!("again {i}")}),
            );
            let want = if i == policy.free_per_pair { 429 } else { 401 };
            assert_eq!(r.status, want, "attempt {i}: {}", r.text());
        }
        // Each further failure doubles the back-off.
        std::thread::sleep(std::time::Duration::from_millis(
            policy.backoff_base_ms as u64 + 50,
        ));
        let r = w.post(
            "/api/v1/session",
            &Auth::None,
            &json!({"username": "commander", "password": "still wrong"}),
        );
        assert_eq!(r.status, 429, "{}", r.text());
        assert_eq!(r.header("retry-after"), Some("8"));
        assert_eq!(w.last_entry().policies, vec!["authn-password".to_owned()]);
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
        assert_eq!(issued.actor_account, w.account_id("it-admin"));
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

/// Guesses sent at once are counted as they arrive, in the transaction
/// that reads the counter: no more than the free failures are ever checked,
/// however many race.
#[test]
fn concurrent_guesses_cannot_outrun_the_back_off() {
    for db in backends() {
        // A long first back-off, so that a slow machine cannot let a late
        // guess in after it ended.
        let policy = service::LoginPolicy {
            backoff_base_ms: 10 * 60_000,
            ..service::LoginPolicy::default()
        };
        let w = World::start(
            db,
            server::Config {
                login: policy,
                ..config()
            },
        );
        let before = w.ledger_size();
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let guesses: Vec<_> = (0..24)
                .map(|i| {
                    let w = &w;
                    s.spawn(move || {
                        w.post(
                            "/api/v1/session",
                            &Auth::None,
                            &json!({"username": "analyst", "password": format!("guess {i}")}),
                        )
                        .status
                    })
                })
                .collect();
            guesses.into_iter().map(|g| g.join().unwrap()).collect()
        });
        assert!(
            statuses.iter().all(|s| *s == 401 || *s == 429),
            "{statuses:?}"
        );
        let checked = (before..w.ledger_size())
            .map(|seq| w.entry(seq))
            .filter(|e| e.policies == vec!["authn-password".to_owned()])
            .count();
        assert_eq!(
            checked, policy.free_per_pair as usize,
            "{}: passwords checked for 24 racing guesses",
            w.name
        );
        assert_eq!(
            (before..w.ledger_size()).count(),
            24,
            "every attempt is an entry"
        );
    }
}

/// A shift change: forty operators behind one NAT address log in within a
/// minute, with the shipped limits, while someone at the same address
/// guesses a commander's password. Clients wait as `Retry-After` says.
#[test]
fn forty_operators_behind_one_address_all_get_in_within_a_minute() {
    let w = World::start(store::testing::sqlite(), server::Config::default());
    let users: Vec<String> = (1..=40).map(|i| format!("shift-{i:02}")).collect();
    for u in &users {
        w.account(u, "host_operator", "questura-milano", None);
    }
    let before = w.ledger_size();
    let started = std::time::Instant::now();
    let deadline = std::time::Duration::from_secs(60);
    let login = |user: &str, password: &str| loop {
        let r = w.post(
            "/api/v1/session",
            &Auth::None,
            &json!({"username": user, "password": password}),
        );
        // The flood guard and the hashing bound ask to come back; a
        // back-off refuses the name for longer than the test's minute.
        if r.status != 429
            || r.json()["error"]["code"] == "locked_out"
            || started.elapsed() > deadline
        {
            return (r.status, started.elapsed());
        }
        let wait: u64 = r
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .expect("a 429 says when to come back");
        std::thread::sleep(std::time::Duration::from_secs(wait));
    };
    type Answers = Vec<(u16, std::time::Duration)>;
    let (operators, guesses): (Answers, Answers) = std::thread::scope(|s| {
        let operators: Vec<_> = users
            .iter()
            .map(|u| s.spawn(|| login(u, PASSWORD)))
            .collect();
        let guesses: Vec<_> = (0..10)
            .map(|i| {
                let login = &login;
                s.spawn(move || login("commander", &format!("guess {i}")))
            })
            .collect();
        (
            operators.into_iter().map(|t| t.join().unwrap()).collect(),
            guesses.into_iter().map(|t| t.join().unwrap()).collect(),
        )
    });
    assert!(operators.iter().all(|a| a.0 == 200), "{operators:?}");
    let took = operators.iter().map(|a| a.1).max().unwrap_or_default();
    assert!(took <= deadline, "the last operator got in after {took:?}");
    // The guesser got five checked guesses, then the back-off: 1 s, 2 s,
    // 4 s … between further checks, so at most six more in a minute.
    assert!(guesses.iter().all(|a| a.0 == 401 || a.0 == 429));
    let checked = (before..w.ledger_size())
        .map(|seq| w.entry(seq))
        .filter(|e| e.action == "session.login_failed" && e.policies == ["authn-password"])
        .count();
    assert!((5..=11).contains(&checked), "{checked}: {guesses:?}");
}

/// Password hashes run at most one per core at once; a login that cannot
/// get its turn in time is told to come back, and nothing is recorded or
/// counted for it.
#[test]
fn logins_beyond_the_hashing_bound_are_turned_away_quickly() {
    let w = World::start(
        store::testing::sqlite(),
        server::Config {
            login: service::LoginPolicy {
                hash_wait_ms: 0,
                ..service::LoginPolicy::default()
            },
            ..config()
        },
    );
    let before = w.ledger_size();
    let answers: Vec<(u16, Option<String>, serde_json::Value)> = std::thread::scope(|s| {
        let all: Vec<_> = (0..16)
            .map(|_| {
                let w = &w;
                s.spawn(move || {
                    let r = w.post(
                        "/api/v1/session",
                        &Auth::None,
                        &json!({"username": "operator", "password": PASSWORD}),
                    );
                    (
                        r.status,
                        r.header("retry-after").map(str::to_owned),
                        r.json(),
                    )
                })
            })
            .collect();
        all.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let busy: Vec<_> = answers.iter().filter(|a| a.0 == 429).collect();
    let ok = answers.iter().filter(|a| a.0 == 200).count();
    assert!(!busy.is_empty(), "16 at once on {} cores", {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    });
    assert_eq!(ok + busy.len(), 16, "{answers:?}");
    for b in &busy {
        assert_eq!(b.2["error"]["code"], "busy");
        assert_eq!(b.1.as_deref(), Some("1"));
    }
    assert_eq!(
        w.ledger_size() - before,
        ok as u64,
        "only the logins that were checked are recorded"
    );
}
