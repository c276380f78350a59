//! Fuzzes the C2SP tile path parser (`ledger::Tile::parse_path`) and the entry-bundle codec.
//! Paths are accepted only in canonical form, so a parsed path must format back to the same
//! string; a parsed tile's positions must be computable without overflow; a decoded bundle must
//! encode back to the same bytes.
#![no_main]

use ledger::tile::{Tile, TileLevel, decode_entry_bundle, encode_entry_bundle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data)
        && let Ok(tile) = Tile::parse_path(path)
    {
        assert_eq!(tile.path(), path, "a non-canonical path was accepted");
        assert!((1..=256).contains(&tile.width));
        let range = tile
            .positions()
            .expect("a parsed tile's positions overflow");
        assert!(range.start < range.end);
        if let TileLevel::Hashes(_) = tile.level {
            let indexes = tile
                .hash_indexes()
                .expect("a parsed hash tile has no indexes");
            assert_eq!(indexes.len(), usize::from(tile.width));
        }
    }
    if let Ok(entries) = decode_entry_bundle(data) {
        assert!(entries.len() <= 256);
        let again = encode_entry_bundle(&entries).expect("decoded entries re-encode");
        assert_eq!(again, data, "an entry bundle does not round-trip");
    }
});
