//! `domain`: what cortina's registry and operations room are made of.
//!
//! The types here carry the rules of the coordination core in their shape:
//! who may hold which [`Role`], which [`Action`]s exist (the vocabulary the
//! authority policy decides over and the ledger records), and the state
//! machines of declarations, requests, tasks, movements and vetting cases.
//!
//! The crate is pure: no database, clock, randomness or network. Times and
//! identifiers come in as arguments, so every rule can be tested in
//! microseconds and replayed exactly.
//!
//! Values are parsed at the edge into types that cannot hold invalid data
//! ([`ids`], [`text`], [`codes`], [`time`]), and every state machine is a set
//! of methods that take the current value and return the next one, or a
//! [`DomainError`] saying which rule refused it. Who may call a transition is
//! the authority policy's business; the domain checks only the machine, its
//! invariants, and, where the machine itself is two-sided, the [`Side`].
//!
//! Every aggregate is `Serialize` and `Deserialize`: its JSON document is the
//! storage format the service persists ([`storage`]). Loading a document
//! parses every value through its constructor and re-checks the aggregate's
//! own invariants, so a stored value is no more trusted than typed input.
//!
//! - [`registry`]: the event, clusters, venues and zones, agencies,
//!   delegations, host units.
//! - [`declaration`]: personnel declarations, accreditation, arms permits,
//!   duplicate detection, the account rule.
//! - [`vetting`]: vetting cases from screening hits and the organiser's opinion.
//! - [`room`]: operations rooms, the event log, liaison reports.
//! - [`request`]: requests for information or assistance, deadlines, disclosures.
//! - [`task`]: tasks for host units.
//! - [`movement`]: protectees and their movements.
//! - [`sitrep`]: numbered situation reports.
//! - [`storage`]: the JSON documents the service stores, and what loading
//!   one re-checks.

pub mod action;
pub mod applicant;
pub mod codes;
pub mod declaration;
pub mod error;
pub mod ids;
pub mod movement;
pub mod registry;
pub mod request;
pub mod role;
pub mod room;
pub mod side;
pub mod sitrep;
pub mod storage;
pub mod task;
pub mod text;
pub mod time;
pub mod vetting;

pub use action::Action;
pub use error::DomainError;
pub use role::{AgencyKind, Role};
pub use side::Side;
