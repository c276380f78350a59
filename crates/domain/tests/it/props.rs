//! Property tests: random sequences of transitions, from either side and at
//! random times, never reach an inconsistent state. Refused transitions leave
//! the value as it was (they take `&self`), so each sequence keeps the last
//! accepted value and checks the invariants after every step, including that
//! the value survives its JSON storage round trip (so the checks a loaded
//! document goes through never refuse a state the transitions can reach).

use proptest::prelude::*;

use domain::Side;
use domain::codes::SerialNumber;
use domain::declaration::{
    DeclarationLine, Prerequisites, Review, ScreeningStatus, can_hold_account,
};
use domain::ids::AccountId;
use domain::request::{
    DataCategory, Deadlines, Disclosure, Priority, Request, RequestKind, RequestState,
};
use domain::text::Text;
use domain::vetting::{AuthorSide, Opinion, RiskNote, Subject, VettingCase, VettingState};

use crate::common::*;

/// One random step: which transition (0 to 63; each test maps ranges of
/// choices to transitions, giving final ones a small share so that sequences
/// get deep), whether the wrong side asks (one time in eight), how much later,
/// and a choice (personal data in an answer, which account decides).
fn steps() -> impl Strategy<Value = Vec<(u8, bool, i64, bool)>> {
    prop::collection::vec(
        (
            0u8..64,
            (0u8..8).prop_map(|n| n == 0),
            -HOUR..DAY,
            any::<bool>(),
        ),
        0..120,
    )
}

/// The side that may make a transition, or the other one if `wrong`.
fn side(allowed: Side, wrong: bool) -> Side {
    match (allowed, wrong) {
        (Side::Host, false) | (Side::Requester, true) => Side::Host,
        (Side::Requester, false) | (Side::Host, true) => Side::Requester,
    }
}

fn check_request(r: &Request, previous: &Request) {
    // The clock: set exactly when the request leaves the draft.
    match r.submitted_at() {
        None => assert!(matches!(
            r.state(),
            RequestState::Draft | RequestState::Cancelled { .. }
        )),
        Some(submitted) => {
            assert_ne!(r.state(), &RequestState::Draft);
            let due = r.due_at().expect("a submitted request has a deadline");
            assert!(due >= submitted);
            // The deadline never moves once set.
            if let Some(before) = previous.due_at() {
                assert_eq!(due, before);
            }
        }
    }
    assert_eq!(r.due_at().is_some(), r.submitted_at().is_some());
    assert!(r.updated_at() >= previous.updated_at());
    assert!(r.updated_at() >= r.created_at());

    // Answers: present exactly in Answered and Closed, never empty.
    let answered = matches!(
        r.state(),
        RequestState::Answered { .. } | RequestState::Closed { .. }
    );
    assert_eq!(r.current_answer().is_some(), answered);
    if let Some(answer) = r.current_answer() {
        assert!(!answer.text().as_str().trim().is_empty());
        // An approval exists only next to a disclosure.
        if answer.approval().is_some() {
            assert!(answer.disclosure().is_some());
        }
    }
    // Nothing with personal data is released without approval.
    if let Some(answer) = r.released_answer() {
        assert!(answer.disclosure().is_none() || answer.approval().is_some());
    }
    if let RequestState::Closed { answer } = r.state() {
        assert!(answer.is_releasable());
        assert!(r.released_answer().is_some());
    }
    // Final states stay final.
    if previous.state().is_terminal() {
        assert_eq!(r, previous);
    }
    if answered || r.state().is_terminal() {
        assert!(!r.is_overdue(proptest_far_future()));
    }
}

fn proptest_far_future() -> domain::time::Timestamp {
    at(1_000 * DAY)
}

proptest! {
    #[test]
    fn random_request_sequences_stay_consistent(priority in 0usize..3, steps in steps()) {
        let w = world();
        let mut r = Request::draft(
            id("rfi-p"),
            &w.delegation,
            RequestKind::Assistance,
            Priority::ALL[priority],
            name("Subject"),
            text("Body."),
            at(0),
        );
        let mut t = 0;
        for (choice, wrong, dt, flag) in steps {
            t += dt;
            let host = side(Side::Host, wrong);
            let requester = side(Side::Requester, wrong);
            let disclosure = Disclosure::new(
                w.delegation.id().clone(),
                Text::parse("legal basis", "art. 5").unwrap(),
                [DataCategory::Travel],
            )
            .unwrap();
            let result = match choice {
                0..=5 => r.submit(requester, &Deadlines::default(), at(t)),
                6..=11 => r.acknowledge(host, at(t)),
                12..=17 => r.accept(host, &w.unit, at(t)),
                18..=20 => r.request_clarification(host, text("Why?"), at(t)),
                21..=26 => r.clarify(requester, text("Because."), at(t)),
                27 => r.refuse(host, reason("No."), at(t)),
                28..=35 => r.start(host, at(t)),
                36..=43 => r.answer(host, text("Here."), flag.then_some(disclosure), at(t)),
                44..=51 => r.approve_disclosure(host, id("commander-1"), at(t)),
                52..=62 => r.close(if flag { host } else { requester }, at(t)),
                _ => r.cancel(requester, reason("Done."), at(t)),
            };
            if let Ok(next) = result {
                check_request(&next, &r);
                round_trip(&next);
                r = next;
            }
        }
    }

    #[test]
    fn random_vetting_sequences_stay_consistent(steps in steps()) {
        let mut case = VettingCase::open(
            id("case-p"),
            Subject::Applicant(id("app-1")),
            snapshot(1),
            text("Hit."),
            at(0),
        );
        let mut t = 0;
        for (choice, _, dt, flag) in steps {
            t += dt;
            let by: AccountId = if flag { id("a") } else { id("b") };
            let previous = case.clone();
            let result = match choice % 7 {
                0 => case.clear(reason("r"), by, at(t)),
                1 => case.propose_refusal(reason("r"), by, at(t)),
                2 => case.confirm_refusal(reason("r"), by, at(t)),
                3 => case.propose_referral(reason("r"), by, at(t)),
                4 => case.confirm_referral(reason("r"), by, at(t)),
                5 => case.reject_proposal(reason("r"), by, at(t)),
                _ => case.add_note(RiskNote::new(by, AuthorSide::Foreign, text("n"), at(t))),
            };
            let Ok(next) = result else { continue };
            prop_assert!(!previous.state().is_final(), "a final case changed");
            prop_assert!(next.updated_at() >= previous.updated_at());
            prop_assert!(next.notes().len() >= previous.notes().len());
            match next.state() {
                VettingState::Refused { proposal, confirmation }
                | VettingState::Referred { proposal, confirmation } => {
                    prop_assert_ne!(proposal.by(), confirmation.by());
                    prop_assert!(confirmation.at() >= proposal.at());
                }
                _ => {}
            }
            let expected = match next.state() {
                VettingState::Cleared(_) => Opinion::NoObjection,
                VettingState::Refused { .. } => Opinion::Objection,
                _ => Opinion::Pending,
            };
            prop_assert_eq!(next.opinion(), expected);
            round_trip(&next);
            case = next;
        }
    }

    #[test]
    fn random_declaration_sequences_stay_consistent(steps in steps()) {
        let w = world();
        let head = accredited(&w.head, None);
        let mut line = DeclarationLine::declare(
            id("line-p"),
            &w.delegation,
            agent("Sam Shield", "P7", "GLK-001"),
            at(0),
        )
        .unwrap();
        let case = VettingCase::open(id("case-p"), Subject::Declaration(id("line-p")), snapshot(1), text("Hit."), at(0));
        let cleared = case.clear(reason("False match."), id("a"), at(0)).unwrap();
        let mut t = 0;
        for (choice, wrong, dt, flag) in steps {
            t += dt;
            let host = side(Side::Host, wrong);
            let previous = line.clone();
            let result = match choice {
                0..=9 => line.record_screening(host, ScreeningStatus::Clear { snapshot: snapshot(2) }, at(t)),
                10..=14 => line.record_screening(host, ScreeningStatus::Hit { case: id("case-p") }, at(t)),
                15..=22 => line.request_information(host, text("Q?"), at(t)),
                23..=32 => line.answer_information(side(Side::Requester, wrong), text("A."), at(t)),
                33..=34 => line.refuse(host, reason("No."), at(t)),
                35..=48 => line.accredit(
                    host,
                    accreditation(0, 10 * DAY),
                    Prerequisites {
                        vetting: Some(if flag { &cleared } else { &case }),
                        head: flag.then_some(&head),
                    },
                    at(t),
                ),
                _ => line.grant_arms_permit(
                    host,
                    &SerialNumber::parse("GLK001").unwrap(),
                    window(DAY, 2 * DAY),
                    at(t),
                ),
            };
            let Ok(next) = result else { continue };
            // Decisions are final.
            let decided = matches!(previous.review(), Review::Accredited { .. } | Review::Refused { .. });
            if decided {
                prop_assert_eq!(previous.review(), next.review());
            }
            // Accredited only when screened, and a hit only with its case cleared.
            if let Review::Accredited { accreditation, .. } = next.review() {
                prop_assert_ne!(next.screening(), &ScreeningStatus::NotScreened);
                let was_accredited = previous.review().accreditation().is_some();
                prop_assert!(flag || was_accredited);
                for permit in next.permits() {
                    prop_assert!(accreditation.window().covers(permit.window()));
                }
            } else {
                prop_assert!(next.permits().is_empty());
            }
            prop_assert_eq!(can_hold_account(&next).is_ok(), next.review().accreditation().is_some());
            prop_assert!(next.permits().len() <= next.person().weapons().len());
            round_trip(&next);
            line = next;
        }
    }
}
