//! Fuzzes the OfacSdnXml importer (`watchlist::import_one(Format::OfacSdnXml, …)`) on sdn.xml-shaped input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::check_import(watchlist::Format::OfacSdnXml, "sdn.xml", data);
});
