//! Form posts: `POST /do/{action}` turns a form into one command and runs it
//! through `Service::execute` as the logged-in caller, exactly as
//! `POST /api/v1/commands` does — authorized, applied and recorded, or
//! refused and recorded.
//!
//! Field names say the command's shape: `severity:n` is a number, `flag:b`
//! a boolean (`true` or `false`), `a.b` a field of object `a`, `xs[]` one
//! more element of array `xs`; empty fields
//! are left out (the command's optional fields). `return` (a path on this
//! site) is where the browser goes afterwards: `?done=SEQ&action=…` tells
//! the page what was recorded. A refusal is shown at once, as a page with
//! the policy's refusal and the ledger entry that records it; the policies
//! are named to host users only.

use std::net::SocketAddr;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, ExtensionRejection};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value};
use service::{Command, ServiceError};

use super::{Chrome, Flash, PageError, html, viewer};
use crate::AppState;
use crate::auth::{Caller, cross_site, from_proxy};
use crate::error::ApiError;

/// Refuses a form post the browser does not vouch for as coming from this
/// site: it must carry `Sec-Fetch-Site: same-origin` or an `Origin` naming
/// this host (every current browser sends one of them with a form post),
/// and neither may say another site.
pub fn same_site_form(
    state: &AppState,
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let refused = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_site",
            "this form was not sent from a cortina page (CSRF protection): reload the page and try again",
        )
    };
    if cross_site(headers, from_proxy(state, peer.map(|p| p.0.ip()))) {
        return Err(refused());
    }
    let vouched = headers.contains_key(header::ORIGIN)
        || headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("same-origin"));
    if vouched { Ok(()) } else { Err(refused()) }
}

/// Reads an `application/x-www-form-urlencoded` body into `T`.
pub fn form_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let pairs = form_pairs(headers, body)?;
    let value = Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    );
    serde_json::from_value(value)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_form", e.to_string()))
}

/// The form's fields in order.
fn form_pairs(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Vec<(String, String)>, ApiError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the form as application/x-www-form-urlencoded",
        ));
    }
    let bytes = body.map_err(|e| ApiError::new(e.status(), "bad_body", e.body_text()))?;
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_form", e.to_string()))
}

/// The command a form asks for: its fields under `action`'s name (the
/// field-name conventions are in the module docs), and where to go next.
pub fn command_of(
    action: &str,
    pairs: Vec<(String, String)>,
) -> Result<(Command, String), ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_command", m);
    let mut fields = Map::new();
    let mut back = String::from("/home");
    for (name, raw) in pairs {
        if name == "return" {
            back = raw;
            continue;
        }
        let text = raw.trim();
        if text.is_empty() {
            continue;
        }
        let (name, value) = if let Some(n) = name.strip_suffix(":n") {
            (
                n,
                Value::from(
                    text.parse::<i64>()
                        .map_err(|_| bad(format!("{n} must be a whole number, not {text:?}")))?,
                ),
            )
        } else if let Some(n) = name.strip_suffix(":b") {
            (
                n,
                Value::from(
                    text.parse::<bool>()
                        .map_err(|_| bad(format!("{n} must be true or false, not {text:?}")))?,
                ),
            )
        } else {
            (name.as_str(), Value::from(text))
        };
        let (path, push) = match name.strip_suffix("[]") {
            Some(p) => (p, true),
            None => (name, false),
        };
        if path == "action" {
            return Err(bad("the action is named by the form's address".into()));
        }
        let mut parts: Vec<&str> = path.split('.').collect();
        let last = parts.pop().unwrap_or_default();
        let mut obj = &mut fields;
        for part in parts {
            obj = obj
                .entry(part.to_owned())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .ok_or_else(|| bad(format!("{path}: {part} is not an object")))?;
        }
        if push {
            obj.entry(last.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()))
                .as_array_mut()
                .ok_or_else(|| bad(format!("{path} is not a list")))?
                .push(value);
        } else {
            obj.insert(last.to_owned(), value);
        }
    }
    fields.insert("action".to_owned(), Value::from(action));
    let command =
        serde_json::from_value(Value::Object(fields)).map_err(|e| bad(format!("{action}: {e}")))?;
    Ok((command, safe_return(&back)))
}

/// `back` if it is a path on this site, else home: a form cannot send the
/// browser elsewhere.
fn safe_return(back: &str) -> String {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    if ok { back.to_owned() } else { "/home".into() }
}

/// The page that shows a refusal, or a result with data.
#[derive(Template)]
#[template(path = "outcome.html")]
pub(crate) struct OutcomePage {
    pub(crate) chrome: Chrome,
    pub(crate) back: String,
    pub(crate) data: Option<String>,
}

/// `POST /do/{action}`.
pub async fn submit(
    State(state): State<AppState>,
    Path(action): Path<String>,
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
    caller: Result<Caller, ApiError>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    same_site_form(&state, peer.as_ref().ok(), &headers)?;
    let viewer = viewer(&state, caller).await?;
    let pairs = form_pairs(&headers, body)?;
    let back = pairs
        .iter()
        .find(|(k, _)| k == "return")
        .map_or_else(|| "/home".to_owned(), |(_, v)| safe_return(v));
    let outcome = |flash: Flash, data: Option<String>, status: StatusCode| {
        let mut chrome = Chrome::new(&state, "Outcome", Some(&viewer));
        chrome.flash = Some(flash);
        let mut response = html(&OutcomePage {
            chrome,
            back: back.clone(),
            data,
        });
        *response.status_mut() = status;
        response
    };
    let (command, back_to) = match command_of(&action, pairs) {
        Ok(c) => c,
        Err(e) => {
            let flash = Flash {
                ok: false,
                text: e.message().to_owned(),
                seq: None,
                policies: None,
            };
            return Ok(outcome(flash, None, e.status()));
        }
    };
    let name = command.action();
    let result = match viewer.actor() {
        Ok(actor) => state.svc().execute(&actor, command).await,
        Err(e) => return Err(PageError::Api(e)),
    };
    match result {
        Ok(done) => {
            tracing::info!(action = %name, seq = done.seq, "form command done");
            if let Some(data) = done.data.filter(|_| !summarised_on_return(done.action)) {
                // Reads and one-time secrets are shown, not redirected away.
                let flash = Flash {
                    ok: true,
                    text: format!("{} done", done.action),
                    seq: Some(done.seq),
                    policies: None,
                };
                let text = serde_json::to_string_pretty(&data).unwrap_or_default();
                return Ok(outcome(flash, Some(text), StatusCode::OK));
            }
            let sep = if back_to.contains('?') { '&' } else { '?' };
            Ok(Redirect::to(&format!(
                "{back_to}{sep}done={}&action={}",
                done.seq, done.action
            ))
            .into_response())
        }
        Err(e) => {
            tracing::info!(action = %name, code = e.code(), "form command refused");
            let (seq, policies) = match &e {
                ServiceError::Denied { policies, seq } => (
                    Some(*seq),
                    viewer.principal.is_host().then(|| policies.join(", ")),
                ),
                ServiceError::Withheld { seq } | ServiceError::Refused { seq } => {
                    (Some(*seq), None)
                }
                _ => (None, None),
            };
            let text = match &e {
                ServiceError::Denied { .. } | ServiceError::Refused { .. } => {
                    format!("Refused by the policy: {name} is not allowed to you here")
                }
                // Outside the host a refusal and a missing record look
                // alike (need-to-know): the banner says so, no more.
                ServiceError::Withheld { .. } => {
                    format!(
                        "Refused: {name} is not allowed to you here, or the record does not exist"
                    )
                }
                _ => e.to_string(),
            };
            let api = ApiError::from(e);
            if api.status() == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(PageError::Api(api));
            }
            let flash = Flash {
                ok: false,
                text,
                seq,
                policies,
            };
            Ok(outcome(flash, None, api.status()))
        }
    }
}

/// Whether a command's answer data only summarises what the page the form
/// returns to shows anyway: an accreditation's new state and the pass the
/// gates now refuse, which the case or declaration page shows from the
/// store. Such a form goes back to its page, like one whose command answers
/// no data; other data (a read, a one-time secret) has its outcome page.
fn summarised_on_return(action: &str) -> bool {
    use domain::Action;
    [
        Action::AccreditationSuspend,
        Action::AccreditationReinstate,
        Action::AccreditationRevoke,
    ]
    .iter()
    .any(|a| a.as_str() == action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_form_becomes_the_command_the_api_would_take() {
        let (c, back) = command_of(
            "log.record",
            pairs(&[
                ("room", "milano-room"),
                ("category", "incident"),
                ("severity:n", "3"),
                ("text", "Crowd at gate 4"),
                ("venue", ""),
                ("return", "/rooms/milano-room"),
            ]),
        )
        .unwrap();
        assert_eq!(c.action(), domain::Action::LogRecord);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["severity"], 3);
        assert_eq!(json["room"], "milano-room");
        assert!(json.get("venue").is_none_or(Value::is_null));
        assert_eq!(back, "/rooms/milano-room");

        let (c, _) = command_of(
            "rfi.answer",
            pairs(&[
                ("id", "rfi-1"),
                ("text", "Yes"),
                ("disclosure.personal_data:b", "true"),
                ("disclosure.legal_basis", "Art. 8"),
                ("disclosure.categories[]", "identity"),
            ]),
        )
        .unwrap();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["disclosure"]["categories"][0], "identity");
        assert_eq!(json["disclosure"]["personal_data"], true);
    }

    #[test]
    fn bad_forms_are_refused_with_the_field_named() {
        let e = command_of("log.record", pairs(&[("severity:n", "high")])).unwrap_err();
        assert!(e.message().contains("severity"), "{}", e.message());
        let e = command_of("task.create", pairs(&[("action", "task.approve")])).unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let e = command_of("no.such", Vec::new()).unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn the_next_page_stays_on_this_site() {
        assert_eq!(safe_return("/rooms/x"), "/rooms/x");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "home",
        ] {
            assert_eq!(safe_return(bad), "/home", "{bad}");
        }
    }
}
