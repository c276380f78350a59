//! Protectees and their movements.
//!
//! ```text
//! Planned ─approve─► Approved ─complete─► Completed
//!    └──────cancel──────┴──────cancel──► Cancelled
//! ```
//!
//! A movement has an itinerary of venue stops inside its time window, a host
//! unit in the lead, and the foreign protective agents the host attaches.
//! An agent must be an accredited line of the protectee's delegation, declared
//! as a protective agent of this protectee, whose accreditation window covers
//! the whole movement window; [`Movement::plan`] checks every one.
//!
//! # Stored form
//!
//! A [`Protectee`] and a [`Movement`] are one JSON object each; risk levels
//! are numbers, a movement's lead unit is inline and its state is the tag
//! `"state"` (with the reason of a cancellation beside it):
//!
//! ```json
//! {"id": "vp", "name": "John Doe", "delegation": "us-dss", "risk": 1}
//! {"id": "mov-1", "protectee": "vp", "delegation": "us-dss",
//!  "stops": [{"venue": "santa-giulia", "at": 1769950800000}],
//!  "window": {"from": 1769947200000, "until": 1769961600000},
//!  "lead": {"id": "scorte-1", "name": "Reparto scorte", "agency": "questura-mi"},
//!  "agents": ["line-2"], "planned_at": 1769904000000, "updated_at": 1769907600000,
//!  "state": "approved"}
//! ```
//!
//! Loading a movement re-checks what [`Movement::plan`] can check without
//! other records: the itinerary has a stop, every stop lies inside the window
//! and the stops are in time order; no agent is attached twice; and the last
//! change is not earlier than the planning. It trusts what needs other
//! records: that the stops are venues of the event, that each agent was
//! eligible when attached, that the lead is a host unit, and that the
//! delegation is the protectee's.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::declaration::{DeclarationLine, RoleAsked};
use crate::error::{DomainError, EscortProblem, FieldProblem};
use crate::ids::{DeclarationId, DelegationId, MovementId, ProtecteeId, VenueId};
use crate::registry::{Delegation, Event, HostUnit};
use crate::storage::{Span, aggregate};
use crate::text::{PersonName, Reason};
use crate::time::{Timestamp, Window};

const ENTITY: &str = "movement";

/// A protectee's risk level, 1 to 4, as the host's interior ministry sets it.
/// The domain stores the level and does not interpret the scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct RiskLevel(u8);

impl RiskLevel {
    /// A risk level; refused outside 1 to 4.
    pub fn new(level: u8) -> Result<Self, DomainError> {
        if !(1..=4).contains(&level) {
            return Err(DomainError::field(
                "risk level",
                FieldProblem::OutOfRange {
                    min: 1,
                    max: 4,
                    found: level.into(),
                },
            ));
        }
        Ok(RiskLevel(level))
    }

    /// The level, 1 to 4.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for RiskLevel {
    type Error = DomainError;

    /// The same as [`RiskLevel::new`].
    fn try_from(level: u8) -> Result<Self, Self::Error> {
        RiskLevel::new(level)
    }
}

impl From<RiskLevel> for u8 {
    fn from(risk: RiskLevel) -> u8 {
        risk.0
    }
}

/// A person under protection, of a foreign delegation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protectee {
    id: ProtecteeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<ProtecteeId>,
    name: PersonName,
    delegation: DelegationId,
    risk: RiskLevel,
}

impl Protectee {
    /// Registers a protectee of a delegation with the host's risk level.
    pub fn register(
        id: ProtecteeId,
        name: PersonName,
        delegation: &Delegation,
        risk: RiskLevel,
    ) -> Self {
        Protectee {
            id,
            reference: None,
            name,
            delegation: delegation.id().clone(),
            risk,
        }
    }

    /// The protectee's identifier.
    pub fn id(&self) -> &ProtecteeId {
        &self.id
    }

    /// The label the host chose for the protectee, when it chose one (kept
    /// in the salted document; the id is opaque).
    pub fn reference(&self) -> Option<&ProtecteeId> {
        self.reference.as_ref()
    }

    /// The protectee with the host's own reference.
    #[must_use]
    pub fn with_reference(mut self, reference: Option<ProtecteeId>) -> Self {
        self.reference = reference;
        self
    }

    /// The protectee's name.
    pub fn name(&self) -> &PersonName {
        &self.name
    }

    /// The protectee's delegation.
    pub fn delegation(&self) -> &DelegationId {
        &self.delegation
    }

    /// The risk level.
    pub fn risk(&self) -> RiskLevel {
        self.risk
    }

    /// The stable state name, `registered`: a protectee has no state machine.
    pub fn state_name(&self) -> &'static str {
        "registered"
    }

    /// The same protectee with a new risk level, as the host reassesses it.
    pub fn with_risk(&self, risk: RiskLevel) -> Self {
        Protectee {
            risk,
            ..self.clone()
        }
    }
}

/// One stop of an itinerary: a venue and the planned arrival.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stop {
    venue: VenueId,
    at: Timestamp,
}

impl Stop {
    /// A stop at `venue`, arriving at `at`. The movement checks both.
    pub fn new(venue: VenueId, at: Timestamp) -> Self {
        Stop { venue, at }
    }

    /// The venue.
    pub fn venue(&self) -> &VenueId {
        &self.venue
    }

    /// The planned arrival.
    pub fn at(&self) -> Timestamp {
        self.at
    }
}

/// Where a movement stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MovementState {
    /// Prepared, waiting for a commander's approval.
    Planned,
    /// Approved; the attached agents see it.
    Approved,
    /// Done. Final.
    Completed,
    /// Called off. Final.
    Cancelled {
        /// Why.
        reason: Reason,
    },
}

impl MovementState {
    /// The state's name, as error messages spell it.
    pub fn name(&self) -> &'static str {
        match self {
            MovementState::Planned => "Planned",
            MovementState::Approved => "Approved",
            MovementState::Completed => "Completed",
            MovementState::Cancelled { .. } => "Cancelled",
        }
    }

    /// The stable name (`planned`, `approved`, `completed`, `cancelled`), as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            MovementState::Planned => "planned",
            MovementState::Approved => "approved",
            MovementState::Completed => "completed",
            MovementState::Cancelled { .. } => "cancelled",
        }
    }
}

/// A planned movement of a protectee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredMovement", into = "StoredMovement")]
pub struct Movement {
    id: MovementId,
    protectee: ProtecteeId,
    delegation: DelegationId,
    stops: Vec<Stop>,
    window: Window,
    lead: HostUnit,
    agents: Vec<DeclarationId>,
    planned_at: Timestamp,
    updated_at: Timestamp,
    state: MovementState,
}

impl Movement {
    /// Plans a movement. The itinerary must have at least one stop, every stop
    /// a venue of the event and a time inside the window, in time order; every
    /// agent must be eligible (see the module documentation).
    #[allow(clippy::too_many_arguments)]
    pub fn plan(
        id: MovementId,
        event: &Event,
        protectee: &Protectee,
        stops: Vec<Stop>,
        window: Window,
        lead: HostUnit,
        agents: &[&DeclarationLine],
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        check_itinerary(&stops, &window, |venue| {
            event.require_venue("itinerary", venue).map(|_| ())
        })?;
        let mut seen = BTreeSet::new();
        for line in agents {
            check_agent(line, protectee, &window)?;
            if !seen.insert(line.id()) {
                return Err(repeated_agent(line.id()));
            }
        }
        Ok(Movement {
            id,
            protectee: protectee.id().clone(),
            delegation: protectee.delegation().clone(),
            stops,
            window,
            lead,
            agents: agents.iter().map(|line| line.id().clone()).collect(),
            planned_at: at,
            updated_at: at,
            state: MovementState::Planned,
        })
    }

    /// The movement's identifier.
    pub fn id(&self) -> &MovementId {
        &self.id
    }

    /// The protectee.
    pub fn protectee(&self) -> &ProtecteeId {
        &self.protectee
    }

    /// The protectee's delegation.
    pub fn delegation(&self) -> &DelegationId {
        &self.delegation
    }

    /// The itinerary, in order.
    pub fn stops(&self) -> &[Stop] {
        &self.stops
    }

    /// The time window.
    pub fn window(&self) -> &Window {
        &self.window
    }

    /// The host unit in the lead.
    pub fn lead(&self) -> &HostUnit {
        &self.lead
    }

    /// The attached foreign protective agents (their declaration lines).
    pub fn agents(&self) -> &[DeclarationId] {
        &self.agents
    }

    /// When it was planned.
    pub fn planned_at(&self) -> Timestamp {
        self.planned_at
    }

    /// When it last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// Where the movement stands.
    pub fn state(&self) -> &MovementState {
        &self.state
    }

    /// The stable name of the movement's state ([`MovementState::as_str`]), as stored.
    pub fn state_name(&self) -> &'static str {
        self.state.as_str()
    }

    /// Whether a foreign protective agent may see the movement: it is approved
    /// (or completed) and the agent is attached to it.
    pub fn is_visible_to_agent(&self, line: &DeclarationId) -> bool {
        matches!(
            self.state,
            MovementState::Approved | MovementState::Completed
        ) && self.agents.contains(line)
    }

    /// Approves a planned movement.
    pub fn approve(&self, at: Timestamp) -> Result<Self, DomainError> {
        let allowed = matches!(self.state, MovementState::Planned);
        self.step(allowed, "approve", MovementState::Approved, at)
    }

    /// Records an approved movement as completed.
    pub fn complete(&self, at: Timestamp) -> Result<Self, DomainError> {
        let allowed = matches!(self.state, MovementState::Approved);
        self.step(allowed, "complete", MovementState::Completed, at)
    }

    /// Calls off a planned or approved movement.
    pub fn cancel(&self, reason: Reason, at: Timestamp) -> Result<Self, DomainError> {
        let allowed = matches!(self.state, MovementState::Planned | MovementState::Approved);
        self.step(allowed, "cancel", MovementState::Cancelled { reason }, at)
    }

    fn step(
        &self,
        allowed: bool,
        transition: &'static str,
        state: MovementState,
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

/// Checks the itinerary's shape: at least one stop, every stop accepted by
/// `venue` (the event's check when planning) and inside the window, the stops
/// in time order. Errors come in the order the stops do.
fn check_itinerary(
    stops: &[Stop],
    window: &Window,
    venue: impl Fn(&VenueId) -> Result<(), DomainError>,
) -> Result<(), DomainError> {
    if stops.is_empty() {
        return Err(DomainError::field("itinerary", FieldProblem::Empty));
    }
    let mut previous: Option<Timestamp> = None;
    for stop in stops {
        venue(&stop.venue)?;
        if !window.contains(stop.at) {
            return Err(DomainError::field(
                "itinerary",
                FieldProblem::Rule("every stop must lie inside the movement window"),
            ));
        }
        if previous.is_some_and(|previous| stop.at < previous) {
            return Err(DomainError::field(
                "itinerary",
                FieldProblem::Rule("stops must be in time order"),
            ));
        }
        previous = Some(stop.at);
    }
    Ok(())
}

/// The error for an agent attached twice.
fn repeated_agent(line: &DeclarationId) -> DomainError {
    DomainError::EscortNotEligible {
        line: line.clone(),
        problem: EscortProblem::Repeated,
    }
}

/// Checks that a declaration line may escort `protectee` during `window`.
fn check_agent(
    line: &DeclarationLine,
    protectee: &Protectee,
    window: &Window,
) -> Result<(), DomainError> {
    let refuse = |problem| DomainError::EscortNotEligible {
        line: line.id().clone(),
        problem,
    };
    let Some(accreditation) = line.review().accreditation() else {
        return Err(refuse(EscortProblem::NotAccredited {
            state: line.review().name(),
        }));
    };
    let RoleAsked::ProtectiveAgent {
        protectee: protects,
    } = line.person().role()
    else {
        return Err(refuse(EscortProblem::NotProtectiveAgent));
    };
    if line.delegation() != protectee.delegation() {
        return Err(refuse(EscortProblem::OtherDelegation));
    }
    if protects != protectee.id() {
        return Err(refuse(EscortProblem::OtherProtectee));
    }
    if !accreditation.window().covers(window) {
        return Err(refuse(EscortProblem::WindowNotCovered));
    }
    Ok(())
}

aggregate!(Protectee, "protectee", delegation: |p| Some(p.delegation()), room: |_| None);
aggregate!(Movement, "movement", delegation: |m| Some(m.delegation()), room: |_| None);

/// The stored form of a [`Movement`], checked on loading as the module
/// documentation describes.
#[derive(Serialize, Deserialize)]
struct StoredMovement {
    id: MovementId,
    protectee: ProtecteeId,
    delegation: DelegationId,
    stops: Vec<Stop>,
    window: Window,
    lead: HostUnit,
    agents: Vec<DeclarationId>,
    planned_at: Timestamp,
    updated_at: Timestamp,
    #[serde(flatten)]
    state: MovementState,
}

impl From<Movement> for StoredMovement {
    fn from(movement: Movement) -> Self {
        StoredMovement {
            id: movement.id,
            protectee: movement.protectee,
            delegation: movement.delegation,
            stops: movement.stops,
            window: movement.window,
            lead: movement.lead,
            agents: movement.agents,
            planned_at: movement.planned_at,
            updated_at: movement.updated_at,
            state: movement.state,
        }
    }
}

impl TryFrom<StoredMovement> for Movement {
    type Error = DomainError;

    fn try_from(stored: StoredMovement) -> Result<Self, Self::Error> {
        check_itinerary(&stored.stops, &stored.window, |_| Ok(()))?;
        let mut seen = BTreeSet::new();
        if let Some(line) = stored.agents.iter().find(|line| !seen.insert(*line)) {
            return Err(repeated_agent(line));
        }
        Span::new(ENTITY, stored.planned_at, stored.updated_at)?;
        Ok(Movement {
            id: stored.id,
            protectee: stored.protectee,
            delegation: stored.delegation,
            stops: stored.stops,
            window: stored.window,
            lead: stored.lead,
            agents: stored.agents,
            planned_at: stored.planned_at,
            updated_at: stored.updated_at,
            state: stored.state,
        })
    }
}
