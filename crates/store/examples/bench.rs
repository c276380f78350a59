//! Ledger storage benchmark: fill a store to `--entries`, then time proof
//! generation from the stored hashes and (with `--verify`) a full
//! verification.
//!
//! ```text
//! cargo run --release -p store --example bench -- --data-dir DIR [--database URL] \
//!     --entries 10000000 [--proofs 2000] [--verify]
//! ```
//!
//! Filling reuses an existing store (only the missing entries are appended),
//! so the 10-million-entry store is built once. Appends here are bulk writes
//! of 10,000 entries each; `ledger_writer` measures appends under load.

use std::path::PathBuf;
use std::time::Instant;

use ledger::{Decision, Entry, Resource, check_record, check_tree};
use store::{Location, OpenOptions, Store, StoreError};

fn sample(i: u64) -> Entry {
    Entry {
        seq: 0,
        time_ms: 0,
        actor_account: format!("account-{}", i % 97),
        actor_agency: "questura-milano".into(),
        channel: Some("cli:test".into()),
        action: "rfi.answer".into(),
        resource: Resource {
            kind: "rfi".into(),
            id: format!("rfi-{i}"),
        },
        decision: Decision::Allow,
        policies: vec!["permit-host-operator-rfi".into()],
        payload_digest: [(i % 251) as u8; 32],
        personal_data: None,
    }
}

/// A small deterministic generator (xorshift64*), enough to pick indexes.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn summary(name: &str, mut micros: Vec<f64>) {
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q) as usize];
    println!(
        "{name}: n={} median {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        micros.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut data_dir = None;
    let mut database_url = None;
    let mut entries: u64 = 1_000_000;
    let mut proofs: usize = 2000;
    let mut verify = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--data-dir" => data_dir = args.next().map(PathBuf::from),
            "--database" => database_url = args.next(),
            "--entries" => entries = args.next().ok_or("--entries N")?.parse()?,
            "--proofs" => proofs = args.next().ok_or("--proofs N")?.parse()?,
            "--verify" => verify = true,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let location = Location {
        data_dir: data_dir.ok_or("--data-dir is required")?,
        database_url,
    };
    let store = Store::open(
        &location,
        &OpenOptions {
            create: true,
            origin: None,
        },
    )
    .await?;
    println!("store: {} ({:?})", location.describe(), store.backend());

    let have = store.ledger_stats().await?.size;
    if have < entries {
        let start = Instant::now();
        let mut next = have;
        while next < entries {
            let n = (entries - next).min(10_000);
            store
                .write(move |tx| {
                    Box::pin(async move {
                        for i in next..next + n {
                            tx.append(sample(i))?;
                        }
                        Ok::<_, StoreError>(())
                    })
                })
                .await?;
            next += n;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "filled {} entries in {secs:.1} s ({:.0} entries/s, bulk writes of 10,000)",
            entries - have,
            (entries - have) as f64 / secs
        );
    }
    let size = store.ledger_stats().await?.size;
    println!("log size: {size}");

    let t0 = Instant::now();
    let cached = store.warm_proof_cache().await?;
    println!(
        "proof cache: {cached} upper-level hashes loaded in {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Warm the page cache and the prepared statements, as a running server is.
    for _ in 0..200 {
        store.prove_inclusion(rng.below(size), size).await?;
    }
    let mut stats = Vec::new();
    for _ in 0..proofs {
        let t0 = Instant::now();
        store.ledger_stats().await?;
        stats.push(t0.elapsed().as_secs_f64() * 1e6);
    }
    summary("baseline: one-row query (ledger_stats)", stats);
    let mut rh = Vec::new();
    for _ in 0..proofs {
        let i = rng.below(size);
        let t0 = Instant::now();
        store.read_hashes(&[i, i / 2, i / 3, i / 5]).await?;
        rh.push(t0.elapsed().as_secs_f64() * 1e6);
    }
    summary("read 4 hashes", rh);
    let mut inclusion = Vec::with_capacity(proofs);
    for _ in 0..proofs {
        let n = rng.below(size);
        let t0 = Instant::now();
        let (proof, root, leaf) = store.prove_inclusion(n, size).await?;
        inclusion.push(t0.elapsed().as_secs_f64() * 1e6);
        check_record(&proof, size, &root, n, &leaf)?;
    }
    summary(&format!("inclusion proof at size {size}"), inclusion);
    let mut consistency = Vec::with_capacity(proofs);
    for _ in 0..proofs {
        let old = 1 + rng.below(size);
        let t0 = Instant::now();
        let (proof, old_root, new_root) = store.prove_consistency(old, size).await?;
        consistency.push(t0.elapsed().as_secs_f64() * 1e6);
        check_tree(&proof, size, &new_root, old, &old_root)?;
    }
    summary(&format!("consistency proof to size {size}"), consistency);

    if verify {
        let t0 = Instant::now();
        let report = store.verify(None, &[]).await?;
        println!(
            "verify: {} entries in {:.2} s",
            report.checkpoint.checkpoint.size,
            t0.elapsed().as_secs_f64()
        );
    }
    store.close().await;
    Ok(())
}
