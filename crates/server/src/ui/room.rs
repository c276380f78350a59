//! `GET /rooms/{id}`: a room's board — its event log, read through
//! `Service::execute` as `log.read` (so each reading is in the ledger, as
//! through the API) — with the one-line entry form when the policy lets the
//! viewer record in this room.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use domain::Action;
use domain::room::{LogEntry, Room};
use domain::storage::Aggregate;
use service::Command;
use service::command::LogRead;

use super::home::DoneQuery;
use super::{Chrome, PageError, Viewer, html, time_text, viewer};
use crate::AppState;
use crate::api;
use crate::auth::Caller;
use crate::error::ApiError;

/// An entry of the log as the board shows it.
#[derive(Debug)]
pub struct EntryRow {
    /// Its id.
    pub id: String,
    /// When it was recorded.
    pub time: String,
    /// Its category.
    pub category: &'static str,
    /// 1 to 5.
    pub severity: u8,
    /// `open` or `closed`.
    pub state: &'static str,
    /// What happened.
    pub text: String,
}

/// The room page.
#[derive(Template)]
#[template(path = "room.html")]
pub struct RoomPage {
    chrome: Chrome,
    back: String,
    id: String,
    name: String,
    entries: Vec<EntryRow>,
    /// Whether older entries were left out.
    limited: bool,
    can_record: bool,
    seq: u64,
}

/// Log entries a room's board shows: the most recently changed, so that
/// a room with a hundred thousand entries still renders in milliseconds
/// and weighs a few kilobytes.
const BOARD_ROWS: u32 = 100;

/// The room `id` as stored, if it exists.
async fn load(state: &AppState, id: &str) -> Result<Option<Room>, ApiError> {
    let Some(record) = store::records::get(state.svc().store().pool(), "room", id).await? else {
        return Ok(None);
    };
    let Some(doc) = record.doc else {
        return Ok(None);
    };
    serde_json::from_str(&doc)
        .map(Some)
        .map_err(|e| ApiError::internal(&e))
}

/// The open incidents of `room` the viewer may read, by severity
/// ("S5 ×1, S3 ×2", highest first), and whether any is severity 4 or 5:
/// counted by the database (the entries' `category` and `severity`
/// columns), however many, and decided once for the room — a log entry's
/// facts for the policy are its room's, whatever the entry.
pub async fn open_incidents(
    state: &AppState,
    viewer: &Viewer,
    room: &Room,
) -> Result<(String, bool), ApiError> {
    let filter = store::records::Filter {
        room: Some(room.id().to_string()),
        state: Some(domain::room::LogStatus::Open.as_str().to_owned()),
        category: Some(domain::room::Category::Incident.as_str().to_owned()),
        ..store::records::Filter::default()
    };
    let tallies = api::counted(
        state,
        &viewer.principal,
        LogEntry::KIND,
        filter,
        store::records::CountBy::Severity,
        Action::LogRead,
        |_| Some(service::facts::log_entry("", room)),
    )
    .await?;
    let mut by_severity = [0usize; 6];
    for t in &tallies {
        let severity = t.severity.unwrap_or(0).clamp(0, 5) as usize;
        by_severity[severity] += t.count.max(0) as usize;
    }
    let text = (1..=5)
        .rev()
        .filter(|s| by_severity[*s] > 0)
        .map(|s| format!("S{s} ×{}", by_severity[s]))
        .collect::<Vec<_>>()
        .join(", ");
    Ok((text, by_severity[4] + by_severity[5] > 0))
}

/// `GET /rooms/{id}`.
pub async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Result<Caller, ApiError>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    let room = domain::ids::RoomId::parse(&id).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            e.to_string(),
        )
    })?;
    let done_read = state
        .svc()
        .execute(
            &viewer.actor()?,
            Command::LogRead(LogRead {
                room,
                limit: Some(BOARD_ROWS),
            }),
        )
        .await?;
    let entries: Vec<LogEntry> = done_read
        .data
        .as_ref()
        .and_then(|d| d.get("entries"))
        .map(|e| serde_json::from_value(e.clone()))
        .transpose()
        .map_err(|e| ApiError::internal(&e))?
        .unwrap_or_default();
    let room_doc = load(&state, &id).await?;
    let name = room_doc
        .as_ref()
        .map_or_else(|| id.clone(), |r| r.name().to_string());
    let can_record = room_doc
        .as_ref()
        .is_some_and(|r| viewer.may(&state, Action::LogRecord, &service::facts::log_entry("", r)));
    let mut rows: Vec<EntryRow> = entries
        .iter()
        .map(|e| EntryRow {
            id: e.id().to_string(),
            time: time_text(e.recorded_at().as_millis()),
            category: e.category().as_str(),
            severity: e.severity().get(),
            state: e.status().as_str(),
            text: e.text().to_string(),
        })
        .collect();
    rows.reverse();
    let mut chrome = Chrome::new(&state, name.clone(), Some(&viewer));
    chrome.flash = done.flash();
    Ok(html(&RoomPage {
        chrome,
        back: format!("/rooms/{id}"),
        id,
        name,
        limited: done_read
            .data
            .as_ref()
            .and_then(|d| d.get("limited"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        entries: rows,
        can_record,
        seq: done_read.seq,
    }))
}
