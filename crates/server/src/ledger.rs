//! The ledger's C2SP tlog-tiles read API, as `cortina ledger verify --url`
//! and standard tlog tooling read it:
//!
//! * `GET /ledger/checkpoint` — the latest signed checkpoint (`no-cache`);
//!   with witnesses configured, the newest one every witness cosigned
//!   (C2SP tlog-cosignature lines after the log's signature);
//! * `GET /ledger/tile/<L>/<N>[.p/<W>]` — hash tiles;
//! * `GET /ledger/tile/entries/<N>[.p/<W>]` — entry bundles;
//! * `GET /ledger/key` — the verifier key (`name+hash+base64`).
//!
//! Full tiles never change: `Cache-Control: private, max-age=31536000,
//! immutable` (private: a shared cache must not hand them to a caller without
//! a token). Partial tiles grow: `no-cache`. The path is parsed and validated
//! by `ledger::Tile::parse_path` with checked arithmetic; anything that is
//! not a canonical tile path (`..`, an index beyond any `u64` log) and a tile
//! beyond the log are both a 404: no such tile.
//!
//! Readers: an account the policy lets read the ledger (`ledger.read`: the
//! oversight role), or a witness token. Reads are not ledger entries: the
//! ledger holds no personal data, and a verifier reading it must not make
//! it grow.

use authority::Resource;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::Action;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};

/// The ledger routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ledger/checkpoint", get(checkpoint))
        .route("/ledger/key", get(key))
        .route("/ledger/tile/{*path}", get(tile))
}

/// Refuses callers who may not read the ledger. An allowed read is not
/// recorded (a verifier polling the log must not make it grow); a refused
/// one is a denial like any other, recorded with the policies that decided.
pub(crate) async fn may_read(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    if let Caller::Witness { .. } = caller {
        return Ok(());
    }
    let principal = caller.principal(state.svc()).await?;
    let decision =
        state
            .svc()
            .authority()
            .decide(&principal, Action::LedgerRead, &Resource::Ledger);
    if decision.allowed {
        return Ok(());
    }
    // Decided again inside the ledger's transaction, which records the
    // denial and returns it with its entry.
    state
        .svc()
        .record(
            &caller.actor()?,
            Action::LedgerRead,
            Resource::Ledger,
            Vec::new(),
        )
        .await?;
    Ok(())
}

fn bytes(body: Vec<u8>, content_type: &'static str, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}

/// The latest signed checkpoint.
#[utoipa::path(
    get, path = "/ledger/checkpoint", tag = "ledger",
    responses(
        (status = 200, description = "The checkpoint (C2SP tlog-checkpoint in a signed note); with witnesses configured, the newest one they all cosigned (C2SP tlog-cosignature lines)", content_type = "text/plain", body = String),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not a ledger reader", body = ErrorBody),
    )
)]
pub async fn checkpoint(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    may_read(&state, &caller).await?;
    checkpoint_response(&state).await
}

/// The latest checkpoint as a response (for a caller already checked):
/// with witnesses configured, the newest one they all cosigned (until
/// they first have, the log's newest, which a verifier requiring their
/// cosignature refuses).
pub(crate) async fn checkpoint_response(state: &AppState) -> Result<Response, ApiError> {
    let note = published_checkpoint(state).await?;
    Ok(bytes(
        note.into_bytes(),
        "text/plain; charset=utf-8",
        "no-cache",
    ))
}

/// The checkpoint the server publishes: with witnesses configured, the
/// newest one they all cosigned (until they first have, the log's newest,
/// which a verifier requiring their cosignature refuses).
pub(crate) async fn published_checkpoint(state: &AppState) -> Result<String, ApiError> {
    let store = state.svc().store();
    let witnessed = if state.config().witnesses.is_empty() {
        None
    } else {
        store.witnessed_checkpoint().await?
    };
    Ok(match witnessed {
        Some(note) => note,
        None => store.checkpoint().await?,
    })
}

/// The ledger's verifier key.
#[utoipa::path(
    get, path = "/ledger/key", tag = "ledger",
    responses(
        (status = 200, description = "The verifier key (name+hash+base64)", content_type = "text/plain", body = String),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not a ledger reader", body = ErrorBody),
    )
)]
pub async fn key(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    may_read(&state, &caller).await?;
    let key = format!("{}\n", state.svc().store().verifier().key_string());
    Ok(bytes(
        key.into_bytes(),
        "text/plain; charset=utf-8",
        "no-cache",
    ))
}

/// A hash tile or an entry bundle.
#[utoipa::path(
    get, path = "/ledger/tile/{path}", tag = "ledger",
    params(("path" = String, Path, description = "`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`, N in groups of `x001/` digits")),
    responses(
        (status = 200, description = "The tile's bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not a ledger reader", body = ErrorBody),
        (status = 404, description = "Not a tile path, or beyond the log", body = ErrorBody),
    )
)]
pub async fn tile(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    may_read(&state, &caller).await?;
    let tile = ledger::Tile::parse_path(&format!("tile/{path}"))
        .map_err(|e| ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string()))?;
    let data = state.svc().store().tile(&tile).await.map_err(|e| match e {
        store::StoreError::OutOfRange(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
        e => ApiError::from(e),
    })?;
    let cache = if tile.is_partial() {
        "no-cache"
    } else {
        "private, max-age=31536000, immutable"
    };
    Ok(bytes(data, "application/octet-stream", cache))
}
