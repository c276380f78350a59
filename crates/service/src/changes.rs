//! Live changes: what each committed command changed, for the rooms'
//! live boards.
//!
//! ```text
//! Service::execute ─► Store::write ─► closure: handler ok ─► stage the records saved (in order)
//!                                 ─► commit ─► Ok  ─► settle ─► publish, in commit order ─► broadcast
//!                                           └─ Err ─► settle ─► drop the staged changes
//! ```
//!
//! A [`Change`] is staged inside the command's transaction and published
//! only after the store's `write` returned `Ok`, which it does only after
//! the transaction committed; a command that failed or was rolled back
//! publishes nothing, and a denial changes no record, so it publishes
//! nothing either (it is in the ledger). Every record a command saved is a
//! change, so a liaison report triaged into a room's log is two: the report
//! and the new log entry, with the same `seq`.
//!
//! A change carries no document and no personal data: the record's kind,
//! id, state, the room and delegation it belongs to, and the entry (`seq`,
//! action, time) that made it. [`Change::concerns`] says which room's stream
//! it belongs on; [`Change::read_facts`] gives the read action(s) and the
//! policy facts a subscriber must pass to see it, from the same columns the
//! boards filter on, so a stream never shows what a board would not.
//!
//! Order: a command's changes are staged at the end of its closure, which
//! the store's writer runs in commit order, and published once its write
//! returned and every command staged before it has settled — so in commit
//! (`seq`) order, even for commands of one group commit. The write runs on
//! a task of its own, so a caller that goes away cannot leave a staged
//! change unsettled. Only this process's commands are published: another
//! process writing the same database is not seen.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use authority::{Authority, Principal, Resource};
use domain::Action;
use domain::room::Room;
use tokio::sync::broadcast;

use crate::{Done, Service};

/// How many changes a subscriber may fall behind before it is told that it
/// lagged ([`broadcast::error::RecvError::Lagged`]) and must refetch.
pub const CAPACITY: usize = 4096;

/// One record changed by a committed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The ledger entry of the command.
    pub seq: u64,
    /// The command's action (`rfi.submit`).
    pub action: &'static str,
    /// The record's kind (`request`).
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// The room it belongs to, if any (rooms, log entries, situation reports).
    pub room: Option<String>,
    /// The delegation that owns it, if any.
    pub delegation: Option<String>,
    /// A movement's protectee (a policy fact of movements).
    pub protectee: Option<String>,
    /// Its state afterwards.
    pub state: &'static str,
    /// When the command ran (Unix ms, the entry's time).
    pub time_ms: i64,
}

/// A record saved by the command in flight (kept by the command's context
/// until the commit).
#[derive(Clone, Debug)]
pub(crate) struct Saved {
    pub(crate) kind: &'static str,
    pub(crate) id: String,
    pub(crate) room: Option<String>,
    pub(crate) delegation: Option<String>,
    pub(crate) protectee: Option<String>,
    pub(crate) state: &'static str,
}

impl Saved {
    /// What the record's stored document says beyond the indexed columns,
    /// for the few kinds whose policy facts need it: a movement's protectee.
    pub(crate) fn protectee_of(kind: &str, doc: &str) -> Option<String> {
        if kind != <domain::movement::Movement as domain::storage::Aggregate>::KIND {
            return None;
        }
        let doc: serde_json::Value = serde_json::from_str(doc).ok()?;
        doc.get("protectee")?.as_str().map(str::to_owned)
    }
}

/// The broadcast channel the service owns, and the changes of commands
/// whose transaction has not returned yet, in the order the writer ran them.
pub(crate) struct Changes {
    sender: broadcast::Sender<Arc<Change>>,
    next_slot: AtomicU64,
    staged: Mutex<VecDeque<Staged>>,
}

/// The changes of one command, staged in its transaction.
struct Staged {
    slot: u64,
    changes: Vec<Change>,
    committed: bool,
}

impl Changes {
    pub(crate) fn new() -> Changes {
        let (sender, _) = broadcast::channel(CAPACITY);
        Changes {
            sender,
            next_slot: AtomicU64::new(0),
            staged: Mutex::new(VecDeque::new()),
        }
    }

    /// A slot for one command's changes, taken before its write.
    pub(crate) fn slot(&self) -> u64 {
        self.next_slot.fetch_add(1, Ordering::Relaxed)
    }

    fn staged(&self) -> std::sync::MutexGuard<'_, VecDeque<Staged>> {
        self.staged.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stages what a command saved, at the end of its closure in the
    /// writer's transaction: commands stage in the order they commit. Nothing
    /// is staged while nobody listens (a subscriber reads the state after
    /// subscribing, which already includes these changes).
    pub(crate) fn stage(&self, slot: u64, done: &Done, saved: Vec<Saved>, time_ms: i64) {
        if saved.is_empty() || self.sender.receiver_count() == 0 {
            return;
        }
        let changes = saved
            .into_iter()
            .map(|s| Change {
                seq: done.seq,
                action: done.action,
                kind: s.kind,
                id: s.id,
                room: s.room,
                delegation: s.delegation,
                protectee: s.protectee,
                state: s.state,
                time_ms,
            })
            .collect();
        self.staged().push_back(Staged {
            slot,
            changes,
            committed: false,
        });
    }

    /// Settles a command's slot once its write returned: committed changes
    /// are published when every command staged before them has settled too
    /// (so in commit order); a command that did not commit publishes
    /// nothing.
    pub(crate) fn settle(&self, slot: u64, committed: bool) {
        let mut staged = self.staged();
        if let Some(at) = staged.iter().position(|s| s.slot == slot) {
            if committed {
                staged[at].committed = true;
            } else {
                staged.remove(at);
            }
        }
        while staged.front().is_some_and(|s| s.committed) {
            let Some(ready) = staged.pop_front() else {
                break;
            };
            for change in ready.changes {
                // No receiver left is not an error: nobody is watching.
                let _ = self.sender.send(Arc::new(change));
            }
        }
    }
}

impl Service {
    /// A receiver of every change committed from now on through this
    /// service. A receiver that falls more than [`CAPACITY`] changes
    /// behind gets `Lagged` and should refetch what it shows.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.inner.changes.sender.subscribe()
    }
}

/// Kinds of records outside any room that a room's live board shows: a
/// host room shows them all, a delegation's liaison room those of its
/// delegation. (Registry records, accounts, tokens and vetting cases are
/// not on a room's board.)
const ROOMLESS: [&str; 5] = [
    "request",
    "task",
    "liaison_report",
    "movement",
    "declaration",
];

impl Change {
    /// Whether the change belongs on `room`'s live board: it is in the room,
    /// or it is a record outside rooms that the room deals with — any, for a
    /// host room; its delegation's, for a delegation's liaison room. Whether
    /// a subscriber may see it is decided separately ([`Change::visible`]).
    pub fn concerns(&self, room: &Room) -> bool {
        match &self.room {
            Some(r) => r == room.id().as_str(),
            None if !ROOMLESS.contains(&self.kind) => false,
            None => match room.delegation() {
                None => true,
                Some(d) => self.delegation.as_deref() == Some(d.as_str()),
            },
        }
    }

    /// The actions that read the record (any one suffices) and its policy
    /// facts, when seen on `room`'s board; `None` for a record the board
    /// never shows. Log entries and situation reports have the facts of
    /// their room (see [`crate::facts::log_entry`]). A liaison report has no
    /// read action: whoever may file it (its delegation) or triage it (the
    /// host) sees it. A movement's escort is not known here, so it is empty:
    /// the decision can only be stricter than the movement board's, never
    /// wider.
    pub fn read_facts(&self, room: &Room) -> Option<(&'static [Action], Resource)> {
        let id = self.id.clone();
        let delegation = self.delegation.clone();
        Some(match self.kind {
            "room" if self.id == room.id().as_str() => {
                (&[Action::RoomRead], crate::facts::room(room))
            }
            "log_entry" if self.room.as_deref() == Some(room.id().as_str()) => {
                (&[Action::LogRead], crate::facts::log_entry(&id, room))
            }
            "sitrep" if self.room.as_deref() == Some(room.id().as_str()) => {
                (&[Action::SitrepRead], crate::facts::sitrep(id, room))
            }
            "request" => (
                &[Action::RfiRead],
                Resource::Request {
                    id,
                    delegation: delegation?,
                },
            ),
            "declaration" => (
                &[Action::DeclarationRead],
                Resource::Declaration {
                    id,
                    delegation: delegation?,
                },
            ),
            "liaison_report" => (
                &[Action::LiaisonReportSubmit, Action::LiaisonReportTriage],
                Resource::LiaisonReport {
                    id,
                    delegation: delegation?,
                },
            ),
            "task" => (&[Action::TaskRead], Resource::Task { id }),
            "movement" => (
                &[Action::MovementRead],
                Resource::Movement {
                    id,
                    protectee: self.protectee.clone()?,
                    delegation,
                    attached_agents: Vec::new(),
                    approved: matches!(self.state, "approved" | "completed"),
                },
            ),
            _ => return None,
        })
    }

    /// Whether `principal` may see this change on `room`'s board: it
    /// belongs there, and the policy lets the principal read the record.
    pub fn visible(&self, authority: &Authority, principal: &Principal, room: &Room) -> bool {
        if !self.concerns(room) {
            return false;
        }
        let Some((actions, resource)) = self.read_facts(room) else {
            return false;
        };
        actions
            .iter()
            .any(|a| authority.decide(principal, *a, &resource).allowed)
    }
}
