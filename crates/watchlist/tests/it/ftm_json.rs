//! OpenSanctions FollowTheMoney JSON lines importer: fixtures written from the FtM schema
//! documentation (Person, Company, Vessel, Sanction, Address, Ownership properties).

use crate::common;
use proptest::prelude::*;
use watchlist::{
    DatePrecision, Format, Gender, IdKind, NameKind, Options, Schema, SourceFile, detect_format,
    import_one,
};

const FTM: &[u8] = include_bytes!("../fixtures/ftm_entities.json");
const NESTED: &[u8] = include_bytes!("../fixtures/ftm_nested.json");
const BAD: &[u8] = include_bytes!("../fixtures/ftm_bad_records.json");

fn import(bytes: &[u8], lenient: bool) -> Result<watchlist::Import, watchlist::Error> {
    import_one(
        Format::FtmJson,
        SourceFile::new("entities.ftm.json", bytes),
        Options { lenient },
    )
}

#[test]
fn reads_entities_and_skips_other_schemata() {
    assert_eq!(
        detect_format(&SourceFile::new("x.json", FTM)).unwrap(),
        Format::FtmJson
    );
    let import = import(FTM, false).unwrap();
    let ids = common::ids(&import);
    assert_eq!(
        ids,
        [
            "NK-2fDKQSaWJD5rgrb7cPvwBs",
            "NK-8xPqmRcE2vUvEzgRt7sHnB",
            "NK-5RzkPLwkyhnXyPV7Ty8dhu",
            "Q12345"
        ]
    );
    assert!(import.skipped.is_empty());
    assert_eq!(import.dataset, "opensanctions");
    assert_eq!(import.notes.len(), 1, "{:?}", import.notes);
    assert!(import.notes[0].contains("3 records"), "{:?}", import.notes);
    assert!(import.notes[0].contains("Sanction 1"), "{:?}", import.notes);

    let person = &import.entities[0];
    assert_eq!(person.schema, Schema::Person);
    assert_eq!(person.dataset, "us_ofac_sdn");
    let names = common::names(person);
    assert_eq!(
        names,
        [
            ("Ayman al-Zawahiri", NameKind::Primary),
            ("Aiman Muhammad Rabi al-Zawahiri", NameKind::Alias),
            ("أيمن الظواهري", NameKind::Alias),
            ("The Doctor", NameKind::Weak),
        ]
    );
    let dobs: Vec<String> = person
        .birth_dates
        .iter()
        .map(|d| d.date.to_string())
        .collect();
    assert_eq!(dobs, ["1951-06-19", "1950"]);
    assert_eq!(person.countries, ["eg"]);
    assert_eq!(person.gender, Some(Gender::Male));
    assert_eq!(person.identifiers[0].kind, IdKind::Passport);
    assert_eq!(person.programs, ["SDGT"]);
    assert_eq!(person.birth_places, ["Giza, Egypt"]);

    let company = &import.entities[1];
    assert_eq!(company.schema, Schema::Company);
    assert_eq!(company.dataset, "eu_fsf");
    assert_eq!(company.names[1].full, "Alfa-Tekh OOO");
    assert_eq!(company.countries, ["ru"]);
    assert_eq!(
        company.birth_dates[0].date.precision(),
        DatePrecision::Month
    );
    let ids: Vec<(IdKind, &str)> = company
        .identifiers
        .iter()
        .map(|i| (i.kind, i.number.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            (IdKind::Tax, "7701234567"),
            (IdKind::Registration, "1027700123456")
        ]
    );
    assert_eq!(
        company.addresses[0].full,
        "Leninsky Prospekt 32A, Moscow 119334"
    );
    assert_eq!(company.programs, ["EU-UKR", "GB-RUS"]);

    let vessel = &import.entities[2];
    assert_eq!(vessel.schema, Schema::Vessel);
    assert_eq!(vessel.countries, ["ga"]);
    assert_eq!(vessel.identifiers[0].kind, IdKind::Imo);

    let maria = &import.entities[3];
    assert_eq!(maria.caption(), "Maria Example");
    assert_eq!(maria.dataset, "opensanctions");
    assert_eq!(maria.countries, ["it", "ch"]);
    assert_eq!(maria.gender, Some(Gender::Female));
    assert_eq!(maria.identifiers[0].kind, IdKind::NationalId);
}

#[test]
fn reads_the_nested_shape() {
    let import = import(NESTED, false).unwrap();
    assert_eq!(import.dataset, "us_ofac_sdn");
    let e = &import.entities[0];
    assert_eq!(e.addresses[0].full, "Kabul, Afghanistan");
    assert_eq!(e.addresses[0].country.as_deref(), Some("af"));
    assert_eq!(e.countries, ["eg", "af"]);
    assert_eq!(e.programs, ["SDGT", "UN-SCISIL"]);
}

#[test]
fn strict_mode_names_file_line_and_field() {
    let err = import(BAD, false).unwrap_err();
    assert_eq!(err.file, "entities.ftm.json");
    assert_eq!(err.line, Some(2));
    assert_eq!(err.field.as_deref(), Some("birthDate"));
    assert!(err.message.contains("1970-13-01"), "{err}");
}

#[test]
fn lenient_mode_skips_and_reports_bad_records() {
    let import = import(BAD, true).unwrap();
    let ids = common::ids(&import);
    assert_eq!(ids, ["good-1", "good-2"]);
    assert_eq!(import.dataset, "test");
    let skipped = common::skipped(&import);
    assert_eq!(
        skipped,
        [
            (Some(2), Some("birthDate")),
            (Some(3), Some("id")),
            (Some(4), None)
        ]
    );
}

#[test]
fn quirks_are_accepted_and_noted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(FTM.iter().flat_map(|b| {
        if *b == b'\n' {
            vec![b'\r', b'\n']
        } else {
            vec![*b]
        }
    }));
    bytes.push(0x1A);
    let import = import(&bytes, false).unwrap();
    assert_eq!(import.entities.len(), 4);
    assert_eq!(import.notes.len(), 4, "{:?}", import.notes);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = import(&bytes, false);
        let _ = import(&bytes, true);
    }

    #[test]
    fn mangled_sample_never_panics(cut in 0..FTM.len(), byte in any::<u8>()) {
        let mut bytes = FTM.to_vec();
        if let Some(b) = bytes.get_mut(cut) { *b = byte; }
        let _ = import(&bytes, true);
        let _ = import(&bytes[..cut], true);
    }
}
