//! Recall-oriented lookup: every entity carrying any of the query's name tokens, ranked.
//!
//! Screening ([`Index::search`]) asks "is this person on a list?" and scores whole names against
//! whole names, so a lone surname against a three-part listed name scores low and is cut off.
//! An analyst searching (`/search?q=Kozlovsky`) asks something else: "who on the lists carries
//! this name?". [`Index::lookup`] answers that: it finds, through the index's token dictionary
//! (the same similar-token retrieval as screening, so spelling variants and transliterations are
//! found), every entity with a name that contains a token similar to one of the query's, and
//! ranks them by how much of the query they cover.
//!
//! The score of one listed name form is its *coverage* of the query: the weighted share of the
//! query's tokens it contains (each token counting its similarity to the closest listed token,
//! weighted by rarity as in screening), times a small preference (up to 10%) for names with
//! fewer tokens the query did not mention — so `KOZLOVSKY` alone ranks above
//! `KOZLOVSKY, Artem Viktorovich` for the query `Kozlovsky`, and both are found. An entity's score
//! is its best form's. Weak aliases are not searched, as in screening.

use std::collections::HashMap;

use watchlist::{Entity, Schema};

use crate::index::{Index, TokenId};
use crate::text::name_forms;

/// One entity found by [`Index::lookup`].
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    /// The entity.
    pub entity: &'a Entity,
    /// How much of the query its best name covers, 0..=1 (see the module documentation).
    pub score: f32,
}

impl Index {
    /// Every entity (of a kind compatible with `schema`, when given) with a name carrying a token
    /// similar to one of `text`'s, best first (then by id); at most `limit`.
    pub fn lookup(&self, text: &str, schema: Option<Schema>, limit: usize) -> Vec<Hit<'_>> {
        let mut best: HashMap<u32, f32> = HashMap::new();
        let mut sims: Vec<(TokenId, f32)> = Vec::new();
        let arabic = crate::translit::is_arabic_script(text);
        for form in name_forms(text) {
            // Per query token: its weight, and its similar dictionary tokens.
            let mut query: Vec<(f32, HashMap<TokenId, f32>)> = Vec::with_capacity(form.len());
            for t in &form {
                self.similar_tokens(t, arabic, &mut sims);
                let weight = self
                    .token_ids
                    .get(t.as_str())
                    .map(|&id| self.weights[id as usize])
                    .or_else(|| {
                        sims.iter()
                            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                            .map(|&(id, _)| self.weights[id as usize])
                    })
                    .unwrap_or(1.0);
                query.push((weight, sims.iter().copied().collect()));
            }
            let total: f32 = query.iter().map(|(w, _)| w).sum();
            if total <= 0.0 {
                continue;
            }
            // The forms carrying any similar token.
            let mut forms: Vec<u32> = query
                .iter()
                .flat_map(|(_, s)| s.keys())
                .flat_map(|&t| self.postings_of(t).iter().copied())
                .collect();
            forms.sort_unstable();
            forms.dedup();
            for fi in forms {
                let f = &self.forms[fi as usize];
                if !self.schema_ok(f.entity, schema) {
                    continue;
                }
                let mut covered = 0.0;
                let mut used = vec![false; f.tokens.len()];
                for (w, s) in &query {
                    let found = f
                        .tokens
                        .iter()
                        .enumerate()
                        .filter_map(|(i, t)| s.get(t).map(|&v| (i, v)))
                        .max_by(|a, b| a.1.total_cmp(&b.1));
                    if let Some((i, v)) = found {
                        covered += w * v;
                        used[i] = true;
                    }
                }
                let len = f.tokens.len().max(1) as f32;
                let matched = used.iter().filter(|u| **u).count() as f32;
                let score = covered / total * (0.9 + 0.1 * matched / len);
                let e = best.entry(f.entity).or_insert(0.0);
                if score > *e {
                    *e = score;
                }
            }
        }
        let mut hits: Vec<Hit<'_>> = best
            .into_iter()
            .filter(|&(_, s)| s > 0.0)
            .map(|(e, score)| Hit {
                entity: &self.entities[e as usize],
                score: score.min(1.0),
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.entity.id.cmp(&b.entity.id))
        });
        hits.truncate(limit);
        hits
    }
}

#[cfg(test)]
mod tests {
    use watchlist::{Entity, NameKind, Schema};

    use crate::Index;

    fn index() -> Index {
        let names: [(&str, Schema, &str); 6] = [
            ("a", Schema::Person, "KOZLOVSKY, Artem Viktorovich"),
            ("b", Schema::Person, "KOZLOVSKIY, Ivan"),
            ("c", Schema::Person, "Kozlovsky"),
            ("d", Schema::Organization, "KOZLOVSKY TRADING LLC"),
            ("e", Schema::Person, "PETROV, Artem"),
            ("f", Schema::Person, "VARGAS QUINTERO, Hernan Dario"),
        ];
        Index::build(
            names
                .iter()
                .map(|(id, s, n)| {
                    let mut e = Entity::new(*id, *s, "test");
                    e.add_name(n, NameKind::Primary);
                    e
                })
                .collect(),
        )
    }

    fn ids(hits: &[super::Hit<'_>]) -> Vec<String> {
        hits.iter().map(|h| h.entity.id.clone()).collect()
    }

    #[test]
    fn a_surname_finds_everyone_carrying_it_ranked() {
        let index = index();
        let hits = index.lookup("Kozlovsky", None, 100);
        let found = ids(&hits);
        for want in ["a", "b", "c", "d"] {
            assert!(
                found.contains(&want.to_owned()),
                "{want} missing: {found:?}"
            );
        }
        assert!(!found.contains(&"f".to_owned()), "{found:?}");
        // The name that is only the surname comes first; the exact spelling before the variant.
        assert_eq!(found[0], "c");
        let score = |id: &str| hits.iter().find(|h| h.entity.id == id).unwrap().score;
        assert!(score("a") > score("b"), "{hits:?}");
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn a_fuller_query_ranks_the_closest_first_and_still_finds_partial_carriers() {
        let index = index();
        let found = ids(&index.lookup("Artem Kozlovsky", None, 100));
        assert_eq!(found[0], "a");
        assert!(found.contains(&"e".to_owned()), "{found:?}");
    }

    #[test]
    fn schema_and_limit_filter() {
        let index = index();
        let found = ids(&index.lookup("Kozlovsky", Some(Schema::Organization), 100));
        assert_eq!(found, ["d"]);
        assert_eq!(index.lookup("Kozlovsky", None, 2).len(), 2);
        assert!(index.lookup("Zzyzx", None, 10).is_empty());
    }
}
