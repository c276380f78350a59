//! OFAC SDN XML importer: fixtures written from OFAC's published `sdn.xsd` element names.

use crate::common;
use proptest::prelude::*;
use watchlist::{
    DatePrecision, Format, IdKind, NameKind, Options, Schema, SourceFile, detect_format, import_one,
};

const SDN: &[u8] = include_bytes!("../fixtures/ofac_sdn.xml");
const BAD: &[u8] = include_bytes!("../fixtures/ofac_sdn_bad_records.xml");

fn import(name: &str, bytes: &[u8], lenient: bool) -> Result<watchlist::Import, watchlist::Error> {
    import_one(
        Format::OfacSdnXml,
        SourceFile::new(name, bytes),
        Options { lenient },
    )
}

#[test]
fn reads_the_sample_list() {
    let file = SourceFile::new("data/sdn.xml", SDN);
    assert_eq!(detect_format(&file).unwrap(), Format::OfacSdnXml);
    let import = import("data/sdn.xml", SDN, false).unwrap();
    assert_eq!(import.dataset, "us_ofac_sdn");
    assert!(import.skipped.is_empty() && import.notes.is_empty());
    let ids = common::ids(&import);
    assert_eq!(
        ids,
        [
            "ofac-36",
            "ofac-2674",
            "ofac-15037",
            "ofac-9672",
            "ofac-26581"
        ]
    );

    let airline = &import.entities[0];
    assert_eq!(airline.schema, Schema::LegalEntity);
    assert_eq!(airline.caption(), "AEROCARIBBEAN AIRLINES");
    assert_eq!(airline.names[1].full, "AERO-CARIBBEAN");
    assert_eq!(airline.names[1].kind, NameKind::Alias);
    assert_eq!(airline.programs, ["CUBA"]);
    assert_eq!(airline.addresses[0].full, "Havana, Cuba");
    assert_eq!(airline.dataset, "us_ofac_sdn");

    let person = &import.entities[1];
    assert_eq!(person.schema, Schema::Person);
    // Same string as the legacy CSV's SDN_Name column.
    assert_eq!(person.caption(), "AL-ZAWAHIRI, Ayman");
    let names = common::names(person);
    assert_eq!(
        names,
        [
            ("AL-ZAWAHIRI, Ayman", NameKind::Primary),
            ("AL-ZAWAHIRI, Aiman Muhammad Rabi", NameKind::Alias),
            ("Abu Muhammad", NameKind::Weak),
            ("THE DOCTOR", NameKind::Weak),
        ]
    );
    assert_eq!(person.programs, ["SDGT", "SDT"]);
    assert_eq!(person.gender, Some(watchlist::Gender::Male));
    assert_eq!(person.identifiers.len(), 1, "{:?}", person.identifiers);
    assert_eq!(person.identifiers[0].kind, IdKind::Passport);
    assert_eq!(person.identifiers[0].number, "1084010");
    let dobs: Vec<(String, bool)> = person
        .birth_dates
        .iter()
        .map(|d| (d.date.to_string(), d.approximate))
        .collect();
    assert_eq!(
        dobs,
        [("1951-06-19".to_owned(), false), ("1950".to_owned(), true)]
    );
    assert_eq!(person.birth_places, ["Giza, Egypt"]);

    let colombian = &import.entities[2];
    assert_eq!(colombian.caption(), "OSPINA RESTREPO, Maria del Carmen");
    assert_eq!(colombian.identifiers[0].kind, IdKind::NationalId);
    assert_eq!(
        colombian.addresses[0].full,
        "Calle 10 No. 43-12, Oficina 201, Medellin, Antioquia, 050021, Colombia"
    );
    assert_eq!(
        colombian.birth_dates[0].date.precision(),
        DatePrecision::Month
    );
    let years: Vec<String> = colombian.birth_dates[1..]
        .iter()
        .map(|d| d.date.to_string())
        .collect();
    assert_eq!(years, ["1963", "1964", "1965"]);

    let vessel = &import.entities[3];
    assert_eq!(vessel.schema, Schema::Vessel);
    assert_eq!(vessel.names[1].full, "OCEAN STAR & CO");
    let kinds: Vec<(IdKind, &str)> = vessel
        .identifiers
        .iter()
        .map(|i| (i.kind, i.number.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (IdKind::Imo, "IMO 9187629"),
            (IdKind::Other, "572469210"),
            (IdKind::Other, "T2EJ4")
        ]
    );

    assert_eq!(import.entities[4].schema, Schema::Airplane);
}

#[test]
fn strict_mode_names_file_line_and_field() {
    let err = import("lists/sdn.xml", BAD, false).unwrap_err();
    assert_eq!(err.file, "lists/sdn.xml");
    assert_eq!(err.line, Some(16));
    assert_eq!(err.field.as_deref(), Some("dateOfBirth"));
    assert!(err.message.contains("31 Feb 1970"), "{err}");
    assert!(
        err.to_string()
            .starts_with("lists/sdn.xml:16: field dateOfBirth:"),
        "{err}"
    );
}

#[test]
fn lenient_mode_skips_and_reports_bad_records() {
    let import = import("sdn.xml", BAD, true).unwrap();
    let ids = common::ids(&import);
    assert_eq!(ids, ["ofac-100", "ofac-104"]);
    let skipped = common::skipped(&import);
    assert_eq!(
        skipped,
        [
            (Some(16), Some("dateOfBirth")),
            (Some(20), Some("uid")),
            (Some(24), Some("sdnType"))
        ]
    );
}

#[test]
fn truncated_and_wrong_root_files_fail_even_when_lenient() {
    let cut = &SDN[..SDN.len() / 2];
    let err = import("sdn.xml", cut, true).unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
    assert!(err.line.is_some());
    let err = import(
        "sdn.xml",
        b"<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST/>",
        true,
    )
    .unwrap_err();
    assert!(err.message.contains("root element"), "{err}");
    assert_eq!(err.line, Some(2));
    let err = import(
        "sdn.xml",
        b"<sdnList><sdnEntry><uid>1</sdnEntry></sdnList>",
        false,
    )
    .unwrap_err();
    assert!(err.message.contains("malformed XML"), "{err}");
}

#[test]
fn bom_and_trailing_eof_byte_are_accepted_and_noted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(SDN);
    bytes.push(0x1A);
    let import = import("sdn.xml", &bytes, false).unwrap();
    assert_eq!(import.entities.len(), 5);
    assert_eq!(import.notes.len(), 2, "{:?}", import.notes);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = import("x.xml", &bytes, false);
        let _ = import("x.xml", &bytes, true);
    }

    #[test]
    fn mangled_sample_never_panics(cut in 0..SDN.len(), byte in any::<u8>()) {
        let mut bytes = SDN.to_vec();
        if let Some(b) = bytes.get_mut(cut) { *b = byte; }
        let _ = import("x.xml", &bytes, true);
        let _ = import("x.xml", &bytes[..cut], true);
    }
}
