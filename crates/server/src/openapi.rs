//! The OpenAPI 3 document of every route, served at
//! `/api/v1/openapi.json`. The handlers carry their own descriptions
//! (`#[utoipa::path]`); this lists them, and adds the resource routes from
//! `rest::ROUTES`. A test checks that every route the
//! router serves is here.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "cortina",
        description = "Host-run coordination and screening for major international events. Every state change goes through the policy and into the tamper-evident ledger.",
    ),
    paths(
        healthz_doc,
        readyz_doc,
        crate::auth::login,
        crate::auth::logout,
        crate::auth::whoami,
        crate::auth::enrol,
        crate::auth::change_password,
        crate::api::command,
        crate::events::events,
        openapi_doc,
        crate::yente::match_entities,
        crate::yente::search,
        crate::yente::catalog,
        crate::yente::algorithms,
        crate::yente::entity,
        crate::ledger::checkpoint,
        crate::ledger::key,
        crate::ledger::tile,
        crate::passes::bundle,
        crate::passes::declaration_pass,
        crate::passes::applicant_pass,
    ),
    modifiers(&Security, &Resources),
    security(("bearer" = []), ("session" = [])),
)]
pub struct ApiDoc;

struct Security;

/// The resource routes, from the table that also builds their router.
struct Resources;

impl utoipa::Modify for Resources {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        crate::rest::document_paths(openapi);
    }
}

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`cortina admin token`); yente routes also take `Authorization: ApiKey <token>`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health", security(),
    responses((status = 200, description = "Alive", content_type = "text/plain", body = String)))]
#[allow(dead_code)]
fn healthz_doc() {}

/// Readiness: the store answers.
#[utoipa::path(get, path = "/readyz", tag = "health", security(),
    responses(
        (status = 200, description = "Ready", body = Object),
        (status = 503, description = "The store does not answer", body = Object),
    ))]
#[allow(dead_code)]
fn readyz_doc() {}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health", security(),
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
#[allow(dead_code)]
fn openapi_doc() {}

/// The document as JSON: utoipa's, with the field-level schemas of
/// [`crate::schema`] set in.
pub fn json() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    crate::schema::apply(&mut doc);
    doc
}

/// `GET /api/v1/openapi.json`: built once.
pub async fn document() -> Json<serde_json::Value> {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    Json(DOC.get_or_init(json).clone())
}
