//! The commander's home on a store with more than a thousand open requests
//! and open incidents (issue 11): the database orders, limits and counts
//! by the records' board columns, so the board shows the requests with the
//! least time left, the approvals queue every answer awaiting approval,
//! and each room the count of all its open incidents (once capped at
//! 1,000 by the shared list size). On every backend.

use serde_json::json;

use crate::ui::page_login;
use crate::world::{Auth, World, backends, config};

/// The `data-id`s of the requests board's rows, in order.
fn board_ids(html: &str) -> Vec<String> {
    let Some(start) = html.find("<table id=\"requests\">") else {
        return Vec::new();
    };
    let table = &html[start..];
    let table = &table[..table.find("</table>").unwrap_or(table.len())];
    table
        .split("<tr data-id=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap_or(0)].to_owned())
        .collect()
}

/// The section of `html` headed `heading` (up to the next section).
fn section<'a>(html: &'a str, heading: &str) -> &'a str {
    let Some(start) = html.find(heading) else {
        return "";
    };
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

#[test]
fn the_home_orders_and_counts_more_than_a_thousand_requests_and_incidents() {
    for db in backends() {
        let w = World::start(db, config());
        let n = w.name;
        w.ok(
            "commander",
            json!({"action": "room.create", "id": "rome", "name": "Rome", "kind": "host_national"}),
        );
        // 1,001 open incidents of severity 2, then two of severity 5 (the
        // newest: a cap on the newest thousand would drop the oldest), an
        // entry that is no incident and incidents that are closed.
        let log = |id: String, category: &str, severity: u8| {
            w.ok(
                "operator",
                json!({"action": "log.record", "id": id, "room": "rome", "category": category,
                       "severity": severity, "text": "Crowd at gate 4"}),
            );
        };
        for i in 0..1001 {
            log(format!("log-s2-{i}"), "incident", 2);
        }
        for i in 0..2 {
            log(format!("log-s5-{i}"), "incident", 5);
        }
        log("log-info".into(), "information", 4);
        for i in 0..3 {
            log(format!("log-closed-{i}"), "incident", 4);
            w.ok(
                "commander",
                json!({"action": "log.close", "id": format!("log-closed-{i}")}),
            );
        }

        // 1,010 normal requests (7 days), then 10 urgent ones (3 days: the
        // least time left though the newest), two drafts (no deadline), a
        // cancelled one, one answered with personal data (the approvals
        // queue) and three of another delegation.
        let request = |user: &str, id: String, priority: &str, submit: bool| {
            w.ok(
                user,
                json!({"action": "rfi.draft", "id": id, "kind": "information", "priority": priority,
                       "subject": format!("Vehicle {id}"), "body": "Registered keeper?"}),
            );
            if submit {
                w.ok(user, json!({"action": "rfi.submit", "id": id}));
            }
        };
        request("us-liaison", "us-answered".into(), "normal", true);
        for i in 0..1010 {
            request("us-liaison", format!("us-normal-{i:04}"), "normal", true);
        }
        for i in 0..10 {
            request("us-liaison", format!("us-urgent-{i}"), "urgent", true);
        }
        for i in 0..2 {
            request("us-liaison", format!("us-draft-{i}"), "normal", false);
        }
        request("us-liaison", "us-cancelled".into(), "urgent", true);
        w.ok(
            "us-liaison",
            json!({"action": "rfi.cancel", "id": "us-cancelled", "reason": "Found it"}),
        );
        for i in 0..3 {
            request("fr-liaison", format!("fr-rfi-{i}"), "normal", true);
        }
        for action in [
            json!({"action": "rfi.acknowledge", "id": "us-answered"}),
            json!({"action": "rfi.accept", "id": "us-answered", "unit": "polizia-di-stato"}),
            json!({"action": "rfi.start", "id": "us-answered"}),
            json!({"action": "rfi.answer", "id": "us-answered", "text": "Registered to Mario Rossi.",
                   "disclosure": {"personal_data": true, "legal_basis": "Directive (EU) 2023/977 art. 5",
                                  "categories": ["identity"]}}),
        ] {
            w.ok("operator", action);
        }

        let commander = page_login(&w, "commander");
        let home = w.get("/home", &Auth::Cookie(&commander));
        assert_eq!(home.status, 200, "{n}: {}", home.text());
        let html = home.text();
        let rooms = section(&html, "id=\"h-rooms\"");
        assert!(
            rooms.contains("S5 ×2, S2 ×1001</td>"),
            "{n}: every open incident counted: {rooms}"
        );
        let ids = board_ids(&html);
        let mut expected: Vec<String> = (0..10).map(|i| format!("us-urgent-{i}")).collect();
        expected.extend((0..40).map(|i| format!("us-normal-{i:04}")));
        assert_eq!(ids, expected, "{n}: least time left first, 50 of them");
        let approvals = section(&html, "id=\"h-approvals\"");
        assert!(approvals.contains("(us-answered)"), "{n}: {approvals}");
        assert!(approvals.contains("/do/rfi.approve_disclosure"), "{n}");
        // Open: 1 answered + 1,010 + 10 + 2 drafts + 3 of fr; 50 shown, 1
        // in the approvals queue.
        let more = 1 + 1010 + 10 + 2 + 3 - 50 - 1;
        assert!(
            html.contains(&format!("{more} more, with more time left")),
            "{n}: {more} more"
        );

        // The liaison sees its delegation's requests only, none to approve:
        // its answered request waits on its board in deadline order.
        let liaison = page_login(&w, "us-liaison");
        let html = w.get("/home", &Auth::Cookie(&liaison)).text();
        assert!(!html.contains("id=\"h-approvals\""), "{n}");
        let ids = board_ids(&html);
        assert_eq!(ids.len(), 50, "{n}");
        assert_eq!(ids[..10], expected[..10], "{n}");
        assert_eq!(ids[10], "us-answered", "{n}: submitted first, due first");
        assert!(!ids.iter().any(|i| i.starts_with("fr-")), "{n}");
        let more = 1 + 1010 + 10 + 2 - 50;
        assert!(
            html.contains(&format!("{more} more, with more time left")),
            "{n}: {more} more for the liaison"
        );

        // The delegation's liaison room: its open incidents are counted
        // on the liaison's home too (log entries carry their room, not a
        // delegation), and another delegation sees neither room nor count.
        w.ok(
            "commander",
            json!({"action": "room.create", "id": "us-room", "name": "US liaison room",
                   "kind": "delegation_liaison", "delegation": "us"}),
        );
        for (id, severity) in [("us-inc-1", 3), ("us-inc-2", 3), ("us-inc-3", 5)] {
            w.ok(
                "operator",
                json!({"action": "log.record", "id": id, "room": "us-room", "category": "incident",
                       "severity": severity, "text": "Motorcade delayed at the tunnel"}),
            );
        }
        let html = w.get("/home", &Auth::Cookie(&liaison)).text();
        let rooms = section(&html, "id=\"h-rooms\"");
        assert!(rooms.contains("US liaison room"), "{n}: {rooms}");
        assert!(
            rooms.contains("S5 ×1, S3 ×2</td>"),
            "{n}: the liaison's incidents: {rooms}"
        );
        assert!(
            !rooms.contains("S2 ×1001"),
            "{n}: no host room's count: {rooms}"
        );
        let fr = page_login(&w, "fr-liaison");
        let html = w.get("/home", &Auth::Cookie(&fr)).text();
        assert!(
            !html.contains("US liaison room") && !html.contains("S5 ×1"),
            "{n}: another delegation's room on the French home"
        );
    }
}
