//! Movements of protectees: itinerary checks, the checks on attached foreign
//! protective agents, visibility, and every (state, transition) pair.

use domain::declaration::{DeclarationLine, RoleAsked};
use domain::error::{DomainError, EscortProblem};
use domain::movement::{Movement, Protectee, RiskLevel, Stop};
use domain::text::PersonName;

use crate::common::*;

/// The movement window: day 2, 09:00 to 13:00.
const FROM: i64 = DAY + 9 * HOUR;
const UNTIL: i64 = DAY + 13 * HOUR;

fn stops() -> Vec<Stop> {
    vec![
        Stop::new(id("santa-giulia"), at(FROM)),
        Stop::new(id("san-siro"), at(FROM + 2 * HOUR)),
    ]
}

fn plan(w: &World, stops: Vec<Stop>, agents: &[&DeclarationLine]) -> Result<Movement, DomainError> {
    Movement::plan(
        id("mv-1"),
        &w.event,
        &w.protectee,
        stops,
        window(FROM, UNTIL),
        w.unit.clone(),
        agents,
        at(HOUR),
    )
}

/// An accredited protective agent of the fixture protectee, valid for `[from, until)`.
fn agent_line(w: &World, line_id: &str, from: i64, until: i64) -> DeclarationLine {
    let head = accredited(&w.head, None);
    let line = DeclarationLine::declare(
        id(line_id),
        &w.delegation,
        agent(
            "Sam Shield",
            &format!("D{line_id}").replace('-', ""),
            "GLK-001",
        ),
        at(0),
    )
    .unwrap();
    accredited_for(&line, Some(&head), from, until)
}

fn refused(line: &DeclarationLine, problem: EscortProblem) -> Result<Movement, DomainError> {
    Err(DomainError::EscortNotEligible {
        line: line.id().clone(),
        problem,
    })
}

#[test]
fn a_valid_plan_keeps_its_itinerary_and_agents() {
    let w = world();
    let a = agent_line(&w, "agent-a", 0, 10 * DAY);
    let b = agent_line(&w, "agent-b", 0, 10 * DAY);
    let movement = plan(&w, stops(), &[&a, &b]).unwrap();
    assert_eq!(movement.state().name(), "Planned");
    assert_eq!(movement.stops().len(), 2);
    assert_eq!(movement.stops()[1].venue().as_str(), "san-siro");
    assert_eq!(movement.agents(), &[id("agent-a"), id("agent-b")]);
    assert_eq!(movement.delegation(), w.delegation.id());
    assert_eq!(movement.lead().id().as_str(), "scorte-1");
    assert_eq!(movement.protectee(), w.protectee.id());
}

#[test]
fn the_itinerary_is_checked() {
    let w = world();
    assert_eq!(
        plan(&w, vec![], &[]).unwrap_err().to_string(),
        "field \"itinerary\": empty"
    );
    assert_eq!(
        plan(&w, vec![Stop::new(id("bormio"), at(FROM))], &[])
            .unwrap_err()
            .to_string(),
        "field \"itinerary\": unknown venue \"bormio\""
    );
    // The window is half-open: a stop at its end is outside.
    assert_eq!(
        plan(&w, vec![Stop::new(id("san-siro"), at(UNTIL))], &[])
            .unwrap_err()
            .to_string(),
        "field \"itinerary\": every stop must lie inside the movement window"
    );
    assert!(plan(&w, vec![Stop::new(id("san-siro"), at(UNTIL - 1))], &[]).is_ok());
    assert!(plan(&w, vec![Stop::new(id("san-siro"), at(FROM - 1))], &[]).is_err());
    let backwards = vec![
        Stop::new(id("santa-giulia"), at(FROM + HOUR)),
        Stop::new(id("san-siro"), at(FROM)),
    ];
    assert_eq!(
        plan(&w, backwards, &[]).unwrap_err().to_string(),
        "field \"itinerary\": stops must be in time order"
    );
}

#[test]
fn agents_must_be_accredited_protective_agents_of_the_protectee() {
    let w = world();
    let head = accredited(&w.head, None);

    let pending = DeclarationLine::declare(
        id("agent-p"),
        &w.delegation,
        agent("Pat Pending", "DP1", "GLK-009"),
        at(0),
    )
    .unwrap();
    assert_eq!(
        plan(&w, stops(), &[&pending]),
        refused(&pending, EscortProblem::NotAccredited { state: "Pending" })
    );

    let liaison = accredited(
        &DeclarationLine::declare(
            id("liaison"),
            &w.delegation,
            person("Lee Liaison", "DL1", RoleAsked::Liaison),
            at(0),
        )
        .unwrap(),
        Some(&head),
    );
    assert_eq!(
        plan(&w, stops(), &[&liaison]),
        refused(&liaison, EscortProblem::NotProtectiveAgent)
    );

    // An agent of another protectee of the same delegation.
    let other_protectee = Protectee::register(
        id("sos"),
        PersonName::parse("Mary Major").unwrap(),
        &w.delegation,
        RiskLevel::new(2).unwrap(),
    );
    let agent_a = agent_line(&w, "agent-a", 0, 10 * DAY);
    let result = Movement::plan(
        id("mv-2"),
        &w.event,
        &other_protectee,
        stops(),
        window(FROM, UNTIL),
        w.unit.clone(),
        &[&agent_a],
        at(HOUR),
    );
    assert_eq!(result, refused(&agent_a, EscortProblem::OtherProtectee));

    // An agent of another delegation, even one naming the same protectee id.
    let other_head = accredited(&w.other_head, None);
    let german = accredited(
        &DeclarationLine::declare(
            id("agent-de"),
            &w.other_delegation,
            agent("Max Muster", "DE1", "WAL-1"),
            at(0),
        )
        .unwrap(),
        Some(&other_head),
    );
    assert_eq!(
        plan(&w, stops(), &[&german]).unwrap_err().to_string(),
        "movement escort: declaration \"agent-de\" belongs to another delegation than the protectee's"
    );

    assert_eq!(
        plan(&w, stops(), &[&agent_a, &agent_a]),
        refused(&agent_a, EscortProblem::Repeated)
    );
}

#[test]
fn the_accreditation_must_cover_the_whole_movement() {
    let w = world();
    let exact = agent_line(&w, "agent-exact", FROM, UNTIL);
    assert!(plan(&w, stops(), &[&exact]).is_ok());
    let starts_late = agent_line(&w, "agent-late", FROM + 1, 10 * DAY);
    assert_eq!(
        plan(&w, stops(), &[&starts_late]),
        refused(&starts_late, EscortProblem::WindowNotCovered)
    );
    let ends_early = agent_line(&w, "agent-early", 0, UNTIL - 1);
    assert_eq!(
        plan(&w, stops(), &[&ends_early]),
        refused(&ends_early, EscortProblem::WindowNotCovered)
    );
}

type Transition = fn(&Movement, i64) -> Result<Movement, DomainError>;

const TRANSITIONS: &[(&str, Transition)] = &[
    ("approve", |m, t| m.approve(at(t))),
    ("complete", |m, t| m.complete(at(t))),
    ("cancel", |m, t| m.cancel(reason("Weather."), at(t))),
];

#[test]
fn every_state_and_transition_pair() {
    let w = world();
    let planned = plan(&w, stops(), &[]).unwrap();
    let approved = planned.approve(at(2 * HOUR)).unwrap();
    let completed = approved.complete(at(UNTIL)).unwrap();
    let cancelled = planned.cancel(reason("Weather."), at(2 * HOUR)).unwrap();
    for movement in [planned, approved, completed, cancelled] {
        let state = movement.state().name();
        for (transition, f) in TRANSITIONS {
            let expected = match (state, *transition) {
                ("Planned", "approve") => Some("Approved"),
                ("Approved", "complete") => Some("Completed"),
                ("Planned" | "Approved", "cancel") => Some("Cancelled"),
                _ => None,
            };
            let result = f(&movement, 2 * DAY);
            match expected {
                Some(next) => assert_eq!(
                    result.map(|m| m.state().name()),
                    Ok(next),
                    "{state} {transition}"
                ),
                None => assert_invalid(result, "movement", state, transition),
            }
        }
    }
}

#[test]
fn agents_see_only_approved_movements_they_escort() {
    let w = world();
    let a = agent_line(&w, "agent-a", 0, 10 * DAY);
    let b = agent_line(&w, "agent-b", 0, 10 * DAY);
    let planned = plan(&w, stops(), &[&a]).unwrap();
    assert!(!planned.is_visible_to_agent(a.id()));
    let approved = planned.approve(at(2 * HOUR)).unwrap();
    assert!(approved.is_visible_to_agent(a.id()));
    assert!(!approved.is_visible_to_agent(b.id()));
    let cancelled = approved
        .cancel(reason("Called off."), at(3 * HOUR))
        .unwrap();
    assert!(!cancelled.is_visible_to_agent(a.id()));
}

#[test]
fn risk_levels_run_from_one_to_four() {
    assert!(RiskLevel::new(0).is_err());
    assert_eq!(
        RiskLevel::new(5).unwrap_err().to_string(),
        "field \"risk level\": 5 is outside the range 1 to 4"
    );
    let w = world();
    let reassessed = w.protectee.with_risk(RiskLevel::new(3).unwrap());
    assert_eq!(reassessed.risk().get(), 3);
    assert_eq!(reassessed.id(), w.protectee.id());
}
