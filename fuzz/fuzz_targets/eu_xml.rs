//! Fuzzes the EuFsfXml importer (`watchlist::import_one(Format::EuFsfXml, …)`) on eu_fsf.xml-shaped input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::check_import(watchlist::Format::EuFsfXml, "eu_fsf.xml", data);
});
