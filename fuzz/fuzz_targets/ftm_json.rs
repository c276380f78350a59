//! Fuzzes the FtmJson importer (`watchlist::import_one(Format::FtmJson, …)`) on entities.ftm.json-shaped input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::check_import(watchlist::Format::FtmJson, "entities.ftm.json", data);
});
