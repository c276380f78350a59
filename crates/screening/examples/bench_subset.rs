//! Where a re-screen's time goes: searching N applicant names against the whole list set,
//! against a 500-entity part of it (`Index::subset`), and only preparing the queries.
//!
//! `cargo run --release -p screening --example bench_subset -- APPLICANTS.csv [N]` (the file
//! `cargo xtask gen-applicants` writes; the shared lists are read from `../shared/data`).

use std::sync::Arc;
use std::time::Instant;

use screening::{Index, Params, Query};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = args.first().expect("APPLICANTS.csv");
    let n: usize = args.get(1).map_or(20_000, |a| a.parse().expect("N"));
    let d = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lists");
    let mut files = Vec::new();
    for dir in ["ofac-sdn-2021", "un", "eu", "uk"] {
        for e in std::fs::read_dir(d.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            files.push((
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    let sources: Vec<watchlist::SourceFile<'_>> = files
        .iter()
        .map(|(n, b)| watchlist::SourceFile::new(n, b))
        .collect();
    let entities: Vec<watchlist::Entity> =
        watchlist::import_files(&sources, None, Default::default())
            .map(|i| i.into_iter().flat_map(|i| i.entities).collect())
            .unwrap_or_default();
    let whole = Arc::new(Index::build(entities));
    let step = (whole.entities().len() / 500).max(1);
    let keep: std::collections::HashSet<String> = whole
        .entities()
        .iter()
        .step_by(step)
        .map(|e| e.id.clone())
        .collect();
    let part = Index::subset(&whole, |e| keep.contains(&e.id));
    let alone = Index::build(part.entities().to_vec());
    let mut reader = csv::Reader::from_path(file).expect("applicants");
    let queries: Vec<Query> = reader
        .records()
        .take(n)
        .map(|r| {
            let r = r.unwrap();
            Query {
                schema: Some(watchlist::Schema::Person),
                ..Query::name(r.get(1).unwrap_or("").to_owned())
            }
        })
        .collect();
    println!(
        "{} entities in the whole, {} in the part; {} queries",
        whole.entities().len(),
        part.entities().len(),
        queries.len()
    );
    let params = Params {
        limit: 5,
        ..Params::default()
    };
    let only = args.get(2).map(String::as_str);
    for (label, index) in [
        ("whole", &*whole),
        ("part (subset)", &part),
        ("part alone (own weights)", &alone),
    ] {
        if only.is_some_and(|o| !label.starts_with(o)) {
            continue;
        }
        let t = Instant::now();
        let mut hits = 0;
        for q in &queries {
            hits += index
                .search(q, &params)
                .iter()
                .filter(|m| m.is_match)
                .count();
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / queries.len() as f64;
        println!("{label:<26} {us:8.1} µs per query, {hits} matches");
    }
}
