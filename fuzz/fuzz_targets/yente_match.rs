//! Fuzzes the yente query decoder: a `POST /match/{dataset}` body through
//! `server::yente::decode_match_query` (the route's own JSON decoding and example
//! normalisation), then every decoded query through the screening engine over the demo's
//! sample lists, as the route does. Invariants: no panic; at most 20 names per query, none
//! longer than 1000 characters; a normalised example decodes again to the same query; scores
//! are finite and within 0..=1, sorted, and at most `limit` results.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use screening::{Index, Params};
use watchlist::{Format, Options, SourceFile, import_one};

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut entities = Vec::new();
        for (format, name, bytes) in [
            (
                Format::UnXml,
                "un.xml",
                &include_bytes!("../../crates/watchlist/tests/fixtures/un/consolidated.xml")[..],
            ),
            (
                Format::OfacSdnXml,
                "sdn.xml",
                &include_bytes!("../../crates/watchlist/tests/fixtures/ofac_sdn.xml")[..],
            ),
            (
                Format::EuFsfXml,
                "eu.xml",
                &include_bytes!("../../crates/watchlist/tests/fixtures/eu_fsf.xml")[..],
            ),
        ] {
            let import = import_one(format, SourceFile::new(name, bytes), Options::default())
                .expect("the fixture imports");
            entities.extend(import.entities);
        }
        Index::build(entities)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(examples) = server::yente::decode_match_query(data) else {
        return;
    };
    let params = Params {
        limit: 5,
        ..Params::default()
    };
    for (key, normalised, query) in examples {
        assert!(!query.names.is_empty() && query.names.len() <= 20, "{key}");
        assert!(query.names.iter().all(|n| n.chars().count() <= 1000));
        // The normalised example (echoed to the client and recorded) means the same query.
        let body = serde_json::json!({ "queries": { &key: normalised } });
        let again = server::yente::decode_match_query(body.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("a normalised example does not decode: {e:?}"));
        let [(_, _, again)] = &again[..] else {
            panic!("one example in, {} out", again.len());
        };
        assert_eq!(again.names, query.names);
        assert_eq!(again.countries, query.countries);
        assert_eq!(again.birth_dates, query.birth_dates);
        let found = index().search(&query, &params);
        assert!(found.len() <= params.limit);
        for pair in found.windows(2) {
            assert!(pair[0].score >= pair[1].score, "results not sorted");
        }
        for m in &found {
            assert!(
                m.score.is_finite() && (0.0..=1.0).contains(&m.score),
                "{}",
                m.score
            );
        }
    }
});
