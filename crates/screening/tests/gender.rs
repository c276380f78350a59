//! Gender as evidence: a stated male against a stated female lowers the score; "other" on either
//! side says nothing either way and changes nothing (issue 13, item 7).

use screening::{Index, Params, Query};
use watchlist::{Entity, Gender, NameKind, Schema};

fn index(gender: Option<Gender>) -> Index {
    let mut e = Entity::new("g-1", Schema::Person, "test");
    e.add_name("KOZLOVSKY, Artem Viktorovich", NameKind::Primary);
    e.gender = gender;
    Index::build(vec![e])
}

/// The score of the query "Artem Kozlovsky" with `asked` against a list entry with `listed`,
/// and whether a gender feature appeared in the explanation.
fn check(asked: Option<Gender>, listed: Option<Gender>) -> (f32, bool) {
    let index = index(listed);
    let mut q = Query::name("Artem Viktorovich Kozlovsky");
    q.gender = asked;
    let params = Params {
        cutoff: 0.0,
        ..Params::default()
    };
    let found = index.search(&q, &params);
    let m = found.first().expect("the entity is found");
    let feature = m.explanation.features.iter().any(|f| f.name == "gender");
    (m.score, feature)
}

#[test]
fn other_is_neutral_and_only_male_against_female_costs() {
    let (base, none) = check(None, None);
    assert!(!none);
    for (asked, listed) in [
        (Some(Gender::Other), Some(Gender::Male)),
        (Some(Gender::Other), Some(Gender::Female)),
        (Some(Gender::Male), Some(Gender::Other)),
        (Some(Gender::Female), Some(Gender::Other)),
        (Some(Gender::Other), Some(Gender::Other)),
        (Some(Gender::Male), Some(Gender::Male)),
        (Some(Gender::Other), None),
    ] {
        let (score, feature) = check(asked, listed);
        assert_eq!(score, base, "{asked:?} vs {listed:?}");
        assert!(!feature, "{asked:?} vs {listed:?}");
    }
    let (score, feature) = check(Some(Gender::Female), Some(Gender::Male));
    assert!(feature);
    assert!(score < base - 0.1, "{score} vs {base}");
}
