//! Screening and list updates against a data directory that holds a store
//! are recorded in the ledger: who (`--as`), why (`--purpose`), against
//! which list snapshot. The policy decides first; a refusal stops the work
//! and is itself recorded. Without a store (a folder of lists only, or
//! `--lists FILE`) the commands stay standalone tools that record nothing.

use anyhow::anyhow;
use authority::Resource;
use domain::Action;

use crate::Failure;
use crate::cli::{Acting, StoreArgs};

/// Whether a cortina store lives at `args`.
pub fn has_store(args: &StoreArgs) -> bool {
    args.database_url.is_some() || args.data_dir.join(store::SQLITE_FILE).is_file()
}

/// What is about to happen, for the ledger.
pub struct Request<'a> {
    /// The action (`screening.run` or `lists.update`).
    pub action: Action,
    /// Whether `--purpose` is required.
    pub needs_purpose: bool,
    /// What the entry's payload digest commits to (besides the purpose).
    pub payload: serde_json::Value,
    /// The command, for messages (`cortina screen`).
    pub command: &'a str,
}

/// Checks that `acting` names an account (and a purpose, with
/// `needs_purpose`) when a store exists at `args`, before any work: returns
/// the account, or `None` without a store.
pub fn require_actor<'a>(
    args: &StoreArgs,
    acting: &'a Acting,
    command: &str,
    needs_purpose: bool,
) -> Result<Option<&'a str>, Failure> {
    if !has_store(args) {
        return Ok(None);
    }
    let Some(actor) = acting.actor.as_deref() else {
        return Err(Failure(anyhow!(
            "{command}: {} holds a cortina store, so this is recorded: give --as USER{}",
            args.data_dir.display(),
            if needs_purpose {
                " and --purpose TEXT"
            } else {
                ""
            }
        )));
    };
    let purpose = acting.purpose.as_deref().map(str::trim).unwrap_or_default();
    if needs_purpose && purpose.is_empty() {
        return Err(Failure(anyhow!(
            "{command}: give --purpose TEXT: every screening against the store records why it was run"
        )));
    }
    Ok(Some(actor))
}

/// Authorizes and records `request` when a store exists at `args`; returns
/// the ledger entry's sequence number, or `None` without a store.
pub fn authorize(
    args: &StoreArgs,
    acting: &Acting,
    request: Request<'_>,
) -> Result<Option<u64>, Failure> {
    if !has_store(args) {
        return Ok(None);
    }
    let Some(actor) = require_actor(args, acting, request.command, request.needs_purpose)? else {
        return Ok(None);
    };
    let purpose = acting.purpose.as_deref().map(str::trim).unwrap_or_default();
    let mut payload = request.payload;
    payload["purpose"] = serde_json::Value::String(purpose.to_owned());
    let bytes = serde_json::to_vec(&payload)?;
    let rt = crate::ledger_cmd::runtime()?;
    rt.block_on(async {
        let svc = crate::ledger_cmd::open_service_without_lists(args).await?;
        let result = svc
            .record(
                &service::Actor::cli(actor),
                request.action,
                Resource::Lists,
                bytes,
            )
            .await;
        svc.store().close().await;
        let done = result.map_err(|e| Failure(anyhow!("{}: {e}", request.command)))?;
        Ok(Some(done.seq))
    })
}
