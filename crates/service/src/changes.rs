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
//! change unsettled.
//!
//! Following the store ([`Service::follow`], which `cortina serve` turns
//! on): changes are then read back from the store instead — the records
//! whose `updated_seq` is past the last entry published, in ledger order —
//! after each of this process's commits and every poll interval, so that
//! a command of another process on the same database (`cortina exec` on
//! the SQLite file, a second `cortina serve` on the same PostgreSQL) shows
//! on the boards too, and everything is published in one order, the
//! ledger's. The same read replays what a reconnecting subscriber missed
//! ([`Service::changes_between`]). A record changed twice before it is
//! read back is one change, as it is now.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authority::{Authority, Principal, Resource};
use domain::Action;
use domain::room::Room;
use tokio::sync::broadcast;

use crate::{Done, Service, ServiceError};

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
    pub kind: String,
    /// Its id.
    pub id: String,
    /// The room it belongs to, if any (rooms, log entries, situation reports).
    pub room: Option<String>,
    /// The delegation that owns it, if any.
    pub delegation: Option<String>,
    /// A movement's protectee (a policy fact of movements).
    pub protectee: Option<String>,
    /// Its state afterwards.
    pub state: String,
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
    /// Whether changes come from the store ([`Service::follow`]) rather
    /// than from this process's commands.
    followed: AtomicBool,
    /// Wakes the follower after one of this process's commits.
    nudge: Arc<tokio::sync::Notify>,
    /// This process's committed changes by entry, for the follower to
    /// publish in ledger order (exactly as staged, where a read-back would
    /// only know each record as it is now).
    local: Mutex<std::collections::BTreeMap<u64, Vec<Change>>>,
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
            followed: AtomicBool::new(false),
            nudge: Arc::new(tokio::sync::Notify::new()),
            local: Mutex::new(std::collections::BTreeMap::new()),
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
                kind: s.kind.to_owned(),
                id: s.id,
                room: s.room,
                delegation: s.delegation,
                protectee: s.protectee,
                state: s.state.to_owned(),
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
        let followed = self.followed.load(Ordering::Acquire);
        if committed && followed {
            self.nudge.notify_one();
        }
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
            if followed {
                // The follower publishes them, in ledger order with
                // other processes' changes.
                let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
                for change in ready.changes {
                    local.entry(change.seq).or_default().push(change);
                }
                continue;
            }
            for change in ready.changes {
                // No receiver left is not an error: nobody is watching.
                let _ = self.sender.send(Arc::new(change));
            }
        }
    }
}

/// Most entries read back in one go by the follower or a replay.
const READ_BACK: u64 = 1024;

impl Service {
    /// A receiver of every change committed from now on through this
    /// service (or, once [`Service::follow`] runs, to its store). A
    /// receiver that falls more than [`CAPACITY`] changes behind gets
    /// `Lagged` and should refetch what it shows.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.inner.changes.sender.subscribe()
    }

    /// From now on, publishes the changes of every entry appended to the
    /// store, by this process or another on the same database, in ledger
    /// order: read back right after each of this process's commits, and
    /// every `every` for the others'. Runs on a task of the current tokio
    /// runtime, which ends when the service is dropped.
    pub async fn follow(&self, every: Duration) -> Result<(), ServiceError> {
        let changes = &self.inner.changes;
        if changes.followed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let mut seen = store::records::ledger_size(self.store().pool()).await?;
        let nudge = changes.nudge.clone();
        let inner = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = nudge.notified() => {}
                }
                let Some(inner) = inner.upgrade() else { break };
                let svc = Service { inner };
                loop {
                    match svc.publish_from(seen).await {
                        Ok((next, size)) => {
                            seen = next;
                            if next >= size {
                                break;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "live changes: reading the store failed");
                            break;
                        }
                    }
                }
            }
        });
        Ok(())
    }

    /// Publishes the changes of entries from `from` on (at most
    /// [`READ_BACK`] of them): this process's as staged, the others' read
    /// back from the store, all in ledger order. Returns the sequence
    /// number to continue from and the log's size.
    async fn publish_from(&self, from: u64) -> Result<(u64, u64), ServiceError> {
        let changes = &self.inner.changes;
        let size = store::records::ledger_size(self.store().pool()).await?;
        let to = size.min(from + READ_BACK).max(from);
        // This process's changes up to `to` (older ones were read back
        // already, their commit having been seen before it settled).
        let local = {
            let mut local = changes.local.lock().unwrap_or_else(|p| p.into_inner());
            let later = local.split_off(&to);
            std::mem::replace(&mut *local, later).split_off(&from)
        };
        if to == from {
            return Ok((from, size));
        }
        let mut out: Vec<Change> = self
            .changes_between(from, to)
            .await?
            .into_iter()
            .filter(|c| !local.contains_key(&c.seq))
            .collect();
        out.extend(local.into_values().flatten());
        out.sort_by_key(|c| c.seq);
        for change in out {
            // Nobody listening is not an error.
            let _ = changes.sender.send(Arc::new(change));
        }
        Ok((to, size))
    }

    /// The changes made by entries `from..to`, as the records are now, in
    /// ledger order: what a subscriber that saw entry `from - 1` last has
    /// missed up to `to`.
    pub async fn changes_between(&self, from: u64, to: u64) -> Result<Vec<Change>, ServiceError> {
        let store = self.store();
        let movement = <domain::movement::Movement as domain::storage::Aggregate>::KIND;
        let changed = store::records::changed_between(store.pool(), from, to, movement).await?;
        let (Some(first), Some(last)) = (changed.first(), changed.last()) else {
            return Ok(Vec::new());
        };
        let first = first.updated_seq.max(0) as u64;
        let entries = store
            .entries(first, last.updated_seq.max(0) as u64 + 1)
            .await?;
        let mut out = Vec::with_capacity(changed.len());
        for record in changed {
            let seq = record.updated_seq.max(0) as u64;
            let Some(bytes) = entries.get((seq - first) as usize) else {
                continue;
            };
            let entry = ledger::Entry::decode(bytes)
                .map_err(|e| ServiceError::Store(store::StoreError::Ledger(e.to_string())))?;
            // Records change only through commands, whose actions are the
            // policy's; anything else is not a board's business.
            let Ok(action) = entry.action.parse::<Action>() else {
                continue;
            };
            out.push(Change {
                seq,
                action: action.as_str(),
                protectee: record
                    .doc
                    .as_deref()
                    .and_then(|doc| Saved::protectee_of(&record.kind, doc)),
                kind: record.kind,
                id: record.id,
                room: record.room,
                delegation: record.delegation,
                state: record.state,
                time_ms: entry.time_ms,
            });
        }
        Ok(out)
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
            None if !ROOMLESS.contains(&self.kind.as_str()) => false,
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
        Some(match self.kind.as_str() {
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
                    approved: matches!(self.state.as_str(), "approved" | "completed"),
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
