//! Writes cross-check vectors for Go's reference implementation
//! (`tests/go/crosscheck.go`, run by `scripts/go-crosscheck.sh`).
//!
//! Usage: `cargo run -p ledger --example go_vectors -- <out file> [records]`
//!
//! Line format (space separated, base64 = standard with padding):
//!
//! ```text
//! record <n> <base64 data>
//! entry <n> <version> <base64 channel|-> <base64 actor> <base64 action>
//! hash <index> <base64 hash>                  every stored hash
//! treehash <size> <base64 root>               sizes 1..=records
//! inclusion <t> <n> <base64,...|->            RFC 9162 PATH
//! consistency <t> <n> <base64,...|->          RFC 9162 PROOF
//! tile <C2SP path> <base64 tile bytes>        every hash tile
//! skey <signer key>
//! vkey <verifier key>
//! note <base64 of the signed checkpoint note>
//! wvkey <the witness's verifier key, type 0x01 (Go's note verifier)>
//! cosigned <base64 of the note with the witness's cosignature and note signature>
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ledger::{Checkpoint, Hash, prove_record, prove_tree, tile, tree_hash};

fn proof_field(p: &[Hash]) -> String {
    if p.is_empty() {
        "-".to_owned()
    } else {
        p.iter().map(Hash::to_base64).collect::<Vec<_>>().join(",")
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: go_vectors <out file> [records]")?;
    let n: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(600);
    // A log that moved from entry version 1 to version 2 halfway: Go
    // decodes both (`entry` lines give the fields it must find).
    let entries = common::mixed_entries(n);
    let log = common::build_log(&entries);
    let mut s = String::new();
    for (i, e) in entries.iter().enumerate() {
        writeln!(s, "record {i} {}", B64.encode(e))?;
        let d = ledger::Entry::decode(e)?;
        writeln!(
            s,
            "entry {i} {} {} {} {}",
            e[0],
            d.channel
                .as_deref()
                .map_or("-".to_owned(), |c| B64.encode(c)),
            B64.encode(&d.actor_account),
            B64.encode(&d.action),
        )?;
    }
    for (i, h) in log.stored_hashes().iter().enumerate() {
        writeln!(s, "hash {i} {}", h.to_base64())?;
    }
    for size in 1..=n {
        writeln!(s, "treehash {size} {}", tree_hash(size, &log)?.to_base64())?;
    }
    for t in 1..=n {
        let mut picks: Vec<u64> = (0..t).step_by(11).collect();
        picks.extend([t - 1, t / 2, t.saturating_sub(2)]);
        picks.sort_unstable();
        picks.dedup();
        for &i in &picks {
            let p = prove_record(t, i, &log)?;
            writeln!(s, "inclusion {t} {i} {}", proof_field(&p))?;
            let m = i + 1;
            let q = prove_tree(t, m, &log)?;
            writeln!(s, "consistency {t} {m} {}", proof_field(&q))?;
        }
    }
    for t in tile::tiles_for_size(n) {
        writeln!(
            s,
            "tile {} {}",
            t.path(),
            B64.encode(tile::read_tile(&t, &log)?)
        )?;
    }
    let signer = common::test_signer();
    let note = Checkpoint::new(common::TEST_ORIGIN, n, log.root()?).sign(&[&signer])?;
    writeln!(s, "skey {}", signer.key_string())?;
    writeln!(s, "vkey {}", signer.verifier().key_string())?;
    writeln!(s, "note {}", B64.encode(note.as_bytes()))?;
    // A witness cosigns the checkpoint: its cosignature/v1 line (type 0x04,
    // which Go ignores) and its plain note signature (type 0x01, which Go
    // verifies with the witness's key).
    let witness = ledger::Cosigner::from_seed("witness.example/oversight", &[0x57; 32])?;
    let body = Checkpoint::new(common::TEST_ORIGIN, n, log.root()?).to_body()?;
    let cosigned = ledger::cosignature::append_signature_lines(
        &note,
        &witness.signature_lines(&body, 1_770_000_000),
    );
    ledger::open_witnessed(
        cosigned.as_bytes(),
        &signer.verifier(),
        None,
        &[witness.verifier()],
    )?;
    writeln!(
        s,
        "wvkey {}",
        witness.verifier().note_verifier().key_string()
    )?;
    writeln!(s, "cosigned {}", B64.encode(cosigned.as_bytes()))?;
    std::fs::write(&out, s)?;
    eprintln!("wrote {n} records of vectors to {out}");
    Ok(())
}
