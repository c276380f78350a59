//! The web UI: server-rendered pages for people in the operations rooms.
//!
//! ```text
//! GET  /                  the login page (or a redirect home when logged in)
//! POST /login             form login: the API's session cookie, then 303 → /home
//! POST /logout            ends the session, 303 → /
//! GET  /home              the caller's home: what the policy lets it see and do
//! GET  /rooms/{id}        a room's board (its event log, the entry form)
//! POST /do/{action}       one command from a form, through Service::execute
//! GET  /screening        the screening form; POST runs one (recorded first)
//! GET  /vetting          the analysts' queue; /vetting/{id} a case ([`vetting`])
//! GET  /opinions         the organiser's applicants and opinions ([`vetting`])
//! GET  /lists            the watchlists in force, the last update; POST /lists/update ([`lists`])
//! GET  /static/{file}     the stylesheet, htmx (vendored), the page script
//! ```
//!
//! Pages share the API's session ([`crate::auth`]): a login on the page is
//! a login for the API and back. Templates (askama, `templates/`) hold no
//! rule: what a page offers is asked of the `Authority` in [`home`] and
//! [`room`], and every form post is a [`service::Command`] run by
//! `Service::execute` exactly as `POST /api/v1/commands` runs it
//! ([`forms`]), so a forged post meets the same policy and is recorded.
//!
//! CSRF: a form post with the session cookie must say it comes from this
//! site — an `Origin` naming this host, or `Sec-Fetch-Site: same-origin` —
//! on top of the cookie's `SameSite=Strict`; the JSON API stays closed to
//! forms (it accepts only `application/json` bodies). Pages carry a strict
//! CSP (`script-src 'self'`, `style-src 'self'`, no inline script or
//! style): htmx is a static file and its inline indicator style is turned
//! off in its config meta.

pub mod account;
pub mod consultations;
pub mod disclosures;
pub mod forms;
pub mod home;
pub mod ledger;
pub mod lists;
pub mod offers;
pub mod room;
pub mod screen;
mod static_files;
pub mod stats;
pub mod vetting;

use std::net::SocketAddr;

use askama::Template;
use axum::Router;
use axum::extract::rejection::{BytesRejection, ExtensionRejection};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{self, Caller, LoginRequest};
use crate::error::ApiError;

/// The login form's target (routed with the API's login, sharing its rate
/// limit: [`crate::auth::routes`]).
pub const LOGIN_PATH: &str = "/login";

/// Ledger origins that mark demo data: the demo (`cortina serve --demo`)
/// writes `cortina.demo/milano-cortina-2026`, and no real deployment may
/// use the `cortina.demo` name.
pub const DEMO_ORIGIN_PREFIX: &str = "cortina.demo/";

/// The pages' content security policy: everything from this origin only,
/// no inline script or style, no framing, forms only to this origin.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'";

/// The page routes (the login post is in [`crate::auth::routes`]).
pub fn routes() -> Router<crate::AppState> {
    Router::new()
        .route("/", get(login_page))
        .route("/logout", post(logout))
        .route("/enrol", get(account::enrol_page).post(account::enrol_post))
        .route(
            "/password",
            get(account::password_page).post(account::password_post),
        )
        .route("/home", get(home::page))
        .route("/rooms/{id}", get(room::page))
        .route("/ledger", get(ledger::page))
        .route("/disclosures", get(disclosures::page))
        // Oversight (issue 14): the consultation log and statistics.
        .route("/consultations", get(consultations::page))
        .route("/stats", get(stats::page))
        .route("/screening", get(screen::form).post(screen::run))
        // Vetting (issue 12): the analysts' queue, a case, the organiser's opinions.
        .route("/vetting", get(vetting::queue))
        .route("/vetting/{id}", get(vetting::case))
        .route("/opinions", get(vetting::opinions))
        // Lists that change (issue 12): the snapshot in force, the admin's update now.
        .route("/lists", get(lists::page))
        .route("/lists/update", post(lists::update))
        .route("/do/{action}", post(forms::submit))
        .route("/static/{file}", get(static_files::serve))
}

/// What every page shows around its content.
#[derive(Debug, Default)]
pub struct Chrome {
    /// The page's title.
    pub title: String,
    /// Whether the store holds demo data (the banner).
    pub demo: bool,
    /// Who is logged in.
    pub user: Option<UserBar>,
    /// An outcome to announce (a command done or refused).
    pub flash: Option<Flash>,
    /// For the host: the last list update failed ([`lists::warning`]).
    pub lists_warning: Option<String>,
}

/// The logged-in user, as the page header shows it.
#[derive(Debug)]
pub struct UserBar {
    /// Login name.
    pub username: String,
    /// Role name.
    pub role: String,
    /// Agency id.
    pub agency: String,
}

/// The outcome of the last form post.
#[derive(Debug)]
pub struct Flash {
    /// `ok` or `error` (a CSS class and an ARIA role).
    pub ok: bool,
    /// The sentence.
    pub text: String,
    /// The ledger entry recording it.
    pub seq: Option<u64>,
    /// The policies that refused (host viewers only).
    pub policies: Option<String>,
}

impl Chrome {
    /// The frame of a page titled `title`, for `viewer` (none on the login
    /// page).
    pub fn new(state: &AppState, title: impl Into<String>, viewer: Option<&Viewer>) -> Chrome {
        Chrome {
            title: title.into(),
            demo: is_demo(state),
            user: viewer.map(|v| UserBar {
                username: v.username.clone(),
                role: v.principal.role.as_str().to_owned(),
                agency: v.principal.agency_id.clone(),
            }),
            flash: None,
            lists_warning: viewer
                .filter(|v| v.principal.is_host())
                .and_then(|_| lists::warning(state)),
        }
    }
}

/// Whether the store's ledger is the demo's.
pub fn is_demo(state: &AppState) -> bool {
    state.svc().store().origin().starts_with(DEMO_ORIGIN_PREFIX)
}

/// The logged-in caller of a page, with the principal the policy sees.
#[derive(Debug)]
pub struct Viewer {
    /// The caller (for the shared list functions).
    pub caller: Caller,
    /// Login name.
    pub username: String,
    /// The registry facts the policy decides on.
    pub principal: authority::Principal,
    /// The decisions taken for this page so far, by action and anonymous
    /// facts (what a decision depends on, as for [`authority::Memo`]): a
    /// board of fifty requests of one delegation asks Cedar a handful of
    /// times, not once per offered form.
    decisions:
        std::sync::Mutex<std::collections::HashMap<(domain::Action, authority::Resource), bool>>,
}

impl Viewer {
    /// The viewer as the service's actor (account and channel).
    pub fn actor(&self) -> Result<service::Actor, ApiError> {
        self.caller.actor()
    }

    /// Whether the policy lets the viewer do `action` on `resource`.
    pub fn may(
        &self,
        state: &AppState,
        action: domain::Action,
        resource: &authority::Resource,
    ) -> bool {
        let key = (action, resource.anonymous());
        let mut decisions = self
            .decisions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(allowed) = decisions.get(&key) {
            return *allowed;
        }
        let allowed = state
            .svc()
            .authority()
            .decide(&self.principal, action, resource)
            .allowed;
        decisions.insert(key, allowed);
        allowed
    }
}

/// The viewer of a page, or a redirect to the login page.
pub async fn viewer(
    state: &AppState,
    caller: Result<Caller, ApiError>,
) -> Result<Viewer, PageError> {
    let caller = caller.map_err(|e| {
        if e.status() == StatusCode::UNAUTHORIZED {
            PageError::Login
        } else {
            PageError::Api(e)
        }
    })?;
    let username = caller.username().map_err(PageError::Api)?.to_owned();
    let principal = caller
        .principal(state.svc())
        .await
        .map_err(PageError::Api)?;
    Ok(Viewer {
        caller,
        username,
        principal,
        decisions: std::sync::Mutex::default(),
    })
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// Not logged in: to the login page.
    Login,
    /// Anything else: an error page with the API's status and message.
    Api(ApiError),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError::Api(e)
    }
}

impl From<store::StoreError> for PageError {
    fn from(e: store::StoreError) -> PageError {
        PageError::Api(e.into())
    }
}

impl From<service::ServiceError> for PageError {
    fn from(e: service::ServiceError) -> PageError {
        PageError::Api(e.into())
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login => Redirect::to("/").into_response(),
            PageError::Api(e) => {
                let status = e.status();
                let page = ErrorPage {
                    chrome: Chrome {
                        title: "Error".into(),
                        ..Chrome::default()
                    },
                    status: status.as_u16(),
                    message: e.message().to_owned(),
                };
                let mut response = html(&page);
                *response.status_mut() = status;
                response
            }
        }
    }
}

/// A rendered page with the pages' headers.
pub fn html(page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(PAGE_CSP),
                ),
                // With `no-referrer` a browser sends `Origin: null` with a
                // form post, which the CSRF check cannot tell from another
                // site's; `same-origin` sends ours and nothing elsewhere.
                (
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("same-origin"),
                ),
            ],
            body,
        )
            .into_response(),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    message: Option<String>,
}

/// `GET /`: the login page, or home for a logged-in caller.
async fn login_page(State(state): State<AppState>, caller: Result<Caller, ApiError>) -> Response {
    if caller.is_ok() {
        return Redirect::to("/home").into_response();
    }
    html(&LoginPage {
        chrome: Chrome::new(&state, "Log in", None),
        username: String::new(),
        message: None,
    })
}

/// The login form's fields.
#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    /// The authenticator's code or a recovery code (second factor).
    #[serde(default)]
    totp: String,
}

/// `POST /login`: the form login. Success sets the API's session cookie and
/// goes home; a failure shows the page again with the reason (the same
/// sentence for a wrong name and a wrong password).
pub async fn login_post(
    State(state): State<AppState>,
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Response {
    let again = |status: StatusCode, username: String, message: String| {
        let mut response = html(&LoginPage {
            chrome: Chrome::new(&state, "Log in", None),
            username,
            message: Some(message),
        });
        *response.status_mut() = status;
        response
    };
    if let Err(e) = forms::same_site_form(&state, peer.as_ref().ok(), &headers) {
        return again(e.status(), String::new(), e.message().to_owned());
    }
    let form: LoginForm = match forms::form_body(&headers, body) {
        Ok(f) => f,
        Err(e) => return again(e.status(), String::new(), e.message().to_owned()),
    };
    let username = form.username.trim().to_owned();
    let request = LoginRequest {
        username: username.clone(),
        password: form.password,
        totp: Some(form.totp).filter(|t| !t.trim().is_empty()),
    };
    match auth::open_session(&state, peer.as_ref().ok(), &headers, request).await {
        Ok(opened) => {
            let mut response = Redirect::to("/home").into_response();
            if let Some(c) = opened.cookie {
                response.headers_mut().insert(header::SET_COOKIE, c);
            }
            response
        }
        Err(e) => again(e.status(), username, e.message().to_owned()),
    }
}

/// `POST /logout`: ends the session, back to the login page.
async fn logout(
    State(state): State<AppState>,
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
    caller: Result<Caller, ApiError>,
) -> Result<Response, PageError> {
    forms::same_site_form(&state, peer.as_ref().ok(), &headers)?;
    let Ok(caller) = caller else {
        return Ok(Redirect::to("/").into_response());
    };
    let cookie = auth::close_session(&state, peer.as_ref().ok(), &headers, caller).await?;
    let mut response = Redirect::to("/").into_response();
    if let Some(c) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(response)
}

/// "3 h 12 min" for a duration in milliseconds (of its absolute value).
pub fn duration_text(ms: i64) -> String {
    let minutes = ms.unsigned_abs() / 60_000;
    let (d, h, m) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

/// "2026-02-06 20:00 UTC" for Unix milliseconds (the date as the domain
/// counts days).
pub fn time_text(ms: i64) -> String {
    let date = domain::time::Timestamp::from_millis(ms).date();
    let minutes = ms.div_euclid(60_000).rem_euclid(1440);
    format!("{date} {:02}:{:02} UTC", minutes / 60, minutes % 60)
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations_read_as_people_write_them() {
        assert_eq!(time_text(0), "1970-01-01 00:00 UTC");
        // 2026-02-06 20:00 UTC, the opening ceremony.
        assert_eq!(time_text(1_770_408_000_000), "2026-02-06 20:00 UTC");
        assert_eq!(time_text(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(duration_text(59_000), "0 min");
        assert_eq!(duration_text(-(3 * 3_600_000 + 12 * 60_000)), "3 h 12 min");
        assert_eq!(duration_text(3 * 86_400_000 + 5 * 3_600_000), "3 d 5 h");
    }
}
