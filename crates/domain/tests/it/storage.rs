//! Storage documents: every aggregate survives the JSON round trip in every
//! state its transitions reach, a few documents are pinned so that a change of
//! the format cannot pass unnoticed, and documents that break a value's or an
//! aggregate's rule are refused with a message that says which rule.

use serde_json::{Value, json};

use domain::codes::SerialNumber;
use domain::declaration::{
    Accreditation, DeclarationLine, Prerequisites, ScreeningStatus, ZoneAccess,
};
use domain::movement::{Movement, Protectee, Stop};
use domain::registry::{Agency, Delegation, Event, HostUnit, Zone};
use domain::request::{DataCategory, Deadlines, Disclosure, Priority, Request, RequestKind};
use domain::room::{Category, LiaisonReport, LogEntry, Room, Severity};
use domain::sitrep::{Sitrep, build_sitrep};
use domain::storage::Aggregate;
use domain::task::Task;
use domain::text::Text;
use domain::time::{Date, Duration, Window};
use domain::vetting::{AuthorSide, Opinion, RiskNote, Subject, VettingCase};
use domain::{Action, AgencyKind, Role, Side};

use crate::common::*;

/// Loads `document` as a `T` and returns the message of its refusal.
#[track_caller]
fn refusal<T: serde::de::DeserializeOwned + std::fmt::Debug>(document: Value) -> String {
    serde_json::from_value::<T>(document)
        .expect_err("the document is refused")
        .to_string()
}

/// The document of `value`.
fn document<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("every domain value serializes")
}

/// `document` with the value at `path` replaced: object keys, or positions
/// in arrays written as numbers (`"0"`).
fn with(mut document: Value, path: &[&str], value: Value) -> Value {
    let mut slot = &mut document;
    for key in path {
        slot = match key.parse::<usize>() {
            Ok(index) if slot.is_array() => &mut slot[index],
            _ => &mut slot[*key],
        };
    }
    *slot = value;
    document
}

/// `document` without the top-level field `key`.
fn without(mut document: Value, key: &str) -> Value {
    if let Some(object) = document.as_object_mut() {
        object.remove(key);
    }
    document
}

// ---------------------------------------------------------------------------
// Fixtures: each aggregate in the states its transitions reach.
// ---------------------------------------------------------------------------

/// The movement window: day 2, 09:00 to 13:00.
const FROM: i64 = DAY + 9 * HOUR;
const UNTIL: i64 = DAY + 13 * HOUR;

/// A protective agent of the fixture delegation, screened clear, accredited
/// for ten days with a room and a zone, with a permit for the pistol.
fn accredited_agent(w: &World) -> DeclarationLine {
    let head = accredited(&w.head, None);
    let line = DeclarationLine::declare(
        id("line-2"),
        &w.delegation,
        agent("Sam Shield", "P7", "GLK-001"),
        at(0),
    )
    .unwrap();
    let accreditation = Accreditation::new(
        window(0, 10 * DAY),
        [id("rome-ico")],
        [ZoneAccess::new(&w.event, &id("santa-giulia"), Zone::Middle).unwrap()],
    );
    screened(&line)
        .accredit(
            Side::Host,
            accreditation,
            Prerequisites {
                vetting: None,
                head: Some(&head),
            },
            at(2 * HOUR),
        )
        .unwrap()
        .grant_arms_permit(
            Side::Host,
            &SerialNumber::parse("GLK001").unwrap(),
            window(DAY, 2 * DAY),
            at(3 * HOUR),
        )
        .unwrap()
}

fn declaration_states(w: &World) -> Vec<DeclarationLine> {
    let asked = w
        .head
        .request_information(Side::Host, text("Which unit does she lead?"), at(HOUR))
        .unwrap();
    let answered = asked
        .answer_information(
            Side::Requester,
            text("The protective detail."),
            at(2 * HOUR),
        )
        .unwrap();
    let hit = w
        .head
        .record_screening(
            Side::Host,
            ScreeningStatus::Hit { case: id("case-1") },
            at(HOUR),
        )
        .unwrap();
    let refused = hit
        .refuse(
            Side::Host,
            reason("Confirmed watchlist match."),
            at(2 * HOUR),
        )
        .unwrap();
    vec![
        w.head.clone(),
        screened(&w.head),
        asked,
        answered,
        hit,
        refused,
        accredited(&w.head, None),
        accredited_agent(w),
    ]
}

fn vetting_states() -> Vec<VettingCase> {
    let open = VettingCase::open(
        id("case-1"),
        Subject::Declaration(id("line-2")),
        snapshot(1),
        text("Name matches an OFAC SDN alias, score 0.91."),
        at(0),
    );
    let noted = open
        .add_note(RiskNote::new(
            id("liaison-1"),
            AuthorSide::Foreign,
            text("Known associate of the listed person."),
            at(HOUR),
        ))
        .unwrap();
    let cleared = noted
        .clear(reason("False match."), id("analyst-1"), at(2 * HOUR))
        .unwrap();
    let proposed = noted
        .propose_refusal(reason("Confirmed match."), id("analyst-1"), at(2 * HOUR))
        .unwrap();
    let refused = proposed
        .confirm_refusal(reason("Agreed."), id("commander-1"), at(3 * HOUR))
        .unwrap();
    let reopened = proposed
        .reject_proposal(reason("Weak evidence."), id("commander-1"), at(3 * HOUR))
        .unwrap();
    let referral = reopened
        .propose_referral(reason("For the prosecutor."), id("analyst-1"), at(4 * HOUR))
        .unwrap();
    let referred = referral
        .confirm_referral(reason("Agreed."), id("commander-1"), at(5 * HOUR))
        .unwrap();
    let applicant = VettingCase::open(
        id("case-2"),
        Subject::Applicant(id("app-9")),
        snapshot(2),
        text("Birth date matches."),
        at(0),
    );
    vec![
        open, noted, cleared, proposed, refused, reopened, referral, referred, applicant,
    ]
}

/// The fixture disclosure to the fixture delegation.
fn disclosure(w: &World) -> Disclosure {
    Disclosure::new(
        w.delegation.id().clone(),
        Text::parse("legal basis", "Directive (EU) 2023/977, art. 5").unwrap(),
        [DataCategory::Identity, DataCategory::CriminalRecords],
    )
    .unwrap()
}

fn draft(w: &World) -> Request {
    Request::draft(
        id("rfi-1"),
        &w.delegation,
        RequestKind::Information,
        Priority::Urgent,
        name("Hotel staff checks"),
        text("Please check the staff list of the protectee's hotel."),
        at(0),
    )
}

/// A request answered with personal data whose disclosure is approved:
/// submitted at 1 h, acknowledged at 2 h, accepted at 3 h, started at 4 h,
/// answered at 5 h, approved at 6 h.
fn approved_request(w: &World) -> Request {
    draft(w)
        .submit(Side::Requester, &Deadlines::default(), at(HOUR))
        .and_then(|r| r.acknowledge(Side::Host, at(2 * HOUR)))
        .and_then(|r| r.accept(Side::Host, &w.unit, at(3 * HOUR)))
        .and_then(|r| r.start(Side::Host, at(4 * HOUR)))
        .and_then(|r| {
            r.answer(
                Side::Host,
                text("One employee has a record for theft (2019)."),
                Some(disclosure(w)),
                at(5 * HOUR),
            )
        })
        .and_then(|r| r.approve_disclosure(Side::Host, id("commander-1"), at(6 * HOUR)))
        .unwrap()
}

fn request_states(w: &World) -> Vec<Request> {
    let draft = draft(w);
    let submitted = draft
        .submit(Side::Requester, &Deadlines::default(), at(HOUR))
        .unwrap();
    let acknowledged = submitted.acknowledge(Side::Host, at(2 * HOUR)).unwrap();
    let asked = acknowledged
        .request_clarification(Side::Host, text("Which hotel?"), at(3 * HOUR))
        .unwrap();
    let clarified = asked
        .clarify(
            Side::Requester,
            text("Hotel Principe di Savoia."),
            at(4 * HOUR),
        )
        .unwrap();
    let accepted = clarified
        .acknowledge(Side::Host, at(5 * HOUR))
        .and_then(|r| r.accept(Side::Host, &w.unit, at(6 * HOUR)))
        .unwrap();
    let started = accepted.start(Side::Host, at(7 * HOUR)).unwrap();
    let answered = started
        .answer(Side::Host, text("No record found."), None, at(8 * HOUR))
        .unwrap();
    let closed = answered.close(Side::Requester, at(9 * HOUR)).unwrap();
    let with_data = started
        .answer(
            Side::Host,
            text("One record found."),
            Some(disclosure(w)),
            at(8 * HOUR),
        )
        .unwrap();
    let approved = with_data
        .approve_disclosure(Side::Host, id("commander-1"), at(9 * HOUR))
        .unwrap();
    let closed_with_data = approved.close(Side::Host, at(10 * HOUR)).unwrap();
    let refused = acknowledged
        .refuse(
            Side::Host,
            reason("Outside the host's remit."),
            at(3 * HOUR),
        )
        .unwrap();
    let withdrawn_draft = draft
        .cancel(Side::Requester, reason("No longer needed."), at(HOUR))
        .unwrap();
    let withdrawn = started
        .cancel(Side::Requester, reason("No longer needed."), at(8 * HOUR))
        .unwrap();
    vec![
        draft,
        submitted,
        acknowledged,
        asked,
        clarified,
        accepted,
        started,
        answered,
        closed,
        with_data,
        approved,
        closed_with_data,
        refused,
        withdrawn_draft,
        withdrawn,
    ]
}

fn task_states(w: &World) -> Vec<Task> {
    let proposed = Task::propose(
        id("task-1"),
        name("Check the hotel perimeter"),
        text("Before the protectee's arrival at 18:00."),
        w.unit.clone(),
        at(0),
    );
    let approved = proposed.approve(at(HOUR)).unwrap();
    let started = approved.start(at(2 * HOUR)).unwrap();
    let done = started
        .complete(text("Perimeter checked, nothing found."), at(3 * HOUR))
        .unwrap();
    let cancelled = approved
        .cancel(reason("The arrival moved."), at(2 * HOUR))
        .unwrap();
    vec![proposed, approved, started, done, cancelled]
}

fn movement_states(w: &World) -> Vec<Movement> {
    let agent = accredited_agent(w);
    let planned = Movement::plan(
        id("mv-1"),
        &w.event,
        &w.protectee,
        vec![
            Stop::new(id("santa-giulia"), at(FROM)),
            Stop::new(id("san-siro"), at(FROM + 2 * HOUR)),
        ],
        window(FROM, UNTIL),
        w.unit.clone(),
        &[&agent],
        at(4 * HOUR),
    )
    .unwrap();
    let approved = planned.approve(at(5 * HOUR)).unwrap();
    let completed = approved.complete(at(UNTIL)).unwrap();
    let cancelled = approved.cancel(reason("Weather."), at(6 * HOUR)).unwrap();
    vec![planned, approved, completed, cancelled]
}

fn national_room() -> Room {
    Room::host_national(id("rome-ico"), name("International coordination room"))
}

fn rooms(w: &World) -> Vec<Room> {
    vec![
        national_room(),
        Room::host_cluster(id("joc-mi"), name("JOC Milano"), &w.event.clusters()[0]),
        Room::delegation_liaison(id("us-room"), name("US liaison room"), &w.delegation),
    ]
}

fn log_states(w: &World) -> Vec<LogEntry> {
    let open = LogEntry::record(
        id("log-1"),
        &national_room(),
        w.event.venue(&id("santa-giulia")),
        Category::Incident,
        Severity::new(3).unwrap(),
        text("Crowd pressure at gate 4."),
        at(0),
    );
    let updated = open
        .update(
            Severity::new(4).unwrap(),
            text("Crowd pressure at gates 4 and 5."),
            at(HOUR),
        )
        .unwrap();
    let closed = updated.close(at(2 * HOUR)).unwrap();
    vec![open, updated, closed]
}

fn report_states(w: &World) -> (Vec<LiaisonReport>, LogEntry) {
    let submitted = LiaisonReport::submit(
        id("report-1"),
        &w.delegation,
        w.event.venue(&id("san-siro")),
        text("Our protectee will arrive 30 minutes early."),
        at(0),
    );
    let (triaged, entry) = submitted
        .triage(
            id("log-2"),
            &national_room(),
            Category::Information,
            Severity::new(2).unwrap(),
            at(HOUR),
        )
        .unwrap();
    let dismissed = submitted
        .dismiss(reason("Already known."), at(HOUR))
        .unwrap();
    (vec![submitted, triaged, dismissed], entry)
}

fn sitreps(w: &World) -> Vec<Sitrep> {
    let room = national_room();
    let mut log = log_states(w);
    log.remove(0);
    let (_, triaged) = report_states(w);
    log.push(triaged);
    let first = build_sitrep(&room, None, &log, at(HOUR)).unwrap();
    let second = build_sitrep(&room, Some(&first), &log, at(DAY)).unwrap();
    let empty = build_sitrep(&room, Some(&second), &[], at(2 * DAY)).unwrap();
    vec![first, second, empty]
}

// ---------------------------------------------------------------------------
// Round trips.
// ---------------------------------------------------------------------------

#[test]
fn registry_values_round_trip() {
    let w = world();
    let event = round_trip(&w.event);
    assert_eq!(event["venues"][0]["cluster"], "milano");
    for agency in [&w.host, &w.foreign, &w.other_foreign] {
        let doc = round_trip(agency);
        assert_eq!(doc["kind"], agency.kind().as_str());
    }
    round_trip(&w.delegation);
    round_trip(&w.other_delegation);
    round_trip(&w.unit);
    round_trip(&w.event.clusters()[0]);
    round_trip(&w.event.venues()[0]);
    let protectee = round_trip(&w.protectee);
    assert_eq!(protectee["risk"], 1);
    for room in rooms(&w) {
        let doc = round_trip(&room);
        assert_eq!(
            doc["delegation"].as_str(),
            room.delegation().map(|d| d.as_str())
        );
    }
}

#[test]
fn declaration_lines_round_trip_in_every_state() {
    let w = world();
    let states = declaration_states(&w);
    let names: Vec<&str> = states.iter().map(DeclarationLine::state_name).collect();
    assert_eq!(
        names,
        [
            "pending",
            "pending",
            "information_requested",
            "pending",
            "pending",
            "refused",
            "accredited",
            "accredited"
        ]
    );
    for line in &states {
        let doc = round_trip(line);
        assert_eq!(doc["review"], line.state_name());
        assert_eq!(doc["screening"], line.screening().as_str());
    }
}

#[test]
fn vetting_cases_round_trip_in_every_state() {
    for case in vetting_states() {
        let doc = round_trip(&case);
        assert_eq!(doc["state"], case.state_name());
    }
}

#[test]
fn requests_round_trip_in_every_state() {
    let w = world();
    let states = request_states(&w);
    let mut names: Vec<&str> = states.iter().map(Request::state_name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 10, "every state is covered: {names:?}");
    for request in &states {
        let doc = round_trip(request);
        assert_eq!(doc["state"], request.state_name());
    }
}

#[test]
fn tasks_movements_rooms_and_reports_round_trip_in_every_state() {
    let w = world();
    for task in task_states(&w) {
        assert_eq!(round_trip(&task)["state"], task.state_name());
    }
    for movement in movement_states(&w) {
        assert_eq!(round_trip(&movement)["state"], movement.state_name());
    }
    for entry in log_states(&w) {
        assert_eq!(round_trip(&entry)["status"], entry.state_name());
    }
    let (reports, entry) = report_states(&w);
    for report in reports {
        assert_eq!(round_trip(&report)["state"], report.state_name());
    }
    assert_eq!(round_trip(&entry)["source"], "report-1");
    for sitrep in sitreps(&w) {
        round_trip(&sitrep);
    }
}

#[test]
fn vocabulary_is_stored_by_its_stable_names() {
    for role in Role::ALL {
        assert_eq!(round_trip(&role), json!(role.as_str()));
    }
    for action in Action::ALL {
        assert_eq!(round_trip(action), json!(action.as_str()));
    }
    for kind in AgencyKind::ALL {
        assert_eq!(round_trip(&kind), json!(kind.as_str()));
    }
    for side in Side::ALL {
        assert_eq!(round_trip(&side), json!(side.as_str()));
    }
    for category in Category::ALL {
        assert_eq!(round_trip(&category), json!(category.as_str()));
    }
    assert_eq!(round_trip(&Opinion::NoObjection), json!("no_objection"));
    assert_eq!(round_trip(&Zone::Inner), json!(1));
    assert_eq!(
        round_trip(&Deadlines::default()),
        json!({"urgent_direct": 28_800_000, "urgent": 259_200_000, "normal": 604_800_000})
    );
    assert_eq!(
        round_trip(&Date::new(1980, 2, 29).unwrap()),
        json!("1980-02-29")
    );
    assert_eq!(round_trip(&snapshot(0xab)), json!("ab".repeat(32)));
}

#[test]
fn state_names_are_the_stored_tags_of_their_aggregates() {
    let w = world();
    let line = accredited_agent(&w);
    assert_eq!(line.state_name(), "accredited");
    assert_eq!(line.accreditation().map(|a| a.rooms().len()), Some(1));
    let case = &vetting_states()[4];
    assert_eq!(case.state_name(), "refused");
    assert_eq!(case.declaration(), Some(&id("line-2")));
    assert_eq!(vetting_states()[8].declaration(), None);
    let movement = &movement_states(&w)[0];
    assert_eq!(movement.planned_at(), at(4 * HOUR));
    assert_eq!(movement.state_name(), "planned");
    let rooms = rooms(&w);
    assert_eq!(rooms[1].cluster(), Some(&id("milano")));
    assert_eq!(rooms[2].delegation(), Some(&id("us-dss")));
    assert_eq!(rooms[0].delegation(), None);
}

/// The record attributes of an aggregate, as a database would store them:
/// kind, key, delegation, room, state.
fn record<A: Aggregate>(aggregate: &A) -> [String; 5] {
    [
        A::KIND.to_owned(),
        aggregate.key().into_owned(),
        aggregate
            .delegation_id()
            .map_or("-".to_owned(), |d| d.to_string()),
        aggregate
            .room_id()
            .map_or("-".to_owned(), |r| r.to_string()),
        aggregate.state_name().to_owned(),
    ]
}

#[test]
fn every_aggregate_names_its_record_attributes() {
    let w = world();
    let (reports, triaged) = report_states(&w);
    let records = [
        record(&w.event),
        record(&w.foreign),
        record(&w.delegation),
        record(&w.unit),
        record(&accredited_agent(&w)),
        record(&vetting_states()[4]),
        record(&approved_request(&w)),
        record(&task_states(&w)[3]),
        record(&w.protectee),
        record(&movement_states(&w)[1]),
        record(&rooms(&w)[2]),
        record(&triaged),
        record(&reports[1]),
        record(&sitreps(&w)[1]),
    ];
    let expected = [
        ["event", "mc2026", "-", "-", "configured"],
        ["agency", "dss", "-", "-", "registered"],
        ["delegation", "us-dss", "us-dss", "-", "registered"],
        ["host_unit", "scorte-1", "-", "-", "registered"],
        ["declaration", "line-2", "us-dss", "-", "accredited"],
        ["vetting_case", "case-1", "-", "-", "refused"],
        ["request", "rfi-1", "us-dss", "-", "answered"],
        ["task", "task-1", "-", "-", "done"],
        ["protectee", "vp", "us-dss", "-", "registered"],
        ["movement", "mv-1", "us-dss", "-", "approved"],
        ["room", "us-room", "us-dss", "us-room", "created"],
        ["log_entry", "log-2", "-", "rome-ico", "open"],
        ["liaison_report", "report-1", "us-dss", "-", "triaged"],
        ["sitrep", "rome-ico/2", "-", "rome-ico", "issued"],
    ];
    for (got, want) in records.iter().zip(expected) {
        assert_eq!(got, &want.map(str::to_owned));
    }
    let mut kinds: Vec<&String> = records.iter().map(|r| &r[0]).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), records.len(), "kinds are unique");
}

// ---------------------------------------------------------------------------
// Pinned documents: a failure here means the storage format changed, and
// stored documents need a migration.
// ---------------------------------------------------------------------------

const ACCREDITED_LINE: &str = r#"{
  "id": "line-2",
  "delegation": "us-dss",
  "person": {
    "name": "Sam Shield",
    "birth_date": "1980-05-17",
    "nationality": "US",
    "document": "P7",
    "role": "protective_agent",
    "protectee": "vp",
    "weapons": [
      {
        "kind": "Glock 19 pistol",
        "serial": "GLK001"
      }
    ],
    "vehicles": []
  },
  "is_head": false,
  "declared_at": 1769904000000,
  "updated_at": 1769914800000,
  "screening": "clear",
  "snapshot": "0707070707070707070707070707070707070707070707070707070707070707",
  "review": "accredited",
  "accreditation": {
    "window": {
      "from": 1769904000000,
      "until": 1770768000000
    },
    "rooms": [
      "rome-ico"
    ],
    "zones": [
      {
        "venue": "santa-giulia",
        "zone": 2
      }
    ]
  },
  "accredited_at": 1769911200000,
  "exchanges": [],
  "permits": [
    {
      "serial": "GLK001",
      "window": {
        "from": 1769990400000,
        "until": 1770076800000
      },
      "granted_at": 1769914800000
    }
  ]
}"#;

const ANSWERED_REQUEST: &str = r#"{
  "id": "rfi-1",
  "requester": "us-dss",
  "kind": "information",
  "priority": "urgent",
  "subject": "Hotel staff checks",
  "body": "Please check the staff list of the protectee's hotel.",
  "created_at": 1769904000000,
  "updated_at": 1769925600000,
  "submitted_at": 1769907600000,
  "due_at": 1770166800000,
  "clarifications": [],
  "state": "answered",
  "answer": {
    "text": "One employee has a record for theft (2019).",
    "answered_at": 1769922000000,
    "disclosure": {
      "to": "us-dss",
      "legal_basis": "Directive (EU) 2023/977, art. 5",
      "categories": [
        "identity",
        "criminal_records"
      ],
      "approval": {
        "by": "commander-1",
        "at": 1769925600000
      }
    }
  }
}"#;

const REFUSED_CASE: &str = r#"{
  "id": "case-1",
  "subject": {
    "declaration": "line-2"
  },
  "snapshot": "0101010101010101010101010101010101010101010101010101010101010101",
  "summary": "Name matches an OFAC SDN alias, score 0.91.",
  "opened_at": 1769904000000,
  "updated_at": 1769914800000,
  "state": "refused",
  "proposal": {
    "reason": "Confirmed match.",
    "by": "analyst-1",
    "at": 1769911200000
  },
  "confirmation": {
    "reason": "Agreed.",
    "by": "commander-1",
    "at": 1769914800000
  },
  "notes": [
    {
      "author": "liaison-1",
      "side": "foreign",
      "text": "Known associate of the listed person.",
      "at": 1769907600000
    }
  ],
  "rejected_proposals": []
}"#;

/// Asserts that `value` is written as exactly `golden`, and that `golden`
/// loads as `value`.
#[track_caller]
fn assert_pinned<T>(value: &T, golden: &str)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let written = serde_json::to_string_pretty(value).unwrap();
    assert_eq!(written, golden, "the storage format changed");
    let loaded: T = serde_json::from_str(golden).unwrap();
    assert_eq!(&loaded, value);
}

#[test]
fn an_accredited_line_is_pinned() {
    assert_pinned(&accredited_agent(&world()), ACCREDITED_LINE);
}

#[test]
fn an_answered_request_with_an_approved_disclosure_is_pinned() {
    assert_pinned(&approved_request(&world()), ANSWERED_REQUEST);
}

#[test]
fn a_refused_vetting_case_is_pinned() {
    assert_pinned(&vetting_states()[4], REFUSED_CASE);
}

// ---------------------------------------------------------------------------
// Refusals: a stored document is trusted no more than typed input.
// ---------------------------------------------------------------------------

#[test]
fn bad_values_are_refused_with_the_constructors_messages() {
    let w = world();
    let line = document(&accredited_agent(&w));
    assert_eq!(
        refusal::<DeclarationLine>(with(
            line.clone(),
            &["person", "name"],
            json!("a".repeat(201))
        )),
        "field \"name\": longer than 200 characters"
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(line.clone(), &["id"], json!("line 2"))),
        "field \"declaration id\": contains ' ', but only letters A-Z and a-z, digits, '_' and '-' are allowed"
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(line.clone(), &["person", "nationality"], json!("ZZ"))),
        "field \"country\": \"ZZ\" is not an ISO 3166-1 alpha-2 country code"
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(
            line.clone(),
            &["person", "birth_date"],
            json!("1981-02-29")
        )),
        "field \"date\": 1981-02-29 is not a day of the calendar"
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(line.clone(), &["snapshot"], json!("07"))),
        "field \"snapshot hash\": expected 64 hexadecimal digits (a SHA-256 hash)"
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(
            line.clone(),
            &["accreditation", "zones", "0", "zone"],
            json!(4)
        )),
        "field \"zone\": 4 is outside the range 1 to 3"
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(
            line.clone(),
            &["accreditation", "window", "until"],
            json!(0)
        )),
        "field \"window\": the end must be after the start"
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(line, &["review"], json!("approved"))),
        "unknown variant `approved`, expected one of `pending`, `information_requested`, `accredited`, `refused`, `withdrawn`"
    );

    let entry = document(&log_states(&w)[0]);
    assert_eq!(
        refusal::<LogEntry>(with(entry.clone(), &["severity"], json!(9))),
        "field \"severity\": 9 is outside the range 1 to 5"
    );
    assert_eq!(
        refusal::<LogEntry>(with(entry, &["text"], json!(" \n "))),
        "field \"text\": empty"
    );
    assert_eq!(
        refusal::<Protectee>(with(document(&w.protectee), &["risk"], json!(0))),
        "field \"risk level\": 0 is outside the range 1 to 4"
    );
    assert_eq!(
        refusal::<Agency>(with(document(&w.host), &["kind"], json!("friendly"))),
        "unknown agency kind \"friendly\" (expected one of: host, foreign, organiser, oversight)"
    );
    assert!(refusal::<Role>(json!("superuser")).starts_with("unknown role \"superuser\""));
    assert_eq!(
        refusal::<Action>(json!("rfi.delete")),
        "unknown action \"rfi.delete\""
    );
    assert_eq!(
        refusal::<Duration>(json!(-1)),
        "field \"duration\": -1 is outside the range 0 to 9223372036854775807"
    );
    assert_eq!(
        refusal::<Window>(json!({"from": 10, "until": 10})),
        "field \"window\": the end must be after the start"
    );
    assert_eq!(
        refusal::<HostUnit>(with(document(&w.unit), &["name"], json!("Reparto\nscorte"))),
        "field \"name\": contains a line break, but must be one line"
    );
}

#[test]
fn refusals_from_text_also_say_where() {
    let w = world();
    let json = serde_json::to_string(&w.delegation)
        .unwrap()
        .replace("\"US\"", "\"USA\"");
    let err = serde_json::from_str::<Delegation>(&json)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "field \"country\": expected a two-letter ISO 3166-1 alpha-2 code at line 1 column"
        ),
        "{err}"
    );
}

#[test]
fn a_state_cannot_be_stored_without_its_data() {
    let w = world();
    let states = request_states(&w);
    let answered = document(&states[7]);
    assert_eq!(answered["state"], "answered");
    assert_eq!(
        refusal::<Request>(without(answered, "answer")),
        "missing field `answer`"
    );
    let refused_case = document(&vetting_states()[4]);
    assert_eq!(
        refusal::<VettingCase>(without(refused_case, "confirmation")),
        "missing field `confirmation`"
    );
    let accredited = document(&accredited_agent(&w));
    assert_eq!(
        refusal::<DeclarationLine>(without(accredited, "accreditation")),
        "missing field `accreditation`"
    );
}

#[test]
fn requests_recheck_the_clock_and_the_disclosure() {
    let w = world();
    let states = request_states(&w);
    // A draft with a submission time, and a submitted request without one.
    let draft = document(&states[0]);
    assert_eq!(
        refusal::<Request>(with(
            with(draft, &["submitted_at"], json!(T0)),
            &["due_at"],
            json!(T0 + DAY)
        )),
        "stored rfi is inconsistent: a draft has a submission time"
    );
    let submitted = document(&states[1]);
    assert_eq!(
        refusal::<Request>(with(submitted.clone(), &["due_at"], Value::Null)),
        "stored rfi is inconsistent: a submission time and a deadline go together"
    );
    assert_eq!(
        refusal::<Request>(with(
            with(submitted.clone(), &["submitted_at"], Value::Null),
            &["due_at"],
            Value::Null
        )),
        "stored rfi is inconsistent: a request past the draft has no submission time"
    );
    assert_eq!(
        refusal::<Request>(with(submitted, &["due_at"], json!(T0))),
        "stored rfi is inconsistent: the deadline is earlier than the submission"
    );
    // Personal data: named to the requester, and approved before closing.
    let approved = document(&states[10]);
    assert_eq!(
        refusal::<Request>(with(
            approved.clone(),
            &["answer", "disclosure", "to"],
            json!("de-bka")
        )),
        "disclosure: names delegation \"de-bka\", but the answer goes to the requester \"us-dss\""
    );
    assert_eq!(
        refusal::<Request>(with(
            approved.clone(),
            &["answer", "disclosure", "categories"],
            json!([])
        )),
        "field \"data categories\": empty"
    );
    assert_eq!(
        refusal::<Request>(with(
            approved,
            &["answer", "disclosure", "approval", "at"],
            json!(T0 + 7 * HOUR)
        )),
        "stored rfi is inconsistent: an approval is earlier than the answer"
    );
    let closed = document(&states[11]);
    assert_eq!(closed["state"], "closed");
    assert_eq!(
        refusal::<Request>(with(
            closed,
            &["answer", "disclosure", "approval"],
            Value::Null
        )),
        "disclosure: the answer contains personal data and a host commander has not approved its release"
    );
}

#[test]
fn vetting_cases_recheck_four_eyes_and_time_order() {
    let refused = document(&vetting_states()[4]);
    assert_eq!(
        refusal::<VettingCase>(with(
            refused.clone(),
            &["confirmation", "by"],
            json!("analyst-1")
        )),
        "vetting case \"case-1\": the proposal by \"analyst-1\" must be confirmed by someone else"
    );
    assert_eq!(
        refusal::<VettingCase>(with(refused.clone(), &["updated_at"], json!(T0 - 1))),
        "stored vetting case is inconsistent: its last change is earlier than its creation"
    );
    assert_eq!(
        refusal::<VettingCase>(with(refused, &["notes", "0", "at"], json!(T0 + DAY))),
        "stored vetting case is inconsistent: a recorded time lies before its creation or after its last change"
    );
}

#[test]
fn declaration_lines_recheck_permits_screening_and_the_person() {
    let w = world();
    let line = document(&accredited_agent(&w));
    // The head's line, still pending, with the agent's permit and a last
    // change late enough for the permit's time.
    let pending = with(
        document(&w.head),
        &["updated_at"],
        line["updated_at"].clone(),
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(pending, &["permits"], line["permits"].clone())),
        "arms permit for declaration \"line-head\": the person is Pending, not Accredited"
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(
            line.clone(),
            &["permits", "0", "serial"],
            json!("OTHER1")
        )),
        "arms permit for declaration \"line-2\": no declared weapon has serial number \"OTHER1\""
    );
    let twice = json!([line["permits"][0].clone(), line["permits"][0].clone()]);
    assert_eq!(
        refusal::<DeclarationLine>(with(line.clone(), &["permits"], twice)),
        "arms permit for declaration \"line-2\": weapon \"GLK001\" already has a permit"
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(
            line.clone(),
            &["permits", "0", "window", "until"],
            json!(T0 + 11 * DAY)
        )),
        "arms permit for declaration \"line-2\": the permit window must lie inside the accreditation window"
    );
    let unscreened = with(line.clone(), &["screening"], json!("not_screened"));
    assert_eq!(
        refusal::<DeclarationLine>(unscreened),
        "stored declaration is inconsistent: an accredited line was never screened"
    );
    let weapon = line["person"]["weapons"][0].clone();
    assert_eq!(
        refusal::<DeclarationLine>(with(
            line.clone(),
            &["person", "weapons"],
            json!([weapon.clone(), weapon])
        )),
        "field \"weapons\": \"GLK001\" appears more than once"
    );
    assert_eq!(
        refusal::<DeclarationLine>(with(line, &["declared_at"], json!(315_532_800_000_i64))),
        "field \"birth date\": must be before the day of the declaration"
    );
}

#[test]
fn events_movements_and_reports_recheck_their_shape() {
    let w = world();
    let event = document(&w.event);
    assert_eq!(
        refusal::<Event>(with(
            event.clone(),
            &["venues", "0", "cluster"],
            json!("fiemme")
        )),
        "field \"venue cluster\": unknown cluster \"fiemme\""
    );
    let cluster = event["clusters"][0].clone();
    assert_eq!(
        refusal::<Event>(with(
            event,
            &["clusters"],
            json!([cluster.clone(), cluster])
        )),
        "field \"clusters\": \"milano\" appears more than once"
    );

    let movement = document(&movement_states(&w)[1]);
    assert_eq!(
        refusal::<Movement>(with(movement.clone(), &["stops"], json!([]))),
        "field \"itinerary\": empty"
    );
    assert_eq!(
        refusal::<Movement>(with(
            movement.clone(),
            &["stops", "1", "at"],
            json!(T0 + UNTIL)
        )),
        "field \"itinerary\": every stop must lie inside the movement window"
    );
    assert_eq!(
        refusal::<Movement>(with(
            movement.clone(),
            &["stops", "0", "at"],
            json!(T0 + FROM + 3 * HOUR)
        )),
        "field \"itinerary\": stops must be in time order"
    );
    assert_eq!(
        refusal::<Movement>(with(movement, &["agents"], json!(["line-2", "line-2"]))),
        "movement escort: declaration \"line-2\" is attached more than once"
    );

    let task = document(&task_states(&w)[3]);
    assert_eq!(
        refusal::<Task>(with(task, &["created_at"], json!(T0 + DAY))),
        "stored task is inconsistent: its last change is earlier than its creation"
    );
    let closed = document(&log_states(&w)[2]);
    assert_eq!(
        refusal::<LogEntry>(with(closed, &["closed_at"], json!(T0 + DAY))),
        "stored log entry is inconsistent: a recorded time lies before its creation or after its last change"
    );

    let sitreps = sitreps(&w);
    let second = document(&sitreps[1]);
    assert_eq!(
        refusal::<Sitrep>(with(second.clone(), &["by_category", "incident"], json!(7))),
        "stored situation report is inconsistent: the counts do not add up to the entries recorded and changed"
    );
    assert_eq!(
        refusal::<Sitrep>(with(second.clone(), &["period", "since"], Value::Null)),
        "stored situation report is inconsistent: the first report, and only the first, has no period start"
    );
    assert_eq!(
        refusal::<Sitrep>(with(second, &["period", "since"], json!(T0 + 2 * DAY))),
        "stored situation report is inconsistent: the period does not end after it starts"
    );
}
