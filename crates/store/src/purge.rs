//! The statements of a retention purge (the service's `retention.purge`):
//! the next due records of a kind, a batch of records emptied of their
//! document and salt, the payload salts of the entries about purged
//! records, and making sure the removed bytes are gone from the database
//! files (SQLite: `secure_delete` while purging, a truncating WAL
//! checkpoint after).
//!
//! What a purge keeps: the record's row (kind, id, owner, state, stamps),
//! so the ledger still verifies — the purge entry wrote the emptied row and
//! commits to it in `row_writes` like any other write, and
//! [`crate::stamps`] accepts a missing document, salt or payload salt when
//! a purge entry lists the record (see `StampRules::purges`). The old
//! commitments in `row_writes` stay; without the salt they reveal nothing.

use std::collections::HashSet;

use sqlx::{AnyConnection, Row as _};

use crate::records::Record;
use crate::sql::Placeholders;
use crate::{Backend, Store, StoreError};

/// Rows per `IN (…)` list.
const CHUNK: usize = 100;

/// The next `limit` records of `kind` that still hold a document, in id
/// order after `after` (a keyset page: a purge walks the kind once).
pub async fn due(
    conn: &mut AnyConnection,
    kind: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<Record>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM records WHERE kind = $1 AND id > $2 AND doc IS NOT NULL
         ORDER BY id LIMIT $3",
        crate::records::COLUMNS
    )))
    .bind(kind)
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(crate::records::from_row).collect()
}

/// Empties `records` (document, salt and board columns gone, stamped with entry `seq`)
/// and returns them as stored now, for the entry's `row_writes`: one
/// `UPDATE … WHERE kind = … AND id IN (…)` per [`CHUNK`] records of a kind.
pub async fn empty(
    conn: &mut AnyConnection,
    records: Vec<Record>,
    seq: i64,
) -> Result<Vec<Record>, StoreError> {
    let purged: Vec<Record> = records
        .into_iter()
        .map(|r| Record {
            doc: None,
            salt: None,
            updated_seq: seq,
            board: crate::records::Board::default(),
            ..r
        })
        .collect();
    let mut kinds: Vec<&str> = purged.iter().map(|r| r.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let ids: Vec<&str> = purged
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.id.as_str())
            .collect();
        for chunk in ids.chunks(CHUNK) {
            let sql = Placeholders::for_conn(conn).with_in_list(
                "UPDATE records SET doc = NULL, salt = NULL, updated_seq = ?,
                    open_due_at = NULL, category = NULL, severity = NULL, awaiting = NULL
                 WHERE kind = ? AND id",
                chunk.len(),
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(seq).bind(kind);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(purged)
}

/// The next due consultations from entry `after` on: up to `limit` rows of
/// the log in entry order, as long as they were made at or before `cut`
/// (Unix ms). Returns their entries' seqs and whether the log holds no due
/// row after them (time follows the entries, so the first row after
/// `cut` ends the purge).
pub async fn due_consultations(
    conn: &mut AnyConnection,
    after: i64,
    cut: i64,
    limit: i64,
) -> Result<(Vec<i64>, bool), StoreError> {
    let rows =
        sqlx::query("SELECT seq, at_ms FROM consultations WHERE seq >= $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
    let mut seqs = Vec::with_capacity(rows.len());
    for r in &rows {
        let (seq, at): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        if at > cut {
            return Ok((seqs, true));
        }
        seqs.push(seq);
    }
    Ok((seqs, (rows.len() as i64) < limit))
}

/// Deletes the consultation log's rows of the entries `first..end`, their
/// subjects and their entries' payload salts (which only proved the rows);
/// returns how many rows.
pub async fn delete_consultations(
    conn: &mut AnyConnection,
    first: i64,
    end: i64,
) -> Result<u64, StoreError> {
    sqlx::query(
        "DELETE FROM entry_salts WHERE seq >= $1 AND seq < $2
           AND seq IN (SELECT seq FROM consultations WHERE seq >= $1 AND seq < $2)",
    )
    .bind(first)
    .bind(end)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM consultation_subjects WHERE seq >= $1 AND seq < $2")
        .bind(first)
        .bind(end)
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM consultations WHERE seq >= $1 AND seq < $2")
        .bind(first)
        .bind(end)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Removes the organiser-reference digests `(organiser, ref_digest)`
/// (`applicant_refs`, an index beside the records: a purged applicant is no
/// longer found by its reference), by their primary key.
pub async fn forget_refs(
    conn: &mut AnyConnection,
    refs: &[(String, String)],
) -> Result<(), StoreError> {
    let mut organisers: Vec<&str> = refs.iter().map(|(o, _)| o.as_str()).collect();
    organisers.sort_unstable();
    organisers.dedup();
    for organiser in organisers {
        let digests: Vec<&str> = refs
            .iter()
            .filter(|(o, _)| o == organiser)
            .map(|(_, d)| d.as_str())
            .collect();
        for chunk in digests.chunks(CHUNK) {
            let sql = Placeholders::for_conn(conn).with_in_list(
                "DELETE FROM applicant_refs WHERE organiser = ? AND ref_digest",
                chunk.len(),
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organiser);
            for d in chunk {
                q = q.bind(*d);
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Of the records `kind`/`ids`, those whose document is gone (purged).
pub async fn purged_among(
    conn: &mut AnyConnection,
    kind: &str,
    ids: &[String],
) -> Result<HashSet<String>, StoreError> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = Placeholders::for_conn(conn).with_in_list(
            "SELECT id FROM records WHERE kind = ? AND doc IS NULL AND id",
            chunk.len(),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind);
        for id in chunk {
            q = q.bind(id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            out.insert(row.try_get::<String, _>(0)?);
        }
    }
    Ok(out)
}

/// The entries with sequence numbers in `[from, until)`, as stored:
/// `(seq, encoded entry)`.
pub async fn entries(
    conn: &mut AnyConnection,
    from: u64,
    until: u64,
) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, entry FROM ledger_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq",
    )
    .bind(from as i64)
    .bind(until as i64)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<i64, _>(0)? as u64, r.try_get::<Vec<u8>, _>(1)?)))
        .collect()
}

/// Deletes the payload-digest salts of the entries `seqs`; returns how
/// many there were.
pub async fn drop_salts(conn: &mut AnyConnection, seqs: &[u64]) -> Result<u64, StoreError> {
    let mut n = 0;
    for chunk in seqs.chunks(CHUNK) {
        let sql = Placeholders::for_conn(conn)
            .with_in_list("DELETE FROM entry_salts WHERE seq", chunk.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for s in chunk {
            q = q.bind(*s as i64);
        }
        n += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(n)
}

/// The records purged so far, by the purge entry that emptied them:
/// `(entry, count)` in entry order (for `cortina ledger verify`).
pub async fn purged_by_entry(store: &Store) -> Result<Vec<(u64, u64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT updated_seq, COUNT(*) FROM records WHERE doc IS NULL AND salt IS NULL
         GROUP BY updated_seq ORDER BY updated_seq",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>(0)? as u64,
                r.try_get::<i64, _>(1)? as u64,
            ))
        })
        .collect()
}

/// The consultation log's purged ranges: `(purge entry, first, end)`
/// from the purge entries' row writes, in entry order; and the log's epoch
/// (the entry from which every consultation has its row).
pub async fn purged_consultations(
    store: &Store,
) -> Result<(Vec<(u64, u64, u64)>, u64), StoreError> {
    let rows =
        sqlx::query("SELECT seq, row_key FROM row_writes WHERE tbl = $1 ORDER BY seq, row_key")
            .bind(crate::consultations::TABLE)
            .fetch_all(store.pool())
            .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let seq: i64 = r.try_get(0)?;
        let key: String = r.try_get(1)?;
        if let Some((a, b)) = key.split_once('-')
            && let (Ok(a), Ok(b)) = (a.parse(), b.parse())
        {
            out.push((seq as u64, a, b));
        }
    }
    let epoch: Option<i64> = sqlx::query_scalar("SELECT seq FROM consultation_epoch WHERE id = 1")
        .fetch_optional(store.pool())
        .await?;
    Ok((out, epoch.unwrap_or(0).max(0) as u64))
}

impl Store {
    /// After a purge: moves everything in SQLite's write-ahead log into the
    /// database file and truncates the log (`PRAGMA wal_checkpoint(TRUNCATE)`),
    /// so the old page images holding purged data are gone from the
    /// `-wal` file too. SQLite answers "busy" (a first column of one) while
    /// another checkpoint runs — the store's own, off the writer's path
    /// (`checkpointer.rs`), for a few milliseconds — or while a reader
    /// holds an older snapshot: it is asked again for up to a second, then
    /// reported as an error. PostgreSQL: `VACUUM` of `records` and
    /// `entry_salts`, so the dead row versions holding the purged data are
    /// reclaimed.
    pub async fn scrub(&self) -> Result<(), StoreError> {
        const ATTEMPTS: u32 = 50;
        let mut conn = self.pool().acquire().await?;
        match self.backend() {
            Backend::Sqlite => {
                let mut busy = 1;
                for attempt in 0..ATTEMPTS {
                    if attempt > 0 {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                        .fetch_one(&mut *conn)
                        .await?;
                    busy = row.try_get(0)?;
                    if busy == 0 {
                        break;
                    }
                }
                if busy != 0 {
                    return Err(StoreError::Busy(
                        "the WAL checkpoint after the purge could not finish (a reader holds an old snapshot); run the purge again to finish it".into(),
                    ));
                }
            }
            Backend::Postgres => {
                crate::exec(&mut conn, "VACUUM records").await?;
                crate::exec(&mut conn, "VACUUM entry_salts").await?;
            }
        }
        Ok(())
    }
}
