//! Server tests: the real router on a loopback port over a throwaway store
//! (SQLite, and PostgreSQL when `CORTINA_TEST_DATABASE_URL` is set), driven
//! by a real HTTP client.

mod accounts;
mod api;
mod applicants;
mod auth;
mod consultations;
mod disclosures;
mod events;
mod home_board;
mod ledger;
mod limits;
mod matrix;
mod need_to_know;
mod openapi;
mod passes;
mod queue_bench;
mod stats;
mod tls;
mod ui;
mod vetting_pages;
mod witness;
mod world;
mod yente;
