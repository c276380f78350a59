//! Fuzzes the SenzingJson importer (`watchlist::import_one(Format::SenzingJson, …)`) on senzing.json-shaped input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::check_import(watchlist::Format::SenzingJson, "senzing.json", data);
});
