//! Signed notes per C2SP `signed-note` (Go's `golang.org/x/mod/sumdb/note`),
//! with Ed25519 keys.
//!
//! A note is UTF-8 text (ending in a newline, no ASCII control characters
//! other than newline), a blank line, and one or more signature lines:
//!
//! ```text
//! <text, ending in \n>
//! \n
//! — <key name> <base64(key id (4 bytes, big-endian) ‖ signature)>\n
//! ```
//!
//! The signature covers the text including its final newline. The key id of
//! an Ed25519 key is the first four bytes of
//! `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)`. Key strings:
//!
//! * verifier: `<name>+<8 hex digits key id>+<base64(0x01 ‖ public key)>`
//! * signer:   `PRIVATE+KEY+<name>+<8 hex digits key id>+<base64(0x01 ‖ seed)>`
//!
//! When opening a note, signatures by keys the caller does not know are kept
//! as unverified (this is where witness cosignatures land), every signature
//! by a known key must verify, and at least one known key must have signed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Algorithm byte of Ed25519 keys in key strings and key ids.
pub const ALG_ED25519: u8 = 0x01;

/// The signature-line prefix: U+2014 EM DASH, then a space.
pub const SIG_PREFIX: &str = "\u{2014} ";

/// Most signature lines accepted in one note (as in Go's implementation).
pub const MAX_SIGNATURES: usize = 100;

/// Errors of signed-note handling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note is not well formed; the message says how.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// The text to sign is not valid note text.
    #[error("invalid note text: {0}")]
    InvalidText(&'static str),
    /// A key name is empty, contains whitespace or '+'.
    #[error("invalid key name")]
    InvalidKeyName,
    /// A key string does not parse; the message says how.
    #[error("malformed key: {0}")]
    MalformedKey(&'static str),
    /// A key string's key id does not match its name and key.
    #[error("key id does not match key name and public key")]
    KeyIdMismatch,
    /// A signature by a known key does not verify.
    #[error("invalid signature by key {name}")]
    InvalidSignature {
        /// Name of the key whose signature failed.
        name: String,
    },
    /// No signature by any of the given keys.
    #[error("note has no signature by a known key")]
    NoKnownSignature,
}

/// Whether `name` is a valid key name: non-empty, no Unicode whitespace, no '+'.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The key id of an Ed25519 key: first 4 bytes (big-endian) of
/// `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)`.
pub fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Splits off `<name>+<hex id>+<base64 key>` and checks the parts.
fn parse_key_parts(s: &str) -> Result<(&str, u32, [u8; 32]), NoteError> {
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::MalformedKey("expected <name>+<id>+<key>"));
    };
    if !is_valid_key_name(name) {
        return Err(NoteError::InvalidKeyName);
    }
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::MalformedKey("key id is not 8 hex digits"));
    }
    let id =
        u32::from_str_radix(hex, 16).map_err(|_| NoteError::MalformedKey("key id is not hex"))?;
    let raw = B64
        .decode(b64)
        .map_err(|_| NoteError::MalformedKey("key is not base64"))?;
    let Some((&alg, key)) = raw.split_first() else {
        return Err(NoteError::MalformedKey("empty key"));
    };
    if alg != ALG_ED25519 {
        return Err(NoteError::MalformedKey("unknown key algorithm"));
    }
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| NoteError::MalformedKey("Ed25519 key is not 32 bytes"))?;
    Ok((name, id, key))
}

/// A key that checks note signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// A verifier for the Ed25519 public key `public_key` named `name`.
    pub fn new(name: &str, public_key: &[u8; 32]) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName);
        }
        let key = VerifyingKey::from_bytes(public_key)
            .map_err(|_| NoteError::MalformedKey("not an Ed25519 public key"))?;
        Ok(Self {
            name: name.to_owned(),
            id: key_id(name, public_key),
            key,
        })
    }

    /// Parses a verifier key string `<name>+<hex id>+<base64(0x01 ‖ key)>`.
    pub fn from_key_string(s: &str) -> Result<Self, NoteError> {
        let (name, id, key) = parse_key_parts(s)?;
        if key_id(name, &key) != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Self::new(name, &key)
    }

    /// The verifier key string.
    pub fn key_string(&self) -> String {
        let mut raw = Vec::with_capacity(33);
        raw.push(ALG_ED25519);
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The Ed25519 public key bytes.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Whether `sig` is a valid signature of `msg` (strict Ed25519 rules).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return false;
        };
        self.key.verify_strict(msg, &sig).is_ok()
    }
}

/// A key that signs notes.
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("id", &format_args!("{:08x}", self.id))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// A signer named `name` for the Ed25519 key with this 32-byte seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName);
        }
        let key = SigningKey::from_bytes(seed);
        Ok(Self {
            name: name.to_owned(),
            id: key_id(name, key.verifying_key().as_bytes()),
            key,
        })
    }

    /// Parses a signer key string
    /// `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
    pub fn from_key_string(s: &str) -> Result<Self, NoteError> {
        let rest = s
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedKey("missing PRIVATE+KEY+ prefix"))?;
        let (name, id, seed) = parse_key_parts(rest)?;
        let signer = Self::from_seed(name, &seed)?;
        if signer.id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(signer)
    }

    /// The signer key string (contains the private key: handle as a secret).
    pub fn key_string(&self) -> String {
        let mut raw = Vec::with_capacity(33);
        raw.push(ALG_ED25519);
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            B64.encode(raw)
        )
    }

    /// The matching verifier.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// Signs `msg` (the raw Ed25519 signature).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// Key id.
    pub key_id: u32,
    /// Signature bytes (after the key id).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, including the final newline.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }
}

/// An opened note: its text and signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending in a newline.
    pub text: String,
    /// Signatures by known keys, all verified.
    pub signatures: Vec<NoteSignature>,
    /// Signatures by unknown keys (for example witness cosignatures), not
    /// verified.
    pub unverified: Vec<NoteSignature>,
}

/// Checks note text: non-empty, ends in '\n', no control characters other
/// than '\n'.
fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() {
        return Err(NoteError::InvalidText("empty"));
    }
    if !text.ends_with('\n') {
        return Err(NoteError::InvalidText("does not end in a newline"));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::InvalidText("contains a control character"));
    }
    Ok(())
}

/// Signs `text` with every signer and returns the note.
pub fn sign_note(text: &str, signers: &[&NoteSigner]) -> Result<String, NoteError> {
    check_text(text)?;
    if signers.is_empty() {
        return Err(NoteError::Malformed("no signers"));
    }
    let mut out = String::with_capacity(text.len() + 1 + 100 * signers.len());
    out.push_str(text);
    out.push('\n');
    for s in signers {
        let sig = NoteSignature {
            name: s.name.clone(),
            key_id: s.id,
            signature: s.sign(text.as_bytes()).to_vec(),
        };
        out.push_str(&sig.to_line());
    }
    Ok(out)
}

/// Adds signature lines to an existing note (for example a witness
/// cosignature) without checking the existing ones.
pub fn add_signatures(note: &str, signers: &[&NoteSigner]) -> Result<String, NoteError> {
    let (text, _) = split_note(note.as_bytes())?;
    let mut out = note.to_owned();
    for s in signers {
        let sig = NoteSignature {
            name: s.name.clone(),
            key_id: s.id,
            signature: s.sign(text.as_bytes()).to_vec(),
        };
        out.push_str(&sig.to_line());
    }
    Ok(out)
}

/// Splits a note into text and signature block, checking the character rules.
fn split_note(msg: &[u8]) -> Result<(&str, &str), NoteError> {
    let s = std::str::from_utf8(msg).map_err(|_| NoteError::Malformed("not valid UTF-8"))?;
    if s.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed("contains a control character"));
    }
    let split = s
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before signatures"))?;
    let text = &s[..split + 1];
    let sigs = &s[split + 2..];
    if sigs.is_empty() {
        return Err(NoteError::Malformed("no signatures"));
    }
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed(
            "signature block does not end in a newline",
        ));
    }
    Ok((text, sigs))
}

/// Parses one signature line (without its newline).
fn parse_sig_line(line: &str) -> Result<NoteSignature, NoteError> {
    let rest = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
        "signature line does not start with an em dash",
    ))?;
    let (name, b64) = rest
        .split_once(' ')
        .ok_or(NoteError::Malformed("signature line has no space"))?;
    if !is_valid_key_name(name) {
        return Err(NoteError::Malformed("invalid key name in signature line"));
    }
    let raw = B64
        .decode(b64)
        .map_err(|_| NoteError::Malformed("signature is not base64"))?;
    if raw.len() < 5 {
        return Err(NoteError::Malformed("signature too short"));
    }
    let (id, sig) = raw.split_at(4);
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: u32::from_be_bytes([id[0], id[1], id[2], id[3]]),
        signature: sig.to_vec(),
    })
}

/// Parses and verifies a note against the known `verifiers`.
///
/// Signatures by unknown (name, key id) pairs are returned unverified; a
/// signature by a known key that does not verify is an error; at least one
/// known key must have signed. Repeated identical signature lines are
/// dropped.
pub fn open_note(msg: &[u8], verifiers: &[&NoteVerifier]) -> Result<Note, NoteError> {
    let (text, sigs) = split_note(msg)?;
    let mut note = Note {
        text: text.to_owned(),
        signatures: Vec::new(),
        unverified: Vec::new(),
    };
    for (count, line) in sigs.split_terminator('\n').enumerate() {
        if count >= MAX_SIGNATURES {
            return Err(NoteError::Malformed("too many signatures"));
        }
        let sig = parse_sig_line(line)?;
        let known = verifiers
            .iter()
            .find(|v| v.name == sig.name && v.id == sig.key_id);
        match known {
            None => {
                if !note.unverified.contains(&sig) {
                    note.unverified.push(sig);
                }
            }
            Some(v) => {
                if note
                    .signatures
                    .iter()
                    .any(|s| s.name == sig.name && s.key_id == sig.key_id)
                {
                    // One signature per known key is enough (as in Go).
                    continue;
                }
                if !v.verify(text.as_bytes(), &sig.signature) {
                    return Err(NoteError::InvalidSignature { name: sig.name });
                }
                note.signatures.push(sig);
            }
        }
    }
    if note.signatures.is_empty() {
        return Err(NoteError::NoKnownSignature);
    }
    Ok(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(name: &str, b: u8) -> NoteSigner {
        NoteSigner::from_seed(name, &[b; 32]).unwrap()
    }

    #[test]
    fn key_strings_round_trip() {
        let s = signer("example.com/log", 3);
        let sk = s.key_string();
        assert!(sk.starts_with("PRIVATE+KEY+example.com/log+"));
        let s2 = NoteSigner::from_key_string(&sk).unwrap();
        assert_eq!(s2.key_string(), sk);
        let vk = s.verifier().key_string();
        let v = NoteVerifier::from_key_string(&vk).unwrap();
        assert_eq!(v, s.verifier());
        // A wrong key id is caught.
        let bad = vk.replacen('+', "+0", 1).replacen("+0", "+", 1);
        assert_eq!(bad, vk);
        let mut parts: Vec<&str> = vk.split('+').collect();
        parts[1] = "00000000";
        assert_eq!(
            NoteVerifier::from_key_string(&parts.join("+")),
            Err(NoteError::KeyIdMismatch)
        );
    }

    #[test]
    fn go_note_example_key() {
        // The example verifier key from Go's note package documentation.
        let vk = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let v = NoteVerifier::from_key_string(vk).unwrap();
        assert_eq!(v.name(), "PeterNeumann");
        assert_eq!(v.key_id(), 0xc74f20a3);
        let msg = "If you think cryptography is the answer to your problem,\n\
                   then you don't know what your problem is.\n\
                   \n\
                   \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let n = open_note(msg.as_bytes(), &[&v]).unwrap();
        assert_eq!(n.signatures.len(), 1);
        assert!(n.text.starts_with("If you think"));
        // The matching signer key from the same documentation signs the
        // same bytes (Ed25519 is deterministic).
        let sk = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let s = NoteSigner::from_key_string(sk).unwrap();
        assert_eq!(s.key_string(), sk);
        assert_eq!(s.verifier().key_string(), vk);
        assert_eq!(sign_note(&n.text, &[&s]).unwrap(), msg);
    }

    #[test]
    fn multi_signature_and_unknown_keys() {
        let a = signer("a.example", 1);
        let b = signer("b.example", 2);
        let note = sign_note("hello\n", &[&a, &b]).unwrap();
        let n = open_note(note.as_bytes(), &[&a.verifier()]).unwrap();
        assert_eq!(n.signatures.len(), 1);
        assert_eq!(n.unverified.len(), 1);
        let n = open_note(note.as_bytes(), &[&a.verifier(), &b.verifier()]).unwrap();
        assert_eq!(n.signatures.len(), 2);
        let c = signer("c.example", 3);
        assert_eq!(
            open_note(note.as_bytes(), &[&c.verifier()]),
            Err(NoteError::NoKnownSignature)
        );
        // A cosignature added later.
        let cos = add_signatures(&note, &[&c]).unwrap();
        let n = open_note(cos.as_bytes(), &[&c.verifier()]).unwrap();
        assert_eq!(n.unverified.len(), 2);
    }

    #[test]
    fn rejects_malformed() {
        let a = signer("a.example", 1);
        let v = a.verifier();
        let note = sign_note("hello\n", &[&a]).unwrap();
        let cases: Vec<String> = vec![
            note.replace("hello", "hallo"),
            note.trim_end().to_owned(),
            note.replace('\u{2014}', "-"),
            note.replace("\n\n", "\n"),
            format!("{note}x\n"),
            note.replace("hello", "hel\tlo"),
            note.replace("a.example ", "a.example  "),
        ];
        for c in cases {
            assert!(open_note(c.as_bytes(), &[&v]).is_err(), "accepted {c:?}");
        }
        assert!(open_note(b"\xff\n\n", &[&v]).is_err());
        assert!(sign_note("no newline", &[&a]).is_err());
        assert!(NoteSigner::from_seed("bad name", &[0; 32]).is_err());
        assert!(NoteSigner::from_seed("bad+name", &[0; 32]).is_err());
        assert!(NoteVerifier::from_key_string("a+b").is_err());
        assert!(NoteVerifier::from_key_string("a+zzzzzzzz+AQ==").is_err());
    }
}
