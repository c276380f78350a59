//! The `watchlist` crate's integration tests, one binary: a module per format, helpers in
//! `common`. Fixtures are files the project wrote itself (`tests/fixtures/`); tests that read the
//! real published lists skip with a message when `shared/data` is absent.

mod common;

mod csl_csv;
mod eu_xml;
mod ftm_json;
mod ofac_csv;
mod ofac_xml;
mod senzing;
mod uk;
mod un_xml;
