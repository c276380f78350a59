//! `GET /api/v1/consultations`: the consultation log
//! (`service::consultations`), for oversight only (`consultations.read`).
//! Each question is itself recorded as a consultation before it is
//! answered; a refusal is a denial entry like any other.
//!
//! Query parameters: `name` (through the screening engine's comparison
//! forms: any script, any order), `document`, `record`, `account`, `from`
//! and `until` (Unix ms, half-open), `before` (the keyset cursor: the
//! `next` of the previous page) and `limit` (1..=1000, default 100). The
//! optional `X-Purpose` header says why oversight asks.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// The log's query string.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsultationsQuery {
    /// Concerning a person of this name.
    pub name: Option<String>,
    /// Concerning this identity document.
    pub document: Option<String>,
    /// Of this record.
    pub record: Option<String>,
    /// By this account.
    pub account: Option<String>,
    /// From (Unix ms, inclusive).
    pub from: Option<i64>,
    /// Until (Unix ms, exclusive).
    pub until: Option<i64>,
    /// Older than this entry (the previous page's `next`).
    pub before: Option<i64>,
    /// Page size, 1..=1000.
    pub limit: Option<i64>,
}

impl ConsultationsQuery {
    /// The service's query, with the purpose from `X-Purpose`.
    pub fn into_service(self, purpose: Option<String>) -> service::consultations::Query {
        service::consultations::Query {
            name: self.name,
            document: self.document,
            record: self.record,
            account: self.account,
            from: self.from,
            until: self.until,
            before: self.before,
            limit: self.limit,
            purpose,
        }
    }
}

/// The purpose header, if any (plain text, at most 500 characters).
pub(crate) fn purpose(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(crate::rest::PURPOSE_HEADER) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| bad("X-Purpose must be plain text"))?
        .trim()
        .to_owned();
    if text.chars().count() > 500 || text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(bad("X-Purpose: at most 500 characters of plain text"));
    }
    Ok((!text.is_empty()).then_some(text))
}

fn bad(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_query", message.to_owned())
}

/// Records the question, then answers with a page of the log.
pub(crate) async fn respond(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    query: ConsultationsQuery,
) -> Result<Response, ApiError> {
    if let Some(limit) = query.limit
        && !(1..=1000).contains(&limit)
    {
        return Err(bad("limit must be between 1 and 1000"));
    }
    let actor = caller.actor()?;
    let query = query.into_service(purpose(headers)?);
    let page = state.svc().consultations(&actor, &query).await?;
    Ok(Json(page).into_response())
}

/// The route's OpenAPI operation details: query parameters and responses.
pub(crate) fn openapi(
    mut op: utoipa::openapi::path::OperationBuilder,
) -> utoipa::openapi::path::OperationBuilder {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, Required, ResponseBuilder};
    let string = |max: usize| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(max))
            .build()
    };
    let integer = |min: i64, max: Option<i64>| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .minimum(Some(min as f64))
            .maximum(max.map(|m| m as f64))
            .build()
    };
    let params = [
        (
            "name",
            "Concerning a person of this name (the screening engine's forms: any script or order)",
            string(500),
        ),
        (
            "document",
            "Concerning this identity document number",
            string(100),
        ),
        ("record", "Of this record (its id)", string(200)),
        ("account", "By this account", string(200)),
        (
            "from",
            "From this time on (Unix ms)",
            integer(i64::MIN / 2, None),
        ),
        (
            "until",
            "Before this time (Unix ms)",
            integer(i64::MIN / 2, None),
        ),
        (
            "before",
            "Older than this entry (the previous page's `next`)",
            integer(0, None),
        ),
        ("limit", "Page size (default 100)", integer(1, Some(1000))),
    ];
    for (name, description, schema) in params {
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(schema)),
        );
    }
    op.response(
        "200",
        ResponseBuilder::new()
            .description(
                "Newest first: `{\"items\": [{seq, time, account, username, agency, channel, action, \
                 record_kind, record, allowed, purpose, query, result_size}], \"next\", \"seq\"}` \
                 (`seq`: this question's own entry)",
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().build()))
                    .build(),
            )
            .build(),
    )
}
