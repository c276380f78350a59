//! Fuzzes the CslCsv importer (`watchlist::import_one(Format::CslCsv, …)`) on consolidated.csv-shaped input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::check_import(watchlist::Format::CslCsv, "consolidated.csv", data);
});
