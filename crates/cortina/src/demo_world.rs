//! `cortina serve --demo`: the Milano Cortina 2026 demo deployment, built in
//! a fresh data directory (and database) through the same path as any real
//! one — [`Service::bootstrap`] for the first admin, then
//! [`Service::execute`] for every record, so each has its ledger entry and
//! `cortina ledger verify` passes — and reused, unchanged, on later runs.
//!
//! **What marks a demo.** The ledger's origin line is [`ORIGIN`]: the store
//! keeps it from creation, every signed checkpoint and the signing key's name
//! carry it, so no verifier can mistake the demo's ledger for a real
//! deployment's. The accounts file `<data-dir>/demo-accounts.txt` (mode 0600)
//! is written last, once the whole world exists: a store with the demo origin
//! and that file is a complete demo, which a rerun reuses (printing the same
//! table); one without the file is a build that was interrupted, which a
//! rerun refuses to touch. A store with any other origin is a real deployment:
//! refused, with nothing changed. So is a data directory that holds anything
//! but a store (files the demo would write beside).
//!
//! The people, organisations and watchlists are invented; the event, its
//! venues and the agencies are the real ones.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use serde_json::{Value, json};
use service::{Bootstrap, Command, Done, ScreeningLists, Service};
use store::{OpenOptions, Store, StoreError};

use crate::Failure;
use crate::cli::StoreArgs;

/// The ledger origin of a demo deployment: its marker.
pub const ORIGIN: &str = service::accounts::DEMO_ORIGIN;

/// The accounts file in the data directory (mode 0600).
pub const ACCOUNTS_FILE: &str = "demo-accounts.txt";

/// Where the demo writes the sample list files it imports.
const LISTS_DIR: &str = "demo-lists";

/// The accreditation window: the Games and the Paralympics, with set-up
/// (2026-01-25 to 2026-03-20, UTC).
const GAMES: (i64, i64) = (1_769_299_200_000, 1_773_964_800_000);

/// 2026-02-06 00:00 UTC, the day of the opening ceremony at San Siro.
const OPENING_DAY: i64 = 1_770_336_000_000;
const HOUR: i64 = 3_600_000;

/// One demo account, as the table shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// Login name.
    pub user: String,
    /// Its password (random per data directory).
    pub password: String,
    /// Its role.
    pub role: String,
    /// Its agency's registry id.
    pub agency: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("role", &self.role)
            .field("agency", &self.agency)
            .finish()
    }
}

/// The demo's accounts, in the order of the table.
pub const USERS: [&str; 10] = [
    "commander",
    "operator",
    "analyst",
    "organiser",
    "us-liaison",
    "us-investigator",
    "us-protective",
    "fr-liaison",
    "oversight",
    "admin",
];

/// Makes sure the store at `args` holds the demo: builds it in a fresh
/// place, reuses a complete one, refuses anything else (changing nothing).
/// Returns the accounts, for the table.
pub async fn prepare(args: &StoreArgs) -> Result<Vec<Account>, Failure> {
    let location = crate::ledger_cmd::location(args);
    let file = args.data_dir.join(ACCOUNTS_FILE);
    match Store::open(&location, &OpenOptions::default()).await {
        Ok(s) => {
            let origin = s.origin().to_owned();
            s.close().await;
            if origin != ORIGIN {
                return Err(Failure(anyhow!(
                    "{} holds a real cortina deployment (ledger {origin}), not the demo: \
                     `serve --demo` changes nothing there. Run `cortina serve` without --demo, \
                     or give --demo a new --data-dir{}",
                    location.describe(),
                    if args.database_url.is_some() {
                        " and an empty --database"
                    } else {
                        ""
                    }
                )));
            }
            if !file.is_file() {
                return Err(Failure(anyhow!(
                    "{} holds an incomplete demo (its build was interrupted: no {}); \
                     delete it{} and run `cortina serve --demo` again",
                    location.describe(),
                    file.display(),
                    if args.database_url.is_some() {
                        ", the data directory and the database,"
                    } else {
                        ""
                    }
                )));
            }
            eprintln!("Reusing the demo in {}.", location.describe());
            Ok(read_accounts(&file)?)
        }
        Err(StoreError::NotInitialised(_)) => {
            if let Some(entry) = first_entry(&args.data_dir)? {
                return Err(Failure(anyhow!(
                    "{} holds no cortina store but is not empty ({}): `serve --demo` builds \
                     only in a new or empty data directory",
                    args.data_dir.display(),
                    entry.display()
                )));
            }
            eprintln!(
                "Building the Milano Cortina 2026 demo in {}…",
                location.describe()
            );
            let cleanup = |Failure(e): Failure| {
                Failure(e.context(format!(
                    "building the demo in {} failed part-way; delete {}{} before running again",
                    location.describe(),
                    args.data_dir.display(),
                    if args.database_url.is_some() {
                        " and the database's tables"
                    } else {
                        ""
                    }
                )))
            };
            let accounts = build(args, &location).await.map_err(cleanup)?;
            write_accounts(&file, &accounts).map_err(|e| cleanup(Failure(e)))?;
            Ok(accounts)
        }
        Err(e) => Err(e.into()),
    }
}

/// Something in `dir`, if it exists and is not empty.
fn first_entry(dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    if !dir.exists() {
        return Ok(None);
    }
    let mut entries =
        std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    Ok(entries.next().transpose()?.map(|e| e.path()))
}

/// Prints the URL and the accounts table.
pub fn print_table(url: &str, accounts: &[Account], data_dir: &Path) {
    println!("Milano Cortina 2026 demo at {url}");
    print!("{}", table(accounts));
    println!(
        "Accounts also in {} (mode 0600). Open {url} in a browser and log in with one of \
         them (scripts: POST {url}/api/v1/session {{\"username\", \"password\"}}).",
        data_dir.join(ACCOUNTS_FILE).display()
    );
}

fn table(accounts: &[Account]) -> String {
    let mut out = format!(
        "{:<16} {:<22} {:<21} {}\n",
        "user", "password", "role", "agency"
    );
    for a in accounts {
        out.push_str(&format!(
            "{:<16} {:<22} {:<21} {}\n",
            a.user, a.password, a.role, a.agency
        ));
    }
    out
}

/// Writes the table to `path`, created with mode 0600 before any byte is
/// written, through a synced temporary file and a rename.
fn write_accounts(path: &Path, accounts: &[Account]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{ACCOUNTS_FILE}.tmp-{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    let body = format!(
        "# cortina demo accounts (ledger {ORIGIN}); random passwords for this data directory.\n\
         # Every account below is a DEMO ACCOUNT: password only, no second factor, no enrolment.\n{}",
        table(accounts)
    );
    f.write_all(body.as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming into {}", path.display()))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads the table back; refuses a file others may read or one that does
/// not name every demo account.
fn read_accounts(path: &Path) -> anyhow::Result<Vec<Account>> {
    let mode = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "{} is readable by others (mode {mode:o}); make it 0600 (chmod 600) and run again",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut accounts = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [] => {}
            [first, ..] if first.starts_with('#') => {}
            ["user", "password", "role", "agency"] => {}
            [user, password, role, agency] => accounts.push(Account {
                user: (*user).to_owned(),
                password: (*password).to_owned(),
                role: (*role).to_owned(),
                agency: (*agency).to_owned(),
            }),
            _ => bail!(
                "{}:{}: not a line of the accounts table (user password role agency)",
                path.display(),
                i + 1
            ),
        }
    }
    for user in USERS {
        if !accounts.iter().any(|a| a.user == user) {
            bail!("{}: no account {user}", path.display());
        }
    }
    Ok(accounts)
}

/// Creates the store with the demo origin and builds the world in it.
async fn build(args: &StoreArgs, location: &store::Location) -> Result<Vec<Account>, Failure> {
    let s = Store::open(
        location,
        &OpenOptions {
            create: true,
            origin: Some(ORIGIN.to_owned()),
        },
    )
    .await?;
    let svc = Service::new(
        s.clone(),
        authority::Authority::new().context("loading the policy")?,
    );
    let built = World::build(&svc, &args.data_dir).await;
    s.close().await;
    Ok(built?)
}

/// The world under construction, and the accounts made so far.
struct World<'a> {
    svc: &'a Service,
    accounts: Vec<Account>,
}

fn person(name: &str, birth: &str, nationality: &str, document: &str, role: &str) -> Value {
    json!({"name": name, "birth_date": birth, "nationality": nationality, "document": document,
           "role": role, "weapons": [], "vehicles": []})
}

fn window(from: i64, until: i64) -> Value {
    json!({"from": from, "until": until})
}

impl World<'_> {
    /// Runs `command` as `user`; any refusal stops the build.
    async fn run(&self, user: &str, command: Value) -> anyhow::Result<Done> {
        let action = command["action"].as_str().unwrap_or("?").to_owned();
        let id = command["id"].as_str().unwrap_or("").to_owned();
        let parsed: Command = serde_json::from_value(command)
            .with_context(|| format!("the demo's {action} {id} command"))?;
        self.svc
            .execute(&service::Actor::cli(user), parsed)
            .await
            .map_err(|e| anyhow!("building the demo: {user}: {action} {id}: {e}"))
    }

    /// Creates an account with a generated password (the service makes it)
    /// and keeps the password for the table.
    async fn account(
        &mut self,
        user: &str,
        role: &str,
        agency: &str,
        line: Option<(&str, &str)>,
    ) -> anyhow::Result<()> {
        let mut c = json!({"username": user, "role": role, "agency": agency});
        if let Some((delegation, declaration)) = line {
            c["delegation"] = json!(delegation);
            c["declaration"] = json!(declaration);
        }
        // A demo account: created at once, with a password and no second
        // factor, flagged as such (possible only in a demo-origin store).
        let command: service::command::AccountCreate =
            serde_json::from_value(c).with_context(|| format!("the demo's account {user}"))?;
        let (_, password) = self
            .svc
            .create_demo_account(command, None)
            .await
            .map_err(|e| anyhow!("building the demo: account {user}: {e}"))?;
        self.accounts.push(Account {
            user: user.to_owned(),
            password,
            role: role.to_owned(),
            agency: agency.to_owned(),
        });
        Ok(())
    }

    async fn build(svc: &Service, data_dir: &Path) -> anyhow::Result<Vec<Account>> {
        let admin_password = svc
            .bootstrap(&Bootstrap {
                agency_id: "dps".into(),
                agency_name: "Ministero dell'Interno, Dipartimento della Pubblica Sicurezza".into(),
                country: "IT".into(),
                username: "admin".into(),
            })
            .await
            .map_err(|e| anyhow!("creating the demo's first admin: {e}"))?;
        let mut w = World {
            svc,
            accounts: Vec::new(),
        };
        w.lists(data_dir).await?;
        w.registry().await?;
        w.host_accounts().await?;
        w.delegations().await?;
        w.rooms_and_log().await?;
        w.requests().await?;
        w.movement().await?;
        w.applicants().await?;
        w.accounts.push(Account {
            user: "admin".into(),
            password: admin_password,
            role: "admin".into(),
            agency: "dps".into(),
        });
        let mut accounts = w.accounts;
        accounts.sort_by_key(|a| USERS.iter().position(|u| *u == a.user));
        Ok(accounts)
    }

    /// Writes the sample watchlists the project generates (those of
    /// `cortina demo`) and imports them into the data directory's snapshot
    /// as `cortina lists import --as admin` does: the import is authorized
    /// and recorded (`lists.update`) before the snapshot is stored. The
    /// declarations below are screened against them.
    async fn lists(&self, data_dir: &Path) -> anyhow::Result<()> {
        let folders = crate::demo::write_lists(&data_dir.join(LISTS_DIR))?;
        let imports = crate::snapshot::read_lists(&folders, None, false)?;
        let shown: Vec<String> = folders.iter().map(|p| p.display().to_string()).collect();
        let payload = json!({"import": shown, "format": null, "purpose": ""});
        self.svc
            .record(
                &service::Actor::cli("admin"),
                domain::Action::ListsUpdate,
                authority::Resource::Lists,
                serde_json::to_vec(&payload)?,
            )
            .await
            .map_err(|e| anyhow!("recording the demo lists' import: {e}"))?;
        let sources = imports
            .iter()
            .map(|i| crate::snapshot::SourceInfo {
                dataset: i.dataset.clone(),
                format: i.format.as_str().to_owned(),
                entities: i.entities.len(),
                skipped: i.skipped.len(),
            })
            .collect();
        let index = crate::snapshot::build_index(imports);
        crate::snapshot::store(data_dir, &index, sources, "cortina serve --demo")?;
        self.svc.set_lists(Arc::new(ScreeningLists::new(index)));
        Ok(())
    }

    /// A few hundred applicants of the organiser (invented names, and two
    /// variants of people on the sample lists), so that the analysts'
    /// queue and the organiser's opinions show something: one batch
    /// through `applicant.submit`, screened at intake.
    async fn applicants(&self) -> anyhow::Result<()> {
        const FIRST: [&str; 12] = [
            "Giulia", "Marco", "Sofia", "Luca", "Chiara", "Matteo", "Anna", "Paolo", "Elena",
            "Davide", "Sara", "Andrea",
        ];
        const LAST: [&str; 12] = [
            "Rossi", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo",
            "Conti", "De Luca", "Costa",
        ];
        const CATEGORIES: [&str; 6] = [
            "athlete",
            "team_official",
            "media",
            "workforce",
            "volunteer",
            "contractor",
        ];
        let mut rows: Vec<Value> = (0..300)
            .map(|i| {
                json!({"reference": format!("MC26-{i:05}"),
                       "name": format!("{} {}", FIRST[i % 12], LAST[(i / 12) % 12]),
                       "birth_date": format!("19{:02}-{:02}-{:02}", 60 + i % 40, 1 + i % 12, 1 + i % 28),
                       "nationality": "IT", "document_type": "identity card",
                       "document_number": format!("CA{i:05}AA"),
                       "category": CATEGORIES[i % 6], "venues": "san-siro", "zones": format!("zone-{}", 1 + i % 3),
                       "valid_from": "2026-02-01", "valid_until": "2026-02-22"})
            })
            .collect();
        for (i, name) in [
            "Hernan Dario Vargas Quintero",
            "Yusuf Abd al-Karim Al-Rashidi",
        ]
        .iter()
        .enumerate()
        {
            rows.push(json!({"reference": format!("MC26-9{i:04}"), "name": name,
                             "birth_date": "1971-03-14", "nationality": "CO", "document_type": "passport",
                             "document_number": format!("PA99{i:05}"), "category": "contractor",
                             "venues": "san-siro", "zones": "zone-3", "valid_from": "2026-02-03",
                             "valid_until": "2026-02-22"}));
        }
        self.run(
            "organiser",
            json!({"action": "applicant.submit", "applicants": rows}),
        )
        .await?;
        Ok(())
    }

    async fn registry(&self) -> anyhow::Result<()> {
        for (id, name, kind, country) in [
            ("polizia-di-stato", "Polizia di Stato", "host", "IT"),
            ("carabinieri", "Arma dei Carabinieri", "host", "IT"),
            ("guardia-di-finanza", "Guardia di Finanza", "host", "IT"),
            ("questura-milano", "Questura di Milano", "host", "IT"),
            ("questura-sondrio", "Questura di Sondrio", "host", "IT"),
            ("questura-belluno", "Questura di Belluno", "host", "IT"),
            ("questura-trento", "Questura di Trento", "host", "IT"),
            ("questura-bolzano", "Questura di Bolzano", "host", "IT"),
            ("questura-verona", "Questura di Verona", "host", "IT"),
            (
                "fondazione-mico",
                "Fondazione Milano Cortina 2026 (accreditation office)",
                "organiser",
                "IT",
            ),
            (
                "garante-privacy",
                "Garante per la protezione dei dati personali",
                "oversight",
                "IT",
            ),
            (
                "us-mission",
                "U.S. Mission to Italy: Diplomatic Security Service and Homeland Security Investigations",
                "foreign",
                "US",
            ),
            (
                "fr-police",
                "Police nationale, Direction de la coopération internationale de sécurité",
                "foreign",
                "FR",
            ),
        ] {
            self.run(
                "admin",
                json!({"action": "agency.register", "id": id, "name": name, "kind": kind, "country": country}),
            )
            .await?;
        }
        let clusters = [
            ("milano", "Milano"),
            ("valtellina", "Valtellina (Bormio, Livigno)"),
            ("cortina", "Cortina d'Ampezzo"),
            ("val-di-fiemme", "Val di Fiemme (Tesero, Predazzo)"),
            ("anterselva", "Anterselva"),
            ("verona", "Verona"),
        ];
        let venues = [
            ("san-siro", "San Siro Olympic Stadium", "milano"),
            (
                "santagiulia-arena",
                "Milano Santagiulia Ice Hockey Arena",
                "milano",
            ),
            ("rho-arena", "Milano Rho Ice Hockey Arena", "milano"),
            ("assago-arena", "Milano Ice Skating Arena", "milano"),
            ("bormio-stelvio", "Stelvio Ski Centre, Bormio", "valtellina"),
            ("livigno-snow-park", "Livigno Snow Park", "valtellina"),
            (
                "livigno-aerials-moguls",
                "Livigno Aerials & Moguls Park",
                "valtellina",
            ),
            ("tofane", "Olympia delle Tofane", "cortina"),
            ("cortina-sliding", "Cortina Sliding Centre", "cortina"),
            (
                "cortina-curling",
                "Cortina Curling Olympic Stadium",
                "cortina",
            ),
            (
                "tesero-cross-country",
                "Tesero Cross-Country Skiing Stadium",
                "val-di-fiemme",
            ),
            (
                "predazzo-ski-jumping",
                "Predazzo Ski Jumping Stadium",
                "val-di-fiemme",
            ),
            (
                "anterselva-biathlon",
                "Anterselva Biathlon Arena",
                "anterselva",
            ),
            ("verona-arena", "Verona Olympic Arena", "verona"),
        ];
        self.run(
            "admin",
            json!({"action": "event.configure", "id": "mico2026",
                   "name": "Milano Cortina 2026 Olympic and Paralympic Winter Games",
                   "clusters": clusters.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
                   "venues": venues.iter().map(|(id, name, cluster)| json!({"id": id, "name": name, "cluster": cluster})).collect::<Vec<_>>()}),
        )
        .await?;
        Ok(())
    }

    async fn host_accounts(&mut self) -> anyhow::Result<()> {
        self.account("commander", "host_commander", "dps", None)
            .await?;
        self.account("operator", "host_operator", "questura-milano", None)
            .await?;
        self.account("analyst", "host_analyst", "polizia-di-stato", None)
            .await?;
        self.account("organiser", "organiser", "fondazione-mico", None)
            .await?;
        self.account("oversight", "oversight", "garante-privacy", None)
            .await?;
        Ok(())
    }

    /// The US delegation (HSI liaison officer and investigators, DSS
    /// protective agents of a protectee) and the French police liaison
    /// team; declarations accredited, one pending, one with a vetting hit.
    async fn delegations(&mut self) -> anyhow::Result<()> {
        let games = window(GAMES.0, GAMES.1);
        self.run(
            "admin",
            json!({"action": "delegation.register", "id": "us", "name": "United States delegation",
                   "agency": "us-mission", "head_line": "us-hsi-liaison",
                   "head": person("Daniel Brooks", "1976-04-18", "US", "A12345678", "liaison")}),
        )
        .await?;
        self.run(
            "commander",
            json!({"action": "declaration.accredit", "id": "us-hsi-liaison", "window": games,
                   "zones": [{"venue": "san-siro", "zone": 2}]}),
        )
        .await?;
        self.account(
            "us-liaison",
            "foreign_liaison",
            "us-mission",
            Some(("us", "us-hsi-liaison")),
        )
        .await?;
        self.run(
            "commander",
            json!({"action": "protectee.register", "id": "us-vip-1", "name": "Margaret Ellison",
                   "delegation": "us", "risk": 2}),
        )
        .await?;
        let mut lines = vec![
            (
                "us-hsi-investigator-1",
                person(
                    "Carlos Medina",
                    "1982-09-07",
                    "US",
                    "A23456789",
                    "investigative_support",
                ),
            ),
            (
                "us-hsi-investigator-2",
                person(
                    "Rachel Kim",
                    "1988-01-23",
                    "US",
                    "A34567890",
                    "investigative_support",
                ),
            ),
        ];
        for (line, name, birth, document, serial) in [
            (
                "us-dss-agent-1",
                "Thomas Reilly",
                "1980-11-30",
                "A45678901",
                "BXT123US",
            ),
            (
                "us-dss-agent-2",
                "Angela Foster",
                "1984-06-14",
                "A56789012",
                "BXT456US",
            ),
        ] {
            let mut agent = person(name, birth, "US", document, "protective_agent");
            agent["protectee"] = json!("us-vip-1");
            agent["weapons"] = json!([{"kind": "Glock 19 pistol", "serial": serial}]);
            lines.push((line, agent));
        }
        for (line, p) in &lines {
            self.run(
                "us-liaison",
                json!({"action": "declaration.submit", "id": line, "person": p}),
            )
            .await?;
            self.run(
                "commander",
                json!({"action": "declaration.accredit", "id": line, "window": games}),
            )
            .await?;
        }
        self.run(
            "commander",
            json!({"action": "arms_permit.grant", "id": "us-dss-agent-1", "serial": "BXT123US",
                   "window": window(OPENING_DAY, OPENING_DAY + 24 * HOUR)}),
        )
        .await?;
        self.account(
            "us-investigator",
            "foreign_investigator",
            "us-mission",
            Some(("us", "us-hsi-investigator-1")),
        )
        .await?;
        self.account(
            "us-protective",
            "foreign_protective",
            "us-mission",
            Some(("us", "us-dss-agent-1")),
        )
        .await?;
        // Declared, not yet decided: the commander's queue.
        self.run(
            "us-liaison",
            json!({"action": "declaration.submit", "id": "us-hsi-investigator-3",
                   "person": person("Kevin O'Neill", "1990-02-11", "US", "A67890123", "investigative_support")}),
        )
        .await?;

        self.run(
            "admin",
            json!({"action": "delegation.register", "id": "fr", "name": "French police liaison team",
                   "agency": "fr-police", "head_line": "fr-liaison-head",
                   "head": person("Claire Dubois", "1979-05-09", "FR", "19FR12345", "liaison")}),
        )
        .await?;
        self.run(
            "commander",
            json!({"action": "declaration.accredit", "id": "fr-liaison-head", "window": games}),
        )
        .await?;
        self.account(
            "fr-liaison",
            "foreign_liaison",
            "fr-police",
            Some(("fr", "fr-liaison-head")),
        )
        .await?;
        self.run(
            "fr-liaison",
            json!({"action": "declaration.submit", "id": "fr-officer-1",
                   "person": person("Julien Moreau", "1985-12-02", "FR", "20FR67890", "liaison")}),
        )
        .await?;
        self.run(
            "commander",
            json!({"action": "declaration.accredit", "id": "fr-officer-1", "window": games}),
        )
        .await?;
        // A person on the sample lists (the invented TCO entry KOZLOVSKY,
        // Artem Viktorovich): the screening opens a vetting case, which holds
        // the line until the host decides.
        let hit = self
            .run(
                "fr-liaison",
                json!({"action": "declaration.submit", "id": "fr-interpreter-1",
                       "person": person("Artyom Kozlovskiy", "1979-11-02", "RU", "7201234567", "observer")}),
            )
            .await?;
        let line = self
            .run(
                "analyst",
                json!({"action": "declaration.read", "id": hit.id, "purpose": "Vetting of declared personnel."}),
            )
            .await?
            .data
            .unwrap_or_default();
        let Some(case) = line["case"].as_str() else {
            bail!(
                "the demo's vetting hit did not open a case (screening: {})",
                line["screening"]
            );
        };
        self.run(
            "analyst",
            json!({"action": "vetting.note", "id": case,
                   "text": "Name and birth date match a listed TCO member; nationality matches. Asking the delegation for the passport scan."}),
        )
        .await?;
        self.run(
            "analyst",
            json!({"action": "declaration.request_info", "id": hit.id,
                   "question": "Please send a scan of the passport and the interpreter's employment record."}),
        )
        .await?;
        Ok(())
    }

    async fn rooms_and_log(&self) -> anyhow::Result<()> {
        self.run(
            "commander",
            json!({"action": "room.create", "id": "ico-rome",
                   "name": "National International Police Cooperation Room (SCIP), Rome",
                   "kind": "host_national"}),
        )
        .await?;
        for (cluster, name) in [
            ("milano", "Joint Operations Room Milano"),
            ("valtellina", "Joint Operations Room Valtellina"),
            ("cortina", "Joint Operations Room Cortina"),
            ("val-di-fiemme", "Joint Operations Room Val di Fiemme"),
            ("anterselva", "Joint Operations Room Anterselva"),
            ("verona", "Joint Operations Room Verona"),
        ] {
            self.run(
                "commander",
                json!({"action": "room.create", "id": format!("joc-{cluster}"), "name": name,
                       "kind": "host_cluster", "cluster": cluster}),
            )
            .await?;
        }
        self.run(
            "commander",
            json!({"action": "room.create", "id": "us-liaison-room",
                   "name": "US liaison room, U.S. Consulate General Milan",
                   "kind": "delegation_liaison", "delegation": "us"}),
        )
        .await?;
        for (id, room, venue, category, severity, text) in [
            (
                "log-milano-1",
                "joc-milano",
                Some("san-siro"),
                "incident",
                3,
                "Two people with counterfeit accreditation passes stopped at gate 4.",
            ),
            (
                "log-milano-2",
                "joc-milano",
                Some("santagiulia-arena"),
                "significant_event",
                2,
                "Crowd build-up at the Santagiulia metro exit; stewards redirecting.",
            ),
            (
                "log-cortina-1",
                "joc-cortina",
                Some("tofane"),
                "incident",
                4,
                "Drone sighted over the finish area; flights suspended for 20 minutes.",
            ),
            (
                "log-rome-1",
                "ico-rome",
                None,
                "information",
                2,
                "Europol liaison confirms no new alerts for arriving delegations today.",
            ),
        ] {
            let mut c = json!({"action": "log.record", "id": id, "room": room,
                               "category": category, "severity": severity, "text": text});
            if let Some(v) = venue {
                c["venue"] = json!(v);
            }
            self.run("operator", c).await?;
        }
        self.run(
            "commander",
            json!({"action": "log.close", "id": "log-milano-1"}),
        )
        .await?;
        self.run(
            "us-liaison",
            json!({"action": "liaison_report.submit", "id": "us-report-1", "venue": "san-siro",
                   "text": "Our protectee's motorcade will arrive at gate 8 at 18:00, not gate 4."}),
        )
        .await?;
        self.run(
            "operator",
            json!({"action": "liaison_report.triage", "id": "us-report-1", "room": "joc-milano",
                   "category": "information", "severity": 1}),
        )
        .await?;
        self.run(
            "operator",
            json!({"action": "sitrep.issue", "room": "joc-milano"}),
        )
        .await?;
        Ok(())
    }

    /// Requests in several states, and a task.
    async fn requests(&self) -> anyhow::Result<()> {
        let draft = |id: &str, kind: &str, priority: &str, subject: &str, body: &str| {
            json!({"action": "rfi.draft", "id": id, "kind": kind, "priority": priority,
                   "subject": subject, "body": body})
        };
        // Draft only.
        self.run(
            "us-liaison",
            draft(
                "us-rfi-1",
                "information",
                "normal",
                "Hotel staff list",
                "Can the host check the staff roster of the protectee's hotel in Cortina?",
            ),
        )
        .await?;
        // Submitted, waiting for the host.
        self.run(
            "us-liaison",
            draft(
                "us-rfi-2",
                "assistance",
                "urgent",
                "Escort at Livigno",
                "Request a traffic escort from Bormio to Livigno Snow Park on 10 February.",
            ),
        )
        .await?;
        self.run(
            "us-liaison",
            json!({"action": "rfi.submit", "id": "us-rfi-2"}),
        )
        .await?;
        // Accepted and in progress.
        self.run(
            "us-liaison",
            draft(
                "us-rfi-3",
                "information",
                "urgent_direct",
                "Vehicle registration",
                "Owner of the vehicle with plate FG123HJ seen near the protectee's hotel?",
            ),
        )
        .await?;
        for (user, c) in [
            (
                "us-liaison",
                json!({"action": "rfi.submit", "id": "us-rfi-3"}),
            ),
            (
                "operator",
                json!({"action": "rfi.acknowledge", "id": "us-rfi-3"}),
            ),
            (
                "operator",
                json!({"action": "rfi.accept", "id": "us-rfi-3", "unit": "polizia-di-stato"}),
            ),
            ("operator", json!({"action": "rfi.start", "id": "us-rfi-3"})),
        ] {
            self.run(user, c).await?;
        }
        // Answered with a disclosure the commander approved, and closed.
        self.run(
            "us-liaison",
            draft(
                "us-rfi-4",
                "information",
                "normal",
                "Venue access lists",
                "Which zones of San Siro will the protectee's escort be accredited for?",
            ),
        )
        .await?;
        for (user, c) in [
            (
                "us-liaison",
                json!({"action": "rfi.submit", "id": "us-rfi-4"}),
            ),
            (
                "operator",
                json!({"action": "rfi.acknowledge", "id": "us-rfi-4"}),
            ),
            (
                "operator",
                json!({"action": "rfi.accept", "id": "us-rfi-4", "unit": "questura-milano"}),
            ),
            ("operator", json!({"action": "rfi.start", "id": "us-rfi-4"})),
            (
                "operator",
                json!({"action": "rfi.answer", "id": "us-rfi-4",
                       "text": "Zone 2 at San Siro for agents Reilly and Foster, opening day only.",
                       "disclosure": {"personal_data": true, "legal_basis": "Directive (EU) 2023/977 art. 5", "categories": ["identity"]}}),
            ),
            (
                "commander",
                json!({"action": "rfi.approve_disclosure", "id": "us-rfi-4"}),
            ),
            (
                "us-liaison",
                json!({"action": "rfi.close", "id": "us-rfi-4"}),
            ),
        ] {
            self.run(user, c).await?;
        }
        // The French team's request, acknowledged; the host asks a question.
        self.run(
            "fr-liaison",
            draft(
                "fr-rfi-1",
                "information",
                "normal",
                "Supporters' coaches",
                "Arrival times of the French supporters' coaches at Anterselva?",
            ),
        )
        .await?;
        for (user, c) in [
            (
                "fr-liaison",
                json!({"action": "rfi.submit", "id": "fr-rfi-1"}),
            ),
            (
                "operator",
                json!({"action": "rfi.acknowledge", "id": "fr-rfi-1"}),
            ),
            (
                "operator",
                json!({"action": "rfi.request_clarification", "id": "fr-rfi-1",
                       "text": "Which race days: the relays or the individual races?"}),
            ),
        ] {
            self.run(user, c).await?;
        }
        self.run(
            "commander",
            json!({"action": "task.create", "id": "task-1", "title": "Sweep gate 8",
                   "details": "Sweep gate 8 at San Siro before the US motorcade arrives (18:00).",
                   "unit": "questura-milano"}),
        )
        .await?;
        self.run(
            "commander",
            json!({"action": "task.approve", "id": "task-1"}),
        )
        .await?;
        Ok(())
    }

    /// The protectee's movement to the opening ceremony, approved, with a
    /// DSS agent attached.
    async fn movement(&self) -> anyhow::Result<()> {
        self.run(
            "operator",
            json!({"action": "movement.plan", "id": "mov-opening", "protectee": "us-vip-1",
                   "stops": [{"venue": "san-siro", "at": OPENING_DAY + 17 * HOUR}],
                   "window": window(OPENING_DAY + 16 * HOUR, OPENING_DAY + 23 * HOUR),
                   "lead": "polizia-di-stato", "agents": ["us-dss-agent-1"]}),
        )
        .await?;
        self.run(
            "commander",
            json!({"action": "movement.approve", "id": "mov-opening"}),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// The web UI shows its DEMO banner for this origin.
    #[test]
    fn the_demo_origin_is_one_the_pages_mark_as_demo() {
        assert!(super::ORIGIN.starts_with(server::ui::DEMO_ORIGIN_PREFIX));
    }
}
