//! `cortina ledger …` and `cortina admin init`: the ledger's faces on the
//! command line. The store is async (sqlx); these commands run it on a
//! runtime of their own and print plain text or JSON.

use std::path::Path;

use anyhow::{Context as _, anyhow};
use base64::Engine as _;
use ledger::{Decision, Entry, Hash, NoteVerifier, Resource};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use store::{Location, OpenOptions, Store, StoreError};

use crate::cli::{AdminCommand, LedgerCommand, StoreArgs};
use crate::{Failure, Outcome};

fn location(args: &StoreArgs) -> Location {
    Location {
        data_dir: args.data_dir.clone(),
        database_url: args.database_url.clone(),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?)
}

async fn open(args: &StoreArgs) -> Result<Store, Failure> {
    Ok(Store::open(&location(args), &OpenOptions::default()).await?)
}

/// Runs a `cortina ledger` subcommand.
pub fn run(cmd: LedgerCommand) -> Result<Outcome, Failure> {
    runtime()?.block_on(async move {
        match cmd {
            LedgerCommand::Verify { store, since, key } => {
                verify(&store, &since, key.as_deref()).await
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
            AdminCommand::Init { store, origin } => init(&store, &origin).await,
        }
    })
}

async fn init(args: &StoreArgs, origin: &str) -> Result<Outcome, Failure> {
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
    // Entry 0 records the creation itself, so the log never starts silently.
    let digest: [u8; 32] = Sha256::digest(origin.as_bytes()).into();
    let origin_owned = origin.to_owned();
    s.write(move |tx| {
        Box::pin(async move {
            if tx.next_seq() == 0 {
                tx.append(Entry {
                    seq: 0,
                    time_ms: 0,
                    actor_account: "system".into(),
                    actor_agency: "host".into(),
                    action: "store.init".into(),
                    resource: Resource {
                        kind: "ledger".into(),
                        id: origin_owned,
                    },
                    decision: Decision::Allow,
                    policies: vec!["bootstrap".into()],
                    payload_digest: digest,
                    personal_data: None,
                })?;
            }
            Ok::<_, StoreError>(())
        })
    })
    .await?;
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

async fn verify(
    args: &StoreArgs,
    since: &[std::path::PathBuf],
    key: Option<&str>,
) -> Result<Outcome, Failure> {
    let key = key.map(read_key).transpose()?;
    let mut older = Vec::with_capacity(since.len());
    for path in since {
        older.push(
            std::fs::read(path).with_context(|| format!("reading --since {}", path.display()))?,
        );
    }
    let s = open(args).await?;
    let result = s.verify(key.as_ref(), &older).await;
    s.close().await;
    match result {
        Ok(report) => {
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
            println!("{line}");
            Ok(Outcome::Ok)
        }
        Err(f) => {
            match f.index {
                Some(i) => println!("FAILED at entry {i}: {}", f.message),
                None => println!("FAILED: {}", f.message),
            }
            Ok(Outcome::VerifyFailed)
        }
    }
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
