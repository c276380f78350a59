//! `store`: cortina's database, SQLite by default and PostgreSQL when
//! configured, through one code path.
//!
//! * [`Store::open`] connects (a file `cortina.db` under the data directory,
//!   or a `postgres://` URL), applies the [`migrate`] set, and loads the
//!   ledger's signing key ([`keys`]).
//! * Every change goes through [`Store::write`]: a closure that runs inside a
//!   transaction on the one writer connection and appends its ledger entries
//!   with [`WriteTx::append`]. The change and its entries commit together or
//!   not at all. Writes are group-committed: the sequencer ([`writer`]) runs
//!   the closures that are waiting, each under its own savepoint, then
//!   commits once and only then answers each caller.
//! * Sessions, API tokens and failed-login counters are rows of their own
//!   ([`auth`]), changed in the same transaction as their ledger entries.
//! * The ledger is read back for checkpoints, proofs, tiles and verification
//!   ([`read`]); every row's stamps are checked against it ([`stamps`]).
//!
//! Durability is as shipped: SQLite in WAL mode with `synchronous=FULL`,
//! PostgreSQL with its defaults (`synchronous_commit=on`).

pub mod applicants;
pub mod auth;
mod checkpointer;
pub mod consultations;
mod inserts;
pub mod keys;
pub mod migrate;
pub mod passes;
pub mod purge;
pub mod read;
pub mod records;
pub mod rename;
pub mod rows;
mod sql;
pub mod stamps;
pub mod stats;
pub mod testing;
pub mod witnessed;
pub mod writer;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use ledger::{Checkpoint, NoteSigner, NoteVerifier};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions as _};

pub use read::{LedgerStats, VerifyFailure, VerifyReport};
pub use sqlx::AnyConnection;
pub use stamps::StampRules;
pub use writer::WriteTx;

/// A boxed future, as the write closures return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// File name of the SQLite database inside the data directory.
pub const SQLITE_FILE: &str = "cortina.db";

/// Origin used when none is configured.
pub const DEFAULT_ORIGIN: &str = "cortina.example/mico2026";

/// Which database engine the store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, one file under the data directory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Where the store lives: the data directory (always: it holds the signing
/// key) and, optionally, a PostgreSQL URL.
#[derive(Clone, Debug)]
pub struct Location {
    /// The data directory.
    pub data_dir: PathBuf,
    /// `postgres://…`, or `None` for the SQLite file in `data_dir`.
    pub database_url: Option<String>,
}

impl Location {
    /// The SQLite default under `data_dir`.
    pub fn sqlite(data_dir: impl Into<PathBuf>) -> Self {
        Location {
            data_dir: data_dir.into(),
            database_url: None,
        }
    }

    /// The backend this location selects.
    pub fn backend(&self) -> Result<Backend, StoreError> {
        match &self.database_url {
            None => Ok(Backend::Sqlite),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Backend::Postgres)
            }
            Some(url) if url.starts_with("sqlite:") => Ok(Backend::Sqlite),
            Some(url) => Err(StoreError::BadUrl(redact_url(url))),
        }
    }

    fn url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join(SQLITE_FILE).display()
            ),
        }
    }

    /// A description safe to print: the file path, or the URL without its
    /// password.
    pub fn describe(&self) -> String {
        match &self.database_url {
            None => self.data_dir.join(SQLITE_FILE).display().to_string(),
            Some(url) => redact_url(url),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The last '@' ends the user information: a password may hold an
    // unescaped '@' of its own (over-redacting a path with one is safe).
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// How to open the store.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Create the store (database schema, signing key, empty ledger) if it
    /// does not exist. Without it, a missing store is an error.
    pub create: bool,
    /// The ledger's origin for a new store (default [`DEFAULT_ORIGIN`]).
    pub origin: Option<String>,
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// No store at this location, and creation was not asked for.
    #[error("no cortina store at {0} (create one with `cortina admin init`)")]
    NotInitialised(String),
    /// The database URL is neither SQLite nor PostgreSQL.
    #[error("unsupported database URL {0:?} (expected postgres://… or sqlite:…)")]
    BadUrl(String),
    /// The key file is readable by others.
    #[error(
        "{path}: permissions {mode:o} let others read the ledger signing key; run `chmod 600` on it"
    )]
    KeyPermissions {
        /// The key file.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// The key file does not hold a signing key.
    #[error("{path}: not a ledger signing key: {reason}")]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The key does not belong to this ledger.
    #[error("the signing key {key} does not match this ledger (origin {origin}): {reason}")]
    KeyMismatch {
        /// The key's name.
        key: String,
        /// The ledger's origin.
        origin: String,
        /// Why.
        reason: String,
    },
    /// The origin is not a valid key name.
    #[error("origin {origin:?} cannot name a key: {reason}")]
    BadOrigin {
        /// The origin.
        origin: String,
        /// Why.
        reason: String,
    },
    /// The operating system's random source failed.
    #[error("random source: {0}")]
    Random(String),
    /// A shipped migration was changed after it was applied.
    #[error("migration {version} ({name}) differs from the one applied to this database")]
    MigrationChanged {
        /// Migration version.
        version: i64,
        /// Migration name.
        name: &'static str,
    },
    /// The database was migrated by a newer cortina.
    #[error("database schema version {found} is newer than this cortina knows ({known})")]
    SchemaTooNew {
        /// Version found.
        found: i64,
        /// Newest version known.
        known: i64,
    },
    /// The ledger's stored state is inconsistent (see `cortina ledger verify`).
    #[error("ledger: {0}")]
    Ledger(String),
    /// An entry could not be encoded.
    #[error("ledger entry: {0}")]
    Entry(#[from] ledger::EntryError),
    /// A proof or tile was asked for outside the log.
    #[error("{0}")]
    OutOfRange(String),
    /// The writer stopped (the store is shutting down or failed).
    #[error("the store's writer has stopped")]
    WriterStopped,
    /// Work that could not finish now (another connection holds what it
    /// needs); running it again finishes it.
    #[error("{0}")]
    Busy(String),
}

impl StoreError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// The store: a reader pool, the one writer, and the ledger's key.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    pool: AnyPool,
    backend: Backend,
    location: Location,
    signer: NoteSigner,
    verifier: NoteVerifier,
    /// The pass key (accreditation passes, gate revocation lists).
    pass_signer: pass::PassSigner,
    origin: String,
    writer: writer::Handle,
    /// The committed log size as this process last saw it (the writer
    /// raises it after each commit). A lower bound: other processes may have
    /// appended since.
    committed: Arc<std::sync::atomic::AtomicU64>,
    /// Stored hashes at tree level ≥ 8, which are immutable once written
    /// and few (one per 128 entries): kept in memory so a proof needs only
    /// the handful of low-level hashes from the database.
    upper_hashes: std::sync::RwLock<std::collections::HashMap<u64, ledger::Hash>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.inner.backend)
            .field("location", &self.inner.location.describe())
            .field("origin", &self.inner.origin)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or, with `options.create`, creates) the store at `location`.
    pub async fn open(location: &Location, options: &OpenOptions) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = location.backend()?;
        let dir = &location.data_dir;
        if !dir.is_dir() {
            if !options.create {
                return Err(StoreError::NotInitialised(location.describe()));
            }
            create_private_dir(dir)?;
        }
        if backend == Backend::Sqlite && !options.create && !dir.join(SQLITE_FILE).is_file() {
            return Err(StoreError::NotInitialised(location.describe()));
        }
        make_private(dir, backend)?;
        let connect = connect_options(location)?;
        let mut setup: AnyConnection = connect.connect().await?;
        session_settings(&mut setup).await?;
        if backend == Backend::Postgres && !options.create && !has_ledger(&mut setup).await? {
            // Opening is not creating: an empty database stays empty.
            return Err(StoreError::NotInitialised(location.describe()));
        }
        migrate::run(&mut setup, backend).await?;
        let origin = init_head(&mut setup, backend, location, options).await?;
        let signer = keys::load(dir)?;
        let verifier = signer.verifier();
        check_key(&mut setup, &verifier, &origin).await?;
        let pass_signer = keys::load_or_create_pass_key(dir)?;
        let committed = Arc::new(std::sync::atomic::AtomicU64::new(0));
        writer_settings(&mut setup).await?;
        let checkpointer = if backend == Backend::Sqlite {
            let mut conn: AnyConnection = connect.connect().await?;
            session_settings(&mut conn).await?;
            reader_settings(&mut conn).await?;
            Some(checkpointer::Checkpointer::start(conn))
        } else {
            None
        };
        let writer = writer::spawn(
            setup,
            backend,
            signer.clone(),
            committed.clone(),
            checkpointer,
        )
        .await?;
        // A SQLite connection is a file handle in this process: pinging it
        // before each use (sqlx's default) costs a hop to its worker thread
        // per query and can find nothing wrong. A PostgreSQL connection can
        // die with its server, so it is still tested.
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    session_settings(conn).await?;
                    reader_settings(conn).await
                })
            })
            .connect_with(connect)
            .await?;
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                backend,
                location: location.clone(),
                signer,
                verifier,
                pass_signer,
                origin,
                writer,
                committed,
                upper_hashes: std::sync::RwLock::new(std::collections::HashMap::new()),
            }),
        })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Where the store lives.
    pub fn location(&self) -> &Location {
        &self.inner.location
    }

    /// The reader pool (for queries that change nothing).
    pub fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// A connection of the reader pool, for several queries in a row.
    pub async fn reader(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        Ok(self.inner.pool.acquire().await?)
    }

    /// The ledger's origin line.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// The ledger's public key, as a signed-note verifier.
    pub fn verifier(&self) -> &NoteVerifier {
        &self.inner.verifier
    }

    /// The signer (for co-signing tools in this process; never printed).
    pub fn signer(&self) -> &NoteSigner {
        &self.inner.signer
    }

    /// The pass key: signs accreditation passes and the gates' revocation
    /// lists (never a checkpoint).
    pub fn pass_signer(&self) -> &pass::PassSigner {
        &self.inner.pass_signer
    }

    /// Runs `f` in a write transaction and commits it with its ledger
    /// entries. Returns `f`'s result after the commit is durable; if `f`
    /// fails, nothing it did is kept. See [`writer`].
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: for<'a> FnOnce(&'a mut WriteTx) -> BoxFuture<'a, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.inner.writer.submit(f).await
    }

    /// Stops the writer after the work already submitted, and closes the pool.
    pub async fn close(&self) {
        self.inner.writer.shutdown().await;
        self.inner.pool.close().await;
    }
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| StoreError::io(dir, e))
}

/// Whoever can read the data directory holds the ledger key and the
/// database: the directory is kept 0700 and the SQLite files (`cortina.db`
/// and its `-wal` and `-shm`) 0600, whatever the umask. The database file
/// is created empty with 0600 before SQLite opens it, and SQLite gives its
/// `-wal` and `-shm` files the database file's mode; files left looser by
/// an older version or by hand are tightened on every open.
fn make_private(dir: &Path, backend: Backend) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let tighten = |path: &Path, mode: u32| -> Result<(), StoreError> {
        match std::fs::metadata(path) {
            Ok(meta) if meta.permissions().mode() & 0o777 != mode => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                    .map_err(|e| StoreError::io(path, e))
            }
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io(path, e)),
        }
    };
    tighten(dir, 0o700)?;
    if backend != Backend::Sqlite {
        return Ok(());
    }
    let db = dir.join(SQLITE_FILE);
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&db)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(StoreError::io(&db, e)),
    }
    for name in [
        SQLITE_FILE.to_owned(),
        format!("{SQLITE_FILE}-wal"),
        format!("{SQLITE_FILE}-shm"),
    ] {
        tighten(&dir.join(name), 0o600)?;
    }
    Ok(())
}

fn connect_options(location: &Location) -> Result<AnyConnectOptions, StoreError> {
    let url = location.url();
    let options =
        AnyConnectOptions::from_str(&url).map_err(|_| StoreError::BadUrl(location.describe()))?;
    // Statement logging would put personal data in the logs: off.
    Ok(options.disable_statement_logging())
}

/// Per-connection settings: SQLite's durability and concurrency pragmas.
/// (`journal_mode=WAL` persists in the file; the others are per connection.)
/// `secure_delete`: freed bytes (a changed or purged document's old cells,
/// pages on the freelist) are overwritten with zeros, so personal data
/// that was changed or purged does not linger in the file's free space
/// (`purge`; issue 14's test searches the raw file for a purged name).
async fn session_settings(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        // A 32 MiB page cache and memory-mapped reads keep the B-tree's
        // upper pages in memory, so a proof's few lookups touch one leaf page
        // each.
        sqlx::raw_sql(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 10000;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -32768;
             PRAGMA mmap_size = 1073741824;
             PRAGMA secure_delete = ON;",
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// What the writer's SQLite connection changes on top of
/// [`session_settings`], for batches of thousands of rows (an applicant
/// import writes ten thousand applicants in one transaction, into indexes
/// keyed by digests, so all over them — near the end of a million, some
/// 30,000 changed pages a batch):
///
/// * a 256 MiB page cache: a batch's changed pages stay in memory until
///   the commit writes them to the WAL once, instead of being spilled to
///   it midway when the cache fills, and the indexes' pages stay there
///   from one batch to the next instead of being read back from the WAL;
/// * a checkpoint once the WAL holds 65,536 pages (256 MiB) rather than
///   SQLite's 1,000: a checkpoint copies each page's last version into the
///   database file, so a page that every batch changes is copied once per
///   checkpoint, not once per batch. Durability is the WAL's, unchanged
///   (`synchronous = FULL` syncs it at every commit); a crash only leaves a
///   longer WAL to read back on the next open. Between these, a task of
///   its own copies pages shortly after commits ([`checkpointer`]), so
///   this one finds little left to copy.
///
/// (Not `temp_store = MEMORY`: SQLite's in-memory statement journal walks
/// its whole chunk list each time a statement's savepoint is released,
/// which made a batch quadratic.)
async fn writer_settings(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        sqlx::raw_sql(
            "PRAGMA cache_size = -262144;
             PRAGMA wal_autocheckpoint = 65536;",
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// What the reader pool's SQLite connections change on top of
/// [`session_settings`]: no memory map. A reader that finds the WAL changed
/// since its last transaction (under any write load, nearly every time)
/// drops its whole map (`munmap`, a TLB shootdown on every core) and faults
/// it back in; reading through the page cache costs less than that.
async fn reader_settings(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        sqlx::raw_sql("PRAGMA mmap_size = 0;").execute(conn).await?;
    }
    Ok(())
}

/// Lower-case hex of `bytes` (a migration's checksum, a literal in SQL).
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Executes one statement without results.
pub(crate) async fn exec(conn: &mut AnyConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::raw_sql(sql).execute(conn).await?;
    Ok(())
}

/// Starts a write transaction holding the database's write lock from the
/// start (SQLite `BEGIN IMMEDIATE`), so that two processes never interleave
/// ledger appends.
pub(crate) async fn begin_write(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<(), StoreError> {
    match backend {
        Backend::Sqlite => exec(conn, "BEGIN IMMEDIATE").await,
        // One lock for every writer of this database, held to commit; taken
        // in the same round trip as the BEGIN.
        Backend::Postgres => exec(conn, "BEGIN; SELECT pg_advisory_xact_lock(7243)").await,
    }
}

/// Creates the ledger head (and key) for a new store; returns the origin.
/// Whether the PostgreSQL database holds a ledger (in the connection's
/// schema).
async fn has_ledger(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name = 'ledger_head'",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(tables > 0)
}

async fn init_head(
    conn: &mut AnyConnection,
    backend: Backend,
    location: &Location,
    options: &OpenOptions,
) -> Result<String, StoreError> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT origin FROM ledger_head WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(origin) = existing {
        return Ok(origin);
    }
    if !options.create {
        return Err(StoreError::NotInitialised(location.describe()));
    }
    let origin = options
        .origin
        .clone()
        .unwrap_or_else(|| DEFAULT_ORIGIN.to_owned());
    let dir = &location.data_dir;
    let signer = if keys::key_path(dir).exists() {
        keys::load(dir)?
    } else {
        keys::create(dir, &origin)?
    };
    if signer.name() != origin {
        return Err(StoreError::KeyMismatch {
            key: signer.name().to_owned(),
            origin,
            reason: "the key in the data directory names another origin".into(),
        });
    }
    let empty = Checkpoint::new(&origin, 0, ledger::tlog::empty_tree_hash())
        .sign(&[&signer])
        .map_err(|e| StoreError::Ledger(e.to_string()))?;
    begin_write(conn, backend).await?;
    let inserted = sqlx::query(
        "INSERT INTO ledger_head (id, origin, size, checkpoint) VALUES (1, $1, 0, $2)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&origin)
    .bind(&empty)
    .execute(&mut *conn)
    .await;
    match inserted {
        Ok(_) => exec(conn, "COMMIT").await?,
        Err(e) => {
            let _ = exec(conn, "ROLLBACK").await;
            return Err(e.into());
        }
    }
    let stored: String = sqlx::query_scalar("SELECT origin FROM ledger_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    Ok(stored)
}

/// Refuses a key that did not sign this ledger's checkpoint.
async fn check_key(
    conn: &mut AnyConnection,
    verifier: &NoteVerifier,
    origin: &str,
) -> Result<(), StoreError> {
    let checkpoint: String = sqlx::query_scalar("SELECT checkpoint FROM ledger_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    ledger::open_checkpoint(checkpoint.as_bytes(), verifier, Some(origin)).map_err(|e| {
        StoreError::KeyMismatch {
            key: verifier.name().to_owned(),
            origin: origin.to_owned(),
            reason: e.to_string(),
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn a_database_password_never_survives_redaction() {
        for (url, secret) in [
            ("postgres://cortina:s3cret@db.local/cortina", "s3cret"),
            ("postgres://cortina:p@ss@db.local/cortina", "ss"),
            ("postgres://cortina:a:b@c@db.local:5432/x", "a:b@c"),
        ] {
            let shown = redact_url(url);
            assert!(!shown.contains(secret), "{url} → {shown}");
            assert!(shown.contains("db.local"), "{url} → {shown}");
        }
        assert_eq!(
            redact_url("postgres://localhost/cortina"),
            "postgres://localhost/cortina"
        );
    }
}
