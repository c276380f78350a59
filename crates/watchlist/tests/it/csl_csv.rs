//! US Consolidated Screening List CSV import: inline fixtures, and the real file when present.

use crate::common;
use proptest::prelude::*;
use watchlist::{Format, IdKind, NameKind, Options, Schema, SourceFile, import_one};

const HEADER: &str = "source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,source_information_url,ids\n";

fn import(body: &str, lenient: bool) -> Result<watchlist::Import, watchlist::Error> {
    let text = format!("{HEADER}{body}");
    import_one(
        Format::CslCsv,
        SourceFile::new("csl.csv", text.as_bytes()),
        Options { lenient },
    )
}

#[test]
fn rows_map_to_entities() {
    let body = "\
Specially Designated Nationals (SDN) - Treasury Department,123,Individual,SDGT; SDNTK,\"PEREZ, Ana\",,\"Calle 1, Bogota, CO; Av 2, Caracas, VE\",,,,,,,,,,,,,,,\"PEREZ, Anita; LA JEFA\",CO,1970-01-02; 1971,VE,\"Cali, Colombia\",,\"CO, 12345, Cedula No.; www.example.com, Website\"
Denied Persons List (DPL) - Bureau of Industry and Security,,,, ACME LTD,,\"1 Road, London, GB\",,,,,,,,,,,,,,,,,,,,,
Specially Designated Nationals (SDN) - Treasury Department,456,Vessel,DPRK,SEA STAR,,,,,,,,,HMXY2,Tanker,,,Korea North,,,,,,,,,,\"IMO 9123456, Vessel Registration Identification\"
";
    let import = import(body, false).unwrap();
    assert_eq!(import.dataset, "us_trade_csl");
    assert_eq!(import.entities.len(), 3);
    let p = common::entity(&import, "csl-123");
    assert_eq!(p.schema, Schema::Person);
    assert_eq!(p.programs, vec!["SDGT", "SDNTK"]);
    assert_eq!(
        p.names.iter().filter(|n| n.kind == NameKind::Alias).count(),
        2
    );
    assert_eq!(p.birth_dates.len(), 2);
    assert_eq!(p.countries, vec!["ve", "co"]);
    assert_eq!(p.addresses.len(), 2);
    assert_eq!(p.identifiers.len(), 1);
    assert_eq!(p.identifiers[0].kind, IdKind::NationalId);
    assert_eq!(p.identifiers[0].country.as_deref(), Some("co"));

    let hashed = &import.entities[1];
    assert!(
        hashed.id.starts_with("csl-") && hashed.id.len() == 4 + 16,
        "{}",
        hashed.id
    );
    assert_eq!(hashed.schema, Schema::LegalEntity);
    assert_eq!(hashed.caption(), "ACME LTD");
    // The hash id is stable.
    assert_eq!(
        import_one(
            Format::CslCsv,
            SourceFile::new("x", format!("{HEADER}{body}").as_bytes()),
            Options::default()
        )
        .unwrap()
        .entities[1]
            .id,
        hashed.id
    );

    let v = common::entity(&import, "csl-456");
    assert_eq!(v.schema, Schema::Vessel);
    assert!(
        v.identifiers
            .iter()
            .any(|i| i.kind == IdKind::Imo && i.number == "9123456")
    );
    assert_eq!(v.countries, vec!["kp"]);
}

#[test]
fn bad_rows() {
    let body = "SDN,1,Entity,,GOOD,,,,,,,,,,,,,,,,,,,,,,,\nSDN,2,Entity,,,,,,,,,,,,,,,,,,,,,,,,,\n";
    let err = import(body, false).unwrap_err();
    assert_eq!((err.line, err.field.as_deref()), (Some(3), Some("name")));
    let lenient = import(body, true).unwrap();
    assert_eq!((lenient.entities.len(), lenient.skipped.len()), (1, 1));
    let err = import_one(
        Format::CslCsv,
        SourceFile::new("x.csv", b"a,b\n1,2\n"),
        Options::default(),
    )
    .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("source"));
}

proptest! {
    #[test]
    fn arbitrary_rows_never_panic(body in "[ -~\n;,\"]{0,300}", lenient: bool) {
        let _ = import(&body, lenient);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = import_one(Format::CslCsv, SourceFile::new("x", &bytes), Options { lenient: true });
    }
}

#[test]
fn real_csl_file() {
    let Some(lists) = common::lists_dir("real_csl_file") else {
        return;
    };
    let bytes = std::fs::read(lists.join("us-csl").join("csl.csv")).unwrap();
    let import = import_one(
        Format::CslCsv,
        SourceFile::new("csl.csv", &bytes),
        Options::default(),
    )
    .unwrap();
    println!("{}", common::summary(&import));
    // 115 rows; DPL and the Entity List repeat some entries once per address.
    assert_eq!(import.entities.len(), 110);
    assert!(
        import.notes.iter().any(|n| n.contains("5 rows")),
        "{:?}",
        import.notes
    );
    let e = common::entity(&import, "csl-20264");
    assert_eq!(e.caption(), "200G PSA HOLDINGS LLC");
    assert_eq!(e.identifiers[0].kind, IdKind::Tax);
    assert_eq!(e.countries, vec!["us"]);
}
