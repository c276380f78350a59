//! Ledger entries and their canonical byte encoding (versions 1 and 2).
//!
//! One entry records one decision: who (actor account and agency) did what
//! (action) to which resource, whether it was allowed, under which policies,
//! a digest of the request payload, and optionally a commitment to personal
//! data that can later be purged.
//!
//! # Encoding, version 1
//!
//! Fields in this fixed order, no padding, integers big-endian. `str16` is a
//! `u16` byte length followed by that many bytes of UTF-8.
//!
//! | # | field                  | encoding                                   | rules                                   |
//! |---|------------------------|--------------------------------------------|-----------------------------------------|
//! | 1 | version                | `u8` = `0x01`                              | other values rejected                   |
//! | 2 | sequence number        | `u64`                                      | index of the entry in the log           |
//! | 3 | time                   | `i64`, Unix time in milliseconds           |                                         |
//! | 4 | actor account id       | `str16`                                    | 1..=1024 bytes, no control characters   |
//! | 5 | actor agency           | `str16`                                    | 1..=1024 bytes, no control characters   |
//! | 6 | action                 | `str16`                                    | 1..=1024 bytes of `a-z 0-9 . _ -`       |
//! | 7 | resource type          | `str16`                                    | 1..=1024 bytes, no control characters   |
//! | 8 | resource id            | `str16`                                    | 1..=1024 bytes, no control characters   |
//! | 9 | decision               | `u8`: `0x00` deny, `0x01` allow            | other values rejected                   |
//! |10 | policy count           | `u16`                                      | 0..=32                                  |
//! |11 | policy ids             | `count` × `str16`                          | each 1..=1024 bytes, no control chars   |
//! |12 | payload digest         | 32 bytes                                   | e.g. SHA-256 of the request payload     |
//! |13 | personal-data tag      | `u8`: `0x00` absent, `0x01` present        | other values rejected                   |
//! |14 | personal-data commit   | 32 bytes, only if tag = `0x01`             | [`commit`]`(salt, data)`                |
//!
//! # Encoding, version 2
//!
//! Version 2 adds the **channel** the actor came through, so that an action
//! taken at the machine (the CLI) is distinguishable from one taken through
//! the web or the API. It is version 1 with two differences:
//!
//! * field 1, the version, is `0x02`;
//! * a field 5a, `channel`, follows field 5 (actor agency): a `str16` of
//!   1..=1024 bytes without control characters. cortina writes `session`
//!   (a browser or API session), `token:<token id>` (an API token) or
//!   `cli:<operating-system user>` (the command line on the machine,
//!   the bootstrap included); readers must accept any valid string.
//!
//! Every field after 5a is as in version 1. [`Entry::channel`] is `None`
//! for a version-1 entry and `Some` for a version-2 one, so the version is
//! a function of the entry and `decode(b).encode() == b` still holds for
//! both. New entries are version 2; version-1 entries in an existing log
//! still decode, re-encode byte for byte and verify.
//!
//! # Canonical form
//!
//! Nothing may follow the last field. Because every field has exactly one
//! encoding and decoding rejects everything else, `decode(b).encode() == b`
//! for every accepted `b`: the encoding of an entry is unique, and the leaf
//! hash of the log is `SHA-256(0x00 ‖ encoding)`.
//!
//! The largest possible entry (37 strings of 1024 bytes) is below 65 535
//! bytes, so every entry fits a C2SP entry bundle.
//!
//! # Personal data
//!
//! Personal data never enters the log. The log holds
//! `commit(salt, data) = HMAC-SHA-256(key = salt, data)` with a random
//! 32-byte salt kept next to the data. Whoever holds salt and data can show
//! the commitment matches; deleting both purges the data while the entry,
//! and the whole log, still verifies.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::tlog::{Hash, leaf_hash};

/// Current encoding version: what an entry with a channel encodes as.
pub const ENTRY_VERSION: u8 = 2;
/// The first encoding version (no channel), still decoded and verified.
pub const ENTRY_VERSION_V1: u8 = 1;
/// Longest string field, in bytes.
pub const MAX_STRING_LEN: usize = 1024;
/// Most policy ids in one entry.
pub const MAX_POLICIES: usize = 32;

/// Errors of entry encoding and decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// The input ends inside a field.
    #[error("truncated entry: input ends inside {field}")]
    Truncated {
        /// The field being read.
        field: &'static str,
    },
    /// Unknown version byte.
    #[error("unsupported entry version {0}")]
    UnsupportedVersion(u8),
    /// Bytes follow the last field.
    #[error("{count} trailing bytes after the entry")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A string is empty.
    #[error("{field} is empty")]
    EmptyString {
        /// The field.
        field: &'static str,
    },
    /// A string is longer than [`MAX_STRING_LEN`].
    #[error("{field} is {len} bytes, more than {MAX_STRING_LEN}")]
    StringTooLong {
        /// The field.
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// A string is not UTF-8.
    #[error("{field} is not valid UTF-8")]
    InvalidUtf8 {
        /// The field.
        field: &'static str,
    },
    /// A string contains a control character, or the action a character
    /// outside `a-z 0-9 . _ -`.
    #[error("{field} contains a forbidden character")]
    ForbiddenCharacter {
        /// The field.
        field: &'static str,
    },
    /// More than [`MAX_POLICIES`] policies.
    #[error("{0} policies, more than {MAX_POLICIES}")]
    TooManyPolicies(usize),
    /// Decision byte is not 0 or 1.
    #[error("invalid decision byte {0}")]
    InvalidDecision(u8),
    /// Personal-data tag is not 0 or 1.
    #[error("invalid personal-data tag {0}")]
    InvalidCommitmentTag(u8),
}

/// The outcome of an authorisation decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Refused.
    Deny,
    /// Permitted.
    Allow,
}

/// What an action was applied to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Resource {
    /// Resource type, e.g. `rfi`.
    pub kind: String,
    /// Resource id.
    pub id: String,
}

/// One ledger entry. See the module docs for the encoding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// Position of the entry in the log.
    pub seq: u64,
    /// Unix time in milliseconds.
    pub time_ms: i64,
    /// Account id of the actor.
    pub actor_account: String,
    /// Agency of the actor.
    pub actor_agency: String,
    /// How the actor came in (`session`, `token:<id>`, `cli:<os user>`);
    /// `None` only for a version-1 entry (see the module docs).
    pub channel: Option<String>,
    /// Action name, e.g. `rfi.submit`.
    pub action: String,
    /// The resource acted on.
    pub resource: Resource,
    /// Allowed or denied.
    pub decision: Decision,
    /// Ids of the policies that decided, in evaluation order.
    pub policies: Vec<String>,
    /// Digest of the request payload.
    pub payload_digest: [u8; 32],
    /// Commitment to personal data, if any (see [`commit`]).
    pub personal_data: Option<[u8; 32]>,
}

/// `HMAC-SHA-256(key = salt, data)`: a hiding, binding commitment to `data`.
pub fn commit(salt: &[u8; 32], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail; fall back to a
    // fixed value instead of panicking should that ever change.
    match <Hmac<Sha256> as Mac>::new_from_slice(salt) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        Err(_) => [0; 32],
    }
}

/// Checks `commit(salt, data) == commitment` in constant time.
pub fn verify_commitment(salt: &[u8; 32], data: &[u8], commitment: &[u8; 32]) -> bool {
    match <Hmac<Sha256> as Mac>::new_from_slice(salt) {
        Ok(mut mac) => {
            mac.update(data);
            mac.verify_slice(commitment).is_ok()
        }
        Err(_) => false,
    }
}

fn check_string(field: &'static str, s: &str, action: bool) -> Result<(), EntryError> {
    if s.is_empty() {
        return Err(EntryError::EmptyString { field });
    }
    if s.len() > MAX_STRING_LEN {
        return Err(EntryError::StringTooLong {
            field,
            len: s.len(),
        });
    }
    let ok = if action {
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    } else {
        !s.chars().any(char::is_control)
    };
    if ok {
        Ok(())
    } else {
        Err(EntryError::ForbiddenCharacter { field })
    }
}

fn put_str(
    out: &mut Vec<u8>,
    field: &'static str,
    s: &str,
    action: bool,
) -> Result<(), EntryError> {
    check_string(field, s, action)?;
    // len ≤ MAX_STRING_LEN < u16::MAX after the check.
    let len = u16::try_from(s.len()).map_err(|_| EntryError::StringTooLong {
        field,
        len: s.len(),
    })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], EntryError> {
        if self.buf.len() < n {
            return Err(EntryError::Truncated { field });
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], EntryError> {
        let s = self.take(N, field)?;
        s.try_into().map_err(|_| EntryError::Truncated { field })
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, EntryError> {
        Ok(self.array::<1>(field)?[0])
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, EntryError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    fn string(&mut self, field: &'static str, action: bool) -> Result<String, EntryError> {
        let len = usize::from(self.u16(field)?);
        if len > MAX_STRING_LEN {
            return Err(EntryError::StringTooLong { field, len });
        }
        let bytes = self.take(len, field)?;
        let s = std::str::from_utf8(bytes).map_err(|_| EntryError::InvalidUtf8 { field })?;
        check_string(field, s, action)?;
        Ok(s.to_owned())
    }
}

impl Entry {
    /// The canonical encoding. Fails if a field breaks the rules in the
    /// module docs (so an encodable entry always decodes back to itself).
    pub fn encode(&self) -> Result<Vec<u8>, EntryError> {
        if self.policies.len() > MAX_POLICIES {
            return Err(EntryError::TooManyPolicies(self.policies.len()));
        }
        let mut out = Vec::with_capacity(128);
        out.push(match self.channel {
            None => ENTRY_VERSION_V1,
            Some(_) => ENTRY_VERSION,
        });
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.time_ms.to_be_bytes());
        put_str(&mut out, "actor account", &self.actor_account, false)?;
        put_str(&mut out, "actor agency", &self.actor_agency, false)?;
        if let Some(channel) = &self.channel {
            put_str(&mut out, "channel", channel, false)?;
        }
        put_str(&mut out, "action", &self.action, true)?;
        put_str(&mut out, "resource type", &self.resource.kind, false)?;
        put_str(&mut out, "resource id", &self.resource.id, false)?;
        out.push(match self.decision {
            Decision::Deny => 0,
            Decision::Allow => 1,
        });
        // ≤ MAX_POLICIES, checked above.
        let count = u16::try_from(self.policies.len())
            .map_err(|_| EntryError::TooManyPolicies(self.policies.len()))?;
        out.extend_from_slice(&count.to_be_bytes());
        for p in &self.policies {
            put_str(&mut out, "policy id", p, false)?;
        }
        out.extend_from_slice(&self.payload_digest);
        match &self.personal_data {
            None => out.push(0),
            Some(c) => {
                out.push(1);
                out.extend_from_slice(c);
            }
        }
        Ok(out)
    }

    /// Decodes a canonical encoding; rejects anything else.
    pub fn decode(bytes: &[u8]) -> Result<Entry, EntryError> {
        let mut r = Reader { buf: bytes };
        let version = r.u8("version")?;
        if version != ENTRY_VERSION && version != ENTRY_VERSION_V1 {
            return Err(EntryError::UnsupportedVersion(version));
        }
        let seq = u64::from_be_bytes(r.array("sequence number")?);
        let time_ms = i64::from_be_bytes(r.array("time")?);
        let actor_account = r.string("actor account", false)?;
        let actor_agency = r.string("actor agency", false)?;
        let channel = if version == ENTRY_VERSION {
            Some(r.string("channel", false)?)
        } else {
            None
        };
        let action = r.string("action", true)?;
        let kind = r.string("resource type", false)?;
        let id = r.string("resource id", false)?;
        let decision = match r.u8("decision")? {
            0 => Decision::Deny,
            1 => Decision::Allow,
            b => return Err(EntryError::InvalidDecision(b)),
        };
        let count = usize::from(r.u16("policy count")?);
        if count > MAX_POLICIES {
            return Err(EntryError::TooManyPolicies(count));
        }
        let mut policies = Vec::with_capacity(count);
        for _ in 0..count {
            policies.push(r.string("policy id", false)?);
        }
        let payload_digest = r.array("payload digest")?;
        let personal_data = match r.u8("personal-data tag")? {
            0 => None,
            1 => Some(r.array("personal-data commitment")?),
            b => return Err(EntryError::InvalidCommitmentTag(b)),
        };
        if !r.buf.is_empty() {
            return Err(EntryError::TrailingBytes { count: r.buf.len() });
        }
        Ok(Entry {
            seq,
            time_ms,
            actor_account,
            actor_agency,
            channel,
            action,
            resource: Resource { kind, id },
            decision,
            policies,
            payload_digest,
            personal_data,
        })
    }

    /// The Merkle leaf hash of the encoding.
    pub fn leaf_hash(&self) -> Result<Hash, EntryError> {
        Ok(leaf_hash(&self.encode()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Entry {
        Entry {
            seq: 7,
            time_ms: 1_770_000_000_000,
            actor_account: "officer-17".into(),
            actor_agency: "FR-DGSI".into(),
            channel: Some("token:tok-1".into()),
            action: "rfi.submit".into(),
            resource: Resource {
                kind: "rfi".into(),
                id: "RFI-2026-0001".into(),
            },
            decision: Decision::Allow,
            policies: vec!["pol.liaison".into(), "pol.rfi-quota".into()],
            payload_digest: [0xab; 32],
            personal_data: Some(commit(&[1; 32], b"Mario Rossi 1970-01-01")),
        }
    }

    #[test]
    fn round_trip() {
        let e = sample();
        let b = e.encode().unwrap();
        assert_eq!(b[0], ENTRY_VERSION);
        assert_eq!(Entry::decode(&b).unwrap(), e);
        let mut e2 = e.clone();
        e2.personal_data = None;
        e2.policies.clear();
        e2.decision = Decision::Deny;
        let b2 = e2.encode().unwrap();
        assert_eq!(Entry::decode(&b2).unwrap(), e2);
        // Without a channel, the entry is version 1, and the same bytes
        // minus the channel field.
        let mut e1 = e.clone();
        e1.channel = None;
        let b1 = e1.encode().unwrap();
        assert_eq!(b1[0], ENTRY_VERSION_V1);
        assert_eq!(Entry::decode(&b1).unwrap(), e1);
        assert_eq!(b.len(), b1.len() + 2 + "token:tok-1".len());
        // A version-1 encoding relabelled as version 2 does not decode as
        // the same entry (the channel would swallow the action).
        let mut relabelled = b1.clone();
        relabelled[0] = ENTRY_VERSION;
        assert_ne!(Entry::decode(&relabelled).ok(), Some(e1));
    }

    #[test]
    fn rejects_bad_input() {
        let b = sample().encode().unwrap();
        for cut in 0..b.len() {
            assert!(Entry::decode(&b[..cut]).is_err(), "prefix {cut} accepted");
        }
        let mut t = b.clone();
        t.push(0);
        assert_eq!(
            Entry::decode(&t),
            Err(EntryError::TrailingBytes { count: 1 })
        );
        let mut v = b.clone();
        v[0] = 3;
        assert_eq!(Entry::decode(&v), Err(EntryError::UnsupportedVersion(3)));
        let mut e = sample();
        e.channel = Some(String::new());
        assert!(e.encode().is_err());
        e.channel = Some("cli:\u{7}".into());
        assert!(e.encode().is_err());
        // A length prefix above the limit.
        let mut l = b.clone();
        l[17] = 0xff;
        assert!(matches!(
            Entry::decode(&l),
            Err(EntryError::StringTooLong { .. })
        ));
        e = sample();
        e.action = "RFI.Submit".into();
        assert!(e.encode().is_err());
        e = sample();
        e.actor_account = "x".repeat(MAX_STRING_LEN + 1);
        assert!(e.encode().is_err());
        e = sample();
        e.resource.id = "a\nb".into();
        assert!(e.encode().is_err());
        e = sample();
        e.policies = vec!["p".into(); MAX_POLICIES + 1];
        assert!(e.encode().is_err());
    }

    #[test]
    fn commitment() {
        let c = commit(&[5; 32], b"data");
        assert!(verify_commitment(&[5; 32], b"data", &c));
        assert!(!verify_commitment(&[6; 32], b"data", &c));
        assert!(!verify_commitment(&[5; 32], b"dato", &c));
        // RFC 4231 test case 2 uses a 4-byte key; check the construction
        // against a 32-byte key computed by hand with the HMAC definition.
        let key = [0x0bu8; 32];
        let mut k = [0u8; 64];
        k[..32].copy_from_slice(&key);
        use sha2::Digest;
        let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new()
            .chain_update(&ipad)
            .chain_update(b"msg")
            .finalize();
        let outer: [u8; 32] = Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize()
            .into();
        assert_eq!(commit(&key, b"msg"), outer);
    }
}
