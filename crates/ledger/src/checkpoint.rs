//! Checkpoints per C2SP `tlog-checkpoint`: the signed statement of a log's
//! size and root hash.
//!
//! The body (the signed-note text) is
//!
//! ```text
//! <origin>\n
//! <tree size, decimal, no leading zeros>\n
//! <base64 root hash>\n
//! [<extension line>\n]...
//! ```
//!
//! The origin is a non-empty line identifying the log; extension lines are
//! non-empty and opaque.

use crate::note::{self, Note, NoteError, NoteSigner, NoteVerifier};
use crate::tlog::Hash;

/// Errors of checkpoint parsing and opening.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The signed note did not open.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The checkpoint body is malformed; the message says how.
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    /// The checkpoint is for another log.
    #[error("checkpoint origin {found:?} is not the expected {expected:?}")]
    WrongOrigin {
        /// Origin line wanted.
        expected: String,
        /// Origin line found.
        found: String,
    },
}

/// A checkpoint body: origin, size, root hash and extension lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line.
    pub origin: String,
    /// Number of entries in the tree.
    pub size: u64,
    /// Root hash of the tree of `size` entries.
    pub root: Hash,
    /// Extension lines (without newlines), possibly empty.
    pub extensions: Vec<String>,
}

fn valid_line(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c.is_control())
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The body text, ending in a newline.
    pub fn to_body(&self) -> Result<String, CheckpointError> {
        if !valid_line(&self.origin) {
            return Err(CheckpointError::Malformed("invalid origin line"));
        }
        if !self.extensions.iter().all(|e| valid_line(e)) {
            return Err(CheckpointError::Malformed("invalid extension line"));
        }
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        Ok(s)
    }

    /// Parses a body. Rejects non-canonical sizes, bad base64 and empty lines.
    pub fn parse(body: &str) -> Result<Self, CheckpointError> {
        let rest = body
            .strip_suffix('\n')
            .ok_or(CheckpointError::Malformed("does not end in a newline"))?;
        let mut lines = rest.split('\n');
        let origin = lines.next().unwrap_or_default();
        if !valid_line(origin) {
            return Err(CheckpointError::Malformed("invalid origin line"));
        }
        let size = lines
            .next()
            .ok_or(CheckpointError::Malformed("missing size line"))?;
        let size = parse_decimal(size).ok_or(CheckpointError::Malformed("invalid tree size"))?;
        let root = lines
            .next()
            .ok_or(CheckpointError::Malformed("missing root hash line"))?;
        let root =
            Hash::from_base64(root).ok_or(CheckpointError::Malformed("invalid root hash"))?;
        let mut extensions = Vec::new();
        for l in lines {
            if !valid_line(l) {
                return Err(CheckpointError::Malformed("invalid extension line"));
            }
            extensions.push(l.to_owned());
        }
        let cp = Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        };
        // Canonical form only: re-encoding must give the same bytes (this
        // rejects, e.g., non-canonical base64 padding bits).
        if cp.to_body()? != body {
            return Err(CheckpointError::Malformed("not in canonical form"));
        }
        Ok(cp)
    }

    /// Signs the checkpoint and returns the signed note.
    pub fn sign(&self, signers: &[&NoteSigner]) -> Result<String, CheckpointError> {
        Ok(note::sign_note(&self.to_body()?, signers)?)
    }
}

/// Parses a decimal u64 with no sign, no leading zeros (except "0").
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

/// A checkpoint whose signature by the log key has been verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The checkpoint body.
    pub checkpoint: Checkpoint,
    /// The opened note, including any unverified (e.g. witness) signatures.
    pub note: Note,
}

/// Opens a signed checkpoint: verifies the signature by `log_key` and parses
/// the body. The origin must equal the key name unless `origin` is given,
/// in which case it must equal `origin`.
pub fn open_checkpoint(
    msg: &[u8],
    log_key: &NoteVerifier,
    origin: Option<&str>,
) -> Result<SignedCheckpoint, CheckpointError> {
    let note = note::open_note(msg, &[log_key])?;
    let checkpoint = Checkpoint::parse(&note.text)?;
    let expected = origin.unwrap_or(log_key.name());
    if checkpoint.origin != expected {
        return Err(CheckpointError::WrongOrigin {
            expected: expected.to_owned(),
            found: checkpoint.origin,
        });
    }
    Ok(SignedCheckpoint { checkpoint, note })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let s = NoteSigner::from_seed("example.org/log", &[9; 32]).unwrap();
        let mut cp = Checkpoint::new("example.org/log", 42, Hash([7; 32]));
        cp.extensions.push("ext line".into());
        let signed = cp.sign(&[&s]).unwrap();
        let opened = open_checkpoint(signed.as_bytes(), &s.verifier(), None).unwrap();
        assert_eq!(opened.checkpoint, cp);
        let body = cp.to_body().unwrap();
        for bad in [
            body.replace("\n42\n", "\n042\n"),
            body.replace("\n42\n", "\n+42\n"),
            body.replace("\n42\n", "\n\n"),
            body.replace("ext line\n", "\n"),
            body.trim_end().to_owned(),
            body.replace("example.org/log\n", "\n"),
            "example.org/log\n1\n".to_owned(),
            "example.org/log\n1\nAAAA\n".to_owned(),
            "example.org/log\n18446744073709551616\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n"
                .to_owned(),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "accepted {bad:?}");
        }
        assert!(matches!(
            open_checkpoint(signed.as_bytes(), &s.verifier(), Some("other")),
            Err(CheckpointError::WrongOrigin { .. })
        ));
    }
}
