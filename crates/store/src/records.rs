//! The coordination core's rows: agencies, accounts, and every other
//! aggregate as a document with indexed attributes.
//!
//! The service layer calls these inside a [`WriteTx`](crate::WriteTx) (with
//! `tx.conn().await?`) to change state, or with [`Store::pool`](crate::Store::pool)
//! to read. Documents are opaque JSON text here: the domain crate owns their
//! shape. This module is the only place that spells these tables' SQL.

use sqlx::{AnyConnection, Executor, Row as _, any::AnyRow};

use crate::StoreError;
use crate::rows::{Canonical, RowWrite};

/// One aggregate as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The aggregate kind (`declaration`, `request`, `task`, …).
    pub kind: String,
    /// Its id.
    pub id: String,
    /// The delegation that owns it, if any.
    pub delegation: Option<String>,
    /// The room it belongs to, if any.
    pub room: Option<String>,
    /// Its state name (stable snake_case), for boards and queries.
    pub state: String,
    /// The domain's JSON document; `None` once purged.
    pub doc: Option<String>,
    /// The salt of the record's personal-data commitments; `None` if it has
    /// none or was purged.
    pub salt: Option<Vec<u8>>,
    /// The ledger entry that created it.
    pub created_seq: i64,
    /// The ledger entry that last changed it.
    pub updated_seq: i64,
    /// What boards order, limit and count it by, derived from the document.
    pub board: Board,
}

/// A record's board columns (migration `0014_board_columns`): what the
/// boards order, limit and count records by besides the state, so that SQL
/// does it and a page decodes only the rows it shows. The writer derives
/// them from the document (the domain's `BoardAttributes`); they are not
/// part of the row's commitment, and the ledger's verification recomputes
/// them from the document ([`crate::StampRules::board_of`]). A record
/// without a document has none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Board {
    /// A record still open on a board: when it is due (Unix ms), or
    /// `i64::MAX` while it has no deadline; `None` once finished.
    pub open_due_at: Option<i64>,
    /// A log entry's category.
    pub category: Option<String>,
    /// A log entry's severity.
    pub severity: Option<i64>,
    /// The host's decision the record waits for (`disclosure_approval`).
    pub awaiting: Option<String>,
}

/// A `records` row as a [`Record`] (all its columns, [`COLUMNS`], selected).
pub fn from_row(row: &AnyRow) -> Result<Record, StoreError> {
    Ok(Record {
        kind: row.try_get("kind")?,
        id: row.try_get("id")?,
        delegation: row.try_get("delegation")?,
        room: row.try_get("room")?,
        state: row.try_get("state")?,
        doc: row.try_get("doc")?,
        salt: row.try_get("salt")?,
        created_seq: row.try_get("created_seq")?,
        updated_seq: row.try_get("updated_seq")?,
        board: Board {
            open_due_at: row.try_get("open_due_at")?,
            category: row.try_get("category")?,
            severity: row.try_get("severity")?,
            awaiting: row.try_get("awaiting")?,
        },
    })
}

impl Record {
    /// The row's key in `row_writes`: `kind/id` (kinds hold no `/`).
    pub fn key(&self) -> String {
        format!("{}/{}", self.kind, self.id)
    }

    /// What an entry that writes this row commits to: every column, under
    /// the record's salt when it has one (its personal data).
    pub fn row_write(&self) -> RowWrite {
        let mut c = Canonical::new("records");
        c.text(&self.kind)
            .text(&self.id)
            .opt_text(self.delegation.as_deref())
            .opt_text(self.room.as_deref())
            .text(&self.state)
            .opt_text(self.doc.as_deref())
            .int(self.created_seq)
            .int(self.updated_seq);
        c.write("records", self.key(), self.salt.as_deref())
    }
}

/// Every column of `records`, as [`from_row`] reads them.
pub const COLUMNS: &str = "kind, id, delegation, room, state, doc, salt, created_seq, updated_seq, \
     open_due_at, category, severity, awaiting";

/// The record `kind`/`id`, if it exists.
pub async fn get<'e, E>(exec: E, kind: &str, id: &str) -> Result<Option<Record>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM records WHERE kind = $1 AND id = $2"
    )))
    .bind(kind)
    .bind(id)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The records last changed by an entry in `from..to` (sequence numbers),
/// in the order of those entries. A record changed twice in the range
/// appears once, as it is now. Only records of the kind `doc_of` keep
/// their document (and none their salt): the others' are left out unread.
pub async fn changed_between<'e, E>(
    exec: E,
    from: u64,
    to: u64,
    doc_of: &str,
) -> Result<Vec<Record>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT kind, id, delegation, room, state,
                CASE WHEN kind = $3 THEN doc ELSE NULL END AS doc,
                CAST(NULL AS BYTEA) AS salt, created_seq, updated_seq,
                open_due_at, category, severity, awaiting
         FROM records WHERE updated_seq >= $1 AND updated_seq < $2
         ORDER BY updated_seq, kind, id",
    )
    .bind(i64::try_from(from).unwrap_or(i64::MAX))
    .bind(i64::try_from(to).unwrap_or(i64::MAX))
    .bind(doc_of)
    .fetch_all(exec)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The log's committed size as the database says now (another process may
/// have appended since this one last wrote).
pub async fn ledger_size<'e, E>(exec: E) -> Result<u64, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let size: Option<i64> = sqlx::query_scalar("SELECT size FROM ledger_head WHERE id = 1")
        .fetch_optional(exec)
        .await?;
    Ok(size.map_or(0, |s| s.max(0) as u64))
}

/// What an upsert of records sets on conflict: every column but the key
/// and `created_seq`.
pub(crate) const ON_CONFLICT: &str = "ON CONFLICT (kind, id) DO UPDATE SET
    delegation = excluded.delegation, room = excluded.room, state = excluded.state,
    doc = excluded.doc, salt = excluded.salt, updated_seq = excluded.updated_seq,
    open_due_at = excluded.open_due_at, category = excluded.category,
    severity = excluded.severity, awaiting = excluded.awaiting";

/// Binds `r`'s columns in the order of [`COLUMNS`].
pub(crate) fn bind_record<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    r: &'q Record,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(&r.kind)
        .bind(&r.id)
        .bind(&r.delegation)
        .bind(&r.room)
        .bind(&r.state)
        .bind(&r.doc)
        .bind(&r.salt)
        .bind(r.created_seq)
        .bind(r.updated_seq)
        .bind(r.board.open_due_at)
        .bind(&r.board.category)
        .bind(r.board.severity)
        .bind(&r.board.awaiting)
}

/// How many columns [`COLUMNS`] names.
pub(crate) const COLUMN_COUNT: usize = 13;

/// Inserts or replaces a record (`created_seq` is kept on replace).
pub async fn put(conn: &mut AnyConnection, r: &Record) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO records ({COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         {ON_CONFLICT}"
    );
    bind_record(sqlx::query(sqlx::AssertSqlSafe(sql)), r)
        .execute(conn)
        .await?;
    Ok(())
}

/// Which records of a kind to list or count.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only those owned by this delegation.
    pub delegation: Option<String>,
    /// Only those in this room.
    pub room: Option<String>,
    /// Only those in this state.
    pub state: Option<String>,
    /// None of those in these states (a board of open records leaves the
    /// finished ones out in the query, however many there are).
    pub except_states: Vec<String>,
    /// Only those still open on a board (with an `open_due_at`).
    pub open: bool,
    /// Only those of this category (log entries).
    pub category: Option<String>,
    /// Only those waiting for this decision of the host.
    pub awaiting: Option<String>,
    /// In which order [`list`] returns them.
    pub order: Order,
    /// At most this many; default 1,000.
    pub limit: Option<i64>,
}

/// The order of a listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Most recently changed first.
    #[default]
    Recent,
    /// Soonest due first, then most recently changed: only open records
    /// (those without an `open_due_at` are left out).
    Due,
}

/// `filter` as SQL conditions on `records` after `kind = $1`, and the
/// values they bind from `$2` on.
fn conditions(filter: &Filter) -> (String, Vec<&str>) {
    let mut sql = String::new();
    let mut binds: Vec<&str> = Vec::new();
    for (column, value) in [
        ("delegation", &filter.delegation),
        ("room", &filter.room),
        ("state", &filter.state),
        ("category", &filter.category),
        ("awaiting", &filter.awaiting),
    ] {
        if let Some(v) = value {
            binds.push(v);
            sql.push_str(&format!(" AND {column} = ${}", binds.len() + 1));
        }
    }
    for state in &filter.except_states {
        binds.push(state);
        sql.push_str(&format!(" AND state <> ${}", binds.len() + 1));
    }
    if filter.open || filter.order == Order::Due {
        sql.push_str(" AND open_due_at IS NOT NULL");
    }
    (sql, binds)
}

/// Records of `kind` matching `filter`, in its order.
pub async fn list<'e, E>(exec: E, kind: &str, filter: &Filter) -> Result<Vec<Record>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let (conditions, binds) = conditions(filter);
    let order = match filter.order {
        Order::Recent => "updated_seq DESC",
        Order::Due => "open_due_at, updated_seq DESC",
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM records WHERE kind = $1{conditions} ORDER BY {order} LIMIT ${}",
        binds.len() + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.bind(filter.limit.unwrap_or(1000)).fetch_all(exec).await?;
    rows.iter().map(from_row).collect()
}

/// What [`count`] counts records by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountBy {
    /// The owning delegation (what a request's policy facts hold).
    Delegation,
    /// The severity (a room's incidents).
    Severity,
}

/// How many records share a value of the column counted by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// The delegation, when counting by delegation.
    pub delegation: Option<String>,
    /// The severity, when counting by severity.
    pub severity: Option<i64>,
    /// How many.
    pub count: i64,
}

/// How many records of `kind` match `filter` (its order and limit aside),
/// by delegation or by severity: counted by the database, however many.
pub async fn count<'e, E>(
    exec: E,
    kind: &str,
    filter: &Filter,
    by: CountBy,
) -> Result<Vec<Tally>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let (conditions, binds) = conditions(filter);
    let (columns, group) = match by {
        CountBy::Delegation => ("delegation, CAST(NULL AS BIGINT) AS severity", "delegation"),
        CountBy::Severity => ("CAST(NULL AS TEXT) AS delegation, severity", "severity"),
    };
    let sql = format!(
        "SELECT {columns}, COUNT(*) AS n FROM records WHERE kind = $1{conditions}
         GROUP BY {group} ORDER BY {group}"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(exec).await?;
    rows.iter()
        .map(|r| {
            Ok(Tally {
                delegation: r.try_get("delegation")?,
                severity: r.try_get("severity")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

/// An agency row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgencyRow {
    /// Registry id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `host`, `foreign`, `organiser` or `oversight`.
    pub kind: String,
    /// ISO 3166 alpha-2.
    pub country: String,
    /// Entry that created it.
    pub created_seq: i64,
    /// Entry that last changed it.
    pub updated_seq: i64,
}

impl AgencyRow {
    /// What an entry that writes this row commits to: every column.
    pub fn row_write(&self) -> RowWrite {
        let mut c = Canonical::new("agencies");
        c.text(&self.id)
            .text(&self.name)
            .text(&self.kind)
            .text(&self.country)
            .int(self.created_seq)
            .int(self.updated_seq);
        c.write("agencies", self.id.clone(), None)
    }
}

/// The agency `id`, if registered.
pub async fn agency<'e, E>(exec: E, id: &str) -> Result<Option<AgencyRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT id, name, kind, country, created_seq, updated_seq FROM agencies WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(agency_row).transpose()
}

/// Every agency, by id.
pub async fn agencies<'e, E>(exec: E) -> Result<Vec<AgencyRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT id, name, kind, country, created_seq, updated_seq FROM agencies ORDER BY id",
    )
    .fetch_all(exec)
    .await?;
    rows.iter().map(agency_row).collect()
}

fn agency_row(r: &AnyRow) -> Result<AgencyRow, StoreError> {
    Ok(AgencyRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        kind: r.try_get(2)?,
        country: r.try_get(3)?,
        created_seq: r.try_get(4)?,
        updated_seq: r.try_get(5)?,
    })
}

/// Registers a new agency (an existing id is an error).
pub async fn insert_agency(conn: &mut AnyConnection, a: &AgencyRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO agencies (id, name, kind, country, created_seq, updated_seq)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&a.id)
    .bind(&a.name)
    .bind(&a.kind)
    .bind(&a.country)
    .bind(a.created_seq)
    .bind(a.updated_seq)
    .execute(conn)
    .await?;
    Ok(())
}

/// An account row. The password hash never leaves the store except to the
/// code that checks a password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AccountRow {
    /// Registry id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Role name (`domain::Role::as_str`).
    pub role: String,
    /// Agency id.
    pub agency_id: String,
    /// Delegation id, for foreign accounts.
    pub delegation_id: Option<String>,
    /// The accredited declaration line behind a foreign account.
    pub declaration_id: Option<String>,
    /// Argon2 PHC string, if the account can log in with a password.
    pub password_hash: Option<String>,
    /// The entry that disabled the account, if disabled.
    pub disabled_seq: Option<i64>,
    /// Entry that created it.
    pub created_seq: i64,
    /// Entry that last changed it.
    pub updated_seq: i64,
    /// A demo world's account: logs in with a password alone (see
    /// migration `0005_accounts`).
    pub demo: bool,
    /// The TOTP secret (RFC 6238), once the second factor is set up.
    pub totp_secret: Option<Vec<u8>>,
    /// The time step of the last TOTP code accepted.
    pub totp_last_step: Option<i64>,
    /// SHA-256 (hex, space separated) of the unused recovery codes.
    pub recovery_hashes: Option<String>,
    /// SHA-256 of the single-use enrolment secret, until it is used.
    pub enrol_hash: Option<Vec<u8>>,
    /// When the enrolment secret expires (Unix ms).
    pub enrol_expires_ms: Option<i64>,
}

impl AccountRow {
    /// Whether the account has a second factor set up.
    pub fn has_totp(&self) -> bool {
        self.totp_secret.is_some()
    }
}

impl std::fmt::Debug for AccountRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("agency_id", &self.agency_id)
            .field("delegation_id", &self.delegation_id)
            .field("disabled_seq", &self.disabled_seq)
            .field("demo", &self.demo)
            .field("totp", &self.totp_secret.is_some())
            .field("enrolling", &self.enrol_hash.is_some())
            .finish_non_exhaustive()
    }
}

impl AccountRow {
    /// What an entry that writes this row commits to: every column (the
    /// password hash included, so the digest cannot be guessed from the
    /// account's public facts), the second factor's state, the demo flag
    /// and the enrolment secret's hash included. A row whose columns of
    /// migration `0005_accounts` all hold their defaults commits exactly as
    /// before that migration (so stores written before it still verify);
    /// any other row adds them, behind a marker.
    pub fn row_write(&self) -> RowWrite {
        let mut c = Canonical::new("accounts");
        c.text(&self.id)
            .text(&self.username)
            .text(&self.role)
            .text(&self.agency_id)
            .opt_text(self.delegation_id.as_deref())
            .opt_text(self.declaration_id.as_deref())
            .opt_text(self.password_hash.as_deref())
            .opt_int(self.disabled_seq)
            .int(self.created_seq)
            .int(self.updated_seq);
        let extended = self.demo
            || self.totp_secret.is_some()
            || self.totp_last_step.is_some()
            || self.recovery_hashes.is_some()
            || self.enrol_hash.is_some()
            || self.enrol_expires_ms.is_some();
        if extended {
            c.text("0005_accounts")
                .int(i64::from(self.demo))
                .opt_bytes(self.totp_secret.as_deref())
                .opt_int(self.totp_last_step)
                .opt_text(self.recovery_hashes.as_deref())
                .opt_bytes(self.enrol_hash.as_deref())
                .opt_int(self.enrol_expires_ms);
        }
        c.write("accounts", self.id.clone(), None)
    }
}

const ACCOUNT_COLUMNS: &str = "id, username, role, agency_id, delegation_id, declaration_id, password_hash, disabled_seq, created_seq, updated_seq, demo, totp_secret, totp_last_step, recovery_hashes, enrol_hash, enrol_expires_ms";

fn account_row(r: &AnyRow) -> Result<AccountRow, StoreError> {
    Ok(AccountRow {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        role: r.try_get(2)?,
        agency_id: r.try_get(3)?,
        delegation_id: r.try_get(4)?,
        declaration_id: r.try_get(5)?,
        password_hash: r.try_get(6)?,
        disabled_seq: r.try_get(7)?,
        created_seq: r.try_get(8)?,
        updated_seq: r.try_get(9)?,
        demo: r.try_get::<i64, _>(10)? != 0,
        totp_secret: r.try_get(11)?,
        totp_last_step: r.try_get(12)?,
        recovery_hashes: r.try_get(13)?,
        enrol_hash: r.try_get(14)?,
        enrol_expires_ms: r.try_get(15)?,
    })
}

/// The account with this login name.
pub async fn account_by_username<'e, E>(
    exec: E,
    username: &str,
) -> Result<Option<AccountRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    account_where(exec, "username", username).await
}

/// The one account whose `column` (a unique column, named by this module)
/// equals `value`.
async fn account_where<'e, E>(
    exec: E,
    column: &'static str,
    value: &str,
) -> Result<Option<AccountRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {column} = $1"
    )))
    .bind(value)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(account_row).transpose()
}

/// The account with this login name and the kind of its agency (`None` if
/// the agency is not registered), in one query: every command starts here.
pub async fn account_and_agency_kind<'e, E>(
    exec: E,
    username: &str,
) -> Result<Option<(AccountRow, Option<String>)>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT a.id, a.username, a.role, a.agency_id, a.delegation_id, a.declaration_id,
                a.password_hash, a.disabled_seq, a.created_seq, a.updated_seq, a.demo,
                a.totp_secret, a.totp_last_step, a.recovery_hashes, a.enrol_hash,
                a.enrol_expires_ms, g.kind
         FROM accounts a LEFT JOIN agencies g ON g.id = a.agency_id
         WHERE a.username = $1",
    )
    .bind(username)
    .fetch_optional(exec)
    .await?;
    row.map(|r| Ok((account_row(&r)?, r.try_get(16)?)))
        .transpose()
}

/// The account with this id.
pub async fn account<'e, E>(exec: E, id: &str) -> Result<Option<AccountRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    account_where(exec, "id", id).await
}

/// The accounts created for the declaration line `declaration`, by id.
/// A line may have had more than one account (one disabled, another made
/// in its place), so this returns them all, disabled ones included.
pub async fn accounts_by_declaration<'e, E>(
    exec: E,
    declaration: &str,
) -> Result<Vec<AccountRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE declaration_id = $1 ORDER BY id"
    )))
    .bind(declaration)
    .fetch_all(exec)
    .await?;
    rows.iter().map(account_row).collect()
}

/// Every account, by username.
pub async fn accounts<'e, E>(exec: E) -> Result<Vec<AccountRow>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username"
    )))
    .fetch_all(exec)
    .await?;
    rows.iter().map(account_row).collect()
}

/// Creates an account (an existing id or username is an error).
pub async fn insert_account(conn: &mut AnyConnection, a: &AccountRow) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO accounts ({ACCOUNT_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    )))
    .bind(&a.id)
    .bind(&a.username)
    .bind(&a.role)
    .bind(&a.agency_id)
    .bind(&a.delegation_id)
    .bind(&a.declaration_id)
    .bind(&a.password_hash)
    .bind(a.disabled_seq)
    .bind(a.created_seq)
    .bind(a.updated_seq)
    .bind(i64::from(a.demo))
    .bind(&a.totp_secret)
    .bind(a.totp_last_step)
    .bind(&a.recovery_hashes)
    .bind(&a.enrol_hash)
    .bind(a.enrol_expires_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores every changeable column of account `a.id` as `a` holds it: the
/// password hash, the second factor's state, the enrolment secret, the
/// role and agency, whether disabled, and `updated_seq` (the demo flag and
/// the creation stamp never change).
pub async fn update_account(conn: &mut AnyConnection, a: &AccountRow) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET role = $1, agency_id = $2, password_hash = $3, disabled_seq = $4,
            updated_seq = $5, totp_secret = $6, totp_last_step = $7, recovery_hashes = $8,
            enrol_hash = $9, enrol_expires_ms = $10
         WHERE id = $11",
    )
    .bind(&a.role)
    .bind(&a.agency_id)
    .bind(&a.password_hash)
    .bind(a.disabled_seq)
    .bind(a.updated_seq)
    .bind(&a.totp_secret)
    .bind(a.totp_last_step)
    .bind(&a.recovery_hashes)
    .bind(&a.enrol_hash)
    .bind(a.enrol_expires_ms)
    .bind(&a.id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks an account disabled by entry `seq`.
pub async fn disable_account(
    conn: &mut AnyConnection,
    id: &str,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET disabled_seq = $1, updated_seq = $1 WHERE id = $2")
        .bind(seq)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every row's `(kind, id, created_seq, updated_seq)`: records by their
/// kind, agencies as `agency`, accounts as `account`, tokens as `token`,
/// sessions as `session` (created and last changed by their login); for checking that each
/// row's entries are in the ledger (see [`crate::stamps`]).
pub async fn stamps<'e, E>(exec: E) -> Result<Vec<(String, String, i64, i64)>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT kind, id, created_seq, updated_seq FROM records
         UNION ALL SELECT 'agency', id, created_seq, updated_seq FROM agencies
         UNION ALL SELECT 'account', id, created_seq, updated_seq FROM accounts
         UNION ALL SELECT 'token', id, created_seq, updated_seq FROM api_tokens
         UNION ALL SELECT 'session', id, created_seq, created_seq FROM sessions",
    )
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect()
}

/// The salt of entry `seq`'s payload digest, unless purged.
pub async fn entry_salt<'e, E>(exec: E, seq: i64) -> Result<Option<Vec<u8>>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query_scalar("SELECT salt FROM entry_salts WHERE seq = $1")
            .bind(seq)
            .fetch_optional(exec)
            .await?,
    )
}

/// The entries that wrote the row `key` of table `tbl` (from `row_writes`),
/// oldest first: `(seq, canonical entry)`. Entries before the stamp epoch
/// listed no rows and are not found here.
pub async fn entries_writing<'e, E>(
    exec: E,
    tbl: &str,
    key: &str,
) -> Result<Vec<(i64, Vec<u8>)>, StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT e.seq, e.entry FROM row_writes w JOIN ledger_entries e ON e.seq = w.seq
         WHERE w.tbl = $1 AND w.row_key = $2 ORDER BY e.seq",
    )
    .bind(tbl)
    .bind(key)
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}
