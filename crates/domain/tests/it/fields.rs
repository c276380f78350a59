//! Parsing at the edge: every bounded value refuses empty and over-long input
//! with a message that names the field and the limit.

use domain::DomainError;
use domain::codes::{CountryCode, DocumentNumber, PlateNumber, SerialNumber};
use domain::declaration::{Accreditation, ZoneAccess};
use domain::ids::{DeclarationId, RequestId};
use domain::registry::Zone;
use domain::text::{LongText, NAME_MAX, Name, PersonName, REASON_MAX, Reason, TEXT_MAX};

use crate::common::*;

fn message<T: std::fmt::Debug>(result: Result<T, DomainError>) -> String {
    result.expect_err("refused").to_string()
}

#[test]
fn empty_values_are_refused_naming_the_field() {
    let cases = [
        (
            message(Name::parse("venue name", "  ")),
            "field \"venue name\": empty",
        ),
        (message(PersonName::parse("")), "field \"name\": empty"),
        (message(Reason::parse("\n")), "field \"reason\": empty"),
        (
            message(LongText::parse("answer", "")),
            "field \"answer\": empty",
        ),
        (
            message(DocumentNumber::parse("")),
            "field \"document number\": empty",
        ),
        (
            message(SerialNumber::parse("--")),
            "field \"serial number\": empty",
        ),
        (
            message(PlateNumber::parse(" ")),
            "field \"number plate\": empty",
        ),
        (
            message(DeclarationId::parse("")),
            "field \"declaration id\": empty",
        ),
        (
            message(CountryCode::parse("")),
            "field \"country\": expected a two-letter ISO 3166-1 alpha-2 code",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

#[test]
fn over_long_values_are_refused_at_their_limit() {
    let long = |n: usize| "a".repeat(n);
    assert!(Name::parse("name", &long(NAME_MAX)).is_ok());
    assert_eq!(
        message(Name::parse("name", &long(NAME_MAX + 1))),
        "field \"name\": longer than 200 characters"
    );
    assert!(PersonName::parse(&long(NAME_MAX)).is_ok());
    assert_eq!(
        message(PersonName::parse(&long(NAME_MAX + 1))),
        "field \"name\": longer than 200 characters"
    );
    assert!(Reason::parse(&long(REASON_MAX)).is_ok());
    assert_eq!(
        message(Reason::parse(&long(REASON_MAX + 1))),
        format!("field \"reason\": longer than {REASON_MAX} characters")
    );
    assert!(LongText::parse("text", &long(TEXT_MAX)).is_ok());
    assert_eq!(
        message(LongText::parse("text", &long(TEXT_MAX + 1))),
        format!("field \"text\": longer than {TEXT_MAX} characters")
    );
    assert_eq!(
        message(SerialNumber::parse(&"9".repeat(33))),
        "field \"serial number\": longer than 32 characters"
    );
    assert_eq!(
        message(PlateNumber::parse("AB 123 CD 456 789")),
        "field \"number plate\": longer than 12 characters"
    );
    assert_eq!(
        message(RequestId::parse(&long(65))),
        "field \"request id\": longer than 64 characters"
    );
}

#[test]
fn zone_access_names_a_venue_of_the_event_and_includes_the_outer_zones() {
    let w = world();
    assert_eq!(
        message(ZoneAccess::new(&w.event, &id("bormio"), Zone::Outer)),
        "field \"zones\": unknown venue \"bormio\""
    );
    let middle = ZoneAccess::new(&w.event, &id("santa-giulia"), Zone::Middle).unwrap();
    let accreditation = Accreditation::new(window(0, DAY), [id("rome-ico")], [middle]);
    assert!(accreditation.allows(&id("santa-giulia"), Zone::Outer));
    assert!(accreditation.allows(&id("santa-giulia"), Zone::Middle));
    assert!(!accreditation.allows(&id("santa-giulia"), Zone::Inner));
    assert!(!accreditation.allows(&id("san-siro"), Zone::Outer));
    assert!(accreditation.rooms().contains(&id("rome-ico")));
}
