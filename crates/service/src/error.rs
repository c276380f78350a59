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
    /// The command is not valid here (bad field, invalid transition, rule).
    #[error("{0}")]
    Invalid(#[from] DomainError),
    /// The command is malformed (unknown action, missing or bad field).
    #[error("{0}")]
    BadCommand(String),
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

impl ServiceError {
    /// The stable code of this error (`denied`, `not_found`, …).
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Unauthenticated(_) => "unauthenticated",
            ServiceError::Denied { .. } => "denied",
            ServiceError::NotFound { .. } | ServiceError::Withheld { .. } => "not_found",
            ServiceError::Refused { .. } => "denied",
            ServiceError::Conflict(_) => "conflict",
            ServiceError::Invalid(_) => "invalid",
            ServiceError::BadCommand(_) => "bad_command",
            ServiceError::Store(_) => "store",
            ServiceError::Corrupt { .. } => "corrupt",
        }
    }
}
