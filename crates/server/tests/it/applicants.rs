//! Issue 12 over HTTP: the organiser's bulk intake (its own body limit),
//! the analysts' queue, the opinions page and the CSV export — and what
//! the organiser and a foreign liaison may never see (score, list, case).

use serde_json::{Value, json};

use crate::world::{Auth, World, backends, config};

fn rows(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let name = if i == 1 {
                "Viktor Anatolyevich Bout".to_owned()
            } else {
                format!("Giulia Ferrari{}", "i".repeat(i % 7))
            };
            // The listed person comes without birth date or nationality:
            // screened by name alone.
            let (birth, nationality) = if i == 1 {
                ("", "")
            } else {
                ("1980-05-06", "IT")
            };
            json!({"reference": format!("H-{i}"), "name": name, "birth_date": birth,
                   "nationality": nationality, "document_type": "passport",
                   "document_number": format!("YB{i:06}"), "category": "volunteer",
                   "venues": "san-siro", "zones": "zone-1"})
        })
        .collect()
}

#[test]
fn intake_queue_opinions_and_export_over_http() {
    for db in backends() {
        let w = World::start(db, config());
        w.add_every_role();
        let organiser = w.login("organiser");
        let org = Auth::Cookie(&organiser);
        // 6,000 rows: beyond the server's usual body limit, within this route's.
        let mut batch = rows(6000);
        batch.push(json!({"reference": "H-bad", "name": ""}));
        let r = w.post("/api/v1/applicants", &org, &json!({ "applicants": batch }));
        assert_eq!(r.status, 200, "{}", r.text());
        let data = &r.json()["data"];
        assert_eq!(data["created"], 6000, "{data}");
        assert_eq!(data["refused"][0]["line"], 6001);
        assert_eq!(data["refused"][0]["field"], "name");
        for word in ["case", "score", "list", "Bout", "snapshot"] {
            assert!(!r.text().contains(word), "{word}: {}", r.text());
        }

        // The opinions, by keyset pages.
        let mut seen = 0;
        let mut after: Option<i64> = None;
        let mut pending = Vec::new();
        loop {
            let path = match after {
                Some(a) => format!("/api/v1/applicants?limit=2500&after={a}"),
                None => "/api/v1/applicants?limit=2500".to_owned(),
            };
            let page = w.get(&path, &org);
            assert_eq!(page.status, 200, "{}", page.text());
            let body = page.json();
            for item in body["items"].as_array().unwrap() {
                let mut keys: Vec<&str> = item
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                keys.sort_unstable();
                assert_eq!(keys, ["decided_at", "opinion", "reference"], "{item}");
                if item["opinion"] == "pending" {
                    pending.push(item["reference"].as_str().unwrap().to_owned());
                }
                seen += 1;
            }
            match body["next"].as_i64() {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, 6000);
        assert_eq!(pending, ["H-1"]);

        // The analyst's queue: the case, with its facts, no personal data.
        let analyst = w.login("analyst");
        let an = Auth::Cookie(&analyst);
        let q = w
            .get("/api/v1/vetting-queue?category=volunteer", &an)
            .json();
        let items = q["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{q}");
        let case = items[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(items[0]["list"], "test_sanctions");
        assert!(!q.to_string().contains("Bout"), "{q}");
        let none = w.get("/api/v1/vetting-queue?category=media", &an).json();
        assert!(none["items"].as_array().unwrap().is_empty());
        // The organiser and a foreign liaison see an empty queue.
        for user in ["organiser", "us-liaison"] {
            let c = w.login(user);
            let q = w.get("/api/v1/vetting-queue", &Auth::Cookie(&c));
            assert_eq!(q.status, 200);
            assert_eq!(q.json()["items"], json!([]), "{user}");
            assert!(q.json()["stats"].is_null(), "{user}");
            // Nor any applicant's opinion but the organiser's own.
            let a = w.get("/api/v1/applicants", &Auth::Cookie(&c));
            if user == "us-liaison" {
                assert_eq!(a.json()["items"], json!([]));
            }
            // No case is readable.
            let r = w.send(
                "GET",
                &format!("/api/v1/vetting-cases/{case}"),
                &Auth::Cookie(&c),
                &[("X-Purpose", "curious")],
                None,
            );
            assert_eq!(r.status, 404, "{user}: {}", r.text());
            assert!(!r.text().contains("Bout") && !r.text().contains("score"));
        }

        // Claim, propose, confirm: the organiser's export says objection,
        // and nothing else.
        let claimed = w.post(
            &format!("/api/v1/vetting-cases/{case}/claim"),
            &an,
            &json!({}),
        );
        assert_eq!(claimed.status, 200, "{}", claimed.text());
        let r = w.post(
            &format!("/api/v1/vetting-cases/{case}/propose-refusal"),
            &an,
            &json!({"reason": "the listed arms dealer: same name, nationality aside"}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let commander = w.login("commander");
        let r = w.post(
            &format!("/api/v1/vetting-cases/{case}/confirm-refusal"),
            &Auth::Cookie(&commander),
            &json!({"reason": "confirmed by the board"}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let csv = w.get("/api/v1/applicants?format=csv", &org);
        assert_eq!(csv.status, 200);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        let text = csv.text();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("reference,opinion,decided_at"));
        assert_eq!(text.lines().count(), 6001);
        let bout = text.lines().find(|l| l.starts_with("H-1,")).unwrap();
        assert!(bout.starts_with("H-1,objection,20"), "{bout}");
        for word in ["arms", "board", "Bout", "case", "test_sanctions", "0."] {
            assert!(!text.contains(word), "{word} in the export");
        }
        let stats = w.get("/api/v1/vetting-queue?state=refused", &an).json();
        assert_eq!(stats["stats"]["by_state"]["refused"], 1, "{stats}");
    }
}
