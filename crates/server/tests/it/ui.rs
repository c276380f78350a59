//! The web UI over HTTP: the login page, the shared session, CSRF on form
//! posts, forms running commands through the service, and what foreign
//! pages never contain. (The browser tests in `tests/ui/` drive the same
//! pages in Chromium.)

use serde_json::json;

use crate::world::{Auth, PASSWORD, Resp, World, backends, config};

/// Posts a form as a browser on the page would (with our `Origin`).
pub(crate) fn form(w: &World, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Resp {
    let body = serde_urlencoded::to_string(fields).expect("form");
    let auth = cookie.map_or(Auth::None, Auth::Cookie);
    let origin = w.base.clone();
    w.send(
        "POST",
        path,
        &auth,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", &origin),
        ],
        Some(&body),
    )
}

/// Logs in through the page; the cookie.
#[track_caller]
pub(crate) fn page_login(w: &World, user: &str) -> String {
    let r = form(
        w,
        "/login",
        None,
        &[("username", user), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 303, "{}: {}", w.name, r.text());
    assert_eq!(r.header("location"), Some("/home"));
    let set = r.header("set-cookie").expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{set}");
    }
    set.split(';').next().expect("cookie pair").to_owned()
}

#[track_caller]
pub(crate) fn assert_strict_page(r: &Resp) {
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{:?}",
        r.header("content-type")
    );
    let csp = r.header("content-security-policy").expect("a CSP");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // Forms must carry our Origin (`no-referrer` would make it `null`).
    assert_eq!(r.header("referrer-policy"), Some("same-origin"));
    let html = r.text();
    // No inline script or style: every <script> has a src, no style="".
    for (i, _) in html.match_indices("<script") {
        let tag = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e)];
        assert!(tag.contains(" src=\"/static/"), "inline script: {tag}");
    }
    assert!(!html.contains("<style"), "inline style element");
    assert!(!html.contains(" style=\""), "inline style attribute");
}

#[test]
fn the_root_is_a_login_page_and_its_session_is_the_apis() {
    for db in backends() {
        let w = World::start(db, config());
        let r = w.get("/", &Auth::None);
        assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
        assert_strict_page(&r);
        let html = r.text();
        assert!(html.contains("<form method=\"post\" action=\"/login\""));
        assert!(html.contains("name=\"password\" type=\"password\""));
        // The test world is built like the demo (demo accounts need a
        // demo-origin store): the banner says so. A real store has none
        // (`accounts::the_web_pages_enrol_and_change_passwords`).
        assert!(html.contains("DEMO"), "{html}");

        let before = w.ledger_size();
        let cookie = page_login(&w, "commander");
        assert_eq!(w.entry(before).action, "session.login");
        // The page's session is the API's.
        let me = w.get("/api/v1/session", &Auth::Cookie(&cookie));
        assert_eq!(me.status, 200, "{}", me.text());
        assert_eq!(me.json()["username"], "commander");
        // Logged in, the root goes home.
        let root = w.get("/", &Auth::Cookie(&cookie));
        assert_eq!(root.status, 303);
        assert_eq!(root.header("location"), Some("/home"));
        let home = w.get("/home", &Auth::Cookie(&cookie));
        assert_eq!(home.status, 200, "{}", home.text());
        assert_strict_page(&home);
        assert!(home.text().contains("commander · host_commander"));

        // A session opened by the API works on the pages, and the page's
        // logout ends it for both.
        let api_cookie = w.login("operator");
        let home = w.get("/home", &Auth::Cookie(&api_cookie));
        assert_eq!(home.status, 200);
        let out = form(&w, "/logout", Some(&cookie), &[]);
        assert_eq!(out.status, 303, "{}", out.text());
        assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
        assert_eq!(w.last_entry().action, "session.logout");
        assert_eq!(w.get("/api/v1/session", &Auth::Cookie(&cookie)).status, 401);
        // Pages send a logged-out browser to the login page.
        let again = w.get("/home", &Auth::Cookie(&cookie));
        assert_eq!(again.status, 303);
        assert_eq!(again.header("location"), Some("/"));
    }
}

#[test]
fn a_bad_login_shows_the_page_again_without_saying_which_part_was_wrong() {
    for db in backends() {
        let w = World::start(db, config());
        let wrong_password = form(
            &w,
            "/login",
            None,
            &[("username", "commander"), ("password", "nope")],
        );
        let no_such_user = form(
            &w,
            "/login",
            None,
            &[("username", "nobody-here"), ("password", "nope")],
        );
        for r in [&wrong_password, &no_such_user] {
            assert_eq!(r.status, 401, "{}", r.text());
            assert!(r.header("set-cookie").is_none());
            assert_strict_page(r);
            assert!(r.text().contains("wrong username or password"));
        }
        assert_eq!(w.last_entry().action, "session.login_failed");
        // The same sentence, and the name typed is kept in the form.
        assert!(wrong_password.text().contains("value=\"commander\""));
    }
}

#[test]
fn form_posts_must_come_from_our_pages_and_the_api_stays_closed_to_forms() {
    for db in backends() {
        let w = World::start(db, config());
        let cookie = page_login(&w, "commander");
        let body = "title=Search&details=Van&unit=questura-milano&return=%2Fhome";
        let before = w.ledger_size();
        // Another site's form, a form without any origin, and a login
        // from another site are all refused before anything runs.
        for headers in [
            vec![
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", "http://evil.example"),
            ],
            vec![
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Sec-Fetch-Site", "cross-site"),
            ],
            vec![
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", "null"),
                ("Sec-Fetch-Site", "same-origin"),
            ],
            vec![("Content-Type", "application/x-www-form-urlencoded")],
        ] {
            let r = w.send(
                "POST",
                "/do/task.create",
                &Auth::Cookie(&cookie),
                &headers,
                Some(body),
            );
            assert_eq!(r.status, 403, "{headers:?}: {}", r.text());
            assert!(r.text().contains("CSRF"), "{}", r.text());
        }
        let r = w.send(
            "POST",
            "/login",
            &Auth::None,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", "http://evil.example"),
            ],
            Some(&format!("username=commander&password={PASSWORD}")),
        );
        assert_eq!(r.status, 403);
        assert!(r.header("set-cookie").is_none());
        assert_eq!(w.ledger_size(), before, "nothing ran, nothing recorded");
        // The JSON API does not take a form body, even from our origin.
        let origin = w.base.clone();
        let r = w.send(
            "POST",
            "/api/v1/commands",
            &Auth::Cookie(&cookie),
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", &origin),
            ],
            Some("action=task.create&title=Search&details=Van&unit=questura-milano"),
        );
        assert_eq!(r.status, 415, "{}", r.text());
        // The same form from our page runs the command and goes back.
        let r = w.send(
            "POST",
            "/do/task.create",
            &Auth::Cookie(&cookie),
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", &origin),
            ],
            Some(body),
        );
        assert_eq!(r.status, 303, "{}", r.text());
        let seq = w.ledger_size() - 1;
        assert_eq!(
            r.header("location"),
            Some(format!("/home?done={seq}&action=task.create").as_str())
        );
        assert_eq!(w.entry(seq).action, "task.create");
        assert_eq!(w.entry(seq).decision, ledger::Decision::Allow);
        let home = w.get(
            &format!("/home?done={seq}&action=task.create"),
            &Auth::Cookie(&cookie),
        );
        assert!(
            home.text()
                .contains(&format!("ledger entry <strong>#{seq}</strong>"))
        );
        assert!(
            home.text().contains("Search"),
            "the new task is on the board"
        );
    }
}

#[test]
fn a_forged_task_form_is_refused_by_the_policy_and_recorded() {
    for db in backends() {
        let w = World::start(db, config());
        let liaison = page_login(&w, "us-liaison");
        let home = w.get("/home", &Auth::Cookie(&liaison)).text();
        assert!(
            !home.contains("/do/task.create"),
            "no tasking control for a foreign liaison"
        );
        assert!(home.contains("/do/rfi.draft"), "but a request form");
        let r = form(
            &w,
            "/do/task.create",
            Some(&liaison),
            &[
                ("title", "Search"),
                ("details", "Van at the venue"),
                ("unit", "questura-milano"),
            ],
        );
        // Outside the host a refusal answers like a missing record.
        assert_eq!(r.status, 404, "{}", r.text());
        let seq = w.ledger_size() - 1;
        let denial = w.entry(seq);
        assert_eq!(denial.action, "task.create");
        assert_eq!(denial.decision, ledger::Decision::Deny);
        let html = r.text();
        assert!(
            html.contains(&format!("ledger entry <strong>#{seq}</strong>")),
            "{html}"
        );
        // Foreign users are not told the host's policy ids.
        for policy in &denial.policies {
            assert!(!html.contains(policy.as_str()), "{policy} in {html}");
        }
        // A host user who is refused is told which policy refused.
        let organiser_like = page_login(&w, "oversight");
        let r = form(
            &w,
            "/do/task.create",
            Some(&organiser_like),
            &[
                ("title", "Search"),
                ("details", "Van"),
                ("unit", "questura-milano"),
            ],
        );
        assert_eq!(r.status, 404, "{}", r.text());
        let denial = w.last_entry();
        assert_eq!(denial.decision, ledger::Decision::Deny);
        assert!(
            !r.text().contains("Policy:"),
            "oversight is not a host user"
        );
        let analyst = page_login(&w, "analyst");
        let r = form(
            &w,
            "/do/task.create",
            Some(&analyst),
            &[
                ("title", "Search"),
                ("details", "Van"),
                ("unit", "questura-milano"),
            ],
        );
        assert_eq!(r.status, 403, "{}", r.text());
        let denial = w.last_entry();
        assert!(
            r.text()
                .contains(&format!("Policy: <code>{}", denial.policies.join(", "))),
            "{}",
            r.text()
        );
    }
}

#[test]
fn a_liaison_drafts_and_submits_a_request_and_never_sees_screening() {
    for db in backends() {
        let w = World::start(db, config());
        w.ok(
            "us-liaison",
            json!({"action": "declaration.submit", "id": "us-2",
                   "person": {"name": "Artyom Kozlovskiy", "birth_date": "1971-04-12", "nationality": "US",
                              "document": "P9999999", "role": "liaison", "weapons": [], "vehicles": []}}),
        );
        let liaison = page_login(&w, "us-liaison");
        let r = form(
            &w,
            "/do/rfi.draft",
            Some(&liaison),
            &[
                ("kind", "information"),
                ("priority", "urgent"),
                ("subject", "Hotel staff list"),
                ("body", "Who works the night shift?"),
                ("return", "/home"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        let draft = w.last_entry();
        assert_eq!(draft.action, "rfi.draft");
        let id = draft.resource.id.clone();
        let home = w.get("/home", &Auth::Cookie(&liaison)).text();
        assert!(home.contains("Hotel staff list"));
        assert!(home.contains(&format!(
            "<input type=\"hidden\" name=\"id\" value=\"{id}\">"
        )));
        let r = form(&w, "/do/rfi.submit", Some(&liaison), &[("id", &id)]);
        assert_eq!(r.status, 303, "{}", r.text());
        assert_eq!(w.last_entry().action, "rfi.submit");
        // The operator sees it, with its deadline, and may acknowledge it.
        let operator = page_login(&w, "operator");
        let board = w.get("/home", &Auth::Cookie(&operator)).text();
        assert!(board.contains("Hotel staff list"));
        assert!(board.contains("2 d 23 h left"), "{board}");
        assert!(board.contains("/do/rfi.acknowledge"));
        // The liaison's pages carry nothing of screening or vetting.
        for page in ["/home", "/rooms/no-such-room"] {
            let html = w.get(page, &Auth::Cookie(&liaison)).text().to_lowercase();
            for word in ["screening", "vetting", "watchlist", "kozlovskiy"] {
                assert!(!html.contains(word), "{page} contains {word}: {html}");
            }
        }
        // The analyst's board shows the same line with its screening.
        let analyst = page_login(&w, "analyst");
        let board = w.get("/home", &Auth::Cookie(&analyst)).text();
        assert!(
            board.contains("<th scope=\"col\">Screening</th>"),
            "{board}"
        );
    }
}

#[test]
fn oversight_browses_the_ledger_and_others_are_refused() {
    for db in backends() {
        let w = World::start(db, config());
        let oversight = page_login(&w, "oversight");
        let home = w.get("/home", &Auth::Cookie(&oversight)).text();
        assert!(home.contains("href=\"/ledger\""));
        let r = w.get("/ledger", &Auth::Cookie(&oversight));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_strict_page(&r);
        let html = r.text();
        let size = w.ledger_size();
        assert!(html.contains(&format!("{size} entries")), "{html}");
        assert!(html.contains(&format!("data-seq=\"{}\"", size - 1)));
        assert!(html.contains("session.login"));
        let checkpoint = w.block_on(w.svc.store().checkpoint()).expect("checkpoint");
        let first_line = checkpoint.lines().next().expect("origin line");
        assert!(html.contains(first_line));
        let liaison = page_login(&w, "us-liaison");
        let r = w.get("/ledger", &Auth::Cookie(&liaison));
        assert_eq!(r.status, 403, "{}", r.text());
        assert_eq!(w.last_entry().action, "ledger.read");
        assert_eq!(w.last_entry().decision, ledger::Decision::Deny);
    }
}

#[test]
fn the_static_files_are_served_and_the_rest_is_not_found() {
    for db in backends() {
        let w = World::start(db, config());
        for (file, kind) in [
            ("htmx.min.js", "text/javascript"),
            ("app.js", "text/javascript"),
            ("app.css", "text/css"),
        ] {
            let r = w.get(&format!("/static/{file}"), &Auth::None);
            assert_eq!(r.status, 200, "{file}");
            assert!(r.header("content-type").unwrap().starts_with(kind));
        }
        assert_eq!(w.get("/static/../Cargo.toml", &Auth::None).status, 404);
        assert_eq!(w.get("/static/nope.js", &Auth::None).status, 404);
    }
}

#[test]
fn the_analyst_screens_from_the_page_and_a_liaison_cannot() {
    for db in backends() {
        let w = World::start(db, config());
        let analyst = page_login(&w, "analyst");
        assert!(
            w.get("/home", &Auth::Cookie(&analyst))
                .text()
                .contains("href=\"/screening\"")
        );
        let r = w.get("/screening", &Auth::Cookie(&analyst));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_strict_page(&r);
        let before = w.ledger_size();
        let r = form(
            &w,
            "/screening",
            Some(&analyst),
            &[
                ("name", "Someone Listed"),
                ("purpose", "accreditation check"),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let run = w.entry(before);
        assert_eq!(run.action, "screening.run");
        assert_eq!(run.decision, ledger::Decision::Allow);
        assert!(
            r.text()
                .contains(&format!("ledger entry <strong>#{before}</strong>"))
        );
        // No purpose, no screening.
        let r = form(&w, "/screening", Some(&analyst), &[("name", "Someone")]);
        assert_eq!(r.status, 400);
        assert_eq!(w.ledger_size(), before + 1);

        let liaison = page_login(&w, "us-liaison");
        assert_eq!(w.get("/screening", &Auth::Cookie(&liaison)).status, 404);
        let r = form(
            &w,
            "/screening",
            Some(&liaison),
            &[("name", "Someone"), ("purpose", "curious")],
        );
        assert_eq!(r.status, 403, "{}", r.text());
        assert_eq!(w.last_entry().action, "screening.run");
        assert_eq!(w.last_entry().decision, ledger::Decision::Deny);
    }
}

#[test]
fn the_home_lists_open_requests_and_leaves_finished_ones_out() {
    for db in backends() {
        let w = World::start(db, config());
        for (id, subject) in [
            ("us-open", "Vehicle still in question"),
            ("us-gone", "Vehicle no longer in question"),
        ] {
            w.ok(
                "us-liaison",
                json!({"action": "rfi.draft", "id": id, "kind": "information", "priority": "urgent",
                       "subject": subject, "body": "Who is the registered keeper?"}),
            );
            w.ok("us-liaison", json!({"action": "rfi.submit", "id": id}));
        }
        w.ok(
            "us-liaison",
            json!({"action": "rfi.cancel", "id": "us-gone", "reason": "found it ourselves"}),
        );
        let commander = page_login(&w, "commander");
        let home = w.get("/home", &Auth::Cookie(&commander)).text();
        assert!(
            home.contains("Vehicle still in question"),
            "{}: the open request is not on the home",
            w.name
        );
        assert!(
            !home.contains("Vehicle no longer in question"),
            "{}: a cancelled request is on the home",
            w.name
        );
    }
}
