//! The newest witnessed checkpoint: the log's signed note with the
//! cosignatures of the witnesses `cortina serve` is configured with
//! (`server::witnessing` collects them). One row; it only grows, and it is
//! written through the sequencer like every other write, but appends no
//! ledger entry (that would grow the log being witnessed).

use sqlx::Row as _;

use crate::{Store, StoreError};

impl Store {
    /// The newest witnessed checkpoint note, if any was stored.
    pub async fn witnessed_checkpoint(&self) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT checkpoint FROM ledger_witnessed WHERE id = 1")
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// Stores `note` (a checkpoint of `size` entries with its
    /// cosignatures) unless a larger one is stored already. Returns whether
    /// it was stored. The caller has checked the note.
    pub async fn set_witnessed_checkpoint(
        &self,
        size: u64,
        note: String,
    ) -> Result<bool, StoreError> {
        let size = i64::try_from(size)
            .map_err(|_| StoreError::OutOfRange(format!("{size} is out of range")))?;
        self.write(move |tx| {
            Box::pin(async move {
                let conn = tx.conn().await?;
                let done = sqlx::query(
                    "INSERT INTO ledger_witnessed (id, size, checkpoint) VALUES (1, $1, $2)
                     ON CONFLICT (id) DO UPDATE SET size = excluded.size,
                         checkpoint = excluded.checkpoint
                     WHERE ledger_witnessed.size <= excluded.size",
                )
                .bind(size)
                .bind(note)
                .execute(&mut *conn)
                .await?;
                Ok::<_, StoreError>(done.rows_affected() > 0)
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use crate::testing;

    #[tokio::test]
    async fn the_witnessed_checkpoint_only_grows() {
        for db in testing::backends().await {
            let s = db.create().await;
            assert_eq!(s.witnessed_checkpoint().await.unwrap(), None);
            assert!(
                s.set_witnessed_checkpoint(5, "five\n".into())
                    .await
                    .unwrap()
            );
            assert!(
                s.set_witnessed_checkpoint(7, "seven\n".into())
                    .await
                    .unwrap()
            );
            assert!(!s.set_witnessed_checkpoint(6, "six\n".into()).await.unwrap());
            assert!(
                s.set_witnessed_checkpoint(7, "seven'\n".into())
                    .await
                    .unwrap()
            );
            assert_eq!(
                s.witnessed_checkpoint().await.unwrap().as_deref(),
                Some("seven'\n"),
                "{}",
                db.name
            );
            s.close().await;
        }
    }
}
