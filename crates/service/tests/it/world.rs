//! A small event world for the scenarios: a store, the shipped policy, test
//! watchlists, an admin and the host and foreign agencies.

use std::sync::Arc;

use serde_json::{Value, json};
use service::{Bootstrap, Command, Done, ScreeningLists, Service, ServiceError};
use store::testing::TestDb;

/// Watchlist entries the test lists hold (FollowTheMoney JSON lines).
const LISTS: &str = r#"{"id":"t-bout","schema":"Person","properties":{"name":["Viktor Anatolyevich Bout"],"birthDate":["1967-01-13"],"nationality":["ru"]},"datasets":["test"]}
{"id":"t-guzman","schema":"Person","properties":{"name":["Joaquin Archivaldo Guzman Loera"],"birthDate":["1957-04-04"],"nationality":["mx"]},"datasets":["test"]}
"#;

pub struct World {
    pub svc: Service,
    pub db: TestDb,
}

fn lists() -> Arc<ScreeningLists> {
    let file = watchlist::SourceFile::new("test-lists.json", LISTS.as_bytes());
    let imports = watchlist::import_files(
        &[file],
        Some(watchlist::Format::FtmJson),
        Default::default(),
    )
    .expect("test lists import");
    let entities: Vec<_> = imports.into_iter().flat_map(|i| i.entities).collect();
    Arc::new(ScreeningLists::new(screening::Index::build(entities)))
}

impl World {
    /// The (opaque) id of the account `username`.
    pub async fn account_id(&self, username: &str) -> String {
        store::records::account_by_username(self.svc.store().pool(), username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no account {username}"))
            .id
    }

    /// A store with the admin, agencies, event and host accounts.
    pub async fn new(db: TestDb) -> World {
        let store = db.create().await;
        let svc = Service::new(store, authority::Authority::new().expect("shipped policy"));
        svc.set_lists(lists());
        svc.bootstrap(&Bootstrap {
            agency_id: "ministry-interior".into(),
            agency_name: "Ministero dell'Interno".into(),
            country: "IT".into(),
            username: "admin".into(),
        })
        .await
        .expect("bootstrap");
        let w = World { svc, db };
        for (id, name, kind, country) in [
            ("questura-milano", "Questura di Milano", "host", "IT"),
            ("polizia-di-stato", "Polizia di Stato", "host", "IT"),
            ("us-dss", "Diplomatic Security Service", "foreign", "US"),
            (
                "us-hsi",
                "Homeland Security Investigations",
                "foreign",
                "US",
            ),
            ("fr-police", "Police nationale", "foreign", "FR"),
            (
                "organiser",
                "Milano Cortina 2026 accreditation",
                "organiser",
                "IT",
            ),
            ("copasir", "COPASIR", "oversight", "IT"),
        ] {
            w.ok("admin", json!({"action": "agency.register", "id": id, "name": name, "kind": kind, "country": country}))
                .await;
        }
        w.ok(
            "admin",
            json!({"action": "event.configure", "id": "mico2026", "name": "Milano Cortina 2026",
                "clusters": [{"id": "milano", "name": "Milano"}, {"id": "cortina", "name": "Cortina"}],
                "venues": [{"id": "san-siro", "name": "San Siro", "cluster": "milano"},
                           {"id": "olimpia", "name": "Olimpia delle Tofane", "cluster": "cortina"}]}),
        )
        .await;
        // The first commander is the bootstrap's; every other account is
        // proposed by the admin and confirmed by the commander.
        w.svc
            .bootstrap_commander("commander", "questura-milano")
            .await
            .expect("the first commander");
        for (user, role, agency) in [
            ("operator", "host_operator", "questura-milano"),
            ("analyst", "host_analyst", "polizia-di-stato"),
            ("organiser", "organiser", "organiser"),
            ("oversight", "oversight", "copasir"),
        ] {
            w.account(json!({"action": "account.create", "username": user, "role": role, "agency": agency}))
                .await;
        }
        w
    }

    /// Creates an account the way cortina does: the admin proposes
    /// (`command` is an `account.create`), the commander confirms.
    pub async fn account(&self, command: Value) -> Done {
        let proposal = self.ok("admin", command).await;
        self.ok(
            "commander",
            json!({"action": "account.confirm", "proposal": proposal.id}),
        )
        .await
    }

    pub async fn run(&self, user: &str, command: Value) -> Result<Done, ServiceError> {
        let command: Command = serde_json::from_value(command.clone())
            .unwrap_or_else(|e| panic!("bad test command {command}: {e}"));
        self.svc.execute(&service::Actor::cli(user), command).await
    }

    #[track_caller]
    pub fn ok(&self, user: &str, command: Value) -> impl std::future::Future<Output = Done> + '_ {
        let user = user.to_owned();
        async move {
            let text = command.to_string();
            self.run(&user, command)
                .await
                .unwrap_or_else(|e| panic!("{}: {user} {text}: {e}", self.db.name))
        }
    }

    pub async fn ledger_size(&self) -> u64 {
        self.svc.store().ledger_stats().await.unwrap().size
    }

    /// Checks the ledger and every row's stamps against it, as `cortina
    /// ledger verify` does.
    pub async fn verify(&self) {
        let store = self.svc.store();
        store
            .verify(None, &[])
            .await
            .unwrap_or_else(|f| panic!("{}: ledger: {f}", self.db.name));
        let rows = store
            .verify_stamps(&service::stamp_rules())
            .await
            .unwrap_or_else(|f| panic!("{}: row stamps: {f}", self.db.name));
        assert!(rows > 0, "{}: no rows checked", self.db.name);
    }

    /// The decoded ledger entry at `seq`.
    pub async fn entry(&self, seq: u64) -> ledger::Entry {
        let bytes = self.svc.store().entries(seq, seq + 1).await.unwrap();
        ledger::Entry::decode(&bytes[0]).unwrap()
    }
}

/// The Games and a margin, 2026-01-25 .. 2026-03-20 (UTC), as a command's window.
pub fn games_window() -> Value {
    json!({"from": 1_769_299_200_000i64, "until": 1_773_964_800_000i64})
}

impl World {
    /// Registers delegation `id` of `agency`, headed by a liaison officer
    /// (declaration line `head_line`, person `head`) whom the commander
    /// accredits for the Games and who holds the account `username`.
    pub async fn delegation_with_liaison(
        &self,
        id: &str,
        agency: &str,
        head_line: &str,
        head: Value,
        username: &str,
    ) {
        let done = self
            .ok(
                "admin",
                json!({"action": "delegation.register", "id": id, "name": format!("{id} delegation"),
                       "agency": agency, "head_line": head_line, "head": head}),
            )
            .await;
        // The line's id is opaque; the label given names it from now on.
        let data = done.data.unwrap();
        assert_eq!(data["head_reference"], head_line);
        let opaque = data["head_line"].as_str().unwrap();
        assert!(
            opaque.starts_with("decl-") && !opaque.contains(head_line),
            "{opaque}"
        );
        self.ok(
            "commander",
            json!({"action": "declaration.accredit", "id": head_line, "window": games_window(),
                   "rooms": [], "zones": [{"venue": "san-siro", "zone": 3}]}),
        )
        .await;
        self.account(
            json!({"action": "account.create", "username": username, "role": "foreign_liaison",
                   "agency": agency, "delegation": id, "declaration": head_line}),
        )
        .await;
    }
}

impl World {
    /// The US delegation, headed by its liaison officer Jane Roe
    /// (`us-liaison`).
    pub async fn us_liaison(&self) {
        self.delegation_with_liaison(
            "us",
            "us-dss",
            "us-head",
            person(
                "Jane Roe",
                "1975-03-02",
                "US",
                "US1234567",
                json!("liaison"),
            ),
            "us-liaison",
        )
        .await;
    }

    /// A second host commander (`commander2`, for four eyes) and
    /// [`World::us_liaison`].
    pub async fn second_commander_and_us_liaison(&self) {
        self.account(json!({"action": "account.create", "username": "commander2",
                            "role": "host_commander", "agency": "polizia-di-stato"}))
            .await;
        self.us_liaison().await;
    }
}

pub fn person(name: &str, birth: &str, nationality: &str, document: &str, role: Value) -> Value {
    json!({"name": name, "birth_date": birth, "nationality": nationality, "document": document, "role": role,
           "weapons": [], "vehicles": []})
}
