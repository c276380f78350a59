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
//!
//! # Stored form
//!
//! A [`Request`] is one JSON object; its state is the tag `"state"` with the
//! state's data beside it. An answer's approval sits inside the disclosure it
//! approves, so a document cannot even express an approval without one:
//!
//! ```json
//! {"id": "rfi-1", "requester": "us-dss", "kind": "information", "priority": "urgent",
//!  "subject": "…", "body": "…", "created_at": 1769904000000, "updated_at": 1769918400000,
//!  "submitted_at": 1769907600000, "due_at": 1770166800000, "clarifications": [],
//!  "state": "answered",
//!  "answer": {"text": "…", "answered_at": 1769914800000,
//!             "disclosure": {"to": "us-dss", "legal_basis": "…", "categories": ["identity"],
//!                            "approval": {"by": "commander-1", "at": 1769918400000}}}}
//! ```
//!
//! A state that carries data cannot be stored without it (`"state":
//! "answered"` without `"answer"` is refused as a missing field). Loading then
//! re-checks the clock (a draft has no submission time or deadline, every
//! state after submission has both, and the deadline is not before the
//! submission), that times are in order (nothing before the creation or after
//! the last change, no clarification before its question, no approval before
//! the answer), that a disclosure names the requester (as
//! [`Request::answer`] checks), that a disclosure names at least one category
//! of data (as [`Disclosure::new`] checks), and that a closed request's answer
//! is releasable (as [`Request::close`] checks). It trusts what needs other
//! records or the configuration: that the requester and the assigned unit
//! exist (and the unit is a host unit), and that the deadline is the one the
//! [`Deadlines`] in force at submission gave.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{DisclosureProblem, DomainError, FieldProblem};
use crate::ids::{AccountId, DelegationId, HostUnitId, RequestId};
use crate::registry::{Delegation, HostUnit};
use crate::side::Side;
use crate::storage::{Span, aggregate, inconsistent};
use crate::text::{LongText, Name, Reason, Text};
use crate::time::{Duration, Timestamp};

const ENTITY: &str = "rfi";

/// Whether the requester asks for information or for assistance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A request for information (RFI).
    Information,
    /// A request for assistance (RFA).
    Assistance,
}

/// How fast the host must answer, as Directive (EU) 2023/977 grades requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// The time the host has to answer, per priority, from submission. Stored as
/// `{"urgent_direct": ms, "urgent": ms, "normal": ms}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredDisclosure", into = "StoredDisclosure")]
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

/// The stored form of a [`Disclosure`], checked by [`Disclosure::new`] on loading.
#[derive(Serialize, Deserialize)]
struct StoredDisclosure {
    to: DelegationId,
    legal_basis: Text<1000>,
    categories: BTreeSet<DataCategory>,
}

impl From<Disclosure> for StoredDisclosure {
    fn from(disclosure: Disclosure) -> Self {
        StoredDisclosure {
            to: disclosure.to,
            legal_basis: disclosure.legal_basis,
            categories: disclosure.categories,
        }
    }
}

impl TryFrom<StoredDisclosure> for Disclosure {
    type Error = DomainError;

    fn try_from(stored: StoredDisclosure) -> Result<Self, Self::Error> {
        Disclosure::new(stored.to, stored.legal_basis, stored.categories)
    }
}

/// A host commander's approval of a disclosure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    text: LongText,
    answered_at: Timestamp,
    #[serde(rename = "disclosure")]
    personal_data: Option<PersonalData>,
}

/// The personal data in an answer: its disclosure and, once recorded, the
/// approval. An approval can only exist next to the disclosure it approves,
/// in memory and in a stored document alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PersonalData {
    #[serde(flatten)]
    disclosure: Disclosure,
    approval: Option<Approval>,
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
        self.personal_data.as_ref().map(|data| &data.disclosure)
    }

    /// The approval of the disclosure, once recorded.
    pub fn approval(&self) -> Option<&Approval> {
        self.personal_data
            .as_ref()
            .and_then(|data| data.approval.as_ref())
    }

    /// Whether the requester may see the answer: it contains no personal data,
    /// or their disclosure is approved.
    pub fn is_releasable(&self) -> bool {
        match &self.personal_data {
            None => true,
            Some(data) => data.approval.is_some(),
        }
    }
}

/// A question the host asked about a request and the requester's clarification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
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

    /// The stable name (`draft`, `submitted`, `acknowledged`,
    /// `clarification_requested`, `accepted`, `refused`, `in_progress`,
    /// `answered`, `closed`, `cancelled`), as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            RequestState::Draft => "draft",
            RequestState::Submitted => "submitted",
            RequestState::Acknowledged => "acknowledged",
            RequestState::ClarificationRequested { .. } => "clarification_requested",
            RequestState::Accepted { .. } => "accepted",
            RequestState::Refused { .. } => "refused",
            RequestState::InProgress { .. } => "in_progress",
            RequestState::Answered { .. } => "answered",
            RequestState::Closed { .. } => "closed",
            RequestState::Cancelled { .. } => "cancelled",
        }
    }

    /// The stored names ([`RequestState::as_str`]) of the terminal states,
    /// those [`RequestState::is_terminal`] is true of: boards of open
    /// requests leave them out in the query.
    pub const TERMINAL_NAMES: [&'static str; 3] = ["refused", "closed", "cancelled"];

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredRequest", into = "StoredRequest")]
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

    /// The stable name of the request's state ([`RequestState::as_str`]), as stored.
    pub fn state_name(&self) -> &'static str {
        self.state.as_str()
    }

    /// What boards order and pick requests by: while open (not terminal),
    /// the deadline (none yet: after every deadline); whether the answer
    /// awaits the approval of its disclosure.
    pub fn board_attributes(&self) -> crate::storage::BoardAttributes {
        crate::storage::BoardAttributes {
            open_due_at: (!self.state.is_terminal()).then(|| {
                self.due_at.map_or(
                    crate::storage::BoardAttributes::NO_DEADLINE,
                    Timestamp::as_millis,
                )
            }),
            awaiting: match &self.state {
                RequestState::Answered { answer } if !answer.is_releasable() => {
                    Some("disclosure_approval")
                }
                _ => None,
            },
            ..crate::storage::BoardAttributes::default()
        }
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
            personal_data: disclosure.map(|disclosure| PersonalData {
                disclosure,
                approval: None,
            }),
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
            Some(PersonalData {
                approval: Some(_), ..
            }) => {
                return Err(DomainError::Disclosure(DisclosureProblem::AlreadyApproved));
            }
            Some(PersonalData {
                approval: approval @ None,
                ..
            }) => *approval = Some(Approval { by, at }),
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

aggregate!(Request, "request", delegation: |r| Some(r.requester()), room: |_| None,
    board: |r| r.board_attributes());

/// The stored form of a [`Request`], checked on loading as the module
/// documentation describes.
#[derive(Serialize, Deserialize)]
struct StoredRequest {
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
    #[serde(flatten)]
    state: RequestState,
}

impl From<Request> for StoredRequest {
    fn from(request: Request) -> Self {
        StoredRequest {
            id: request.id,
            requester: request.requester,
            kind: request.kind,
            priority: request.priority,
            subject: request.subject,
            body: request.body,
            created_at: request.created_at,
            updated_at: request.updated_at,
            submitted_at: request.submitted_at,
            due_at: request.due_at,
            clarifications: request.clarifications,
            state: request.state,
        }
    }
}

impl TryFrom<StoredRequest> for Request {
    type Error = DomainError;

    fn try_from(stored: StoredRequest) -> Result<Self, Self::Error> {
        let request = Request {
            id: stored.id,
            requester: stored.requester,
            kind: stored.kind,
            priority: stored.priority,
            subject: stored.subject,
            body: stored.body,
            created_at: stored.created_at,
            updated_at: stored.updated_at,
            submitted_at: stored.submitted_at,
            due_at: stored.due_at,
            clarifications: stored.clarifications,
            state: stored.state,
        };
        request.check_stored()?;
        Ok(request)
    }
}

impl Request {
    /// Checks the rules one stored request can show (see the module documentation).
    fn check_stored(&self) -> Result<(), DomainError> {
        let span = Span::new(ENTITY, self.created_at, self.updated_at)?;
        match (self.submitted_at, self.due_at) {
            (None, None) => {
                // A request leaves the draft only by submission or cancellation.
                if !matches!(
                    self.state,
                    RequestState::Draft | RequestState::Cancelled { .. }
                ) {
                    return Err(inconsistent(
                        ENTITY,
                        "a request past the draft has no submission time",
                    ));
                }
            }
            (Some(submitted_at), Some(due_at)) => {
                if self.state == RequestState::Draft {
                    return Err(inconsistent(ENTITY, "a draft has a submission time"));
                }
                span.contains([submitted_at])?;
                span.ordered(
                    submitted_at,
                    due_at,
                    "the deadline is earlier than the submission",
                )?;
            }
            _ => {
                return Err(inconsistent(
                    ENTITY,
                    "a submission time and a deadline go together",
                ));
            }
        }
        for clarification in &self.clarifications {
            span.contains([clarification.asked_at, clarification.answered_at])?;
            span.ordered(
                clarification.asked_at,
                clarification.answered_at,
                "a clarification is earlier than its question",
            )?;
        }
        if let RequestState::ClarificationRequested { asked_at, .. } = &self.state {
            span.contains([*asked_at])?;
        }
        if let Some(answer) = self.current_answer() {
            span.contains([answer.answered_at])?;
            if let Some(data) = &answer.personal_data {
                if data.disclosure.to != self.requester {
                    return Err(DomainError::Disclosure(DisclosureProblem::WrongRecipient {
                        requester: self.requester.clone(),
                        named: data.disclosure.to.clone(),
                    }));
                }
                if let Some(approval) = &data.approval {
                    span.contains([approval.at])?;
                    span.ordered(
                        answer.answered_at,
                        approval.at,
                        "an approval is earlier than the answer",
                    )?;
                }
            }
        }
        if let RequestState::Closed { answer } = &self.state
            && !answer.is_releasable()
        {
            return Err(DomainError::Disclosure(DisclosureProblem::NotApproved));
        }
        Ok(())
    }
}
