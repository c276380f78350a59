//! The log's side of C2SP `tlog-witness`: `cortina serve --witness
//! NAME+ID+KEY@URL` submits the newest checkpoint to each witness's
//! `URL/add-checkpoint` with a consistency proof from the size that witness
//! last cosigned, and stores the checkpoint with every witness's
//! cosignature (`store::witnessed`), which `/ledger/checkpoint` then
//! serves.
//!
//! One round ([`Witnesses::round`]): read the newest signed checkpoint;
//! if it is already witnessed, stop; for each witness, send `old <size it
//! cosigned>` (learned from its 409 answer when unknown, so a restart costs
//! one round trip) and the proof; check the answer's cosignature with the
//! witness's key; when every witness cosigned, store the note. A witness
//! that refuses or does not answer leaves the published checkpoint where it
//! was: verifiers that require its cosignature see an older checkpoint,
//! never an unwitnessed one. [`run`] repeats rounds until shutdown.

use std::collections::HashMap;
use std::time::Duration;

use ledger::witness::AddCheckpoint;
use ledger::{CosignatureVerifier, open_checkpoint, open_witnessed};
use store::Store;

/// Most bytes read from a witness's answer.
const MAX_ANSWER: u64 = 64 * 1024;

/// One configured witness: its key and where it listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessConfig {
    /// The witness's cosignature key.
    pub key: CosignatureVerifier,
    /// Its submission prefix (`POST {url}/add-checkpoint`), if given.
    pub url: Option<String>,
}

impl WitnessConfig {
    /// Parses `NAME+ID+KEY[@URL]` (the key in note verifier format, type
    /// 0x04 or 0x01).
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = |e: &dyn std::fmt::Display| format!("witness {s:?}: {e}");
        let (name, rest) = s
            .split_once('+')
            .ok_or_else(|| bad(&"expected NAME+ID+KEY[@URL]"))?;
        let (id, rest) = rest
            .split_once('+')
            .ok_or_else(|| bad(&"expected NAME+ID+KEY[@URL]"))?;
        let (key, url) = match rest.split_once('@') {
            Some((k, u)) => (k, Some(u)),
            None => (rest, None),
        };
        let key = CosignatureVerifier::from_key_string(&format!("{name}+{id}+{key}"))
            .map_err(|e| bad(&e))?;
        let url = match url {
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                Some(u.trim_end_matches('/').to_owned())
            }
            Some(_) => return Err(bad(&"the URL must start with http:// or https://")),
            None => None,
        };
        Ok(Self { key, url })
    }
}

/// The witnesses of one log and what the log knows of each.
#[derive(Debug)]
pub struct Witnesses {
    configs: Vec<WitnessConfig>,
    /// The size each witness last cosigned, as far as the log knows.
    known: HashMap<String, u64>,
    agent: ureq::Agent,
    /// The last round's failure, logged once until it changes.
    last_error: Option<String>,
}

/// What a round did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Round {
    /// The newest checkpoint was witnessed already.
    UpToDate(u64),
    /// Every witness cosigned the checkpoint of this size; it is stored.
    Witnessed(u64),
}

impl Witnesses {
    /// The witnesses in `configs` (each must have a URL).
    pub fn new(configs: Vec<WitnessConfig>) -> Result<Self, String> {
        if let Some(c) = configs.iter().find(|c| c.url.is_none()) {
            return Err(format!(
                "witness {} has no @URL: the log must know where to submit",
                c.key.name()
            ));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(20)))
            .user_agent(concat!("cortina/", env!("CARGO_PKG_VERSION")))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Self {
            configs,
            known: HashMap::new(),
            agent,
            last_error: None,
        })
    }

    /// The witnesses' keys.
    pub fn keys(&self) -> Vec<CosignatureVerifier> {
        self.configs.iter().map(|c| c.key.clone()).collect()
    }

    /// One round: submit the newest checkpoint to every witness and store
    /// it with their cosignatures. An error says which witness failed how.
    pub async fn round(&mut self, store: &Store) -> Result<Round, String> {
        let note = store.checkpoint().await.map_err(|e| e.to_string())?;
        let signed = open_checkpoint(note.as_bytes(), store.verifier(), None)
            .map_err(|e| format!("the log's own checkpoint: {e}"))?;
        let size = signed.checkpoint.size;
        let keys = self.keys();
        let stored = store
            .witnessed_checkpoint()
            .await
            .map_err(|e| e.to_string())?;
        if let Some(s) = &stored
            && let Ok(w) = open_witnessed(s.as_bytes(), store.verifier(), None, &keys)
        {
            let wsize = w.checkpoint.checkpoint.size;
            for c in &self.configs {
                self.known.entry(c.key.name().to_owned()).or_insert(wsize);
            }
            if wsize >= size {
                return Ok(Round::UpToDate(wsize));
            }
        }
        let mut cosigned = note.clone();
        for c in self.configs.clone() {
            let lines = self.submit(store, &c, &note, size).await?;
            cosigned = ledger::cosignature::append_signature_lines(&cosigned, &lines);
        }
        open_witnessed(cosigned.as_bytes(), store.verifier(), None, &keys)
            .map_err(|e| format!("the cosigned checkpoint does not verify: {e}"))?;
        store
            .set_witnessed_checkpoint(size, cosigned)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Round::Witnessed(size))
    }

    /// Submits the checkpoint `note` of `size` entries to one witness;
    /// returns its cosignature lines, checked.
    async fn submit(
        &mut self,
        store: &Store,
        c: &WitnessConfig,
        note: &str,
        size: u64,
    ) -> Result<String, String> {
        let name = c.key.name().to_owned();
        let url = format!("{}/add-checkpoint", c.url.as_deref().unwrap_or_default());
        // Two tries: the second after a 409 told the size it cosigned.
        for _ in 0..2 {
            let old = self.known.get(&name).copied().unwrap_or(0);
            if old > size {
                return Err(format!(
                    "witness {name} cosigned {old} entries, more than the log's {size}: \
                     the log lost entries or was forked"
                ));
            }
            let proof = if old == 0 || old == size {
                Vec::new()
            } else {
                store
                    .prove_consistency(old, size)
                    .await
                    .map_err(|e| e.to_string())?
                    .0
            };
            let body = AddCheckpoint {
                old_size: old,
                proof,
                checkpoint: note.as_bytes().to_vec(),
            }
            .encode();
            let agent = self.agent.clone();
            let target = url.clone();
            let (status, text) = tokio::task::spawn_blocking(move || post(&agent, &target, &body))
                .await
                .map_err(|e| e.to_string())??;
            match status {
                200 => {
                    let cosigned = ledger::cosignature::append_signature_lines(note, &text);
                    open_witnessed(
                        cosigned.as_bytes(),
                        store.verifier(),
                        None,
                        std::slice::from_ref(&c.key),
                    )
                    .map_err(|e| format!("witness {name} answered {url}: {e}"))?;
                    self.known.insert(name, size);
                    return Ok(text);
                }
                409 => {
                    let theirs = text.trim().parse::<u64>().map_err(|_| {
                        format!("witness {name} answered 409 without a size: {text:?}")
                    })?;
                    if theirs == old {
                        return Err(format!(
                            "witness {name} refused: it cosigned size {theirs} with another root \
                             (a fork of this log)"
                        ));
                    }
                    self.known.insert(name.clone(), theirs);
                }
                s => {
                    return Err(format!(
                        "witness {name} refused the checkpoint of size {size} (HTTP {s}): {}",
                        text.trim()
                    ));
                }
            }
        }
        Err(format!(
            "witness {name} keeps answering 409 (another submitter?)"
        ))
    }

    /// Logs a round's failure once until it changes; logs recovery.
    fn note_result(&mut self, result: &Result<Round, String>) {
        match result {
            Ok(Round::Witnessed(size)) => {
                if self.last_error.take().is_some() {
                    tracing::info!(size, "witnessing recovered");
                }
                tracing::debug!(size, "checkpoint witnessed");
            }
            Ok(Round::UpToDate(_)) => {}
            Err(e) => {
                if self.last_error.as_deref() != Some(e) {
                    tracing::warn!(error = %e, "witnessing failed; the published checkpoint stays where it was");
                    self.last_error = Some(e.clone());
                }
            }
        }
    }
}

fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> Result<(u16, String), String> {
    let mut response = agent
        .post(url)
        .header("Content-Type", "text/plain; charset=utf-8")
        .send(body)
        .map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status().as_u16();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_vec()
        .map_err(|e| format!("POST {url}: reading the answer: {e}"))?;
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// Runs rounds every `interval` until the task is dropped.
pub async fn run(mut witnesses: Witnesses, store: Store, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let result = witnesses.round(&store).await;
        witnesses.note_result(&result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_witness_configs() {
        let c = ledger::Cosigner::from_seed("w.example/oversight", &[3; 32]).unwrap();
        let vk = c.verifier().key_string();
        let w = WitnessConfig::parse(&format!("{vk}@http://10.0.0.5:9000/")).unwrap();
        assert_eq!(w.key, c.verifier());
        assert_eq!(w.url.as_deref(), Some("http://10.0.0.5:9000"));
        let w = WitnessConfig::parse(&vk).unwrap();
        assert_eq!(w.url, None);
        // The 0x01 form of the same key.
        let nv = c.verifier().note_verifier().key_string();
        assert_eq!(WitnessConfig::parse(&nv).unwrap().key, c.verifier());
        assert!(WitnessConfig::parse(&format!("{vk}@ftp://x")).is_err());
        assert!(WitnessConfig::parse("nonsense").is_err());
        assert!(Witnesses::new(vec![WitnessConfig::parse(&vk).unwrap()]).is_err());
    }
}
