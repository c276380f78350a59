//! The watchlists as the pages show them (issue 12, item 5): the snapshot
//! in force, the last update attempt — a failed one stays visible to the
//! host on every page until an update succeeds, so that nobody screens
//! against stale lists without knowing — and the admin's on-demand update.
//!
//! What runs an update lives outside the server: `cortina serve` hands a
//! [`ListsControl`] in [`crate::Config::lists`]. The server decides and
//! records the admin's request first (`lists.update`, through the policy
//! and the ledger, like any action), then asks the control to start it; the
//! new snapshot is swapped in by whoever stored it (the service's lists).

use std::sync::Arc;

/// What the pages show of the lists.
#[derive(Clone, Debug, Default)]
pub struct ListsStatus {
    /// Entities in the snapshot in force.
    pub entities: Option<u64>,
    /// When it was imported (unix seconds).
    pub imported_at: Option<u64>,
    /// Where it came from.
    pub origin: Option<String>,
    /// The snapshot before it.
    pub previous: Option<String>,
    /// The last update attempt.
    pub last: Option<Attempt>,
    /// Whether an update is running now.
    pub running: bool,
    /// The schedule (`serve --update-every`), in seconds.
    pub every_secs: Option<u64>,
}

/// One update attempt.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// When it ended (unix seconds).
    pub at: u64,
    /// Whether a snapshot was stored.
    pub ok: bool,
    /// What happened.
    pub message: String,
}

/// What runs list updates for the server.
pub trait ListsControl: Send + Sync {
    /// The lists' state now (called on every page of a host user: no I/O).
    fn status(&self) -> ListsStatus;
    /// Starts an update as `username`, already allowed and recorded by the
    /// server; refused (with why) while one runs.
    fn start_update(&self, username: &str) -> Result<(), String>;
}

/// A shared [`ListsControl`].
#[derive(Clone)]
pub struct Lists(pub Arc<dyn ListsControl>);

impl std::fmt::Debug for Lists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lists").finish_non_exhaustive()
    }
}
