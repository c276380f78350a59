//! `cortina serve`: the HTTP server over the store in the data directory
//! (or `--database`), with the imported lists as its screening index. Thin:
//! it reads the flags, opens the store, the service and the index, and
//! hands them to `server::serve` (or `server::tls::serve_tls` with
//! `--tls-cert/--tls-key`). Stops gracefully on SIGINT or SIGTERM: requests
//! in flight finish, then the store closes.

use std::sync::Arc;

use anyhow::Context as _;

use crate::cli::ServeArgs;
use crate::{Failure, Outcome};

/// What `cortina serve --help` adds.
pub const HELP: &str = "\
Routes: /api/v1/session (POST log in, DELETE log out), /api/v1/commands (one `cortina exec`
command as JSON), and one route per resource and action (the full list, with bodies, is
/api/v1/openapi.json):
  POST /api/v1/{collection}                create (body: the command's fields, no `action`)
  POST /api/v1/{collection}/{id}/{verb}    a transition (e.g. /api/v1/requests/{id}/accept)
  GET  /api/v1/{collection}/{id}           read (personal data: send X-Purpose)
  GET  /api/v1/{collection}                list what the caller may see, no personal data
  collections: agencies, event, delegations, accounts, declarations, rooms (+ /{room}/log,
  /{room}/sitreps), log-entries, liaison-reports, protectees, movements, requests, tasks,
  vetting-cases; GET /api/v1/ledger/checkpoint | entries?from=&limit= (oversight);
  GET /api/v1/disclosures?recipient=&kind=&from=&until=&format=csv (oversight, commander);
  GET /api/v1/rooms/{id}/events (a room's live board: server-sent events).
/match/{dataset} and /search/{dataset} (yente-compatible; send X-Purpose), /catalog,
/entities/{id}, /ledger/checkpoint | key | tile/... (C2SP tlog-tiles; oversight or witness
tokens; with --witness, /ledger/checkpoint is the newest checkpoint every witness cosigned),
/healthz, /readyz. Tokens: `cortina admin token`. Logs: RUST_LOG (default info).
HTTPS with --tls-cert/--tls-key (PEM); without them, serve on loopback behind a TLS proxy.
--demo marks its ledger with the origin cortina.demo/milano-cortina-2026; accounts in DIR/demo-accounts.txt.";

/// Runs `cortina serve`.
pub fn run(args: &ServeArgs) -> Result<Outcome, Failure> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let rt = crate::ledger_cmd::runtime()?;
    rt.block_on(async {
        // The demo is built (or found) first, through the service like any
        // deployment; then it is served as any store is.
        let demo = if args.demo {
            Some(crate::demo_world::prepare(&args.store).await?)
        } else {
            None
        };
        let svc = crate::ledger_cmd::open_service_without_lists(&args.store).await?;
        // One index, built once, for the declarations' screening and the
        // screening routes alike.
        let index = if crate::snapshot::current(&args.store.data_dir).is_ok() {
            let index = Arc::new(crate::snapshot::open(&args.store.data_dir)?);
            svc.set_lists(Arc::new(service::ScreeningLists::shared(index.clone())));
            Some(index)
        } else {
            tracing::warn!("no lists imported: the screening routes answer 503");
            None
        };
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => {
                let cert_pem = std::fs::read(cert)
                    .with_context(|| format!("reading --tls-cert {}", cert.display()))?;
                let key_pem = std::fs::read(key)
                    .with_context(|| format!("reading --tls-key {}", key.display()))?;
                Some(
                    server::tls::config_from_pem(&cert_pem, &key_pem)
                        .context("--tls-cert/--tls-key")?,
                )
            }
            _ => None,
        };
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let addr = listener.local_addr().context("the listening address")?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!(
            "cortina serving on {scheme}://{addr} (ledger {}, lists {})",
            svc.store().origin(),
            index.as_ref().map_or("none", |i| i.snapshot_hash())
        );
        if let Some(accounts) = &demo {
            crate::demo_world::print_table(
                &format!("{scheme}://{addr}"),
                accounts,
                &args.store.data_dir,
            );
        }
        let witnesses = args
            .witnesses
            .iter()
            .map(|w| server::witnessing::WitnessConfig::parse(w))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("--witness {e}"))?;
        if let Some(w) = witnesses.iter().find(|w| w.url.is_none()) {
            return Err(Failure(anyhow::anyhow!(
                "--witness {}: add @URL, where the witness listens (cortina witness serve)",
                w.key.key_string()
            )));
        }
        for w in &witnesses {
            println!(
                "checkpoints cosigned by witness {} ({})",
                w.key.name(),
                w.url.as_deref().unwrap_or_default()
            );
        }
        let config = server::Config {
            tls: tls.is_some(),
            trusted_proxies: args.trusted_proxies.clone(),
            witnesses,
            witness_interval: std::time::Duration::from_millis(args.witness_interval_ms.max(100)),
            ..server::Config::default()
        };
        let state = server::AppState::new(svc, index, config);
        match tls {
            Some(tls) => server::tls::serve_tls(listener, tls, state, shutdown_signal()).await,
            None => server::serve(listener, state, shutdown_signal()).await,
        }
        .context("serving")?;
        println!("cortina stopped");
        Ok(Outcome::Ok)
    })
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = interrupt => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = interrupt.await;
        }
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
