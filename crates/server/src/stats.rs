//! `GET /api/v1/stats`: statistics without personal data
//! (`service::stats`), for oversight only (`stats.read`), recorded like
//! every oversight read. Counts under 5 are hidden, and so are those that
//! would give a hidden one away.
//!
//! Query parameters: `period` (`day`, the default, or `week`), `from` and
//! `until` (Unix ms), `agency` (only its figures; `*`: only the totals),
//! `format` (`json`, the default, or `csv`).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use service::stats::{Period, Stats};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// The statistics' query string.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// `day` or `week`.
    pub period: Option<String>,
    /// From (Unix ms).
    pub from: Option<i64>,
    /// Until (Unix ms, exclusive).
    pub until: Option<i64>,
    /// Only this agency's figures (`*`: only the totals).
    pub agency: Option<String>,
    /// `json` or `csv`.
    pub format: Option<String>,
}

fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_query", message)
}

/// The service's query, from the query string.
pub fn service_query(q: &StatsQuery) -> Result<service::stats::Query, ApiError> {
    let period = match q.period.as_deref() {
        None | Some("") | Some("day") => Period::Day,
        Some("week") => Period::Week,
        Some(other) => return Err(bad(format!("period must be day or week, not {other:?}"))),
    };
    // `from` at or after `until` is an empty range: no period, no count.
    Ok(service::stats::Query {
        period: Some(period),
        from: q.from,
        until: q.until,
        agency: q.agency.clone().filter(|a| !a.is_empty()),
    })
}

/// Records the read, then answers.
pub(crate) async fn respond(
    state: &AppState,
    caller: &Caller,
    query: StatsQuery,
) -> Result<Response, ApiError> {
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(bad(format!("format must be json or csv, not {other:?}"))),
    };
    let asked = service_query(&query)?;
    let actor = caller.actor()?;
    let stats = state.svc().stats(&actor, &asked).await?;
    if csv {
        return Ok((
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            )],
            to_csv(&stats),
        )
            .into_response());
    }
    Ok(Json(stats).into_response())
}

/// One CSV field, quoted when needed and never read as a formula.
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

/// The date (UTC) of a period's first day.
pub fn date(ms: i64) -> String {
    domain::time::Timestamp::from_millis(ms).date().to_string()
}

/// What a hidden figure reads as, in the CSV and on the page.
pub const SUPPRESSED: &str = "suppressed";

/// The statistics as CSV: one line per figure, hidden ones as
/// `suppressed` (not `<5`: a figure hidden to protect another may be
/// larger).
pub fn to_csv(stats: &Stats) -> String {
    let mut out = String::from("period,agency,metric,key,n\n");
    for c in &stats.cells {
        let n = c.n.map_or_else(|| SUPPRESSED.to_owned(), |n| n.to_string());
        let row = [
            date(c.period),
            c.agency.clone(),
            c.metric.clone(),
            c.key.clone(),
            n,
        ];
        let fields: Vec<String> = row.iter().map(|f| field(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    for t in &stats.decision_time {
        for (what, v) in [("median", &t.median), ("p90", &t.p90)] {
            let v = v.clone().unwrap_or_else(|| SUPPRESSED.to_owned());
            out.push_str(&format!(
                "{},*,decision_time,{what},{}\n",
                date(t.period),
                field(&v)
            ));
        }
    }
    out
}

/// The route's OpenAPI operation details.
pub(crate) fn openapi(
    mut op: utoipa::openapi::path::OperationBuilder,
) -> utoipa::openapi::path::OperationBuilder {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, Required, ResponseBuilder};
    let one_of = |values: &[&str]| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().map(|v| (*v).to_owned())))
            .build()
    };
    let integer = || {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .minimum(Some(-4e15))
            .maximum(Some(4e15))
            .build()
    };
    for (name, description, schema) in [
        (
            "period",
            "`day` (default) or `week`",
            one_of(&["day", "week"]),
        ),
        ("from", "From this time (Unix ms)", integer()),
        (
            "agency",
            "Only this agency's figures (`*`: only the periods' totals); what is hidden does \
             not depend on it",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(200))
                .build(),
        ),
        (
            "until",
            "Before this time (Unix ms; after `from`)",
            integer(),
        ),
        (
            "format",
            "`json` (default) or `csv`",
            one_of(&["json", "csv"]),
        ),
    ] {
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
                "`{\"period\", \"cells\": [{period, agency, metric, key, n}], \"decision_time\": \
                 [{period, decisions, median, p90}], \"agencies\": [names with a figure in the \
                 period], \"k\": 5, \"seq\"}` — `n` null when hidden \
                 (under 5, or to protect one that is); agency `*` is the period's total; or CSV",
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().build()))
                    .build(),
            )
            .content(
                "text/csv",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String).build()))
                    .build(),
            )
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_770_000_000_000), "2026-02-02");
    }
}
