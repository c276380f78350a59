//! Applicants and the analysts' queue: the indexes beside the records
//! (migration 0006) and the bulk statements an import of a million rows
//! needs — many rows per statement, not one statement per row.
//!
//! The records themselves are ordinary `records` rows (see
//! [`crate::records`]); this module only spells the SQL of
//! `applicant_refs` and `vetting_queue`, the keyset pages over them, and
//! the multi-row forms of the record statements.

use std::collections::HashMap;

use sqlx::{AnyConnection, Executor, Row as _};

use crate::StoreError;
use crate::records::Record;
use crate::sql::Placeholders;

/// Rows per multi-row statement (13 columns × 200 stays far below the
/// parameter limits of SQLite and PostgreSQL).
const CHUNK: usize = 200;

/// Inserts or replaces many records (`created_seq` kept on replace), as
/// [`crate::records::put`] does one. A key must not appear twice.
pub async fn put_records(conn: &mut AnyConnection, records: &[Record]) -> Result<(), StoreError> {
    use crate::records::{COLUMN_COUNT, COLUMNS, ON_CONFLICT, bind_record};
    for chunk in records.chunks(CHUNK) {
        let mut sql = format!("INSERT INTO records ({COLUMNS}) VALUES ");
        Placeholders::for_conn(conn).rows(&mut sql, COLUMN_COUNT, chunk.len());
        sql.push(' ');
        sql.push_str(ON_CONFLICT);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = bind_record(q, r);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts many records that must all be new (a key that exists fails the
/// statement): cheaper than [`put_records`] on SQLite
/// ([`crate::sql::Placeholders::insert_into`]).
pub async fn insert_records(
    conn: &mut AnyConnection,
    records: &[Record],
) -> Result<(), StoreError> {
    use crate::records::{COLUMN_COUNT, COLUMNS, bind_record};
    for chunk in records.chunks(CHUNK) {
        let mut p = Placeholders::for_conn(conn);
        let mut sql = format!("{} records ({COLUMNS}) VALUES ", p.insert_into());
        p.rows(&mut sql, COLUMN_COUNT, chunk.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = bind_record(q, r);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The records `kind`/`ids` that exist, by id.
pub async fn get_records(
    conn: &mut AnyConnection,
    kind: &str,
    ids: &[String],
) -> Result<HashMap<String, Record>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let mut p = Placeholders::for_conn(conn);
        let mut sql = format!(
            "SELECT {} FROM records WHERE kind = ",
            crate::records::COLUMNS
        );
        p.one(&mut sql);
        sql.push_str(" AND id IN (");
        p.list(&mut sql, chunk.len());
        sql.push(')');
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .persistent(p.keep_prepared())
            .bind(kind);
        for id in chunk {
            q = q.bind(id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            let record = crate::records::from_row(&row)?;
            out.insert(record.id.clone(), record);
        }
    }
    Ok(out)
}

/// What `applicant_refs` knows of a reference: the applicant's id and the
/// digest of the facts last sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefRow {
    /// The organiser's agency id.
    pub organiser: String,
    /// The keyed digest of the reference (hex).
    pub ref_digest: String,
    /// The applicant's record id.
    pub id: String,
    /// The digest of the facts last sent (hex).
    pub content: String,
}

/// The rows of `organiser` for these reference digests, by digest.
pub async fn find_refs(
    conn: &mut AnyConnection,
    organiser: &str,
    digests: &[String],
) -> Result<HashMap<String, RefRow>, StoreError> {
    let mut out = HashMap::with_capacity(digests.len());
    for chunk in digests.chunks(CHUNK) {
        let mut p = Placeholders::for_conn(conn);
        let mut sql = String::from(
            "SELECT organiser, ref_digest, id, content FROM applicant_refs WHERE organiser = ",
        );
        p.one(&mut sql);
        sql.push_str(" AND ref_digest IN (");
        p.list(&mut sql, chunk.len());
        sql.push(')');
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .persistent(p.keep_prepared())
            .bind(organiser);
        for d in chunk {
            q = q.bind(d);
        }
        for row in q.fetch_all(&mut *conn).await? {
            let r = RefRow {
                organiser: row.try_get("organiser")?,
                ref_digest: row.try_get("ref_digest")?,
                id: row.try_get("id")?,
                content: row.try_get("content")?,
            };
            out.insert(r.ref_digest.clone(), r);
        }
    }
    Ok(out)
}

/// Inserts or replaces reference rows. A key must not appear twice.
pub async fn put_refs(conn: &mut AnyConnection, rows: &[RefRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        let mut sql =
            String::from("INSERT INTO applicant_refs (organiser, ref_digest, id, content) VALUES ");
        Placeholders::for_conn(conn).rows(&mut sql, 4, chunk.len());
        sql.push_str(
            " ON CONFLICT (organiser, ref_digest) DO UPDATE SET
                id = excluded.id, content = excluded.content",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(&r.organiser)
                .bind(&r.ref_digest)
                .bind(&r.id)
                .bind(&r.content);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts reference rows that must all be new (see [`insert_records`]).
pub async fn insert_refs(conn: &mut AnyConnection, rows: &[RefRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        let mut p = Placeholders::for_conn(conn);
        let mut sql = format!(
            "{} applicant_refs (organiser, ref_digest, id, content) VALUES ",
            p.insert_into()
        );
        p.rows(&mut sql, 4, chunk.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(&r.organiser)
                .bind(&r.ref_digest)
                .bind(&r.id)
                .bind(&r.content);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A page of an organiser's applicants, in the order they were first
/// submitted, after the one created by entry `after_seq`.
pub async fn owned_page<'e, E>(
    exec: E,
    kind: &str,
    owner: &str,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<Record>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM records WHERE kind = $1 AND delegation = $2 AND created_seq > $3
         ORDER BY created_seq LIMIT $4",
        crate::records::COLUMNS
    )))
    .bind(kind)
    .bind(owner)
    .bind(after_seq)
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter().map(crate::records::from_row).collect()
}

/// How many records of `kind` an owner has, by state.
pub async fn owned_counts<'e, E>(
    exec: E,
    kind: &str,
    owner: &str,
) -> Result<Vec<(String, i64)>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM records WHERE kind = $1 AND delegation = $2
         GROUP BY state ORDER BY state",
    )
    .bind(kind)
    .bind(owner)
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("state")?, r.try_get("n")?)))
        .collect()
}

/// One case in the analysts' queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRow {
    /// The case id.
    pub id: String,
    /// The case's state (`open`, `refusal_proposed`, …).
    pub state: String,
    /// 0..=100.
    pub priority: i64,
    /// When it is due (Unix ms).
    pub due_ms: i64,
    /// The applicant's category.
    pub category: Option<String>,
    /// The applicant's first venue.
    pub venue: Option<String>,
    /// The best candidate's list.
    pub list: Option<String>,
    /// The best score, in thousandths.
    pub score: i64,
    /// Who holds the claim, if any (it may have lapsed: see `claim_until`).
    pub assignee: Option<String>,
    /// When the claim lapses.
    pub claim_until: Option<i64>,
    /// Whether cleared as one of a group.
    pub bulk: bool,
    /// When opened.
    pub opened_ms: i64,
    /// When decided for good, if so.
    pub decided_ms: Option<i64>,
    /// Whether the case puts an accreditation in force in question (a list
    /// change hit an applicant accredited before it).
    pub in_question: bool,
}

const QUEUE_COLUMNS: &str = "id, state, priority, due_ms, category, venue, list, score, assignee, claim_until, bulk, opened_ms, decided_ms, in_question";

fn queue_row(row: &sqlx::any::AnyRow) -> Result<QueueRow, StoreError> {
    Ok(QueueRow {
        id: row.try_get("id")?,
        state: row.try_get("state")?,
        priority: row.try_get("priority")?,
        due_ms: row.try_get("due_ms")?,
        category: row.try_get("category")?,
        venue: row.try_get("venue")?,
        list: row.try_get("list")?,
        score: row.try_get("score")?,
        assignee: row.try_get("assignee")?,
        claim_until: row.try_get("claim_until")?,
        bulk: row.try_get::<i64, _>("bulk")? != 0,
        opened_ms: row.try_get("opened_ms")?,
        decided_ms: row.try_get("decided_ms")?,
        in_question: row.try_get::<i64, _>("in_question")? != 0,
    })
}

/// Inserts or replaces queue rows. A key must not appear twice.
pub async fn put_queue(conn: &mut AnyConnection, rows: &[QueueRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        let mut sql = format!("INSERT INTO vetting_queue ({QUEUE_COLUMNS}) VALUES ");
        Placeholders::for_conn(conn).rows(&mut sql, 14, chunk.len());
        sql.push_str(
            " ON CONFLICT (id) DO UPDATE SET
                state = excluded.state, priority = excluded.priority, due_ms = excluded.due_ms,
                category = excluded.category, venue = excluded.venue, list = excluded.list,
                score = excluded.score, assignee = excluded.assignee,
                claim_until = excluded.claim_until, bulk = excluded.bulk,
                opened_ms = excluded.opened_ms, decided_ms = excluded.decided_ms,
                in_question = excluded.in_question",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(&r.id)
                .bind(&r.state)
                .bind(r.priority)
                .bind(r.due_ms)
                .bind(&r.category)
                .bind(&r.venue)
                .bind(&r.list)
                .bind(r.score)
                .bind(&r.assignee)
                .bind(r.claim_until)
                .bind(i64::from(r.bulk))
                .bind(r.opened_ms)
                .bind(r.decided_ms)
                .bind(i64::from(r.in_question));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// How many open cases put an accreditation in force in question.
pub async fn count_in_question(pool: &sqlx::AnyPool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM vetting_queue WHERE state = 'open' AND in_question = 1",
    )
    .fetch_one(pool)
    .await?)
}

/// Which cases of the queue to show, and from where.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    /// Only cases in this state (default: `open`).
    pub state: Option<String>,
    /// Only cases of at least this priority.
    pub min_priority: Option<i64>,
    /// Only applicants of this category.
    pub category: Option<String>,
    /// Only applicants asking for this venue.
    pub venue: Option<String>,
    /// Only cases whose best candidate is on this list.
    pub list: Option<String>,
    /// Only cases whose best score (thousandths) is at least this …
    pub min_score: Option<i64>,
    /// … and below this.
    pub max_score: Option<i64>,
    /// Only cases claimed by this account (a claim not lapsed at `now`), or
    /// with `unassigned`, only those nobody holds.
    pub assignee: Option<String>,
    /// With `assignee`: nobody holds the case.
    pub unassigned: bool,
    /// Only cases due before this time (Unix ms).
    pub due_before: Option<i64>,
    /// Only cases that put an accreditation in force in question.
    pub in_question: bool,
    /// The clock, for lapsed claims.
    pub now: i64,
    /// After this position (priority, due time, id) of the previous page.
    pub after: Option<(i64, i64, String)>,
    /// At most this many.
    pub limit: i64,
}

/// A keyset page of the queue: highest priority first, then earliest due,
/// then id.
pub async fn queue_page<'e, E>(exec: E, f: &QueueFilter) -> Result<Vec<QueueRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    enum Bind<'a> {
        Text(&'a str),
        Int(i64),
    }
    let mut sql = format!("SELECT {QUEUE_COLUMNS} FROM vetting_queue WHERE state = $1");
    let mut binds = vec![Bind::Text(f.state.as_deref().unwrap_or("open"))];
    let add = |sql: &mut String, binds: &mut Vec<Bind<'_>>, column_op: &str| {
        sql.push_str(&format!(" AND {column_op} ${}", binds.len()));
    };
    if let Some(p) = f.min_priority {
        binds.push(Bind::Int(p));
        add(&mut sql, &mut binds, "priority >=");
    }
    if let Some(c) = &f.category {
        binds.push(Bind::Text(c));
        add(&mut sql, &mut binds, "category =");
    }
    if let Some(v) = &f.venue {
        binds.push(Bind::Text(v));
        add(&mut sql, &mut binds, "venue =");
    }
    if let Some(l) = &f.list {
        binds.push(Bind::Text(l));
        add(&mut sql, &mut binds, "list =");
    }
    if let Some(s) = f.min_score {
        binds.push(Bind::Int(s));
        add(&mut sql, &mut binds, "score >=");
    }
    if let Some(s) = f.max_score {
        binds.push(Bind::Int(s));
        add(&mut sql, &mut binds, "score <");
    }
    if let Some(d) = f.due_before {
        binds.push(Bind::Int(d));
        add(&mut sql, &mut binds, "due_ms <");
    }
    if f.in_question {
        sql.push_str(" AND in_question = 1");
    }
    if f.unassigned {
        binds.push(Bind::Int(f.now));
        sql.push_str(&format!(
            " AND (assignee IS NULL OR claim_until <= ${})",
            binds.len()
        ));
    } else if let Some(a) = &f.assignee {
        binds.push(Bind::Text(a));
        add(&mut sql, &mut binds, "assignee =");
        binds.push(Bind::Int(f.now));
        add(&mut sql, &mut binds, "claim_until >");
    }
    if let Some((p, d, id)) = &f.after {
        binds.push(Bind::Int(*p));
        let pn = binds.len();
        binds.push(Bind::Int(*d));
        let dn = binds.len();
        binds.push(Bind::Text(id));
        let idn = binds.len();
        sql.push_str(&format!(
            " AND (priority < ${pn} OR (priority = ${pn} AND (due_ms > ${dn} OR (due_ms = ${dn} AND id > ${idn}))))"
        ));
    }
    binds.push(Bind::Int(f.limit));
    sql.push_str(&format!(
        " ORDER BY priority DESC, due_ms, id LIMIT ${}",
        binds.len()
    ));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = match b {
            Bind::Text(t) => q.bind(t),
            Bind::Int(i) => q.bind(i),
        };
    }
    let rows = q.fetch_all(exec).await?;
    rows.iter().map(queue_row).collect()
}

/// The queue's figures: cases by state, and how many were cleared in bulk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Cases by state, in state order.
    pub by_state: Vec<(String, i64)>,
    /// Cleared cases, all told.
    pub cleared: i64,
    /// Of those, cleared as one of a group.
    pub cleared_in_bulk: i64,
}

/// The queue's figures.
pub async fn queue_stats<'e, E>(exec: E) -> Result<QueueStats, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n, CAST(SUM(bulk) AS BIGINT) AS b FROM vetting_queue GROUP BY state ORDER BY state",
    )
    .fetch_all(exec)
    .await?;
    let mut stats = QueueStats::default();
    for r in rows {
        let state: String = r.try_get("state")?;
        let n: i64 = r.try_get("n")?;
        let b: Option<i64> = r.try_get("b").ok().flatten();
        if state == "cleared" {
            stats.cleared = n;
            stats.cleared_in_bulk = b.unwrap_or(0);
        }
        stats.by_state.push((state, n));
    }
    Ok(stats)
}

/// Who owns records of `kind` (the owner column: an applicant's organiser,
/// a line's delegation).
pub async fn owners<'e, E>(exec: E, kind: &str) -> Result<Vec<String>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT delegation FROM records WHERE kind = $1 AND delegation IS NOT NULL
         ORDER BY delegation",
    )
    .bind(kind)
    .fetch_all(exec)
    .await?)
}

/// A page of the documents of `owner`'s records of `kind` (in `state`,
/// when given) in the order they were created, after the one created by
/// entry `after_seq`, skipping purged ones: `(created_seq, document)`. A
/// re-screen walks a whole population this way, reading nothing else, in
/// about the order the rows were written (`records_by_owner_seq`), which
/// keeps the reads close to sequential.
pub async fn docs_page<'e, E>(
    exec: E,
    kind: &str,
    owner: &str,
    state: Option<&str>,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT created_seq, doc FROM records
         WHERE kind = $1 AND delegation = $2 AND created_seq > $3 AND doc IS NOT NULL
           AND ($4 = '' OR state = $4)
         ORDER BY created_seq LIMIT $5",
    )
    .bind(kind)
    .bind(owner)
    .bind(after_seq)
    .bind(state.unwrap_or(""))
    .bind(limit)
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("created_seq")?, r.try_get("doc")?)))
        .collect()
}

/// The ids of the cases in the analysts' queue that are not decided yet.
pub async fn open_case_ids<'e, E>(exec: E) -> Result<Vec<String>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query_scalar("SELECT id FROM vetting_queue WHERE decided_ms IS NULL ORDER BY id")
            .fetch_all(exec)
            .await?,
    )
}

/// A record a re-screen's index of the population reads to catch up: its
/// kind, id, the entry that last changed it, and its document (`None` once
/// purged).
#[derive(Clone, Debug)]
pub struct ChangedDoc {
    /// The record's kind.
    pub kind: String,
    /// Its id.
    pub id: String,
    /// The entry that last changed it.
    pub updated_seq: i64,
    /// Its document, `None` once purged.
    pub doc: Option<String>,
}

/// The records of `kinds` last changed by an entry in `after..=upto`
/// (`records_by_updated_seq`), in no particular order. Walking the ranges
/// up to [`last_updated_seq`] reads every record changed since an entry:
/// the writes are serialized (one writer; SQLite's `BEGIN IMMEDIATE`,
/// PostgreSQL's advisory lock), so when that entry is visible every
/// smaller one is too.
pub async fn changed_docs<'e, E>(
    exec: E,
    kinds: &[&str],
    after: i64,
    upto: i64,
) -> Result<Vec<ChangedDoc>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let mut sql = String::from(
        "SELECT kind, id, updated_seq, doc FROM records
         WHERE updated_seq > $1 AND updated_seq <= $2 AND kind IN (",
    );
    for i in 0..kinds.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("${}", i + 3));
    }
    sql.push(')');
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after).bind(upto);
    for k in kinds {
        q = q.bind(*k);
    }
    let rows = q.fetch_all(exec).await?;
    rows.iter()
        .map(|r| {
            Ok(ChangedDoc {
                kind: r.try_get("kind")?,
                id: r.try_get("id")?,
                updated_seq: r.try_get("updated_seq")?,
                doc: r.try_get("doc")?,
            })
        })
        .collect()
}

/// The last entry that changed any record (0 when there is none).
pub async fn last_updated_seq<'e, E>(exec: E) -> Result<i64, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(updated_seq) FROM records")
        .fetch_one(exec)
        .await?;
    Ok(last.unwrap_or(0))
}
