//! Tiles per C2SP `tlog-tiles`, height 8.
//!
//! A hash tile at level `L`, index `N`, width `W` holds the `W` hashes of
//! tree level `8·L` starting at position `N·256`, concatenated (32 bytes
//! each). A full tile has `W = 256`; a partial tile (`W` in 1..=255) exists
//! only at the right edge of the tree. Paths:
//!
//! * `tile/<L>/<N>[.p/<W>]` for hash tiles, `L` in 0..=5,
//! * `tile/entries/<N>[.p/<W>]` for entry bundles: the entries `N·256 ..`,
//!   each as a big-endian `u16` length followed by the entry bytes.
//!
//! `<N>` is written in groups of three decimal digits, all but the last
//! prefixed with `x`: 1234067 is `x001/x234/067`.

use crate::tlog::{Error, HASH_SIZE, Hash, HashReader, read_exact, stored_hash_index};

/// Tile height: each tile spans 8 tree levels.
pub const TILE_HEIGHT: u8 = 8;
/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Highest hash-tile level allowed in paths by the specification.
pub const MAX_TILE_LEVEL: u8 = 5;

/// Errors of tile handling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// A tile path is malformed; the message says how.
    #[error("malformed tile path: {0}")]
    MalformedPath(&'static str),
    /// An entry bundle is malformed; the message says how.
    #[error("malformed entry bundle: {0}")]
    MalformedBundle(&'static str),
    /// An entry is longer than 65 535 bytes.
    #[error("entry {index} is {len} bytes, more than 65535")]
    EntryTooLong {
        /// Position in the bundle.
        index: usize,
        /// Its length.
        len: usize,
    },
    /// An entry tile was asked for hashes.
    #[error("entry bundles hold entries, not hashes")]
    NotAHashTile,
    /// Reading hashes failed.
    #[error(transparent)]
    Hashes(#[from] Error),
}

/// Which kind of tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileLevel {
    /// A hash tile at this level (tree level `8·level`).
    Hashes(u8),
    /// An entry bundle.
    Entries,
}

/// One tile: kind, index within its level, and width (1..=256).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tile {
    /// Hash level or entries.
    pub level: TileLevel,
    /// Index `N` of the tile within its level.
    pub index: u64,
    /// Number of hashes (or entries) in the tile, 1..=256.
    pub width: u16,
}

/// Encodes a tile index as `x001/x234/067`.
pub fn encode_tile_index(n: u64) -> String {
    let mut groups = Vec::new();
    let mut m = n;
    loop {
        groups.push(m % 1000);
        m /= 1000;
        if m == 0 {
            break;
        }
    }
    let mut s = String::new();
    for (i, g) in groups.iter().rev().enumerate() {
        if i + 1 < groups.len() {
            s.push_str(&format!("x{g:03}/"));
        } else {
            s.push_str(&format!("{g:03}"));
        }
    }
    s
}

fn three_digits(s: &str) -> Option<u64> {
    if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Tile {
    /// Whether this is a partial tile.
    pub fn is_partial(&self) -> bool {
        u64::from(self.width) < TILE_WIDTH
    }

    /// The tile's path, e.g. `tile/0/x001/234.p/5` or `tile/entries/000`.
    pub fn path(&self) -> String {
        let level = match self.level {
            TileLevel::Hashes(l) => l.to_string(),
            TileLevel::Entries => "entries".to_owned(),
        };
        let mut p = format!("tile/{level}/{}", encode_tile_index(self.index));
        if self.is_partial() {
            p.push_str(&format!(".p/{}", self.width));
        }
        p
    }

    /// The log positions (entry indexes) the tile covers, `start..end`: for an entry bundle the
    /// entries it holds, for a hash tile the leaves under its hashes. `None` when the end does
    /// not fit in a `u64`, i.e. for a tile no log can have (paths of such tiles do not parse).
    pub fn positions(&self) -> Option<std::ops::Range<u64>> {
        let first = self.index.checked_mul(TILE_WIDTH)?;
        let last = first.checked_add(u64::from(self.width))?;
        let shift = match self.level {
            TileLevel::Entries => 0,
            TileLevel::Hashes(l) => u32::from(l) * u32::from(TILE_HEIGHT),
        };
        let scale = 1u64.checked_shl(shift)?;
        Some(first.checked_mul(scale)?..last.checked_mul(scale)?)
    }

    /// Parses a tile path, accepting only the canonical form and only tiles whose
    /// [`positions`](Tile::positions) fit in a `u64`.
    pub fn parse_path(path: &str) -> Result<Tile, TileError> {
        use TileError::MalformedPath as M;
        let mut elems: Vec<&str> = path.split('/').collect();
        if elems.len() < 3 || elems[0] != "tile" {
            return Err(M("must start with tile/<level>/"));
        }
        let level = match elems[1] {
            "entries" => TileLevel::Entries,
            l => {
                let [d] = l.as_bytes() else {
                    return Err(M("level must be a single digit"));
                };
                if !(b'0'..=b'0' + MAX_TILE_LEVEL).contains(d) {
                    return Err(M("level out of range"));
                }
                TileLevel::Hashes(d - b'0')
            }
        };
        // Optional partial suffix: the last element is W, and the one before
        // ends in ".p".
        let mut width = 256u16;
        if elems.len() >= 4
            && let Some(last_n) = elems[elems.len() - 2].strip_suffix(".p")
        {
            let w = elems[elems.len() - 1];
            if w.is_empty() || w.len() > 3 || !w.bytes().all(|b| b.is_ascii_digit()) {
                return Err(M("width is not a decimal number"));
            }
            if w.starts_with('0') {
                return Err(M("width has leading zeros or is zero"));
            }
            width = w.parse().map_err(|_| M("width is not a number"))?;
            if !(1..=255).contains(&width) {
                return Err(M("width out of 1..=255"));
            }
            let k = elems.len() - 2;
            elems[k] = last_n;
            elems.truncate(elems.len() - 1);
        }
        let groups = &elems[2..];
        let Some((last, head)) = groups.split_last() else {
            return Err(M("missing index"));
        };
        let mut n: u64 = 0;
        for (i, g) in head.iter().enumerate() {
            let d = g
                .strip_prefix('x')
                .and_then(three_digits)
                .ok_or(M("index group must be xDDD"))?;
            if i == 0 && d == 0 {
                return Err(M("index has leading zero groups"));
            }
            n = n
                .checked_mul(1000)
                .and_then(|n| n.checked_add(d))
                .ok_or(M("index overflows"))?;
        }
        let d = three_digits(last).ok_or(M("last index group must be DDD"))?;
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(d))
            .ok_or(M("index overflows"))?;
        let tile = Tile {
            level,
            index: n,
            width,
        };
        if tile.positions().is_none() {
            return Err(M("index beyond any log"));
        }
        if let TileLevel::Hashes(_) = level {
            tile.hash_start()?;
        }
        Ok(tile)
    }

    /// The tree level and first position of a hash tile's hashes, when the storage indexes of
    /// its hashes are computable (positions below 2^56, tree levels below 56).
    fn hash_start(&self) -> Result<(u8, u64), TileError> {
        let TileLevel::Hashes(l) = self.level else {
            return Err(TileError::NotAHashTile);
        };
        let tree_level = l
            .checked_mul(TILE_HEIGHT)
            .filter(|&t| t < 56)
            .ok_or(TileError::MalformedPath("level out of range"))?;
        let start = self
            .index
            .checked_mul(TILE_WIDTH)
            .filter(|&s| s < 1 << 56)
            .ok_or(TileError::MalformedPath("index out of range"))?;
        Ok((tree_level, start))
    }

    /// The storage indexes of the hashes in a hash tile.
    pub fn hash_indexes(&self) -> Result<Vec<u64>, TileError> {
        let (tree_level, start) = self.hash_start()?;
        Ok((0..u64::from(self.width))
            .map(|i| stored_hash_index(tree_level, start + i))
            .collect())
    }
}

/// The tiles that change when the tree grows from `old` to `new` entries:
/// for each level, every tile from the one containing position `old` (at
/// that level) to the right edge. Hash tiles only; see
/// [`new_entry_bundles`] for entry bundles.
pub fn new_tiles(old: u64, new: u64) -> Vec<Tile> {
    let mut out = Vec::new();
    if new <= old {
        return out;
    }
    for l in 0..=7u8 {
        let shift = u32::from(l) * u32::from(TILE_HEIGHT);
        let old_n = old >> shift;
        let new_n = new >> shift;
        if new_n == 0 {
            break;
        }
        if old_n == new_n {
            continue;
        }
        push_range(&mut out, TileLevel::Hashes(l), old_n, new_n);
    }
    out
}

/// The entry bundles that change when the tree grows from `old` to `new`.
pub fn new_entry_bundles(old: u64, new: u64) -> Vec<Tile> {
    let mut out = Vec::new();
    if new > old {
        push_range(&mut out, TileLevel::Entries, old, new);
    }
    out
}

/// Tiles of `level` covering positions `old_n..new_n`.
fn push_range(out: &mut Vec<Tile>, level: TileLevel, old_n: u64, new_n: u64) {
    for index in old_n / TILE_WIDTH..new_n / TILE_WIDTH {
        out.push(Tile {
            level,
            index,
            width: 256,
        });
    }
    let w = new_n % TILE_WIDTH;
    if w > 0 {
        out.push(Tile {
            level,
            index: new_n / TILE_WIDTH,
            // w < 256.
            width: u16::try_from(w).unwrap_or(255),
        });
    }
}

/// Every hash tile of a tree of `size` entries.
pub fn tiles_for_size(size: u64) -> Vec<Tile> {
    new_tiles(0, size)
}

/// Every entry bundle of a tree of `size` entries.
pub fn entry_bundles_for_size(size: u64) -> Vec<Tile> {
    new_entry_bundles(0, size)
}

/// The bytes of a hash tile (concatenated hashes), read from `r`.
pub fn read_tile<R: HashReader + ?Sized>(tile: &Tile, r: &R) -> Result<Vec<u8>, TileError> {
    let indexes = tile.hash_indexes()?;
    let hashes = read_exact(r, &indexes)?;
    let mut out = Vec::with_capacity(hashes.len() * HASH_SIZE);
    for h in hashes {
        out.extend_from_slice(&h.0);
    }
    Ok(out)
}

/// Splits tile bytes into hashes; the length must be `width · 32`.
pub fn parse_tile_data(tile: &Tile, data: &[u8]) -> Result<Vec<Hash>, TileError> {
    if tile.level == TileLevel::Entries {
        return Err(TileError::NotAHashTile);
    }
    if data.len() != usize::from(tile.width) * HASH_SIZE {
        return Err(TileError::MalformedPath(
            "tile data length does not match width",
        ));
    }
    Ok(data
        .chunks_exact(HASH_SIZE)
        .map(|c| {
            let mut h = [0u8; HASH_SIZE];
            h.copy_from_slice(c);
            Hash(h)
        })
        .collect())
}

/// Encodes entries as an entry bundle.
pub fn encode_entry_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::new();
    for (index, e) in entries.iter().enumerate() {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).map_err(|_| TileError::EntryTooLong {
            index,
            len: e.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Decodes an entry bundle into its entries.
pub fn decode_entry_bundle(mut data: &[u8]) -> Result<Vec<Vec<u8>>, TileError> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let [a, b, rest @ ..] = data else {
            return Err(TileError::MalformedBundle("truncated length"));
        };
        let len = usize::from(u16::from_be_bytes([*a, *b]));
        if rest.len() < len {
            return Err(TileError::MalformedBundle("truncated entry"));
        }
        let (e, tail) = rest.split_at(len);
        out.push(e.to_vec());
        data = tail;
        if out.len() > 256 {
            return Err(TileError::MalformedBundle("more than 256 entries"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_encoding() {
        assert_eq!(encode_tile_index(0), "000");
        assert_eq!(encode_tile_index(67), "067");
        assert_eq!(encode_tile_index(1000), "x001/000");
        assert_eq!(encode_tile_index(1_234_067), "x001/x234/067");
    }

    #[test]
    fn paths_round_trip() {
        for t in [
            Tile {
                level: TileLevel::Hashes(0),
                index: 1_234_067,
                width: 256,
            },
            Tile {
                level: TileLevel::Hashes(5),
                index: 0,
                width: 1,
            },
            Tile {
                level: TileLevel::Entries,
                index: 999,
                width: 255,
            },
            Tile {
                level: TileLevel::Entries,
                index: (1 << 56) - 2,
                width: 256,
            },
            Tile {
                level: TileLevel::Entries,
                index: (1 << 56) - 1,
                width: 255,
            },
            Tile {
                level: TileLevel::Hashes(5),
                index: (1 << 16) - 2,
                width: 256,
            },
        ] {
            assert_eq!(Tile::parse_path(&t.path()).unwrap(), t, "{}", t.path());
        }
        assert_eq!(
            Tile {
                level: TileLevel::Hashes(1),
                index: 1_234_067,
                width: 5
            }
            .path(),
            "tile/1/x001/x234/067.p/5"
        );
    }

    #[test]
    fn rejects_bad_paths() {
        for p in [
            "",
            "tile",
            "tile/0",
            "tile/0/",
            "/tile/0/000",
            "tile/0/000/",
            "tile/0/00",
            "tile/0/0000",
            "tile/0/x000/067",
            "tile/0/x001/67",
            "tile/0/001/067",
            "tile/0/x01/067",
            "tile/00/000",
            "tile/6/000",
            "tile/-1/000",
            "tile/data/000",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/05",
            "tile/0/000.p/",
            "tile/0/000.p",
            "tile/0/000.p/5/6",
            "tile/0/../000",
            "tile/0/x001/./000",
            "tile/entries/../../etc/passwd",
            "tile/0/+00",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            // Indexes whose positions overflow a u64: these once parsed, and the entry
            // bundle 2^56 wrapped around to bundle 0.
            "tile/entries/x072/x057/x594/x037/x927/936.p/5",
            "tile/entries/x072/x057/x594/x037/x927/935",
            "tile/entries/x018/x446/x744/x073/x709/x551/615",
            "tile/5/065/535",
            "tile/5/x065/536.p/1",
            "tile/1/x281/x474/x976/x710/656",
            // A hash tile whose positions fit in a u64 but whose hashes' storage indexes do not
            // (found by fuzzing: it parsed, and hash_indexes then failed).
            "tile/0/x001/x234/x057/x594/x037/067",
            "tile/0/x281/x474/x976/x710/656",
        ] {
            assert!(Tile::parse_path(p).is_err(), "accepted {p:?}");
        }
    }

    #[test]
    fn positions_are_checked() {
        let t = |level, index, width| Tile {
            level,
            index,
            width,
        };
        assert_eq!(t(TileLevel::Entries, 2, 5).positions(), Some(512..517));
        assert_eq!(
            t(TileLevel::Hashes(1), 1, 256).positions(),
            Some(65_536..131_072)
        );
        assert_eq!(t(TileLevel::Entries, 1 << 56, 5).positions(), None);
        assert_eq!(t(TileLevel::Entries, (1 << 56) - 1, 256).positions(), None);
        assert_eq!(t(TileLevel::Hashes(5), 1 << 16, 1).positions(), None);
        assert_eq!(t(TileLevel::Hashes(7), 0, 256).positions(), None);
    }

    #[test]
    fn tile_sets() {
        assert!(tiles_for_size(0).is_empty());
        let t = tiles_for_size(70_000);
        let paths: Vec<String> = t.iter().map(Tile::path).collect();
        assert_eq!(paths.len(), 274 + 2 + 1);
        assert_eq!(paths[272], "tile/0/272");
        assert_eq!(paths[273], "tile/0/273.p/112");
        assert_eq!(paths[274], "tile/1/000");
        assert_eq!(paths[275], "tile/1/001.p/17");
        assert_eq!(paths[276], "tile/2/000.p/1");
        let n = new_tiles(256, 300);
        assert_eq!(
            n.iter().map(Tile::path).collect::<Vec<_>>(),
            ["tile/0/001.p/44"]
        );
        let n = new_tiles(255, 256);
        assert_eq!(
            n.iter().map(Tile::path).collect::<Vec<_>>(),
            ["tile/0/000", "tile/1/000.p/1"]
        );
        let e = entry_bundles_for_size(513);
        assert_eq!(
            e.last().map(Tile::path).as_deref(),
            Some("tile/entries/002.p/1")
        );
    }

    #[test]
    fn bundles() {
        let entries = vec![b"a".to_vec(), Vec::new(), vec![7; 300]];
        let b = encode_entry_bundle(&entries).unwrap();
        assert_eq!(decode_entry_bundle(&b).unwrap(), entries);
        assert!(decode_entry_bundle(&b[..b.len() - 1]).is_err());
        assert!(decode_entry_bundle(&[0]).is_err());
        assert!(encode_entry_bundle(&[vec![0; 70_000]]).is_err());
    }
}
