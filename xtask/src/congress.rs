//! The US Congress positives, asked not only verbatim.
//!
//! `eval/positives_us_congress.csv` holds people who are on `us_congress_senzing.json`, written
//! exactly as the list writes them; screening those verbatim only proves that equal strings match.
//! So each person is asked in five forms, built by fixed rules written before looking at results:
//!
//! - `verbatim` — the row's name as given;
//! - `no_middle` — middle names and initials dropped (`Jennifer L. McClellan` → `Jennifer McClellan`);
//! - `surname_first` — the list style, surname first with a comma (`McClellan, Jennifer L.`);
//! - `upper_plain` — upper case without punctuation (`JENNIFER L MCCLELLAN`);
//! - `typo` — the two letters in the middle of the surname swapped (`McClellan` → `McCelllan`,
//!   `Duncan` → `Ducnan`), a keyboard slip.
//!
//! Every form carries the row's birth year. The expected record is the one whose name equals the
//! row's name; rows with no such record (people the file lacks) are counted and reported, not
//! dropped silently, and are not part of the recall figures. A form counts as found at rank 1 when
//! the expected record is first, and as alerted when the expected record itself is a match (an
//! alert on somebody else does not count).

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use crate::floors::Figures;
use crate::{csv_field, read_people, screen};

/// The forms, in report order.
const FORMS: [&str; 5] = [
    "verbatim",
    "no_middle",
    "surname_first",
    "upper_plain",
    "typo",
];

/// The form `form` of a name, or `None` when the rule does not apply (e.g. no middle name).
fn variant(name: &str, form: &str) -> Option<String> {
    let parts: Vec<&str> = name.split_whitespace().collect();
    match form {
        "verbatim" => Some(name.to_owned()),
        "no_middle" if parts.len() > 2 => Some(format!("{} {}", parts[0], parts[parts.len() - 1])),
        "surname_first" if parts.len() > 1 => Some(format!(
            "{}, {}",
            parts[parts.len() - 1],
            parts[..parts.len() - 1].join(" ")
        )),
        "upper_plain" => Some(
            name.chars()
                .filter(|c| c.is_alphanumeric() || c.is_whitespace())
                .collect::<String>()
                .to_uppercase(),
        ),
        "typo" => {
            let last = parts.last()?;
            let mut chars: Vec<char> = last.chars().collect();
            let i = (chars.len() / 2).checked_sub(1)?;
            if chars.len() < 4 || chars[i].to_lowercase().eq(chars[i + 1].to_lowercase()) {
                return None;
            }
            chars.swap(i, i + 1);
            let mut out: Vec<String> = parts[..parts.len() - 1]
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
            out.push(chars.into_iter().collect());
            Some(out.join(" "))
        }
        _ => None,
    }
}

/// Runs the congress evaluation and records its figures under `congress.<form>.*`.
pub fn run(bin: &Path, data: &Path, work: &Path, figures: &mut Figures) -> anyhow::Result<()> {
    let list = data.join("lists/opensanctions/us_congress_senzing.json");
    let people = read_people(&data.join("eval/positives_us_congress.csv"))?;
    let ids = crate::congress_ids(&list)?;
    let mut input = String::from("id,name,schema,birth_date\n");
    let mut asked: Vec<(&str, &Vec<String>)> = Vec::new();
    let mut unlisted = Vec::new();
    for p in &people {
        let Some(want) = ids.get(&p.name) else {
            unlisted.push(p.name.as_str());
            continue;
        };
        for form in FORMS {
            if let Some(q) = variant(&p.name, form) {
                input.push_str(&format!(
                    "{},{},Person,{}\n",
                    asked.len(),
                    csv_field(&q),
                    p.dob
                ));
                asked.push((form, want));
            }
        }
    }
    let path = work.join("congress.in.csv");
    fs::write(&path, input)?;
    let out = screen(
        bin,
        &path,
        &work.join("congress.out.jsonl"),
        &[list],
        &["--cutoff", "0", "--limit", "10"],
    )?;
    let mut tally: HashMap<&str, (usize, usize, usize)> = HashMap::new();
    for ((form, want), o) in asked.iter().zip(&out) {
        let matches = o["matches"].as_array().cloned().unwrap_or_default();
        let first = matches
            .first()
            .and_then(|m| m["entity_id"].as_str())
            .unwrap_or("");
        let alerted = matches
            .iter()
            .any(|m| m["match"] == true && want.iter().any(|w| m["entity_id"].as_str() == Some(w)));
        let t = tally.entry(form).or_default();
        t.0 += 1;
        t.1 += usize::from(want.iter().any(|w| w == first));
        t.2 += usize::from(alerted);
    }
    println!(
        "## positives_us_congress.csv vs us_congress_senzing.json ({} people; {} have no record on the file and are left out)\n",
        people.len(),
        unlisted.len()
    );
    println!("| form | n | recall@1 | expected record alerted |");
    println!("|---|---|---|---|");
    for form in FORMS {
        let (n, h1, al) = tally.get(form).copied().unwrap_or_default();
        let (r1, a) = (h1 as f64 / n.max(1) as f64, al as f64 / n.max(1) as f64);
        println!("| {form} | {n} | {r1:.4} | {:.2}% |", 100.0 * a);
        figures.put(format!("congress.{form}.recall_at_1"), r1);
        figures.put(format!("congress.{form}.alerted"), a);
    }
    println!("\nno record on the file: {}\n", unlisted.join(", "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::variant;

    #[test]
    fn the_forms_follow_their_rules() {
        let n = "Jennifer L. McClellan";
        assert_eq!(variant(n, "no_middle").unwrap(), "Jennifer McClellan");
        assert_eq!(
            variant(n, "surname_first").unwrap(),
            "McClellan, Jennifer L."
        );
        assert_eq!(variant(n, "upper_plain").unwrap(), "JENNIFER L MCCLELLAN");
        assert_eq!(variant(n, "typo").unwrap(), "Jennifer L. McCelllan");
        assert_eq!(variant("Jeff Duncan", "no_middle"), None);
        assert_eq!(variant("Jeff Duncan", "typo").unwrap(), "Jeff Ducnan");
    }
}
