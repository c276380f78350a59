//! `GET /disclosures`: the disclosure register as a page, for those the
//! policy lets read it (oversight, the host commander): every release of
//! personal data to a delegation, oldest first, with recipient, legal
//! basis, categories, approver, time and ledger entry, filtered by
//! recipient and kind, with a link to the CSV export. Each reading is
//! recorded (`disclosures.read` through `Service::record`), a refused one
//! too, as through the API.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use service::disclosures::{Disclosure, Filter};

use super::{Chrome, PageError, html, time_text, viewer};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// `?recipient=&kind=`: the page's filters (empty means all).
#[derive(Debug, Default, Deserialize)]
pub struct DisclosuresPageQuery {
    /// Only to this delegation.
    pub recipient: Option<String>,
    /// Only of this kind.
    pub kind: Option<String>,
}

/// A release as the page shows it.
#[derive(Debug)]
pub struct Row {
    /// The release.
    pub d: Disclosure,
    /// Its time, readable.
    pub time: String,
}

/// The register page.
#[derive(Template)]
#[template(path = "disclosures.html")]
pub struct DisclosuresPage {
    chrome: Chrome,
    rows: Vec<Row>,
    recipient: String,
    kind: String,
    csv: String,
}

/// `GET /disclosures`.
pub async fn page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(query): Query<DisclosuresPageQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    let actor = viewer.actor()?;
    let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let filter = Filter {
        recipient: nonempty(query.recipient),
        kind: nonempty(query.kind).filter(|k| k == "rfi_answer" || k == "case_share"),
        from: None,
        until: None,
    };
    let payload = serde_json::json!({"recipient": filter.recipient, "kind": filter.kind});
    state
        .svc()
        .record(
            &actor,
            domain::Action::DisclosuresRead,
            authority::Resource::Ledger,
            payload.to_string().into_bytes(),
        )
        .await
        .map_err(ApiError::from)?;
    let rows = state
        .svc()
        .disclosures(&filter)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|d| Row {
            time: time_text(d.time),
            d,
        })
        .collect();
    let mut csv = String::from("/api/v1/disclosures?format=csv");
    if let Some(r) = &filter.recipient {
        csv.push_str(&format!(
            "&recipient={}",
            serde_urlencoded::to_string([("", r)])
                .unwrap_or_default()
                .trim_start_matches('=')
        ));
    }
    if let Some(k) = &filter.kind {
        csv.push_str(&format!("&kind={k}"));
    }
    Ok(html(&DisclosuresPage {
        chrome: Chrome::new(&state, "Disclosure register", Some(&viewer)),
        rows,
        recipient: filter.recipient.unwrap_or_default(),
        kind: filter.kind.unwrap_or_default(),
        csv,
    }))
}
