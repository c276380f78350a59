//! `GET /api/v1/disclosures`: the disclosure register
//! (`service::disclosures`), for those the policy lets read it
//! (`disclosures.read`: oversight and the host commander). Each read is
//! authorized and recorded through `Service::record`, with its filter as
//! the payload; a refusal is a denial entry like any other.
//!
//! Query parameters: `recipient` (a delegation id), `kind` (`rfi_answer`,
//! `case_share`), `from` and `until` (Unix ms, half-open), `format` (`json`,
//! the default, or `csv`).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use service::disclosures::{Disclosure, Filter};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// The register's query.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosuresQuery {
    /// Only to this delegation.
    pub recipient: Option<String>,
    /// Only of this kind (`rfi_answer`, `case_share`).
    pub kind: Option<String>,
    /// Only from this time on (Unix ms, inclusive).
    pub from: Option<i64>,
    /// Only before this time (Unix ms, exclusive).
    pub until: Option<i64>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// Authorizes and records the read, then answers with the register.
pub(crate) async fn respond(
    state: &AppState,
    caller: &Caller,
    query: DisclosuresQuery,
) -> Result<Response, ApiError> {
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_query",
                format!("format must be json or csv, not {other:?}"),
            ));
        }
    };
    if let Some(k) = query.kind.as_deref()
        && k != "rfi_answer"
        && k != "case_share"
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            format!("kind must be rfi_answer or case_share, not {k:?}"),
        ));
    }
    if let Some(r) = query.recipient.as_deref()
        && let Err(e) = r.parse::<domain::ids::DelegationId>()
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            format!("recipient: {e}"),
        ));
    }
    let actor = caller.actor()?;
    let payload = serde_json::to_vec(&query).unwrap_or_default();
    let done = state
        .svc()
        .record(
            &actor,
            domain::Action::DisclosuresRead,
            authority::Resource::Ledger,
            payload,
        )
        .await?;
    let filter = Filter {
        recipient: query.recipient,
        kind: query.kind,
        from: query.from,
        until: query.until,
    };
    let items = state.svc().disclosures(&filter).await?;
    if csv {
        return Ok((
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            )],
            to_csv(&items),
        )
            .into_response());
    }
    Ok(Json(serde_json::json!({ "items": items, "seq": done.seq })).into_response())
}

/// One CSV field, quoted when it needs to be, and never read as a formula
/// by a spreadsheet (a leading `=`, `+`, `-`, `@` gets a `'`).
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The register as CSV, a header line first.
pub fn to_csv(items: &[Disclosure]) -> String {
    let mut out =
        String::from("time,kind,record,recipient,legal_basis,categories,approver,entry\n");
    for d in items {
        let row = [
            d.time.to_string(),
            d.kind.to_owned(),
            d.record.clone(),
            d.recipient.clone(),
            d.legal_basis.clone(),
            d.categories.join(";"),
            d.approver.clone(),
            d.entry.map(|e| e.to_string()).unwrap_or_default(),
        ];
        let fields: Vec<String> = row.iter().map(|f| field(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// The route's OpenAPI operation details: query parameters and responses.
pub(crate) fn openapi(
    mut op: utoipa::openapi::path::OperationBuilder,
) -> utoipa::openapi::path::OperationBuilder {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ContentBuilder, Required, ResponseBuilder};
    for (name, description) in [
        ("recipient", "Only releases to this delegation"),
        ("kind", "Only `rfi_answer` or only `case_share`"),
        ("from", "Only from this time on (Unix ms)"),
        ("until", "Only before this time (Unix ms)"),
        ("format", "`json` (default) or `csv`"),
    ] {
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description)),
        );
    }
    let string = || {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .build()
    };
    op.response(
        "200",
        ResponseBuilder::new()
            .description(
                "The register, oldest first: `{\"items\": [{kind, record, recipient, legal_basis, \
                 categories, approver, time, entry}], \"seq\"}` (the read's own entry), or CSV",
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(utoipa::openapi::ObjectBuilder::new().build()))
                    .build(),
            )
            .content(
                "text/csv",
                ContentBuilder::new().schema(Some(string())).build(),
            )
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let d = Disclosure {
            kind: "rfi_answer",
            record: "us-rfi-1".into(),
            recipient: "us".into(),
            legal_basis: "Directive 2023/977, art. 5 \"urgent\"".into(),
            categories: vec!["identity".into(), "travel".into()],
            approver: "=cmd()".into(),
            time: 5,
            entry: Some(42),
        };
        assert_eq!(
            to_csv(&[d]),
            "time,kind,record,recipient,legal_basis,categories,approver,entry\n\
             5,rfi_answer,us-rfi-1,us,\"Directive 2023/977, art. 5 \"\"urgent\"\"\",identity;travel,'=cmd(),42\n"
        );
    }
}
