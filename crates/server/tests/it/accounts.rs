//! Separation of duties (issue 10, part 2): the admin proposes accounts and
//! never chooses a password, a host commander confirms, users enrol with a
//! single-use secret, TOTP for the roles that decide (replays and used
//! recovery codes refused), password change ends the other sessions, and
//! every entry records its channel. On a world like a real deployment
//! (not the demo origin), so no account is exempt.

use serde_json::json;

use crate::world::{Auth, World, backends, config};

const CHIEF_PASSWORD: &str = "chief's own password 1";

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn cookie_of(r: &crate::world::Resp) -> String {
    let set = r.header("set-cookie").expect("a session cookie");
    set.split(';').next().expect("cookie pair").to_owned()
}

#[test]
fn admin_proposes_commander_confirms_users_enrol_with_totp() {
    for db in backends() {
        let (w, chief_secret) = World::start_real(db, config());
        let n = w.name;

        // The admin never chooses a password: a clear 400.
        let err = w
            .run(
                "admin",
                json!({"action": "account.create", "username": "op1", "role": "host_operator",
                       "agency": "questura-milano", "password": "a password of mine"}),
            )
            .unwrap_err();
        assert_eq!(err.code(), "bad_command", "{n}: {err}");
        assert!(
            err.to_string().contains("never chooses a password"),
            "{n}: {err}"
        );

        // A proposal creates no account.
        let proposal = w.ok(
            "admin",
            json!({"action": "account.create", "username": "op1", "role": "host_operator",
                   "agency": "questura-milano"}),
        );
        assert_eq!(proposal.state.as_deref(), Some("proposed"));
        let proposal_id = proposal.id.clone();
        let r = w.post(
            "/api/v1/session",
            &Auth::None,
            &json!({"username": "op1", "password": "anything at all"}),
        );
        assert_eq!(r.status, 401, "{n}: no account before confirmation");
        let refused = w.run(
            "admin",
            json!({"action": "account.enrolment", "username": "op1"}),
        );
        assert!(refused.is_err(), "{n}: enrolment before confirmation");

        // The admin cannot confirm its own proposal (the policy refuses it).
        let denied = w
            .run(
                "admin",
                json!({"action": "account.confirm", "proposal": proposal_id}),
            )
            .unwrap_err();
        assert_eq!(denied.code(), "denied", "{n}: {denied}");

        // The first commander enrols: password and TOTP, recovery codes.
        let r = w.post(
            "/api/v1/enrolment",
            &Auth::None,
            &json!({"username": "chief", "enrolment_secret": chief_secret,
                    "password": CHIEF_PASSWORD}),
        );
        assert_eq!(r.status, 200, "{n}: {}", r.text());
        let enrolled = r.json();
        let totp = enrolled["totp_secret"]
            .as_str()
            .expect("a TOTP secret")
            .to_owned();
        assert!(
            enrolled["otpauth_uri"]
                .as_str()
                .unwrap()
                .starts_with("otpauth://totp/")
        );
        let codes: Vec<String> = enrolled["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(codes.len(), 10, "{n}");
        // The secret works once: a second use says the account enrolled.
        let again = w.post(
            "/api/v1/enrolment",
            &Auth::None,
            &json!({"username": "chief", "enrolment_secret": chief_secret,
                    "password": "somebody else's password"}),
        );
        assert_eq!(again.status, 409, "{n}: {}", again.text());
        assert!(
            again.text().contains("already enrolled"),
            "{n}: {}",
            again.text()
        );

        // Login: the password alone is not enough, a wrong code neither.
        let login = |totp: Option<&str>| {
            let mut body = json!({"username": "chief", "password": CHIEF_PASSWORD});
            if let Some(t) = totp {
                body["totp"] = json!(t);
            }
            w.post("/api/v1/session", &Auth::None, &body)
        };
        let r = login(None);
        assert_eq!(r.status, 401, "{n}");
        assert_eq!(
            r.json()["error"]["code"],
            "second_factor_required",
            "{n}: {}",
            r.text()
        );
        let r = login(Some("000000"));
        assert_eq!(r.status, 401, "{n}");
        let code = service::accounts::totp_code(&totp, now_s()).unwrap();
        let ok = login(Some(&code));
        assert_eq!(ok.status, 200, "{n}: {}", ok.text());
        let chief = cookie_of(&ok);
        // The same code again: a replay.
        let r = login(Some(&code));
        assert_eq!(r.status, 401, "{n}");
        assert_eq!(
            r.json()["error"]["code"],
            "second_factor_replayed",
            "{n}: {}",
            r.text()
        );
        // A recovery code works once.
        assert_eq!(login(Some(&codes[3])).status, 200, "{n}");
        assert_eq!(login(Some(&codes[3])).status, 401, "{n}");

        // The commander confirms over the web: the entry says `session`.
        let r = w.post(
            &format!("/api/v1/accounts/proposals/{proposal_id}/confirm"),
            &Auth::Cookie(&chief),
            &json!({}),
        );
        assert_eq!(r.status, 200, "{n}: {}", r.text());
        let entry = w.last_entry();
        assert_eq!(entry.action, "account.confirm");
        assert_eq!(entry.channel.as_deref(), Some("session"), "{n}");

        // The admin issues the enrolment secret at the CLI: `cli:<user>`.
        let issued = w.ok(
            "admin",
            json!({"action": "account.enrolment", "username": "op1"}),
        );
        let entry = w.last_entry();
        assert!(
            entry.channel.as_deref().unwrap().starts_with("cli:"),
            "{n}: {:?}",
            entry.channel
        );
        let secret = issued.data.unwrap()["enrolment_secret"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = w.post(
            "/api/v1/enrolment",
            &Auth::None,
            &json!({"username": "op1", "enrolment_secret": secret,
                    "password": "operator one's password"}),
        );
        assert_eq!(r.status, 200, "{n}: {}", r.text());
        assert!(
            r.json()["totp_secret"].is_null(),
            "{n}: an operator needs none"
        );

        // Password change: two sessions, one changes, the other ends.
        let op_login = |password: &str| {
            w.post(
                "/api/v1/session",
                &Auth::None,
                &json!({"username": "op1", "password": password}),
            )
        };
        let first = cookie_of(&op_login("operator one's password"));
        let second = cookie_of(&op_login("operator one's password"));
        let r = w.post(
            "/api/v1/session/password",
            &Auth::Cookie(&first),
            &json!({"current_password": "wrong", "new_password": "a new long password"}),
        );
        assert_eq!(r.status, 401, "{n}: {}", r.text());
        let r = w.post(
            "/api/v1/session/password",
            &Auth::Cookie(&first),
            &json!({"current_password": "operator one's password",
                    "new_password": "a new long password"}),
        );
        assert_eq!(r.status, 200, "{n}: {}", r.text());
        assert_eq!(w.get("/api/v1/session", &Auth::Cookie(&first)).status, 200);
        assert_eq!(w.get("/api/v1/session", &Auth::Cookie(&second)).status, 401);
        assert_eq!(op_login("operator one's password").status, 401, "{n}");
        assert_eq!(op_login("a new long password").status, 200, "{n}");

        // A token's entries say `token:<id>`.
        let token = w
            .block_on(w.svc.issue_token(
                &service::Actor::cli("admin"),
                serde_json::from_value(json!({"user": "chief"})).unwrap(),
            ))
            .unwrap()
            .secret
            .expose()
            .to_owned();
        let p2 = w.ok(
            "admin",
            json!({"action": "account.create", "username": "op2", "role": "host_operator",
                   "agency": "questura-milano"}),
        );
        let r = w.post(
            &format!("/api/v1/accounts/proposals/{}/confirm", p2.id),
            &Auth::Bearer(&token),
            &json!({}),
        );
        assert_eq!(r.status, 200, "{n}: {}", r.text());
        let channel = w.last_entry().channel.unwrap();
        assert!(channel.starts_with("token:tok-"), "{n}: {channel}");

        // No demo account outside a demo store.
        let c = serde_json::from_value(
            json!({"username": "eve", "role": "host_commander", "agency": "questura-milano"}),
        )
        .unwrap();
        let refused = w.block_on(w.svc.create_demo_account(c, None));
        assert!(refused.is_err(), "{n}: a demo account in a real store");

        // And the ledger still verifies, rows included.
        let report = w.block_on(w.svc.store().verify_stamps(&service::stamp_rules()));
        assert!(report.is_ok(), "{n}: {report:?}");
    }
}

/// The enrolment page shows the second factor once; the login page takes
/// its code; the password page changes the password. A real store shows no
/// demo banner.
#[test]
fn the_web_pages_enrol_and_change_passwords() {
    let (w, chief_secret) = World::start_real(store::testing::sqlite(), config());
    let root = w.get("/", &Auth::None);
    assert_eq!(root.status, 200);
    assert!(
        !root.text().contains("DEMO"),
        "a real store has no demo banner"
    );
    assert!(root.text().contains("href=\"/enrol\""));
    assert_eq!(w.get("/enrol", &Auth::None).status, 200);
    let form = |path: &str, cookie: Option<&str>, fields: &[(&str, &str)]| {
        let r = crate::ui::form(&w, path, cookie, fields);
        let set_cookie = r
            .header("set-cookie")
            .map(|v| v.split(';').next().unwrap().to_owned());
        (r.status, r.text(), set_cookie)
    };
    let (status, page, _) = form(
        "/enrol",
        None,
        &[
            ("username", "chief"),
            ("enrolment_secret", &chief_secret),
            ("password", CHIEF_PASSWORD),
        ],
    );
    assert_eq!(status, 200, "{page}");
    let secret = page
        .split("id=\"totp-secret\" readonly value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the TOTP secret on the page")
        .to_owned();
    assert!(page.contains("otpauth://totp/"), "{page}");
    assert_eq!(page.matches("<li><code>").count(), 10, "ten recovery codes");
    // Used again: the page says the account has enrolled.
    let (status, page, _) = form(
        "/enrol",
        None,
        &[
            ("username", "chief"),
            ("enrolment_secret", &chief_secret),
            ("password", "another long password"),
        ],
    );
    assert_eq!(status, 409);
    assert!(page.contains("already enrolled"), "{page}");
    // Log in with the code from the secret shown on the page.
    let code = service::accounts::totp_code(&secret, now_s()).unwrap();
    let (status, _, cookie) = form(
        "/login",
        None,
        &[
            ("username", "chief"),
            ("password", CHIEF_PASSWORD),
            ("totp", &code),
        ],
    );
    assert_eq!(status, 303);
    let cookie = cookie.expect("a session");
    let (status, page, _) = form(
        "/password",
        Some(&cookie),
        &[
            ("current_password", CHIEF_PASSWORD),
            ("new_password", "a brand new password"),
        ],
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Password changed"), "{page}");
}
