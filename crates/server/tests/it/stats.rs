//! Statistics without personal data: counts per day or week and agency,
//! never a figure under 5 nor one that a total would give away; the
//! pre-aggregated cells follow the ledger; oversight only (each read
//! recorded); JSON, CSV and the page.

use serde_json::{Value, json};

use crate::world::{Auth, World, backends, config};

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn statistics_hide_small_cells_and_are_for_oversight_only() {
    for db in backends() {
        let w = World::start(db, config());
        crate::matrix::fixtures(&w);
        w.account("analyst-q", "host_analyst", "questura-milano", None);
        let (analyst, analyst_q, oversight, commander, fr) = (
            w.login("analyst"),
            w.login("analyst-q"),
            w.login("oversight"),
            w.login("commander"),
            w.login("fr-liaison"),
        );
        let agency = |user: &str| w.block_on(w.svc.principal(user)).unwrap().agency_id;
        let (a1, a2) = (agency("analyst"), agency("analyst-q"));
        assert_ne!(a1, a2);
        let body = json!({"queries": {"q": {"schema": "Person",
            "properties": {"name": ["Giuseppe Verdi"]}}}})
        .to_string();
        let screen = |cookie: &str| {
            let r = w.send(
                "POST",
                "/match/default",
                &Auth::Cookie(cookie),
                &[("X-Purpose", "statistics test")],
                Some(&body),
            );
            assert_eq!(r.status, 200, "{}", r.text());
        };
        let o = Auth::Cookie(&oversight);
        let read = |q: &str| {
            let r = w.get(&format!("/api/v1/stats{q}"), &o);
            assert_eq!(r.status, 200, "{}: {q}: {}", w.name, r.text());
            r.json()
        };
        let screenings = |stats: &Value| -> Vec<(String, Option<i64>)> {
            stats["cells"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["metric"] == "screening" && c["key"] == "")
                .map(|c| (c["agency"].as_str().unwrap().to_owned(), c["n"].as_i64()))
                .collect()
        };
        let never_small = |stats: &Value| {
            for c in stats["cells"].as_array().unwrap() {
                assert!(
                    c["n"].is_null() || c["n"].as_i64().unwrap() >= 5,
                    "{}: a small cell shown: {c}",
                    w.name
                );
            }
        };
        for _ in 0..7 {
            screen(&analyst);
        }
        // 7 by one agency: shown, with the total.
        let first = read("");
        never_small(&first);
        let s = screenings(&first);
        assert!(s.contains(&(a1.clone(), Some(7))), "{}: {s:?}", w.name);
        assert!(s.contains(&("*".to_owned(), Some(7))), "{s:?}");
        let seq = first["seq"].as_u64().unwrap();
        assert_eq!(w.entry(seq).action, "stats.read");
        // 2 by another: hidden, and the 7 with it (9 − 7 would give 2 away);
        // the total stays.
        screen(&analyst_q);
        screen(&analyst_q);
        let second = read("");
        never_small(&second);
        let s = screenings(&second);
        assert!(s.contains(&(a1.clone(), None)), "{s:?}");
        assert!(s.contains(&(a2.clone(), None)), "{s:?}");
        assert!(s.contains(&("*".to_owned(), Some(9))), "{s:?}");
        // Three more by the second agency: 7 and 5, both shown.
        for _ in 0..3 {
            screen(&analyst_q);
        }
        let third = read("?period=week");
        never_small(&third);
        let s = screenings(&third);
        assert!(s.contains(&(a1.clone(), Some(7))), "{s:?}");
        assert!(s.contains(&(a2.clone(), Some(5))), "{s:?}");
        assert!(s.contains(&("*".to_owned(), Some(12))), "{s:?}");
        assert_eq!(third["period"], "week");
        assert_eq!(third["k"], 5);
        // Failed logins and denials are counted too (hidden while few).
        for _ in 0..5 {
            let r = w.post(
                "/api/v1/session",
                &Auth::None,
                &json!({"username": "fr-liaison", "password": "wrong"}),
            );
            assert!(r.status == 401 || r.status == 429, "{}", r.text());
        }
        let fourth = read("");
        never_small(&fourth);
        assert!(
            fourth["cells"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["metric"] == "login_failed" && c["agency"] == "*")
        );
        // Nothing before the first entry.
        assert_eq!(read("?from=0&until=86400000")["cells"], json!([]));
        // CSV: hidden counts as "<5", never a small number.
        let csv = w.get("/api/v1/stats?format=csv", &o);
        assert_eq!(csv.status, 200);
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        let text = csv.text();
        assert!(text.starts_with("period,agency,metric,key,n\n"), "{text}");
        for line in text.lines().skip(1) {
            let n = line.rsplit(',').next().unwrap();
            assert!(
                n == "suppressed"
                    || n.parse::<i64>().is_ok_and(|n| n >= 5)
                    || line.contains("decision_time"),
                "{line}"
            );
        }
        // One agency's figures, or the totals only: the same figures as in
        // the whole table (what is hidden does not depend on the filter).
        let all = read("?period=week");
        let names: Vec<&str> = all["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert!(
            names.contains(&a1.as_str()) && names.contains(&a2.as_str()),
            "{names:?}"
        );
        for only in ["*", a1.as_str()] {
            let one = read(&format!("?period=week&agency={}", urlencode(only)));
            let cells = one["cells"].as_array().unwrap();
            assert!(!cells.is_empty(), "{only}");
            assert!(cells.iter().all(|c| c["agency"] == only), "{only}: {one}");
            for c in cells {
                assert!(
                    all["cells"].as_array().unwrap().contains(c),
                    "{c} not in the whole table"
                );
            }
        }
        assert_eq!(read("?agency=nobody")["cells"], json!([]));
        // An empty range (from at or after until) is no figure, not an error.
        for q in ["?from=5&until=5", "?from=86400000&until=0"] {
            let r = w.get(&format!("/api/v1/stats{q}"), &o);
            assert_eq!(r.status, 200, "{q}: {}", r.text());
            assert_eq!(r.json()["cells"], json!([]), "{q}");
        }
        // The ends of time are ranges like any other.
        for q in [
            "?until=9223372036854775807",
            "?from=-9223372036854775808&until=9223372036854775807",
        ] {
            assert_eq!(w.get(&format!("/api/v1/stats{q}"), &o).status, 200, "{q}");
        }
        // Bad parameters.
        for q in ["?period=month", "?format=xml", "?colour=red"] {
            assert_eq!(w.get(&format!("/api/v1/stats{q}"), &o).status, 400, "{q}");
        }
        // Nobody else: refused, recorded, no figure given.
        for (who, policies) in [(&commander, true), (&analyst, true), (&fr, false)] {
            let before = w.ledger_size();
            let r = w.get("/api/v1/stats", &Auth::Cookie(who));
            assert_eq!(r.status, 403, "{}", r.text());
            let body = r.json();
            assert!(body.get("cells").is_none(), "{body}");
            assert_eq!(body["error"].get("policies").is_some(), policies);
            assert_eq!(w.ledger_size(), before + 1);
            assert_eq!(w.get("/stats", &Auth::Cookie(who)).status, 403);
        }
        // The page: the totals by default, one agency on demand, between
        // two dates (the last one included); the CSV link exports what is
        // shown.
        let page = w.get("/stats?period=week", &o);
        assert_eq!(page.status, 200, "{}", page.text());
        let html = page.text();
        assert!(
            html.contains("screening")
                && html.contains("/api/v1/stats?format=csv&#38;period=week&#38;agency=*"),
            "{html}"
        );
        let rows = |html: &str| -> Vec<String> {
            html.split("<tr")
                .skip(2)
                .take_while(|r| !r.contains("</table>") || r.contains("<td>"))
                .filter(|r| r.contains("<td>"))
                .map(|r| {
                    r.split("<td>")
                        .nth(4)
                        .unwrap_or("")
                        .split('<')
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .collect()
        };
        let totals = rows(&html);
        assert!(
            !totals.is_empty() && totals.iter().all(|a| a == "all"),
            "{totals:?}"
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let today = domain::time::Timestamp::from_millis(now).date().to_string();
        let one = w.get(
            &format!(
                "/stats?agency={}&from={today}&until={today}",
                urlencode(&a1)
            ),
            &o,
        );
        assert_eq!(one.status, 200, "{}", one.text());
        let agencies = rows(&one.text());
        assert!(
            !agencies.is_empty() && agencies.iter().all(|a| *a == a1),
            "{agencies:?}"
        );
        for bad in ["?from=2026-13-01", "?until=yesterday"] {
            assert_eq!(w.get(&format!("/stats{bad}"), &o).status, 400, "{bad}");
        }
    }
}
