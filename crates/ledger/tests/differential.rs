//! Differential tests against independent Rust ports of Go's reference
//! code: `tlog_tiles` (sumdb/tlog) and `signed_note` (sumdb/note).

mod common;

use ledger::tile::{self, Tile, TileLevel};
use ledger::{Hash, MemoryLog};
use signed_note::{Note as TheirNote, StandardSigner, StandardVerifier, VerifierList};
use tlog_tiles as theirs;

/// Their stored-hash store.
struct TheirStore(Vec<theirs::Hash>);

impl theirs::HashReader for TheirStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<theirs::Hash>, theirs::Error> {
        indexes
            .iter()
            .map(|&i| {
                self.0
                    .get(i as usize)
                    .copied()
                    .ok_or(theirs::Error::IndexesNotInTree)
            })
            .collect()
    }
}

fn conv(h: &theirs::Hash) -> Hash {
    Hash(h.0)
}

fn conv_back(h: &Hash) -> theirs::Hash {
    theirs::Hash(h.0)
}

fn build(n: u64) -> (MemoryLog, TheirStore) {
    let mut ours = MemoryLog::new();
    let mut store = TheirStore(Vec::new());
    for i in 0..n {
        let data = format!("record {i}");
        ours.append(data.as_bytes()).unwrap();
        let new = theirs::stored_hashes(i, data.as_bytes(), &store).unwrap();
        store.0.extend(new);
    }
    (ours, store)
}

#[test]
fn stored_hashes_and_tree_hashes_match_for_sizes_1_to_1000() {
    let (ours, store) = build(1000);
    let mine: Vec<Hash> = store.0.iter().map(conv).collect();
    assert_eq!(ours.stored_hashes(), mine.as_slice());
    for size in 1..=1000u64 {
        let a = ledger::tree_hash(size, &ours).unwrap();
        let b = theirs::tree_hash(size, &store).unwrap();
        assert_eq!(a, conv(&b), "size {size}");
    }
    for i in 0..3000u64 {
        assert_eq!(
            ledger::split_stored_hash_index(i),
            theirs::split_stored_hash_index(i)
        );
    }
    for level in 0..20u8 {
        for n in [0u64, 1, 2, 3, 77, 1000, 123_456] {
            assert_eq!(
                ledger::stored_hash_index(level, n),
                theirs::stored_hash_index(level, n)
            );
        }
    }
}

#[test]
fn proofs_match_and_cross_verify() {
    let (ours, store) = build(600);
    for t in (1..=600u64)
        .step_by(7)
        .chain([1, 2, 255, 256, 257, 512, 600])
    {
        let th = ledger::tree_hash(t, &ours).unwrap();
        for n in (0..t).step_by(5).chain([t - 1]) {
            let p = ledger::prove_record(t, n, &ours).unwrap();
            let q = theirs::prove_record(t, n, &store).unwrap();
            assert_eq!(
                p,
                q.iter().map(conv).collect::<Vec<_>>(),
                "record {n} in {t}"
            );
            let leaf = ledger::leaf_hash(format!("record {n}").as_bytes());
            // Our proof through their checker, and theirs through ours.
            theirs::check_record(&q, t, conv_back(&th), n, conv_back(&leaf)).unwrap();
            ledger::check_record(&p, t, &th, n, &leaf).unwrap();
            let mut bad = q.clone();
            if let Some(h) = bad.first_mut() {
                h.0[3] ^= 0x10;
                assert!(
                    theirs::check_record(&bad, t, conv_back(&th), n, conv_back(&leaf)).is_err()
                );
            }
            let m = n + 1;
            let p = ledger::prove_tree(t, m, &ours).unwrap();
            let q = theirs::prove_tree(t, m, &store).unwrap();
            assert_eq!(p, q.iter().map(conv).collect::<Vec<_>>(), "tree {m} in {t}");
            let mh = ledger::tree_hash(m, &ours).unwrap();
            theirs::check_tree(&q, t, conv_back(&th), m, conv_back(&mh)).unwrap();
            ledger::check_tree(&p, t, &th, m, &mh).unwrap();
        }
    }
}

/// Maps their Go-style path (`tile/8/L/...`, `tile/8/data/...`) to C2SP.
fn c2sp_path(go_path: &str) -> String {
    let rest = go_path.strip_prefix("tile/8/").unwrap();
    match rest.strip_prefix("data/") {
        Some(r) => format!("tile/entries/{r}"),
        None => format!("tile/{rest}"),
    }
}

#[test]
fn tiles_match() {
    let (ours, store) = build(70_000 / 64);
    for (old, new) in [
        (0u64, 1u64),
        (0, 256),
        (0, 1093),
        (255, 256),
        (256, 300),
        (300, 1093),
        (1, 65_536 + 7),
    ] {
        let mine: Vec<String> = tile::new_tiles(old, new).iter().map(Tile::path).collect();
        let mut go: Vec<String> = theirs::Tile::new_tiles(8, old, new)
            .iter()
            .map(|t| c2sp_path(&t.path()))
            .collect();
        let mut mine_sorted = mine.clone();
        mine_sorted.sort();
        go.sort();
        assert_eq!(mine_sorted, go, "tiles {old}..{new}");
    }
    for t in tile::tiles_for_size(ours.size()) {
        let mine = tile::read_tile(&t, &ours).unwrap();
        let TileLevel::Hashes(l) = t.level else {
            unreachable!()
        };
        let go_tile = theirs::Tile::new(8, l, t.index, u32::from(t.width), false);
        assert_eq!(c2sp_path(&go_tile.path()), t.path());
        assert_eq!(mine, go_tile.read_data(&store).unwrap(), "{}", t.path());
        let parsed = theirs::Tile::from_path(&go_tile.path()).unwrap();
        assert_eq!(parsed.level_index(), t.index);
    }
    let e = Tile {
        level: TileLevel::Entries,
        index: 1_234_067,
        width: 9,
    };
    let go = theirs::Tile::new(8, 0, 1_234_067, 9, true);
    assert_eq!(c2sp_path(&go.path()), e.path());
}

#[test]
fn signed_notes_both_ways() {
    let ours = common::test_signer();
    let text = "cortina.test/ledger-golden\n20\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    // Key strings parse on their side and give identical signatures.
    let their_signer = StandardSigner::new(&ours.key_string()).unwrap();
    let their_verifier = StandardVerifier::new(&ours.verifier().key_string()).unwrap();
    let mut their_note = TheirNote::new(text.as_bytes(), &[]).unwrap();
    their_note.add_sigs(&[&their_signer]).unwrap();
    let their_bytes = their_note.to_bytes();
    let our_bytes = ledger::sign_note(text, &[&ours]).unwrap();
    assert_eq!(their_bytes, our_bytes.as_bytes());

    // Ours verified by theirs.
    let list = VerifierList::new(vec![Box::new(their_verifier)]);
    let parsed = TheirNote::from_bytes(our_bytes.as_bytes()).unwrap();
    let (verified, _) = parsed.verify(&list).unwrap();
    assert_eq!(verified.len(), 1);

    // Theirs (with an extra signature from a key we don't know) verified by ours.
    let (skey, _vkey) = {
        let other = ledger::NoteSigner::from_seed("witness.example", &[3; 32]).unwrap();
        (other.key_string(), other.verifier().key_string())
    };
    let witness = StandardSigner::new(&skey).unwrap();
    let mut two = TheirNote::new(text.as_bytes(), &[]).unwrap();
    two.add_sigs(&[&their_signer, &witness]).unwrap();
    let n = ledger::open_note(&two.to_bytes(), &[&ours.verifier()]).unwrap();
    assert_eq!(n.signatures.len(), 1);
    assert_eq!(n.unverified.len(), 1);
    assert_eq!(n.unverified[0].name, "witness.example");

    // A tampered note fails on both sides.
    let bad = our_bytes.replace("\n20\n", "\n21\n");
    assert!(ledger::open_note(bad.as_bytes(), &[&ours.verifier()]).is_err());
    let parsed = TheirNote::from_bytes(bad.as_bytes()).unwrap();
    assert!(parsed.verify(&list).is_err());
}
