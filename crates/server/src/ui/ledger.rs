//! `GET /ledger`: the ledger browser for those the policy lets read the
//! ledger (oversight): entries by sequence with time, actor, action,
//! decision and policy ids, newest first, a page at a time, and the current
//! signed checkpoint. A refused reading is recorded, as through the API.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{Chrome, PageError, html, time_text, viewer};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::rest::EntryBody;

/// Entries on one page.
const PAGE: u64 = 50;

/// `?before=N`: the page of entries before entry `N` (default: the newest).
#[derive(Debug, Deserialize)]
pub struct LedgerQuery {
    /// Show the entries before this one.
    pub before: Option<u64>,
}

/// An entry as the browser shows it.
#[derive(Debug)]
pub struct EntryRow {
    /// The entry.
    pub e: EntryBody,
    /// Its time, readable.
    pub time: String,
}

/// The ledger page.
#[derive(Template)]
#[template(path = "ledger.html")]
pub struct LedgerPage {
    chrome: Chrome,
    size: u64,
    entries: Vec<EntryRow>,
    older: Option<u64>,
    checkpoint: String,
}

/// `GET /ledger`.
pub async fn page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(query): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    crate::ledger::may_read(&state, &viewer.caller).await?;
    let size = state.svc().store().ledger_stats().await?.size;
    let end = query.before.unwrap_or(size).min(size);
    let from = end.saturating_sub(PAGE);
    let body = crate::lists::entries(&state, from, end - from).await?;
    let mut entries: Vec<EntryRow> = body
        .entries
        .into_iter()
        .filter(|e| e.seq < end)
        .map(|e| EntryRow {
            time: time_text(e.time_ms),
            e,
        })
        .collect();
    entries.reverse();
    let checkpoint = crate::ledger::published_checkpoint(&state).await?;
    Ok(html(&LedgerPage {
        chrome: Chrome::new(&state, "Ledger", Some(&viewer)),
        size: body.size,
        entries,
        older: (from > 0).then_some(from),
        checkpoint,
    }))
}
