//! The one error type of the domain. Every rule that refuses an input or a
//! transition says which rule, which field or which state, in words the person
//! who typed the input can act on; the service maps these errors to its wire
//! format once.

use std::fmt;

use crate::ids::{AccountId, AgencyId, DeclarationId, DelegationId, RoomId, VettingCaseId};
use crate::role::AgencyKind;
use crate::side::Side;

/// Everything the domain can refuse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A value failed to parse or broke a rule about its own shape.
    #[error("field \"{field}\": {problem}")]
    InvalidField {
        /// The field, as a user would name it (`name`, `birth date`).
        field: &'static str,
        /// What is wrong with it.
        problem: FieldProblem,
    },

    /// A state machine was asked for a transition its current state does not allow.
    #[error("invalid transition: {entity} is {state}, cannot {transition}")]
    InvalidTransition {
        /// The kind of thing (`rfi`, `task`, `vetting case`).
        entity: &'static str,
        /// The name of its current state (`Answered`).
        state: &'static str,
        /// The transition that was asked for (`acknowledge`).
        transition: &'static str,
    },

    /// A transition was asked for by the side of the exchange that cannot make it.
    #[error("wrong side: only the {allowed} side can {transition} this {entity}")]
    WrongSide {
        /// The kind of thing (`rfi`, `declaration`).
        entity: &'static str,
        /// The transition that was asked for.
        transition: &'static str,
        /// The side that can make it.
        allowed: Side,
    },

    /// A transition was given a time earlier than the last change it builds on.
    #[error("{entity}: time {at} is earlier than its last change at {last}")]
    TimeWentBackwards {
        /// The kind of thing.
        entity: &'static str,
        /// The time given, in Unix milliseconds.
        at: i64,
        /// The time of the last change, in Unix milliseconds.
        last: i64,
    },

    /// An agency of the wrong kind was given where a particular kind is required.
    #[error("agency \"{agency}\" is a {} agency, but {purpose} needs a {} agency", .actual.as_str(), .expected.as_str())]
    WrongAgencyKind {
        /// The agency given.
        agency: AgencyId,
        /// Its kind.
        actual: AgencyKind,
        /// The kind required.
        expected: AgencyKind,
        /// What it was given for (`a delegation`, `a host unit`).
        purpose: &'static str,
    },

    /// A declaration line cannot be accredited yet.
    #[error("declaration \"{line}\" cannot be accredited: {blocker}")]
    AccreditationBlocked {
        /// The line.
        line: DeclarationId,
        /// The prerequisite that is missing.
        blocker: Blocker,
    },

    /// A person who is not accredited was proposed for an account.
    #[error("declaration \"{line}\" is {state}: only an accredited person can hold an account")]
    NotAccredited {
        /// The line.
        line: DeclarationId,
        /// The name of its review state.
        state: &'static str,
    },

    /// A new declaration line repeats a person already declared.
    #[error("duplicate declaration: {basis} as declaration \"{existing}\"")]
    DuplicateDeclaration {
        /// The line already on record.
        existing: DeclarationId,
        /// What the two have in common.
        basis: DuplicateBasis,
    },

    /// An arms permit cannot be granted.
    #[error("arms permit for declaration \"{line}\": {problem}")]
    ArmsPermit {
        /// The line.
        line: DeclarationId,
        /// Why not.
        problem: PermitProblem,
    },

    /// A declaration line cannot be attached to a movement as a protective agent.
    #[error("movement escort: declaration \"{line}\" {problem}")]
    EscortNotEligible {
        /// The line.
        line: DeclarationId,
        /// Why not.
        problem: EscortProblem,
    },

    /// An answer's disclosure of personal data is missing, wrong or not yet approved.
    #[error("disclosure: {0}")]
    Disclosure(DisclosureProblem),

    /// The person who proposed a vetting decision tried to confirm it alone.
    #[error(
        "vetting case \"{case}\": the proposal by \"{proposer}\" must be confirmed by someone else"
    )]
    FourEyes {
        /// The case.
        case: VettingCaseId,
        /// The account that made the proposal and tried to confirm it.
        proposer: AccountId,
    },

    /// A stored document describes a value that the domain's transitions could
    /// not have produced (see [`crate::storage`]).
    #[error("stored {entity} is inconsistent: {problem}")]
    Inconsistent {
        /// The kind of thing (`rfi`, `declaration`).
        entity: &'static str,
        /// The rule the document breaks.
        problem: &'static str,
    },

    /// A situation report cannot follow the one given as its predecessor.
    #[error("situation report of room \"{room}\": {problem}")]
    Sitrep {
        /// The room.
        room: RoomId,
        /// Why not.
        problem: SitrepProblem,
    },
}

impl DomainError {
    /// Renames the field of an [`DomainError::InvalidField`] error, so that a
    /// general parser (a date, a text) can report the field its caller knows
    /// (`birth date`). Other errors pass through unchanged.
    pub fn in_field(self, field: &'static str) -> Self {
        match self {
            DomainError::InvalidField { problem, .. } => {
                DomainError::InvalidField { field, problem }
            }
            other => other,
        }
    }

    /// A shorthand for building [`DomainError::InvalidField`].
    pub(crate) fn field(field: &'static str, problem: FieldProblem) -> Self {
        DomainError::InvalidField { field, problem }
    }
}

/// What is wrong with a field's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    /// It is empty, or only white space.
    Empty,
    /// It is longer than allowed.
    TooLong {
        /// The maximum, in characters (Unicode scalar values).
        max: usize,
    },
    /// It contains a character that this kind of value cannot contain.
    InvalidCharacter {
        /// The offending character.
        found: char,
        /// What is allowed, in words.
        allowed: &'static str,
    },
    /// It contains a line break where one line is expected.
    LineBreak,
    /// It contains a control character.
    ControlCharacter,
    /// A number outside its range.
    OutOfRange {
        /// The smallest allowed value.
        min: i64,
        /// The largest allowed value.
        max: i64,
        /// The value given.
        found: i64,
    },
    /// A text that does not have the expected format.
    Format {
        /// The expected format, in words (`YYYY-MM-DD`).
        expected: &'static str,
    },
    /// A two-letter code that is not an ISO 3166-1 country.
    NotACountry {
        /// The code given.
        code: String,
    },
    /// A year, month and day that name no day of the calendar.
    NoSuchDay {
        /// The year.
        year: i32,
        /// The month.
        month: u32,
        /// The day.
        day: u32,
    },
    /// A window whose end is not after its start.
    EmptyWindow,
    /// A list that names the same thing twice.
    Repeated {
        /// The repeated value.
        value: String,
    },
    /// A reference to something the event or the record does not have.
    Unknown {
        /// What kind of thing (`venue`, `cluster`).
        kind: &'static str,
        /// Its identifier.
        id: String,
    },
    /// A rule that needs a sentence of its own.
    Rule(&'static str),
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::Empty => f.write_str("empty"),
            FieldProblem::TooLong { max } => write!(f, "longer than {max} characters"),
            FieldProblem::InvalidCharacter { found, allowed } => {
                write!(f, "contains {found:?}, but only {allowed} are allowed")
            }
            FieldProblem::LineBreak => f.write_str("contains a line break, but must be one line"),
            FieldProblem::ControlCharacter => f.write_str("contains a control character"),
            FieldProblem::OutOfRange { min, max, found } => {
                write!(f, "{found} is outside the range {min} to {max}")
            }
            FieldProblem::Format { expected } => write!(f, "expected {expected}"),
            FieldProblem::NotACountry { code } => {
                write!(f, "{code:?} is not an ISO 3166-1 alpha-2 country code")
            }
            FieldProblem::NoSuchDay { year, month, day } => {
                write!(
                    f,
                    "{year:04}-{month:02}-{day:02} is not a day of the calendar"
                )
            }
            FieldProblem::EmptyWindow => f.write_str("the end must be after the start"),
            FieldProblem::Repeated { value } => write!(f, "{value:?} appears more than once"),
            FieldProblem::Unknown { kind, id } => write!(f, "unknown {kind} \"{id}\""),
            FieldProblem::Rule(rule) => f.write_str(rule),
        }
    }
}

/// A prerequisite of accreditation that is not met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocker {
    /// The person has not been screened against the watchlists yet.
    NotScreened,
    /// Screening hit and opened a case, but the case was not given.
    VettingCaseMissing {
        /// The case the screening opened.
        case: VettingCaseId,
    },
    /// A vetting case was given that is not the one on this line.
    WrongVettingCase {
        /// The case the screening opened.
        expected: VettingCaseId,
        /// The case given.
        found: VettingCaseId,
    },
    /// The vetting case on the line is not cleared.
    VettingNotCleared {
        /// The case.
        case: VettingCaseId,
        /// The name of its state.
        state: &'static str,
    },
    /// The line is not its delegation's head, and the head's line was not given.
    HeadMissing,
    /// The line given as the head's is not the head of this line's delegation.
    NotTheHead {
        /// The line given.
        given: DeclarationId,
    },
    /// The delegation's head is not accredited yet.
    HeadNotAccredited {
        /// The head's line.
        head: DeclarationId,
    },
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocker::NotScreened => f.write_str("the person has not been screened"),
            Blocker::VettingCaseMissing { case } => {
                write!(
                    f,
                    "screening opened vetting case \"{case}\", which was not given"
                )
            }
            Blocker::WrongVettingCase { expected, found } => write!(
                f,
                "vetting case \"{found}\" was given, but screening opened \"{expected}\""
            ),
            Blocker::VettingNotCleared { case, state } => {
                write!(f, "vetting case \"{case}\" is {state}, not Cleared")
            }
            Blocker::HeadMissing => f.write_str(
                "the delegation head's declaration must be given (and accredited) first",
            ),
            Blocker::NotTheHead { given } => write!(
                f,
                "declaration \"{given}\" is not the head of this line's delegation"
            ),
            Blocker::HeadNotAccredited { head } => write!(
                f,
                "the delegation head (declaration \"{head}\") must be accredited first"
            ),
        }
    }
}

/// What a new declaration line has in common with one already on record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateBasis {
    /// The same delegation, document number and nationality.
    SameDocument,
    /// The same normalised name and birth date.
    SameNameAndBirthDate,
}

impl fmt::Display for DuplicateBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DuplicateBasis::SameDocument => "same delegation, document number and nationality",
            DuplicateBasis::SameNameAndBirthDate => "same name and birth date",
        })
    }
}

/// Why an arms permit cannot be granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PermitProblem {
    /// The line is not accredited.
    NotAccredited {
        /// The name of its review state.
        state: &'static str,
    },
    /// The line declared no weapons.
    NoWeaponsDeclared,
    /// The serial number is not one the line declared.
    UnknownWeapon {
        /// The serial number given.
        serial: String,
    },
    /// The permit's window does not lie inside the accreditation window.
    OutsideAccreditation,
    /// The weapon already has a permit.
    AlreadyPermitted {
        /// The serial number.
        serial: String,
    },
}

impl fmt::Display for PermitProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PermitProblem::NotAccredited { state } => {
                write!(f, "the person is {state}, not Accredited")
            }
            PermitProblem::NoWeaponsDeclared => f.write_str("the declaration lists no weapons"),
            PermitProblem::UnknownWeapon { serial } => {
                write!(f, "no declared weapon has serial number \"{serial}\"")
            }
            PermitProblem::OutsideAccreditation => {
                f.write_str("the permit window must lie inside the accreditation window")
            }
            PermitProblem::AlreadyPermitted { serial } => {
                write!(f, "weapon \"{serial}\" already has a permit")
            }
        }
    }
}

/// Why a declaration line cannot escort a movement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EscortProblem {
    /// The line is not accredited.
    NotAccredited {
        /// The name of its review state.
        state: &'static str,
    },
    /// The line was not declared as a protective agent.
    NotProtectiveAgent,
    /// The line protects another protectee.
    OtherProtectee,
    /// The line belongs to another delegation than the protectee's.
    OtherDelegation,
    /// The accreditation window does not cover the movement window.
    WindowNotCovered,
    /// The same line is attached twice.
    Repeated,
}

impl fmt::Display for EscortProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EscortProblem::NotAccredited { state } => write!(f, "is {state}, not Accredited"),
            EscortProblem::NotProtectiveAgent => f.write_str("is not a protective agent"),
            EscortProblem::OtherProtectee => f.write_str("protects another protectee"),
            EscortProblem::OtherDelegation => {
                f.write_str("belongs to another delegation than the protectee's")
            }
            EscortProblem::WindowNotCovered => {
                f.write_str("has an accreditation window that does not cover the movement")
            }
            EscortProblem::Repeated => f.write_str("is attached more than once"),
        }
    }
}

/// What is wrong with the disclosure of personal data in an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisclosureProblem {
    /// The disclosure names another delegation than the requester.
    WrongRecipient {
        /// The requesting delegation.
        requester: DelegationId,
        /// The delegation the disclosure names.
        named: DelegationId,
    },
    /// Approval was asked for an answer without personal data.
    NothingToApprove,
    /// The disclosure is already approved.
    AlreadyApproved,
    /// The answer carries personal data whose disclosure is not approved yet.
    NotApproved,
}

impl fmt::Display for DisclosureProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisclosureProblem::WrongRecipient { requester, named } => write!(
                f,
                "names delegation \"{named}\", but the answer goes to the requester \"{requester}\""
            ),
            DisclosureProblem::NothingToApprove => {
                f.write_str("the answer contains no personal data; there is nothing to approve")
            }
            DisclosureProblem::AlreadyApproved => f.write_str("already approved"),
            DisclosureProblem::NotApproved => f.write_str(
                "the answer contains personal data and a host commander has not approved its release",
            ),
        }
    }
}

/// Why a situation report cannot follow the previous one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SitrepProblem {
    /// The previous report belongs to another room.
    OtherRoom {
        /// The previous report's room.
        previous: RoomId,
    },
    /// The report's time is not after the previous report's.
    NotAfterPrevious {
        /// The previous report's time, in Unix milliseconds.
        previous: i64,
        /// The time given, in Unix milliseconds.
        now: i64,
    },
    /// The numbering ran out.
    NumberOverflow,
}

impl fmt::Display for SitrepProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SitrepProblem::OtherRoom { previous } => {
                write!(f, "the previous report belongs to room \"{previous}\"")
            }
            SitrepProblem::NotAfterPrevious { previous, now } => write!(
                f,
                "time {now} is not after the previous report's time {previous}"
            ),
            SitrepProblem::NumberOverflow => f.write_str("no report number is left"),
        }
    }
}
