//! The sequencer: one writer connection, one total order of ledger entries,
//! group commit.
//!
//! Callers hand [`Store::write`](crate::Store::write) a closure. The writer
//! task takes every closure that is waiting (up to [`MAX_BATCH`]), opens one
//! transaction holding the database's write lock, and runs each closure
//! under its own savepoint: a closure that fails is rolled back to its
//! savepoint (its entries too) without disturbing the others. A succeeding
//! closure's savepoint is released together with the next one's opening (or
//! before the batch's entries are inserted), so a savepoint costs one round
//! trip, not two. A closure alone in its batch gets no savepoint: if it
//! fails, the whole transaction is rolled back. Then the writer inserts the
//! batch's entries, stores the new signed checkpoint in the same
//! transaction, commits,
//! and only after the commit answers each caller. So an acknowledged write is
//! durable with its entries, and a crash at any point leaves either the
//! whole batch or none of it.
//!
//! The writer keeps the right edge of the Merkle tree in memory (one hash
//! per level), so appending an entry costs its hashes and one `INSERT`, and
//! re-reads it from the database whenever another process has appended
//! since (the write lock makes that safe).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use ledger::{Checkpoint, Entry, Hash, NoteSigner, leaf_hash, node_hash};
use sqlx::AnyConnection;
use tokio::sync::{mpsc, oneshot};

use crate::checkpointer::Checkpointer;
use crate::inserts::{Table, Value};
use crate::rows::{RowWrite, normalize, rows_commitment};
use crate::{Backend, BoxFuture, StoreError, begin_write, exec};

/// Most closures committed in one transaction.
pub const MAX_BATCH: usize = 1024;

/// Rows per multi-row `INSERT` of entries.
const INSERT_CHUNK: usize = 256;

/// A generation number no write transaction of this process has had
/// ([`WriteTx::generation`]).
fn next_generation() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The transaction a write closure runs in.
pub struct WriteTx {
    conn: AnyConnection,
    log: LogState,
    now_ms: i64,
    /// Entries appended in this batch, not yet inserted: `(seq, entry, hashes)`.
    pending: Vec<(i64, Vec<u8>, Vec<u8>)>,
    /// Payload-digest salts of entries appended in this batch, not yet
    /// inserted: `(seq, salt)`.
    pending_salts: Vec<(i64, [u8; 32])>,
    /// Rows written by entries appended in this batch, not yet inserted
    /// into `row_writes`: `(seq, row)`.
    pending_rows: Vec<(i64, RowWrite)>,
    /// Consultations recorded by entries of this batch, not yet inserted.
    pending_consultations: Vec<crate::consultations::Consultation>,
    /// Whether the running closure has opened its savepoint.
    in_savepoint: bool,
    /// Whether the running closure needs a savepoint at all: not when it is
    /// alone in its batch, whose transaction then stands for it (rolled
    /// back whole if it fails). A savepoint makes SQLite copy every page
    /// the closure changes into its statement journal, which for a batch
    /// of thousands of applicants written into digest-keyed indexes is
    /// most of the pages it touches.
    savepoints: bool,
    /// Whether an earlier closure of this batch succeeded and left its
    /// savepoint open: the next savepoint releases it in the same round
    /// trip, and the commit releases the last one.
    held_savepoint: bool,
    /// Changes whenever what a read returns may have changed
    /// ([`WriteTx::generation`]).
    generation: u64,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx")
            .field("size", &self.log.size)
            .field("now_ms", &self.now_ms)
            .finish_non_exhaustive()
    }
}

impl WriteTx {
    /// The connection, inside the open transaction. The first call in a
    /// closure opens the closure's savepoint, so closures that only append
    /// entries (denials, screenings, consultations) cost no statements of
    /// their own.
    pub async fn conn(&mut self) -> Result<&mut AnyConnection, StoreError> {
        self.generation = next_generation();
        if !self.in_savepoint && self.savepoints {
            if self.held_savepoint {
                // Two statements, one round trip.
                exec(&mut self.conn, "RELEASE SAVEPOINT job; SAVEPOINT job").await?;
                self.held_savepoint = false;
            } else {
                exec(&mut self.conn, "SAVEPOINT job").await?;
            }
            self.in_savepoint = true;
        }
        Ok(&mut self.conn)
    }

    /// The connection, inside the open transaction, for statements that
    /// change nothing (the caller's account, a record to decide on): no
    /// savepoint is opened, so a closure that only reads and appends entries
    /// (a screening, a consultation, a denial) costs no round trip for one.
    /// A statement that changes rows must go through [`WriteTx::conn`], so
    /// that a failing closure's changes roll back with its savepoint; and
    /// since on PostgreSQL a statement that errs outside a savepoint aborts
    /// the whole batch, only plain lookups belong here (a missing row is
    /// `None`, not an error).
    pub fn read_conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }

    /// A number that stays the same only while no row can have changed
    /// since it was read: it moves whenever a closure takes
    /// [`WriteTx::conn`] (the way to change rows), when a closure's or a
    /// batch's changes are rolled back, and at a batch's start when another
    /// process appended to the ledger since this writer's last commit. That
    /// last rule rests on the store's invariant that every change of state
    /// commits with a ledger entry: a ledger of the size this writer left
    /// it holds the rows it left. What a closure read through
    /// [`WriteTx::read_conn`] at one generation, a later closure (of this
    /// batch or a later one) at the same generation would read again
    /// unchanged, so it may reuse it (the caller's account, for a run of
    /// screenings).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The batch's time (Unix ms), which every entry appended now carries.
    /// It never goes backwards within a ledger.
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// The sequence number the next appended entry will get.
    pub fn next_seq(&self) -> u64 {
        self.log.size
    }

    /// Appends `entry` to the ledger in this transaction. Its `seq` and
    /// `time_ms` are set here (whatever the caller put there); returns the
    /// sequence number. The row is written with the batch, before the
    /// commit; if the closure fails, the entry goes with it.
    pub fn append(&mut self, mut entry: Entry) -> Result<u64, StoreError> {
        let seq = self.log.size;
        entry.seq = seq;
        entry.time_ms = self.now_ms;
        let bytes = entry.encode()?;
        let hashes = self.log.hashes_for(leaf_hash(&bytes));
        let mut blob = Vec::with_capacity(hashes.len() * 32);
        for h in &hashes {
            blob.extend_from_slice(h.as_bytes());
        }
        let seq_i64 = i64::try_from(seq).map_err(|_| StoreError::Ledger("log full".into()))?;
        self.pending.push((seq_i64, bytes, blob));
        self.log.advance(&hashes);
        Ok(seq)
    }

    /// [`WriteTx::append`], keeping `salt` (the key of the entry's payload
    /// digest) in `entry_salts` under the entry's sequence number. The salt
    /// is inserted with the batch's entries, so it costs no statement of its
    /// own, and goes with the entry if the closure fails.
    pub fn append_salted(&mut self, entry: Entry, salt: [u8; 32]) -> Result<u64, StoreError> {
        let seq = self.append(entry)?;
        // `append` checked that the sequence number fits.
        self.pending_salts.push((seq as i64, salt));
        Ok(seq)
    }

    /// [`WriteTx::append_salted`] for an entry that wrote `rows` (created,
    /// changed or deleted them, in this transaction): the entry's
    /// personal-data commitment becomes [`rows_commitment`] of their list,
    /// and the list is kept in `row_writes` under the entry's sequence
    /// number, inserted with the batch's entries. With no rows the entry is
    /// appended as given.
    pub fn append_rows(
        &mut self,
        mut entry: Entry,
        salt: [u8; 32],
        rows: Vec<RowWrite>,
    ) -> Result<u64, StoreError> {
        let rows = normalize(rows);
        if !rows.is_empty() {
            entry.personal_data = Some(rows_commitment(&rows));
        }
        let seq = self.append_salted(entry, salt)?;
        self.pending_rows
            .extend(rows.into_iter().map(|r| (seq as i64, r)));
        Ok(seq)
    }

    /// Inserts the batch's rows, stores the ledger head (`head`: the new
    /// size and signed checkpoint, when entries were appended) and commits.
    /// On SQLite a small batch's end is one multi-statement text, one round
    /// trip ([`crate::inserts`]); otherwise the rows go as bound statements
    /// and the head with the commit ([`commit_with_head`]).
    async fn commit(
        &mut self,
        backend: Backend,
        head: Option<(i64, &str)>,
    ) -> Result<(), StoreError> {
        // The last closure's savepoint is released before the batch's own
        // inserts: left open, every page those change would be copied into
        // its statement journal for nothing.
        let release = std::mem::take(&mut self.held_savepoint);
        let subjects = crate::consultations::subjects(&self.pending_consultations);
        let tables = batch_tables(
            &self.pending,
            &self.pending_salts,
            &self.pending_rows,
            &self.pending_consultations,
            &subjects,
        );
        if backend == Backend::Sqlite && crate::inserts::small(&tables) {
            let mut sql = String::new();
            if release {
                sql.push_str("RELEASE SAVEPOINT job; ");
            }
            crate::inserts::literal(&mut sql, &tables);
            if let Some((size, checkpoint)) = head {
                sql.push_str(&head_update(size, checkpoint));
                sql.push_str("; ");
            }
            sql.push_str("COMMIT");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut self.conn)
                .await?;
        } else {
            if release {
                exec(&mut self.conn, "RELEASE SAVEPOINT job").await?;
            }
            crate::inserts::bound(&mut self.conn, &tables).await?;
            match head {
                Some((size, checkpoint)) => {
                    commit_with_head(&mut self.conn, backend, size, checkpoint).await?;
                }
                None => exec(&mut self.conn, "COMMIT").await?,
            }
        }
        self.pending.clear();
        self.pending_salts.clear();
        self.pending_rows.clear();
        self.pending_consultations.clear();
        Ok(())
    }

    /// Keeps `consultation` in the consultation log with its entry (whose
    /// `seq` it names, appended in this transaction): inserted with the
    /// batch's entries, gone with them if the closure fails.
    pub fn consulted(&mut self, consultation: crate::consultations::Consultation) {
        self.pending_consultations.push(consultation);
    }
}

/// The rows a batch inserts: its entries, their salts, the rows they wrote,
/// the consultations and whom they concerned (`subjects`).
fn batch_tables<'a>(
    entries: &'a [(i64, Vec<u8>, Vec<u8>)],
    salts: &'a [(i64, [u8; 32])],
    rows: &'a [(i64, RowWrite)],
    consultations: &'a [crate::consultations::Consultation],
    subjects: &[(&'a str, i64)],
) -> Vec<Table<'a>> {
    let mut tables = vec![
        Table {
            target: "ledger_entries (seq, entry, hashes)",
            columns: 3,
            chunk: INSERT_CHUNK,
            values: entries
                .iter()
                .flat_map(|(seq, entry, hashes)| {
                    [Value::Int(*seq), Value::Bytes(entry), Value::Bytes(hashes)]
                })
                .collect(),
        },
        Table {
            target: "entry_salts (seq, salt)",
            columns: 2,
            chunk: INSERT_CHUNK,
            values: salts
                .iter()
                .flat_map(|(seq, salt)| [Value::Int(*seq), Value::Bytes(salt)])
                .collect(),
        },
        Table {
            target: "row_writes (seq, tbl, row_key, salted, commitment)",
            columns: 5,
            chunk: INSERT_CHUNK,
            values: rows
                .iter()
                .flat_map(|(seq, r)| {
                    [
                        Value::Int(*seq),
                        Value::Text(r.table),
                        Value::Text(&r.key),
                        Value::Int(i64::from(r.salted)),
                        Value::Bytes(&r.commitment),
                    ]
                })
                .collect(),
        },
    ];
    tables.extend(crate::consultations::tables(consultations, subjects));
    tables
}

/// The right edge of the tree: for each level, the most recently completed
/// subtree hash; with the size, enough to append and to compute the root.
#[derive(Clone, Debug, Default)]
struct LogState {
    size: u64,
    edge: Vec<Hash>,
}

impl LogState {
    /// The stored hashes that leaf `size` completes, level 0 first (Go
    /// sumdb's `StoredHashes` for the record). Changes nothing: see [`Self::advance`].
    fn hashes_for(&self, leaf: Hash) -> Vec<Hash> {
        let levels = self.size.trailing_ones() as usize;
        let mut out = Vec::with_capacity(levels + 1);
        out.push(leaf);
        let mut h = leaf;
        for left in &self.edge[..levels] {
            h = node_hash(left, &h);
            out.push(h);
        }
        out
    }

    /// Records that leaf `size` was stored with `hashes` (from [`Self::hashes_for`]).
    fn advance(&mut self, hashes: &[Hash]) {
        for (j, h) in hashes.iter().enumerate() {
            if j < self.edge.len() {
                self.edge[j] = *h;
            } else {
                self.edge.push(*h);
            }
        }
        self.size += 1;
    }

    /// The root of the tree of the current size.
    fn root(&self) -> Hash {
        if self.size == 0 {
            return ledger::tlog::empty_tree_hash();
        }
        let mut root: Option<Hash> = None;
        for j in 0..64 {
            if self.size >> j & 1 == 1 {
                let sub = self.edge[j];
                root = Some(match root {
                    None => sub,
                    Some(r) => node_hash(&sub, &r),
                });
            }
        }
        root.unwrap_or_else(ledger::tlog::empty_tree_hash)
    }

    /// Reads the edge of a tree of `size` entries from the database.
    async fn load(conn: &mut AnyConnection, size: u64) -> Result<LogState, StoreError> {
        let mut edge = Vec::new();
        for j in 0..64u32 {
            let count = size >> j;
            if count == 0 {
                break;
            }
            // Subtree (j, count-1) is completed by record ((count) << j) - 1.
            let seq = (count << j) - 1;
            let blob: Vec<u8> =
                sqlx::query_scalar("SELECT hashes FROM ledger_entries WHERE seq = $1")
                    .bind(i64::try_from(seq).map_err(|_| StoreError::Ledger("log full".into()))?)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::Ledger(format!("entry {seq} is missing")))?;
            let at = j as usize * 32;
            let bytes: [u8; 32] = blob
                .get(at..at + 32)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    StoreError::Ledger(format!("entry {seq}: stored hashes are truncated"))
                })?;
            edge.push(Hash(bytes));
        }
        Ok(LogState { size, edge })
    }
}

/// One queued closure, with its type erased so batches can mix them.
trait Job: Send {
    /// Runs the closure; returns whether it succeeded.
    fn run<'a>(&'a mut self, tx: &'a mut WriteTx) -> BoxFuture<'a, bool>;
    /// Answers the caller: the closure's result if the batch committed,
    /// otherwise the commit's error.
    fn finish(self: Box<Self>, commit: Result<(), &StoreError>);
}

struct TypedJob<F, T, E> {
    f: Option<F>,
    result: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> Job for TypedJob<F, T, E>
where
    F: for<'a> FnOnce(&'a mut WriteTx) -> BoxFuture<'a, Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    fn run<'a>(&'a mut self, tx: &'a mut WriteTx) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let Some(f) = self.f.take() else {
                return false;
            };
            let result = f(tx).await;
            let ok = result.is_ok();
            self.result = Some(result);
            ok
        })
    }

    fn finish(self: Box<Self>, commit: Result<(), &StoreError>) {
        let answer = match (commit, self.result) {
            // A failed closure changed nothing: its own error stands.
            (_, Some(Err(e))) => Err(e),
            (Ok(()), Some(Ok(t))) => Ok(t),
            (Err(e), _) => Err(E::from(StoreError::Ledger(format!(
                "the transaction did not commit: {e}"
            )))),
            (Ok(()), None) => Err(E::from(StoreError::WriterStopped)),
        };
        // The caller may have gone away; the work is committed regardless.
        let _ = self.reply.send(answer);
    }
}

enum Message {
    Job(Box<dyn Job>),
    Shutdown(oneshot::Sender<()>),
}

/// The handle the store keeps to its writer task.
pub(crate) struct Handle {
    tx: mpsc::UnboundedSender<Message>,
}

impl Handle {
    pub(crate) async fn submit<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: for<'a> FnOnce(&'a mut WriteTx) -> BoxFuture<'a, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = TypedJob {
            f: Some(f),
            result: None,
            reply,
        };
        self.tx
            .send(Message::Job(Box::new(job)))
            .map_err(|_| E::from(StoreError::WriterStopped))?;
        answer
            .await
            .unwrap_or_else(|_| Err(E::from(StoreError::WriterStopped)))
    }

    pub(crate) async fn shutdown(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Shutdown(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

/// Starts the writer task on `conn`.
pub(crate) async fn spawn(
    mut conn: AnyConnection,
    backend: Backend,
    signer: NoteSigner,
    committed: Arc<AtomicU64>,
    checkpointer: Option<Checkpointer>,
) -> Result<Handle, StoreError> {
    let size = head_size(&mut conn).await?;
    committed.store(size, Ordering::Release);
    let log = LogState::load(&mut conn, size).await?;
    let (tx, rx) = mpsc::unbounded_channel();
    let writer = Writer {
        tx: Some(WriteTx {
            conn,
            log,
            now_ms: 0,
            pending: Vec::new(),
            pending_salts: Vec::new(),
            pending_rows: Vec::new(),
            pending_consultations: Vec::new(),
            in_savepoint: false,
            savepoints: true,
            held_savepoint: false,
            generation: next_generation(),
        }),
        backend,
        signer,
        last_time: 0,
        committed,
        checkpointer,
    };
    tokio::spawn(writer.run(rx));
    Ok(Handle { tx })
}

/// Opens a batch's transaction and reads the ledger's size in it. On
/// SQLite both go in one round trip to the connection's thread (each is
/// a hand-off there and back, a sizeable part of a small batch).
async fn begin_batch(conn: &mut AnyConnection, backend: Backend) -> Result<u64, StoreError> {
    if backend != Backend::Sqlite {
        begin_write(conn, backend).await?;
        return head_size(conn).await;
    }
    let rows = sqlx::raw_sql("BEGIN IMMEDIATE; SELECT size FROM ledger_head WHERE id = 1")
        .fetch_all(&mut *conn)
        .await?;
    let size: i64 = match rows.as_slice() {
        [row] => sqlx::Row::try_get(row, 0)?,
        _ => return Err(StoreError::Ledger("the ledger has no head".into())),
    };
    u64::try_from(size).map_err(|_| StoreError::Ledger(format!("negative ledger size {size}")))
}

/// Stores the batch's new size and signed checkpoint and commits. On
/// SQLite in one round trip: the values are written into the statement,
/// the checkpoint as hex (`CAST(X'…' AS TEXT)`, so no character of its
/// text can end the literal), which the multi-statement form needs since
/// it binds no parameters.
async fn commit_with_head(
    conn: &mut AnyConnection,
    backend: Backend,
    size: i64,
    checkpoint: &str,
) -> Result<(), StoreError> {
    if backend != Backend::Sqlite {
        sqlx::query("UPDATE ledger_head SET size = $1, checkpoint = $2 WHERE id = 1")
            .bind(size)
            .bind(checkpoint)
            .execute(&mut *conn)
            .await?;
        return exec(conn, "COMMIT").await;
    }
    let sql = format!("{}; COMMIT", head_update(size, checkpoint));
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// SQLite's update of the ledger head with its values written in.
fn head_update(size: i64, checkpoint: &str) -> String {
    format!(
        "UPDATE ledger_head SET size = {size}, checkpoint = CAST(X'{}' AS TEXT) WHERE id = 1",
        crate::hex(checkpoint.as_bytes())
    )
}

async fn head_size(conn: &mut AnyConnection) -> Result<u64, StoreError> {
    let size: i64 = sqlx::query_scalar("SELECT size FROM ledger_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    u64::try_from(size).map_err(|_| StoreError::Ledger(format!("negative ledger size {size}")))
}

struct Writer {
    tx: Option<WriteTx>,
    backend: Backend,
    signer: NoteSigner,
    last_time: i64,
    committed: Arc<AtomicU64>,
    /// Copies committed pages into the database file off this path
    /// (SQLite only; [`crate::checkpointer`]).
    checkpointer: Option<Checkpointer>,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Message>) {
        let mut jobs: Vec<Box<dyn Job>> = Vec::new();
        let mut stop: Option<oneshot::Sender<()>> = None;
        while let Some(first) = rx.recv().await {
            match first {
                Message::Job(j) => jobs.push(j),
                Message::Shutdown(done) => stop = Some(done),
            }
            while stop.is_none() && jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(Message::Job(j)) => jobs.push(j),
                    Ok(Message::Shutdown(done)) => stop = Some(done),
                    Err(_) => break,
                }
            }
            if !jobs.is_empty() {
                self.run_batch(&mut jobs).await;
            }
            if let Some(done) = stop.take() {
                if let Some(checkpointer) = self.checkpointer.take() {
                    checkpointer.stop().await;
                }
                if let Some(tx) = self.tx.take() {
                    let _ = sqlx::Connection::close(tx.conn).await;
                }
                let _ = done.send(());
                return;
            }
        }
    }

    async fn run_batch(&mut self, jobs: &mut Vec<Box<dyn Job>>) {
        let Some(tx) = self.tx.as_mut() else {
            for job in jobs.drain(..) {
                job.finish(Err(&StoreError::WriterStopped));
            }
            return;
        };
        let outcome = batch(tx, self.backend, &self.signer, &mut self.last_time, jobs).await;
        if let Err(e) = &outcome {
            // Roll back whatever is open and re-read the edge, so the next
            // batch starts from what the database really holds.
            let _ = exec(&mut tx.conn, "ROLLBACK").await;
            // What closures read after changing rows is gone with them.
            tx.generation = next_generation();
            tx.pending.clear();
            tx.pending_salts.clear();
            tx.pending_rows.clear();
            tx.pending_consultations.clear();
            if let Ok(size) = head_size(&mut tx.conn).await
                && let Ok(log) = LogState::load(&mut tx.conn, size).await
            {
                tx.log = log;
            }
            for job in jobs.drain(..) {
                job.finish(Err(e));
            }
            return;
        }
        self.committed.fetch_max(tx.log.size, Ordering::AcqRel);
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.committed();
        }
        for job in jobs.drain(..) {
            job.finish(Ok(()));
        }
    }
}

/// Runs one batch in one transaction. On error the transaction is left for
/// the caller to roll back.
async fn batch(
    tx: &mut WriteTx,
    backend: Backend,
    signer: &NoteSigner,
    last_time: &mut i64,
    jobs: &mut [Box<dyn Job>],
) -> Result<(), StoreError> {
    let size = begin_batch(&mut tx.conn, backend).await?;
    if size != tx.log.size {
        // Another process appended since our last batch: what it changed
        // came with its entries, and what was read before may be stale.
        tx.log = LogState::load(&mut tx.conn, size).await?;
        tx.generation = next_generation();
    }
    let start = tx.log.size;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    tx.now_ms = now.max(*last_time);
    tx.held_savepoint = false;
    // A closure alone in its batch runs without a savepoint: if it fails,
    // the transaction is rolled back whole, which undoes exactly it.
    let alone = jobs.len() == 1;
    tx.savepoints = !alone;
    for job in jobs.iter_mut() {
        let before = (
            tx.log.clone(),
            tx.pending.len(),
            tx.pending_salts.len(),
            tx.pending_rows.len(),
            tx.pending_consultations.len(),
        );
        tx.in_savepoint = false;
        let ok = job.run(tx).await;
        if tx.in_savepoint {
            if ok {
                // Released by the next closure's savepoint or the commit.
                tx.held_savepoint = true;
            } else {
                exec(
                    &mut tx.conn,
                    "ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job",
                )
                .await?;
                // What the closure read after its changes is gone with them.
                tx.generation = next_generation();
            }
            tx.in_savepoint = false;
        }
        if !ok {
            tx.log = before.0;
            tx.pending.truncate(before.1);
            tx.pending_salts.truncate(before.2);
            tx.pending_rows.truncate(before.3);
            tx.pending_consultations.truncate(before.4);
            if alone {
                // Nothing else is in the transaction: undo it all, and
                // with it what was read after its changes.
                tx.savepoints = true;
                tx.generation = next_generation();
                return exec(&mut tx.conn, "ROLLBACK").await;
            }
        }
    }
    tx.savepoints = true;
    if tx.log.size != start {
        let origin = signer.name().to_owned();
        let checkpoint = Checkpoint::new(&origin, tx.log.size, tx.log.root())
            .sign(&[signer])
            .map_err(|e| StoreError::Ledger(e.to_string()))?;
        let new_size =
            i64::try_from(tx.log.size).map_err(|_| StoreError::Ledger("log full".into()))?;
        tx.commit(backend, Some((new_size, &checkpoint))).await?;
    } else {
        tx.commit(backend, None).await?;
    }
    *last_time = tx.now_ms;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger::MemoryLog;

    #[test]
    fn edge_matches_memory_log() {
        let mut state = LogState::default();
        let mut mem = MemoryLog::new();
        let mut stored = Vec::new();
        for i in 0..300u32 {
            let data = i.to_be_bytes();
            let hashes = state.hashes_for(leaf_hash(&data));
            state.advance(&hashes);
            stored.extend(hashes);
            mem.append(&data).unwrap();
            assert_eq!(state.root(), mem.root().unwrap(), "size {}", i + 1);
        }
        assert_eq!(stored.as_slice(), mem.stored_hashes());
    }
}
