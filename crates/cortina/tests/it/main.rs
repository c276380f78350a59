//! Integration tests of the `cortina` binary: one test binary (linked once),
//! one module per command group.

mod applicants;
mod crash;
mod crash_http;
mod demo;
mod http;
mod ledger;
mod permissions;
mod recorded;
mod screen;
mod serve;
mod update;
mod witness;
