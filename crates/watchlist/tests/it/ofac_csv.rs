//! OFAC legacy CSV import: small hand-written fixtures, and the real published files when present.

use crate::common;
use proptest::prelude::*;
use watchlist::{
    Gender, IdKind, NameKind, OfacCsvSet, Options, Schema, SourceFile, import_files,
    import_ofac_csv,
};

const SDN: &[u8] = include_bytes!("../fixtures/ofac/sdn.csv");
const ALT: &[u8] = include_bytes!("../fixtures/ofac/alt.csv");
const ADD: &[u8] = include_bytes!("../fixtures/ofac/add.csv");
const COMMENTS: &[u8] = include_bytes!("../fixtures/ofac/sdn_comments.csv");

fn fixture_set() -> OfacCsvSet<'static> {
    OfacCsvSet {
        main: SourceFile::new("fx/sdn.csv", SDN),
        alt: Some(SourceFile::new("fx/alt.csv", ALT)),
        add: Some(SourceFile::new("fx/add.csv", ADD)),
        comments: Some(SourceFile::new("fx/sdn_comments.csv", COMMENTS)),
    }
}

#[test]
fn fixture_set_reads_every_part() {
    let import = import_ofac_csv(fixture_set(), false, Options::default()).unwrap();
    assert_eq!(import.dataset, "us_ofac_sdn");
    assert_eq!(import.entities.len(), 3);
    assert!(import.skipped.is_empty());
    assert!(
        import.notes.iter().any(|n| n.contains("0x1A")),
        "{:?}",
        import.notes
    );
    assert!(
        import.notes.iter().any(|n| n.contains("-0-")),
        "{:?}",
        import.notes
    );

    let p = common::entity(&import, "ofac-10");
    assert_eq!(p.schema, Schema::Person);
    assert_eq!(p.caption(), "GOMEZ, Juan Carlos");
    assert_eq!(p.programs, vec!["SDNTK", "SDGT"]);
    assert_eq!(p.gender, Some(Gender::Male));
    assert_eq!(p.birth_dates.len(), 2);
    assert!(p.birth_dates[1].approximate);
    assert_eq!(p.birth_places, vec!["Cali, Colombia"]);
    assert_eq!(p.countries, vec!["co"]);
    let names = common::names(p);
    // The comments file continues the cut-off a.k.a. 'JU' + 'AN'.
    assert_eq!(
        names,
        vec![
            ("GOMEZ, Juan Carlos", NameKind::Primary),
            ("EL FLACO", NameKind::Weak),
            ("JUAN", NameKind::Weak),
            ("GOMEZ, J.C.", NameKind::Alias),
        ]
    );
    assert_eq!(p.identifiers[0].kind, IdKind::NationalId);
    assert_eq!(p.identifiers[0].country.as_deref(), Some("co"));
    assert_eq!(
        p.addresses[0].full,
        "Calle 5 # 10-20, Cali, Valle, Colombia"
    );

    let c = common::entity(&import, "ofac-20");
    assert_eq!(c.schema, Schema::LegalEntity);
    assert_eq!(c.names[1].full, "ACME IMPORT EXPORT");
    assert_eq!(c.countries, vec!["ir"]);
    assert_eq!(c.identifiers[0].kind, IdKind::Registration);

    let v = common::entity(&import, "ofac-30");
    assert_eq!(v.schema, Schema::Vessel);
    assert_eq!(v.countries, vec!["kp"]);
    assert!(
        v.identifiers
            .iter()
            .any(|i| i.kind == IdKind::Imo && i.number == "9123456")
    );
}

#[test]
fn companions_are_joined_by_name() {
    let files = [
        SourceFile::new("fx/alt.csv", ALT),
        SourceFile::new("fx/sdn.csv", SDN),
        SourceFile::new("fx/add.csv", ADD),
        SourceFile::new("fx/sdn_comments.csv", COMMENTS),
    ];
    let imports = import_files(&files, None, Options::default()).unwrap();
    assert_eq!(imports.len(), 1);
    assert_eq!(imports[0].entities[0].names.len(), 4);
}

#[test]
fn consolidated_ids() {
    let set = OfacCsvSet {
        main: SourceFile::new("cons_prim.csv", SDN),
        alt: None,
        add: None,
        comments: None,
    };
    let import = import_ofac_csv(set, true, Options::default()).unwrap();
    assert_eq!(import.dataset, "us_ofac_cons");
    assert_eq!(import.entities[0].id, "ofac-cons-10");
}

#[test]
fn truncated_last_line_is_an_error_or_skipped() {
    let bytes = b"1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n2,\"B\",\"individual\",\"X\",-0- ,-0";
    let set = OfacCsvSet {
        main: SourceFile::new("t/sdn.csv", bytes),
        alt: None,
        add: None,
        comments: None,
    };
    let err = import_ofac_csv(set, false, Options::default()).unwrap_err();
    assert_eq!(err.file, "t/sdn.csv");
    assert_eq!(err.line, Some(2));
    assert!(err.to_string().contains("cut short"), "{err}");

    let import = import_ofac_csv(set, false, Options { lenient: true }).unwrap();
    assert_eq!(import.entities.len(), 1);
    assert_eq!(import.skipped.len(), 1);
    assert!(import.notes.iter().any(|n| n.contains("truncated")));

    // An unterminated quote on the last line is also cut short.
    let bytes = b"1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1960; a.k.a";
    let set = OfacCsvSet {
        main: SourceFile::new("t/sdn.csv", bytes),
        ..set
    };
    assert!(import_ofac_csv(set, false, Options::default()).is_err());
}

#[test]
fn bad_rows_name_file_line_and_field() {
    let bytes = b"1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \nx2,\"B\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n3,\"C\",\"robot\",\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n4,\"D\"\n";
    let set = OfacCsvSet {
        main: SourceFile::new("t/sdn.csv", bytes),
        alt: None,
        add: None,
        comments: None,
    };
    let err = import_ofac_csv(set, false, Options::default()).unwrap_err();
    assert_eq!((err.line, err.field.as_deref()), (Some(2), Some("ent_num")));
    let import = import_ofac_csv(set, false, Options { lenient: true }).unwrap();
    assert_eq!(import.entities.len(), 1);
    let where_: Vec<(Option<u64>, Option<&str>)> = import
        .skipped
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(
        where_,
        vec![
            (Some(2), Some("ent_num")),
            (Some(3), Some("SDN_Type")),
            (Some(4), Some("SDN_Type"))
        ]
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), lenient: bool) {
        let set = OfacCsvSet {
            main: SourceFile::new("p/sdn.csv", &bytes),
            alt: Some(SourceFile::new("p/alt.csv", &bytes)),
            add: Some(SourceFile::new("p/add.csv", &bytes)),
            comments: Some(SourceFile::new("p/sdn_comments.csv", &bytes)),
        };
        let _ = import_ofac_csv(set, false, Options { lenient });
    }

    #[test]
    fn arbitrary_remarks_never_panic(remarks in "[ -~]{0,200}") {
        let line = format!("1,\"A\",\"individual\",\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"{}\"\n", remarks.replace('"', "\"\""));
        let set = OfacCsvSet {
            main: SourceFile::new("p/sdn.csv", line.as_bytes()),
            alt: None,
            add: None,
            comments: None,
        };
        let import = import_ofac_csv(set, false, Options::default()).unwrap();
        prop_assert_eq!(import.entities.len(), 1);
    }
}

fn real_set(dir: &std::path::Path, prefix: &str, main: &str) -> Vec<(String, Vec<u8>)> {
    [
        main,
        &format!("{prefix}alt.csv"),
        &format!("{prefix}add.csv"),
        &format!(
            "{}comments.csv",
            if prefix.is_empty() { "sdn_" } else { prefix }
        ),
    ]
    .iter()
    .map(|name| {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        (path.display().to_string(), bytes)
    })
    .collect()
}

fn import_real(dir: &std::path::Path, prefix: &str, main: &str, cons: bool) -> watchlist::Import {
    let files = real_set(dir, prefix, main);
    let set = OfacCsvSet {
        main: SourceFile::new(&files[0].0, &files[0].1),
        alt: Some(SourceFile::new(&files[1].0, &files[1].1)),
        add: Some(SourceFile::new(&files[2].0, &files[2].1)),
        comments: Some(SourceFile::new(&files[3].0, &files[3].1)),
    };
    let import = import_ofac_csv(set, cons, Options::default()).unwrap();
    println!("{}", common::summary(&import));
    import
}

#[test]
fn real_ofac_files() {
    let Some(lists) = common::lists_dir("real_ofac_files") else {
        return;
    };
    let sdn21 = import_real(&lists.join("ofac-sdn-2021"), "", "sdn.csv", false);
    assert_eq!(sdn21.entities.len(), 8976);
    let sdn19 = import_real(&lists.join("ofac-sdn-2019"), "", "sdn.csv", false);
    // `wc -l` says 7,378: the last record has no line end, but it is whole and is kept.
    assert_eq!(sdn19.entities.len(), 7379);
    let cons = import_real(
        &lists.join("ofac-consolidated"),
        "cons_",
        "cons_prim.csv",
        true,
    );
    // 442 rows with distinct ent_nums (the brief said 441; every row is a whole record).
    assert_eq!(cons.entities.len(), 442);

    let bnc = common::entity(&sdn21, "ofac-306");
    assert_eq!(bnc.caption(), "BANCO NACIONAL DE CUBA");
    assert!(
        bnc.names
            .iter()
            .any(|n| n.full == "BNC" && n.kind == NameKind::Weak)
    );
    assert!(
        bnc.names
            .iter()
            .any(|n| n.full == "NATIONAL BANK OF CUBA" && n.kind == NameKind::Alias)
    );
    assert!(bnc.countries.contains(&"ch".to_owned()));

    let malkevich = common::entity(&sdn19, "ofac-26235");
    assert_eq!(malkevich.schema, Schema::Person);
    assert_eq!(malkevich.birth_dates[0].date.to_string(), "1975-06-14");
    assert_eq!(malkevich.gender, Some(Gender::Male));
    assert!(
        malkevich
            .identifiers
            .iter()
            .any(|i| i.kind == IdKind::Passport
                && i.number == "717637093"
                && i.country.as_deref() == Some("ru"))
    );

    let martelly = common::entity(&cons, "ofac-cons-50476");
    assert_eq!(martelly.caption(), "MARTELLY, Michel Joseph");
}
