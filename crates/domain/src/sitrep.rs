//! Numbered situation reports of a room.
//!
//! Report *n* covers the period after report *n − 1* up to and including its
//! own time: `(previous.issued_at, now]`, or everything up to `now` for the
//! first one. Periods are half-open at the start, so an entry that changes at
//! exactly a report's time is counted in that report and not in the next.
//! The report lists the room's entries recorded or changed in the period, with
//! counts by category and severity, and every entry of the room still open at
//! `now`, whenever it was recorded.
//!
//! [`build_sitrep`] is a pure function of its arguments: the same log gives
//! the same report, whatever order the entries come in.

use crate::error::{DomainError, SitrepProblem};
use crate::ids::{LogEntryId, RoomId};
use crate::room::{Category, LogEntry, LogStatus, Room, Severity};
use crate::time::Timestamp;

/// The period a situation report covers: after `since` (if any), up to and
/// including `until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    since: Option<Timestamp>,
    until: Timestamp,
}

impl Period {
    /// The previous report's time; `None` for the first report.
    pub fn since(&self) -> Option<Timestamp> {
        self.since
    }

    /// This report's time.
    pub fn until(&self) -> Timestamp {
        self.until
    }

    /// Whether `at` falls in the period.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.since.is_none_or(|since| at > since) && at <= self.until
    }
}

/// A numbered situation report of a room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sitrep {
    room: RoomId,
    number: u32,
    period: Period,
    recorded: Vec<LogEntryId>,
    changed: Vec<LogEntryId>,
    by_category: [(Category, u32); 4],
    by_severity: [u32; 5],
    open: Vec<LogEntryId>,
}

impl Sitrep {
    /// The room.
    pub fn room(&self) -> &RoomId {
        &self.room
    }

    /// The report's number: 1 for the first report of the room.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The period covered.
    pub fn period(&self) -> &Period {
        &self.period
    }

    /// When the report was issued (the end of its period).
    pub fn issued_at(&self) -> Timestamp {
        self.period.until
    }

    /// Entries recorded in the period, oldest first.
    pub fn recorded(&self) -> &[LogEntryId] {
        &self.recorded
    }

    /// Entries recorded before the period and changed in it, oldest first.
    pub fn changed(&self) -> &[LogEntryId] {
        &self.changed
    }

    /// How many entries recorded or changed in the period fall in each
    /// category, in the order of [`Category::ALL`].
    pub fn by_category(&self) -> &[(Category, u32); 4] {
        &self.by_category
    }

    /// How many entries recorded or changed in the period have each severity.
    pub fn by_severity(&self) -> impl Iterator<Item = (Severity, u32)> + '_ {
        (1u8..=5)
            .zip(self.by_severity)
            .filter_map(|(level, count)| Severity::new(level).ok().map(|s| (s, count)))
    }

    /// Every entry of the room open at the report's time, oldest first.
    pub fn open_items(&self) -> &[LogEntryId] {
        &self.open
    }
}

/// Builds the next situation report of `room` at `now` from the room's log.
/// Entries of other rooms and entries recorded after `now` are ignored. Refused
/// if `previous` belongs to another room or is not earlier than `now`.
pub fn build_sitrep<'a>(
    room: &Room,
    previous: Option<&Sitrep>,
    entries: impl IntoIterator<Item = &'a LogEntry>,
    now: Timestamp,
) -> Result<Sitrep, DomainError> {
    let problem = |problem| DomainError::Sitrep {
        room: room.id().clone(),
        problem,
    };
    let (number, since) = match previous {
        None => (1, None),
        Some(previous) => {
            if previous.room != *room.id() {
                return Err(problem(SitrepProblem::OtherRoom {
                    previous: previous.room.clone(),
                }));
            }
            if previous.issued_at() >= now {
                return Err(problem(SitrepProblem::NotAfterPrevious {
                    previous: previous.issued_at().as_millis(),
                    now: now.as_millis(),
                }));
            }
            let number = previous
                .number
                .checked_add(1)
                .ok_or_else(|| problem(SitrepProblem::NumberOverflow))?;
            (number, Some(previous.issued_at()))
        }
    };
    let period = Period { since, until: now };

    let mut entries: Vec<&LogEntry> = entries
        .into_iter()
        .filter(|e| e.room() == room.id() && e.recorded_at() <= now)
        .collect();
    // Sorting by time and then by id makes the report independent of the
    // order the caller passes the entries in.
    entries.sort_by(|a, b| (a.recorded_at(), a.id()).cmp(&(b.recorded_at(), b.id())));
    entries.dedup_by(|a, b| a.id() == b.id());

    let mut recorded = Vec::new();
    let mut changed = Vec::new();
    let mut by_category = Category::ALL.map(|c| (c, 0u32));
    let mut by_severity = [0u32; 5];
    let mut open = Vec::new();
    for entry in entries {
        let is_new = period.contains(entry.recorded_at());
        let is_changed = !is_new && period.contains(entry.updated_at());
        if is_new {
            recorded.push(entry.id().clone());
        } else if is_changed {
            changed.push(entry.id().clone());
        }
        if is_new || is_changed {
            if let Some(slot) = by_category.iter_mut().find(|(c, _)| *c == entry.category()) {
                slot.1 = slot.1.saturating_add(1);
            }
            let index = usize::from(entry.severity().get()).saturating_sub(1);
            if let Some(slot) = by_severity.get_mut(index) {
                *slot = slot.saturating_add(1);
            }
        }
        // An entry closed after `now` was still open at `now`.
        let open_at_now = match entry.status() {
            LogStatus::Open => true,
            LogStatus::Closed { at } => at > now,
        };
        if open_at_now {
            open.push(entry.id().clone());
        }
    }

    Ok(Sitrep {
        room: room.id().clone(),
        number,
        period,
        recorded,
        changed,
        by_category,
        by_severity,
        open,
    })
}
