//! UK Sanctions List (FCDO) importer: XML and CSV fixtures written from the list's published
//! field names (Unique ID, Name 1..6, Name type, Alias strength, D.O.B, ...).

use crate::common;
use proptest::prelude::*;
use watchlist::{
    DatePrecision, Entity, Format, Gender, IdKind, NameKind, Options, Schema, SourceFile,
    detect_format, import_one,
};

const XML: &[u8] = include_bytes!("../fixtures/uk_sanctions_list.xml");
const CSV: &[u8] = include_bytes!("../fixtures/uk_sanctions_list.csv");
const BAD: &[u8] = include_bytes!("../fixtures/uk_sanctions_list_bad_records.xml");

fn import(bytes: &[u8], lenient: bool) -> Result<watchlist::Import, watchlist::Error> {
    import_one(
        Format::UkSanctions,
        SourceFile::new("UK_Sanctions_List.xml", bytes),
        Options { lenient },
    )
}

/// What both the XML and the CSV fixture say.
fn check_common(entities: &[Entity]) {
    let akhund = common::find(entities, "gb-AFG0006");
    assert_eq!(akhund.schema, Schema::Person);
    assert_eq!(akhund.dataset, "gb_fcdo_sanctions");
    assert_eq!(
        common::names(akhund),
        [
            ("Mohammad Hassan AKHUND", NameKind::Primary),
            ("Mullah Mohammad Hassan", NameKind::Alias),
            ("Hassan Sahib", NameKind::Weak),
            ("محمد حسن آخوند", NameKind::Alias),
        ]
    );
    let dobs: Vec<String> = akhund
        .birth_dates
        .iter()
        .map(|d| d.date.to_string())
        .collect();
    assert_eq!(dobs, ["1955", "1958"]);
    assert_eq!(akhund.gender, Some(Gender::Male));
    assert_eq!(
        akhund.birth_places,
        ["Pashmul village, Panjwai District, Afghanistan"]
    );
    assert_eq!(
        akhund.programs,
        ["The Afghanistan (Sanctions) (EU Exit) Regulations 2020"]
    );
    assert_eq!(akhund.addresses[0].full, "Kandahar, Afghanistan");

    let volkova = common::find(entities, "gb-RUS1234");
    assert_eq!(
        common::names(volkova),
        [
            ("Elena Sergeyevna VOLKOVA", NameKind::Primary),
            ("Yelena Sergeevna VOLKOVA", NameKind::Alias),
            ("Елена Сергеевна ВОЛКОВА", NameKind::Alias),
        ]
    );
    assert_eq!(volkova.birth_dates[0].date.to_string(), "1971-11-07");
    assert_eq!(
        volkova.birth_dates[1].date.precision(),
        DatePrecision::Month
    );
    let ids: Vec<(IdKind, &str)> = volkova
        .identifiers
        .iter()
        .map(|i| (i.kind, i.number.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            (IdKind::Passport, "75 1234567"),
            (IdKind::NationalId, "772912345678")
        ]
    );
    assert_eq!(volkova.gender, Some(Gender::Female));
    assert_eq!(
        volkova.addresses[0].full,
        "Ulitsa Tverskaya 7, Moscow, 125009, Russia"
    );

    let ship = common::find(entities, "gb-RUS3686");
    assert_eq!(ship.schema, Schema::Vessel);
    assert_eq!(ship.identifiers[0].kind, IdKind::Imo);
    assert_eq!(ship.identifiers[0].number, "9274082");
}

#[test]
fn reads_the_xml_sample() {
    assert_eq!(
        detect_format(&SourceFile::new("x.xml", XML)).unwrap(),
        Format::UkSanctions
    );
    let import = import(XML, false).unwrap();
    assert_eq!(import.dataset, "gb_fcdo_sanctions");
    let ids = common::ids(&import);
    assert_eq!(
        ids,
        ["gb-AFG0006", "gb-RUS1234", "gb-RUS0260", "gb-RUS3686"]
    );
    check_common(&import.entities);
    let bank = common::find(&import.entities, "gb-RUS0260");
    assert_eq!(bank.schema, Schema::Organization);
    assert_eq!(bank.identifiers[0].kind, IdKind::Registration);
    assert_eq!(
        common::names(bank)[1],
        ("PJSC EXAMPLE BANK", NameKind::Alias)
    );
}

#[test]
fn reads_the_csv_sample_grouping_rows_by_unique_id() {
    let file = SourceFile::new("UK_Sanctions_List.csv", CSV);
    assert_eq!(detect_format(&file).unwrap(), Format::UkSanctions);
    let import = import_one(Format::UkSanctions, file, Options::default()).unwrap();
    assert!(import.skipped.is_empty());
    let ids = common::ids(&import);
    assert_eq!(ids, ["gb-AFG0006", "gb-RUS3686", "gb-RUS1234"]);
    check_common(&import.entities);
}

#[test]
fn strict_mode_names_file_line_and_field() {
    let err = import(BAD, false).unwrap_err();
    assert_eq!(err.file, "UK_Sanctions_List.xml");
    assert_eq!(err.line, Some(13));
    assert_eq!(err.field.as_deref(), Some("DOB"));
    assert!(err.message.contains("31/04/1970"), "{err}");
}

#[test]
fn lenient_mode_skips_and_reports_bad_records() {
    let import = import(BAD, true).unwrap();
    let ids = common::ids(&import);
    assert_eq!(ids, ["gb-GHR0001", "gb-GHR0005"]);
    let skipped = common::skipped(&import);
    assert_eq!(
        skipped,
        [
            (Some(13), Some("DOB")),
            (Some(16), Some("UniqueID")),
            (Some(20), Some("IndividualEntityShip")),
        ]
    );
}

#[test]
fn csv_errors_name_the_line() {
    let text = String::from_utf8(CSV.to_vec()).unwrap();
    let bad = text.replacen("07/11/1971", "07/13/1971", 1);
    let err = import_one(
        Format::UkSanctions,
        SourceFile::new("uk.csv", bad.as_bytes()),
        Options::default(),
    )
    .unwrap_err();
    assert_eq!((err.line, err.field.as_deref()), (Some(7), Some("DOB")));
    let no_id = text.replacen(",RUS3686,", ",,", 1);
    let lenient = import_one(
        Format::UkSanctions,
        SourceFile::new("uk.csv", no_id.as_bytes()),
        Options { lenient: true },
    )
    .unwrap();
    assert_eq!(lenient.entities.len(), 2);
    assert_eq!(lenient.skipped[0].line, Some(6));
    let err = import_one(
        Format::UkSanctions,
        SourceFile::new("uk.csv", b"a,b,c\n1,2,3\n"),
        Options { lenient: true },
    )
    .unwrap_err();
    assert!(err.message.contains("Unique ID"), "{err}");
}

#[test]
fn truncated_and_wrong_root_xml_fail() {
    let err = import(&XML[..XML.len() / 3], true).unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
    let err = import(
        b"<?xml version=\"1.0\"?><ArrayOfFinancialSanctionsTarget/>",
        true,
    )
    .unwrap_err();
    assert!(err.message.contains("root element"), "{err}");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = import(&bytes, false);
        let _ = import(&bytes, true);
    }

    #[test]
    fn mangled_samples_never_panic(cut in 0..CSV.len(), byte in any::<u8>()) {
        for sample in [XML, CSV] {
            let cut = cut.min(sample.len());
            let mut bytes = sample.to_vec();
            if let Some(b) = bytes.get_mut(cut) { *b = byte; }
            let _ = import(&bytes, true);
            let _ = import(&bytes[..cut], true);
        }
    }
}
