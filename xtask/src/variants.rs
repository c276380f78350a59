//! `cargo xtask variants`: an evaluation of our own, on kinds of name variation the shared dev set
//! does not sample (issue 13, item 1).
//!
//! From the primary names of the list entities (OFAC SDN 2021 and the UN list; persons and
//! organisations, not vessels or aircraft) it generates queries with one kind of variation each —
//! initials, abbreviations, truncated given names, nicknames, compounds joined or split,
//! particles and honorifics present or absent, punctuation, OCR and keyboard errors, missing and
//! extra name parts, patronymics, diacritics, alternative romanisations — with a fixed seed, and
//! splits them by a hash of the entity id into a **tuning** split and a **held-out** split. Each
//! query is screened (name only, default parameters) against the list its entity came from; a
//! query is found at rank r when r results score strictly higher than the expected entity (ties
//! with another entity of the same name are not held against the engine), and *alerts* when the
//! expected entity's own score reaches the default threshold. False alerts are counted on the
//! 50,000 people of `eval/negatives_us.csv` against the full set and on the dev set's `neg_hard`
//! rows against SDN 2021.
//!
//! The generator was written before any result was looked at; the rules are general (they do not
//! know any particular list name). Nicknames come from the `nicknames` dataset (Apache-2.0), read
//! from the Python package under `target/nk` when it is installed (`scripts/pairs-setup.sh`);
//! without it that kind is skipped, and says so. Tuning looks only at `--split tuning`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use screening::{Index, Params, Query};
use watchlist::{Entity, Gender, NameKind, PartialDate, Schema};

use crate::Rng;

/// Which half of the entities a query belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Split {
    /// The half constants may be tuned on.
    Tuning,
    /// The half nobody looks at while tuning.
    HeldOut,
}

impl Split {
    fn as_str(self) -> &'static str {
        match self {
            Split::Tuning => "tuning",
            Split::HeldOut => "held-out",
        }
    }
}

/// FNV-1a: a fixed, dependency-free hash of an id, so the split never changes.
pub fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The split of an entity (or any other item) id: a fixed half by hash.
pub fn split_of(id: &str) -> Split {
    if fnv(id).is_multiple_of(2) {
        Split::Tuning
    } else {
        Split::HeldOut
    }
}

/// Reads every file of a list folder (or one file) and returns its entities.
pub fn load_list(path: &Path) -> anyhow::Result<Vec<Entity>> {
    let paths: Vec<PathBuf> = if path.is_dir() {
        let mut v: Vec<PathBuf> = fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        v.sort();
        v
    } else {
        vec![path.to_path_buf()]
    };
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for p in paths {
        files.push((p.display().to_string(), fs::read(&p)?));
    }
    let sources: Vec<watchlist::SourceFile<'_>> = files
        .iter()
        .map(|(n, b)| watchlist::SourceFile::new(n, b))
        .collect();
    let mut out = Vec::new();
    for i in watchlist::import_files(&sources, None, watchlist::Options::default())? {
        out.extend(i.entities);
    }
    Ok(out)
}

/// The kinds of variation, in report order.
pub const KINDS: &[&str] = &[
    "initials",
    "abbreviation",
    "truncated",
    "nickname",
    "compound",
    "particle",
    "honorific",
    "punctuation",
    "ocr",
    "keyboard",
    "missing_part",
    "extra_part",
    "patronymic",
    "diacritics",
    "romanisation",
];

/// A name split into given names and surname parts (natural order: given first).
#[derive(Clone, Debug)]
pub struct Parts {
    /// Given names (may be empty for organisations).
    pub given: Vec<String>,
    /// Surname parts, or all words of an organisation's name.
    pub surname: Vec<String>,
}

impl Parts {
    fn words(&self) -> Vec<String> {
        self.given.iter().chain(&self.surname).cloned().collect()
    }
}

fn title(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    let mut start = true;
    for c in w.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphanumeric() && c != '\'';
    }
    out
}

/// Splits a published name into parts. OFAC writes `SURNAME, Given Names`; other names are taken
/// as natural order with the last word the surname.
pub fn parts_of(name: &str, person: bool) -> Option<Parts> {
    let clean = |s: &str| -> Vec<String> { s.split_whitespace().map(title).collect() };
    if !person {
        let w = clean(name);
        return (!w.is_empty()).then_some(Parts {
            given: Vec::new(),
            surname: w,
        });
    }
    let (given, surname) = match name.split_once(',') {
        Some((s, g)) => (clean(g), clean(s)),
        None => {
            let mut w = clean(name);
            let last = w.pop()?;
            (w, vec![last])
        }
    };
    if given.is_empty() || surname.is_empty() {
        return None;
    }
    Some(Parts { given, surname })
}

/// General word lists used by the generator (not names of anyone on a list).
const PARTICLES: &[&str] = &[
    "al", "el", "bin", "ibn", "ben", "bint", "abu", "abou", "de", "del", "da", "di", "dos", "du",
    "van", "von", "der", "la", "le",
];
const HONORIFICS: &[&str] = &[
    "Haji", "Sheikh", "Mullah", "Dr.", "Mr.", "General", "Maulana", "Sayed", "Hajji", "Shaykh",
];
const ORG_WORDS: &[&str] = &[
    "Group",
    "International",
    "Holding",
    "Trading",
    "Company",
    "Enterprises",
    "General",
];
const OCR: &[(&str, &str)] = &[
    ("rn", "m"),
    ("m", "rn"),
    ("l", "1"),
    ("i", "l"),
    ("o", "0"),
    ("e", "c"),
    ("c", "e"),
    ("cl", "d"),
    ("d", "cl"),
    ("h", "b"),
    ("u", "v"),
    ("w", "vv"),
    ("s", "5"),
    ("b", "8"),
    ("g", "q"),
    ("n", "h"),
];
const ROMANISATION: &[(&str, &str)] = &[
    ("ou", "u"),
    ("u", "ou"),
    ("oo", "u"),
    ("ee", "i"),
    ("i", "ee"),
    ("q", "k"),
    ("k", "q"),
    ("j", "dj"),
    ("j", "zh"),
    ("dh", "z"),
    ("th", "s"),
    ("sh", "ch"),
    ("sh", "sch"),
    ("ch", "tch"),
    ("y", "j"),
    ("w", "v"),
    ("v", "w"),
    ("ph", "f"),
    ("x", "ks"),
    ("ks", "x"),
    ("iy", "i"),
    ("ei", "ai"),
    ("ai", "ay"),
    ("ay", "ai"),
    ("a", "e"),
    ("e", "a"),
    ("ss", "s"),
    ("s", "ss"),
    ("ll", "l"),
    ("ov", "off"),
    ("ev", "eff"),
    ("sky", "ski"),
    ("ya", "ia"),
    ("yu", "iu"),
    ("ie", "ye"),
    ("mu", "mo"),
    ("o", "u"),
    ("u", "o"),
    ("kh", "h"),
    ("g", "j"),
];
const KEYBOARD: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
const DIACRITICS: &[(char, &[char])] = &[
    ('a', &['á', 'à', 'ä', 'â', 'ã']),
    ('e', &['é', 'è', 'ë', 'ê']),
    ('i', &['í', 'ï', 'î']),
    ('o', &['ó', 'ö', 'ô', 'õ']),
    ('u', &['ú', 'ü', 'û']),
    ('n', &['ñ']),
    ('c', &['ç', 'č']),
    ('s', &['ş', 'š']),
    ('z', &['ž']),
    ('g', &['ğ']),
];
const SLAVIC_ENDINGS: &[&str] = &["ov", "ev", "in", "ova", "eva", "ina", "sky", "skiy", "enko"];
const PATRONYMIC_ENDINGS: &[&str] = &["ovich", "evich", "ovna", "evna", "ogly", "oglu", "ovych"];

/// Data the generator draws on besides the name itself.
pub struct Pools {
    /// Given names of people on no list (for extra name parts).
    pub given: Vec<String>,
    /// Lower-case formal given name → nicknames (from the `nicknames` dataset).
    pub nicknames: HashMap<String, Vec<String>>,
}

fn pick<'a, T>(rng: &mut Rng, v: &'a [T]) -> Option<&'a T> {
    if v.is_empty() {
        None
    } else {
        Some(&v[rng.below(v.len())])
    }
}

fn letters(w: &str) -> usize {
    w.chars().filter(|c| c.is_alphabetic()).count()
}

/// Replaces one occurrence (chosen at random) of `from` in `w` (case-insensitively) by `to`.
fn replace_one(rng: &mut Rng, w: &str, from: &str, to: &str) -> Option<String> {
    let lower = w.to_lowercase();
    if lower.len() != w.len() {
        return None;
    }
    let hits: Vec<usize> = lower.match_indices(from).map(|(i, _)| i).collect();
    let &at = pick(rng, &hits)?;
    let upper_first = at == 0 && w.chars().next().is_some_and(char::is_uppercase);
    let mut rep = to.to_owned();
    if upper_first {
        rep = title(&rep);
    }
    Some(format!("{}{}{}", &w[..at], rep, &w[at + from.len()..]))
}

fn join(words: &[String]) -> String {
    words.join(" ")
}

/// One variant of `kind` of a name, or `None` when the kind does not apply to it.
pub fn variant(
    kind: &str,
    p: &Parts,
    person: bool,
    rng: &mut Rng,
    pools: &Pools,
) -> Option<String> {
    let words = p.words();
    let out = match kind {
        "initials" if person => {
            let mut g = p.given.clone();
            let initial = |w: &str| -> String {
                let c: String = w.chars().take(1).collect();
                format!("{c}.")
            };
            match rng.below(3) {
                0 => g[0] = initial(&g[0]),
                1 => g.iter_mut().for_each(|w| *w = initial(w)),
                _ => {
                    if g.len() < 2 {
                        return None;
                    }
                    for w in g.iter_mut().skip(1) {
                        *w = initial(w);
                    }
                }
            }
            format!("{} {}", join(&g), join(&p.surname))
        }
        "abbreviation" if !person => {
            let long: Vec<usize> = (0..words.len())
                .filter(|&i| letters(&words[i]) >= 6 && words[i].chars().all(char::is_alphabetic))
                .collect();
            let &i = pick(rng, &long)?;
            let mut w = words.clone();
            let keep = 3 + rng.below(2);
            w[i] = format!("{}.", w[i].chars().take(keep).collect::<String>());
            join(&w)
        }
        "truncated" => {
            let full = join(&words);
            if rng.below(2) == 0 && full.chars().count() > 24 {
                // A fixed-width field cut the name.
                full.chars().take(20).collect::<String>().trim().to_owned()
            } else {
                if !person {
                    return None;
                }
                let long: Vec<usize> = (0..p.given.len())
                    .filter(|&i| letters(&p.given[i]) >= 6)
                    .collect();
                let &i = pick(rng, &long)?;
                let mut g = p.given.clone();
                let n = g[i].chars().count();
                let keep = (n / 2).max(3) + rng.below(2);
                g[i] = g[i].chars().take(keep.min(n - 2)).collect();
                format!("{} {}", join(&g), join(&p.surname))
            }
        }
        "nickname" if person => {
            let cands: Vec<(usize, &Vec<String>)> = p
                .given
                .iter()
                .enumerate()
                .filter_map(|(i, g)| pools.nicknames.get(&g.to_lowercase()).map(|n| (i, n)))
                .collect();
            let &(i, nicks) = pick(rng, &cands)?;
            let mut g = p.given.clone();
            g[i] = title(pick(rng, nicks)?);
            format!("{} {}", join(&g), join(&p.surname))
        }
        "compound" => {
            // Split a hyphenated word or a word starting with a particle; else join two words.
            let splittable: Vec<(usize, usize)> = words
                .iter()
                .enumerate()
                .filter_map(|(i, w)| {
                    if let Some(h) = w.find('-') {
                        return Some((i, h));
                    }
                    let l = w.to_lowercase();
                    ["abdul", "abdel", "abd", "abu", "al", "el", "bin", "ben"]
                        .iter()
                        .find(|pre| l.starts_with(*pre) && l.len() >= pre.len() + 3)
                        .map(|pre| (i, pre.len()))
                })
                .collect();
            let mut w = words.clone();
            if let (true, Some(&(i, at))) = (rng.below(2) == 0, pick(rng, &splittable)) {
                let (a, b) = w[i].split_at(at);
                let b = title(b.trim_start_matches('-'));
                w[i] = format!("{a} {b}");
            } else {
                if w.len() < 2 {
                    return None;
                }
                let i = rng.below(w.len() - 1);
                let next = w.remove(i + 1).to_lowercase();
                w[i].push_str(&next);
            }
            join(&w)
        }
        "particle" if person => {
            let is_p = |w: &str| {
                let l = w.to_lowercase();
                PARTICLES.contains(&l.as_str())
                    || PARTICLES
                        .iter()
                        .any(|pre| l.strip_prefix(pre).is_some_and(|r| r.starts_with('-')))
            };
            let present: Vec<usize> = (0..words.len()).filter(|&i| is_p(&words[i])).collect();
            let mut w = words.clone();
            if present.is_empty() {
                let s = w.len() - 1;
                w[s] = format!("Al-{}", w[s]);
            } else {
                let &i = pick(rng, &present)?;
                match w[i].split_once('-') {
                    Some((_, rest)) if !rest.is_empty() => w[i] = title(rest),
                    _ => {
                        w.remove(i);
                    }
                }
                if w.is_empty() {
                    return None;
                }
            }
            join(&w)
        }
        "honorific" if person => {
            let first = words[0].trim_end_matches('.').to_lowercase();
            if HONORIFICS
                .iter()
                .any(|h| h.trim_end_matches('.').to_lowercase() == first)
                && words.len() > 2
            {
                join(&words[1..])
            } else {
                format!("{} {}", pick(rng, HONORIFICS)?, join(&words))
            }
        }
        "punctuation" => {
            let mut w = words.clone();
            match rng.below(4) {
                0 if w.len() >= 2 => {
                    let i = rng.below(w.len() - 1);
                    let next = w.remove(i + 1);
                    w[i] = format!("{}-{}", w[i], next);
                    join(&w)
                }
                1 => {
                    let i = rng.below(w.len());
                    let n = w[i].chars().count();
                    if n < 4 {
                        return None;
                    }
                    let at = 1 + rng.below(n - 2);
                    let (a, b): (String, String) = (
                        w[i].chars().take(at).collect(),
                        w[i].chars().skip(at).collect(),
                    );
                    w[i] = format!("{a}'{b}");
                    join(&w)
                }
                2 if person => format!("{}, {}", join(&p.surname), join(&p.given)),
                _ => {
                    let s = join(&w);
                    let stripped: String = s
                        .chars()
                        .map(|c| if c == '-' { ' ' } else { c })
                        .filter(|c| !matches!(c, '.' | ',' | '\''))
                        .collect();
                    if stripped == s {
                        format!("{s}.")
                    } else {
                        stripped
                    }
                }
            }
        }
        "ocr" => {
            let mut s = join(&words);
            for _ in 0..1 + rng.below(2) {
                let lower = s.to_lowercase();
                let ok: Vec<&(&str, &str)> =
                    OCR.iter().filter(|(f, _)| lower.contains(f)).collect();
                let &&(f, t) = pick(rng, &ok)?;
                s = replace_one(rng, &s, f, t)?;
            }
            s
        }
        "keyboard" => {
            let mut chars: Vec<char> = join(&words).chars().collect();
            for _ in 0..1 + rng.below(2) {
                let pos: Vec<usize> = (1..chars.len())
                    .filter(|&i| chars[i].is_ascii_alphabetic())
                    .collect();
                let &i = pick(rng, &pos)?;
                match rng.below(4) {
                    0 => {
                        let c = chars[i].to_ascii_lowercase();
                        let row = KEYBOARD.iter().find(|r| r.contains(c))?;
                        let b = row.as_bytes();
                        let k = row.find(c)?;
                        let nb: Vec<u8> = [k.checked_sub(1), (k + 1 < b.len()).then_some(k + 1)]
                            .into_iter()
                            .flatten()
                            .map(|j| b[j])
                            .collect();
                        let mut n = char::from(*pick(rng, &nb)?);
                        if chars[i].is_uppercase() {
                            n = n.to_ascii_uppercase();
                        }
                        chars[i] = n;
                    }
                    1 => {
                        chars.remove(i);
                    }
                    2 => chars.insert(i, chars[i]),
                    _ if i + 1 < chars.len() && chars[i + 1].is_ascii_alphabetic() => {
                        chars.swap(i, i + 1)
                    }
                    _ => {
                        chars.remove(i);
                    }
                }
            }
            chars.into_iter().collect()
        }
        "missing_part" => {
            if words.len() < 3 {
                return None;
            }
            let mut w = words.clone();
            if person && rng.below(3) == 0 {
                // The surname left out.
                w.truncate(p.given.len());
                if w.len() < 2 {
                    return None;
                }
            } else {
                let i = rng.below(w.len() - 1) + usize::from(!person);
                w.remove(i.min(w.len() - 1));
            }
            join(&w)
        }
        "extra_part" => {
            let mut w = words.clone();
            if person {
                let extra = title(pick(rng, &pools.given)?);
                let at = 1 + rng.below(p.given.len());
                w.insert(at, extra);
            } else {
                w.push((*pick(rng, ORG_WORDS)?).to_owned());
            }
            join(&w)
        }
        "patronymic" if person => {
            let has: Vec<usize> = (0..words.len())
                .filter(|&i| {
                    let l = words[i].to_lowercase();
                    PATRONYMIC_ENDINGS.iter().any(|e| l.ends_with(e))
                })
                .collect();
            let mut w = words.clone();
            if let Some(&i) = pick(rng, &has) {
                w.remove(i);
                if w.len() < 2 {
                    return None;
                }
            } else {
                let father = title(pick(rng, &pools.given)?);
                let sur = p.surname.last()?.to_lowercase();
                if SLAVIC_ENDINGS.iter().any(|e| sur.ends_with(e)) {
                    let stem = father.trim_end_matches(['a', 'e', 'i', 'o', 'u', 'y']);
                    w.insert(p.given.len(), format!("{stem}ovich"));
                } else {
                    w.insert(p.given.len(), format!("bin {father}"));
                }
            }
            join(&w)
        }
        "diacritics" => {
            let mut chars: Vec<char> = join(&words).chars().collect();
            let mut changed = 0;
            for _ in 0..1 + rng.below(3) {
                let pos: Vec<usize> = (0..chars.len())
                    .filter(|&i| DIACRITICS.iter().any(|(c, _)| *c == chars[i]))
                    .collect();
                let Some(&i) = pick(rng, &pos) else { break };
                let (_, alts) = DIACRITICS.iter().find(|(c, _)| *c == chars[i])?;
                chars[i] = *pick(rng, alts)?;
                changed += 1;
            }
            if changed == 0 {
                return None;
            }
            chars.into_iter().collect()
        }
        "romanisation" => {
            let mut w = words.clone();
            let mut changed = 0;
            for _ in 0..1 + rng.below(2) {
                let i = rng.below(w.len());
                let lower = w[i].to_lowercase();
                let ok: Vec<&(&str, &str)> = ROMANISATION
                    .iter()
                    .filter(|(f, _)| lower.contains(f))
                    .collect();
                if let Some(&&(f, t)) = pick(rng, &ok)
                    && let Some(r) = replace_one(rng, &w[i], f, t)
                {
                    w[i] = r;
                    changed += 1;
                }
            }
            if changed == 0 {
                return None;
            }
            join(&w)
        }
        _ => return None,
    };
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    (!out.is_empty() && out.to_lowercase() != join(&words).to_lowercase()).then_some(out)
}

/// Reads the `nicknames` dataset (`names.csv`: one line per name group, the first name formal)
/// from the Python package installed under `target/nk`, if it is there.
pub fn nickname_table(root: &Path) -> Option<(PathBuf, HashMap<String, Vec<String>>)> {
    let lib = root.join("target/nk/lib");
    let py = fs::read_dir(&lib)
        .ok()?
        .filter_map(Result::ok)
        .next()?
        .path();
    let path = py.join("site-packages/nicknames/names.csv");
    let text = fs::read_to_string(&path).ok()?;
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    // `name1,relationship,name2`, relationship `has_nickname`.
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() == 3 && f[1] == "has_nickname" && !f[2].is_empty() {
            map.entry(f[0].to_lowercase())
                .or_default()
                .push(f[2].to_lowercase());
        }
    }
    Some((path, map))
}

/// A generated query.
pub struct Variant {
    /// The kind of variation.
    pub kind: &'static str,
    /// The query name.
    pub query: String,
    /// The name it was made from, as published.
    pub source: String,
    /// The expected entity.
    pub entity: String,
    /// Which list's index to search (0: SDN 2021, 1: UN).
    pub list: usize,
    /// The split.
    pub split: Split,
}

/// Generates up to `per_kind` queries of each kind for each split, deterministic in `seed`.
pub fn generate(lists: &[Vec<Entity>], pools: &Pools, seed: u64, per_kind: usize) -> Vec<Variant> {
    let mut out = Vec::new();
    for (ki, &kind) in KINDS.iter().enumerate() {
        for split in [Split::Tuning, Split::HeldOut] {
            // Candidates in a fixed pseudo-random order per kind.
            let mut cands: Vec<(u64, usize, &Entity)> = Vec::new();
            for (li, list) in lists.iter().enumerate() {
                for e in list {
                    if split_of(&e.id) != split
                        || !matches!(
                            e.schema,
                            Schema::Person
                                | Schema::Organization
                                | Schema::Company
                                | Schema::LegalEntity
                        )
                    {
                        continue;
                    }
                    cands.push((fnv(&format!("{seed}/{kind}/{}", e.id)), li, e));
                }
            }
            cands.sort_by_key(|c| c.0);
            let mut n = 0;
            for (h, li, e) in cands {
                if n >= per_kind {
                    break;
                }
                let Some(name) = e.names.iter().find(|n| n.kind == NameKind::Primary) else {
                    continue;
                };
                let person = e.schema == Schema::Person;
                let Some(parts) = parts_of(&name.full, person) else {
                    continue;
                };
                let mut rng = Rng(h ^ seed ^ (ki as u64) << 32);
                if let Some(q) = variant(kind, &parts, person, &mut rng, pools) {
                    out.push(Variant {
                        kind,
                        query: q,
                        source: name.full.clone(),
                        entity: e.id.clone(),
                        list: li,
                        split,
                    });
                    n += 1;
                }
            }
        }
    }
    out
}

#[derive(Default, Clone, Copy)]
struct Tally {
    n: usize,
    hit1: usize,
    hit10: usize,
    alerted: usize,
}

impl Tally {
    fn row(&self, label: &str) -> String {
        let n = self.n.max(1) as f64;
        format!(
            "| {label} | {} | {:.4} | {:.4} | {:.2}% |",
            self.n,
            self.hit1 as f64 / n,
            self.hit10 as f64 / n,
            100.0 * self.alerted as f64 / n
        )
    }
}

/// Screens one variant; returns (rank of the expected entity if in the top 10, its score).
fn screen_one(index: &Index, v: &Variant) -> (Option<usize>, f32) {
    let params = Params {
        cutoff: 0.0,
        limit: 10,
        ..Params::default()
    };
    let found = index.search(&Query::name(v.query.clone()), &params);
    match found.iter().find(|m| m.entity.id == v.entity) {
        Some(m) => (
            Some(found.iter().filter(|o| o.score > m.score).count()),
            m.score,
        ),
        None => (None, 0.0),
    }
}

/// Runs the evaluation and prints its tables.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let which = flag("--split").unwrap_or_else(|| "tuning".into());
    let splits: Vec<Split> = match which.as_str() {
        "tuning" => vec![Split::Tuning],
        "heldout" | "held-out" => vec![Split::HeldOut],
        "both" => vec![Split::Tuning, Split::HeldOut],
        other => anyhow::bail!("--split must be tuning, heldout or both, not {other:?}"),
    };
    let per_kind: usize = flag("--per-kind").unwrap_or_else(|| "400".into()).parse()?;
    let seed: u64 = flag("--seed").unwrap_or_else(|| "13".into()).parse()?;
    let skip_negatives = args.iter().any(|a| a == "--no-negatives");

    let d = crate::shared()?;
    let root = crate::root();
    let sdn = load_list(&d.join("lists/ofac-sdn-2021"))?;
    let un = load_list(&d.join("lists/un"))?;
    let people = crate::read_people(&d.join("eval/negatives_us.csv"))?;
    // Latin-script given names only: a name part in another script inside a Latin name is not a
    // variation applicants produce.
    let mut given: Vec<String> = people
        .iter()
        .filter_map(|p| p.name.split_whitespace().next().map(str::to_owned))
        .filter(|g| g.len() >= 3 && g.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    given.sort();
    given.dedup();
    let (nick_note, nicknames) = match nickname_table(&root) {
        Some((p, m)) => (format!("nicknames from {}", p.display()), m),
        None => (
            "nicknames dataset not installed (scripts/pairs-setup.sh): kind `nickname` skipped"
                .to_owned(),
            HashMap::new(),
        ),
    };
    let pools = Pools { given, nicknames };
    let lists = vec![sdn, un];
    let variants = generate(&lists, &pools, seed, per_kind);
    let work = crate::work_dir()?;
    for &split in &splits {
        let mut csv = String::from("split,kind,entity,query,source\n");
        for v in variants.iter().filter(|v| v.split == split) {
            let _ = writeln!(
                csv,
                "{},{},{},{},{}",
                split.as_str(),
                v.kind,
                v.entity,
                crate::csv_field(&v.query),
                crate::csv_field(&v.source)
            );
        }
        fs::write(work.join(format!("variants-{}.csv", split.as_str())), csv)?;
    }
    let indexes: Vec<Index> = lists.into_iter().map(Index::build).collect();

    println!("# variant evaluation (seed {seed}, up to {per_kind} queries per kind and split)\n");
    println!("{nick_note}\n");
    let mut misses = String::new();
    for &split in &splits {
        println!("## split: {}\n", split.as_str());
        println!("| kind | n | recall@1 | recall@10 | alerted |");
        println!("|---|---|---|---|---|");
        let mut all = Tally::default();
        for &kind in KINDS {
            let mut t = Tally::default();
            for v in variants
                .iter()
                .filter(|v| v.split == split && v.kind == kind)
            {
                let (rank, score) = screen_one(&indexes[v.list], v);
                t.n += 1;
                t.hit1 += usize::from(rank == Some(0));
                t.hit10 += usize::from(rank.is_some());
                t.alerted += usize::from(score >= screening::DEFAULT_THRESHOLD);
                if split == Split::Tuning && (rank != Some(0) || score < 0.8) {
                    let _ = writeln!(
                        misses,
                        "{kind:<13} {:<45} ← {:<45} rank {rank:?} score {score:.3}",
                        v.query, v.source
                    );
                }
            }
            if t.n > 0 {
                println!("{}", t.row(kind));
            }
            all.n += t.n;
            all.hit1 += t.hit1;
            all.hit10 += t.hit10;
            all.alerted += t.alerted;
        }
        println!("{}\n", all.row("**all**"));
    }
    fs::write(work.join("variants-tuning.misses.txt"), misses)?;

    if !skip_negatives {
        negatives(&d, &people)?;
    }
    Ok(())
}

/// False alerts: the 50,000 people on no list against the full set (name only, and with birth
/// date, country and gender), and the dev set's hard negatives against SDN 2021.
fn negatives(d: &Path, people: &[crate::Person]) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for p in crate::full_set(d) {
        all.extend(load_list(&p)?);
    }
    let index = Index::build(all);
    let params = Params {
        limit: 1,
        ..Params::default()
    };
    let (mut name_only, mut with_facts) = (0, 0);
    let mut examples = Vec::new();
    for p in people {
        let q = Query::name(p.name.clone());
        let hit = index.search(&q, &params).first().map(|m| m.is_match);
        if hit == Some(true) {
            name_only += 1;
            let m = &index.search(&q, &params)[0];
            examples.push(format!(
                "  {} → {} {:.3}",
                p.name,
                m.entity.caption(),
                m.score
            ));
        }
        let mut q = q;
        q.schema = Some(Schema::Person);
        q.birth_dates = PartialDate::parse_iso(&p.dob).into_iter().collect();
        q.countries = watchlist::countries::to_code(&p.nationality)
            .map(|c| vec![c.to_owned()])
            .unwrap_or_default();
        q.gender = Gender::parse(&p.gender);
        with_facts += usize::from(
            index
                .search(&q, &params)
                .first()
                .is_some_and(|m| m.is_match),
        );
    }
    let n = people.len().max(1) as f64;
    println!("## false alerts\n");
    println!(
        "negatives_us.csv vs the full set ({} people): name only {name_only} ({:.3}%), with birth date, country and gender {with_facts} ({:.3}%)",
        people.len(),
        100.0 * name_only as f64 / n,
        100.0 * with_facts as f64 / n
    );
    let path = crate::work_dir()?.join("negatives.name-only-alerts.txt");
    fs::write(&path, examples.join("\n"))?;
    println!("(listed in {})\n", path.display());

    // The dev set, in this process (name-only queries, default parameters, as `cargo xtask
    // eval` screens them through the CLI): recall@k of the expected entity, and alerted as
    // `eval` counts it (any entity at or above the threshold).
    let sdn = Index::build(load_list(&d.join("lists/ofac-sdn-2021"))?);
    let mut r = csv::Reader::from_path(d.join("eval/sdn_queries.csv")).context("sdn_queries")?;
    let ranked = Params {
        cutoff: 0.0,
        limit: 10,
        ..Params::default()
    };
    let mut kinds: Vec<(String, Tally)> = Vec::new();
    let mut pos = Tally::default();
    let (mut n, mut alerted) = (0, 0);
    for rec in r.records() {
        let rec = rec?;
        let (name, uid, kind) = (
            rec.get(0).unwrap_or(""),
            rec.get(1).unwrap_or(""),
            rec.get(2).unwrap_or(""),
        );
        let found = sdn.search(&Query::name(name.to_owned()), &ranked);
        let al = found.iter().any(|m| m.is_match);
        if kind == "neg_hard" {
            n += 1;
            alerted += usize::from(al);
        }
        let i = match kinds.iter().position(|(k, _)| k == kind) {
            Some(i) => i,
            None => {
                kinds.push((kind.to_owned(), Tally::default()));
                kinds.len() - 1
            }
        };
        let t = &mut kinds[i].1;
        t.n += 1;
        t.alerted += usize::from(al);
        if !uid.is_empty() {
            let want = format!("ofac-{uid}");
            let rank = found.iter().position(|m| m.entity.id == want);
            t.hit1 += usize::from(rank == Some(0));
            t.hit10 += usize::from(rank.is_some());
            pos.n += 1;
            pos.hit1 += usize::from(rank == Some(0));
            pos.hit10 += usize::from(rank.is_some());
            pos.alerted += usize::from(al);
        }
    }
    println!("## dev set: sdn_queries.csv vs ofac-sdn-2021, in process\n");
    println!("| kind | n | recall@1 | recall@10 | alerted |");
    println!("|---|---|---|---|---|");
    for (k, t) in &kinds {
        println!("{}", t.row(k));
    }
    println!("{}\n", pos.row("**all positives**"));
    println!(
        "sdn_queries.csv neg_hard vs ofac-sdn-2021: {alerted} of {n} ({:.2}%)\n",
        100.0 * alerted as f64 / n.max(1) as f64
    );
    Ok(())
}
