//! `ledger`: the tamper-evident audit log of cortina.
//!
//! Every decision the system takes (who did what, to which resource, under
//! which policies, allowed or denied) becomes an [`Entry`], encoded
//! canonically ([`entry`] documents the byte layout) and appended to a Merkle
//! log. The log follows the public transparency-log standards so that an
//! oversight body can verify it afterwards with independent tools, without
//! trusting the operators:
//!
//! * [`tlog`]: RFC 6962 / RFC 9162 tree hashing, the stored-hash layout of
//!   Go's `sumdb/tlog`, inclusion and consistency proofs, and the RFC 9162
//!   verifiers written step by step;
//! * [`tile`]: C2SP `tlog-tiles` paths, tile contents and entry bundles;
//! * [`note`], [`checkpoint`]: C2SP `signed-note` and `tlog-checkpoint`
//!   with Ed25519 keys, room for witness cosignatures;
//! * [`cosignature`]: C2SP `tlog-cosignature` (Ed25519 `cosignature/v1`)
//!   and the witness's plain note signature that Go's `sumdb/note` checks;
//! * [`witness`]: C2SP `tlog-witness` `add-checkpoint`: the request and the
//!   witness's decision (cosign, or refuse a fork, a smaller tree, another
//!   key);
//! * [`verify`]: full recomputation of a log against its stored hashes and
//!   signed checkpoints, naming the first bad entry.
//!
//! The crate is pure: no file, network or database access. Storage plugs in
//! through [`HashReader`]; [`MemoryLog`] is the in-memory implementation.
//!
//! # Independent checks
//!
//! * `tests/differential.rs` compares hashes, proofs, tiles and signed notes
//!   with the `tlog_tiles` and `signed_note` crates (ports of Go's code);
//! * `scripts/go-crosscheck.sh` (repository root) checks vectors written by
//!   the `go_vectors` example with Go's own `sumdb/tlog` and `sumdb/note`;
//! * `tests/golden/` holds a signed 20-entry log every version must verify;
//! * `cargo run --release -p ledger --example bench` times verification and
//!   proof generation.

pub mod checkpoint;
pub mod cosignature;
pub mod entry;
pub mod note;
pub mod tile;
pub mod tlog;
pub mod verify;
pub mod witness;

pub use checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint, open_checkpoint};
pub use cosignature::{CosignatureError, CosignatureVerifier, Cosigner, Witnessed, open_witnessed};
pub use entry::{
    Decision, ENTRY_VERSION, ENTRY_VERSION_V1, Entry, EntryError, Resource, commit,
    verify_commitment,
};
pub use note::{Note, NoteError, NoteSignature, NoteSigner, NoteVerifier, open_note, sign_note};
pub use tile::{Tile, TileError, TileLevel};
pub use tlog::{
    Error, HASH_SIZE, Hash, HashReader, MemoryLog, RecordProof, TreeProof, check_record,
    check_tree, leaf_hash, node_hash, prove_record, prove_tree, split_stored_hash_index,
    stored_hash_count, stored_hash_index, stored_hashes_for_record, tree_hash, verify_consistency,
    verify_inclusion,
};
pub use verify::{VerifyError, verify_checkpoint_consistency, verify_log};
