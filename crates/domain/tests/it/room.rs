//! Rooms, the event log's Open/Closed machine, and liaison report triage.

use domain::error::DomainError;
use domain::room::{
    Category, LiaisonReport, LogEntry, LogStatus, ReportState, Room, RoomKind, Severity,
};

use crate::common::*;

fn national() -> Room {
    Room::host_national(id("rome-ico"), name("International coordination room"))
}

#[test]
fn room_kinds_name_their_cluster_or_delegation() {
    let w = world();
    let cluster = Room::host_cluster(id("joc-mi"), name("JOC Milano"), &w.event.clusters()[0]);
    assert_eq!(
        cluster.kind(),
        &RoomKind::HostCluster {
            cluster: id("milano")
        }
    );
    assert!(cluster.kind().is_host());
    let liaison = Room::delegation_liaison(id("us-room"), name("US liaison room"), &w.delegation);
    assert_eq!(
        liaison.kind(),
        &RoomKind::DelegationLiaison {
            delegation: id("us-dss")
        }
    );
    assert!(!liaison.kind().is_host());
    assert!(national().kind().is_host());
}

#[test]
fn log_entries_update_while_open_and_close_once() {
    let w = world();
    let room = national();
    let venue = w.event.venue(&id("santa-giulia"));
    let open = LogEntry::record(
        id("log-1"),
        &room,
        venue,
        Category::Incident,
        Severity::new(3).unwrap(),
        text("Crowd pressure at gate 4."),
        at(0),
    );
    assert_eq!(open.venue(), Some(&id("santa-giulia")));
    assert_eq!(open.status(), LogStatus::Open);
    let updated = open
        .update(Severity::new(4).unwrap(), text("Gate 4 closed."), at(10))
        .unwrap();
    assert_eq!(updated.severity().get(), 4);
    assert_eq!(updated.updated_at(), at(10));
    assert_eq!(updated.recorded_at(), at(0));
    let closed = updated.close(at(20)).unwrap();
    assert_eq!(closed.status(), LogStatus::Closed { at: at(20) });
    assert_invalid(closed.close(at(30)), "log entry", "Closed", "close");
    assert_invalid(
        closed.update(Severity::MIN, text("x"), at(30)),
        "log entry",
        "Closed",
        "update",
    );
    assert!(matches!(
        updated.close(at(5)),
        Err(DomainError::TimeWentBackwards { .. })
    ));
}

#[test]
fn severities_run_from_one_to_five() {
    assert!(Severity::new(0).is_err());
    assert!(Severity::new(6).is_err());
    assert_eq!(Severity::MIN.get(), 1);
    assert_eq!(Severity::MAX.get(), 5);
}

#[test]
fn a_triaged_report_becomes_a_log_entry() {
    let w = world();
    let venue = w.event.venue(&id("olimpia"));
    let report = LiaisonReport::submit(
        id("lr-1"),
        &w.delegation,
        venue,
        text("Drone sighted over the finish area."),
        at(0),
    );
    assert_eq!(report.state(), &ReportState::Submitted);
    let (triaged, entry) = report
        .triage(
            id("log-7"),
            &national(),
            Category::SignificantEvent,
            Severity::new(2).unwrap(),
            at(5),
        )
        .unwrap();
    assert_eq!(
        triaged.state(),
        &ReportState::Triaged { entry: id("log-7") }
    );
    assert_eq!(entry.source(), Some(&id("lr-1")));
    assert_eq!(entry.venue(), Some(&id("olimpia")));
    assert_eq!(entry.room(), &id("rome-ico"));
    assert_eq!(entry.text().as_str(), "Drone sighted over the finish area.");
    assert_eq!(entry.recorded_at(), at(5));
    assert_invalid(
        triaged.dismiss(reason("x"), at(6)),
        "liaison report",
        "Triaged",
        "dismiss",
    );
    assert_invalid(
        triaged.triage(
            id("log-8"),
            &national(),
            Category::Incident,
            Severity::MIN,
            at(6),
        ),
        "liaison report",
        "Triaged",
        "triage",
    );
}

#[test]
fn a_report_is_dismissed_with_a_reason_and_only_into_host_rooms() {
    let w = world();
    let report = LiaisonReport::submit(id("lr-2"), &w.delegation, None, text("Rumour."), at(0));
    let liaison_room = Room::delegation_liaison(id("us-room"), name("US room"), &w.delegation);
    assert_eq!(
        report
            .triage(
                id("log-9"),
                &liaison_room,
                Category::Information,
                Severity::MIN,
                at(1)
            )
            .unwrap_err()
            .to_string(),
        "field \"room\": a liaison report is triaged into a host room's log"
    );
    let dismissed = report.dismiss(reason("Already known."), at(1)).unwrap();
    assert_eq!(
        dismissed.state(),
        &ReportState::Dismissed {
            reason: reason("Already known.")
        }
    );
    assert_invalid(
        dismissed.dismiss(reason("x"), at(2)),
        "liaison report",
        "Dismissed",
        "dismiss",
    );
    assert_invalid(
        dismissed.triage(
            id("log-9"),
            &national(),
            Category::Incident,
            Severity::MIN,
            at(2),
        ),
        "liaison report",
        "Dismissed",
        "triage",
    );
}
