//! `cortina screen`: one name, or a batch of rows from CSV to JSON lines.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::time::Instant;

use anyhow::{Context, anyhow};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use screening::{Algorithm, Index, Params};
use serde::Serialize;

use crate::cli::{ScoreArgs, ScreenArgs};
use crate::input::{Columns, parse_query};
use crate::output::{MatchOut, explain_line};
use crate::{Failure, Outcome, snapshot};

/// Rows screened per parallel chunk.
const CHUNK: usize = 8192;

/// Resolves `--algorithm`, `--threshold`, `--cutoff` and `--limit` into engine parameters.
pub fn params(args: &ScoreArgs, limit: usize) -> anyhow::Result<Params> {
    let algorithm = Algorithm::parse(&args.algorithm).ok_or_else(|| {
        anyhow!(
            "--algorithm {:?}: expected cortina, best or ofac",
            args.algorithm
        )
    })?;
    let threshold = args.threshold.unwrap_or(algorithm.default_threshold());
    let cutoff = args.cutoff.unwrap_or(threshold);
    for (flag, v) in [("--threshold", threshold), ("--cutoff", cutoff)] {
        if !(0.0..=1.0).contains(&v) {
            return Err(anyhow!("{flag} {v}: scores are between 0 and 1"));
        }
    }
    Ok(Params {
        threshold,
        cutoff,
        limit,
        algorithm,
    })
}

/// Loads the index from `--lists` files or the data directory's snapshot.
fn load_index(args: &ScreenArgs) -> anyhow::Result<Index> {
    if args.lists.is_empty() {
        snapshot::open(&args.data.data_dir)
    } else {
        let imports = snapshot::read_lists(&args.lists, None, false)?;
        Ok(snapshot::build_index(imports))
    }
}

/// Against a store's lists (not `--lists` files), records the screening in
/// the ledger first: who, why, which snapshot, what was asked.
fn record(
    args: &ScreenArgs,
    index: &Index,
    params: &Params,
    what: serde_json::Value,
) -> Result<(), Failure> {
    if !args.lists.is_empty() {
        return Ok(());
    }
    let mut payload = what;
    payload["snapshot"] = serde_json::Value::String(index.snapshot_hash().to_owned());
    payload["threshold"] = serde_json::json!(params.threshold);
    payload["algorithm"] = serde_json::Value::String(params.algorithm.as_str().to_owned());
    crate::recorded::authorize(
        &args.data,
        &args.acting,
        crate::recorded::Request {
            action: domain::Action::ScreeningRun,
            needs_purpose: true,
            payload,
            command: "cortina screen",
        },
    )?;
    Ok(())
}

/// Runs `cortina screen`.
pub fn run(args: ScreenArgs) -> Result<Outcome, Failure> {
    let params = params(&args.score, args.limit)?;
    match (&args.name, &args.input, &args.output) {
        (Some(name), None, _) => {
            let index = load_index(&args)?;
            record(&args, &index, &params, serde_json::json!({ "name": name }))?;
            single(&index, &args, name, &params)
        }
        (None, Some(input), Some(output)) => {
            let index = load_index(&args)?;
            record(
                &args,
                &index,
                &params,
                serde_json::json!({ "input": input }),
            )?;
            batch(&index, input, output, &params)
        }
        _ => Err(anyhow!("give a NAME, or --input FILE.csv --output FILE.jsonl").into()),
    }
}

#[derive(Serialize)]
struct SingleOut<'a> {
    query: &'a str,
    snapshot: &'a str,
    threshold: f32,
    matches: Vec<MatchOut<'a>>,
}

fn single(
    index: &Index,
    args: &ScreenArgs,
    name: &str,
    params: &Params,
) -> Result<Outcome, Failure> {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let query = parse_query(
        name,
        &opt(&args.schema),
        &opt(&args.birth_date),
        &opt(&args.country),
        &opt(&args.gender),
        &opt(&args.id_number),
    )?;
    let results = index.search(&query, params);
    if args.json {
        let out = SingleOut {
            query: name,
            snapshot: index.snapshot_hash(),
            threshold: params.threshold,
            matches: results.iter().map(MatchOut::new).collect(),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(Outcome::Ok);
    }
    println!("snapshot {}", index.snapshot_hash());
    if results.is_empty() {
        println!("no results at or above {:.2}", params.cutoff);
    }
    for m in &results {
        println!(
            "{:>6.3} {:<5} {:<16} {:<12} {}",
            m.score,
            if m.is_match { "MATCH" } else { "" },
            m.entity.id,
            m.entity.schema.as_str(),
            m.entity.caption()
        );
        println!("       {}", explain_line(&m.explanation));
    }
    Ok(Outcome::Ok)
}

#[derive(Serialize)]
struct RowOut<'a> {
    id: &'a str,
    snapshot: &'a str,
    /// Optional fields that could not be read and were left out of the screening.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    matches: Vec<MatchOut<'a>>,
}

#[derive(Serialize)]
struct RowError<'a> {
    id: &'a str,
    error: String,
}

/// One row read from the input: its line, id, and the query with its warnings, or why it could
/// not be read.
struct Row {
    line: u64,
    id: String,
    query: anyhow::Result<(screening::Query, Vec<String>)>,
}

fn open_input(input: &str) -> anyhow::Result<Box<dyn BufRead + Send>> {
    if input == "-" {
        Ok(Box::new(BufReader::new(io::stdin())))
    } else {
        let f = File::open(input).with_context(|| format!("opening {input}"))?;
        Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
    }
}

fn open_output(output: &str) -> anyhow::Result<Box<dyn Write>> {
    if output == "-" {
        Ok(Box::new(BufWriter::with_capacity(1 << 20, io::stdout())))
    } else {
        let f = File::create(output).with_context(|| format!("creating {output}"))?;
        Ok(Box::new(BufWriter::with_capacity(1 << 20, f)))
    }
}

fn batch(index: &Index, input: &str, output: &str, params: &Params) -> Result<Outcome, Failure> {
    let started = Instant::now();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(open_input(input)?);
    let header = reader
        .headers()
        .with_context(|| format!("{input}: reading the header"))?
        .clone();
    let columns = Columns::from_header(&header).map_err(|e| anyhow!("{input}: {e}"))?;
    let mut out = open_output(output)?;

    let progress = if io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} rows screened, {per_sec} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Some(bar)
    } else {
        None
    };

    let (mut rows_total, mut alerts, mut errors) = (0u64, 0u64, 0u64);
    let mut records = reader.into_records();
    let mut done = false;
    while !done {
        let mut chunk: Vec<Row> = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            match records.next() {
                None => {
                    done = true;
                    break;
                }
                Some(Ok(record)) => {
                    let line = record.position().map_or(0, |p| p.line());
                    chunk.push(Row {
                        line,
                        id: columns.id(&record).to_owned(),
                        query: columns.query(&record),
                    });
                }
                Some(Err(e)) => {
                    let line = e.position().map_or(0, |p| p.line());
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        return Err(anyhow!("{input}: line {line}: {e}").into());
                    }
                    chunk.push(Row {
                        line,
                        id: String::new(),
                        query: Err(anyhow!("{}", csv_error_text(&e))),
                    });
                }
            }
        }
        let lines: Vec<(String, bool, bool)> = chunk
            .par_iter()
            .map(|row| render_row(index, params, row))
            .collect();
        for (line, alert, error) in lines {
            out.write_all(line.as_bytes())
                .with_context(|| format!("writing {output}"))?;
            rows_total += 1;
            alerts += u64::from(alert);
            errors += u64::from(error);
        }
        if let Some(bar) = &progress {
            bar.set_position(rows_total);
        }
    }
    out.flush().with_context(|| format!("writing {output}"))?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{rows_total} rows, {alerts} with alerts, {errors} errors, {:.1} s, {:.0} rows/s (snapshot {})",
        secs,
        rows_total as f64 / secs.max(1e-9),
        &index.snapshot_hash()[..16]
    );
    Ok(if errors > 0 {
        Outcome::RowErrors
    } else {
        Outcome::Ok
    })
}

fn csv_error_text(e: &csv::Error) -> String {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => format!("line {line}: not valid UTF-8"),
        csv::ErrorKind::UnequalLengths { .. } => format!("line {line}: wrong number of fields"),
        _ => format!("line {line}: {e}"),
    }
}

/// Screens one row and renders its JSON line; also says whether it alerted or failed.
fn render_row(index: &Index, params: &Params, row: &Row) -> (String, bool, bool) {
    match &row.query {
        Ok((query, warnings)) => {
            let results = index.search(query, params);
            let alert = results.iter().any(|m| m.is_match);
            let out = RowOut {
                id: &row.id,
                snapshot: index.snapshot_hash(),
                warnings,
                matches: results.iter().map(MatchOut::new).collect(),
            };
            let mut line = serde_json::to_string(&out).unwrap_or_else(|e| {
                format!(
                    "{{\"id\":{:?},\"error\":\"cannot encode result: {e}\"}}",
                    row.id
                )
            });
            line.push('\n');
            (line, alert, false)
        }
        Err(e) => {
            let text = e.to_string();
            let error = if text.starts_with("line ") {
                text
            } else {
                format!("line {}: {text}", row.line)
            };
            let mut line = serde_json::to_string(&RowError { id: &row.id, error })
                .unwrap_or_else(|_| "{\"id\":\"\",\"error\":\"unencodable\"}".to_owned());
            line.push('\n');
            (line, false, true)
        }
    }
}

/// Reads all of standard input or a file (used by `compare`).
pub fn read_all(input: &str) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    open_input(input)?.read_to_end(&mut buf)?;
    Ok(buf)
}
