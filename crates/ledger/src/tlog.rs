//! The Merkle log: RFC 6962 / RFC 9162 hashing, the "stored hashes" layout
//! (as in Go's `golang.org/x/mod/sumdb/tlog`), proofs, and the RFC 9162
//! proof verifiers.
//!
//! # Stored-hash layout
//!
//! Every hash of every *complete* subtree of the log is stored once, in one
//! linear sequence. When record `n` is appended, its leaf hash is written
//! first, followed by the hash of every subtree that record `n` completes, from
//! the lowest level upwards. Level `L`'s `k`-th hash (the root of the subtree
//! covering records `k·2^L .. (k+1)·2^L`) therefore lives at the fixed position
//! [`stored_hash_index`]`(L, k)`, and a log of `n` records has exactly
//! [`stored_hash_count`]`(n)` = `2n − popcount(n)` stored hashes. The sequence
//! is append-only: a prefix of it serves every smaller tree, so a database can
//! keep it as one table keyed by index and serve it through [`HashReader`].
//!
//! # Proof order
//!
//! Inclusion and consistency proofs are the RFC 9162 `PATH` and `PROOF`
//! lists: sibling hashes from the bottom of the tree to the top. The
//! verifiers [`verify_inclusion`] and [`verify_consistency`] are written step
//! by step from RFC 9162 §2.1.3.2 and §2.1.4.2 so an outside auditor can read
//! them against the RFC.

use std::fmt;

use sha2::{Digest, Sha256};

/// Size of a hash in bytes.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 hash of a leaf or of an interior node.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_SIZE]);

impl Hash {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// Standard base64 (with padding), as used in checkpoints.
    pub fn to_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    /// Parses standard base64 of exactly 32 bytes.
    pub fn from_base64(s: &str) -> Option<Hash> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
        let arr: [u8; HASH_SIZE] = bytes.try_into().ok()?;
        Some(Hash(arr))
    }

    /// Lower-case hexadecimal.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(2 * HASH_SIZE);
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 15)]));
        }
        s
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl From<[u8; HASH_SIZE]> for Hash {
    fn from(b: [u8; HASH_SIZE]) -> Self {
        Hash(b)
    }
}

/// Errors of the Merkle log functions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument is out of range (for example a record index not below the
    /// tree size); the message names the condition.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// A [`HashReader`] returned a different number of hashes than asked for.
    #[error("hash reader returned {got} hashes for {want} indexes")]
    BadReadLength {
        /// Number of indexes asked for.
        want: usize,
        /// Number of hashes returned.
        got: usize,
    },
    /// A [`HashReader`] does not have the hash at this storage index.
    #[error("stored hash {0} is not available")]
    MissingHash(u64),
    /// A storage backend failed; the message comes from the backend.
    #[error("hash storage: {0}")]
    Storage(String),
    /// A proof did not verify.
    #[error("proof does not verify")]
    InvalidProof,
}

/// Reads stored hashes by their storage index (see [`stored_hash_index`]).
///
/// This is the seam for storage: an in-memory log ([`MemoryLog`]), a slice of
/// hashes, or later a database table. Implementations must return exactly one
/// hash per requested index, in the requested order, or an error.
pub trait HashReader {
    /// Returns the hashes at `indexes`, in the same order.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error>;
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        (**self).read_hashes(indexes)
    }
}

/// A slice of stored hashes, position = storage index.
impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|u| self.get(u))
                    .copied()
                    .ok_or(Error::MissingHash(i))
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.as_slice().read_hashes(indexes)
    }
}

/// Reads and checks that the reader returned one hash per index.
pub(crate) fn read_exact<R: HashReader + ?Sized>(
    r: &R,
    indexes: &[u64],
) -> Result<Vec<Hash>, Error> {
    let got = r.read_hashes(indexes)?;
    if got.len() != indexes.len() {
        return Err(Error::BadReadLength {
            want: indexes.len(),
            got: got.len(),
        });
    }
    Ok(got)
}

/// The leaf hash of a record: `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Hash(h.finalize().into())
}

/// The interior node hash: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 1 + 2 * HASH_SIZE];
    buf[0] = 1;
    buf[1..1 + HASH_SIZE].copy_from_slice(&left.0);
    buf[1 + HASH_SIZE..].copy_from_slice(&right.0);
    Hash(Sha256::digest(buf).into())
}

/// The hash of an empty tree: `SHA-256("")` (RFC 9162 §2.1.1).
pub fn empty_tree_hash() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// The storage index of the `n`-th hash at `level` (level 0 = leaves).
///
/// `level` must be below 64 and `n` small enough that the index fits in a
/// `u64` (true for every tree of fewer than 2^62 records); larger arguments
/// wrap and give a meaningless index rather than panicking.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    // The hash is the `level`-th parent written by the last record it
    // covers, m = (n+1)·2^level − 1. Record m's leaf sits at
    // stored_hash_count(m) = 2m − popcount(m); its parents follow in order.
    let lvl = u32::from(level) % 64;
    let m = (n.wrapping_add(1) << lvl).wrapping_sub(1);
    let before = m.wrapping_mul(2).wrapping_sub(u64::from(m.count_ones()));
    before.wrapping_add(u64::from(lvl))
}

/// Inverse of [`stored_hash_index`]: the `(level, n)` stored at `index`.
///
/// Indexes of 2^63 and above belong to no tree this crate handles (trees
/// have fewer than 2^62 records); they give `(0, u64::MAX)`.
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    if index >= 1 << 63 {
        return (0, u64::MAX);
    }
    // Find the record whose hashes contain `index`: the largest record r with
    // stored_hash_count(r) <= index. Estimate r ≈ index/2 and walk up.
    let mut r = index / 2;
    while stored_hash_count(r + 1) <= index {
        r += 1;
    }
    while r > 0 && stored_hash_count(r) > index {
        r -= 1;
    }
    // Hashes of record r start at stored_hash_count(r): leaf, then parents.
    let level = index - stored_hash_count(r);
    // level ≤ 63 because a record completes at most 63 parents.
    let level = u8::try_from(level).unwrap_or(u8::MAX);
    (level, r >> level)
}

/// The number of stored hashes of a log of `n` records: `2n − popcount(n)`.
pub fn stored_hash_count(n: u64) -> u64 {
    n.wrapping_mul(2).wrapping_sub(u64::from(n.count_ones()))
}

/// The hashes to append to storage when adding record `n` with `data`: the
/// leaf hash, then the hash of every subtree that record `n` completes, in
/// increasing level. Reads the left siblings from `r`, which must hold the
/// stored hashes of records `0..n`.
pub fn stored_hashes_for_record<R: HashReader + ?Sized>(
    n: u64,
    data: &[u8],
    r: &R,
) -> Result<Vec<Hash>, Error> {
    stored_hashes_for_record_hash(n, leaf_hash(data), r)
}

/// Like [`stored_hashes_for_record`], given the leaf hash instead of the data.
pub fn stored_hashes_for_record_hash<R: HashReader + ?Sized>(
    n: u64,
    leaf: Hash,
    r: &R,
) -> Result<Vec<Hash>, Error> {
    if n >= 1 << 62 {
        return Err(Error::InvalidArgument("record index too large"));
    }
    // Left siblings: for each level l where bit l of n is set (consecutive
    // from bit 0), the hash (l, (n >> l) - 1).
    let parents = n.trailing_ones();
    let mut indexes = Vec::with_capacity(parents as usize);
    for l in 0..parents {
        // l < 62 here, so the cast is lossless.
        let level = l as u8;
        indexes.push(stored_hash_index(level, (n >> l) - 1));
    }
    let siblings = read_exact(r, &indexes)?;
    let mut out = Vec::with_capacity(1 + siblings.len());
    let mut h = leaf;
    out.push(h);
    for s in &siblings {
        h = node_hash(s, &h);
        out.push(h);
    }
    Ok(out)
}

/// Largest power of two strictly below `n` (`n >= 2`).
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The storage indexes of the maximal complete subtrees that make up the
/// range `[lo, hi)` of records, left to right. The Merkle hash of the range
/// is these hashes folded from the right (see [`fold_right`]).
fn range_subtrees(mut lo: u64, hi: u64, out: &mut Vec<u64>) {
    while lo < hi {
        let size = hi - lo;
        let mut level = 63 - size.leading_zeros();
        if lo != 0 {
            level = level.min(lo.trailing_zeros());
        }
        // level ≤ 63.
        out.push(stored_hash_index(level as u8, lo >> level));
        lo += 1u64 << level;
    }
}

/// Folds complete-subtree hashes (left to right) into the range's Merkle hash.
fn fold_right(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    let mut h = *last;
    for left in rest.iter().rev() {
        h = node_hash(left, &h);
    }
    Some(h)
}

/// Reads the hashes of many ranges in one call and returns one hash per range.
fn range_hashes<R: HashReader + ?Sized>(ranges: &[(u64, u64)], r: &R) -> Result<Vec<Hash>, Error> {
    let mut indexes = Vec::new();
    let mut bounds = Vec::with_capacity(ranges.len());
    for &(lo, hi) in ranges {
        let start = indexes.len();
        range_subtrees(lo, hi, &mut indexes);
        bounds.push((start, indexes.len()));
    }
    let hashes = read_exact(r, &indexes)?;
    bounds
        .iter()
        .map(|&(s, e)| {
            hashes
                .get(s..e)
                .and_then(fold_right)
                .ok_or(Error::InvalidArgument("empty range"))
        })
        .collect()
}

/// The Merkle tree hash (RFC 9162 `MTH`) of the first `size` records.
/// The empty tree's hash is `SHA-256("")`.
pub fn tree_hash<R: HashReader + ?Sized>(size: u64, r: &R) -> Result<Hash, Error> {
    if size == 0 {
        return Ok(empty_tree_hash());
    }
    if size > 1 << 62 {
        return Err(Error::InvalidArgument("tree size too large"));
    }
    let h = range_hashes(&[(0, size)], r)?;
    h.first()
        .copied()
        .ok_or(Error::InvalidArgument("empty range"))
}

/// An inclusion proof (RFC 9162 `PATH`), bottom-up.
pub type RecordProof = Vec<Hash>;
/// A consistency proof (RFC 9162 `PROOF`), bottom-up.
pub type TreeProof = Vec<Hash>;

/// Proves that record `n` is in the tree of size `t` (RFC 9162 §2.1.3.1).
pub fn prove_record<R: HashReader + ?Sized>(t: u64, n: u64, r: &R) -> Result<RecordProof, Error> {
    if n >= t {
        return Err(Error::InvalidArgument("record index not below tree size"));
    }
    if t > 1 << 62 {
        return Err(Error::InvalidArgument("tree size too large"));
    }
    // Walk down from the root; at each split the sibling range goes into
    // the proof. Collected top-down, then reversed to the RFC's bottom-up.
    let (mut lo, mut hi) = (0u64, t);
    let mut ranges = Vec::new();
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if n < lo + k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
        }
    }
    ranges.reverse();
    range_hashes(&ranges, r)
}

/// Proves that the tree of size `n` is a prefix of the tree of size `t`
/// (RFC 9162 §2.1.4.1). For `n == t` the proof is empty.
pub fn prove_tree<R: HashReader + ?Sized>(t: u64, n: u64, r: &R) -> Result<TreeProof, Error> {
    if n == 0 || n > t {
        return Err(Error::InvalidArgument("need 0 < old size <= new size"));
    }
    if t > 1 << 62 {
        return Err(Error::InvalidArgument("tree size too large"));
    }
    // SUBPROOF(m, D[lo:hi], b), unrolled.
    let (mut lo, mut hi, mut m, mut b) = (0u64, t, n, true);
    let mut ranges = Vec::new();
    loop {
        if m == hi - lo {
            if !b {
                ranges.push((lo, hi));
            }
            break;
        }
        let k = split_point(hi - lo);
        if m <= k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
            m -= k;
            b = false;
        }
    }
    ranges.reverse();
    range_hashes(&ranges, r)
}

/// Checks an inclusion proof: record `n` with leaf hash `h` is in the tree of
/// size `t` with root `th`. Same argument order as Go's `tlog.CheckRecord`;
/// runs [`verify_inclusion`].
pub fn check_record(p: &[Hash], t: u64, th: &Hash, n: u64, h: &Hash) -> Result<(), Error> {
    if verify_inclusion(n, t, h, p, th) {
        Ok(())
    } else {
        Err(Error::InvalidProof)
    }
}

/// Checks a consistency proof: the tree of size `n` with root `h` is a prefix
/// of the tree of size `t` with root `th`. Same argument order as Go's
/// `tlog.CheckTree`. For `n == t` the proof must be empty and the roots equal;
/// otherwise runs [`verify_consistency`].
pub fn check_tree(p: &[Hash], t: u64, th: &Hash, n: u64, h: &Hash) -> Result<(), Error> {
    if n == t && n > 0 {
        return if p.is_empty() && th == h {
            Ok(())
        } else {
            Err(Error::InvalidProof)
        };
    }
    if verify_consistency(n, t, h, th, p) {
        Ok(())
    } else {
        Err(Error::InvalidProof)
    }
}

/// RFC 9162 §2.1.3.2, "Verifying an Inclusion Proof", step by step.
///
/// `leaf_index` and `tree_size` locate the leaf, `hash` is its leaf hash,
/// `inclusion_path` is the proof and `root_hash` the tree head's root.
pub fn verify_inclusion(
    leaf_index: u64,
    tree_size: u64,
    hash: &Hash,
    inclusion_path: &[Hash],
    root_hash: &Hash,
) -> bool {
    // 1. Compare leaf_index against tree_size. If leaf_index is greater than
    //    or equal to tree_size, then fail the proof verification.
    if leaf_index >= tree_size {
        return false;
    }
    // 2. Set fn to leaf_index and sn to tree_size - 1.
    let mut fn_ = leaf_index;
    let mut sn = tree_size - 1;
    // 3. Set r to hash.
    let mut r = *hash;
    // 4. For each value p in the inclusion_path array:
    for p in inclusion_path {
        // a. If sn is 0, then stop the iteration and fail the proof
        //    verification.
        if sn == 0 {
            return false;
        }
        // b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn_ & 1 == 1 || fn_ == sn {
            // i. Set r to HASH(0x01 || p || r).
            r = node_hash(p, &r);
            // ii. If LSB(fn) is not set, then right-shift both fn and sn
            //     equally until either LSB(fn) is set or fn is 0.
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            // Otherwise: i. Set r to HASH(0x01 || r || p).
            r = node_hash(&r, p);
        }
        // c. Finally, right-shift both fn and sn one time.
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5. Compare sn to 0. Compare r against the root_hash. If sn is equal to
    //    0 and r and the root_hash are equal, then the log has proven the
    //    inclusion of hash. Otherwise, fail the proof verification.
    sn == 0 && r == *root_hash
}

/// RFC 9162 §2.1.4.2, "Verifying Consistency between Two Tree Heads", step
/// by step. The RFC defines it for `0 < first < second`; other sizes fail.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_hash: &Hash,
    second_hash: &Hash,
    consistency_path: &[Hash],
) -> bool {
    if first == 0 || first >= second {
        return false;
    }
    // 1. If consistency_path is an empty array, stop and fail the proof
    //    verification.
    if consistency_path.is_empty() {
        return false;
    }
    // 2. If first is an exact power of 2, then prepend first_hash to the
    //    consistency_path array.
    let mut path: Vec<Hash> = Vec::with_capacity(consistency_path.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_hash);
    }
    path.extend_from_slice(consistency_path);
    // 3. Set fn to first - 1 and sn to second - 1.
    let mut fn_ = first - 1;
    let mut sn = second - 1;
    // 4. If LSB(fn) is set, then right-shift both fn and sn equally until
    //    LSB(fn) is not set.
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5. Set both fr and sr to the first value in the consistency_path array.
    let Some((first_value, rest)) = path.split_first() else {
        return false;
    };
    let mut fr = *first_value;
    let mut sr = *first_value;
    // 6. For each subsequent value c in the consistency_path array:
    for c in rest {
        // a. If sn is 0, then stop the iteration and fail the proof
        //    verification.
        if sn == 0 {
            return false;
        }
        // b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn_ & 1 == 1 || fn_ == sn {
            // i. Set fr to HASH(0x01 || c || fr).
            fr = node_hash(c, &fr);
            // ii. Set sr to HASH(0x01 || c || sr).
            sr = node_hash(c, &sr);
            // iii. If LSB(fn) is not set, then right-shift both fn and sn
            //      equally until either LSB(fn) is set or fn is 0.
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            // Otherwise: i. Set sr to HASH(0x01 || sr || c).
            sr = node_hash(&sr, c);
        }
        // c. Finally, right-shift both fn and sn one time.
        fn_ >>= 1;
        sn >>= 1;
    }
    // 7. After completing iterating through the consistency_path array as
    //    described above, verify that the fr calculated is equal to the
    //    first_hash supplied, that the sr calculated is equal to the
    //    second_hash supplied, and that sn is 0.
    fr == *first_hash && sr == *second_hash && sn == 0
}

/// An append-only in-memory log: the stored hashes of every record, in
/// storage order. Useful for tests, tools, and as the reference for a
/// database-backed store.
#[derive(Debug, Clone, Default)]
pub struct MemoryLog {
    hashes: Vec<Hash>,
    size: u64,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a record and returns its index.
    pub fn append(&mut self, data: &[u8]) -> Result<u64, Error> {
        self.append_leaf_hash(leaf_hash(data))
    }

    /// Appends a record given its leaf hash and returns its index.
    pub fn append_leaf_hash(&mut self, leaf: Hash) -> Result<u64, Error> {
        let n = self.size;
        let new = stored_hashes_for_record_hash(n, leaf, self.hashes.as_slice())?;
        self.hashes.extend_from_slice(&new);
        self.size += 1;
        Ok(n)
    }

    /// Number of records.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// All stored hashes, in storage order.
    pub fn stored_hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Root hash of the current tree.
    pub fn root(&self) -> Result<Hash, Error> {
        tree_hash(self.size, self.hashes.as_slice())
    }
}

impl HashReader for MemoryLog {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.hashes.as_slice().read_hashes(indexes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct recursive MTH from RFC 9162 §2.1.1, for cross-checking.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_tree_hash(),
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn index_layout_matches_definition() {
        // Build the layout the slow way and compare.
        let mut seen = Vec::new();
        for n in 0u64..300 {
            seen.push((0u8, n));
            let mut l = 0u8;
            let mut m = n;
            while m & 1 == 1 {
                l += 1;
                m >>= 1;
                seen.push((l, n >> l));
            }
            assert_eq!(stored_hash_count(n + 1), seen.len() as u64);
        }
        for (i, &(l, k)) in seen.iter().enumerate() {
            assert_eq!(stored_hash_index(l, k), i as u64, "level {l} n {k}");
            assert_eq!(split_stored_hash_index(i as u64), (l, k));
        }
        for i in [1u64 << 62, (1 << 63) - 1, 1 << 63, u64::MAX] {
            let (l, k) = split_stored_hash_index(i);
            if i < 1 << 63 {
                assert_eq!(stored_hash_index(l, k), i);
            }
        }
    }

    #[test]
    fn tree_hash_matches_recursive_mth() {
        let mut log = MemoryLog::new();
        let mut leaves = Vec::new();
        assert_eq!(log.root().unwrap(), empty_tree_hash());
        for i in 0..130u32 {
            let d = i.to_be_bytes();
            log.append(&d).unwrap();
            leaves.push(leaf_hash(&d));
            assert_eq!(log.root().unwrap(), mth(&leaves), "size {}", i + 1);
        }
    }

    #[test]
    fn proofs_round_trip_small() {
        let mut log = MemoryLog::new();
        for i in 0..70u32 {
            log.append(&i.to_be_bytes()).unwrap();
        }
        for t in 1..=70u64 {
            let th = tree_hash(t, &log).unwrap();
            for n in 0..t {
                let p = prove_record(t, n, &log).unwrap();
                let h = leaf_hash(&(n as u32).to_be_bytes());
                check_record(&p, t, &th, n, &h).unwrap();
                let oh = tree_hash(n + 1, &log).unwrap();
                let q = prove_tree(t, n + 1, &log).unwrap();
                check_tree(&q, t, &th, n + 1, &oh).unwrap();
            }
        }
    }

    #[test]
    fn known_rfc6962_vectors() {
        // Root of the 8-leaf test tree used by Go's and Google's RFC 6962
        // test suites (leaves "", 0x00, 0x10, 0x2021, 0x3031, 0x40414243,
        // 0x5051525354555657, 0x606162...6f).
        let leaves: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ];
        let mut log = MemoryLog::new();
        for l in leaves {
            log.append(l).unwrap();
        }
        assert_eq!(
            log.root().unwrap().to_hex(),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
        assert_eq!(
            tree_hash(1, &log).unwrap().to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}
