//! The organiser's applicants and the analysts' queue over HTTP:
//! `GET /api/v1/applicants` (the opinions, keyset-paged, or the CSV export
//! with `format=csv`), `GET /api/v1/vetting-queue` (the queue with its
//! filters and the share cleared in bulk), and the streamed upload of a
//! CSV or NDJSON file as a job with progress
//! (`POST /api/v1/applicants/uploads`, `GET /api/v1/applicants/uploads/{id}`).
//!
//! What the organiser gets is the reference, the opinion and when it was
//! reached — never a reason, list, score or case. A caller the policy does
//! not let read opinions or cases gets an empty list, as with every list.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// The body limit of `POST /api/v1/applicants` (10,000 rows of up to 1.6 kB).
pub const SUBMIT_BODY_LIMIT: usize = 16 << 20;

/// `GET /api/v1/applicants` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpinionsQuery {
    /// At most this many (default 1,000, at most 10,000).
    pub limit: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<i64>,
    /// `json` (default) or `csv` (the whole list: `reference,opinion,decided_at`).
    pub format: Option<String>,
}

/// One line of the organiser's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionItem {
    /// The organiser's reference.
    pub reference: String,
    /// `pending`, `no_objection` or `objection`.
    pub opinion: String,
    /// When the opinion was reached (Unix ms), unless pending.
    pub decided_at: Option<i64>,
}

/// A page of opinions.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionsBody {
    /// The lines.
    pub items: Vec<OpinionItem>,
    /// The cursor of the next page (`after=`), or null at the end.
    pub next: Option<i64>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn iso(ms: i64) -> String {
    let date = domain::time::Timestamp::from_millis(ms).date();
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        date.year(),
        date.month(),
        date.day(),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The opinions page, or the CSV export.
pub(crate) async fn opinions(
    state: &AppState,
    caller: &Caller,
    q: &OpinionsQuery,
) -> Result<Response, ApiError> {
    let username = caller.username()?;
    let svc = state.svc();
    if q.format.as_deref() == Some("csv") {
        let mut out = String::from("reference,opinion,decided_at\n");
        let mut after = None;
        loop {
            let page = match svc
                .applicant_opinions(username, after, service::applicants::MAX_PAGE)
                .await
            {
                Ok(p) => p,
                Err(service::ServiceError::Refused { .. }) => break,
                Err(e) => return Err(e.into()),
            };
            for l in &page.items {
                out.push_str(&format!(
                    "{},{},{}\n",
                    csv_field(&l.reference),
                    l.opinion,
                    l.decided_at.map(iso).unwrap_or_default()
                ));
            }
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let mut response = out.into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        response.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"opinions.csv\""),
        );
        return Ok(response);
    }
    if q.format.as_deref().is_some_and(|f| f != "json") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            "format: json or csv",
        ));
    }
    let page = match svc
        .applicant_opinions(username, q.after, q.limit.unwrap_or(1000))
        .await
    {
        Ok(p) => p,
        Err(service::ServiceError::Refused { .. }) => service::applicants::OpinionPage {
            items: Vec::new(),
            next: None,
        },
        Err(e) => return Err(e.into()),
    };
    Ok(Json(OpinionsBody {
        items: page
            .items
            .into_iter()
            .map(|l| OpinionItem {
                reference: l.reference,
                opinion: l.opinion.to_owned(),
                decided_at: l.decided_at,
            })
            .collect(),
        next: page.next,
    })
    .into_response())
}

/// `GET /api/v1/vetting-queue` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// `open` (default), `refusal_proposed`, `referral_proposed`, `cleared`, …
    pub state: Option<String>,
    /// At least this priority (0..=100).
    pub min_priority: Option<i64>,
    /// The applicant's category.
    pub category: Option<String>,
    /// The applicant's (first) venue.
    pub venue: Option<String>,
    /// The best candidate's list.
    pub list: Option<String>,
    /// Score band: at least this (0..=1) …
    pub min_score: Option<f64>,
    /// … and below this.
    pub max_score: Option<f64>,
    /// Claimed by this account id, or `none` for unclaimed cases.
    pub assignee: Option<String>,
    /// Due before this time (Unix ms).
    pub due_before: Option<i64>,
    /// Only the cases that put an accreditation in force in question.
    pub in_question: Option<bool>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

/// One case in the queue (no personal data).
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    /// The case id.
    pub id: String,
    /// Its state.
    pub state: String,
    /// 0..=100.
    pub priority: i64,
    /// When due (Unix ms).
    pub due_at: i64,
    /// The applicant's category.
    pub category: Option<String>,
    /// The applicant's first venue.
    pub venue: Option<String>,
    /// The best candidate's list.
    pub list: Option<String>,
    /// The best score (0..=1).
    pub score: f64,
    /// Who holds an unlapsed claim.
    pub assignee: Option<String>,
    /// When that claim lapses.
    pub claim_until: Option<i64>,
    /// Cleared as one of a group.
    pub bulk: bool,
}

/// The queue's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueStatsBody {
    /// Cases by state.
    pub by_state: std::collections::BTreeMap<String, i64>,
    /// Cleared cases.
    pub cleared: i64,
    /// Of those, cleared in bulk.
    pub cleared_in_bulk: i64,
    /// The share cleared in bulk (0..=1), the alert-fatigue figure.
    pub bulk_share: f64,
}

/// A page of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueBody {
    /// The cases.
    pub items: Vec<QueueItem>,
    /// The cursor of the next page, or null.
    pub next: Option<String>,
    /// The figures (absent for those who may not read cases).
    pub stats: Option<QueueStatsBody>,
}

/// Parses `priority.due.id`.
fn cursor(after: &str) -> Result<(i64, i64, String), ApiError> {
    let bad = || ApiError::new(StatusCode::BAD_REQUEST, "bad_query", "after: not a cursor");
    let mut parts = after.splitn(3, '.');
    let p = parts.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
    let d = parts.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
    let id = parts.next().ok_or_else(bad)?.to_owned();
    Ok((p, d, id))
}

/// The queue page for `q` (shared with the queue page of the UI).
pub(crate) async fn queue_body(
    state: &AppState,
    caller: &Caller,
    q: &QueueQuery,
) -> Result<QueueBody, ApiError> {
    let username = caller.username()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let filter = store::applicants::QueueFilter {
        state: q.state.clone(),
        min_priority: q.min_priority,
        category: q.category.clone(),
        venue: q.venue.clone(),
        list: q.list.clone(),
        min_score: q.min_score.map(|s| (s * 1000.0).round() as i64),
        max_score: q.max_score.map(|s| (s * 1000.0).round() as i64),
        assignee: q.assignee.clone().filter(|a| a != "none"),
        unassigned: q.assignee.as_deref() == Some("none"),
        due_before: q.due_before,
        in_question: q.in_question.unwrap_or(false),
        now,
        after: q.after.as_deref().map(cursor).transpose()?,
        limit: limit + 1,
    };
    let svc = state.svc();
    let rows = match svc.vetting_queue(username, filter).await {
        Ok(rows) => rows,
        Err(service::ServiceError::Refused { .. }) => {
            return Ok(QueueBody {
                items: Vec::new(),
                next: None,
                stats: None,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let more = rows.len() as i64 > limit;
    let items: Vec<QueueItem> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| {
            let held = r.claim_until.is_some_and(|u| u > now);
            QueueItem {
                id: r.id,
                state: r.state,
                priority: r.priority,
                due_at: r.due_ms,
                category: r.category,
                venue: r.venue,
                list: r.list,
                score: r.score as f64 / 1000.0,
                assignee: r.assignee.filter(|_| held),
                claim_until: r.claim_until.filter(|_| held),
                bulk: r.bulk,
            }
        })
        .collect();
    let next = if more {
        items
            .last()
            .map(|i| format!("{}.{}.{}", i.priority, i.due_at, i.id))
    } else {
        None
    };
    let stats = svc.vetting_queue_stats(username).await.ok().map(|s| {
        let share = if s.cleared > 0 {
            s.cleared_in_bulk as f64 / s.cleared as f64
        } else {
            0.0
        };
        QueueStatsBody {
            by_state: s.by_state.into_iter().collect(),
            cleared: s.cleared,
            cleared_in_bulk: s.cleared_in_bulk,
            bulk_share: share,
        }
    });
    Ok(QueueBody { items, next, stats })
}

/// `GET /api/v1/vetting-queue`.
pub(crate) async fn queue(
    state: &AppState,
    caller: &Caller,
    q: &QueueQuery,
) -> Result<Response, ApiError> {
    Ok(Json(queue_body(state, caller, q).await?).into_response())
}
