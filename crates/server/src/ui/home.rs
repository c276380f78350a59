//! `GET /home`: one page per viewer, made of the boards the policy lets the
//! viewer read and the forms it lets the viewer use. A commander gets every
//! room with its open incidents, the requests by time left and the
//! approvals queue; an operator the rooms and the request handling; an
//! analyst the declarations with their screening and the vetting cases; a
//! foreign liaison its delegation's room, its declarations (without
//! screening) and its requests; oversight the ledger. None of that is
//! written per role: each section is there because the viewer may read it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::Action;
use domain::task::Task;
use serde::Deserialize;

use super::offers::{self, Offer};
use super::{Chrome, Flash, PageError, Viewer, duration_text, html, viewer};
use crate::AppState;
use crate::api::{self, BoardQuery, DeclarationSummary, RequestSummary, TaskSummary};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::rest::{MovementSummary, RoomSummary, VettingCaseSummary};

/// `?done=SEQ&action=…` after a form post.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    /// The ledger entry of the command done.
    pub done: Option<u64>,
    /// Its action.
    pub action: Option<String>,
}

impl DoneQuery {
    /// The banner that announces it.
    pub fn flash(&self) -> Option<Flash> {
        let seq = self.done?;
        let action = self.action.as_deref().unwrap_or("command");
        // Only an action name is echoed, never free text from the address.
        let action = if action
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
        {
            action
        } else {
            "command"
        };
        Some(Flash {
            ok: true,
            text: format!("Done: {action}"),
            seq: Some(seq),
            policies: None,
        })
    }
}

/// A room on the home page, with its open incidents by severity.
#[derive(Debug)]
pub struct RoomRow {
    /// The room.
    pub room: RoomSummary,
    /// "S5 ×1, S3 ×2", highest first; empty when none.
    pub incidents: String,
    /// Whether any open incident is severity 4 or 5.
    pub serious: bool,
}

/// A request with what the viewer may do with it.
#[derive(Debug)]
pub struct RequestRow {
    /// The request.
    pub r: RequestSummary,
    /// "5 h 12 min left", "overdue by 2 h", or "".
    pub left: String,
    /// The forms.
    pub offers: Vec<Offer>,
}

/// A task with what the viewer may do with it.
#[derive(Debug)]
pub struct TaskRow {
    /// The task.
    pub t: TaskSummary,
    /// The forms.
    pub offers: Vec<Offer>,
}

/// The home page.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    chrome: Chrome,
    back: String,
    rooms: Vec<RoomRow>,
    requests: Vec<RequestRow>,
    /// Requests left off the board (less urgent than those shown).
    more_requests: usize,
    approvals: Vec<RequestRow>,
    tasks: Vec<TaskRow>,
    declarations: Vec<DeclarationSummary>,
    show_screening: bool,
    cases: Vec<VettingCaseSummary>,
    movements: Vec<MovementSummary>,
    draft_request: Option<Offer>,
    create_task: Option<Offer>,
    ledger: bool,
    /// Whether the viewer may read the disclosure register.
    disclosures: bool,
    /// Whether the viewer may read the consultation log (oversight).
    consultations: bool,
    screening: bool,
    /// Vetting (issue 12): the analysts' queue, the organiser's opinions.
    vetting_queue: bool,
    /// For whoever may suspend an accreditation: the open cases that put
    /// one in question (a list change hit an applicant accredited before).
    in_question: i64,
    opinions: bool,
}

/// Requests the home board shows at most.
const HOME_ROWS: usize = 50;

/// `GET /home`.
pub async fn page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let viewer = viewer(&state, caller).await?;
    let all = BoardQuery {
        state: None,
        limit: None,
    };
    let now = api::now();
    let units = offers::host_units(&state).await;

    let mut rooms = Vec::new();
    for (room, record) in crate::lists::visible_rooms(&state, &viewer.caller, &all).await? {
        let (incidents, serious) = super::room::open_incidents(&state, &viewer, &room).await?;
        rooms.push(RoomRow {
            room: crate::lists::room_summary(&room, &record),
            incidents,
            serious,
        });
    }

    let (requests, approvals, more_requests) = request_boards(&state, &viewer, now, &units).await?;

    // The tasks are read once: each row's summary and offers come from the
    // same document.
    let tasks = api::visible::<Task>(&state, &viewer.caller, &all, Action::TaskRead, |t, _| {
        service::facts::task(t)
    })
    .await?
    .iter()
    .map(|(task, record)| TaskRow {
        t: api::task_summary(task, record),
        offers: offers::task(&state, &viewer, task, now),
    })
    .collect();

    let declarations = api::declarations(&state, &viewer.caller, &all).await?;
    let cases = crate::lists::vetting_cases(&state, &viewer.caller, &all).await?;
    let may_suspend = viewer.may(
        &state,
        Action::AccreditationSuspend,
        &authority::Resource::Applicant {
            id: "*".into(),
            organiser: "*".into(),
        },
    );
    let vetting_queue = super::vetting::may_read_cases(&state, &viewer);
    let in_question = if may_suspend && vetting_queue {
        store::applicants::count_in_question(state.svc().store().pool())
            .await
            .map_err(|e| ApiError::internal(&e))?
    } else {
        0
    };
    let movements = crate::rest::movements(&state, &viewer.caller, &all).await?;

    let mut chrome = Chrome::new(&state, "Home", Some(&viewer));
    chrome.flash = done.flash();
    let page = HomePage {
        chrome,
        back: "/home".into(),
        rooms,
        requests,
        more_requests,
        approvals,
        tasks,
        declarations,
        show_screening: may_see_screening(&state, &viewer),
        cases,
        movements,
        draft_request: offers::draft_request(&state, &viewer),
        create_task: offers::create_task(&state, &viewer, &units),
        ledger: viewer.may(&state, Action::LedgerRead, &authority::Resource::Ledger),
        disclosures: viewer.may(
            &state,
            Action::DisclosuresRead,
            &authority::Resource::Ledger,
        ),
        consultations: viewer.may(
            &state,
            Action::ConsultationsRead,
            &authority::Resource::Ledger,
        ),
        screening: may_see_screening(&state, &viewer),
        vetting_queue,
        in_question,
        opinions: super::vetting::may_read_opinions(&state, &viewer),
    };
    Ok(html(&page))
}

/// The requests board (the [`HOME_ROWS`] open requests with the least time
/// left, those without a deadline last), the approvals queue (every answer
/// whose disclosure the viewer may approve) and how many open requests the
/// board leaves out. The database orders, limits and counts (the records'
/// board columns): only the rows shown are decoded and have their offers
/// worked out (a few policy decisions each), so that a store with ten
/// thousand open requests renders fast.
async fn request_boards(
    state: &AppState,
    viewer: &Viewer,
    now: domain::time::Timestamp,
    units: &[(String, String)],
) -> Result<(Vec<RequestRow>, Vec<RequestRow>, usize), ApiError> {
    let row = |r: &domain::request::Request, record: &store::records::Record| {
        let summary = api::request_summary(r, record, now);
        let left = match summary.due_at {
            Some(due) if summary.overdue => {
                format!("overdue by {}", duration_text(now.as_millis() - due))
            }
            Some(due) if !r.state().is_terminal() => {
                format!("{} left", duration_text(due - now.as_millis()))
            }
            _ => String::new(),
        };
        RequestRow {
            r: summary,
            left,
            offers: offers::request(state, viewer, r, now, units),
        }
    };
    // Every answer awaiting approval that the viewer may approve goes to the
    // approvals queue; one the viewer may not approve stays on the board.
    let mut approvals = Vec::new();
    let mut approving = std::collections::HashSet::new();
    for (r, record) in api::awaiting_approval(state, &viewer.caller).await? {
        let row = row(&r, &record);
        if row
            .offers
            .iter()
            .any(|o| o.action == "rfi.approve_disclosure")
        {
            approving.insert(record.id.clone());
            approvals.push(row);
        }
    }
    approvals.sort_by_key(|a| (a.r.due_at.is_none(), a.r.due_at));
    // The most urgent open requests not in the approvals queue: ask the
    // database for as many more as the queue holds, and for more again in
    // the rare case that the policy kept too many of them from the viewer.
    let mut requests = Vec::new();
    let mut limit = (HOME_ROWS + approving.len()) as i64;
    loop {
        let (rows, more) = api::open_requests(state, &viewer.caller, limit).await?;
        requests.clear();
        for (r, record) in rows
            .iter()
            .filter(|(_, record)| !approving.contains(&record.id))
            .take(HOME_ROWS)
        {
            requests.push(row(r, record));
        }
        if requests.len() >= HOME_ROWS || !more {
            break;
        }
        limit = limit.saturating_mul(4);
    }
    let open = api::open_request_count(state, &viewer.principal).await?;
    let more_requests = open.saturating_sub(requests.len() + approvals.len());
    Ok((requests, approvals, more_requests))
}

/// Whether the viewer may see screening outcomes: those the policy lets
/// run a screening. Foreign delegations never may.
fn may_see_screening(state: &AppState, viewer: &Viewer) -> bool {
    viewer.may(state, Action::ScreeningRun, &authority::Resource::Lists)
}
