//! `authority`: one Cedar policy decides every action in cortina.
//!
//! The policy lives in the repository as `policies/cortina.cedar`, with its
//! schema `policies/cortina.cedarschema`, written to be read by an oversight
//! body: every rule explains itself in plain language and carries a stable
//! `@id`. Both files are compiled into this crate ([`SHIPPED_POLICY`],
//! [`SHIPPED_SCHEMA`]), so the binary always has them; an operator may load
//! another policy with [`Authority::from_sources`].
//!
//! Loading validates the policies against the schema in strict mode and
//! refuses a policy without an `@id`, so that every decision can name the
//! rules that made it:
//!
//! ```
//! use authority::{Authority, Principal, Resource};
//! use domain::{Action, AgencyKind, Role};
//!
//! let authority = Authority::new().expect("the shipped policy loads");
//! let liaison = Principal {
//!     id: "liaison-1".into(),
//!     role: Role::ForeignLiaison,
//!     agency_id: "us-dss".into(),
//!     agency_kind: AgencyKind::Foreign,
//!     delegation: Some("us".into()),
//! };
//! let task = Resource::Task { id: "t-1".into() };
//! let decision = authority.decide(&liaison, Action::TaskCreate, &task);
//! assert!(!decision.allowed);
//! assert!(decision.policy_ids.iter().any(|id| id == "forbid-foreign-tasking"));
//! ```
//!
//! The crate is pure: deciding reads nothing but its arguments and the
//! loaded policy. The facts in a [`Principal`] and a [`Resource`] (is the
//! agency a host agency, which delegation owns the record, who escorts a
//! movement) must come from the registry, never from the user's request.

#![deny(missing_docs)]

mod authority;
mod error;
mod memo;
mod principal;
mod resource;

pub use authority::{Authority, Decision};
pub use error::{DecisionError, LoadError};
pub use memo::Memo;
pub use principal::Principal;
pub use resource::{Resource, ResourceKind, UnknownResourceKind};

/// The policy shipped with cortina (`policies/cortina.cedar`).
pub const SHIPPED_POLICY: &str = include_str!("../../../policies/cortina.cedar");

/// The schema shipped with cortina (`policies/cortina.cedarschema`).
pub const SHIPPED_SCHEMA: &str = include_str!("../../../policies/cortina.cedarschema");

/// The policy id reported for a deny that no `forbid` rule caused: nothing
/// granted the action.
pub const DEFAULT_DENY: &str = "default-deny";

/// The policy id reported for a request that could not be evaluated at all,
/// for example a resource of a kind the action does not apply to.
pub const INVALID_REQUEST: &str = "invalid-request";
