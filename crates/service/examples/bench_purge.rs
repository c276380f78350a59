//! Issue 14's purge target: 1,000,000 applicants purged in ≤ 2 min, and
//! `ledger verify` after it as costly as before.
//!
//! ```text
//! cargo run --release -p service --example bench_purge -- [--rows N] [--batch B] [--data-dir DIR] [--no-verify]
//! ```
//!
//! A fresh SQLite store (in a temporary directory unless `--data-dir`):
//! the registry, two commanders and an organiser through the service, then
//! `--rows` applicants (default 1,000,000) written the way intake writes
//! them — each a salted `records` row with its document (one real
//! applicant's document, made through `applicant.submit`, with id, name
//! and reference changed), its reference digest, and its own
//! `applicant.submit` ledger entry committing to the row — but straight
//! through the store's writer, 10,000 per transaction, without screening
//! (the intake's own benchmark is `cargo xtask bench-applicants`; no
//! cases: intake opens one for ≈ 0.5 % of rows). Then it times `ledger
//! verify` (the log and every row's stamps), the purge (`retention.propose_purge` by
//! one commander, `retention.purge` by the other, batches of `--batch`,
//! default 10,000: the batches, the payload salts, the WAL checkpoint),
//! and `ledger verify` again, and checks that no applicant keeps a
//! document or salt.

use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};
use service::{Actor, Bootstrap, Command, Service};
use store::records::Record;
use store::{Location, OpenOptions, Store};

struct Args {
    rows: u64,
    batch: u32,
    data_dir: Option<PathBuf>,
    /// Skip both `ledger verify` runs (to time the purge alone).
    no_verify: bool,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        rows: 1_000_000,
        batch: 10_000,
        data_dir: None,
        no_verify: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--rows" => args.rows = value()?.parse().map_err(|e| format!("--rows: {e}"))?,
            "--batch" => args.batch = value()?.parse().map_err(|e| format!("--batch: {e}"))?,
            "--data-dir" => args.data_dir = Some(PathBuf::from(value()?)),
            "--no-verify" => args.no_verify = true,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

async fn run(svc: &Service, user: &str, command: Value) -> Result<service::Done, String> {
    let text = command.to_string();
    let command: Command = serde_json::from_value(command).map_err(|e| format!("{text}: {e}"))?;
    svc.execute(&Actor::cli(user), command)
        .await
        .map_err(|e| format!("{user} {text}: {e}"))
}

/// A name made of letters only from `n` (a person name takes no digits).
fn letters(mut n: u64) -> String {
    let mut s = String::new();
    for _ in 0..6 {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

async fn setup(svc: &Service) -> Result<(String, String), String> {
    svc.bootstrap(&Bootstrap {
        agency_id: "ministry-interior".into(),
        agency_name: "Ministero dell'Interno".into(),
        country: "IT".into(),
        username: "admin".into(),
    })
    .await
    .map_err(|e| e.to_string())?;
    for (id, name, kind) in [
        ("questura-milano", "Questura di Milano", "host"),
        ("polizia-di-stato", "Polizia di Stato", "host"),
        (
            "organiser",
            "Milano Cortina 2026 accreditation",
            "organiser",
        ),
    ] {
        run(
            svc,
            "admin",
            json!({"action": "agency.register", "id": id, "name": name, "kind": kind, "country": "IT"}),
        )
        .await?;
    }
    svc.bootstrap_commander("commander", "questura-milano")
        .await
        .map_err(|e| e.to_string())?;
    for (user, role, agency) in [
        ("commander-2", "host_commander", "polizia-di-stato"),
        ("organiser", "organiser", "organiser"),
    ] {
        let proposal = run(
            svc,
            "admin",
            json!({"action": "account.create", "username": user, "role": role, "agency": agency}),
        )
        .await?;
        run(
            svc,
            "commander",
            json!({"action": "account.confirm", "proposal": proposal.id}),
        )
        .await?;
    }
    // One real applicant: its document is the template.
    run(
        svc,
        "organiser",
        json!({"action": "applicant.submit", "applicants": [{"reference": "TEMPLATE-REF",
               "name": "Templato Personaggio", "birth_date": "1990-02-03", "nationality": "IT",
               "document_type": "passport", "document_number": "YA0000000", "category": "media"}]}),
    )
    .await?;
    let template =
        sqlx::query_scalar::<_, String>("SELECT doc FROM records WHERE kind = 'applicant' LIMIT 1")
            .fetch_one(svc.store().pool())
            .await
            .map_err(|e| e.to_string())?;
    let organiser = store::records::account_by_username(svc.store().pool(), "organiser")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no organiser")?
        .id;
    Ok((template, organiser))
}

/// Writes applicants `from..until` the way intake stores them.
async fn seed(
    svc: &Service,
    store: &Store,
    template: &str,
    organiser: &str,
    from: u64,
    until: u64,
) -> Result<(), String> {
    let template_id = serde_json::from_str::<Value>(template).map_err(|e| e.to_string())?["id"]
        .as_str()
        .ok_or("template id")?
        .to_owned();
    let template = template.to_owned();
    let organiser = organiser.to_owned();
    let digests: Vec<String> = (from..until)
        .map(|n| svc.reference_digest("organiser", &format!("REF-{n:09}")))
        .collect();
    store
        .write(move |tx| {
            Box::pin(async move {
                let mut records = Vec::with_capacity((until - from) as usize);
                let mut refs = Vec::with_capacity((until - from) as usize);
                for n in from..until {
                    let id = format!("app-bench{n:09}");
                    let doc = template
                        .replace(&template_id, &id)
                        .replace("Templato Personaggio", &format!("Bench {}", letters(n)))
                        .replace("TEMPLATE-REF", &format!("REF-{n:09}"));
                    let mut salt = [0u8; 32];
                    getrandom::fill(&mut salt)
                        .map_err(|e| store::StoreError::Random(e.to_string()))?;
                    let seq = tx.next_seq() as i64;
                    let record = Record {
                        kind: "applicant".into(),
                        id: id.clone(),
                        delegation: Some("organiser".into()),
                        room: None,
                        state: "no_objection".into(),
                        doc: Some(doc),
                        salt: Some(salt.to_vec()),
                        created_seq: seq,
                        updated_seq: seq,
                        board: store::records::Board::default(),
                    };
                    let mut payload_salt = [0u8; 32];
                    getrandom::fill(&mut payload_salt)
                        .map_err(|e| store::StoreError::Random(e.to_string()))?;
                    let entry = ledger::Entry {
                        seq: 0,
                        time_ms: 0,
                        actor_account: organiser.clone(),
                        actor_agency: "organiser".into(),
                        channel: Some("cli:bench".into()),
                        action: "applicant.submit".into(),
                        resource: ledger::Resource {
                            kind: "applicant".into(),
                            id: id.clone(),
                        },
                        decision: ledger::Decision::Allow,
                        policies: vec!["permit-organiser-applicants".into()],
                        payload_digest: ledger::commit(
                            &payload_salt,
                            format!("line {n}").as_bytes(),
                        ),
                        personal_data: None,
                    };
                    tx.append_rows(entry, payload_salt, vec![record.row_write()])?;
                    records.push(record);
                    refs.push(store::applicants::RefRow {
                        organiser: "organiser".into(),
                        ref_digest: digests[(n - from) as usize].clone(),
                        id,
                        content: format!("{:064x}", n + 1),
                    });
                }
                let conn = tx.conn().await?;
                store::applicants::put_records(conn, &records).await?;
                store::applicants::put_refs(conn, &refs).await?;
                Ok::<_, store::StoreError>(())
            })
        })
        .await
        .map_err(|e| e.to_string())
}

async fn verify(store: &Store) -> Result<f64, String> {
    let t = Instant::now();
    store
        .verify(None, &[])
        .await
        .map_err(|f| format!("ledger: {f}"))?;
    store
        .verify_stamps(&service::stamp_rules())
        .await
        .map_err(|f| format!("row stamps: {f}"))?;
    Ok(t.elapsed().as_secs_f64())
}

async fn bench(args: Args) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| tmp.path().join("data"));
    let store = Store::open(
        &Location {
            data_dir: data_dir.clone(),
            database_url: None,
        },
        &OpenOptions {
            create: true,
            origin: Some("cortina.bench/purge".into()),
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let svc = Service::new(
        store.clone(),
        authority::Authority::new().map_err(|e| e.to_string())?,
    );
    let (template, organiser) = setup(&svc).await?;
    let t = Instant::now();
    let mut from = 0;
    while from < args.rows {
        let until = args.rows.min(from + 10_000);
        seed(&svc, &store, &template, &organiser, from, until).await?;
        from = until;
    }
    let seeded = t.elapsed().as_secs_f64();
    let db = data_dir.join("cortina.db");
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    println!(
        "seeded {} applicants in {seeded:.1} s (cortina.db {} MB)",
        args.rows,
        size(&db) >> 20
    );
    if !args.no_verify {
        let before = verify(&store).await?;
        println!("ledger verify before the purge: {before:.2} s");
    }
    run(
        &svc,
        "commander",
        json!({"action": "retention.propose_purge", "id": "bench", "kind": "applicant",
               "event_end": 1_773_964_800_000i64, "after_days": 30, "reason": "bench"}),
    )
    .await?;
    let t = Instant::now();
    let done = run(
        &svc,
        "commander-2",
        json!({"action": "retention.purge", "proposal": "bench", "batch": args.batch}),
    )
    .await?;
    let purge = t.elapsed().as_secs_f64();
    let data = done.data.unwrap_or_default();
    println!(
        "purge: {purge:.1} s ({} records in {} entries, {} payload salts removed, scrubbed: {}; ms: {})",
        data["purged"],
        data["batches"],
        data["salts_removed"],
        data["scrubbed"],
        data["timings_ms"]
    );
    if !args.no_verify {
        let after = verify(&store).await?;
        println!("ledger verify after the purge: {after:.2} s");
    }
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM records WHERE kind = 'applicant' AND (doc IS NOT NULL OR salt IS NOT NULL)",
    )
    .fetch_one(store.pool())
    .await
    .map_err(|e| e.to_string())?;
    if left != 0 {
        return Err(format!("{left} applicants keep personal data"));
    }
    println!(
        "cortina.db {} MB, -wal {} MB after the purge",
        size(&db) >> 20,
        size(&data_dir.join("cortina.db-wal")) >> 20
    );
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_purge: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = bench(args).await {
        eprintln!("bench_purge: {e}");
        std::process::exit(1);
    }
}
