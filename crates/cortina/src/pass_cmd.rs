//! `cortina pass verify`: a gate's check of accreditation passes, offline.
//!
//! Reads the gate bundle (public pass key + signed revocation list) from a
//! file, then each pass from the argument or from standard input (one per
//! line, as a handheld scanner types them), and prints the verdict with the
//! name and document digits the steward compares with the ID presented.

use std::io::BufRead as _;

use anyhow::Context as _;

use crate::cli::PassVerifyArgs;
use crate::{Failure, Outcome};

/// Runs `cortina pass verify`.
pub fn verify(args: &PassVerifyArgs) -> Result<Outcome, Failure> {
    let text = std::fs::read_to_string(&args.bundle)
        .with_context(|| format!("reading the gate bundle {}", args.bundle.display()))?;
    let gate =
        pass::Gate::from_bundle(&text).with_context(|| format!("{}", args.bundle.display()))?;
    let now = match args.at {
        Some(at) => at,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the clock is before 1970")?
            .as_secs() as i64,
    };
    if !args.json {
        eprintln!(
            "gate {} zone {}; key {}; revocations as of {}",
            args.venue,
            args.zone,
            gate.key().key_id(),
            utc(gate.revocations_as_of())
        );
    }
    let mut all_valid = true;
    let mut one = |scanned: &str| {
        let verdict = gate.check(scanned, &args.venue, &args.zone, now);
        all_valid &= matches!(verdict, pass::Verdict::Valid(_));
        print_verdict(&verdict, args.json);
    };
    match &args.pass {
        Some(p) => one(p),
        None => {
            for line in std::io::stdin().lock().lines() {
                let line = line.context("reading passes from standard input")?;
                if !line.trim().is_empty() {
                    one(&line);
                }
            }
        }
    }
    Ok(if all_valid {
        Outcome::Ok
    } else {
        Outcome::VerifyFailed
    })
}

fn print_verdict(verdict: &pass::Verdict, json: bool) {
    let claims = verdict.claims();
    if json {
        let value = match (verdict, claims) {
            (pass::Verdict::Forged(why), _) => {
                serde_json::json!({"verdict": "forged", "reason": why})
            }
            (_, Some(c)) => serde_json::json!({
                "verdict": verdict.as_str(), "pass": c.id, "name": c.n, "document": c.d,
                "category": c.c, "access": c.a, "valid_from": c.f, "valid_until": c.u,
            }),
            (_, None) => serde_json::json!({"verdict": verdict.as_str()}),
        };
        println!("{value}");
        return;
    }
    match (verdict, claims) {
        (pass::Verdict::Forged(why), _) => println!("FORGED  {why}"),
        (_, Some(c)) => {
            let shout = match verdict {
                pass::Verdict::Valid(_) => "VALID",
                pass::Verdict::WrongZone(_) => "WRONG ZONE",
                pass::Verdict::Expired(_) => "EXPIRED",
                pass::Verdict::NotYetValid(_) => "NOT YET VALID",
                pass::Verdict::Revoked(_) => "REVOKED",
                pass::Verdict::Forged(_) => "FORGED",
            };
            let access: Vec<String> = c.a.iter().map(|a| format!("{}/{}", a.0, a.1)).collect();
            println!(
                "{shout}  {}  document …{}  {}  pass {}  access {}  valid {} – {}",
                c.n,
                c.d,
                c.c,
                c.id,
                access.join(","),
                utc(c.f),
                utc(c.u)
            );
        }
        (_, None) => println!("{}", verdict.as_str()),
    }
}

/// `YYYY-MM-DD HH:MM UTC`.
fn utc(secs: i64) -> String {
    let date = domain::time::Timestamp::from_millis(secs.saturating_mul(1000)).date();
    let rem = secs.rem_euclid(86_400);
    format!("{date} {:02}:{:02} UTC", rem / 3600, (rem % 3600) / 60)
}
