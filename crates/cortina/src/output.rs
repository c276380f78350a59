//! The JSON and table shapes of results (the CLI's wire types).

use screening::{Explanation, Match};
use serde::Serialize;

/// One result in JSON.
#[derive(Serialize)]
pub struct MatchOut<'a> {
    entity_id: &'a str,
    score: f64,
    #[serde(rename = "match")]
    is_match: bool,
    caption: &'a str,
    schema: &'static str,
    datasets: [&'a str; 1],
    explanation: ExplanationOut<'a>,
}

/// An explanation in JSON.
#[derive(Serialize)]
pub struct ExplanationOut<'a> {
    algorithm: &'static str,
    query_name: &'a str,
    list_name: &'a str,
    list_name_kind: &'static str,
    name_score: f64,
    tokens: Vec<PairOut<'a>>,
    #[serde(skip_serializing_if = "is_empty")]
    unmatched_query: &'a [String],
    #[serde(skip_serializing_if = "is_empty")]
    unmatched_list: &'a [String],
    features: Vec<FeatureOut<'a>>,
}

#[derive(Serialize)]
struct PairOut<'a> {
    query: &'a str,
    list: &'a str,
    similarity: f64,
    how: &'static str,
}

#[derive(Serialize)]
struct FeatureOut<'a> {
    name: &'static str,
    delta: f64,
    detail: &'a str,
}

fn is_empty(s: &&[String]) -> bool {
    s.is_empty()
}

/// Rounds a score for output (4 decimals).
pub fn round(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

impl<'a> MatchOut<'a> {
    /// The JSON shape of a match.
    pub fn new(m: &'a Match<'a>) -> MatchOut<'a> {
        MatchOut {
            entity_id: &m.entity.id,
            score: round(m.score),
            is_match: m.is_match,
            caption: m.entity.caption(),
            schema: m.entity.schema.as_str(),
            datasets: [&m.entity.dataset],
            explanation: ExplanationOut::new(&m.explanation),
        }
    }
}

impl<'a> ExplanationOut<'a> {
    /// The JSON shape of an explanation.
    pub fn new(e: &'a Explanation) -> ExplanationOut<'a> {
        ExplanationOut {
            algorithm: e.algorithm.as_str(),
            query_name: &e.query_name,
            list_name: &e.list_name,
            list_name_kind: match e.list_name_kind {
                watchlist::NameKind::Primary => "primary",
                watchlist::NameKind::Alias => "alias",
                watchlist::NameKind::Weak => "weak",
            },
            name_score: round(e.name_score),
            tokens: e
                .pairs
                .iter()
                .map(|p| PairOut {
                    query: &p.query,
                    list: &p.list,
                    similarity: round(p.similarity),
                    how: p.kind.as_str(),
                })
                .collect(),
            unmatched_query: &e.unmatched_query,
            unmatched_list: &e.unmatched_list,
            features: e
                .features
                .iter()
                .map(|f| FeatureOut {
                    name: f.name,
                    delta: round(f.delta),
                    detail: &f.detail,
                })
                .collect(),
        }
    }
}

/// A one-line human summary of an explanation.
pub fn explain_line(e: &Explanation) -> String {
    let mut parts: Vec<String> = e
        .pairs
        .iter()
        .map(|p| {
            if p.query == p.list {
                p.query.clone()
            } else {
                format!(
                    "{}~{} {:.2} ({})",
                    p.query,
                    p.list,
                    p.similarity,
                    p.kind.as_str()
                )
            }
        })
        .collect();
    if !e.unmatched_query.is_empty() {
        parts.push(format!("query only: {}", e.unmatched_query.join(" ")));
    }
    if !e.unmatched_list.is_empty() {
        parts.push(format!("list only: {}", e.unmatched_list.join(" ")));
    }
    for f in &e.features {
        parts.push(format!("{} {:+.2} ({})", f.name, f.delta, f.detail));
    }
    format!(
        "\"{}\" ~ \"{}\" name {:.2}: {}",
        e.query_name,
        e.list_name,
        e.name_score,
        parts.join("; ")
    )
}
