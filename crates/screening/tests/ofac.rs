//! `Algorithm::Ofac` does what OFAC's FAQ 249 describes (see the `ofac` module's documentation
//! for the choices where OFAC is silent), checked through the public search API.

use screening::{Algorithm, Index, Params, Query, jaro_winkler, soundex};
use watchlist::{Entity, NameKind, PartialDate, Schema};

fn index(names: &[(&str, &str)]) -> Index {
    Index::build(
        names
            .iter()
            .map(|(id, n)| {
                let mut e = Entity::new(*id, Schema::Person, "test");
                e.add_name(n, NameKind::Primary);
                e
            })
            .collect(),
    )
}

fn params() -> Params {
    Params {
        algorithm: Algorithm::Ofac,
        cutoff: 0.0,
        limit: 50,
        ..Params::default()
    }
}

/// The OFAC score of `query` against a one-name list, or `None` when it is not a candidate.
#[track_caller]
fn score(query: &str, list: &str) -> Option<f32> {
    let index = index(&[("x", list)]);
    let found = index.search(&Query::name(query), &params());
    found.first().map(|m| {
        assert_eq!(m.explanation.algorithm, Algorithm::Ofac);
        m.score
    })
}

/// FAQ 249's two techniques written out independently on lower-case, punctuation-free parts:
/// Jaro-Winkler on the whole string, and the mean over the query's parts of each part's best
/// score (Jaro-Winkler, lifted halfway to 1 when the Soundex codes agree); the higher wins.
fn by_the_faq(query: &str, list: &str) -> f32 {
    let parts = |s: &str| -> Vec<String> {
        s.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (q, l) = (parts(query), parts(list));
    let whole = jaro_winkler(q.join(" ").as_bytes(), l.join(" ").as_bytes()) as f32;
    let part = |a: &str, b: &str| {
        let j = jaro_winkler(a.as_bytes(), b.as_bytes()) as f32;
        if soundex(a.as_bytes()).is_some() && soundex(a.as_bytes()) == soundex(b.as_bytes()) {
            (j + 1.0) / 2.0
        } else {
            j
        }
    };
    let composite = q
        .iter()
        .map(|a| l.iter().map(|b| part(a, b)).fold(0.0, f32::max))
        .sum::<f32>()
        / q.len() as f32;
    whole.max(composite)
}

#[test]
fn a_name_in_list_order_with_a_comma_scores_100() {
    assert_eq!(
        score("MARIA ELENA TORRES", "TORRES, Maria Elena"),
        Some(1.0)
    );
    assert_eq!(
        score("Torres Maria Elena", "TORRES, Maria Elena"),
        Some(1.0)
    );
    assert_eq!(
        score("elena maria torres", "TORRES, Maria Elena"),
        Some(1.0)
    );
}

#[test]
fn an_exact_name_scores_100() {
    // FAQ 247: 100 indicates an exact match; case and punctuation do not count.
    assert_eq!(
        score("Jose Juvenal Velandia", "VELANDIA, Jose Juvenal"),
        Some(1.0)
    );
    assert_eq!(score("al-Rashidi", "AL RASHIDI"), Some(1.0));
}

#[test]
fn surname_only_queries_are_treated_generously() {
    assert_eq!(score("Torres", "TORRES, Maria Elena"), Some(1.0));
    assert_eq!(score("TORRES", "TORRES, Maria Elena"), Some(1.0));
    // A misspelt surname alone still scores high, by the part's similarity.
    let s = score("Torez", "TORRES, Maria Elena").unwrap();
    assert!(s > 0.85 && s < 1.0, "{s}");
}

#[test]
fn the_score_is_the_higher_of_the_two_techniques() {
    for (q, l) in [
        ("Maria Elena Torres", "TORRES, Maria Elena"),
        ("Mario Torres", "TORRES, Maria Elena"),
        ("Jon Smyth", "SMITH, John"),
        ("Mohamed Ali", "MUHAMMAD ALI, Hassan"),
        ("Jose Juvenal Velandia Ramirez", "VELANDIA, Jose Juvenal"),
        ("Velandia", "VELANDIA, Jose Juvenal"),
        ("Hernan Vargas", "VARGAS QUINTERO, Hernan Dario"),
    ] {
        let got = score(q, l).unwrap_or(0.0);
        let want = by_the_faq(q, l);
        assert!((got - want).abs() < 1e-5, "{q} vs {l}: {got} != {want}");
    }
}

#[test]
fn soundex_lifts_a_part_that_sounds_the_same() {
    let j = jaro_winkler(b"smyth", b"smith") as f32;
    let s = score("Smyth", "SMITH, John").unwrap();
    assert!(s > j, "{s} vs jaro-winkler {j}");
    assert!(s < 1.0);
}

#[test]
fn candidates_need_a_shared_first_letter_and_half_similarity() {
    // No query part begins with a letter any list part begins with.
    assert_eq!(score("Xavier Quintana", "TORRES, Maria Elena"), None);
    // Same first letter, but less than half similar, and the whole strings neither.
    assert_eq!(score("Tomaszewski", "TORRES, Maria Elena"), None);
    // One part close enough is enough.
    assert!(score("Xavier Torres", "TORRES, Maria Elena").is_some());
}

#[test]
fn only_the_name_counts() {
    // FAQ 246: only the name field is fuzzy; dates do not move the OFAC score.
    let mut e = Entity::new("x", Schema::Person, "test");
    e.add_name("TORRES, Maria Elena", NameKind::Primary);
    let index = Index::build(vec![e]);
    let mut q = Query::name("Maria Torres");
    let plain = index.search(&q, &params())[0].score;
    q.birth_dates.push(PartialDate::parse_iso("1950").unwrap());
    assert_eq!(index.search(&q, &params())[0].score, plain);
}

#[test]
fn results_are_ranked_and_the_closest_entity_is_first() {
    let index = index(&[
        ("a", "TORRES, Maria Elena"),
        ("b", "TORRES LOPEZ, Mario"),
        ("c", "TORRENTE, Marta"),
    ]);
    let found = index.search(&Query::name("Maria Elena Torres"), &params());
    let ids: Vec<&str> = found.iter().map(|m| m.entity.id.as_str()).collect();
    assert_eq!(ids.first(), Some(&"a"));
    assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
}
