//! The statistics' pre-aggregated counts (migration 0012): `stats_cells`
//! per UTC day, agency, metric and key, and `stats_cursor`, the first
//! ledger entry not yet counted. The service decides what an entry counts
//! as; this module only reads entries past the cursor and adds cells
//! together with the new cursor in one write (checked against the cursor
//! it started from, so two catch-ups never count an entry twice).

use std::collections::HashMap;

use sqlx::{AnyConnection, Row as _};

use crate::sql::Placeholders;
use crate::{Store, StoreError};

/// One count.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    /// The acting agency.
    pub agency: String,
    /// What is counted (`screening`, `denial`, …).
    pub metric: String,
    /// The breakdown within the metric (a policy id, a bucket; `` none).
    pub key: String,
}

/// The first entry not yet counted.
pub async fn cursor(store: &Store) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT seq FROM stats_cursor WHERE id = 1")
            .fetch_one(store.pool())
            .await?,
    )
}

/// Up to `limit` entries from `from` on: `(seq, encoded entry)`.
pub async fn entries_from(
    store: &Store,
    from: i64,
    limit: i64,
) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
    let rows =
        sqlx::query("SELECT seq, entry FROM ledger_entries WHERE seq >= $1 ORDER BY seq LIMIT $2")
            .bind(from)
            .bind(limit)
            .fetch_all(store.pool())
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// The rows `select` (ending `WHERE kind = ? AND id`) gives for the
/// records of `kind` among `ids`, 100 ids a statement.
async fn among(
    store: &Store,
    select: &str,
    kind: &str,
    ids: &[String],
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(100) {
        let sql = Placeholders::for_backend(store.backend()).with_in_list(select, chunk.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind);
        for id in chunk {
            q = q.bind(id);
        }
        rows.extend(q.fetch_all(store.pool()).await?);
    }
    Ok(rows)
}

/// The creation times (Unix ms, the creating entry's) of the records of
/// `kind` among `ids`.
pub async fn created_times(
    store: &Store,
    kind: &str,
    ids: &[String],
) -> Result<HashMap<String, i64>, StoreError> {
    let select = "SELECT r.id, e.entry FROM records r JOIN ledger_entries e \
                  ON e.seq = r.created_seq WHERE r.kind = ? AND r.id";
    let mut out = HashMap::new();
    for row in among(store, select, kind, ids).await? {
        let id: String = row.try_get(0)?;
        let bytes: Vec<u8> = row.try_get(1)?;
        if let Ok(e) = ledger::Entry::decode(&bytes) {
            out.insert(id, e.time_ms);
        }
    }
    Ok(out)
}

/// The stored documents of the records of `kind` among `ids` (those that
/// still hold one).
pub async fn documents(
    store: &Store,
    kind: &str,
    ids: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let select = "SELECT id, doc FROM records WHERE kind = ? AND id";
    let mut out = HashMap::new();
    for row in among(store, select, kind, ids).await? {
        let id: String = row.try_get(0)?;
        if let Some(doc) = row.try_get::<Option<String>, _>(1)? {
            out.insert(id, doc);
        }
    }
    Ok(out)
}

/// How many records of `kind` were created by entries in `from..until`,
/// with the creating entry's seq.
pub async fn created_between(
    store: &Store,
    kind: &str,
    from: i64,
    until: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT created_seq FROM records WHERE kind = $1 AND created_seq >= $2 AND created_seq < $3",
    )
    .bind(kind)
    .bind(from)
    .bind(until)
    .fetch_all(store.pool())
    .await?)
}

/// Adds `cells` and moves the cursor from `from` to `to`, unless another
/// catch-up moved it first (then nothing is written: returns `false`).
pub async fn add(
    store: &Store,
    from: i64,
    to: i64,
    cells: HashMap<CellKey, i64>,
) -> Result<bool, StoreError> {
    store
        .write(move |tx| {
            Box::pin(async move {
                let conn = tx.conn().await?;
                let now: i64 = sqlx::query_scalar("SELECT seq FROM stats_cursor WHERE id = 1")
                    .fetch_one(&mut *conn)
                    .await?;
                if now != from {
                    return Ok(false);
                }
                let cells: Vec<(CellKey, i64)> = cells.into_iter().collect();
                for chunk in cells.chunks(100) {
                    upsert(conn, chunk).await?;
                }
                sqlx::query("UPDATE stats_cursor SET seq = $1 WHERE id = 1")
                    .bind(to)
                    .execute(&mut *conn)
                    .await?;
                Ok::<_, StoreError>(true)
            })
        })
        .await
}

async fn upsert(conn: &mut AnyConnection, chunk: &[(CellKey, i64)]) -> Result<(), StoreError> {
    let mut sql = String::from("INSERT INTO stats_cells (day, agency, metric, k, n) VALUES ");
    Placeholders::for_conn(conn).rows(&mut sql, 5, chunk.len());
    sql.push_str(
        " ON CONFLICT (day, agency, metric, k) DO UPDATE SET n = stats_cells.n + excluded.n",
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (c, n) in chunk {
        q = q
            .bind(c.day)
            .bind(c.agency.as_str())
            .bind(c.metric.as_str())
            .bind(c.key.as_str())
            .bind(*n);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// The cursor and every cell, as of one moment: the cursor is read
/// before and after the cells, and equal readings mean no catch-up
/// committed in between (each one moves it forward).
pub async fn snapshot(store: &Store) -> Result<(i64, Vec<(CellKey, i64)>), StoreError> {
    loop {
        let before = cursor(store).await?;
        let all = cells(store, i64::MIN, i64::MAX).await?;
        if cursor(store).await? == before {
            return Ok((before, all));
        }
    }
}

/// Every cell of the days `from..until`.
pub async fn cells(
    store: &Store,
    from: i64,
    until: i64,
) -> Result<Vec<(CellKey, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT day, agency, metric, k, n FROM stats_cells WHERE day >= $1 AND day < $2",
    )
    .bind(from)
    .bind(until)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                CellKey {
                    day: r.try_get(0)?,
                    agency: r.try_get(1)?,
                    metric: r.try_get(2)?,
                    key: r.try_get(3)?,
                },
                r.try_get(4)?,
            ))
        })
        .collect()
}
