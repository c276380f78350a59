//! The accuracy floors that `cargo xtask eval` enforces, read from `xtask/eval-floors.toml`.
//!
//! The evaluation collects its figures under stable keys (`sdn.all.recall_at_1`, …); the floors
//! file bounds some of them from below (`[at_least]`) and some from above (`[at_most]`, for
//! false-alert rates). When any figure is on the wrong side of its bound, or a bounded figure was
//! not measured at all (a renamed key must not pass silently), the command exits non-zero.
//!
//! The file is a small subset of TOML read by hand (section headers, `key = number`, `#`
//! comments), so xtask needs no TOML parser.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, bail};

/// Figures measured by one evaluation, in the order they were measured.
#[derive(Default)]
pub struct Figures(Vec<(String, f64)>);

impl Figures {
    /// Records a figure (a fraction, or a count for counts).
    pub fn put(&mut self, key: impl Into<String>, value: f64) {
        self.0.push((key.into(), value));
    }

    fn get(&self, key: &str) -> Option<f64> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

/// Which way a floor bounds its figure.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Bound {
    AtLeast,
    AtMost,
}

/// One bound from the file.
#[derive(Debug)]
struct Floor {
    key: String,
    bound: Bound,
    value: f64,
    line: usize,
}

fn parse(text: &str, file: &str) -> anyhow::Result<Vec<Floor>> {
    let mut out = Vec::new();
    let mut bound = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match line {
            "[at_least]" => bound = Some(Bound::AtLeast),
            "[at_most]" => bound = Some(Bound::AtMost),
            _ if line.starts_with('[') => {
                bail!(
                    "{file}:{}: unknown section {line} (expected [at_least] or [at_most])",
                    i + 1
                )
            }
            _ => {
                let (k, v) = line
                    .split_once('=')
                    .with_context(|| format!("{file}:{}: expected `key = number`", i + 1))?;
                let Some(bound) = bound else {
                    bail!(
                        "{file}:{}: a floor before any [at_least]/[at_most] section",
                        i + 1
                    );
                };
                let key = k.trim().trim_matches('"').to_owned();
                let value: f64 = v
                    .trim()
                    .parse()
                    .with_context(|| format!("{file}:{}: {:?} is not a number", i + 1, v.trim()))?;
                out.push(Floor {
                    key,
                    bound,
                    value,
                    line: i + 1,
                });
            }
        }
    }
    Ok(out)
}

/// Checks the figures against the floors in `path`; prints the table and fails when any floor is
/// broken or a floored figure is missing.
pub fn check(path: &Path, figures: &Figures) -> anyhow::Result<()> {
    let file = path.display().to_string();
    let text = fs::read_to_string(path).with_context(|| format!("reading {file}"))?;
    let floors = parse(&text, &file)?;
    let (report, failures) = compare(&floors, figures, &file);
    println!("## floors ({file})\n");
    println!("{report}");
    if failures.is_empty() {
        println!("all {} floors held\n", floors.len());
        Ok(())
    } else {
        bail!(
            "{} of {} accuracy floors broken:\n{}",
            failures.len(),
            floors.len(),
            failures.join("\n")
        )
    }
}

fn compare(floors: &[Floor], figures: &Figures, file: &str) -> (String, Vec<String>) {
    let mut report = String::from("| figure | bound | measured | |\n|---|---|---|---|\n");
    let mut failures = Vec::new();
    for f in floors {
        let sign = match f.bound {
            Bound::AtLeast => "≥",
            Bound::AtMost => "≤",
        };
        let measured = figures.get(&f.key);
        let ok = measured.is_some_and(|m| match f.bound {
            // A tiny tolerance: figures are ratios of integers printed to four places.
            Bound::AtLeast => m >= f.value - 1e-9,
            Bound::AtMost => m <= f.value + 1e-9,
        });
        let shown = measured.map_or_else(|| "not measured".to_owned(), |m| format!("{m:.4}"));
        let _ = writeln!(
            report,
            "| {} | {sign} {} | {shown} | {} |",
            f.key,
            f.value,
            if ok { "ok" } else { "**BROKEN**" }
        );
        if !ok {
            failures.push(format!(
                "  {file}:{}: {} {sign} {} but measured {shown}",
                f.line, f.key, f.value
            ));
        }
    }
    (report, failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(pairs: &[(&str, f64)]) -> Figures {
        let mut f = Figures::default();
        for (k, v) in pairs {
            f.put(*k, *v);
        }
        f
    }

    #[test]
    fn floors_pass_and_fail_in_both_directions() {
        let floors = parse(
            "# comment\n[at_least]\na = 0.9 # trailing\n[at_most]\nb = 0.01\n",
            "f",
        )
        .unwrap();
        assert_eq!(floors.len(), 2);
        let (_, bad) = compare(&floors, &figures(&[("a", 0.95), ("b", 0.0)]), "f");
        assert!(bad.is_empty());
        let (_, bad) = compare(&floors, &figures(&[("a", 0.85), ("b", 0.02)]), "f");
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].contains("f:3: a ≥ 0.9"), "{bad:?}");
    }

    #[test]
    fn a_floor_on_an_unmeasured_figure_fails() {
        let floors = parse("[at_least]\nrenamed = 0.5\n", "f").unwrap();
        let (_, bad) = compare(&floors, &figures(&[("other", 1.0)]), "f");
        assert_eq!(bad.len(), 1);
        assert!(bad[0].contains("not measured"));
    }

    #[test]
    fn malformed_files_name_the_line() {
        let e = parse("a = 1\n", "f").unwrap_err().to_string();
        assert!(e.contains("f:1"), "{e}");
        let e = parse("[at_least]\na = x\n", "f").unwrap_err().to_string();
        assert!(e.contains("f:2") && e.contains("not a number"), "{e}");
        let e = parse("[floor]\n", "f").unwrap_err().to_string();
        assert!(e.contains("unknown section"), "{e}");
    }

    #[test]
    fn the_committed_floors_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("eval-floors.toml");
        let text = fs::read_to_string(&path).unwrap();
        let floors = parse(&text, "eval-floors.toml").unwrap();
        assert!(floors.len() >= 10, "{floors:?}");
    }
}
