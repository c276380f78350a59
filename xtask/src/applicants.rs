//! Issue 12's intake benchmark: `gen-applicants` writes a deterministic
//! applicants CSV (fixed seed) mixing people on no list (name parts from
//! the shared negatives set) with planted list entries and their variants
//! (names taken from the shared OFAC SDN list at run time — nothing from
//! the lists is committed); `bench-applicants` builds a store with the
//! full list set and an organiser, then times `cortina applicants import`
//! end to end (parse, screen, store, ledger, cases) and samples its peak
//! memory, and a re-run of the same file (the resume path).

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::{Rng, cortina_bin, csv_field, full_set, peak_kib, read_people, shared, work_dir};

/// Listed persons' names from the shared SDN file (individuals only).
fn listed_names(d: &Path) -> anyhow::Result<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(d.join("lists/ofac-sdn-2021/sdn.csv"))?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        if rec.get(2).map(str::trim) == Some("individual")
            && let Some(name) = rec.get(1)
        {
            // "LAST, First Middle" → "First Middle Last".
            let name = match name.split_once(", ") {
                Some((last, first)) => format!("{first} {last}"),
                None => name.to_owned(),
            };
            out.push(name);
        }
    }
    Ok(out)
}

fn variant(name: &str, rng: &mut Rng) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    match rng.below(4) {
        // As listed.
        0 => name.to_owned(),
        // Without a middle name.
        1 if words.len() > 2 => format!("{} {}", words[0], words[words.len() - 1]),
        // Surname first.
        2 if words.len() > 1 => format!(
            "{} {}",
            words[words.len() - 1],
            words[..words.len() - 1].join(" ")
        ),
        // One letter changed.
        _ => {
            let mut chars: Vec<char> = name.chars().collect();
            let i = 1 + rng.below(chars.len().saturating_sub(2).max(1));
            if chars.get(i).is_some_and(|c| c.is_alphabetic()) {
                chars[i] = if chars[i] == 'e' { 'a' } else { 'e' };
            }
            chars.into_iter().collect()
        }
    }
}

/// Writes `rows` applicants; about `planted` per thousand are listed
/// persons or variants of them.
pub fn gen_applicants(rows: usize, seed: u64, planted: usize, out: &Path) -> anyhow::Result<()> {
    let d = shared()?;
    let people = read_people(&d.join("eval/negatives_us.csv"))?;
    let (mut firsts, mut lasts) = (Vec::new(), Vec::new());
    for p in &people {
        let parts: Vec<&str> = p.name.split_whitespace().collect();
        if parts.len() >= 2 {
            firsts.push(parts[0].to_owned());
            lasts.push(parts[parts.len() - 1].to_owned());
        }
    }
    firsts.sort();
    firsts.dedup();
    lasts.sort();
    lasts.dedup();
    let listed = listed_names(&d)?;
    if firsts.is_empty() || listed.is_empty() {
        bail!("the shared negatives or SDN list are empty");
    }
    const COUNTRIES: [&str; 10] = [
        "IT", "US", "FR", "DE", "Spain", "GB", "CO", "MX", "RU", "UA",
    ];
    const CATEGORIES: [&str; 6] = [
        "athlete",
        "team_official",
        "media",
        "workforce",
        "volunteer",
        "contractor",
    ];
    const VENUES: [&str; 6] = [
        "san-siro",
        "arena-santa-giulia",
        "bormio",
        "livigno",
        "cortina",
        "tesero",
    ];
    let mut rng = Rng(seed);
    let mut s = String::with_capacity(rows * 120);
    s.push_str("reference,name,birth_date,nationality,document_type,document_number,category,venues,zones,valid_from,valid_until\n");
    for i in 0..rows {
        let name = if rng.below(1000) < planted {
            variant(&listed[rng.below(listed.len())], &mut rng)
        } else {
            let mut n = firsts[rng.below(firsts.len())].clone();
            if rng.below(4) == 0 {
                n.push(' ');
                n.push_str(&firsts[rng.below(firsts.len())]);
            }
            n.push(' ');
            n.push_str(&lasts[rng.below(lasts.len())]);
            n
        };
        // One row in 500 has a malformed birth date (still screened by name).
        let dob = if rng.below(500) == 0 {
            format!(
                "{}-{}-{}",
                1950 + rng.below(50),
                1 + rng.below(12),
                1 + rng.below(9)
            )
        } else {
            format!(
                "{}-{:02}-{:02}",
                1945 + rng.below(60),
                1 + rng.below(12),
                1 + rng.below(28)
            )
        };
        let from = 1 + rng.below(20);
        s.push_str(&format!(
            "MC26-{i:07},{},{dob},{},passport,P{:08},{},{},zone-{},2026-02-{from:02},2026-02-22\n",
            csv_field(&name),
            COUNTRIES[rng.below(COUNTRIES.len())],
            rng.next() % 100_000_000,
            CATEGORIES[rng.below(CATEGORIES.len())],
            VENUES[rng.below(VENUES.len())],
            1 + rng.below(3),
        ));
    }
    fs::write(out, s).with_context(|| out.display().to_string())?;
    Ok(())
}

fn run(bin: &Path, args: &[&str], data: &Path) -> anyhow::Result<String> {
    let out = Command::new(bin)
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        bail!("cortina {args:?} failed: {}", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs one timed import; returns (seconds, peak KiB, summary line).
fn timed_import(bin: &Path, input: &Path, data: &Path) -> anyhow::Result<(f64, u64, String)> {
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(["applicants", "import", "--as", "organiser", "--quiet"])
        .arg(input)
        .arg("--data-dir")
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Some(p) = peak_kib(pid) {
            peak = peak.max(p);
        }
        if child.try_wait()?.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output()?;
    let secs = t.elapsed().as_secs_f64();
    if !matches!(out.status.code(), Some(0 | 3)) {
        bail!("import failed: {}", out.status);
    }
    Ok((
        secs,
        peak,
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
    ))
}

/// `bench-applicants [--rows N]`; on PostgreSQL when `CORTINA_DATABASE_URL`
/// names an empty database (`scripts/with-postgres.sh sh -c
/// 'CORTINA_DATABASE_URL=$CORTINA_TEST_DATABASE_URL cargo xtask bench-applicants'`).
pub fn bench_applicants(rows: usize) -> anyhow::Result<()> {
    let d = shared()?;
    let bin = cortina_bin()?;
    let work = work_dir()?;
    let input = work.join(format!("applicants-{rows}.csv"));
    if !input.exists() {
        gen_applicants(rows, 2026, 5, &input)?;
    }
    let data = work.join("bench-applicants");
    let _ = fs::remove_dir_all(&data);
    // On PostgreSQL (`CORTINA_DATABASE_URL` names an empty database, which
    // every `cortina` run below inherits) the store exists as soon as the
    // URL is given, so the lists import is recorded: the store first.
    let postgres = std::env::var_os("CORTINA_DATABASE_URL").is_some();
    if postgres {
        run(&bin, &["admin", "init"], &data)?;
    }
    let mut import = Command::new(&bin);
    import.args(["lists", "import"]);
    if postgres {
        import.args(["--as", "admin"]);
    }
    import.args(full_set(&d)).arg("--data-dir").arg(&data);
    if !import.stderr(Stdio::null()).status()?.success() {
        bail!("lists import failed");
    }
    if !postgres {
        run(&bin, &["admin", "init"], &data)?;
    }
    let setup = work.join("bench-applicants-setup.jsonl");
    fs::write(
        &setup,
        concat!(
            r#"{"action":"agency.register","id":"toroc","name":"Milano Cortina 2026 accreditation","kind":"organiser","country":"IT"}"#,
            "\n",
            r#"{"action":"account.create","username":"organiser","role":"organiser","agency":"toroc"}"#,
            "\n"
        ),
    )?;
    run(
        &bin,
        &["exec", "--as", "admin", setup.to_str().context("path")?],
        &data,
    )?;
    // The admin proposes, the first commander (`admin init`'s) confirms.
    let confirm = work.join("bench-applicants-confirm.jsonl");
    fs::write(
        &confirm,
        concat!(
            r#"{"action":"account.confirm","proposal":"prop-organiser"}"#,
            "
"
        ),
    )?;
    run(
        &bin,
        &[
            "exec",
            "--as",
            "commander",
            confirm.to_str().context("path")?,
        ],
        &data,
    )?;
    let (secs, peak, summary) = timed_import(&bin, &input, &data)?;
    println!(
        "applicants import of {rows} rows: {secs:.1} s ({:.0} rows/s), peak RSS {} MiB\n  {summary}",
        rows as f64 / secs,
        peak / 1024
    );
    let (secs, peak, summary) = timed_import(&bin, &input, &data)?;
    println!(
        "re-run of the same file (resume path: everything unchanged): {secs:.1} s, peak RSS {} MiB\n  {summary}",
        peak / 1024
    );
    let db = data.join("cortina.db");
    if let Ok(meta) = fs::metadata(&db) {
        println!("store size: {} MiB", meta.len() / (1 << 20));
    }
    Ok(())
}

/// `bench-rescreen [--rows N]`: issue 12's list-change benchmark. On the
/// store `bench-applicants` builds (built first when missing), a new
/// snapshot adds 500 entities to the full list set — 100 of them named
/// after accredited applicants (so cases open), 400 invented — and
/// `cortina lists import` re-screens the applicants against the change;
/// then `cortina lists rescreen --since` runs the same delta again (the 100
/// are under review by then: searching without opening) — first with the
/// population's keys built from nothing, then three times as kept, then
/// three times over the whole population (`--population`, the same hits
/// without the keys) — and `cortina lists rescreen --full` searches every
/// applicant against every list.
pub fn bench_rescreen(rows: usize) -> anyhow::Result<()> {
    let d = shared()?;
    let bin = cortina_bin()?;
    let work = work_dir()?;
    let data = work.join("bench-applicants");
    let marker = data.join("bench-rows");
    if fs::read_to_string(&marker).ok().as_deref() != Some(&rows.to_string()) {
        bench_applicants(rows)?;
        fs::write(&marker, rows.to_string())?;
    }
    let input = work.join(format!("applicants-{rows}.csv"));
    let status = |data: &Path| -> anyhow::Result<String> {
        let out = run(&bin, &["lists", "status", "--json"], data)?;
        let v: serde_json::Value = serde_json::from_str(&out)?;
        Ok(v["snapshot"].as_str().unwrap_or_default().to_owned())
    };
    // The snapshot the store was built on: the delta re-screens compare with it.
    let base_file = data.join("bench-base-snapshot");
    let base = match fs::read_to_string(&base_file) {
        Ok(b) => b.trim().to_owned(),
        Err(_) => {
            let b = status(&data)?;
            fs::write(&base_file, &b)?;
            b
        }
    };
    let first = status(&data)? == base;
    // The change: 100 applicants (evenly spread) and 400 invented people.
    let mut reader = csv::Reader::from_path(&input)?;
    let step = (rows / 100).max(1);
    let mut change = String::new();
    let mut picked = 0;
    for (i, rec) in reader.records().enumerate() {
        let rec = rec?;
        if i % step != 0 || picked == 100 {
            continue;
        }
        let (name, dob) = (rec.get(1).unwrap_or(""), rec.get(2).unwrap_or(""));
        change.push_str(
            &serde_json::json!({
                "id": format!("bench-change-{picked}"), "schema": "Person",
                "properties": {"name": [name], "birthDate": [dob]}, "datasets": ["bench_change"]
            })
            .to_string(),
        );
        change.push('\n');
        picked += 1;
    }
    let mut rng = Rng(7);
    for i in 0..400 {
        let name = format!(
            "Zq{}x Vombrelli{}",
            rng.below(1_000_000),
            ["son", "ova", "ez", "ini"][rng.below(4)]
        );
        change.push_str(
            &serde_json::json!({
                "id": format!("bench-change-new-{i}"), "schema": "Person",
                "properties": {"name": [name]}, "datasets": ["bench_change"]
            })
            .to_string(),
        );
        change.push('\n');
    }
    let change_file = work.join("rescreen-change.json");
    fs::write(&change_file, change)?;

    if first {
        let t = Instant::now();
        let out = Command::new(&bin)
            .args(["lists", "import", "--as", "admin"])
            .args(full_set(&d))
            .arg(&change_file)
            .arg("--data-dir")
            .arg(&data)
            .stderr(Stdio::null())
            .output()?;
        if !out.status.success() {
            bail!("lists import of the change failed: {}", out.status);
        }
        println!(
            "lists import of the full set + 500 changed entities, with its delta re-screen: {:.1} s\n  {}",
            t.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.contains("re-screen"))
                .collect::<Vec<_>>()
                .join("\n  ")
        );
    } else {
        println!("the change is in the store already (an earlier run): only the re-runs follow");
    }
    let rescreen = |label: &str, args: &[&str]| -> anyhow::Result<()> {
        let t = Instant::now();
        let mut all = vec!["lists", "rescreen", "--as", "admin", "--json"];
        all.extend(args);
        let out = run(&bin, &all, &data)?;
        let r: serde_json::Value = serde_json::from_str(&out)?;
        let keys = if r["search"] == "reverse" {
            format!(
                ", keys {} ms ({} records read{}), candidates {} of {} ({} with a hit on their kept facts) in {} ms",
                r["keys_ms"],
                r["keys_read"],
                if r["keys_rebuilt"] == true {
                    ", rebuilt"
                } else {
                    ""
                },
                r["candidates"],
                r["keyed"],
                r["candidate_hits"],
                r["candidates_ms"]
            )
        } else {
            String::new()
        };
        println!(
            "{label}: {:.1} s wall (loading both snapshots included), re-screen {} ms (read {}, search {}, write {}{keys}): {} searched, {} hits, {} cases opened, {} under review",
            t.elapsed().as_secs_f64(),
            r["total_ms"],
            r["read_ms"],
            r["search_ms"],
            r["write_ms"],
            r["screened"],
            r["hits"],
            r["cases_opened"],
            r["under_review"]
        );
        Ok(())
    };
    // The population's keys from nothing (as on a store re-screened in
    // reverse for the first time), then as they are kept.
    let _ = fs::remove_file(data.join("rescreen-keys.bin"));
    rescreen(
        "delta in reverse, keys built from nothing (lists rescreen --since)",
        &["--since", base.as_str()],
    )?;
    for (label, args) in [
        (
            "delta in reverse (lists rescreen --since)",
            vec!["--since", base.as_str()],
        ),
        (
            "delta over the population (lists rescreen --since --population)",
            vec!["--since", base.as_str(), "--population"],
        ),
        ("full (lists rescreen --full)", vec!["--full"]),
    ] {
        for _ in 0..3 {
            rescreen(label, &args)?;
        }
    }
    Ok(())
}
