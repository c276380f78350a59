//! `cortina ledger verify --url URL` (the token from `--token-file` or
//! `$CORTINA_TOKEN`): verify a ledger from its C2SP tlog-tiles read API
//! alone, as an oversight body does, trusting nothing but the key it pinned.
//!
//! Fetches `/ledger/checkpoint`, every entry bundle
//! (`/ledger/tile/entries/…`) and every hash tile (`/ledger/tile/<L>/…`);
//! recomputes the tree from the entries; checks every served hash tile
//! against the recomputed one, the checkpoint's signature and root, each
//! entry's sequence number, the roots of older checkpoints (`--since`), and
//! with `--witness-key` each witness's cosignature on the checkpoint.

use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use ledger::tile::{Tile, decode_entry_bundle, entry_bundles_for_size, read_tile, tiles_for_size};
use ledger::{Entry, MemoryLog, NoteVerifier, open_checkpoint};

/// Most bytes read from one response (a full entry bundle is at most 256 ×
/// 64 KiB).
const MAX_BODY: u64 = 256 * 65_538;

/// The verdict: `Ok(summary line)` or `Err((first bad entry, message))`.
pub type Verdict = Result<String, (Option<u64>, String)>;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_global(Some(Duration::from_secs(120)))
        .user_agent(concat!("cortina/", env!("CARGO_PKG_VERSION")))
        .http_status_as_error(false)
        .build()
        .into()
}

fn get(agent: &ureq::Agent, base: &str, path: &str, token: &str) -> anyhow::Result<Vec<u8>> {
    let url = format!("{}/ledger/{path}", base.trim_end_matches('/'));
    let mut response = agent
        .get(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .map_err(|e| anyhow!("GET {url}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!("GET {url}: HTTP status {}", status.as_u16());
    }
    response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| anyhow!("GET {url}: reading the response: {e}"))
}

/// Verifies the ledger served at `base`. Transport failures are errors;
/// anything the server served that does not verify is a failed verdict.
pub fn verify(
    base: &str,
    token: &str,
    key: Option<NoteVerifier>,
    older: &[Vec<u8>],
    witnesses: &[ledger::CosignatureVerifier],
) -> anyhow::Result<Verdict> {
    let agent = agent();
    let key = match key {
        Some(k) => k,
        None => {
            let text = get(&agent, base, "key", token)?;
            eprintln!(
                "warning: using the key the server itself serves; pin the key you were given with --key"
            );
            NoteVerifier::from_key_string(String::from_utf8_lossy(&text).trim())
                .map_err(|e| anyhow!("the served key is not a verifier key: {e}"))?
        }
    };
    let note = get(&agent, base, "checkpoint", token)?;
    let signed = match open_checkpoint(&note, &key, None) {
        Ok(s) => s,
        Err(e) => return Ok(Err((None, format!("checkpoint: {e}")))),
    };
    let witnessed = if witnesses.is_empty() {
        String::new()
    } else {
        match ledger::open_witnessed(&note, &key, None, witnesses) {
            Ok(w) => crate::ledger_cmd::witnessed_summary(&w, witnesses),
            Err(e) => return Ok(Err((None, format!("checkpoint: {e}")))),
        }
    };
    let size = signed.checkpoint.size;
    let mut log = MemoryLog::new();
    for bundle in entry_bundles_for_size(size) {
        let bytes = get(&agent, base, &bundle.path(), token)?;
        let first = bundle.index * ledger::tile::TILE_WIDTH;
        let entries = match decode_entry_bundle(&bytes) {
            Ok(e) if e.len() == usize::from(bundle.width) => e,
            Ok(e) => {
                return Ok(Err((
                    Some(first + e.len().min(usize::from(bundle.width)) as u64),
                    format!(
                        "{} holds {} entries, not {}",
                        bundle.path(),
                        e.len(),
                        bundle.width
                    ),
                )));
            }
            Err(e) => return Ok(Err((Some(first), format!("{}: {e}", bundle.path())))),
        };
        for (i, bytes) in (first..).zip(&entries) {
            match Entry::decode(bytes) {
                Ok(e) if e.seq == i => {}
                Ok(e) => {
                    return Ok(Err((
                        Some(i),
                        format!("entry {i} carries sequence number {}", e.seq),
                    )));
                }
                Err(e) => return Ok(Err((Some(i), format!("entry {i} does not decode: {e}")))),
            }
            log.append(bytes).map_err(|e| anyhow!("{e}"))?;
        }
    }
    let root = log.root().map_err(|e| anyhow!("{e}"))?;
    if root != signed.checkpoint.root {
        return Ok(Err((
            None,
            format!("the entries do not have the checkpoint's root (size {size})"),
        )));
    }
    for tile in tiles_for_size(size) {
        let served = get(&agent, base, &tile.path(), token)?;
        let want = read_tile(&tile, &log).map_err(|e| anyhow!("{e}"))?;
        if served != want {
            return Ok(Err((
                first_entry(&tile),
                format!("{} differs from the recomputed tile", tile.path()),
            )));
        }
    }
    let mut grew = Vec::new();
    for note in older {
        let o = open_checkpoint(note, &key, None).context("an older checkpoint (--since)")?;
        if o.checkpoint.size > size {
            return Ok(Err((
                None,
                format!(
                    "the older checkpoint has {} entries, more than {size}",
                    o.checkpoint.size
                ),
            )));
        }
        let then = if o.checkpoint.size == 0 {
            ledger::tlog::empty_tree_hash()
        } else {
            ledger::tree_hash(o.checkpoint.size, &log).map_err(|e| anyhow!("{e}"))?
        };
        if then != o.checkpoint.root {
            return Ok(Err((
                None,
                format!(
                    "the log is not an extension of the checkpoint of size {}",
                    o.checkpoint.size
                ),
            )));
        }
        grew.push(o.checkpoint.size.to_string());
    }
    let mut line = format!(
        "ok: ledger {} verified from {base}: {size} entries, root {}, checkpoint signed by {}",
        signed.checkpoint.origin,
        root.to_base64(),
        key.name()
    );
    if !grew.is_empty() {
        line.push_str(&format!(
            "; grew consistently from size {}",
            grew.join(", ")
        ));
    }
    line.push_str(&witnessed);
    Ok(Ok(line))
}

/// The first entry a hash tile covers.
fn first_entry(tile: &Tile) -> Option<u64> {
    match tile.level {
        ledger::tile::TileLevel::Hashes(l) => tile
            .index
            .checked_mul(ledger::tile::TILE_WIDTH)
            .and_then(|n| n.checked_shl(8 * u32::from(l))),
        ledger::tile::TileLevel::Entries => Some(tile.index * ledger::tile::TILE_WIDTH),
    }
}
