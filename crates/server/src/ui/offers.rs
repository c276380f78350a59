//! What a page offers the viewer to do: a form per action the policy allows
//! (asked of the `Authority` with the record's facts, as the service will
//! ask it) and the record's state admits (asked of the domain by trying the
//! transition on a copy, which changes nothing). Templates only render the
//! offers; no rule is written twice.

use authority::Resource;
use domain::Action;
use domain::request::{Deadlines, Request};
use domain::side::Side;
use domain::task::Task;
use domain::time::Timestamp;
use serde::de::DeserializeOwned;

use super::Viewer;
use crate::AppState;

/// One field of an action's form.
#[derive(Clone, Debug)]
pub struct Field {
    /// The form field's name (conventions in [`super::forms`]).
    pub name: &'static str,
    /// Its label.
    pub label: &'static str,
    /// `text`, `textarea` or `select`.
    pub kind: &'static str,
    /// The choices of a `select`: (value, label).
    pub options: Vec<(String, String)>,
    /// Whether it must be filled.
    pub required: bool,
}

impl Field {
    /// A one-line text field.
    pub fn text(name: &'static str, label: &'static str, required: bool) -> Field {
        Field {
            name,
            label,
            kind: "text",
            options: Vec::new(),
            required,
        }
    }

    /// A text area.
    pub fn area(name: &'static str, label: &'static str, required: bool) -> Field {
        Field {
            kind: "textarea",
            ..Field::text(name, label, required)
        }
    }

    /// A choice.
    pub fn select(
        name: &'static str,
        label: &'static str,
        options: Vec<(String, String)>,
    ) -> Field {
        Field {
            kind: "select",
            options,
            ..Field::text(name, label, true)
        }
    }
}

/// A form that runs one command on one record (or creates one).
#[derive(Clone, Debug)]
pub struct Offer {
    /// The command's action name (`rfi.submit`).
    pub action: &'static str,
    /// The button's label.
    pub label: &'static str,
    /// The record's id (empty for a creation).
    pub id: String,
    /// The other fields.
    pub fields: Vec<Field>,
    /// A prefix that makes the form's element ids unique on the page.
    pub key: String,
}

impl Offer {
    fn new(action: Action, label: &'static str, id: &str, fields: Vec<Field>) -> Offer {
        Offer {
            action: action.as_str(),
            label,
            id: id.to_owned(),
            key: format!("{}-{}", action.as_str().replace('.', "-"), id),
            fields,
        }
    }
}

/// A placeholder value of a validated domain type, for trying a transition.
fn sample<T: DeserializeOwned>(json: serde_json::Value) -> Option<T> {
    serde_json::from_value(json).ok()
}

/// The host agencies a request or task can be given to, as choices.
pub async fn host_units(state: &AppState) -> Vec<(String, String)> {
    match store::records::agencies(state.svc().store().pool()).await {
        Ok(rows) => rows
            .into_iter()
            .filter(|a| a.kind == "host")
            .map(|a| (a.id, a.name))
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "agencies could not be listed");
            Vec::new()
        }
    }
}

/// What the viewer may do with request `r` now.
pub fn request(
    state: &AppState,
    viewer: &Viewer,
    r: &Request,
    now: Timestamp,
    units: &[(String, String)],
) -> Vec<Offer> {
    let facts = service::facts::request(r);
    let side = if viewer.principal.is_host() {
        Side::Host
    } else {
        Side::Requester
    };
    let text = || sample::<domain::text::LongText>(serde_json::json!("·"));
    let reason = || sample::<domain::text::Reason>(serde_json::json!("·"));
    let unit = || {
        sample::<domain::registry::HostUnit>(
            serde_json::json!({"id": "unit", "name": "unit", "agency": "agency"}),
        )
    };
    let by = sample::<domain::ids::AccountId>(serde_json::json!(viewer.principal.id));
    let id = r.id().as_str();
    let candidates: Vec<(Action, bool, &'static str, Vec<Field>)> = vec![
        (
            Action::RfiSubmit,
            r.submit(side, &Deadlines::default(), now).is_ok(),
            "Submit",
            vec![],
        ),
        (
            Action::RfiAcknowledge,
            r.acknowledge(side, now).is_ok(),
            "Acknowledge",
            vec![],
        ),
        (
            Action::RfiAccept,
            unit().is_some_and(|u| r.accept(side, &u, now).is_ok()),
            "Accept and assign",
            vec![Field::select("unit", "Host unit", units.to_vec())],
        ),
        (
            Action::RfiRequestClarification,
            text().is_some_and(|t| r.request_clarification(side, t, now).is_ok()),
            "Ask for clarification",
            vec![Field::area("text", "Question", true)],
        ),
        (
            Action::RfiClarify,
            text().is_some_and(|t| r.clarify(side, t, now).is_ok()),
            "Clarify",
            vec![Field::area("text", "Clarification", true)],
        ),
        (
            Action::RfiRefuse,
            reason().is_some_and(|x| r.refuse(side, x, now).is_ok()),
            "Refuse",
            vec![Field::area("reason", "Reason", true)],
        ),
        (
            Action::RfiStart,
            r.start(side, now).is_ok(),
            "Start work",
            vec![],
        ),
        (
            Action::RfiAnswer,
            text().is_some_and(|t| r.answer(side, t, None, now).is_ok()),
            "Answer",
            vec![
                Field::area("text", "Answer", true),
                // Every answer states whether it carries personal data
                // (the statement is recorded with who made it).
                Field::select(
                    "disclosure.personal_data:b",
                    "Does the answer carry personal data?",
                    vec![
                        (String::new(), "— say so —".into()),
                        ("false".into(), "no personal data".into()),
                        (
                            "true".into(),
                            "personal data: a commander approves it".into(),
                        ),
                    ],
                ),
                Field::text(
                    "disclosure.legal_basis",
                    "Legal basis (when personal data goes out)",
                    false,
                ),
                Field::select(
                    "disclosure.categories[]",
                    "Personal data released",
                    vec![
                        (String::new(), "none".into()),
                        ("identity".into(), "identity".into()),
                        ("identity_documents".into(), "identity documents".into()),
                        ("criminal_records".into(), "criminal records".into()),
                        ("intelligence".into(), "intelligence".into()),
                        ("travel".into(), "travel".into()),
                        ("location".into(), "location".into()),
                        ("vehicles".into(), "vehicles".into()),
                    ],
                ),
            ],
        ),
        (
            Action::RfiApproveDisclosure,
            by.is_some_and(|b| r.approve_disclosure(side, b, now).is_ok()),
            "Approve the disclosure",
            vec![],
        ),
        (
            Action::RfiClose,
            r.close(side, now).is_ok(),
            "Close",
            vec![],
        ),
        (
            Action::RfiCancel,
            reason().is_some_and(|x| r.cancel(side, x, now).is_ok()),
            "Cancel",
            vec![Field::area("reason", "Reason", true)],
        ),
    ];
    candidates
        .into_iter()
        .filter(|(action, possible, _, _)| *possible && viewer.may(state, *action, &facts))
        .map(|(action, _, label, fields)| Offer::new(action, label, id, fields))
        .collect()
}

/// What the viewer may do with task `t` now.
pub fn task(state: &AppState, viewer: &Viewer, t: &Task, now: Timestamp) -> Vec<Offer> {
    let facts = service::facts::task(t);
    let id = t.id().as_str();
    let mut out = Vec::new();
    if t.approve(now).is_ok() && viewer.may(state, Action::TaskApprove, &facts) {
        out.push(Offer::new(Action::TaskApprove, "Approve", id, vec![]));
    }
    out
}

/// The form for a new request, if the viewer's delegation may file one.
pub fn draft_request(state: &AppState, viewer: &Viewer) -> Option<Offer> {
    let delegation = viewer.principal.delegation.clone()?;
    let facts = Resource::Request {
        id: String::new(),
        delegation,
    };
    viewer.may(state, Action::RfiDraft, &facts).then(|| {
        Offer::new(
            Action::RfiDraft,
            "Save the draft",
            "",
            vec![
                Field::select(
                    "kind",
                    "Kind",
                    vec![
                        ("information".into(), "information".into()),
                        ("assistance".into(), "assistance".into()),
                    ],
                ),
                Field::select(
                    "priority",
                    "Priority",
                    vec![
                        ("normal".into(), "normal (7 days)".into()),
                        ("urgent".into(), "urgent (3 days)".into()),
                        ("urgent_direct".into(), "urgent, direct (8 hours)".into()),
                    ],
                ),
                Field::text("subject", "Subject", true),
                Field::area("body", "Request", true),
            ],
        )
    })
}

/// The form for a new task, if the viewer may task host units.
pub fn create_task(state: &AppState, viewer: &Viewer, units: &[(String, String)]) -> Option<Offer> {
    let facts = Resource::Task { id: String::new() };
    viewer.may(state, Action::TaskCreate, &facts).then(|| {
        Offer::new(
            Action::TaskCreate,
            "Create the task",
            "",
            vec![
                Field::text("title", "Title", true),
                Field::area("details", "Details", true),
                Field::select("unit", "Host unit", units.to_vec()),
            ],
        )
    })
}
