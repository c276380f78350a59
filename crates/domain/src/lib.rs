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

pub mod action;
pub mod role;

pub use action::Action;
pub use role::{AgencyKind, Role};
