//! `GET /stats`: the statistics as a page, for oversight only — the same
//! figures as `GET /api/v1/stats` (hidden ones shown as "< 5"), per day
//! or week, with the CSV export link. Each reading is recorded
//! (`stats.read`), a refused one too.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

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
    /// The count, or "< 5".
    pub n: String,
    /// Whether this is a period's total.
    pub total: bool,
}

/// A period's time to decision.
#[derive(Debug)]
pub struct TimeRow {
    /// The period's first day.
    pub period: String,
    /// How many decisions, or "< 5".
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
    csv: String,
}

/// `GET /stats`.
pub async fn page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(query): Query<StatsQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    let actor = viewer.actor()?;
    let asked = service_query(&StatsQuery {
        period: query.period,
        from: None,
        until: None,
        format: None,
    })?;
    let stats = state
        .svc()
        .stats(&actor, &asked)
        .await
        .map_err(ApiError::from)?;
    let hidden = format!("< {}", stats.k);
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
    Ok(html(&StatsPage {
        chrome: Chrome::new(&state, "Statistics", Some(&viewer)),
        rows,
        times,
        week,
        csv: format!(
            "/api/v1/stats?format=csv&period={}",
            if week { "week" } else { "day" }
        ),
    }))
}
