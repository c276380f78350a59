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
//!
//! # Stored form
//!
//! A [`Sitrep`] is one JSON object, keyed by its room and number (a report
//! has no identifier of its own); the counts are objects keyed by category
//! name and by severity level:
//!
//! ```json
//! {"room": "rome-ico", "number": 2,
//!  "period": {"since": 1769904000000, "until": 1769990400000},
//!  "recorded": ["log-3"], "changed": ["log-1"],
//!  "by_category": {"incident": 1, "significant_event": 0, "information": 1, "decision": 0},
//!  "by_severity": {"1": 0, "2": 1, "3": 1, "4": 0, "5": 0},
//!  "open_items": ["log-1", "log-3"]}
//! ```
//!
//! Loading re-checks what one report can show: the period ends after it
//! starts; the first report (number 1) and only the first has no start; and
//! the counts by category and by severity each add up to the entries recorded
//! and changed. It trusts that the lists and counts are the ones
//! [`build_sitrep`] computed from the room's log, which only the log can show.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, SitrepProblem};
use crate::ids::{LogEntryId, RoomId};
use crate::room::{Category, LogEntry, LogStatus, Room, Severity};
use crate::storage::{Aggregate, inconsistent};
use crate::time::Timestamp;

/// The period a situation report covers: after `since` (if any), up to and
/// including `until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredPeriod", into = "StoredPeriod")]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredSitrep", into = "StoredSitrep")]
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

    /// The report's key, `room/number` (`rome-ico/2`): a report has no
    /// identifier of its own, and `/` cannot occur in a room's identifier.
    pub fn key(&self) -> String {
        format!("{}/{}", self.room, self.number)
    }

    /// The stable state name, `issued`: a report is final when built.
    pub fn state_name(&self) -> &'static str {
        "issued"
    }
}

impl Aggregate for Sitrep {
    const KIND: &'static str = "sitrep";

    fn key(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(Sitrep::key(self))
    }

    fn delegation_id(&self) -> Option<&crate::ids::DelegationId> {
        None
    }

    fn room_id(&self) -> Option<&RoomId> {
        Some(&self.room)
    }

    fn state_name(&self) -> &'static str {
        Sitrep::state_name(self)
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

const ENTITY: &str = "situation report";

/// The stored form of a [`Period`]: the end must be after the start.
#[derive(Serialize, Deserialize)]
struct StoredPeriod {
    since: Option<Timestamp>,
    until: Timestamp,
}

impl From<Period> for StoredPeriod {
    fn from(period: Period) -> Self {
        StoredPeriod {
            since: period.since,
            until: period.until,
        }
    }
}

impl TryFrom<StoredPeriod> for Period {
    type Error = DomainError;

    fn try_from(stored: StoredPeriod) -> Result<Self, Self::Error> {
        if stored.since.is_some_and(|since| since >= stored.until) {
            return Err(inconsistent(
                ENTITY,
                "the period does not end after it starts",
            ));
        }
        Ok(Period {
            since: stored.since,
            until: stored.until,
        })
    }
}

/// The counts by category, stored under the categories' names.
#[derive(Serialize, Deserialize)]
struct CategoryCounts {
    incident: u32,
    significant_event: u32,
    information: u32,
    decision: u32,
}

impl CategoryCounts {
    fn get(&self, category: Category) -> u32 {
        match category {
            Category::Incident => self.incident,
            Category::SignificantEvent => self.significant_event,
            Category::Information => self.information,
            Category::Decision => self.decision,
        }
    }

    fn slot(&mut self, category: Category) -> &mut u32 {
        match category {
            Category::Incident => &mut self.incident,
            Category::SignificantEvent => &mut self.significant_event,
            Category::Information => &mut self.information,
            Category::Decision => &mut self.decision,
        }
    }
}

/// The counts by severity, stored under the levels `"1"` to `"5"`.
#[derive(Serialize, Deserialize)]
struct SeverityCounts {
    #[serde(rename = "1")]
    level_1: u32,
    #[serde(rename = "2")]
    level_2: u32,
    #[serde(rename = "3")]
    level_3: u32,
    #[serde(rename = "4")]
    level_4: u32,
    #[serde(rename = "5")]
    level_5: u32,
}

/// The stored form of a [`Sitrep`], checked on loading as the module
/// documentation describes.
#[derive(Serialize, Deserialize)]
struct StoredSitrep {
    room: RoomId,
    number: u32,
    period: Period,
    recorded: Vec<LogEntryId>,
    changed: Vec<LogEntryId>,
    by_category: CategoryCounts,
    by_severity: SeverityCounts,
    open_items: Vec<LogEntryId>,
}

impl From<Sitrep> for StoredSitrep {
    fn from(sitrep: Sitrep) -> Self {
        let mut by_category = CategoryCounts {
            incident: 0,
            significant_event: 0,
            information: 0,
            decision: 0,
        };
        for (category, count) in sitrep.by_category {
            *by_category.slot(category) = count;
        }
        let [level_1, level_2, level_3, level_4, level_5] = sitrep.by_severity;
        StoredSitrep {
            room: sitrep.room,
            number: sitrep.number,
            period: sitrep.period,
            recorded: sitrep.recorded,
            changed: sitrep.changed,
            by_category,
            by_severity: SeverityCounts {
                level_1,
                level_2,
                level_3,
                level_4,
                level_5,
            },
            open_items: sitrep.open,
        }
    }
}

impl TryFrom<StoredSitrep> for Sitrep {
    type Error = DomainError;

    fn try_from(stored: StoredSitrep) -> Result<Self, Self::Error> {
        if stored.number == 0 {
            return Err(inconsistent(ENTITY, "reports are numbered from 1"));
        }
        if (stored.number == 1) != stored.period.since.is_none() {
            return Err(inconsistent(
                ENTITY,
                "the first report, and only the first, has no period start",
            ));
        }
        let by_category =
            Category::ALL.map(|category| (category, stored.by_category.get(category)));
        let s = &stored.by_severity;
        let by_severity = [s.level_1, s.level_2, s.level_3, s.level_4, s.level_5];
        // Counted in u64, so that no sum of u32 counts overflows.
        let listed = stored.recorded.len() as u64 + stored.changed.len() as u64;
        let categories: u64 = by_category.iter().map(|(_, n)| u64::from(*n)).sum();
        let severities: u64 = by_severity.iter().map(|n| u64::from(*n)).sum();
        if categories != listed || severities != listed {
            return Err(inconsistent(
                ENTITY,
                "the counts do not add up to the entries recorded and changed",
            ));
        }
        Ok(Sitrep {
            room: stored.room,
            number: stored.number,
            period: stored.period,
            recorded: stored.recorded,
            changed: stored.changed,
            by_category,
            by_severity,
            open: stored.open_items,
        })
    }
}
