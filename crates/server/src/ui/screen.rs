//! `GET /screening` and `POST /screening`: the analyst's screening form and
//! its ranked results, each with the per-feature explanation and the list
//! entry. A screening is recorded (`screening.run` through
//! `Service::record`, with its purpose and the lists' snapshot) before it
//! runs, as through `/match`; whoever the policy refuses gets the refusal
//! and its ledger entry, and the form is shown only to those it allows.

use std::net::SocketAddr;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, ExtensionRejection};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::Action;
use serde::Deserialize;

use super::{Chrome, Flash, PageError, Viewer, html, viewer};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// One feature of a result's explanation.
#[derive(Debug)]
pub struct FeatureRow {
    /// `name`, `birth_date`, `country`, …
    pub name: String,
    /// Its contribution to the score.
    pub delta: String,
    /// Why.
    pub detail: String,
}

/// One ranked result.
#[derive(Debug)]
pub struct ResultRow {
    /// The listed entity's caption.
    pub caption: String,
    /// Its id on the list, and the list.
    pub entry: String,
    /// The list's dataset.
    pub dataset: String,
    /// The score, 0..1.
    pub score: String,
    /// Whether it is at or above the threshold.
    pub is_match: bool,
    /// The explanation.
    pub features: Vec<FeatureRow>,
}

/// A match's explanation, feature by feature: the name first (the names
/// compared and how), then each feature's contribution and why.
pub fn explain(m: &screening::Match<'_>) -> Vec<FeatureRow> {
    let x = &m.explanation;
    let mut features = vec![FeatureRow {
        name: "name".into(),
        delta: format!("{:.2}", x.name_score),
        detail: format!(
            "{:?} ~ {:?} ({:?} name, {})",
            x.query_name,
            x.list_name,
            x.list_name_kind,
            x.algorithm.as_str()
        ),
    }];
    features.extend(x.features.iter().map(|f| FeatureRow {
        name: f.name.to_owned(),
        delta: format!("{:+.2}", f.delta),
        detail: f.detail.clone(),
    }));
    features
}

/// The screening page.
#[derive(Template)]
#[template(path = "screening.html")]
pub struct ScreeningPage {
    chrome: Chrome,
    form: ScreenForm,
    results: Option<Vec<ResultRow>>,
}

/// The form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct ScreenForm {
    /// The name.
    #[serde(default)]
    pub name: String,
    /// Birth date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[serde(default)]
    pub birth_date: String,
    /// Country (ISO alpha-2).
    #[serde(default)]
    pub country: String,
    /// Document number.
    #[serde(default)]
    pub document: String,
    /// Why the screening is run (kept in the ledger).
    #[serde(default)]
    pub purpose: String,
}

fn allowed(state: &AppState, viewer: &Viewer) -> Result<(), PageError> {
    if viewer.may(state, Action::ScreeningRun, &authority::Resource::Lists) {
        Ok(())
    } else {
        Err(PageError::Api(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such page",
        )))
    }
}

/// `GET /screening`: the empty form.
pub async fn form(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    allowed(&state, &viewer)?;
    Ok(html(&ScreeningPage {
        chrome: Chrome::new(&state, "Screening", Some(&viewer)),
        form: ScreenForm::default(),
        results: None,
    }))
}

/// `POST /screening`: record, screen, show.
pub async fn run(
    State(state): State<AppState>,
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
    caller: Result<Caller, ApiError>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    super::forms::same_site_form(&state, peer.as_ref().ok(), &headers)?;
    let viewer = viewer(&state, caller).await?;
    let form: ScreenForm = super::forms::form_body(&headers, body)?;
    let again = |form: ScreenForm, text: String, seq: Option<u64>, status: StatusCode| {
        let mut chrome = Chrome::new(&state, "Screening", Some(&viewer));
        chrome.flash = Some(Flash {
            ok: false,
            text,
            seq,
            policies: None,
        });
        let mut response = html(&ScreeningPage {
            chrome,
            form,
            results: None,
        });
        *response.status_mut() = status;
        response
    };
    let name = form.name.trim().to_owned();
    let purpose = form.purpose.trim().to_owned();
    if name.is_empty() || purpose.is_empty() || purpose.chars().count() > 500 {
        let text = "Give a name and the purpose of the screening (at most 500 characters): it is kept in the ledger".to_owned();
        return Ok(again(form, text, None, StatusCode::BAD_REQUEST));
    }
    let Some(index) = state.index() else {
        let text = "No watchlists are loaded: import them with `cortina lists import`".to_owned();
        return Ok(again(form, text, None, StatusCode::SERVICE_UNAVAILABLE));
    };
    let mut query = screening::Query::name(name.clone());
    let birth = form.birth_date.trim();
    if !birth.is_empty() {
        query
            .birth_dates
            .extend(watchlist::PartialDate::parse_iso(birth));
    }
    let country = form.country.trim().to_ascii_lowercase();
    if !country.is_empty() {
        query.countries.push(country.clone());
    }
    let document = form.document.trim().to_owned();
    if !document.is_empty() {
        query.id_numbers.push(document.clone());
    }
    let payload = serde_json::json!({
        "route": "ui.screening", "name": name, "birth_date": birth, "country": country,
        "document": document, "purpose": purpose, "snapshot": index.snapshot_hash(),
    });
    let bytes = serde_json::to_vec(&payload).map_err(|e| ApiError::internal(&e))?;
    let done = match state
        .svc()
        .record(
            &viewer.actor()?,
            Action::ScreeningRun,
            authority::Resource::Lists,
            bytes,
        )
        .await
    {
        Ok(done) => done,
        Err(
            service::ServiceError::Denied { seq, .. }
            | service::ServiceError::Refused { seq }
            | service::ServiceError::Withheld { seq },
        ) => {
            let text = "Refused by the policy: screening.run is not allowed to you".to_owned();
            return Ok(again(form, text, Some(seq), StatusCode::FORBIDDEN));
        }
        Err(e) => return Err(e.into()),
    };
    let results = tokio::task::spawn_blocking(move || {
        let params = screening::Params {
            limit: 10,
            ..screening::Params::default()
        };
        index
            .search(&query, &params)
            .iter()
            .map(|m| {
                let features = explain(m);
                ResultRow {
                    caption: m.entity.caption().to_owned(),
                    entry: m.entity.id.clone(),
                    dataset: m.entity.dataset.clone(),
                    score: format!("{:.2}", m.score),
                    is_match: m.is_match,
                    features,
                }
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    state
        .svc()
        .consulted(done.seq, results.len())
        .await
        .map_err(ApiError::from)?;
    let mut chrome = Chrome::new(&state, "Screening", Some(&viewer));
    chrome.flash = Some(Flash {
        ok: true,
        text: format!("Screened: {} result(s)", results.len()),
        seq: Some(done.seq),
        policies: None,
    });
    Ok(html(&ScreeningPage {
        chrome,
        form,
        results: Some(results),
    }))
}
