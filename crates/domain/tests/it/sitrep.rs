//! Situation reports: numbering, periods and their boundaries, counts, open
//! items, and determinism.

use domain::error::{DomainError, SitrepProblem};
use domain::room::{Category, LogEntry, Room, Severity};
use domain::sitrep::build_sitrep;

use crate::common::*;

fn room() -> Room {
    Room::host_national(id("rome-ico"), name("International coordination room"))
}

fn entry(entry_id: &str, category: Category, severity: u8, t: i64) -> LogEntry {
    LogEntry::record(
        id(entry_id),
        &room(),
        None,
        category,
        Severity::new(severity).unwrap(),
        text("Entry."),
        at(t),
    )
}

fn ids(list: &[domain::ids::LogEntryId]) -> Vec<&str> {
    list.iter().map(|i| i.as_str()).collect()
}

#[test]
fn the_first_report_covers_everything_so_far() {
    let log = vec![
        entry("a", Category::Incident, 3, 10),
        entry("b", Category::Information, 1, 20),
        entry("c", Category::Incident, 5, 30),
        entry("future", Category::Incident, 5, 200),
    ];
    let report = build_sitrep(&room(), None, &log, at(100)).unwrap();
    assert_eq!(report.number(), 1);
    assert_eq!(report.period().since(), None);
    assert_eq!(report.issued_at(), at(100));
    assert_eq!(ids(report.recorded()), ["a", "b", "c"]);
    assert!(report.changed().is_empty());
    assert_eq!(
        report.by_category(),
        &[
            (Category::Incident, 2),
            (Category::SignificantEvent, 0),
            (Category::Information, 1),
            (Category::Decision, 0),
        ]
    );
    let severities: Vec<(u8, u32)> = report.by_severity().map(|(s, n)| (s.get(), n)).collect();
    assert_eq!(severities, [(1, 1), (2, 0), (3, 1), (4, 0), (5, 1)]);
    assert_eq!(ids(report.open_items()), ["a", "b", "c"]);
}

#[test]
fn the_next_report_covers_what_was_recorded_or_changed_since() {
    let a = entry("a", Category::Incident, 3, 10);
    let b = entry("b", Category::Information, 1, 20);
    let first = build_sitrep(&room(), None, [&a, &b], at(100)).unwrap();

    // After the first report: a is closed, c and d are recorded, d exactly at
    // the second report's time; b does not change.
    let a = a.close(at(150)).unwrap();
    let c = entry("c", Category::Decision, 2, 100); // exactly at the first report: already counted there
    let d = entry("d", Category::Incident, 4, 200);
    let second = build_sitrep(&room(), Some(&first), [&d, &c, &b, &a], at(200)).unwrap();
    assert_eq!(second.number(), 2);
    assert_eq!(second.period().since(), Some(at(100)));
    assert!(!second.period().contains(at(100)));
    assert!(second.period().contains(at(101)));
    assert!(second.period().contains(at(200)));
    assert_eq!(ids(second.recorded()), ["d"]);
    assert_eq!(ids(second.changed()), ["a"]);
    assert_eq!(second.by_category()[0], (Category::Incident, 2));
    assert_eq!(second.by_category()[3], (Category::Decision, 0));
    // Open items are every open entry, whenever recorded.
    assert_eq!(ids(second.open_items()), ["b", "c", "d"]);
}

#[test]
fn an_entry_closed_after_the_report_was_open_at_its_time() {
    let a = entry("a", Category::Incident, 3, 10)
        .close(at(500))
        .unwrap();
    let report = build_sitrep(&room(), None, [&a], at(100)).unwrap();
    assert_eq!(ids(report.open_items()), ["a"]);
}

#[test]
fn other_rooms_are_ignored_and_duplicates_counted_once() {
    let other = Room::host_national(id("other"), name("Other room"));
    let foreign = LogEntry::record(
        id("x"),
        &other,
        None,
        Category::Incident,
        Severity::MAX,
        text("Elsewhere."),
        at(10),
    );
    let a = entry("a", Category::Incident, 3, 10);
    let report = build_sitrep(&room(), None, [&foreign, &a, &a], at(100)).unwrap();
    assert_eq!(ids(report.recorded()), ["a"]);
    assert_eq!(report.by_category()[0], (Category::Incident, 1));
}

#[test]
fn the_report_does_not_depend_on_input_order() {
    let log: Vec<LogEntry> = (0..20)
        .map(|i| {
            let category = Category::ALL[i % 4];
            entry(
                &format!("e{i:02}"),
                category,
                (i % 5) as u8 + 1,
                (i as i64 * 7) % 50,
            )
        })
        .collect();
    let forward = build_sitrep(&room(), None, &log, at(100)).unwrap();
    let backward = build_sitrep(&room(), None, log.iter().rev(), at(100)).unwrap();
    assert_eq!(forward, backward);
}

#[test]
fn a_report_follows_its_own_room_and_time() {
    let first = build_sitrep(&room(), None, [], at(100)).unwrap();
    assert_eq!(
        build_sitrep(&room(), Some(&first), [], at(100)),
        Err(DomainError::Sitrep {
            room: id("rome-ico"),
            problem: SitrepProblem::NotAfterPrevious {
                previous: T0 + 100,
                now: T0 + 100,
            },
        })
    );
    let other = Room::host_national(id("other"), name("Other room"));
    assert_eq!(
        build_sitrep(&other, Some(&first), [], at(200))
            .unwrap_err()
            .to_string(),
        "situation report of room \"other\": the previous report belongs to room \"rome-ico\""
    );
    let second = build_sitrep(&room(), Some(&first), [], at(101)).unwrap();
    assert_eq!(second.number(), 2);
}
