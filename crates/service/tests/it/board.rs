//! Board columns (migration `0014_board_columns`): the writer fills them
//! from each document, the migration's backfill fills the same values for
//! rows written before it, and `ledger verify` recomputes them — a tampered
//! column is named with its row and entry. On every backend.

use serde_json::json;
use sqlx::Row as _;
use store::Backend;
use store::testing::backends;

use crate::scenario::us_delegation;
use crate::world::World;

/// The backfill of migration 0014 for `backend`, as the migration runs it.
fn backfill(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => include_str!("../../../store/migrations/0014_board_columns.sqlite.sql"),
        Backend::Postgres => {
            include_str!("../../../store/migrations/0014_board_columns.postgres.sql")
        }
    }
}

/// Every record's board columns, by `kind/id`.
type Columns = Vec<(
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
)>;

async fn columns(w: &World) -> Columns {
    let rows = sqlx::query(
        "SELECT kind, id, open_due_at, category, severity, awaiting FROM records
         ORDER BY kind, id",
    )
    .fetch_all(w.svc.store().pool())
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let kind: String = r.get(0);
            let id: String = r.get(1);
            (
                format!("{kind}/{id}"),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
            )
        })
        .collect()
}

/// Requests in each kind of state and two log entries.
async fn build(w: &World) {
    us_delegation(w).await;
    w.ok(
        "commander",
        json!({"action": "room.create", "id": "rome", "name": "Rome", "kind": "host_national"}),
    )
    .await;
    for (id, severity, category) in [("log-1", 4, "incident"), ("log-2", 1, "information")] {
        w.ok(
            "operator",
            json!({"action": "log.record", "id": id, "room": "rome", "category": category,
                   "severity": severity, "text": "Crowd at gate 4"}),
        )
        .await;
    }
    for id in ["us-draft", "us-open", "us-answered", "us-cancelled"] {
        w.ok(
            "us-liaison",
            json!({"action": "rfi.draft", "id": id, "kind": "information",
                   "priority": "urgent", "subject": "Plate AB123CD", "body": "Keeper?"}),
        )
        .await;
        if id != "us-draft" {
            w.ok("us-liaison", json!({"action": "rfi.submit", "id": id}))
                .await;
        }
    }
    w.ok(
        "us-liaison",
        json!({"action": "rfi.cancel", "id": "us-cancelled", "reason": "Found it"}),
    )
    .await;
    for action in ["rfi.acknowledge", "rfi.start"] {
        w.ok("operator", json!({"action": action, "id": "us-answered"}))
            .await;
        if action == "rfi.acknowledge" {
            w.ok(
                "operator",
                json!({"action": "rfi.accept", "id": "us-answered", "unit": "polizia-di-stato"}),
            )
            .await;
        }
    }
    w.ok(
        "operator",
        json!({"action": "rfi.answer", "id": "us-answered", "text": "Registered to Mario Rossi.",
               "disclosure": {"personal_data": true, "legal_basis": "Directive (EU) 2023/977 art. 5",
                              "categories": ["identity"]}}),
    )
    .await;
}

#[tokio::test]
async fn board_columns_follow_the_documents_and_the_backfill_agrees() {
    for db in backends().await {
        let w = World::new(db).await;
        build(&w).await;
        let written = columns(&w).await;
        let get = |key: &str| {
            written
                .iter()
                .find(|c| c.0 == key)
                .unwrap_or_else(|| panic!("{}: no {key}", w.db.name))
                .clone()
        };
        let read = |id: &'static str| {
            let w = &w;
            async move {
                let data = w
                    .ok(
                        "operator",
                        json!({"action": "rfi.read", "id": id, "purpose": "follow-up"}),
                    )
                    .await
                    .data
                    .unwrap();
                data["due_at"].as_i64()
            }
        };
        let open_due = read("us-open").await.expect("a submitted request is due");
        let answered_due = read("us-answered").await.expect("due");
        let n = w.db.name;
        assert_eq!(get("request/us-open").1, Some(open_due), "{n}");
        assert_eq!(
            get("request/us-draft").1,
            Some(i64::MAX),
            "{n}: no deadline: last"
        );
        assert_eq!(get("request/us-cancelled").1, None, "{n}: finished");
        assert_eq!(
            get("request/us-answered"),
            (
                "request/us-answered".into(),
                Some(answered_due),
                None,
                None,
                Some("disclosure_approval".into())
            ),
            "{n}"
        );
        assert_eq!(
            get("log_entry/log-1"),
            (
                "log_entry/log-1".into(),
                None,
                Some("incident".into()),
                Some(4),
                None
            ),
            "{n}"
        );
        assert_eq!(
            get("log_entry/log-2").2.as_deref(),
            Some("information"),
            "{n}"
        );
        assert_eq!(
            get("room/rome"),
            ("room/rome".into(), None, None, None, None),
            "{n}"
        );

        // The approval releases the answer: nothing awaits any more.
        w.ok(
            "commander",
            json!({"action": "rfi.approve_disclosure", "id": "us-answered"}),
        )
        .await;
        let approved = columns(&w).await;
        let row = approved
            .iter()
            .find(|c| c.0 == "request/us-answered")
            .unwrap();
        assert_eq!(row.4, None, "{n}: approved");
        w.ok(
            "us-liaison",
            json!({"action": "rfi.close", "id": "us-answered"}),
        )
        .await;
        let after = columns(&w).await;
        let row = after.iter().find(|c| c.0 == "request/us-answered").unwrap();
        assert_eq!(row.1, None, "{n}: closed is finished");

        // Rows from before the migration: the backfill computes what the
        // writer wrote, on this backend's JSON functions.
        let pool = w.svc.store().pool();
        sqlx::query(
            "UPDATE records SET open_due_at = NULL, category = NULL, severity = NULL, awaiting = NULL",
        )
        .execute(pool)
        .await
        .unwrap();
        sqlx::raw_sql(backfill(w.svc.store().backend()))
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{n}: backfill: {e}"));
        assert_eq!(
            columns(&w).await,
            after,
            "{n}: the backfill agrees with the writer"
        );
        w.verify().await;
        w.svc.store().close().await;
    }
}

#[tokio::test]
async fn a_tampered_board_column_is_named_with_its_row_and_entry() {
    for db in backends().await {
        let w = World::new(db).await;
        build(&w).await;
        w.verify().await;
        let n = w.db.name;
        let store = w.svc.store();
        let cases = [
            (
                "a request's deadline moved",
                "UPDATE records SET open_due_at = open_due_at + 1 WHERE id = 'us-open'",
                "records row request/us-open: board column open_due_at is ",
                "UPDATE records SET open_due_at = open_due_at - 1 WHERE id = 'us-open'",
            ),
            (
                "a finished request put back on the board",
                "UPDATE records SET open_due_at = 1 WHERE id = 'us-cancelled'",
                "records row request/us-cancelled: board column open_due_at is 1 where the document says NULL",
                "UPDATE records SET open_due_at = NULL WHERE id = 'us-cancelled'",
            ),
            (
                "an approval hidden",
                "UPDATE records SET awaiting = NULL WHERE id = 'us-answered'",
                "records row request/us-answered: board column awaiting is NULL where the document says disclosure_approval",
                "UPDATE records SET awaiting = 'disclosure_approval' WHERE id = 'us-answered'",
            ),
            (
                "an incident's severity lowered",
                "UPDATE records SET severity = 1 WHERE id = 'log-1'",
                "records row log_entry/log-1: board column severity is 1 where the document says 4",
                "UPDATE records SET severity = 4 WHERE id = 'log-1'",
            ),
            (
                "an incident recategorised",
                "UPDATE records SET category = 'information' WHERE id = 'log-1'",
                "records row log_entry/log-1: board column category is information where the document says incident",
                "UPDATE records SET category = 'incident' WHERE id = 'log-1'",
            ),
            (
                "a column on a kind that has none",
                "UPDATE records SET severity = 5 WHERE id = 'rome'",
                "records row room/rome: board column severity is 5 where the document says NULL",
                "UPDATE records SET severity = NULL WHERE id = 'rome'",
            ),
        ];
        for (what, tamper, expect, undo) in cases {
            sqlx::raw_sql(tamper)
                .execute(store.pool())
                .await
                .unwrap_or_else(|e| panic!("{n}: {what}: {e}"));
            match store.verify_stamps(&service::stamp_rules()).await {
                Ok(rows) => panic!("{n}: {what}: {rows} rows verified"),
                Err(f) => {
                    assert!(
                        f.message.contains(expect),
                        "{n}: {what}: expected {expect:?}, got {:?}",
                        f.message
                    );
                    assert!(f.index.is_some(), "{n}: {what}: no entry");
                }
            }
            sqlx::raw_sql(undo)
                .execute(store.pool())
                .await
                .unwrap_or_else(|e| panic!("{n}: undo {what}: {e}"));
            store
                .verify_stamps(&service::stamp_rules())
                .await
                .unwrap_or_else(|f| panic!("{n}: after undoing {what}: {f}"));
        }
        store.close().await;
    }
}
