//! The statistics' request figures (issue 14, item 2): requests by kind,
//! and whether an answer or a refusal kept the request's deadline.

use serde_json::json;
use service::stats::{Period, Query};
use store::testing::backends;

use crate::world::World;

#[tokio::test]
async fn requests_are_counted_by_kind_and_by_deadline_kept() {
    for db in backends().await {
        let w = World::new(db).await;
        let name = w.db.name;
        w.us_liaison().await;
        // Six requests for information answered at once (within their
        // deadline), five for assistance refused at once (by the commander).
        for (i, kind) in (0..11).map(|i| (i, if i < 6 { "information" } else { "assistance" })) {
            let id = format!("us-r{i}");
            w.ok(
                "us-liaison",
                json!({"action": "rfi.draft", "id": id, "kind": kind, "priority": "normal",
                       "subject": "Plate AB123CD", "body": "Keeper?"}),
            )
            .await;
            w.ok("us-liaison", json!({"action": "rfi.submit", "id": id}))
                .await;
            w.ok("operator", json!({"action": "rfi.acknowledge", "id": id}))
                .await;
            if kind == "information" {
                w.ok(
                    "operator",
                    json!({"action": "rfi.accept", "id": id, "unit": "polizia-di-stato"}),
                )
                .await;
                w.ok("operator", json!({"action": "rfi.start", "id": id}))
                    .await;
                w.ok(
                    "operator",
                    json!({"action": "rfi.answer", "id": id, "text": "No record.",
                           "disclosure": {"personal_data": false}}),
                )
                .await;
            } else {
                w.ok(
                    "commander",
                    json!({"action": "rfi.refuse", "id": id, "reason": "Outside the Games' scope"}),
                )
                .await;
            }
        }
        let table = w
            .svc
            .stats_table(&Query {
                period: Some(Period::Week),
                agency: Some("*".into()),
                ..Query::default()
            })
            .await
            .unwrap();
        let get = |metric: &str, key: &str| {
            table
                .cells
                .iter()
                .find(|c| c.metric == metric && c.key == key)
                .and_then(|c| c.n)
        };
        assert_eq!(
            get("request_submitted", "information"),
            Some(6),
            "{name}: {:?}",
            table.cells
        );
        assert_eq!(get("request_submitted", "assistance"), Some(5), "{name}");
        assert_eq!(get("request_answered", "information"), Some(6), "{name}");
        assert_eq!(get("request_refused", "assistance"), Some(5), "{name}");
        assert_eq!(get("request_deadline", "kept"), Some(11), "{name}");
        assert_eq!(
            get("request_deadline", "missed"),
            None,
            "{name}: none missed"
        );
    }
}
