//! Sustained command throughput and latency of the service: authentication,
//! the Cedar decision, the domain transition, the rows and the ledger entry,
//! each command one `Service::execute`, with the durability the product
//! ships (SQLite WAL with `synchronous=FULL`, PostgreSQL with
//! `synchronous_commit=on`).
//!
//! ```text
//! cargo run --release -p service --example bench -- --data-dir DIR [--database URL]
//!     [--clients N] [--seconds S] [--liaisons L] [--verify]
//! ```
//!
//! Sets up a world in a fresh store (the admin, host and foreign agencies,
//! the event, a host commander and operator, a US delegation with `L`
//! accredited liaison officers holding accounts), then runs `N` concurrent
//! clients for `S` seconds. Each client repeats a mix:
//!
//! | share | what | as |
//! |---|---|---|
//! | 30% | `rfi.draft` then `rfi.submit` | a liaison |
//! | 30% | the next host step of one of its requests: `rfi.acknowledge`, `rfi.accept`, `rfi.start`, `rfi.answer` | the operator |
//! | 20% | `task.create`, or `task.approve` of a proposed task | the commander |
//! | 10% | `rfi.read` or `task.read` | the operator, the commander |
//! | 10% | `task.create` by a liaison, which the policy denies (recorded) | a liaison |
//!
//! and prints commands per second, latency percentiles per command (from
//! the call to the answer after the commit), and the denials. With
//! `--verify`, it then times `Store::verify` and `Store::verify_stamps`.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use service::{Bootstrap, Command, ScreeningLists, Service, ServiceError};
use store::{Location, OpenOptions, Store};

struct Args {
    location: Location,
    clients: usize,
    seconds: f64,
    liaisons: usize,
    verify: bool,
}

fn parse() -> Result<Args, String> {
    let mut data_dir = None;
    let mut database_url = None;
    let mut clients = 16;
    let mut seconds = 30.0;
    let mut liaisons = 8;
    let mut verify = false;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--data-dir" => data_dir = Some(PathBuf::from(value()?)),
            "--database" => database_url = Some(value()?),
            "--clients" => clients = value()?.parse().map_err(|e| format!("--clients: {e}"))?,
            "--seconds" => seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--liaisons" => liaisons = value()?.parse().map_err(|e| format!("--liaisons: {e}"))?,
            "--verify" => verify = true,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let data_dir = data_dir.ok_or("--data-dir is required")?;
    Ok(Args {
        location: Location {
            data_dir,
            database_url,
        },
        clients: clients.max(1),
        seconds: if seconds > 0.0 { seconds } else { 30.0 },
        liaisons: liaisons.clamp(1, 90),
        verify,
    })
}

/// Runs `command` as `user`; setup commands must succeed.
async fn setup(svc: &Service, user: &str, command: Value) -> Result<service::Done, String> {
    let text = command.to_string();
    let command: Command =
        serde_json::from_value(command).map_err(|e| format!("bad command {text}: {e}"))?;
    svc.execute(&service::Actor::cli(user), command)
        .await
        .map_err(|e| format!("setup: {user} {text}: {e}"))
}

/// An account made as cortina makes them: the admin proposes, the
/// commander confirms.
async fn account(svc: &Service, create: Value) -> Result<service::Done, String> {
    let proposal = setup(svc, "admin", create).await?;
    setup(
        svc,
        "commander",
        json!({"action": "account.confirm", "proposal": proposal.id}),
    )
    .await
}

fn window() -> Value {
    // The Games and a margin: 2026-01-25 .. 2026-03-20 (UTC), in ms.
    json!({"from": 1_769_299_200_000i64, "until": 1_773_964_800_000i64})
}

fn person(k: usize) -> Value {
    const FIRST: [&str; 10] = [
        "John", "Mary", "Robert", "Linda", "James", "Susan", "David", "Karen", "Paul", "Nancy",
    ];
    const LAST: [&str; 9] = [
        "Carter", "Smith", "Brown", "Miller", "Davis", "Wilson", "Moore", "Taylor", "Clark",
    ];
    json!({"name": format!("{} {}", FIRST[k % 10], LAST[(k / 10) % 9]),
           "birth_date": format!("19{:02}-0{}-1{}", 60 + k % 30, 1 + k % 9, k % 10),
           "nationality": "US", "document": format!("P{:07}", 1_000_000 + k),
           "role": "liaison", "weapons": [], "vehicles": []})
}

/// A one-entry watchlist: declared people are screened before they can be
/// accredited.
fn lists() -> Result<Arc<ScreeningLists>, String> {
    const LIST: &str = r#"{"id":"t-bout","schema":"Person","properties":{"name":["Viktor Anatolyevich Bout"],"birthDate":["1967-01-13"],"nationality":["ru"]},"datasets":["test"]}
"#;
    let file = watchlist::SourceFile::new("bench-list.json", LIST.as_bytes());
    let imports = watchlist::import_files(
        &[file],
        Some(watchlist::Format::FtmJson),
        Default::default(),
    )
    .map_err(|e| format!("test list: {e}"))?;
    let entities = imports.into_iter().flat_map(|i| i.entities).collect();
    Ok(Arc::new(ScreeningLists::new(screening::Index::build(
        entities,
    ))))
}

/// The world: returns the liaisons' usernames.
async fn build_world(svc: &Service, liaisons: usize) -> Result<Vec<String>, String> {
    svc.set_lists(lists()?);
    svc.bootstrap(&Bootstrap {
        agency_id: "ministry-interior".into(),
        agency_name: "Ministero dell'Interno".into(),
        country: "IT".into(),
        username: "admin".into(),
    })
    .await
    .map_err(|e| format!("bootstrap: {e}"))?;
    for (id, name, kind) in [
        ("questura-milano", "Questura di Milano", "host"),
        ("polizia-di-stato", "Polizia di Stato", "host"),
    ] {
        setup(svc, "admin", json!({"action": "agency.register", "id": id, "name": name, "kind": kind, "country": "IT"})).await?;
    }
    setup(
        svc,
        "admin",
        json!({"action": "agency.register", "id": "us-hsi",
        "name": "Homeland Security Investigations", "kind": "foreign", "country": "US"}),
    )
    .await?;
    setup(
        svc,
        "admin",
        json!({"action": "event.configure", "id": "mico2026", "name": "Milano Cortina 2026",
               "clusters": [{"id": "milano", "name": "Milano"}],
               "venues": [{"id": "san-siro", "name": "San Siro", "cluster": "milano"}]}),
    )
    .await?;
    // The first commander is the bootstrap's; the operator is proposed by
    // the admin and confirmed by the commander (four eyes).
    svc.bootstrap_commander("commander", "questura-milano")
        .await
        .map_err(|e| format!("the first commander: {e}"))?;
    account(
        svc,
        json!({"action": "account.create", "username": "operator", "role": "host_operator",
        "agency": "questura-milano"}),
    )
    .await?;
    setup(
        svc,
        "admin",
        json!({"action": "delegation.register", "id": "us", "name": "United States delegation",
        "agency": "us-hsi", "head_line": "us-0", "head": person(0)}),
    )
    .await?;
    let mut users = Vec::with_capacity(liaisons);
    for k in 0..liaisons {
        let line = format!("us-{k}");
        if k > 0 {
            setup(
                svc,
                "liaison-0",
                json!({"action": "declaration.submit", "id": line, "person": person(k)}),
            )
            .await?;
        }
        setup(
            svc,
            "commander",
            json!({"action": "declaration.accredit", "id": line, "window": window()}),
        )
        .await?;
        let user = format!("liaison-{k}");
        account(
            svc,
            json!({"action": "account.create", "username": user, "role": "foreign_liaison",
            "agency": "us-hsi", "delegation": "us", "declaration": line}),
        )
        .await?;
        users.push(user);
    }
    Ok(users)
}

/// A small, fixed-seed generator: the mix is the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) % n
    }
}

/// What one client measured.
#[derive(Default)]
struct Tally {
    /// Latency of every command, in microseconds.
    latencies: Vec<u32>,
    denials: u64,
    unexpected_denials: u64,
    errors: Vec<String>,
}

/// Where a client's request stands, from the host's side.
#[derive(Clone, Copy)]
enum Step {
    Acknowledge,
    Accept,
    Start,
    Answer,
}

struct Client {
    n: usize,
    svc: Service,
    liaison: String,
    rng: Rng,
    counter: u64,
    /// Requests waiting for their next host step.
    pipeline: VecDeque<(String, Step)>,
    /// Tasks proposed, awaiting approval.
    proposed: VecDeque<String>,
    /// Requests and tasks that exist, for reads.
    requests: Vec<String>,
    tasks: Vec<String>,
    tally: Tally,
}

impl Client {
    /// Runs one command and records its latency and outcome.
    async fn run(&mut self, user: &str, command: Value, expect_denial: bool) -> bool {
        let text = command.to_string();
        let command: Command = match serde_json::from_value(command) {
            Ok(c) => c,
            Err(e) => {
                self.tally.errors.push(format!("bad command {text}: {e}"));
                return false;
            }
        };
        let start = Instant::now();
        let result = self.svc.execute(&service::Actor::cli(user), command).await;
        let micros = start.elapsed().as_micros();
        self.tally
            .latencies
            .push(u32::try_from(micros).unwrap_or(u32::MAX));
        match result {
            Ok(_) if !expect_denial => true,
            Ok(_) => {
                self.tally
                    .errors
                    .push(format!("{user} {text}: allowed, expected a denial"));
                false
            }
            // A denial: the host is told (Denied); a foreign caller learns
            // only that there is nothing for it (Withheld, Refused). Each is
            // a ledger entry.
            Err(
                ServiceError::Denied { .. }
                | ServiceError::Withheld { .. }
                | ServiceError::Refused { .. },
            ) => {
                self.tally.denials += 1;
                if !expect_denial {
                    self.tally.unexpected_denials += 1;
                }
                false
            }
            Err(e) => {
                self.tally.errors.push(format!("{user} {text}: {e}"));
                false
            }
        }
    }

    fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}-{}-{}", self.n, self.counter)
    }

    async fn draft_and_submit(&mut self) {
        let id = self.next_id("us-rfi");
        let liaison = self.liaison.clone();
        let draft = json!({"action": "rfi.draft", "id": id, "kind": "information", "priority": "normal",
            "subject": "Vehicle registration", "body": "Owner of plate AB123CD?"});
        if self.run(&liaison, draft, false).await
            && self
                .run(&liaison, json!({"action": "rfi.submit", "id": id}), false)
                .await
        {
            self.pipeline.push_back((id.clone(), Step::Acknowledge));
            self.requests.push(id);
        }
    }

    async fn host_step(&mut self) {
        let Some((id, step)) = self.pipeline.pop_front() else {
            return self.draft_and_submit().await;
        };
        let (command, next) = match step {
            Step::Acknowledge => (
                json!({"action": "rfi.acknowledge", "id": id}),
                Some(Step::Accept),
            ),
            Step::Accept => (
                json!({"action": "rfi.accept", "id": id, "unit": "polizia-di-stato"}),
                Some(Step::Start),
            ),
            Step::Start => (json!({"action": "rfi.start", "id": id}), Some(Step::Answer)),
            Step::Answer => (
                json!({"action": "rfi.answer", "id": id, "text": "Registered to a rental company.",
                    "disclosure": {"personal_data": false}}),
                None,
            ),
        };
        if self.run("operator", command, false).await
            && let Some(next) = next
        {
            self.pipeline.push_back((id, next));
        }
    }

    async fn commander(&mut self) {
        if self.rng.below(2) == 0
            && let Some(id) = self.proposed.pop_front()
        {
            self.run(
                "commander",
                json!({"action": "task.approve", "id": id}),
                false,
            )
            .await;
            return;
        }
        let id = self.next_id("task");
        let create = json!({"action": "task.create", "id": id, "title": "Patrol",
            "details": "Gate 4 at San Siro", "unit": "questura-milano"});
        if self.run("commander", create, false).await {
            self.proposed.push_back(id.clone());
            self.tasks.push(id);
        }
    }

    async fn read(&mut self) {
        let pick_task = self.rng.below(2) == 0 && !self.tasks.is_empty();
        if pick_task {
            let id = self.tasks[self.rng.below(self.tasks.len() as u64) as usize].clone();
            self.run("commander", json!({"action": "task.read", "id": id}), false)
                .await;
        } else if !self.requests.is_empty() {
            let id = self.requests[self.rng.below(self.requests.len() as u64) as usize].clone();
            self.run(
                "operator",
                json!({"action": "rfi.read", "id": id, "purpose": "benchmark"}),
                false,
            )
            .await;
        } else {
            self.draft_and_submit().await;
        }
    }

    async fn denied(&mut self) {
        let liaison = self.liaison.clone();
        let create = json!({"action": "task.create", "title": "Search the hotel",
            "details": "Room 12", "unit": "questura-milano"});
        self.run(&liaison, create, true).await;
    }

    async fn run_until(mut self, deadline: Instant) -> Tally {
        while Instant::now() < deadline {
            match self.rng.below(100) {
                0..30 => self.draft_and_submit().await,
                30..60 => self.host_step().await,
                60..80 => self.commander().await,
                80..90 => self.read().await,
                _ => self.denied().await,
            }
        }
        self.tally
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    f64::from(sorted[rank.min(sorted.len() - 1)]) / 1000.0
}

async fn bench(args: Args) -> Result<(), String> {
    let store = Store::open(
        &args.location,
        &OpenOptions {
            create: true,
            origin: Some("cortina.bench/service".into()),
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    if store.ledger_stats().await.map_err(|e| e.to_string())?.size > 0 {
        return Err(format!(
            "{} is not empty: the benchmark needs a fresh store",
            args.location.describe()
        ));
    }
    let authority = authority::Authority::new().map_err(|e| e.to_string())?;
    let svc = Service::new(store.clone(), authority);
    let started = Instant::now();
    let liaisons = build_world(&svc, args.liaisons).await?;
    let before = store.ledger_stats().await.map_err(|e| e.to_string())?.size;
    eprintln!(
        "world: {} liaisons, {before} entries, in {:.1} s",
        liaisons.len(),
        started.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(args.seconds);
    let mut handles = Vec::with_capacity(args.clients);
    for n in 0..args.clients {
        let client = Client {
            n,
            svc: svc.clone(),
            liaison: liaisons[n % liaisons.len()].clone(),
            rng: Rng(0x9e37_79b9_7f4a_7c15 ^ (n as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9)),
            counter: 0,
            pipeline: VecDeque::new(),
            proposed: VecDeque::new(),
            requests: Vec::new(),
            tasks: Vec::new(),
            tally: Tally::default(),
        };
        handles.push(tokio::spawn(client.run_until(deadline)));
    }
    let mut all = Tally::default();
    for h in handles {
        let t = h.await.map_err(|e| format!("client: {e}"))?;
        all.latencies.extend(t.latencies);
        all.denials += t.denials;
        all.unexpected_denials += t.unexpected_denials;
        all.errors.extend(t.errors);
    }
    let secs = start.elapsed().as_secs_f64();
    let after = store.ledger_stats().await.map_err(|e| e.to_string())?.size;
    let n = all.latencies.len();
    all.latencies.sort_unstable();
    println!(
        "{:?}, {} clients, {secs:.1} s: {n} commands, {:.0} commands/s; latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}; \
         denials {} ({} unexpected); errors {}; ledger +{} entries",
        store.backend(),
        args.clients,
        n as f64 / secs,
        percentile(&all.latencies, 50.0),
        percentile(&all.latencies, 90.0),
        percentile(&all.latencies, 99.0),
        percentile(&all.latencies, 100.0),
        all.denials,
        all.unexpected_denials,
        all.errors.len(),
        after - before,
    );
    for e in all.errors.iter().take(5) {
        eprintln!("error: {e}");
    }
    if args.verify {
        let t = Instant::now();
        let report = store.verify(None, &[]).await.map_err(|f| f.to_string())?;
        let ledger = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let rows = store
            .verify_stamps(&service::stamp_rules())
            .await
            .map_err(|f| f.to_string())?;
        println!(
            "verify: {} entries in {ledger:.2} s; stamps of {rows} rows in {:.2} s",
            report.checkpoint.checkpoint.size,
            t.elapsed().as_secs_f64()
        );
    }
    store.close().await;
    if all.errors.is_empty() && all.unexpected_denials == 0 {
        Ok(())
    } else {
        Err("some commands failed".into())
    }
}

#[tokio::main]
async fn main() {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = bench(args).await {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}
