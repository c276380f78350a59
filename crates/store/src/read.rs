//! Reading the ledger back: checkpoints, stored hashes, inclusion and
//! consistency proofs, C2SP tiles and entry bundles, and full verification.
//!
//! Stored hashes live in the `hashes` column of the entry that completes
//! them (see the migration), so hash `(level, k)` is found in row
//! `((k + 1) << level) - 1` at offset `32 · level`. A proof needs one query
//! for all its hashes: the ledger crate's algorithms ask for every index at
//! once, so [`Store::with_hashes`] first records which indexes an algorithm
//! reads, fetches them in one round trip, then runs it for real.

use std::cell::RefCell;
use std::collections::HashMap;

use ledger::tile::{TileLevel, encode_entry_bundle};
use ledger::{Hash, HashReader, NoteVerifier, SignedCheckpoint, Tile, split_stored_hash_index};
use sqlx::{AssertSqlSafe, Row as _};

use crate::{Store, StoreError};

/// Rows fetched per query when scanning the whole log.
const SCAN_CHUNK: u64 = 1 << 16;
/// Most placeholders in one `IN (…)` list.
const IN_CHUNK: usize = 500;
/// Stored hashes at this tree level and above are cached in memory.
const UPPER_LEVEL: usize = 8;
/// At most this many cached hashes (about 64 MiB with the map's overhead;
/// a log of 4·10⁸ entries).
const UPPER_CACHE_MAX: usize = 3 << 20;

/// Counts for `cortina ledger status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerStats {
    /// Entries in the log.
    pub size: u64,
    /// The latest signed checkpoint.
    pub checkpoint: String,
}

/// The outcome of a successful verification.
#[derive(Clone, Debug)]
pub struct VerifyReport {
    /// The verified checkpoint.
    pub checkpoint: SignedCheckpoint,
    /// Sizes of the older checkpoints shown consistent with it.
    pub consistent_with: Vec<u64>,
}

/// Why verification failed: the first bad entry, where there is one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct VerifyFailure {
    /// The first bad entry index, if the failure is about an entry.
    pub index: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl VerifyFailure {
    fn at(index: u64, message: impl Into<String>) -> Self {
        VerifyFailure {
            index: Some(index),
            message: message.into(),
        }
    }

    fn general(message: impl Into<String>) -> Self {
        VerifyFailure {
            index: None,
            message: message.into(),
        }
    }
}

/// Records the indexes an algorithm reads, answering with zero hashes.
struct Recorder(RefCell<Vec<u64>>);

impl HashReader for Recorder {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ledger::Error> {
        self.0.borrow_mut().extend_from_slice(indexes);
        Ok(vec![Hash([0; 32]); indexes.len()])
    }
}

/// Answers from hashes fetched beforehand.
struct Fetched(HashMap<u64, Hash>);

impl HashReader for Fetched {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ledger::Error> {
        indexes
            .iter()
            .map(|i| self.0.get(i).copied().ok_or(ledger::Error::MissingHash(*i)))
            .collect()
    }
}

fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::OutOfRange(format!("{v} is out of range")))
}

impl Store {
    /// The latest signed checkpoint (a C2SP signed note).
    pub async fn checkpoint(&self) -> Result<String, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT checkpoint FROM ledger_head WHERE id = 1")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Number of entries and the latest checkpoint, read together.
    pub async fn ledger_stats(&self) -> Result<LedgerStats, StoreError> {
        let row = sqlx::query("SELECT size, checkpoint FROM ledger_head WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        let size: i64 = row.try_get(0)?;
        Ok(LedgerStats {
            size: u64::try_from(size).map_err(|_| StoreError::Ledger("negative size".into()))?,
            checkpoint: row.try_get(1)?,
        })
    }

    /// The log size this process knows to be committed (at least).
    pub fn committed_size(&self) -> u64 {
        self.inner
            .committed
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// The stored hashes at `indexes` (Go sumdb storage indexes), in order.
    pub async fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let map = self.fetch_hashes(indexes).await?;
        indexes
            .iter()
            .map(|i| {
                map.get(i).copied().ok_or_else(|| {
                    StoreError::OutOfRange(format!("stored hash {i} does not exist"))
                })
            })
            .collect()
    }

    async fn fetch_hashes(&self, indexes: &[u64]) -> Result<HashMap<u64, Hash>, StoreError> {
        let mut out = HashMap::with_capacity(indexes.len());
        // Which row holds each index, and where in its blob.
        let mut wanted: HashMap<u64, Vec<(u64, usize)>> = HashMap::new();
        {
            let cache = self
                .inner
                .upper_hashes
                .read()
                .unwrap_or_else(|p| p.into_inner());
            for &i in indexes {
                if let Some(h) = cache.get(&i) {
                    out.insert(i, *h);
                }
            }
        }
        for &i in indexes {
            if out.contains_key(&i) {
                continue;
            }
            let (level, k) = split_stored_hash_index(i);
            let seq = ((k + 1) << level) - 1;
            wanted
                .entry(seq)
                .or_default()
                .push((i, usize::from(level) * 32));
        }
        let seqs: Vec<u64> = wanted.keys().copied().collect();
        let mut upper = Vec::new();
        for chunk in seqs.chunks(IN_CHUNK) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|p| format!("${p}")).collect();
            let sql = format!(
                "SELECT seq, hashes FROM ledger_entries WHERE seq IN ({})",
                placeholders.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for &s in chunk {
                q = q.bind(to_i64(s)?);
            }
            for row in q.fetch_all(self.pool()).await? {
                let seq: i64 = row.try_get(0)?;
                let blob: Vec<u8> = row.try_get(1)?;
                let seq = seq as u64;
                for &(index, at) in wanted.get(&seq).map(Vec::as_slice).unwrap_or(&[]) {
                    let h: [u8; 32] = blob
                        .get(at..at + 32)
                        .and_then(|b| b.try_into().ok())
                        .ok_or_else(|| {
                            StoreError::Ledger(format!("entry {seq}: stored hashes are truncated"))
                        })?;
                    out.insert(index, Hash(h));
                    if at >= UPPER_LEVEL * 32 {
                        upper.push((index, Hash(h)));
                    }
                }
            }
        }
        if !upper.is_empty() {
            let mut cache = self
                .inner
                .upper_hashes
                .write()
                .unwrap_or_else(|p| p.into_inner());
            if cache.len() < UPPER_CACHE_MAX {
                cache.extend(upper);
            }
        }
        Ok(out)
    }

    /// Loads every stored hash at tree level ≥ 8 into memory (one row in 256
    /// holds them), so that proofs and tiles afterwards read only low-level
    /// hashes from the database. A server calls this once at start; it
    /// costs one indexed read per 256 entries. Returns how many hashes are
    /// cached.
    pub async fn warm_proof_cache(&self) -> Result<usize, StoreError> {
        let size = self.ledger_stats().await?.size;
        let step = 1u64 << UPPER_LEVEL;
        let mut indexes = Vec::new();
        let mut seq = step - 1;
        while seq < size {
            // Row `seq` completes levels 0..=trailing_ones(seq); keep ≥ 8.
            let top = seq.trailing_ones() as u8;
            for level in UPPER_LEVEL as u8..=top {
                indexes.push(ledger::stored_hash_index(level, seq >> level));
            }
            seq += step;
            if indexes.len() >= 4096 {
                self.fetch_hashes(&indexes).await?;
                indexes.clear();
            }
        }
        self.fetch_hashes(&indexes).await?;
        Ok(self
            .inner
            .upper_hashes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .len())
    }

    /// Runs a ledger algorithm over the stored hashes with one database round
    /// trip: a first pass records the indexes it reads (they depend only on
    /// the sizes, never on hash values), then the real pass gets them.
    pub async fn with_hashes<T>(
        &self,
        f: impl Fn(&dyn HashReader) -> Result<T, ledger::Error>,
    ) -> Result<T, StoreError> {
        let recorder = Recorder(RefCell::new(Vec::new()));
        f(&recorder).map_err(|e| StoreError::OutOfRange(e.to_string()))?;
        let indexes = recorder.0.into_inner();
        let fetched = Fetched(self.fetch_hashes(&indexes).await?);
        f(&fetched).map_err(|e| StoreError::Ledger(e.to_string()))
    }

    async fn require_size(&self, size: u64) -> Result<(), StoreError> {
        // The size this process committed is a lower bound; ask the
        // database only when the caller wants more (another process wrote).
        if size <= self.committed_size() {
            return Ok(());
        }
        let current = self.ledger_stats().await?.size;
        self.inner
            .committed
            .fetch_max(current, std::sync::atomic::Ordering::AcqRel);
        if size > current {
            return Err(StoreError::OutOfRange(format!(
                "tree size {size} is beyond the log's {current} entries"
            )));
        }
        Ok(())
    }

    /// The root hash of the tree of the first `size` entries.
    pub async fn root_at(&self, size: u64) -> Result<Hash, StoreError> {
        self.require_size(size).await?;
        self.with_hashes(|r| ledger::tree_hash(size, r)).await
    }

    /// Inclusion proof of entry `index` in the tree of `size` entries, with
    /// that tree's root and the entry's leaf hash.
    pub async fn prove_inclusion(
        &self,
        index: u64,
        size: u64,
    ) -> Result<(Vec<Hash>, Hash, Hash), StoreError> {
        if index >= size {
            return Err(StoreError::OutOfRange(format!(
                "entry {index} is not in a tree of {size} entries"
            )));
        }
        self.require_size(size).await?;
        let leaf_index = ledger::stored_hash_index(0, index);
        self.with_hashes(|r| {
            let proof = ledger::prove_record(size, index, r)?;
            let root = ledger::tree_hash(size, r)?;
            let leaf = r
                .read_hashes(&[leaf_index])?
                .first()
                .copied()
                .ok_or(ledger::Error::MissingHash(leaf_index))?;
            Ok((proof, root, leaf))
        })
        .await
    }

    /// Consistency proof from the tree of `old` entries to the tree of `new`,
    /// with both roots.
    pub async fn prove_consistency(
        &self,
        old: u64,
        new: u64,
    ) -> Result<(Vec<Hash>, Hash, Hash), StoreError> {
        if old == 0 || old > new {
            return Err(StoreError::OutOfRange(format!(
                "a consistency proof needs 0 < old size ≤ new size (got {old} and {new})"
            )));
        }
        self.require_size(new).await?;
        self.with_hashes(|r| {
            let proof = ledger::prove_tree(new, old, r)?;
            Ok((
                proof,
                ledger::tree_hash(old, r)?,
                ledger::tree_hash(new, r)?,
            ))
        })
        .await
    }

    /// Entries `[start, end)` in their canonical encoding.
    pub async fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, entry FROM ledger_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq",
        )
        .bind(to_i64(start)?)
        .bind(to_i64(end)?)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (expected, row) in (start..).zip(rows) {
            let seq: i64 = row.try_get(0)?;
            if seq as u64 != expected {
                return Err(StoreError::Ledger(format!("entry {expected} is missing")));
            }
            out.push(row.try_get(1)?);
        }
        if (out.len() as u64) != end.saturating_sub(start) {
            return Err(StoreError::Ledger(format!(
                "entry {} is missing",
                start + out.len() as u64
            )));
        }
        Ok(out)
    }

    /// The bytes of a C2SP tile or entry bundle, as `/ledger/tile/…` serves
    /// them. Only tiles within the latest checkpoint exist.
    pub async fn tile(&self, tile: &Tile) -> Result<Vec<u8>, StoreError> {
        let size = self.ledger_stats().await?.size;
        // Checked arithmetic (Tile::positions): an index near u64::MAX once wrapped around
        // to the first bundle.
        let beyond = || {
            StoreError::OutOfRange(format!(
                "{} is beyond the log's {size} entries",
                tile.path()
            ))
        };
        let positions = tile.positions().ok_or_else(beyond)?;
        if positions.end > size {
            return Err(beyond());
        }
        match tile.level {
            TileLevel::Entries => {
                let entries = self.entries(positions.start, positions.end).await?;
                encode_entry_bundle(&entries).map_err(|e| StoreError::Ledger(e.to_string()))
            }
            TileLevel::Hashes(_) => {
                // Hashes at tree level 8·L, index N·256 + i: the tile exists if
                // its last hash is complete in the current tree.
                let indexes = tile
                    .hash_indexes()
                    .map_err(|e| StoreError::OutOfRange(e.to_string()))?;
                let hashes = self.read_hashes(&indexes).await?;
                Ok(hashes.iter().flat_map(|h| h.0).collect())
            }
        }
    }

    /// Verifies the whole ledger as an oversight body would: recomputes the
    /// tree from every entry, checks every stored hash, the latest
    /// checkpoint's signature by `key` (the store's own key by default) and
    /// that each `older` signed checkpoint is a prefix of this log.
    pub async fn verify(
        &self,
        key: Option<&NoteVerifier>,
        older: &[Vec<u8>],
    ) -> Result<VerifyReport, VerifyFailure> {
        let db = |e: StoreError| VerifyFailure::general(format!("reading the ledger: {e}"));
        let stats = self.ledger_stats().await.map_err(db)?;
        let mut entries: Vec<Vec<u8>> = Vec::new();
        let mut hashes: Vec<Hash> = Vec::new();
        let mut next = 0u64;
        loop {
            let rows = sqlx::query(
                "SELECT seq, entry, hashes FROM ledger_entries WHERE seq >= $1 ORDER BY seq LIMIT $2",
            )
            .bind(next as i64)
            .bind(SCAN_CHUNK as i64)
            .fetch_all(self.pool())
            .await
            .map_err(|e| db(e.into()))?;
            if rows.is_empty() {
                break;
            }
            for row in rows {
                let seq: i64 = row.try_get(0).map_err(|e| db(e.into()))?;
                if seq as u64 != next {
                    return Err(VerifyFailure::at(
                        next,
                        format!("entry {next} is missing (the next stored entry is {seq})"),
                    ));
                }
                let blob: Vec<u8> = row.try_get(2).map_err(|e| db(e.into()))?;
                let want = 32 * (1 + next.trailing_ones() as usize);
                if blob.len() != want {
                    return Err(VerifyFailure::at(
                        next,
                        format!(
                            "entry {next}: {} bytes of stored hashes, expected {want}",
                            blob.len()
                        ),
                    ));
                }
                hashes.extend(blob.chunks_exact(32).map(|c| {
                    let mut h = [0u8; 32];
                    h.copy_from_slice(c);
                    Hash(h)
                }));
                entries.push(row.try_get(1).map_err(|e| db(e.into()))?);
                next += 1;
            }
        }
        let key = key.unwrap_or(self.verifier());
        let older_refs: Vec<&[u8]> = older.iter().map(Vec::as_slice).collect();
        let checkpoint = ledger::verify_log(
            &entries,
            &hashes,
            stats.checkpoint.as_bytes(),
            key,
            &older_refs,
        )
        .map_err(|e| VerifyFailure {
            index: e.index(),
            message: e.to_string(),
        })?;
        let mut consistent_with = Vec::new();
        for note in older {
            if let Ok(c) = ledger::open_checkpoint(note, key, None) {
                consistent_with.push(c.checkpoint.size);
            }
        }
        Ok(VerifyReport {
            checkpoint,
            consistent_with,
        })
    }
}
