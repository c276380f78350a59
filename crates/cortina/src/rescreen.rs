//! `cortina lists rescreen`, and the delta re-screen that follows every new
//! snapshot `cortina lists update` or `lists import` stores: the applicants
//! searched against what changed (see `service::rescreen`), recorded as
//! `lists.update` by the account that acts. A running `cortina serve` takes
//! the new snapshot up by itself (`serve::watch_lists`).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use service::rescreen::DeltaSearch;
use service::{Actor, ScreeningLists, Service};

use crate::cli::{RescreenArgs, StoreArgs};
use crate::{Failure, Outcome, snapshot};

/// `cortina lists rescreen`.
pub fn run(args: &RescreenArgs) -> Result<Outcome, Failure> {
    let rt = crate::ledger_cmd::runtime()?;
    rt.block_on(async {
        let svc = crate::ledger_cmd::open_service_without_lists(&args.data).await?;
        let result = async {
            let current = snapshot::current(&args.data.data_dir)?;
            let previous = if args.full {
                None
            } else {
                let hash = args.since.clone().or(current.previous).ok_or_else(|| {
                    anyhow!(
                        "no earlier snapshot is recorded in {}: give --since HASH or --full",
                        args.data.data_dir.display()
                    )
                })?;
                Some(hash)
            };
            let search = if args.population {
                DeltaSearch::Population
            } else {
                DeltaSearch::Reverse
            };
            rescreen(
                &svc,
                &args.data.data_dir,
                &args.actor,
                previous.as_deref(),
                search,
            )
            .await
        }
        .await;
        svc.store().close().await;
        let report = result?;
        if args.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        } else {
            print(&report);
        }
        Ok(Outcome::Ok)
    })
}

/// Re-screens against the current snapshot: what changed since `previous`
/// (searching whom `search` says), or everything (`None`).
async fn rescreen(
    svc: &Service,
    data_dir: &Path,
    actor: &str,
    previous: Option<&str>,
    search: DeltaSearch,
) -> anyhow::Result<service::rescreen::RescreenReport> {
    let dir = data_dir.to_path_buf();
    let previous = previous.map(str::to_owned);
    let (current, previous) = tokio::task::spawn_blocking(move || {
        let current = snapshot::open(&dir)?;
        let previous = previous
            .map(|h| snapshot::open_hash(&dir, &h).with_context(|| format!("snapshot {h}")))
            .transpose()?;
        anyhow::Ok((current, previous))
    })
    .await??;
    svc.set_lists(Arc::new(ScreeningLists::new(current)));
    svc.rescreen_with(&Actor::cli(actor), previous.map(Arc::new), search)
        .await
        .map_err(|e| anyhow!("lists rescreen: {e}"))
}

/// Prints what a re-screen did.
pub fn print(r: &service::rescreen::RescreenReport) {
    let whom = if r.search == "reverse" {
        format!(
            " in reverse: {} of {} people are candidates ({} records read to update their keys{})",
            r.candidates,
            r.keyed,
            r.keys_read,
            if r.keys_rebuilt { ", rebuilt" } else { "" }
        )
    } else {
        String::new()
    };
    println!(
        "re-screen ({}) against snapshot {}{}: {} list entities changed, {} removed{whom}; {} \
         applicants searched in {:.1} s, {} with hits: {} cases opened (each proposing to suspend \
         an accreditation), {} already under review; {} open cases flagged for review (ledger \
         entries {}..={})",
        r.mode,
        &r.snapshot[..16.min(r.snapshot.len())],
        r.previous
            .as_deref()
            .map(|p| format!(" (since {})", &p[..16.min(p.len())]))
            .unwrap_or_default(),
        r.changed_entities,
        r.removed_entities,
        r.screened,
        r.total_ms as f64 / 1000.0,
        r.hits,
        r.cases_opened,
        r.under_review,
        r.cases_flagged,
        r.entry,
        r.last_entry
    );
}

/// The snapshot in force now, if any (to tell afterwards whether a new one
/// was stored).
pub fn in_force(args: &StoreArgs) -> Option<String> {
    snapshot::current(&args.data_dir).ok().map(|c| c.snapshot)
}

/// After a snapshot is stored: a delta re-screen of the store's applicants
/// as `actor`, when there is a store, an earlier snapshot, and the one in
/// force is not `before` (the same lists again change nothing).
pub fn after_store(
    args: &StoreArgs,
    actor: Option<&str>,
    before: Option<String>,
) -> Result<(), Failure> {
    let (Some(actor), true) = (actor, crate::recorded::has_store(args)) else {
        return Ok(());
    };
    let current = snapshot::current(&args.data_dir)?;
    if before.as_deref() == Some(current.snapshot.as_str()) {
        return Ok(());
    }
    let Some(previous) = current.previous else {
        return Ok(());
    };
    let rt = crate::ledger_cmd::runtime()?;
    rt.block_on(async {
        let svc = crate::ledger_cmd::open_service_without_lists(args).await?;
        let result = rescreen(
            &svc,
            &args.data_dir,
            actor,
            Some(&previous),
            DeltaSearch::Reverse,
        )
        .await;
        svc.store().close().await;
        print(&result?);
        Ok(())
    })
}
