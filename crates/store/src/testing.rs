//! Throwaway stores for the tests of this crate and of the crates built on
//! it: SQLite always, and PostgreSQL when `CORTINA_TEST_DATABASE_URL` names a
//! server (each test gets a database of its own). With
//! `CORTINA_REQUIRE_POSTGRES` set (as `.ci/run` does), a missing PostgreSQL
//! is an error rather than a skip.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AnyConnection, AssertSqlSafe, Connection as _};
use tempfile::TempDir;

use crate::{Location, OpenOptions, Store, StoreError};

/// A store location that lives as long as the value.
pub struct TestDb {
    /// Where the store is.
    pub location: Location,
    /// `sqlite` or `postgres`, for assertion messages.
    pub name: &'static str,
    _dir: TempDir,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// One fresh, not yet created location per configured backend.
///
/// # Panics
///
/// When PostgreSQL is required but not configured or not reachable: a test
/// helper that fails loudly.
pub async fn backends() -> Vec<TestDb> {
    let mut out = vec![sqlite()];
    if let Ok(admin) = std::env::var("CORTINA_TEST_DATABASE_URL") {
        out.push(postgres(&admin).await);
    } else if std::env::var_os("CORTINA_REQUIRE_POSTGRES").is_some() {
        panic!("CORTINA_REQUIRE_POSTGRES is set but CORTINA_TEST_DATABASE_URL is not");
    } else {
        eprintln!("CORTINA_TEST_DATABASE_URL unset: PostgreSQL half of the tests skipped");
    }
    out
}

/// A fresh SQLite location.
///
/// # Panics
///
/// If no temporary directory can be made.
pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    TestDb {
        location: Location::sqlite(dir.path().join("data")),
        name: "sqlite",
        _dir: dir,
    }
}

async fn postgres(admin: &str) -> TestDb {
    sqlx::any::install_default_drivers();
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let db = format!("cortina_test_{}_{n}", std::process::id());
    let mut conn = AnyConnection::connect(admin)
        .await
        .expect("connect to PostgreSQL");
    for sql in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("create the test database");
    }
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    let dir = tempfile::tempdir().expect("temp dir");
    TestDb {
        location: Location {
            data_dir: dir.path().join("data"),
            database_url: Some(format!("{base}/{db}")),
        },
        name: "postgres",
        _dir: dir,
    }
}

impl TestDb {
    /// Creates the store here.
    ///
    /// # Panics
    ///
    /// If it cannot be created.
    pub async fn create(&self) -> Store {
        Store::open(
            &self.location,
            &OpenOptions {
                create: true,
                origin: Some("cortina.test/store".into()),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{}: create store: {e}", self.name))
    }

    /// A new store here whose ledger has the origin `origin`.
    pub async fn create_with_origin(&self, origin: &str) -> Store {
        Store::open(
            &self.location,
            &OpenOptions {
                create: true,
                origin: Some(origin.into()),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{}: create store: {e}", self.name))
    }

    /// Opens the existing store here.
    pub async fn reopen(&self) -> Result<Store, StoreError> {
        Store::open(&self.location, &OpenOptions::default()).await
    }
}
