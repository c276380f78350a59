//! `GET /stats`: the statistics as a page, for oversight only — the same
//! figures as `GET /api/v1/stats` (hidden ones shown as "suppressed":
//! under 5, or hidden so that no such count can be worked out), per day or
//! week, between two dates, with the CSV export link of what is shown.
//! By default the page shows the totals over all agencies; one agency's
//! figures, or every agency's, on demand. Each reading is recorded
//! (`stats.read`), a refused one too.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{Chrome, PageError, html, viewer};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::stats::{StatsQuery, date, service_query};

/// A figure as the page shows it.
#[derive(Debug)]
pub struct Row {
    /// The period's first day.
    pub period: String,
    /// The agency, or "all" for the total.
    pub agency: String,
    /// The metric.
    pub metric: String,
    /// The breakdown.
    pub key: String,
    /// The count, or "suppressed".
    pub n: String,
    /// Whether this is a period's total.
    pub total: bool,
}

/// A period's time to decision.
#[derive(Debug)]
pub struct TimeRow {
    /// The period's first day.
    pub period: String,
    /// How many decisions, or "suppressed".
    pub decisions: String,
    /// The median.
    pub median: String,
    /// The 90th percentile.
    pub p90: String,
}

/// The statistics page.
#[derive(Template)]
#[template(path = "stats.html")]
pub struct StatsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    times: Vec<TimeRow>,
    week: bool,
    /// The agency asked: `*` (totals), empty (every agency) or a name.
    agency: String,
    /// The agencies with a figure in the period.
    agencies: Vec<String>,
    /// The dates asked, as typed back into the form.
    from: String,
    until: String,
    csv: String,
}

/// The page's query string: dates rather than Unix times.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// `day` or `week`.
    period: Option<String>,
    /// `*` (the default: totals), empty (every agency) or an agency.
    agency: Option<String>,
    /// The first day (`YYYY-MM-DD`, UTC).
    from: Option<String>,
    /// The last day, included.
    until: Option<String>,
}

/// Midnight (UTC, Unix ms) of a `YYYY-MM-DD` date, `days` later.
fn midnight(field: &str, text: &str, days: i64) -> Result<Option<i64>, ApiError> {
    if text.is_empty() {
        return Ok(None);
    }
    let day = domain::time::Date::parse_iso(text).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            format!("{field}: {e} (expected YYYY-MM-DD)"),
        )
    })?;
    Ok(Some((day.days_since_epoch() + days) * 86_400_000))
}

/// `GET /stats`.
pub async fn page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    let actor = viewer.actor()?;
    let from = query.from.unwrap_or_default();
    let until = query.until.unwrap_or_default();
    let agency = query.agency.unwrap_or_else(|| "*".to_owned());
    let api = StatsQuery {
        period: query.period,
        from: midnight("from", &from, 0)?,
        until: midnight("until", &until, 1)?,
        agency: Some(agency.clone()),
        format: None,
    };
    let asked = service_query(&api)?;
    let stats = state
        .svc()
        .stats(&actor, &asked)
        .await
        .map_err(ApiError::from)?;
    let hidden = crate::stats::SUPPRESSED.to_owned();
    let rows = stats
        .cells
        .iter()
        .map(|c| Row {
            period: date(c.period),
            agency: if c.agency == "*" {
                "all".to_owned()
            } else {
                c.agency.clone()
            },
            metric: c.metric.replace('_', " "),
            key: c.key.clone(),
            n: c.n.map_or_else(|| hidden.clone(), |n| n.to_string()),
            total: c.agency == "*",
        })
        .collect();
    let times = stats
        .decision_time
        .iter()
        .map(|t| TimeRow {
            period: date(t.period),
            decisions: t
                .decisions
                .map_or_else(|| hidden.clone(), |n| n.to_string()),
            median: t.median.clone().unwrap_or_default(),
            p90: t.p90.clone().unwrap_or_default(),
        })
        .collect();
    let week = stats.period == service::stats::Period::Week;
    let mut pairs = vec![
        ("format", "csv".to_owned()),
        ("period", if week { "week" } else { "day" }.to_owned()),
        ("agency", agency.clone()),
    ];
    for (name, value) in [("from", api.from), ("until", api.until)] {
        if let Some(ms) = value {
            pairs.push((name, ms.to_string()));
        }
    }
    Ok(html(&StatsPage {
        chrome: Chrome::new(&state, "Statistics", Some(&viewer)),
        rows,
        times,
        week,
        agency,
        agencies: stats.agencies,
        from,
        until,
        csv: format!(
            "/api/v1/stats?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        ),
    }))
}
