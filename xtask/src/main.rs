//! Project automation, run as `cargo xtask <command>`:
//!
//! - `eval` — the accuracy figures of issues 2 and 13 on the shared evaluation sets, through the
//!   real CLI (`cortina screen` and `cortina compare`), after converting each set to the CLI's
//!   input; exits non-zero when a figure is below its floor in `xtask/eval-floors.toml`
//!   (module `floors`); the congress set is asked in several forms (module `congress`);
//! - `gen-queries --rows N --seed S --out FILE` — distinct synthetic applicant rows for the speed
//!   benchmark (fixed seed: the same file every time, no repeated rows);
//! - `bench-batch [--rows N]` — the batch speed and peak memory of `cortina screen` on generated
//!   rows against the full list set, and the cold import + index build time;
//! - `gen-applicants --rows N [--seed S] [--planted P] --out FILE` and `bench-applicants
//!   [--rows N]` — issue 12's intake: a deterministic applicants CSV (P per thousand planted list
//!   entries and variants, names from the shared lists at run time) and the timed `cortina
//!   applicants import` end to end with its peak memory ([`applicants`]); on PostgreSQL when
//!   `CORTINA_DATABASE_URL` names an empty database;
//! - `bench-engine` — single-query latency percentiles inside the engine (no CLI, one thread);
//! - `bench-match --url URL --rate R --seconds S [--connections C] [--names FILE]` — an open-loop
//!   load generator for a running server's `/match` (fixed arrival rate, latency from each
//!   request's due time: stalls show in the tail; [`openloop`]); `scripts/bench-http.sh
//!   --open-loop RATE` sets up the server and runs it;
//! - `variants [--split tuning|heldout|both] [--per-kind N] [--seed S]` — our own variation
//!   evaluation with a tuning and a held-out split ([`variants`]);
//! - `pairs [--split tuning|heldout|both]` — labelled name pairs from the lists, scored by
//!   `cortina compare` and by nomenklatura's logic-v2 side by side, and the Arabic↔Latin pairs
//!   ([`pairs`]).
//!
//! The data sets live in `../shared/data` beside the project (or `$CORTINA_SHARED_DATA`); the
//! commands say so and stop when it is missing. `$CORTINA_BIN` runs an already built `cortina`
//! instead of building the release binary.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

mod applicants;
mod congress;
mod floors;
mod openloop;
mod pairs;
mod variants;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("eval") => eval(),
        Some("gen-queries") => {
            let rows: usize = flag("--rows").unwrap_or_else(|| "1000000".into()).parse()?;
            let seed: u64 = flag("--seed").unwrap_or_else(|| "2026".into()).parse()?;
            let out = PathBuf::from(flag("--out").context("--out FILE is required")?);
            gen_queries(rows, seed, &out)
        }
        Some("bench-batch") => {
            let rows: usize = flag("--rows").unwrap_or_else(|| "1000000".into()).parse()?;
            bench_batch(rows)
        }
        Some("bench-engine") => bench_engine(),
        Some("bench-match") => openloop::run(&args[1..]),
        Some("gen-applicants") => {
            let rows: usize = flag("--rows").unwrap_or_else(|| "1000000".into()).parse()?;
            let seed: u64 = flag("--seed").unwrap_or_else(|| "2026".into()).parse()?;
            let planted: usize = flag("--planted").unwrap_or_else(|| "5".into()).parse()?;
            let out = PathBuf::from(flag("--out").context("--out FILE is required")?);
            applicants::gen_applicants(rows, seed, planted, &out)
        }
        Some("bench-applicants") => {
            let rows: usize = flag("--rows").unwrap_or_else(|| "1000000".into()).parse()?;
            applicants::bench_applicants(rows)
        }
        Some("bench-rescreen") => {
            let rows: usize = flag("--rows").unwrap_or_else(|| "1000000".into()).parse()?;
            applicants::bench_rescreen(rows)
        }
        Some("variants") => variants::run(&args[1..]),
        Some("pairs") => pairs::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask (eval | gen-queries --rows N --seed S --out FILE | bench-batch [--rows N] | gen-applicants --rows N [--seed S] [--planted P] --out FILE | bench-applicants [--rows N] | bench-rescreen [--rows N] | bench-engine | bench-match --url URL [--rate R] [--seconds S] | variants [--split tuning|heldout|both] | pairs [--split tuning|heldout|both])"
            );
            std::process::exit(2);
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn shared() -> anyhow::Result<PathBuf> {
    let dir = std::env::var_os("CORTINA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data"));
    if !dir.join("eval").is_dir() {
        bail!(
            "the shared data sets are not at {} (set CORTINA_SHARED_DATA): nothing to evaluate",
            dir.display()
        );
    }
    Ok(dir)
}

fn work_dir() -> anyhow::Result<PathBuf> {
    let dir = root().join("target").join("xtask");
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Builds the release binary and returns its path; `$CORTINA_BIN` names an already built binary
/// instead (the figures do not depend on the build profile, only the time taken does).
fn cortina_bin() -> anyhow::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("CORTINA_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--package", "cortina"])
        .current_dir(root())
        .status()?;
    if !status.success() {
        bail!("building cortina failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    Ok(target.join("release").join("cortina"))
}

fn full_set(d: &Path) -> Vec<PathBuf> {
    let l = d.join("lists");
    vec![
        l.join("ofac-sdn-2021"),
        l.join("ofac-consolidated"),
        l.join("un"),
        l.join("us-csl"),
        l.join("opensanctions"),
    ]
}

/// Runs `cortina screen --input IN --output OUT` with extra arguments; returns the output rows.
fn screen(
    bin: &Path,
    input: &Path,
    output: &Path,
    lists: &[PathBuf],
    extra: &[&str],
) -> anyhow::Result<Vec<serde_json::Value>> {
    let mut cmd = Command::new(bin);
    cmd.arg("screen")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .arg("--lists")
        .args(lists)
        .args(extra)
        .stdout(Stdio::null());
    let status = cmd.status()?;
    if !status.success() {
        bail!("cortina screen failed ({status})");
    }
    let text = fs::read_to_string(output)?;
    text.lines()
        .map(|l| serde_json::from_str(l).context("bad output line"))
        .collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

struct Tally {
    n: usize,
    hit1: usize,
    hit10: usize,
    alerted: usize,
}

fn eval() -> anyhow::Result<()> {
    let d = shared()?;
    let bin = cortina_bin()?;
    let work = work_dir()?;
    println!("# cortina evaluation (default threshold; recall@k with --cutoff 0)\n");

    // 1. sdn_queries against the 2021 SDN list.
    let mut reader = csv::Reader::from_path(d.join("eval/sdn_queries.csv"))?;
    let mut rows = Vec::new();
    let mut input = String::from("id,name\n");
    for (i, r) in reader.records().enumerate() {
        let r = r?;
        let (name, uid, kind) = (
            r.get(0).unwrap_or(""),
            r.get(1).unwrap_or(""),
            r.get(2).unwrap_or(""),
        );
        input.push_str(&format!("{i},{}\n", csv_field(name)));
        rows.push((name.to_owned(), uid.to_owned(), kind.to_owned()));
    }
    let qpath = work.join("sdn_queries.in.csv");
    fs::write(&qpath, input)?;
    let lists = vec![d.join("lists/ofac-sdn-2021")];
    let out = screen(
        &bin,
        &qpath,
        &work.join("sdn_queries.out.jsonl"),
        &lists,
        &["--cutoff", "0", "--limit", "10"],
    )?;
    let mut by_kind: Vec<(String, Tally)> = Vec::new();
    let mut pos = Tally {
        n: 0,
        hit1: 0,
        hit10: 0,
        alerted: 0,
    };
    let mut misses = Vec::new();
    let mut figures = floors::Figures::default();
    for ((name, uid, kind), o) in rows.iter().zip(&out) {
        let matches = o["matches"].as_array().cloned().unwrap_or_default();
        // A positive alerts only when the expected entity itself is a match; a negative alerts
        // when anything is.
        let want = format!("ofac-{uid}");
        let alerted = matches
            .iter()
            .any(|m| m["match"] == true && (uid.is_empty() || m["entity_id"] == want.as_str()));
        let t = match by_kind.iter_mut().find(|(k, _)| k == kind) {
            Some((_, t)) => t,
            None => {
                by_kind.push((
                    kind.clone(),
                    Tally {
                        n: 0,
                        hit1: 0,
                        hit10: 0,
                        alerted: 0,
                    },
                ));
                &mut by_kind.last_mut().context("just pushed")?.1
            }
        };
        t.n += 1;
        t.alerted += usize::from(alerted);
        if !uid.is_empty() {
            let rank = matches.iter().position(|m| m["entity_id"] == want.as_str());
            let h1 = rank == Some(0);
            let h10 = rank.is_some();
            t.hit1 += usize::from(h1);
            t.hit10 += usize::from(h10);
            pos.n += 1;
            pos.hit1 += usize::from(h1);
            pos.hit10 += usize::from(h10);
            pos.alerted += usize::from(alerted);
            if !h1 || !alerted {
                let top = matches
                    .first()
                    .map(|m| format!("{} {}", m["entity_id"], m["score"]))
                    .unwrap_or_default();
                misses.push(format!("{kind:<14} {name:<40} want {want:<12} rank {rank:?} alerted {alerted} top {top}"));
            }
        }
    }
    println!(
        "## sdn_queries.csv vs ofac-sdn-2021 ({} queries)\n",
        rows.len()
    );
    println!(
        "(alerted: for positives, the expected entity is a match; for negatives, anything is)\n"
    );
    println!("| kind | n | recall@1 | recall@10 | alerted |");
    println!("|---|---|---|---|---|");
    for (k, t) in &by_kind {
        let n = t.n.max(1) as f64;
        figures.put(format!("sdn.{k}.alerted"), t.alerted as f64 / n);
        if t.hit10 == 0 && t.hit1 == 0 && k.starts_with("neg") {
            println!(
                "| {k} | {} | – | – | {:.2}% |",
                t.n,
                100.0 * t.alerted as f64 / t.n as f64
            );
        } else {
            figures.put(format!("sdn.{k}.recall_at_1"), t.hit1 as f64 / n);
            figures.put(format!("sdn.{k}.recall_at_10"), t.hit10 as f64 / n);
            println!(
                "| {k} | {} | {:.4} | {:.4} | {:.2}% |",
                t.n,
                t.hit1 as f64 / t.n as f64,
                t.hit10 as f64 / t.n as f64,
                100.0 * t.alerted as f64 / t.n as f64
            );
        }
    }
    println!(
        "| **all positives** | {} | **{:.4}** | **{:.4}** | **{:.2}%** |\n",
        pos.n,
        pos.hit1 as f64 / pos.n as f64,
        pos.hit10 as f64 / pos.n as f64,
        100.0 * pos.alerted as f64 / pos.n as f64
    );
    let n = pos.n.max(1) as f64;
    figures.put("sdn.all.recall_at_1", pos.hit1 as f64 / n);
    figures.put("sdn.all.recall_at_10", pos.hit10 as f64 / n);
    figures.put("sdn.all.alerted", pos.alerted as f64 / n);
    fs::write(work.join("sdn_queries.misses.txt"), misses.join("\n"))?;
    println!(
        "(misses listed in {})\n",
        work.join("sdn_queries.misses.txt").display()
    );

    // 2. negatives_us against the full set: with birth date, country and gender as given, and
    // with the name alone (what a screen without facts would alert on).
    let people = read_people(&d.join("eval/negatives_us.csv"))?;
    println!(
        "## negatives_us.csv vs the full set ({} people on no list)\n",
        people.len()
    );
    println!("| query | alerted | rate | row errors |");
    println!("|---|---|---|---|");
    let mut samples = Vec::new();
    for (label, key, with_facts) in [
        (
            "name, birth date, country, gender",
            "negatives.with_facts.alerted",
            true,
        ),
        ("name only", "negatives.name_only.alerted", false),
    ] {
        let npath = work.join(format!("negatives_us.{with_facts}.in.csv"));
        let csv = if with_facts {
            people_csv(&people)
        } else {
            names_csv(&people)
        };
        fs::write(&npath, csv)?;
        let out = screen(
            &bin,
            &npath,
            &work.join(format!("negatives_us.{with_facts}.out.jsonl")),
            &full_set(&d),
            &["--limit", "3"],
        )?;
        let alerted: Vec<&serde_json::Value> = out
            .iter()
            .filter(|o| {
                o["matches"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|m| m["match"] == true))
            })
            .collect();
        let errors = out.iter().filter(|o| o.get("error").is_some()).count();
        let rate = alerted.len() as f64 / people.len().max(1) as f64;
        figures.put(key, rate);
        figures.put(format!("{key}_row_errors"), errors as f64);
        println!(
            "| {label} | {} | {:.3}% | {errors} |",
            alerted.len(),
            100.0 * rate
        );
        samples.extend(alerted.iter().take(10).map(|o| {
            let m = &o["matches"][0];
            format!(
                "  {label}: row {} → {} {} ({})",
                o["id"], m["caption"], m["score"], m["entity_id"]
            )
        }));
    }
    println!("\n{}\n", samples.join("\n"));

    // 3. positives_us_congress against the US Congress list, in several forms.
    congress::run(&bin, &d, &work, &mut figures)?;

    // 4. cross-script pairs through `cortina compare`.
    let text = fs::read_to_string(d.join("eval/cross_script_pairs.csv"))?;
    let mut section = String::new();
    let mut pairs = Vec::new();
    let mut input = String::from("id,schema,left,right\n");
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("# ") {
            if h.contains("to Latin") {
                section = h.split(" (").next().unwrap_or(h).to_owned();
            }
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 3 || line.starts_with('#') {
            continue;
        }
        input.push_str(&format!(
            "{},Person,{},{}\n",
            pairs.len(),
            csv_field(f[0]),
            csv_field(f[1])
        ));
        pairs.push((section.clone(), f[0].to_owned(), f[1].to_owned()));
    }
    let cpath = work.join("cross.in.csv");
    let cout = work.join("cross.out.jsonl");
    fs::write(&cpath, input)?;
    let status = Command::new(&bin)
        .args(["compare", "--input"])
        .arg(&cpath)
        .arg("--output")
        .arg(&cout)
        .status()?;
    if !status.success() {
        bail!("cortina compare failed");
    }
    let results: Vec<serde_json::Value> = fs::read_to_string(&cout)?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    println!("## cross_script_pairs.csv with `cortina compare`\n");
    println!("| script | query | expected | score | match |");
    println!("|---|---|---|---|---|");
    let mut above = 0;
    for ((s, q, e), r) in pairs.iter().zip(&results) {
        let m = r["match"] == true;
        above += usize::from(m);
        println!(
            "| {s} | {q} | {e} | {} | {} |",
            r["score"],
            if m { "yes" } else { "no" }
        );
    }
    println!(
        "\n{above} of {} pairs at or above the default threshold\n",
        pairs.len()
    );
    figures.put("cross_script.matched", above as f64);

    floors::check(&root().join("xtask/eval-floors.toml"), &figures)
}

struct Person {
    name: String,
    gender: String,
    dob: String,
    nationality: String,
}

fn read_people(path: &Path) -> anyhow::Result<Vec<Person>> {
    let mut r = csv::Reader::from_path(path)?;
    let h = r.headers()?.clone();
    let col = |n: &str| h.iter().position(|x| x == n);
    let (cn, cg, cd, cc) = (
        col("full_name"),
        col("gender"),
        col("date_of_birth"),
        col("nationality"),
    );
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").to_owned();
        out.push(Person {
            name: get(cn),
            gender: get(cg),
            dob: get(cd),
            nationality: get(cc),
        });
    }
    Ok(out)
}

fn people_csv(people: &[Person]) -> String {
    let mut s = String::from("id,name,schema,birth_date,country,gender\n");
    for (i, p) in people.iter().enumerate() {
        let country = if watchlist::countries::to_code(&p.nationality).is_some() {
            p.nationality.as_str()
        } else {
            ""
        };
        s.push_str(&format!(
            "{i},{},Person,{},{},{}\n",
            csv_field(&p.name),
            p.dob,
            csv_field(country),
            p.gender
        ));
    }
    s
}

/// The people as name-only rows (no birth date, country or gender).
fn names_csv(people: &[Person]) -> String {
    let mut s = String::from("id,name,schema\n");
    for (i, p) in people.iter().enumerate() {
        s.push_str(&format!("{i},{},Person\n", csv_field(&p.name)));
    }
    s
}

fn congress_ids(path: &Path) -> anyhow::Result<HashMap<String, Vec<String>>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for line in fs::read_to_string(path)?.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let id = v["RECORD_ID"].as_str().unwrap_or("").to_owned();
        for n in v["NAMES"].as_array().into_iter().flatten() {
            if let Some(full) = n["NAME_FULL"].as_str() {
                out.entry(full.to_owned()).or_default().push(id.clone());
            }
        }
    }
    Ok(out)
}

/// splitmix64: a small, fixed, well-mixed generator (no dependency, same stream everywhere).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Writes `rows` distinct applicant rows. Name parts come from the shared people files when
/// present (realistic, common names), otherwise from syllables; dates and countries are random.
fn gen_queries(rows: usize, seed: u64, out: &Path) -> anyhow::Result<()> {
    let mut firsts: Vec<String> = Vec::new();
    let mut lasts: Vec<String> = Vec::new();
    if let Ok(d) = shared() {
        for p in read_people(&d.join("eval/negatives_us.csv"))? {
            let parts: Vec<&str> = p.name.split_whitespace().collect();
            if parts.len() >= 2 {
                firsts.push(parts[0].to_owned());
                lasts.push(parts[parts.len() - 1].to_owned());
            }
        }
    }
    let mut rng = Rng(seed);
    if firsts.is_empty() {
        const SYL: [&str; 24] = [
            "ka", "lo", "mi", "ran", "sa", "te", "vo", "ne", "li", "ma", "ro", "da", "ni", "el",
            "an", "to", "ri", "sha", "ber", "gu", "fa", "zo", "ly", "ken",
        ];
        for _ in 0..4000 {
            let n = 2 + rng.below(2);
            let w: String = (0..n).map(|_| SYL[rng.below(SYL.len())]).collect();
            if rng.below(2) == 0 {
                firsts.push(w)
            } else {
                lasts.push(w)
            }
        }
    }
    firsts.sort();
    firsts.dedup();
    lasts.sort();
    lasts.dedup();
    const COUNTRIES: [&str; 12] = [
        "IT", "US", "FR", "DE", "ES", "GB", "CO", "MX", "RU", "UA", "EG", "CN",
    ];
    let mut seen: HashSet<String> = HashSet::with_capacity(rows);
    let mut s = String::with_capacity(rows * 48);
    s.push_str("id,name,schema,birth_date,country\n");
    let mut i = 0;
    while i < rows {
        let mut name = firsts[rng.below(firsts.len())].clone();
        if rng.below(4) == 0 {
            name.push(' ');
            name.push_str(&firsts[rng.below(firsts.len())]);
        }
        name.push(' ');
        name.push_str(&lasts[rng.below(lasts.len())]);
        let dob = format!(
            "{}-{:02}-{:02}",
            1940 + rng.below(65),
            1 + rng.below(12),
            1 + rng.below(28)
        );
        let key = format!("{name}|{dob}");
        if !seen.insert(key) {
            continue;
        }
        let country = COUNTRIES[rng.below(COUNTRIES.len())];
        s.push_str(&format!(
            "q{i},{},Person,{dob},{country}\n",
            csv_field(&name)
        ));
        i += 1;
    }
    fs::write(out, s)?;
    println!(
        "{rows} distinct rows written to {} (seed {seed})",
        out.display()
    );
    Ok(())
}

/// Peak resident memory (VmHWM, KiB) of a running process, from /proc.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn bench_batch(rows: usize) -> anyhow::Result<()> {
    let d = shared()?;
    let bin = cortina_bin()?;
    let work = work_dir()?;
    let input = work.join(format!("queries-{rows}.csv"));
    if !input.exists() {
        gen_queries(rows, 2026, &input)?;
    }
    // Cold import + index build from the raw list files.
    let data = work.join("bench-data");
    let _ = fs::remove_dir_all(&data);
    let t = Instant::now();
    let status = Command::new(&bin)
        .args(["lists", "import"])
        .args(full_set(&d))
        .arg("--data-dir")
        .arg(&data)
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("import failed");
    }
    println!(
        "import + index build + store of the full set: {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let mut child = Command::new(&bin)
        .args(["screen", "--input"])
        .arg(&input)
        .args(["--output", "/dev/null", "--data-dir"])
        .arg(&data)
        .spawn()?;
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        if let Some(p) = peak_kib(pid) {
            peak = peak.max(p);
        }
        if let Some(s) = child.try_wait()? {
            break s;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if !status.success() {
        bail!("screen failed ({status})");
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "batch: {rows} rows in {secs:.2} s wall = {:.0} rows/s, peak RSS {:.0} MiB",
        rows as f64 / secs,
        peak as f64 / 1024.0
    );
    Ok(())
}

fn bench_engine() -> anyhow::Result<()> {
    let d = shared()?;
    let mut entities = Vec::new();
    let t = Instant::now();
    for dir in full_set(&d) {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let paths: Vec<PathBuf> = if dir.is_dir() {
            let mut v: Vec<PathBuf> = fs::read_dir(&dir)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            v.sort();
            v
        } else {
            vec![dir.clone()]
        };
        for p in paths {
            files.push((p.display().to_string(), fs::read(&p)?));
        }
        let sources: Vec<watchlist::SourceFile<'_>> = files
            .iter()
            .map(|(n, b)| watchlist::SourceFile::new(n, b))
            .collect();
        for i in watchlist::import_files(&sources, None, watchlist::Options::default())? {
            entities.extend(i.entities);
        }
    }
    let parsed = t.elapsed();
    let t = Instant::now();
    let index = screening::Index::build(entities);
    println!(
        "parse {:.0} ms, index build {:.0} ms: {} entities, {} name forms, {} tokens",
        parsed.as_secs_f64() * 1e3,
        t.elapsed().as_secs_f64() * 1e3,
        index.entities().len(),
        index.form_count(),
        index.token_count()
    );
    let mut queries: Vec<String> = read_people(&d.join("eval/negatives_us.csv"))?
        .into_iter()
        .map(|p| p.name)
        .take(20_000)
        .collect();
    let mut r = csv::Reader::from_path(d.join("eval/sdn_queries.csv"))?;
    for rec in r.records() {
        queries.push(rec?.get(0).unwrap_or("").to_owned());
    }
    let params = screening::Params::default();
    let mut times: Vec<f64> = Vec::with_capacity(queries.len());
    // Names written in Han characters (Chinese, Japanese, Korean), which also get their Korean
    // and Japanese readings: timed apart as well.
    let mut han_times: Vec<f64> = Vec::new();
    for q in &queries {
        let query = screening::Query::name(q.clone());
        let t = Instant::now();
        let r = index.search(&query, &params);
        let us = t.elapsed().as_secs_f64() * 1e6;
        times.push(us);
        if q.chars().any(screening::translit::is_han) {
            han_times.push(us);
        }
        std::hint::black_box(r);
    }
    for (what, times) in [
        ("single query", &mut times),
        ("  of which Han", &mut han_times),
    ] {
        if times.is_empty() {
            continue;
        }
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
        println!(
            "{what}, one thread, {} queries: p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.0} µs",
            times.len(),
            pct(0.5),
            pct(0.9),
            pct(0.99),
            pct(1.0)
        );
    }
    Ok(())
}
