//! A reproduction of OFAC Sanctions List Search scoring, for users who must report against it.
//!
//! # What OFAC documents (FAQ 249, "How is the Score calculated?")
//!
//! 1. Potential matches are found "based on the first letter of input search terms and by
//!    checking for matches at least 50% or more similar based on edit distance".
//! 2. Two algorithms, Jaro-Winkler (string difference) and Soundex (phonetic), are used in two
//!    techniques: (a) Jaro-Winkler of the entire name string entered against the full name strings
//!    on the lists; (b) the name split into name parts ("John Doe" is two parts), each part
//!    compared with the list's name parts by Jaro-Winkler and Soundex, giving a score per part and
//!    a composite score for all parts entered.
//! 3. Both techniques run every time; the higher of the two scores is the Score.
//!
//! FAQ 246 adds that only the name field is fuzzy, and FAQ 247 that 100 means an exact match.
//!
//! # Choices where OFAC is silent, and why
//!
//! - **Pre-filter per search term.** "The first letter of input search terms" speaks of terms, so
//!   both tests are read per term: a list name is a candidate when some query part and some list
//!   name part begin with the same letter and are at least 50% similar by edit distance (at most
//!   half the longer part's letters changed). The whole strings passing the 50% test also admits
//!   a candidate. Reading the 50% test on the whole string only would reject a name written in
//!   another order (`MARIA ELENA TORRES` against `TORRES, Maria Elena` differ by more than half
//!   their letters) and every surname-only query against a longer name — yet OFAC's tool scores
//!   both at or near 100, so that reading cannot be OFAC's.
//! - **Name parts are order-insensitive.** Each query part takes its best score over the list
//!   name's parts wherever they stand, so word order never matters in technique (b); technique (a)
//!   compares the strings as written (there the order does count, as in OFAC's whole-name test).
//! - **The composite is the mean over the parts entered.** FAQ 249 speaks of "a composite score
//!   for all name parts entered": the parts the user typed, not the list name's. A surname-only
//!   query (`Torres`) therefore scores 100 against `TORRES, Maria Elena` — generous, as OFAC's
//!   tool is with surname searches — and list name parts the user did not type cost nothing.
//! - **Soundex in a part score.** OFAC does not publish how Soundex enters. A part that sounds the
//!   same as a list part (equal Soundex codes) scores the mean of its Jaro-Winkler similarity and
//!   1; otherwise its Jaro-Winkler similarity. Soundex can thus lift a part (`Smyth` ~ `Smith`)
//!   but never lower one, and never lifts a part to 100 unless it is spelled the same.
//! - **Normalisation.** Case, punctuation and diacritics are ignored and other scripts are
//!   transliterated to Latin first (OFAC's lists are in Latin script); a comma is punctuation, so
//!   `TORRES, Maria Elena` has the parts `torres maria elena`.
//! - **Names only.** Dates, countries and identifiers do not change the score (FAQ 246). Scores
//!   are OFAC's score / 100.
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
    if !candidate(q_whole, q_parts, l) {
        return None;
    }
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

/// True when `a` is at least 50% similar to `b` by edit distance: at most half the letters of the
/// longer one changed.
fn half_similar(a: &str, b: &str) -> bool {
    let longest = a.len().max(b.len());
    osa_bounded(a.as_bytes(), b.as_bytes(), longest / 2).is_some()
}

/// OFAC's pre-filter (see the module documentation): some query part and some list part share
/// their first letter and are at least 50% similar, or the whole strings are.
fn candidate(q_whole: &str, q_parts: &[String], l: &OfacName) -> bool {
    q_parts.iter().any(|q| {
        l.parts
            .iter()
            .any(|p| q.as_bytes().first() == p.as_bytes().first() && half_similar(q, p))
    }) || (q_whole.as_bytes().first() == l.whole.as_bytes().first()
        && half_similar(q_whole, &l.whole))
}

/// Jaro-Winkler similarity of two tokens.
fn jw(a: &str, b: &str) -> f32 {
    jaro_winkler(a.as_bytes(), b.as_bytes()) as f32
}

/// True when two tokens have the same Soundex code.
fn same_soundex(a: &str, b: &str) -> bool {
    matches!((soundex(a.as_bytes()), soundex(b.as_bytes())), (Some(x), Some(y)) if x == y)
}
