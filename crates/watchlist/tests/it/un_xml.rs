//! UN Security Council consolidated XML import: a hand-written fixture, bad input, and the real
//! published file when present.

use crate::common;
use proptest::prelude::*;
use watchlist::{Format, Gender, IdKind, NameKind, Options, Schema, SourceFile, import_one};

const FIXTURE: &[u8] = include_bytes!("../fixtures/un/consolidated.xml");

fn import(bytes: &[u8], lenient: bool) -> Result<watchlist::Import, watchlist::Error> {
    import_one(
        Format::UnXml,
        SourceFile::new("un.xml", bytes),
        Options { lenient },
    )
}

#[test]
fn fixture_individual_and_entity() {
    let import = import(FIXTURE, false).unwrap();
    assert_eq!(import.dataset, "un_sc_sanctions");
    assert_eq!(import.entities.len(), 2);
    let p = common::entity(&import, "un-100");
    assert_eq!(p.schema, Schema::Person);
    let names = common::names(p);
    assert_eq!(
        names,
        vec![
            ("ABDUL RAHMAN AL-TESTI", NameKind::Primary),
            ("عبد الرحمن", NameKind::Alias),
            ("Abu Test", NameKind::Alias),
            ("Abu T & Co", NameKind::Weak),
        ]
    );
    let dates: Vec<(String, bool)> = p
        .birth_dates
        .iter()
        .map(|d| (d.date.to_string(), d.approximate))
        .collect();
    assert_eq!(
        dates,
        vec![
            ("1970-05-04".to_owned(), false),
            ("1968".to_owned(), true),
            ("1960".to_owned(), true),
            ("1961".to_owned(), true),
            ("1962".to_owned(), true),
        ]
    );
    assert_eq!(p.countries, vec!["ir", "sy"]);
    assert_eq!(p.gender, Some(Gender::Male));
    assert_eq!(p.birth_places, vec!["Aleppo, Syrian Arab Republic"]);
    assert_eq!(p.identifiers.len(), 2);
    assert_eq!(p.identifiers[0].kind, IdKind::Passport);
    assert_eq!(p.identifiers[0].country.as_deref(), Some("tr"));
    assert_eq!(p.identifiers[1].kind, IdKind::NationalId);
    assert_eq!(p.identifiers[1].country.as_deref(), Some("iq"));
    assert_eq!(p.addresses[0].full, "Damascus, Syrian Arab Republic");
    assert_eq!(p.programs, vec!["Al-Qaida", "QDi.999"]);

    let e = common::entity(&import, "un-200");
    assert_eq!(e.schema, Schema::LegalEntity);
    assert_eq!(e.names[1].full, "TFC");
    assert_eq!(e.names[1].kind, NameKind::Alias);
    assert_eq!(e.countries, vec!["kp"]);
}

#[test]
fn bad_records_and_bad_xml() {
    let text = String::from_utf8(FIXTURE.to_vec()).unwrap();
    let no_id = text.replace("<DATAID>200</DATAID>", "");
    let err = import(no_id.as_bytes(), false).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("DATAID"));
    assert_eq!(err.line, Some(28));
    let lenient = import(no_id.as_bytes(), true).unwrap();
    assert_eq!(lenient.entities.len(), 1);
    assert_eq!(lenient.skipped.len(), 1);

    let broken = text.replace("</SECOND_NAME>", "</SECOND>");
    let err = import(broken.as_bytes(), false).unwrap_err();
    assert_eq!(err.line, Some(7), "{err}");
    let lenient = import(broken.as_bytes(), true).unwrap();
    assert_eq!(lenient.skipped.len(), 1);

    assert!(import(b"<OTHER/>", false).is_err());
    assert!(import(b"", false).is_err());
}

#[test]
fn a_truncated_file_fails_even_when_lenient() {
    let end = FIXTURE
        .windows(b"</CONSOLIDATED_LIST>".len())
        .position(|w| w == b"</CONSOLIDATED_LIST>")
        .expect("the fixture's end tag");
    for cut in [end / 3, end / 2, end - 1] {
        for lenient in [false, true] {
            let err = import(&FIXTURE[..cut], lenient).unwrap_err();
            assert!(err.message.contains("truncated"), "cut {cut}: {err}");
            assert!(err.line.is_some(), "cut {cut}: {err}");
        }
    }
    let err = import(b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>", true).unwrap_err();
    assert!(err.message.contains("INDIVIDUAL"), "{err}");
}

/// A record nested `levels` deep below its INDIVIDUAL element.
fn nested(levels: usize) -> Vec<u8> {
    format!(
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID>\
         <FIRST_NAME>DEEP</FIRST_NAME>{}{}</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
        "<A>".repeat(levels),
        "</A>".repeat(levels)
    )
    .into_bytes()
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    // Issue 10 (RELIABILITY.md): without a depth limit, a record nested 200,000 deep was built
    // into a tree whose drop overflowed the stack and aborted the process.
    for lenient in [false, true] {
        let err = import(&nested(200_000), lenient).unwrap_err();
        assert!(
            err.message
                .contains("nested more than 64 deep in INDIVIDUAL"),
            "{err}"
        );
        assert_eq!(err.line, Some(1));
    }
    // Real records nest three or four levels; a few more are still fine.
    let import = import(&nested(60), false).unwrap();
    assert_eq!(import.entities.len(), 1);
}

proptest! {
    #[test]
    fn cut_fixture_before_its_end_is_an_error(cut in 0usize..4000, lenient: bool) {
        let end = FIXTURE.len() - b"</CONSOLIDATED_LIST>".len() - 2;
        prop_assume!(cut < end);
        prop_assert!(import(&FIXTURE[..cut], lenient).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), lenient: bool) {
        let _ = import(&bytes, lenient);
    }

    #[test]
    fn cut_fixture_never_panics(cut in 0usize..4000, lenient: bool) {
        let _ = import(&FIXTURE[..cut.min(FIXTURE.len())], lenient);
    }
}

#[test]
fn real_un_file() {
    let Some(lists) = common::lists_dir("real_un_file") else {
        return;
    };
    let path = lists.join("un").join("UN_consolidated.xml");
    let bytes = std::fs::read(&path).unwrap();
    let import = import(&bytes, false).unwrap();
    println!("{}", common::summary(&import));
    let people = import
        .entities
        .iter()
        .filter(|e| e.schema == Schema::Person)
        .count();
    assert_eq!(people, 730);
    assert_eq!(import.entities.len() - people, 273);
    let badege = common::entity(&import, "un-6907993");
    assert_eq!(badege.caption(), "ERIC BADEGE");
    assert_eq!(badege.countries, vec!["cd", "rw"]);
    assert_eq!(badege.birth_dates[0].date.to_string(), "1971");
    assert_eq!(badege.programs, vec!["DRC", "CDi.001"]);
}
