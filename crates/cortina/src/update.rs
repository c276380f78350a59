//! `cortina lists update`: download the official publication files, import them, store a snapshot.
//!
//! Every source in [`SOURCES`] names the publisher's URL(s) and the file name each download is
//! saved under, a name the `watchlist` importers recognise (`sdn.csv`, `cons_prim.csv`, ...).
//! Downloads go to `<data-dir>/downloads/<UTC timestamp>/<source>/`; the newest few of these
//! folders are kept as a cache and for inspection, older ones are removed.
//!
//! All or nothing: the new snapshot is stored only when every file of every selected source was
//! downloaded and imported. Any failure (connection, HTTP status, size cap, malformed file, wrong
//! format, an empty list) ends the command with an error naming the source, the URL or file and
//! the reason, and the snapshot in use stays exactly as it was. A snapshot that silently lacks a
//! list is never produced.
//!
//! URLs can be pointed elsewhere (a mirror, or a test server):
//!
//! - `--base-url URL` (or `CORTINA_LISTS_BASE_URL`): every file is fetched from
//!   `URL/<source>/<file>`, i.e. a mirror laid out like a `downloads/<timestamp>/` folder;
//! - `--url-override NAME=URL`: for a single-file source (`un`, `eu`, `uk`, `opensanctions`) the
//!   file's URL; for a multi-file source (`ofac-sdn`, `ofac-cons`) a folder URL the files are
//!   fetched from as `URL/<file>`;
//! - `--url-override NAME.KEY=URL`: one file of a source (e.g. `ofac-sdn.alt=URL`).
//!
//! A more specific setting wins: `NAME.KEY` over `NAME` over the base URL over the official URL.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use watchlist::{Format, Import};

use crate::cli::UpdateArgs;
use crate::snapshot::{self, SourceInfo};
use crate::{Failure, Outcome};

/// One file of a source.
#[derive(Debug)]
pub struct Remote {
    /// The key used in `--url-override NAME.KEY=URL`.
    pub key: &'static str,
    /// The file name the download is saved under (and fetched as from a mirror).
    pub file: &'static str,
    /// The publisher's URL.
    pub url: &'static str,
}

/// A list that `cortina lists update` can download.
#[derive(Debug)]
pub struct Source {
    /// The name used with `--source`.
    pub name: &'static str,
    /// What the list is.
    pub title: &'static str,
    /// The format its files must import as.
    pub format: Format,
    /// Whether it is updated when no `--source` is given.
    pub default: bool,
    /// The largest download accepted for one file, in bytes.
    pub max_bytes: u64,
    /// Its files; all of them are required.
    pub files: &'static [Remote],
}

const MIB: u64 = 1024 * 1024;

/// The sources, their official URLs, and the file names the downloads are saved under.
pub const SOURCES: &[Source] = &[
    Source {
        name: "ofac-sdn",
        title: "US OFAC Specially Designated Nationals (legacy CSV)",
        format: Format::OfacSdnCsv,
        default: true,
        max_bytes: 512 * MIB,
        files: &[
            Remote {
                key: "sdn",
                file: "sdn.csv",
                url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.CSV",
            },
            Remote {
                key: "alt",
                file: "alt.csv",
                url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ALT.CSV",
            },
            Remote {
                key: "add",
                file: "add.csv",
                url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADD.CSV",
            },
            Remote {
                key: "comments",
                file: "sdn_comments.csv",
                url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_COMMENTS.CSV",
            },
        ],
    },
    Source {
        name: "ofac-cons",
        title: "US OFAC Consolidated non-SDN list (legacy CSV)",
        format: Format::OfacConsCsv,
        default: true,
        max_bytes: 512 * MIB,
        files: &[
            Remote {
                key: "prim",
                file: "cons_prim.csv",
                url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_PRIM.CSV",
            },
            Remote {
                key: "alt",
                file: "cons_alt.csv",
                url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ALT.CSV",
            },
            Remote {
                key: "add",
                file: "cons_add.csv",
                url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ADD.CSV",
            },
            Remote {
                key: "comments",
                file: "cons_comments.csv",
                url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_COMMENTS.CSV",
            },
        ],
    },
    Source {
        name: "un",
        title: "UN Security Council Consolidated List (XML)",
        format: Format::UnXml,
        default: true,
        max_bytes: 512 * MIB,
        files: &[Remote {
            key: "xml",
            file: "un_consolidated.xml",
            url: "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
        }],
    },
    Source {
        name: "eu",
        title: "EU Financial Sanctions Files, full list (XML 1.1)",
        format: Format::EuFsfXml,
        default: true,
        max_bytes: 512 * MIB,
        files: &[Remote {
            key: "xml",
            file: "eu_fsf.xml",
            url: "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw",
        }],
    },
    Source {
        name: "uk",
        title: "UK Sanctions List, FCDO (XML)",
        format: Format::UkSanctions,
        default: true,
        max_bytes: 512 * MIB,
        files: &[Remote {
            key: "xml",
            file: "uk_sanctions_list.xml",
            url: "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml",
        }],
    },
    Source {
        name: "opensanctions",
        title: "OpenSanctions consolidated sanctions (FollowTheMoney JSON lines; large)",
        format: Format::FtmJson,
        default: false,
        max_bytes: 4096 * MIB,
        files: &[Remote {
            key: "ftm",
            file: "entities.ftm.json",
            url: "https://data.opensanctions.org/datasets/latest/sanctions/entities.ftm.json",
        }],
    },
];

/// How many `downloads/<timestamp>/` folders are kept after a run (the newest ones).
pub const KEEP_DOWNLOADS: usize = 3;

/// The connect timeout of every request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What `--help` says after the flags.
pub const HELP: &str = "\
Sources (--source, repeatable or comma-separated; `all` for every source):
  ofac-sdn        US OFAC SDN list, legacy CSV (sdn.csv, alt.csv, add.csv, sdn_comments.csv)  [default]
  ofac-cons       US OFAC consolidated non-SDN list, legacy CSV (cons_prim.csv, ...)          [default]
  un              UN Security Council consolidated list XML                                    [default]
  eu              EU Financial Sanctions Files full list XML                                    [default]
  uk              UK Sanctions List XML (FCDO)                                                  [default]
  opensanctions   OpenSanctions sanctions collection, FollowTheMoney JSON (large)
Run with --list-sources to print every file's URL (after overrides).

URL overrides (the most specific wins):
  --url-override NAME=URL       single-file source (un, eu, uk, opensanctions): the file's URL;
                                multi-file source (ofac-sdn, ofac-cons): a folder URL, each file
                                is fetched as URL/<file name>, e.g. URL/sdn.csv
  --url-override NAME.KEY=URL   one file: keys sdn, alt, add, comments (ofac-sdn); prim, alt, add,
                                comments (ofac-cons); xml (un, eu, uk); ftm (opensanctions)
  --base-url URL                a mirror: every file is fetched as URL/<source>/<file name>, the
                                layout of a <data-dir>/downloads/<timestamp>/ folder

All or nothing: if any file cannot be downloaded or imported, the command fails (exit code 2)
naming the source, URL or file and the reason, and the snapshot in use is left untouched.
Downloads are kept in <data-dir>/downloads/<UTC timestamp>/<source>/ (the newest 3 folders).";

/// One file to fetch: where from, and where to.
#[derive(Debug)]
struct Fetch {
    remote: &'static Remote,
    url: String,
}

/// One selected source with its resolved URLs.
#[derive(Debug)]
struct Plan {
    source: &'static Source,
    fetches: Vec<Fetch>,
}

/// Looks a source up by name.
pub fn find_source(name: &str) -> Option<&'static Source> {
    SOURCES.iter().find(|s| s.name == name)
}

fn known_names() -> String {
    SOURCES
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sources to update: the defaults when `names` is empty, `all` for every source.
fn select_sources(names: &[String]) -> anyhow::Result<Vec<&'static Source>> {
    if names.is_empty() {
        return Ok(SOURCES.iter().filter(|s| s.default).collect());
    }
    let mut selected: Vec<&'static Source> = Vec::new();
    for name in names {
        let name = name.trim();
        if name == "all" {
            return Ok(SOURCES.iter().collect());
        }
        let source = find_source(name)
            .ok_or_else(|| anyhow!("unknown source {name:?} (known: {}, or all)", known_names()))?;
        if !selected.iter().any(|s| s.name == source.name) {
            selected.push(source);
        }
    }
    Ok(selected)
}

fn check_url(url: &str, what: &str) -> anyhow::Result<()> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        bail!("{what}: {url:?} is not an http:// or https:// URL")
    }
}

fn join_url(base: &str, tail: &str) -> String {
    format!("{}/{tail}", base.trim_end_matches('/'))
}

/// Resolves every selected source's URLs from the overrides, the base URL and the table.
fn plan(
    sources: &[&'static Source],
    overrides: &[String],
    base_url: Option<&str>,
) -> anyhow::Result<Vec<Plan>> {
    let base_url = base_url.map(str::trim).filter(|b| !b.is_empty());
    if let Some(base) = base_url {
        check_url(base, "--base-url (CORTINA_LISTS_BASE_URL)")?;
    }
    // (source, key or None, url); later entries win.
    let mut parsed: Vec<(&'static Source, Option<&'static Remote>, &str)> = Vec::new();
    for o in overrides {
        let (key, url) = o
            .split_once('=')
            .ok_or_else(|| anyhow!("--url-override {o:?}: expected NAME=URL or NAME.KEY=URL"))?;
        let (key, url) = (key.trim(), url.trim());
        check_url(url, &format!("--url-override {key}"))?;
        let (name, file_key) = match key.split_once('.') {
            Some((n, k)) => (n, Some(k)),
            None => (key, None),
        };
        let source = find_source(name).ok_or_else(|| {
            anyhow!(
                "--url-override {key}: unknown source {name:?} (known: {})",
                known_names()
            )
        })?;
        let remote = match file_key {
            None => None,
            Some(k) => Some(source.files.iter().find(|r| r.key == k).ok_or_else(|| {
                anyhow!(
                    "--url-override {key}: source {name} has no file {k:?} (its keys: {})",
                    source
                        .files
                        .iter()
                        .map(|r| r.key)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?),
        };
        parsed.push((source, remote, url));
    }
    Ok(sources
        .iter()
        .map(|&source| Plan {
            source,
            fetches: source
                .files
                .iter()
                .map(|remote| {
                    let exact = parsed.iter().rev().find(|(s, r, _)| {
                        s.name == source.name && r.is_some_and(|r| r.key == remote.key)
                    });
                    let whole = parsed
                        .iter()
                        .rev()
                        .find(|(s, r, _)| s.name == source.name && r.is_none());
                    let url = if let Some((_, _, url)) = exact {
                        (*url).to_owned()
                    } else if let Some((_, _, url)) = whole {
                        if source.files.len() == 1 {
                            (*url).to_owned()
                        } else {
                            join_url(url, remote.file)
                        }
                    } else if let Some(base) = base_url {
                        join_url(base, &format!("{}/{}", source.name, remote.file))
                    } else {
                        remote.url.to_owned()
                    };
                    Fetch { remote, url }
                })
                .collect(),
        })
        .collect())
}

/// `cortina lists update`.
pub fn run(args: &UpdateArgs) -> Result<Outcome, Failure> {
    let sources = select_sources(&args.sources)?;
    let plans = plan(&sources, &args.url_overrides, args.base_url.as_deref())?;
    if args.list_sources {
        print_plans(&plans);
        return Ok(Outcome::Ok);
    }
    let names: Vec<&str> = plans.iter().map(|p| p.source.name).collect();
    crate::recorded::authorize(
        &args.data,
        &args.acting,
        crate::recorded::Request {
            action: domain::Action::ListsUpdate,
            needs_purpose: false,
            payload: serde_json::json!({ "update": names }),
            command: "cortina lists update",
        },
    )?;
    perform(args, &plans)
}

/// An update the policy already allowed and the ledger recorded (the admin's
/// on-demand update from the server's page): download, import, store,
/// re-screen, as `args.acting` says.
pub fn run_recorded(args: &UpdateArgs) -> Result<Outcome, Failure> {
    let sources = select_sources(&args.sources)?;
    let plans = plan(&sources, &args.url_overrides, args.base_url.as_deref())?;
    perform(args, &plans)
}

/// The last update attempt, kept in `lists/update-status.json` for `cortina
/// lists status` and the server's pages.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Attempt {
    /// When it ended (unix seconds).
    pub at: u64,
    /// Whether a new snapshot was stored.
    pub ok: bool,
    /// What happened, in a sentence.
    pub message: String,
}

/// Where the last attempt is kept.
pub fn attempt_file(data_dir: &Path) -> PathBuf {
    data_dir.join("lists").join("update-status.json")
}

/// Reads the last attempt, if any.
pub fn last_attempt(data_dir: &Path) -> Option<Attempt> {
    serde_json::from_slice(&fs::read(attempt_file(data_dir)).ok()?).ok()
}

fn note_attempt(data_dir: &Path, ok: bool, message: String) {
    let attempt = Attempt {
        at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        ok,
        message,
    };
    let written = fs::create_dir_all(data_dir.join("lists"))
        .map_err(anyhow::Error::from)
        .and_then(|()| Ok(serde_json::to_vec_pretty(&attempt)?))
        .and_then(|bytes| snapshot::write_atomic(&attempt_file(data_dir), &bytes));
    if let Err(e) = written {
        eprintln!("note: the update's outcome was not kept: {e:#}");
    }
}

fn perform(args: &UpdateArgs, plans: &[Plan]) -> Result<Outcome, Failure> {
    let data_dir = &args.data.data_dir;
    let previous = snapshot::current(data_dir).ok();
    let before = previous.as_ref().map(|p| p.snapshot.clone());
    let downloads = data_dir.join("downloads");
    let result = update(args, plans, &downloads);
    prune_downloads(&downloads, KEEP_DOWNLOADS);
    match result {
        Ok(()) => {
            let now = snapshot::current(data_dir).ok();
            note_attempt(
                data_dir,
                true,
                match now {
                    Some(c) if Some(&c.snapshot) == before.as_ref() => {
                        "the lists had not changed".to_owned()
                    }
                    Some(c) => format!(
                        "snapshot {} stored ({} entities)",
                        &c.snapshot[..16.min(c.snapshot.len())],
                        c.entities
                    ),
                    None => "stored".to_owned(),
                },
            );
            crate::rescreen::after_store(&args.data, args.acting.actor.as_deref(), before)?;
            Ok(Outcome::Ok)
        }
        Err(e) => {
            let kept = match previous {
                Some(p) => format!(
                    "the previous snapshot {} ({} entities, imported at {} unix time) is still current",
                    p.snapshot, p.entities, p.imported_at
                ),
                None => "no snapshot was stored".to_owned(),
            };
            note_attempt(data_dir, false, format!("{e:#}"));
            Err(Failure(anyhow!(
                "{e:#}\nlists update failed and stored nothing: {kept}"
            )))
        }
    }
}

fn print_plans(plans: &[Plan]) {
    for p in plans {
        println!(
            "{}{}  {}",
            p.source.name,
            if p.source.default { " (default)" } else { "" },
            p.source.title
        );
        for f in &p.fetches {
            println!("  {:<22} {}", f.remote.file, f.url);
        }
    }
}

fn update(args: &UpdateArgs, plans: &[Plan], downloads: &Path) -> anyhow::Result<()> {
    let data_dir = &args.data.data_dir;
    let folder = new_download_folder(downloads)?;
    let agent = agent(Duration::from_secs(args.timeout.max(1)));
    eprintln!("downloading into {}", folder.display());
    for p in plans {
        let dir = folder.join(p.source.name);
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for f in &p.fetches {
            let dest = dir.join(f.remote.file);
            let bytes = download(&agent, &f.url, &dest, p.source.max_bytes)
                .with_context(|| format!("source {}: downloading {}", p.source.name, f.url))?;
            eprintln!(
                "  {:<14} {:<20} {:>12} bytes  {}",
                p.source.name, f.remote.file, bytes, f.url
            );
        }
    }
    let mut imports: Vec<Import> = Vec::new();
    for p in plans {
        let dir = folder.join(p.source.name);
        let urls = p
            .fetches
            .iter()
            .map(|f| f.url.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let read = import_source(p.source, &dir, args.lenient)
            .with_context(|| format!("source {}: importing what {urls} served", p.source.name))?;
        imports.extend(read);
    }
    snapshot::report_imports(&imports);
    let sources: Vec<SourceInfo> = imports
        .iter()
        .map(|i| SourceInfo {
            dataset: i.dataset.clone(),
            format: i.format.as_str().to_owned(),
            entities: i.entities.len(),
            skipped: i.skipped.len(),
        })
        .collect();
    let names = plans
        .iter()
        .map(|p| p.source.name)
        .collect::<Vec<_>>()
        .join(", ");
    let origin = format!("cortina lists update ({names}) from {}", folder.display());
    let index = snapshot::build_index(imports);
    let current = snapshot::store(data_dir, &index, sources, &origin)?;
    println!(
        "snapshot {} stored in {}: {} entities, {} names, from {names}",
        current.snapshot,
        data_dir.display(),
        current.entities,
        current.names
    );
    let left_out: Vec<&str> = SOURCES
        .iter()
        .filter(|s| s.default && !plans.iter().any(|p| p.source.name == s.name))
        .map(|s| s.name)
        .collect();
    if !left_out.is_empty() {
        eprintln!(
            "note: the snapshot holds only the sources updated now; it does not contain {}",
            left_out.join(", ")
        );
    }
    Ok(())
}

/// Imports one source's folder and checks it gave exactly one non-empty list of its format.
fn import_source(source: &Source, dir: &Path, lenient: bool) -> anyhow::Result<Vec<Import>> {
    let imports = snapshot::read_lists(&[dir.to_path_buf()], None, lenient)?;
    let [import] = imports.as_slice() else {
        bail!(
            "expected one {} list in {}, found {}",
            source.format.as_str(),
            dir.display(),
            imports.len()
        );
    };
    if import.format != source.format {
        bail!(
            "{}: expected the {} format, found {}",
            dir.display(),
            source.format.as_str(),
            import.format.as_str()
        );
    }
    if import.entities.is_empty() {
        bail!(
            "{}: the downloaded list has no entities{}",
            dir.display(),
            if import.skipped.is_empty() {
                String::new()
            } else {
                format!(" ({} bad records skipped)", import.skipped.len())
            }
        );
    }
    Ok(imports)
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(timeout))
        .user_agent(concat!("cortina/", env!("CARGO_PKG_VERSION")))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Downloads `url` into `dest` (through a temporary file beside it); returns the byte count.
fn download(agent: &ureq::Agent, url: &str, dest: &Path, max_bytes: u64) -> anyhow::Result<u64> {
    let mut response = agent.get(url).call().map_err(|e| anyhow!("{e}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!(
            "HTTP status {}{}",
            status.as_u16(),
            status
                .canonical_reason()
                .map(|r| format!(" {r}"))
                .unwrap_or_default()
        );
    }
    let name = dest.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dest.with_file_name(format!(".{name}.part"));
    let mut file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut reader = response.body_mut().with_config().limit(max_bytes).reader();
    let copied = io::copy(&mut reader, &mut file).and_then(|n| file.sync_all().map(|()| n));
    let bytes = match copied {
        Ok(n) => n,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            bail!("reading the response: {e} (the size cap is {max_bytes} bytes)");
        }
    };
    if bytes == 0 {
        let _ = fs::remove_file(&tmp);
        bail!("the response is empty");
    }
    fs::rename(&tmp, dest).with_context(|| format!("renaming into {}", dest.display()))?;
    Ok(bytes)
}

/// Creates `downloads/<UTC timestamp>[-N]/`.
fn new_download_folder(downloads: &Path) -> anyhow::Result<PathBuf> {
    fs::create_dir_all(downloads).with_context(|| format!("creating {}", downloads.display()))?;
    let stamp = utc_stamp(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    for n in 0..1000 {
        let name = if n == 0 {
            stamp.clone()
        } else {
            format!("{stamp}-{n}")
        };
        let path = downloads.join(name);
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
        }
    }
    bail!("cannot create a new folder in {}", downloads.display())
}

/// Removes all but the newest `keep` timestamped download folders; problems are only reported.
fn prune_downloads(downloads: &Path, keep: usize) {
    let Ok(entries) = fs::read_dir(downloads) else {
        return;
    };
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_stamp_name)
        })
        .collect();
    folders.sort();
    let excess = folders.len().saturating_sub(keep);
    for old in folders.into_iter().take(excess) {
        if let Err(e) = fs::remove_dir_all(&old) {
            eprintln!("warning: cannot remove old download {}: {e}", old.display());
        }
    }
}

/// Whether `name` looks like a folder made by [`new_download_folder`].
fn is_stamp_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 16
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'Z'
        && (b.len() == 16
            || (b.len() > 17 && b[16] == b'-' && b[17..].iter().all(u8::is_ascii_digit)))
}

/// `YYYYMMDDTHHMMSSZ` for a unix time (UTC; proleptic Gregorian calendar).
fn utc_stamp(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_urls(sources: &[&str], overrides: &[&str], base: Option<&str>) -> Vec<String> {
        let sources: Vec<String> = sources.iter().map(|s| (*s).to_owned()).collect();
        let overrides: Vec<String> = overrides.iter().map(|s| (*s).to_owned()).collect();
        let selected = select_sources(&sources).unwrap();
        plan(&selected, &overrides, base)
            .unwrap()
            .into_iter()
            .flat_map(|p| p.fetches.into_iter().map(|f| f.url))
            .collect()
    }

    #[test]
    fn defaults_exclude_opensanctions() {
        let names: Vec<&str> = select_sources(&[])
            .unwrap()
            .iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["ofac-sdn", "ofac-cons", "un", "eu", "uk"]);
        assert_eq!(
            select_sources(&["all".into()]).unwrap().len(),
            SOURCES.len()
        );
        assert!(select_sources(&["nope".into()]).is_err());
    }

    #[test]
    fn official_urls_by_default() {
        let urls = plan_urls(&["un"], &[], None);
        assert_eq!(
            urls,
            ["https://scsanctions.un.org/resources/xml/en/consolidated.xml"]
        );
    }

    #[test]
    fn overrides_and_base_url() {
        let urls = plan_urls(
            &["ofac-sdn", "un", "eu"],
            &[
                "ofac-sdn=http://m/ofac/",
                "ofac-sdn.alt=http://x/alt",
                "un=http://u/list.xml",
            ],
            Some("http://base"),
        );
        assert_eq!(
            urls,
            [
                "http://m/ofac/sdn.csv",
                "http://x/alt",
                "http://m/ofac/add.csv",
                "http://m/ofac/sdn_comments.csv",
                "http://u/list.xml",
                "http://base/eu/eu_fsf.xml",
            ]
        );
    }

    #[test]
    fn bad_overrides_are_refused() {
        let un = select_sources(&["un".into()]).unwrap();
        for bad in ["un", "nope=http://x", "un.zip=http://x", "un=ftp://x"] {
            assert!(plan(&un, &[bad.to_owned()], None).is_err(), "{bad}");
        }
        assert!(plan(&un, &[], Some("file:///x")).is_err());
    }

    /// Serves `body` once on a loopback port; returns the URL.
    fn one_shot(body: Vec<u8>) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(&body);
            }
        });
        format!("http://127.0.0.1:{port}/f")
    }

    #[test]
    fn downloads_are_capped_and_never_left_half_written() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("f.xml");
        let agent = agent(Duration::from_secs(10));

        let n = download(&agent, &one_shot(b"<x/>".to_vec()), &dest, 100).unwrap();
        assert_eq!(n, 4);
        assert_eq!(fs::read(&dest).unwrap(), b"<x/>");
        fs::remove_file(&dest).unwrap();

        let err = download(&agent, &one_shot(vec![b'a'; 100]), &dest, 10).unwrap_err();
        assert!(format!("{err:#}").contains("10 bytes"), "{err:#}");
        let err = download(&agent, &one_shot(Vec::new()), &dest, 10).unwrap_err();
        assert!(format!("{err:#}").contains("empty"), "{err:#}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "leftovers");
    }

    #[test]
    fn old_downloads_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "20260101T000000Z",
            "20260102T000000Z",
            "20260102T000000Z-1",
            "20260103T000000Z",
            "keep-me",
        ] {
            fs::create_dir(dir.path().join(name)).unwrap();
        }
        prune_downloads(dir.path(), 2);
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["20260102T000000Z-1", "20260103T000000Z", "keep-me"]);
    }

    #[test]
    fn stamps_are_utc_dates() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(1_771_000_000), "20260213T162640Z");
        assert!(is_stamp_name("20260213T163640Z"));
        assert!(is_stamp_name("20260213T163640Z-2"));
        assert!(!is_stamp_name("20260213T163640Z-"));
        assert!(!is_stamp_name("notes"));
    }
}
