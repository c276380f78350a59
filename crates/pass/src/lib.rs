//! Accreditation passes checked offline at the gate.
//!
//! An accredited person's pass is a small signed credential, printed as a QR
//! code. A steward's verifier holds only the pass key's public half and the
//! last revocation list it synced; it needs no network to tell valid, wrong
//! zone, expired (or not yet valid), revoked or forged.
//!
//! # Formats (version 1)
//!
//! * **Pass**: `CP1.<payload>.<signature>`, both parts base64url without
//!   padding. The payload is the JSON object [`Claims`] (short keys, to keep
//!   the QR code small); the signature is Ed25519 over
//!   `"cortina-pass-v1\0" ‖ payload bytes` — the bytes as transmitted, so a
//!   verifier never re-serialises JSON.
//! * **Revocation list**: `CR1.<list>.<signature>`, the list being the JSON
//!   object [`Revocations`], signed by the same key over
//!   `"cortina-revocations-v1\0" ‖ list bytes`. The distinct prefixes keep a
//!   list from ever passing for a pass and the reverse.
//! * **Gate bundle**: what the server exports for verifiers ([`Bundle`]):
//!   the key id, the public key (base64url), and the signed revocation list.
//! * **Key id**: the first 8 bytes of SHA-256 of the public key, in hex.
//!
//! The pass key is dedicated to passes: the ledger's checkpoint key never
//! signs one, and this key never signs a checkpoint.
//!
//! The browser's verifier (`/static/gate.js` in the server crate) implements
//! the same checks; the tests of both use [`Gate::check`]'s verdict names.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Prefix of an encoded pass.
pub const PASS_PREFIX: &str = "CP1.";
/// Prefix of an encoded revocation list.
pub const REVOCATIONS_PREFIX: &str = "CR1.";
/// The gate bundle's `format` value.
pub const BUNDLE_FORMAT: &str = "cortina-gate-bundle/1";
/// Domain separation of a pass signature.
const PASS_CONTEXT: &[u8] = b"cortina-pass-v1\0";
/// Domain separation of a revocation list signature.
const REVOCATIONS_CONTEXT: &[u8] = b"cortina-revocations-v1\0";
/// Longest encoded pass or list a verifier reads (a scanner that types
/// garbage must not make it work hard).
pub const MAX_ENCODED: usize = 4096;
/// Longest encoded revocation list a verifier reads (16 MiB: about 500,000
/// revoked passes).
pub const MAX_LIST: usize = 16 << 20;
/// Prefix of a pass key string (the private half, as kept on disk).
const KEY_STRING_PREFIX: &str = "CORTINA-PASS-KEY+";

/// Errors of key handling and of reading signed lists and bundles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PassError {
    /// A key string that is not `CORTINA-PASS-KEY+<key id>+<seed>`.
    #[error("bad pass key string: {0}")]
    BadKey(String),
    /// A bundle that is not one this version reads.
    #[error("bad gate bundle: {0}")]
    BadBundle(String),
    /// A revocation list that is malformed or not signed by the bundle's key.
    #[error("bad revocation list: {0}")]
    BadRevocations(String),
}

/// One venue and zone a pass admits to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Access(pub String, pub String);

/// What a pass says. Times are Unix seconds; the validity is `[from, until)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// Format version (1).
    pub v: u8,
    /// The pass id (opaque; what a revocation list names).
    pub id: String,
    /// The holder's name, as in the identity document.
    pub n: String,
    /// The last digits of the holder's document number.
    pub d: String,
    /// The category (`athlete`, `media`, …, or the declared role).
    pub c: String,
    /// The venues and zones admitted to, as `[venue, zone]` pairs.
    pub a: Vec<Access>,
    /// Valid from (Unix seconds).
    pub f: i64,
    /// Valid until, exclusive (Unix seconds).
    pub u: i64,
    /// The id of the key that signed the pass.
    pub k: String,
}

impl Claims {
    /// Whether the pass admits to `zone` of `venue` (case-insensitive).
    pub fn admits(&self, venue: &str, zone: &str) -> bool {
        self.a.iter().any(|Access(v, z)| {
            v.trim().eq_ignore_ascii_case(venue.trim())
                && z.trim().eq_ignore_ascii_case(zone.trim())
        })
    }
}

/// A signed revocation list's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocations {
    /// The id of the key that signed the list.
    pub k: String,
    /// When the list was made (Unix seconds): "revocations as of".
    pub as_of: i64,
    /// The revoked pass ids, sorted.
    pub revoked: Vec<String>,
}

/// The file a server exports for offline verifiers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    /// The pass key's id.
    pub key_id: String,
    /// The pass key's public half, base64url (32 bytes).
    pub public_key: String,
    /// The signed revocation list (`CR1.…`).
    pub revocations: String,
}

/// The hex key id of a public key.
fn key_id_of(public: &VerifyingKey) -> String {
    let digest = Sha256::digest(public.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn signed(context: &[u8], body: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(context.len() + body.len());
    msg.extend_from_slice(context);
    msg.extend_from_slice(body);
    msg
}

/// The private pass key: signs passes and revocation lists. Its `Debug`
/// shows the key id only.
#[derive(Clone)]
pub struct PassSigner {
    key: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for PassSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl PassSigner {
    /// The key with this 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(seed);
        let key_id = key_id_of(&key.verifying_key());
        PassSigner { key, key_id }
    }

    /// The key string kept on disk: `CORTINA-PASS-KEY+<key id>+<base64url seed>`.
    pub fn key_string(&self) -> String {
        format!(
            "{KEY_STRING_PREFIX}{}+{}",
            self.key_id,
            B64URL.encode(self.key.to_bytes())
        )
    }

    /// Reads a key string written by [`PassSigner::key_string`], checking
    /// that its key id matches its seed.
    pub fn from_key_string(s: &str) -> Result<Self, PassError> {
        let rest = s
            .strip_prefix(KEY_STRING_PREFIX)
            .ok_or_else(|| PassError::BadKey(format!("does not start with {KEY_STRING_PREFIX}")))?;
        let (id, seed) = rest
            .split_once('+')
            .ok_or_else(|| PassError::BadKey("no '+' between key id and seed".into()))?;
        let seed = B64URL
            .decode(seed)
            .map_err(|e| PassError::BadKey(format!("seed is not base64url: {e}")))?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| PassError::BadKey("seed is not 32 bytes".into()))?;
        let signer = PassSigner::from_seed(&seed);
        if signer.key_id != id {
            return Err(PassError::BadKey(format!(
                "key id {id} does not match the seed (its id is {})",
                signer.key_id
            )));
        }
        Ok(signer)
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// A pass id for the accreditation `parts` name (kind, subject id, when
    /// accredited): 16 hex digits, the same each time, keyed by this key's
    /// secret so that a revocation list (which anyone at a gate holds)
    /// cannot be matched to guessable subject ids.
    pub fn derive_id(&self, parts: &[&str]) -> String {
        let mut h = Sha256::new();
        h.update(b"cortina-pass-id-v1\0");
        h.update(self.key.to_bytes());
        for part in parts {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The public half.
    pub fn public(&self) -> PassKey {
        PassKey {
            key: self.key.verifying_key(),
            key_id: self.key_id.clone(),
        }
    }

    /// Signs a pass. `claims.k` is set to this key's id.
    pub fn issue(&self, claims: &Claims) -> String {
        let claims = Claims {
            k: self.key_id.clone(),
            ..claims.clone()
        };
        let body = serde_json::to_vec(&claims).expect("claims serialise");
        let sig = self.key.sign(&signed(PASS_CONTEXT, &body));
        format!(
            "{PASS_PREFIX}{}.{}",
            B64URL.encode(&body),
            B64URL.encode(sig.to_bytes())
        )
    }

    /// Signs a revocation list as of `as_of` (Unix seconds).
    pub fn revocations(&self, as_of: i64, revoked: impl IntoIterator<Item = String>) -> String {
        let revoked: BTreeSet<String> = revoked.into_iter().collect();
        let list = Revocations {
            k: self.key_id.clone(),
            as_of,
            revoked: revoked.into_iter().collect(),
        };
        let body = serde_json::to_vec(&list).expect("list serialises");
        let sig = self.key.sign(&signed(REVOCATIONS_CONTEXT, &body));
        format!(
            "{REVOCATIONS_PREFIX}{}.{}",
            B64URL.encode(&body),
            B64URL.encode(sig.to_bytes())
        )
    }

    /// The gate bundle with a revocation list as of `as_of`.
    pub fn bundle(&self, as_of: i64, revoked: impl IntoIterator<Item = String>) -> Bundle {
        Bundle {
            format: BUNDLE_FORMAT.into(),
            key_id: self.key_id.clone(),
            public_key: B64URL.encode(self.key.verifying_key().as_bytes()),
            revocations: self.revocations(as_of, revoked),
        }
    }
}

/// The public pass key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassKey {
    key: VerifyingKey,
    key_id: String,
}

impl PassKey {
    /// The key from its base64url public half.
    pub fn from_base64(public: &str) -> Result<Self, PassError> {
        let bytes = B64URL
            .decode(public.trim())
            .map_err(|e| PassError::BadKey(format!("public key is not base64url: {e}")))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| PassError::BadKey("public key is not 32 bytes".into()))?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|e| PassError::BadKey(format!("not an Ed25519 public key: {e}")))?;
        Ok(PassKey {
            key_id: key_id_of(&key),
            key,
        })
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Opens `CP1.<payload>.<sig>`: the claims if the signature is this
    /// key's, else why not (the pass is forged, damaged or not a pass).
    pub fn open_pass(&self, encoded: &str) -> Result<Claims, String> {
        let body = self.open(encoded, PASS_PREFIX, PASS_CONTEXT, MAX_ENCODED)?;
        let claims: Claims = serde_json::from_slice(&body)
            .map_err(|e| format!("signed payload is not a version-1 pass: {e}"))?;
        if claims.v != 1 {
            return Err(format!("pass version {} is not 1", claims.v));
        }
        if claims.k != self.key_id {
            return Err(format!("pass names key {}, not {}", claims.k, self.key_id));
        }
        Ok(claims)
    }

    /// Opens a signed revocation list.
    pub fn open_revocations(&self, encoded: &str) -> Result<Revocations, PassError> {
        let body = self
            .open(encoded, REVOCATIONS_PREFIX, REVOCATIONS_CONTEXT, MAX_LIST)
            .map_err(PassError::BadRevocations)?;
        let list: Revocations = serde_json::from_slice(&body)
            .map_err(|e| PassError::BadRevocations(format!("not a version-1 list: {e}")))?;
        if list.k != self.key_id {
            return Err(PassError::BadRevocations(format!(
                "list names key {}, not {}",
                list.k, self.key_id
            )));
        }
        Ok(list)
    }

    fn open(
        &self,
        encoded: &str,
        prefix: &str,
        context: &[u8],
        max: usize,
    ) -> Result<Vec<u8>, String> {
        let encoded = encoded.trim();
        if encoded.len() > max {
            return Err(format!("longer than {max} characters"));
        }
        let rest = encoded
            .strip_prefix(prefix)
            .ok_or_else(|| format!("does not start with {prefix}"))?;
        let (body, sig) = rest
            .split_once('.')
            .ok_or_else(|| "no signature part".to_owned())?;
        let body = B64URL
            .decode(body)
            .map_err(|e| format!("payload is not base64url: {e}"))?;
        let sig = B64URL
            .decode(sig)
            .map_err(|e| format!("signature is not base64url: {e}"))?;
        let sig: [u8; 64] = sig
            .try_into()
            .map_err(|_| "signature is not 64 bytes".to_owned())?;
        self.key
            .verify(&signed(context, &body), &Signature::from_bytes(&sig))
            .map_err(|_| "signature does not verify with the pass key".to_owned())?;
        Ok(body)
    }
}

/// What the steward is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Valid for this venue and zone now.
    Valid(Claims),
    /// Genuine and in force, but not for this venue and zone.
    WrongZone(Claims),
    /// Genuine, but its validity has ended.
    Expired(Claims),
    /// Genuine, but its validity has not begun.
    NotYetValid(Claims),
    /// Genuine, but on the revocation list.
    Revoked(Claims),
    /// Not signed by the pass key (or damaged, or not a pass): why.
    Forged(String),
}

impl Verdict {
    /// The stable name (`valid`, `wrong_zone`, `expired`, `not_yet_valid`,
    /// `revoked`, `forged`), as the CLI prints and the gate page shows.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Valid(_) => "valid",
            Verdict::WrongZone(_) => "wrong_zone",
            Verdict::Expired(_) => "expired",
            Verdict::NotYetValid(_) => "not_yet_valid",
            Verdict::Revoked(_) => "revoked",
            Verdict::Forged(_) => "forged",
        }
    }

    /// The claims of a genuine pass.
    pub fn claims(&self) -> Option<&Claims> {
        match self {
            Verdict::Valid(c)
            | Verdict::WrongZone(c)
            | Verdict::Expired(c)
            | Verdict::NotYetValid(c)
            | Verdict::Revoked(c) => Some(c),
            Verdict::Forged(_) => None,
        }
    }
}

/// An offline verifier: the public key and the last revocation list synced.
#[derive(Clone, Debug)]
pub struct Gate {
    key: PassKey,
    revoked: BTreeSet<String>,
    as_of: i64,
}

impl Gate {
    /// Reads a gate bundle, verifying its revocation list's signature.
    pub fn from_bundle(json: &str) -> Result<Gate, PassError> {
        if json.len() > MAX_LIST + 1024 {
            return Err(PassError::BadBundle("larger than 16 MiB".into()));
        }
        let bundle: Bundle =
            serde_json::from_str(json).map_err(|e| PassError::BadBundle(e.to_string()))?;
        if bundle.format != BUNDLE_FORMAT {
            return Err(PassError::BadBundle(format!(
                "format {:?} is not {BUNDLE_FORMAT:?}",
                bundle.format
            )));
        }
        let key = PassKey::from_base64(&bundle.public_key)?;
        if key.key_id != bundle.key_id {
            return Err(PassError::BadBundle(format!(
                "key id {} does not match the public key (its id is {})",
                bundle.key_id, key.key_id
            )));
        }
        let list = key.open_revocations(&bundle.revocations)?;
        Ok(Gate {
            key,
            revoked: list.revoked.into_iter().collect(),
            as_of: list.as_of,
        })
    }

    /// When the revocation list was made (Unix seconds).
    pub fn revocations_as_of(&self) -> i64 {
        self.as_of
    }

    /// The public key.
    pub fn key(&self) -> &PassKey {
        &self.key
    }

    /// Checks a scanned pass at `zone` of `venue` at `now` (Unix seconds).
    /// Forgery is decided first, then revocation, validity, and the zone.
    pub fn check(&self, scanned: &str, venue: &str, zone: &str, now: i64) -> Verdict {
        let claims = match self.key.open_pass(scanned) {
            Ok(c) => c,
            Err(why) => return Verdict::Forged(why),
        };
        if self.revoked.contains(&claims.id) {
            Verdict::Revoked(claims)
        } else if now >= claims.u {
            Verdict::Expired(claims)
        } else if now < claims.f {
            Verdict::NotYetValid(claims)
        } else if !claims.admits(venue, zone) {
            Verdict::WrongZone(claims)
        } else {
            Verdict::Valid(claims)
        }
    }
}

/// The last `n` characters of a document number (letters and digits only):
/// what a pass carries to compare with the ID presented.
pub fn document_tail(document: &str, n: usize) -> String {
    let kept: Vec<char> = document.chars().filter(|c| c.is_alphanumeric()).collect();
    kept[kept.len().saturating_sub(n)..].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            v: 1,
            id: "p-7f3a".into(),
            n: "Giulia Rossi".into(),
            d: document_tail("YA-1234567", 4),
            c: "media".into(),
            a: vec![Access("san-siro".into(), "2".into())],
            f: 1_000,
            u: 2_000,
            k: String::new(),
        }
    }

    fn gate(signer: &PassSigner, revoked: &[&str]) -> Gate {
        let bundle = signer.bundle(1_500, revoked.iter().map(|s| s.to_string()));
        Gate::from_bundle(&serde_json::to_string(&bundle).unwrap()).unwrap()
    }

    #[test]
    fn verdicts() {
        let signer = PassSigner::from_seed(&[7; 32]);
        let pass = signer.issue(&claims());
        let g = gate(&signer, &[]);
        assert_eq!(g.check(&pass, "SAN-SIRO", "2", 1_500).as_str(), "valid");
        assert_eq!(
            g.check(&pass, "san-siro", "3", 1_500).as_str(),
            "wrong_zone"
        );
        assert_eq!(
            g.check(&pass, "olympic-stadium", "2", 1_500).as_str(),
            "wrong_zone"
        );
        assert_eq!(g.check(&pass, "san-siro", "2", 2_000).as_str(), "expired");
        assert_eq!(
            g.check(&pass, "san-siro", "2", 999).as_str(),
            "not_yet_valid"
        );
        let revoking = gate(&signer, &["p-7f3a"]);
        assert_eq!(
            revoking.check(&pass, "san-siro", "2", 1_500).as_str(),
            "revoked"
        );
        assert_eq!(revoking.revocations_as_of(), 1_500);
        let v = g.check(&pass, "san-siro", "2", 1_500);
        let c = v.claims().unwrap();
        assert_eq!((c.n.as_str(), c.d.as_str()), ("Giulia Rossi", "4567"));
    }

    #[test]
    fn forgeries() {
        let signer = PassSigner::from_seed(&[7; 32]);
        let other = PassSigner::from_seed(&[8; 32]);
        let g = gate(&signer, &[]);
        // Signed by another key.
        let foreign = other.issue(&claims());
        assert!(matches!(
            g.check(&foreign, "san-siro", "2", 1_500),
            Verdict::Forged(_)
        ));
        // A genuine pass whose payload was edited (zone 2 → 3).
        let pass = signer.issue(&claims());
        let (_, rest) = pass.split_once('.').unwrap();
        let (body, sig) = rest.split_once('.').unwrap();
        let mut json = String::from_utf8(B64URL.decode(body).unwrap()).unwrap();
        json = json.replace("\"2\"]", "\"3\"]");
        let edited = format!("CP1.{}.{sig}", B64URL.encode(json.as_bytes()));
        assert!(matches!(
            g.check(&edited, "san-siro", "3", 1_500),
            Verdict::Forged(_)
        ));
        // A revocation list is not a pass, even though the key signed it.
        let list = signer.revocations(1, []);
        let disguised = list.replacen("CR1.", "CP1.", 1);
        assert!(matches!(
            g.check(&disguised, "san-siro", "2", 1_500),
            Verdict::Forged(_)
        ));
        // Garbage from a scanner.
        for junk in ["", "CP1.", "CP1.a.b", "hello", &"x".repeat(10_000)] {
            assert!(matches!(
                g.check(junk, "san-siro", "2", 1_500),
                Verdict::Forged(_)
            ));
        }
    }

    #[test]
    fn a_tampered_revocation_list_is_refused() {
        let signer = PassSigner::from_seed(&[7; 32]);
        let mut bundle = signer.bundle(1_500, ["p-1".to_string()]);
        // Drop the revocation by re-encoding the body with the old signature.
        let (_, rest) = bundle.revocations.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let body = br#"{"k":"x","as_of":1500,"revoked":[]}"#;
        bundle.revocations = format!("CR1.{}.{sig}", B64URL.encode(body));
        let json = serde_json::to_string(&bundle).unwrap();
        assert!(matches!(
            Gate::from_bundle(&json),
            Err(PassError::BadRevocations(_))
        ));
        // A bundle whose key id does not match its key.
        let mut bundle = signer.bundle(1_500, []);
        bundle.key_id = "0000000000000000".into();
        let json = serde_json::to_string(&bundle).unwrap();
        assert!(matches!(
            Gate::from_bundle(&json),
            Err(PassError::BadBundle(_))
        ));
    }

    #[test]
    fn key_strings_round_trip_and_check_their_id() {
        let signer = PassSigner::from_seed(&[9; 32]);
        let s = signer.key_string();
        assert_eq!(
            PassSigner::from_key_string(&s).unwrap().key_id(),
            signer.key_id()
        );
        let wrong = s.replacen(signer.key_id(), "0123456789abcdef", 1);
        assert!(PassSigner::from_key_string(&wrong).is_err());
        assert!(format!("{signer:?}").contains(signer.key_id()));
        assert!(!format!("{signer:?}").contains(&s));
    }

    #[test]
    fn pass_ids_are_keyed_and_stable() {
        let a = PassSigner::from_seed(&[1; 32]);
        let b = PassSigner::from_seed(&[2; 32]);
        let id = a.derive_id(&["applicant", "x", "1"]);
        assert_eq!(id.len(), 16);
        assert_eq!(id, a.derive_id(&["applicant", "x", "1"]));
        assert_ne!(id, b.derive_id(&["applicant", "x", "1"]));
        assert_ne!(id, a.derive_id(&["applicant", "x1", ""]));
    }

    #[test]
    fn document_tails() {
        assert_eq!(document_tail("YA-1234567", 4), "4567");
        assert_eq!(document_tail("12", 4), "12");
    }
}
