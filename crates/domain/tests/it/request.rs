//! Requests for information and assistance: every (state, transition) pair,
//! the sides, the deadlines at their boundaries, and the disclosure gate.

use domain::Side;
use domain::error::{DisclosureProblem, DomainError};
use domain::request::{
    DataCategory, Deadlines, Disclosure, Priority, Request, RequestKind, RequestState,
};
use domain::text::Text;
use domain::time::Duration;

use crate::common::*;

type Transition = fn(&World, &Request, Side, i64) -> Result<Request, DomainError>;

/// Every transition, with the side that may make it (`None`: either side).
const TRANSITIONS: &[(&str, Option<Side>, Transition)] = &[
    ("submit", Some(Side::Requester), |_, r, s, t| {
        r.submit(s, &Deadlines::default(), at(t))
    }),
    ("acknowledge", Some(Side::Host), |_, r, s, t| {
        r.acknowledge(s, at(t))
    }),
    ("accept", Some(Side::Host), |w, r, s, t| {
        r.accept(s, &w.unit, at(t))
    }),
    ("request clarification", Some(Side::Host), |_, r, s, t| {
        r.request_clarification(s, text("Which hotel?"), at(t))
    }),
    ("clarify", Some(Side::Requester), |_, r, s, t| {
        r.clarify(s, text("Hotel Principe di Savoia."), at(t))
    }),
    ("refuse", Some(Side::Host), |_, r, s, t| {
        r.refuse(s, reason("Outside the host's remit."), at(t))
    }),
    ("start", Some(Side::Host), |_, r, s, t| r.start(s, at(t))),
    ("answer", Some(Side::Host), |_, r, s, t| {
        r.answer(s, text("No record found."), None, at(t))
    }),
    ("approve disclosure", Some(Side::Host), |_, r, s, t| {
        r.approve_disclosure(s, id("commander-1"), at(t))
    }),
    ("close", None, |_, r, s, t| r.close(s, at(t))),
    ("cancel", Some(Side::Requester), |_, r, s, t| {
        r.cancel(s, reason("No longer needed."), at(t))
    }),
];

fn transition(name: &str) -> (Option<Side>, Transition) {
    TRANSITIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, side, f)| (*side, *f))
        .expect("known transition")
}

/// Applies a named transition with its own side.
fn apply(w: &World, r: &Request, name: &str, t: i64) -> Result<Request, DomainError> {
    let (side, f) = transition(name);
    f(w, r, side.unwrap_or(Side::Requester), t)
}

fn draft(w: &World, priority: Priority) -> Request {
    Request::draft(
        id("rfi-1"),
        &w.delegation,
        RequestKind::Information,
        priority,
        name("Hotel staff checks"),
        text("Please check the staff list of the protectee's hotel."),
        at(0),
    )
}

fn disclosure(w: &World) -> Disclosure {
    Disclosure::new(
        w.delegation.id().clone(),
        Text::parse("legal basis", "Directive (EU) 2023/977, art. 5").unwrap(),
        [DataCategory::Identity, DataCategory::CriminalRecords],
    )
    .unwrap()
}

/// One request in every state (three flavours of Answered), each built along
/// the shortest path, one minute per step.
fn states(w: &World) -> Vec<(&'static str, Request)> {
    let min = 60_000;
    let step = |r: &Request, name: &str, t: i64| apply(w, r, name, t * min).unwrap();
    let draft = draft(w, Priority::Normal);
    let submitted = step(&draft, "submit", 1);
    let acknowledged = step(&submitted, "acknowledge", 2);
    let clarification = step(&acknowledged, "request clarification", 3);
    let accepted = step(&acknowledged, "accept", 3);
    let refused = step(&acknowledged, "refuse", 3);
    let in_progress = step(&accepted, "start", 4);
    let answered = step(&in_progress, "answer", 5);
    let pending = in_progress
        .answer(
            Side::Host,
            text("He has a record."),
            Some(disclosure(w)),
            at(5 * min),
        )
        .unwrap();
    let approved = step(&pending, "approve disclosure", 6);
    let closed = step(&answered, "close", 6);
    let cancelled = step(&draft, "cancel", 1);
    vec![
        ("Draft", draft),
        ("Submitted", submitted),
        ("Acknowledged", acknowledged),
        ("ClarificationRequested", clarification),
        ("Accepted", accepted),
        ("Refused", refused),
        ("InProgress", in_progress),
        ("Answered", answered),
        ("AnsweredPending", pending),
        ("AnsweredApproved", approved),
        ("Closed", closed),
        ("Cancelled", cancelled),
    ]
}

/// What each (state, transition) pair gives when the right side asks; pairs
/// not listed are invalid transitions.
enum Outcome {
    To(&'static str),
    Disclosure(DisclosureProblem),
}

fn expected(state: &str, transition: &str) -> Option<Outcome> {
    use Outcome::*;
    let outcome = match (state, transition) {
        (_, "cancel") if !matches!(state, "Refused" | "Closed" | "Cancelled") => To("Cancelled"),
        ("Draft", "submit") => To("Submitted"),
        ("Submitted", "acknowledge") => To("Acknowledged"),
        ("Acknowledged", "accept") => To("Accepted"),
        ("Acknowledged", "request clarification") => To("ClarificationRequested"),
        ("Acknowledged", "refuse") => To("Refused"),
        ("ClarificationRequested", "clarify") => To("Submitted"),
        ("Accepted", "start") => To("InProgress"),
        ("InProgress", "answer") => To("Answered"),
        ("Answered", "close") => To("Closed"),
        ("Answered", "approve disclosure") => Disclosure(DisclosureProblem::NothingToApprove),
        ("AnsweredPending", "approve disclosure") => To("Answered"),
        ("AnsweredPending", "close") => Disclosure(DisclosureProblem::NotApproved),
        ("AnsweredApproved", "close") => To("Closed"),
        ("AnsweredApproved", "approve disclosure") => {
            Disclosure(DisclosureProblem::AlreadyApproved)
        }
        _ => return None,
    };
    Some(outcome)
}

#[test]
fn every_state_and_transition_pair() {
    let w = world();
    let mut checked = 0;
    for (label, request) in states(&w) {
        for (transition, _, _) in TRANSITIONS {
            let result = apply(&w, &request, transition, DAY);
            match expected(label, transition) {
                Some(Outcome::To(next)) => {
                    let next_state = result.unwrap_or_else(|e| panic!("{label} {transition}: {e}"));
                    assert_eq!(next_state.state().name(), next, "{label} {transition}");
                }
                Some(Outcome::Disclosure(problem)) => {
                    assert_eq!(
                        result,
                        Err(DomainError::Disclosure(problem)),
                        "{label} {transition}"
                    );
                }
                None => assert_invalid(result, "rfi", request.state().name(), transition),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 12 * TRANSITIONS.len());
}

#[test]
fn the_wrong_side_is_refused_in_every_state() {
    let w = world();
    for (label, request) in states(&w) {
        for (transition, side, f) in TRANSITIONS {
            let Some(allowed) = side else { continue };
            let wrong = if *allowed == Side::Host {
                Side::Requester
            } else {
                Side::Host
            };
            assert_eq!(
                f(&w, &request, wrong, DAY),
                Err(DomainError::WrongSide {
                    entity: "rfi",
                    transition,
                    allowed: *allowed,
                }),
                "{label} {transition}"
            );
        }
    }
}

#[test]
fn either_side_may_close() {
    let w = world();
    let answered = states(&w).remove(7).1;
    assert_eq!(answered.state().name(), "Answered");
    for side in Side::ALL {
        assert_eq!(
            answered.close(side, at(DAY)).unwrap().state().name(),
            "Closed"
        );
    }
}

#[test]
fn error_messages_name_the_state_and_the_transition() {
    let w = world();
    let answered = states(&w).remove(7).1;
    assert_eq!(
        answered
            .acknowledge(Side::Host, at(DAY))
            .unwrap_err()
            .to_string(),
        "invalid transition: rfi is Answered, cannot acknowledge"
    );
    assert_eq!(
        answered
            .clarify(Side::Host, text("x"), at(DAY))
            .unwrap_err()
            .to_string(),
        "wrong side: only the requester side can clarify this rfi"
    );
}

#[test]
fn transitions_cannot_go_back_in_time() {
    let w = world();
    let submitted = apply(&w, &draft(&w, Priority::Normal), "submit", HOUR).unwrap();
    assert_eq!(
        submitted.acknowledge(Side::Host, at(HOUR - 1)),
        Err(DomainError::TimeWentBackwards {
            entity: "rfi",
            at: T0 + HOUR - 1,
            last: T0 + HOUR,
        })
    );
    assert!(submitted.acknowledge(Side::Host, at(HOUR)).is_ok());
}

#[test]
fn the_clock_starts_at_submission_and_the_deadline_follows_the_priority() {
    let w = world();
    let defaults = Deadlines::default();
    assert_eq!(defaults.urgent_direct, Duration::hours(8));
    assert_eq!(defaults.urgent, Duration::days(3));
    assert_eq!(defaults.normal, Duration::days(7));
    for (priority, allowed) in [
        (Priority::UrgentDirect, 8 * HOUR),
        (Priority::Urgent, 3 * DAY),
        (Priority::Normal, 7 * DAY),
    ] {
        let draft = draft(&w, priority);
        assert_eq!(draft.due_at(), None);
        assert_eq!(draft.submitted_at(), None);
        assert!(!draft.is_overdue(at(365 * DAY)), "a draft is never overdue");
        let submitted = draft.submit(Side::Requester, &defaults, at(HOUR)).unwrap();
        assert_eq!(submitted.submitted_at(), Some(at(HOUR)));
        let due = HOUR + allowed;
        assert_eq!(submitted.due_at(), Some(at(due)));
        assert!(
            !submitted.is_overdue(at(due - 1)),
            "{priority:?} one ms before"
        );
        assert!(
            submitted.is_overdue(at(due)),
            "{priority:?} at the deadline"
        );
        assert!(submitted.is_overdue(at(due + 1)), "{priority:?} after");
    }
}

#[test]
fn deadlines_are_configurable() {
    let w = world();
    let deadlines = Deadlines {
        urgent_direct: Duration::hours(1),
        ..Deadlines::default()
    };
    let submitted = draft(&w, Priority::UrgentDirect)
        .submit(Side::Requester, &deadlines, at(0))
        .unwrap();
    assert_eq!(submitted.due_at(), Some(at(HOUR)));
}

#[test]
fn overdue_only_while_the_host_still_owes_an_answer() {
    let w = world();
    let late = at(30 * DAY);
    for (label, request) in states(&w) {
        let waiting = matches!(
            label,
            "Submitted" | "Acknowledged" | "ClarificationRequested" | "Accepted" | "InProgress"
        );
        assert_eq!(request.is_overdue(late), waiting, "{label}");
    }
}

#[test]
fn a_clarified_request_is_submitted_again_with_its_original_deadline() {
    let w = world();
    let states = states(&w);
    let asked = &states[3].1;
    let due = asked.due_at();
    let clarified = asked
        .clarify(Side::Requester, text("The Principe di Savoia."), at(DAY))
        .unwrap();
    assert_eq!(clarified.state(), &RequestState::Submitted);
    assert_eq!(clarified.due_at(), due);
    assert_eq!(clarified.clarifications().len(), 1);
    assert_eq!(
        clarified.clarifications()[0].question().as_str(),
        "Which hotel?"
    );
    assert_eq!(clarified.clarifications()[0].answered_at(), at(DAY));
    // The host acknowledges the clarified request before deciding on it.
    assert!(clarified.accept(Side::Host, &w.unit, at(DAY)).is_err());
    let again = clarified.acknowledge(Side::Host, at(DAY)).unwrap();
    assert!(again.accept(Side::Host, &w.unit, at(DAY)).is_ok());
}

#[test]
fn personal_data_is_not_released_before_approval() {
    let w = world();
    let states = states(&w);
    let in_progress = &states[6].1;
    let pending = in_progress
        .answer(
            Side::Host,
            text("He has a record."),
            Some(disclosure(&w)),
            at(DAY),
        )
        .unwrap();
    // The host sees the answer; the requester does not, and cannot close it.
    assert!(pending.current_answer().is_some());
    assert_eq!(pending.released_answer(), None);
    assert_eq!(
        pending.close(Side::Requester, at(DAY)),
        Err(DomainError::Disclosure(DisclosureProblem::NotApproved))
    );
    let approved = pending
        .approve_disclosure(Side::Host, id("commander-1"), at(DAY + 1))
        .unwrap();
    let answer = approved.released_answer().expect("released after approval");
    assert_eq!(
        answer.approval().map(|a| a.by().as_str()),
        Some("commander-1")
    );
    assert_eq!(answer.approval().map(|a| a.at()), Some(at(DAY + 1)));
    assert_eq!(answer.disclosure(), Some(&disclosure(&w)));
    let closed = approved.close(Side::Requester, at(DAY + 2)).unwrap();
    assert!(closed.released_answer().is_some());
}

#[test]
fn an_answer_without_personal_data_is_released_at_once() {
    let w = world();
    let answered = states(&w).remove(7).1;
    let answer = answered.released_answer().expect("released");
    assert_eq!(answer.text().as_str(), "No record found.");
    assert_eq!(answer.disclosure(), None);
    assert_eq!(answer.approval(), None);
}

#[test]
fn a_disclosure_goes_to_the_requester_only() {
    let w = world();
    let in_progress = states(&w).remove(6).1;
    let elsewhere = Disclosure::new(
        w.other_delegation.id().clone(),
        Text::parse("legal basis", "none").unwrap(),
        [DataCategory::Identity],
    )
    .unwrap();
    assert_eq!(
        in_progress
            .answer(Side::Host, text("x"), Some(elsewhere), at(DAY))
            .unwrap_err()
            .to_string(),
        "disclosure: names delegation \"de-bka\", but the answer goes to the requester \"us-dss\""
    );
}

#[test]
fn a_disclosure_names_at_least_one_category() {
    assert_eq!(
        Disclosure::new(id("us-dss"), Text::parse("legal basis", "x").unwrap(), [])
            .unwrap_err()
            .to_string(),
        "field \"data categories\": empty"
    );
}
