//! Fuzzes OFAC's legacy CSV file set: the input is `sdn.csv`, then optionally `alt.csv`,
//! `add.csv` and `sdn_comments.csv`, separated by lines of `#--#`. Read as the SDN set and as the
//! consolidated set, strictly and leniently.
#![no_main]

use libfuzzer_sys::fuzz_target;
use watchlist::{OfacCsvSet, Options, SourceFile, import_ofac_csv};

#[path = "common.rs"]
mod common;

const SEPARATOR: &[u8] = b"\n#--#\n";

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() < 3 {
        let Some(i) = rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) else {
            break;
        };
        parts.push(&rest[..i]);
        rest = &rest[i + SEPARATOR.len()..];
    }
    parts.push(rest);
    parts
}

fuzz_target!(|data: &[u8]| {
    let parts = split(data);
    let file = |i: usize, name: &'static str| parts.get(i).map(|b| SourceFile::new(name, b));
    let set = OfacCsvSet {
        main: SourceFile::new("sdn.csv", parts[0]),
        alt: file(1, "alt.csv"),
        add: file(2, "add.csv"),
        comments: file(3, "sdn_comments.csv"),
    };
    for consolidated in [false, true] {
        common::check_modes(
            import_ofac_csv(set, consolidated, Options { lenient: false }),
            import_ofac_csv(set, consolidated, Options { lenient: true }),
        );
    }
    // The main file alone, through the single-file entry point too.
    common::check_import(watchlist::Format::OfacSdnCsv, "sdn.csv", parts[0]);
});
