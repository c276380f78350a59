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
        w.block_on(async {
            let mut conn = w.svc.store().pool().acquire().await.unwrap();
            store::passes::put(
                &mut conn,
                &store::passes::Revocation {
                    pass_id: body["id"].as_str().unwrap().to_owned(),
                    subject_kind: "declaration".into(),
                    subject_id: "us-gate".into(),
                    state: "revoked".into(),
                    changed_seq: 1,
                },
            )
            .await
            .unwrap();
        });
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
