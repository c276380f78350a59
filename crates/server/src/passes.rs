//! Accreditation passes over HTTP (issue 12, item 7).
//!
//! ```text
//! GET /api/v1/gate/bundle             the public pass key + signed revocation list (public)
//! GET /api/v1/passes/declarations/{id} a declared person's pass (JSON)
//! GET /api/v1/passes/applicants/{id}   an applicant's pass (JSON)
//! GET /passes/declarations/{id}        the printable pass page (QR code, SVG)
//! GET /passes/applicants/{id}
//! GET /gate                            the steward's offline verifier page (public)
//! ```
//!
//! The gate bundle is public: it holds the public key and pass ids, which
//! nobody can match to a person without the pass key (see
//! `service::passes`). The `/gate` page is public too (a steward needs no
//! account); it runs `static/gate.js`, which verifies with WebCrypto's
//! Ed25519 and keeps the bundle it synced last in the browser's storage.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use service::passes::SubjectKind;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::ui::{Chrome, PageError, html, time_text, viewer};

/// The routes (API and pages).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/gate/bundle", get(bundle))
        .route("/api/v1/passes/declarations/{id}", get(declaration_pass))
        .route("/api/v1/passes/applicants/{id}", get(applicant_pass))
        .route("/passes/declarations/{id}", get(declaration_page))
        .route("/passes/applicants/{id}", get(applicant_page))
        .route("/gate", get(gate_page))
}

/// The gate bundle (`cortina-gate-bundle/1`).
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleBody {
    /// `cortina-gate-bundle/1`.
    pub format: String,
    /// The pass key's id (16 hex digits).
    pub key_id: String,
    /// The pass key's public half (Ed25519, base64url).
    pub public_key: String,
    /// The signed revocation list (`CR1.<list>.<signature>`).
    pub revocations: String,
}

/// One venue and zone a pass admits to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessBody {
    /// The venue.
    pub venue: String,
    /// The zone.
    pub zone: String,
}

/// A signed pass.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassBody {
    /// The encoded pass (`CP1.<payload>.<signature>`): what the QR code holds.
    pub pass: String,
    /// The pass id (what a revocation list names).
    pub id: String,
    /// The holder's name.
    pub name: String,
    /// The last digits of the holder's document.
    pub document_digits: String,
    /// The category (or the declared role).
    pub category: String,
    /// The venues and zones admitted to.
    pub access: Vec<AccessBody>,
    /// Valid from (Unix seconds).
    pub valid_from: i64,
    /// Valid until, exclusive (Unix seconds).
    pub valid_until: i64,
    /// The id of the key that signed it.
    pub key_id: String,
}

fn now_secs() -> i64 {
    crate::ui::now_ms().div_euclid(1000)
}

/// The public pass key and the revocation list as of now, signed.
#[utoipa::path(
    get, path = "/api/v1/gate/bundle", tag = "passes", security(),
    responses(
        (status = 200, description = "The gate bundle: verifiers keep it and check passes offline", body = BundleBody),
    )
)]
pub async fn bundle(State(state): State<AppState>) -> Result<Response, ApiError> {
    let b = state.svc().gate_bundle(now_secs()).await?;
    let mut response = Json(BundleBody {
        format: b.format,
        key_id: b.key_id,
        public_key: b.public_key,
        revocations: b.revocations,
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn signed_pass(
    state: &AppState,
    caller: &Caller,
    kind: SubjectKind,
    id: &str,
) -> Result<service::passes::IssuedPass, ApiError> {
    let username = caller.username()?;
    Ok(state.svc().pass(username, kind, id).await?)
}

fn pass_body(p: service::passes::IssuedPass) -> PassBody {
    let c = p.claims;
    PassBody {
        pass: p.encoded,
        id: c.id,
        name: c.n,
        document_digits: c.d,
        category: c.c,
        access: c
            .a
            .into_iter()
            .map(|a| AccessBody {
                venue: a.0,
                zone: a.1,
            })
            .collect(),
        valid_from: c.f,
        valid_until: c.u,
        key_id: c.k,
    }
}

/// A declared person's pass, for whoever may read the declaration line.
#[utoipa::path(
    get, path = "/api/v1/passes/declarations/{id}", tag = "passes",
    params(("id" = String, Path, description = "The declaration line")),
    responses(
        (status = 200, description = "The signed pass", body = PassBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such line, or not the caller's to read", body = ErrorBody),
        (status = 409, description = "Not accredited, or suspended or revoked", body = ErrorBody),
    )
)]
pub async fn declaration_pass(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PassBody>, ApiError> {
    let p = signed_pass(&state, &caller, SubjectKind::Declaration, &id).await?;
    Ok(Json(pass_body(p)))
}

/// An applicant's pass, for its organiser's accreditation office.
#[utoipa::path(
    get, path = "/api/v1/passes/applicants/{id}", tag = "passes",
    params(("id" = String, Path, description = "The applicant (its opaque id)")),
    responses(
        (status = 200, description = "The signed pass", body = PassBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such applicant, or not the caller's to read", body = ErrorBody),
        (status = 409, description = "No \"no objection\", no validity, or suspended or revoked", body = ErrorBody),
    )
)]
pub async fn applicant_pass(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PassBody>, ApiError> {
    let p = signed_pass(&state, &caller, SubjectKind::Applicant, &id).await?;
    Ok(Json(pass_body(p)))
}

/// The printable pass.
#[derive(Template)]
#[template(path = "pass.html")]
struct PassPage {
    chrome: Chrome,
    pass: PassBody,
    qr_svg: String,
    valid_from: String,
    valid_until: String,
}

/// The QR code of `text` as an SVG element (low error correction keeps
/// the code small; the signature detects any misread).
fn qr_svg(text: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::L)
        .map_err(|e| ApiError::internal(&e))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(300, 300)
        .quiet_zone(true)
        .build();
    // Inline in the page: the XML declaration is not wanted there.
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    })
}

async fn page(
    state: AppState,
    caller: Result<Caller, ApiError>,
    kind: SubjectKind,
    id: String,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    let p = signed_pass(&state, &viewer.caller, kind, &id).await?;
    let qr_svg = qr_svg(&p.encoded)?;
    let pass = pass_body(p);
    Ok(html(&PassPage {
        chrome: Chrome::new(&state, format!("Pass · {}", pass.name), Some(&viewer)),
        valid_from: time_text(pass.valid_from.saturating_mul(1000)),
        valid_until: time_text(pass.valid_until.saturating_mul(1000)),
        qr_svg,
        pass,
    }))
}

/// `GET /passes/declarations/{id}`.
async fn declaration_page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    page(state, caller, SubjectKind::Declaration, id).await
}

/// `GET /passes/applicants/{id}`.
async fn applicant_page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    page(state, caller, SubjectKind::Applicant, id).await
}

/// The steward's verifier.
#[derive(Template)]
#[template(path = "gate.html")]
struct GatePage {
    chrome: Chrome,
}

/// `GET /gate`: public; the page syncs the bundle itself.
async fn gate_page(State(state): State<AppState>) -> Response {
    html(&GatePage {
        chrome: Chrome::new(&state, "Gate", None),
    })
}
