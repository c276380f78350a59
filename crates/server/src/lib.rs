//! `server`: cortina over HTTP. The only crate that knows HTTP; it owns its
//! wire types and maps every error to a response in one place.
//!
//! ```text
//! request ─► security headers, body limit, timeout, trace (route, status, latency; no
//!            query strings, bodies or credentials)
//!         ─► route ─► Caller (session cookie, or Bearer / ApiKey token)
//!                  ─► Service::execute / Service::record / a read ─► response
//! ```
//!
//! Route families, each with its own error shape:
//!
//! * `/api/v1/…` ([`api`], [`auth`], [`rest`]): sessions, commands (the same
//!   vocabulary as `cortina exec`), and one route per resource and action
//!   from the table in [`rest`], lists and ledger queries included; errors
//!   `{"error": {"code", "message", …}}`.
//!   The OpenAPI document is at `/api/v1/openapi.json` ([`openapi`]).
//! * `/match/{dataset}`, `/search/{dataset}`, `/catalog`, `/entities/{id}`
//!   ([`yente`]): yente-compatible screening; errors `{"detail": …}`.
//! * `/ledger/…` ([`ledger`]): the C2SP tlog-tiles read API; with witnesses
//!   configured, the checkpoint they cosigned ([`witnessing`]).
//! * `/api/v1/rooms/{id}/events` ([`events`]): a room's live board as
//!   server-sent events.
//! * `/healthz`, `/readyz`.
//! * `/`, `/home`, `/rooms/{id}`, `/ledger`, `/do/{action}`, `/static/…`
//!   ([`ui`]): the web UI, server-rendered pages on the same session;
//!   errors as pages.
//!
//! [`witness`] is another router: the C2SP tlog-witness `add-checkpoint`
//! endpoint that `cortina witness serve` runs on the oversight body's
//! machine.
//!
//! [`serve`] runs the router until the shutdown future completes, lets the
//! requests in flight finish, then closes the store; [`tls::serve_tls`] does
//! the same over TLS.

pub mod api;
pub mod applicants;
pub mod auth;
pub mod client;
pub mod consultations;
pub mod disclosures;
pub mod error;
pub mod events;
pub mod ledger;
pub(crate) mod lists;
pub mod openapi;
pub mod passes;
pub mod rest;
pub mod schema;
pub mod stats;
pub mod tls;
pub mod ui;
pub mod watchlists;
pub mod witness;
pub mod witnessing;
pub mod yente;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, State};
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use screening::Index;
use service::{LoginPolicy, Service};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// How the server behaves. [`Config::default`] is what `cortina serve` uses.
#[derive(Clone, Debug)]
pub struct Config {
    /// Failed-login back-off and session lifetimes.
    pub login: LoginPolicy,
    /// Login attempts allowed per client address (an IPv6 /64): a burst of
    /// this many… (a flood guard; guessing is slowed by the back-off of
    /// [`LoginPolicy`], which counts failures only, so that a shift change
    /// behind one NAT address still gets in)
    pub login_burst: u32,
    /// …then one more every this many milliseconds.
    pub login_replenish_ms: u64,
    /// Largest request body (bytes).
    pub body_limit: usize,
    /// Longest time a request may take.
    pub timeout: Duration,
    /// Whether clients reach the server over TLS: session cookies are then
    /// `Secure` and responses carry HSTS.
    pub tls: bool,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are
    /// believed ([`client`]).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Witnesses whose cosignatures the published checkpoint carries
    /// ([`witnessing`]); none: the newest checkpoint is published as the
    /// log signed it.
    pub witnesses: Vec<witnessing::WitnessConfig>,
    /// How often the newest checkpoint is submitted to the witnesses.
    pub witness_interval: Duration,
    /// What runs list updates (`cortina serve`'s): the lists page, the
    /// admin's on-demand update, the warning of a failed update.
    pub lists: Option<watchlists::Lists>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            login: LoginPolicy::default(),
            login_burst: 30,
            login_replenish_ms: 1_000,
            body_limit: 1 << 20,
            timeout: Duration::from_secs(30),
            tls: false,
            trusted_proxies: Vec::new(),
            witnesses: Vec::new(),
            witness_interval: Duration::from_secs(2),
            lists: None,
        }
    }
}

/// What every handler shares: the service, the screening index, the
/// configuration. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    svc: Service,
    config: Config,
    /// Set when the server shuts down: live event streams end ([`events`]).
    closing: tokio::sync::watch::Sender<bool>,
    /// Open live event streams per account ([`events::MAX_STREAMS`]).
    streams: events::StreamCount,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("svc", &self.inner.svc)
            .field("lists", &self.index().map(|i| i.snapshot_hash().to_owned()))
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// The state for a server over `svc`, screening against `index` (none
    /// when no lists were imported: the screening routes then answer 503)
    /// unless the service has lists already. The lists are the service's:
    /// a new snapshot set there ([`Service::set_lists`]) is what every
    /// following request screens against, without a restart.
    pub fn new(svc: Service, index: Option<Arc<Index>>, config: Config) -> AppState {
        if let (Some(index), None) = (index, svc.lists()) {
            svc.set_lists(Arc::new(service::ScreeningLists::shared(index)));
        }
        AppState {
            inner: Arc::new(Shared {
                svc,
                config,
                closing: tokio::sync::watch::Sender::new(false),
                streams: events::StreamCount::default(),
            }),
        }
    }

    /// The service.
    pub fn svc(&self) -> &Service {
        &self.inner.svc
    }

    /// The screening index in force, if lists are loaded (a request keeps
    /// the one it took, even if a new snapshot is swapped in meanwhile).
    pub fn index(&self) -> Option<Arc<Index>> {
        self.inner.svc.lists().map(|l| l.index().clone())
    }

    /// The open live event streams, per account.
    pub(crate) fn streams(&self) -> &events::StreamCount {
        &self.inner.streams
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Tells whether the server is shutting down (long-lived streams end).
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    /// Ends the live event streams: the server is shutting down.
    pub fn close_streams(&self) {
        self.inner.closing.send_replace(true);
    }
}

/// The whole router, with its layers.
pub fn router(state: AppState) -> Router {
    let config = state.config().clone();
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(auth::routes(&config))
        .merge(api::routes())
        .merge(rest::routes())
        .merge(yente::routes())
        .merge(ledger::routes())
        .merge(events::routes())
        .merge(ui::routes())
        // Accreditation passes and the gate (issue 12, item 7).
        .merge(passes::routes())
        .route("/api/v1/openapi.json", get(openapi::document))
        .fallback(not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            config.body_limit,
            refuse_oversize,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.timeout,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    // The route template only: paths and query strings can carry
                    // names (`/search/default?q=…`), which stay out of the logs.
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("(unmatched)", MatchedPath::as_str);
                    tracing::info_span!("request", method = %request.method(), route)
                })
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        );
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ] {
        // The pages ([`ui`]) set their own, looser CSP (scripts and styles
        // from this origin) and referrer policy (`same-origin`, so that
        // their forms carry an `Origin`); every other response gets these.
        let layer = if name == header::CONTENT_SECURITY_POLICY || name == header::REFERRER_POLICY {
            SetResponseHeaderLayer::if_not_present
        } else {
            SetResponseHeaderLayer::overriding
        };
        app = app.layer(layer(name, HeaderValue::from_static(value)));
    }
    // Responses are private and fresh unless a route says otherwise (the
    // ledger's full tiles are immutable and say so).
    app = app.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    if config.tls {
        app = app.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    app
}

/// Serves `state` on `listener` until `shutdown` completes; then stops
/// accepting, lets the requests in flight finish, and closes the store.
/// Warms the ledger's proof cache first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.svc().store().clone();
    warm(&state).await;
    let witnessing = start_witnessing(&state)?;
    let shutdown = closing_streams(state.clone(), shutdown);
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(w) = witnessing {
        w.abort();
    }
    store.close().await;
    result
}

/// Starts submitting checkpoints to the configured witnesses, if any.
pub(crate) fn start_witnessing(
    state: &AppState,
) -> std::io::Result<Option<tokio::task::JoinHandle<()>>> {
    let config = state.config();
    if config.witnesses.is_empty() {
        return Ok(None);
    }
    let witnesses = witnessing::Witnesses::new(config.witnesses.clone())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    Ok(Some(tokio::spawn(witnessing::run(
        witnesses,
        state.svc().store().clone(),
        config.witness_interval,
    ))))
}

/// `shutdown`, then the end of the live event streams, which would
/// otherwise hold the graceful shutdown open.
pub(crate) async fn closing_streams(state: AppState, shutdown: impl Future<Output = ()>) {
    shutdown.await;
    state.close_streams();
}

/// Refuses a body whose declared length exceeds the limit before reading
/// any of it (a body without a length is cut off at the limit while read).
async fn refuse_oversize(
    State(limit): State<usize>,
    request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // The applicants' bulk route takes up to 10,000 rows: its limit alone is raised.
    let limit = if request.uri().path() == "/api/v1/applicants" {
        limit.max(applicants::SUBMIT_BODY_LIMIT)
    } else {
        limit
    };
    if declared.is_some_and(|n| n > limit as u64) {
        let message = "the request body is larger than the server accepts";
        let path = request.uri().path();
        if yente::is_yente_path(path) {
            return error::YenteError::new(StatusCode::PAYLOAD_TOO_LARGE, message).into_response();
        }
        return error::ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
            .into_response();
    }
    next.run(request).await
}

/// Loads the ledger's upper hashes, so that tiles and proofs read few rows.
/// Before serving: the proof cache warmed, and the live boards following
/// the store, so that changes made by other processes on the same database
/// show too ([`service::Service::follow`]).
async fn warm(state: &AppState) {
    match state.svc().store().warm_proof_cache().await {
        Ok(n) => tracing::info!(cached_hashes = n, "ledger proof cache warmed"),
        Err(e) => tracing::warn!(error = %e, "could not warm the ledger proof cache"),
    }
    if let Err(e) = state.svc().follow(FOLLOW_EVERY).await {
        tracing::warn!(error = %e, "live boards will not show other processes' changes");
    }
    // The statistics' cells, in memory before oversight's first read (in
    // the background: a first catch-up over a long ledger takes a while).
    let svc = state.svc().clone();
    tokio::spawn(async move {
        if let Err(e) = svc.stats_load().await {
            tracing::warn!(error = %e, "statistics not loaded; the first read will load them");
        }
    });
}

/// How often the live boards look for changes made by other processes.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(250);

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.svc().store().ledger_stats().await {
        // Ready or not, nothing else: the ledger's size and the lists'
        // snapshot are for those who may read them (the checkpoint, `lists
        // status`), not for anyone who can reach the port.
        Ok(_) => axum::Json(serde_json::json!({ "status": "ready" })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness check: the store does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "unavailable" })),
            )
                .into_response()
        }
    }
}

async fn not_found() -> error::ApiError {
    error::ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}
