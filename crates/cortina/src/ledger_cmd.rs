//! `cortina ledger …` and `cortina admin init`: the ledger's faces on the
//! command line. The store is async (sqlx); these commands run it on a
//! runtime of their own and print plain text or JSON.

use std::path::Path;

use anyhow::{Context as _, anyhow};
use base64::Engine as _;
use ledger::{CosignatureVerifier, Hash, NoteVerifier};
use serde::Serialize;
use service::{Bootstrap, ScreeningLists, Service};
use store::{Location, OpenOptions, Store, StoreError};

use crate::cli::{AdminCommand, LedgerCommand, StoreArgs, UserCommand};
use crate::{Failure, Outcome};

pub(crate) fn location(args: &StoreArgs) -> Location {
    Location {
        data_dir: args.data_dir.clone(),
        database_url: args.database_url.clone(),
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?)
}

async fn open(args: &StoreArgs) -> Result<Store, Failure> {
    Ok(Store::open(&location(args), &OpenOptions::default()).await?)
}

/// The service over the store at `args`, with the shipped policy, without
/// screening lists (for commands that screen nobody).
pub(crate) async fn open_service_without_lists(args: &StoreArgs) -> Result<Service, Failure> {
    let store = open(args).await?;
    let authority = authority::Authority::new().context("loading the policy")?;
    Ok(Service::new(store, authority))
}

/// The service over the store at `args`, with the shipped policy and, when
/// lists were imported into the data directory, the screening lists.
pub(crate) async fn open_service(args: &StoreArgs) -> Result<Service, Failure> {
    let svc = open_service_without_lists(args).await?;
    if crate::snapshot::current(&args.data_dir).is_ok() {
        let index = crate::snapshot::open(&args.data_dir)?;
        svc.set_lists(std::sync::Arc::new(ScreeningLists::new(index)));
    }
    Ok(svc)
}

/// Runs a `cortina ledger` subcommand.
pub fn run(cmd: LedgerCommand) -> Result<Outcome, Failure> {
    runtime()?.block_on(async move {
        match cmd {
            LedgerCommand::Verify {
                since,
                key,
                url: Some(url),
                token_file,
                witness_keys,
                ..
            } => verify_remote(
                &url,
                &crate::token::read_secret(token_file.as_deref())?,
                &since,
                key.as_deref(),
                &read_witness_keys(&witness_keys)?,
            ),
            LedgerCommand::Verify {
                store,
                since,
                key,
                witness_keys,
                ..
            } => {
                verify(
                    &store,
                    &since,
                    key.as_deref(),
                    &read_witness_keys(&witness_keys)?,
                )
                .await
            }
            LedgerCommand::Checkpoint { store } => {
                let s = open(&store).await?;
                print!("{}", s.checkpoint().await?);
                s.close().await;
                Ok(Outcome::Ok)
            }
            LedgerCommand::Key { store } => {
                let s = open(&store).await?;
                println!("{}", s.verifier().key_string());
                s.close().await;
                Ok(Outcome::Ok)
            }
            LedgerCommand::Prove {
                store,
                index,
                size,
                since_size,
            } => prove(&store, index, size, since_size).await,
        }
    })
}

/// Runs a `cortina admin` subcommand.
pub fn admin(cmd: AdminCommand) -> Result<Outcome, Failure> {
    runtime()?.block_on(async move {
        match cmd {
            AdminCommand::Init {
                store,
                origin,
                admin,
                agency_id,
                agency_name,
                country,
                commander,
            } => {
                let bootstrap = Bootstrap {
                    agency_id,
                    agency_name,
                    country,
                    username: admin,
                };
                init(&store, &origin, &bootstrap, &commander).await
            }
            AdminCommand::Token(args) => crate::token::run(&args).await,
            AdminCommand::MigrateIds { actor, store } => {
                let svc = open_service(&store).await?;
                let result = svc.migrate_ids(&service::Actor::cli(&actor)).await;
                svc.store().close().await;
                let r = result.map_err(|e| Failure(anyhow!("admin migrate-ids: {e}")))?;
                match r.entry {
                    None => println!("Nothing to migrate: every id is opaque already."),
                    Some(seq) => println!(
                        "Gave opaque ids to {} accounts, {} account proposals, {} declaration \
                         lines and {} protectees (ledger entry {seq}); {} other records referred \
                         to them and were updated; {} sessions ended (their users log in again), \
                         {} API tokens moved to their account's new id.",
                        r.accounts,
                        r.proposals,
                        r.declarations,
                        r.protectees,
                        r.references,
                        r.sessions_ended,
                        r.tokens_moved
                    ),
                }
                Ok(Outcome::Ok)
            }
            AdminCommand::User(UserCommand::Add {
                name,
                role,
                agency,
                delegation,
                declaration,
                actor,
                store,
            }) => {
                let command = serde_json::json!({
                    "action": "account.create", "username": name, "role": role, "agency": agency,
                    "delegation": delegation, "declaration": declaration,
                });
                let command: service::Command =
                    serde_json::from_value(command).map_err(|e| Failure(anyhow!("{e}")))?;
                let svc = open_service(&store).await?;
                let result = svc.execute(&service::Actor::cli(&actor), command).await;
                svc.store().close().await;
                let done = result.map_err(|e| Failure(anyhow!("{e}")))?;
                println!(
                    "Proposed account {name} as {} (ledger entry {}): a host commander confirms it \
                     with `cortina admin user confirm {name} --as COMMANDER`.",
                    done.id, done.seq
                );
                Ok(Outcome::Ok)
            }
            AdminCommand::User(UserCommand::Confirm {
                name,
                actor,
                admin,
                store,
            }) => {
                let svc = open_service(&store).await?;
                let result = async {
                    let confirm: service::Command = serde_json::from_value(serde_json::json!({
                        "action": "account.confirm", "proposal": format!("prop-{name}"),
                    }))?;
                    let done = svc.execute(&service::Actor::cli(&actor), confirm).await?;
                    println!("Confirmed account {name} (ledger entry {}).", done.seq);
                    let issue: service::Command = serde_json::from_value(serde_json::json!({
                        "action": "account.enrolment", "username": name,
                    }))?;
                    let done = svc.execute(&service::Actor::cli(&admin), issue).await?;
                    let secret = done
                        .data
                        .as_ref()
                        .and_then(|d| d.get("enrolment_secret"))
                        .and_then(|p| p.as_str())
                        .unwrap_or_default()
                        .to_owned();
                    println!(
                        "Enrolment secret for {name} (shown once, valid 24 h; hand it over out of \
                         band — the user chooses their password with it): {secret}"
                    );
                    Ok::<_, anyhow::Error>(())
                }
                .await;
                svc.store().close().await;
                result.map_err(Failure)?;
                Ok(Outcome::Ok)
            }
        }
    })
}

async fn init(
    args: &StoreArgs,
    origin: &str,
    bootstrap: &Bootstrap,
    commander: &str,
) -> Result<Outcome, Failure> {
    let loc = location(args);
    match Store::open(&loc, &OpenOptions::default()).await {
        Ok(s) => {
            println!(
                "A cortina store already exists at {} (ledger {}); nothing changed.",
                loc.describe(),
                s.origin()
            );
            s.close().await;
            return Ok(Outcome::Ok);
        }
        Err(StoreError::NotInitialised(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let s = Store::open(
        &loc,
        &OpenOptions {
            create: true,
            origin: Some(origin.to_owned()),
        },
    )
    .await?;
    // The first entries record the creation itself (the host IT agency and
    // the admin), so the log never starts silently.
    let authority = authority::Authority::new().context("loading the policy")?;
    let svc = Service::new(s.clone(), authority);
    let password = svc
        .bootstrap(bootstrap)
        .await
        .map_err(|e| Failure(anyhow!("{e}")))?;
    let (_, commander_secret) = svc
        .bootstrap_commander(commander, &bootstrap.agency_id)
        .await
        .map_err(|e| Failure(anyhow!("the first commander: {e}")))?;
    println!("Created the cortina store at {}.", loc.describe());
    println!("Ledger origin: {}", s.origin());
    println!(
        "Ledger public key (give it to the oversight body): {}",
        s.verifier().key_string()
    );
    println!(
        "Signing key: {} (mode 0600; back it up, never share it)",
        store::keys::key_path(&loc.data_dir).display()
    );
    println!(
        "Admin account: {} — enrolment secret (shown once, valid 24 h; the admin chooses a \
         password and sets up TOTP with it: /enrol or POST /api/v1/enrolment): {password}",
        bootstrap.username
    );
    println!(
        "First host commander: {commander} — enrolment secret (shown once, valid 24 h; the \
         commander chooses a password and sets up TOTP with it: /enrol or POST /api/v1/enrolment): {}",
        commander_secret.expose()
    );
    s.close().await;
    Ok(Outcome::Ok)
}

fn read_key(arg: &str) -> Result<NoteVerifier, Failure> {
    let text = if Path::new(arg).is_file() {
        std::fs::read_to_string(arg).with_context(|| format!("reading the key file {arg}"))?
    } else {
        arg.to_owned()
    };
    NoteVerifier::from_key_string(text.trim()).map_err(|e| {
        Failure(anyhow!(
            "--key {arg}: not a verifier key (name+hash+base64): {e}"
        ))
    })
}

/// The witness keys given with `--witness-key` (strings or files).
fn read_witness_keys(args: &[String]) -> Result<Vec<CosignatureVerifier>, Failure> {
    args.iter()
        .map(|arg| {
            let text = if Path::new(arg).is_file() {
                std::fs::read_to_string(arg)
                    .with_context(|| format!("reading the witness key file {arg}"))?
            } else {
                arg.clone()
            };
            // A key copied from `cortina serve --witness KEY@URL` keeps working.
            let text = text.trim();
            let key = text.split_once('@').map_or(text, |(k, _)| k);
            CosignatureVerifier::from_key_string(key).map_err(|e| {
                Failure(anyhow!(
                    "--witness-key {arg}: not a witness key (name+hash+base64): {e}"
                ))
            })
        })
        .collect()
}

/// What a witnessed checkpoint adds to the verdict line.
pub(crate) fn witnessed_summary(w: &ledger::Witnessed, keys: &[CosignatureVerifier]) -> String {
    let names: Vec<String> = keys
        .iter()
        .zip(&w.timestamps)
        .map(|(k, t)| format!("{} (time {t})", k.name()))
        .collect();
    format!(
        "; checkpoint of size {} cosigned by witness {}",
        w.checkpoint.checkpoint.size,
        names.join(", ")
    )
}

fn read_since(since: &[std::path::PathBuf]) -> Result<Vec<Vec<u8>>, Failure> {
    let mut older = Vec::with_capacity(since.len());
    for path in since {
        older.push(
            std::fs::read(path).with_context(|| format!("reading --since {}", path.display()))?,
        );
    }
    Ok(older)
}

fn verify_remote(
    url: &str,
    token: &str,
    since: &[std::path::PathBuf],
    key: Option<&str>,
    witnesses: &[CosignatureVerifier],
) -> Result<Outcome, Failure> {
    let key = key.map(read_key).transpose()?;
    let older = read_since(since)?;
    // The blocking HTTP client runs on a thread of its own, off the runtime.
    let verdict = std::thread::scope(|s| {
        s.spawn(|| crate::ledger_remote::verify(url, token, key, &older, witnesses))
            .join()
            .map_err(|_| Failure(anyhow!("the verifier thread panicked")))
    })??;
    Ok(print_verdict(verdict))
}

fn print_verdict(verdict: crate::ledger_remote::Verdict) -> Outcome {
    match verdict {
        Ok(line) => {
            println!("{line}");
            Outcome::Ok
        }
        Err((Some(i), message)) => {
            println!("FAILED at entry {i}: {message}");
            Outcome::VerifyFailed
        }
        Err((None, message)) => {
            println!("FAILED: {message}");
            Outcome::VerifyFailed
        }
    }
}

async fn verify(
    args: &StoreArgs,
    since: &[std::path::PathBuf],
    key: Option<&str>,
    witnesses: &[CosignatureVerifier],
) -> Result<Outcome, Failure> {
    let key = key.map(read_key).transpose()?;
    let older = read_since(since)?;
    let s = open(args).await?;
    // The log first; then every row's stamps against it (which trust the
    // entries the first step checked); then the witnessed checkpoint.
    let result = match s.verify(key.as_ref(), &older).await {
        Ok(report) => s
            .verify_stamps(&service::stamp_rules())
            .await
            .map(|rows| (report, rows)),
        Err(f) => Err(f),
    };
    let witnessed = match (&result, witnesses.is_empty()) {
        (Ok((report, _)), false) => Some(
            check_witnessed(
                &s,
                key.as_ref().unwrap_or(s.verifier()),
                report.checkpoint.checkpoint.size,
                witnesses,
            )
            .await,
        ),
        _ => None,
    };
    // What purges removed, by the purge entry that removed it.
    let (purged, log) = match &result {
        Ok(_) => (
            store::purge::purged_by_entry(&s).await.unwrap_or_default(),
            store::purge::purged_consultations(&s)
                .await
                .unwrap_or_default(),
        ),
        Err(_) => (Vec::new(), Default::default()),
    };
    s.close().await;
    let verdict = match (result, witnessed) {
        (Ok(_), Some(Err(message))) => Err((None, message)),
        (Ok((report, rows)), witnessed) => {
            let c = &report.checkpoint.checkpoint;
            let mut line = format!(
                "ok: ledger {} verified: {} entries, root {}, checkpoint signed by {}",
                c.origin,
                c.size,
                c.root.to_base64(),
                key.as_ref().map_or(s.verifier().name(), |k| k.name())
            );
            if !report.consistent_with.is_empty() {
                let sizes: Vec<String> =
                    report.consistent_with.iter().map(u64::to_string).collect();
                line.push_str(&format!(
                    "; grew consistently from size {}",
                    sizes.join(", ")
                ));
            }
            line.push_str(&format!("; {rows} rows stamped by their entries"));
            line.push_str(&purged_summary(&purged));
            line.push_str(&log_summary(&log));
            if let Some(Ok(w)) = witnessed {
                line.push_str(&w);
            }
            Ok(line)
        }
        (Err(f), _) => Err((f.index, f.message)),
    };
    Ok(print_verdict(verdict))
}

/// `; N records purged: purged-by-entry-E (n), …` (the first eight
/// purge entries), or nothing when nothing was purged.
fn purged_summary(purged: &[(u64, u64)]) -> String {
    if purged.is_empty() {
        return String::new();
    }
    let total: u64 = purged.iter().map(|(_, n)| n).sum();
    let mut by: Vec<String> = purged
        .iter()
        .take(8)
        .map(|(seq, n)| format!("purged-by-entry-{seq} ({n})"))
        .collect();
    if purged.len() > 8 {
        by.push(format!("… {} more entries", purged.len() - 8));
    }
    format!("; {total} records purged: {}", by.join(", "))
}

/// `; the consultation log is complete from entry E` when it did not
/// start with the ledger, and `; consultations of entries a-b purged by
/// entry N, …` (the first eight ranges).
fn log_summary((ranges, epoch): &(Vec<(u64, u64, u64)>, u64)) -> String {
    let mut out = String::new();
    if *epoch > 0 {
        out.push_str(&format!(
            "; the consultation log is complete from entry {epoch} (older entries predate it)"
        ));
    }
    if !ranges.is_empty() {
        let mut by: Vec<String> = ranges
            .iter()
            .take(8)
            .map(|(seq, a, b)| format!("entries {a}-{} purged by entry {seq}", b - 1))
            .collect();
        if ranges.len() > 8 {
            by.push(format!("… {} more ranges", ranges.len() - 8));
        }
        out.push_str(&format!("; consultations of {}", by.join(", ")));
    }
    out
}

/// The stored witnessed checkpoint: signed by the log's key, cosigned by
/// every witness, and a prefix of the verified log of `size` entries.
async fn check_witnessed(
    s: &Store,
    key: &NoteVerifier,
    size: u64,
    witnesses: &[CosignatureVerifier],
) -> Result<String, String> {
    let note = s
        .witnessed_checkpoint()
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            "no checkpoint cosigned by the witnesses is stored (does `cortina serve --witness` \
             reach them?)"
                .to_owned()
        })?;
    let w = ledger::open_witnessed(note.as_bytes(), key, None, witnesses)
        .map_err(|e| format!("the witnessed checkpoint: {e}"))?;
    let c = &w.checkpoint.checkpoint;
    if c.size > size {
        return Err(format!(
            "the witnessed checkpoint has {} entries, more than the log's {size}",
            c.size
        ));
    }
    let root = if c.size == 0 {
        ledger::tlog::empty_tree_hash()
    } else {
        s.root_at(c.size).await.map_err(|e| e.to_string())?
    };
    if root != c.root {
        return Err(format!(
            "the log is not an extension of the witnessed checkpoint of size {}",
            c.size
        ));
    }
    Ok(witnessed_summary(&w, witnesses))
}

fn b64(h: &Hash) -> String {
    base64::engine::general_purpose::STANDARD.encode(h.as_bytes())
}

#[derive(Serialize)]
struct InclusionJson {
    index: u64,
    tree_size: u64,
    leaf_hash: String,
    root_hash: String,
    proof: Vec<String>,
}

#[derive(Serialize)]
struct ConsistencyJson {
    old_size: u64,
    new_size: u64,
    old_root_hash: String,
    new_root_hash: String,
    proof: Vec<String>,
}

async fn prove(
    args: &StoreArgs,
    index: Option<u64>,
    size: Option<u64>,
    since_size: Option<u64>,
) -> Result<Outcome, Failure> {
    let s = open(args).await?;
    let size = match size {
        Some(n) => n,
        None => s.ledger_stats().await?.size,
    };
    let json = match (index, since_size) {
        (Some(index), _) => {
            let (proof, root, leaf) = s.prove_inclusion(index, size).await?;
            serde_json::to_string_pretty(&InclusionJson {
                index,
                tree_size: size,
                leaf_hash: b64(&leaf),
                root_hash: b64(&root),
                proof: proof.iter().map(b64).collect(),
            })?
        }
        (None, Some(old)) => {
            let (proof, old_root, new_root) = s.prove_consistency(old, size).await?;
            serde_json::to_string_pretty(&ConsistencyJson {
                old_size: old,
                new_size: size,
                old_root_hash: b64(&old_root),
                new_root_hash: b64(&new_root),
                proof: proof.iter().map(b64).collect(),
            })?
        }
        (None, None) => return Err(Failure(anyhow!("give --index N or --since-size M"))),
    };
    println!("{json}");
    s.close().await;
    Ok(Outcome::Ok)
}
