//! A ledger writer under load, for the crash test and for measuring append
//! throughput.
//!
//! ```text
//! ledger_writer --data-dir DIR [--database URL] [--writers N] [--count N] [--per-write K]
//! ```
//!
//! Starts `--writers` tasks, each appending `--per-write` entries per write
//! in a loop, and prints the sequence numbers of each acknowledged write on
//! stdout (one line per write). With `--count`, stops after that many
//! entries and prints the rate on stderr; without it, runs until killed.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use ledger::{Decision, Entry, Resource};
use std::io::Write as _;
use store::{Location, OpenOptions, Store, StoreError};

struct Args {
    location: Location,
    writers: u64,
    count: Option<u64>,
    per_write: u64,
    quiet: bool,
}

fn parse() -> Result<Args, String> {
    let mut data_dir = None;
    let mut database_url = None;
    let mut writers = 16;
    let mut count = None;
    let mut per_write = 1;
    let mut quiet = false;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--data-dir" => data_dir = Some(PathBuf::from(value()?)),
            "--database" => database_url = Some(value()?),
            "--writers" => writers = value()?.parse().map_err(|e| format!("--writers: {e}"))?,
            "--count" => count = Some(value()?.parse().map_err(|e| format!("--count: {e}"))?),
            "--per-write" => {
                per_write = value()?.parse().map_err(|e| format!("--per-write: {e}"))?
            }
            "--quiet" => quiet = true,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let data_dir = data_dir.ok_or("--data-dir is required")?;
    Ok(Args {
        location: Location {
            data_dir,
            database_url,
        },
        writers: writers.max(1),
        count,
        per_write: per_write.max(1),
        quiet,
    })
}

fn sample(i: u64) -> Entry {
    Entry {
        seq: 0,
        time_ms: 0,
        actor_account: format!("account-{}", i % 97),
        actor_agency: "questura-milano".into(),
        channel: Some("cli:test".into()),
        action: "log.record".into(),
        resource: Resource {
            kind: "log_entry".into(),
            id: format!("log-{i}"),
        },
        decision: Decision::Allow,
        policies: vec!["permit-host-operator-log".into()],
        payload_digest: [(i % 251) as u8; 32],
        personal_data: None,
    }
}

#[tokio::main]
async fn main() {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ledger_writer: {e}");
            std::process::exit(2);
        }
    };
    let store = match Store::open(
        &args.location,
        &OpenOptions {
            create: true,
            origin: None,
        },
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ledger_writer: {e}");
            std::process::exit(1);
        }
    };
    let written = Arc::new(AtomicU64::new(0));
    let out = Arc::new(std::io::stdout());
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..args.writers {
        let store = store.clone();
        let written = written.clone();
        let out = out.clone();
        let (count, per_write, quiet) = (args.count, args.per_write, args.quiet);
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            loop {
                if count.is_some_and(|c| written.load(Ordering::Relaxed) >= c) {
                    return;
                }
                let seqs = store
                    .write(move |tx| {
                        Box::pin(async move {
                            let mut seqs = Vec::with_capacity(per_write as usize);
                            for k in 0..per_write {
                                seqs.push(tx.append(sample(i * per_write + k))?);
                            }
                            Ok::<_, StoreError>(seqs)
                        })
                    })
                    .await;
                let seqs = match seqs {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("ledger_writer: {e}");
                        std::process::exit(1);
                    }
                };
                written.fetch_add(seqs.len() as u64, Ordering::Relaxed);
                if !quiet {
                    let line: Vec<String> = seqs.iter().map(u64::to_string).collect();
                    let mut out = out.lock();
                    // The line goes out only after the commit: it is an acknowledgement.
                    let _ = writeln!(out, "{}", line.join(" "));
                    let _ = out.flush();
                }
                i += 1 << 20;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let secs = start.elapsed().as_secs_f64();
    let n = written.load(Ordering::Relaxed);
    eprintln!(
        "{n} entries in {secs:.2} s: {:.0} entries/s ({} writers, {} per write, {:?})",
        n as f64 / secs,
        args.writers,
        args.per_write,
        store.backend()
    );
    store.close().await;
}
