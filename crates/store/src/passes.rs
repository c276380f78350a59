//! The accreditations a gate must refuse (table `pass_revocations`): each
//! suspended or revoked accreditation's pass id, its subject and state, and
//! the ledger entry that last changed it. What the gates' signed revocation
//! list is made from.

use sqlx::{AnyConnection, Row as _};

use crate::StoreError;

/// One suspended or revoked accreditation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// The pass id the gates' list names.
    pub pass_id: String,
    /// `declaration` or `applicant`.
    pub subject_kind: String,
    /// The declaration line's or the applicant's id.
    pub subject_id: String,
    /// `suspended` or `revoked`.
    pub state: String,
    /// The ledger entry that last changed it.
    pub changed_seq: i64,
}

/// Every revoked or suspended pass id, sorted.
pub async fn revoked_ids<'e, E>(exec: E) -> Result<Vec<String>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query_scalar("SELECT pass_id FROM pass_revocations ORDER BY pass_id")
            .fetch_all(exec)
            .await?,
    )
}

/// The revocation of this subject's accreditation, if any.
pub async fn of_subject<'e, E>(
    exec: E,
    subject_kind: &str,
    subject_id: &str,
) -> Result<Option<Revocation>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT pass_id, subject_kind, subject_id, state, changed_seq FROM pass_revocations
         WHERE subject_kind = $1 AND subject_id = $2",
    )
    .bind(subject_kind)
    .bind(subject_id)
    .fetch_optional(exec)
    .await?;
    row.map(|r| {
        Ok(Revocation {
            pass_id: r.try_get(0)?,
            subject_kind: r.try_get(1)?,
            subject_id: r.try_get(2)?,
            state: r.try_get(3)?,
            changed_seq: r.try_get(4)?,
        })
    })
    .transpose()
}

/// The state (`suspended`, `revoked`) of every accreditation of
/// `subject_kind` that is not in force, by subject id.
pub async fn states_of<'e, E>(
    exec: E,
    subject_kind: &str,
) -> Result<std::collections::HashMap<String, String>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows =
        sqlx::query("SELECT subject_id, state FROM pass_revocations WHERE subject_kind = $1")
            .bind(subject_kind)
            .fetch_all(exec)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Records (or changes) a suspension or revocation.
pub async fn put(conn: &mut AnyConnection, r: &Revocation) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO pass_revocations (pass_id, subject_kind, subject_id, state, changed_seq)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (pass_id) DO UPDATE SET state = excluded.state,
             changed_seq = excluded.changed_seq",
    )
    .bind(&r.pass_id)
    .bind(&r.subject_kind)
    .bind(&r.subject_id)
    .bind(&r.state)
    .bind(r.changed_seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a suspension (the accreditation is reinstated).
pub async fn remove(conn: &mut AnyConnection, pass_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM pass_revocations WHERE pass_id = $1")
        .bind(pass_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
