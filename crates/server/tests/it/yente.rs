//! The yente-compatible screening routes: shapes, threshold and cutoff,
//! the purpose, the ledger record, the refusals.

use serde_json::{Value, json};

use crate::world::{Auth, World, backends, config};

/// A yente-shaped request, with fields yente clients send that cortina
/// ignores (`weights`, `config`, an unknown property).
fn request() -> Value {
    json!({
        "weights": {"name_literal": 0.8},
        "config": {},
        "queries": {
            "bout": {"schema": "Person", "properties": {
                "name": ["Viktor Bout"], "birthDate": ["1967-01-13"], "nationality": ["ru"],
                "eyeColor": ["brown"]}},
            "guzman": {"id": "client-7", "schema": "Person", "properties": {
                "firstName": "Joaquin", "lastName": "Guzman"}},
            "cartel": {"schema": "Organization", "properties": {"name": "Sinaloa Cartel", "country": "Mexico"}},
            "nobody": {"schema": "Person", "properties": {"name": ["Giuseppe Verdi"]}}
        }
    })
}

fn purpose() -> [(&'static str, &'static str); 1] {
    [("X-Purpose", "accreditation check AC-2026-0042")]
}

#[track_caller]
fn check_shape(response: &Value) {
    assert!(response["limit"].is_u64(), "{response}");
    assert!(response["matcher"].is_object(), "{response}");
    for (key, r) in response["responses"].as_object().expect("responses") {
        assert_eq!(r["status"], 200, "{key}");
        assert!(r["total"]["value"].is_u64(), "{key}: {r}");
        assert!(r["total"]["relation"].is_string(), "{key}");
        assert!(r["query"]["schema"].is_string(), "{key}");
        assert!(r["query"]["properties"].is_object(), "{key}");
        for result in r["results"].as_array().expect("results") {
            for field in ["id", "caption", "schema"] {
                assert!(result[field].is_string(), "{key}: {field} in {result}");
            }
            for field in ["properties", "explanations", "features"] {
                assert!(result[field].is_object(), "{key}: {field} in {result}");
            }
            for field in ["datasets", "referents"] {
                assert!(result[field].is_array(), "{key}: {field} in {result}");
            }
            for field in ["target", "match"] {
                assert!(result[field].is_boolean(), "{key}: {field} in {result}");
            }
            assert!(result["score"].is_f64(), "{key}: score in {result}");
            assert!(result["properties"]["name"].is_array(), "{result}");
            assert!(
                result["explanations"]["name"]["detail"].is_string(),
                "{result}"
            );
        }
    }
}

fn results<'a>(response: &'a Value, key: &str) -> &'a Vec<Value> {
    response["responses"][key]["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results for {key}: {response}"))
}

#[test]
fn match_answers_in_yentes_shape_and_is_recorded_with_its_purpose() {
    for db in backends() {
        let w = World::start(db, config());
        let token = w.token("analyst", None);
        let auth = Auth::ApiKey(&token);
        let before = w.ledger_size();
        let r = w.send(
            "POST",
            "/match/default",
            &auth,
            &purpose(),
            Some(&request().to_string()),
        );
        assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
        let body = r.json();
        check_shape(&body);
        let bout = results(&body, "bout");
        assert_eq!(bout[0]["id"], "t-bout", "{body}");
        assert_eq!(bout[0]["match"], true);
        assert_eq!(bout[0]["datasets"], json!(["test_sanctions"]));
        assert!(
            bout[0]["explanations"]["birth_date"].is_object(),
            "{}",
            bout[0]
        );
        assert_eq!(results(&body, "cartel")[0]["id"], "t-sinaloa");
        assert!(results(&body, "nobody").is_empty());
        assert_eq!(body["responses"]["guzman"]["query"]["id"], "client-7");
        assert!(
            body["responses"]["bout"]["query"]["properties"]
                .get("eyeColor")
                .is_none()
        );

        // One ledger entry for the request, by the token's account.
        assert_eq!(w.ledger_size(), before + 1);
        let entry = w.last_entry();
        assert_eq!(entry.action, "screening.run");
        assert_eq!(entry.actor_account, w.account_id("analyst"));
        assert_eq!(entry.decision, ledger::Decision::Allow);

        // Bearer works as well as ApiKey; a dataset narrows the lists.
        let r = w.send(
            "POST",
            "/match/test_tco",
            &Auth::Bearer(&token),
            &purpose(),
            Some(&request().to_string()),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let body = r.json();
        assert!(results(&body, "bout").is_empty(), "{body}");
        assert_eq!(results(&body, "cartel")[0]["id"], "t-sinaloa");
    }
}

#[test]
fn threshold_decides_match_and_cutoff_drops_results() {
    let w = World::start(store::testing::sqlite(), config());
    let token = w.token("analyst", Some("vetting of accreditation requests"));
    let auth = Auth::Bearer(&token);
    let guzman =
        json!({"queries": {"q": {"schema": "Person", "properties": {"name": "Joaquin Guzman"}}}});
    let mut counts = Vec::new();
    for (query, threshold, cutoff) in [
        ("", 0.80, 0.80),
        ("?threshold=0.95", 0.95, 0.80),
        ("?threshold=0.76&cutoff=0.76", 0.76, 0.76),
        ("?threshold=0.99&cutoff=0.99&limit=1", 0.99, 0.99),
    ] {
        // No X-Purpose: the token's purpose is used.
        let r = w.post(&format!("/match/default{query}"), &auth, &guzman);
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        let body = r.json();
        check_shape(&body);
        let found = results(&body, "q");
        for result in found {
            let score = result["score"].as_f64().unwrap();
            assert!(score >= cutoff - 1e-4, "{query}: {result}");
            assert_eq!(result["match"], score >= threshold, "{query}: {result}");
        }
        counts.push(found.len());
    }
    assert!(
        counts[2] >= counts[0] && counts[0] >= counts[3],
        "{counts:?}"
    );
    assert!(counts[0] >= 1, "{counts:?}");
    assert!(counts[3] <= 1);
    for bad in ["?threshold=2", "?limit=abc", "?algorithm=quantum"] {
        let r = w.post(&format!("/match/default{bad}"), &auth, &guzman);
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(r.json()["detail"].is_string());
    }
}

#[test]
fn screening_needs_a_purpose_an_account_and_the_policy() {
    let w = World::start(store::testing::sqlite(), config());
    let cookie = w.login("analyst");
    let before = w.ledger_size();
    let r = w.post("/match/default", &Auth::Cookie(&cookie), &request());
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["detail"].as_str().unwrap().contains("purpose"));
    assert_eq!(w.ledger_size(), before, "a refused request is not run");
    let r = w.send(
        "POST",
        "/match/default",
        &Auth::Cookie(&cookie),
        &purpose(),
        Some(&request().to_string()),
    );
    assert_eq!(r.status, 200, "{}", r.text());

    let r = w.post("/match/default", &Auth::None, &request());
    assert_eq!(r.status, 401);
    assert!(r.json()["detail"].is_string());
    let witness = w.witness_token("observer");
    let r = w.send(
        "POST",
        "/match/default",
        &Auth::ApiKey(&witness),
        &purpose(),
        Some(&request().to_string()),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    // A foreign liaison runs no screening: refused by the policy, recorded.
    let us = w.token("us-liaison", Some("curiosity"));
    let before = w.ledger_size();
    let r = w.post("/match/default", &Auth::Bearer(&us), &request());
    assert_eq!(r.status, 403, "{}", r.text());
    // Outside the host the answer names no rule; the entry does.
    assert!(!r.text().contains("forbid-"), "{}", r.text());
    assert_eq!(w.ledger_size(), before + 1);
    let entry = w.last_entry();
    assert_eq!(entry.decision, ledger::Decision::Deny);
    assert!(
        entry
            .policies
            .contains(&"forbid-foreign-operations".to_owned()),
        "{entry:?}"
    );

    let analyst = w.token("analyst", Some("vetting"));
    let auth = Auth::Bearer(&analyst);
    let mut many = serde_json::Map::new();
    for i in 0..101 {
        many.insert(
            format!("q{i}"),
            json!({"schema": "Person", "properties": {"name": "X"}}),
        );
    }
    let r = w.post("/match/default", &auth, &json!({"queries": many}));
    assert_eq!(r.status, 400);
    assert!(r.json()["detail"].as_str().unwrap().contains("Too many"));
    let r = w.post("/match/nonexistent", &auth, &request());
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["detail"], "No such dataset.");
    let r = w.post(
        "/match/default",
        &auth,
        &json!({"queries": {"q": {"schema": "Spaceship", "properties": {"name": "X"}}}}),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    let r = w.send("POST", "/match/default", &auth, &[], Some("{not json"));
    assert_eq!(r.status, 400);
    assert!(r.json()["detail"].is_string());
}

#[test]
fn search_catalog_and_entities() {
    let w = World::start(store::testing::sqlite(), config());
    let token = w.token("analyst", Some("vetting"));
    let auth = Auth::ApiKey(&token);
    let r = w.get("/search/default?q=Sinaloa%20Cartel&unknown=1", &auth);
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["results"][0]["id"], "t-sinaloa", "{body}");
    assert!(body["total"]["value"].as_u64().unwrap() >= 1);
    assert_eq!(body["limit"], 10);
    assert_eq!(body["offset"], 0);
    assert!(body["facets"]["countries"]["values"].is_array());
    let r = w.get("/search/default?q=Guzman&countries=ru", &auth);
    assert!(
        r.json()["results"].as_array().unwrap().is_empty(),
        "{}",
        r.text()
    );
    assert_eq!(w.get("/search/default", &auth).status, 400);

    let catalog = w.get("/catalog", &auth).json();
    let names: Vec<&str> = catalog["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(names, vec!["default", "test_sanctions", "test_tco"]);
    assert_eq!(
        catalog["datasets"][0]["children"],
        json!(["test_sanctions", "test_tco"])
    );

    let e = w.get("/entities/t-guzman", &auth);
    assert_eq!(e.status, 200, "{}", e.text());
    assert_eq!(e.json()["caption"], "Joaquin Archivaldo Guzman Loera");
    assert_eq!(e.json()["properties"]["alias"], json!(["El Chapo"]));
    let missing = w.get("/entities/nobody", &auth);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["detail"], "No such entity!");
    assert_eq!(w.get("/catalog", &Auth::None).status, 401);
}

#[test]
fn search_is_recall_oriented_filtered_and_paged() {
    let w = World::start(store::testing::sqlite(), config());
    let token = w.token("analyst", Some("vetting"));
    let auth = Auth::ApiKey(&token);
    let ids = |path: &str| -> (Vec<String>, u64) {
        let r = w.get(path, &auth);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let body = r.json();
        let ids = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect();
        (ids, body["total"]["value"].as_u64().unwrap())
    };
    // A surname alone finds everyone carrying it, not only a close whole name.
    let (found, total) = ids("/search/default?q=Guzman");
    assert_eq!(total, 2, "{found:?}");
    assert!(found.contains(&"t-guzman".to_owned()) && found.contains(&"t-guzman-jr".to_owned()));
    // Ranked: the shorter name that carries both query tokens first.
    let (found, _) = ids("/search/default?q=Joaquin%20Guzman");
    assert_eq!(found[0], "t-guzman-jr", "{found:?}");
    // A misspelling still finds them.
    assert_eq!(ids("/search/default?q=Guzmann").1, 2);
    // Filters: schema, countries, datasets (and exclusions).
    assert_eq!(ids("/search/default?q=Guzman&schema=Organization").1, 0);
    assert_eq!(ids("/search/default?q=Guzman&countries=mx").1, 2);
    assert_eq!(ids("/search/default?q=Guzman&countries=ru").1, 0);
    assert_eq!(ids("/search/test_sanctions?q=Guzman").1, 0);
    assert_eq!(ids("/search/default?q=Guzman&datasets=test_tco").1, 2);
    assert_eq!(
        ids("/search/default?q=Guzman&exclude_dataset=test_tco").1,
        0
    );
    // Paging: limit and offset walk the same ranked list; the total stays.
    let (all, _) = ids("/search/default?q=Guzman");
    let (first, t1) = ids("/search/default?q=Guzman&limit=1");
    let (second, t2) = ids("/search/default?q=Guzman&limit=1&offset=1");
    assert_eq!((t1, t2), (2, 2));
    assert_eq!(vec![first[0].clone(), second[0].clone()], all);
    assert!(ids("/search/default?q=Guzman&offset=5").0.is_empty());
}

#[test]
fn yentes_algorithm_names_are_answered_and_listed() {
    let w = World::start(store::testing::sqlite(), config());
    let token = w.token("analyst", Some("vetting"));
    let auth = Auth::Bearer(&token);
    let bout =
        json!({"queries": {"q": {"schema": "Person", "properties": {"name": "Viktor Bout"}}}});
    for (name, used) in [
        ("logic-v2", "cortina"),
        ("logic-v1", "cortina"),
        ("name-based", "cortina"),
        ("regression-v1", "cortina"),
        ("best", "cortina"),
        ("ofac", "ofac"),
        ("OFAC-249", "ofac"),
    ] {
        let r = w.post(&format!("/match/default?algorithm={name}"), &auth, &bout);
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        let body = r.json();
        check_shape(&body);
        assert_eq!(
            body["algorithm"]["requested"],
            name.to_lowercase(),
            "{body}"
        );
        assert_eq!(body["algorithm"]["used"], used, "{body}");
        assert_eq!(results(&body, "q")[0]["id"], "t-bout", "{name}: {body}");
        let detail = results(&body, "q")[0]["explanations"]["name"]["detail"].to_string();
        assert!(detail.contains(used), "{name}: {detail}");
    }
    // The OFAC algorithm documents its own features, not cortina's.
    let body = w.post("/match/default?algorithm=ofac", &auth, &bout).json();
    assert!(body["matcher"].get("birth_date").is_none(), "{body}");

    let r = w.get("/algorithms", &auth);
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["default"], "cortina");
    assert_eq!(body["best"], "cortina");
    let names: Vec<&str> = body["algorithms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    for want in [
        "cortina",
        "ofac",
        "logic-v1",
        "logic-v2",
        "name-based",
        "name-qualified",
        "regression-v1",
    ] {
        assert!(names.contains(&want), "{want}: {names:?}");
    }
    for a in body["algorithms"].as_array().unwrap() {
        assert!(a["features"]["name"]["description"].is_string(), "{a}");
        assert!(a["description"].is_string(), "{a}");
    }
    assert_eq!(w.get("/algorithms", &Auth::None).status, 401);
}
