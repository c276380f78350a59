//! Property tests: every inclusion and consistency proof our prover makes
//! verifies with the RFC 9162 verifiers, and every tampered one fails.

use std::sync::OnceLock;

use ledger::{
    Hash, MemoryLog, check_record, check_tree, leaf_hash, prove_record, prove_tree, tree_hash,
    verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

const MAX: u64 = 3000;

fn log() -> &'static MemoryLog {
    static LOG: OnceLock<MemoryLog> = OnceLock::new();
    LOG.get_or_init(|| {
        let mut l = MemoryLog::new();
        for i in 0..MAX {
            l.append(&i.to_be_bytes()).unwrap();
        }
        l
    })
}

fn leaf(i: u64) -> Hash {
    leaf_hash(&i.to_be_bytes())
}

fn root(t: u64) -> Hash {
    tree_hash(t, log()).unwrap()
}

fn flip(p: &mut [Hash], which: usize, byte: usize, bit: u8) {
    let k = which % p.len();
    p[k].0[byte % 32] ^= 1 << (bit % 8);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn inclusion(t in 1..=MAX, n_frac in 0.0f64..1.0, which in any::<usize>(),
                 byte in any::<usize>(), bit in any::<u8>(), other in any::<u64>()) {
        let n = ((t as f64) * n_frac) as u64 % t;
        let th = root(t);
        let p = prove_record(t, n, log()).unwrap();
        prop_assert!(verify_inclusion(n, t, &leaf(n), &p, &th));
        prop_assert!(check_record(&p, t, &th, n, &leaf(n)).is_ok());
        // Wrong leaf.
        prop_assert!(!verify_inclusion(n, t, &leaf(n + 1), &p, &th));
        // Wrong root.
        if t > 1 {
            prop_assert!(!verify_inclusion(n, t, &leaf(n), &p, &root(t - 1)));
        }
        // Flipped bit in the proof.
        if !p.is_empty() {
            let mut q = p.clone();
            flip(&mut q, which, byte, bit);
            prop_assert!(!verify_inclusion(n, t, &leaf(n), &q, &th));
        }
        // Wrong index (same leaf hash, same proof).
        let n2 = other % t;
        if n2 != n {
            prop_assert!(!verify_inclusion(n2, t, &leaf(n), &p, &th));
        }
        // Wrong size: a tree head of another size (and so its root). The
        // size alone is not bound by the proof: it is bound to the root by
        // the signed checkpoint.
        let t2 = 1 + other % MAX;
        if t2 != t {
            prop_assert!(!verify_inclusion(n, t2, &leaf(n), &p, &root(t2)));
        }
        // Truncated / extended proof.
        if !p.is_empty() {
            prop_assert!(!verify_inclusion(n, t, &leaf(n), &p[..p.len() - 1], &th));
        }
        let mut longer = p.clone();
        longer.push(th);
        prop_assert!(!verify_inclusion(n, t, &leaf(n), &longer, &th));
    }

    #[test]
    fn consistency(t in 1..=MAX, m_frac in 0.0f64..1.0, which in any::<usize>(),
                   byte in any::<usize>(), bit in any::<u8>(), other in any::<u64>()) {
        let m = 1 + ((t as f64) * m_frac) as u64 % t;
        let (th, mh) = (root(t), root(m));
        let p = prove_tree(t, m, log()).unwrap();
        prop_assert!(check_tree(&p, t, &th, m, &mh).is_ok());
        if m < t {
            prop_assert!(verify_consistency(m, t, &mh, &th, &p));
            // Wrong old root / new root.
            prop_assert!(!verify_consistency(m, t, &root(t), &th, &p));
            prop_assert!(!verify_consistency(m, t, &mh, &mh, &p));
            // Flipped bit.
            let mut q = p.clone();
            flip(&mut q, which, byte, bit);
            prop_assert!(!verify_consistency(m, t, &mh, &th, &q));
            // Wrong sizes.
            // Wrong sizes, with the tree heads of those sizes.
            let m2 = 1 + other % (t - 1);
            if m2 != m {
                prop_assert!(!verify_consistency(m2, t, &root(m2), &th, &p));
            }
            let t2 = m + 1 + other % (MAX - m);
            if t2 != t {
                prop_assert!(!verify_consistency(m, t2, &mh, &root(t2), &p));
            }
            // Truncated / extended.
            prop_assert!(!verify_consistency(m, t, &mh, &th, &p[..p.len() - 1]));
            let mut longer = p.clone();
            longer.push(th);
            prop_assert!(!verify_consistency(m, t, &mh, &th, &longer));
        } else {
            prop_assert!(p.is_empty());
            prop_assert!(check_tree(&[th], t, &th, m, &mh).is_err());
        }
    }
}

#[test]
fn argument_errors() {
    assert!(prove_record(5, 5, log()).is_err());
    assert!(prove_tree(5, 0, log()).is_err());
    assert!(prove_tree(5, 6, log()).is_err());
    // Reading past the stored hashes is an error, not a panic.
    assert!(tree_hash(MAX + 1, log()).is_err());
    assert!(prove_record(MAX + 10, 0, log()).is_err());
    assert!(!verify_inclusion(0, 0, &leaf(0), &[], &root(1)));
    assert!(verify_inclusion(0, 1, &leaf(0), &[], &root(1)));
    assert!(!verify_consistency(0, 1, &root(1), &root(1), &[root(1)]));
    assert!(!verify_consistency(2, 2, &root(2), &root(2), &[]));
}
