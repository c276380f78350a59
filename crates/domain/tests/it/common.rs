//! Shared fixtures: a small Milano Cortina world (one event, a host and a
//! foreign agency, a delegation with its head, a host unit, a protectee) and
//! short constructors for values the tests would otherwise spell out at length,
//! and the JSON round trip every stored aggregate must survive.

use domain::codes::{CountryCode, DocumentNumber, SerialNumber, SnapshotHash};
use domain::declaration::{
    Accreditation, DeclarationLine, Person, Prerequisites, RoleAsked, ScreeningStatus, Weapon,
};
use domain::ids::{Id, IdKind};
use domain::movement::{Protectee, RiskLevel};
use domain::registry::{Agency, Cluster, Delegation, Event, HostUnit, Venue};
use domain::text::{LongText, Name, PersonName, Reason};
use domain::time::{Date, Timestamp, Window};
use domain::{AgencyKind, Side};

/// One hour, in milliseconds.
pub const HOUR: i64 = 3_600_000;
/// One day, in milliseconds.
pub const DAY: i64 = 24 * HOUR;
/// 2026-02-01T00:00:00Z: the fixtures' "now" starts here.
pub const T0: i64 = 1_769_904_000_000;

/// The instant `offset` milliseconds after [`T0`].
pub fn at(offset: i64) -> Timestamp {
    Timestamp::from_millis(T0 + offset)
}

/// The window `[T0 + from, T0 + until)`.
pub fn window(from: i64, until: i64) -> Window {
    Window::new(at(from), at(until)).expect("fixture window")
}

/// An identifier of any kind.
pub fn id<K: IdKind>(value: &str) -> Id<K> {
    Id::parse(value).expect("fixture id")
}

/// A one-line name.
pub fn name(value: &str) -> Name {
    Name::parse("name", value).expect("fixture name")
}

/// A free text.
pub fn text(value: &str) -> LongText {
    LongText::parse("text", value).expect("fixture text")
}

/// A reason.
pub fn reason(value: &str) -> Reason {
    Reason::parse(value).expect("fixture reason")
}

/// A snapshot hash made of one repeated byte.
pub fn snapshot(byte: u8) -> SnapshotHash {
    SnapshotHash::from_bytes([byte; 32])
}

/// A person born on 1980-05-17 with a US passport.
pub fn person(full_name: &str, document: &str, role: RoleAsked) -> Person {
    Person::new(
        PersonName::parse(full_name).expect("fixture person name"),
        Date::new(1980, 5, 17).expect("fixture date"),
        CountryCode::parse("US").expect("fixture country"),
        DocumentNumber::parse(document).expect("fixture document"),
        role,
    )
}

/// A protective agent of the fixture protectee, carrying one pistol.
pub fn agent(full_name: &str, document: &str, serial: &str) -> Person {
    person(
        full_name,
        document,
        RoleAsked::ProtectiveAgent {
            protectee: id("vp"),
        },
    )
    .with_weapon(Weapon::new(
        name("Glock 19 pistol"),
        SerialNumber::parse(serial).expect("fixture serial"),
    ))
    .expect("fixture weapon")
}

/// The fixture world.
pub struct World {
    pub event: Event,
    pub host: Agency,
    pub foreign: Agency,
    pub other_foreign: Agency,
    pub delegation: Delegation,
    pub head: DeclarationLine,
    pub other_delegation: Delegation,
    pub other_head: DeclarationLine,
    pub unit: HostUnit,
    pub protectee: Protectee,
}

pub fn world() -> World {
    let milano = Cluster::new(id("milano"), name("Milano"));
    let cortina = Cluster::new(id("cortina"), name("Cortina d'Ampezzo"));
    let venues = vec![
        Venue::new(id("santa-giulia"), name("Arena Santa Giulia"), id("milano")),
        Venue::new(id("san-siro"), name("Stadio San Siro"), id("milano")),
        Venue::new(id("olimpia"), name("Olimpia delle Tofane"), id("cortina")),
    ];
    let event = Event::new(
        id("mc2026"),
        name("Milano Cortina 2026"),
        vec![milano, cortina],
        venues,
    )
    .expect("fixture event");
    let country = |c| CountryCode::parse(c).expect("fixture country");
    let host = Agency::new(
        id("questura-mi"),
        name("Questura di Milano"),
        AgencyKind::Host,
        country("IT"),
    );
    let foreign = Agency::new(
        id("dss"),
        name("Diplomatic Security Service"),
        AgencyKind::Foreign,
        country("US"),
    );
    let other_foreign = Agency::new(
        id("bka"),
        name("Bundeskriminalamt"),
        AgencyKind::Foreign,
        country("DE"),
    );
    let (delegation, head) = Delegation::register(
        id("us-dss"),
        name("US DSS delegation"),
        &foreign,
        id("line-head"),
        person("Jane Roe", "HEAD0001", RoleAsked::Liaison),
        at(0),
    )
    .expect("fixture delegation");
    let (other_delegation, other_head) = Delegation::register(
        id("de-bka"),
        name("BKA delegation"),
        &other_foreign,
        id("line-de-head"),
        person("Karl Beispiel", "DEHEAD01", RoleAsked::Liaison),
        at(0),
    )
    .expect("fixture delegation");
    let unit = HostUnit::new(id("scorte-1"), name("Reparto scorte"), &host).expect("fixture unit");
    let protectee = Protectee::register(
        id("vp"),
        PersonName::parse("John Doe").expect("fixture name"),
        &delegation,
        RiskLevel::new(1).expect("fixture risk"),
    );
    World {
        event,
        host,
        foreign,
        other_foreign,
        delegation,
        head,
        other_delegation,
        other_head,
        unit,
        protectee,
    }
}

/// An accreditation valid during `[T0 + from, T0 + until)`, without rooms or zones.
pub fn accreditation(from: i64, until: i64) -> Accreditation {
    Accreditation::new(window(from, until), [], [])
}

/// Screens a line clear at `T0 + 1 h`.
pub fn screened(line: &DeclarationLine) -> DeclarationLine {
    line.record_screening(
        Side::Host,
        ScreeningStatus::Clear {
            snapshot: snapshot(7),
        },
        at(HOUR),
    )
    .expect("fixture screening")
}

/// Screens a line clear and accredits it for the first ten days, with `head` as
/// the head's line (ignored for the head itself).
pub fn accredited(line: &DeclarationLine, head: Option<&DeclarationLine>) -> DeclarationLine {
    accredited_for(line, head, 0, 10 * DAY)
}

/// Like [`accredited`], for `[T0 + from, T0 + until)`.
pub fn accredited_for(
    line: &DeclarationLine,
    head: Option<&DeclarationLine>,
    from: i64,
    until: i64,
) -> DeclarationLine {
    screened(line)
        .accredit(
            Side::Host,
            accreditation(from, until),
            Prerequisites {
                vetting: None,
                head,
            },
            at(2 * HOUR),
        )
        .expect("fixture accreditation")
}

/// Asserts that `result` is an invalid-transition error with this message.
#[track_caller]
pub fn assert_invalid<T: std::fmt::Debug>(
    result: Result<T, domain::DomainError>,
    entity: &str,
    state: &str,
    transition: &str,
) {
    match result {
        Err(domain::DomainError::InvalidTransition {
            entity: e,
            state: s,
            transition: t,
        }) => assert_eq!((e, s, t), (entity, state, transition)),
        other => {
            panic!("expected an invalid transition {entity} {state} {transition}, got {other:?}")
        }
    }
}

/// Writes `value` as its JSON storage document, loads it back, asserts that
/// the loaded value equals the original, and returns the document.
#[track_caller]
pub fn round_trip<T>(value: &T) -> serde_json::Value
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).expect("every domain value serializes");
    let loaded: T = match serde_json::from_str(&json) {
        Ok(loaded) => loaded,
        Err(err) => panic!("a stored document did not load: {err}\n{json}"),
    };
    assert_eq!(
        &loaded, value,
        "the loaded value differs from the stored one"
    );
    serde_json::from_str(&json).expect("a document is JSON")
}
