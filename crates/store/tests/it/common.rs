//! Shared helpers: fresh stores on every configured backend, sample entries.

use std::sync::atomic::{AtomicU32, Ordering};

use ledger::{Decision, Entry, Resource};
use sqlx::{AnyConnection, AssertSqlSafe, Connection as _};
use store::{Location, OpenOptions, Store, StoreError};
use tempfile::TempDir;

/// A store location that lives as long as the value (a temporary data
/// directory, and for PostgreSQL a database created for this test).
pub struct TestDb {
    pub location: Location,
    pub name: &'static str,
    _dir: TempDir,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// One fresh, not yet created location per configured backend.
pub async fn backends() -> Vec<TestDb> {
    let mut out = vec![sqlite()];
    if let Ok(admin) = std::env::var("CORTINA_TEST_DATABASE_URL") {
        out.push(postgres(&admin).await);
    } else if std::env::var_os("CORTINA_REQUIRE_POSTGRES").is_some() {
        panic!("CORTINA_REQUIRE_POSTGRES is set but CORTINA_TEST_DATABASE_URL is not");
    } else {
        eprintln!("CORTINA_TEST_DATABASE_URL unset: PostgreSQL half of the store tests skipped");
    }
    out
}

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
    sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db}")))
        .execute(&mut conn)
        .await
        .expect("drop database");
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut conn)
        .await
        .expect("create database");
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

pub async fn create(db: &TestDb) -> Store {
    Store::open(
        &db.location,
        &OpenOptions {
            create: true,
            origin: Some("cortina.test/store".into()),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{}: create store: {e}", db.name))
}

pub async fn reopen(db: &TestDb) -> Result<Store, StoreError> {
    Store::open(&db.location, &OpenOptions::default()).await
}

/// A sample entry; `seq` and time are set by the store.
pub fn entry(i: u64) -> Entry {
    Entry {
        seq: 0,
        time_ms: 0,
        actor_account: format!("user-{}", i % 7),
        actor_agency: "polizia-di-stato".into(),
        action: "rfi.answer".into(),
        resource: Resource {
            kind: "rfi".into(),
            id: format!("rfi-{i}"),
        },
        decision: if i.is_multiple_of(5) {
            Decision::Deny
        } else {
            Decision::Allow
        },
        policies: vec!["permit-host-operator-rfi".into()],
        payload_digest: [i as u8; 32],
        personal_data: i.is_multiple_of(3).then_some([7; 32]),
    }
}

/// Appends `count` sample entries in one write; returns their sequence numbers.
pub async fn append(store: &Store, first: u64, count: u64) -> Vec<u64> {
    store
        .write(move |tx| {
            Box::pin(async move {
                let mut seqs = Vec::new();
                for i in first..first + count {
                    seqs.push(tx.append(entry(i))?);
                }
                Ok::<_, StoreError>(seqs)
            })
        })
        .await
        .expect("append")
}
