//! Schema migrations: one numbered set for both databases.
//!
//! Each migration is a common SQL file that both SQLite and PostgreSQL
//! accept, plus an optional file per backend for what the two spell
//! differently (triggers, mostly). Migrations run in order, each in its own
//! transaction, under the database's write lock, and are recorded with a
//! checksum: a binary that finds an applied migration whose text has changed
//! refuses to start rather than run against a schema it does not know.

use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::{Backend, StoreError, exec};

/// One migration: the version, a name, and its SQL.
struct Migration {
    version: i64,
    name: &'static str,
    common: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// The migrations, oldest first. Append only; never edit a shipped one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "ledger",
        common: include_str!("../migrations/0001_ledger.sql"),
        sqlite: include_str!("../migrations/0001_ledger.sqlite.sql"),
        postgres: include_str!("../migrations/0001_ledger.postgres.sql"),
    },
    Migration {
        version: 2,
        name: "registry",
        common: include_str!("../migrations/0002_registry.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 3,
        name: "auth",
        common: include_str!("../migrations/0003_auth.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 4,
        name: "row_writes",
        common: include_str!("../migrations/0004_row_writes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 5,
        name: "accounts",
        common: include_str!("../migrations/0005_accounts.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 6,
        name: "applicants",
        common: include_str!("../migrations/0006_applicants.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 7,
        name: "witnessed",
        common: include_str!("../migrations/0007_witnessed.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 8,
        name: "login_backoff",
        common: include_str!("../migrations/0008_login_backoff.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 9,
        name: "records_by_seq",
        common: include_str!("../migrations/0009_records_by_seq.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 11,
        name: "vetting_queue_stats",
        common: include_str!("../migrations/0011_vetting_queue_stats.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 12,
        name: "consultations",
        common: include_str!("../migrations/0012_consultations.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 13,
        name: "passes",
        common: include_str!("../migrations/0013_passes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 14,
        name: "board_columns",
        common: include_str!("../migrations/0014_board_columns.sql"),
        sqlite: include_str!("../migrations/0014_board_columns.sqlite.sql"),
        postgres: include_str!("../migrations/0014_board_columns.postgres.sql"),
    },
    Migration {
        version: 15,
        name: "log_epoch_and_queue_flag",
        common: include_str!("../migrations/0015_log_epoch_and_queue_flag.sql"),
        sqlite: "",
        postgres: "",
    },
];

impl Migration {
    fn backend_sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }

    fn checksum(&self, backend: Backend) -> String {
        let mut h = Sha256::new();
        h.update(self.common.as_bytes());
        h.update([0]);
        h.update(self.backend_sql(backend).as_bytes());
        crate::hex(&h.finalize())
    }
}

/// The newest schema version this binary knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the schema up to date. Returns the versions applied now.
pub(crate) async fn run(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<Vec<i64>, StoreError> {
    exec(
        conn,
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL
        )",
    )
    .await?;
    let mut applied_now = Vec::new();
    for m in MIGRATIONS {
        crate::begin_write(conn, backend).await?;
        let result = apply_one(conn, backend, m).await;
        match result {
            Ok(applied) => {
                exec(conn, "COMMIT").await?;
                if applied {
                    applied_now.push(m.version);
                }
            }
            Err(e) => {
                // The rollback's own failure would hide the cause; report the cause.
                let _ = exec(conn, "ROLLBACK").await;
                return Err(e);
            }
        }
    }
    // A database written by a newer binary: refuse rather than guess.
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(&mut *conn)
        .await?;
    if let Some(v) = newest
        && v > latest_version()
    {
        return Err(StoreError::SchemaTooNew {
            found: v,
            known: latest_version(),
        });
    }
    Ok(applied_now)
}

/// Applies `m` unless already applied (inside the caller's transaction).
async fn apply_one(
    conn: &mut AnyConnection,
    backend: Backend,
    m: &Migration,
) -> Result<bool, StoreError> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT checksum FROM schema_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_optional(&mut *conn)
            .await?;
    let checksum = m.checksum(backend);
    if let Some(found) = existing {
        if found != checksum {
            return Err(StoreError::MigrationChanged {
                version: m.version,
                name: m.name,
            });
        }
        return Ok(false);
    }
    sqlx::raw_sql(m.common).execute(&mut *conn).await?;
    let extra = m.backend_sql(backend);
    if !extra.trim().is_empty() {
        sqlx::raw_sql(extra).execute(&mut *conn).await?;
    }
    sqlx::query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)")
        .bind(m.version)
        .bind(m.name)
        .bind(checksum)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}
