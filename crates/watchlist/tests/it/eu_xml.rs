//! EU Financial Sanctions Files XML importer: fixtures written from the FSF export schema
//! (`export/sanctionEntity` with attribute-only children).

use crate::common;
use proptest::prelude::*;
use watchlist::{
    DatePrecision, Format, Gender, IdKind, NameKind, Options, Schema, SourceFile, detect_format,
    import_one,
};

const FSF: &[u8] = include_bytes!("../fixtures/eu_fsf.xml");
const BAD: &[u8] = include_bytes!("../fixtures/eu_fsf_bad_records.xml");

fn import(bytes: &[u8], lenient: bool) -> Result<watchlist::Import, watchlist::Error> {
    import_one(
        Format::EuFsfXml,
        SourceFile::new("eu/fsf.xml", bytes),
        Options { lenient },
    )
}

#[test]
fn reads_the_sample_list() {
    assert_eq!(
        detect_format(&SourceFile::new("x.xml", FSF)).unwrap(),
        Format::EuFsfXml
    );
    let import = import(FSF, false).unwrap();
    assert_eq!(import.dataset, "eu_fsf");
    let ids = common::ids(&import);
    assert_eq!(ids, ["eu-13", "eu-120437", "eu-145002"]);

    let saddam = &import.entities[0];
    assert_eq!(saddam.schema, Schema::Person);
    let names = common::names(saddam);
    assert_eq!(
        names,
        [
            ("Saddam Hussein Al-Tikriti", NameKind::Primary),
            ("Abu Ali", NameKind::Weak),
            ("صدام حسين التكريتي", NameKind::Alias),
        ]
    );
    assert_eq!(saddam.gender, Some(Gender::Male));
    assert_eq!(saddam.countries, ["iq"]);
    assert_eq!(saddam.birth_dates[0].date.to_string(), "1937-04-28");
    assert_eq!(saddam.birth_places, ["al-Awja, near Tikrit, IRAQ"]);
    assert_eq!(saddam.programs, ["IRQ"]);

    let duma = &import.entities[1];
    assert_eq!(duma.caption(), "Ivan Ivanovich Sidorov");
    assert_eq!(duma.names[1].kind, NameKind::Alias);
    let dobs: Vec<(String, bool)> = duma
        .birth_dates
        .iter()
        .map(|d| (d.date.to_string(), d.approximate))
        .collect();
    assert_eq!(
        dobs,
        [("1965".to_owned(), true), ("1966-03".to_owned(), false)]
    );
    assert_eq!(duma.birth_dates[1].date.precision(), DatePrecision::Month);
    let ids: Vec<(IdKind, &str, Option<&str>)> = duma
        .identifiers
        .iter()
        .map(|i| (i.kind, i.number.as_str(), i.country.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [
            (IdKind::Passport, "722334455", Some("ru")),
            (IdKind::Tax, "771234567890", Some("ru"))
        ]
    );
    assert_eq!(duma.programs, ["UKR"]);

    let company = &import.entities[2];
    assert_eq!(company.schema, Schema::Organization);
    assert_eq!(company.gender, None);
    assert_eq!(
        company.addresses[0].full,
        "Leninsky Prospekt 32A, 119334, Moscow, RUSSIAN FEDERATION"
    );
    assert_eq!(company.addresses[0].country.as_deref(), Some("ru"));
    assert_eq!(company.countries, ["ru"]);
    assert_eq!(company.identifiers[0].kind, IdKind::Registration);
    assert_eq!(company.identifiers[1].kind, IdKind::Swift);
    assert_eq!(company.identifiers[1].country, None);
}

#[test]
fn strict_mode_names_file_line_and_field() {
    let err = import(BAD, false).unwrap_err();
    assert_eq!((err.file.as_str(), err.line), ("eu/fsf.xml", Some(10)));
    assert_eq!(err.field.as_deref(), Some("birthdate"));
    assert!(err.message.contains("1970-02-30"), "{err}");
}

#[test]
fn lenient_mode_skips_and_reports_bad_records() {
    let import = import(BAD, true).unwrap();
    let ids = common::ids(&import);
    assert_eq!(ids, ["eu-1001", "eu-1005"]);
    let skipped = common::skipped(&import);
    assert_eq!(
        skipped,
        [
            (Some(10), Some("birthdate")),
            (Some(12), Some("logicalId")),
            (Some(19), Some("year"))
        ]
    );
}

#[test]
fn truncated_and_wrong_root_files_fail() {
    let err = import(&FSF[..FSF.len() - 40], true).unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
    let err = import(include_bytes!("../fixtures/ofac_sdn.xml"), true).unwrap_err();
    assert!(err.message.contains("root element is <sdnList>"), "{err}");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = import(&bytes, false);
        let _ = import(&bytes, true);
    }

    #[test]
    fn mangled_sample_never_panics(cut in 0..FSF.len(), byte in any::<u8>()) {
        let mut bytes = FSF.to_vec();
        if let Some(b) = bytes.get_mut(cut) { *b = byte; }
        let _ = import(&bytes, true);
        let _ = import(&bytes[..cut], true);
    }
}
