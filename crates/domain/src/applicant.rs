//! Applicants for accreditation through the organiser, and what the host
//! makes of them.
//!
//! ```text
//! submitted ──screened, no alert──► no_objection   (recorded with the snapshot hash)
//!     └──────screened, alert──────► pending ──case decided──► no_objection | objection
//! ```
//!
//! An applicant's record has an opaque id the server chooses; the
//! organiser's reference lives inside the (salted, personal) document, and
//! lookups by reference go through a keyed digest kept beside the record,
//! never the reference in clear. What the organiser sent is kept as
//! [`ApplicantFacts`]; a field that could not be read is absent there and
//! named in [`ApplicantFacts::issues`], so a malformed birth date or country
//! never keeps a person from being screened by name.
//!
//! # Stored form
//!
//! ```json
//! {"id": "app-3f9c…", "organiser": "toroc", "facts": {"reference": "A-1",
//!  "name": "Anna Rossi", "birth_date": "1990-01-02", "nationality": "IT", …},
//!  "submitted_at": 1769904000000, "updated_at": 1769904000000,
//!  "screening": {"screening": "clear", "snapshot": "0101…"},
//!  "opinion": "no_objection", "decided_at": 1769904000000}
//! ```
//!
//! Loading re-checks that the opinion fits the screening (a clear screening
//! is a `no_objection`; nothing is decided before it is screened) and that
//! times are in order.

use serde::{Deserialize, Serialize};

use crate::codes::{CountryCode, DocumentNumber, SnapshotHash};
use crate::declaration::ScreeningStatus;
use crate::error::DomainError;
use crate::ids::{AgencyId, ApplicantId, VettingCaseId};
use crate::storage::{Span, aggregate, inconsistent};
use crate::text::{PersonName, Text};
use crate::time::{Date, Timestamp};
use crate::vetting::Opinion;

const ENTITY: &str = "applicant";

/// The organiser's own reference for an applicant: unique per organiser.
pub type Reference = Text<128>;

/// A short label (a document type, a venue, a zone, a gender).
pub type Label = Text<64>;

/// What an applicant is to be accredited as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A competing athlete.
    Athlete,
    /// A team official (coach, doctor, team leader).
    TeamOfficial,
    /// Press and broadcasters.
    Media,
    /// Paid staff of the organiser.
    Workforce,
    /// A volunteer.
    Volunteer,
    /// A contractor's staff.
    Contractor,
}

impl Category {
    /// Every category, in a stable order.
    pub const ALL: [Category; 6] = [
        Category::Athlete,
        Category::TeamOfficial,
        Category::Media,
        Category::Workforce,
        Category::Volunteer,
        Category::Contractor,
    ];

    /// The stable name (`athlete`, `team_official`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Athlete => "athlete",
            Category::TeamOfficial => "team_official",
            Category::Media => "media",
            Category::Workforce => "workforce",
            Category::Volunteer => "volunteer",
            Category::Contractor => "contractor",
        }
    }

    /// Parses a stable name (case and `-`/space for `_` tolerated).
    pub fn parse(value: &str) -> Option<Category> {
        let wanted = value.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Category::ALL.into_iter().find(|c| c.as_str() == wanted)
    }
}

/// A field of a submitted row that could not be read: which, and why. The
/// row went in without it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldIssue {
    /// The field's name, as in the CSV header.
    pub field: Text<32>,
    /// Why it could not be read.
    pub reason: Text<300>,
}

/// What the organiser sent about an applicant, as far as it could be read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApplicantFacts {
    /// The organiser's reference.
    pub reference: Reference,
    /// The name as in the identity document.
    pub name: PersonName,
    /// The name in its original script, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_name: Option<PersonName>,
    /// The birth date, if it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Date>,
    /// The nationality, if it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<CountryCode>,
    /// The document's type (passport, identity card).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<Label>,
    /// The document's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<DocumentNumber>,
    /// The gender, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Label>,
    /// The category, if it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// The venues requested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub venues: Vec<Label>,
    /// The security zones requested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<Label>,
    /// The first day of validity asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Date>,
    /// The last day of validity asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Date>,
    /// The fields that could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<FieldIssue>,
}

/// An applicant for accreditation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredApplicant", into = "StoredApplicant")]
pub struct Applicant {
    id: ApplicantId,
    organiser: AgencyId,
    facts: ApplicantFacts,
    submitted_at: Timestamp,
    updated_at: Timestamp,
    screening: ScreeningStatus,
    opinion: Opinion,
    decided_at: Option<Timestamp>,
    /// The "no objection" a later list change put in question
    /// ([`Applicant::rescreen_hit`]): the accreditation stays in force, and
    /// can be suspended, while the new case is open.
    accredited_at: Option<Timestamp>,
}

impl Applicant {
    /// A new applicant of `organiser`, screened: `screening` is
    /// [`ScreeningStatus::Clear`] (no objection, decided now) or
    /// [`ScreeningStatus::Hit`] (pending on the case).
    pub fn submit(
        id: ApplicantId,
        organiser: AgencyId,
        facts: ApplicantFacts,
        screening: ScreeningStatus,
        at: Timestamp,
    ) -> Self {
        let (opinion, decided_at) = Self::opinion_of(&screening, at);
        Applicant {
            id,
            organiser,
            facts,
            submitted_at: at,
            updated_at: at,
            screening,
            opinion,
            decided_at,
            accredited_at: None,
        }
    }

    fn opinion_of(screening: &ScreeningStatus, at: Timestamp) -> (Opinion, Option<Timestamp>) {
        match screening {
            ScreeningStatus::Clear { .. } => (Opinion::NoObjection, Some(at)),
            ScreeningStatus::Hit { .. } | ScreeningStatus::NotScreened => (Opinion::Pending, None),
        }
    }

    /// The organiser sent the applicant again with `facts` (screened as
    /// `screening`). The same facts change nothing (`None`: idempotent). New
    /// facts replace the old; a case already opened stays the applicant's
    /// case (its decision stands), otherwise the new screening decides.
    pub fn resubmit(
        &self,
        facts: ApplicantFacts,
        screening: ScreeningStatus,
        at: Timestamp,
    ) -> Result<Option<Self>, DomainError> {
        if facts == self.facts {
            return Ok(None);
        }
        if at < self.updated_at {
            return Err(DomainError::TimeWentBackwards {
                entity: ENTITY,
                at: at.as_millis(),
                last: self.updated_at.as_millis(),
            });
        }
        let mut next = self.clone();
        next.facts = facts;
        next.updated_at = at;
        if !matches!(self.screening, ScreeningStatus::Hit { .. }) {
            let (opinion, decided_at) = Self::opinion_of(&screening, at);
            next.screening = screening;
            next.opinion = opinion;
            next.decided_at = decided_at;
        }
        Ok(Some(next))
    }

    /// The case on the applicant was decided: its opinion becomes the
    /// applicant's. Refused unless the applicant is screened with a hit.
    pub fn decide(&self, opinion: Opinion, at: Timestamp) -> Result<Self, DomainError> {
        self.transition(
            matches!(self.screening, ScreeningStatus::Hit { .. }),
            "decide",
            at,
        )?;
        let mut next = self.clone();
        next.opinion = opinion;
        next.decided_at = (opinion != Opinion::Pending).then_some(at);
        if opinion != Opinion::Pending {
            next.accredited_at = None;
        }
        next.updated_at = at;
        Ok(next)
    }

    /// A list change made a hit on an applicant with "no objection" (a
    /// re-screen against new list entries): `case` examines it, and the
    /// opinion is pending until the case is decided. The accreditation the
    /// opinion gave stays in force meanwhile ([`Applicant::accredited_at`]),
    /// for a commander to suspend or not. Refused while a case is open or
    /// after an objection: there is nothing in force to put in question.
    pub fn rescreen_hit(&self, case: VettingCaseId, at: Timestamp) -> Result<Self, DomainError> {
        let accredited = self
            .decided_at
            .filter(|_| self.opinion == Opinion::NoObjection);
        self.transition(accredited.is_some(), "rescreen_hit", at)?;
        let mut next = self.clone();
        next.screening = ScreeningStatus::Hit { case };
        next.opinion = Opinion::Pending;
        next.decided_at = None;
        next.accredited_at = accredited;
        next.updated_at = at;
        Ok(next)
    }

    /// Refuses a transition unless `allowed`, or if `at` is earlier than the
    /// last change.
    fn transition(
        &self,
        allowed: bool,
        transition: &'static str,
        at: Timestamp,
    ) -> Result<(), DomainError> {
        if !allowed {
            return Err(DomainError::InvalidTransition {
                entity: ENTITY,
                state: self.state_name(),
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
        Ok(())
    }

    /// When a list change put an accreditation in question: the time of the
    /// "no objection" that granted it, while the new case is open.
    pub fn accredited_at(&self) -> Option<Timestamp> {
        self.accredited_at
    }

    /// The server-assigned, opaque id.
    pub fn id(&self) -> &ApplicantId {
        &self.id
    }

    /// The organiser (its accreditation office's agency).
    pub fn organiser(&self) -> &AgencyId {
        &self.organiser
    }

    /// What the organiser sent.
    pub fn facts(&self) -> &ApplicantFacts {
        &self.facts
    }

    /// When first submitted.
    pub fn submitted_at(&self) -> Timestamp {
        self.submitted_at
    }

    /// When last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// The screening's result (the host's alone).
    pub fn screening(&self) -> &ScreeningStatus {
        &self.screening
    }

    /// The organiser's view.
    pub fn opinion(&self) -> Opinion {
        self.opinion
    }

    /// When the opinion was reached (none while pending).
    pub fn decided_at(&self) -> Option<Timestamp> {
        self.decided_at
    }

    /// The stored state: the opinion's name.
    pub fn state_name(&self) -> &'static str {
        self.opinion.as_str()
    }
}

// An applicant names no delegation: the organiser owns it (the store keeps
// the organiser in the owner column).
aggregate!(Applicant, "applicant", delegation: |_| None, room: |_| None);

#[derive(Serialize, Deserialize)]
struct StoredApplicant {
    id: ApplicantId,
    organiser: AgencyId,
    facts: ApplicantFacts,
    submitted_at: Timestamp,
    updated_at: Timestamp,
    screening: ScreeningStatus,
    opinion: Opinion,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decided_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    accredited_at: Option<Timestamp>,
}

impl From<Applicant> for StoredApplicant {
    fn from(a: Applicant) -> Self {
        StoredApplicant {
            id: a.id,
            organiser: a.organiser,
            facts: a.facts,
            submitted_at: a.submitted_at,
            updated_at: a.updated_at,
            screening: a.screening,
            opinion: a.opinion,
            decided_at: a.decided_at,
            accredited_at: a.accredited_at,
        }
    }
}

impl TryFrom<StoredApplicant> for Applicant {
    type Error = DomainError;

    fn try_from(s: StoredApplicant) -> Result<Self, Self::Error> {
        let span = Span::new(ENTITY, s.submitted_at, s.updated_at)?;
        span.contains(s.decided_at)?;
        span.contains(s.accredited_at)?;
        if s.accredited_at.is_some() && s.opinion != Opinion::Pending {
            return Err(inconsistent(
                ENTITY,
                "an accreditation is in question only while the opinion is pending",
            ));
        }
        let fits = matches!(
            (&s.screening, s.opinion, s.decided_at),
            (ScreeningStatus::Clear { .. }, Opinion::NoObjection, Some(_))
                | (ScreeningStatus::NotScreened, Opinion::Pending, None)
                | (ScreeningStatus::Hit { .. }, Opinion::Pending, None)
                | (
                    ScreeningStatus::Hit { .. },
                    Opinion::NoObjection | Opinion::Objection,
                    Some(_)
                )
        );
        if !fits {
            return Err(inconsistent(
                ENTITY,
                "the opinion does not fit the screening",
            ));
        }
        Ok(Applicant {
            id: s.id,
            organiser: s.organiser,
            facts: s.facts,
            submitted_at: s.submitted_at,
            updated_at: s.updated_at,
            screening: s.screening,
            opinion: s.opinion,
            decided_at: s.decided_at,
            accredited_at: s.accredited_at,
        })
    }
}

/// The screening a clear result names, for callers that build one.
pub fn clear(snapshot: SnapshotHash) -> ScreeningStatus {
    ScreeningStatus::Clear { snapshot }
}
