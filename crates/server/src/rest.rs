//! The resource routes under `/api/v1`, from one table.
//!
//! [`ROUTES`] lists every route: its method, its path template, and what it
//! does — run a command of the `cortina exec` vocabulary, list the records
//! the caller may see, or read the ledger. The router ([`routes`]), the
//! OpenAPI paths ([`document_paths`]) and the tests (`tests/it/openapi.rs`,
//! `tests/it/matrix.rs`) are all derived from it, so none can drift.
//!
//! How a request becomes a command:
//!
//! * `POST /api/v1/{collection}` — the creating action; the body is the
//!   command's fields without `action`.
//! * `POST /api/v1/{collection}/{id}/{verb}` — a transition; `id` comes from
//!   the path (a body that names `id` again is refused), the body holds the
//!   rest (`{}` when there is nothing else).
//! * `GET /api/v1/{collection}/{id}` — the read action; reads of personal
//!   data (consultations) take their purpose from the `X-Purpose` header and
//!   are refused without one.
//! * `GET /api/v1/{collection}` — the records of that kind the caller may
//!   see, each checked against the policy as the command would be, as
//!   summaries without personal data (the boards).
//!
//! Every command runs through `Service::execute`: authorized, applied and
//! recorded in one transaction, denials included. Lists and ledger reads
//! change nothing and are not entries (the records' own reads are).

use std::collections::BTreeMap;

use authority::Resource;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use domain::Action;
use domain::movement::{Movement, Protectee};
use domain::registry::Delegation;
use domain::room::LiaisonReport;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use service::Command;
use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};

use crate::AppState;
use crate::api::{self, Board, BoardQuery, DoneBody};
use crate::auth::Caller;
use crate::error::{ApiError, json_body};

/// The header a consultation's purpose comes in.
pub const PURPOSE_HEADER: &str = "x-purpose";

/// A route's HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`: no body.
    Get,
    /// `POST`: a JSON object body.
    Post,
}

impl Method {
    /// The lower-case name, as OpenAPI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
        }
    }
}

/// A path parameter and the command field it fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// The name in the path template (`{id}`).
    pub name: &'static str,
    /// The command's field.
    pub field: &'static str,
    /// Whether the field is a number (`sitrep.read`'s `number`).
    pub number: bool,
}

/// What a route does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Runs the command `action`: its fields from the body (`POST`), the
    /// path parameters and, for a consultation, the `X-Purpose` header.
    Command {
        /// The command's `action` name.
        action: &'static str,
        /// The path parameters, each filling a field.
        params: &'static [Param],
        /// Whether the command takes a `purpose` (from `X-Purpose`).
        purpose: bool,
    },
    /// Lists the records of one kind the caller may see.
    List(List),
    /// A ledger read, for those the policy lets read the ledger.
    Ledger(LedgerRead),
    /// The disclosure register (`crate::disclosures`), recorded.
    Disclosures,
    /// The consultation log (`crate::consultations`), recorded.
    Consultations,
    /// Statistics without personal data (`crate::stats`), recorded.
    Stats,
}

/// The lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    /// Requests for information and assistance.
    Requests,
    /// Tasks for host units.
    Tasks,
    /// Declaration lines.
    Declarations,
    /// Operations rooms.
    Rooms,
    /// Liaison reports.
    LiaisonReports,
    /// Vetting cases.
    VettingCases,
    /// Protectees.
    Protectees,
    /// Protectee movements.
    Movements,
    /// Agencies (the registry).
    Agencies,
    /// Delegations (the registry).
    Delegations,
    /// The organiser's applicants with their opinions (keyset pages:
    /// `limit`, `after`; `format=csv` for the export).
    Applicants,
    /// The analysts' queue (keyset pages with filters).
    VettingQueue,
}

/// The ledger reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerRead {
    /// The latest signed checkpoint.
    Checkpoint,
    /// Decoded entries.
    Entries,
}

/// One route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The method.
    pub method: Method,
    /// The path template, `{name}` for a parameter.
    pub path: &'static str,
    /// What it does.
    pub op: Op,
    /// One line for the OpenAPI document.
    pub summary: &'static str,
}

impl Route {
    /// The path parameters, in template order.
    pub fn params(&self) -> &'static [Param] {
        match self.op {
            Op::Command { params, .. } => params,
            Op::List(_) | Op::Ledger(_) | Op::Disclosures | Op::Consultations | Op::Stats => &[],
        }
    }

    /// The command's action name, for a command route.
    pub fn command(&self) -> Option<&'static str> {
        match self.op {
            Op::Command { action, .. } => Some(action),
            Op::List(_) | Op::Ledger(_) | Op::Disclosures | Op::Consultations | Op::Stats => None,
        }
    }

    /// Whether a consultation purpose is needed.
    pub fn needs_purpose(&self) -> bool {
        matches!(self.op, Op::Command { purpose: true, .. })
    }

    /// The OpenAPI tag: the collection.
    fn tag(&self) -> &'static str {
        self.path
            .trim_start_matches("/api/v1/")
            .split('/')
            .next()
            .unwrap_or("api")
    }
}

const ID: &[Param] = &[Param {
    name: "id",
    field: "id",
    number: false,
}];
const ROOM: &[Param] = &[Param {
    name: "room",
    field: "room",
    number: false,
}];
const USERNAME: &[Param] = &[Param {
    name: "username",
    field: "username",
    number: false,
}];
const PROPOSAL: &[Param] = &[Param {
    name: "proposal",
    field: "proposal",
    number: false,
}];
const ROOM_NUMBER: &[Param] = &[
    Param {
        name: "room",
        field: "room",
        number: false,
    },
    Param {
        name: "number",
        field: "number",
        number: true,
    },
];

/// `POST path`: the command `action` with path parameters `params`.
const fn post_with(
    path: &'static str,
    action: &'static str,
    params: &'static [Param],
    summary: &'static str,
) -> Route {
    Route {
        method: Method::Post,
        path,
        op: Op::Command {
            action,
            params,
            purpose: false,
        },
        summary,
    }
}

/// `POST /api/v1/{collection}`: the creating command, fields in the body.
const fn create(path: &'static str, action: &'static str, summary: &'static str) -> Route {
    post_with(path, action, &[], summary)
}

/// `POST /api/v1/{collection}/{id}/{verb}`: a transition of record `id`.
const fn act(path: &'static str, action: &'static str, summary: &'static str) -> Route {
    post_with(path, action, ID, summary)
}

/// `GET path`: the read command `action`, its fields from the path.
const fn read(
    path: &'static str,
    action: &'static str,
    params: &'static [Param],
    summary: &'static str,
) -> Route {
    Route {
        method: Method::Get,
        path,
        op: Op::Command {
            action,
            params,
            purpose: false,
        },
        summary,
    }
}

/// `GET /api/v1/{collection}/{id}`: a consultation of personal data, its
/// purpose from `X-Purpose`.
const fn consult(path: &'static str, action: &'static str, summary: &'static str) -> Route {
    Route {
        method: Method::Get,
        path,
        op: Op::Command {
            action,
            params: ID,
            purpose: true,
        },
        summary,
    }
}

/// `GET path`: a ledger read.
const fn ledger(path: &'static str, read: LedgerRead, summary: &'static str) -> Route {
    Route {
        method: Method::Get,
        path,
        op: Op::Ledger(read),
        summary,
    }
}

/// `GET /api/v1/{collection}`: a list.
const fn list(path: &'static str, list: List, summary: &'static str) -> Route {
    Route {
        method: Method::Get,
        path,
        op: Op::List(list),
        summary,
    }
}

/// Every resource route: one row each, and nothing else defines them.
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    // The registry and administration.
    create("/api/v1/agencies", "agency.register", "Register an agency"),
    list("/api/v1/agencies", List::Agencies, "The registered agencies"),
    create("/api/v1/event", "event.configure", "Configure the event, its clusters and venues"),
    create("/api/v1/delegations", "delegation.register", "Register a foreign delegation with its head"),
    list("/api/v1/delegations", List::Delegations, "The delegations the caller may see"),
    create("/api/v1/accounts", "account.create", "Propose an account (a host commander confirms it)"),
    post_with("/api/v1/accounts/proposals/{proposal}/confirm", "account.confirm", PROPOSAL, "Confirm an account proposal (four eyes)"),
    post_with("/api/v1/accounts/{username}/enrolment", "account.enrolment", USERNAME, "Issue an account's enrolment secret"),
    post_with("/api/v1/accounts/{username}/disable", "account.disable", USERNAME, "Disable an account"),
    // Declarations, accreditations, arms permits.
    create("/api/v1/declarations", "declaration.submit", "Declare one more person of the caller's delegation"),
    list("/api/v1/declarations", List::Declarations, "Declaration lines the caller may see, without personal data"),
    consult("/api/v1/declarations/{id}", "declaration.read", "Read a declaration line (a consultation: X-Purpose)"),
    act("/api/v1/declarations/{id}/answer", "declaration.answer", "Answer the host's question on a line"),
    act("/api/v1/declarations/{id}/withdraw", "declaration.withdraw", "Withdraw an own declaration line"),
    act("/api/v1/declarations/{id}/request-info", "declaration.request_info", "Ask the delegation for more information"),
    act("/api/v1/declarations/{id}/refuse", "declaration.refuse", "Refuse a declared person"),
    act("/api/v1/declarations/{id}/accredit", "declaration.accredit", "Accredit a declared person"),
    act("/api/v1/declarations/{id}/arms-permit", "arms_permit.grant", "Grant an arms permit"),
    // Accreditations suspended, reinstated, revoked (gate: issue 12, item 6).
    act("/api/v1/accreditations/{id}/suspend", "accreditation.suspend", "Suspend an accreditation (a declared person's or an applicant's)"),
    act("/api/v1/accreditations/{id}/reinstate", "accreditation.reinstate", "Reinstate a suspended accreditation"),
    act("/api/v1/accreditations/{id}/revoke", "accreditation.revoke", "Revoke an accreditation"),
    // Rooms, the event log, situation reports.
    create("/api/v1/rooms", "room.create", "Create an operations room"),
    list("/api/v1/rooms", List::Rooms, "The rooms the caller may see"),
    read("/api/v1/rooms/{id}", "room.read", ID, "Read a room"),
    read("/api/v1/rooms/{room}/log", "log.read", ROOM, "Read a room's event log"),
    post_with("/api/v1/rooms/{room}/log", "log.record", ROOM, "Record an entry in a room's log"),
    post_with("/api/v1/rooms/{room}/sitreps", "sitrep.issue", ROOM, "Issue the room's next situation report"),
    read("/api/v1/rooms/{room}/sitreps/latest", "sitrep.read", ROOM, "Read a room's latest situation report"),
    read("/api/v1/rooms/{room}/sitreps/{number}", "sitrep.read", ROOM_NUMBER, "Read one of a room's situation reports"),
    act("/api/v1/log-entries/{id}/update", "log.update", "Update an open log entry"),
    act("/api/v1/log-entries/{id}/close", "log.close", "Close a log entry"),
    // Liaison reports.
    create("/api/v1/liaison-reports", "liaison_report.submit", "Submit a liaison report"),
    list("/api/v1/liaison-reports", List::LiaisonReports, "Liaison reports the caller may see, without their text"),
    act("/api/v1/liaison-reports/{id}/triage", "liaison_report.triage", "Triage a report into a host room's log"),
    act("/api/v1/liaison-reports/{id}/dismiss", "liaison_report.dismiss", "Dismiss a report"),
    // Protectees and movements.
    create("/api/v1/protectees", "protectee.register", "Register a protectee"),
    list("/api/v1/protectees", List::Protectees, "Protectees the caller may see, without names"),
    create("/api/v1/movements", "movement.plan", "Plan a movement"),
    list("/api/v1/movements", List::Movements, "Movements the caller may see, without itinerary or times"),
    consult("/api/v1/movements/{id}", "movement.read", "Read a movement (a consultation: X-Purpose)"),
    act("/api/v1/movements/{id}/approve", "movement.approve", "Approve a planned movement"),
    // Requests for information and assistance.
    create("/api/v1/requests", "rfi.draft", "Draft a request"),
    list("/api/v1/requests", List::Requests, "Requests the caller may see"),
    consult("/api/v1/requests/{id}", "rfi.read", "Read a request (a consultation: X-Purpose)"),
    act("/api/v1/requests/{id}/submit", "rfi.submit", "Submit a drafted request"),
    act("/api/v1/requests/{id}/acknowledge", "rfi.acknowledge", "Acknowledge a request"),
    act("/api/v1/requests/{id}/accept", "rfi.accept", "Accept a request and assign a host unit"),
    act("/api/v1/requests/{id}/request-clarification", "rfi.request_clarification", "Ask for clarification"),
    act("/api/v1/requests/{id}/clarify", "rfi.clarify", "Clarify a request"),
    act("/api/v1/requests/{id}/refuse", "rfi.refuse", "Refuse a request"),
    act("/api/v1/requests/{id}/start", "rfi.start", "Start work on a request"),
    act("/api/v1/requests/{id}/answer", "rfi.answer", "Answer a request"),
    act("/api/v1/requests/{id}/approve-disclosure", "rfi.approve_disclosure", "Approve the disclosure in an answer"),
    act("/api/v1/requests/{id}/close", "rfi.close", "Close an answered request"),
    act("/api/v1/requests/{id}/cancel", "rfi.cancel", "Cancel a request"),
    // Tasks.
    create("/api/v1/tasks", "task.create", "Create a task for a host unit"),
    list("/api/v1/tasks", List::Tasks, "Tasks the caller may see"),
    read("/api/v1/tasks/{id}", "task.read", ID, "Read a task"),
    act("/api/v1/tasks/{id}/approve", "task.approve", "Approve a task"),
    act("/api/v1/tasks/{id}/update", "task.update", "Report progress on a task"),
    // Vetting cases and risk notes.
    list("/api/v1/vetting-cases", List::VettingCases, "Vetting cases the caller may see, without personal data"),
    consult("/api/v1/vetting-cases/{id}", "vetting.read", "Read a vetting case (a consultation: X-Purpose)"),
    read("/api/v1/vetting-cases/{id}/opinion", "vetting.read_opinion", ID, "Read the organiser's opinion of a case"),
    act("/api/v1/vetting-cases/{id}/notes", "vetting.note", "Add a risk note"),
    act("/api/v1/vetting-cases/{id}/share", "vetting.share", "Share a case with a delegation to ask for its risk notes (a disclosure)"),
    act("/api/v1/vetting-cases/{id}/attach-report", "vetting.attach_report", "Attach a delegation's liaison report about the person"),
    act("/api/v1/vetting-cases/{id}/clear", "vetting.clear", "Clear a routine case"),
    act("/api/v1/vetting-cases/{id}/propose-refusal", "vetting.propose_refusal", "Propose a refusal"),
    act("/api/v1/vetting-cases/{id}/confirm-refusal", "vetting.confirm_refusal", "Confirm a proposed refusal"),
    act("/api/v1/vetting-cases/{id}/propose-referral", "vetting.propose_referral", "Propose a referral"),
    act("/api/v1/vetting-cases/{id}/confirm-referral", "vetting.confirm_referral", "Confirm a proposed referral"),
    act("/api/v1/vetting-cases/{id}/claim", "vetting.claim", "Claim a case in the analysts' queue (the claim lapses after 30 minutes)"),
    act("/api/v1/vetting-cases/{id}/release", "vetting.release", "Release a claim"),
    create("/api/v1/vetting-cases/clear-bulk", "vetting.clear_bulk", "Clear a selected group of cases with one reason (each recorded on its own)"),
    list("/api/v1/vetting-queue", List::VettingQueue, "The analysts' queue: keyset pages with filters, and the share cleared in bulk"),
    // Applicants for accreditation (the organiser).
    create("/api/v1/applicants", "applicant.submit", "Submit up to 10,000 applicants (screened at intake; bad rows reported)"),
    list("/api/v1/applicants", List::Applicants, "The organiser's applicants and their opinions (keyset pages; format=csv for the export)"),
    // Retention (issue 14, item 4): one commander proposes a purge, a second confirms it.
    create("/api/v1/retention/purges", "retention.propose_purge", "Propose purging a kind of record after its retention (event end + N days); a second commander confirms"),
    post_with("/api/v1/retention/purges/{proposal}/confirm", "retention.purge", PROPOSAL, "Confirm another commander's purge proposal: purge the due records in batches, one ledger entry each"),
    // The ledger, for oversight.
    ledger("/api/v1/ledger/checkpoint", LedgerRead::Checkpoint, "The ledger's latest signed checkpoint"),
    ledger("/api/v1/ledger/entries", LedgerRead::Entries, "Decoded ledger entries (?from=&limit=)"),
    // The disclosure register, for oversight and the host commander.
    Route { method: Method::Get, path: "/api/v1/disclosures", op: Op::Disclosures,
            summary: "Every release of personal data to a delegation (JSON or CSV)" },
    // Oversight (issue 14): the consultation log.
    Route { method: Method::Get, path: "/api/v1/consultations", op: Op::Consultations,
            summary: "Who consulted whom, when, through which channel and why (oversight; recorded)" },
    Route { method: Method::Get, path: "/api/v1/stats", op: Op::Stats,
            summary: "Statistics without personal data, small cells hidden (oversight; JSON or CSV)" },
];

/// The router of every route in [`ROUTES`].
pub fn routes() -> Router<AppState> {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for route in ROUTES {
        let handler = move |State(state): State<AppState>,
                            caller: Caller,
                            path: Result<Path<Vec<(String, String)>>, PathRejection>,
                            uri: Uri,
                            headers: HeaderMap,
                            body: Result<Bytes, BytesRejection>| async move {
            handle(route, &state, &caller, path, &uri, &headers, body)
                .await
                .unwrap_or_else(IntoResponse::into_response)
        };
        let entry = by_path.remove(route.path).unwrap_or_default();
        let entry = match route.method {
            Method::Get => entry.merge(get(handler)),
            Method::Post => entry.merge(post(handler)),
        };
        by_path.insert(route.path, entry);
    }
    by_path.into_iter().fold(Router::new(), |r, (path, m)| {
        // The applicants' bulk route alone takes bodies beyond the
        // server's limit (10,000 rows).
        let m = if path == "/api/v1/applicants" {
            m.layer(axum::extract::DefaultBodyLimit::max(
                crate::applicants::SUBMIT_BODY_LIMIT,
            ))
        } else {
            m
        };
        r.route(path, m)
    })
}

async fn handle(
    route: &'static Route,
    state: &AppState,
    caller: &Caller,
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    match route.op {
        Op::Command { .. } => {
            let path = match path {
                Ok(Path(p)) => p,
                Err(e) => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_path",
                        e.body_text(),
                    ));
                }
            };
            let actor = caller.actor()?;
            let command = command_of(route, &path, headers, body)?;
            let action = command.action();
            let result = state.svc().execute(&actor, command).await;
            match &result {
                Ok(done) => tracing::info!(%action, seq = done.seq, "command done"),
                Err(e) => tracing::info!(%action, code = e.code(), "command refused"),
            }
            Ok(Json(DoneBody::from(result?)).into_response())
        }
        Op::List(List::Applicants) => {
            crate::applicants::opinions(state, caller, &query(uri)?).await
        }
        Op::List(List::VettingQueue) => crate::applicants::queue(state, caller, &query(uri)?).await,
        Op::List(which) => {
            let query = query::<BoardQuery>(uri)?;
            list_records(which, state, caller, &query).await
        }
        Op::Ledger(which) => {
            crate::ledger::may_read(state, caller).await?;
            match which {
                LedgerRead::Checkpoint => crate::ledger::checkpoint_response(state).await,
                LedgerRead::Entries => {
                    let query = query::<EntriesQuery>(uri)?;
                    ledger_entries(state, &query).await
                }
            }
        }
        Op::Disclosures => {
            let query = query::<crate::disclosures::DisclosuresQuery>(uri)?;
            crate::disclosures::respond(state, caller, query).await
        }
        Op::Consultations => {
            let query = query::<crate::consultations::ConsultationsQuery>(uri)?;
            crate::consultations::respond(state, caller, headers, query).await
        }
        Op::Stats => {
            let query = query::<crate::stats::StatsQuery>(uri)?;
            crate::stats::respond(state, caller, query).await
        }
    }
}

pub(crate) fn query<T: serde::de::DeserializeOwned>(uri: &Uri) -> Result<T, ApiError> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(q)| q)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", e.body_text()))
}

/// The command a request to `route` asks for: the body's fields, the path
/// parameters (a body field that disagrees with one is refused) and the
/// purpose, under the route's action name.
fn command_of(
    route: &Route,
    path: &[(String, String)],
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Command, ApiError> {
    let Op::Command {
        action,
        params,
        purpose,
    } = route.op
    else {
        return Err(ApiError::internal(&"not a command route"));
    };
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_command", message);
    let mut fields: Map<String, Value> = match route.method {
        Method::Post => json_body(headers, body, "bad_command")?,
        Method::Get => Map::new(),
    };
    if fields.contains_key("action") {
        return Err(bad(format!(
            "the action is named by the route ({action}): leave `action` out of the body"
        )));
    }
    for param in params {
        let raw = path
            .iter()
            .find(|(name, _)| name == param.name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| ApiError::internal(&format!("{}: no {{{}}}", route.path, param.name)))?;
        let value = if param.number {
            Value::from(raw.parse::<u64>().map_err(|_| {
                bad(format!(
                    "{{{}}} must be a positive number, not {raw:?}",
                    param.name
                ))
            })?)
        } else {
            Value::from(raw)
        };
        // The path names the record; the body does not name it again (the
        // OpenAPI body schema leaves it out, so a body that has it is
        // refused whatever it says).
        if fields.contains_key(param.field) {
            return Err(bad(format!(
                "`{}` is named by the path ({value}): leave it out of the body",
                param.field
            )));
        }
        fields.insert(param.field.to_owned(), value);
    }
    if purpose {
        if fields.contains_key("purpose") {
            return Err(bad("the purpose goes in the X-Purpose header".to_owned()));
        }
        let given = headers
            .get(PURPOSE_HEADER)
            .map(|v| v.to_str().map(str::trim))
            .transpose()
            .map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "purpose_required",
                    "X-Purpose must be visible ASCII",
                )
            })?
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "purpose_required",
                    format!(
                        "{action} reads personal data: say why in the X-Purpose header (it is kept with the consultation)"
                    ),
                )
            })?;
        fields.insert("purpose".to_owned(), Value::from(given));
    }
    fields.insert("action".to_owned(), Value::from(action));
    let mut fields = Value::Object(fields);
    crate::schema::integral_numbers(&mut fields);
    serde_json::from_value(fields).map_err(|e| bad(format!("{action}: {e}")))
}

/// `GET /api/v1/ledger/entries`'s query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    /// The first entry's index (default 0).
    pub from: Option<u64>,
    /// At most this many (default 100, at most 1,000).
    pub limit: Option<u64>,
}

/// A decoded ledger entry: no personal data, only digests.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryBody {
    /// Its index.
    pub seq: u64,
    /// When (Unix ms).
    pub time_ms: i64,
    /// The actor's account id.
    pub actor_account: String,
    /// The actor's agency.
    pub actor_agency: String,
    /// How the actor came in: `session`, `token:<id>` or `cli:<os user>`
    /// (absent for entries of version 1, written before channels were
    /// recorded).
    pub channel: Option<String>,
    /// The action.
    pub action: String,
    /// The kind of record acted on.
    pub resource_kind: String,
    /// Its id.
    pub resource_id: String,
    /// `allow` or `deny`.
    pub decision: &'static str,
    /// The policies that decided.
    pub policies: Vec<String>,
    /// The payload digest (hex).
    pub payload_digest: String,
    /// The personal-data commitment (hex), if any.
    pub personal_data: Option<String>,
}

/// Entries of the ledger, decoded.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntriesBody {
    /// The ledger's size now.
    pub size: u64,
    /// The entries `[from, from + limit)` that exist.
    pub entries: Vec<EntryBody>,
}

async fn ledger_entries(state: &AppState, query: &EntriesQuery) -> Result<Response, ApiError> {
    let body = crate::lists::entries(state, query.from.unwrap_or(0), query.limit.unwrap_or(100));
    Ok(Json(body.await?).into_response())
}

/// A room in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomSummary {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `host_national`, `host_cluster` or `delegation_liaison`.
    pub kind: &'static str,
    /// The delegation of a liaison room.
    pub delegation: Option<String>,
    /// The state.
    pub state: String,
    /// The ledger entry that last changed it.
    pub updated_seq: i64,
}

/// A liaison report in a list (its text is read through the log it was
/// triaged into).
#[derive(Debug, Serialize, ToSchema)]
pub struct LiaisonReportSummary {
    /// Its id.
    pub id: String,
    /// The reporting delegation.
    pub delegation: String,
    /// The venue concerned.
    pub venue: Option<String>,
    /// The state.
    pub state: String,
    /// When it was submitted (Unix ms).
    pub submitted_at: i64,
    /// The ledger entry that last changed it.
    pub updated_seq: i64,
}

/// A vetting case in a list (read it with `X-Purpose` for the details). A
/// delegation sees only the cases the host shared with it, as the host's
/// question: no state, no dates, nothing of the case itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct VettingCaseSummary {
    /// Its id.
    pub id: String,
    /// The delegation whose declared person it concerns (host only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegation: Option<String>,
    /// The declaration line, if it came from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declaration: Option<String>,
    /// The state (host only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// When it was opened, Unix ms (host only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<i64>,
    /// What the host asks the caller's delegation (a shared case, for a
    /// delegation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// The ledger entry that last changed it (host only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_seq: Option<i64>,
}

/// A protectee in a list (no name).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtecteeSummary {
    /// Its id.
    pub id: String,
    /// The delegation that brings the person.
    pub delegation: String,
    /// Risk level, 1 to 4.
    pub risk: u8,
    /// The state.
    pub state: String,
    /// The ledger entry that last changed it.
    pub updated_seq: i64,
}

/// A movement in a list: no itinerary, no times (where and when a
/// protected person will be is read with `X-Purpose`).
#[derive(Debug, Serialize, ToSchema)]
pub struct MovementSummary {
    /// Its id.
    pub id: String,
    /// The protectee's id.
    pub protectee: String,
    /// The protectee's delegation.
    pub delegation: String,
    /// The state.
    pub state: String,
    /// The ledger entry that last changed it.
    pub updated_seq: i64,
}

/// The movements the caller may read: the escort is named by account, so
/// each movement's agents are looked up as the service does.
pub(crate) async fn movements(
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
) -> Result<Vec<MovementSummary>, ApiError> {
    let svc = state.svc();
    let principal = caller.principal(svc).await?;
    let pool = svc.store().pool();
    let filter = store::records::Filter {
        delegation: if principal.is_host() {
            None
        } else {
            principal.delegation.clone()
        },
        room: None,
        state: query.state.clone(),
        limit: Some(query.limit.unwrap_or(1000).clamp(1, 1000)),
        ..store::records::Filter::default()
    };
    let mut out = Vec::new();
    for record in store::records::list(
        pool,
        <Movement as domain::storage::Aggregate>::KIND,
        &filter,
    )
    .await?
    {
        let Some(doc) = record.doc.as_deref() else {
            continue;
        };
        let m: Movement = match serde_json::from_str(doc) {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(kind = "movement", error = %e, "a stored document does not load");
                continue;
            }
        };
        let mut agents = Vec::new();
        for line in m.agents() {
            agents.extend(
                store::records::accounts_by_declaration(pool, line.as_str())
                    .await?
                    .into_iter()
                    .map(|a| a.id),
            );
        }
        let facts = service::facts::movement(&m, agents);
        if svc
            .authority()
            .decide(&principal, Action::MovementRead, &facts)
            .allowed
        {
            out.push(MovementSummary {
                id: m.id().to_string(),
                protectee: m.protectee().to_string(),
                delegation: m.delegation().to_string(),
                state: m.state_name().to_owned(),
                updated_seq: record.updated_seq,
            });
        }
    }
    Ok(out)
}

/// An agency in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencySummary {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `host`, `foreign`, `organiser` or `oversight`.
    pub kind: String,
    /// ISO country.
    pub country: String,
}

/// A delegation in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationSummary {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The foreign agency.
    pub agency: String,
    /// The ledger entry that last changed it.
    pub updated_seq: i64,
}

fn board<T: Serialize>(items: Vec<T>) -> Response {
    Json(Board { items }).into_response()
}

async fn list_records(
    which: List,
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
) -> Result<Response, ApiError> {
    Ok(match which {
        List::Requests => board(api::requests(state, caller, query).await?),
        List::Tasks => board(api::tasks(state, caller, query).await?),
        List::Declarations => board(api::declarations(state, caller, query).await?),
        List::Rooms => board(crate::lists::rooms(state, caller, query).await?),
        List::LiaisonReports => {
            // Reading a report is triaging it: who may triage, or the
            // delegation that sent it, sees it.
            let rows = api::visible_any::<LiaisonReport>(
                state,
                caller,
                query,
                &[Action::LiaisonReportTriage, Action::LiaisonReportSubmit],
                |r, _| service::facts::liaison_report(r),
            )
            .await?;
            board(
                rows.into_iter()
                    .map(|(r, record)| LiaisonReportSummary {
                        id: r.id().to_string(),
                        delegation: r.delegation().to_string(),
                        venue: r.venue().map(ToString::to_string),
                        state: r.state_name().to_owned(),
                        submitted_at: r.submitted_at().as_millis(),
                        updated_seq: record.updated_seq,
                    })
                    .collect::<Vec<_>>(),
            )
        }
        List::VettingCases => board(crate::lists::vetting_cases(state, caller, query).await?),
        List::Protectees => {
            let rows = api::visible::<Protectee>(
                state,
                caller,
                query,
                Action::ProtecteeRegister,
                |p, _| service::facts::protectee(p),
            )
            .await?;
            board(
                rows.into_iter()
                    .map(|(p, record)| ProtecteeSummary {
                        id: p.id().to_string(),
                        delegation: p.delegation().to_string(),
                        risk: p.risk().get(),
                        state: p.state_name().to_owned(),
                        updated_seq: record.updated_seq,
                    })
                    .collect::<Vec<_>>(),
            )
        }
        List::Movements => board(movements(state, caller, query).await?),
        List::Applicants => crate::applicants::opinions(state, caller, &Default::default()).await?,
        List::VettingQueue => crate::applicants::queue(state, caller, &Default::default()).await?,
        List::Delegations => {
            let rows =
                api::visible::<Delegation>(state, caller, query, Action::RegistryRead, |d, _| {
                    Resource::Delegation {
                        id: d.id().to_string(),
                    }
                })
                .await?;
            board(
                rows.into_iter()
                    .map(|(d, record)| DelegationSummary {
                        id: d.id().to_string(),
                        name: d.name().to_string(),
                        agency: d.agency().to_string(),
                        updated_seq: record.updated_seq,
                    })
                    .collect::<Vec<_>>(),
            )
        }
        List::Agencies => {
            let svc = state.svc();
            let principal = caller.principal(svc).await?;
            let rows = store::records::agencies(svc.store().pool()).await?;
            board(
                rows.into_iter()
                    .filter(|a| {
                        svc.authority()
                            .decide(
                                &principal,
                                Action::RegistryRead,
                                &Resource::Agency { id: a.id.clone() },
                            )
                            .allowed
                    })
                    .map(|a| AgencySummary {
                        id: a.id,
                        name: a.name,
                        kind: a.kind,
                        country: a.country,
                    })
                    .collect::<Vec<_>>(),
            )
        }
    })
}

/// What a list's items are, for the OpenAPI document.
fn list_schema(which: List) -> &'static str {
    match which {
        List::Requests => "RequestSummary",
        List::Tasks => "TaskSummary",
        List::Declarations => "DeclarationSummary",
        List::Rooms => "RoomSummary",
        List::LiaisonReports => "LiaisonReportSummary",
        List::VettingCases => "VettingCaseSummary",
        List::Protectees => "ProtecteeSummary",
        List::Movements => "MovementSummary",
        List::Agencies => "AgencySummary",
        List::Delegations => "DelegationSummary",
        List::Applicants => "OpinionItem",
        List::VettingQueue => "QueueItem",
    }
}

/// Adds every route of [`ROUTES`] to `openapi`, with its parameters, body
/// and responses, and the schemas they name.
pub fn document_paths(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::PartialSchema;
    let components = openapi.components.get_or_insert_with(Default::default);
    for (name, schema) in [
        ("DoneBody", <DoneBody as PartialSchema>::schema()),
        (
            "ErrorBody",
            <crate::error::ErrorBody as PartialSchema>::schema(),
        ),
        ("EntriesBody", <EntriesBody as PartialSchema>::schema()),
        ("EntryBody", <EntryBody as PartialSchema>::schema()),
        (
            "RequestSummary",
            <api::RequestSummary as PartialSchema>::schema(),
        ),
        ("TaskSummary", <api::TaskSummary as PartialSchema>::schema()),
        (
            "DeclarationSummary",
            <api::DeclarationSummary as PartialSchema>::schema(),
        ),
        ("RoomSummary", <RoomSummary as PartialSchema>::schema()),
        (
            "LiaisonReportSummary",
            <LiaisonReportSummary as PartialSchema>::schema(),
        ),
        (
            "VettingCaseSummary",
            <VettingCaseSummary as PartialSchema>::schema(),
        ),
        (
            "ProtecteeSummary",
            <ProtecteeSummary as PartialSchema>::schema(),
        ),
        (
            "MovementSummary",
            <MovementSummary as PartialSchema>::schema(),
        ),
        ("AgencySummary", <AgencySummary as PartialSchema>::schema()),
        (
            "DelegationSummary",
            <DelegationSummary as PartialSchema>::schema(),
        ),
        (
            "ErrorDetail",
            <crate::error::ErrorDetail as PartialSchema>::schema(),
        ),
        (
            "OpinionItem",
            <crate::applicants::OpinionItem as PartialSchema>::schema(),
        ),
        (
            "QueueItem",
            <crate::applicants::QueueItem as PartialSchema>::schema(),
        ),
    ] {
        components.schemas.insert(name.to_owned(), schema);
    }
    for route in ROUTES {
        let (method, op) = operation(route);
        openapi
            .paths
            .add_path_operation(route.path, vec![method], op);
    }
}

fn json_response(description: &str, schema: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema)))
                .build(),
        )
        .build()
}

fn operation(route: &Route) -> (HttpMethod, utoipa::openapi::path::Operation) {
    let mut op = OperationBuilder::new()
        .tag(route.tag())
        .summary(Some(route.summary))
        .operation_id(Some(format!(
            "{}{}",
            route.method.as_str(),
            route
                .path
                .trim_start_matches("/api/v1")
                .replace(['/', '{', '}', '-'], "_")
        )));
    for param in route.params() {
        op = op.parameter(
            ParameterBuilder::new()
                .name(param.name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(format!("The command's `{}`", param.field)))
                .schema(Some(if param.number {
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer)
                        .minimum(Some(1))
                        .build()
                } else {
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::String)
                        .build()
                })),
        );
    }
    let error = |op: OperationBuilder, status: &str, description: &str| {
        op.response(status, json_response(description, "ErrorBody"))
    };
    match route.op {
        Op::Command {
            action, purpose, ..
        } => {
            if purpose {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name("X-Purpose")
                        .parameter_in(ParameterIn::Header)
                        .required(Required::True)
                        .description(Some(
                            "Why the record is read; kept with the consultation in the ledger",
                        ))
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::schema::Type::String)
                                .max_length(Some(500))
                                .build(),
                        )),
                );
            }
            if route.method == Method::Post {
                let from_path: Vec<String> = route
                    .params()
                    .iter()
                    .map(|p| format!("`{}`", p.field))
                    .collect();
                let description = if from_path.is_empty() {
                    format!(
                        "The fields of the `{action}` command without `action` (see `cortina exec --help`); unknown fields are refused."
                    )
                } else {
                    format!(
                        "The fields of the `{action}` command without `action` and {} (named by the path, so not in the body); `{{}}` when there is nothing else. Unknown fields are refused.",
                        from_path.join(", ")
                    )
                };
                op = op.request_body(Some(
                    RequestBodyBuilder::new()
                        .description(Some(description))
                        .required(Some(Required::True))
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(
                                    utoipa::openapi::ObjectBuilder::new()
                                        .schema_type(utoipa::openapi::schema::Type::Object)
                                        .build(),
                                ))
                                .build(),
                        )
                        .build(),
                ));
            }
            op = op.response("200", json_response("Done and recorded", "DoneBody"));
            op = error(
                op,
                "400",
                "Malformed JSON, not a valid command, a body field that disagrees with the path, or no X-Purpose",
            );
            op = error(op, "401", "Not authenticated");
            op = error(
                op,
                "403",
                "Denied by the policy (recorded; names the policies to host callers only), a cross-site request, or a command this account may never give (`forbidden`: a delegation's command from a host account)",
            );
            op = error(
                op,
                "404",
                "A record named does not exist — or, for a caller outside the host, one the policy keeps from it (recorded; the same answer either way)",
            );
            op = error(
                op,
                "409",
                "The record's state does not allow it (`conflict`): a transition from the wrong state, a duplicate, an id taken or outside the delegation's own (`{delegation}-…`), a prerequisite not met",
            );
            if route.method == Method::Post {
                op = error(op, "413", "Body too large");
                op = error(op, "415", "Not JSON");
            }
            op = error(
                op,
                "422",
                "A rule refused the values (`invalid`): what JSON Schema cannot say, such as a window that ends before it starts",
            );
        }
        Op::List(which) => {
            let params: &[(&str, &str)] = if matches!(which, List::Applicants) {
                &[
                    ("limit", "At most this many (default 1,000, at most 10,000)"),
                    ("after", "The `next` of the previous page"),
                    (
                        "format",
                        "`json` (default) or `csv`: the whole list as `reference,opinion,decided_at`",
                    ),
                ]
            } else {
                &[
                    ("state", "Only records in this state"),
                    ("limit", "At most this many (default and maximum 1,000)"),
                ]
            };
            for &(name, description) in params {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Query)
                        .required(Required::False)
                        .description(Some(description)),
                );
            }
            let items = utoipa::openapi::ObjectBuilder::new()
                .property(
                    "items",
                    utoipa::openapi::schema::ArrayBuilder::new()
                        .items(Ref::from_schema_name(list_schema(which))),
                )
                .required("items")
                .build();
            let mut ok = ResponseBuilder::new()
                .description("The records the caller may see")
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(items)).build(),
                );
            if matches!(which, List::Applicants) {
                ok = ok.content(
                    "text/csv",
                    ContentBuilder::new()
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::schema::Type::String)
                                .build(),
                        ))
                        .build(),
                );
            }
            op = op.response("200", ok.build());
            op = error(op, "400", "Unknown or malformed query parameter");
            op = error(op, "401", "Not authenticated");
            op = error(op, "403", "A witness token (ledger only)");
        }
        Op::Ledger(which) => {
            match which {
                LedgerRead::Checkpoint => {
                    op = op.response(
                        "200",
                        ResponseBuilder::new()
                            .description("The checkpoint (C2SP tlog-checkpoint in a signed note)")
                            .content(
                                "text/plain",
                                ContentBuilder::new()
                                    .schema(Some(
                                        utoipa::openapi::ObjectBuilder::new()
                                            .schema_type(utoipa::openapi::schema::Type::String)
                                            .build(),
                                    ))
                                    .build(),
                            )
                            .build(),
                    );
                }
                LedgerRead::Entries => {
                    for (name, description) in [
                        ("from", "The first entry's index (default 0)"),
                        ("limit", "At most this many (default 100, at most 1,000)"),
                    ] {
                        op = op.parameter(
                            ParameterBuilder::new()
                                .name(name)
                                .parameter_in(ParameterIn::Query)
                                .required(Required::False)
                                .description(Some(description)),
                        );
                    }
                    op = op.response("200", json_response("The entries", "EntriesBody"));
                    op = error(op, "400", "Unknown or malformed query parameter");
                }
            }
            op = error(op, "401", "Not authenticated");
            op = error(op, "403", "Not a ledger reader (names the policies)");
        }
        Op::Disclosures => {
            op = crate::disclosures::openapi(op);
            op = error(op, "400", "Unknown or malformed query parameter");
            op = error(op, "401", "Not authenticated");
            op = error(
                op,
                "403",
                "Not a reader of the register (host: names the policies)",
            );
        }
        Op::Consultations => {
            op = crate::consultations::openapi(op);
            op = error(op, "400", "Unknown or malformed query parameter");
            op = error(op, "401", "Not authenticated");
            op = error(op, "403", "Not oversight (host: names the policies)");
        }
        Op::Stats => {
            op = crate::stats::openapi(op);
            op = error(op, "400", "Unknown or malformed query parameter");
            op = error(op, "401", "Not authenticated");
            op = error(op, "403", "Not oversight (host: names the policies)");
        }
    }
    let method = match route.method {
        Method::Get => HttpMethod::Get,
        Method::Post => HttpMethod::Post,
    };
    (method, op.build())
}
