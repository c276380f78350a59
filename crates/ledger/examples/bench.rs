//! Release-mode timings (not a test): verify a log of 1M entries, generate
//! proofs in a 10M-record in-memory log, raw hashing throughput.
//!
//! `cargo run --release -p ledger --example bench -- [verify entries] [proof records]`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use ledger::{Checkpoint, MemoryLog, leaf_hash, prove_record, prove_tree, tree_hash, verify_log};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n_verify: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let n_proof: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000_000);

    // Hashing throughput on a typical entry size.
    let sample = common::sample_entry(12345).encode()?;
    let t = Instant::now();
    let iters = 2_000_000u32;
    let mut acc = 0u8;
    for i in 0..iters {
        let mut b = sample.clone();
        b[1] = i as u8;
        acc ^= leaf_hash(&b).0[0];
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "leaf hashing: {iters} x {} B in {el:.3} s = {:.0} k hashes/s, {:.0} MB/s ({acc})",
        sample.len(),
        f64::from(iters) / el / 1e3,
        f64::from(iters) * sample.len() as f64 / el / 1e6
    );

    // Verify 1M entries.
    let t = Instant::now();
    let entries = common::sample_entries(n_verify);
    let log = common::build_log(&entries);
    let signer = common::test_signer();
    let note = Checkpoint::new(common::TEST_ORIGIN, n_verify, log.root()?).sign(&[&signer])?;
    let old = Checkpoint::new(
        common::TEST_ORIGIN,
        n_verify / 2,
        tree_hash(n_verify / 2, &log)?,
    )
    .sign(&[&signer])?;
    println!(
        "built {n_verify}-entry log in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    verify_log(
        &entries,
        log.stored_hashes(),
        note.as_bytes(),
        &signer.verifier(),
        &[old.as_bytes()],
    )?;
    println!(
        "verify_log: {n_verify} entries ({} stored hashes) in {:.3} s",
        log.stored_hashes().len(),
        t.elapsed().as_secs_f64()
    );
    drop(log);
    drop(entries);

    // Proofs at 10M records (in-memory reader).
    let t = Instant::now();
    let mut big = MemoryLog::new();
    for i in 0..n_proof {
        big.append_leaf_hash(leaf_hash(&i.to_be_bytes()))?;
    }
    println!(
        "built {n_proof}-record log in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let th = big.root()?;
    let k = 10_000u64;
    let t = Instant::now();
    let mut total = 0usize;
    for j in 0..k {
        let n = (j * 7_919_993) % n_proof;
        let p = prove_record(n_proof, n, &big)?;
        total += p.len();
        if j == 0 {
            ledger::check_record(&p, n_proof, &th, n, &leaf_hash(&n.to_be_bytes()))?;
        }
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "prove_record at {n_proof}: {:.2} µs/proof ({} hashes avg)",
        el * 1e6 / k as f64,
        total / k as usize
    );
    let t = Instant::now();
    for j in 0..k {
        let m = 1 + (j * 7_919_993) % (n_proof - 1);
        let p = prove_tree(n_proof, m, &big)?;
        total += p.len();
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "prove_tree at {n_proof}: {:.2} µs/proof",
        el * 1e6 / k as f64
    );
    let t = Instant::now();
    for s in (1..=k).map(|j| n_proof - j) {
        total += tree_hash(s, &big)?.0[0] as usize;
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "tree_hash at ~{n_proof}: {:.2} µs/call ({total})",
        el * 1e6 / k as f64
    );
    Ok(())
}
