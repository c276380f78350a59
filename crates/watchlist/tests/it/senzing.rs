//! Senzing JSON import: inline fixtures, and the real OpenSanctions files when present.

use crate::common;
use proptest::prelude::*;
use watchlist::{
    Format, Gender, IdKind, NameKind, Options, Schema, SourceFile, detect_format, import_one,
};

fn import(text: &str, lenient: bool) -> Result<watchlist::Import, watchlist::Error> {
    import_one(
        Format::SenzingJson,
        SourceFile::new("s.json", text.as_bytes()),
        Options { lenient },
    )
}

const LINES: &str = r#"{"DATA_SOURCE":"OS_TEST","RECORD_ID":"NK-1","RECORD_TYPE":"PERSON","NAMES":[{"NAME_TYPE":"PRIMARY","NAME_FULL":"Jane Doe"},{"NAME_TYPE":"ALIAS","NAME_FIRST":"Janet","NAME_LAST":"Doe"}],"DATES":[{"DATE_OF_BIRTH":"1972-03"}],"COUNTRIES":[{"NATIONALITY":"us"},{"CITIZENSHIP":"Canada"}],"GENDER":"F","IDENTIFIERS":[{"PASSPORT_NUMBER":"P1","PASSPORT_COUNTRY":"US"},{"NATIONAL_ID_NUMBER":"N1"},{"OTHER_ID_TYPE":"OPEN_SANCTIONS","OTHER_ID_NUMBER":"NK-1"}],"ADDRESSES":[{"ADDR_CITY":"Ottawa","ADDR_COUNTRY":"CA"}]}

{"DATA_SOURCE":"OS_TEST","RECORD_ID":"NK-2","RECORD_TYPE":"ORGANIZATION","NAMES":[{"NAME_TYPE":"PRIMARY","NAME_ORG":"Acme"}]}
"#;

#[test]
fn json_lines() {
    let import = import(LINES, false).unwrap();
    assert_eq!(import.dataset, "os_test");
    assert_eq!(import.entities.len(), 2);
    let p = &import.entities[0];
    assert_eq!(p.id, "NK-1");
    assert_eq!(p.schema, Schema::Person);
    assert_eq!(p.names[1].full, "Janet Doe");
    assert_eq!(p.names[1].kind, NameKind::Alias);
    assert_eq!(p.birth_dates[0].date.to_string(), "1972-03");
    let mut countries = p.countries.clone();
    countries.sort();
    assert_eq!(countries, vec!["ca", "us"]);
    assert_eq!(p.gender, Some(Gender::Female));
    assert_eq!(p.identifiers.len(), 2);
    assert_eq!(p.identifiers[0].kind, IdKind::Passport);
    assert_eq!(p.identifiers[0].country.as_deref(), Some("us"));
    assert_eq!(p.addresses[0].full, "Ottawa, CA");
    assert_eq!(import.entities[1].schema, Schema::Organization);
}

#[test]
fn flat_array_form() {
    let text = r#"[
  {"DATA_SOURCE": "OS_PEP", "RECORD_ID": "Q1", "RECORD_TYPE": "PERSON", "NAME_FIRST": "John", "NAME_LAST": "Smith", "DATE_OF_BIRTH": "1965-03-15", "NATIONALITY": "US", "ADDR_CITY": "Washington", "ADDR_COUNTRY": "United States"}
]"#;
    assert_eq!(
        detect_format(&SourceFile::new("x.json", text.as_bytes())).unwrap(),
        Format::SenzingJson
    );
    let import = import(text, false).unwrap();
    let p = &import.entities[0];
    assert_eq!(p.caption(), "John Smith");
    assert_eq!(p.countries, vec!["us"]);
}

#[test]
fn bad_lines() {
    let text = format!("{LINES}not json\n{{\"DATA_SOURCE\":\"X\"}}\n");
    let err = import(&text, false).unwrap_err();
    assert_eq!(err.line, Some(4));
    let lenient = import(&text, true).unwrap();
    assert_eq!(lenient.entities.len(), 2);
    assert_eq!(lenient.skipped.len(), 2);
    assert_eq!(lenient.skipped[1].line, Some(5));
    assert_eq!(lenient.skipped[1].field.as_deref(), Some("RECORD_ID"));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), lenient: bool) {
        let _ = import_one(Format::SenzingJson, SourceFile::new("x", &bytes), Options { lenient });
    }

    #[test]
    fn arbitrary_json_never_panics(text in "[{}\\[\\]\":,A-Z_0-9 \n]{0,200}", lenient: bool) {
        let _ = import(&text, lenient);
    }
}

#[test]
fn real_senzing_files() {
    let Some(lists) = common::lists_dir("real_senzing_files") else {
        return;
    };
    let bytes =
        std::fs::read(lists.join("opensanctions").join("us_congress_senzing.json")).unwrap();
    let congress = import_one(
        Format::SenzingJson,
        SourceFile::new("us_congress_senzing.json", &bytes),
        Options::default(),
    )
    .unwrap();
    println!("{}", common::summary(&congress));
    assert_eq!(congress.dataset, "os_us_congress");
    assert_eq!(congress.entities.len(), 1319);
    let m = common::entity(&congress, "NK-AQ4HymsADSK2D63MkyTqfC");
    assert_eq!(m.caption(), "Jennifer L. McClellan");
    assert_eq!(m.countries, vec!["us"]);

    let bytes = std::fs::read(lists.join("opensanctions").join("peps_senzing.json")).unwrap();
    let peps = import_one(
        Format::SenzingJson,
        SourceFile::new("peps_senzing.json", &bytes),
        Options::default(),
    )
    .unwrap();
    println!("{}", common::summary(&peps));
    assert_eq!(peps.entities.len(), 3);
}
