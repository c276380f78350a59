//! Shared helpers for the integration tests and examples: deterministic
//! sample entries and a fixed test key.
#![allow(dead_code)]

use ledger::{Decision, Entry, MemoryLog, NoteSigner, Resource, commit};
use sha2::{Digest, Sha256};

/// Origin and key name of the test log.
pub const TEST_ORIGIN: &str = "cortina.test/ledger-golden";

/// The fixed (public, test-only) signing key of the golden log.
pub fn test_signer() -> NoteSigner {
    let seed: [u8; 32] = Sha256::digest(b"cortina ledger golden test key (not secret)").into();
    NoteSigner::from_seed(TEST_ORIGIN, &seed).expect("valid key name")
}

/// A deterministic, varied entry with sequence number `i`.
pub fn sample_entry(i: u64) -> Entry {
    const AGENCIES: [&str; 5] = ["IT-DIGOS", "FR-DGSI", "US-DSS", "DE-BKA", "CH-fedpol"];
    const ACTIONS: [&str; 6] = [
        "rfi.submit",
        "rfi.answer",
        "screening.run",
        "screening.review",
        "watchlist.import",
        "account.login",
    ];
    const KINDS: [&str; 4] = ["rfi", "screening", "watchlist", "session"];
    let policies: Vec<String> = (0..(i % 4))
        .map(|k| {
            format!(
                "policy.{}.v{}",
                ["liaison", "quota", "need-to-know"][(k as usize) % 3],
                k + 1
            )
        })
        .collect();
    let personal_data = i.is_multiple_of(3).then(|| {
        let salt: [u8; 32] = Sha256::digest(format!("salt {i}")).into();
        commit(
            &salt,
            format!("Persona Esempio {i}, nata 1980-01-01").as_bytes(),
        )
    });
    Entry {
        seq: i,
        time_ms: 1_770_303_600_000 + (i as i64) * 1_537,
        actor_account: format!("acct-{:04}", (i * 7919) % 1000),
        actor_agency: AGENCIES[(i % 5) as usize].to_owned(),
        channel: None,
        action: ACTIONS[(i % 6) as usize].to_owned(),
        resource: Resource {
            kind: KINDS[(i % 4) as usize].to_owned(),
            id: format!("{}-2026-{:06}", KINDS[(i % 4) as usize].to_uppercase(), i),
        },
        decision: if i % 7 == 3 {
            Decision::Deny
        } else {
            Decision::Allow
        },
        policies,
        payload_digest: Sha256::digest(format!("payload {i}")).into(),
        personal_data,
    }
}

/// Encoded sample entries `0..n`.
pub fn sample_entries(n: u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| sample_entry(i).encode().expect("sample entries are valid"))
        .collect()
}

/// The version-2 counterpart of [`sample_entry`]: the same entry with a
/// channel (`session`, `token:<id>`, `cli:<os user>` in turn).
pub fn sample_entry_v2(i: u64) -> Entry {
    let channel = match i % 3 {
        0 => "session".to_owned(),
        1 => format!("token:tok-{:04}", i % 97),
        _ => format!("cli:operator{}", i % 5),
    };
    Entry {
        channel: Some(channel),
        ..sample_entry(i)
    }
}

/// Encoded entries `0..n` of a log that moved to version 2 halfway: the
/// first `n / 2` are version 1, the rest version 2.
pub fn mixed_entries(n: u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let e = if i < n / 2 {
                sample_entry(i)
            } else {
                sample_entry_v2(i)
            };
            e.encode().expect("sample entries are valid")
        })
        .collect()
}

/// A memory log over the given encoded entries.
pub fn build_log(entries: &[Vec<u8>]) -> MemoryLog {
    let mut log = MemoryLog::new();
    for e in entries {
        log.append(e).expect("append");
    }
    log
}
