//! Golden data: entries, stored hashes, root and a signed checkpoint of a
//! 20-entry log, committed under `tests/golden/`. Every future version of the
//! crate must still decode, re-encode byte for byte, and verify them.
//!
//! `tests/golden/` holds a log of version-1 entries (written before version
//! 2 existed, never regenerated since); `tests/golden/v2/` a log that moved
//! to version 2 halfway (entries 0–9 version 1, 10–19 version 2 with their
//! channel).
//!
//! The files were written once by `UPDATE_GOLDEN=1 cargo test -p ledger
//! --test golden`; normal runs only read and verify. Regenerating them is a
//! breaking change of the on-disk format and must not be done casually.

mod common;

use std::path::PathBuf;

use ledger::{Entry, Hash, MemoryLog, NoteVerifier, verify_log};

const SIZE: u64 = 20;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn dir_v2() -> PathBuf {
    dir().join("v2")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn read_in(d: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(d.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn generate(d: &std::path::Path, entries: Vec<Vec<u8>>) {
    let log = common::build_log(&entries);
    let signer = common::test_signer();
    let root = log.root().unwrap();
    let cp = ledger::Checkpoint::new(common::TEST_ORIGIN, SIZE, root);
    let note = cp.sign(&[&signer]).unwrap();
    let mut e = String::new();
    for x in &entries {
        e.push_str(&hex(x));
        e.push('\n');
    }
    let mut h = String::new();
    for x in log.stored_hashes() {
        h.push_str(&x.to_hex());
        h.push('\n');
    }
    std::fs::create_dir_all(d).unwrap();
    std::fs::write(d.join("entries.hex"), e).unwrap();
    std::fs::write(d.join("stored-hashes.hex"), h).unwrap();
    std::fs::write(d.join("root.txt"), format!("{SIZE} {}\n", root.to_hex())).unwrap();
    std::fs::write(d.join("checkpoint.txt"), note).unwrap();
    std::fs::write(
        d.join("verifier.txt"),
        format!("{}\n", signer.verifier().key_string()),
    )
    .unwrap();
}

fn update() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

#[test]
fn golden_log_still_verifies() {
    if update() {
        generate(&dir(), common::sample_entries(SIZE));
    }
    check(&dir());
    // Every entry of the version-1 log is version 1, without a channel.
    for bytes in read_in(&dir(), "entries.hex").lines().map(unhex) {
        assert_eq!(bytes[0], ledger::ENTRY_VERSION_V1);
        assert_eq!(Entry::decode(&bytes).unwrap().channel, None);
    }
}

#[test]
fn golden_v2_log_verifies() {
    if update() {
        generate(&dir_v2(), common::mixed_entries(SIZE));
    }
    check(&dir_v2());
    let entries: Vec<Entry> = read_in(&dir_v2(), "entries.hex")
        .lines()
        .map(|l| Entry::decode(&unhex(l)).unwrap())
        .collect();
    for (i, e) in entries.iter().enumerate() {
        let i = i as u64;
        if i < SIZE / 2 {
            assert_eq!(e, &common::sample_entry(i), "entry {i}");
            assert_eq!(e.channel, None);
        } else {
            assert_eq!(e, &common::sample_entry_v2(i), "entry {i}");
            assert_eq!(e.encode().unwrap()[0], ledger::ENTRY_VERSION);
        }
    }
    assert_eq!(entries[10].channel.as_deref(), Some("token:tok-0010"));
    assert_eq!(entries[11].channel.as_deref(), Some("cli:operator1"));
    assert_eq!(entries[12].channel.as_deref(), Some("session"));
}

fn check(d: &std::path::Path) {
    let read = |name: &str| read_in(d, name);
    let entries: Vec<Vec<u8>> = read("entries.hex").lines().map(unhex).collect();
    assert_eq!(entries.len() as u64, SIZE);
    for (i, bytes) in entries.iter().enumerate() {
        let e = Entry::decode(bytes).unwrap_or_else(|err| panic!("entry {i}: {err}"));
        assert_eq!(e.seq, i as u64);
        assert_eq!(
            &e.encode().unwrap(),
            bytes,
            "entry {i} re-encodes differently"
        );
    }
    let stored: Vec<Hash> = read("stored-hashes.hex")
        .lines()
        .map(|l| Hash(unhex(l).try_into().expect("32 bytes")))
        .collect();
    assert_eq!(stored.len() as u64, ledger::stored_hash_count(SIZE));

    // The tree recomputed from the entries has the recorded root.
    let mut log = MemoryLog::new();
    for e in &entries {
        log.append(e).unwrap();
    }
    assert_eq!(log.stored_hashes(), stored.as_slice());
    let root_line = read("root.txt");
    let (size, root_hex) = root_line.trim_end().split_once(' ').unwrap();
    assert_eq!(size.parse::<u64>().unwrap(), SIZE);
    assert_eq!(log.root().unwrap().to_hex(), root_hex);

    // The checkpoint verifies under the recorded key, and the key is still
    // derived the same way from the fixed test seed.
    let vkey = read("verifier.txt");
    let verifier = NoteVerifier::from_key_string(vkey.trim_end()).unwrap();
    assert_eq!(common::test_signer().verifier(), verifier);
    let note = read("checkpoint.txt");
    let signed = verify_log(&entries, stored.as_slice(), note.as_bytes(), &verifier, &[]).unwrap();
    assert_eq!(signed.checkpoint.size, SIZE);
    assert_eq!(signed.checkpoint.root.to_hex(), root_hex);
    // Signing is deterministic, so today's signer reproduces the note.
    assert_eq!(
        signed.checkpoint.sign(&[&common::test_signer()]).unwrap(),
        note
    );
}
