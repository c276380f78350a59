//! A witness's decision per C2SP `tlog-witness` `add-checkpoint`: the
//! request's encoding and the state machine, pure (the caller persists the
//! new state before it answers, and serialises requests for one log).
//!
//! The request body is
//!
//! ```text
//! old <size the witness last cosigned, decimal>\n
//! <consistency proof hash, base64>\n          zero to 63 lines
//! \n
//! <the checkpoint, a signed note>
//! ```
//!
//! The witness keeps, per log, the last checkpoint it cosigned (the note
//! as the log signed it: its own evidence). It refuses:
//!
//! | refusal | status | when |
//! |---|---|---|
//! | [`Refusal::Malformed`] | 400 | the body does not parse |
//! | [`Refusal::Shrinks`] | 400 | `old` is larger than the checkpoint |
//! | [`Refusal::UnknownLog`] | 404 | no key configured for the origin |
//! | [`Refusal::BadSignature`] | 403 | no valid signature by the log's key |
//! | [`Refusal::OldSizeMismatch`] | 409 | `old` is not the size it cosigned (body: that size) |
//! | [`Refusal::Forked`] | 409 | same size as cosigned, another root |
//! | [`Refusal::Inconsistent`] | 422 | the proof does not lead from what it cosigned to this |

use crate::checkpoint::{Checkpoint, open_checkpoint};
use crate::cosignature::Cosigner;
use crate::note::NoteVerifier;
use crate::tlog::{Hash, verify_consistency};

/// Most consistency proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;

/// An `add-checkpoint` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the log believes the witness cosigned.
    pub old_size: u64,
    /// The RFC 6962 consistency proof from `old_size` to the checkpoint.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpoint {
    /// The request body.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size).into_bytes();
        for h in &self.proof {
            out.extend_from_slice(h.to_base64().as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// Parses a request body.
    pub fn parse(body: &[u8]) -> Result<Self, Refusal> {
        let bad = |m: &'static str| Refusal::Malformed(m);
        let mut rest = body;
        let mut line = || -> Result<&str, Refusal> {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or(bad("a line does not end in a newline"))?;
            let l = std::str::from_utf8(&rest[..end]).map_err(|_| bad("not UTF-8"))?;
            rest = &rest[end + 1..];
            Ok(l)
        };
        let old = line()?
            .strip_prefix("old ")
            .ok_or(bad("the first line is not `old <size>`"))?;
        let old_size =
            crate::checkpoint::parse_decimal(old).ok_or(bad("the old size is not a decimal"))?;
        let mut proof = Vec::new();
        loop {
            let l = line()?;
            if l.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad("more than 63 consistency proof lines"));
            }
            proof.push(Hash::from_base64(l).ok_or(bad("a proof line is not a base64 hash"))?);
        }
        Ok(Self {
            old_size,
            proof,
            checkpoint: rest.to_vec(),
        })
    }
}

/// Why a witness did not cosign.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The request does not parse.
    #[error("malformed add-checkpoint request: {0}")]
    Malformed(&'static str),
    /// The old size is larger than the checkpoint's.
    #[error(
        "the checkpoint has {size} entries, fewer than the old size {old_size}: a log never shrinks"
    )]
    Shrinks {
        /// The request's old size.
        old_size: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// No log key is configured for this origin.
    #[error("this witness does not witness the log {origin:?}")]
    UnknownLog {
        /// The checkpoint's origin line (or what stood there).
        origin: String,
    },
    /// No signature by the log's key verifies.
    #[error("the checkpoint is not signed by the key this witness trusts for {origin:?}: {reason}")]
    BadSignature {
        /// The origin.
        origin: String,
        /// What failed.
        reason: String,
    },
    /// The old size is not the size the witness last cosigned.
    #[error(
        "this witness last cosigned {origin:?} at size {witnessed}, not {old_size}; resubmit from {witnessed}"
    )]
    OldSizeMismatch {
        /// The origin.
        origin: String,
        /// The request's old size.
        old_size: u64,
        /// The size the witness cosigned.
        witnessed: u64,
    },
    /// Same size as the cosigned checkpoint, another root: a fork.
    #[error(
        "REFUSED: the log {origin:?} forked: this witness cosigned size {size} with root {witnessed_root}, and is now shown root {root} for the same size"
    )]
    Forked {
        /// The origin.
        origin: String,
        /// The size of both checkpoints.
        size: u64,
        /// The root the witness cosigned (base64).
        witnessed_root: String,
        /// The root it is shown now (base64).
        root: String,
    },
    /// The consistency proof does not verify against the cosigned root.
    #[error(
        "REFUSED: the checkpoint of size {size} is not consistent with the checkpoint of size {witnessed} (root {witnessed_root}) this witness cosigned for {origin:?}: the log forked or was rewritten ({reason})"
    )]
    Inconsistent {
        /// The origin.
        origin: String,
        /// The size the witness cosigned.
        witnessed: u64,
        /// Its root (base64).
        witnessed_root: String,
        /// The new checkpoint's size.
        size: u64,
        /// What the proof check said.
        reason: String,
    },
}

impl Refusal {
    /// The HTTP status `tlog-witness` gives this refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Malformed(_) | Refusal::Shrinks { .. } => 400,
            Refusal::UnknownLog { .. } => 404,
            Refusal::BadSignature { .. } => 403,
            Refusal::OldSizeMismatch { .. } | Refusal::Forked { .. } => 409,
            Refusal::Inconsistent { .. } => 422,
        }
    }

    /// For a 409: the size the witness cosigned (the response body).
    pub fn witnessed_size(&self) -> Option<u64> {
        match self {
            Refusal::OldSizeMismatch { witnessed, .. } => Some(*witnessed),
            Refusal::Forked { size, .. } => Some(*size),
            _ => None,
        }
    }
}

/// What a witness remembers about one log: the last checkpoint it cosigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogState {
    /// The checkpoint it cosigned.
    pub checkpoint: Checkpoint,
    /// That checkpoint's note as the log signed it (with the witness's own
    /// lines appended): kept as evidence, and reopened on start.
    pub note: String,
}

impl LogState {
    /// Reopens a stored note with the log's key (a state file is checked
    /// like any checkpoint).
    pub fn open(note: &str, log_key: &NoteVerifier) -> Result<Self, Refusal> {
        let signed =
            open_checkpoint(note.as_bytes(), log_key, None).map_err(|e| Refusal::BadSignature {
                origin: log_key.name().to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            checkpoint: signed.checkpoint,
            note: note.to_owned(),
        })
    }
}

/// A cosigned checkpoint: the state to persist before answering, and the
/// answer (signature lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosigned {
    /// The new state for the log.
    pub state: LogState,
    /// The response body: the cosignature line, then the plain note
    /// signature line.
    pub lines: String,
}

/// Decides `req`. `logs` are the log keys the witness trusts (the origin
/// is each key's name); `state` is what it cosigned for the request's log,
/// if anything; `now` is the time in POSIX seconds.
pub fn add_checkpoint(
    cosigner: &Cosigner,
    logs: &[NoteVerifier],
    state: Option<&LogState>,
    req: &AddCheckpoint,
    now: u64,
) -> Result<Cosigned, Refusal> {
    let peek = crate::cosignature::peek_checkpoint(&req.checkpoint);
    let origin = peek
        .as_ref()
        .map(|c| c.origin.clone())
        .or_else(|| {
            std::str::from_utf8(&req.checkpoint)
                .ok()
                .and_then(|s| s.lines().next())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let key = logs
        .iter()
        .find(|k| k.name() == origin)
        .ok_or_else(|| Refusal::UnknownLog {
            origin: origin.clone(),
        })?;
    if state.is_some_and(|s| s.checkpoint.origin != origin) {
        return Err(Refusal::UnknownLog { origin });
    }
    let signed =
        open_checkpoint(&req.checkpoint, key, None).map_err(|e| Refusal::BadSignature {
            origin: origin.clone(),
            reason: e.to_string(),
        })?;
    let cp = &signed.checkpoint;
    if req.old_size > cp.size {
        return Err(Refusal::Shrinks {
            old_size: req.old_size,
            size: cp.size,
        });
    }
    let witnessed = state.map_or(0, |s| s.checkpoint.size);
    if req.old_size != witnessed {
        return Err(Refusal::OldSizeMismatch {
            origin,
            old_size: req.old_size,
            witnessed,
        });
    }
    if let Some(s) = state {
        let old = &s.checkpoint;
        if old.size == cp.size {
            if old.root != cp.root {
                return Err(Refusal::Forked {
                    origin,
                    size: cp.size,
                    witnessed_root: old.root.to_base64(),
                    root: cp.root.to_base64(),
                });
            }
            if !req.proof.is_empty() {
                return Err(Refusal::Malformed(
                    "a proof between checkpoints of the same size must be empty",
                ));
            }
        } else if old.size > 0 {
            if !verify_consistency(old.size, cp.size, &old.root, &cp.root, &req.proof) {
                return Err(Refusal::Inconsistent {
                    origin,
                    witnessed: old.size,
                    witnessed_root: old.root.to_base64(),
                    size: cp.size,
                    reason: format!(
                        "the {} proof hashes do not lead from the cosigned root to root {}",
                        req.proof.len(),
                        cp.root.to_base64()
                    ),
                });
            }
        } else if !req.proof.is_empty() {
            return Err(Refusal::Malformed(
                "the proof must be empty when the old size is zero",
            ));
        }
    } else if !req.proof.is_empty() {
        return Err(Refusal::Malformed(
            "the proof must be empty when the old size is zero",
        ));
    }
    let body = &signed.note.text;
    let lines = cosigner.signature_lines(body, now.min(crate::cosignature::MAX_TIMESTAMP));
    let note = std::str::from_utf8(&req.checkpoint).map_err(|_| Refusal::Malformed("not UTF-8"))?;
    Ok(Cosigned {
        state: LogState {
            checkpoint: cp.clone(),
            note: crate::cosignature::append_signature_lines(note, &lines),
        },
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::open_witnessed;
    use crate::note::NoteSigner;
    use crate::tlog::{MemoryLog, prove_tree};

    struct Log {
        key: NoteSigner,
        log: MemoryLog,
    }

    impl Log {
        fn new(seed: u8) -> Self {
            Self {
                key: NoteSigner::from_seed("example.org/log", &[seed; 32]).unwrap(),
                log: MemoryLog::new(),
            }
        }
        fn grow(&mut self, tag: &str, n: u64) {
            for i in 0..n {
                self.log.append(format!("{tag} {i}").as_bytes()).unwrap();
            }
        }
        fn note(&self) -> Vec<u8> {
            Checkpoint::new("example.org/log", self.log.size(), self.log.root().unwrap())
                .sign(&[&self.key])
                .unwrap()
                .into_bytes()
        }
        fn request(&self, old: u64) -> AddCheckpoint {
            let proof = if old == 0 || old == self.log.size() {
                Vec::new()
            } else {
                prove_tree(self.log.size(), old, &self.log).unwrap()
            };
            AddCheckpoint {
                old_size: old,
                proof,
                checkpoint: self.note(),
            }
        }
    }

    fn witness() -> Cosigner {
        Cosigner::from_seed("w.example/oversight", &[42; 32]).unwrap()
    }

    #[test]
    fn request_round_trip_and_malformed() {
        let mut l = Log::new(1);
        l.grow("a", 10);
        let req = l.request(3);
        assert_eq!(req.proof.len(), prove_tree(10, 3, &l.log).unwrap().len());
        assert_eq!(AddCheckpoint::parse(&req.encode()).unwrap(), req);
        for bad in [
            &b"old 01\n\nx"[..],
            b"new 1\n\n",
            b"old 1\nnot base64\n\n",
            b"old 1",
            b"old 1\nAAAA\n\n",
        ] {
            assert!(
                matches!(AddCheckpoint::parse(bad), Err(Refusal::Malformed(_))),
                "{bad:?}"
            );
        }
        let mut many = b"old 1\n".to_vec();
        for _ in 0..64 {
            many.extend_from_slice(Hash([0; 32]).to_base64().as_bytes());
            many.push(b'\n');
        }
        many.push(b'\n');
        assert!(AddCheckpoint::parse(&many).is_err());
    }

    #[test]
    fn cosigns_a_growing_log_and_refuses_a_fork() {
        let w = witness();
        let mut a = Log::new(1);
        let logs = [a.key.verifier()];
        a.grow("a", 5);
        let first = add_checkpoint(&w, &logs, None, &a.request(0), 1000).unwrap();
        // The answer is a cosignature the verifier accepts.
        let cosigned = crate::cosignature::append_signature_lines(
            &String::from_utf8(a.note()).unwrap(),
            &first.lines,
        );
        let opened = open_witnessed(
            cosigned.as_bytes(),
            &a.key.verifier(),
            None,
            &[w.verifier()],
        )
        .unwrap();
        assert_eq!(opened.timestamps, vec![1000]);
        assert_eq!(opened.note_signed, vec![true]);
        // The stored note reopens with the log's key.
        let state = LogState::open(&first.state.note, &a.key.verifier()).unwrap();
        assert_eq!(state.checkpoint.size, 5);
        // Growth with a proof; the same checkpoint again.
        a.grow("a2", 300);
        let second = add_checkpoint(&w, &logs, Some(&state), &a.request(5), 1001).unwrap();
        assert_eq!(second.state.checkpoint.size, 305);
        let again = add_checkpoint(&w, &logs, Some(&second.state), &a.request(305), 1002).unwrap();
        assert_eq!(again.state.checkpoint.size, 305);

        // A fork: the same key, another history from entry 3 on.
        let mut b = Log::new(1);
        b.grow("a", 3);
        b.grow("b", 400);
        let r = add_checkpoint(&w, &logs, Some(&second.state), &b.request(305), 1003);
        let e = r.unwrap_err();
        assert_eq!(e.status(), 422, "{e}");
        assert!(e.to_string().contains("not consistent"), "{e}");
        // The fork at the same size: 409 with the witness's size.
        let mut c = Log::new(1);
        c.grow("c", 305);
        let e = add_checkpoint(&w, &logs, Some(&second.state), &c.request(305), 1004).unwrap_err();
        assert_eq!((e.status(), e.witnessed_size()), (409, Some(305)));
        assert!(e.to_string().contains("forked"), "{e}");
        // A stale old size: 409 telling the size it cosigned.
        let e = add_checkpoint(&w, &logs, Some(&second.state), &a.request(5), 1005).unwrap_err();
        assert_eq!((e.status(), e.witnessed_size()), (409, Some(305)));
        // A smaller tree, whatever old size the log claims.
        let mut small = Log::new(1);
        small.grow("a", 5);
        let e =
            add_checkpoint(&w, &logs, Some(&second.state), &small.request(5), 1006).unwrap_err();
        assert_eq!(e.status(), 409);
        let mut req = small.request(5);
        req.old_size = 305;
        let e = add_checkpoint(&w, &logs, Some(&second.state), &req, 1006).unwrap_err();
        assert!(matches!(e, Refusal::Shrinks { .. }), "{e}");
        assert_eq!(e.status(), 400);
        // A tampered proof.
        a.grow("a3", 7);
        let mut req = a.request(305);
        req.proof[0].0[0] ^= 1;
        let e = add_checkpoint(&w, &logs, Some(&second.state), &req, 1007).unwrap_err();
        assert_eq!(e.status(), 422);
    }

    #[test]
    fn refuses_other_keys_and_unknown_logs() {
        let w = witness();
        let mut a = Log::new(1);
        a.grow("a", 4);
        // Signed by another key under the same origin.
        let mut impostor = Log::new(2);
        impostor.grow("a", 4);
        let logs = [a.key.verifier()];
        let e = add_checkpoint(&w, &logs, None, &impostor.request(0), 1).unwrap_err();
        assert_eq!(e.status(), 403, "{e}");
        // An origin the witness does not know.
        let stranger = NoteSigner::from_seed("other.example/log", &[1; 32]).unwrap();
        let note = Checkpoint::new("other.example/log", 4, a.log.root().unwrap())
            .sign(&[&stranger])
            .unwrap();
        let req = AddCheckpoint {
            old_size: 0,
            proof: Vec::new(),
            checkpoint: note.into_bytes(),
        };
        assert_eq!(
            add_checkpoint(&w, &logs, None, &req, 1)
                .unwrap_err()
                .status(),
            404
        );
        // A proof with old size 0.
        let mut req = a.request(0);
        req.proof.push(Hash([0; 32]));
        assert_eq!(
            add_checkpoint(&w, &logs, None, &req, 1)
                .unwrap_err()
                .status(),
            400
        );
    }
}
