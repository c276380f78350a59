//! The consultation log (migration 0012): one row per consultation beside
//! its ledger entry, and the keyed digests of whom it concerned.
//!
//! A row is staged by the write closure that appends the entry
//! ([`crate::WriteTx::consulted`]) and inserted with the batch's entries, so
//! it commits with its entry or not at all. Its `payload` is the exact
//! bytes the entry's payload digest commits to, so the ledger's check can prove a
//! row against the ledger (`crate::stamps`: HMAC under the entry's salt) as long as the
//! salt is kept; purging the row and the salt leaves the entry verifiable
//! and unlinkable.
//!
//! Reads are keyset pages, newest first (`seq` descending); a subject
//! query is driven by one digest's index range and checks the others per
//! row, so its cost follows that person's consultations, not the log's
//! size.

use sqlx::{AnyConnection, Row as _};

use crate::StoreError;
use crate::inserts::{Table, Value};

/// Rows per bound multi-row `INSERT` (12 columns × 80 stays far below the
/// parameter limits of both backends).
const CHUNK: usize = 80;

/// One consultation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consultation {
    /// The ledger entry that records it.
    pub seq: i64,
    /// Its time (Unix ms), the entry's.
    pub at_ms: i64,
    /// The account that consulted.
    pub account: String,
    /// That account's agency.
    pub agency: String,
    /// The channel: `session`, `token:<id>`, `cli:<os user>`.
    pub channel: String,
    /// The action (`screening.run`, `declaration.read`, …).
    pub action: String,
    /// The kind of the record consulted (`lists` for a screening).
    pub record_kind: String,
    /// The record consulted (the list snapshot resource for a screening).
    pub record_id: String,
    /// Whether the policy allowed it.
    pub allowed: bool,
    /// Why, as the caller said.
    pub purpose: Option<String>,
    /// The bytes the entry's payload digest commits to (JSON).
    pub payload: Vec<u8>,
    /// How many results the caller got (`None`: not known).
    pub result_size: Option<i64>,
    /// Keyed digests of whom it concerned (not read back by [`page`]).
    pub subjects: Vec<String>,
}

/// What oversight asks of the log. Every given condition must hold.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// By this account.
    pub account: Option<String>,
    /// Of this record (its id).
    pub record: Option<String>,
    /// Concerning a subject: any one of these alternatives, each a set of
    /// digests that must all be present (a name's comparison form: all of
    /// its tokens). Empty: no subject condition.
    pub subjects: Vec<Vec<String>>,
    /// From this time (Unix ms, inclusive).
    pub from: Option<i64>,
    /// Before this time (Unix ms, exclusive).
    pub until: Option<i64>,
    /// Only entries before this one (the keyset cursor).
    pub before: Option<i64>,
    /// At most this many rows (1..=1000).
    pub limit: i64,
}

/// The whom-it-concerned pairs of `rows` (subject digest, entry), sorted,
/// each once: [`tables`]' second table holds them.
pub(crate) fn subjects(rows: &[Consultation]) -> Vec<(&str, i64)> {
    let mut subjects: Vec<(&str, i64)> = rows
        .iter()
        .flat_map(|c| c.subjects.iter().map(move |s| (s.as_str(), c.seq)))
        .collect();
    subjects.sort_unstable();
    subjects.dedup();
    subjects
}

/// `rows` and their `subjects` ([`subjects`]) as the rows the writer's
/// transaction inserts ([`crate::inserts`]).
pub(crate) fn tables<'a>(rows: &'a [Consultation], subjects: &[(&'a str, i64)]) -> [Table<'a>; 2] {
    let mut values = Vec::with_capacity(rows.len() * 12);
    for c in rows {
        values.extend([
            Value::Int(c.seq),
            Value::Int(c.at_ms),
            Value::Text(&c.account),
            Value::Text(&c.agency),
            Value::Text(&c.channel),
            Value::Text(&c.action),
            Value::Text(&c.record_kind),
            Value::Text(&c.record_id),
            Value::Int(i64::from(c.allowed)),
            Value::OptText(c.purpose.as_deref()),
            Value::Bytes(&c.payload),
            Value::OptInt(c.result_size),
        ]);
    }
    [
        Table {
            target: "consultations (seq, at_ms, account, agency, channel, action, record_kind, \
                     record_id, allowed, purpose, payload, result_size)",
            columns: 12,
            chunk: CHUNK,
            values,
        },
        Table {
            target: "consultation_subjects (subject, seq)",
            columns: 2,
            chunk: CHUNK * 4,
            values: subjects
                .iter()
                .flat_map(|&(s, seq)| [Value::Text(s), Value::Int(seq)])
                .collect(),
        },
    ]
}

const COLUMNS: &str = "c.seq, c.at_ms, c.account, c.agency, c.channel, c.action, c.record_kind, \
                       c.record_id, c.allowed, c.purpose, c.payload, c.result_size";

fn decode(row: &sqlx::any::AnyRow) -> Result<Consultation, StoreError> {
    Ok(Consultation {
        seq: row.try_get(0)?,
        at_ms: row.try_get(1)?,
        account: row.try_get(2)?,
        agency: row.try_get(3)?,
        channel: row.try_get(4)?,
        action: row.try_get(5)?,
        record_kind: row.try_get(6)?,
        record_id: row.try_get(7)?,
        allowed: row.try_get::<i64, _>(8)? != 0,
        purpose: row.try_get(9)?,
        payload: row.try_get(10)?,
        result_size: row.try_get(11)?,
        subjects: Vec::new(),
    })
}

/// One page of the log, newest first.
pub async fn page(
    conn: &mut AnyConnection,
    filter: &Filter,
) -> Result<Vec<Consultation>, StoreError> {
    let limit = filter.limit.clamp(1, 1000);
    if filter.subjects.is_empty() {
        return page_for(conn, filter, &[], limit).await;
    }
    // Each alternative form on its own index range; merged newest first.
    let mut out: Vec<Consultation> = Vec::new();
    for form in &filter.subjects {
        if form.is_empty() {
            continue;
        }
        out.extend(page_for(conn, filter, form, limit).await?);
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.seq));
    out.dedup_by_key(|c| c.seq);
    out.truncate(usize::try_from(limit).unwrap_or(1000));
    Ok(out)
}

/// A page where every digest of `form` is a subject of the row.
async fn page_for(
    conn: &mut AnyConnection,
    filter: &Filter,
    form: &[String],
    limit: i64,
) -> Result<Vec<Consultation>, StoreError> {
    fn arg<'a>(b: Bind<'a>, binds: &mut Vec<Bind<'a>>) -> String {
        binds.push(b);
        format!("${}", binds.len())
    }
    let mut binds: Vec<Bind<'_>> = Vec::new();
    let mut conds: Vec<String> = Vec::new();
    let from = if let Some((driver, rest)) = form.split_first() {
        // Driven by the first digest's range of `consultation_subjects`.
        let p = arg(Bind::Text(driver.as_str()), &mut binds);
        conds.push(format!("s.subject = {p}"));
        for other in rest {
            let p = arg(Bind::Text(other.as_str()), &mut binds);
            conds.push(format!(
                "EXISTS (SELECT 1 FROM consultation_subjects o WHERE o.subject = {p} AND o.seq = s.seq)"
            ));
        }
        if let Some(before) = filter.before {
            let p = arg(Bind::Int(before), &mut binds);
            conds.push(format!("s.seq < {p}"));
        }
        "consultation_subjects s JOIN consultations c ON c.seq = s.seq"
    } else {
        if let Some(before) = filter.before {
            let p = arg(Bind::Int(before), &mut binds);
            conds.push(format!("c.seq < {p}"));
        }
        "consultations c"
    };
    let order = if form.is_empty() { "c.seq" } else { "s.seq" };
    if let Some(account) = &filter.account {
        let p = arg(Bind::Text(account.as_str()), &mut binds);
        conds.push(format!("c.account = {p}"));
    }
    if let Some(record) = &filter.record {
        let p = arg(Bind::Text(record.as_str()), &mut binds);
        conds.push(format!("c.record_id = {p}"));
    }
    if let Some(from) = filter.from {
        let p = arg(Bind::Int(from), &mut binds);
        conds.push(format!("c.at_ms >= {p}"));
    }
    if let Some(until) = filter.until {
        let p = arg(Bind::Int(until), &mut binds);
        conds.push(format!("c.at_ms < {p}"));
    }
    let p = arg(Bind::Int(limit), &mut binds);
    let sql = format!(
        "SELECT {COLUMNS} FROM {from}{}{} ORDER BY {order} DESC LIMIT {p}",
        if conds.is_empty() { "" } else { " WHERE " },
        conds.join(" AND ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
        };
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter().map(decode).collect()
}

enum Bind<'a> {
    Text(&'a str),
    Int(i64),
}

/// Every row whose entry is at or after `from` and before `until` (by
/// seq), for the ledger's check: `(seq, account, action, record_id,
/// payload)`.
pub async fn between(
    conn: &mut AnyConnection,
    from: i64,
    until: i64,
) -> Result<Vec<Consultation>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM consultations c WHERE c.seq >= $1 AND c.seq < $2 ORDER BY c.seq"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(decode).collect()
}

/// Checks every row of the log against its entry (inside the caller's
/// read snapshot, `crate::stamps`): the entry exists, names the same
/// account, agency, channel, action, record and decision at the same time,
/// and its payload digest is the HMAC of the row's payload under the
/// entry's salt. A row whose salt was purged cannot be proved and must
/// have been purged with it. Returns how many rows were checked.
/// The consultation log's epoch (rule 7 of `crate::stamps`).
pub(crate) async fn load_epoch(
    conn: &mut AnyConnection,
    size: u64,
) -> Result<u64, crate::VerifyFailure> {
    let epoch: Option<i64> = sqlx::query_scalar("SELECT seq FROM consultation_epoch WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| crate::VerifyFailure {
            index: None,
            message: format!("reading the consultation log's epoch: {e}"),
        })?;
    u64::try_from(epoch.unwrap_or(0))
        .ok()
        .filter(|e| *e <= size)
        .ok_or_else(|| crate::VerifyFailure {
            index: None,
            message: format!(
                "consultation_epoch: {} is not within the log ({size} entries)",
                epoch.unwrap_or(0)
            ),
        })
}

/// The table name purges write their ranges under in `row_writes`.
pub const TABLE: &str = "consultations";

/// The row-write key of a purged range of entries.
pub fn range_key(first: i64, end: i64) -> String {
    format!("{first}-{end}")
}

/// The ranges of entries whose consultation rows purges deleted:
/// `(first, end, purge entry)`, from the purge entries' row writes.
#[derive(Debug, Default)]
pub(crate) struct PurgedRanges(Vec<(u64, u64, u64)>);

impl PurgedRanges {
    pub(crate) fn of(
        by_seq: &std::collections::HashMap<u64, Vec<crate::rows::RowWrite>>,
        size: u64,
    ) -> Result<PurgedRanges, crate::VerifyFailure> {
        let mut out = Vec::new();
        for (&seq, writes) in by_seq {
            for w in writes.iter().filter(|w| w.table == TABLE) {
                let bad = |why: &str| crate::VerifyFailure {
                    index: Some(seq),
                    message: format!("row_writes ({seq}, {TABLE}, {}): {why}", w.key),
                };
                let (first, end) = w
                    .key
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)))
                    .ok_or_else(|| bad("not a range of entries (first-end)"))?;
                if first > end || end > seq || end > size {
                    return Err(bad("the range does not lie before its purge entry"));
                }
                if !w.is_deletion() {
                    return Err(bad("a purge of consultations deletes them"));
                }
                out.push((first, end, seq));
            }
        }
        out.sort_unstable();
        Ok(PurgedRanges(out))
    }

    /// The purge entry that deleted entry `seq`'s consultation row, if any.
    pub(crate) fn by(&self, seq: u64) -> Option<u64> {
        let i = self.0.partition_point(|&(first, _, _)| first <= seq);
        self.0[..i]
            .iter()
            .rev()
            .find(|&&(first, end, _)| first <= seq && seq < end)
            .map(|&(_, _, purge)| purge)
    }
}

/// Checks the consultation log against the ledger: each row says what its
/// entry says and holds the payload it committed to; with `expected`
/// (`(epoch, the consultation entries from it on, not purged)`), each of
/// those has its row, and no row lies before the epoch or in a purged
/// range.
pub(crate) async fn verify(
    conn: &mut AnyConnection,
    size: u64,
    expected: Option<(u64, Vec<u64>)>,
    purged: &PurgedRanges,
) -> Result<usize, crate::VerifyFailure> {
    let (log_epoch, expected) = match expected {
        Some((epoch, seqs)) => (Some(epoch), seqs),
        None => (None, Vec::new()),
    };
    // The next expected consultation not yet matched with a row.
    let mut want = expected.iter().copied().peekable();
    let unmatched = |seq: u64| crate::VerifyFailure {
        index: Some(seq),
        message: format!(
            "consultation log: entry {seq} is a consultation but the log has no row for it, \
             and no purge removed one"
        ),
    };
    use crate::VerifyFailure;
    let db = |e: sqlx::Error| VerifyFailure {
        index: None,
        message: format!("reading the consultation log: {e}"),
    };
    const CHUNK: i64 = 1 << 13;
    let mut checked = 0usize;
    let mut from = 0i64;
    loop {
        let sql = format!(
            "SELECT {COLUMNS}, e.entry, s.salt FROM consultations c \
             LEFT JOIN ledger_entries e ON e.seq = c.seq \
             LEFT JOIN entry_salts s ON s.seq = c.seq \
             WHERE c.seq >= $1 ORDER BY c.seq LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from)
            .bind(CHUNK)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        let Some(last) = rows.last() else { break };
        from = last.try_get::<i64, _>(0).map_err(db)? + 1;
        let n = rows.len();
        for row in rows {
            let c = decode(&row).map_err(|e| VerifyFailure {
                index: None,
                message: format!("reading the consultation log: {e}"),
            })?;
            let at = u64::try_from(c.seq).unwrap_or(u64::MAX);
            let bad = |what: String| VerifyFailure {
                index: Some(at),
                message: format!("consultation log, entry {}: {what}", c.seq),
            };
            if at >= size {
                return Err(bad(format!("no such entry ({size} entries)")));
            }
            if let Some(epoch) = log_epoch {
                if at < epoch {
                    return Err(bad(format!(
                        "the row lies before the log's epoch {epoch} (consultation_epoch was \
                         moved past it)"
                    )));
                }
                if let Some(p) = purged.by(at) {
                    return Err(bad(format!(
                        "purged by entry {p}, but the row is still there"
                    )));
                }
                if let Some(&w) = want.peek() {
                    if w < at {
                        return Err(unmatched(w));
                    }
                    if w == at {
                        want.next();
                    }
                }
            }
            let bytes: Option<Vec<u8>> = row.try_get(12).map_err(db)?;
            let bytes = bytes.ok_or_else(|| bad("its entry is missing".into()))?;
            let entry =
                ledger::Entry::decode(&bytes).map_err(|e| bad(format!("undecodable: {e}")))?;
            let same = entry.actor_account == c.account
                && entry.actor_agency == c.agency
                && entry.channel.as_deref().unwrap_or("") == c.channel
                && entry.action == c.action
                && entry.resource.kind == c.record_kind
                && entry.resource.id == c.record_id
                && (entry.decision == ledger::Decision::Allow) == c.allowed
                && entry.time_ms == c.at_ms;
            if !same {
                return Err(bad(
                    "its row does not say what the entry says (who, action, record, decision or time)"
                        .into(),
                ));
            }
            let salt: Option<Vec<u8>> = row.try_get(13).map_err(db)?;
            let salt = salt
                .and_then(|s| <[u8; 32]>::try_from(s.as_slice()).ok())
                .ok_or_else(|| bad("its salt is gone but the row is still there".into()))?;
            if ledger::commit(&salt, &c.payload) != entry.payload_digest {
                return Err(bad(
                    "the payload (purpose, query, result size) is not what the entry committed to"
                        .into(),
                ));
            }
            checked += 1;
        }
        if (n as i64) < CHUNK {
            break;
        }
    }
    if let Some(w) = want.next() {
        return Err(unmatched(w));
    }
    Ok(checked)
}

/// Screenings whose result sizes one statement writes.
const SIZES_CHUNK: usize = 500;

/// Notes how many results consultations recorded before they ran (a
/// screening: `Service::record` comes first) gave their callers, as
/// `(seq, size)`, in one write. Only a row without a size gets one; the
/// entry does not commit to it.
pub async fn set_result_sizes(
    store: &crate::Store,
    sizes: Vec<(i64, i64)>,
) -> Result<(), StoreError> {
    store
        .write(move |tx| {
            Box::pin(async move {
                let conn = tx.conn().await?;
                // One statement per chunk, not one per screening: each is a
                // hand-off to the database's thread.
                for chunk in sizes.chunks(SIZES_CHUNK) {
                    let mut p = crate::sql::Placeholders::for_conn(conn);
                    let mut sql = String::from("WITH v(seq, size) AS (VALUES ");
                    p.rows(&mut sql, 2, chunk.len());
                    sql.push_str(
                        ") UPDATE consultations SET result_size = v.size FROM v
                         WHERE consultations.seq = v.seq AND consultations.result_size IS NULL",
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (seq, size) in chunk {
                        q = q.bind(*seq).bind(*size);
                    }
                    q.execute(&mut *conn).await?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .await
}
