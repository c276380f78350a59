//! `cargo xtask pairs`: labelled name pairs scored by cortina and by nomenklatura's logic-v2 side
//! by side (issue 13, item 3), and the Arabic↔Latin pairs (item 2).
//!
//! **List pairs.** Built from OFAC SDN 2021 and the UN list (persons and organisations; names in
//! Latin script only, so the UN's original-script names stay out): an entity's primary name and
//! one of its strong aliases are a *positive*; the primary names of two different entities of the
//! same list that share a word are a *negative* (pairs whose names are equal after folding case
//! are left out, as a list can carry one person twice); a person of `eval/negatives_us.csv` (on
//! no list) and a listed person sharing a word with them are a *negative*. Each pair falls in the
//! split of its (first) entity, as in [`crate::variants`].
//!
//! **Arabic↔Latin pairs.** From the English→Arabic name dictionary shipped in the PyPI package
//! `arabnamer` (CC-BY-4.0; exported by `scripts/arabnamer_dict.py` into `target/`): single names
//! and two-name combinations written in Arabic script against their English spelling are
//! positives; the same Arabic names against another entry's English spelling that starts with the
//! same letter are negatives. Split by a hash of the English spelling.
//!
//! Both sets go through `cortina compare` and through `scripts/nk_pairs.py` (nomenklatura's
//! `logic_v2`, installed by `scripts/pairs-setup.sh` into `target/nk`). Printed: F1 at each
//! matcher's default threshold and at its best threshold, per split. Options: `--engine` (score
//! in process instead of through the CLI), `--no-nomenklatura`, `--arabic-only`, `--reverse`
//! (the Arabic pairs with the Latin spelling as the query and the Arabic one as the list's
//! name), `--seed N`. cortina's tuning-split misses are written to `target/xtask/*.tuning-misses.txt`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use watchlist::{Entity, NameKind, Schema};

use crate::Rng;
use crate::variants::{Split, fnv, load_list, split_of};

/// One labelled pair.
struct Pair {
    id: String,
    schema: &'static str,
    left: String,
    right: String,
    label: bool,
    kind: &'static str,
    split: Split,
}

fn latin(s: &str) -> bool {
    s.chars().all(|c| !c.is_alphabetic() || (c as u32) < 0x0250)
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

fn schema_of(e: &Entity) -> Option<&'static str> {
    match e.schema {
        Schema::Person => Some("Person"),
        Schema::Organization | Schema::Company | Schema::LegalEntity => Some("Organization"),
        _ => None,
    }
}

fn list_pairs(lists: &[Vec<Entity>], people: &[crate::Person], seed: u64) -> Vec<Pair> {
    let mut out = Vec::new();
    for (li, list) in lists.iter().enumerate() {
        // Word → entities whose primary name has it (words of at most 200 entities: a word
        // that common is no evidence of a hard negative).
        let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in list.iter().enumerate() {
            if schema_of(e).is_none() {
                continue;
            }
            if let Some(n) = e.names.iter().find(|n| n.kind == NameKind::Primary) {
                let mut w = words(&n.full);
                w.sort();
                w.dedup();
                for w in w {
                    by_word.entry(w).or_default().push(i);
                }
            }
        }
        for (i, e) in list.iter().enumerate() {
            let Some(schema) = schema_of(e) else { continue };
            let Some(primary) = e.names.iter().find(|n| n.kind == NameKind::Primary) else {
                continue;
            };
            if !latin(&primary.full) {
                continue;
            }
            let mut rng = Rng(fnv(&format!("{seed}/pairs/{}", e.id)));
            let split = split_of(&e.id);
            let aliases: Vec<&str> = e
                .names
                .iter()
                .filter(|n| {
                    n.kind == NameKind::Alias
                        && latin(&n.full)
                        && n.full.to_lowercase() != primary.full.to_lowercase()
                })
                .map(|n| n.full.as_str())
                .collect();
            if !aliases.is_empty() {
                out.push(Pair {
                    id: format!("pos-{}", e.id),
                    schema,
                    left: aliases[rng.below(aliases.len())].to_owned(),
                    right: primary.full.clone(),
                    label: true,
                    kind: "alias",
                    split,
                });
            }
            // A different entity of the same list sharing a word.
            let ws = words(&primary.full);
            let mut others: Vec<usize> = ws
                .iter()
                .filter_map(|w| by_word.get(w))
                .filter(|v| v.len() <= 200)
                .flatten()
                .copied()
                .filter(|&j| j != i && schema_of(&list[j]) == Some(schema))
                .collect();
            others.sort_unstable();
            others.dedup();
            if others.is_empty() {
                continue;
            }
            let o = &list[others[rng.below(others.len())]];
            let Some(on) = o.names.iter().find(|n| n.kind == NameKind::Primary) else {
                continue;
            };
            if on.full.to_lowercase() == primary.full.to_lowercase() || !latin(&on.full) {
                continue;
            }
            out.push(Pair {
                id: format!("neg-{li}-{}-{}", e.id, o.id),
                schema,
                left: on.full.clone(),
                right: primary.full.clone(),
                label: false,
                kind: "other_entity",
                split,
            });
        }
        // People on no list against a listed person sharing a word.
        if li == 0 {
            let mut rng = Rng(seed ^ 0x5eed);
            let mut n = 0;
            for (pi, p) in people.iter().enumerate() {
                if n >= 2500 {
                    break;
                }
                if rng.below(10) != 0 {
                    continue;
                }
                let cands: Vec<usize> = words(&p.name)
                    .iter()
                    .filter_map(|w| by_word.get(w))
                    .flatten()
                    .copied()
                    .filter(|&j| list[j].schema == Schema::Person)
                    .collect();
                if cands.is_empty() {
                    continue;
                }
                let e = &list[cands[rng.below(cands.len())]];
                let Some(en) = e.names.iter().find(|n| n.kind == NameKind::Primary) else {
                    continue;
                };
                out.push(Pair {
                    id: format!("negpeople-{pi}-{}", e.id),
                    schema: "Person",
                    left: p.name.clone(),
                    right: en.full.clone(),
                    label: false,
                    kind: "no_list_person",
                    split: split_of(&e.id),
                });
                n += 1;
            }
        }
    }
    out
}

fn arabic_pairs(dict: &[(String, String)], seed: u64) -> Vec<Pair> {
    let mut out = Vec::new();
    let mut by_initial: HashMap<char, Vec<usize>> = HashMap::new();
    for (i, (en, _)) in dict.iter().enumerate() {
        if let Some(c) = en.chars().next() {
            by_initial
                .entry(c.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
    }
    let mut rng = Rng(seed ^ 0xa4ab);
    for (i, (en, ar)) in dict.iter().enumerate() {
        let split = split_of(&en.to_lowercase());
        // Single names, and with a second entry of the same split as a two-part name.
        let (left, right, id) = if rng.below(2) == 0 {
            (ar.clone(), en.clone(), format!("ar-{i}"))
        } else {
            let j = rng.below(dict.len());
            if split_of(&dict[j].0.to_lowercase()) != split || j == i {
                (ar.clone(), en.clone(), format!("ar-{i}"))
            } else {
                (
                    format!("{ar} {}", dict[j].1),
                    format!("{en} {}", dict[j].0),
                    format!("ar-{i}-{j}"),
                )
            }
        };
        // A negative: the same Arabic against another name with the same initial.
        let first = en.chars().next().map(|c| c.to_ascii_lowercase());
        let same = first
            .and_then(|c| by_initial.get(&c))
            .cloned()
            .unwrap_or_default();
        if !same.is_empty() {
            let k = same[rng.below(same.len())];
            let other = &dict[k].0;
            if other.to_lowercase() != en.to_lowercase() && dict[k].1 != *ar {
                let neg_right = right.replacen(en.as_str(), other, 1);
                out.push(Pair {
                    id: format!("{id}-neg"),
                    schema: "Person",
                    left: left.clone(),
                    right: neg_right,
                    label: false,
                    kind: "arabic_other",
                    split,
                });
            }
        }
        out.push(Pair {
            id,
            schema: "Person",
            left,
            right,
            label: true,
            kind: "arabic_same",
            split,
        });
    }
    out
}

fn write_csv(path: &Path, pairs: &[Pair]) -> anyhow::Result<()> {
    let mut s = String::from("id,schema,left,right,label,kind,split\n");
    for p in pairs {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{}",
            p.id,
            p.schema,
            crate::csv_field(&p.left),
            crate::csv_field(&p.right),
            u8::from(p.label),
            p.kind,
            match p.split {
                Split::Tuning => "tuning",
                Split::HeldOut => "heldout",
            }
        );
    }
    fs::write(path, s)?;
    Ok(())
}

/// Reads JSON lines of `{"id", "score"}` into a map. Where a line also says `match` (cortina's
/// decision at its threshold, taken on the unrounded score), the score is nudged by less than the
/// rounding step to the side of the threshold the engine decided, so that a score printed as
/// 0.8000 counts as an alert exactly when the engine called it one.
fn read_scores(path: &Path, threshold: f64) -> anyhow::Result<HashMap<String, f64>> {
    let mut out = HashMap::new();
    for (n, line) in fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))?
        .lines()
        .enumerate()
    {
        let v: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("{}:{}", path.display(), n + 1))?;
        let id = v["id"].as_str().unwrap_or("").to_owned();
        let mut score = v["score"].as_f64().unwrap_or(0.0);
        match v["match"].as_bool() {
            Some(true) if score < threshold => score = threshold,
            Some(false) if score >= threshold => score = threshold - 1e-9,
            _ => {}
        }
        out.insert(id, score);
    }
    Ok(out)
}

/// (precision, recall, F1) at threshold `t`.
fn prf(scored: &[(f64, bool)], t: f64) -> (f64, f64, f64) {
    let tp = scored.iter().filter(|(s, l)| *l && *s >= t).count() as f64;
    let fp = scored.iter().filter(|(s, l)| !*l && *s >= t).count() as f64;
    let pos = scored.iter().filter(|(_, l)| *l).count() as f64;
    let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let r = if pos > 0.0 { tp / pos } else { 0.0 };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

fn best_f1(scored: &[(f64, bool)]) -> (f64, f64) {
    let mut ts: Vec<f64> = scored.iter().map(|s| s.0).collect();
    ts.sort_by(f64::total_cmp);
    ts.dedup();
    let mut best = (0.0, 0.0);
    for t in ts {
        let f = prf(scored, t).2;
        if f > best.1 {
            best = (t, f);
        }
    }
    best
}

fn report(title: &str, pairs: &[Pair], matchers: &[(&str, &HashMap<String, f64>, f64)]) {
    println!("## {title}\n");
    println!(
        "| split | matcher | pairs (pos/neg) | P @ default | R @ default | F1 @ default | best threshold | F1 @ best |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for split in [Split::Tuning, Split::HeldOut] {
        let ps: Vec<&Pair> = pairs.iter().filter(|p| p.split == split).collect();
        if ps.is_empty() {
            continue;
        }
        let npos = ps.iter().filter(|p| p.label).count();
        for (name, scores, default) in matchers {
            let scored: Vec<(f64, bool)> = ps
                .iter()
                .map(|p| (scores.get(&p.id).copied().unwrap_or(0.0), p.label))
                .collect();
            let (p, r, f) = prf(&scored, *default);
            let (bt, bf) = best_f1(&scored);
            println!(
                "| {} | {name} | {}/{} | {p:.4} | {r:.4} | **{f:.4}** | {bt:.3} | **{bf:.4}** |",
                match split {
                    Split::Tuning => "tuning",
                    Split::HeldOut => "held-out",
                },
                npos,
                ps.len() - npos
            );
        }
    }
    println!();
}

fn per_kind(pairs: &[Pair], scores: &HashMap<String, f64>, t: f64, name: &str) {
    let mut kinds: Vec<&str> = pairs.iter().map(|p| p.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut line = format!("{name} at {t}:");
    for k in kinds {
        let v: Vec<&Pair> = pairs.iter().filter(|p| p.kind == k).collect();
        let above = v
            .iter()
            .filter(|p| scores.get(&p.id).copied().unwrap_or(0.0) >= t)
            .count();
        let _ = write!(
            line,
            " {k} {above}/{} ({:.1}%);",
            v.len(),
            100.0 * above as f64 / v.len().max(1) as f64
        );
    }
    println!("{line}\n");
}

/// Writes cortina's misses of the tuning split at its default threshold, to read while tuning
/// (never the held-out split's).
fn write_tuning_misses(
    pairs: &[Pair],
    cs: &HashMap<String, f64>,
    path: &Path,
) -> anyhow::Result<()> {
    let mut misses = String::new();
    for p in pairs.iter().filter(|p| p.split == Split::Tuning) {
        let sc = cs.get(&p.id).copied().unwrap_or(0.0);
        if p.label != (sc >= f64::from(screening::DEFAULT_THRESHOLD)) {
            let _ = writeln!(
                misses,
                "{} {:.3}\t{}\t{}\t{}",
                u8::from(p.label),
                sc,
                p.kind,
                p.left,
                p.right
            );
        }
    }
    fs::write(path, misses)?;
    Ok(())
}

fn cortina_compare(bin: &Path, input: &Path, output: &Path) -> anyhow::Result<()> {
    let status = Command::new(bin)
        .args(["compare", "--input"])
        .arg(input)
        .arg("--output")
        .arg(output)
        .status()?;
    // Exit code 3 (row errors) still wrote every other row.
    if !status.success() && status.code() != Some(3) {
        bail!("cortina compare failed ({status})");
    }
    Ok(())
}

/// Scores the pairs inside this process the way `cortina compare` does (a one-entity index of the
/// right-hand name, the left-hand name as the query, the pair's schema): for quick iterations
/// (`--engine`), without building the CLI.
fn engine_compare(pairs: &[Pair]) -> HashMap<String, f64> {
    let params = screening::Params {
        cutoff: 0.0,
        limit: 1,
        ..screening::Params::default()
    };
    pairs
        .iter()
        .map(|p| {
            let schema = Schema::parse(p.schema).unwrap_or(Schema::LegalEntity);
            let mut e = Entity::new("right", schema, "compare");
            e.add_name(&p.right, NameKind::Primary);
            let index = screening::Index::build(vec![e]);
            let mut q = screening::Query::name(p.left.clone());
            q.schema = Some(schema);
            let score = index
                .search(&q, &params)
                .first()
                .map_or(0.0, |m| f64::from(m.score));
            // Unrounded: the engine decides on this score (see `read_scores`).
            (p.id.clone(), score)
        })
        .collect()
}

fn nk_compare(root: &Path, input: &Path, output: &Path) -> anyhow::Result<bool> {
    let py = root.join("target/nk/bin/python3");
    if !py.exists() {
        println!(
            "nomenklatura is not installed: run scripts/pairs-setup.sh (a venv under target/nk)\n"
        );
        return Ok(false);
    }
    let status = Command::new(py)
        .arg(root.join("scripts/nk_pairs.py"))
        .arg(input)
        .arg(output)
        .status()?;
    if !status.success() {
        bail!("scripts/nk_pairs.py failed ({status})");
    }
    Ok(true)
}

/// Runs both pair evaluations.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let seed: u64 = args
        .iter()
        .position(|a| a == "--seed")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(13), |s| s.parse())?;
    let only_arabic = args.iter().any(|a| a == "--arabic-only");
    let skip_nk = args.iter().any(|a| a == "--no-nomenklatura");
    let d = crate::shared()?;
    let root = crate::root();
    let in_process = args.iter().any(|a| a == "--engine");
    let bin = if in_process {
        PathBuf::new()
    } else {
        crate::cortina_bin()?
    };
    let work = crate::work_dir()?;

    println!("# labelled pairs: cortina compare vs nomenklatura logic-v2 (seed {seed})\n");
    if !only_arabic {
        let lists = vec![
            load_list(&d.join("lists/ofac-sdn-2021"))?,
            load_list(&d.join("lists/un"))?,
        ];
        let people = crate::read_people(&d.join("eval/negatives_us.csv"))?;
        let pairs = list_pairs(&lists, &people, seed);
        let input = work.join("pairs.csv");
        write_csv(&input, &pairs)?;
        let cs = if in_process {
            engine_compare(&pairs)
        } else {
            let cout = work.join("pairs.cortina.jsonl");
            cortina_compare(&bin, &input, &cout)?;
            read_scores(&cout, f64::from(screening::DEFAULT_THRESHOLD))?
        };
        let nout = work.join("pairs.nk.jsonl");
        let ns = if !skip_nk && nk_compare(&root, &input, &nout)? {
            Some(read_scores(&nout, NK_THRESHOLD)?)
        } else {
            None
        };
        let mut m: Vec<(&str, &HashMap<String, f64>, f64)> =
            vec![("cortina", &cs, f64::from(screening::DEFAULT_THRESHOLD))];
        if let Some(ns) = &ns {
            m.push(("nomenklatura logic-v2", ns, NK_THRESHOLD));
        }
        report(
            "pairs from the lists (OFAC SDN 2021 + UN; negatives_us people)",
            &pairs,
            &m,
        );
        per_kind(
            &pairs,
            &cs,
            f64::from(screening::DEFAULT_THRESHOLD),
            "cortina",
        );
        if let Some(ns) = &ns {
            per_kind(&pairs, ns, NK_THRESHOLD, "logic-v2");
        }
        write_tuning_misses(&pairs, &cs, &work.join("pairs.tuning-misses.txt"))?;
    }

    let dict_path = work.join("arabnamer_pairs.csv");
    let py = root.join("target/nk/bin/python3");
    if py.exists() {
        let status = Command::new(&py)
            .arg(root.join("scripts/arabnamer_dict.py"))
            .arg(&dict_path)
            .status()?;
        if !status.success() {
            bail!("scripts/arabnamer_dict.py failed ({status})");
        }
    }
    if !dict_path.exists() {
        println!("the arabnamer dictionary is not installed: run scripts/pairs-setup.sh\n");
        return Ok(());
    }
    let mut dict = Vec::new();
    let mut r = csv::Reader::from_path(&dict_path)?;
    for rec in r.records() {
        let rec = rec?;
        let (en, ar) = (rec.get(0).unwrap_or(""), rec.get(1).unwrap_or(""));
        if !en.is_empty() && !ar.is_empty() {
            dict.push((en.to_owned(), ar.to_owned()));
        }
    }
    let mut pairs = arabic_pairs(&dict, seed);
    // `--reverse`: the Latin spelling is the query and the Arabic one the list's name (the UN
    // list carries names in Arabic script).
    let reverse = args.iter().any(|a| a == "--reverse");
    if reverse {
        for p in &mut pairs {
            std::mem::swap(&mut p.left, &mut p.right);
        }
    }
    let input = work.join("arabic_pairs.csv");
    write_csv(&input, &pairs)?;
    let cs = if in_process {
        engine_compare(&pairs)
    } else {
        let cout = work.join("arabic_pairs.cortina.jsonl");
        cortina_compare(&bin, &input, &cout)?;
        read_scores(&cout, f64::from(screening::DEFAULT_THRESHOLD))?
    };
    let nout = work.join("arabic_pairs.nk.jsonl");
    let ns = if !skip_nk && nk_compare(&root, &input, &nout)? {
        Some(read_scores(&nout, NK_THRESHOLD)?)
    } else {
        None
    };
    write_tuning_misses(&pairs, &cs, &work.join("arabic_pairs.tuning-misses.txt"))?;
    let mut m: Vec<(&str, &HashMap<String, f64>, f64)> =
        vec![("cortina", &cs, f64::from(screening::DEFAULT_THRESHOLD))];
    if let Some(ns) = &ns {
        m.push(("nomenklatura logic-v2", ns, NK_THRESHOLD));
    }
    report(
        &format!(
            "Arabic↔Latin pairs from the arabnamer dictionary ({} entries, CC-BY-4.0), {}",
            dict.len(),
            if reverse {
                "Latin query, Arabic list name (--reverse)"
            } else {
                "Arabic query, Latin list name"
            }
        ),
        &pairs,
        &m,
    );
    per_kind(
        &pairs,
        &cs,
        f64::from(screening::DEFAULT_THRESHOLD),
        "cortina",
    );
    if let Some(ns) = &ns {
        per_kind(&pairs, ns, NK_THRESHOLD, "logic-v2");
    }
    Ok(())
}

/// The default match threshold of nomenklatura's logic-v2 (see `scripts/nk_pairs.py`).
const NK_THRESHOLD: f64 = 0.7;
