//! Row stamps against the ledger: every row of `records`, `agencies` and
//! `accounts` keeps the sequence number of the entry that created it
//! (`created_seq`) and of the one that last changed it (`updated_seq`), and
//! [`Store::verify_stamps`] checks that each is in the log and is about
//! that row.
//!
//! The rules, for a row of kind `K` (a record's kind, `agency` or
//! `account`) and id `I`:
//!
//! 1. `0 ≤ created_seq ≤ updated_seq < ` the log's size.
//! 2. The entries at both stamps allow a change (a denial or a read changes
//!    nothing) and name `K`/`I` as their resource — except for a row
//!    created alongside the one its entry names: its `created_seq` may be
//!    an entry whose action creates rows of `K` on the side
//!    ([`StampRules::side_creations`]: `delegation.register` creates the
//!    head's declaration line, a screening hit opens a vetting case, a
//!    triaged liaison report becomes a log entry) and whose own row was
//!    alive then (created at or before it, last changed at or after it:
//!    the stamps keep only a row's first and last change, so an entry that
//!    changed a row in between is known only to fall in that span); its
//!    `updated_seq` may be that
//!    entry only while nothing has changed the row since (`created_seq =
//!    updated_seq`).
//! 3. No allowed change names the row after `updated_seq` or before
//!    `created_seq`: the stamps are the row's first and last change.
//! 4. A record holding personal data (a salt and a document) matches the
//!    commitment of the entry at `updated_seq` when that entry names it: the
//!    service commits, in each entry, to the document of the row the entry
//!    names. This catches a document rewritten behind cortina's back.
//!
//! Which actions only read, and which create rows on the side, is the
//! service's knowledge; it hands them in as [`StampRules`].

use std::collections::{HashMap, HashSet};

use ledger::{Decision, Entry};
use sqlx::{AnyConnection, Row as _};

use crate::read::VerifyFailure;
use crate::{Backend, Store, StoreError, exec, records};

/// Entries read per query while scanning the log.
const SCAN_CHUNK: u64 = 1 << 14;
/// Records read per query while checking commitments.
const DOC_CHUNK: i64 = 1024;

/// What the stamp check needs to know about the actions that write.
#[derive(Clone, Debug, Default)]
pub struct StampRules {
    /// Actions that change nothing (reads and consultations). An entry of
    /// one never stamps a row, and never counts as a change of the row it
    /// names.
    pub reads: Vec<String>,
    /// `(action, kind)`: an allowed entry of `action` may create rows of
    /// `kind` besides the row it names.
    pub side_creations: Vec<(String, String)>,
}

/// One stamped row, as the check keeps it.
struct Row {
    kind: String,
    id: String,
    created: u64,
    updated: u64,
}

impl Row {
    fn name(&self) -> String {
        format!("{}/{}", self.kind, self.id)
    }

    fn named_by(&self, entry: &Entry) -> bool {
        entry.resource.kind == self.kind && entry.resource.id == self.id
    }
}

/// Which stamp of a row an entry must justify.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stamp {
    Created,
    Updated,
}

fn failure(message: String) -> VerifyFailure {
    VerifyFailure {
        index: None,
        message,
    }
}

fn missing(seq: u64) -> VerifyFailure {
    VerifyFailure {
        index: Some(seq),
        message: format!("entry {seq} is missing"),
    }
}

fn db(e: impl Into<StoreError>) -> VerifyFailure {
    failure(format!("reading the row stamps: {}", e.into()))
}

impl Store {
    /// Checks every row's stamps against the ledger (see the [module
    /// docs](self)) in one consistent snapshot of the database. Returns how
    /// many rows were checked; a failure names the row and the entry.
    pub async fn verify_stamps(&self, rules: &StampRules) -> Result<usize, VerifyFailure> {
        let mut conn = self.pool().acquire().await.map_err(db)?;
        let begin = match self.backend() {
            // A deferred transaction: its first read fixes the WAL snapshot.
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        exec(&mut conn, begin).await.map_err(db)?;
        let result = check(&mut conn, rules).await;
        // Nothing was written: ending the snapshot cannot lose anything.
        let _ = exec(&mut conn, "ROLLBACK").await;
        result
    }
}

/// Reads the stamps and checks rule 1.
async fn load_rows(conn: &mut AnyConnection) -> Result<(Vec<Row>, u64), VerifyFailure> {
    let stamps = records::stamps(&mut *conn).await.map_err(db)?;
    let size: i64 = sqlx::query_scalar("SELECT size FROM ledger_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let size = u64::try_from(size).map_err(|_| failure(format!("negative log size {size}")))?;
    let in_log = |seq: i64| u64::try_from(seq).ok().filter(|s| *s < size);
    let mut rows = Vec::with_capacity(stamps.len());
    for (kind, id, created, updated) in stamps {
        let name = format!("{kind}/{id}");
        let Some(updated) = in_log(updated) else {
            return Err(failure(format!(
                "row {name} is stamped with entry {updated} which is not in the log ({size} entries)"
            )));
        };
        let Some(created) = in_log(created) else {
            return Err(failure(format!(
                "row {name} is stamped as created by entry {created} which is not in the log ({size} entries)"
            )));
        };
        if created > updated {
            return Err(failure(format!(
                "row {name} is stamped as created by entry {created} which comes after its last change, entry {updated}"
            )));
        }
        rows.push(Row {
            kind,
            id,
            created,
            updated,
        });
    }
    Ok((rows, size))
}

/// The rows and rules, indexed for the pass over the log.
struct Checker<'a> {
    rows: &'a [Row],
    /// Rows by kind and id (a name could repeat across tables).
    by_name: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    /// The rows whose stamps each entry must justify.
    wanted: HashMap<u64, Vec<(usize, Stamp)>>,
    reads: HashSet<&'a str>,
    side: HashSet<(&'a str, &'a str)>,
    /// The commitment of the entry at each row's `updated_seq`, when that
    /// entry names the row.
    commitments: Vec<Option<[u8; 32]>>,
}

impl<'a> Checker<'a> {
    fn new(rows: &'a [Row], rules: &'a StampRules) -> Self {
        let mut by_name: HashMap<&str, HashMap<&str, Vec<usize>>> = HashMap::new();
        let mut wanted: HashMap<u64, Vec<(usize, Stamp)>> = HashMap::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            by_name
                .entry(r.kind.as_str())
                .or_default()
                .entry(r.id.as_str())
                .or_default()
                .push(i);
            wanted
                .entry(r.updated)
                .or_default()
                .push((i, Stamp::Updated));
            if r.created != r.updated {
                wanted
                    .entry(r.created)
                    .or_default()
                    .push((i, Stamp::Created));
            }
        }
        Checker {
            rows,
            by_name,
            wanted,
            reads: rules.reads.iter().map(String::as_str).collect(),
            side: rules
                .side_creations
                .iter()
                .map(|(a, k)| (a.as_str(), k.as_str()))
                .collect(),
            commitments: vec![None; rows.len()],
        }
    }

    fn named(&self, kind: &str, id: &str) -> &[usize] {
        self.by_name
            .get(kind)
            .and_then(|ids| ids.get(id))
            .map_or(&[], Vec::as_slice)
    }

    /// Rules 2 and 3 for the entry at `seq`.
    fn entry(&mut self, seq: u64, entry: &Entry) -> Result<(), VerifyFailure> {
        let changes =
            entry.decision == Decision::Allow && !self.reads.contains(entry.action.as_str());
        if let Some(stamped) = self.wanted.get(&seq) {
            for &(i, stamp) in stamped {
                self.justify(i, stamp, seq, entry, changes)?;
                if stamp == Stamp::Updated && self.rows[i].named_by(entry) {
                    self.commitments[i] = entry.personal_data;
                }
            }
        }
        if !changes {
            return Ok(());
        }
        for &i in self.named(&entry.resource.kind, &entry.resource.id) {
            let r = &self.rows[i];
            if seq > r.updated {
                return Err(failure(format!(
                    "row {} is stamped with entry {} which is not its last change: entry {seq} ({}) changed it later",
                    r.name(),
                    r.updated,
                    entry.action
                )));
            }
            if seq < r.created {
                return Err(failure(format!(
                    "row {} is stamped as created by entry {} which is not its first change: entry {seq} ({}) changed it before",
                    r.name(),
                    r.created,
                    entry.action
                )));
            }
        }
        Ok(())
    }

    /// Rule 2: the entry at `seq` justifies row `i`'s `stamp`.
    fn justify(
        &self,
        i: usize,
        stamp: Stamp,
        seq: u64,
        entry: &Entry,
        changes: bool,
    ) -> Result<(), VerifyFailure> {
        let r = &self.rows[i];
        let which = match stamp {
            Stamp::Created => "stamped as created by",
            Stamp::Updated => "stamped with",
        };
        let fail = |why: String| {
            failure(format!(
                "row {} is {which} entry {seq} which {why}",
                r.name()
            ))
        };
        let about = format!(
            "{}/{} ({})",
            entry.resource.kind, entry.resource.id, entry.action
        );
        if entry.decision == Decision::Deny {
            return Err(fail(format!("is a denial about {about}")));
        }
        if !changes {
            return Err(fail(format!("only read {about}")));
        }
        if r.named_by(entry) {
            return Ok(());
        }
        if !self
            .side
            .contains(&(entry.action.as_str(), r.kind.as_str()))
        {
            return Err(fail(format!("is about {about}")));
        }
        if stamp == Stamp::Updated && r.created != r.updated {
            return Err(fail(format!(
                "is about {about}: a row created on the side is changed later only by entries naming it"
            )));
        }
        let named_alive = self
            .named(&entry.resource.kind, &entry.resource.id)
            .iter()
            .any(|&n| self.rows[n].created <= seq && seq <= self.rows[n].updated);
        if !named_alive {
            return Err(fail(format!(
                "is about {about}, a row it neither created nor changed, so it created nothing on the side"
            )));
        }
        Ok(())
    }
}

async fn check(conn: &mut AnyConnection, rules: &StampRules) -> Result<usize, VerifyFailure> {
    let (rows, size) = load_rows(conn).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut checker = Checker::new(&rows, rules);
    let mut next = 0u64;
    while next < size {
        let end = size.min(next + SCAN_CHUNK);
        let chunk = sqlx::query(
            "SELECT seq, entry FROM ledger_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq",
        )
        .bind(next as i64)
        .bind(end as i64)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        for row in chunk {
            let seq: i64 = row.try_get(0).map_err(db)?;
            if seq as u64 != next {
                return Err(missing(next));
            }
            let bytes: Vec<u8> = row.try_get(1).map_err(db)?;
            let entry = Entry::decode(&bytes).map_err(|e| VerifyFailure {
                index: Some(next),
                message: format!("entry {next}: {e}"),
            })?;
            checker.entry(next, &entry)?;
            next += 1;
        }
        if next < end {
            return Err(missing(next));
        }
    }
    check_documents(conn, &checker).await?;
    Ok(rows.len())
}

/// Rule 4: every record with a salt and a document matches the commitment
/// of the entry that last changed it, when that entry names it.
async fn check_documents(
    conn: &mut AnyConnection,
    checker: &Checker<'_>,
) -> Result<(), VerifyFailure> {
    let mut after = (String::new(), String::new());
    loop {
        let chunk = sqlx::query(
            "SELECT kind, id, salt, doc FROM records
             WHERE salt IS NOT NULL AND doc IS NOT NULL AND (kind > $1 OR (kind = $1 AND id > $2))
             ORDER BY kind, id LIMIT $3",
        )
        .bind(&after.0)
        .bind(&after.1)
        .bind(DOC_CHUNK)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let Some(last) = chunk.last() else {
            return Ok(());
        };
        after = (last.try_get(0).map_err(db)?, last.try_get(1).map_err(db)?);
        for rec in &chunk {
            let kind: String = rec.try_get(0).map_err(db)?;
            let id: String = rec.try_get(1).map_err(db)?;
            let salt: Vec<u8> = rec.try_get(2).map_err(db)?;
            let doc: String = rec.try_get(3).map_err(db)?;
            // An entry that names another row (a side creation) or commits
            // to nothing leaves nothing to compare.
            let Some((i, commitment)) = checker
                .named(&kind, &id)
                .iter()
                .find_map(|&i| checker.commitments[i].map(|c| (i, c)))
            else {
                continue;
            };
            let ok = <[u8; 32]>::try_from(salt.as_slice())
                .is_ok_and(|s| ledger::verify_commitment(&s, doc.as_bytes(), &commitment));
            if !ok {
                return Err(failure(format!(
                    "row {kind}/{id} is stamped with entry {} which commits to a different document",
                    checker.rows[i].updated
                )));
            }
        }
        if (chunk.len() as i64) < DOC_CHUNK {
            return Ok(());
        }
    }
}
