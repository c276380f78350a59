//! Need-to-know over HTTP (DESIGN.md, "Who may know what"): a delegation
//! never learns how its people screened, whether a case exists or why a
//! line was refused; nobody outside the host can tell a record it may not
//! see from one that does not exist; another delegation's declarations
//! never surface as a "duplicate"; every such attempt is in the ledger
//! with the id it named kept only as a keyed digest. Each test asserts on
//! the response *contents*, not only on the status.

use serde_json::{Value, json};

use crate::world::{Auth, World, backends, config};

/// Words that would tell a delegation something about vetting.
const VETTING_WORDS: &[&str] = &["screening", "\"hit\"", "case-", "vetting", "snapshot"];

fn person(name: &str, birth: &str, nationality: &str, document: &str) -> Value {
    json!({"name": name, "birth_date": birth, "nationality": nationality, "document": document,
           "role": "liaison", "weapons": [], "vehicles": []})
}

/// `text` says nothing about screening or vetting.
#[track_caller]
fn says_nothing_of_vetting(what: &str, text: &str) {
    for word in VETTING_WORDS {
        assert!(!text.contains(word), "{what} mentions {word}: {text}");
    }
}

fn item<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {list}"))
}

#[test]
fn a_delegation_never_learns_how_its_people_screened() {
    for db in backends() {
        let w = World::start(db, config());
        let us = w.login("us-liaison");
        let us = Auth::Cookie(&us);
        let commander = w.login("commander");
        let commander = Auth::Cookie(&commander);
        let purpose = [("X-Purpose", "review")];
        // A listed person and a clean one, declared over HTTP: the answers
        // are alike, and neither mentions screening.
        let mut answers = Vec::new();
        let mut ids = std::collections::HashMap::new();
        for (id, p) in [
            (
                "us-bout",
                person("Viktor Anatolyevich Bout", "1967-01-13", "RU", "R1234567"),
            ),
            (
                "us-clean",
                person("Walter Skinner", "1961-04-12", "US", "P4567890"),
            ),
        ] {
            let r = w.post("/api/v1/declarations", &us, &json!({"id": id, "person": p}));
            assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
            says_nothing_of_vetting("the submit's answer", &r.text());
            let body = r.json();
            assert_eq!(body["state"], "submitted", "{}", w.name);
            assert!(body["data"].is_null(), "{}", w.name);
            // The line's id is opaque (the label names it in commands).
            let opaque = body["id"].as_str().unwrap().to_owned();
            assert!(opaque.starts_with("decl-"), "{opaque}");
            ids.insert(id, opaque);
            answers.push(body);
        }
        // Alike but for the entry and the id: a hit changes nothing in the
        // answer (no extra field, no other state).
        let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
        assert_eq!(keys(&answers[0]), keys(&answers[1]), "{answers:?}");
        assert_eq!(
            (
                &answers[0]["action"],
                &answers[0]["kind"],
                &answers[0]["state"]
            ),
            (
                &answers[1]["action"],
                &answers[1]["kind"],
                &answers[1]["state"]
            ),
        );
        // The host sees the hit and its case.
        let host = w.get("/api/v1/declarations", &commander).json();
        assert_eq!(
            item(&host, &ids["us-bout"])["screening"]["screening"],
            "hit"
        );
        assert_eq!(
            item(&host, &ids["us-clean"])["screening"]["screening"],
            "clear"
        );
        // The delegation's list and reads: the same shape for both people,
        // nothing about screening.
        let mine = w.get("/api/v1/declarations", &us);
        assert_eq!(mine.status, 200);
        says_nothing_of_vetting("the delegation's list", &mine.text());
        let mine = mine.json();
        for id in ["us-bout", "us-clean"] {
            let line = item(&mine, &ids[id]);
            assert_eq!(line["state"], "submitted", "{line}");
            let mut keys: Vec<&String> = line.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(
                keys,
                ["delegation", "head", "id", "role", "state", "updated_seq"],
                "{line}"
            );
            let r = w.send(
                "GET",
                &format!("/api/v1/declarations/{id}"),
                &us,
                &purpose,
                None,
            );
            assert_eq!(r.status, 200, "{}", r.text());
            says_nothing_of_vetting("the delegation's read", &r.text());
            assert_eq!(r.json()["data"]["state"], "submitted");
        }
        // The case is not the delegation's: no list item, and a note is
        // answered like a case that does not exist.
        let cases = w.get("/api/v1/vetting-cases", &commander).json();
        let case = cases["items"][0]["id"].as_str().unwrap().to_owned();
        let theirs = w.get("/api/v1/vetting-cases", &us);
        assert_eq!(theirs.json()["items"], json!([]), "{}", theirs.text());
        let note = json!({"text": "He is our officer's namesake."});
        let before = w.post(&format!("/api/v1/vetting-cases/{case}/notes"), &us, &note);
        let missing = w.post("/api/v1/vetting-cases/case-none/notes", &us, &note);
        assert_eq!((before.status, missing.status), (404, 404));
        assert_eq!(shape(&before.json()), shape(&missing.json()));
        // Shared by the commander, as a registered disclosure: now the
        // delegation sees the host's question (and nothing else) and may
        // add a note, answered "recorded" without the case's state.
        let r = w.post(
            &format!("/api/v1/vetting-cases/{case}/share"),
            &commander,
            &json!({"delegation": "us", "legal_basis": "Liaison agreement, art. 4",
                    "question": "Is this person known to your service?"}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let theirs = w.get("/api/v1/vetting-cases", &us).json();
        assert_eq!(
            theirs["items"],
            json!([{"id": case, "declaration": ids["us-bout"],
                    "question": "Is this person known to your service?"}]),
        );
        let r = w.post(&format!("/api/v1/vetting-cases/{case}/notes"), &us, &note);
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.json()["state"].is_null(), "{}", r.text());
        // A refusal reaches the delegation without its reason; a withdrawal
        // is the delegation's own.
        let r = w.post(
            "/api/v1/declarations/us-clean/refuse",
            &commander,
            &json!({"reason": "Undisclosed prior conviction"}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let r = w.send("GET", "/api/v1/declarations/us-clean", &us, &purpose, None);
        assert_eq!(r.json()["data"]["state"], "refused", "{}", r.text());
        assert!(!r.text().contains("conviction"), "{}", r.text());
        let r = w.post("/api/v1/declarations/us-bout/withdraw", &us, &json!({}));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["state"], "withdrawn");
        let r = w.get("/api/v1/declarations", &us);
        says_nothing_of_vetting("the list after all that", &r.text());
    }
}

/// The keys of an error body and the kinds of their values.
fn shape(body: &Value) -> Vec<(String, &'static str)> {
    body["error"]
        .as_object()
        .expect("an error body")
        .iter()
        .map(|(k, v)| {
            let kind = match v {
                Value::String(_) => "string",
                Value::Number(_) => "number",
                _ => "other",
            };
            (k.clone(), kind)
        })
        .collect()
}

#[test]
fn another_delegations_record_answers_like_a_missing_one_and_the_probe_is_recorded() {
    for db in backends() {
        let w = World::start(db, config());
        w.ok(
            "fr-liaison",
            json!({"action": "rfi.draft", "id": "fr-rfi-1", "kind": "information", "priority": "normal",
                   "subject": "Plate", "body": "Who owns AB123CD?"}),
        );
        let us = w.login("us-liaison");
        let us = Auth::Cookie(&us);
        let purpose = [("X-Purpose", "probe")];
        for (path, body) in [
            ("/api/v1/requests/{id}", None),
            (
                "/api/v1/requests/{id}/cancel",
                Some(json!({"reason": "Not ours"})),
            ),
            ("/api/v1/requests/{id}/submit", Some(json!({}))),
        ] {
            let mut answers = Vec::new();
            for id in ["fr-rfi-1", "fr-rfi-9"] {
                let path = path.replace("{id}", id);
                let before = w.ledger_size();
                let r = match &body {
                    None => w.send("GET", &path, &us, &purpose, None),
                    Some(b) => w.post(&path, &us, b),
                };
                assert_eq!(r.status, 404, "{}: {path}: {}", w.name, r.text());
                let error = r.json()["error"].clone();
                assert_eq!(error["code"], "not_found", "{path}");
                assert!(error.get("policies").is_none(), "{path}: {error}");
                assert!(!r.text().contains(id), "{path} echoes the id: {}", r.text());
                // Recorded either way, the id only as a keyed digest.
                assert_eq!(w.ledger_size(), before + 1, "{path}");
                let seq = error["seq"].as_u64().expect("the attempt's entry");
                let entry = w.entry(seq);
                assert_eq!(entry.decision, ledger::Decision::Deny, "{path}");
                assert!(entry.resource.id.starts_with("hmac:"), "{entry:?}");
                assert!(!entry.resource.id.contains(id), "{entry:?}");
                answers.push((error["message"].clone(), shape(&r.json())));
            }
            assert_eq!(answers[0], answers[1], "{path}: the answers differ");
        }
        // The host still hears the rules and sees a missing id as missing.
        let commander = w.login("commander");
        let r = w.send(
            "GET",
            "/api/v1/requests/fr-rfi-9",
            &Auth::Cookie(&commander),
            &purpose,
            None,
        );
        assert_eq!(r.status, 404, "{}", r.text());
        assert!(r.text().contains("fr-rfi-9"), "{}", r.text());
        let r = w.post(
            "/api/v1/tasks",
            &Auth::Cookie(&w.login("oversight")),
            &json!({"title": "Look", "details": "Here", "unit": "questura-milano"}),
        );
        assert_eq!(r.status, 404, "{}", r.text());
    }
}

#[test]
fn duplicates_across_delegations_go_to_the_host_and_ids_stay_in_their_namespace() {
    for db in backends() {
        let w = World::start(db, config());
        let officer = person("Marc Dupont", "1980-05-05", "FR", "F1111111");
        let fr_line = w
            .ok(
                "fr-liaison",
                json!({"action": "declaration.submit", "id": "fr-officer-1", "person": officer}),
            )
            .id;
        let us = w.login("us-liaison");
        let us = Auth::Cookie(&us);
        // The same name and birth date declared by the US: accepted, and
        // the answer says nothing of the French line.
        let mut same = officer.clone();
        same["nationality"] = json!("US");
        same["document"] = json!("P5550000");
        let r = w.post("/api/v1/declarations", &us, &json!({"person": same}));
        assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
        assert!(!r.text().contains("fr-officer-1"), "{}", r.text());
        assert!(!r.text().contains(&fr_line), "{}", r.text());
        assert!(!r.text().contains("duplicate"), "{}", r.text());
        let line = r.json()["id"].as_str().unwrap().to_owned();
        // The host sees the flag; the US never does.
        let commander = w.login("commander");
        let host = w
            .get("/api/v1/declarations", &Auth::Cookie(&commander))
            .json();
        assert_eq!(item(&host, &line)["possible_duplicate"], fr_line.as_str());
        let mine = w.get("/api/v1/declarations", &us);
        assert!(!mine.text().contains("fr-officer-1"), "{}", mine.text());
        assert!(!mine.text().contains(&fr_line), "{}", mine.text());
        assert!(!mine.text().contains("duplicate"), "{}", mine.text());
        // Within a delegation a duplicate is still refused (its own lines):
        // a conflict with a line on record.
        let r = w.post(
            "/api/v1/declarations",
            &Auth::Cookie(&w.login("fr-liaison")),
            &json!({"person": officer}),
        );
        assert_eq!(r.status, 409, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "conflict", "{}", r.text());
        // An id a delegation chooses is in its own namespace, so "taken"
        // never names another delegation's record.
        for (path, body) in [
            (
                "/api/v1/declarations",
                json!({"id": "fr-officer-1", "person": person("A B", "1970-01-01", "US", "P1")}),
            ),
            (
                "/api/v1/requests",
                json!({"id": "fr-rfi-1", "kind": "information", "priority": "normal",
                       "subject": "S", "body": "B"}),
            ),
            (
                "/api/v1/liaison-reports",
                json!({"id": "x-1", "text": "Smoke at gate 2"}),
            ),
        ] {
            // Not the delegation's to choose: a conflict, like a taken id,
            // whatever exists there.
            let r = w.post(path, &us, &body);
            assert_eq!(r.status, 409, "{path}: {}", r.text());
            assert_eq!(r.json()["error"]["code"], "conflict", "{path}");
            assert!(r.text().contains("us-"), "{path}: {}", r.text());
        }
    }
}

#[test]
fn answers_state_their_personal_data_and_lists_in_commands_are_capped() {
    for db in backends() {
        let w = World::start(db, config());
        let operator = w.login("operator");
        let operator = Auth::Cookie(&operator);
        // An answer that does not say whether it carries personal data is
        // refused before anything runs.
        let before = w.ledger_size();
        let r = w.command(
            &operator,
            json!({"action": "rfi.answer", "id": "us-rfi-1", "text": "Registered to Mario Rossi."}),
        );
        assert_eq!(r.status, 400, "{}: {}", w.name, r.text());
        let r = w.command(
            &operator,
            json!({"action": "rfi.answer", "id": "us-rfi-1", "text": "x",
                   "disclosure": {"personal_data": true, "categories": ["identity"]}}),
        );
        assert_eq!(r.status, 400, "{}", r.text());
        // A movement with more agents than any escort has: 400, unrecorded.
        let agents: Vec<String> = (0..65).map(|i| format!("us-agent-{i}")).collect();
        let r = w.command(
            &operator,
            json!({"action": "movement.plan", "protectee": "vp",
                   "stops": [{"venue": "san-siro", "at": 1_769_400_000_000i64}],
                   "window": {"from": 1_769_390_000_000i64, "until": 1_769_410_000_000i64},
                   "lead": "polizia-di-stato", "agents": agents}),
        );
        assert_eq!(r.status, 400, "{}", r.text());
        assert!(r.text().contains("at most 64"), "{}", r.text());
        assert_eq!(w.ledger_size(), before);
    }
}

#[test]
fn risk_information_comes_as_a_report_about_a_person_which_the_host_attaches() {
    for db in backends() {
        let w = World::start(db, config());
        w.ok(
            "us-liaison",
            json!({"action": "declaration.submit", "id": "us-bout",
                   "person": person("Viktor Anatolyevich Bout", "1967-01-13", "RU", "R1234567")}),
        );
        let us = w.login("us-liaison");
        let us = Auth::Cookie(&us);
        let r = w.post(
            "/api/v1/liaison-reports",
            &us,
            &json!({"id": "us-lr-bout", "text": "Our service links this man to arms brokering.",
                    "subject": {"name": "Viktor Bout", "birth_date": "1967-01-13", "nationality": "RU"}}),
        );
        assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
        // Personal data: the report's entry commits to a salted document.
        let entry = w.entry(r.json()["seq"].as_u64().unwrap());
        assert!(entry.personal_data.is_some(), "{entry:?}");
        let analyst = w.login("analyst");
        let analyst = Auth::Cookie(&analyst);
        let cases = w.get("/api/v1/vetting-cases", &analyst).json();
        let case = cases["items"][0]["id"].as_str().unwrap().to_owned();
        let r = w.post(
            &format!("/api/v1/vetting-cases/{case}/attach-report"),
            &analyst,
            &json!({"report": "us-lr-bout"}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let r = w.send(
            "GET",
            &format!("/api/v1/vetting-cases/{case}"),
            &analyst,
            &[("X-Purpose", "review")],
            None,
        );
        assert_eq!(r.json()["data"]["reports"][0]["report"], "us-lr-bout");
        // The delegation still learns nothing of the case.
        let theirs = w.get("/api/v1/vetting-cases", &us);
        assert_eq!(theirs.json()["items"], json!([]), "{}", theirs.text());
    }
}
