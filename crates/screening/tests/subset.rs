//! An index over part of a snapshot ([`Index::subset`]) scores as the whole does: for every
//! query, the entities of the part found by searching the part are exactly those of the part
//! found by searching the whole, with the same scores. This is what lets a list change be
//! screened against a population by searching only the changed entities.

mod common;

use std::sync::Arc;

use screening::{Index, Params, Query, TOKEN_FLOOR};
use watchlist::{Entity, NameKind, Schema};

/// Compares the part against the whole for every query; returns how many results matched.
fn compare(whole: &Arc<Index>, part: &Index, queries: &[Query]) -> usize {
    // Retrieval is exact at and above the token floor (see `retrieval.rs`); below it, which
    // candidates are looked at depends on the index, and every threshold is above it.
    let params = Params {
        threshold: TOKEN_FLOOR,
        cutoff: TOKEN_FLOOR,
        limit: usize::MAX,
        ..Params::default()
    };
    let in_part = |id: &str| part.entity(id).is_some();
    let mut compared = 0;
    for query in queries {
        let from_whole: Vec<(String, f32)> = whole
            .search(query, &params)
            .into_iter()
            .filter(|m| in_part(&m.entity.id))
            .map(|m| (m.entity.id.clone(), m.score))
            .collect();
        let from_part: Vec<(String, f32)> = part
            .search(query, &params)
            .into_iter()
            .map(|m| (m.entity.id.clone(), m.score))
            .collect();
        assert_eq!(
            from_part.len(),
            from_whole.len(),
            "{:?}: the part found {from_part:?}, the whole {from_whole:?}",
            query.names
        );
        for ((id_p, s_p), (id_w, s_w)) in from_part.iter().zip(&from_whole) {
            assert_eq!(id_p, id_w, "{:?}: a different order", query.names);
            assert!(
                (s_p - s_w).abs() < 1e-5,
                "{:?}: {id_p} scores {s_p} in the part, {s_w} in the whole",
                query.names
            );
            compared += 1;
        }
    }
    compared
}

fn person(id: &str, name: &str, birth: Option<&str>) -> Entity {
    let mut e = Entity::new(id, Schema::Person, "test");
    e.add_name(name, NameKind::Primary);
    if let Some(b) = birth {
        e.birth_dates.push(watchlist::model::BirthDate {
            date: watchlist::model::PartialDate::parse_iso(b).unwrap(),
            approximate: false,
        });
    }
    e
}

#[test]
fn a_part_of_a_small_snapshot_scores_as_the_whole() {
    let people = [
        ("x-1", "VELANDIA, Jose Juvenal", Some("1961-03-02")),
        ("x-2", "AL-RASHIDI, Yusuf Abd al-Karim", None),
        ("x-3", "Mohammed Abdullah Hassan", Some("1970")),
        ("x-4", "KOZLOVSKY, Artem Viktorovich", Some("1979-11-05")),
        ("x-5", "Aleksandr Petrovich Ivanov", None),
        ("x-6", "Hassan Ali Mahmoud", None),
        ("x-7", "Muhammad Yusuf", None),
        ("x-8", "Jose Hassan", None),
        ("x-9", "Artem Ivanov", None),
        ("x-10", "Yusuf Hassan Kozlov", None),
    ];
    let whole = Arc::new(Index::build(
        people.iter().map(|(i, n, b)| person(i, n, *b)).collect(),
    ));
    let part = Index::subset(&whole, |e| ["x-2", "x-4", "x-8"].contains(&e.id.as_str()));
    assert_eq!(part.entities().len(), 3);
    let queries: Vec<Query> = [
        "Jose Velandia",
        "Youssef al Rashidi",
        "Artyom Kozlovskiy",
        "A. Kozlovsky",
        "Jose Hasan",
        "Hassan Jose",
        "Yusuf Abdulkarim Al Rashidi",
        "Hassan",
        "Yusuf Hassan",
        "Ivanov Artem",
    ]
    .iter()
    .map(|n| Query::name(n.to_string()))
    .collect();
    let compared = compare(&whole, &part, &queries);
    assert!(compared >= 3, "only {compared} results compared");
}

#[test]
fn a_part_of_the_sdn_list_scores_as_the_whole() {
    let Some(d) = common::shared() else {
        eprintln!("shared data not found: skipped the SDN comparison");
        return;
    };
    let entities = common::sdn_entities(&d);
    let whole = Arc::new(Index::build(entities));
    // About 500 entities, as a list update changes.
    let step = (whole.entities().len() / 500).max(1);
    let keep: std::collections::HashSet<String> = whole
        .entities()
        .iter()
        .step_by(step)
        .map(|e| e.id.clone())
        .collect();
    let part = Index::subset(&whole, |e| keep.contains(&e.id));
    let mut reader = csv::Reader::from_path(d.join("eval/sdn_queries.csv")).unwrap();
    let queries: Vec<Query> = reader
        .records()
        .enumerate()
        .filter(|(i, _)| i % 5 == 0)
        .map(|(_, r)| Query::name(r.unwrap().get(0).unwrap_or("").to_owned()))
        .collect();
    let compared = compare(&whole, &part, &queries);
    assert!(compared >= 20, "only {compared} results compared");
    eprintln!("{compared} results compared over {} queries", queries.len());
}

#[test]
fn a_part_scores_korean_spellings_as_the_whole() {
    // The other spellings of a Korean name's syllables are credited when the index has them,
    // and a token weighs at most what the commonest of them weighs in the whole: parts that
    // lack some spellings, joined or split, still score as the whole.
    let people = [
        ("k-1", "LEE Myung-bak"),
        ("k-2", "LEE Myungbak"),
        ("k-3", "YI Myong Bak"),
        ("k-4", "KIM Young-sam"),
        ("k-5", "KIM Yong Sam"),
        ("k-6", "CHUNG Ju-yung"),
        ("k-7", "JEONG Ju Yeong"),
        ("k-8", "ROH Moo-hyun"),
        ("k-9", "NO Mu Hyon"),
        ("k-10", "MYUNG Jung-sook"),
    ];
    let whole = Arc::new(Index::build(
        people.iter().map(|(i, n)| person(i, n, None)).collect(),
    ));
    let queries: Vec<Query> = [
        "이명박",
        "李明博",
        "이 명박",
        "김영삼",
        "金泳三",
        "정주영",
        "鄭周永",
        "노무현",
        "盧武鉉",
        "명정숙",
        "Lee Myung Bak",
    ]
    .iter()
    .map(|n| Query::name(n.to_string()))
    .collect();
    let mut compared = 0;
    for keep in [
        &["k-1", "k-5", "k-7", "k-9"][..],
        &["k-2", "k-4", "k-6"],
        &["k-3"],
        &["k-8", "k-10"],
    ] {
        let part = Index::subset(&whole, |e| keep.contains(&e.id.as_str()));
        compared += compare(&whole, &part, &queries);
    }
    assert!(compared >= 10, "only {compared} results compared");
}
