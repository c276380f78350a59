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

use std::collections::BTreeSet;

use crate::declaration::{DeclarationLine, RoleAsked};
use crate::error::{DomainError, EscortProblem, FieldProblem};
use crate::ids::{DeclarationId, DelegationId, MovementId, ProtecteeId, VenueId};
use crate::registry::{Delegation, Event, HostUnit};
use crate::text::{PersonName, Reason};
use crate::time::{Timestamp, Window};

const ENTITY: &str = "movement";

/// A protectee's risk level, 1 to 4, as the host's interior ministry sets it.
/// The domain stores the level and does not interpret the scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

/// A person under protection, of a foreign delegation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protectee {
    id: ProtecteeId,
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
            name,
            delegation: delegation.id().clone(),
            risk,
        }
    }

    /// The protectee's identifier.
    pub fn id(&self) -> &ProtecteeId {
        &self.id
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

    /// The same protectee with a new risk level, as the host reassesses it.
    pub fn with_risk(&self, risk: RiskLevel) -> Self {
        Protectee {
            risk,
            ..self.clone()
        }
    }
}

/// One stop of an itinerary: a venue and the planned arrival.
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
}

/// A planned movement of a protectee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Movement {
    id: MovementId,
    protectee: ProtecteeId,
    delegation: DelegationId,
    stops: Vec<Stop>,
    window: Window,
    lead: HostUnit,
    agents: Vec<DeclarationId>,
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
        if stops.is_empty() {
            return Err(DomainError::field("itinerary", FieldProblem::Empty));
        }
        for (i, stop) in stops.iter().enumerate() {
            event.require_venue("itinerary", &stop.venue)?;
            if !window.contains(stop.at) {
                return Err(DomainError::field(
                    "itinerary",
                    FieldProblem::Rule("every stop must lie inside the movement window"),
                ));
            }
            if i > 0 && stop.at < stops[i - 1].at {
                return Err(DomainError::field(
                    "itinerary",
                    FieldProblem::Rule("stops must be in time order"),
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for line in agents {
            check_agent(line, protectee, &window)?;
            if !seen.insert(line.id()) {
                return Err(DomainError::EscortNotEligible {
                    line: line.id().clone(),
                    problem: EscortProblem::Repeated,
                });
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

    /// When it last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// Where the movement stands.
    pub fn state(&self) -> &MovementState {
        &self.state
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
