//! Watchlist publication formats in, one entity model out.
//!
//! Each supported format has a module that turns the publisher's bytes into [`Entity`] values:
//! OFAC's legacy CSV files (SDN and consolidated non-SDN) and SDN XML, the UN Security Council
//! consolidated XML, the EU financial sanctions XML (FSF), the UK Sanctions List, the US
//! Consolidated Screening List CSV, OpenSanctions FollowTheMoney JSON lines and Senzing JSON.
//!
//! The crate does no I/O: callers hand it [`SourceFile`]s (a display name and the bytes), which
//! keeps it testable and lets the binary decide where bytes come from (files, downloads). Bad input
//! gives an [`Error`] that names the file, the line and the field; with [`Options::lenient`] bad
//! records are skipped and reported in [`Import::skipped`] instead. Nothing here panics on input.

pub mod countries;
mod csl_csv;
mod detect;
mod error;
mod eu_xml;
mod ftm_json;
pub mod model;
mod ofac_csv;
mod ofac_xml;
mod senzing;
mod uk;
mod un_xml;
mod xml_records;

pub use detect::{Format, detect_format};
pub use error::Error;
pub use model::{
    Address, BirthDate, DatePrecision, Entity, Gender, IdKind, Identifier, Name, NameKind,
    PartialDate, Schema,
};

/// One input file: a name for messages (usually its path) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    /// The name used in error messages, usually the path as the user gave it.
    pub name: &'a str,
    /// The file's bytes, exactly as published.
    pub bytes: &'a [u8],
}

impl<'a> SourceFile<'a> {
    /// A source file from a name and bytes.
    pub fn new(name: &'a str, bytes: &'a [u8]) -> SourceFile<'a> {
        SourceFile { name, bytes }
    }

    /// The file name without its directory, lower-cased (used to recognise OFAC's companions).
    pub fn base_name(&self) -> String {
        self.name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(self.name)
            .to_ascii_lowercase()
    }
}

/// How to treat bad records.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Skip bad records and report them in [`Import::skipped`] instead of failing the import.
    pub lenient: bool,
}

/// The result of importing one list (one file, or one OFAC CSV file set).
#[derive(Debug, Clone)]
pub struct Import {
    /// The format that was read.
    pub format: Format,
    /// The dataset name (OpenSanctions' naming: `us_ofac_sdn`, `un_sc_sanctions`, ...).
    pub dataset: String,
    /// The entities, in publication order.
    pub entities: Vec<Entity>,
    /// Records skipped in lenient mode, each with the reason and where it was.
    pub skipped: Vec<Error>,
    /// Quirks that were accepted without losing data (e.g. a trailing 0x1A byte), for the report.
    pub notes: Vec<String>,
}

/// An OFAC legacy CSV file set: the main file and its optional companions.
#[derive(Debug, Clone, Copy)]
pub struct OfacCsvSet<'a> {
    /// `sdn.csv` or `cons_prim.csv`.
    pub main: SourceFile<'a>,
    /// `alt.csv` or `cons_alt.csv`.
    pub alt: Option<SourceFile<'a>>,
    /// `add.csv` or `cons_add.csv`.
    pub add: Option<SourceFile<'a>>,
    /// `sdn_comments.csv` or `cons_comments.csv` (overflow of the Remarks column).
    pub comments: Option<SourceFile<'a>>,
}

/// Imports a set of files: each file is detected (or read as `format` when given) and OFAC CSV
/// companions (`alt`, `add`, `comments`) are joined to their main file by name. Returns one
/// [`Import`] per list.
pub fn import_files(
    files: &[SourceFile<'_>],
    format: Option<Format>,
    options: Options,
) -> Result<Vec<Import>, Error> {
    let mut imports = Vec::new();
    let mut ofac_sets: Vec<(Format, OfacCsvSet<'_>)> = Vec::new();
    let mut companions: Vec<(SourceFile<'_>, String)> = Vec::new();
    for file in files {
        let base = file.base_name();
        if let Some(role) = ofac_csv::companion_role(&base)
            && (format.is_none()
                || matches!(format, Some(Format::OfacSdnCsv | Format::OfacConsCsv)))
        {
            companions.push((*file, role.to_owned()));
            continue;
        }
        let detected = match format {
            Some(f) => f,
            None => detect_format(file)?,
        };
        match detected {
            Format::OfacSdnCsv | Format::OfacConsCsv => ofac_sets.push((
                detected,
                OfacCsvSet {
                    main: *file,
                    alt: None,
                    add: None,
                    comments: None,
                },
            )),
            other => imports.push(import_one(other, *file, options)?),
        }
    }
    for (companion, role) in companions {
        let dir = parent_dir(companion.name);
        let cons = companion.base_name().starts_with("cons_");
        let set = ofac_sets.iter_mut().find(|(f, set)| {
            parent_dir(set.main.name) == dir && (*f == Format::OfacConsCsv) == cons
        });
        let Some((_, set)) = set else {
            return Err(Error::file(
                companion.name,
                "an OFAC companion file without its main file (sdn.csv or cons_prim.csv) beside it",
            ));
        };
        match role.as_str() {
            "alt" => set.alt = Some(companion),
            "add" => set.add = Some(companion),
            _ => set.comments = Some(companion),
        }
    }
    for (f, set) in ofac_sets {
        imports.push(ofac_csv::parse(set, f == Format::OfacConsCsv, options)?);
    }
    Ok(imports)
}

/// Imports one file of a known format (OFAC CSV files without companions are read alone).
pub fn import_one(format: Format, file: SourceFile<'_>, options: Options) -> Result<Import, Error> {
    match format {
        Format::OfacSdnCsv | Format::OfacConsCsv => ofac_csv::parse(
            OfacCsvSet {
                main: file,
                alt: None,
                add: None,
                comments: None,
            },
            format == Format::OfacConsCsv,
            options,
        ),
        Format::OfacSdnXml => ofac_xml::parse(file, options),
        Format::UnXml => un_xml::parse(file, options),
        Format::EuFsfXml => eu_xml::parse(file, options),
        Format::UkSanctions => uk::parse(file, options),
        Format::CslCsv => csl_csv::parse(file, options),
        Format::FtmJson => ftm_json::parse(file, options),
        Format::SenzingJson => senzing::parse(file, options),
    }
}

/// Imports an OFAC legacy CSV file set.
pub fn import_ofac_csv(
    set: OfacCsvSet<'_>,
    consolidated: bool,
    options: Options,
) -> Result<Import, Error> {
    ofac_csv::parse(set, consolidated, options)
}

/// Fails in strict mode; records the error in `skipped` and lets the caller go on in lenient mode.
pub(crate) fn skip_or_fail(
    options: Options,
    skipped: &mut Vec<Error>,
    error: Error,
) -> Result<(), Error> {
    if options.lenient {
        skipped.push(error);
        Ok(())
    } else {
        Err(error)
    }
}

fn parent_dir(path: &str) -> &str {
    path.rfind(['/', '\\']).map_or("", |i| &path[..i])
}
