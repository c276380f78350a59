//! Integration tests of the `cortina` binary: one test binary (linked once),
//! one module per command group.

mod crash;
mod http;
mod ledger;
mod screen;
mod update;
