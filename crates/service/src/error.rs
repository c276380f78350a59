//! What a command can end in, other than success. Each variant has a stable
//! code ([`ServiceError::code`]) that the CLI and the API show.

use domain::error::DomainError;
use store::StoreError;

/// Why a command did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// No such account, or it is disabled.
    #[error("unknown or disabled account {0:?}")]
    Unauthenticated(String),
    /// The policy refused. The denial is in the ledger at `seq`.
    #[error("denied by policy {}: ledger entry {seq}", policies.join(", "))]
    Denied {
        /// The policies that refused.
        policies: Vec<String>,
        /// The ledger entry recording the denial.
        seq: u64,
    },
    /// For a principal outside the host: the command named a record it may
    /// not know of — one that does not exist, or one the policy does not let
    /// it read or change. The answer is the same either way, so that it
    /// cannot probe which records exist; the attempt is in the ledger at
    /// `seq` (with the id it named kept only as a keyed digest).
    #[error("no such record, or none you may see")]
    Withheld {
        /// The ledger entry recording the attempt.
        seq: u64,
    },
    /// For a principal outside the host: the policy refused an action that
    /// names no record (a screening, say). The rules that refused are in the
    /// ledger at `seq`, not told to the caller.
    #[error("refused by the policy (recorded)")]
    Refused {
        /// The ledger entry recording the refusal.
        seq: u64,
    },
    /// The record named does not exist.
    #[error("{kind} {id:?} does not exist")]
    NotFound {
        /// Kind of record.
        kind: &'static str,
        /// The id given.
        id: String,
    },
    /// A record with this id (or this identity) already exists.
    #[error("{0}")]
    Conflict(String),
    /// The command is well formed, but a rule refuses its values (a window
    /// that ends before it starts, a name without a letter, an agency of the
    /// wrong kind). A domain error becomes this or [`ServiceError::State`]
    /// through `From`, the one place that tells them apart.
    #[error("{0}")]
    Invalid(DomainError),
    /// The command is well formed and its values are fine, but the record
    /// it names is not in a state that allows it (approving an approved
    /// task, answering a closed request, confirming one's own proposal, a
    /// duplicate of a declared person): the same command may succeed
    /// against another record or at another time.
    #[error("{0}")]
    State(DomainError),
    /// The command is well formed, but not one this account may give
    /// whatever the records say: a delegation's command from a host
    /// account. No record is named or looked up, so nothing is revealed.
    #[error("{0}")]
    Forbidden(String),
    /// The command is malformed (unknown action, missing or bad field).
    #[error("{0}")]
    BadCommand(String),
    /// Every password-hash slot stayed taken while this waited: nothing
    /// was done; the same request may succeed in a moment.
    #[error("too many password checks at once: try again in a moment")]
    Busy {
        /// When to try again (ms).
        retry_after_ms: u64,
    },
    /// The store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A stored document could not be read back (a bug or a tampered row).
    #[error("stored {kind} {id:?} is unreadable: {reason}")]
    Corrupt {
        /// Kind of record.
        kind: &'static str,
        /// Its id.
        id: String,
        /// Why.
        reason: String,
    },
}

impl From<DomainError> for ServiceError {
    fn from(e: DomainError) -> ServiceError {
        // A command naming a record that does not exist (a venue, a
        // cluster): not found, as for the record it acts on, so that
        // `Service::execute` answers a caller outside the host the same
        // way whatever exists.
        if let DomainError::InvalidField {
            problem: domain::error::FieldProblem::Unknown { kind, id },
            ..
        } = e
        {
            return ServiceError::NotFound { kind, id };
        }
        if is_state_conflict(&e) {
            ServiceError::State(e)
        } else {
            ServiceError::Invalid(e)
        }
    }
}

/// Whether a domain error is about the state of the records involved
/// rather than about the values the caller gave.
fn is_state_conflict(e: &DomainError) -> bool {
    use domain::error::{DisclosureProblem, PermitProblem};
    match e {
        // The values themselves: the same command is refused whatever
        // the records' state. `WrongSide` is who asks, which the policy
        // normally refuses first; `Inconsistent` is a stored document.
        DomainError::InvalidField { .. }
        | DomainError::WrongSide { .. }
        | DomainError::Inconsistent { .. } => false,
        DomainError::ArmsPermit { problem, .. } => !matches!(
            problem,
            PermitProblem::OutsideAccreditation | PermitProblem::UnknownWeapon { .. }
        ),
        DomainError::EscortNotEligible { problem, .. } => {
            !matches!(problem, domain::error::EscortProblem::Repeated)
        }
        DomainError::Disclosure(problem) => {
            !matches!(problem, DisclosureProblem::WrongRecipient { .. })
        }
        // A transition the record's state does not allow, a time before its
        // last change, a registry fact (the kind of an agency), a
        // prerequisite not yet met, a person already declared, an escort
        // not accredited (not one named twice), a proposal confirmed by its proposer, a sitrep
        // out of sequence.
        DomainError::InvalidTransition { .. }
        | DomainError::TimeWentBackwards { .. }
        | DomainError::WrongAgencyKind { .. }
        | DomainError::AccreditationBlocked { .. }
        | DomainError::NotAccredited { .. }
        | DomainError::DuplicateDeclaration { .. }
        | DomainError::FourEyes { .. }
        | DomainError::Sitrep { .. } => true,
    }
}

impl ServiceError {
    /// The stable code of this error (`denied`, `not_found`, …).
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Unauthenticated(_) => "unauthenticated",
            ServiceError::Denied { .. } => "denied",
            ServiceError::NotFound { .. } | ServiceError::Withheld { .. } => "not_found",
            ServiceError::Refused { .. } => "denied",
            ServiceError::Conflict(_) | ServiceError::State(_) => "conflict",
            ServiceError::Invalid(_) => "invalid",
            ServiceError::BadCommand(_) => "bad_command",
            ServiceError::Busy { .. } => "busy",
            ServiceError::Forbidden(_) => "forbidden",
            ServiceError::Store(_) => "store",
            ServiceError::Corrupt { .. } => "corrupt",
        }
    }
}
