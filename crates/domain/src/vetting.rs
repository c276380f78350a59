//! Vetting cases: what the host does with a screening hit.
//!
//! ```text
//! Open ──clear──────────────► Cleared            (routine: the clearing house)
//!  │ ├─propose_refusal──► RefusalProposed ──confirm_refusal──► Refused
//!  │ │                         │
//!  │ └─propose_referral─► ReferralProposed ─confirm_referral─► Referred
//!  │                           │
//!  └◄────reject_proposal───────┘   (either proposal, back to Open)
//! ```
//!
//! Every decision carries a non-empty reason, who took it and when. A
//! proposal must be confirmed by another account than the one that made it
//! (four eyes). Risk notes, from the host or a foreign delegation, can be added
//! until the case is final. The organiser sees only the [`Opinion`], a type
//! that cannot carry any detail.
//!
//! # Stored form
//!
//! A [`VettingCase`] is one JSON object; its state is the tag `"state"` with
//! the state's decisions beside it (`"decision"` for a clearance, `"proposal"`
//! and, once confirmed, `"confirmation"`):
//!
//! ```json
//! {"id": "case-1", "subject": {"declaration": "line-2"}, "snapshot": "0101…",
//!  "summary": "…", "opened_at": 1769904000000, "updated_at": 1769918400000,
//!  "state": "refused",
//!  "proposal": {"reason": "…", "by": "analyst-1", "at": 1769911200000},
//!  "confirmation": {"reason": "…", "by": "commander-1", "at": 1769918400000},
//!  "notes": [], "rejected_proposals": []}
//! ```
//!
//! Loading re-checks the four-eyes rule (a confirmation is by another account
//! than its proposal, as the confirming transitions check) and that times are
//! in order: nothing before the opening or after the last change, no
//! confirmation or rejection before its proposal. It trusts that the subject
//! exists and that the snapshot is the one screening ran against.

use serde::{Deserialize, Serialize};

use crate::codes::SnapshotHash;
use crate::declaration::ScreeningStatus;
use crate::error::DomainError;
use crate::ids::{
    AccountId, AgencyId, ApplicantId, DeclarationId, DelegationId, LiaisonReportId, VettingCaseId,
};
use crate::storage::{Span, aggregate, inconsistent};
use crate::text::{LongText, Reason, Text};
use crate::time::Timestamp;

const ENTITY: &str = "vetting case";

/// Who a vetting case is about. Stored as `{"declaration": "line-2"}` or
/// `{"applicant": "app-9"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A person declared by a foreign delegation.
    Declaration(DeclarationId),
    /// An applicant for accreditation through the organiser.
    Applicant(ApplicantId),
}

/// A decision or proposal on a case: why, by whom, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    reason: Reason,
    by: AccountId,
    at: Timestamp,
}

impl Decision {
    /// The reason given.
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// The account that took the decision.
    pub fn by(&self) -> &AccountId {
        &self.by
    }

    /// When.
    pub fn at(&self) -> Timestamp {
        self.at
    }
}

/// Where a vetting case stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredVettingState", into = "StoredVettingState")]
pub enum VettingState {
    /// Under review.
    Open,
    /// Cleared: the hit was a false match or not a concern. Final.
    Cleared(Decision),
    /// Someone proposed refusing the person.
    RefusalProposed(Decision),
    /// The refusal was confirmed. Final.
    Refused {
        /// The proposal.
        proposal: Decision,
        /// The confirmation.
        confirmation: Decision,
    },
    /// Someone proposed referring the case to another authority.
    ReferralProposed(Decision),
    /// The referral was confirmed. Final.
    Referred {
        /// The proposal.
        proposal: Decision,
        /// The confirmation.
        confirmation: Decision,
    },
}

impl VettingState {
    /// The state's name, as error messages spell it.
    pub fn name(&self) -> &'static str {
        match self {
            VettingState::Open => "Open",
            VettingState::Cleared(_) => "Cleared",
            VettingState::RefusalProposed(_) => "RefusalProposed",
            VettingState::Refused { .. } => "Refused",
            VettingState::ReferralProposed(_) => "ReferralProposed",
            VettingState::Referred { .. } => "Referred",
        }
    }

    /// The stable name (`open`, `cleared`, `refusal_proposed`, `refused`,
    /// `referral_proposed`, `referred`), as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            VettingState::Open => "open",
            VettingState::Cleared(_) => "cleared",
            VettingState::RefusalProposed(_) => "refusal_proposed",
            VettingState::Refused { .. } => "refused",
            VettingState::ReferralProposed(_) => "referral_proposed",
            VettingState::Referred { .. } => "referred",
        }
    }

    /// Whether the case is decided for good.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            VettingState::Cleared(_) | VettingState::Refused { .. } | VettingState::Referred { .. }
        )
    }
}

/// The stored form of a [`VettingState`]: the same states, with each decision
/// under a name that says what it is.
#[derive(Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum StoredVettingState {
    Open,
    Cleared {
        decision: Decision,
    },
    RefusalProposed {
        proposal: Decision,
    },
    Refused {
        proposal: Decision,
        confirmation: Decision,
    },
    ReferralProposed {
        proposal: Decision,
    },
    Referred {
        proposal: Decision,
        confirmation: Decision,
    },
}

impl From<VettingState> for StoredVettingState {
    fn from(state: VettingState) -> Self {
        match state {
            VettingState::Open => StoredVettingState::Open,
            VettingState::Cleared(decision) => StoredVettingState::Cleared { decision },
            VettingState::RefusalProposed(proposal) => {
                StoredVettingState::RefusalProposed { proposal }
            }
            VettingState::Refused {
                proposal,
                confirmation,
            } => StoredVettingState::Refused {
                proposal,
                confirmation,
            },
            VettingState::ReferralProposed(proposal) => {
                StoredVettingState::ReferralProposed { proposal }
            }
            VettingState::Referred {
                proposal,
                confirmation,
            } => StoredVettingState::Referred {
                proposal,
                confirmation,
            },
        }
    }
}

impl From<StoredVettingState> for VettingState {
    fn from(state: StoredVettingState) -> Self {
        match state {
            StoredVettingState::Open => VettingState::Open,
            StoredVettingState::Cleared { decision } => VettingState::Cleared(decision),
            StoredVettingState::RefusalProposed { proposal } => {
                VettingState::RefusalProposed(proposal)
            }
            StoredVettingState::Refused {
                proposal,
                confirmation,
            } => VettingState::Refused {
                proposal,
                confirmation,
            },
            StoredVettingState::ReferralProposed { proposal } => {
                VettingState::ReferralProposed(proposal)
            }
            StoredVettingState::Referred {
                proposal,
                confirmation,
            } => VettingState::Referred {
                proposal,
                confirmation,
            },
        }
    }
}

/// Which side wrote a risk note.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorSide {
    /// A host analyst or commander.
    Host,
    /// A foreign liaison officer or investigator.
    Foreign,
}

/// A note on the risk a person poses, added to a case by either side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskNote {
    author: AccountId,
    side: AuthorSide,
    text: LongText,
    at: Timestamp,
}

impl RiskNote {
    /// A note by `author`, of `side`, written at `at`.
    pub fn new(author: AccountId, side: AuthorSide, text: LongText, at: Timestamp) -> Self {
        RiskNote {
            author,
            side,
            text,
            at,
        }
    }

    /// The author's account.
    pub fn author(&self) -> &AccountId {
        &self.author
    }

    /// The author's side.
    pub fn side(&self) -> AuthorSide {
        self.side
    }

    /// The note.
    pub fn text(&self) -> &LongText {
        &self.text
    }

    /// When it was written.
    pub fn at(&self) -> Timestamp {
        self.at
    }
}

/// A proposal that was rejected, kept for the record. Stored as
/// `{"proposed": "refusal" | "referral", "proposal": {...}, "rejection": {...}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedProposal {
    #[serde(rename = "proposed", with = "proposed")]
    refusal: bool,
    proposal: Decision,
    rejection: Decision,
}

impl RejectedProposal {
    /// Whether a refusal (rather than a referral) was proposed.
    pub fn was_refusal(&self) -> bool {
        self.refusal
    }

    /// The proposal.
    pub fn proposal(&self) -> &Decision {
        &self.proposal
    }

    /// Its rejection.
    pub fn rejection(&self) -> &Decision {
        &self.rejection
    }
}

/// How a [`RejectedProposal`] stores what was proposed: `"refusal"` or
/// `"referral"` rather than a bare boolean.
mod proposed {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// What a rejected proposal proposed.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Proposed {
        Refusal,
        Referral,
    }

    pub(super) fn serialize<S: Serializer>(
        refusal: &bool,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if *refusal {
            Proposed::Refusal
        } else {
            Proposed::Referral
        }
        .serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<bool, D::Error> {
        Proposed::deserialize(deserializer).map(|proposed| matches!(proposed, Proposed::Refusal))
    }
}

/// What the organiser sees of a vetting case, and nothing else: no reasons,
/// no names, no watchlist data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Opinion {
    /// Not decided yet (or referred to another authority).
    Pending,
    /// The host has no objection.
    NoObjection,
    /// The host objects.
    Objection,
}

impl Opinion {
    /// The stable name (`pending`, `no_objection`, `objection`), as stored
    /// and as the organiser reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            Opinion::Pending => "pending",
            Opinion::NoObjection => "no_objection",
            Opinion::Objection => "objection",
        }
    }

    /// The opinion on a screened subject: pending until screened, no objection
    /// for a clear screening, and the case's opinion for a hit. A hit whose case
    /// is not given (or is another case) stays pending.
    pub fn of_screening(status: &ScreeningStatus, case: Option<&VettingCase>) -> Opinion {
        match status {
            ScreeningStatus::NotScreened => Opinion::Pending,
            ScreeningStatus::Clear { .. } => Opinion::NoObjection,
            ScreeningStatus::Hit { case: id } => match case {
                Some(case) if case.id() == id => case.opinion(),
                _ => Opinion::Pending,
            },
        }
    }
}

/// A vetting case opened by a screening hit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredVettingCase", into = "StoredVettingCase")]
pub struct VettingCase {
    id: VettingCaseId,
    subject: Subject,
    snapshot: SnapshotHash,
    summary: LongText,
    opened_at: Timestamp,
    updated_at: Timestamp,
    state: VettingState,
    notes: Vec<RiskNote>,
    rejected: Vec<RejectedProposal>,
    shares: Vec<CaseShare>,
    reports: Vec<AttachedReport>,
    triage: Option<Triage>,
    claim: Option<Claim>,
    bulk: bool,
}

/// One listed entity an applicant may be, as screening at intake found it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The entity's id on its list.
    pub entity: Text<200>,
    /// Its display name.
    pub caption: Text<400>,
    /// The score in thousandths (0..=1000).
    pub score: u16,
    /// The list (dataset) it is on.
    pub list: Text<64>,
}

/// Where a case opened at intake stands in the analysts' queue, and why:
/// its priority (score, kind of list, zone level, arrival date), its due
/// time, the applicant's category and venues, the candidates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    /// The organiser whose applicant the case is about.
    pub organiser: AgencyId,
    /// 0 (lowest) to 100 (highest).
    pub priority: u8,
    /// When the case should be decided by.
    pub due_at: Timestamp,
    /// The applicant's category, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<crate::applicant::Category>,
    /// The first venue the applicant asked for, if any (the queue's cluster/venue filter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<Text<64>>,
    /// The candidates, best first (at least one).
    pub candidates: Vec<Candidate>,
    /// When a list change opened the case on an applicant accredited
    /// before it: the time of the "no objection" that accredited them,
    /// whose accreditation the case puts in question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accredited_since: Option<Timestamp>,
}

impl Triage {
    /// The best candidate's score, in thousandths.
    pub fn top_score(&self) -> u16 {
        self.candidates.iter().map(|c| c.score).max().unwrap_or(0)
    }

    /// The best candidate's list.
    pub fn top_list(&self) -> Option<&str> {
        self.candidates.first().map(|c| c.list.as_str())
    }
}

/// An analyst's claim on a case: others leave it alone until it expires
/// or is released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Who claimed it.
    pub by: AccountId,
    /// When the claim lapses.
    pub until: Timestamp,
}

/// A delegation's liaison report about the case's person, attached by the
/// host: how a delegation's unsolicited risk information reaches a case
/// without the case being opened to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedReport {
    /// The report.
    pub report: LiaisonReportId,
    /// Who attached it.
    pub by: AccountId,
    /// When.
    pub at: Timestamp,
}

/// The host's disclosure of a case to a delegation, to ask for its risk
/// notes: the delegation learns that the host is looking at one of its
/// people, so sharing is a commander's decision, registered with its legal
/// basis. Nothing is shared without one; a case is never shared
/// automatically with the delegation that declared the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseShare {
    /// The delegation the case is opened to.
    pub delegation: DelegationId,
    /// The legal basis of the disclosure.
    pub legal_basis: Text<1000>,
    /// What the host asks the delegation (shown to it with the case id).
    pub question: LongText,
    /// The commander who shared it.
    pub by: AccountId,
    /// When.
    pub at: Timestamp,
}

impl VettingCase {
    /// Opens a case on `subject` for a hit against the list snapshot
    /// `snapshot`, with the analyst's summary of the hit.
    pub fn open(
        id: VettingCaseId,
        subject: Subject,
        snapshot: SnapshotHash,
        summary: LongText,
        at: Timestamp,
    ) -> Self {
        VettingCase {
            id,
            subject,
            snapshot,
            summary,
            opened_at: at,
            updated_at: at,
            state: VettingState::Open,
            notes: Vec::new(),
            rejected: Vec::new(),
            shares: Vec::new(),
            reports: Vec::new(),
            triage: None,
            claim: None,
            bulk: false,
        }
    }

    /// [`VettingCase::open`] for a case opened at intake, with its place in
    /// the analysts' queue.
    pub fn open_triaged(
        id: VettingCaseId,
        subject: Subject,
        snapshot: SnapshotHash,
        summary: LongText,
        triage: Triage,
        at: Timestamp,
    ) -> Self {
        let mut case = VettingCase::open(id, subject, snapshot, summary, at);
        case.triage = Some(triage);
        case
    }

    /// The queue facts of a case opened at intake.
    pub fn triage(&self) -> Option<&Triage> {
        self.triage.as_ref()
    }

    /// The claim on the case, if any (it may have lapsed: compare `until`).
    pub fn claim(&self) -> Option<&Claim> {
        self.claim.as_ref()
    }

    /// Who holds a claim that has not lapsed at `now`.
    pub fn claimed_by(&self, now: Timestamp) -> Option<&AccountId> {
        self.claim.as_ref().filter(|c| c.until > now).map(|c| &c.by)
    }

    /// Whether the case was cleared as one of a group (bulk clear).
    pub fn cleared_in_bulk(&self) -> bool {
        self.bulk
    }

    /// Claims the case for `by` until `until`: refused on a final case and
    /// while someone else's claim has not lapsed; the claimant may renew.
    pub fn claim_for(
        &self,
        by: AccountId,
        until: Timestamp,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        let free = self.claimed_by(at).is_none_or(|holder| holder == &by);
        self.require(!self.state.is_final() && free && until > at, "claim", at)?;
        let mut next = self.clone();
        next.updated_at = at;
        next.claim = Some(Claim { by, until });
        Ok(next)
    }

    /// Releases the claim of `by` (or a lapsed claim).
    pub fn release(&self, by: &AccountId, at: Timestamp) -> Result<Self, DomainError> {
        let mine = self.claim.is_some() && self.claimed_by(at).is_none_or(|holder| holder == by);
        self.require(mine, "release", at)?;
        let mut next = self.clone();
        next.updated_at = at;
        next.claim = None;
        Ok(next)
    }

    /// Clears an open case as one of a group selected together, with one
    /// reason for all (each case still its own decision and record).
    pub fn clear_in_bulk(
        &self,
        reason: Reason,
        by: AccountId,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        let mut next = self.clear(reason, by, at)?;
        next.bulk = true;
        Ok(next)
    }

    /// The case's identifier.
    pub fn id(&self) -> &VettingCaseId {
        &self.id
    }

    /// Who the case is about.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The list snapshot the hit came from.
    pub fn snapshot(&self) -> &SnapshotHash {
        &self.snapshot
    }

    /// The summary of the hit.
    pub fn summary(&self) -> &LongText {
        &self.summary
    }

    /// When the case was opened.
    pub fn opened_at(&self) -> Timestamp {
        self.opened_at
    }

    /// When the case last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// Where the case stands.
    pub fn state(&self) -> &VettingState {
        &self.state
    }

    /// The stable name of the case's state ([`VettingState::as_str`]), as stored.
    pub fn state_name(&self) -> &'static str {
        self.state.as_str()
    }

    /// The declaration line the case is about, if its subject is one (the
    /// line names the delegation it belongs to).
    pub fn declaration(&self) -> Option<&DeclarationId> {
        match &self.subject {
            Subject::Declaration(line) => Some(line),
            Subject::Applicant(_) => None,
        }
    }

    /// The risk notes, oldest first.
    pub fn notes(&self) -> &[RiskNote] {
        &self.notes
    }

    /// The host's disclosures of the case to delegations, oldest first.
    pub fn shares(&self) -> &[CaseShare] {
        &self.shares
    }

    /// Whether the host has shared the case with `delegation`.
    pub fn is_shared_with(&self, delegation: &DelegationId) -> bool {
        self.shares.iter().any(|s| &s.delegation == delegation)
    }

    /// Shares the case with a delegation (the host's side; see
    /// [`CaseShare`]); once per delegation, refused once the case is final.
    pub fn share(&self, share: CaseShare) -> Result<Self, DomainError> {
        let at = share.at;
        self.require(
            !self.state.is_final() && !self.is_shared_with(&share.delegation),
            "share",
            at,
        )?;
        let mut next = self.clone();
        next.updated_at = at;
        next.shares.push(share);
        Ok(next)
    }

    /// The liaison reports attached to the case, oldest first.
    pub fn reports(&self) -> &[AttachedReport] {
        &self.reports
    }

    /// Attaches a liaison report (the host's side); once per report,
    /// refused once the case is final.
    pub fn attach_report(&self, attached: AttachedReport) -> Result<Self, DomainError> {
        let at = attached.at;
        self.require(
            !self.state.is_final() && !self.reports.iter().any(|r| r.report == attached.report),
            "attach a report",
            at,
        )?;
        let mut next = self.clone();
        next.updated_at = at;
        next.reports.push(attached);
        Ok(next)
    }

    /// The proposals rejected so far, oldest first.
    pub fn rejected_proposals(&self) -> &[RejectedProposal] {
        &self.rejected
    }

    /// The organiser's view: pending, no objection or objection.
    pub fn opinion(&self) -> Opinion {
        match self.state {
            VettingState::Cleared(_) => Opinion::NoObjection,
            VettingState::Refused { .. } => Opinion::Objection,
            // A referral hands the decision to another authority: not decided here.
            VettingState::Open
            | VettingState::RefusalProposed(_)
            | VettingState::ReferralProposed(_)
            | VettingState::Referred { .. } => Opinion::Pending,
        }
    }

    /// Clears an open case (the routine path).
    pub fn clear(&self, reason: Reason, by: AccountId, at: Timestamp) -> Result<Self, DomainError> {
        self.require(matches!(self.state, VettingState::Open), "clear", at)?;
        Ok(self.with_state(VettingState::Cleared(Decision { reason, by, at }), at))
    }

    /// Proposes refusing the person.
    pub fn propose_refusal(
        &self,
        reason: Reason,
        by: AccountId,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.require(
            matches!(self.state, VettingState::Open),
            "propose refusal",
            at,
        )?;
        Ok(self.with_state(
            VettingState::RefusalProposed(Decision { reason, by, at }),
            at,
        ))
    }

    /// Confirms a proposed refusal; the confirming account must not be the proposer.
    pub fn confirm_refusal(
        &self,
        reason: Reason,
        by: AccountId,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        let VettingState::RefusalProposed(proposal) = &self.state else {
            return Err(self.invalid("confirm refusal"));
        };
        self.require(true, "confirm refusal", at)?;
        self.four_eyes(proposal, &by)?;
        Ok(self.with_state(
            VettingState::Refused {
                proposal: proposal.clone(),
                confirmation: Decision { reason, by, at },
            },
            at,
        ))
    }

    /// Proposes referring the case to another authority.
    pub fn propose_referral(
        &self,
        reason: Reason,
        by: AccountId,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.require(
            matches!(self.state, VettingState::Open),
            "propose referral",
            at,
        )?;
        Ok(self.with_state(
            VettingState::ReferralProposed(Decision { reason, by, at }),
            at,
        ))
    }

    /// Confirms a proposed referral; the confirming account must not be the proposer.
    pub fn confirm_referral(
        &self,
        reason: Reason,
        by: AccountId,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        let VettingState::ReferralProposed(proposal) = &self.state else {
            return Err(self.invalid("confirm referral"));
        };
        self.require(true, "confirm referral", at)?;
        self.four_eyes(proposal, &by)?;
        Ok(self.with_state(
            VettingState::Referred {
                proposal: proposal.clone(),
                confirmation: Decision { reason, by, at },
            },
            at,
        ))
    }

    /// Rejects a proposed refusal or referral; the case is open again and the
    /// rejected proposal stays on record.
    pub fn reject_proposal(
        &self,
        reason: Reason,
        by: AccountId,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        let (refusal, proposal) = match &self.state {
            VettingState::RefusalProposed(proposal) => (true, proposal),
            VettingState::ReferralProposed(proposal) => (false, proposal),
            _ => return Err(self.invalid("reject proposal")),
        };
        self.require(true, "reject proposal", at)?;
        let rejected = RejectedProposal {
            refusal,
            proposal: proposal.clone(),
            rejection: Decision { reason, by, at },
        };
        let mut next = self.with_state(VettingState::Open, at);
        next.rejected.push(rejected);
        Ok(next)
    }

    /// Adds a risk note; refused once the case is final.
    pub fn add_note(&self, note: RiskNote) -> Result<Self, DomainError> {
        let at = note.at;
        self.require(!self.state.is_final(), "add a note", at)?;
        let mut next = self.clone();
        next.updated_at = at;
        next.notes.push(note);
        Ok(next)
    }

    /// Refuses the transition unless `allowed`, or if `at` is earlier than the
    /// last change.
    fn require(
        &self,
        allowed: bool,
        transition: &'static str,
        at: Timestamp,
    ) -> Result<(), DomainError> {
        if !allowed {
            return Err(self.invalid(transition));
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

    fn four_eyes(&self, proposal: &Decision, by: &AccountId) -> Result<(), DomainError> {
        if &proposal.by == by {
            return Err(DomainError::FourEyes {
                case: self.id.clone(),
                proposer: by.clone(),
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

    fn with_state(&self, state: VettingState, at: Timestamp) -> Self {
        let mut next = self.clone();
        if state.is_final() {
            next.claim = None;
        }
        next.state = state;
        next.updated_at = at;
        next
    }
}

// A case names no delegation: its subject's declaration line does.
aggregate!(VettingCase, "vetting_case", delegation: |_| None, room: |_| None);

/// The stored form of a [`VettingCase`], checked on loading as the module
/// documentation describes.
#[derive(Serialize, Deserialize)]
struct StoredVettingCase {
    id: VettingCaseId,
    subject: Subject,
    snapshot: SnapshotHash,
    summary: LongText,
    opened_at: Timestamp,
    updated_at: Timestamp,
    #[serde(flatten)]
    state: VettingState,
    notes: Vec<RiskNote>,
    rejected_proposals: Vec<RejectedProposal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    shares: Vec<CaseShare>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    reports: Vec<AttachedReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    triage: Option<Triage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claim: Option<Claim>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    bulk: bool,
}

impl From<VettingCase> for StoredVettingCase {
    fn from(case: VettingCase) -> Self {
        StoredVettingCase {
            id: case.id,
            subject: case.subject,
            snapshot: case.snapshot,
            summary: case.summary,
            opened_at: case.opened_at,
            updated_at: case.updated_at,
            state: case.state,
            notes: case.notes,
            rejected_proposals: case.rejected,
            shares: case.shares,
            reports: case.reports,
            triage: case.triage,
            claim: case.claim,
            bulk: case.bulk,
        }
    }
}

impl TryFrom<StoredVettingCase> for VettingCase {
    type Error = DomainError;

    fn try_from(stored: StoredVettingCase) -> Result<Self, Self::Error> {
        let case = VettingCase {
            id: stored.id,
            subject: stored.subject,
            snapshot: stored.snapshot,
            summary: stored.summary,
            opened_at: stored.opened_at,
            updated_at: stored.updated_at,
            state: stored.state,
            notes: stored.notes,
            rejected: stored.rejected_proposals,
            shares: stored.shares,
            reports: stored.reports,
            triage: stored.triage,
            claim: stored.claim,
            bulk: stored.bulk,
        };
        case.check_stored()?;
        Ok(case)
    }
}

impl VettingCase {
    /// Checks the rules one stored case can show (see the module documentation).
    fn check_stored(&self) -> Result<(), DomainError> {
        let span = Span::new(ENTITY, self.opened_at, self.updated_at)?;
        match &self.state {
            VettingState::Open => {}
            VettingState::Cleared(decision)
            | VettingState::RefusalProposed(decision)
            | VettingState::ReferralProposed(decision) => span.contains([decision.at])?,
            VettingState::Refused {
                proposal,
                confirmation,
            }
            | VettingState::Referred {
                proposal,
                confirmation,
            } => {
                span.contains([proposal.at, confirmation.at])?;
                span.ordered(
                    proposal.at,
                    confirmation.at,
                    "a confirmation is earlier than its proposal",
                )?;
                self.four_eyes(proposal, &confirmation.by)?;
            }
        }
        for rejected in &self.rejected {
            span.contains([rejected.proposal.at, rejected.rejection.at])?;
            span.ordered(
                rejected.proposal.at,
                rejected.rejection.at,
                "a rejection is earlier than its proposal",
            )?;
        }
        for (i, share) in self.shares.iter().enumerate() {
            if self.shares[..i]
                .iter()
                .any(|s| s.delegation == share.delegation)
            {
                return Err(inconsistent(
                    ENTITY,
                    "a case shared twice with one delegation",
                ));
            }
        }
        span.contains(self.shares.iter().map(|share| share.at))?;
        span.contains(self.reports.iter().map(|r| r.at))?;
        if self.bulk && !matches!(self.state, VettingState::Cleared(_)) {
            return Err(inconsistent(ENTITY, "cleared in bulk but not cleared"));
        }
        if let Some(triage) = &self.triage
            && (triage.priority > 100 || triage.candidates.is_empty())
        {
            return Err(inconsistent(
                ENTITY,
                "a triage without candidates or priority over 100",
            ));
        }
        span.contains(self.notes.iter().map(|note| note.at))
    }
}
