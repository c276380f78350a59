//! `GET /lists`: the watchlists for the host — the snapshot in force, the
//! one before it, the last update attempt and the schedule — and `POST
//! /lists/update`, the admin's update now: decided and recorded as
//! `lists.update` (a refusal too), then started by `cortina serve`
//! ([`crate::watchlists`]). Nobody outside the host sees this page.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::rejection::ExtensionRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use domain::Action;

use super::forms::OutcomePage;
use super::forms::same_site_form;
use super::home::DoneQuery;
use super::vetting::no_such_page;
use super::{Chrome, Flash, PageError, html, time_text, viewer};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// The lists page.
#[derive(Template)]
#[template(path = "lists.html")]
pub struct ListsPage {
    chrome: Chrome,
    snapshot: Option<String>,
    entities: Option<u64>,
    imported: Option<String>,
    origin: Option<String>,
    previous: Option<String>,
    last: Option<(bool, String, String)>,
    running: bool,
    every: Option<String>,
    may_update: bool,
    managed: bool,
}

fn secs_text(secs: u64) -> String {
    time_text(
        i64::try_from(secs)
            .unwrap_or(i64::MAX / 1000)
            .saturating_mul(1000),
    )
}

fn every_text(secs: u64) -> String {
    match secs {
        s if s % 86_400 == 0 => format!("every {} d", s / 86_400),
        s if s % 3_600 == 0 => format!("every {} h", s / 3_600),
        s if s % 60 == 0 => format!("every {} min", s / 60),
        s => format!("every {s} s"),
    }
}

/// The warning every host page carries while the last update failed.
pub(crate) fn warning(state: &AppState) -> Option<String> {
    let status = state.config().lists.as_ref()?.0.status();
    let last = status.last.filter(|a| !a.ok)?;
    Some(format!(
        "The last list update failed at {}: {}. Screening uses the snapshot in force{}.",
        secs_text(last.at),
        last.message,
        status
            .imported_at
            .map(|t| format!(", imported {}", secs_text(t)))
            .unwrap_or_default()
    ))
}

/// `GET /lists`.
pub async fn page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    if !viewer.principal.is_host() {
        return Err(no_such_page());
    }
    let status = state
        .config()
        .lists
        .as_ref()
        .map(|l| l.0.status())
        .unwrap_or_default();
    let mut chrome = Chrome::new(&state, "Watchlists", Some(&viewer));
    chrome.flash = q.flash();
    let managed = state.config().lists.is_some();
    Ok(html(&ListsPage {
        chrome,
        snapshot: state.index().map(|i| i.snapshot_hash().to_owned()),
        entities: status.entities,
        imported: status.imported_at.map(secs_text),
        origin: status.origin,
        previous: status.previous,
        last: status.last.map(|a| (a.ok, secs_text(a.at), a.message)),
        running: status.running,
        every: status.every_secs.map(every_text),
        may_update: managed && viewer.may(&state, Action::ListsUpdate, &authority::Resource::Lists),
        managed,
    }))
}

/// `POST /lists/update`: the admin's update now.
pub async fn update(
    State(state): State<AppState>,
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
    caller: Result<Caller, ApiError>,
) -> Result<Response, PageError> {
    same_site_form(&state, peer.as_ref().ok(), &headers)?;
    let viewer = viewer(&state, caller).await?;
    let refusal = |text: String, seq: Option<u64>, policies: Option<String>| {
        let mut chrome = Chrome::new(&state, "Watchlists", Some(&viewer));
        chrome.flash = Some(Flash {
            ok: false,
            text,
            seq,
            policies,
        });
        let mut response = html(&OutcomePage {
            chrome,
            back: "/lists".to_owned(),
            data: None,
        });
        *response.status_mut() = axum::http::StatusCode::FORBIDDEN;
        response
    };
    let Some(lists) = state.config().lists.clone() else {
        return Ok(refusal(
            "this server does not run list updates: use `cortina lists update`".into(),
            None,
            None,
        ));
    };
    let payload = serde_json::json!({"update": "on demand", "from": "the lists page"});
    let done = state
        .svc()
        .record(
            &viewer.actor()?,
            Action::ListsUpdate,
            authority::Resource::Lists,
            serde_json::to_vec(&payload).unwrap_or_default(),
        )
        .await;
    match done {
        Ok(done) => match lists.0.start_update(&viewer.username) {
            Ok(()) => Ok(
                Redirect::to(&format!("/lists?done={}&action=lists.update", done.seq))
                    .into_response(),
            ),
            Err(why) => Ok(refusal(why, Some(done.seq), None)),
        },
        Err(service::ServiceError::Denied { policies, seq }) => Ok(refusal(
            "refused by the policy".into(),
            Some(seq),
            Some(policies.join(", ")),
        )),
        Err(service::ServiceError::Refused { seq }) => {
            Ok(refusal("refused".into(), Some(seq), None))
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}
