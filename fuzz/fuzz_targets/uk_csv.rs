//! Fuzzes the UkSanctions importer (`watchlist::import_one(Format::UkSanctions, …)`) on UK_Sanctions_List.csv-shaped input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::check_import(
        watchlist::Format::UkSanctions,
        "UK_Sanctions_List.csv",
        data,
    );
});
