//! Authentication rows: sessions, API and witness tokens, failed-login
//! counters (migration `0003_auth`). This module is the only place that
//! spells these tables' SQL.
//!
//! Secrets never reach the store: callers pass the SHA-256 of a session
//! cookie or token secret, and look rows up by that hash. Changes happen
//! inside a [`WriteTx`](crate::WriteTx) (through `tx.conn().await?`), in the
//! same transaction as the ledger entry that records them; lookups run on
//! the reader pool.

use sqlx::{AnyConnection, Executor, Row as _, any::AnyRow};

use crate::StoreError;
use crate::rows::{Canonical, RowWrite};

/// A browser session.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The public id (`ses-…`) that ledger entries name.
    pub id: String,
    /// SHA-256 of the cookie's secret.
    pub secret_hash: Vec<u8>,
    /// The account logged in.
    pub account_id: String,
    /// When it started (Unix ms).
    pub created_ms: i64,
    /// When it was last used (Unix ms, refreshed at most once a minute).
    pub last_seen_ms: i64,
    /// When it ends whatever happens (Unix ms).
    pub expires_ms: i64,
    /// The ledger entry of the login.
    pub created_seq: i64,
}

impl std::fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRow")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("expires_ms", &self.expires_ms)
            .finish_non_exhaustive()
    }
}

impl SessionRow {
    /// What the login entry commits to: every column but `last_seen_ms`,
    /// which use refreshes without an entry (so a changed `last_seen_ms`
    /// can keep a session alive until its absolute expiry, no longer).
    pub fn row_write(&self) -> RowWrite {
        let mut c = Canonical::new("sessions");
        c.text(&self.id)
            .bytes(&self.secret_hash)
            .text(&self.account_id)
            .int(self.created_ms)
            .int(self.expires_ms)
            .int(self.created_seq);
        c.write("sessions", self.id.clone(), None)
    }
}

const SESSION_COLUMNS: &str =
    "id, secret_hash, account_id, created_ms, last_seen_ms, expires_ms, created_seq";

fn session_row(r: &AnyRow) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        id: r.try_get(0)?,
        secret_hash: r.try_get(1)?,
        account_id: r.try_get(2)?,
        created_ms: r.try_get(3)?,
        last_seen_ms: r.try_get(4)?,
        expires_ms: r.try_get(5)?,
        created_seq: r.try_get(6)?,
    })
}

/// Stores a new session.
pub async fn insert_session(conn: &mut AnyConnection, s: &SessionRow) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )))
    .bind(&s.id)
    .bind(&s.secret_hash)
    .bind(&s.account_id)
    .bind(s.created_ms)
    .bind(s.last_seen_ms)
    .bind(s.expires_ms)
    .bind(s.created_seq)
    .execute(conn)
    .await?;
    Ok(())
}

/// The session whose secret hashes to `secret_hash`, expired or not.
pub async fn session_by_hash<'e, E>(
    exec: E,
    secret_hash: &[u8],
) -> Result<Option<SessionRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE secret_hash = $1"
    )))
    .bind(secret_hash)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(session_row).transpose()
}

/// The session `id`.
pub async fn session<'e, E>(exec: E, id: &str) -> Result<Option<SessionRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(session_row).transpose()
}

/// Every session, by id (for the ledger's row check).
pub async fn sessions<'e, E>(exec: E) -> Result<Vec<SessionRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions ORDER BY id"
    )))
    .fetch_all(exec)
    .await?;
    rows.iter().map(session_row).collect()
}

/// Records that session `id` was used at `now_ms`.
pub async fn touch_session(
    conn: &mut AnyConnection,
    id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_ms = $1 WHERE id = $2 AND last_seen_ms < $1")
        .bind(now_ms)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends session `id`; returns whether it existed.
pub async fn delete_session(conn: &mut AnyConnection, id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session of account `account_id` but `keep` (a password
/// change); returns their ids, for the entry that records it.
pub async fn delete_sessions_of(
    conn: &mut AnyConnection,
    account_id: &str,
    keep: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let ids: Vec<String> =
        sqlx::query_scalar("DELETE FROM sessions WHERE account_id = $1 AND id <> $2 RETURNING id")
            .bind(account_id)
            .bind(keep.unwrap_or(""))
            .fetch_all(conn)
            .await?;
    Ok(ids)
}

/// Deletes the sessions that ended before `now_ms` (absolutely, or idle
/// since before `idle_before_ms`); returns their ids, for the entry that
/// records the deletion.
pub async fn delete_expired_sessions(
    conn: &mut AnyConnection,
    now_ms: i64,
    idle_before_ms: i64,
) -> Result<Vec<String>, StoreError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "DELETE FROM sessions WHERE expires_ms <= $1 OR last_seen_ms < $2 RETURNING id",
    )
    .bind(now_ms)
    .bind(idle_before_ms)
    .fetch_all(conn)
    .await?;
    Ok(ids)
}

/// An API token (bound to an account) or a witness token (bound to none).
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// The public id (`tok-…`) that ledger entries and `--revoke` name.
    pub id: String,
    /// SHA-256 of the token's secret.
    pub secret_hash: Vec<u8>,
    /// The account the token acts as; `None` for a witness token.
    pub account_id: Option<String>,
    /// The witness's name, for a witness token.
    pub witness: Option<String>,
    /// What the token is for (the default purpose of its screenings).
    pub purpose: Option<String>,
    /// When it was issued (Unix ms).
    pub created_ms: i64,
    /// When it stops working (Unix ms), if ever.
    pub expires_ms: Option<i64>,
    /// The ledger entry that revoked it, if revoked.
    pub revoked_seq: Option<i64>,
    /// The ledger entry that issued it.
    pub created_seq: i64,
    /// The ledger entry that last changed it.
    pub updated_seq: i64,
}

impl std::fmt::Debug for TokenRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRow")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("witness", &self.witness)
            .field("expires_ms", &self.expires_ms)
            .field("revoked_seq", &self.revoked_seq)
            .finish_non_exhaustive()
    }
}

impl TokenRow {
    /// What the entry that issues or revokes the token commits to: every
    /// column.
    pub fn row_write(&self) -> RowWrite {
        let mut c = Canonical::new("api_tokens");
        c.text(&self.id)
            .bytes(&self.secret_hash)
            .opt_text(self.account_id.as_deref())
            .opt_text(self.witness.as_deref())
            .opt_text(self.purpose.as_deref())
            .int(self.created_ms)
            .opt_int(self.expires_ms)
            .opt_int(self.revoked_seq)
            .int(self.created_seq)
            .int(self.updated_seq);
        c.write("api_tokens", self.id.clone(), None)
    }
}

const TOKEN_COLUMNS: &str = "id, secret_hash, account_id, witness, purpose, created_ms, expires_ms, revoked_seq, created_seq, updated_seq";

fn token_row(r: &AnyRow) -> Result<TokenRow, StoreError> {
    Ok(TokenRow {
        id: r.try_get(0)?,
        secret_hash: r.try_get(1)?,
        account_id: r.try_get(2)?,
        witness: r.try_get(3)?,
        purpose: r.try_get(4)?,
        created_ms: r.try_get(5)?,
        expires_ms: r.try_get(6)?,
        revoked_seq: r.try_get(7)?,
        created_seq: r.try_get(8)?,
        updated_seq: r.try_get(9)?,
    })
}

/// Stores a newly issued token (an existing id or secret is an error).
pub async fn insert_token(conn: &mut AnyConnection, t: &TokenRow) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )))
    .bind(&t.id)
    .bind(&t.secret_hash)
    .bind(&t.account_id)
    .bind(&t.witness)
    .bind(&t.purpose)
    .bind(t.created_ms)
    .bind(t.expires_ms)
    .bind(t.revoked_seq)
    .bind(t.created_seq)
    .bind(t.updated_seq)
    .execute(conn)
    .await?;
    Ok(())
}

/// The token whose secret hashes to `secret_hash`, with its account's
/// login name and whether that account is disabled (`None` for a witness's
/// token, or an account that no longer exists), in one query: every
/// request carrying a token starts here.
pub async fn token_and_account_by_hash<'e, E>(
    exec: E,
    secret_hash: &[u8],
) -> Result<Option<(TokenRow, Option<TokenAccount>)>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT t.id, t.secret_hash, t.account_id, t.witness, t.purpose, t.created_ms,
                t.expires_ms, t.revoked_seq, t.created_seq, t.updated_seq,
                a.username, a.disabled_seq
         FROM api_tokens t LEFT JOIN accounts a ON a.id = t.account_id
         WHERE t.secret_hash = $1",
    )
    .bind(secret_hash)
    .fetch_optional(exec)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let token = token_row(&r)?;
    let username: Option<String> = r.try_get(10)?;
    let account = username
        .map(|username| {
            Ok::<_, StoreError>(TokenAccount {
                username,
                disabled_seq: r.try_get(11)?,
            })
        })
        .transpose()?;
    Ok(Some((token, account)))
}

/// What a token's lookup needs of its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAccount {
    /// The account's login name.
    pub username: String,
    /// The entry that disabled the account, if it is disabled.
    pub disabled_seq: Option<i64>,
}

/// The token `id`.
pub async fn token<'e, E>(exec: E, id: &str) -> Result<Option<TokenRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(token_row).transpose()
}

/// Every token, newest first.
pub async fn tokens<'e, E>(exec: E) -> Result<Vec<TokenRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_seq DESC"
    )))
    .fetch_all(exec)
    .await?;
    rows.iter().map(token_row).collect()
}

/// The tokens that act as account `account`.
pub async fn tokens_of<'e, E>(exec: E, account: &str) -> Result<Vec<TokenRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE account_id = $1 ORDER BY id"
    )))
    .bind(account)
    .fetch_all(exec)
    .await?;
    rows.iter().map(token_row).collect()
}

/// Marks token `id` revoked by entry `seq`.
pub async fn revoke_token(conn: &mut AnyConnection, id: &str, seq: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET revoked_seq = $1, updated_seq = $1 WHERE id = $2")
        .bind(seq)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The failed-login counter of one back-off key (a login name, a client
/// network, or the pair of both, hashed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Failures counted since the counter was last forgotten.
    pub failures: i64,
    /// When the last of them happened (Unix ms).
    pub last_ms: i64,
    /// No attempt under this key is checked before this time (Unix ms).
    pub not_before_ms: i64,
}

/// The counters of `keys`, in the order given (absent ones as `None`).
pub async fn backoffs(
    conn: &mut AnyConnection,
    keys: &[Vec<u8>],
) -> Result<Vec<Option<Backoff>>, StoreError> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let row = sqlx::query(
            "SELECT failures, last_ms, not_before_ms FROM login_backoff WHERE key = $1",
        )
        .bind(key.as_slice())
        .fetch_optional(&mut *conn)
        .await?;
        out.push(
            row.map(|r| {
                Ok::<_, StoreError>(Backoff {
                    failures: r.try_get(0)?,
                    last_ms: r.try_get(1)?,
                    not_before_ms: r.try_get(2)?,
                })
            })
            .transpose()?,
        );
    }
    Ok(out)
}

/// Stores the counter of `key`.
pub async fn put_backoff(
    conn: &mut AnyConnection,
    key: &[u8],
    b: &Backoff,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO login_backoff (key, failures, last_ms, not_before_ms)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET
            failures = excluded.failures, last_ms = excluded.last_ms,
            not_before_ms = excluded.not_before_ms",
    )
    .bind(key)
    .bind(b.failures)
    .bind(b.last_ms)
    .bind(b.not_before_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets the counter of `key`.
pub async fn clear_backoff(conn: &mut AnyConnection, key: &[u8]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_backoff WHERE key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets every counter whose last failure is before `before_ms` and
/// whose back-off has ended; returns how many.
pub async fn prune_backoffs(conn: &mut AnyConnection, before_ms: i64) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM login_backoff WHERE last_ms < $1 AND not_before_ms < $1")
        .bind(before_ms)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
