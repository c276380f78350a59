//! "Every consultation concerning person X" over a big consultation log.
//!
//! ```text
//! scripts/bench-consultations.sh          # builds the log, then runs:
//! cargo run --release -p service --example bench_consultations -- --data-dir DIR [--runs N]
//! ```
//!
//! The store in `DIR` must already hold the synthetic log (millions of
//! consultations of other people, built by the script with the `sqlite3`
//! shell: it has no ledger behind it, which this query never reads). This
//! program adds `--person` consultations (default 200) of one person, "Ivan
//! Petrovich Sidorov", under the digests the service computes, spread over
//! the log, then times the query `store::consultations::page` that
//! `Service::consultations` runs for `name=`, a page of 100, newest first,
//! and the next page, each `--runs` times (median printed), and the same
//! by account and by record.

use std::path::PathBuf;
use std::time::Instant;

use service::Service;
use store::consultations::{Consultation, Filter};
use store::{Location, OpenOptions, Store};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut data_dir = None;
    let mut runs = 7;
    let mut person = 200i64;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--data-dir" => data_dir = Some(PathBuf::from(value()?)),
            "--runs" => runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--person" => person = value()?.parse().map_err(|e| format!("--person: {e}"))?,
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
            origin: Some("cortina.bench/consultations".into()),
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let svc = Service::new(
        store.clone(),
        authority::Authority::new().map_err(|e| e.to_string())?,
    );
    let name = "Ivan Petrovich Sidorov";
    let forms = svc.name_subjects(name);
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consultations")
        .fetch_one(store.pool())
        .await
        .map_err(|e| e.to_string())?;
    let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM consultations")
        .fetch_one(store.pool())
        .await
        .map_err(|e| e.to_string())?;
    // The person's consultations: one every `max / person` entries,
    // appended after the synthetic ones (seqs beyond them).
    let mine: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM consultations WHERE account = 'acc-analyst-x'")
            .fetch_one(store.pool())
            .await
            .map_err(|e| e.to_string())?;
    if mine == 0 {
        let rows: Vec<Consultation> = (0..person)
            .map(|i| Consultation {
                seq: max + 1 + i,
                at_ms: 1_770_000_000_000 + (max + 1 + i) * 100,
                account: "acc-analyst-x".into(),
                agency: "polizia-di-stato".into(),
                channel: "session".into(),
                action: "screening.run".into(),
                record_kind: "lists".into(),
                record_id: "lists".into(),
                allowed: true,
                purpose: Some("accreditation check".into()),
                payload: br#"{"name":"Ivan Petrovich Sidorov","purpose":"accreditation check"}"#
                    .to_vec(),
                result_size: Some(3),
                subjects: forms[0].clone(),
            })
            .collect();
        store
            .write(move |tx| {
                Box::pin(async move {
                    for r in rows {
                        tx.consulted(r);
                    }
                    Ok::<_, store::StoreError>(())
                })
            })
            .await
            .map_err(|e| e.to_string())?;
    }
    println!("log: {total} consultations + {person} of {name:?}");
    let mut conn = store.pool().acquire().await.map_err(|e| e.to_string())?;
    let cases: Vec<(&str, Filter)> = vec![
        (
            "by name, first page of 100",
            Filter {
                subjects: forms.clone(),
                limit: 101,
                ..Filter::default()
            },
        ),
        (
            "by name in Cyrillic (Сидоров Иван Петрович), first page",
            Filter {
                subjects: svc.name_subjects("Сидоров Иван Петрович"),
                limit: 101,
                ..Filter::default()
            },
        ),
        (
            "by name, second page",
            Filter {
                subjects: forms.clone(),
                limit: 101,
                before: Some(max + 1 + person - 100),
                ..Filter::default()
            },
        ),
        (
            "by account, first page of 100",
            Filter {
                account: Some("acc-17".into()),
                limit: 101,
                ..Filter::default()
            },
        ),
        (
            "everything, first page of 100",
            Filter {
                limit: 101,
                ..Filter::default()
            },
        ),
    ];
    for (label, filter) in cases {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let rows = store::consultations::page(&mut conn, &filter)
                .await
                .map_err(|e| e.to_string())?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            found = rows.len();
        }
        println!(
            "{label}: {found} rows, median {:.1} ms of {runs} runs (min {:.1}, max {:.1})",
            median(times.clone()),
            times.iter().copied().fold(f64::MAX, f64::min),
            times.iter().copied().fold(0.0, f64::max),
        );
    }
    drop(conn);
    store.close().await;
    Ok(())
}
