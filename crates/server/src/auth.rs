//! Who is calling, and the session routes.
//!
//! A request authenticates with a token (`Authorization: Bearer <token>`,
//! or `ApiKey <token>` as yente clients send it) or with the session cookie
//! that `POST /api/v1/session` sets (HttpOnly, SameSite=Strict, Secure under
//! TLS; idle and absolute expiry). A token that is present but invalid is a
//! 401 even when a valid cookie comes along: the caller meant the token.
//!
//! A cookie-authenticated request that changes state (any method but
//! `GET`, `HEAD`, `OPTIONS`), and a login, are refused when the browser
//! says they come from another site (`Origin`, `Sec-Fetch-Site`): CSRF
//! protection on top of `SameSite=Strict` and the JSON-only bodies. Login
//! always issues a fresh session id; one the client brings is never adopted.
//!
//! Logins are rate-limited per client address (tower_governor) and locked
//! out per login name after repeated failures (the service keeps the
//! counters); every attempt is a ledger entry.

use axum::extract::rejection::{BytesRejection, ExtensionRejection};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use service::{Bearer, LoginOutcome, Secret};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody, json_body};
use crate::{AppState, Config};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cortina_session";

/// How the caller authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// A browser session.
    Session {
        /// The session's public id.
        session_id: String,
    },
    /// An API token.
    Token {
        /// The token's id.
        token_id: String,
        /// The purpose it was issued with.
        purpose: Option<String>,
    },
}

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// An account (by session or API token).
    Account {
        /// Its login name (what the service acts as).
        username: String,
        /// Its id.
        account_id: String,
        /// How it authenticated.
        via: Via,
        /// Its principal, read once per request ([`Caller::principal`]).
        principal: PrincipalOnce,
    },
    /// A witness token: may read the ledger, nothing else.
    Witness {
        /// The token's id.
        token_id: String,
        /// The witness's name.
        name: String,
    },
}

/// A caller's principal, read from the store the first time a request
/// needs it and shared by whatever else in the same request asks (a page
/// lists several kinds of record, each checked for this principal). It
/// lives as long as the request's `Caller`.
#[derive(Clone, Default)]
pub struct PrincipalOnce(std::sync::Arc<tokio::sync::OnceCell<authority::Principal>>);

impl std::fmt::Debug for PrincipalOnce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.initialized() {
            "PrincipalOnce(read)"
        } else {
            "PrincipalOnce(not read)"
        })
    }
}

/// A cache says nothing about who the caller is: two callers compare equal
/// whatever their caches hold.
impl PartialEq for PrincipalOnce {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for PrincipalOnce {}

impl Caller {
    /// The account's principal (its role, agency, delegation, accreditation
    /// in force), read once per request; 403 for a witness.
    pub async fn principal(
        &self,
        svc: &service::Service,
    ) -> Result<authority::Principal, ApiError> {
        match self {
            Caller::Account {
                username,
                principal,
                ..
            } => Ok(principal
                .0
                .get_or_try_init(|| svc.principal(username))
                .await?
                .clone()),
            Caller::Witness { .. } => Err(ApiError::forbidden(
                "a witness token may only read the ledger (/ledger/…)",
            )),
        }
    }

    /// The account's login name, or 403 for a witness.
    pub fn username(&self) -> Result<&str, ApiError> {
        match self {
            Caller::Account { username, .. } => Ok(username),
            Caller::Witness { .. } => Err(ApiError::forbidden(
                "a witness token may only read the ledger (/ledger/…)",
            )),
        }
    }

    /// The account and the channel it came through (`session` or
    /// `token:<id>`), for the service and its ledger entries; 403 for a
    /// witness.
    pub fn actor(&self) -> Result<service::Actor, ApiError> {
        match self {
            Caller::Account {
                username,
                via: Via::Session { .. },
                ..
            } => Ok(service::Actor::session(username.clone())),
            Caller::Account {
                username,
                via: Via::Token { token_id, .. },
                ..
            } => Ok(service::Actor::token(username.clone(), token_id.clone())),
            Caller::Witness { .. } => Err(ApiError::forbidden(
                "a witness token may only read the ledger (/ledger/…)",
            )),
        }
    }
}

/// The token in an `Authorization` header (`Bearer` or `ApiKey` scheme),
/// `Ok(None)` without the header, `Err` for a header of another shape.
fn token_of(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::unauthenticated())?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or_else(ApiError::unauthenticated)?;
    if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("apikey") {
        Ok(Some(token.trim()))
    } else {
        Err(ApiError::unauthenticated())
    }
}

/// The value of cookie `name`, if sent.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The credential a request came with, kept so that a long-lived response
/// (a live event stream) can ask again whether it still holds: a logout,
/// a disabled account, an expired session or a revoked token end it.
pub(crate) enum Credential {
    /// A bearer or API token.
    Token(String),
    /// A session cookie's value.
    Session(String),
}

impl Credential {
    /// The credential of `headers`, as [`Caller`] reads it.
    pub(crate) fn of(headers: &HeaderMap) -> Option<Credential> {
        if let Ok(Some(token)) = token_of(headers) {
            return Some(Credential::Token(token.to_owned()));
        }
        cookie(headers, SESSION_COOKIE).map(|c| Credential::Session(c.to_owned()))
    }

    /// Whether it still authenticates an account (errors count as no).
    pub(crate) async fn still_valid(&self, state: &AppState) -> bool {
        let svc = state.svc();
        match self {
            Credential::Token(t) => matches!(svc.bearer(t).await, Ok(Some(_))),
            Credential::Session(c) => {
                matches!(svc.session(c, &state.config().login).await, Ok(Some(_)))
            }
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let svc = state.svc();
        if let Some(token) = token_of(&parts.headers)? {
            return match svc.bearer(token).await? {
                Some(Bearer::Account {
                    token_id,
                    account_id,
                    username,
                    purpose,
                }) => Ok(Caller::Account {
                    username,
                    account_id,
                    via: Via::Token { token_id, purpose },
                    principal: PrincipalOnce::default(),
                }),
                Some(Bearer::Witness { token_id, name }) => Ok(Caller::Witness { token_id, name }),
                None => Err(ApiError::unauthenticated()),
            };
        }
        if let Some(value) = cookie(&parts.headers, SESSION_COOKIE)
            && let Some(s) = svc.session(value, &state.config().login).await?
        {
            // A cookie comes along with any request the browser sends, so a
            // state-changing one must come from our own pages. (A token is
            // sent on purpose and needs no such check.)
            let peer = parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip());
            if !parts.method.is_safe() && cross_site(&parts.headers, from_proxy(state, peer)) {
                return Err(cross_site_refused());
            }
            return Ok(Caller::Account {
                username: s.username,
                account_id: s.account_id,
                via: Via::Session {
                    session_id: s.session_id,
                },
                principal: PrincipalOnce::default(),
            });
        }
        Err(ApiError::unauthenticated())
    }
}

/// Whether the request came through one of the trusted reverse proxies,
/// whose `X-Forwarded-Host` then names the host the browser addressed.
pub(crate) fn from_proxy(state: &AppState, peer: Option<std::net::IpAddr>) -> bool {
    peer.is_some_and(|p| state.config().trusted_proxies.contains(&p))
}

/// Whether the browser says the request comes from another site: an
/// `Origin` whose host and port differ from the `Host` the request was sent
/// to (or, from a trusted proxy, `X-Forwarded-Host`), or `Sec-Fetch-Site:
/// cross-site`. Requests without either (scripts, older browsers on
/// same-origin requests) are not cross-site; the cookie's `SameSite=Strict`
/// and the JSON content type required of every body (a form cannot send
/// it) are the other two locks.
pub fn cross_site(headers: &HeaderMap, via_trusted_proxy: bool) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site").is_some_and(|v| v.eq_ignore_ascii_case("cross-site")) {
        return true;
    }
    let Some(origin) = header("origin") else {
        return false;
    };
    // `null` (a sandboxed frame, a redirect across sites) is never ours.
    let Some((_, authority)) = origin.split_once("://") else {
        return true;
    };
    let authority = authority.trim_end_matches('/');
    let forwarded = via_trusted_proxy
        .then(|| header("x-forwarded-host"))
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(str::trim);
    ![header("host"), forwarded]
        .into_iter()
        .flatten()
        .any(|host| authority.eq_ignore_ascii_case(host))
}

/// 403 for a cookie-authenticated request from another site.
fn cross_site_refused() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "cross_site",
        "a request from another site may not act with this session (CSRF protection)",
    )
}

/// `POST /api/v1/session`'s body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The login name.
    pub username: String,
    /// The password.
    pub password: String,
    /// The second factor, for accounts that have one: the authenticator's
    /// current 6-digit code, or one of the recovery codes (each works once).
    #[serde(default)]
    pub totp: Option<String>,
}

/// `POST /api/v1/enrolment`'s body: the enrolment secret the admin handed
/// over, exchanged for the user's own password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The login name.
    pub username: String,
    /// The single-use enrolment secret.
    pub enrolment_secret: String,
    /// The password the user chooses (at least 12 characters).
    #[schema(min_length = 12)]
    pub password: String,
    /// Set up the TOTP second factor although the role does not require it.
    #[serde(default)]
    pub totp: bool,
}

impl std::fmt::Debug for EnrolRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolRequest")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// What enrolment answers: the second factor's setup, shown once.
#[derive(Serialize, ToSchema)]
pub struct Enrolled {
    /// The ledger entry of the enrolment.
    pub seq: u64,
    /// The TOTP secret (base32) to type into an authenticator app.
    pub totp_secret: Option<String>,
    /// The same as an `otpauth://` URI (what a QR code carries).
    pub otpauth_uri: Option<String>,
    /// Single-use recovery codes: keep them offline.
    pub recovery_codes: Vec<String>,
}

/// `POST /api/v1/session/password`'s body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    pub current_password: String,
    /// The new one (at least 12 characters).
    #[schema(min_length = 12)]
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange(***)")
    }
}

/// The entry that recorded a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recorded {
    /// The ledger entry.
    pub seq: u64,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest").finish_non_exhaustive()
    }
}

/// Who is logged in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// The login name.
    pub username: String,
    /// The account's id.
    pub account_id: String,
    /// The role.
    pub role: String,
    /// The agency.
    pub agency: String,
    /// The delegation (foreign accounts).
    pub delegation: Option<String>,
    /// The session's public id (absent for a token).
    pub session: Option<String>,
    /// When the session ends at the latest (Unix ms; absent when unknown).
    pub expires_ms: Option<i64>,
    /// The ledger entry of the login.
    pub seq: Option<u64>,
}

/// The session routes, the login route rate-limited per client address.
pub fn routes(config: &Config) -> Router<AppState> {
    let limit = tower_governor::governor::GovernorConfigBuilder::default()
        .key_extractor(crate::client::ClientIpKey(
            config.trusted_proxies.clone().into(),
        ))
        .per_millisecond(config.login_replenish_ms.max(1))
        .burst_size(config.login_burst.max(1))
        .error_handler(|e| match e {
            tower_governor::GovernorError::TooManyRequests { wait_time, .. } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many login attempts from this address: slow down",
            )
            .with_retry_after(wait_time.max(1))
            .into_response(),
            e => ApiError::internal(&e).into_response(),
        })
        .finish()
        .map(std::sync::Arc::new);
    if let (Some(limit), Ok(runtime)) = (&limit, tokio::runtime::Handle::try_current()) {
        // The limiter keeps a cell per address it has seen: forget the
        // ones whose budget has refilled, or a scan of many addresses
        // would grow the map for ever. The task ends with the router.
        let limit = std::sync::Arc::downgrade(limit);
        runtime.spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                let Some(limit) = limit.upgrade() else { break };
                limit.limiter().retain_recent();
                limit.limiter().shrink_to_fit();
            }
        });
    }
    let login = post(login);
    // The login page's form shares the limit: one budget per address.
    let form = post(crate::ui::login_post);
    let form = match limit.clone() {
        Some(limit) => form.layer(tower_governor::GovernorLayer { config: limit }),
        None => form,
    };
    let login = match limit {
        Some(limit) => login.layer(tower_governor::GovernorLayer { config: limit }),
        None => login,
    };
    Router::new()
        .route("/api/v1/session", login.delete(logout).get(whoami))
        .route("/api/v1/session/password", post(change_password))
        .route("/api/v1/enrolment", post(enrol))
        .route(crate::ui::LOGIN_PATH, form)
}

/// Whether the client reached us over TLS (ours, or a trusted proxy's).
fn secure(state: &AppState, peer: Option<&ConnectInfo<SocketAddr>>, headers: &HeaderMap) -> bool {
    state.config().tls
        || crate::client::forwarded_https(
            peer.map(|p| p.0.ip()),
            headers,
            &state.config().trusted_proxies,
        )
}

fn session_cookie(value: &str, max_age_s: i64, tls: bool) -> Option<HeaderValue> {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
    ))
    .ok()
}

/// Logs in: checks the password, opens a session, sets the cookie.
#[utoipa::path(
    post, path = "/api/v1/session", tag = "session",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = SessionInfo),
        (status = 400, description = "Malformed JSON, or not a name and a password", body = ErrorBody),
        (status = 401, description = "Wrong name or password (recorded)", body = ErrorBody),
        (status = 403, description = "Sent from another site (CSRF protection)", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 429, description = "Locked out, or too many attempts from this address", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    // No logging in from another site either (login CSRF: the victim
    // would act under the attacker's account).
    refuse_cross_site(&state, peer.as_ref().ok(), &headers)?;
    let request: LoginRequest = json_body(&headers, body, "bad_request")?;
    let opened = open_session(&state, peer.as_ref().ok(), &headers, request).await?;
    let mut response = Json(opened.info).into_response();
    if let Some(c) = opened.cookie {
        response.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(response)
}

/// 403 when the browser says the request comes from another site.
pub(crate) fn refuse_cross_site(
    state: &AppState,
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    if cross_site(headers, from_proxy(state, peer.map(|p| p.0.ip()))) {
        return Err(cross_site_refused());
    }
    Ok(())
}

/// A session just opened: who, and the cookie that carries it.
pub(crate) struct Opened {
    /// Who logged in.
    pub info: SessionInfo,
    /// The `Set-Cookie` value.
    pub cookie: Option<HeaderValue>,
}

/// Checks the password and opens a session, for the API's login and the
/// login page alike (the caller has already refused cross-site requests).
/// A wrong name and a wrong password get the same answer.
pub(crate) async fn open_session(
    state: &AppState,
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
    request: LoginRequest,
) -> Result<Opened, ApiError> {
    let svc = state.svc();
    let policy = state.config().login;
    let network = peer.map(|p| {
        service::network_of(crate::client::client_ip(
            p.0.ip(),
            headers,
            &state.config().trusted_proxies,
        ))
    });
    let code = request.totp.map(Secret::new);
    let outcome = svc
        .login_with(
            &request.username,
            &Secret::new(request.password),
            network.as_deref(),
            code.as_ref(),
            &policy,
        )
        .await?;
    match outcome {
        LoginOutcome::LoggedIn {
            session,
            account_id,
            seq,
        } => {
            tracing::info!(seq, "login");
            let principal = svc.principal(&request.username).await?;
            let info = SessionInfo {
                username: request.username,
                account_id,
                role: principal.role.as_str().to_owned(),
                agency: principal.agency_id,
                delegation: principal.delegation,
                session: Some(session.id),
                expires_ms: Some(session.expires_ms),
                seq: Some(seq),
            };
            let cookie = session_cookie(
                session.secret.expose(),
                policy.session_absolute_ms / 1000,
                secure(state, peer, headers),
            );
            Ok(Opened { info, cookie })
        }
        LoginOutcome::Refused {
            seq,
            not_before_ms: Some(until),
        } => {
            tracing::info!(seq, "login refused: backing off");
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            let wait_s = ((until - now).max(0) as u64).div_ceil(1000).max(1);
            Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "locked_out",
                format!("too many failed logins: try again in {wait_s} s"),
            )
            .with_seq(seq)
            .with_retry_after(wait_s))
        }
        LoginOutcome::SecondFactor { seq, reason, .. } => {
            tracing::info!(seq, reason, "login refused: second factor");
            let (code, message) = match reason {
                "required" => (
                    "second_factor_required",
                    "this account needs its authenticator code (field totp) or a recovery code",
                ),
                "replayed" => (
                    "second_factor_replayed",
                    "this code was used already: wait for the next one",
                ),
                "not_set_up" => (
                    "second_factor_not_set_up",
                    "this role needs a second factor, not set up for this account: ask the admin for a new enrolment",
                ),
                _ => (
                    "second_factor_wrong",
                    "wrong authenticator or recovery code",
                ),
            };
            Err(ApiError::new(StatusCode::UNAUTHORIZED, code, message).with_seq(seq))
        }
        LoginOutcome::Busy { retry_after_ms } => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "busy",
            "too many logins at once: try again in a moment",
        )
        .with_retry_after(retry_after_ms.div_ceil(1000).max(1))),
        LoginOutcome::Refused { seq, .. } => {
            tracing::info!(seq, "login failed");
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "login_failed",
                "wrong username or password",
            )
            .with_seq(seq))
        }
    }
}

/// Ends the caller's session; the `Set-Cookie` value that clears it.
pub(crate) async fn close_session(
    state: &AppState,
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
    caller: Caller,
) -> Result<Option<HeaderValue>, ApiError> {
    let Caller::Account {
        via: Via::Session { session_id },
        ..
    } = caller
    else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_session",
            "no session to close: this request carries a token; revoke tokens with `cortina admin token --revoke`",
        ));
    };
    if let Some(seq) = state.svc().logout(&session_id).await? {
        tracing::info!(seq, "logout");
    }
    Ok(session_cookie("", 0, secure(state, peer, headers)))
}

/// Logs out: ends the session and clears the cookie.
#[utoipa::path(
    delete, path = "/api/v1/session", tag = "session",
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Sent from another site (CSRF protection)", body = ErrorBody),
        (status = 404, description = "No session to close: the request carries a token (`no_session`)", body = ErrorBody),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
    caller: Caller,
) -> Result<Response, ApiError> {
    let cookie = close_session(&state, peer.as_ref().ok(), &headers, caller).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(c) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(response)
}

/// Who the caller is.
#[utoipa::path(
    get, path = "/api/v1/session", tag = "session",
    responses(
        (status = 200, description = "The caller", body = SessionInfo),
        (status = 401, description = "Not logged in", body = ErrorBody),
    )
)]
pub async fn whoami(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SessionInfo>, ApiError> {
    let username = caller.username()?.to_owned();
    let principal = caller.principal(state.svc()).await?;
    let Caller::Account {
        account_id, via, ..
    } = caller
    else {
        return Err(ApiError::forbidden("a witness has no account"));
    };
    Ok(Json(SessionInfo {
        username,
        account_id,
        role: principal.role.as_str().to_owned(),
        agency: principal.agency_id,
        delegation: principal.delegation,
        session: match via {
            Via::Session { session_id } => Some(session_id),
            Via::Token { .. } => None,
        },
        expires_ms: None,
        seq: None,
    }))
}

/// Exchanges an enrolment secret for the user's own password (and, where
/// the role requires it, a TOTP second factor with recovery codes, shown
/// once in the answer). Recorded either way; a secret already used, wrong
/// or expired is refused with a reason the user can act on.
#[utoipa::path(
    post, path = "/api/v1/enrolment", tag = "session",
    request_body = EnrolRequest,
    responses(
        (status = 200, description = "Enrolled; the second factor's setup, once", body = Enrolled),
        (status = 400, description = "Password too short, or a malformed body", body = ErrorBody),
        (status = 403, description = "Sent from another site (CSRF protection)", body = ErrorBody),
        (status = 409, description = "Secret wrong, expired or already used (recorded)", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 429, description = "Too many attempts", body = ErrorBody),
    )
)]
pub async fn enrol(
    State(state): State<AppState>,
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Result<Json<Enrolled>, ApiError> {
    refuse_cross_site(&state, peer.as_ref().ok(), &headers)?;
    let r: EnrolRequest = json_body(&headers, body, "bad_request")?;
    enrol_account(&state, r).await.map(Json)
}

/// [`enrol`]'s work, shared with the enrolment page.
pub(crate) async fn enrol_account(state: &AppState, r: EnrolRequest) -> Result<Enrolled, ApiError> {
    let outcome = state
        .svc()
        .enrol(
            &r.username,
            &Secret::new(r.enrolment_secret),
            &Secret::new(r.password),
            r.totp,
        )
        .await?;
    match outcome {
        service::accounts::EnrolOutcome::Enrolled { seq, totp } => Ok(Enrolled {
            seq,
            totp_secret: totp.as_ref().map(|t| t.secret_base32.expose().to_owned()),
            otpauth_uri: totp.as_ref().map(|t| t.otpauth_uri.expose().to_owned()),
            recovery_codes: totp
                .map(|t| {
                    t.recovery_codes
                        .iter()
                        .map(|c| c.expose().to_owned())
                        .collect()
                })
                .unwrap_or_default(),
        }),
        service::accounts::EnrolOutcome::Refused { seq, reason } => {
            Err(ApiError::new(StatusCode::CONFLICT, "enrolment_refused", reason).with_seq(seq))
        }
    }
}

/// Changes the caller's password (the current one is required); every
/// other session of the account ends. A session only: a token cannot.
#[utoipa::path(
    post, path = "/api/v1/session/password", tag = "session",
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; other sessions ended (recorded)", body = Recorded),
        (status = 400, description = "New password too short, or a malformed body", body = ErrorBody),
        (status = 401, description = "Not logged in, or the current password is wrong (recorded)", body = ErrorBody),
        (status = 403, description = "Sent from another site (CSRF protection), or a token rather than a session", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 429, description = "Every password-hash slot is taken: try again (Retry-After)", body = ErrorBody),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Result<Json<Recorded>, ApiError> {
    let Caller::Account {
        account_id,
        via: Via::Session { session_id },
        ..
    } = caller
    else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "no_session",
            "a password is changed in a session (log in), not with a token",
        ));
    };
    let r: PasswordChange = json_body(&headers, body, "bad_request")?;
    let seq = state
        .svc()
        .change_password(
            &account_id,
            Some(&session_id),
            &Secret::new(r.current_password),
            &Secret::new(r.new_password),
        )
        .await?;
    Ok(Json(Recorded { seq }))
}
