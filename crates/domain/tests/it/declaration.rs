//! Personnel declarations: the review machine, accreditation prerequisites
//! (screening, vetting, the head first), the account rule, arms permits and
//! duplicate detection.

use domain::codes::{CountryCode, DocumentNumber, SerialNumber};
use domain::declaration::{
    DeclarationLine, Person, Prerequisites, Review, RoleAsked, ScreeningStatus, Weapon,
    can_hold_account, check_duplicate,
};
use domain::error::{Blocker, DomainError, DuplicateBasis, PermitProblem};
use domain::registry::Delegation;
use domain::text::PersonName;
use domain::time::Date;
use domain::vetting::{Subject, VettingCase};
use domain::{AgencyKind, Side};

use crate::common::*;

fn line(w: &World, line_id: &str, person: Person) -> DeclarationLine {
    DeclarationLine::declare(id(line_id), &w.delegation, person, at(0)).unwrap()
}

fn liaison(w: &World) -> DeclarationLine {
    line(
        w,
        "line-2",
        person("Richard Roe", "P0000002", RoleAsked::Liaison),
    )
}

type Transition =
    fn(&DeclarationLine, &DeclarationLine, Side) -> Result<DeclarationLine, DomainError>;

/// The review transitions, each with the side that may make it. The second
/// argument is an accredited head, for accreditation.
const TRANSITIONS: &[(&str, Side, Transition)] = &[
    ("record screening", Side::Host, |l, _, s| {
        l.record_screening(
            s,
            ScreeningStatus::Clear {
                snapshot: snapshot(1),
            },
            at(DAY),
        )
    }),
    ("request information", Side::Host, |l, _, s| {
        l.request_information(s, text("Which unit?"), at(DAY))
    }),
    ("answer information", Side::Requester, |l, _, s| {
        l.answer_information(s, text("The Milan field office."), at(DAY))
    }),
    ("refuse", Side::Host, |l, _, s| {
        l.refuse(s, reason("Not needed."), at(DAY))
    }),
    ("withdraw", Side::Requester, |l, _, s| {
        l.withdraw(s, at(DAY))
    }),
    ("accredit", Side::Host, |l, head, s| {
        l.accredit(
            s,
            accreditation(0, 10 * DAY),
            Prerequisites {
                vetting: None,
                head: Some(head),
            },
            at(DAY),
        )
    }),
];

/// A screened line in each review state.
fn states(w: &World) -> Vec<(&'static str, DeclarationLine)> {
    let pending = screened(&liaison(w));
    let head = accredited(&w.head, None);
    let asked = pending
        .request_information(Side::Host, text("Which unit?"), at(2 * HOUR))
        .unwrap();
    let accredited = pending
        .accredit(
            Side::Host,
            accreditation(0, 10 * DAY),
            Prerequisites {
                vetting: None,
                head: Some(&head),
            },
            at(2 * HOUR),
        )
        .unwrap();
    let refused = pending
        .refuse(Side::Host, reason("No."), at(2 * HOUR))
        .unwrap();
    let withdrawn = pending.withdraw(Side::Requester, at(2 * HOUR)).unwrap();
    vec![
        ("Pending", pending),
        ("InformationRequested", asked),
        ("Accredited", accredited),
        ("Refused", refused),
        ("Withdrawn", withdrawn),
    ]
}

#[test]
fn every_review_state_and_transition_pair() {
    let w = world();
    let head = accredited(&w.head, None);
    for (label, line) in states(&w) {
        for (transition, side, f) in TRANSITIONS {
            let expected = match (label, *transition) {
                ("Pending", "record screening") => Some("Pending"),
                ("Pending", "request information") => Some("InformationRequested"),
                ("Pending", "refuse") => Some("Refused"),
                ("Pending", "accredit") => Some("Accredited"),
                ("InformationRequested", "record screening") => Some("InformationRequested"),
                ("InformationRequested", "answer information") => Some("Pending"),
                ("InformationRequested", "refuse") => Some("Refused"),
                // The delegation withdraws a line in any state but a
                // final one (an accreditation ends with it).
                ("Pending" | "InformationRequested" | "Accredited", "withdraw") => {
                    Some("Withdrawn")
                }
                _ => None,
            };
            let result = f(&line, &head, *side);
            match expected {
                Some(next) => assert_eq!(
                    result.map(|l| l.review().name()),
                    Ok(next),
                    "{label} {transition}"
                ),
                None => assert_invalid(result, "declaration", label, transition),
            }
            let wrong = if *side == Side::Host {
                Side::Requester
            } else {
                Side::Host
            };
            assert_eq!(
                f(&line, &head, wrong),
                Err(DomainError::WrongSide {
                    entity: "declaration",
                    transition,
                    allowed: *side,
                }),
                "{label} {transition} by the wrong side"
            );
        }
    }
}

#[test]
fn answers_are_kept_and_the_line_returns_to_pending() {
    let w = world();
    let asked = states(&w).remove(1).1;
    let answered = asked
        .answer_information(
            Side::Requester,
            text("The Milan field office."),
            at(3 * HOUR),
        )
        .unwrap();
    assert_eq!(answered.review(), &Review::Pending);
    let exchange = &answered.exchanges()[0];
    assert_eq!(exchange.question().as_str(), "Which unit?");
    assert_eq!(exchange.asked_at(), at(2 * HOUR));
    assert_eq!(exchange.answer().as_str(), "The Milan field office.");
    assert_eq!(exchange.answered_at(), at(3 * HOUR));
}

#[test]
fn accreditation_needs_screening() {
    let w = world();
    let result = w.head.accredit(
        Side::Host,
        accreditation(0, DAY),
        Prerequisites::default(),
        at(HOUR),
    );
    assert_eq!(
        result.unwrap_err().to_string(),
        "declaration \"line-head\" cannot be accredited: the person has not been screened"
    );
}

#[test]
fn accreditation_needs_the_head_first() {
    let w = world();
    let line = screened(&liaison(&w));
    let accredit = |head: Option<&DeclarationLine>| {
        line.accredit(
            Side::Host,
            accreditation(0, DAY),
            Prerequisites {
                vetting: None,
                head,
            },
            at(DAY),
        )
    };
    let blocked = |blocker| {
        Err(DomainError::AccreditationBlocked {
            line: id("line-2"),
            blocker,
        })
    };
    assert_eq!(accredit(None), blocked(Blocker::HeadMissing));
    assert_eq!(
        accredit(Some(&w.head)),
        blocked(Blocker::HeadNotAccredited {
            head: id("line-head")
        })
    );
    // Another delegation's head, accredited or not, does not count.
    let other_head = accredited(&w.other_head, None);
    assert_eq!(
        accredit(Some(&other_head)),
        blocked(Blocker::NotTheHead {
            given: id("line-de-head")
        })
    );
    // Nor does an accredited line of the same delegation that is not its head.
    let head = accredited(&w.head, None);
    let colleague = accredited(&line, Some(&head));
    assert_eq!(
        accredit(Some(&colleague)),
        blocked(Blocker::NotTheHead {
            given: id("line-2")
        })
    );
    assert_eq!(
        accredit(Some(&head)).map(|l| l.review().name()),
        Ok("Accredited")
    );
}

#[test]
fn the_head_needs_no_head() {
    let w = world();
    assert!(w.head.is_head());
    assert_eq!(w.delegation.head(), w.head.id());
    let head = accredited(&w.head, None);
    assert_eq!(head.review().name(), "Accredited");
}

#[test]
fn a_delegation_needs_a_foreign_agency() {
    let w = world();
    assert_eq!(w.host.kind(), AgencyKind::Host);
    let result = Delegation::register(
        id("it-ps"),
        name("Polizia di Stato"),
        &w.host,
        id("line-x"),
        person("Mario Rossi", "IT000001", RoleAsked::Liaison),
        at(0),
    );
    assert_eq!(
        result.unwrap_err().to_string(),
        "agency \"questura-mi\" is a host agency, but a delegation needs a foreign agency"
    );
    assert_eq!(w.delegation.agency(), w.foreign.id());
    assert_eq!(w.delegation.country().as_str(), "US");
}

#[test]
fn accreditation_needs_a_cleared_vetting_case() {
    let w = world();
    let line = liaison(&w)
        .record_screening(
            Side::Host,
            ScreeningStatus::Hit { case: id("case-1") },
            at(HOUR),
        )
        .unwrap();
    let head = accredited(&w.head, None);
    let case = VettingCase::open(
        id("case-1"),
        Subject::Declaration(id("line-2")),
        snapshot(3),
        text("Name matches an OFAC SDN alias, score 0.91."),
        at(HOUR),
    );
    let other = VettingCase::open(
        id("case-9"),
        Subject::Declaration(id("line-2")),
        snapshot(3),
        text("Another hit."),
        at(HOUR),
    );
    let accredit = |vetting: Option<&VettingCase>| {
        line.accredit(
            Side::Host,
            accreditation(0, DAY),
            Prerequisites {
                vetting,
                head: Some(&head),
            },
            at(DAY),
        )
    };
    let blocked = |blocker| {
        Err(DomainError::AccreditationBlocked {
            line: id("line-2"),
            blocker,
        })
    };
    assert_eq!(
        accredit(None),
        blocked(Blocker::VettingCaseMissing { case: id("case-1") })
    );
    assert_eq!(
        accredit(Some(&other)),
        blocked(Blocker::WrongVettingCase {
            expected: id("case-1"),
            found: id("case-9"),
        })
    );
    assert_eq!(
        accredit(Some(&case)),
        blocked(Blocker::VettingNotCleared {
            case: id("case-1"),
            state: "Open"
        })
    );
    let analyst = || id("analyst-1");
    let proposed = case
        .propose_refusal(reason("Confirmed match."), analyst(), at(2 * HOUR))
        .unwrap();
    assert_eq!(
        accredit(Some(&proposed)),
        blocked(Blocker::VettingNotCleared {
            case: id("case-1"),
            state: "RefusalProposed"
        })
    );
    let refused = proposed
        .confirm_refusal(reason("Confirmed."), id("commander-1"), at(3 * HOUR))
        .unwrap();
    assert_eq!(
        accredit(Some(&refused)).unwrap_err().to_string(),
        "declaration \"line-2\" cannot be accredited: vetting case \"case-1\" is Refused, not Cleared"
    );
    let cleared = case
        .clear(reason("Different birth date."), analyst(), at(2 * HOUR))
        .unwrap();
    assert_eq!(
        accredit(Some(&cleared)).map(|l| l.review().name()),
        Ok("Accredited")
    );
}

#[test]
fn a_hit_cannot_be_screened_away() {
    let w = world();
    let hit = liaison(&w)
        .record_screening(
            Side::Host,
            ScreeningStatus::Hit { case: id("case-1") },
            at(HOUR),
        )
        .unwrap();
    let clear = ScreeningStatus::Clear {
        snapshot: snapshot(9),
    };
    assert_eq!(
        hit.record_screening(Side::Host, clear.clone(), at(2 * HOUR))
            .unwrap_err()
            .to_string(),
        "field \"screening\": the line already has a vetting case, and the case decides"
    );
    // A clear line can be screened again, and the new screening may hit.
    let cleared = screened(&liaison(&w));
    let hit_later = cleared
        .record_screening(
            Side::Host,
            ScreeningStatus::Hit { case: id("case-2") },
            at(2 * HOUR),
        )
        .unwrap();
    assert_eq!(
        hit_later.screening(),
        &ScreeningStatus::Hit { case: id("case-2") }
    );
    assert!(
        liaison(&w)
            .record_screening(Side::Host, ScreeningStatus::NotScreened, at(HOUR))
            .is_err()
    );
}

#[test]
fn only_accredited_people_hold_accounts() {
    let w = world();
    for (label, line) in states(&w) {
        let result = can_hold_account(&line);
        if label == "Accredited" {
            assert_eq!(result, Ok(()));
        } else {
            assert_eq!(
                result.unwrap_err().to_string(),
                format!(
                    "declaration \"line-2\" is {label}: only an accredited person can hold an account"
                )
            );
        }
    }
    assert!(
        can_hold_account(&w.head).is_err(),
        "not even the head before accreditation"
    );
}

fn serial(value: &str) -> SerialNumber {
    SerialNumber::parse(value).unwrap()
}

#[test]
fn arms_permits_are_per_declared_weapon_and_inside_the_accreditation() {
    let w = world();
    let head = accredited(&w.head, None);
    let two_pistols = agent("Sam Shield", "P0000003", "GLK-001")
        .with_weapon(Weapon::new(name("Glock 19 pistol"), serial("GLK-002")))
        .unwrap();
    let armed = line(&w, "line-3", two_pistols);
    let permit = |l: &DeclarationLine, s: &str, from: i64, until: i64| {
        l.grant_arms_permit(Side::Host, &serial(s), window(from, until), at(3 * HOUR))
    };
    let problem = |problem| {
        Err(DomainError::ArmsPermit {
            line: id("line-3"),
            problem,
        })
    };
    assert_eq!(
        permit(&armed, "GLK001", DAY, 2 * DAY),
        problem(PermitProblem::NotAccredited { state: "Pending" })
    );
    let armed = accredited_for(&armed, Some(&head), DAY, 10 * DAY);
    assert_eq!(
        permit(&armed, "XYZ", DAY, 2 * DAY),
        problem(PermitProblem::UnknownWeapon {
            serial: "XYZ".into()
        })
    );
    assert_eq!(
        permit(&armed, "GLK001", DAY - 1, 2 * DAY),
        problem(PermitProblem::OutsideAccreditation)
    );
    assert_eq!(
        permit(&armed, "GLK001", 2 * DAY, 10 * DAY + 1),
        problem(PermitProblem::OutsideAccreditation)
    );
    // The whole accreditation window is allowed (the serial is matched in normal form).
    let permitted = permit(&armed, "glk-001", DAY, 10 * DAY).unwrap();
    assert_eq!(permitted.permits().len(), 1);
    assert_eq!(permitted.permits()[0].serial().as_str(), "GLK001");
    assert_eq!(permitted.permits()[0].window(), &window(DAY, 10 * DAY));
    assert_eq!(
        permit(&permitted, "GLK001", DAY, 2 * DAY),
        problem(PermitProblem::AlreadyPermitted {
            serial: "GLK001".into()
        })
    );
    let both = permit(&permitted, "GLK002", DAY, 2 * DAY).unwrap();
    assert_eq!(both.permits().len(), 2);
    assert_eq!(
        permitted
            .grant_arms_permit(
                Side::Requester,
                &serial("GLK002"),
                window(DAY, 2 * DAY),
                at(DAY)
            )
            .unwrap_err(),
        DomainError::WrongSide {
            entity: "declaration",
            transition: "grant an arms permit",
            allowed: Side::Host,
        }
    );
}

#[test]
fn no_permit_without_declared_weapons() {
    let w = world();
    let head = accredited(&w.head, None);
    let unarmed = accredited(&liaison(&w), Some(&head));
    assert_eq!(
        unarmed
            .grant_arms_permit(Side::Host, &serial("GLK001"), window(0, DAY), at(3 * HOUR))
            .unwrap_err()
            .to_string(),
        "arms permit for declaration \"line-2\": the declaration lists no weapons"
    );
}

#[test]
fn a_person_declares_each_weapon_and_vehicle_once() {
    let err = agent("Sam Shield", "P0000003", "GLK-001")
        .with_weapon(Weapon::new(name("Glock 19 pistol"), serial("glk 001")))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "field \"weapons\": \"GLK001\" appears more than once"
    );
}

#[test]
fn birth_dates_lie_before_the_declaration() {
    let w = world();
    let born = |y, m, d| {
        Person::new(
            PersonName::parse("Baby Roe").unwrap(),
            Date::new(y, m, d).unwrap(),
            CountryCode::parse("US").unwrap(),
            DocumentNumber::parse("P1").unwrap(),
            RoleAsked::Observer,
        )
    };
    // T0 is 2026-02-01.
    let declare = |p| DeclarationLine::declare(id("line-9"), &w.delegation, p, at(0));
    assert_eq!(
        declare(born(2026, 2, 1)).unwrap_err().to_string(),
        "field \"birth date\": must be before the day of the declaration"
    );
    assert!(declare(born(2026, 1, 31)).is_ok());
}

#[test]
fn duplicates_are_detected_by_document_or_by_name_and_birth_date() {
    let w = world();
    let existing = vec![w.head.clone(), w.other_head.clone()];
    let check = |p: Person, delegation: &Delegation| {
        let new = DeclarationLine::declare(id("line-new"), delegation, p, at(0)).unwrap();
        check_duplicate(&new, &existing)
    };
    // The head's document, spelt differently, in the same delegation.
    assert_eq!(
        check(
            person("Somebody Else", "head-0001", RoleAsked::Observer),
            &w.delegation
        ),
        Err(DomainError::DuplicateDeclaration {
            existing: id("line-head"),
            basis: DuplicateBasis::SameDocument,
        })
    );
    // The same number from another country is another document.
    let german = Person::new(
        PersonName::parse("Somebody Else").unwrap(),
        Date::new(1980, 5, 17).unwrap(),
        CountryCode::parse("DE").unwrap(),
        DocumentNumber::parse("HEAD0001").unwrap(),
        RoleAsked::Observer,
    );
    assert_eq!(check(german, &w.delegation), Ok(()));
    // The same document in another delegation is not the same delegation's document.
    assert_eq!(
        check(
            person("Somebody Else", "HEAD0001", RoleAsked::Observer),
            &w.other_delegation
        ),
        Ok(())
    );
    // The head's name, in another order and case, with the same birth date, anywhere.
    assert_eq!(
        check(
            person("ROE, jane", "P9", RoleAsked::Observer),
            &w.other_delegation
        )
        .unwrap_err()
        .to_string(),
        "duplicate declaration: same name and birth date as declaration \"line-head\""
    );
    // The same name with another birth date is another person.
    let younger = Person::new(
        PersonName::parse("Jane Roe").unwrap(),
        Date::new(1990, 1, 1).unwrap(),
        CountryCode::parse("US").unwrap(),
        DocumentNumber::parse("P9").unwrap(),
        RoleAsked::Observer,
    );
    assert_eq!(check(younger, &w.delegation), Ok(()));
}

#[test]
fn refused_lines_still_count_and_a_line_is_not_its_own_duplicate() {
    let w = world();
    let refused = screened(&liaison(&w))
        .refuse(Side::Host, reason("No."), at(DAY))
        .unwrap();
    let again = DeclarationLine::declare(
        id("line-again"),
        &w.delegation,
        person("Richard Roe", "P0000002", RoleAsked::Liaison),
        at(2 * DAY),
    )
    .unwrap();
    assert!(check_duplicate(&again, [&refused]).is_err());
    assert_eq!(check_duplicate(&refused, [&refused]), Ok(()));
}
