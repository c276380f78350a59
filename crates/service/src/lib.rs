//! `service`: cortina's use cases. Every command takes one path:
//!
//! ```text
//! authenticate ─► resolve the target's registry facts ─► authorize (Cedar)
//!     ├─ denied  ─► ledger entry (deny, policy ids) ──────────────► commit ─► ServiceError::Denied
//!     └─ allowed ─► apply (domain transition) ─► rows + ledger entry ─► commit ─► Done
//! ```
//!
//! all inside one [`store::Store::write`] closure, so the change, its entry
//! and the denial records commit together or not at all. There is no other
//! way to change state: the CLI (`cortina exec`, `cortina admin`) and the
//! server call [`Service::execute`].
//!
//! Commands ([`command::Command`]) are plain data in JSON, one variant per
//! action name; their fields deserialize straight into the domain's
//! validated types, so a bad field is refused before anything runs.

pub mod access;
pub mod accounts;
pub mod actor;
pub mod applicants;
pub mod changes;
pub mod command;
pub mod consultations;
mod context;
pub mod disclosures;
pub mod error;
pub mod facts;
mod handlers;
pub mod migrate;
mod opaque;
pub mod passes;
mod population;
mod principal;
pub mod rescreen;
pub mod retention;
pub mod screening_lists;
pub mod stats;
pub mod views;

use std::sync::Arc;

use authority::Authority;
use domain::request::Deadlines;
use store::Store;

pub use access::{
    Bearer, LoginOutcome, LoginPolicy, Secret, SessionCaller, TokenIssue, network_of,
};
pub use actor::{Actor, Channel};
pub use changes::Change;
pub use command::Command;
pub use context::{Done, UNKNOWN_RECORD, withheld_id};
pub use error::ServiceError;
pub use screening_lists::ScreeningLists;

/// The service: the store, the policy, the lists; cheap to clone.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) authority: Authority,
    pub(crate) deadlines: Deadlines,
    pub(crate) lists: std::sync::RwLock<Option<Arc<ScreeningLists>>>,
    /// The policy's decisions for [`Service::record`], remembered.
    pub(crate) decisions: context::Decisions,
    pub(crate) changes: changes::Changes,
    /// The key of the applicants' reference digests (derived from the
    /// ledger's signing key, so as secret as it, and never stored).
    pub(crate) ref_key: [u8; 32],
    /// The key of opaque ids made from labels (`opaque`).
    pub(crate) opaque_key: [u8; 32],
    /// The key of the consultation log's subject digests (derived from
    /// the ledger's signing key like `ref_key`, never stored).
    pub(crate) subject_key: [u8; 32],
    /// Password hashes running at once, at most one per core: a burst of
    /// logins queues here instead of starving every other request.
    pub(crate) hashing: tokio::sync::Semaphore,
    /// Result sizes of screenings waiting to be noted in the consultation
    /// log, in one write for many (`Service::consulted`).
    pub(crate) sizes: consultations::SizeNotes,
    /// The statistics' cells, in memory (`stats`).
    pub(crate) stats: stats::Cache,
    /// The last principal the writer read (`principal::load`).
    pub(crate) principals: principal::Memo,
    /// The population's screening keys for a delta re-screen
    /// (`population`), once loaded or built.
    pub(crate) population: tokio::sync::Mutex<Option<population::PopulationKeys>>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// A service over `store`, deciding with `authority`.
    pub fn new(store: Store, authority: Authority) -> Service {
        let ref_key = {
            use sha2::Digest as _;
            let mut h = sha2::Sha256::new();
            h.update(b"cortina.applicant-ref-key\0");
            h.update(store.signer().key_string().as_bytes());
            h.finalize().into()
        };
        let opaque_key = opaque::key(&store.signer().key_string());
        let subject_key = {
            use sha2::Digest as _;
            let mut h = sha2::Sha256::new();
            h.update(b"cortina.consultation-subject-key\0");
            h.update(store.signer().key_string().as_bytes());
            h.finalize().into()
        };
        Service {
            inner: Arc::new(Inner {
                store,
                authority,
                deadlines: Deadlines::default(),
                lists: std::sync::RwLock::new(None),
                decisions: context::Decisions::default(),
                changes: changes::Changes::new(),
                ref_key,
                opaque_key,
                subject_key,
                sizes: consultations::SizeNotes::default(),
                stats: stats::Cache::default(),
                principals: principal::Memo::default(),
                population: tokio::sync::Mutex::new(None),
                hashing: tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(2, |n| n.get()),
                ),
            }),
        }
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The policy in force.
    pub fn authority(&self) -> &Authority {
        &self.inner.authority
    }

    /// The watchlists in force, if any are loaded.
    pub fn lists(&self) -> Option<Arc<ScreeningLists>> {
        self.inner
            .lists
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Sets the watchlists declarations are screened against.
    pub fn set_lists(&self, lists: Arc<ScreeningLists>) {
        *self.inner.lists.write().unwrap_or_else(|p| p.into_inner()) = Some(lists);
    }

    /// The keyed digest under which `applicant_refs` keeps an organiser's
    /// reference (for tools that write applicants straight into the
    /// store, like the purge benchmark).
    pub fn reference_digest(&self, organiser: &str, reference: &str) -> String {
        handlers::ref_digest_of(&self.inner.ref_key, organiser, reference)
    }

    /// The organiser `username` submits applicants for, when the policy
    /// lets it (for its own organiser), decided before the batch is
    /// screened.
    async fn may_submit_applicants(&self, username: &str) -> Option<String> {
        let principal = self.principal(username).await.ok()?;
        let resource = authority::Resource::Applicant {
            id: "batch".to_owned(),
            organiser: principal.agency_id.clone(),
        };
        self.authority()
            .decide(&principal, domain::Action::ApplicantSubmit, &resource)
            .allowed
            .then_some(principal.agency_id)
    }

    /// Runs `command` as the account `username`: authenticate, authorize,
    /// apply, record — one transaction. A denial is recorded in the ledger
    /// and returned as [`ServiceError::Denied`] to a host caller; anyone
    /// else gets [`ServiceError::Withheld`] for a denial and for a record
    /// that does not exist alike (both recorded), so that nobody outside
    /// the host can learn which records exist.
    pub async fn execute(&self, actor: &Actor, command: Command) -> Result<Done, ServiceError> {
        command.check_limits().map_err(ServiceError::BadCommand)?;
        // A purge is many transactions, one per batch (`retention`).
        let command = match command {
            Command::RetentionPurge(c) => return self.purge(actor, c).await,
            other => other,
        };
        let action = command.action();
        // An applicant batch is read and screened, and its rows' digests
        // worked out, before the transaction, on all cores, so that the
        // single writer only stores it — once
        // the policy has allowed it: a refused caller must not make the
        // host screen up to 10,000 rows. The handler decides again inside
        // the transaction (and records the refusal); a batch the policy
        // refuses here reaches it unprepared.
        let organiser = match &command {
            Command::ApplicantSubmit(_) => self.may_submit_applicants(&actor.username).await,
            _ => None,
        };
        let mut prepared = match (&command, organiser) {
            (Command::ApplicantSubmit(c), Some(organiser)) => {
                let rows = c.applicants.clone();
                let lists = self.lists();
                let keys = applicants::DigestKeys {
                    organiser,
                    reference: self.inner.ref_key,
                    subject: self.inner.subject_key,
                };
                Some(
                    tokio::task::spawn_blocking(move || {
                        applicants::prepare(&rows, lists.as_deref(), Some(&keys))
                    })
                    .await
                    .map_err(|e| ServiceError::BadCommand(format!("screening: {e}")))?,
                )
            }
            _ => None,
        };
        let inner = self.inner.clone();
        let this = self.clone();
        let user = actor.clone();
        let username = actor.username.clone();
        let channel = actor.channel.clone();
        // The live changes are staged in the transaction (in commit order)
        // and settled once the write returned; on a task of its own, so that
        // they are settled even when the caller goes away.
        let slot = self.inner.changes.slot();
        let written = tokio::spawn(async move {
            let result = this
                .inner
                .store
                .write(move |tx| {
                    Box::pin(async move {
                        let principal = principal::load(tx, &inner, &username).await?;
                        let host = principal.is_host();
                        let payload = serde_json::to_vec(&command)
                            .map_err(|e| ServiceError::BadCommand(format!("command: {e}")))?;
                        let mut ctx = context::Ctx::new(tx, &inner, principal, &channel, payload)?;
                        ctx.prepared = prepared.take();
                        let result = match handlers::run(&mut ctx, command).await? {
                            // Outside the host, a refusal looks like a
                            // missing record (`ServiceError::Withheld`).
                            Err(ServiceError::Denied { seq, .. }) if !host => {
                                Err(ServiceError::Withheld { seq })
                            }
                            other => other,
                        };
                        if let Ok(done) = &result {
                            let saved = std::mem::take(&mut ctx.saved);
                            inner.changes.stage(slot, done, saved, ctx.now.as_millis());
                        }
                        Ok::<_, ServiceError>(result)
                    })
                })
                .await;
            // The store's write returns only after the commit.
            this.inner.changes.settle(slot, matches!(result, Ok(Ok(_))));
            result
        })
        .await;
        let result = match written {
            Ok(result) => result.and_then(|done| done),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(ServiceError::Store(store::StoreError::WriterStopped)),
        };
        match result {
            // The command was rolled back; outside the host, the attempt is
            // recorded and answered like a refusal.
            Err(ServiceError::NotFound { kind, id }) => {
                self.withhold_missing(&user, action, kind, id).await
            }
            other => other,
        }
    }

    /// A command named a record that does not exist. A host caller is told
    /// so (nothing is recorded: the host may know what exists). Anyone else
    /// gets the answer a refusal gets ([`ServiceError::Withheld`]), and the
    /// attempt is a denial entry in the ledger under the rule
    /// `unknown-record`, with the id kept only as a keyed digest.
    async fn withhold_missing(
        &self,
        actor: &Actor,
        action: domain::Action,
        kind: &'static str,
        id: String,
    ) -> Result<Done, ServiceError> {
        let inner = self.inner.clone();
        let username = actor.username.clone();
        let channel = actor.channel.clone();
        self.inner
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let principal = principal::load(tx, &inner, &username).await?;
                    if principal.is_host() {
                        return Ok(Err(ServiceError::NotFound { kind, id }));
                    }
                    let mut ctx = context::Ctx::new(tx, &inner, principal, &channel, Vec::new())?;
                    let seq = ctx.deny_unknown(action, kind, &id)?;
                    Ok::<_, ServiceError>(Err(ServiceError::Withheld { seq }))
                })
            })
            .await?
    }

    /// Records an action taken outside the store — a screening against the
    /// lists, a list update — after the policy allows it: one ledger entry
    /// whose payload digest commits to `payload` (the purpose and the input).
    /// Call it before doing the work; a denial is recorded and returned as
    /// [`ServiceError::Denied`] to a host caller, [`ServiceError::Refused`]
    /// (without the rules) to anyone else, and then the work must not
    /// happen.
    pub async fn record(
        &self,
        actor: &Actor,
        action: domain::Action,
        resource: authority::Resource,
        payload: Vec<u8>,
    ) -> Result<Done, ServiceError> {
        if action.is_write()
            && !matches!(
                action,
                domain::Action::ScreeningRun | domain::Action::ListsUpdate
            )
        {
            return Err(ServiceError::BadCommand(format!(
                "{action} changes records: it goes through execute"
            )));
        }
        let inner = self.inner.clone();
        let username = actor.username.clone();
        let channel = actor.channel.clone();
        self.inner
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let principal = principal::load(tx, &inner, &username).await?;
                    let host = principal.is_host();
                    let mut ctx = context::Ctx::new(tx, &inner, principal, &channel, payload)?;
                    Ok::<_, ServiceError>(
                        match handlers::record(&mut ctx, action, resource)
                            .await?
                            .into_result()
                        {
                            // Outside the host, the rules are not told.
                            Err(ServiceError::Denied { seq, .. }) if !host => {
                                Err(ServiceError::Refused { seq })
                            }
                            other => other,
                        },
                    )
                })
            })
            .await?
    }

    /// Creates the first host agency and admin account of a new store, and
    /// returns the admin's enrolment secret (single use, 24 h: the admin
    /// chooses its own password and second factor with it) — in a demo
    /// store, the demo admin's password. Refuses if any account exists.
    pub async fn bootstrap(&self, admin: &Bootstrap) -> Result<String, ServiceError> {
        let inner = self.inner.clone();
        let admin = admin.clone();
        // In a demo store (and only there) the first admin is a demo
        // account too: password only.
        let demo = self.store().origin() == accounts::DEMO_ORIGIN;
        self.inner
            .store
            .write(move |tx| {
                Box::pin(async move { principal::bootstrap(tx, &inner, &admin, demo).await })
            })
            .await
    }
}

/// What the ledger's row-stamp check ([`store::Store::verify_stamps`]) must
/// know about this service's commands: which actions only read (their
/// entries change no row), which create rows besides the one their entry
/// names, which purge, which always write rows; that every entry keeps
/// its payload salt; and how a record's board columns follow from its
/// document ([`board_of`]).
pub fn stamp_rules() -> store::StampRules {
    store::StampRules {
        reads: domain::Action::ALL
            .iter()
            .filter(|a| !a.is_write())
            .map(|a| a.as_str().to_owned())
            .collect(),
        side_creations: handlers::SIDE_CREATIONS
            .iter()
            .map(|(action, kind)| (action.as_str().to_owned(), (*kind).to_owned()))
            .collect(),
        // A purge entry removes the documents and salts of the records
        // its row writes list (`retention`).
        purges: vec![domain::Action::RetentionPurge.as_str().to_owned()],
        // Entries of these actions write rows but, before the stamp epoch,
        // committed to nothing (none of their rows holds personal data).
        row_actions: [
            "agency.register",
            "event.configure",
            "account.create",
            "account.disable",
            "token.issue",
            "token.revoke",
            "session.login",
            "session.logout",
        ]
        .map(str::to_owned)
        .to_vec(),
        salted_entries: true,
        board_of: Some(board_of),
        consultation_of: Some(consultations::is_consultation_entry),
    }
}

/// What `cortina admin init` sets up: the host IT agency and its admin.
#[derive(Clone, Debug)]
pub struct Bootstrap {
    /// The host agency's id (e.g. `ministry-interior`).
    pub agency_id: String,
    /// Its name.
    pub agency_name: String,
    /// Its country (the host nation).
    pub country: String,
    /// The admin's username.
    pub username: String,
}

/// The board columns a record of `kind` holds given its document `doc`
/// ([`domain::storage::Aggregate::board`]), as the writer fills them
/// ([`board_columns`]). Only requests and log entries have any: the
/// documents of the other kinds are not decoded.
pub fn board_of(kind: &str, doc: &str) -> Result<store::records::Board, String> {
    use domain::storage::Aggregate;
    fn decoded<A: Aggregate>(doc: &str) -> Result<store::records::Board, String> {
        let value: A = serde_json::from_str(doc).map_err(|e| e.to_string())?;
        Ok(board_columns(&value))
    }
    match kind {
        domain::request::Request::KIND => decoded::<domain::request::Request>(doc),
        domain::room::LogEntry::KIND => decoded::<domain::room::LogEntry>(doc),
        _ => Ok(store::records::Board::default()),
    }
}

/// The board columns of `value`'s record.
pub fn board_columns<A: domain::storage::Aggregate>(value: &A) -> store::records::Board {
    let b = value.board();
    store::records::Board {
        open_due_at: b.open_due_at,
        category: b.category.map(str::to_owned),
        severity: b.severity.map(i64::from),
        awaiting: b.awaiting.map(str::to_owned),
    }
}
