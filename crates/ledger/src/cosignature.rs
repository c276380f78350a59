//! Witness cosignatures per C2SP `tlog-cosignature` (the Ed25519
//! `cosignature/v1`, signature type 0x04), and the witness's plain Ed25519
//! note signature (type 0x01) that Go's `sumdb/note` can check.
//!
//! A cosignature is a signed-note signature line on a checkpoint:
//!
//! ```text
//! — <witness name> base64(key id (4 bytes) ‖ timestamp (8 bytes, big-endian) ‖ Ed25519 signature (64 bytes))
//! ```
//!
//! * key id: the first four bytes of
//!   `SHA-256(name ‖ "\n" ‖ 0x04 ‖ 32-byte public key)`;
//! * timestamp: POSIX seconds when the witness cosigned, at most 2⁶³ − 1;
//! * the signature covers
//!   `"cosignature/v1\n" ‖ "time " ‖ <timestamp, decimal> ‖ "\n" ‖ <checkpoint body>`,
//!   the body being the note text with its final newline and without any
//!   signature line.
//!
//! Go's `sumdb/note` knows no type 0x04 and ignores such lines. So the
//! witness also signs the checkpoint body as an ordinary signed note with
//! the same Ed25519 key (key id from type 0x01, [`crate::note`]), which Go
//! verifies with the witness's `name+id+base64(0x01 ‖ key)` verifier key.
//! The two messages cannot be confused: a checkpoint body's second line is
//! a decimal size, a cosigned message's second line starts with `time `.
//!
//! Key strings:
//!
//! * verifier: `<name>+<8 hex digits key id>+<base64(0x04 ‖ public key)>`
//!   (the 0x01 form of the same key is accepted too);
//! * signer: `PRIVATE+KEY+<name>+<8 hex digits key id>+<base64(0x04 ‖ seed)>`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint, open_checkpoint};
use crate::note::{self, ALG_ED25519, NoteSignature, NoteSigner, NoteVerifier, is_valid_key_name};

/// Signature type of Ed25519 `cosignature/v1` key ids and verifier keys.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Largest timestamp a cosignature may carry (2⁶³ − 1).
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// Length of a cosignature after the key id: timestamp and signature.
const SIGNATURE_LEN: usize = 8 + 64;

/// Errors of cosignature handling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CosignatureError {
    /// A key string does not parse; the message says how.
    #[error("malformed witness key: {0}")]
    MalformedKey(&'static str),
    /// A key string's key id does not match its name and key.
    #[error("witness key id does not match key name and public key")]
    KeyIdMismatch,
    /// The checkpoint does not open with the log's key.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The note carries no cosignature by this witness.
    #[error("the checkpoint carries no cosignature by witness {name}")]
    Missing {
        /// The witness's key name.
        name: String,
    },
    /// A cosignature by this witness does not verify.
    #[error("the cosignature by witness {name} does not verify: {reason}")]
    Invalid {
        /// The witness's key name.
        name: String,
        /// Why.
        reason: &'static str,
    },
}

/// The key id of an Ed25519 cosigner key: first 4 bytes (big-endian) of
/// `SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)`.
pub fn cosignature_key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_COSIGNATURE_V1]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// The message a `cosignature/v1` signs: the header line, the time line,
/// then the checkpoint body (with its final newline).
pub fn cosigned_message(body: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{body}")
}

/// Splits `<name>+<hex id>+<base64(alg ‖ key)>` into its checked parts.
fn parse_parts(s: &str) -> Result<(&str, u32, u8, [u8; 32]), CosignatureError> {
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(CosignatureError::MalformedKey("expected <name>+<id>+<key>"));
    };
    if !is_valid_key_name(name) {
        return Err(CosignatureError::MalformedKey("invalid key name"));
    }
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CosignatureError::MalformedKey("key id is not 8 hex digits"));
    }
    let id = u32::from_str_radix(hex, 16)
        .map_err(|_| CosignatureError::MalformedKey("key id is not hex"))?;
    let raw = B64
        .decode(b64)
        .map_err(|_| CosignatureError::MalformedKey("key is not base64"))?;
    let Some((&alg, key)) = raw.split_first() else {
        return Err(CosignatureError::MalformedKey("empty key"));
    };
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| CosignatureError::MalformedKey("Ed25519 key is not 32 bytes"))?;
    Ok((name, id, alg, key))
}

fn key_string(name: &str, id: u32, alg: u8, key: &[u8; 32]) -> String {
    let mut raw = Vec::with_capacity(33);
    raw.push(alg);
    raw.extend_from_slice(key);
    format!("{name}+{id:08x}+{}", B64.encode(raw))
}

/// A witness's signing key: cosignatures (0x04) and plain note signatures
/// (0x01) with one Ed25519 key.
#[derive(Clone)]
pub struct Cosigner {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        f.debug_struct("Cosigner")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Cosigner {
    /// A cosigner named `name` for the Ed25519 key with this 32-byte seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, CosignatureError> {
        if !is_valid_key_name(name) {
            return Err(CosignatureError::MalformedKey("invalid key name"));
        }
        Ok(Self {
            name: name.to_owned(),
            key: SigningKey::from_bytes(seed),
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x04 ‖ seed)>`.
    pub fn from_key_string(s: &str) -> Result<Self, CosignatureError> {
        let rest = s
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(CosignatureError::MalformedKey(
                "missing PRIVATE+KEY+ prefix",
            ))?;
        let (name, id, alg, seed) = parse_parts(rest)?;
        if alg != ALG_COSIGNATURE_V1 {
            return Err(CosignatureError::MalformedKey(
                "not a cosigner key (signature type 0x04)",
            ));
        }
        let c = Self::from_seed(name, &seed)?;
        if c.verifier().key_id() != id {
            return Err(CosignatureError::KeyIdMismatch);
        }
        Ok(c)
    }

    /// The signer key string (contains the private key: handle as a secret).
    pub fn key_string(&self) -> String {
        format!(
            "PRIVATE+KEY+{}",
            key_string(
                &self.name,
                self.verifier().key_id(),
                ALG_COSIGNATURE_V1,
                self.key.as_bytes()
            )
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching verifier.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// The same key as a signed-note signer (type 0x01).
    pub fn note_signer(&self) -> NoteSigner {
        // The name was checked when `self` was made.
        NoteSigner::from_seed(&self.name, self.key.as_bytes())
            .unwrap_or_else(|_| unreachable!("a cosigner's name is a valid key name"))
    }

    /// The `cosignature/v1` of `body` at `timestamp` (seconds).
    pub fn cosign(&self, body: &str, timestamp: u64) -> NoteSignature {
        let sig = self.key.sign(cosigned_message(body, timestamp).as_bytes());
        let mut signature = Vec::with_capacity(SIGNATURE_LEN);
        signature.extend_from_slice(&timestamp.to_be_bytes());
        signature.extend_from_slice(&sig.to_bytes());
        NoteSignature {
            name: self.name.clone(),
            key_id: self.verifier().key_id(),
            signature,
        }
    }

    /// The plain note signature (type 0x01) of `body`.
    pub fn note_signature(&self, body: &str) -> NoteSignature {
        let s = self.note_signer();
        NoteSignature {
            name: self.name.clone(),
            key_id: s.key_id(),
            signature: s.sign(body.as_bytes()).to_vec(),
        }
    }

    /// Both signature lines for `body`: the cosignature, then the note
    /// signature (what a witness answers to `add-checkpoint`).
    pub fn signature_lines(&self, body: &str, timestamp: u64) -> String {
        let mut out = self.cosign(body, timestamp).to_line();
        out.push_str(&self.note_signature(body).to_line());
        out
    }
}

/// A witness's public key: checks its cosignatures and its note signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// A verifier for the Ed25519 public key `public_key` named `name`.
    pub fn new(name: &str, public_key: &[u8; 32]) -> Result<Self, CosignatureError> {
        if !is_valid_key_name(name) {
            return Err(CosignatureError::MalformedKey("invalid key name"));
        }
        let key = VerifyingKey::from_bytes(public_key)
            .map_err(|_| CosignatureError::MalformedKey("not an Ed25519 public key"))?;
        Ok(Self {
            name: name.to_owned(),
            key,
        })
    }

    /// Parses `<name>+<hex id>+<base64(alg ‖ key)>` with alg 0x04 (the
    /// cosignature key) or 0x01 (the same key as a note verifier).
    pub fn from_key_string(s: &str) -> Result<Self, CosignatureError> {
        let (name, id, alg, key) = parse_parts(s)?;
        let expected = match alg {
            ALG_COSIGNATURE_V1 => cosignature_key_id(name, &key),
            ALG_ED25519 => note::key_id(name, &key),
            _ => return Err(CosignatureError::MalformedKey("unknown key algorithm")),
        };
        if expected != id {
            return Err(CosignatureError::KeyIdMismatch);
        }
        Self::new(name, &key)
    }

    /// The cosignature verifier key string (type 0x04).
    pub fn key_string(&self) -> String {
        key_string(
            &self.name,
            self.key_id(),
            ALG_COSIGNATURE_V1,
            self.key.as_bytes(),
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cosignature key id (type 0x04).
    pub fn key_id(&self) -> u32 {
        cosignature_key_id(&self.name, self.key.as_bytes())
    }

    /// The same key as a signed-note verifier (type 0x01), for Go's
    /// `sumdb/note`.
    pub fn note_verifier(&self) -> NoteVerifier {
        NoteVerifier::new(&self.name, self.key.as_bytes())
            .unwrap_or_else(|_| unreachable!("a verifier's name and key were checked"))
    }

    /// Verifies the cosignature `sig` of `body`; returns its timestamp.
    pub fn verify_cosignature(
        &self,
        body: &str,
        sig: &NoteSignature,
    ) -> Result<u64, CosignatureError> {
        let invalid = |reason| CosignatureError::Invalid {
            name: self.name.clone(),
            reason,
        };
        if sig.name != self.name || sig.key_id != self.key_id() {
            return Err(invalid("another key's signature line"));
        }
        let raw: &[u8; SIGNATURE_LEN] = sig
            .signature
            .as_slice()
            .try_into()
            .map_err(|_| invalid("not 8 bytes of time and 64 of signature"))?;
        let (time, signature) = raw.split_at(8);
        let timestamp = u64::from_be_bytes(time.try_into().map_err(|_| invalid("time"))?);
        if timestamp > MAX_TIMESTAMP {
            return Err(invalid("timestamp beyond 2^63 - 1"));
        }
        let signature =
            ed25519_dalek::Signature::from_slice(signature).map_err(|_| invalid("signature"))?;
        self.key
            .verify_strict(cosigned_message(body, timestamp).as_bytes(), &signature)
            .map_err(|_| invalid("bad Ed25519 signature"))?;
        Ok(timestamp)
    }
}

/// A checkpoint verified with the log's key and cosigned by a witness.
#[derive(Clone, Debug)]
pub struct Witnessed {
    /// The checkpoint, opened with the log's key.
    pub checkpoint: SignedCheckpoint,
    /// Each witness's cosignature time, in the order of the keys given.
    pub timestamps: Vec<u64>,
    /// Whether each witness's plain note signature is present (and valid).
    pub note_signed: Vec<bool>,
}

/// Opens the signed checkpoint `msg` with the log's key and requires a
/// valid cosignature by every witness in `witnesses`. A witness's plain
/// note signature, where present, must verify too. Signatures by other
/// keys are ignored.
pub fn open_witnessed(
    msg: &[u8],
    log_key: &NoteVerifier,
    origin: Option<&str>,
    witnesses: &[CosignatureVerifier],
) -> Result<Witnessed, CosignatureError> {
    let checkpoint = open_checkpoint(msg, log_key, origin)?;
    let body = checkpoint.note.text.as_str();
    let mut timestamps = Vec::with_capacity(witnesses.len());
    let mut note_signed = Vec::with_capacity(witnesses.len());
    for w in witnesses {
        let cosig = checkpoint
            .note
            .unverified
            .iter()
            .find(|s| s.name == w.name && s.key_id == w.key_id())
            .ok_or_else(|| CosignatureError::Missing {
                name: w.name.clone(),
            })?;
        timestamps.push(w.verify_cosignature(body, cosig)?);
        let nv = w.note_verifier();
        let plain = checkpoint
            .note
            .unverified
            .iter()
            .find(|s| s.name == nv.name() && s.key_id == nv.key_id());
        if let Some(p) = plain
            && !nv.verify(body.as_bytes(), &p.signature)
        {
            return Err(CosignatureError::Invalid {
                name: w.name.clone(),
                reason: "bad note signature (type 0x01)",
            });
        }
        note_signed.push(plain.is_some());
    }
    Ok(Witnessed {
        checkpoint,
        timestamps,
        note_signed,
    })
}

/// The note `signed` (a checkpoint signed by the log) with signature lines
/// `lines` appended (each a full line ending in a newline), dropping lines
/// already present.
pub fn append_signature_lines(signed: &str, lines: &str) -> String {
    let mut out = signed.to_owned();
    for line in lines.split_inclusive('\n') {
        if !out.split_inclusive('\n').any(|l| l == line) {
            out.push_str(line);
        }
    }
    out
}

/// Parses the body of a checkpoint note without checking signatures (for
/// messages that say which checkpoint failed).
pub fn peek_checkpoint(msg: &[u8]) -> Option<Checkpoint> {
    let s = std::str::from_utf8(msg).ok()?;
    let split = s.rfind("\n\n")?;
    Checkpoint::parse(&s[..split + 1]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::Hash;

    /// Golden vector: seed 0x07 × 32, witness `witness.example/oversight`,
    /// checkpoint `example.org/log`, size 5, root 0x11 × 32, time
    /// 1770000000 (2026-02-02). Written from this implementation, then
    /// checked field by field against the specification's byte layout in
    /// `golden_vector_layout_by_hand`, and reproduced byte for byte by an
    /// independent script (Python's `hashlib` and `cryptography` Ed25519,
    /// following the specification's text) when it was written.
    const GOLDEN_SEED: [u8; 32] = [7; 32];
    const GOLDEN_NAME: &str = "witness.example/oversight";
    const GOLDEN_TIME: u64 = 1_770_000_000;
    const GOLDEN_VKEY: &str =
        "witness.example/oversight+17123dfc+BOpKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs";
    const GOLDEN_COSIGNATURE: &str = "— witness.example/oversight FxI9/AAAAABpgA6AeYmxCOAoP9iYsNqnmxOA3gShrvtLqMvkEmmJethTw4RX6XLTxqnvknTNfDtqIpZGdo9NmL+X4Wfp6R7RxfpuDw==
";

    fn golden_body() -> String {
        Checkpoint::new("example.org/log", 5, Hash([0x11; 32]))
            .to_body()
            .unwrap()
    }

    #[test]
    fn golden_vector() {
        let c = Cosigner::from_seed(GOLDEN_NAME, &GOLDEN_SEED).unwrap();
        assert_eq!(c.verifier().key_string(), GOLDEN_VKEY);
        let line = c.cosign(&golden_body(), GOLDEN_TIME).to_line();
        assert_eq!(line, GOLDEN_COSIGNATURE);
        // Key strings round-trip.
        let sk = c.key_string();
        assert!(sk.starts_with("PRIVATE+KEY+witness.example/oversight+17123dfc+BAcH"));
        assert_eq!(Cosigner::from_key_string(&sk).unwrap().key_string(), sk);
        let v = CosignatureVerifier::from_key_string(GOLDEN_VKEY).unwrap();
        assert_eq!(v, c.verifier());
        // The 0x01 form of the same key gives the same verifier.
        let nv = c.verifier().note_verifier().key_string();
        assert_eq!(CosignatureVerifier::from_key_string(&nv).unwrap(), v);
    }

    /// The golden line, decoded and checked against the specification's
    /// layout with nothing but SHA-256 and Ed25519.
    #[test]
    fn golden_vector_layout_by_hand() {
        let line = GOLDEN_COSIGNATURE.strip_suffix('\n').unwrap();
        let rest = line.strip_prefix("\u{2014} ").unwrap();
        let (name, b64) = rest.split_once(' ').unwrap();
        assert_eq!(name, GOLDEN_NAME);
        let raw = B64.decode(b64).unwrap();
        assert_eq!(raw.len(), 4 + 8 + 64);
        let public = SigningKey::from_bytes(&GOLDEN_SEED).verifying_key();
        // Key id: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4].
        let mut pre = Vec::new();
        pre.extend_from_slice(GOLDEN_NAME.as_bytes());
        pre.push(0x0a);
        pre.push(0x04);
        pre.extend_from_slice(public.as_bytes());
        assert_eq!(&raw[..4], &Sha256::digest(&pre)[..4]);
        // Timestamp: u64 big-endian.
        assert_eq!(raw[4..12], GOLDEN_TIME.to_be_bytes());
        assert_eq!(raw[4..12], [0, 0, 0, 0, 0x69, 0x80, 0x0e, 0x80]);
        // Signature over the three parts, spelled out.
        let msg = "cosignature/v1\ntime 1770000000\nexample.org/log\n5\nERERERERERERERERERERERERERERERERERERERERERE=\n";
        let sig = ed25519_dalek::Signature::from_slice(&raw[12..]).unwrap();
        public.verify_strict(msg.as_bytes(), &sig).unwrap();
        // And the verifier key: name + hex id + base64(0x04 ‖ key).
        let mut vk = vec![0x04];
        vk.extend_from_slice(public.as_bytes());
        assert_eq!(
            GOLDEN_VKEY,
            format!("{GOLDEN_NAME}+{}+{}", hex(&raw[..4]), B64.encode(vk))
        );
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn open_witnessed_requires_every_witness_and_rejects_forgeries() {
        let log = NoteSigner::from_seed("example.org/log", &[1; 32]).unwrap();
        let w = Cosigner::from_seed("w.example/a", &[2; 32]).unwrap();
        let other = Cosigner::from_seed("w.example/b", &[3; 32]).unwrap();
        let cp = Checkpoint::new("example.org/log", 9, Hash([4; 32]));
        let signed = cp.sign(&[&log]).unwrap();
        let body = cp.to_body().unwrap();
        let cosigned = append_signature_lines(&signed, &w.signature_lines(&body, 100));
        let got =
            open_witnessed(cosigned.as_bytes(), &log.verifier(), None, &[w.verifier()]).unwrap();
        assert_eq!(got.timestamps, vec![100]);
        assert_eq!(got.note_signed, vec![true]);
        // Without the cosignature; with another witness's only.
        assert!(matches!(
            open_witnessed(signed.as_bytes(), &log.verifier(), None, &[w.verifier()]),
            Err(CosignatureError::Missing { .. })
        ));
        assert!(matches!(
            open_witnessed(
                cosigned.as_bytes(),
                &log.verifier(),
                None,
                &[other.verifier()]
            ),
            Err(CosignatureError::Missing { .. })
        ));
        // A cosignature of another checkpoint moved onto this one.
        let other_body = Checkpoint::new("example.org/log", 8, Hash([4; 32]))
            .to_body()
            .unwrap();
        let moved = append_signature_lines(&signed, &w.cosign(&other_body, 100).to_line());
        assert!(matches!(
            open_witnessed(moved.as_bytes(), &log.verifier(), None, &[w.verifier()]),
            Err(CosignatureError::Invalid { .. })
        ));
        // The time changed after signing.
        let mut sig = w.cosign(&body, 100);
        sig.signature[7] ^= 1;
        let retimed = append_signature_lines(&signed, &sig.to_line());
        assert!(matches!(
            open_witnessed(retimed.as_bytes(), &log.verifier(), None, &[w.verifier()]),
            Err(CosignatureError::Invalid { .. })
        ));
        // A bad plain note signature next to a good cosignature.
        let mut plain = w.note_signature(&body);
        plain.signature[0] ^= 1;
        let bad_plain = append_signature_lines(
            &signed,
            &format!("{}{}", w.cosign(&body, 5).to_line(), plain.to_line()),
        );
        assert!(
            open_witnessed(bad_plain.as_bytes(), &log.verifier(), None, &[w.verifier()]).is_err()
        );
        // A witness signing with the log's name cannot stand in for the log.
        assert!(
            open_witnessed(
                cosigned.as_bytes(),
                &w.note_signer().verifier(),
                Some("example.org/log"),
                &[]
            )
            .is_ok(),
            "the witness's note signature is a valid note signature by the witness"
        );
        assert!(peek_checkpoint(cosigned.as_bytes()).is_some_and(|c| c.size == 9));
    }

    #[test]
    fn key_strings_reject_mistakes() {
        let c = Cosigner::from_seed("w.example/a", &[2; 32]).unwrap();
        let vk = c.verifier().key_string();
        let mut parts: Vec<&str> = vk.split('+').collect();
        parts[1] = "00000000";
        assert_eq!(
            CosignatureVerifier::from_key_string(&parts.join("+")),
            Err(CosignatureError::KeyIdMismatch)
        );
        assert!(CosignatureVerifier::from_key_string("a+b").is_err());
        // A log's signer key string is not a cosigner key.
        let log = NoteSigner::from_seed("example.org/log", &[1; 32]).unwrap();
        assert!(Cosigner::from_key_string(&log.key_string()).is_err());
        assert!(format!("{c:?}").contains("w.example/a"));
        assert!(!format!("{c:?}").contains(&c.key_string()[20..]));
    }
}
