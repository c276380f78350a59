//! Integration tests of the store: the ledger's storage on SQLite and, when
//! `CORTINA_TEST_DATABASE_URL` names a PostgreSQL server, on PostgreSQL too.

mod auth;
mod common;
mod crash;
mod inserts;
mod ledger_store;
mod records;
mod stamps;
mod tamper;
