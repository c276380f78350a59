//! A reproduction of OFAC Sanctions List Search scoring, for users who must report against it.
//!
//! OFAC describes its score (FAQ 249) as: candidates are those sharing a first letter with the
//! search terms and at least 50% similar by edit distance; then two techniques are scored and the
//! higher wins: Jaro-Winkler on the whole name string, and a composite of name parts, each part
//! compared with the list name's parts by Jaro-Winkler and Soundex. OFAC does not publish how
//! Soundex enters the part score; here a part that sounds the same (equal Soundex codes) scores
//! the mean of its Jaro-Winkler similarity and 1, and otherwise its Jaro-Winkler similarity. The
//! composite is the mean of the query parts' best part scores. Names only: dates, countries and
//! identifiers do not change the score, as in OFAC's tool. Scores are OFAC's score / 100.
//!
//! This mode compares the query with every name in the index (no retrieval shortcut), as OFAC's
//! pre-filters are not a similarity bound: it is meant for single checks and reports, not for
//! screening a million rows.

use std::sync::OnceLock;

use crate::distance::{jaro_winkler, osa_bounded, soundex};
use crate::index::Index;
use crate::score::{Algorithm, Explanation, Match, PairKind, Params, Query, TokenPair};
use crate::text::tokenize;
use crate::translit::to_latin_variants;

/// A list name prepared for OFAC scoring.
pub(crate) struct OfacName {
    entity: u32,
    name: u32,
    whole: String,
    parts: Vec<String>,
}

pub(crate) fn prepare(name: &str) -> (String, Vec<String>) {
    let latin = to_latin_variants(name)
        .into_iter()
        .next()
        .unwrap_or_default();
    let parts = tokenize(&latin);
    (parts.join(" "), parts)
}

fn names(index: &Index) -> &[OfacName] {
    index.ofac_names.get_or_init(|| {
        let mut out = Vec::new();
        for (ei, e) in index.entities.iter().enumerate() {
            for (ni, n) in e.names.iter().enumerate() {
                let (whole, parts) = prepare(&n.full);
                if !parts.is_empty() {
                    out.push(OfacName {
                        entity: ei as u32,
                        name: ni as u32,
                        whole,
                        parts,
                    });
                }
            }
        }
        out
    })
}

/// The lazily built table of names for OFAC scoring.
pub(crate) type OfacNames = OnceLock<Vec<OfacName>>;

/// Scores a query name against a list name the OFAC way; `None` when the pre-filters reject it.
pub(crate) fn score(
    q_whole: &str,
    q_parts: &[String],
    l: &OfacName,
) -> Option<(f32, Vec<TokenPair>)> {
    let first_letter = q_parts.iter().any(|q| {
        l.parts
            .iter()
            .any(|p| q.as_bytes().first() == p.as_bytes().first())
    });
    if !first_letter {
        return None;
    }
    let longest = q_whole.len().max(l.whole.len());
    osa_bounded(q_whole.as_bytes(), l.whole.as_bytes(), longest / 2)?;
    let whole = jw(q_whole, &l.whole);
    let mut pairs = Vec::with_capacity(q_parts.len());
    let mut sum = 0.0;
    for q in q_parts {
        let mut best: Option<TokenPair> = None;
        for p in &l.parts {
            let j = jw(q, p);
            let (s, kind) = if same_soundex(q, p) {
                ((j + 1.0) / 2.0, PairKind::Soundex)
            } else {
                (j, PairKind::JaroWinkler)
            };
            if best.as_ref().is_none_or(|b| s > b.similarity) {
                best = Some(TokenPair {
                    query: q.clone(),
                    list: p.clone(),
                    similarity: s,
                    kind,
                });
            }
        }
        if let Some(b) = best {
            sum += b.similarity;
            pairs.push(b);
        }
    }
    let composite = if q_parts.is_empty() {
        0.0
    } else {
        sum / q_parts.len() as f32
    };
    Some((whole.max(composite), pairs))
}

pub(crate) fn search<'a>(index: &'a Index, query: &Query, params: &Params) -> Vec<Match<'a>> {
    let table = names(index);
    let prepared: Vec<(String, String, Vec<String>)> = query
        .names
        .iter()
        .map(|n| {
            let (w, p) = prepare(n);
            (n.clone(), w, p)
        })
        .collect();
    let mut best: std::collections::HashMap<u32, (f32, usize, usize, Vec<TokenPair>)> =
        std::collections::HashMap::new();
    for (li, l) in table.iter().enumerate() {
        if !index.schema_ok(l.entity, query.schema) {
            continue;
        }
        for (qi, (_, w, p)) in prepared.iter().enumerate() {
            if let Some((s, pairs)) = score(w, p, l)
                && s >= params.cutoff
                && best.get(&l.entity).is_none_or(|b| s > b.0)
            {
                best.insert(l.entity, (s, qi, li, pairs));
            }
        }
    }
    let mut results: Vec<_> = best.into_iter().collect();
    results.sort_by(|a, b| {
        b.1.0.total_cmp(&a.1.0).then_with(|| {
            index.entities[a.0 as usize]
                .id
                .cmp(&index.entities[b.0 as usize].id)
        })
    });
    results.truncate(params.limit);
    results
        .into_iter()
        .map(|(e, (s, qi, li, pairs))| {
            let entity = &index.entities[e as usize];
            let l = &table[li];
            let name = &entity.names[l.name as usize];
            let unmatched_list = l
                .parts
                .iter()
                .filter(|p| !pairs.iter().any(|x| &x.list == *p))
                .cloned()
                .collect();
            Match {
                entity,
                score: s,
                is_match: s >= params.threshold,
                explanation: Explanation {
                    algorithm: Algorithm::Ofac,
                    query_name: prepared[qi].0.clone(),
                    list_name: name.full.clone(),
                    list_name_kind: name.kind,
                    name_score: s,
                    pairs,
                    unmatched_query: Vec::new(),
                    unmatched_list,
                    features: Vec::new(),
                },
            }
        })
        .collect()
}

/// Jaro-Winkler similarity of two tokens.
fn jw(a: &str, b: &str) -> f32 {
    jaro_winkler(a.as_bytes(), b.as_bytes()) as f32
}

/// True when two tokens have the same Soundex code.
fn same_soundex(a: &str, b: &str) -> bool {
    matches!((soundex(a.as_bytes()), soundex(b.as_bytes())), (Some(x), Some(y)) if x == y)
}
