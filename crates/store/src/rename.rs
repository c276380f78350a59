//! Renaming rows, for `store.migrate` (the service's `migrate`): a store
//! written before cortina made the ids of personal records and accounts
//! opaque keeps readable ones (`acc-mrossi`, `us-agent-1`), and the
//! migration gives each its opaque id with every reference to it, in one
//! transaction under one ledger entry. The entry's row writes say what
//! changed: each renamed row deleted under its old key and written under
//! its new one, each row that referred to it written again.
//!
//! These functions only move rows; what is renamed, and the stamps and
//! row writes, are the caller's.

use sqlx::AnyConnection;

use crate::StoreError;
use crate::auth::TokenRow;
use crate::records::{COLUMNS, Record, from_row};

/// Up to `limit` records that have a document, in `(kind, id)` order,
/// after `after` (exclusive) when given.
pub async fn documents_after(
    conn: &mut AnyConnection,
    after: Option<(&str, &str)>,
    limit: i64,
) -> Result<Vec<Record>, StoreError> {
    let (kind, id) = after.unwrap_or(("", ""));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM records
         WHERE doc IS NOT NULL AND (kind > $1 OR (kind = $1 AND id > $2))
         ORDER BY kind, id LIMIT $3"
    )))
    .bind(kind)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The ids of the records of `kind`.
pub async fn record_ids(conn: &mut AnyConnection, kind: &str) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM records WHERE kind = $1 ORDER BY id")
            .bind(kind)
            .fetch_all(conn)
            .await?,
    )
}

/// The kinds of the records whose id is `id` (ids are unique per kind
/// only).
pub async fn kinds_of_id(conn: &mut AnyConnection, id: &str) -> Result<Vec<String>, StoreError> {
    let mut kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM records WHERE id = $1 ORDER BY kind")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let agency: Option<String> = sqlx::query_scalar("SELECT id FROM agencies WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    if agency.is_some() {
        kinds.push("agency".into());
    }
    Ok(kinds)
}

/// Deletes record `kind`/`id`.
pub async fn delete_record(
    conn: &mut AnyConnection,
    kind: &str,
    id: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM records WHERE kind = $1 AND id = $2")
        .bind(kind)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the tokens of account `account` and returns them, so that the
/// account can be renamed (a token refers to its account) and they be put
/// back under the new id ([`crate::auth::insert_token`]).
pub async fn take_tokens_of(
    conn: &mut AnyConnection,
    account: &str,
) -> Result<Vec<TokenRow>, StoreError> {
    let tokens = crate::auth::tokens_of(&mut *conn, account).await?;
    sqlx::query("DELETE FROM api_tokens WHERE account_id = $1")
        .bind(account)
        .execute(conn)
        .await?;
    Ok(tokens)
}

/// Gives account `old` the id `new` and the declaration line
/// `declaration`, stamped as created and changed by entry `seq` (a row
/// under a new key is a new row). Its sessions and tokens must be gone.
pub async fn rename_account(
    conn: &mut AnyConnection,
    old: &str,
    new: &str,
    declaration: Option<&str>,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET id = $1, declaration_id = $2, created_seq = $3, updated_seq = $3
         WHERE id = $4",
    )
    .bind(new)
    .bind(declaration)
    .bind(seq)
    .bind(old)
    .execute(conn)
    .await?;
    Ok(())
}

/// Points account `id` at the declaration line `declaration`, changed by
/// entry `seq`.
pub async fn set_account_declaration(
    conn: &mut AnyConnection,
    id: &str,
    declaration: Option<&str>,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET declaration_id = $1, updated_seq = $2 WHERE id = $3")
        .bind(declaration)
        .bind(seq)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves the analysts' claims of account `old` to `new` (the queue is
/// derived from the cases, whose documents are rewritten on their own).
pub async fn rename_assignee(
    conn: &mut AnyConnection,
    old: &str,
    new: &str,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("UPDATE vetting_queue SET assignee = $1 WHERE assignee = $2")
            .bind(new)
            .bind(old)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Points the suspended or revoked passes of subject `kind`/`old` at `new`
/// (their pass ids, which the gates know, stay).
pub async fn rename_pass_subject(
    conn: &mut AnyConnection,
    kind: &str,
    old: &str,
    new: &str,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE pass_revocations SET subject_id = $1 WHERE subject_kind = $2 AND subject_id = $3",
    )
    .bind(new)
    .bind(kind)
    .bind(old)
    .execute(conn)
    .await?
    .rows_affected())
}

/// How many accounts and records of `kinds` have an id that is not
/// [`opaque_shaped`] with the prefix given beside each kind: what is left
/// for `store.migrate` to do (a quick check, for a warning at startup).
pub async fn readable_ids(
    conn: &mut AnyConnection,
    kinds: &[(&str, &str)],
    account_prefix: &str,
) -> Result<u64, StoreError> {
    let accounts: Vec<String> = sqlx::query_scalar("SELECT id FROM accounts")
        .fetch_all(&mut *conn)
        .await?;
    let mut n = accounts
        .iter()
        .filter(|id| !opaque_shaped(account_prefix, id))
        .count();
    for (kind, prefix) in kinds {
        n += record_ids(conn, kind)
            .await?
            .iter()
            .filter(|id| !opaque_shaped(prefix, id))
            .count();
    }
    Ok(n as u64)
}

/// Hex digits after the prefix of an opaque id.
pub const OPAQUE_DIGITS: usize = 24;

/// Whether `id` is `prefix-` and [`OPAQUE_DIGITS`] lower-case hex digits.
pub fn opaque_shaped(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            hex.len() == OPAQUE_DIGITS
                && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}
