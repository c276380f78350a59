//! A running server for the tests: the real router on a free loopback
//! port, over a throwaway store (SQLite, and PostgreSQL when configured),
//! with a small event world — agencies, the US and French delegations, an
//! account per role with a known password — and test watchlists.
//!
//! The server runs on a runtime of its own; tests are plain functions that
//! talk to it over HTTP with a blocking client, as a script would.

use std::sync::Arc;

use serde_json::{Value, json};
use server::{AppState, Config};
use service::{Bootstrap, Command, Done, ScreeningLists, Service};
use store::testing::TestDb;

/// Watchlist entries of the test lists (FollowTheMoney JSON lines), on
/// two datasets.
const LISTS: &str = r#"{"id":"t-bout","schema":"Person","properties":{"name":["Viktor Anatolyevich Bout"],"alias":["Viktor But"],"birthDate":["1967-01-13"],"nationality":["ru"],"gender":["male"]},"datasets":["test_sanctions"]}
{"id":"t-guzman","schema":"Person","properties":{"name":["Joaquin Archivaldo Guzman Loera"],"alias":["El Chapo"],"birthDate":["1957-04-04"],"nationality":["mx"]},"datasets":["test_tco"]}
{"id":"t-guzman-jr","schema":"Person","properties":{"name":["Joaquin Guzman Lopez"],"birthDate":["1986-08-11"],"nationality":["mx"]},"datasets":["test_tco"]}
{"id":"t-sinaloa","schema":"Organization","properties":{"name":["Sinaloa Cartel"],"country":["mx"]},"datasets":["test_tco"]}
"#;

/// Every test account's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server and the service behind it.
pub struct World {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The service (for checks behind the server's back).
    pub svc: Service,
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    /// The server's certificate (PEM), when it serves TLS.
    tls_root: Option<Vec<u8>>,
    rt: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _db: TestDb,
}

/// The configuration tests run with: the shipped defaults, with logins
/// not rate-limited (tests log in often; one test sets a limit).
pub fn config() -> Config {
    Config {
        login_burst: 10_000,
        login_replenish_ms: 1,
        ..Config::default()
    }
}

/// Every configured backend, fresh.
pub fn backends() -> Vec<TestDb> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(store::testing::backends())
}

fn index() -> screening::Index {
    let file = watchlist::SourceFile::new("test-lists.json", LISTS.as_bytes());
    let imports = watchlist::import_files(
        &[file],
        Some(watchlist::Format::FtmJson),
        Default::default(),
    )
    .expect("test lists import");
    screening::Index::build(imports.into_iter().flat_map(|i| i.entities).collect())
}

impl World {
    /// The world on `db`, served with `config`.
    pub fn start(db: TestDb, config: Config) -> World {
        World::start_with(db, config, false, false)
    }

    /// A world like a real deployment (not the demo origin): the bootstrap
    /// admin, the host agencies, the bootstrap's first commander `chief`
    /// (not enrolled yet; its enrolment secret returned), no other account.
    pub fn start_real(db: TestDb, config: Config) -> (World, String) {
        let w = World::start_with(db, config, false, true);
        let (_, secret) = w
            .block_on(w.svc.bootstrap_commander("chief", "questura-milano"))
            .expect("the first commander");
        (w, secret.expose().to_owned())
    }

    /// The world on `db`, served over TLS with a fresh self-signed
    /// certificate for 127.0.0.1 (and `config.tls` set).
    pub fn start_tls(db: TestDb, config: Config) -> World {
        World::start_with(
            db,
            Config {
                tls: true,
                ..config
            },
            true,
            false,
        )
    }

    fn start_with(db: TestDb, config: Config, tls: bool, real: bool) -> World {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let name = db.name;
        let (svc, listener) = rt.block_on(async {
            let store = if real {
                db.create().await
            } else {
                db.create_with_origin(service::accounts::DEMO_ORIGIN).await
            };
            let svc = Service::new(store, authority::Authority::new().expect("policy"));
            svc.set_lists(Arc::new(ScreeningLists::new(index())));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind a loopback port");
            (svc, listener)
        });
        let addr = listener.local_addr().expect("address");
        let state = AppState::new(svc.clone(), Some(Arc::new(index())), config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let stopped = async move {
            let _ = stopped.await;
        };
        let (base, tls_root, served) = if tls {
            let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
                .expect("a self-signed certificate");
            let pem = cert.cert.pem().into_bytes();
            let tls = server::tls::config_from_pem(&pem, cert.key_pair.serialize_pem().as_bytes())
                .expect("TLS configuration");
            let served = rt.spawn(server::tls::serve_tls(listener, tls, state, stopped));
            (format!("https://{addr}"), Some(pem), served)
        } else {
            let served = rt.spawn(server::serve(listener, state, stopped));
            (format!("http://{addr}"), None, served)
        };
        let w = World {
            base,
            svc,
            name,
            tls_root,
            rt,
            stop: Some(stop),
            served: Some(served),
            _db: db,
        };
        if real {
            w.populate_registry();
        } else {
            w.populate();
        }
        w
    }

    /// A second service on the world's database, with a store of its own:
    /// what another process (`cortina exec`, a second `cortina serve`)
    /// would be.
    pub fn other_process(&self) -> Service {
        let store = self
            .block_on(self._db.reopen())
            .unwrap_or_else(|e| panic!("{}: reopen: {e}", self.name));
        Service::new(store, authority::Authority::new().expect("policy"))
    }

    /// Runs a future on the server's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Runs `command` as `user` through the service (not over HTTP).
    pub fn run(&self, user: &str, command: Value) -> Result<Done, service::ServiceError> {
        let command: Command = serde_json::from_value(command.clone())
            .unwrap_or_else(|e| panic!("bad test command {command}: {e}"));
        self.block_on(self.svc.execute(&service::Actor::cli(user), command))
    }

    /// [`World::run`], which must succeed.
    #[track_caller]
    pub fn ok(&self, user: &str, command: Value) -> Done {
        let text = command.to_string();
        self.run(user, command)
            .unwrap_or_else(|e| panic!("{}: {user} {text}: {e}", self.name))
    }

    /// A test account with the known [`PASSWORD`]: the world is built like
    /// the demo (its ledger has the demo origin), so its accounts are demo
    /// accounts, password only. The separation-of-duties tests build a
    /// real world instead ([`World::start_real`]).
    pub fn account(&self, user: &str, role: &str, agency: &str, delegation: Option<(&str, &str)>) {
        let mut c = json!({"username": user, "role": role, "agency": agency});
        if let Some((d, line)) = delegation {
            c["delegation"] = json!(d);
            c["declaration"] = json!(line);
        }
        let command = serde_json::from_value(c).expect("a test account");
        self.block_on(
            self.svc
                .create_demo_account(command, Some(&service::Secret::new(PASSWORD))),
        )
        .unwrap_or_else(|e| panic!("{}: account {user}: {e}", self.name));
    }

    fn populate(&self) {
        self.populate_registry();
        self.populate_accounts();
    }

    fn populate_registry(&self) {
        self.block_on(self.svc.bootstrap(&Bootstrap {
            agency_id: "ministry-interior".into(),
            agency_name: "Ministero dell'Interno".into(),
            country: "IT".into(),
            username: "admin".into(),
        }))
        .expect("bootstrap");
        // The bootstrap admin's password is random; give the tests a known
        // one through a second admin.
        for (id, name, kind, country) in [
            ("questura-milano", "Questura di Milano", "host", "IT"),
            ("polizia-di-stato", "Polizia di Stato", "host", "IT"),
            (
                "us-hsi",
                "Homeland Security Investigations",
                "foreign",
                "US",
            ),
            ("fr-police", "Police nationale", "foreign", "FR"),
            ("copasir", "COPASIR", "oversight", "IT"),
        ] {
            self.ok("admin", json!({"action": "agency.register", "id": id, "name": name, "kind": kind, "country": country}));
        }
        self.ok(
            "admin",
            json!({"action": "event.configure", "id": "mico2026", "name": "Milano Cortina 2026",
                "clusters": [{"id": "milano", "name": "Milano"}],
                "venues": [{"id": "san-siro", "name": "San Siro", "cluster": "milano"}]}),
        );
    }

    fn populate_accounts(&self) {
        self.account("it-admin", "admin", "ministry-interior", None);
        self.account("commander", "host_commander", "questura-milano", None);
        self.account("operator", "host_operator", "questura-milano", None);
        self.account("analyst", "host_analyst", "polizia-di-stato", None);
        self.account("oversight", "oversight", "copasir", None);
        let window = json!({"from": 1_769_299_200_000i64, "until": 1_773_964_800_000i64});
        for (delegation, agency, head, user, name, country, doc) in [
            (
                "us",
                "us-hsi",
                "us-head",
                "us-liaison",
                "John Carter",
                "US",
                "P1234567",
            ),
            (
                "fr",
                "fr-police",
                "fr-head",
                "fr-liaison",
                "Jeanne Martin",
                "FR",
                "F7654321",
            ),
        ] {
            self.ok(
                "admin",
                json!({"action": "delegation.register", "id": delegation, "name": format!("{delegation} delegation"),
                       "agency": agency, "head_line": head,
                       "head": {"name": name, "birth_date": "1975-03-02", "nationality": country, "document": doc,
                                "role": "liaison", "weapons": [], "vehicles": []}}),
            );
            self.ok(
                "commander",
                json!({"action": "declaration.accredit", "id": head, "window": window}),
            );
            self.account(user, "foreign_liaison", agency, Some((delegation, head)));
        }
    }

    /// Adds an account for each role the base world lacks: `organiser` (of
    /// an organiser agency), `us-investigator` (a foreign investigator) and
    /// `us-protective` (a protective agent of the US protectee `vp`), each
    /// foreign one declared by the US liaison and accredited.
    pub fn add_every_role(&self) {
        self.ok(
            "admin",
            json!({"action": "agency.register", "id": "fondazione", "name": "Fondazione Milano Cortina 2026",
                   "kind": "organiser", "country": "IT"}),
        );
        self.account("organiser", "organiser", "fondazione", None);
        self.ok(
            "commander",
            json!({"action": "protectee.register", "id": "vp", "name": "Alex Vance", "delegation": "us", "risk": 3}),
        );
        let window = json!({"from": 1_769_299_200_000i64, "until": 1_773_964_800_000i64});
        for (line, name, document, role, user, account_role) in [
            (
                "us-inv",
                "Dana Scully",
                "P2345678",
                json!({"role": "investigative_support"}),
                "us-investigator",
                "foreign_investigator",
            ),
            (
                "us-agent",
                "Frank Horrigan",
                "P3456789",
                json!({"role": "protective_agent", "protectee": "vp"}),
                "us-protective",
                "foreign_protective",
            ),
        ] {
            let mut person = json!({"name": name, "birth_date": "1980-01-01", "nationality": "US",
                                    "document": document, "weapons": [], "vehicles": []});
            for (k, v) in role.as_object().unwrap() {
                person[k] = v.clone();
            }
            self.ok(
                "us-liaison",
                json!({"action": "declaration.submit", "id": line, "person": person}),
            );
            self.ok(
                "commander",
                json!({"action": "declaration.accredit", "id": line, "window": window}),
            );
            self.account(user, account_role, "us-hsi", Some(("us", line)));
        }
    }

    /// Entries in the ledger now.
    pub fn ledger_size(&self) -> u64 {
        self.block_on(self.svc.store().ledger_stats())
            .expect("ledger stats")
            .size
    }

    /// The decoded entry `seq`.
    pub fn entry(&self, seq: u64) -> ledger::Entry {
        let bytes = self
            .block_on(self.svc.store().entries(seq, seq + 1))
            .expect("entry");
        ledger::Entry::decode(&bytes[0]).expect("decodes")
    }

    /// The (opaque) id of the account `username`.
    pub fn account_id(&self, username: &str) -> String {
        self.block_on(store::records::account_by_username(
            self.svc.store().pool(),
            username,
        ))
        .expect("accounts")
        .unwrap_or_else(|| panic!("no account {username}"))
        .id
    }

    /// The last entry.
    pub fn last_entry(&self) -> ledger::Entry {
        self.entry(self.ledger_size() - 1)
    }

    /// A token for `user` (issued by the admin through the service).
    pub fn token(&self, user: &str, purpose: Option<&str>) -> String {
        let issued = self
            .block_on(self.svc.issue_token(
                &service::Actor::cli("it-admin"),
                serde_json::from_value(json!({"user": user, "purpose": purpose})).expect("command"),
            ))
            .unwrap_or_else(|e| panic!("{}: token for {user}: {e}", self.name));
        issued.secret.expose().to_owned()
    }

    /// A witness token.
    pub fn witness_token(&self, name: &str) -> String {
        let issued = self
            .block_on(self.svc.issue_token(
                &service::Actor::cli("it-admin"),
                serde_json::from_value(json!({"witness": name})).expect("command"),
            ))
            .unwrap_or_else(|e| panic!("{}: witness token: {e}", self.name));
        issued.secret.expose().to_owned()
    }

    /// Sends a request.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        auth: &Auth<'_>,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Resp {
        let mut agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0);
        if let Some(pem) = &self.tls_root {
            let root = ureq::tls::Certificate::from_pem(pem).expect("the test certificate");
            agent = agent.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
                    .build(),
            );
        }
        let agent: ureq::Agent = agent.build().into();
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        match auth {
            Auth::None => {}
            Auth::Cookie(c) => request = request.header("Cookie", *c),
            Auth::Bearer(t) => request = request.header("Authorization", format!("Bearer {t}")),
            Auth::ApiKey(t) => request = request.header("Authorization", format!("ApiKey {t}")),
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if body.is_some()
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            request = request.header("Content-Type", "application/json");
        }
        let request = request
            .body(body.unwrap_or_default().as_bytes().to_vec())
            .expect("request");
        let mut response = agent
            .run(request)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .expect("body");
        Resp {
            status,
            headers,
            body,
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str, auth: &Auth<'_>) -> Resp {
        self.send("GET", path, auth, &[], None)
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, auth: &Auth<'_>, body: &Value) -> Resp {
        self.send("POST", path, auth, &[], Some(&body.to_string()))
    }

    /// Logs `user` in; returns the `Cookie` header value.
    #[track_caller]
    pub fn login(&self, user: &str) -> String {
        let r = self.post(
            "/api/v1/session",
            &Auth::None,
            &json!({"username": user, "password": PASSWORD}),
        );
        assert_eq!(r.status, 200, "{}: login {user}: {}", self.name, r.text());
        let set = r.header("set-cookie").expect("a session cookie");
        set.split(';').next().expect("cookie pair").to_owned()
    }

    /// Runs `command` over HTTP as the holder of `auth`.
    pub fn command(&self, auth: &Auth<'_>, command: Value) -> Resp {
        self.post("/api/v1/commands", auth, &command)
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = self.rt.block_on(served);
        }
    }
}

/// How a request authenticates.
pub enum Auth<'a> {
    /// Not at all.
    None,
    /// With a session cookie (`name=value`).
    Cookie(&'a str),
    /// `Authorization: Bearer …`.
    Bearer(&'a str),
    /// `Authorization: ApiKey …`.
    ApiKey(&'a str),
}

/// A response.
pub struct Resp {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
