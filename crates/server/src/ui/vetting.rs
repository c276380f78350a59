//! The vetting pages (issue 12): the analysts' queue, a case, and the
//! organiser's opinions.
//!
//! ```text
//! GET /vetting        the queue: keyset pages, filters, claim/release, bulk clear,
//!                     the share of cases cleared in bulk (host analysts and commanders)
//! GET /vetting/{id}   one case: the applicant, each candidate with its per-feature
//!                     explanation and its list entry, the history, the decisions
//! GET /opinions       the organiser's applicants and their opinions (keyset pages,
//!                     the CSV export) — never a reason, list, score or case
//! ```
//!
//! Every page asks the `Authority` what to offer; every change is a form
//! posted to `/do/{action}` ([`super::forms`]), so it runs through
//! `Service::execute` like any command. Reading a case is a recorded
//! consultation (`vetting.read` with its purpose); the explanations are
//! computed for that consultation against the lists now loaded, and the
//! page names the snapshot the case was opened on. None of these pages is
//! shown outside the host, except the opinions, which only the organiser
//! may read.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::Action;
use domain::applicant::Applicant;
use domain::vetting::{Subject, VettingCase, VettingState};
use serde::Deserialize;

use super::home::DoneQuery;
use super::screen::{FeatureRow, explain};
use super::{Chrome, PageError, Viewer, html, now_ms, time_text, viewer};
use crate::AppState;
use crate::applicants::{QueueItem, QueueQuery};
use crate::auth::Caller;
use crate::error::ApiError;

pub(crate) fn no_such_page() -> PageError {
    PageError::Api(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such page",
    ))
}

fn bad_query(message: String) -> PageError {
    PageError::Api(ApiError::new(StatusCode::BAD_REQUEST, "bad_query", message))
}

/// The policy's facts about a case, as far as the page knows them (the
/// service decides again, with the stored facts, when a form is posted).
fn case_resource(id: &str, organiser: Option<String>, shared: Vec<String>) -> authority::Resource {
    authority::Resource::VettingCase {
        id: id.to_owned(),
        delegation: None,
        organiser,
        shared_with: shared,
    }
}

/// Whether the viewer may read the analysts' queue: host, and the policy
/// lets it read cases.
pub(crate) fn may_read_cases(state: &AppState, viewer: &Viewer) -> bool {
    viewer.principal.is_host()
        && viewer.may(
            state,
            Action::VettingRead,
            &case_resource("*", None, Vec::new()),
        )
}

/// Whether the viewer may read its organiser's opinions.
pub(crate) fn may_read_opinions(state: &AppState, viewer: &Viewer) -> bool {
    viewer.may(
        state,
        Action::ApplicantReadOpinion,
        &authority::Resource::Applicant {
            id: "*".to_owned(),
            organiser: viewer.principal.agency_id.clone(),
        },
    )
}

// --- the queue ---------------------------------------------------------------

/// The queue page's filters, as a form sends them (empty means any).
#[derive(Debug, Default, Deserialize)]
pub struct QueuePageQuery {
    /// `open` (default), `refusal_proposed`, `referral_proposed`, `cleared`, `refused`, `referred`.
    pub state: Option<String>,
    /// At least this priority.
    pub min_priority: Option<String>,
    /// The applicant's category.
    pub category: Option<String>,
    /// The applicant's first venue.
    pub venue: Option<String>,
    /// The best candidate's list.
    pub list: Option<String>,
    /// Score band, lower bound (0..1).
    pub min_score: Option<String>,
    /// Score band, upper bound (0..1).
    pub max_score: Option<String>,
    /// `me`, `none`, or empty (anyone).
    pub assignee: Option<String>,
    /// `overdue`, `24h`, `7d`, or empty.
    pub due: Option<String>,
    /// `1`: only the cases that put an accreditation in force in question.
    pub in_question: Option<String>,
    /// The cursor of the page.
    pub after: Option<String>,
    /// The ledger entry of a form just done.
    pub done: Option<u64>,
    /// Its action.
    pub action: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn number<T: std::str::FromStr>(field: &str, v: &Option<String>) -> Result<Option<T>, PageError> {
    given(v)
        .map(|t| {
            t.parse::<T>()
                .map_err(|_| bad_query(format!("{field}: not a number: {t:?}")))
        })
        .transpose()
}

/// The states a case can be in, in the filter's order.
const STATES: [&str; 6] = [
    "open",
    "refusal_proposed",
    "referral_proposed",
    "cleared",
    "refused",
    "referred",
];

/// One row of the queue as the page shows it.
#[derive(Debug)]
pub struct QueueRow {
    /// The case.
    pub item: QueueItem,
    /// Its score, readable.
    pub score: String,
    /// When due, readable.
    pub due: String,
    /// Whether it is overdue.
    pub overdue: bool,
    /// Whether the viewer may claim it now.
    pub claim: bool,
    /// Whether the viewer holds it (and may release it).
    pub release: bool,
    /// Whether it can be selected for a bulk clear.
    pub selectable: bool,
}

/// The queue page.
#[derive(Template)]
#[template(path = "vetting_queue.html")]
pub struct QueuePage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
    next: Option<String>,
    this_page: String,
    first_page: String,
    filters: QueuePageQuery,
    states: Vec<&'static str>,
    by_state: Vec<(String, i64)>,
    cleared: i64,
    cleared_in_bulk: i64,
    bulk_share: String,
    bulk: bool,
}

/// `?` and the filters (without the cursor), for links and the return path.
fn filter_query(q: &QueuePageQuery) -> String {
    let pairs: Vec<(&str, String)> = [
        ("state", &q.state),
        ("min_priority", &q.min_priority),
        ("category", &q.category),
        ("venue", &q.venue),
        ("list", &q.list),
        ("min_score", &q.min_score),
        ("max_score", &q.max_score),
        ("assignee", &q.assignee),
        ("due", &q.due),
        ("in_question", &q.in_question),
    ]
    .into_iter()
    .filter_map(|(k, v)| given(v).map(|v| (k, v)))
    .collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// `GET /vetting`: the analysts' queue.
pub async fn queue(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(q): Query<QueuePageQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    if !may_read_cases(&state, &viewer) {
        return Err(no_such_page());
    }
    let now = now_ms();
    let state_filter = given(&q.state).unwrap_or_else(|| "open".to_owned());
    if !STATES.contains(&state_filter.as_str()) {
        return Err(bad_query(format!("state: one of {}", STATES.join(", "))));
    }
    let due_before = match given(&q.due).as_deref() {
        None => None,
        Some("overdue") => Some(now),
        Some("24h") => Some(now + 24 * 3_600_000),
        Some("7d") => Some(now + 7 * 24 * 3_600_000),
        Some(other) => return Err(bad_query(format!("due: overdue, 24h or 7d, not {other:?}"))),
    };
    let assignee = match given(&q.assignee).as_deref() {
        None => None,
        Some("me") => Some(viewer.principal.id.clone()),
        Some("none") => Some("none".to_owned()),
        Some(other) => return Err(bad_query(format!("assignee: me or none, not {other:?}"))),
    };
    let api_query = QueueQuery {
        state: Some(state_filter),
        min_priority: number("min_priority", &q.min_priority)?,
        category: given(&q.category),
        venue: given(&q.venue),
        list: given(&q.list),
        min_score: number("min_score", &q.min_score)?,
        max_score: number("max_score", &q.max_score)?,
        assignee,
        due_before,
        in_question: given(&q.in_question).map(|v| v == "1" || v == "true"),
        after: given(&q.after),
        limit: Some(50),
    };
    let body = crate::applicants::queue_body(&state, &viewer.caller, &api_query).await?;
    let me = viewer.principal.id.clone();
    let bulk = viewer.may(
        &state,
        Action::VettingClear,
        &case_resource("*", None, Vec::new()),
    );
    // The rows of the queue are intake cases: the policy's facts about
    // them do not differ from row to row (no delegation, no share), so the
    // page asks once what it may offer on any of them (the service decides
    // again, on the stored facts, when a form is posted).
    let any_case = case_resource("*", None, Vec::new());
    let may_claim = viewer.may(&state, Action::VettingClaim, &any_case);
    let may_release = viewer.may(&state, Action::VettingRelease, &any_case);
    let rows = body
        .items
        .into_iter()
        .map(|item| {
            let open = item.state == "open";
            let held_by_me = item.assignee.as_deref() == Some(me.as_str());
            let claim = open && item.assignee.is_none() && may_claim;
            let release = held_by_me && may_release;
            QueueRow {
                score: format!("{:.2}", item.score),
                due: time_text(item.due_at),
                overdue: open && item.due_at < now,
                claim,
                release,
                selectable: bulk && open,
                item,
            }
        })
        .collect::<Vec<QueueRow>>();
    let bulk = bulk && rows.iter().any(|r| r.selectable);
    let filters = filter_query(&q);
    let this_page = match given(&q.after) {
        Some(a) => {
            let cursor = serde_urlencoded::to_string([("after", a)]).unwrap_or_default();
            if filters.is_empty() {
                format!("/vetting?{cursor}")
            } else {
                format!("/vetting?{filters}&{cursor}")
            }
        }
        None if filters.is_empty() => "/vetting".to_owned(),
        None => format!("/vetting?{filters}"),
    };
    let first_page = if filters.is_empty() {
        "/vetting".to_owned()
    } else {
        format!("/vetting?{filters}")
    };
    let next = body.next.map(|n| {
        let cursor = serde_urlencoded::to_string([("after", n)]).unwrap_or_default();
        if filters.is_empty() {
            format!("/vetting?{cursor}")
        } else {
            format!("/vetting?{filters}&{cursor}")
        }
    });
    let (by_state, cleared, cleared_in_bulk, bulk_share) = match body.stats {
        Some(s) => (
            s.by_state.into_iter().collect(),
            s.cleared,
            s.cleared_in_bulk,
            format!("{:.0} %", s.bulk_share * 100.0),
        ),
        None => (Vec::new(), 0, 0, "—".to_owned()),
    };
    let mut chrome = Chrome::new(&state, "Vetting queue", Some(&viewer));
    chrome.flash = DoneQuery {
        done: q.done,
        action: q.action.clone(),
    }
    .flash();
    Ok(html(&QueuePage {
        chrome,
        rows,
        next,
        this_page,
        first_page,
        filters: q,
        states: STATES.to_vec(),
        by_state,
        cleared,
        cleared_in_bulk,
        bulk_share,
        bulk,
    }))
}

// --- one case ----------------------------------------------------------------

/// One candidate of a case, with its explanation and list entry.
#[derive(Debug)]
pub struct CandidateView {
    /// The listed entity's caption.
    pub caption: String,
    /// Its id on its list.
    pub entity: String,
    /// The list.
    pub list: String,
    /// The score at intake.
    pub score: String,
    /// The explanation against the lists now loaded (empty when the entry
    /// is no longer on them or no lists are loaded).
    pub features: Vec<FeatureRow>,
    /// The list entry's facts: (what, value).
    pub entry: Vec<(String, String)>,
    /// Whether the entry is on the lists now loaded.
    pub listed: bool,
}

/// One line of a case's history.
#[derive(Debug)]
pub struct HistoryLine {
    /// When (Unix ms, for the order).
    pub at_ms: i64,
    /// When, readable.
    pub at: String,
    /// What happened.
    pub what: String,
    /// Who.
    pub by: String,
    /// The reason or text.
    pub text: String,
}

/// A decision form the viewer is offered.
#[derive(Debug)]
pub struct DecisionForm {
    /// The command (`vetting.clear`, …).
    pub action: &'static str,
    /// The button.
    pub label: &'static str,
    /// The field's label.
    pub prompt: &'static str,
}

/// The case page.
#[derive(Template)]
#[template(path = "vetting_case.html")]
pub struct CasePage {
    chrome: Chrome,
    id: String,
    state: String,
    opened: String,
    snapshot: String,
    priority: Option<u8>,
    due: Option<String>,
    claimed_by: Option<String>,
    claim_until: Option<String>,
    claim: bool,
    release: bool,
    applicant: Option<Vec<(String, String)>>,
    declaration: Option<String>,
    summary: String,
    candidates: Vec<CandidateView>,
    history: Vec<HistoryLine>,
    delegation_notes: Vec<HistoryLine>,
    decisions: Vec<DecisionForm>,
    bulk: bool,
    back: String,
    in_question: Option<InQuestion>,
}

/// An accreditation a list change put in question: in force while the case
/// is open, its suspension proposed to a commander.
#[derive(Debug)]
pub struct InQuestion {
    /// The applicant's id (the form's `id`).
    pub applicant: String,
    /// Since when the accreditation is in force, readable.
    pub since: String,
    /// `suspended` or `revoked` once a commander acted, else `None`.
    pub state: Option<String>,
    /// Whether the viewer may suspend it (the policy decides).
    pub may_suspend: bool,
}

/// The purpose recorded with a case read from this page.
const PURPOSE: &str = "vetting adjudication: the case view of the analysts' queue";

fn applicant_lines(a: &Applicant) -> Vec<(String, String)> {
    let f = a.facts();
    let mut lines = vec![
        ("Reference".to_owned(), f.reference.as_str().to_owned()),
        ("Name".to_owned(), f.name.as_str().to_owned()),
    ];
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            lines.push((k.to_owned(), v));
        }
    };
    push(
        "Name in original script",
        f.original_name.as_ref().map(|n| n.as_str().to_owned()),
    );
    push("Birth date", f.birth_date.map(|d| d.to_string()));
    push(
        "Nationality",
        f.nationality.as_ref().map(|c| c.as_str().to_owned()),
    );
    push(
        "Document",
        match (&f.document_type, &f.document_number) {
            (None, None) => None,
            (t, n) => Some(format!(
                "{} {}",
                t.as_ref().map_or("", |t| t.as_str()),
                n.as_ref().map_or("", |n| n.as_str())
            )),
        },
    );
    push("Gender", f.gender.as_ref().map(|g| g.as_str().to_owned()));
    push("Category", f.category.map(|c| c.as_str().to_owned()));
    let join = |xs: &[domain::applicant::Label]| {
        xs.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ")
    };
    push("Venues", Some(join(&f.venues)));
    push("Zones", Some(join(&f.zones)));
    push(
        "Validity",
        match (f.valid_from, f.valid_until) {
            (None, None) => None,
            (a, b) => Some(format!(
                "{} – {}",
                a.map(|d| d.to_string()).unwrap_or_default(),
                b.map(|d| d.to_string()).unwrap_or_default()
            )),
        },
    );
    push(
        "Fields not read",
        Some(
            f.issues
                .iter()
                .map(|i| format!("{}: {}", i.field.as_str(), i.reason.as_str()))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    );
    lines
}

fn entry_lines(e: &watchlist::Entity) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    let names: Vec<&str> = e.names.iter().map(|n| n.full.as_str()).take(8).collect();
    if !names.is_empty() {
        lines.push(("Names".to_owned(), names.join("; ")));
    }
    let births: Vec<String> = e.birth_dates.iter().map(|b| b.date.to_string()).collect();
    if !births.is_empty() {
        lines.push(("Born".to_owned(), births.join(", ")));
    }
    if !e.countries.is_empty() {
        lines.push(("Countries".to_owned(), e.countries.join(", ")));
    }
    let ids: Vec<String> = e
        .identifiers
        .iter()
        .map(|i| i.number.clone())
        .take(5)
        .collect();
    if !ids.is_empty() {
        lines.push(("Identifiers".to_owned(), ids.join(", ")));
    }
    if !e.programs.is_empty() {
        lines.push(("Programmes".to_owned(), e.programs.join(", ")));
    }
    lines
}

fn decision_line(what: &str, d: &domain::vetting::Decision) -> HistoryLine {
    HistoryLine {
        at_ms: d.at().as_millis(),
        at: time_text(d.at().as_millis()),
        what: what.to_owned(),
        by: d.by().to_string(),
        text: d.reason().as_str().to_owned(),
    }
}

fn history(case: &VettingCase) -> (Vec<HistoryLine>, Vec<HistoryLine>) {
    let mut lines = vec![HistoryLine {
        at_ms: case.opened_at().as_millis(),
        at: time_text(case.opened_at().as_millis()),
        what: "opened".into(),
        by: String::new(),
        text: case.summary().as_str().to_owned(),
    }];
    match case.state() {
        VettingState::Open => {}
        VettingState::Cleared(d) => lines.push(decision_line(
            if case.cleared_in_bulk() {
                "cleared (in bulk)"
            } else {
                "cleared"
            },
            d,
        )),
        VettingState::RefusalProposed(d) => lines.push(decision_line("refusal proposed", d)),
        VettingState::ReferralProposed(d) => lines.push(decision_line("referral proposed", d)),
        VettingState::Refused {
            proposal,
            confirmation,
        } => {
            lines.push(decision_line("refusal proposed", proposal));
            lines.push(decision_line("refusal confirmed", confirmation));
        }
        VettingState::Referred {
            proposal,
            confirmation,
        } => {
            lines.push(decision_line("referral proposed", proposal));
            lines.push(decision_line("referral confirmed", confirmation));
        }
    }
    for r in case.rejected_proposals() {
        let kind = if r.was_refusal() {
            "refusal"
        } else {
            "referral"
        };
        lines.push(decision_line(&format!("{kind} proposed"), r.proposal()));
        lines.push(decision_line(
            &format!("{kind} proposal rejected"),
            r.rejection(),
        ));
    }
    for s in case.shares() {
        lines.push(HistoryLine {
            at_ms: s.at.as_millis(),
            at: time_text(s.at.as_millis()),
            what: format!("shared with {}", s.delegation),
            by: s.by.to_string(),
            text: s.question.as_str().to_owned(),
        });
    }
    for r in case.reports() {
        lines.push(HistoryLine {
            at_ms: r.at.as_millis(),
            at: time_text(r.at.as_millis()),
            what: format!("liaison report {} attached", r.report),
            by: r.by.to_string(),
            text: String::new(),
        });
    }
    let mut delegation = Vec::new();
    for n in case.notes() {
        let line = HistoryLine {
            at_ms: n.at().as_millis(),
            at: time_text(n.at().as_millis()),
            what: "note".into(),
            by: n.author().to_string(),
            text: n.text().as_str().to_owned(),
        };
        if n.side() == domain::vetting::AuthorSide::Host {
            lines.push(line);
        } else {
            delegation.push(line);
        }
    }
    lines.sort_by_key(|l| l.at_ms);
    delegation.sort_by_key(|l| l.at_ms);
    (lines, delegation)
}

/// `?back=` — the queue page to go back to.
#[derive(Debug, Default, Deserialize)]
pub struct CasePageQuery {
    /// The queue page the case was opened from (a path on this site).
    pub back: Option<String>,
    /// The ledger entry of a form just done.
    pub done: Option<u64>,
    /// Its action.
    pub action: Option<String>,
}

/// `GET /vetting/{id}`: one case, read as a recorded consultation.
pub async fn case(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    Query(q): Query<CasePageQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    if !viewer.principal.is_host() {
        return Err(no_such_page());
    }
    let id: domain::ids::VettingCaseId = id.parse().map_err(|_| no_such_page())?;
    let purpose =
        domain::text::Text::parse("purpose", PURPOSE).map_err(|e| ApiError::internal(&e))?;
    let command = service::Command::VettingRead(service::command::Consult { id, purpose });
    let done = match state.svc().execute(&viewer.actor()?, command).await {
        Ok(d) => d,
        Err(
            service::ServiceError::NotFound { .. }
            | service::ServiceError::Denied { .. }
            | service::ServiceError::Withheld { .. }
            | service::ServiceError::Refused { .. },
        ) => return Err(no_such_page()),
        Err(e) => return Err(e.into()),
    };
    let mut data = done.data.unwrap_or_default();
    let applicant_json = data.as_object_mut().and_then(|m| m.remove("applicant"));
    let case: VettingCase = serde_json::from_value(data).map_err(|e| ApiError::internal(&e))?;
    let applicant: Option<Applicant> = applicant_json
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| ApiError::internal(&e))?;
    let triage = case.triage();
    let organiser = triage.map(|t| t.organiser.to_string());
    let shared: Vec<String> = case
        .shares()
        .iter()
        .map(|s| s.delegation.to_string())
        .collect();
    let resource = case_resource(case.id().as_str(), organiser, shared);
    let now = now_ms();
    let me = viewer.principal.id.clone();
    let held = case.claimed_by(domain::time::Timestamp::from_millis(now));
    let claim = matches!(case.state(), VettingState::Open)
        && held.is_none()
        && viewer.may(&state, Action::VettingClaim, &resource);
    let release = held.is_some_and(|h| h.as_str() == me)
        && viewer.may(&state, Action::VettingRelease, &resource);

    // The candidates, explained against the lists now loaded.
    let candidates_at_intake: Vec<domain::vetting::Candidate> =
        triage.map(|t| t.candidates.clone()).unwrap_or_default();
    let index = state.index();
    let query = applicant.as_ref().map(|a| {
        let f = a.facts();
        let mut names = vec![f.name.as_str().to_owned()];
        if let Some(o) = &f.original_name {
            names.push(o.as_str().to_owned());
        }
        let mut query = screening::Query {
            names,
            schema: Some(watchlist::Schema::Person),
            ..screening::Query::name(f.name.as_str())
        };
        if let Some(d) = f.birth_date {
            query.birth_dates.extend(watchlist::PartialDate::new(
                d.year() as u16,
                Some(d.month() as u8),
                Some(d.day() as u8),
            ));
        }
        if let Some(c) = &f.nationality {
            query.countries.push(c.as_str().to_ascii_lowercase());
        }
        query
    });
    let candidates = tokio::task::spawn_blocking(move || {
        candidates_at_intake
            .iter()
            .map(|c| {
                let mut view = CandidateView {
                    caption: c.caption.as_str().to_owned(),
                    entity: c.entity.as_str().to_owned(),
                    list: c.list.as_str().to_owned(),
                    score: format!("{:.2}", f64::from(c.score) / 1000.0),
                    features: Vec::new(),
                    entry: Vec::new(),
                    listed: false,
                };
                if let Some(index) = &index {
                    if let Some(e) = index.entity(c.entity.as_str()) {
                        view.listed = true;
                        view.entry = entry_lines(e);
                    }
                    if let Some(query) = &query {
                        let params = screening::Params {
                            limit: 20,
                            ..screening::Params::default()
                        };
                        if let Some(m) = index
                            .search(query, &params)
                            .iter()
                            .find(|m| m.entity.id == c.entity.as_str())
                        {
                            view.features = explain(m);
                        }
                    }
                }
                view
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;

    let decisions: Vec<DecisionForm> = [
        (
            Action::VettingClear,
            "vetting.clear",
            "Clear",
            "Why it is no concern (kept in the ledger)",
        ),
        (
            Action::VettingProposeRefusal,
            "vetting.propose_refusal",
            "Propose refusal",
            "Why refuse (a commander confirms)",
        ),
        (
            Action::VettingProposeReferral,
            "vetting.propose_referral",
            "Propose referral",
            "Why refer (a commander confirms)",
        ),
        (
            Action::VettingConfirmRefusal,
            "vetting.confirm_refusal",
            "Confirm refusal",
            "Why you confirm (four eyes)",
        ),
        (
            Action::VettingConfirmReferral,
            "vetting.confirm_referral",
            "Confirm referral",
            "Why you confirm (four eyes)",
        ),
    ]
    .into_iter()
    .filter(|(action, ..)| {
        let fits = match case.state() {
            VettingState::Open => matches!(
                action,
                Action::VettingClear
                    | Action::VettingProposeRefusal
                    | Action::VettingProposeReferral
            ),
            VettingState::RefusalProposed(d) => {
                *action == Action::VettingConfirmRefusal && d.by().as_str() != me
            }
            VettingState::ReferralProposed(d) => {
                *action == Action::VettingConfirmReferral && d.by().as_str() != me
            }
            _ => false,
        };
        fits && viewer.may(&state, *action, &resource)
    })
    .map(|(_, action, label, prompt)| DecisionForm {
        action,
        label,
        prompt,
    })
    .collect();
    // A list change put an accreditation in question: the commander sees
    // the proposal to suspend it, and the form when the policy allows.
    let in_question = match applicant.as_ref() {
        Some(a) if a.accredited_at().is_some() && !case.state().is_final() => {
            let id = a.id().to_string();
            let pass = store::passes::of_subject(state.svc().store().pool(), "applicant", &id)
                .await
                .map_err(|e| ApiError::internal(&e))?;
            let suspend = authority::Resource::Applicant {
                id: id.clone(),
                organiser: a.organiser().to_string(),
            };
            Some(InQuestion {
                since: time_text(a.accredited_at().map_or(0, |t| t.as_millis())),
                state: pass.map(|p| p.state),
                may_suspend: viewer.may(&state, Action::AccreditationSuspend, &suspend),
                applicant: id,
            })
        }
        _ => None,
    };
    let (history, delegation_notes) = history(&case);
    let back = q
        .back
        .filter(|b| b.starts_with("/vetting") && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/vetting".to_owned());
    let mut chrome = Chrome::new(&state, format!("Case {}", case.id()), Some(&viewer));
    chrome.flash = DoneQuery {
        done: q.done,
        action: q.action,
    }
    .flash();
    Ok(html(&CasePage {
        chrome,
        id: case.id().to_string(),
        state: case.state_name().to_owned(),
        opened: time_text(case.opened_at().as_millis()),
        snapshot: case.snapshot().to_string(),
        priority: triage.map(|t| t.priority),
        due: triage.map(|t| time_text(t.due_at.as_millis())),
        claimed_by: held.map(ToString::to_string),
        claim_until: held
            .and(case.claim())
            .map(|c| time_text(c.until.as_millis())),
        claim,
        release,
        applicant: applicant.as_ref().map(applicant_lines),
        declaration: match case.subject() {
            Subject::Declaration(d) => Some(d.to_string()),
            Subject::Applicant(_) => None,
        },
        summary: case.summary().as_str().to_owned(),
        candidates,
        history,
        delegation_notes,
        decisions,
        bulk: case.cleared_in_bulk(),
        back,
        in_question,
    }))
}

// --- the organiser's opinions -------------------------------------------------

/// `?after=`: the page's cursor.
#[derive(Debug, Default, Deserialize)]
pub struct OpinionsPageQuery {
    /// The `next` of the previous page.
    pub after: Option<i64>,
}

/// One line of the opinions page.
#[derive(Debug)]
pub struct OpinionRow {
    /// The organiser's reference.
    pub reference: String,
    /// `pending`, `no_objection`, `objection`.
    pub opinion: &'static str,
    /// When reached, readable.
    pub decided: String,
}

/// The opinions page.
#[derive(Template)]
#[template(path = "opinions.html")]
pub struct OpinionsPage {
    chrome: Chrome,
    rows: Vec<OpinionRow>,
    counts: Vec<(String, i64)>,
    next: Option<i64>,
    first: bool,
}

/// How many lines a page of opinions shows.
const OPINIONS_PAGE: i64 = 100;

/// `GET /opinions`: the organiser's applicants and their opinions.
pub async fn opinions(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(q): Query<OpinionsPageQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    let svc = state.svc();
    let page = match svc
        .applicant_opinions(&viewer.username, q.after, OPINIONS_PAGE)
        .await
    {
        Ok(p) => p,
        Err(service::ServiceError::Refused { .. }) => return Err(no_such_page()),
        Err(e) => return Err(e.into()),
    };
    let counts = svc.applicant_counts(&viewer.username).await?;
    let rows = page
        .items
        .into_iter()
        .map(|l| OpinionRow {
            reference: l.reference,
            opinion: l.opinion,
            decided: l.decided_at.map(time_text).unwrap_or_default(),
        })
        .collect();
    Ok(html(&OpinionsPage {
        chrome: Chrome::new(&state, "Applicants and opinions", Some(&viewer)),
        rows,
        counts,
        next: page.next,
        first: q.after.is_none(),
    }))
}
