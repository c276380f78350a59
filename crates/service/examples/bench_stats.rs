//! The statistics read over a big ledger.
//!
//! ```text
//! cargo run --release -p service --example bench_stats -- --data-dir DIR
//!     [--entries N] [--ledger-days D] [--agencies A] [--runs R]
//! ```
//!
//! In a fresh store: appends `N` real ledger entries (default 200,000: a
//! mix of screenings, reads, decisions, denials under 30 policy ids and
//! failed logins by 80 agencies) and times the first catch-up over them
//! (entries per second: what a read costs per entry appended since the
//! last one); then adds the cells a 10,000,000-entry ledger over `D` days
//! (default 30: the Games and their run-up) leaves — every agency, metric and key on every day, the
//! most cells such a ledger can produce — and times loading them into
//! memory (what `cortina serve` does at start) and `Service::stats_table`
//! (catch-up of nothing new, the period's figures, the suppression) for
//! the page's default (totals), one agency, and every figure by day, by
//! week and for one week, `R` times each (median printed).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use ledger::{Decision, Entry, Resource};
use service::Service;
use service::stats::{Period, Query};
use store::stats::CellKey;
use store::{Location, OpenOptions, Store};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn entry(i: u64) -> Entry {
    let agency = format!("agency-{}", i % 80);
    let (action, decision, policies) = match i % 10 {
        0..=3 => (
            "screening.run",
            Decision::Allow,
            vec!["permit-analyst".to_owned()],
        ),
        4 | 5 => (
            "declaration.read",
            Decision::Allow,
            vec!["permit-host".to_owned()],
        ),
        6 => (
            "vetting.clear",
            Decision::Allow,
            vec!["permit-analyst".to_owned()],
        ),
        7 => (
            "rfi.submit",
            Decision::Allow,
            vec!["permit-liaison".to_owned()],
        ),
        8 => (
            "task.create",
            Decision::Deny,
            vec![format!("forbid-rule-{}", i % 30)],
        ),
        _ => (
            "session.login_failed",
            Decision::Deny,
            vec!["authn-password".to_owned()],
        ),
    };
    Entry {
        seq: 0,
        time_ms: 0,
        actor_account: format!("acc-{}", i % 500),
        actor_agency: agency,
        channel: Some("session".into()),
        action: action.into(),
        resource: Resource {
            kind: "lists".into(),
            id: format!("case-{i}"),
        },
        decision,
        policies,
        payload_digest: [0; 32],
        personal_data: None,
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut data_dir = None;
    let (mut n, mut days, mut agencies, mut runs) = (200_000u64, 30i64, 80usize, 5usize);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--data-dir" => data_dir = Some(PathBuf::from(value()?)),
            "--entries" => n = value()?.parse().map_err(|e| format!("--entries: {e}"))?,
            "--ledger-days" => {
                days = value()?
                    .parse()
                    .map_err(|e| format!("--ledger-days: {e}"))?
            }
            "--agencies" => agencies = value()?.parse().map_err(|e| format!("--agencies: {e}"))?,
            "--runs" => runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let data_dir = data_dir.ok_or("--data-dir is required")?;
    let store = Store::open(
        &Location {
            data_dir,
            database_url: None,
        },
        &OpenOptions {
            create: true,
            origin: Some("cortina.bench/stats".into()),
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let svc = Service::new(
        store.clone(),
        authority::Authority::new().map_err(|e| e.to_string())?,
    );
    if store.ledger_stats().await.map_err(|e| e.to_string())?.size > 0 {
        return Err("the benchmark needs a fresh store".into());
    }
    // Real entries, in batches.
    let mut i = 0u64;
    while i < n {
        let end = (i + 5_000).min(n);
        let range = i..end;
        store
            .write(move |tx| {
                Box::pin(async move {
                    for k in range {
                        tx.append(entry(k))?;
                    }
                    Ok::<_, store::StoreError>(())
                })
            })
            .await
            .map_err(|e| e.to_string())?;
        i = end;
    }
    let t = Instant::now();
    svc.stats_catch_up().await.map_err(|e| e.to_string())?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "catch-up over {n} entries: {secs:.2} s ({:.0} entries/s)",
        n as f64 / secs
    );
    // The cells of a 10,000,000-entry ledger: every agency, metric and key
    // on every day (80 agencies × (11 metrics + 30 denial rules + 9
    // decision-time buckets) × D days).
    let today = 20_400i64;
    let mut keys: Vec<(&str, String)> = [
        "screening",
        "alert",
        "case_cleared",
        "case_refused",
        "case_referred",
        "request_submitted",
        "request_answered",
        "request_refused",
        "login_failed",
    ]
    .iter()
    .map(|m| (*m, String::new()))
    .collect();
    keys.extend((0..30).map(|r| ("denial", format!("forbid-rule-{r}"))));
    keys.extend((0..9).map(|b| ("decision_time", b.to_string())));
    let per_cell = 10_000_000 / (days * agencies as i64 * keys.len() as i64).max(1);
    let mut total_cells = 0;
    for d in 0..days {
        let mut cells: HashMap<CellKey, i64> = HashMap::new();
        for a in 0..agencies {
            for (m, k) in &keys {
                cells.insert(
                    CellKey {
                        day: today - days + d,
                        agency: format!("agency-{a}"),
                        metric: (*m).to_owned(),
                        key: k.clone(),
                    },
                    // Some cells small, most not.
                    if (d + a as i64) % 7 == 0 {
                        3
                    } else {
                        per_cell.max(5)
                    },
                );
            }
        }
        total_cells += cells.len();
        let cursor = store::stats::cursor(&store)
            .await
            .map_err(|e| e.to_string())?;
        store::stats::add(&store, cursor, cursor, cells)
            .await
            .map_err(|e| e.to_string())?;
    }
    println!("cells: {total_cells} ({per_cell} entries each, 10,000,000 in all)");
    let day_ms = 86_400_000i64;
    let ask = |period, from: Option<i64>, until: Option<i64>, agency: Option<&str>| Query {
        period: Some(period),
        from: from.map(|d| d * day_ms),
        until: until.map(|d| d * day_ms),
        agency: agency.map(str::to_owned),
    };
    // `cortina serve` loads the cells into memory at start, in the
    // background; every read then finds them there.
    let t = Instant::now();
    svc.stats_load().await.map_err(|e| e.to_string())?;
    println!(
        "loading the cells (at start): {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let week = Some(today - 7);
    for (label, query) in [
        (
            "whole period by day, totals (the page's default)",
            ask(Period::Day, None, None, Some("*")),
        ),
        (
            "whole period by day, one agency",
            ask(Period::Day, None, None, Some("agency-7")),
        ),
        (
            "whole period by day, every figure (the export)",
            ask(Period::Day, None, None, None),
        ),
        (
            "whole period by week, every figure",
            ask(Period::Week, None, None, None),
        ),
        (
            "one week by day, every figure",
            ask(Period::Day, week, Some(today), None),
        ),
    ] {
        let mut times = Vec::new();
        let mut shown = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let table = svc.stats_table(&query).await.map_err(|e| e.to_string())?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            shown = table.cells.len();
        }
        println!(
            "{label}: {shown} figures, median {:.1} ms of {runs} runs",
            median(times)
        );
    }
    store.close().await;
    Ok(())
}
