//! The screening engine.
