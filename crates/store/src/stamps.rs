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
//! 5. From the stamp epoch on (the log's size when migration
//!    `0004_row_writes` ran; 0 for a store created since), every entry
//!    that wrote rows commits to them: its personal-data commitment is the
//!    digest ([`crate::rows::rows_commitment`]) of its list in
//!    `row_writes`, each row's commitment an HMAC under the record's salt
//!    (personal data) or a SHA-256 of the row's columns. So:
//!    * `row_writes` for each entry matches the entry's commitment (no row
//!      write added, removed or changed), and an entry before the epoch has
//!      none; an entry before the epoch that always writes rows
//!      ([`StampRules::row_actions`]) and commits to something means the
//!      epoch was moved forward;
//!    * every row of `records`, `agencies`, `accounts`, `api_tokens` and
//!      `sessions` stamped at or after the epoch is what its last write
//!      says, column for column, and was created by an entry that wrote it:
//!      a token or session that no entry issued is named as such;
//!    * every row an entry wrote is still there unless a later entry
//!      deleted it (a logout, an expired session removed at a login), and
//!      a deleted row is not back;
//!    * a record whose document or salt is gone was last written by a
//!      purge ([`StampRules::purges`]); before the epoch, one whose entry
//!      committed to personal data must still have both, unless purged;
//!    * every entry from the epoch on keeps its payload-digest salt in
//!      `entry_salts`, unless a later purge names its resource
//!      ([`StampRules::salted_entries`]).
//!
//!    Rules 2 to 4 apply to the rows last written before the epoch (their
//!    entries committed to a personal record's document, to nothing else);
//!    rule 5 checks every row written since, column by column, which
//!    covers what rules 2 and 3 check by names.
//!
//! 6. Every record's board columns (migration `0014_board_columns`: what
//!    the boards order, limit and count by) are what its document says
//!    ([`StampRules::board_of`]), and a record without a document has none:
//!    they are not committed to, so they are recomputed.
//!
//! 7. From the consultation log's epoch on (`consultation_epoch`,
//!    migration 0015), every consultation entry
//!    ([`StampRules::consultation_of`]) has its row in `consultations`,
//!    unless a later purge entry's row writes name a range of entries
//!    (`consultations`, key `first-end`) that holds it — then the row is
//!    gone, and must be, and so may its payload salt. No row lies before
//!    the epoch (moving the epoch forward would hide deletions).
//!
//! A failure names the table, the row's key and the entry, and the entry's
//! index when there is one; of several row problems the one at the lowest
//! entry is reported.
//!
//! Which actions only read, and which create rows on the side, is the
//! service's knowledge; it hands them in as [`StampRules`].

use std::collections::{HashMap, HashSet};

use ledger::{Decision, Entry};
use sqlx::{AnyConnection, Row as _};

use crate::auth;
use crate::read::VerifyFailure;
use crate::records::{self, Board, Record};
use crate::rows::{RowWrite, rows_commitment};
use crate::{Backend, Store, StoreError, exec};

/// Entries read per query while scanning the log.
const SCAN_CHUNK: u64 = 1 << 14;
/// Records read per query while checking their contents.
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
    /// Actions that purge personal data (a record's document and salt, and
    /// the payload salts of entries about it): a purge entry makes these
    /// removals legitimate for the record it names and for every record
    /// its row writes list (a purge batch), from its own entry on.
    pub purges: Vec<String>,
    /// Actions whose allowed entries always write rows (so always commit to
    /// them from the epoch on, and never did before it).
    pub row_actions: Vec<String>,
    /// Whether every entry keeps its payload-digest salt in `entry_salts`
    /// (the service salts every entry it appends).
    pub salted_entries: bool,
    /// The board columns a record of a kind should hold given its document
    /// (`kind`, `doc`), or why the document does not load: rule 6. `None`
    /// leaves the board columns unchecked.
    pub board_of: Option<BoardOf>,
    /// Whether an entry is a consultation, which from the consultation
    /// log's epoch on has its row in `consultations` (rule 7). `None`
    /// leaves missing rows unchecked.
    pub consultation_of: Option<fn(&Entry) -> bool>,
}

/// Derives a record's board columns from its kind and document.
pub type BoardOf = fn(&str, &str) -> Result<Board, String>;

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
    /// The stamp epoch (rule 5).
    epoch: u64,
}

impl<'a> Checker<'a> {
    /// Rules 2 to 4 apply to the rows last written before `epoch`; rule 5
    /// checks the others more closely (every write, every column).
    fn new(rows: &'a [Row], rules: &'a StampRules, epoch: u64) -> Self {
        let mut by_name: HashMap<&str, HashMap<&str, Vec<usize>>> = HashMap::new();
        let mut wanted: HashMap<u64, Vec<(usize, Stamp)>> = HashMap::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            by_name
                .entry(r.kind.as_str())
                .or_default()
                .entry(r.id.as_str())
                .or_default()
                .push(i);
            if r.updated >= epoch {
                continue;
            }
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
            epoch,
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
            if r.updated >= self.epoch {
                continue;
            }
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

/// The tables whose rows the entries commit to, by the name `row_writes`
/// uses, as a static name (a name that is none of them is refused).
/// `consultations` is written only by purges, one row write per batch
/// whose key is the range of entries `first-end` whose consultation rows
/// it deleted (rule 7).
const TABLES: [&str; 6] = [
    "records",
    "agencies",
    "accounts",
    "api_tokens",
    "sessions",
    "consultations",
];

fn table_name(name: &str) -> Option<&'static str> {
    TABLES.into_iter().find(|t| *t == name)
}

/// One write of a row: `(seq, salted, commitment)`.
type Write = (u64, bool, [u8; 32]);

/// `row_writes`, by entry and by row.
#[derive(Default)]
struct Writes {
    by_seq: HashMap<u64, Vec<RowWrite>>,
    /// Each row's writes, oldest first: `(seq, salted, commitment)`.
    by_row: HashMap<(&'static str, String), Vec<Write>>,
}

async fn load_writes(conn: &mut AnyConnection, size: u64) -> Result<Writes, VerifyFailure> {
    let all = sqlx::query(
        "SELECT seq, tbl, row_key, salted, commitment FROM row_writes ORDER BY seq, tbl, row_key",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut w = Writes::default();
    for r in all {
        let seq: i64 = r.try_get(0).map_err(db)?;
        let tbl: String = r.try_get(1).map_err(db)?;
        let key: String = r.try_get(2).map_err(db)?;
        let salted: i64 = r.try_get(3).map_err(db)?;
        let commitment: Vec<u8> = r.try_get(4).map_err(db)?;
        let bad = |why: &str| failure(format!("row_writes ({seq}, {tbl}, {key}): {why}"));
        let seq = u64::try_from(seq)
            .ok()
            .filter(|s| *s < size)
            .ok_or_else(|| bad(&format!("entry {seq} is not in the log ({size} entries)")))?;
        let table = table_name(&tbl).ok_or_else(|| bad("no such table"))?;
        let commitment = <[u8; 32]>::try_from(commitment.as_slice())
            .map_err(|_| bad("the commitment is not 32 bytes"))?;
        let salted = salted != 0;
        w.by_row
            .entry((table, key.clone()))
            .or_default()
            .push((seq, salted, commitment));
        w.by_seq.entry(seq).or_default().push(RowWrite {
            table,
            key,
            salted,
            commitment,
        });
    }
    Ok(w)
}

/// The stamp epoch: entries from it on commit to the rows they write.
async fn load_epoch(conn: &mut AnyConnection, size: u64) -> Result<u64, VerifyFailure> {
    let epoch: Option<i64> = sqlx::query_scalar("SELECT seq FROM stamp_epoch WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    match epoch {
        None => Ok(0),
        Some(e) => u64::try_from(e).ok().filter(|e| *e <= size).ok_or_else(|| {
            failure(format!(
                "the stamp epoch {e} is not within the log ({size} entries)"
            ))
        }),
    }
}

/// What the pass over the log learns for the checks of rule 5 that need
/// the whole log (rows, deletions, salts).
#[derive(Default)]
struct Seen {
    /// The action of every entry that wrote rows or stamps a row.
    actions: HashMap<u64, String>,
    /// The last purge of each `kind/id` (named by a purge entry, or listed
    /// in its row writes).
    purged: HashMap<(String, String), u64>,
    /// Entries from the epoch on without their salt: `(seq, action, kind, id)`.
    unsalted: Vec<(u64, String, String, String)>,
}

/// Rule 5 for the entry at `seq`: its rows in `row_writes` are the ones it
/// committed to, and the epoch was not moved past it.
fn check_entry_writes(
    seq: u64,
    entry: &Entry,
    epoch: u64,
    writes: &Writes,
    rules: &StampRules,
) -> Result<(), VerifyFailure> {
    let at = |message: String| VerifyFailure {
        index: Some(seq),
        message,
    };
    let listed = writes.by_seq.get(&seq);
    let action = &entry.action;
    if seq < epoch {
        if listed.is_some() {
            return Err(at(format!(
                "row_writes lists rows for entry {seq} ({action}), which precedes the stamp epoch {epoch}"
            )));
        }
        if entry.decision == Decision::Allow
            && entry.personal_data.is_some()
            && rules.row_actions.iter().any(|a| a == action)
        {
            return Err(at(format!(
                "stamp_epoch: the epoch {epoch} was moved past entry {seq} ({action}), which commits to the rows it wrote"
            )));
        }
        return Ok(());
    }
    match listed {
        Some(rows)
            if entry.decision != Decision::Allow
                || entry.personal_data != Some(rows_commitment(rows)) =>
        {
            let names: Vec<String> = rows
                .iter()
                .map(|r| format!("{} {}", r.table, r.key))
                .collect();
            return Err(at(format!(
                "row_writes of entry {seq} ({action}) differ from the rows the entry committed to (listed now: {})",
                names.join(", ")
            )));
        }
        None if entry.personal_data.is_some() => {
            return Err(at(format!(
                "row_writes: entry {seq} ({action}) committed to rows it wrote, and row_writes lists none"
            )));
        }
        _ => {}
    }
    Ok(())
}

async fn check(conn: &mut AnyConnection, rules: &StampRules) -> Result<usize, VerifyFailure> {
    let (rows, size) = load_rows(conn).await?;
    let epoch = load_epoch(conn, size).await?;
    let writes = load_writes(conn, size).await?;
    let salts: HashSet<u64> = if rules.salted_entries {
        let seqs: Vec<i64> = sqlx::query_scalar("SELECT seq FROM entry_salts WHERE seq >= $1")
            .bind(epoch as i64)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        seqs.into_iter()
            .filter_map(|s| u64::try_from(s).ok())
            .collect()
    } else {
        HashSet::new()
    };
    let purges: HashSet<&str> = rules.purges.iter().map(String::as_str).collect();
    let log_epoch = crate::consultations::load_epoch(conn, size).await?;
    let purged_log = crate::consultations::PurgedRanges::of(&writes.by_seq, size)?;
    let mut expected: Vec<u64> = Vec::new();
    let mut checker = Checker::new(&rows, rules, epoch);
    let stamp_seqs: HashSet<u64> = rows.iter().flat_map(|r| [r.created, r.updated]).collect();
    let mut seen = Seen::default();
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
            check_entry_writes(next, &entry, epoch, &writes, rules)?;
            if writes.by_seq.contains_key(&next) || stamp_seqs.contains(&next) {
                seen.actions.insert(next, entry.action.clone());
            }
            if entry.decision == Decision::Allow && purges.contains(entry.action.as_str()) {
                seen.purged.insert(
                    (entry.resource.kind.clone(), entry.resource.id.clone()),
                    next,
                );
                // A purge purges in batches: besides the record it names,
                // every record its row writes list (`kind/id`) is purged.
                for w in writes.by_seq.get(&next).into_iter().flatten() {
                    if w.table == "records"
                        && let Some((kind, id)) = w.key.split_once('/')
                    {
                        seen.purged.insert((kind.to_owned(), id.to_owned()), next);
                    }
                }
            }
            let purges_log = writes
                .by_seq
                .get(&next)
                .is_some_and(|ws| ws.iter().any(|w| w.table == crate::consultations::TABLE));
            if purges_log
                && !(entry.decision == Decision::Allow && purges.contains(entry.action.as_str()))
            {
                return Err(VerifyFailure {
                    index: Some(next),
                    message: format!(
                        "entry {next} ({}) lists purged consultations but is no allowed purge",
                        entry.action
                    ),
                });
            }
            let consultation = rules.consultation_of.is_some_and(|f| f(&entry));
            let purged_from_log = consultation && purged_log.by(next).is_some();
            if consultation && next >= log_epoch && !purged_from_log {
                expected.push(next);
            }
            if rules.salted_entries && next >= epoch && !salts.contains(&next) && !purged_from_log {
                seen.unsalted.push((
                    next,
                    entry.action.clone(),
                    entry.resource.kind.clone(),
                    entry.resource.id.clone(),
                ));
            }
            next += 1;
        }
        if next < end {
            return Err(missing(next));
        }
    }
    for (seq, action, kind, id) in &seen.unsalted {
        let purged_later = seen
            .purged
            .get(&(kind.clone(), id.clone()))
            .is_some_and(|p| p > seq);
        if !purged_later {
            return Err(VerifyFailure {
                index: Some(*seq),
                message: format!(
                    "entry_salts row {seq}: the payload salt of entry {seq} ({action}) is missing, and no purge entry names {kind}/{id}"
                ),
            });
        }
    }
    let mut problems = Problems::default();
    check_records(conn, &checker, epoch, &writes, &seen, rules, &mut problems).await?;
    check_other_rows(conn, epoch, &writes, &seen, &mut problems).await?;
    // Every row written (and not deleted since) is still there.
    for ((table, key), hist) in &writes.by_row {
        let Some(&(last, _, commitment)) = hist.last() else {
            continue;
        };
        if commitment != crate::rows::DELETED && !problems.present.contains(&(*table, key.clone()))
        {
            problems.add(
                last,
                format!(
                    "{table} row {key}: missing, but entry {last} ({}) wrote it",
                    seen.action(last)
                ),
            );
        }
    }
    if let Some(f) = problems.first {
        return Err(f);
    }
    // The consultation log, row by row against its entries, and every
    // consultation from the log's epoch on with its row (rule 7).
    let expected = rules.consultation_of.map(|_| (log_epoch, expected));
    let consulted = crate::consultations::verify(conn, size, expected, &purged_log).await?;
    Ok(rows.len() + consulted)
}

impl Seen {
    fn action(&self, seq: u64) -> &str {
        self.actions.get(&seq).map_or("?", String::as_str)
    }
}

/// The row problems found, keeping the one at the lowest entry, and the
/// rows seen (for the missing-row check).
#[derive(Default)]
struct Problems {
    first: Option<VerifyFailure>,
    present: HashSet<(&'static str, String)>,
}

impl Problems {
    fn add(&mut self, seq: u64, message: String) {
        if self
            .first
            .as_ref()
            .is_none_or(|f| f.index.is_some_and(|i| seq < i))
        {
            self.first = Some(VerifyFailure {
                index: Some(seq),
                message,
            });
        }
    }
}

/// One row as it is now: its table, key, stamps and the commitment its
/// columns give.
struct Current {
    write: RowWrite,
    created: u64,
    updated: u64,
    /// For a record: its document, its salt is gone.
    doc_gone: bool,
    salt_gone: bool,
}

/// Rule 5 for one row (stamped at or after the epoch), and the check that
/// a row last written before the epoch was not written since.
fn check_current(
    r: &Current,
    epoch: u64,
    writes: &Writes,
    seen: &Seen,
    purges: &HashSet<&str>,
    problems: &mut Problems,
) {
    let table = r.write.table;
    let key = &r.write.key;
    let hist = writes
        .by_row
        .get(&(table, key.clone()))
        .map_or(&[][..], Vec::as_slice);
    let issued = matches!(table, "api_tokens" | "sessions");
    if r.updated < epoch {
        if let Some(&(w, _, _)) = hist.first() {
            problems.add(
                w,
                format!(
                    "{table} row {key}: stamped with entry {} from before the stamp epoch, but entry {w} ({}) wrote it later",
                    r.updated,
                    seen.action(w)
                ),
            );
        }
        return;
    }
    let u = r.updated;
    let Some(&(_, salted, commitment)) = hist.iter().find(|(s, _, _)| *s == u) else {
        problems.add(
            u,
            if issued {
                format!(
                    "{table} row {key}: no entry issued it (stamped with entry {u} ({}), which wrote no such row)",
                    seen.action(u)
                )
            } else {
                format!(
                    "{table} row {key}: stamped with entry {u} ({}), which did not write it",
                    seen.action(u)
                )
            },
        );
        return;
    };
    if let Some(&(last, _, last_commitment)) = hist.last()
        && last > u
    {
        let did = if last_commitment == crate::rows::DELETED {
            "deleted it"
        } else {
            "wrote it"
        };
        problems.add(
            last,
            format!(
                "{table} row {key}: present as stamped by entry {u}, but entry {last} ({}) {did} later",
                seen.action(last)
            ),
        );
        return;
    }
    if (r.doc_gone || (r.salt_gone && salted)) && !purges.contains(seen.action(u)) {
        let what = if r.doc_gone { "document" } else { "salt" };
        problems.add(
            u,
            format!(
                "{table} row {key}: {what} removed without a purge entry (last written by entry {u} ({}))",
                seen.action(u)
            ),
        );
        return;
    }
    if commitment != r.write.commitment || salted != r.write.salted {
        problems.add(
            u,
            format!(
                "{table} row {key}: differs from what entry {u} ({}) wrote",
                seen.action(u)
            ),
        );
        return;
    }
    let c = r.created;
    if c >= epoch && !hist.iter().any(|(s, _, _)| *s == c) {
        problems.add(
            c,
            if issued {
                format!(
                    "{table} row {key}: no entry issued it (stamped as created by entry {c} ({}), which wrote no such row)",
                    seen.action(c)
                )
            } else {
                format!(
                    "{table} row {key}: stamped as created by entry {c} ({}), which did not write it",
                    seen.action(c)
                )
            },
        );
    }
}

/// Rules 4 and 5 for every record, read a chunk at a time.
#[allow(clippy::too_many_arguments)]
async fn check_records(
    conn: &mut AnyConnection,
    checker: &Checker<'_>,
    epoch: u64,
    writes: &Writes,
    seen: &Seen,
    rules: &StampRules,
    problems: &mut Problems,
) -> Result<(), VerifyFailure> {
    let purges: HashSet<&str> = rules.purges.iter().map(String::as_str).collect();
    let mut after = (String::new(), String::new());
    loop {
        let chunk = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM records
             WHERE kind > $1 OR (kind = $1 AND id > $2)
             ORDER BY kind, id LIMIT $3",
            records::COLUMNS
        )))
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
        for row in &chunk {
            let rec = records::from_row(row).map_err(db)?;
            if let Some(board_of) = rules.board_of {
                board_columns(&rec, board_of, problems);
            }
            // `load_rows` checked that both stamps are in the log.
            let updated = rec.updated_seq as u64;
            if updated < epoch {
                old_document(&rec, checker, seen, problems);
            }
            let current = Current {
                write: rec.row_write(),
                created: rec.created_seq as u64,
                updated,
                doc_gone: rec.doc.is_none(),
                salt_gone: rec.salt.is_none(),
            };
            check_current(&current, epoch, writes, seen, &purges, problems);
            problems.present.insert(("records", rec.key()));
        }
        if (chunk.len() as i64) < DOC_CHUNK {
            return Ok(());
        }
    }
}

/// Rule 6 for one record: its board columns are what its document says.
fn board_columns(rec: &Record, board_of: BoardOf, problems: &mut Problems) {
    let seq = rec.updated_seq as u64;
    let key = rec.key();
    let expected = match rec.doc.as_deref() {
        None => Board::default(),
        Some(doc) => match board_of(&rec.kind, doc) {
            Ok(b) => b,
            Err(e) => {
                problems.add(
                    seq,
                    format!("records row {key}: its document does not load ({e})"),
                );
                return;
            }
        },
    };
    if rec.board != expected {
        let b = &rec.board;
        let differ: Vec<String> = [
            (
                "open_due_at",
                b.open_due_at.map(|v| v.to_string()),
                expected.open_due_at.map(|v| v.to_string()),
            ),
            ("category", b.category.clone(), expected.category.clone()),
            (
                "severity",
                b.severity.map(|v| v.to_string()),
                expected.severity.map(|v| v.to_string()),
            ),
            ("awaiting", b.awaiting.clone(), expected.awaiting.clone()),
        ]
        .into_iter()
        .filter(|(_, stored, derived)| stored != derived)
        .map(|(column, stored, derived)| {
            let show = |v: Option<String>| v.unwrap_or_else(|| "NULL".into());
            format!(
                "{column} is {} where the document says {}",
                show(stored),
                show(derived)
            )
        })
        .collect();
        problems.add(
            seq,
            format!(
                "records row {key}: board column {} (last written by entry {seq})",
                differ.join(", ")
            ),
        );
    }
}

/// Rule 4 for a record last written before the epoch: its salt and
/// document match the commitment of the entry at `updated_seq` when that
/// entry names it; if they are gone, a purge removed them.
fn old_document(rec: &Record, checker: &Checker<'_>, seen: &Seen, problems: &mut Problems) {
    // An entry that names another row (a side creation) or commits to
    // nothing leaves nothing to compare.
    let Some((i, commitment)) = checker
        .named(&rec.kind, &rec.id)
        .iter()
        .find_map(|&i| checker.commitments[i].map(|c| (i, c)))
    else {
        return;
    };
    let seq = checker.rows[i].updated;
    let (kind, id) = (&rec.kind, &rec.id);
    let (Some(salt), Some(doc)) = (&rec.salt, &rec.doc) else {
        let purged = seen
            .purged
            .get(&(kind.clone(), id.clone()))
            .is_some_and(|p| *p >= seq);
        if !purged {
            let what = if rec.doc.is_none() {
                "document"
            } else {
                "salt"
            };
            problems.add(
                seq,
                format!(
                    "records row {kind}/{id}: {what} removed without a purge entry (entry {seq} committed to its personal data)"
                ),
            );
        }
        return;
    };
    let ok = <[u8; 32]>::try_from(salt.as_slice())
        .is_ok_and(|s| ledger::verify_commitment(&s, doc.as_bytes(), &commitment));
    if !ok {
        problems.add(
            seq,
            format!(
                "row {kind}/{id} is stamped with entry {seq} which commits to a different document"
            ),
        );
    }
}

/// Rule 5 for the rows of `agencies`, `accounts`, `api_tokens` and
/// `sessions`.
async fn check_other_rows(
    conn: &mut AnyConnection,
    epoch: u64,
    writes: &Writes,
    seen: &Seen,
    problems: &mut Problems,
) -> Result<(), VerifyFailure> {
    let mut current = Vec::new();
    for a in records::agencies(&mut *conn).await.map_err(db)? {
        current.push((a.row_write(), a.created_seq, a.updated_seq));
    }
    for a in records::accounts(&mut *conn).await.map_err(db)? {
        current.push((a.row_write(), a.created_seq, a.updated_seq));
    }
    for t in auth::tokens(&mut *conn).await.map_err(db)? {
        current.push((t.row_write(), t.created_seq, t.updated_seq));
    }
    for s in auth::sessions(&mut *conn).await.map_err(db)? {
        current.push((s.row_write(), s.created_seq, s.created_seq));
    }
    let purges = HashSet::new();
    for (write, created, updated) in current {
        // `load_rows` checked that both stamps are in the log.
        let row = Current {
            created: created as u64,
            updated: updated as u64,
            doc_gone: false,
            salt_gone: false,
            write,
        };
        check_current(&row, epoch, writes, seen, &purges, problems);
        problems
            .present
            .insert((row.write.table, row.write.key.clone()));
    }
    Ok(())
}
