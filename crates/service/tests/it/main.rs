//! Service tests: scenarios through `Service::execute` on SQLite and, when
//! configured, PostgreSQL; every one ends with the ledger verifying.

mod applicants;
mod board;
mod changes;
mod purge;
mod rescreen;
mod rooms;
mod scenario;
mod stats;
mod tamper;
mod world;
