//! Fuzzes the UnXml importer (`watchlist::import_one(Format::UnXml, …)`) on consolidated.xml-shaped input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::check_import(watchlist::Format::UnXml, "consolidated.xml", data);
});
