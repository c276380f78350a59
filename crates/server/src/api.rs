//! The JSON API under `/api/v1`: commands, and the board queries.
//!
//! `POST /api/v1/commands` takes one command in the vocabulary of `cortina
//! exec` (`{"action": "rfi.draft", …}`; unknown fields refused) and runs it
//! through `Service::execute` as the caller: authorized, applied and
//! recorded in one transaction. A denial is 403 and names the policies.
//!
//! The boards (`GET /api/v1/requests`, `/tasks`, `/declarations`, routed
//! from the table in `rest` with the other lists) list the records the
//! caller may read — the host sees all, a delegation only its
//! own, each record checked against the policy — as summaries without
//! personal data. Reading a record in full is a command (`rfi.read`,
//! `declaration.read` with a purpose), so each such consultation is in the
//! ledger.

use authority::Resource;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use domain::Action;
use domain::declaration::DeclarationLine;
use domain::request::Request;
use domain::storage::Aggregate;
use domain::task::Task;
use serde::{Deserialize, Serialize};
use service::Command;
use store::records::{self, Filter, Record};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, json_body};

/// The API routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/commands", post(command))
}

/// What a command did.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoneBody {
    /// The ledger entry that records it.
    pub seq: u64,
    /// The action's name.
    pub action: String,
    /// The kind of record acted on.
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its state afterwards, for records with a state machine.
    pub state: Option<String>,
    /// What the command returns: the record for reads, a one-time password
    /// for a new account.
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
}

/// Runs one command as the caller.
#[utoipa::path(
    post, path = "/api/v1/commands", tag = "commands",
    request_body(content = Object, description = "One command: {\"action\": \"rfi.draft\", …} — the vocabulary of `cortina exec --help`; unknown fields are refused."),
    responses(
        (status = 200, description = "Done and recorded", body = DoneBody),
        (status = 400, description = "Malformed JSON or not a valid command", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Denied by the policy (recorded; names the policies to host callers), a cross-site request, or a command this account may never give", body = ErrorBody),
        (status = 404, description = "A record named does not exist — or, for a caller outside the host, one the policy keeps from it (recorded; the same answer either way)", body = ErrorBody),
        (status = 409, description = "The record's state does not allow it (`conflict`): a transition from the wrong state, a duplicate, an id taken, a prerequisite not met", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "A rule refused the values (`invalid`): what JSON Schema cannot say, such as a window that ends before it starts", body = ErrorBody),
    )
)]
pub async fn command(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Result<Json<DoneBody>, ApiError> {
    let actor = caller.actor()?;
    let mut json: serde_json::Value = json_body(&headers, body, "bad_command")?;
    crate::schema::integral_numbers(&mut json);
    let command: Command = serde_json::from_value(json).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "bad_command",
            e.to_string(),
        )
    })?;
    let action = command.action();
    let result = state.svc().execute(&actor, command).await;
    match &result {
        Ok(done) => tracing::info!(%action, seq = done.seq, "command done"),
        Err(e) => tracing::info!(%action, code = e.code(), "command refused"),
    }
    Ok(Json(DoneBody::from(result?)))
}

impl From<service::Done> for DoneBody {
    fn from(done: service::Done) -> DoneBody {
        DoneBody {
            seq: done.seq,
            action: done.action.to_owned(),
            kind: done.kind.to_owned(),
            id: done.id,
            state: done.state,
            data: done.data,
        }
    }
}

/// Board filters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// Only records in this state.
    pub state: Option<String>,
    /// At most this many (newest first; default and maximum 1,000).
    pub limit: Option<i64>,
}

/// A request on the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestSummary {
    /// Its id.
    pub id: String,
    /// The requesting delegation.
    pub delegation: String,
    /// `information` or `assistance`.
    #[schema(value_type = String)]
    pub kind: serde_json::Value,
    /// `urgent_direct`, `urgent` or `normal`.
    #[schema(value_type = String)]
    pub priority: serde_json::Value,
    /// The subject line.
    pub subject: String,
    /// The state.
    pub state: String,
    /// When it was submitted (Unix ms).
    pub submitted_at: Option<i64>,
    /// When an answer is due (Unix ms).
    pub due_at: Option<i64>,
    /// Whether it is past due without an answer.
    pub overdue: bool,
    /// The ledger entry that last changed it.
    pub updated_seq: i64,
}

/// A task on the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskSummary {
    /// Its id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The host agency the assigned unit belongs to.
    pub unit_agency: String,
    /// The state.
    pub state: String,
    /// The ledger entry that last changed it.
    pub updated_seq: i64,
}

/// A declaration line on the board (no personal data: read the line with
/// `declaration.read` and a purpose).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeclarationSummary {
    /// Its id.
    pub id: String,
    /// The declaring delegation.
    pub delegation: String,
    /// Whether it is the head of the delegation.
    pub head: bool,
    /// The role asked for.
    pub role: String,
    /// The screening status (`not_screened`, `clear`, `hit`, …): host
    /// callers only — a delegation never learns how its people screened.
    /// An object: `{"screening": "hit", "case": "case-…"}`,
    /// `{"screening": "clear", "snapshot": "…"}`, `{"screening": "not_screened"}`.
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screening: Option<serde_json::Value>,
    /// Another delegation's line this one may duplicate: host callers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_duplicate: Option<String>,
    /// The review state (for a delegation: `submitted`,
    /// `information_requested`, `accredited`, `refused`, `withdrawn`).
    pub state: String,
    /// The ledger entry that last changed it.
    pub updated_seq: i64,
}

impl DeclarationSummary {
    /// The screening status's name (`hit`, `clear`, `not_screened`), or
    /// nothing for a caller who may not know it.
    pub fn screening_name(&self) -> &str {
        self.screening
            .as_ref()
            .and_then(|s| s["screening"].as_str())
            .unwrap_or_default()
    }
}

/// A board: the records the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct Board<T> {
    /// The records, most recently changed first.
    pub items: Vec<T>,
}

/// The records of `A::KIND` the caller may read under `action`, each with
/// its parsed document.
pub(crate) async fn visible<A: Aggregate + serde::de::DeserializeOwned>(
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
    action: Action,
    resource: impl Fn(&A, &Record) -> Resource,
) -> Result<Vec<(A, Record)>, ApiError> {
    visible_any(state, caller, query, &[action], resource).await
}

/// The records of `A::KIND` the caller may act on under any of `actions`.
pub(crate) async fn visible_any<A: Aggregate + serde::de::DeserializeOwned>(
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
    actions: &[Action],
    resource: impl Fn(&A, &Record) -> Resource,
) -> Result<Vec<(A, Record)>, ApiError> {
    let filter = Filter {
        state: query.state.clone(),
        limit: Some(query.limit.unwrap_or(1000).clamp(1, 1000)),
        ..Filter::default()
    };
    visible_where(state, caller, filter, actions, resource).await
}

/// The open requests (none in a terminal state) the caller may read, soonest
/// due first (those without a deadline last; then the most recently
/// changed), the first `limit` of them in the database's order: the
/// database orders and limits by the record's `open_due_at` column, so only
/// these documents are decoded. Also whether the database had more (the
/// limit was reached before the policy's check).
pub(crate) async fn open_requests(
    state: &AppState,
    caller: &Caller,
    limit: i64,
) -> Result<(Vec<(Request, Record)>, bool), ApiError> {
    let filter = Filter {
        order: records::Order::Due,
        limit: Some(limit),
        ..Filter::default()
    };
    let (rows, fetched) = visible_counted(state, caller, filter, &[Action::RfiRead], |r, _| {
        service::facts::request(r)
    })
    .await?;
    Ok((rows, fetched >= limit.max(0) as usize))
}

/// The requests the caller may read whose answer awaits the approval of
/// its disclosure (the approvals queue), all of them.
pub(crate) async fn awaiting_approval(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<(Request, Record)>, ApiError> {
    let filter = Filter {
        awaiting: Some("disclosure_approval".to_owned()),
        limit: Some(i64::MAX),
        ..Filter::default()
    };
    visible_where(state, caller, filter, &[Action::RfiRead], |r, _| {
        service::facts::request(r)
    })
    .await
}

/// How many open requests the caller may read, counted by the database by
/// requesting delegation — all the policy knows of a request besides its
/// id ([`service::facts::request_owned_by`]) — and decided once per
/// delegation.
pub(crate) async fn open_request_count(
    state: &AppState,
    principal: &authority::Principal,
) -> Result<usize, ApiError> {
    let filter = Filter {
        open: true,
        ..Filter::default()
    };
    let tallies = counted(
        state,
        principal,
        Request::KIND,
        filter,
        records::CountBy::Delegation,
        Action::RfiRead,
        |t| {
            t.delegation
                .as_deref()
                .map(|d| service::facts::request_owned_by("", d))
        },
    )
    .await?;
    Ok(tallies.iter().map(|t| t.count.max(0) as usize).sum())
}

/// The tallies of the records of `kind` matching `filter` (counted by the
/// database `by` a column) whose records `principal` may act on under
/// `action`. A foreign principal's filter is narrowed to its delegation, as
/// for a listing (unless it names a room); every tally is decided on the
/// facts `facts` gives it (`None`: no facts, not counted), which must be
/// all the policy knows of each record it counts besides its id.
pub(crate) async fn counted(
    state: &AppState,
    principal: &authority::Principal,
    kind: &str,
    mut filter: Filter,
    by: records::CountBy,
    action: Action,
    facts: impl Fn(&records::Tally) -> Option<Resource>,
) -> Result<Vec<records::Tally>, ApiError> {
    let svc = state.svc();
    // A count within one room is not narrowed: a room's records (its log)
    // carry the room, not a delegation, and `facts` decides by the room's
    // owner.
    if !principal.is_host() && filter.room.is_none() {
        filter.delegation = principal.delegation.clone();
    }
    let tallies = records::count(svc.store().pool(), kind, &filter, by).await?;
    let mut decisions = authority::Memo::new(svc.authority(), principal);
    Ok(tallies
        .into_iter()
        .filter(|t| facts(t).is_some_and(|f| decisions.allowed(action, &f)))
        .collect())
}

/// The records of `A::KIND` matching `filter` the caller may act on under
/// any of `actions`; a foreign caller's filter is narrowed to its
/// delegation.
async fn visible_where<A: Aggregate + serde::de::DeserializeOwned>(
    state: &AppState,
    caller: &Caller,
    filter: Filter,
    actions: &[Action],
    resource: impl Fn(&A, &Record) -> Resource,
) -> Result<Vec<(A, Record)>, ApiError> {
    Ok(visible_counted(state, caller, filter, actions, resource)
        .await?
        .0)
}

/// [`visible_where`], and how many records the database returned before
/// the policy's check.
async fn visible_counted<A: Aggregate + serde::de::DeserializeOwned>(
    state: &AppState,
    caller: &Caller,
    mut filter: Filter,
    actions: &[Action],
    resource: impl Fn(&A, &Record) -> Resource,
) -> Result<(Vec<(A, Record)>, usize), ApiError> {
    let svc = state.svc();
    let principal = caller.principal(svc).await?;
    // A delegation's members see only its records; the query says so, and
    // the policy below checks every record anyway.
    if !principal.is_host() {
        filter.delegation = principal.delegation.clone();
    }
    let rows = records::list(svc.store().pool(), A::KIND, &filter).await?;
    let fetched = rows.len();
    // Records with the same facts (one delegation's open requests) are
    // decided once: a board of a thousand rows takes a handful of decisions.
    let mut decisions = authority::Memo::new(svc.authority(), &principal);
    let mut out = Vec::with_capacity(rows.len());
    for record in rows {
        let Some(doc) = record.doc.as_deref() else {
            continue;
        };
        let value: A = match serde_json::from_str(doc) {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(kind = A::KIND, error = %e, "a stored document does not load");
                continue;
            }
        };
        let facts = resource(&value, &record);
        if actions.iter().any(|a| decisions.allowed(*a, &facts)) {
            out.push((value, record));
        }
    }
    Ok((out, fetched))
}

/// Requests for information and assistance the caller may see.
pub(crate) async fn requests(
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
) -> Result<Vec<RequestSummary>, ApiError> {
    let rows = visible::<Request>(state, caller, query, Action::RfiRead, |r, _| {
        service::facts::request(r)
    })
    .await?;
    let now = now();
    Ok(rows
        .iter()
        .map(|(r, record)| request_summary(r, record, now))
        .collect())
}

/// Now, as the domain counts time.
pub(crate) fn now() -> domain::time::Timestamp {
    domain::time::Timestamp::from_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    )
}

/// A request as the boards show it (no personal data).
pub(crate) fn request_summary(
    r: &Request,
    record: &Record,
    now: domain::time::Timestamp,
) -> RequestSummary {
    RequestSummary {
        id: r.id().to_string(),
        delegation: r.requester().to_string(),
        kind: serde_json::to_value(r.kind()).unwrap_or_default(),
        priority: serde_json::to_value(r.priority()).unwrap_or_default(),
        subject: r.subject().to_string(),
        state: r.state_name().to_owned(),
        submitted_at: r.submitted_at().map(|t| t.as_millis()),
        due_at: r.due_at().map(|t| t.as_millis()),
        overdue: r.is_overdue(now),
        updated_seq: record.updated_seq,
    }
}

/// Tasks for host units the caller may see (host principals only: the
/// policy forbids foreign tasking, reading included).
pub(crate) async fn tasks(
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
) -> Result<Vec<TaskSummary>, ApiError> {
    let rows = visible::<Task>(state, caller, query, Action::TaskRead, |t, _| {
        service::facts::task(t)
    })
    .await?;
    Ok(rows
        .iter()
        .map(|(t, record)| task_summary(t, record))
        .collect())
}

/// A task as the boards show it.
pub(crate) fn task_summary(t: &Task, record: &Record) -> TaskSummary {
    TaskSummary {
        id: t.id().to_string(),
        title: t.title().to_string(),
        unit_agency: t.assignee().agency().to_string(),
        state: t.state_name().to_owned(),
        updated_seq: record.updated_seq,
    }
}

/// Declaration lines the caller may see, without personal data.
pub(crate) async fn declarations(
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
) -> Result<Vec<DeclarationSummary>, ApiError> {
    let host = caller.principal(state.svc()).await?.is_host();
    // A delegation names a line's state as it sees it (`submitted`).
    let query = &BoardQuery {
        state: match query.state.as_deref() {
            Some("submitted") if !host => Some("pending".to_owned()),
            other => other.map(str::to_owned),
        },
        limit: query.limit,
    };
    let rows = visible::<DeclarationLine>(state, caller, query, Action::DeclarationRead, |d, _| {
        service::facts::declaration(d)
    })
    .await?;
    // Suspended and revoked accreditations (few): their lines say so.
    let revoked = store::passes::states_of(state.svc().store().pool(), "declaration").await?;
    let items = rows
        .into_iter()
        .map(|(d, record)| DeclarationSummary {
            id: d.id().to_string(),
            delegation: d.delegation().to_string(),
            head: d.is_head(),
            role: d.person().role().as_str().to_owned(),
            screening: host.then(|| serde_json::to_value(d.screening()).unwrap_or_default()),
            possible_duplicate: d
                .possible_duplicate()
                .filter(|_| host)
                .map(|p| p.line.to_string()),
            state: service::views::accreditation_state(
                service::views::declaration_state(&d, host),
                revoked.get(d.id().as_str()).map(String::as_str),
            )
            .to_owned(),
            updated_seq: record.updated_seq,
        })
        .collect();
    Ok(items)
}
