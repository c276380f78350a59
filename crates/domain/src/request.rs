//! Requests for information or assistance (RFI/RFA) from a foreign delegation
//! to the host, with their deadlines and the gate on personal data in answers.
//!
//! ```text
//! Draft ─submit─► Submitted ─acknowledge─► Acknowledged ─accept─► Accepted ─start─► InProgress
//!                     ▲                      │      │                                   │
//!                     │                      │      └─refuse─► Refused                answer
//!                  clarify      request_clarification                                   ▼
//!                     │                      ▼                      Closed ◄─close─ Answered
//!                     └──────── ClarificationRequested                      (approve_disclosure)
//!
//! cancel (requester): from every state but Refused, Closed and Cancelled ─► Cancelled
//! ```
//!
//! The requester drafts, submits, clarifies and cancels; the host does the
//! rest; either side may close an answered request. A clarified request goes
//! back to Submitted, so the host acknowledges the clarified request again
//! before deciding on it.
//!
//! The clock starts at submission: `due_at` is the submission time plus the
//! priority's deadline from [`Deadlines`], fixed then and never moved (not by
//! a clarification either), so the record never hides a delay. A request is
//! overdue from `due_at` on (the deadline is the first late instant) unless it
//! is answered, closed, refused or cancelled.
//!
//! An answer that contains personal data carries a [`Disclosure`] and is not
//! released to the requester until a host commander's approval is recorded:
//! [`Request::released_answer`] returns nothing before that, and the request
//! cannot be closed.

use std::collections::BTreeSet;

use crate::error::{DisclosureProblem, DomainError, FieldProblem};
use crate::ids::{AccountId, DelegationId, HostUnitId, RequestId};
use crate::registry::{Delegation, HostUnit};
use crate::side::Side;
use crate::text::{LongText, Name, Reason, Text};
use crate::time::{Duration, Timestamp};

const ENTITY: &str = "rfi";

/// Whether the requester asks for information or for assistance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// A request for information (RFI).
    Information,
    /// A request for assistance (RFA).
    Assistance,
}

/// How fast the host must answer, as Directive (EU) 2023/977 grades requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// Urgent, on data directly accessible to the host.
    UrgentDirect,
    /// Urgent, other data.
    Urgent,
    /// Not urgent.
    Normal,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Priority; 3] = [Priority::UrgentDirect, Priority::Urgent, Priority::Normal];
}

/// The time the host has to answer, per priority, from submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    /// For [`Priority::UrgentDirect`]; 8 hours by default.
    pub urgent_direct: Duration,
    /// For [`Priority::Urgent`]; 3 days by default.
    pub urgent: Duration,
    /// For [`Priority::Normal`]; 7 days by default.
    pub normal: Duration,
}

impl Default for Deadlines {
    /// The time limits of Directive (EU) 2023/977, art. 5: 8 hours, 3 days, 7 days.
    fn default() -> Self {
        Deadlines {
            urgent_direct: Duration::hours(8),
            urgent: Duration::days(3),
            normal: Duration::days(7),
        }
    }
}

impl Deadlines {
    /// The time allowed for a priority.
    pub fn for_priority(&self, priority: Priority) -> Duration {
        match priority {
            Priority::UrgentDirect => self.urgent_direct,
            Priority::Urgent => self.urgent,
            Priority::Normal => self.normal,
        }
    }
}

/// A category of personal data an answer discloses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataCategory {
    /// Names, birth dates, nationalities.
    Identity,
    /// Identity document numbers and images.
    IdentityDocuments,
    /// Criminal records and proceedings (GDPR art. 10).
    CriminalRecords,
    /// Police or intelligence information on a person.
    Intelligence,
    /// Travel: bookings, border crossings.
    Travel,
    /// Addresses and whereabouts.
    Location,
    /// Telephone numbers, e-mail addresses, communications data.
    Communications,
    /// Bank accounts and financial data.
    Financial,
    /// Vehicles and their registrations.
    Vehicles,
}

/// The record of a disclosure of personal data in an answer: to whom, on what
/// legal basis, which categories of data (Directive 2016/680, art. 25).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    to: DelegationId,
    legal_basis: Text<1000>,
    categories: BTreeSet<DataCategory>,
}

impl Disclosure {
    /// A disclosure to a delegation; refused without any data category.
    pub fn new(
        to: DelegationId,
        legal_basis: Text<1000>,
        categories: impl IntoIterator<Item = DataCategory>,
    ) -> Result<Self, DomainError> {
        let categories: BTreeSet<DataCategory> = categories.into_iter().collect();
        if categories.is_empty() {
            return Err(DomainError::field("data categories", FieldProblem::Empty));
        }
        Ok(Disclosure {
            to,
            legal_basis,
            categories,
        })
    }

    /// The delegation the data is disclosed to.
    pub fn to(&self) -> &DelegationId {
        &self.to
    }

    /// The legal basis.
    pub fn legal_basis(&self) -> &Text<1000> {
        &self.legal_basis
    }

    /// The categories of data disclosed.
    pub fn categories(&self) -> &BTreeSet<DataCategory> {
        &self.categories
    }
}

/// A host commander's approval of a disclosure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    by: AccountId,
    at: Timestamp,
}

impl Approval {
    /// The approving account.
    pub fn by(&self) -> &AccountId {
        &self.by
    }

    /// When.
    pub fn at(&self) -> Timestamp {
        self.at
    }
}

/// The host's answer to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    text: LongText,
    answered_at: Timestamp,
    // An approval can only exist next to the disclosure it approves.
    personal_data: Option<(Disclosure, Option<Approval>)>,
}

impl Answer {
    /// The answer's text.
    pub fn text(&self) -> &LongText {
        &self.text
    }

    /// When the host answered.
    pub fn answered_at(&self) -> Timestamp {
        self.answered_at
    }

    /// The disclosure, if the answer contains personal data.
    pub fn disclosure(&self) -> Option<&Disclosure> {
        self.personal_data
            .as_ref()
            .map(|(disclosure, _)| disclosure)
    }

    /// The approval of the disclosure, once recorded.
    pub fn approval(&self) -> Option<&Approval> {
        self.personal_data
            .as_ref()
            .and_then(|(_, approval)| approval.as_ref())
    }

    /// Whether the requester may see the answer: it contains no personal data,
    /// or their disclosure is approved.
    pub fn is_releasable(&self) -> bool {
        match &self.personal_data {
            None => true,
            Some((_, approval)) => approval.is_some(),
        }
    }
}

/// A question the host asked about a request and the requester's clarification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clarification {
    question: LongText,
    asked_at: Timestamp,
    answer: LongText,
    answered_at: Timestamp,
}

impl Clarification {
    /// The host's question.
    pub fn question(&self) -> &LongText {
        &self.question
    }

    /// When it was asked.
    pub fn asked_at(&self) -> Timestamp {
        self.asked_at
    }

    /// The requester's clarification.
    pub fn answer(&self) -> &LongText {
        &self.answer
    }

    /// When it was given.
    pub fn answered_at(&self) -> Timestamp {
        self.answered_at
    }
}

/// Where a request stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestState {
    /// Being written by the requester; not yet sent.
    Draft,
    /// Sent to the host (the clock runs).
    Submitted,
    /// The host confirmed receipt.
    Acknowledged,
    /// The host asked the requester a question.
    ClarificationRequested {
        /// The question.
        question: LongText,
        /// When it was asked.
        asked_at: Timestamp,
    },
    /// The host accepted the request and gave it to a unit.
    Accepted {
        /// The host unit that will work on it.
        unit: HostUnitId,
    },
    /// The host refused the request. Final.
    Refused {
        /// Why.
        reason: Reason,
    },
    /// The unit is working on it.
    InProgress {
        /// The host unit working on it.
        unit: HostUnitId,
    },
    /// The host answered.
    Answered {
        /// The answer.
        answer: Answer,
    },
    /// Done. Final.
    Closed {
        /// The released answer.
        answer: Answer,
    },
    /// The requester withdrew the request. Final.
    Cancelled {
        /// Why.
        reason: Reason,
    },
}

impl RequestState {
    /// The state's name, as error messages spell it.
    pub fn name(&self) -> &'static str {
        match self {
            RequestState::Draft => "Draft",
            RequestState::Submitted => "Submitted",
            RequestState::Acknowledged => "Acknowledged",
            RequestState::ClarificationRequested { .. } => "ClarificationRequested",
            RequestState::Accepted { .. } => "Accepted",
            RequestState::Refused { .. } => "Refused",
            RequestState::InProgress { .. } => "InProgress",
            RequestState::Answered { .. } => "Answered",
            RequestState::Closed { .. } => "Closed",
            RequestState::Cancelled { .. } => "Cancelled",
        }
    }

    /// Whether the request is finished for good.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            RequestState::Refused { .. }
                | RequestState::Closed { .. }
                | RequestState::Cancelled { .. }
        )
    }
}

/// A request for information or assistance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    id: RequestId,
    requester: DelegationId,
    kind: RequestKind,
    priority: Priority,
    subject: Name,
    body: LongText,
    created_at: Timestamp,
    updated_at: Timestamp,
    submitted_at: Option<Timestamp>,
    due_at: Option<Timestamp>,
    clarifications: Vec<Clarification>,
    state: RequestState,
}

impl Request {
    /// Drafts a request of a delegation.
    pub fn draft(
        id: RequestId,
        requester: &Delegation,
        kind: RequestKind,
        priority: Priority,
        subject: Name,
        body: LongText,
        at: Timestamp,
    ) -> Self {
        Request {
            id,
            requester: requester.id().clone(),
            kind,
            priority,
            subject,
            body,
            created_at: at,
            updated_at: at,
            submitted_at: None,
            due_at: None,
            clarifications: Vec::new(),
            state: RequestState::Draft,
        }
    }

    /// The request's identifier.
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The requesting delegation.
    pub fn requester(&self) -> &DelegationId {
        &self.requester
    }

    /// Information or assistance.
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// The priority.
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// The one-line subject.
    pub fn subject(&self) -> &Name {
        &self.subject
    }

    /// The request's text.
    pub fn body(&self) -> &LongText {
        &self.body
    }

    /// When it was drafted.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// When it last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// When it was first submitted: the start of the clock.
    pub fn submitted_at(&self) -> Option<Timestamp> {
        self.submitted_at
    }

    /// The first instant at which the request is late; `None` until submitted.
    pub fn due_at(&self) -> Option<Timestamp> {
        self.due_at
    }

    /// The clarifications asked and given so far, oldest first.
    pub fn clarifications(&self) -> &[Clarification] {
        &self.clarifications
    }

    /// Where the request stands.
    pub fn state(&self) -> &RequestState {
        &self.state
    }

    /// Whether the deadline has passed (`now >= due_at`) while the request is
    /// still waiting for the host: never for a draft, nor once answered,
    /// closed, refused or cancelled.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        let waiting = !matches!(
            self.state,
            RequestState::Answered { .. }
                | RequestState::Closed { .. }
                | RequestState::Refused { .. }
                | RequestState::Cancelled { .. }
        );
        waiting && self.due_at.is_some_and(|due| now >= due)
    }

    /// The answer as the host sees it, whether released or not.
    pub fn current_answer(&self) -> Option<&Answer> {
        match &self.state {
            RequestState::Answered { answer } | RequestState::Closed { answer } => Some(answer),
            _ => None,
        }
    }

    /// The answer as the requester may see it: only once it is releasable
    /// (no personal data, or its disclosure approved).
    pub fn released_answer(&self) -> Option<&Answer> {
        self.current_answer()
            .filter(|answer| answer.is_releasable())
    }

    /// Submits a draft (the requester's side); the clock starts and `due_at` is set.
    pub fn submit(
        &self,
        side: Side,
        deadlines: &Deadlines,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Some(Side::Requester), "submit", at)?;
        if self.state != RequestState::Draft {
            return Err(self.invalid("submit"));
        }
        let mut next = self.with_state(RequestState::Submitted, at);
        next.submitted_at = Some(at);
        next.due_at = Some(at.saturating_add(deadlines.for_priority(self.priority)));
        Ok(next)
    }

    /// Acknowledges receipt (the host's side).
    pub fn acknowledge(&self, side: Side, at: Timestamp) -> Result<Self, DomainError> {
        self.check(side, Some(Side::Host), "acknowledge", at)?;
        if self.state != RequestState::Submitted {
            return Err(self.invalid("acknowledge"));
        }
        Ok(self.with_state(RequestState::Acknowledged, at))
    }

    /// Accepts the request and gives it to a host unit (the host's side).
    pub fn accept(&self, side: Side, unit: &HostUnit, at: Timestamp) -> Result<Self, DomainError> {
        self.check(side, Some(Side::Host), "accept", at)?;
        if self.state != RequestState::Acknowledged {
            return Err(self.invalid("accept"));
        }
        let unit = unit.id().clone();
        Ok(self.with_state(RequestState::Accepted { unit }, at))
    }

    /// Asks the requester a question before deciding (the host's side).
    pub fn request_clarification(
        &self,
        side: Side,
        question: LongText,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Some(Side::Host), "request clarification", at)?;
        if self.state != RequestState::Acknowledged {
            return Err(self.invalid("request clarification"));
        }
        Ok(self.with_state(
            RequestState::ClarificationRequested {
                question,
                asked_at: at,
            },
            at,
        ))
    }

    /// Answers the host's question (the requester's side); the request is
    /// submitted again, with its original deadline.
    pub fn clarify(
        &self,
        side: Side,
        answer: LongText,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Some(Side::Requester), "clarify", at)?;
        let RequestState::ClarificationRequested { question, asked_at } = &self.state else {
            return Err(self.invalid("clarify"));
        };
        let clarification = Clarification {
            question: question.clone(),
            asked_at: *asked_at,
            answer,
            answered_at: at,
        };
        let mut next = self.with_state(RequestState::Submitted, at);
        next.clarifications.push(clarification);
        Ok(next)
    }

    /// Refuses the request (the host's side).
    pub fn refuse(&self, side: Side, reason: Reason, at: Timestamp) -> Result<Self, DomainError> {
        self.check(side, Some(Side::Host), "refuse", at)?;
        if self.state != RequestState::Acknowledged {
            return Err(self.invalid("refuse"));
        }
        Ok(self.with_state(RequestState::Refused { reason }, at))
    }

    /// Starts work on an accepted request (the host's side).
    pub fn start(&self, side: Side, at: Timestamp) -> Result<Self, DomainError> {
        self.check(side, Some(Side::Host), "start", at)?;
        let RequestState::Accepted { unit } = &self.state else {
            return Err(self.invalid("start"));
        };
        let unit = unit.clone();
        Ok(self.with_state(RequestState::InProgress { unit }, at))
    }

    /// Answers the request (the host's side). An answer with personal data must
    /// carry a disclosure to the requesting delegation, and waits for approval.
    pub fn answer(
        &self,
        side: Side,
        text: LongText,
        disclosure: Option<Disclosure>,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Some(Side::Host), "answer", at)?;
        if !matches!(self.state, RequestState::InProgress { .. }) {
            return Err(self.invalid("answer"));
        }
        if let Some(disclosure) = &disclosure
            && disclosure.to != self.requester
        {
            return Err(DomainError::Disclosure(DisclosureProblem::WrongRecipient {
                requester: self.requester.clone(),
                named: disclosure.to.clone(),
            }));
        }
        let answer = Answer {
            text,
            answered_at: at,
            personal_data: disclosure.map(|d| (d, None)),
        };
        Ok(self.with_state(RequestState::Answered { answer }, at))
    }

    /// Records a host commander's approval of the answer's disclosure (the
    /// host's side); the answer becomes visible to the requester.
    pub fn approve_disclosure(
        &self,
        side: Side,
        by: AccountId,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Some(Side::Host), "approve disclosure", at)?;
        let RequestState::Answered { answer } = &self.state else {
            return Err(self.invalid("approve disclosure"));
        };
        let mut answer = answer.clone();
        match &mut answer.personal_data {
            None => return Err(DomainError::Disclosure(DisclosureProblem::NothingToApprove)),
            Some((_, Some(_))) => {
                return Err(DomainError::Disclosure(DisclosureProblem::AlreadyApproved));
            }
            Some((_, approval @ None)) => *approval = Some(Approval { by, at }),
        }
        Ok(self.with_state(RequestState::Answered { answer }, at))
    }

    /// Closes an answered request (either side), once the answer is released.
    pub fn close(&self, side: Side, at: Timestamp) -> Result<Self, DomainError> {
        self.check(side, None, "close", at)?;
        let RequestState::Answered { answer } = &self.state else {
            return Err(self.invalid("close"));
        };
        if !answer.is_releasable() {
            return Err(DomainError::Disclosure(DisclosureProblem::NotApproved));
        }
        let answer = answer.clone();
        Ok(self.with_state(RequestState::Closed { answer }, at))
    }

    /// Withdraws the request (the requester's side), from any state that is not final.
    pub fn cancel(&self, side: Side, reason: Reason, at: Timestamp) -> Result<Self, DomainError> {
        self.check(side, Some(Side::Requester), "cancel", at)?;
        if self.state.is_terminal() {
            return Err(self.invalid("cancel"));
        }
        Ok(self.with_state(RequestState::Cancelled { reason }, at))
    }

    /// Checks the side (if the transition belongs to one) and the time.
    fn check(
        &self,
        side: Side,
        allowed: Option<Side>,
        transition: &'static str,
        at: Timestamp,
    ) -> Result<(), DomainError> {
        if let Some(allowed) = allowed
            && side != allowed
        {
            return Err(DomainError::WrongSide {
                entity: ENTITY,
                transition,
                allowed,
            });
        }
        if at < self.updated_at {
            return Err(DomainError::TimeWentBackwards {
                entity: ENTITY,
                at: at.as_millis(),
                last: self.updated_at.as_millis(),
            });
        }
        Ok(())
    }

    fn invalid(&self, transition: &'static str) -> DomainError {
        DomainError::InvalidTransition {
            entity: ENTITY,
            state: self.state.name(),
            transition,
        }
    }

    fn with_state(&self, state: RequestState, at: Timestamp) -> Self {
        let mut next = self.clone();
        next.state = state;
        next.updated_at = at;
        next
    }
}
