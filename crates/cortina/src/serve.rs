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
        // A store older than opaque ids names people by their labels in
        // every entry until it is migrated.
        match svc.readable_ids().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                records = n,
                "this store was written before ids were opaque: new ledger entries name these \
                 accounts and personal records by readable ids (login names, labels) until \
                 `cortina admin migrate-ids --as ADMIN` gives them opaque ids (stop the server \
                 first)"
            ),
            Err(e) => tracing::warn!(error = %e, "could not count readable ids"),
        }
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
        let every = args
            .update_every
            .as_deref()
            .map(parse_duration)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--update-every {e}"))?;
        let lists = ListsRunner {
            store: args.store.clone(),
            base_url: args.lists_base_url.clone(),
            sources: args.lists_sources.clone(),
            every,
            running: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            seen: Arc::default(),
        };
        lists.refresh();
        watch_lists(svc.clone(), lists.clone());
        if let (Some(every), Some(actor)) = (every, args.update_as.clone()) {
            println!(
                "lists updated every {} s as {actor}{}",
                every.as_secs(),
                args.lists_base_url
                    .as_deref()
                    .map(|u| format!(" from {u}"))
                    .unwrap_or_default()
            );
            schedule_updates(lists.clone(), every, actor);
        }
        let config = server::Config {
            lists: Some(server::watchlists::Lists(Arc::new(lists))),
            ..config
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

/// How often the data directory is checked for a new snapshot.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// Swaps in every new snapshot stored in the data directory (by a scheduled
/// update, or `cortina lists update`/`import` in another process): the
/// service's lists change at once for every following request, the index
/// loaded off the request path. A snapshot that fails to load is logged and
/// the one in force kept. Each tick also refreshes what the pages show of
/// the lists ([`ListsRunner::refresh`]), so that no page reads a file.
fn watch_lists(svc: service::Service, runner: ListsRunner) {
    let data_dir = runner.store.data_dir.clone();
    tokio::spawn(async move {
        let mut failed: Option<String> = None;
        loop {
            tokio::time::sleep(WATCH_EVERY).await;
            let Some(current) = runner.refresh() else {
                continue;
            };
            let in_force = svc.lists().map(|l| l.snapshot().to_owned());
            if in_force.as_deref() == Some(current.snapshot.as_str())
                || failed.as_deref() == Some(current.snapshot.as_str())
            {
                continue;
            }
            let dir = data_dir.clone();
            let hash = current.snapshot.clone();
            match tokio::task::spawn_blocking(move || crate::snapshot::open_hash(&dir, &hash)).await
            {
                Ok(Ok(index)) => {
                    svc.set_lists(Arc::new(service::ScreeningLists::new(index)));
                    tracing::info!(snapshot = %current.snapshot, entities = current.entities, "new list snapshot in force");
                    failed = None;
                }
                Ok(Err(e)) => {
                    tracing::error!(snapshot = %current.snapshot, "the new list snapshot did not load, the one in force is kept: {e:#}");
                    failed = Some(current.snapshot);
                }
                Err(e) => tracing::error!("loading the new list snapshot: {e}"),
            }
        }
    });
}

/// What runs list updates for the server: the schedule and the admin's
/// update now (one at a time), each as `cortina lists update` does it, on
/// a thread of its own (the download and import block; the update records
/// and re-screens through its own connection, as the command does). The
/// new snapshot is then swapped in by [`watch_lists`].
#[derive(Clone)]
struct ListsRunner {
    store: crate::cli::StoreArgs,
    base_url: Option<String>,
    sources: Vec<String>,
    every: Option<std::time::Duration>,
    running: Arc<std::sync::atomic::AtomicBool>,
    /// What the files say (the snapshot in force, the last attempt), read
    /// by [`ListsRunner::refresh`].
    seen: Arc<std::sync::RwLock<server::watchlists::ListsStatus>>,
}

const RUNNING: &str = "a list update is running already; try again when it is done";

impl ListsRunner {
    fn args(&self, actor: &str) -> crate::cli::UpdateArgs {
        crate::cli::UpdateArgs {
            sources: self.sources.clone(),
            url_overrides: Vec::new(),
            base_url: self.base_url.clone(),
            timeout: 300,
            lenient: false,
            list_sources: false,
            data: self.store.clone(),
            acting: crate::cli::Acting {
                actor: Some(actor.to_owned()),
                purpose: None,
            },
        }
    }

    /// Runs one update (the caller holds `running`); `recorded`: the
    /// server has already decided and recorded it.
    fn update(&self, actor: &str, recorded: bool) {
        let args = self.args(actor);
        let result = if recorded {
            crate::update::run_recorded(&args)
        } else {
            crate::update::run(&args)
        };
        self.refresh();
        self.running
            .store(false, std::sync::atomic::Ordering::SeqCst);
        match result {
            Ok(_) => tracing::info!(actor, "list update done"),
            Err(Failure(e)) => {
                tracing::error!(
                    actor,
                    "list update failed, the snapshot in force is kept: {e:#}"
                )
            }
        }
    }

    /// Reads the snapshot in force and the last attempt from the data
    /// directory into what [`status`](server::watchlists::ListsControl::status)
    /// answers; returns the snapshot.
    fn refresh(&self) -> Option<crate::snapshot::Current> {
        let dir = &self.store.data_dir;
        let current = crate::snapshot::current(dir).ok();
        let seen = server::watchlists::ListsStatus {
            entities: current.as_ref().map(|c| c.entities as u64),
            imported_at: current.as_ref().map(|c| c.imported_at),
            origin: current.as_ref().map(|c| c.origin.clone()),
            previous: current.as_ref().and_then(|c| c.previous.clone()),
            last: crate::update::last_attempt(dir).map(|a| server::watchlists::Attempt {
                at: a.at,
                ok: a.ok,
                message: a.message,
            }),
            running: false,
            every_secs: self.every.map(|e| e.as_secs()),
        };
        *self.seen.write().unwrap_or_else(|p| p.into_inner()) = seen;
        current
    }

    /// Takes the one update slot.
    fn claim(&self) -> bool {
        !self.running.swap(true, std::sync::atomic::Ordering::SeqCst)
    }
}

impl server::watchlists::ListsControl for ListsRunner {
    fn status(&self) -> server::watchlists::ListsStatus {
        let mut status = self.seen.read().unwrap_or_else(|p| p.into_inner()).clone();
        status.running = self.running.load(std::sync::atomic::Ordering::SeqCst);
        status
    }

    fn start_update(&self, username: &str) -> Result<(), String> {
        if !self.claim() {
            return Err(RUNNING.into());
        }
        let runner = self.clone();
        let username = username.to_owned();
        std::thread::spawn(move || runner.update(&username, true));
        Ok(())
    }
}

/// Runs the scheduled updates as `actor` (a tick while one runs is skipped).
fn schedule_updates(runner: ListsRunner, every: std::time::Duration, actor: String) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(every);
            if runner.claim() {
                runner.update(&actor, false);
            } else {
                tracing::warn!("{RUNNING}: the scheduled one is skipped");
            }
        }
    });
}

/// Reads a duration such as `6h`, `30m`, `45s` or `1d` (at least a second).
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit (s, m, h, d), e.g. 6h"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        other => return Err(format!("{text:?}: unknown unit {other:?} (s, m, h, d)")),
    };
    if seconds == 0 {
        return Err(format!("{text:?}: must be at least one second"));
    }
    Ok(std::time::Duration::from_secs(seconds))
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
