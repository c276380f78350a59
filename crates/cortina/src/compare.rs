//! `cortina compare`: score pairs of records and explain each score.

use anyhow::{Context, anyhow};
use screening::Index;
use serde::Serialize;
use watchlist::{BirthDate, Entity, NameKind, Schema};

use crate::cli::CompareArgs;
use crate::input::parse_query;
use crate::output::{ExplanationOut, round};
use crate::screen::{params, read_all};
use crate::{Failure, Outcome};

#[derive(Serialize)]
struct PairOut<'a> {
    id: &'a str,
    score: f64,
    #[serde(rename = "match")]
    is_match: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<ExplanationOut<'a>>,
}

#[derive(Serialize)]
struct PairError<'a> {
    id: &'a str,
    error: String,
}

/// Runs `cortina compare`.
pub fn run(args: CompareArgs) -> Result<Outcome, Failure> {
    let mut params = params(&args.score, 1)?;
    // Every pair gets a score, however low.
    params.cutoff = 0.0;
    let bytes = read_all(&args.input)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes.as_slice());
    let header = reader.headers().context("reading the header")?.clone();
    let col = |name: &str| {
        header.iter().position(|h| {
            h.trim_start_matches('\u{feff}')
                .trim()
                .eq_ignore_ascii_case(name)
        })
    };
    let (Some(c_id), Some(c_left), Some(c_right)) = (col("id"), col("left"), col("right")) else {
        return Err(anyhow!(
            "{}: line 1: the header needs id, left and right columns",
            args.input
        )
        .into());
    };
    let (c_schema, c_lb, c_rb, c_lc, c_rc) = (
        col("schema"),
        col("left_birth_date"),
        col("right_birth_date"),
        col("left_country"),
        col("right_country"),
    );
    let mut out = String::new();
    let mut errors = 0;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors += 1;
                let line = e.position().map_or(0, |p| p.line());
                out.push_str(&serde_json::to_string(&PairError {
                    id: "",
                    error: format!("line {line}: {e}"),
                })?);
                out.push('\n');
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim();
        let id = get(Some(c_id));
        match score_pair(
            get(Some(c_left)),
            get(Some(c_right)),
            get(c_schema),
            (get(c_lb), get(c_rb)),
            (get(c_lc), get(c_rc)),
        ) {
            Ok((index, query)) => {
                let results = index.search(&query, &params);
                let best = results.first();
                out.push_str(&serde_json::to_string(&PairOut {
                    id,
                    score: round(best.map_or(0.0, |m| m.score)),
                    is_match: best.is_some_and(|m| m.is_match),
                    explanation: best.map(|m| ExplanationOut::new(&m.explanation)),
                })?);
            }
            Err(e) => {
                errors += 1;
                out.push_str(&serde_json::to_string(&PairError {
                    id,
                    error: format!("line {line}: {e}"),
                })?);
            }
        }
        out.push('\n');
    }
    if args.output == "-" {
        print!("{out}");
    } else {
        std::fs::write(&args.output, out).with_context(|| format!("writing {}", args.output))?;
    }
    Ok(if errors > 0 {
        Outcome::RowErrors
    } else {
        Outcome::Ok
    })
}

/// Builds a one-entity index from the right-hand record and screens the left-hand one against it.
fn score_pair(
    left: &str,
    right: &str,
    schema: &str,
    dates: (&str, &str),
    countries: (&str, &str),
) -> anyhow::Result<(Index, screening::Query)> {
    if right.is_empty() {
        return Err(anyhow!("field right: empty"));
    }
    let query = parse_query(left, schema, dates.0, countries.0, "", "")?;
    let schema = query.schema.unwrap_or(Schema::LegalEntity);
    let mut entity = Entity::new("right", schema, "compare");
    entity.add_name(right, NameKind::Primary);
    if !dates.1.is_empty() {
        let d = crate::input::parse_date(dates.1)
            .ok_or_else(|| anyhow!("field right_birth_date: {:?} is not a date", dates.1))?;
        entity.add_birth_date(BirthDate::exact(d));
    }
    if !countries.1.is_empty() {
        let c = watchlist::countries::to_code(countries.1).ok_or_else(|| {
            anyhow!(
                "field right_country: {:?} is not a known country",
                countries.1
            )
        })?;
        entity.add_country(c);
    }
    Ok((Index::build(vec![entity]), query))
}
