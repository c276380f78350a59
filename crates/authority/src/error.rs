//! Errors: why a policy could not be loaded, and what went wrong in a decision.

/// Why a policy and its schema could not be loaded. Every message names the
/// file, and the line and column where there is one, so that the author of an
/// operator-supplied policy can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The schema is not valid Cedar schema syntax, or not a consistent schema.
    #[error("the schema does not parse:\n{}", .0.join("\n"))]
    Schema(Vec<String>),
    /// The policy text is not valid Cedar.
    #[error("the policies do not parse:\n{}", .0.join("\n"))]
    Parse(Vec<String>),
    /// The policy text contains a template; cortina accepts static policies only.
    #[error("the policies contain a template ({0}); only static policies are accepted")]
    Template(String),
    /// A policy has no `@id("...")` annotation.
    #[error("policy number {number} in the file ({start}) has no @id(\"...\") annotation")]
    MissingId {
        /// The policy's position in the file, counting from 1.
        number: usize,
        /// Where it starts, as `line L, column C`.
        start: String,
    },
    /// A policy's `@id` is not a stable readable id.
    #[error(
        "policy number {number} has the id {id:?}: ids are 1 to 64 characters of \
         a-z, 0-9 and '-', and {reserved:?} are reserved",
        reserved = [crate::DEFAULT_DENY, crate::INVALID_REQUEST]
    )]
    InvalidId {
        /// The policy's position in the file, counting from 1.
        number: usize,
        /// The id as written.
        id: String,
    },
    /// Two policies have the same `@id`.
    #[error("the id {0:?} is used by more than one policy")]
    DuplicateId(String),
    /// The policies do not validate against the schema in strict mode.
    #[error(
        "the policies do not validate against the schema ({} error(s)):\n{}",
        .0.len(),
        .0.join("\n")
    )]
    Validation(Vec<String>),
    /// The schema does not declare one of cortina's actions.
    #[error("the schema does not declare the action {0:?}")]
    MissingAction(&'static str),
    /// The schema lets an action apply to a principal or resource type that
    /// cortina does not build.
    #[error(
        "the schema lets {action:?} apply to the entity type {type_name:?}, which cortina does not know here"
    )]
    UnknownEntityType {
        /// The action's name.
        action: &'static str,
        /// The entity type the schema names.
        type_name: String,
    },
    /// The schema describes a kind of record differently from how cortina
    /// builds it, so every decision about it would fail.
    #[error("the schema does not describe {type_name} as cortina builds it: {message}")]
    EntityShape {
        /// The entity type.
        type_name: String,
        /// What did not fit.
        message: String,
    },
}

/// Something that went wrong while deciding. A decision with errors is never
/// an accidental allow: an invalid request is denied, and a `forbid` rule that
/// could not be evaluated counts as matching.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecisionError {
    /// The action does not apply to this kind of resource (or the request
    /// does not fit the schema otherwise). Nothing was evaluated.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The principal or resource facts do not fit the schema. Nothing was
    /// evaluated.
    #[error("invalid entity facts: {0}")]
    InvalidEntities(String),
    /// A policy could not be evaluated.
    #[error("policy {policy_id} could not be evaluated: {message}")]
    Evaluation {
        /// The `@id` of the policy.
        policy_id: String,
        /// What went wrong.
        message: String,
    },
}
