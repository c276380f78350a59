//! The consultation log: an analyst's screening, a foreign screening
//! attempt and a commander's read of a declaration line show up with who,
//! when, channel, purpose, what was consulted and the result's size; the
//! log is found by name (in another script and order), document, record
//! and account, a page at a time; only oversight reads it, and each of its
//! questions is itself in the log; each row is committed to by its entry.

use serde_json::{Value, json};

use crate::world::{Auth, World, backends, config};

fn screening() -> Value {
    json!({"queries": {"q": {"schema": "Person", "properties": {
        "name": ["Viktor Bout"], "passportNumber": ["R 123-4567"]}}}})
}

#[test]
fn consultations_are_logged_and_only_oversight_reads_them() {
    for db in backends() {
        let w = World::start(db, config());
        crate::matrix::fixtures(&w);
        let cookie = |u: &str| w.login(u);
        let (analyst, commander, oversight, fr, operator) = (
            cookie("analyst"),
            cookie("commander"),
            cookie("oversight"),
            cookie("fr-liaison"),
            cookie("operator"),
        );
        let body = screening().to_string();
        // An analyst's screening through yente's /match, with its purpose.
        let r = w.send(
            "POST",
            "/match/default",
            &Auth::Cookie(&analyst),
            &[("X-Purpose", "accreditation check AC-7")],
            Some(&body),
        );
        assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
        // A foreign delegation's attempt: refused, and logged all the same.
        let r = w.send(
            "POST",
            "/match/default",
            &Auth::Cookie(&fr),
            &[("X-Purpose", "curiosity")],
            Some(&body),
        );
        assert!(r.status == 403 || r.status == 404, "{}", r.text());
        // A commander reads a declaration line.
        let r = w.send(
            "GET",
            "/api/v1/declarations/us-bout",
            &Auth::Cookie(&commander),
            &[("X-Purpose", "decision on case")],
            None,
        );
        assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
        let read_seq = r.json()["seq"].as_u64().unwrap();
        // The line's opaque id: the log names the record by it.
        let read = r.json();
        let bout = read["item"]["id"]
            .as_str()
            .or_else(|| read["id"].as_str())
            .unwrap_or_else(|| panic!("no id in {read}"))
            .to_owned();
        assert!(bout.starts_with("decl-"), "{bout}");

        let o = Auth::Cookie(&oversight);
        let id = |user: &str| w.block_on(w.svc.principal(user)).expect("principal").id;
        let ask = |q: &str| {
            let r = w.get(&format!("/api/v1/consultations{q}"), &o);
            assert_eq!(r.status, 200, "{}: {q}: {}", w.name, r.text());
            r.json()
        };
        // By name, in Cyrillic and the other order: both screenings and
        // the read of Bout's line (whose result names him).
        let before = w.ledger_size();
        let page = ask("?name=%D0%91%D1%83%D1%82%20%D0%92%D0%B8%D0%BA%D1%82%D0%BE%D1%80");
        assert_eq!(w.ledger_size(), before + 1, "the question is recorded");
        assert_eq!(
            w.entry(page["seq"].as_u64().unwrap()).action,
            "consultations.read"
        );
        let items = page["items"].as_array().unwrap();
        let screenings: Vec<&Value> = items
            .iter()
            .filter(|i| i["action"] == "screening.run")
            .collect();
        assert_eq!(screenings.len(), 2, "{}: {page}", w.name);
        let (fr_try, analyst_run) = (screenings[0], screenings[1]);
        assert_eq!(fr_try["account"], json!(id("fr-liaison")));
        assert_eq!(fr_try["username"], "fr-liaison");
        assert_eq!(fr_try["allowed"], false);
        assert_eq!(fr_try["purpose"], "curiosity");
        assert_eq!(analyst_run["account"], json!(id("analyst")));
        assert_eq!(analyst_run["allowed"], true);
        assert_eq!(analyst_run["channel"], "session");
        assert_eq!(analyst_run["purpose"], "accreditation check AC-7");
        // Its result size, noted after it ran; the refused one got nothing.
        assert!(
            analyst_run["result_size"].as_i64().unwrap() >= 1,
            "{analyst_run}"
        );
        assert_eq!(fr_try["result_size"], Value::Null);
        assert_eq!(
            analyst_run["query"]["queries"]["q"]["properties"]["name"][0],
            "Viktor Bout"
        );
        let read = items
            .iter()
            .find(|i| i["action"] == "declaration.read")
            .unwrap_or_else(|| panic!("{}: the read of us-bout: {page}", w.name));
        assert_eq!(read["seq"], json!(read_seq));
        assert_eq!(read["record"], json!(bout));
        assert_eq!(read["purpose"], "decision on case");
        assert_eq!(read["result_size"], 1);
        assert_eq!(read["account"], json!(id("commander")));
        // The time is the entry's.
        assert_eq!(read["time"], json!(w.entry(read_seq).time_ms));
        // Nobody else of that name.
        assert!(
            ask("?name=Walter%20Skinner")["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["action"] != "screening.run" && i["record"] != json!(bout))
        );
        // By document (normalised as the engine compares identifiers).
        // The question itself concerns that person too: it is found first.
        let by_doc = ask("?document=r1234567");
        let found: Vec<&Value> = by_doc["items"].as_array().unwrap().iter().collect();
        assert_eq!(found.len(), 5, "{by_doc}");
        assert_eq!(found[0]["seq"], by_doc["seq"]);
        assert_eq!(found[0]["action"], "consultations.read");
        // The screening of his declaration is a consultation too: on the
        // lists' snapshot, naming the line, with how many entries hit.
        let declared = found
            .iter()
            .find(|i| i["action"] == "declaration.submit")
            .unwrap_or_else(|| panic!("{}: the declaration's screening: {by_doc}", w.name));
        assert_eq!(declared["record_kind"], "lists", "{declared}");
        assert_eq!(
            declared["query"],
            json!(format!("declaration {bout}")),
            "{declared}"
        );
        assert!(declared["result_size"].as_i64().unwrap() >= 1, "{declared}");
        // By record, by account, by time.
        // By the label the delegation chose, and by the opaque id.
        // (The line was consulted twice: screened when declared, then read.)
        let by_record = ask("?record=us-bout");
        let actions: Vec<&Value> = by_record["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["action"])
            .collect();
        assert_eq!(
            actions,
            ["declaration.read", "declaration.submit"],
            "{by_record}"
        );
        let by_id = ask(&format!("?record={bout}"));
        assert_eq!(by_id["items"], by_record["items"]);
        let by_account = ask("?account=fr-liaison");
        assert!(
            by_account["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["account"] == json!(id("fr-liaison")))
        );
        assert_eq!(
            ask("?name=Viktor%20Bout&from=0&until=1")["items"],
            json!([])
        );
        // Oversight's own questions are in the log, with their query.
        let own = ask("?account=oversight&limit=2");
        let own_items = own["items"].as_array().unwrap();
        assert_eq!(own_items.len(), 2);
        assert_eq!(own_items[0]["action"], "consultations.read");
        assert_eq!(own_items[0]["query"]["account"], "oversight");
        // Keyset pages: newest first, no overlap, nothing left out.
        let first = ask("?limit=2");
        let next = first["next"].as_i64().expect("a next page");
        let second = ask(&format!("?limit=2&before={next}"));
        let a = first["items"].as_array().unwrap();
        let b = second["items"].as_array().unwrap();
        assert!(a[0]["seq"].as_i64() > a[1]["seq"].as_i64());
        assert!(a[1]["seq"].as_i64() > b[0]["seq"].as_i64());
        // Bad parameters.
        for q in ["?limit=0", "?limit=1001", "?colour=red", "?name=%2C%2C"] {
            let r = w.get(&format!("/api/v1/consultations{q}"), &o);
            assert_eq!(r.status, 400, "{q}: {}", r.text());
        }
        // Each row is what its entry committed to (`ledger verify`'s
        // check), and a changed purpose is caught.
        let pool = w.svc.store().pool();
        let rows = w
            .block_on(async {
                let mut conn = pool.acquire().await.unwrap();
                store::consultations::between(&mut conn, 0, i64::MAX).await
            })
            .unwrap();
        assert!(rows.len() >= 8, "{}", rows.len());
        w.block_on(w.svc.store().verify_stamps(&service::stamp_rules()))
            .unwrap_or_else(|e| panic!("{}: {e:?}", w.name));
        w.block_on(
            sqlx::query("UPDATE consultations SET payload = $1 WHERE seq = $2")
                .bind(br#"{"purpose":"routine"}"#.as_slice())
                .bind(read_seq as i64)
                .execute(pool),
        )
        .unwrap();
        let e = w
            .block_on(w.svc.store().verify_stamps(&service::stamp_rules()))
            .expect_err("a changed purpose is caught");
        assert_eq!(e.index, Some(read_seq), "{e:?}");
        // A consultation taken out of the log is caught too…
        w.block_on(
            sqlx::query("DELETE FROM consultations WHERE seq = $1")
                .bind(read_seq as i64)
                .execute(pool),
        )
        .unwrap();
        let e = w
            .block_on(w.svc.store().verify_stamps(&service::stamp_rules()))
            .expect_err("a deleted consultation is caught");
        assert_eq!(e.index, Some(read_seq), "{e:?}");
        assert!(e.message.contains("no row"), "{e:?}");
        // …and so is moving the log's epoch past it to hide that.
        w.block_on(
            sqlx::query("UPDATE consultation_epoch SET seq = $1")
                .bind(read_seq as i64 + 1)
                .execute(pool),
        )
        .unwrap();
        let e = w
            .block_on(w.svc.store().verify_stamps(&service::stamp_rules()))
            .expect_err("a moved epoch is caught");
        assert!(e.message.contains("epoch"), "{e:?}");
        // No name in clear among the subject digests.
        let subjects: Vec<String> = w
            .block_on(
                sqlx::query_scalar("SELECT subject FROM consultation_subjects").fetch_all(pool),
            )
            .unwrap();
        assert!(!subjects.is_empty());
        assert!(
            subjects
                .iter()
                .all(|s| !s.contains("bout") && !s.contains("viktor"))
        );

        // Nobody else reads the log: the host is told the rules, a
        // delegation nothing; each refusal recorded, and no item given.
        for (who, policies) in [
            (&commander, true),
            (&analyst, true),
            (&operator, true),
            (&fr, false),
        ] {
            let before = w.ledger_size();
            let r = w.get(
                "/api/v1/consultations?name=Viktor%20Bout",
                &Auth::Cookie(who),
            );
            assert_eq!(r.status, 403, "{}", r.text());
            let body = r.json();
            assert!(body.get("items").is_none(), "{body}");
            assert_eq!(body["error"].get("policies").is_some(), policies);
            assert_eq!(w.ledger_size(), before + 1);
            let page = w.get("/consultations?name=Viktor%20Bout", &Auth::Cookie(who));
            assert_eq!(page.status, 403);
            assert!(!page.text().contains("accreditation check AC-7"));
        }
        assert_eq!(w.get("/api/v1/consultations", &Auth::None).status, 401);

        // The page: the same log, for oversight.
        let page = w.get("/consultations?name=Viktor+Bout", &o);
        assert_eq!(page.status, 200, "{}", page.text());
        let html = page.text();
        assert!(html.contains("accreditation check AC-7"), "{html}");
        assert!(html.contains("fr-liaison") && html.contains("refused"));
        let home = w.get("/home", &o).text();
        assert!(home.contains("href=\"/consultations\""));
        assert!(
            !w.get("/home", &Auth::Cookie(&commander))
                .text()
                .contains("href=\"/consultations\"")
        );
    }
}
