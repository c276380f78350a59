//! List snapshots on disk: reading list files, storing the imported entities, loading them back.
//!
//! Layout under the data directory:
//!
//! ```text
//! lists/<hash>.jsonl     the entities of one snapshot, one JSON object per line (our own format,
//!                        lossless, so reloading gives the same content hash)
//! lists/current.json     which snapshot is in use, when it was imported, from which sources
//! ```
//!
//! Both are written to a temporary file, synced, and renamed into place, so a crash leaves either
//! the old snapshot or the new one, never a mix. Loading recomputes the content hash and refuses a
//! snapshot whose hash does not match its name.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use screening::Index;
use serde::{Deserialize, Serialize};
use watchlist::{
    Address, BirthDate, Entity, Format, Gender, IdKind, Identifier, Import, Name, NameKind,
    Options, PartialDate, Schema, SourceFile,
};

use crate::{Failure, Outcome};

/// Reads list files and folders and imports them.
pub fn read_lists(
    paths: &[PathBuf],
    format: Option<&str>,
    lenient: bool,
) -> anyhow::Result<Vec<Import>> {
    let format = format
        .map(|f| Format::parse(f).ok_or_else(|| anyhow!("unknown --format {f:?}")))
        .transpose()?;
    let mut files: Vec<PathBuf> = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = fs::read_dir(p)
                .with_context(|| format!("reading folder {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_list_file(p))
                .collect();
            entries.sort();
            files.extend(entries);
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            bail!("{}: no such file or folder", p.display());
        }
    }
    if files.is_empty() {
        bail!("no list files found in {}", display_paths(paths));
    }
    let contents: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| {
            fs::read(f)
                .with_context(|| format!("reading {}", f.display()))
                .map(|b| (f.display().to_string(), b))
        })
        .collect::<anyhow::Result<_>>()?;
    let sources: Vec<SourceFile<'_>> = contents
        .iter()
        .map(|(n, b)| SourceFile::new(n, b))
        .collect();
    Ok(watchlist::import_files(
        &sources,
        format,
        Options { lenient },
    )?)
}

fn is_list_file(p: &Path) -> bool {
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    !name.starts_with('.')
        && [".csv", ".xml", ".json", ".jsonl", ".ndjson"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds an index from imports.
pub fn build_index(imports: Vec<Import>) -> Index {
    Index::build(imports.into_iter().flat_map(|i| i.entities).collect())
}

/// Prints what an import read: per list, entities and skipped records.
pub fn report_imports(imports: &[Import]) {
    for i in imports {
        eprintln!(
            "  {:<20} {:<14} {:>7} entities{}",
            i.dataset,
            i.format.as_str(),
            i.entities.len(),
            if i.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} bad records skipped", i.skipped.len())
            }
        );
        for s in i.skipped.iter().take(20) {
            eprintln!("    skipped: {s}");
        }
        if i.skipped.len() > 20 {
            eprintln!("    ... and {} more", i.skipped.len() - 20);
        }
        for n in &i.notes {
            eprintln!("    note: {n}");
        }
    }
}

/// Lists read and indexed by `cortina lists import`, not stored yet.
pub struct Prepared {
    index: Index,
    sources: Vec<SourceInfo>,
    origin: String,
}

impl Prepared {
    /// The content hash the snapshot will have.
    pub fn snapshot_hash(&self) -> &str {
        self.index.snapshot_hash()
    }
}

/// `cortina lists import`, first half: reads every file and builds the
/// index, changing nothing (bad input stops here).
pub fn prepare_import(
    paths: &[PathBuf],
    format: Option<&str>,
    lenient: bool,
) -> Result<Prepared, Failure> {
    let imports = read_lists(paths, format, lenient)?;
    report_imports(&imports);
    if imports.iter().all(|i| i.entities.is_empty()) {
        // An empty snapshot would silently stop every screening from
        // finding anyone: refused, the current one stays.
        return Err(Failure(anyhow!(
            "no entities read from {}: nothing imported, the current snapshot (if any) is kept",
            display_paths(paths)
        )));
    }
    let sources: Vec<SourceInfo> = imports
        .iter()
        .map(|i| SourceInfo {
            dataset: i.dataset.clone(),
            format: i.format.as_str().to_owned(),
            entities: i.entities.len(),
            skipped: i.skipped.len(),
        })
        .collect();
    Ok(Prepared {
        index: build_index(imports),
        sources,
        origin: display_paths(paths),
    })
}

/// `cortina lists import`, second half: stores the prepared lists as the
/// current snapshot of `data_dir`.
pub fn finish_import(prepared: Prepared, data_dir: &Path) -> Result<Outcome, Failure> {
    let current = store(
        data_dir,
        &prepared.index,
        prepared.sources,
        &prepared.origin,
    )?;
    println!(
        "snapshot {} stored in {}: {} entities, {} names",
        current.snapshot,
        data_dir.display(),
        current.entities,
        current.names
    );
    Ok(Outcome::Ok)
}

/// What `lists/current.json` records.
#[derive(Debug, Serialize, Deserialize)]
pub struct Current {
    /// The snapshot's content hash.
    pub snapshot: String,
    /// When it was imported (unix seconds).
    pub imported_at: u64,
    /// What the user imported.
    pub origin: String,
    /// Entity count.
    pub entities: usize,
    /// Name count.
    pub names: usize,
    /// Per list.
    pub sources: Vec<SourceInfo>,
    /// The snapshot in force before this one, if any (what a delta
    /// re-screen compares with; its file is kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

/// One imported list.
#[derive(Debug, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Dataset name.
    pub dataset: String,
    /// Format read.
    pub format: String,
    /// Entities read.
    pub entities: usize,
    /// Records skipped (lenient mode).
    pub skipped: usize,
}

fn lists_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("lists")
}

/// Stores the index's entities as the current snapshot.
pub fn store(
    data_dir: &Path,
    index: &Index,
    sources: Vec<SourceInfo>,
    origin: &str,
) -> anyhow::Result<Current> {
    let dir = lists_dir(data_dir);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut body = Vec::with_capacity(index.entities().len() * 256);
    for e in index.entities() {
        serde_json::to_writer(&mut body, &EntityRecord::from(e))?;
        body.push(b'\n');
    }
    let file = dir.join(format!("{}.jsonl", index.snapshot_hash()));
    write_atomic(&file, &body)?;
    let before = current(data_dir).ok();
    let previous = match before {
        Some(b) if b.snapshot != index.snapshot_hash() => Some(b.snapshot),
        Some(b) => b.previous,
        None => None,
    };
    let current = Current {
        snapshot: index.snapshot_hash().to_owned(),
        imported_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        origin: origin.to_owned(),
        entities: index.entities().len(),
        names: index.entities().iter().map(|e| e.names.len()).sum(),
        sources,
        previous,
    };
    write_atomic(
        &dir.join("current.json"),
        &serde_json::to_vec_pretty(&current)?,
    )?;
    Ok(current)
}

/// Writes `bytes` to `path` through a synced temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let mut f = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("renaming into {}", path.display()))?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads `lists/current.json`.
pub fn current(data_dir: &Path) -> anyhow::Result<Current> {
    let path = lists_dir(data_dir).join("current.json");
    let bytes = fs::read(&path).with_context(|| {
        format!(
            "no imported lists in {} (run `cortina lists import PATH...` first, or pass --lists)",
            data_dir.display()
        )
    })?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not valid", path.display()))
}

/// Loads the current snapshot and checks its content hash.
pub fn open(data_dir: &Path) -> anyhow::Result<Index> {
    let current = current(data_dir)?;
    open_hash(data_dir, &current.snapshot)
}

/// Loads the stored snapshot `hash` (the current one or an earlier one)
/// and checks its content hash.
pub fn open_hash(data_dir: &Path, hash: &str) -> anyhow::Result<Index> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("{hash:?} is not a snapshot hash (64 hex digits, as `cortina lists status` shows)");
    }
    let file = lists_dir(data_dir).join(format!("{hash}.jsonl"));
    let bytes = fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let mut entities = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let record: EntityRecord = serde_json::from_slice(line)
            .with_context(|| format!("{}:{}: not a snapshot record", file.display(), i + 1))?;
        entities.push(
            record
                .into_entity()
                .with_context(|| format!("{}:{}", file.display(), i + 1))?,
        );
    }
    let index = Index::build(entities);
    if index.snapshot_hash() != hash {
        bail!(
            "{} is corrupt: its content hash is {}, not {hash}; import the lists again",
            file.display(),
            index.snapshot_hash(),
        );
    }
    Ok(index)
}

/// `cortina lists status`.
pub fn status(data_dir: &Path, json: bool) -> Result<Outcome, Failure> {
    let current = current(data_dir)?;
    let attempt = crate::update::last_attempt(data_dir);
    if json {
        let mut value = serde_json::to_value(&current)?;
        if let (Some(a), Some(map)) = (&attempt, value.as_object_mut()) {
            map.insert("last_update".into(), serde_json::to_value(a)?);
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(Outcome::Ok);
    }
    println!("snapshot   {}", current.snapshot);
    println!(
        "imported   {} (unix time) from {}",
        current.imported_at, current.origin
    );
    if let Some(p) = &current.previous {
        println!("previous   {p}");
    }
    if let Some(a) = &attempt {
        println!(
            "last update {} at {} (unix time): {}",
            if a.ok { "succeeded" } else { "FAILED" },
            a.at,
            a.message
        );
    }
    println!("entities   {}", current.entities);
    println!("names      {}", current.names);
    for s in &current.sources {
        println!(
            "  {:<20} {:<14} {:>7} entities{}",
            s.dataset,
            s.format,
            s.entities,
            if s.skipped > 0 {
                format!(" ({} skipped)", s.skipped)
            } else {
                String::new()
            }
        );
    }
    Ok(Outcome::Ok)
}

/// One entity as stored in a snapshot file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityRecord {
    id: String,
    schema: String,
    dataset: String,
    names: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    birth_dates: Vec<(String, bool)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    birth_places: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    countries: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gender: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    identifiers: Vec<(String, String, Option<String>)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    addresses: Vec<(String, Option<String>)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    programs: Vec<String>,
}

fn kind_str(k: NameKind) -> &'static str {
    match k {
        NameKind::Primary => "primary",
        NameKind::Alias => "alias",
        NameKind::Weak => "weak",
    }
}

const ID_KINDS: [(IdKind, &str); 7] = [
    (IdKind::Passport, "passport"),
    (IdKind::NationalId, "national_id"),
    (IdKind::Tax, "tax"),
    (IdKind::Registration, "registration"),
    (IdKind::Imo, "imo"),
    (IdKind::Swift, "swift"),
    (IdKind::Other, "other"),
];

impl From<&Entity> for EntityRecord {
    fn from(e: &Entity) -> EntityRecord {
        EntityRecord {
            id: e.id.clone(),
            schema: e.schema.as_str().to_owned(),
            dataset: e.dataset.clone(),
            names: e
                .names
                .iter()
                .map(|n| (kind_str(n.kind).to_owned(), n.full.clone()))
                .collect(),
            birth_dates: e
                .birth_dates
                .iter()
                .map(|d| (d.date.to_string(), d.approximate))
                .collect(),
            birth_places: e.birth_places.clone(),
            countries: e.countries.clone(),
            gender: e.gender.map(|g| g.as_str().to_owned()),
            identifiers: e
                .identifiers
                .iter()
                .map(|i| {
                    let kind = ID_KINDS
                        .iter()
                        .find(|(k, _)| *k == i.kind)
                        .map_or("other", |(_, s)| s);
                    (kind.to_owned(), i.number.clone(), i.country.clone())
                })
                .collect(),
            addresses: e
                .addresses
                .iter()
                .map(|a| (a.full.clone(), a.country.clone()))
                .collect(),
            programs: e.programs.clone(),
        }
    }
}

impl EntityRecord {
    fn into_entity(self) -> anyhow::Result<Entity> {
        let schema = Schema::parse(&self.schema)
            .ok_or_else(|| anyhow!("field schema: unknown schema {:?}", self.schema))?;
        let mut e = Entity::new(self.id, schema, self.dataset);
        for (kind, full) in self.names {
            let kind = match kind.as_str() {
                "primary" => NameKind::Primary,
                "alias" => NameKind::Alias,
                "weak" => NameKind::Weak,
                other => bail!("field names: unknown name kind {other:?}"),
            };
            e.names.push(Name::new(full, kind));
        }
        for (d, approximate) in self.birth_dates {
            let date = PartialDate::parse_iso(&d)
                .ok_or_else(|| anyhow!("field birth_dates: bad date {d:?}"))?;
            e.birth_dates.push(BirthDate { date, approximate });
        }
        e.birth_places = self.birth_places;
        e.countries = self.countries;
        e.gender = match self.gender {
            Some(g) => Some(Gender::parse(&g).ok_or_else(|| anyhow!("field gender: {g:?}"))?),
            None => None,
        };
        for (kind, number, country) in self.identifiers {
            let kind = ID_KINDS
                .iter()
                .find(|(_, s)| *s == kind)
                .map(|(k, _)| *k)
                .ok_or_else(|| anyhow!("field identifiers: unknown kind {kind:?}"))?;
            e.identifiers.push(Identifier {
                kind,
                number,
                country,
            });
        }
        e.addresses = self
            .addresses
            .into_iter()
            .map(|(full, country)| Address { full, country })
            .collect();
        e.programs = self.programs;
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_round_trips_with_the_same_hash() {
        let mut e = Entity::new("ofac-1", Schema::Person, "us_ofac_sdn");
        e.add_name("DOE, John", NameKind::Primary);
        e.add_name("Johnny", NameKind::Weak);
        e.add_birth_date(BirthDate {
            date: PartialDate::parse_iso("1960-01").unwrap(),
            approximate: true,
        });
        e.add_country("co");
        e.gender = Some(Gender::Male);
        e.add_identifier(Identifier {
            kind: IdKind::Passport,
            number: "AB123".into(),
            country: Some("co".into()),
        });
        e.addresses.push(Address {
            full: "Calle 1, Bogota".into(),
            country: Some("co".into()),
        });
        e.add_program("SDNTK");
        let index = Index::build(vec![e]);
        let dir = tempfile::tempdir().unwrap();
        store(dir.path(), &index, vec![], "test").unwrap();
        let again = open(dir.path()).unwrap();
        assert_eq!(again.snapshot_hash(), index.snapshot_hash());
        assert_eq!(again.entities(), index.entities());
    }

    #[test]
    fn a_corrupt_snapshot_is_refused() {
        let mut e = Entity::new("ofac-1", Schema::Person, "us_ofac_sdn");
        e.add_name("DOE, John", NameKind::Primary);
        let index = Index::build(vec![e]);
        let dir = tempfile::tempdir().unwrap();
        store(dir.path(), &index, vec![], "test").unwrap();
        let file = dir
            .path()
            .join("lists")
            .join(format!("{}.jsonl", index.snapshot_hash()));
        let text = fs::read_to_string(&file).unwrap().replace("John", "Jane");
        fs::write(&file, text).unwrap();
        let err = open(dir.path()).err().unwrap().to_string();
        assert!(err.contains("corrupt"), "{err}");
    }
}
