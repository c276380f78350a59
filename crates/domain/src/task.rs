//! Tasks for host units.
//!
//! ```text
//! Proposed ─approve─► Approved ─start─► InProgress ─complete─► Done
//!     └──────────────────┴──────────────────┴──cancel──► Cancelled
//! ```
//!
//! The assignee is a [`HostUnit`], which can only be built from a host
//! agency: a foreign agency can never be given a task, by construction.
//!
//! # Stored form
//!
//! A [`Task`] is one JSON object with its assignee inline and its state as the
//! tag `"state"`, with the report of a done task or the reason of a cancelled
//! one beside it:
//!
//! ```json
//! {"id": "task-1", "title": "…", "details": "…",
//!  "assignee": {"id": "scorte-1", "name": "Reparto scorte", "agency": "questura-mi"},
//!  "created_at": 1769904000000, "updated_at": 1769914800000,
//!  "state": "done", "report": "…"}
//! ```
//!
//! Loading re-checks that the last change is not earlier than the creation.
//! It trusts that the assignee's agency is a host agency, which only the
//! agency's record can show.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::TaskId;
use crate::registry::HostUnit;
use crate::storage::{Span, aggregate};
use crate::text::{LongText, Name, Reason};
use crate::time::Timestamp;

const ENTITY: &str = "task";

/// Where a task stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TaskState {
    /// Prepared by an operator, waiting for a commander's approval.
    Proposed,
    /// Approved; the unit may start.
    Approved,
    /// The unit is working on it.
    InProgress,
    /// Done, with the unit's report. Final.
    Done {
        /// What the unit reports.
        report: LongText,
    },
    /// Cancelled. Final.
    Cancelled {
        /// Why.
        reason: Reason,
    },
}

impl TaskState {
    /// The state's name, as error messages spell it.
    pub fn name(&self) -> &'static str {
        match self {
            TaskState::Proposed => "Proposed",
            TaskState::Approved => "Approved",
            TaskState::InProgress => "InProgress",
            TaskState::Done { .. } => "Done",
            TaskState::Cancelled { .. } => "Cancelled",
        }
    }

    /// The stable name (`proposed`, `approved`, `in_progress`, `done`,
    /// `cancelled`), as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            TaskState::Proposed => "proposed",
            TaskState::Approved => "approved",
            TaskState::InProgress => "in_progress",
            TaskState::Done { .. } => "done",
            TaskState::Cancelled { .. } => "cancelled",
        }
    }

    /// Whether the task is finished for good.
    pub fn is_final(&self) -> bool {
        matches!(self, TaskState::Done { .. } | TaskState::Cancelled { .. })
    }
}

/// A task given to a host unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredTask", into = "StoredTask")]
pub struct Task {
    id: TaskId,
    title: Name,
    details: LongText,
    assignee: HostUnit,
    created_at: Timestamp,
    updated_at: Timestamp,
    state: TaskState,
}

impl Task {
    /// Proposes a task for a host unit.
    pub fn propose(
        id: TaskId,
        title: Name,
        details: LongText,
        assignee: HostUnit,
        at: Timestamp,
    ) -> Self {
        Task {
            id,
            title,
            details,
            assignee,
            created_at: at,
            updated_at: at,
            state: TaskState::Proposed,
        }
    }

    /// The task's identifier.
    pub fn id(&self) -> &TaskId {
        &self.id
    }

    /// The one-line title.
    pub fn title(&self) -> &Name {
        &self.title
    }

    /// What is to be done.
    pub fn details(&self) -> &LongText {
        &self.details
    }

    /// The host unit the task is given to.
    pub fn assignee(&self) -> &HostUnit {
        &self.assignee
    }

    /// When it was proposed.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// When it last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// Where the task stands.
    pub fn state(&self) -> &TaskState {
        &self.state
    }

    /// The stable name of the task's state ([`TaskState::as_str`]), as stored.
    pub fn state_name(&self) -> &'static str {
        self.state.as_str()
    }

    /// Approves a proposed task.
    pub fn approve(&self, at: Timestamp) -> Result<Self, DomainError> {
        self.step(
            matches!(self.state, TaskState::Proposed),
            "approve",
            TaskState::Approved,
            at,
        )
    }

    /// Starts an approved task.
    pub fn start(&self, at: Timestamp) -> Result<Self, DomainError> {
        self.step(
            matches!(self.state, TaskState::Approved),
            "start",
            TaskState::InProgress,
            at,
        )
    }

    /// Completes a task in progress, with the unit's report.
    pub fn complete(&self, report: LongText, at: Timestamp) -> Result<Self, DomainError> {
        self.step(
            matches!(self.state, TaskState::InProgress),
            "complete",
            TaskState::Done { report },
            at,
        )
    }

    /// Cancels a task that is not finished.
    pub fn cancel(&self, reason: Reason, at: Timestamp) -> Result<Self, DomainError> {
        self.step(
            !self.state.is_final(),
            "cancel",
            TaskState::Cancelled { reason },
            at,
        )
    }

    fn step(
        &self,
        allowed: bool,
        transition: &'static str,
        state: TaskState,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        if !allowed {
            return Err(DomainError::InvalidTransition {
                entity: ENTITY,
                state: self.state.name(),
                transition,
            });
        }
        if at < self.updated_at {
            return Err(DomainError::TimeWentBackwards {
                entity: ENTITY,
                at: at.as_millis(),
                last: self.updated_at.as_millis(),
            });
        }
        let mut next = self.clone();
        next.state = state;
        next.updated_at = at;
        Ok(next)
    }
}

aggregate!(Task, "task", delegation: |_| None, room: |_| None);

/// The stored form of a [`Task`], checked on loading as the module
/// documentation describes.
#[derive(Serialize, Deserialize)]
struct StoredTask {
    id: TaskId,
    title: Name,
    details: LongText,
    assignee: HostUnit,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[serde(flatten)]
    state: TaskState,
}

impl From<Task> for StoredTask {
    fn from(task: Task) -> Self {
        StoredTask {
            id: task.id,
            title: task.title,
            details: task.details,
            assignee: task.assignee,
            created_at: task.created_at,
            updated_at: task.updated_at,
            state: task.state,
        }
    }
}

impl TryFrom<StoredTask> for Task {
    type Error = DomainError;

    fn try_from(stored: StoredTask) -> Result<Self, Self::Error> {
        Span::new(ENTITY, stored.created_at, stored.updated_at)?;
        Ok(Task {
            id: stored.id,
            title: stored.title,
            details: stored.details,
            assignee: stored.assignee,
            created_at: stored.created_at,
            updated_at: stored.updated_at,
            state: stored.state,
        })
    }
}
