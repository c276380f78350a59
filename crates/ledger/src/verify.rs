//! Full verification of a log, as an oversight body would run it.
//!
//! [`verify_log`] takes every entry in order, the operator's stored hashes, a
//! signed checkpoint and the log's public key. It recomputes the whole tree
//! from the entries, compares every stored hash with the recomputed one,
//! compares the root with the checkpoint, checks the checkpoint's signature,
//! and optionally checks older checkpoints against the same tree. The first
//! problem found is reported, naming the entry index where there is one.
//!
//! Cost: two SHA-256 compressions per entry plus one decode; hashes are read
//! from the [`HashReader`] in large contiguous batches.

use crate::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint, open_checkpoint};
use crate::entry::{Entry, EntryError};
use crate::note::NoteVerifier;
use crate::tlog::{
    Error, Hash, HashReader, check_tree, empty_tree_hash, leaf_hash, node_hash, read_exact,
    stored_hash_count,
};

/// Records per batch read from the hash reader.
const BATCH: u64 = 1 << 16;

/// Why a log failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The checkpoint does not open (bad signature, wrong key, malformed).
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint's size differs from the number of entries given.
    #[error("checkpoint covers {checkpoint} entries but {entries} were given")]
    SizeMismatch {
        /// Size in the checkpoint.
        checkpoint: u64,
        /// Entries given.
        entries: u64,
    },
    /// Entry `index` does not decode.
    #[error("entry {index} does not decode: {error}")]
    EntryDecode {
        /// Entry index.
        index: u64,
        /// The decode error.
        error: EntryError,
    },
    /// Entry `index` carries another sequence number.
    #[error("entry {index} carries sequence number {found}")]
    SequenceMismatch {
        /// Entry index.
        index: u64,
        /// Sequence number in the entry.
        found: u64,
    },
    /// The stored leaf hash of entry `index` differs from the entry's hash.
    #[error("entry {index}: stored leaf hash does not match the entry")]
    EntryHashMismatch {
        /// Entry index.
        index: u64,
    },
    /// A stored interior hash completed by entry `index` differs from the
    /// recomputed one.
    #[error("entry {index}: stored hash at level {level} does not match")]
    StoredHashMismatch {
        /// The entry that completes the subtree.
        index: u64,
        /// Tree level of the hash.
        level: u8,
    },
    /// Reading stored hashes for the batch starting at entry `index` failed.
    #[error("reading stored hashes from entry {index}: {error}")]
    Storage {
        /// First entry of the batch.
        index: u64,
        /// The reader's error.
        error: Error,
    },
    /// The recomputed root differs from the checkpoint's root.
    #[error("tree of size {size} does not have the checkpoint's root hash")]
    RootMismatch {
        /// Tree size.
        size: u64,
    },
    /// An older checkpoint is not a prefix of this log.
    #[error("older checkpoint of size {size} is inconsistent with the log")]
    OlderCheckpointMismatch {
        /// Its size.
        size: u64,
    },
    /// An older checkpoint claims more entries than the log has.
    #[error("older checkpoint of size {size} is larger than the log")]
    OlderCheckpointTooLarge {
        /// Its size.
        size: u64,
    },
    /// Two checkpoints are for different logs.
    #[error("checkpoints have different origins")]
    OriginMismatch,
    /// A consistency proof does not verify.
    #[error("consistency proof from size {old} to {new} does not verify")]
    InconsistentCheckpoints {
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
    },
}

impl VerifyError {
    /// The first bad entry index, where the error names one. For
    /// [`VerifyError::SizeMismatch`] with fewer entries than the checkpoint
    /// this is the first missing entry.
    pub fn index(&self) -> Option<u64> {
        match self {
            VerifyError::EntryDecode { index, .. }
            | VerifyError::SequenceMismatch { index, .. }
            | VerifyError::EntryHashMismatch { index }
            | VerifyError::StoredHashMismatch { index, .. }
            | VerifyError::Storage { index, .. } => Some(*index),
            VerifyError::SizeMismatch {
                checkpoint,
                entries,
            } => Some((*checkpoint).min(*entries)),
            _ => None,
        }
    }
}

/// The outcome of [`recompute_tree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeSummary {
    /// Number of leaves.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// Root hashes at the requested intermediate sizes, in the order asked.
    pub roots_at: Vec<(u64, Hash)>,
}

/// Folds the right-edge subtree roots (left to right) into the tree root.
fn fold(stack: &[Hash]) -> Hash {
    match stack.split_last() {
        None => empty_tree_hash(),
        Some((last, rest)) => rest.iter().rev().fold(*last, |h, l| node_hash(l, &h)),
    }
}

/// Recomputes the tree over `leaves` (raw record bytes) and checks every
/// stored hash in `stored` against it. Also returns the root at each size in
/// `sizes_wanted` (each at most `leaves.len()`).
///
/// `check_leaf` runs on each record before hashing; the first error wins.
pub fn recompute_tree<E, R, F>(
    leaves: &[E],
    stored: &R,
    sizes_wanted: &[u64],
    mut check_leaf: F,
) -> Result<TreeSummary, VerifyError>
where
    E: AsRef<[u8]>,
    R: HashReader + ?Sized,
    F: FnMut(u64, &[u8]) -> Result<(), VerifyError>,
{
    let n = leaves.len() as u64;
    let mut roots_at: Vec<(u64, Hash)> = Vec::with_capacity(sizes_wanted.len());
    let mut wanted: Vec<u64> = sizes_wanted.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    if let Some(&too_big) = wanted.iter().find(|&&s| s > n) {
        return Err(VerifyError::OlderCheckpointTooLarge { size: too_big });
    }
    let mut found: Vec<(u64, Hash)> = Vec::with_capacity(wanted.len());
    let mut next_wanted = 0usize;
    if wanted.first() == Some(&0) {
        found.push((0, empty_tree_hash()));
        next_wanted = 1;
    }
    let mut stack: Vec<Hash> = Vec::with_capacity(64);
    let mut indexes: Vec<u64> = Vec::new();
    let mut start = 0u64;
    while start < n {
        let end = n.min(start + BATCH);
        let lo = stored_hash_count(start);
        let hi = stored_hash_count(end);
        indexes.clear();
        indexes.extend(lo..hi);
        let hashes = read_exact(stored, &indexes).map_err(|error| VerifyError::Storage {
            index: start,
            error,
        })?;
        let mut pos = 0usize;
        for (i, leaf) in (start..end).zip(leaves.iter().skip(start as usize)) {
            let leaf = leaf.as_ref();
            check_leaf(i, leaf)?;
            let mut h = leaf_hash(leaf);
            if hashes.get(pos) != Some(&h) {
                return Err(VerifyError::EntryHashMismatch { index: i });
            }
            pos += 1;
            let mut m = i;
            let mut level = 0u8;
            while m & 1 == 1 {
                let Some(left) = stack.pop() else {
                    // Cannot happen: bit `level` of i set means a left
                    // sibling was pushed. Report rather than panic.
                    return Err(VerifyError::StoredHashMismatch { index: i, level });
                };
                h = node_hash(&left, &h);
                level += 1;
                if hashes.get(pos) != Some(&h) {
                    return Err(VerifyError::StoredHashMismatch { index: i, level });
                }
                pos += 1;
                m >>= 1;
            }
            stack.push(h);
            while wanted.get(next_wanted) == Some(&(i + 1)) {
                found.push((i + 1, fold(&stack)));
                next_wanted += 1;
            }
        }
        start = end;
    }
    for &s in sizes_wanted {
        if let Some(&(_, h)) = found.iter().find(|(size, _)| *size == s) {
            roots_at.push((s, h));
        }
    }
    Ok(TreeSummary {
        size: n,
        root: fold(&stack),
        roots_at,
    })
}

/// Verifies a whole log: every entry (encoded, in order), every stored hash,
/// the signed checkpoint `checkpoint_note` under `log_key` (whose origin must
/// be the key name), and each signed note in `older_checkpoints` (same key)
/// as a prefix of the same tree.
///
/// Each entry must decode and carry its index as sequence number. Returns
/// the opened checkpoint.
pub fn verify_log<E, R>(
    entries: &[E],
    stored: &R,
    checkpoint_note: &[u8],
    log_key: &NoteVerifier,
    older_checkpoints: &[&[u8]],
) -> Result<SignedCheckpoint, VerifyError>
where
    E: AsRef<[u8]>,
    R: HashReader + ?Sized,
{
    let signed = open_checkpoint(checkpoint_note, log_key, None)?;
    let size = signed.checkpoint.size;
    if size != entries.len() as u64 {
        return Err(VerifyError::SizeMismatch {
            checkpoint: size,
            entries: entries.len() as u64,
        });
    }
    let mut older: Vec<Checkpoint> = Vec::with_capacity(older_checkpoints.len());
    for note in older_checkpoints {
        let o = open_checkpoint(note, log_key, None)?;
        if o.checkpoint.size > size {
            return Err(VerifyError::OlderCheckpointTooLarge {
                size: o.checkpoint.size,
            });
        }
        older.push(o.checkpoint);
    }
    let sizes: Vec<u64> = older.iter().map(|c| c.size).collect();
    let summary = recompute_tree(entries, stored, &sizes, |i, bytes| {
        let e =
            Entry::decode(bytes).map_err(|error| VerifyError::EntryDecode { index: i, error })?;
        if e.seq != i {
            return Err(VerifyError::SequenceMismatch {
                index: i,
                found: e.seq,
            });
        }
        Ok(())
    })?;
    if summary.root != signed.checkpoint.root {
        return Err(VerifyError::RootMismatch { size });
    }
    for o in &older {
        let ok = summary
            .roots_at
            .iter()
            .any(|(s, h)| *s == o.size && *h == o.root);
        if !ok {
            return Err(VerifyError::OlderCheckpointMismatch { size: o.size });
        }
    }
    Ok(signed)
}

/// Checks that `older` is a prefix of `newer` with the consistency `proof`
/// (RFC 9162 §2.1.4.2). Both checkpoints must have the same origin; their
/// signatures are the caller's business (see [`open_checkpoint`]).
pub fn verify_checkpoint_consistency(
    older: &Checkpoint,
    newer: &Checkpoint,
    proof: &[Hash],
) -> Result<(), VerifyError> {
    if older.origin != newer.origin {
        return Err(VerifyError::OriginMismatch);
    }
    check_tree(proof, newer.size, &newer.root, older.size, &older.root).map_err(|_| {
        VerifyError::InconsistentCheckpoints {
            old: older.size,
            new: newer.size,
        }
    })
}
