//! The `domain` crate's integration tests, one binary: a module per state
//! machine or rule set, fixtures in `common`, property tests in `props`.
//! Everything is pure, so the whole suite runs in well under a second.

mod common;

mod declaration;
mod fields;
mod movement;
mod props;
mod request;
mod room;
mod sitrep;
mod storage;
mod task;
mod vetting;
