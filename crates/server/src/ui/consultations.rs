//! `GET /consultations`: the consultation log as a page, for oversight
//! only: who consulted whom (a screening, a read of personal data), when,
//! through which channel, why, and how much came back — newest first,
//! searched by name (through the screening engine), document, record,
//! account and day, a page at a time. Each question is recorded first
//! (`consultations.read`, the same path as the API), a refused one too.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use service::consultations::Consultation;

use super::{Chrome, PageError, html, time_text, viewer};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// The page's form (empty fields mean no condition).
#[derive(Debug, Default, Deserialize)]
pub struct ConsultationsPageQuery {
    /// A person's name.
    pub name: Option<String>,
    /// A document number.
    pub document: Option<String>,
    /// A record id.
    pub record: Option<String>,
    /// An account.
    pub account: Option<String>,
    /// Why oversight asks.
    pub purpose: Option<String>,
    /// The page cursor.
    pub before: Option<i64>,
}

/// A consultation as the page shows it.
#[derive(Debug)]
pub struct Row {
    /// The consultation.
    pub c: Consultation,
    /// Its time, readable.
    pub time: String,
    /// The query or command recorded, as compact JSON.
    pub query: String,
}

/// The log page.
#[derive(Template)]
#[template(path = "consultations.html")]
pub struct ConsultationsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    name: String,
    document: String,
    record: String,
    account: String,
    purpose: String,
    next: String,
    seq: u64,
}

/// `GET /consultations`.
pub async fn page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(query): Query<ConsultationsPageQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    let actor = viewer.actor()?;
    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let purpose =
        nonempty(&query.purpose).map(|p| p.chars().filter(|c| !c.is_control()).take(500).collect());
    let asked = service::consultations::Query {
        name: nonempty(&query.name),
        document: nonempty(&query.document),
        record: nonempty(&query.record),
        account: nonempty(&query.account),
        from: None,
        until: None,
        before: query.before,
        limit: Some(100),
        purpose,
    };
    let page = state
        .svc()
        .consultations(&actor, &asked)
        .await
        .map_err(ApiError::from)?;
    let rows = page
        .items
        .into_iter()
        .map(|c| Row {
            time: time_text(c.time),
            query: c.query.to_string(),
            c,
        })
        .collect();
    let next = match page.next {
        Some(before) => {
            let mut pairs = vec![("before".to_owned(), before.to_string())];
            for (k, v) in [
                ("name", &asked.name),
                ("document", &asked.document),
                ("record", &asked.record),
                ("account", &asked.account),
                ("purpose", &asked.purpose),
            ] {
                if let Some(v) = v {
                    pairs.push((k.to_owned(), v.clone()));
                }
            }
            format!(
                "/consultations?{}",
                serde_urlencoded::to_string(&pairs).unwrap_or_default()
            )
        }
        None => String::new(),
    };
    let text = |s: Option<String>| s.unwrap_or_default();
    Ok(html(&ConsultationsPage {
        chrome: Chrome::new(&state, "Consultation log", Some(&viewer)),
        rows,
        name: text(asked.name),
        document: text(asked.document),
        record: text(asked.record),
        account: text(asked.account),
        purpose: text(asked.purpose),
        next,
        seq: page.seq,
    }))
}
