//! Tasks for host units: every (state, transition) pair, and the rule that
//! only host units can be assigned.

use domain::error::DomainError;
use domain::registry::HostUnit;
use domain::task::{Task, TaskState};

use crate::common::*;

type Transition = fn(&Task, i64) -> Result<Task, DomainError>;

const TRANSITIONS: &[(&str, Transition)] = &[
    ("approve", |t, at_| t.approve(at(at_))),
    ("start", |t, at_| t.start(at(at_))),
    ("complete", |t, at_| {
        t.complete(text("Perimeter checked, nothing found."), at(at_))
    }),
    ("cancel", |t, at_| t.cancel(reason("Event moved."), at(at_))),
];

fn states(w: &World) -> Vec<Task> {
    let proposed = Task::propose(
        id("task-1"),
        name("Check the hotel perimeter"),
        text("Before the protectee's arrival at 18:00."),
        w.unit.clone(),
        at(0),
    );
    let approved = proposed.approve(at(1)).unwrap();
    let in_progress = approved.start(at(2)).unwrap();
    let done = in_progress.complete(text("Done."), at(3)).unwrap();
    let cancelled = proposed.cancel(reason("No longer needed."), at(1)).unwrap();
    vec![proposed, approved, in_progress, done, cancelled]
}

#[test]
fn every_state_and_transition_pair() {
    let w = world();
    for task in states(&w) {
        let state = task.state().name();
        for (transition, f) in TRANSITIONS {
            let expected = match (state, *transition) {
                ("Proposed", "approve") => Some("Approved"),
                ("Approved", "start") => Some("InProgress"),
                ("InProgress", "complete") => Some("Done"),
                ("Proposed" | "Approved" | "InProgress", "cancel") => Some("Cancelled"),
                _ => None,
            };
            let result = f(&task, DAY);
            match expected {
                Some(next) => assert_eq!(
                    result.map(|t| t.state().name()),
                    Ok(next),
                    "{state} {transition}"
                ),
                None => assert_invalid(result, "task", state, transition),
            }
        }
    }
}

#[test]
fn the_record_keeps_the_report_and_the_times() {
    let w = world();
    let done = states(&w).remove(3);
    assert_eq!(
        done.state(),
        &TaskState::Done {
            report: text("Done.")
        }
    );
    assert_eq!(done.created_at(), at(0));
    assert_eq!(done.updated_at(), at(3));
    assert_eq!(done.assignee().id().as_str(), "scorte-1");
    assert_eq!(done.assignee().agency(), w.host.id());
}

#[test]
fn foreign_agencies_cannot_have_units_so_cannot_be_tasked() {
    let w = world();
    for agency in [&w.foreign, &w.other_foreign] {
        let result = HostUnit::new(id("escort"), name("Escort team"), agency);
        assert!(
            matches!(result, Err(DomainError::WrongAgencyKind { .. })),
            "{result:?}"
        );
    }
}
