//! SQLite's WAL checkpoints, off the writer's path.
//!
//! In WAL mode a commit appends pages to the `-wal` file; a *checkpoint*
//! copies them into the database file, after which the WAL starts again from
//! its beginning. SQLite runs one inside the commit that takes the WAL past
//! `wal_autocheckpoint` pages (65,536 for the writer, see `writer_settings`),
//! and every write waits behind it: under 2,000 screenings a second (each
//! about ten pages) that was a 30–130 ms stall every few seconds, and the
//! whole tail of `/match`'s latency.
//!
//! So a task of its own, on a connection of its own, runs a *passive*
//! checkpoint shortly after commits — [`PAUSE`] after the first of a run,
//! so under load about fifty a second, each copying only the pages written
//! since the last. A passive checkpoint never waits for a lock and never
//! blocks the writer (SQLite lets one checkpoint run beside one writer);
//! it copies what it can and syncs the database file. The writer's own
//! automatic checkpoint stays as it was, as the bound on the WAL's length:
//! when it comes, the pages are already copied, so it has only the last few
//! to copy before the WAL starts again.
//!
//! Durability is unchanged: a commit is durable once the WAL is synced
//! (`synchronous = FULL`), whoever copies its pages later. A checkpoint
//! that fails (the database busy, the disk full) leaves the pages in the
//! WAL for the next one or for the writer's; nothing is lost, so the error
//! is not reported. PostgreSQL has no such thing to do: none is started.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::AnyConnection;
use tokio::sync::Notify;

/// How long after a commit the checkpoint runs: commits in that time are
/// copied by the same checkpoint. Measured against 100 ms at 2,000
/// screenings a second (BENCHMARKS.md, "WAL checkpoints off the writer's
/// path"): longer pauses copy more pages at a time, and the database
/// file's sync then delays the writer's own syncs.
pub(crate) const PAUSE: Duration = Duration::from_millis(20);

/// The writer's side: tells the task that something was committed.
/// [`Checkpointer::stop`] (or dropping it) stops the task after the
/// checkpoint in progress, if any, and closes its connection.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    shared: Arc<Shared>,
    task: Option<tokio::task::JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    wake: Notify,
    stop: AtomicBool,
}

impl Checkpointer {
    /// Starts the task on `conn`, a connection of its own to the database.
    pub(crate) fn start(mut conn: AnyConnection) -> Checkpointer {
        let shared = Arc::new(Shared::default());
        let shared_task = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            loop {
                // One stored permit: commits while a checkpoint runs wake it
                // once more, not once each.
                shared_task.wake.notified().await;
                if shared_task.stop.load(Ordering::Acquire) {
                    break;
                }
                tokio::time::sleep(PAUSE).await;
                if shared_task.stop.load(Ordering::Acquire) {
                    break;
                }
                // The result row (busy, pages in the WAL, pages copied) is
                // of no use here: what is not copied now is copied later.
                let _ = sqlx::raw_sql("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&mut conn)
                    .await;
            }
            let _ = sqlx::Connection::close(conn).await;
        });
        Checkpointer {
            shared,
            task: Some(task),
        }
    }

    /// Stops the task and waits until its connection is closed (so that,
    /// once the store is closed, no connection of this process is open).
    pub(crate) async fn stop(mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn signal_stop(&self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.wake.notify_one();
    }

    /// A commit landed: copy its pages soon.
    pub(crate) fn committed(&self) {
        self.shared.wake.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.signal_stop();
    }
}
