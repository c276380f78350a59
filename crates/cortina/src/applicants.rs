//! `cortina applicants import --as ORGANISER FILE`: the organiser's
//! applicants from CSV or NDJSON, streamed in requests of up to 10,000 rows
//! through `Service::execute` (`applicant.submit`), two in flight so that
//! screening one overlaps storing the other. Every request is acknowledged
//! after its commit; a crash loses nothing acknowledged, and a re-run
//! skips the rows already in (the same reference with the same facts
//! changes nothing), so it resumes without duplicates.

use std::io::Write as _;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use service::Command;
use service::applicants::RowReader;
use service::command::{ApplicantRow, ApplicantSubmit};

use crate::cli::ApplicantsImportArgs;
use crate::{Failure, Outcome};

/// The file format, for `cortina applicants import --help`.
pub const HELP: &str = "\
CSV with a header, or NDJSON with the same keys:
  required  reference,name,birth_date,nationality,document_type,document_number,category
  optional  original_name,gender,venues,zones,valid_from,valid_until
birth_date, valid_from, valid_until as YYYY-MM-DD; nationality as ISO alpha-2 or an English
country name; category one of athlete, team_official, media, workforce, volunteer, contractor;
venues and zones separated by ';'. Only a row without a readable reference or name is refused;
any other field that cannot be read is left out and reported as a warning (the person is still
screened by name). Bad rows and warnings go to standard error as FILE:LINE: FIELD: REASON; the
summary to standard output as JSON: {\"received\",\"created\",\"updated\",\"unchanged\",\"refused\",\"warnings\"}.";

#[derive(Default)]
struct Totals {
    received: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    refused: u64,
    warnings: u64,
}

/// Runs `cortina applicants import`.
pub fn import(args: &ApplicantsImportArgs) -> Result<Outcome, Failure> {
    let input: Box<dyn std::io::Read + Send> = if args.file == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(&args.file).with_context(|| format!("opening {}", args.file))?)
    };
    let reader = RowReader::new(input).with_context(|| args.file.clone())?;
    let rt = crate::ledger_cmd::runtime()?;
    let file = args.file.clone();
    rt.block_on(async move {
        let svc = crate::ledger_cmd::open_service(&args.store).await?;
        if svc.lists().is_none() {
            eprintln!(
                "cortina: no lists imported in the data directory: applicants stay pending until screened"
            );
        }
        let bar = if args.quiet {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {pos} rows in, {per_sec} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        };
        let mut totals = Totals::default();
        let stderr = std::io::stderr();
        let report = |line: u64, field: &str, reason: &str, kind: &str| {
            let mut e = stderr.lock();
            let field = if field.is_empty() { "row" } else { field };
            let _ = writeln!(e, "{file}:{line}: {field}: {reason}{kind}");
        };
        let mut pending: std::collections::VecDeque<
            tokio::task::JoinHandle<Result<service::Done, service::ServiceError>>,
        > = std::collections::VecDeque::new();
        let mut chunk: Vec<ApplicantRow> = Vec::with_capacity(args.batch as usize);
        let mut rows = reader;
        loop {
            let next = rows.next();
            let end = next.is_none();
            match next {
                Some(Err(e)) => return Err(Failure(anyhow::anyhow!("{file}: {e}"))),
                Some(Ok(Err(issue))) => {
                    totals.received += 1;
                    totals.refused += 1;
                    report(issue.line, &issue.field, &issue.reason, "");
                }
                Some(Ok(Ok(row))) => chunk.push(row),
                None => {}
            }
            if chunk.len() >= args.batch as usize || (end && !chunk.is_empty()) {
                let command = Command::ApplicantSubmit(ApplicantSubmit {
                    applicants: std::mem::take(&mut chunk),
                });
                let svc = svc.clone();
                let actor = service::Actor::cli(&args.actor);
                pending.push_back(tokio::spawn(
                    async move { svc.execute(&actor, command).await },
                ));
            }
            // Two requests in flight: wait for the oldest when a third is
            // queued, and for all at the end.
            while pending.len() > 1 || (end && !pending.is_empty()) {
                let Some(handle) = pending.pop_front() else {
                    break;
                };
                let done = handle
                    .await
                    .context("import task")?
                    .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
                let data = done.data.unwrap_or_default();
                let n = |k: &str| data[k].as_u64().unwrap_or(0);
                totals.received += n("received");
                totals.created += n("created");
                totals.updated += n("updated");
                totals.unchanged += n("unchanged");
                for (key, kind) in [("refused", ""), ("warnings", " (warning: the row went in)")] {
                    for issue in data[key].as_array().into_iter().flatten() {
                        if key == "refused" {
                            totals.refused += 1;
                        } else {
                            totals.warnings += 1;
                        }
                        report(
                            issue["line"].as_u64().unwrap_or(0),
                            issue["field"].as_str().unwrap_or(""),
                            issue["reason"].as_str().unwrap_or(""),
                            kind,
                        );
                    }
                }
                bar.set_position(totals.created + totals.updated + totals.unchanged);
                bar.set_message(format!("({} refused)", totals.refused));
            }
            if end {
                break;
            }
        }
        bar.finish_and_clear();
        svc.store().close().await;
        let summary = json!({
            "received": totals.received, "created": totals.created, "updated": totals.updated,
            "unchanged": totals.unchanged, "refused": totals.refused, "warnings": totals.warnings,
        });
        println!("{summary}");
        Ok(if totals.refused > 0 {
            Outcome::RowErrors
        } else {
            Outcome::Ok
        })
    })
}
