//! Security of the resource routes: every route of `rest::ROUTES` × every
//! role (and nobody), with the expected answer derived from the
//! `Authority` itself on the facts of the record the request names — 401
//! without credentials, 403 naming the policies (and a denial entry in the
//! ledger) where the policy denies, neither where it allows. Then: nothing
//! leaks across delegations; CSRF; session fixation; malformed bodies,
//! unknown fields, a disagreeing id and a missing purpose change nothing.

use std::collections::BTreeSet;

use authority::{Principal, Resource};
use domain::movement::Movement;
use domain::room::{LogEntry, Room};
use serde_json::{Value, json};
use server::rest::{self, Method, Op, Route};
use service::{Command, facts};
use store::records::{self, Filter};

use crate::world::{Auth, PASSWORD, World, backends, config};

/// One account per role, and the French liaison beside the US one.
const USERS: &[&str] = &[
    "commander",
    "operator",
    "analyst",
    "us-liaison",
    "fr-liaison",
    "us-investigator",
    "us-protective",
    "organiser",
    "oversight",
    "it-admin",
];

const FROM: i64 = 1_769_299_200_000;
const UNTIL: i64 = 1_773_964_800_000;
const HOUR: i64 = 3_600_000;

fn window() -> Value {
    json!({"from": FROM, "until": UNTIL})
}

fn person(name: &str, nationality: &str, document: &str) -> Value {
    json!({"name": name, "birth_date": "1979-06-01", "nationality": nationality, "document": document,
           "role": "liaison", "weapons": [], "vehicles": []})
}

/// The records the samples name, created through the service as the roles
/// the policy lets create them. Returns the US vetting case's id.
pub(crate) fn fixtures(w: &World) -> String {
    w.add_every_role();
    for (id, kind, delegation) in [
        ("us-room", "delegation_liaison", Some("us")),
        ("fr-room", "delegation_liaison", Some("fr")),
        ("host-room", "host_national", None),
    ] {
        let mut c = json!({"action": "room.create", "id": id, "name": id, "kind": kind});
        if let Some(d) = delegation {
            c["delegation"] = json!(d);
        }
        w.ok("commander", c);
    }
    for (id, room) in [("log-us", "us-room"), ("log-host", "host-room")] {
        w.ok(
            "operator",
            json!({"action": "log.record", "id": id, "room": room, "category": "incident",
                   "severity": 2, "text": "Crowd building up at gate 4"}),
        );
    }
    w.ok(
        "commander",
        json!({"action": "sitrep.issue", "room": "us-room"}),
    );
    for id in ["us-lr", "us-lr2"] {
        w.ok(
            "us-liaison",
            json!({"action": "liaison_report.submit", "id": id, "text": "A drone over the stadium"}),
        );
    }
    for (user, id) in [("us-liaison", "us-rfi"), ("fr-liaison", "fr-rfi")] {
        w.ok(
            user,
            json!({"action": "rfi.draft", "id": id, "kind": "information", "priority": "normal",
                   "subject": format!("Vehicle plate {id}"), "body": "Who is the registered keeper?"}),
        );
    }
    w.ok(
        "us-liaison",
        json!({"action": "declaration.submit", "id": "us-extra",
               "person": person("Walter Skinner", "US", "P4567890")}),
    );
    // A name on the test lists: screening opens a vetting case.
    w.ok(
        "us-liaison",
        json!({"action": "declaration.submit", "id": "us-bout",
               "person": {"name": "Viktor Anatolyevich Bout", "birth_date": "1967-01-13",
                          "nationality": "RU", "document": "R1234567", "role": "liaison",
                          "weapons": [], "vehicles": []}}),
    );
    w.ok(
        "commander",
        json!({"action": "task.create", "id": "task-1", "title": "Patrol", "details": "Gate 4",
               "unit": "questura-milano"}),
    );
    w.ok(
        "operator",
        json!({"action": "movement.plan", "id": "mov-1", "protectee": "vp",
               "stops": [{"venue": "san-siro", "at": FROM + 25 * HOUR}],
               "window": {"from": FROM + 24 * HOUR, "until": FROM + 28 * HOUR},
               "lead": "polizia-di-stato", "agents": ["us-agent"]}),
    );
    w.account("spare", "host_operator", "questura-milano", None);
    // A pending proposal, for account.confirm.
    w.ok(
        "it-admin",
        json!({"action": "account.create", "username": "m-pending", "role": "host_operator",
               "agency": "questura-milano"}),
    );
    // Retention (issue 14, item 4): a second commander's proposal whose
    // time has not come, for retention.purge (confirmed, it purges nothing).
    w.account("commander-2", "host_commander", "polizia-di-stato", None);
    w.ok(
        "commander-2",
        json!({"action": "retention.propose_purge", "id": "m-purge-pending", "kind": "applicant",
               "event_end": UNTIL, "after_days": 3650, "reason": "Kept ten years"}),
    );
    let cases = w
        .block_on(records::list(
            w.svc.store().pool(),
            "vetting_case",
            &Filter::default(),
        ))
        .expect("vetting cases");
    assert_eq!(cases.len(), 1, "{}: one vetting case", w.name);
    cases[0].id.clone()
}

/// The request a route is tried with: its path parameters and body.
struct Sample {
    params: Vec<(&'static str, String)>,
    body: Value,
}

/// The sample for each command; a route whose command has none fails the
/// test, so a new route cannot go untried.
fn sample(action: &str, case: &str) -> Sample {
    let on = |id: &str, body: Value| Sample {
        params: vec![("id", id.to_owned())],
        body,
    };
    let new = |body: Value| Sample {
        params: Vec::new(),
        body,
    };
    let reason = json!({"reason": "Not within the liaison agreement"});
    let text = json!({"text": "The plate is registered in Milan."});
    match action {
        "agency.register" => {
            new(json!({"id": "m-agency", "name": "Matrix agency", "kind": "host", "country": "IT"}))
        }
        "event.configure" => new(json!({"id": "mico2026", "name": "Milano Cortina 2026",
                   "clusters": [{"id": "milano", "name": "Milano"}],
                   "venues": [{"id": "san-siro", "name": "San Siro", "cluster": "milano"}]})),
        "delegation.register" => new(
            json!({"id": "m-deleg", "name": "Matrix delegation", "agency": "fr-police", "head_line": "m-head",
                   "head": person("Marie Lefebvre", "FR", "F2222222")}),
        ),
        "account.create" => {
            new(json!({"username": "m-user", "role": "host_operator", "agency": "questura-milano"}))
        }
        "account.confirm" => Sample {
            params: vec![("proposal", "prop-m-pending".to_owned())],
            body: json!({}),
        },
        "account.enrolment" => Sample {
            params: vec![("username", "spare".to_owned())],
            body: json!({}),
        },
        "account.disable" => Sample {
            params: vec![("username", "spare".to_owned())],
            body: json!({}),
        },
        "declaration.submit" => {
            new(json!({"id": "us-m-decl", "person": person("Fox Mulder", "US", "P9999999")}))
        }
        "declaration.read" => on("us-extra", json!({})),
        "declaration.answer" => on("us-extra", json!({"answer": "He is our liaison's deputy."})),
        "declaration.withdraw" => on("us-extra", json!({})),
        "declaration.request_info" => on("us-extra", json!({"question": "Which unit is he from?"})),
        "declaration.refuse" => on("us-extra", reason),
        "declaration.accredit" => on("us-extra", json!({"window": window()})),
        "arms_permit.grant" => on("us-extra", json!({"serial": "GLK001", "window": window()})),
        "accreditation.suspend" | "accreditation.reinstate" | "accreditation.revoke" => on(
            "us-extra",
            json!({"kind": "declaration", "reason": "Matrix check of the accreditation's state"}),
        ),
        "room.create" => {
            new(json!({"id": "m-room", "name": "Matrix room", "kind": "host_national"}))
        }
        "room.read" => on("us-room", json!({})),
        "log.read" | "sitrep.issue" => Sample {
            params: vec![("room", "us-room".to_owned())],
            body: json!({}),
        },
        "log.record" => Sample {
            params: vec![("room", "us-room".to_owned())],
            body: json!({"category": "information", "severity": 1, "text": "Gate 4 is calm again"}),
        },
        "sitrep.read" => Sample {
            params: vec![("room", "us-room".to_owned()), ("number", "1".to_owned())],
            body: json!({}),
        },
        "log.update" => on("log-us", json!({"severity": 3})),
        "log.close" => on("log-host", json!({})),
        "liaison_report.submit" => {
            new(json!({"id": "us-m-lr", "text": "Unattended bag at the station"}))
        }
        "liaison_report.triage" => on(
            "us-lr",
            json!({"room": "host-room", "category": "information", "severity": 1}),
        ),
        "liaison_report.dismiss" => on("us-lr2", reason),
        "protectee.register" => {
            new(json!({"id": "m-vp", "name": "Pat Doe", "delegation": "us", "risk": 2}))
        }
        "movement.plan" => new(json!({"id": "m-mov", "protectee": "vp",
                   "stops": [{"venue": "san-siro", "at": FROM + 49 * HOUR}],
                   "window": {"from": FROM + 48 * HOUR, "until": FROM + 52 * HOUR},
                   "lead": "polizia-di-stato", "agents": []})),
        "movement.read" | "movement.approve" => on("mov-1", json!({})),
        "rfi.draft" => new(
            json!({"id": "us-m-rfi", "kind": "information", "priority": "normal",
                   "subject": "Matrix request", "body": "Anything on this name?"}),
        ),
        "rfi.read"
        | "rfi.submit"
        | "rfi.acknowledge"
        | "rfi.start"
        | "rfi.approve_disclosure"
        | "rfi.close" => on("us-rfi", json!({})),
        "rfi.accept" => on("us-rfi", json!({"unit": "polizia-di-stato"})),
        "rfi.request_clarification" | "rfi.clarify" => on("us-rfi", text),
        "rfi.answer" => on(
            "us-rfi",
            json!({"text": "Nothing on record.", "disclosure": {"personal_data": false}}),
        ),
        "rfi.refuse" | "rfi.cancel" => on("us-rfi", reason),
        "task.create" => new(
            json!({"id": "m-task", "title": "Sweep", "details": "Hall B", "unit": "questura-milano"}),
        ),
        "task.read" | "task.approve" => on("task-1", json!({})),
        "task.update" => on("task-1", json!({"progress": "start"})),
        "vetting.read" | "vetting.read_opinion" => on(case, json!({})),
        "vetting.note" => on(case, json!({"text": "Known to our service: a namesake."})),
        "vetting.attach_report" => on(case, json!({"report": "us-lr"})),
        "vetting.share" => on(
            case,
            json!({"delegation": "us", "legal_basis": "Liaison agreement, art. 4",
                   "question": "Is this your officer's namesake?"}),
        ),
        "vetting.clear"
        | "vetting.propose_refusal"
        | "vetting.confirm_refusal"
        | "vetting.propose_referral"
        | "vetting.confirm_referral" => on(case, reason),
        "vetting.claim" | "vetting.release" => on(case, json!({})),
        "vetting.clear_bulk" => {
            new(json!({"ids": [case], "reason": "Not within the liaison agreement"}))
        }
        "applicant.submit" => new(json!({"applicants": [
            {"reference": "M-1", "name": "Mario Rossi", "birth_date": "1980-01-01",
             "nationality": "IT", "document_type": "passport", "document_number": "YA1",
             "category": "media"}]})),
        "retention.propose_purge" => new(json!({"id": "m-purge", "kind": "applicant",
                   "event_end": UNTIL, "after_days": 3650, "reason": "Kept ten years"})),
        "retention.purge" => Sample {
            params: vec![("proposal", "m-purge-pending".to_owned())],
            body: json!({}),
        },
        other => panic!("no sample for {other}: add one to matrix.rs"),
    }
}

/// The concrete path of `route` for `sample`.
fn path_of(route: &Route, sample: &Sample) -> String {
    let mut path = route.path.to_owned();
    for (name, value) in &sample.params {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    assert!(
        !path.contains('{'),
        "{}: a parameter has no value",
        route.path
    );
    path
}

/// The command the server makes of `sample` on `route` (the same
/// assembly: body fields, path parameters, purpose, action).
fn command_of(route: &Route, sample: &Sample) -> Command {
    let mut c = sample.body.clone();
    for param in route.params() {
        let (_, value) = sample
            .params
            .iter()
            .find(|(n, _)| *n == param.name)
            .expect("sampled");
        c[param.field] = if param.number {
            json!(value.parse::<u64>().unwrap())
        } else {
            json!(value)
        };
    }
    if route.needs_purpose() {
        c["purpose"] = json!("security matrix");
    }
    c["action"] = json!(route.command().unwrap());
    serde_json::from_value(c.clone()).unwrap_or_else(|e| panic!("{c}: {e}"))
}

/// The stored record `kind`/`id`, parsed. `id` may be the label a
/// delegation or the host gave a personal record, whose id is opaque: the
/// record whose document keeps that label as its `reference`.
fn load<A: serde::de::DeserializeOwned>(w: &World, kind: &str, id: &str) -> (A, records::Record) {
    let pool = w.svc.store().pool();
    let record = match w.block_on(records::get(pool, kind, id)).expect("read") {
        Some(r) => r,
        None => w
            .block_on(records::list(
                pool,
                kind,
                &records::Filter {
                    limit: Some(i64::MAX),
                    ..Default::default()
                },
            ))
            .expect("list")
            .into_iter()
            .find(|r| {
                r.doc.as_deref().is_some_and(|d| {
                    serde_json::from_str::<serde_json::Value>(d).expect("json")["reference"] == id
                })
            })
            .unwrap_or_else(|| panic!("{kind} {id} exists")),
    };
    let doc = serde_json::from_str(record.doc.as_deref().expect("a document")).expect("loads");
    (doc, record)
}

/// The policy's facts about the record a sample names, as they are now —
/// the service's own definitions (`service::facts`) where it has them —
/// or, for a creation, the facts the handler builds from the command and
/// the caller. `None`: the command is for delegation accounts and the
/// caller has no delegation (refused before any decision).
fn facts_of(w: &World, command: &Command, principal: &Principal) -> Option<Resource> {
    let own = principal.delegation.clone();
    let room_owner = |room: &str| {
        load::<Room>(w, "room", room)
            .0
            .delegation()
            .map(|d| d.to_string())
    };
    Some(match command {
        Command::AgencyRegister(c) => Resource::Agency {
            id: c.id.to_string(),
        },
        Command::EventConfigure(c) => Resource::Event {
            id: c.id.to_string(),
        },
        Command::DelegationRegister(c) => Resource::Delegation {
            id: c.id.to_string(),
        },
        Command::AccountCreate(c) => Resource::Account {
            id: format!("acc-{}", c.username.as_str()),
        },
        Command::AccountDisable(c) => Resource::Account {
            id: format!("acc-{}", c.username.as_str()),
        },
        Command::AccountEnrolment(c) => Resource::Account {
            id: format!("acc-{}", c.username.as_str()),
        },
        Command::AccountConfirm(c) => Resource::Account {
            id: format!(
                "acc-{}",
                c.proposal
                    .as_str()
                    .strip_prefix("prop-")
                    .unwrap_or_default()
            ),
        },
        Command::DeclarationSubmit(c) => Resource::Declaration {
            id: c.id.as_ref().unwrap().to_string(),
            delegation: own?,
        },
        Command::DeclarationAnswer(c) => decl(w, c.id.as_str()),
        Command::DeclarationWithdraw(c) => decl(w, c.id.as_str()),
        Command::DeclarationRequestInfo(c) => decl(w, c.id.as_str()),
        Command::DeclarationRefuse(c) => decl(w, c.id.as_str()),
        Command::DeclarationAccredit(c) => decl(w, c.id.as_str()),
        Command::DeclarationRead(c) => decl(w, c.id.as_str()),
        Command::ArmsPermitGrant(c) => decl(w, c.id.as_str()),
        Command::AccreditationSuspend(c)
        | Command::AccreditationReinstate(c)
        | Command::AccreditationRevoke(c) => decl(w, c.id.as_str()),
        Command::RoomCreate(c) => Resource::Room {
            id: c.id.as_ref().unwrap().to_string(),
            delegation: c.delegation.as_ref().map(|d| d.to_string()),
            shared_with: Vec::new(),
        },
        Command::RoomRead(c) => facts::room(&load::<Room>(w, "room", c.id.as_str()).0),
        Command::LogRecord(c) => log_entry("new", room_owner(c.room.as_str())),
        Command::LogRead(c) => log_entry(c.room.as_str(), room_owner(c.room.as_str())),
        Command::LogUpdate(c) => entry(w, c.id.as_str()),
        Command::LogClose(c) => entry(w, c.id.as_str()),
        Command::SitrepIssue(c) => sitrep(c.room.as_str(), room_owner(c.room.as_str())),
        Command::SitrepRead(c) => sitrep(c.room.as_str(), room_owner(c.room.as_str())),
        Command::LiaisonReportSubmit(c) => Resource::LiaisonReport {
            id: c.id.as_ref().unwrap().to_string(),
            delegation: own?,
        },
        Command::LiaisonReportTriage(c) => {
            facts::liaison_report(&load(w, "liaison_report", c.id.as_str()).0)
        }
        Command::LiaisonReportDismiss(c) => {
            facts::liaison_report(&load(w, "liaison_report", c.id.as_str()).0)
        }
        Command::ProtecteeRegister(c) => Resource::Protectee {
            id: c.id.as_ref().unwrap().to_string(),
            delegation: Some(c.delegation.to_string()),
        },
        Command::MovementPlan(c) => Resource::Movement {
            id: c.id.as_ref().unwrap().to_string(),
            protectee: c.protectee.to_string(),
            delegation: Some("us".to_owned()),
            attached_agents: Vec::new(),
            approved: false,
        },
        Command::MovementApprove(c) => movement(w, c.id.as_str()),
        Command::MovementRead(c) => movement(w, c.id.as_str()),
        Command::RfiDraft(c) => Resource::Request {
            id: c.id.as_ref().unwrap().to_string(),
            delegation: own?,
        },
        Command::RfiSubmit(c)
        | Command::RfiAcknowledge(c)
        | Command::RfiStart(c)
        | Command::RfiApproveDisclosure(c)
        | Command::RfiClose(c) => request(w, c.id.as_str()),
        Command::RfiAccept(c) => request(w, c.id.as_str()),
        Command::RfiRequestClarification(c) | Command::RfiClarify(c) => request(w, c.id.as_str()),
        Command::RfiRefuse(c) | Command::RfiCancel(c) => request(w, c.id.as_str()),
        Command::RfiAnswer(c) => request(w, c.id.as_str()),
        Command::RfiRead(c) => request(w, c.id.as_str()),
        Command::TaskCreate(c) => Resource::Task {
            id: c.id.as_ref().unwrap().to_string(),
        },
        Command::TaskApprove(c) | Command::TaskRead(c) => {
            facts::task(&load(w, "task", c.id.as_str()).0)
        }
        Command::TaskUpdate(c) => facts::task(&load(w, "task", c.id.as_str()).0),
        Command::VettingRead(c) => case(w, c.id.as_str()),
        Command::VettingReadOpinion(c) => case(w, c.id.as_str()),
        Command::VettingNote(c) => case(w, c.id.as_str()),
        Command::VettingShare(c) => case(w, c.id.as_str()),
        Command::VettingAttachReport(c) => case(w, c.id.as_str()),
        Command::VettingClear(c)
        | Command::VettingProposeRefusal(c)
        | Command::VettingConfirmRefusal(c)
        | Command::VettingProposeReferral(c)
        | Command::VettingConfirmReferral(c) => case(w, c.id.as_str()),
        Command::VettingClaim(c) | Command::VettingRelease(c) => case(w, c.id.as_str()),
        Command::VettingClearBulk(c) => case(w, c.ids[0].as_str()),
        Command::ApplicantSubmit(_) => Resource::Applicant {
            id: "batch".to_owned(),
            organiser: principal.agency_id.clone(),
        },
        Command::RetentionProposePurge(_) | Command::RetentionPurge(_) => Resource::Ledger,
    })
}

fn decl(w: &World, id: &str) -> Resource {
    facts::declaration(&load(w, "declaration", id).0)
}

fn request(w: &World, id: &str) -> Resource {
    facts::request(&load(w, "request", id).0)
}

fn case(w: &World, id: &str) -> Resource {
    let (c, record) = load(w, "vetting_case", id);
    facts::vetting_case(&c, &record)
}

/// A log entry has its room's facts.
fn log_entry(id: &str, delegation: Option<String>) -> Resource {
    Resource::LogEntry {
        id: id.to_owned(),
        delegation,
        shared_with: Vec::new(),
    }
}

fn entry(w: &World, id: &str) -> Resource {
    let (e, _): (LogEntry, _) = load(w, "log_entry", id);
    let (room, _): (Room, _) = load(w, "room", e.room().as_str());
    log_entry(id, room.delegation().map(|d| d.to_string()))
}

/// A room's situation report is shared with the room's delegation.
fn sitrep(room: &str, delegation: Option<String>) -> Resource {
    Resource::Sitrep {
        id: format!("{room}/1"),
        shared_with: delegation.into_iter().collect(),
    }
}

/// A movement: its escort by account (the accounts of its agents' lines).
fn movement(w: &World, id: &str) -> Resource {
    let (m, _): (Movement, _) = load(w, "movement", id);
    let mut attached_agents = Vec::new();
    for line in m.agents() {
        let rows = w
            .block_on(records::accounts_by_declaration(
                w.svc.store().pool(),
                line.as_str(),
            ))
            .expect("accounts");
        attached_agents.extend(rows.into_iter().map(|a| a.id));
    }
    facts::movement(&m, attached_agents)
}

/// Sends `route`'s `sample` as `auth`.
fn send(w: &World, route: &Route, sample: &Sample, auth: &Auth<'_>) -> crate::world::Resp {
    let path = path_of(route, sample);
    let purpose = [("X-Purpose", "security matrix")];
    let headers: &[(&str, &str)] = if route.needs_purpose() { &purpose } else { &[] };
    match route.method {
        Method::Get => w.send("GET", &path, auth, headers, None),
        Method::Post => w.send("POST", &path, auth, headers, Some(&sample.body.to_string())),
    }
}

fn policies_of(error: &Value) -> BTreeSet<String> {
    error["policies"]
        .as_array()
        .unwrap_or_else(|| panic!("no policies in {error}"))
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_route_for_every_role_answers_as_the_policy_decides() {
    for db in backends() {
        let w = World::start(db, config());
        let case = fixtures(&w);
        // Every role of the policy's vocabulary has an account here.
        let roles: BTreeSet<domain::Role> = USERS
            .iter()
            .map(|u| w.block_on(w.svc.principal(u)).expect("principal").role)
            .collect();
        assert_eq!(
            roles,
            domain::Role::ALL.iter().copied().collect(),
            "a role without an account in USERS"
        );
        let cookies: Vec<(&str, String)> = USERS.iter().map(|u| (*u, w.login(u))).collect();
        let (mut allowed, mut succeeded, mut denied, mut refused) = (0, 0, 0, 0);
        for route in rest::ROUTES {
            let what = format!("{}: {} {}", w.name, route.method.as_str(), route.path);
            let sample = match route.command() {
                Some(action) => sample(action, &case),
                None => Sample {
                    params: Vec::new(),
                    body: json!({}),
                },
            };
            // Nobody: 401, nothing recorded.
            let before = w.ledger_size();
            let r = send(&w, route, &sample, &Auth::None);
            assert_eq!(r.status, 401, "{what} unauthenticated: {}", r.text());
            assert_eq!(r.json()["error"]["code"], "unauthenticated", "{what}");
            assert_eq!(w.ledger_size(), before, "{what}: a 401 is not recorded");
            for (user, cookie) in &cookies {
                let what = format!("{what} as {user}");
                let principal = w.block_on(w.svc.principal(user)).expect("principal");
                // The expectation, from the policy, before the request
                // changes anything.
                let expected = match route.op {
                    Op::Command { .. } => {
                        let command = command_of(route, &sample);
                        facts_of(&w, &command, &principal).map(|resource| {
                            (
                                command.action(),
                                w.svc
                                    .authority()
                                    .decide(&principal, command.action(), &resource),
                            )
                        })
                    }
                    Op::List(_) => None,
                    Op::Stats => Some((
                        domain::Action::StatsRead,
                        w.svc.authority().decide(
                            &principal,
                            domain::Action::StatsRead,
                            &Resource::Ledger,
                        ),
                    )),
                    Op::Consultations => Some((
                        domain::Action::ConsultationsRead,
                        w.svc.authority().decide(
                            &principal,
                            domain::Action::ConsultationsRead,
                            &Resource::Ledger,
                        ),
                    )),
                    Op::Disclosures => Some((
                        domain::Action::DisclosuresRead,
                        w.svc.authority().decide(
                            &principal,
                            domain::Action::DisclosuresRead,
                            &Resource::Ledger,
                        ),
                    )),
                    Op::Ledger(_) => Some((
                        domain::Action::LedgerRead,
                        w.svc.authority().decide(
                            &principal,
                            domain::Action::LedgerRead,
                            &Resource::Ledger,
                        ),
                    )),
                };
                let before = w.ledger_size();
                let r = send(&w, route, &sample, &Auth::Cookie(cookie));
                let text = r.text();
                assert!(r.status < 500, "{what}: {} {text}", r.status);
                match (&route.op, expected) {
                    (Op::List(_), _) => {
                        assert_eq!(r.status, 200, "{what}: {text}");
                        assert_eq!(w.ledger_size(), before, "{what}: a list is not recorded");
                        allowed += 1;
                    }
                    (
                        Op::Command { .. }
                        | Op::Ledger(_)
                        | Op::Disclosures
                        | Op::Consultations
                        | Op::Stats,
                        None,
                    ) => {
                        // For delegation accounts only: refused before any
                        // decision (a command this account may never give),
                        // and nothing recorded.
                        assert_eq!(r.status, 403, "{what}: {text}");
                        assert_eq!(r.json()["error"]["code"], "forbidden", "{what}");
                        assert_eq!(w.ledger_size(), before, "{what}");
                        refused += 1;
                    }
                    (_, Some((action, decision))) if decision.allowed => {
                        assert!(
                            r.status != 401 && r.status != 403,
                            "{what}: the policy allows {action} ({:?}), got {} {text}",
                            decision.policy_ids,
                            r.status
                        );
                        if r.status == 200 {
                            succeeded += 1;
                        }
                        allowed += 1;
                    }
                    (route_op, Some((action, decision))) => {
                        // The host is told the rules; anyone else is told
                        // nothing: a command on a record answers as if the
                        // record did not exist (404), other refusals name
                        // only the entry — never the rules.
                        let (status, code) = match route_op {
                            _ if principal.is_host() => (403, "denied"),
                            Op::Command { .. } => (404, "not_found"),
                            _ => (403, "denied"),
                        };
                        assert_eq!(
                            r.status, status,
                            "{what}: the policy denies {action} ({:?}): {text}",
                            decision.policy_ids
                        );
                        let error = &r.json()["error"];
                        assert_eq!(error["code"], code, "{what}");
                        let expected: BTreeSet<String> =
                            decision.policy_ids.iter().cloned().collect();
                        if principal.is_host() {
                            assert_eq!(policies_of(error), expected, "{what}");
                        } else {
                            assert!(error.get("policies").is_none(), "{what}: {text}");
                        }
                        // The denial is in the ledger, naming the same rules
                        // (ledger reads too: only allowed ones go unrecorded).
                        let seq = error["seq"].as_u64().expect("the denial's entry");
                        let entry = w.entry(seq);
                        assert_eq!(entry.action, action.as_str(), "{what}");
                        assert_eq!(entry.decision, ledger::Decision::Deny, "{what}");
                        assert_eq!(entry.actor_account, principal.id, "{what}");
                        let recorded: BTreeSet<String> = entry.policies.iter().cloned().collect();
                        assert_eq!(recorded, expected, "{what}");
                        assert_eq!(w.ledger_size(), before + 1, "{what}");
                        denied += 1;
                    }
                }
            }
        }
        eprintln!(
            "{}: {} routes × {} accounts: {allowed} allowed ({succeeded} commands done), {denied} denied, {refused} refused before the policy",
            w.name,
            rest::ROUTES.len(),
            USERS.len()
        );
        // The matrix decided something both ways, and where allowed the
        // samples mostly went through (the others met a record's state or
        // an id taken by an earlier role).
        assert!(
            allowed > 150 && succeeded > 60 && denied > 300,
            "{allowed} allowed, {succeeded} done, {denied} denied, {refused} refused"
        );
        // A witness token reads the ledger and nothing else.
        let witness = w.witness_token("observer-ngo");
        for route in rest::ROUTES {
            let sample = match route.command() {
                Some(action) => sample(action, &case),
                None => Sample {
                    params: Vec::new(),
                    body: json!({}),
                },
            };
            let r = send(&w, route, &sample, &Auth::Bearer(&witness));
            let expected = if matches!(route.op, Op::Ledger(_)) {
                200
            } else {
                403
            };
            assert_eq!(
                r.status,
                expected,
                "{} as a witness: {}",
                route.path,
                r.text()
            );
        }
        assert!(w.block_on(w.svc.store().verify(None, &[])).is_ok());
    }
}

#[test]
fn nothing_leaks_across_delegations() {
    for db in backends() {
        let w = World::start(db, config());
        let case = fixtures(&w);
        let fr = w.login("fr-liaison");
        let fr = Auth::Cookie(&fr);
        let us_ids = [
            "us-room", "log-us", "us-lr", "us-lr2", "us-rfi", "us-extra", "us-bout", "us-head",
            "mov-1", "vp", "us-inv", "us-agent", &case,
        ];
        // Every list of the French liaison: French records at most.
        for route in rest::ROUTES {
            let Op::List(list) = route.op else { continue };
            let r = w.get(route.path, &fr);
            assert_eq!(r.status, 200, "{}: {}", route.path, r.text());
            let body = r.json();
            for item in body["items"].as_array().unwrap() {
                if list == rest::List::Agencies {
                    continue; // The registry is open to all and holds no records.
                }
                assert_ne!(item["delegation"], "us", "{}: {item}", route.path);
                let id = item["id"].as_str().unwrap();
                assert!(!us_ids.contains(&id), "{}: {item}", route.path);
            }
        }
        // The US liaison does see its own.
        let us = w.login("us-liaison");
        let mine = w.get("/api/v1/requests", &Auth::Cookie(&us)).json();
        assert_eq!(mine["items"][0]["id"], "us-rfi");
        // US records read by the French liaison: refused, without content.
        let purpose = [("X-Purpose", "curiosity")];
        for (path, secret) in [
            ("/api/v1/requests/us-rfi".to_owned(), "registered keeper"),
            ("/api/v1/declarations/us-extra".to_owned(), "Skinner"),
            ("/api/v1/declarations/us-bout".to_owned(), "Bout"),
            ("/api/v1/rooms/us-room".to_owned(), "us-room\""),
            ("/api/v1/rooms/us-room/log".to_owned(), "gate 4"),
            ("/api/v1/rooms/us-room/sitreps/1".to_owned(), "gate 4"),
            ("/api/v1/rooms/us-room/sitreps/latest".to_owned(), "gate 4"),
            ("/api/v1/movements/mov-1".to_owned(), "san-siro"),
            (format!("/api/v1/vetting-cases/{case}"), "Bout"),
            (format!("/api/v1/vetting-cases/{case}/opinion"), "opinion\""),
        ] {
            let r = w.send("GET", &path, &fr, &purpose, None);
            assert!(
                r.status == 403 || r.status == 404,
                "{path}: {} {}",
                r.status,
                r.text()
            );
            assert!(r.json().get("data").is_none(), "{path}: {}", r.text());
            assert!(!r.text().contains(secret), "{path}: {}", r.text());
        }
        // And acting on them is refused too.
        for (path, body) in [
            (
                "/api/v1/requests/us-rfi/cancel",
                json!({"reason": "Not ours"}),
            ),
            (
                "/api/v1/declarations/us-extra/answer",
                json!({"answer": "No"}),
            ),
            (
                "/api/v1/vetting-cases/{case}/notes",
                json!({"text": "Nothing"}),
            ),
        ] {
            let path = path.replace("{case}", &case);
            let r = w.post(&path, &fr, &body);
            assert!(r.status == 403 || r.status == 404, "{path}: {}", r.text());
        }
    }
}

#[test]
fn a_cookie_post_from_another_site_or_as_a_form_is_refused() {
    let w = World::start(store::testing::sqlite(), config());
    let commander = w.login("commander");
    let auth = Auth::Cookie(&commander);
    let body = json!({"id": "csrf-task", "title": "Patrol", "details": "Gate 4", "unit": "questura-milano"})
        .to_string();
    let before = w.ledger_size();
    for (why, headers) in [
        ("a foreign Origin", vec![("Origin", "https://evil.example")]),
        ("a null Origin", vec![("Origin", "null")]),
        (
            "Sec-Fetch-Site: cross-site",
            vec![("Sec-Fetch-Site", "cross-site")],
        ),
    ] {
        let r = w.send("POST", "/api/v1/tasks", &auth, &headers, Some(&body));
        assert_eq!(r.status, 403, "{why}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "cross_site", "{why}");
    }
    // A form post (what a foreign page can send without CORS) is not JSON.
    let r = w.send(
        "POST",
        "/api/v1/tasks",
        &auth,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some("title=Patrol&details=Gate&unit=questura-milano"),
    );
    assert_eq!(r.status, 415, "{}", r.text());
    // Logging in from another site is refused as well (login CSRF).
    let r = w.send(
        "POST",
        "/api/v1/session",
        &Auth::None,
        &[("Origin", "https://evil.example")],
        Some(&json!({"username": "commander", "password": PASSWORD}).to_string()),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(w.ledger_size(), before, "nothing happened");
    // From our own origin, or with a token from anywhere, it works.
    let own = w.base.clone();
    let r = w.send(
        "POST",
        "/api/v1/tasks",
        &auth,
        &[("Origin", &own)],
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let token = w.token("commander", None);
    let r = w.send(
        "POST",
        "/api/v1/tasks/csrf-task/approve",
        &Auth::Bearer(&token),
        &[("Origin", "https://elsewhere.example")],
        Some("{}"),
    );
    assert_ne!(r.status, 403, "{}", r.text());
    // Reads are not state changes: a cross-site GET is answered (the
    // browser keeps the response from the other site).
    let r = w.send(
        "GET",
        "/api/v1/tasks",
        &auth,
        &[("Origin", "https://evil.example")],
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn login_never_adopts_a_session_id_the_client_brings() {
    let w = World::start(store::testing::sqlite(), config());
    let login = |cookie: &str| {
        let r = w.send(
            "POST",
            "/api/v1/session",
            &Auth::Cookie(cookie),
            &[],
            Some(&json!({"username": "operator", "password": PASSWORD}).to_string()),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let set = r.header("set-cookie").expect("a cookie").to_owned();
        set.split(';').next().unwrap().to_owned()
    };
    // An id planted before login (by an attacker) is not the session's.
    let planted = format!("{}=attacker-chosen-value", server::auth::SESSION_COOKIE);
    let issued = login(&planted);
    assert_ne!(issued, planted);
    assert_eq!(
        w.get("/api/v1/session", &Auth::Cookie(&planted)).status,
        401
    );
    assert_eq!(w.get("/api/v1/session", &Auth::Cookie(&issued)).status, 200);
    // Logging in again with a valid session issues a new id too.
    let again = login(&issued);
    assert_ne!(again, issued);
    assert_eq!(w.get("/api/v1/session", &Auth::Cookie(&again)).status, 200);
    // After logout, the old id is dead.
    let r = w.send(
        "DELETE",
        "/api/v1/session",
        &Auth::Cookie(&again),
        &[],
        None,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(w.get("/api/v1/session", &Auth::Cookie(&again)).status, 401);
}

#[test]
fn bad_bodies_on_the_resource_routes_are_400_and_change_nothing() {
    for db in backends() {
        let w = World::start(db, config());
        let case = fixtures(&w);
        let token = w.token("commander", None);
        let auth = Auth::Bearer(&token);
        let oversight = w.token("oversight", None);
        let before = w.ledger_size();
        for route in rest::ROUTES {
            let Some(action) = route.command() else {
                continue;
            };
            let sample = sample(action, &case);
            let path = path_of(route, &sample);
            let what = format!("{}: {} {path}", w.name, route.method.as_str());
            let post = |body: &str, headers: &[(&str, &str)]| {
                w.send("POST", &path, &auth, headers, Some(body))
            };
            if route.method == Method::Post {
                let mut cases = vec![
                    ("malformed JSON", "{\"id\": ".to_owned(), "bad_json"),
                    ("not an object", "[1, 2]".to_owned(), "bad_command"),
                    (
                        "an unknown field",
                        {
                            let mut b = sample.body.clone();
                            b["colour"] = json!("red");
                            b.to_string()
                        },
                        "bad_command",
                    ),
                    (
                        "an action in the body",
                        {
                            let mut b = sample.body.clone();
                            b["action"] = json!("task.create");
                            b.to_string()
                        },
                        "bad_command",
                    ),
                ];
                if let Some(param) = route.params().first() {
                    // The path names the record; the body may not name it
                    // again, not even the same way.
                    let same = sample
                        .params
                        .iter()
                        .find(|(name, _)| *name == param.name)
                        .map(|(_, v)| v.clone())
                        .expect("the sample names the path's parameter");
                    let same = if param.number {
                        json!(same.parse::<u64>().unwrap())
                    } else {
                        json!(same)
                    };
                    for value in [json!("somebody-else"), same] {
                        let mut b = sample.body.clone();
                        b[param.field] = value;
                        cases.push((
                            "a body naming what the path names",
                            b.to_string(),
                            "bad_command",
                        ));
                    }
                }
                for (why, body, code) in cases {
                    let r = post(&body, &[]);
                    assert_eq!(r.status, 400, "{what}: {why}: {}", r.text());
                    assert_eq!(r.json()["error"]["code"], code, "{what}: {why}");
                }
                let r = post(
                    "a=b",
                    &[("Content-Type", "application/x-www-form-urlencoded")],
                );
                assert_eq!(r.status, 415, "{what}: a form: {}", r.text());
            }
            if route.needs_purpose() {
                let r = w.get(&path, &auth);
                assert_eq!(r.status, 400, "{what}: no purpose: {}", r.text());
                assert_eq!(r.json()["error"]["code"], "purpose_required", "{what}");
                assert!(r.text().contains("X-Purpose"), "{what}");
            }
        }
        // Query strings are checked as strictly.
        for (path, auth) in [
            ("/api/v1/rooms?colour=red", &auth),
            ("/api/v1/requests?limit=many", &auth),
            ("/api/v1/ledger/entries?from=-1", &Auth::Bearer(&oversight)),
            ("/api/v1/ledger/entries?to=5", &Auth::Bearer(&oversight)),
        ] {
            let r = w.get(path, auth);
            assert_eq!(r.status, 400, "{path}: {}", r.text());
        }
        let r = w.get("/api/v1/rooms/us-room/sitreps/first", &auth);
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(w.ledger_size(), before, "{}: nothing was recorded", w.name);
    }
}

#[test]
fn oversight_reads_the_ledger_decoded() {
    let w = World::start(store::testing::sqlite(), config());
    let token = w.token("oversight", None);
    let size = w.ledger_size();
    let r = w.get("/api/v1/ledger/checkpoint", &Auth::Bearer(&token));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains(&format!("\n{size}\n")), "{}", r.text());
    let r = w.get(
        "/api/v1/ledger/entries?from=1&limit=3",
        &Auth::Bearer(&token),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["size"], size);
    let entries = body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    for (i, e) in entries.iter().enumerate() {
        let stored = w.entry(1 + i as u64);
        assert_eq!(e["seq"], stored.seq);
        assert_eq!(e["action"], stored.action);
        assert_eq!(e["resource_id"], stored.resource.id);
        assert_eq!(e["payload_digest"].as_str().unwrap().len(), 64);
    }
    // Past the end: none; and a commander may not read it.
    let r = w.get(
        &format!("/api/v1/ledger/entries?from={}", size + 5),
        &Auth::Bearer(&token),
    );
    assert!(r.json()["entries"].as_array().unwrap().is_empty());
    let commander = w.token("commander", None);
    let r = w.get("/api/v1/ledger/entries", &Auth::Bearer(&commander));
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(!policies_of(&r.json()["error"]).is_empty());
}

#[test]
fn behind_a_trusted_proxy_the_forwarded_host_is_the_origin_to_match() {
    let body = json!({"id": "proxied-task", "title": "Patrol", "details": "Gate 4", "unit": "questura-milano"})
        .to_string();
    let headers = [
        ("Origin", "https://cortina.example"),
        ("X-Forwarded-Host", "cortina.example"),
    ];
    // Not from a trusted proxy: the forwarded host is not believed.
    let w = World::start(store::testing::sqlite(), config());
    let commander = w.login("commander");
    let r = w.send(
        "POST",
        "/api/v1/tasks",
        &Auth::Cookie(&commander),
        &headers,
        Some(&body),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    drop(w);
    // From one: it is, and a foreign origin is still refused.
    let w = World::start(
        store::testing::sqlite(),
        server::Config {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..config()
        },
    );
    let commander = w.login("commander");
    let r = w.send(
        "POST",
        "/api/v1/tasks",
        &Auth::Cookie(&commander),
        &headers,
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = w.send(
        "POST",
        "/api/v1/tasks",
        &Auth::Cookie(&commander),
        &[
            ("Origin", "https://evil.example"),
            ("X-Forwarded-Host", "cortina.example"),
        ],
        Some(&body),
    );
    assert_eq!(r.status, 403, "{}", r.text());
}
