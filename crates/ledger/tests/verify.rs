//! Whole-log verification and tamper detection.

mod common;

use common::{TEST_ORIGIN, build_log, sample_entries, sample_entry, test_signer};
use ledger::verify::recompute_tree;
use ledger::{
    Checkpoint, Hash, NoteSigner, VerifyError, leaf_hash, prove_tree,
    verify_checkpoint_consistency, verify_log,
};
use proptest::prelude::*;

const N: u64 = 300;

fn setup(n: u64) -> (Vec<Vec<u8>>, Vec<Hash>, String) {
    let entries = sample_entries(n);
    let log = build_log(&entries);
    let cp = Checkpoint::new(TEST_ORIGIN, n, log.root().unwrap());
    let note = cp.sign(&[&test_signer()]).unwrap();
    (entries, log.stored_hashes().to_vec(), note)
}

fn verify(entries: &[Vec<u8>], hashes: &[Hash], note: &str) -> Result<(), VerifyError> {
    verify_log(
        entries,
        hashes,
        note.as_bytes(),
        &test_signer().verifier(),
        &[],
    )
    .map(|_| ())
}

#[test]
fn good_log_verifies() {
    for n in [0, 1, 2, 3, 255, 256, 257, N] {
        let (e, h, note) = setup(n);
        verify(&e, &h, &note).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn changed_byte_names_the_entry(k in 0..N, pos in any::<usize>(), bit in 0u8..8) {
        let (mut e, h, note) = setup(N);
        let p = pos % e[k as usize].len();
        e[k as usize][p] ^= 1 << bit;
        let err = verify(&e, &h, &note).unwrap_err();
        prop_assert_eq!(err.index(), Some(k), "{:?}", err);
    }

    #[test]
    fn dropped_entry_names_the_index(k in 0..N) {
        let (mut e, h, note) = setup(N);
        e.remove(k as usize);
        let err = verify(&e, &h, &note).unwrap_err();
        // Either the size check (dropping shortens the log) or, with the
        // size fixed up by a forged checkpoint, the first shifted entry.
        prop_assert_eq!(err.index(), Some(N - 1), "{:?}", err);
        let forged = Checkpoint::new(TEST_ORIGIN, N - 1, Hash::default());
        let forged = forged.sign(&[&test_signer()]).unwrap();
        let err = verify(&e, &h, &forged).unwrap_err();
        if k == N - 1 {
            // Dropping the last entry leaves a genuine shorter log: only the forged root is wrong.
            prop_assert!(matches!(err, VerifyError::RootMismatch { size } if size == N - 1), "{:?}", err);
        } else {
            prop_assert_eq!(err.index(), Some(k), "{:?}", err);
        }
    }

    #[test]
    fn reordered_entries_name_the_first(i in 0..N, j in 0..N) {
        prop_assume!(i != j);
        let (mut e, h, note) = setup(N);
        e.swap(i as usize, j as usize);
        let err = verify(&e, &h, &note).unwrap_err();
        prop_assert_eq!(err.index(), Some(i.min(j)), "{:?}", err);
    }

    #[test]
    fn tampered_stored_hash_is_found(idx in 0..ledger::stored_hash_count(N)) {
        let (e, mut h, note) = setup(N);
        h[idx as usize].0[0] ^= 1;
        let err = verify(&e, &h, &note).unwrap_err();
        let (level, k) = ledger::split_stored_hash_index(idx);
        // The entry that completes subtree (level, k) is its last one.
        let completing = ((k + 1) << level) - 1;
        prop_assert_eq!(err.index(), Some(completing), "{:?}", err);
    }
}

#[test]
fn wrong_key_fails() {
    let (e, h, note) = setup(N);
    let other = NoteSigner::from_seed(TEST_ORIGIN, &[42; 32]).unwrap();
    let err = verify_log(&e, &h, note.as_bytes(), &other.verifier(), &[]).unwrap_err();
    assert!(matches!(err, VerifyError::Checkpoint(_)), "{err:?}");
    // A checkpoint signed by another key with the same name.
    let cp = Checkpoint::new(TEST_ORIGIN, N, Hash::default());
    let forged = cp.sign(&[&other]).unwrap();
    assert!(matches!(
        verify(&e, &h, &forged),
        Err(VerifyError::Checkpoint(_))
    ));
}

#[test]
fn rewritten_history_fails_on_root() {
    // An operator rewrites entry 10 and recomputes every stored hash: the
    // signed root no longer matches.
    let (mut e, _, note) = setup(N);
    let mut x = sample_entry(10);
    x.actor_agency = "XX-ROGUE".into();
    e[10] = x.encode().unwrap();
    let h = build_log(&e).stored_hashes().to_vec();
    assert_eq!(
        verify(&e, &h, &note),
        Err(VerifyError::RootMismatch { size: N })
    );
}

#[test]
fn wrong_sequence_number() {
    let (mut e, h, note) = setup(N);
    let mut x = sample_entry(20);
    x.seq = 21;
    e[20] = x.encode().unwrap();
    assert_eq!(
        verify(&e, &h, &note),
        Err(VerifyError::SequenceMismatch {
            index: 20,
            found: 21
        })
    );
}

#[test]
fn missing_stored_hashes() {
    let (e, h, note) = setup(N);
    let err = verify(&e, &h[..h.len() - 1], &note).unwrap_err();
    assert!(matches!(err, VerifyError::Storage { .. }), "{err:?}");
}

#[test]
fn older_checkpoints() {
    let (e, h, note) = setup(N);
    let signer = test_signer();
    let old_root = ledger::tree_hash(100, h.as_slice()).unwrap();
    let old = Checkpoint::new(TEST_ORIGIN, 100, old_root)
        .sign(&[&signer])
        .unwrap();
    let key = signer.verifier();
    verify_log(&e, &h, note.as_bytes(), &key, &[old.as_bytes()]).unwrap();
    // An older checkpoint of a forked history.
    let forked = Checkpoint::new(TEST_ORIGIN, 100, leaf_hash(b"fork"))
        .sign(&[&signer])
        .unwrap();
    assert_eq!(
        verify_log(&e, &h, note.as_bytes(), &key, &[forked.as_bytes()]).unwrap_err(),
        VerifyError::OlderCheckpointMismatch { size: 100 }
    );
    let too_big = Checkpoint::new(TEST_ORIGIN, N + 1, old_root)
        .sign(&[&signer])
        .unwrap();
    assert!(matches!(
        verify_log(&e, &h, note.as_bytes(), &key, &[too_big.as_bytes()]),
        Err(VerifyError::OlderCheckpointTooLarge { .. })
    ));
    // Proof-based consistency between checkpoints.
    let new_cp = Checkpoint::new(TEST_ORIGIN, N, ledger::tree_hash(N, h.as_slice()).unwrap());
    let old_cp = Checkpoint::new(TEST_ORIGIN, 100, old_root);
    let proof = prove_tree(N, 100, h.as_slice()).unwrap();
    verify_checkpoint_consistency(&old_cp, &new_cp, &proof).unwrap();
    let bad_old = Checkpoint::new(TEST_ORIGIN, 100, leaf_hash(b"fork"));
    assert!(verify_checkpoint_consistency(&bad_old, &new_cp, &proof).is_err());
}

#[test]
fn recompute_reports_roots() {
    let (e, h, _) = setup(N);
    let s = recompute_tree(&e, h.as_slice(), &[0, 1, 77, N], |_, _| Ok(())).unwrap();
    assert_eq!(s.roots_at.len(), 4);
    for (size, root) in s.roots_at {
        assert_eq!(root, ledger::tree_hash(size, h.as_slice()).unwrap());
    }
}
