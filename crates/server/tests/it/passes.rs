//! Issue 12, item 7 over HTTP: passes for accredited people, the public
//! gate bundle, and the offline verifier (crate `pass`) refusing a forged,
//! an expired, a revoked and a wrong-zone pass — on SQLite and PostgreSQL.

use serde_json::{Value, json};

use crate::world::{Auth, World, backends, config};

/// 2026-01-25 00:00 UTC to 2026-03-20 00:00 UTC.
const FROM_MS: i64 = 1_769_299_200_000;
const UNTIL_MS: i64 = 1_773_964_800_000;
/// A time inside the window (2026-02-06 20:00 UTC).
const DURING: i64 = 1_770_408_000;

fn gate(w: &World) -> pass::Gate {
    let r = w.get("/api/v1/gate/bundle", &Auth::None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    pass::Gate::from_bundle(&r.text()).expect("the server's bundle verifies")
}

fn forge(genuine: &str) -> String {
    // The same pass with another name, its signature kept.
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let rest = genuine.strip_prefix("CP1.").unwrap();
    let (body, sig) = rest.split_once('.').unwrap();
    let mut claims: Value = serde_json::from_slice(&B64.decode(body).unwrap()).unwrap();
    claims["n"] = json!("Someone Else");
    format!(
        "CP1.{}.{sig}",
        B64.encode(serde_json::to_vec(&claims).unwrap())
    )
}

#[test]
fn passes_are_checked_offline_and_refused_when_forged_expired_revoked_or_for_another_zone() {
    for db in backends() {
        let w = World::start(db, config());
        w.add_every_role();
        // A declared officer accredited for San Siro up to zone 2.
        w.ok(
            "us-liaison",
            json!({"action": "declaration.submit", "id": "us-gate", "person": {
                "name": "Jane Gatekeeper", "birth_date": "1982-04-05", "nationality": "US",
                "document": "P9876543", "role": "investigative_support",
                "weapons": [], "vehicles": []}}),
        );
        w.ok(
            "commander",
            json!({"action": "declaration.accredit", "id": "us-gate",
                   "window": {"from": FROM_MS, "until": UNTIL_MS},
                   "zones": [{"venue": "san-siro", "zone": 2}]}),
        );
        let commander = w.login("commander");
        let r = w.get(
            "/api/v1/passes/declarations/us-gate",
            &Auth::Cookie(&commander),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let body = r.json();
        let encoded = body["pass"].as_str().unwrap().to_owned();
        assert_eq!(body["name"], "Jane Gatekeeper");
        assert_eq!(body["document_digits"], "6543");
        // Zone 2 reaches the outer zone 3 too, never the inner zone 1.
        assert_eq!(
            body["access"],
            json!([{"venue": "san-siro", "zone": "2"}, {"venue": "san-siro", "zone": "3"}])
        );
        for word in ["screen", "score", "case", "list", "snapshot"] {
            assert!(!r.text().contains(word), "{word}: {}", r.text());
        }

        let g = gate(&w);
        let check = |p: &str, zone: &str, at: i64| g.check(p, "san-siro", zone, at).as_str();
        assert_eq!(check(&encoded, "2", DURING), "valid");
        assert_eq!(check(&encoded, "3", DURING), "valid");
        assert_eq!(check(&encoded, "1", DURING), "wrong_zone");
        assert_eq!(
            g.check(&encoded, "olympic-stadium", "2", DURING).as_str(),
            "wrong_zone"
        );
        assert_eq!(check(&encoded, "2", UNTIL_MS / 1000), "expired");
        assert_eq!(check(&encoded, "2", FROM_MS / 1000 - 1), "not_yet_valid");
        assert_eq!(check(&forge(&encoded), "2", DURING), "forged");
        // The same pass each time (nothing stored, nothing random).
        let again = w.get(
            "/api/v1/passes/declarations/us-gate",
            &Auth::Cookie(&commander),
        );
        assert_eq!(again.json()["id"], body["id"]);

        // Revoked: the gates' list names the pass once the accreditation is
        // revoked (issue 12, item 6), and no new pass is printed.
        w.ok(
            "commander",
            json!({"action": "accreditation.revoke", "id": "us-gate", "kind": "declaration",
                   "reason": "Pass reported stolen at gate 4"}),
        );
        let g = gate(&w);
        assert_eq!(
            g.check(&encoded, "san-siro", "2", DURING).as_str(),
            "revoked"
        );
        let r = w.get(
            "/api/v1/passes/declarations/us-gate",
            &Auth::Cookie(&commander),
        );
        assert_eq!(r.status, 409, "{}", r.text());

        // The line's own liaison may print it; another delegation may not
        // learn it exists; without a session, nothing.
        let fr = w.login("fr-liaison");
        let r = w.get("/api/v1/passes/declarations/us-inv", &Auth::Cookie(&fr));
        assert_eq!(r.status, 404, "{}", r.text());
        let r = w.get("/api/v1/passes/declarations/us-inv", &Auth::None);
        assert_eq!(r.status, 401, "{}", r.text());
        // A line not accredited has no pass.
        w.ok(
            "us-liaison",
            json!({"action": "declaration.submit", "id": "us-later", "person": {
                "name": "Not Yet", "birth_date": "1982-04-05", "nationality": "US",
                "document": "P1111111", "role": "investigative_support",
                "weapons": [], "vehicles": []}}),
        );
        let r = w.get(
            "/api/v1/passes/declarations/us-later",
            &Auth::Cookie(&commander),
        );
        assert_eq!(r.status, 409, "{}", r.text());
    }
}

#[test]
fn the_organiser_prints_a_pass_for_an_applicant_with_no_objection() {
    for db in backends() {
        let w = World::start(db, config());
        w.add_every_role();
        let organiser = w.login("organiser");
        let org = Auth::Cookie(&organiser);
        let r = w.post(
            "/api/v1/applicants",
            &org,
            &json!({"applicants": [{"reference": "ACC-1", "name": "Giulia Ferrari",
                "birth_date": "1990-01-02", "nationality": "IT", "document_type": "passport",
                "document_number": "YA1234567", "category": "volunteer",
                "venues": "san-siro", "zones": "2;3",
                "valid_from": "2026-02-01", "valid_until": "2026-02-22"}]}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let r = w.get("/api/v1/passes/applicants/ACC-1", &org);
        assert_eq!(r.status, 200, "{}", r.text());
        let body = r.json();
        assert_eq!(body["name"], "Giulia Ferrari");
        assert_eq!(body["document_digits"], "4567");
        assert_eq!(body["category"], "volunteer");
        let g = gate(&w);
        let encoded = body["pass"].as_str().unwrap();
        assert_eq!(g.check(encoded, "san-siro", "2", DURING).as_str(), "valid");
        // 2026-02-22 is valid to its end; 2026-02-23 00:00 UTC is not.
        assert_eq!(
            g.check(encoded, "san-siro", "2", 1_771_804_799).as_str(),
            "valid"
        );
        assert_eq!(
            g.check(encoded, "san-siro", "2", 1_771_804_800).as_str(),
            "expired"
        );
        // The printable page: the QR code inline, no script or style inline.
        let page = w.get("/passes/applicants/ACC-1", &org);
        assert_eq!(page.status, 200, "{}", page.text());
        let html = page.text();
        assert!(html.contains("<svg"), "{html}");
        assert!(html.contains("Giulia Ferrari") && html.contains("4567"));
        assert!(!html.contains("<script>") && !html.contains("style="));
        // A foreign liaison cannot reach an applicant's pass.
        let us = w.login("us-liaison");
        let r = w.get("/api/v1/passes/applicants/ACC-1", &Auth::Cookie(&us));
        assert_eq!(r.status, 404, "{}", r.text());
    }
}

#[test]
fn the_gate_page_is_public_and_self_contained() {
    let w = World::start(store::testing::sqlite(), config());
    let r = w.get("/gate", &Auth::None);
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(html.contains("/static/gate.js"));
    assert!(!html.contains("htmx") && !html.contains("http://") && !html.contains("https://"));
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let js = w.get("/static/gate.js", &Auth::None);
    assert_eq!(js.status, 200);
    assert!(js.text().contains("Ed25519"));
}

#[test]
fn accreditations_are_suspended_reinstated_and_revoked_through_the_policy_and_the_ledger() {
    for db in backends() {
        let w = World::start(db, config());
        w.add_every_role();
        let change = |user: &str, action: &str, kind: &str, id: &str| {
            w.run(
                user,
                json!({"action": action, "id": id, "kind": kind,
                       "reason": "Information from the Questura about this person"}),
            )
        };
        let investigator = w.login("us-investigator");
        assert_eq!(
            w.get("/api/v1/session", &Auth::Cookie(&investigator))
                .status,
            200
        );
        // Nobody but the commander decides: the analyst is refused, the
        // delegation's liaison too.
        assert!(change("analyst", "accreditation.suspend", "declaration", "us-inv").is_err());
        assert!(
            change(
                "us-liaison",
                "accreditation.suspend",
                "declaration",
                "us-inv"
            )
            .is_err()
        );
        let done = change(
            "commander",
            "accreditation.suspend",
            "declaration",
            "us-inv",
        )
        .expect("the commander suspends");
        let entry = w.last_entry();
        assert_eq!(entry.action, "accreditation.suspend", "{entry:?}");
        let pass_id = done.data.as_ref().unwrap()["pass"]
            .as_str()
            .unwrap()
            .to_owned();
        // The pass is on the gates' signed list; the foreign account stops
        // working.
        let bundle = w.get("/api/v1/gate/bundle", &Auth::None).json();
        let key = pass::PassKey::from_base64(bundle["public_key"].as_str().unwrap()).unwrap();
        let list = key
            .open_revocations(bundle["revocations"].as_str().unwrap())
            .unwrap();
        assert!(list.revoked.contains(&pass_id), "{list:?}");
        let r = w.get("/api/v1/session", &Auth::Cookie(&investigator));
        assert_eq!(r.status, 401, "{}", r.text());
        // The delegation sees its line as suspended, and nothing else.
        let liaison = w.login("us-liaison");
        let read = |w: &World| {
            let r = w.command(
                &Auth::Cookie(&liaison),
                json!({"action": "declaration.read", "id": "us-inv", "purpose": "check our line"}),
            );
            assert_eq!(r.status, 200, "{}", r.text());
            for word in ["Questura", "reason", "screen", "case", "score"] {
                assert!(!r.text().contains(word), "{word}: {}", r.text());
            }
            r.json()["data"]["state"].as_str().unwrap().to_owned()
        };
        assert_eq!(read(&w), "suspended");
        // Suspending twice is a state conflict; reinstating brings it back.
        assert!(
            change(
                "commander",
                "accreditation.suspend",
                "declaration",
                "us-inv"
            )
            .is_err()
        );
        change(
            "commander",
            "accreditation.reinstate",
            "declaration",
            "us-inv",
        )
        .unwrap();
        assert_eq!(read(&w), "accredited");
        let again = w.login("us-investigator");
        assert_eq!(w.get("/api/v1/session", &Auth::Cookie(&again)).status, 200);
        // Revoked for good: no reinstatement.
        let done = change("commander", "accreditation.revoke", "declaration", "us-inv").unwrap();
        assert_eq!(done.data.as_ref().unwrap()["pass"], pass_id.as_str());
        assert!(
            change(
                "commander",
                "accreditation.reinstate",
                "declaration",
                "us-inv"
            )
            .is_err()
        );
        assert_eq!(read(&w), "revoked");

        // An applicant: suspended reads as pending to the organiser,
        // revoked as an objection.
        let organiser = w.login("organiser");
        let org = Auth::Cookie(&organiser);
        let r = w.post(
            "/api/v1/applicants",
            &org,
            &json!({"applicants": [{"reference": "ACC-7", "name": "Marco Bianchi",
                "birth_date": "1985-06-07", "nationality": "IT", "document_type": "passport",
                "document_number": "YA7654321", "category": "media",
                "venues": "san-siro", "zones": "3",
                "valid_from": "2026-02-01", "valid_until": "2026-02-22"}]}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let opinion = |w: &World| {
            let r = w.get("/api/v1/applicants", &org);
            for word in ["Questura", "reason", "suspend", "revok"] {
                assert!(!r.text().contains(word), "{word}: {}", r.text());
            }
            let items = r.json()["items"].clone();
            let line = items
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["reference"] == "ACC-7")
                .cloned()
                .unwrap();
            line["opinion"].as_str().unwrap().to_owned()
        };
        assert_eq!(opinion(&w), "no_objection");
        let applicant = applicant_id(&w, "ACC-7");
        change(
            "commander",
            "accreditation.suspend",
            "applicant",
            &applicant,
        )
        .unwrap();
        assert_eq!(opinion(&w), "pending");
        let r = w.get("/api/v1/passes/applicants/ACC-7", &org);
        assert_eq!(r.status, 409, "{}", r.text());
        change("commander", "accreditation.revoke", "applicant", &applicant).unwrap();
        assert_eq!(opinion(&w), "objection");
    }
}

/// The applicant's opaque id, as the host knows it (from the store).
fn applicant_id(w: &World, reference: &str) -> String {
    w.block_on(async {
        let records = store::records::list(
            w.svc.store().pool(),
            "applicant",
            &store::records::Filter::default(),
        )
        .await
        .unwrap();
        records
            .into_iter()
            .find(|r| r.doc.as_deref().is_some_and(|d| d.contains(reference)))
            .map(|r| r.id)
            .expect("the applicant")
    })
}
