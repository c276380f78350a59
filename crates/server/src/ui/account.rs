//! `GET|POST /enrol`: the enrolment page — the user exchanges the
//! enrolment secret the admin handed over for their own password, and gets
//! the second factor's secret (base32 and `otpauth://` URI) and recovery
//! codes, shown once. `GET|POST /password`: every user changes their own
//! password (the current one required; their other sessions end). Both go
//! through the same service calls as `/api/v1/enrolment` and
//! `/api/v1/session/password`.

use std::net::SocketAddr;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, ExtensionRejection};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use service::Secret;

use super::{Chrome, PageError, forms, html, viewer};
use crate::AppState;
use crate::auth::{self, Caller, EnrolRequest, Via};
use crate::error::ApiError;

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    chrome: Chrome,
    username: String,
    message: Option<String>,
    done: Option<auth::Enrolled>,
}

#[derive(Deserialize)]
struct EnrolForm {
    username: String,
    enrolment_secret: String,
    password: String,
    #[serde(default)]
    totp: String,
}

/// `GET /enrol`: the enrolment form.
pub async fn enrol_page(State(state): State<AppState>) -> Response {
    html(&EnrolPage {
        chrome: Chrome::new(&state, "Enrol", None),
        username: String::new(),
        message: None,
        done: None,
    })
}

/// `POST /enrol`: enrols; shows the second factor's setup once, or the
/// form again with the reason.
pub async fn enrol_post(
    State(state): State<AppState>,
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let again = |username: String, e: ApiError| {
        let mut r = html(&EnrolPage {
            chrome: Chrome::new(&state, "Enrol", None),
            username,
            message: Some(e.message().to_owned()),
            done: None,
        });
        *r.status_mut() = e.status();
        r
    };
    if let Err(e) = forms::same_site_form(&state, peer.as_ref().ok(), &headers) {
        return again(String::new(), e);
    }
    let form: EnrolForm = match forms::form_body(&headers, body) {
        Ok(f) => f,
        Err(e) => return again(String::new(), e),
    };
    let username = form.username.trim().to_owned();
    let request = EnrolRequest {
        username: username.clone(),
        enrolment_secret: form.enrolment_secret,
        password: form.password,
        totp: !form.totp.is_empty(),
    };
    match auth::enrol_account(&state, request).await {
        Ok(done) => html(&EnrolPage {
            chrome: Chrome::new(&state, "Enrolled", None),
            username,
            message: None,
            done: Some(done),
        }),
        Err(e) => again(username, e),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    message: Option<String>,
    changed: bool,
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// `GET /password`: the password change form.
pub async fn password_page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    Ok(html(&PasswordPage {
        chrome: Chrome::new(&state, "Change password", Some(&viewer)),
        message: None,
        changed: false,
    }))
}

/// `POST /password`: changes the viewer's password.
pub async fn password_post(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    let chrome = Chrome::new(&state, "Change password", Some(&viewer));
    let result = async {
        let Caller::Account {
            account_id,
            via: Via::Session { session_id },
            ..
        } = &viewer.caller
        else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "no_session",
                "a password is changed in a session",
            ));
        };
        let form: PasswordForm = forms::form_body(&headers, body)?;
        state
            .svc()
            .change_password(
                account_id,
                Some(session_id),
                &Secret::new(form.current_password),
                &Secret::new(form.new_password),
            )
            .await
            .map_err(ApiError::from)
    }
    .await;
    Ok(match result {
        Ok(_) => html(&PasswordPage {
            chrome,
            message: None,
            changed: true,
        }),
        Err(e) => {
            let mut r = html(&PasswordPage {
                chrome,
                message: Some(e.message().to_owned()),
                changed: false,
            });
            *r.status_mut() = e.status();
            r
        }
    })
}
