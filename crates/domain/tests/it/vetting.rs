//! Vetting cases: every (state, transition) pair, four eyes on
//! confirmations, notes until final, and the organiser's opinion.

use domain::declaration::ScreeningStatus;
use domain::error::DomainError;
use domain::ids::AccountId;
use domain::vetting::{AuthorSide, Opinion, RiskNote, Subject, VettingCase, VettingState};

use crate::common::*;

type Transition = fn(&VettingCase, AccountId, i64) -> Result<VettingCase, DomainError>;

const TRANSITIONS: &[(&str, Transition)] = &[
    ("clear", |c, by, t| {
        c.clear(reason("False match."), by, at(t))
    }),
    ("propose refusal", |c, by, t| {
        c.propose_refusal(reason("Confirmed TCO member."), by, at(t))
    }),
    ("confirm refusal", |c, by, t| {
        c.confirm_refusal(reason("Agreed."), by, at(t))
    }),
    ("propose referral", |c, by, t| {
        c.propose_referral(reason("For the prosecutor."), by, at(t))
    }),
    ("confirm referral", |c, by, t| {
        c.confirm_referral(reason("Agreed."), by, at(t))
    }),
    ("reject proposal", |c, by, t| {
        c.reject_proposal(reason("Weak evidence."), by, at(t))
    }),
    ("add a note", |c, by, t| {
        c.add_note(RiskNote::new(
            by,
            AuthorSide::Foreign,
            text("Known associate."),
            at(t),
        ))
    }),
];

fn open_case() -> VettingCase {
    VettingCase::open(
        id("case-1"),
        Subject::Declaration(id("line-2")),
        snapshot(3),
        text("Name matches an OFAC SDN alias, score 0.91."),
        at(0),
    )
}

fn analyst() -> AccountId {
    id("analyst-1")
}

fn commander() -> AccountId {
    id("commander-1")
}

fn states() -> Vec<VettingCase> {
    let open = open_case();
    let cleared = open
        .clear(reason("False match."), analyst(), at(1))
        .unwrap();
    let refusal = open
        .propose_refusal(reason("Match."), analyst(), at(1))
        .unwrap();
    let refused = refusal
        .confirm_refusal(reason("Agreed."), commander(), at(2))
        .unwrap();
    let referral = open
        .propose_referral(reason("Refer."), analyst(), at(1))
        .unwrap();
    let referred = referral
        .confirm_referral(reason("Agreed."), commander(), at(2))
        .unwrap();
    vec![open, cleared, refusal, refused, referral, referred]
}

#[test]
fn every_state_and_transition_pair() {
    for case in states() {
        let state = case.state().name();
        for (transition, f) in TRANSITIONS {
            let expected = match (state, *transition) {
                ("Open", "clear") => Some("Cleared"),
                ("Open", "propose refusal") => Some("RefusalProposed"),
                ("Open", "propose referral") => Some("ReferralProposed"),
                ("RefusalProposed", "confirm refusal") => Some("Refused"),
                ("ReferralProposed", "confirm referral") => Some("Referred"),
                ("RefusalProposed" | "ReferralProposed", "reject proposal") => Some("Open"),
                ("Open" | "RefusalProposed" | "ReferralProposed", "add a note") => Some(state),
                _ => None,
            };
            // The commander confirms what the analyst proposed.
            let result = f(&case, commander(), DAY);
            match expected {
                Some(next) => assert_eq!(
                    result.map(|c| c.state().name()),
                    Ok(next),
                    "{state} {transition}"
                ),
                None => assert_invalid(result, "vetting case", state, transition),
            }
        }
    }
}

#[test]
fn a_proposal_needs_a_second_person_to_confirm_it() {
    let refusal = &states()[2];
    assert_eq!(
        refusal
            .confirm_refusal(reason("Agreed."), analyst(), at(DAY))
            .unwrap_err()
            .to_string(),
        "vetting case \"case-1\": the proposal by \"analyst-1\" must be confirmed by someone else"
    );
    let referral = &states()[4];
    assert_eq!(
        referral.confirm_referral(reason("Agreed."), analyst(), at(DAY)),
        Err(DomainError::FourEyes {
            case: id("case-1"),
            proposer: analyst(),
        })
    );
    // The proposer may withdraw the proposal.
    assert!(
        refusal
            .reject_proposal(reason("Withdrawn."), analyst(), at(DAY))
            .is_ok()
    );
}

#[test]
fn decisions_record_reason_author_and_time() {
    let refused = &states()[3];
    let VettingState::Refused {
        proposal,
        confirmation,
    } = refused.state()
    else {
        panic!("refused");
    };
    assert_eq!(proposal.reason().as_str(), "Match.");
    assert_eq!(proposal.by(), &analyst());
    assert_eq!(proposal.at(), at(1));
    assert_eq!(confirmation.by(), &commander());
    assert_eq!(confirmation.at(), at(2));
}

#[test]
fn rejected_proposals_stay_on_record() {
    let refusal = &states()[2];
    let reopened = refusal
        .reject_proposal(reason("Weak."), commander(), at(5))
        .unwrap();
    assert_eq!(reopened.state(), &VettingState::Open);
    let rejected = &reopened.rejected_proposals()[0];
    assert!(rejected.was_refusal());
    assert_eq!(rejected.proposal().reason().as_str(), "Match.");
    assert_eq!(rejected.rejection().reason().as_str(), "Weak.");
    // The case can be proposed for referral afterwards.
    let referral = reopened
        .propose_referral(reason("Refer."), analyst(), at(6))
        .unwrap();
    let reopened = referral
        .reject_proposal(reason("No."), commander(), at(7))
        .unwrap();
    assert_eq!(reopened.rejected_proposals().len(), 2);
    assert!(!reopened.rejected_proposals()[1].was_refusal());
}

#[test]
fn notes_from_both_sides_until_final() {
    let case = open_case()
        .add_note(RiskNote::new(
            id("hsi-1"),
            AuthorSide::Foreign,
            text("Travelled with X."),
            at(1),
        ))
        .unwrap()
        .add_note(RiskNote::new(
            analyst(),
            AuthorSide::Host,
            text("Checked."),
            at(2),
        ))
        .unwrap();
    assert_eq!(case.notes().len(), 2);
    assert_eq!(case.notes()[0].side(), AuthorSide::Foreign);
    assert_eq!(case.notes()[0].author().as_str(), "hsi-1");
    assert_eq!(case.notes()[1].text().as_str(), "Checked.");
    let cleared = case.clear(reason("Fine."), analyst(), at(3)).unwrap();
    assert_eq!(
        cleared
            .add_note(RiskNote::new(
                analyst(),
                AuthorSide::Host,
                text("Late."),
                at(4)
            ))
            .unwrap_err()
            .to_string(),
        "invalid transition: vetting case is Cleared, cannot add a note"
    );
}

#[test]
fn the_opinion_tells_nothing_but_the_outcome() {
    let opinions: Vec<Opinion> = states().iter().map(VettingCase::opinion).collect();
    assert_eq!(
        opinions,
        [
            Opinion::Pending,     // Open
            Opinion::NoObjection, // Cleared
            Opinion::Pending,     // RefusalProposed: a proposal is not a decision
            Opinion::Objection,   // Refused
            Opinion::Pending,     // ReferralProposed
            Opinion::Pending,     // Referred: another authority decides
        ]
    );
    // The opinion is a plain value: it carries no reason, name or list data.
    assert_eq!(std::mem::size_of::<Opinion>(), 1);
}

#[test]
fn the_opinion_of_a_screened_subject() {
    let case = open_case();
    let cleared = case
        .clear(reason("False match."), analyst(), at(1))
        .unwrap();
    let hit = ScreeningStatus::Hit { case: id("case-1") };
    assert_eq!(
        Opinion::of_screening(&ScreeningStatus::NotScreened, None),
        Opinion::Pending
    );
    assert_eq!(
        Opinion::of_screening(
            &ScreeningStatus::Clear {
                snapshot: snapshot(1)
            },
            None
        ),
        Opinion::NoObjection
    );
    assert_eq!(Opinion::of_screening(&hit, None), Opinion::Pending);
    assert_eq!(
        Opinion::of_screening(&hit, Some(&cleared)),
        Opinion::NoObjection
    );
    let other = ScreeningStatus::Hit { case: id("case-2") };
    assert_eq!(
        Opinion::of_screening(&other, Some(&cleared)),
        Opinion::Pending
    );
}

#[test]
fn decisions_cannot_go_back_in_time() {
    let case = open_case()
        .add_note(RiskNote::new(
            analyst(),
            AuthorSide::Host,
            text("n"),
            at(10),
        ))
        .unwrap();
    assert_eq!(
        case.clear(reason("x"), analyst(), at(9)),
        Err(DomainError::TimeWentBackwards {
            entity: "vetting case",
            at: T0 + 9,
            last: T0 + 10,
        })
    );
}
