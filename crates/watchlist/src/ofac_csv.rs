//! OFAC's legacy CSV files: the SDN list (`sdn.csv`, `alt.csv`, `add.csv`, `sdn_comments.csv`)
//! and the consolidated non-SDN list (`cons_prim.csv` and its `cons_` companions).
//!
//! The files have no header; `-0-` stands for an empty value. The main file has one row per
//! entry (ent_num, name, type, programs, title, call sign, vessel type, tonnage, GRT, vessel flag,
//! vessel owner, remarks); `alt` adds strong aliases, `add` addresses, and `comments` continues
//! remarks that did not fit the main file. Most of what matters for screening (dates and places
//! of birth, nationality, identity documents, weak a.k.a.s) is in the Remarks mini-language,
//! which [`apply_remarks`] reads. Published files often end with an MS-DOS end-of-file byte
//! (0x1A) or a last line without a line end, sometimes cut short; these are accepted when the
//! record is still whole and reported in [`Import::notes`].

use std::collections::HashMap;

use crate::countries;
use crate::{
    Address, BirthDate, Entity, Error, Format, Gender, IdKind, Identifier, Import, NameKind,
    OfacCsvSet, Options, PartialDate, Schema, SourceFile,
};

/// The role of an OFAC companion file, from its lower-case base name.
pub(crate) fn companion_role(base: &str) -> Option<&'static str> {
    match base {
        "alt.csv" | "cons_alt.csv" => Some("alt"),
        "add.csv" | "cons_add.csv" => Some("add"),
        "sdn_comments.csv" | "cons_comments.csv" => Some("comments"),
        _ => None,
    }
}

/// Column names, for error messages.
const MAIN_COLUMNS: [&str; 12] = [
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
];
const ALT_COLUMNS: [&str; 5] = ["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"];
const ADD_COLUMNS: [&str; 6] = [
    "ent_num",
    "add_num",
    "address",
    "city_state_postal",
    "country",
    "add_remarks",
];
const COMMENT_COLUMNS: [&str; 2] = ["ent_num", "remarks"];

/// One parsed CSV row: its 1-based line and its trimmed fields (`-0-` made empty).
struct Row {
    line: u64,
    fields: Vec<String>,
}

impl Row {
    fn get(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", String::as_str)
    }
}

/// What reading an OFAC CSV set collects besides entities.
struct Report {
    options: Options,
    skipped: Vec<Error>,
    notes: Vec<String>,
}

impl Report {
    /// The row, or `None` after recording its error (lenient), or the error (strict).
    fn row(&mut self, row: Result<Row, Error>) -> Result<Option<Row>, Error> {
        match row {
            Ok(row) => Ok(Some(row)),
            Err(e) => self.bad(e).map(|()| None),
        }
    }

    /// Fails in strict mode; records the error and goes on in lenient mode.
    fn bad(&mut self, error: Error) -> Result<(), Error> {
        crate::skip_or_fail(self.options, &mut self.skipped, error)
    }
}

pub(crate) fn parse(
    set: OfacCsvSet<'_>,
    consolidated: bool,
    options: Options,
) -> Result<Import, Error> {
    let mut report = Report {
        options,
        skipped: Vec::new(),
        notes: Vec::new(),
    };
    let (format, dataset, prefix) = if consolidated {
        (Format::OfacConsCsv, "us_ofac_cons", "ofac-cons-")
    } else {
        (Format::OfacSdnCsv, "us_ofac_sdn", "ofac-")
    };

    // Remarks overflow, joined to the main remarks exactly (OFAC cuts mid-word).
    let mut comments: HashMap<String, String> = HashMap::new();
    if let Some(file) = set.comments {
        for row in read_rows(file, &COMMENT_COLUMNS, &mut report) {
            let Some(row) = report.row(row)? else {
                continue;
            };
            let Some(ent) = ent_num(file, &row, &mut report)? else {
                continue;
            };
            comments
                .entry(ent)
                .or_default()
                .push_str(row.fields.get(1).map_or("", String::as_str));
        }
    }

    let mut entities: Vec<Entity> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut unread_remarks = 0usize;
    let main = set.main;
    for row in read_rows(main, &MAIN_COLUMNS, &mut report) {
        let Some(row) = report.row(row)? else {
            continue;
        };
        let Some(ent) = ent_num(main, &row, &mut report)? else {
            continue;
        };
        if index.contains_key(&ent) {
            report.bad(
                Error::at(main.name, row.line, format!("ent_num {ent} appears twice"))
                    .in_field("ent_num"),
            )?;
            continue;
        }
        let name = row.get(1);
        if name.is_empty() {
            report.bad(Error::at(main.name, row.line, "empty name").in_field("SDN_Name"))?;
            continue;
        }
        let schema = match row.get(2).to_ascii_lowercase().as_str() {
            "" => Schema::LegalEntity,
            "individual" => Schema::Person,
            "vessel" => Schema::Vessel,
            "aircraft" => Schema::Airplane,
            other => {
                report.bad(
                    Error::at(main.name, row.line, format!("unknown entry type {other:?}"))
                        .in_field("SDN_Type"),
                )?;
                continue;
            }
        };
        let mut entity = Entity::new(format!("{prefix}{ent}"), schema, dataset);
        entity.add_name(name, NameKind::Primary);
        for program in split_programs(row.get(3)) {
            entity.add_program(program);
        }
        let call_sign = row.get(5);
        if !call_sign.is_empty() {
            entity.add_identifier(Identifier {
                kind: IdKind::Other,
                number: call_sign.to_owned(),
                country: None,
            });
        }
        if let Some(code) = countries::to_code(row.get(9)) {
            entity.add_country(code);
        }
        let mut remarks = row.get(11).to_owned();
        if let Some(more) = comments.remove(&ent) {
            remarks.push_str(&more);
        }
        unread_remarks += apply_remarks(&mut entity, &remarks);
        index.insert(ent, entities.len());
        entities.push(entity);
    }
    let mut orphans: Vec<(String, u64, &str)> = Vec::new();
    for (ent, _) in comments {
        orphans.push((ent, 0, set.comments.map_or("", |f| f.name)));
    }

    if let Some(file) = set.alt {
        for row in read_rows(file, &ALT_COLUMNS, &mut report) {
            let Some(row) = report.row(row)? else {
                continue;
            };
            let Some(ent) = ent_num(file, &row, &mut report)? else {
                continue;
            };
            let Some(&i) = index.get(&ent) else {
                orphans.push((ent, row.line, file.name));
                continue;
            };
            let kind = match row.get(2).to_ascii_lowercase().as_str() {
                "aka" | "fka" | "nka" | "" => NameKind::Alias,
                other => {
                    report.bad(
                        Error::at(file.name, row.line, format!("unknown alias type {other:?}"))
                            .in_field("alt_type"),
                    )?;
                    continue;
                }
            };
            if let Some(entity) = entities.get_mut(i) {
                entity.add_name(row.get(3), kind);
            }
        }
    }

    if let Some(file) = set.add {
        for row in read_rows(file, &ADD_COLUMNS, &mut report) {
            let Some(row) = report.row(row)? else {
                continue;
            };
            let Some(ent) = ent_num(file, &row, &mut report)? else {
                continue;
            };
            let Some(&i) = index.get(&ent) else {
                orphans.push((ent, row.line, file.name));
                continue;
            };
            let parts: Vec<&str> = [row.get(2), row.get(3), row.get(4)]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect();
            if parts.is_empty() {
                continue;
            }
            let country = countries::to_code(row.get(4));
            if let Some(entity) = entities.get_mut(i) {
                if let Some(code) = country {
                    entity.add_country(code);
                }
                let address = Address {
                    full: parts.join(", "),
                    country: country.map(str::to_owned),
                };
                if !entity.addresses.contains(&address) {
                    entity.addresses.push(address);
                }
            }
        }
    }

    if !orphans.is_empty() {
        orphans.sort();
        let first = orphans
            .iter()
            .take(5)
            .map(|(ent, line, file)| match line {
                0 => format!("{file} ent_num {ent}"),
                _ => format!("{file}:{line} ent_num {ent}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        report.notes.push(format!(
            "{} companion rows refer to an ent_num not in {} and were ignored (first: {first})",
            orphans.len(),
            main.name
        ));
    }
    if unread_remarks > 0 {
        report.notes.push(format!(
            "{unread_remarks} DOB/nationality/gender remarks in {} were not understood and were left out",
            main.name
        ));
    }
    Ok(Import {
        format,
        dataset: dataset.to_owned(),
        entities,
        skipped: report.skipped,
        notes: report.notes,
    })
}

/// The ent_num of a row, checked to be a number; `None` when the row was skipped.
fn ent_num(file: SourceFile<'_>, row: &Row, report: &mut Report) -> Result<Option<String>, Error> {
    let ent = row.get(0);
    if !ent.is_empty() && ent.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Some(ent.to_owned()))
    } else {
        report.bad(
            Error::at(
                file.name,
                row.line,
                format!("ent_num {ent:?} is not a number"),
            )
            .in_field("ent_num"),
        )?;
        Ok(None)
    }
}

/// Program codes from the Program column: `SDGT] [SDNTK` → `SDGT`, `SDNTK`.
fn split_programs(s: &str) -> impl Iterator<Item = &str> {
    s.split("] [")
        .map(|p| {
            p.trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
        })
        .filter(|p| !p.is_empty())
}

/// The text of a file, with the accepted quirks (BOM, 0x1A, Latin-1) noted.
fn file_text(file: SourceFile<'_>, notes: &mut Vec<String>) -> String {
    let mut bytes = file.bytes;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        notes.push(format!("{}: byte order mark ignored", file.name));
        bytes = rest;
    }
    let mut end = bytes.len();
    while end > 0 && bytes.get(end - 1) == Some(&0x1A) {
        end -= 1;
    }
    if end < bytes.len() {
        notes.push(format!(
            "{}: trailing 0x1A (end-of-file) byte ignored",
            file.name
        ));
        bytes = bytes.get(..end).unwrap_or_default();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            notes.push(format!(
                "{}: not UTF-8; read as Windows-1252/Latin-1",
                file.name
            ));
            bytes.iter().map(|&b| char::from(b)).collect()
        }
    }
}

/// Reads the rows of one headerless OFAC CSV file with `columns.len()` fields per row.
/// Rows that cannot be read come back as errors, in file order, for the caller to fail on or
/// skip.
fn read_rows(
    file: SourceFile<'_>,
    columns: &[&str],
    report: &mut Report,
) -> Vec<Result<Row, Error>> {
    let text = file_text(file, &mut report.notes);
    let body = text.trim_end_matches([' ', '\t']);
    let ends_with_newline = body.is_empty() || body.ends_with('\n') || body.ends_with('\r');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(body);
    loop {
        let start = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        let line = lines.line_at(start);
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                rows.push(Err(Error::at(file.name, line, format!("bad CSV: {e}"))));
                continue;
            }
        }
        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue;
        }
        let at_end = usize::try_from(reader.position().byte()).is_ok_and(|b| b >= body.len());
        let fields: Vec<String> = record
            .iter()
            .map(|f| {
                let f = f.trim();
                if f == "-0-" { "" } else { f }.to_owned()
            })
            .collect();
        if at_end && !ends_with_newline {
            let last_line = body.rsplit('\n').next().unwrap_or_default();
            let quotes_balanced = last_line.bytes().filter(|&b| b == b'"').count() % 2 == 0;
            if fields.len() != columns.len() || !quotes_balanced {
                rows.push(Err(Error::at(
                    file.name,
                    line,
                    format!(
                        "the last line is cut short ({} of {} fields{}); the file looks truncated",
                        fields.len(),
                        columns.len(),
                        if quotes_balanced {
                            ""
                        } else {
                            ", an open quote"
                        }
                    ),
                )));
                if report.options.lenient {
                    report
                        .notes
                        .push(format!("{}:{line}: truncated last line skipped", file.name));
                }
                continue;
            }
            let mut fields = fields;
            if let Some(last) = fields.last_mut()
                && (last == "-0" || last == "-")
            {
                last.clear();
                report.notes.push(format!(
                    "{}:{line}: last line ends in a cut-short -0- marker; read as empty",
                    file.name
                ));
            } else {
                report.notes.push(format!(
                    "{}:{line}: last line has no line end; its record is whole and was kept",
                    file.name
                ));
            }
            rows.push(Ok(Row { line, fields }));
            continue;
        }
        if fields.len() != columns.len() {
            rows.push(Err(Error::at(
                file.name,
                line,
                format!(
                    "{} fields where {} were expected ({})",
                    fields.len(),
                    columns.len(),
                    columns.join(", ")
                ),
            )
            .in_field(
                columns.get(fields.len()).unwrap_or(&"(extra)").to_string(),
            )));
            continue;
        }
        rows.push(Ok(Row { line, fields }));
    }
    rows
}

/// Line numbers from byte offsets, for readers (like `csv`'s) that count lines lazily.
pub(crate) struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// A counter at the start of `text`.
    pub(crate) fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of the first character at or after `offset` that is not a line end
    /// (a record that starts at a line end starts on the next line). Offsets must not go back.
    pub(crate) fn line_at(&mut self, offset: usize) -> u64 {
        let bytes = self.text.as_bytes();
        let mut start = offset.min(bytes.len());
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.offset {
            let newlines = bytes
                .get(self.offset..start)
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
            self.line += newlines as u64;
            self.offset = start;
        }
        self.line
    }
}

/// Identifier labels of the Remarks mini-language, longest first where one starts another.
const ID_LABELS: &[(&str, IdKind)] = &[
    ("Vessel Registration Identification IMO", IdKind::Imo),
    ("Identification Number IMO", IdKind::Imo),
    ("Company Number IMO", IdKind::Imo),
    ("IMO", IdKind::Imo),
    ("SWIFT/BIC", IdKind::Swift),
    ("Diplomatic Passport", IdKind::Passport),
    ("Stateless Person Passport", IdKind::Passport),
    ("Passport Booklet:", IdKind::Passport),
    ("Passport Booklet", IdKind::Passport),
    ("Passport No.", IdKind::Passport),
    ("Passport", IdKind::Passport),
    ("Travel Document Number", IdKind::Passport),
    ("Cedula No.", IdKind::NationalId),
    ("National ID No.", IdKind::NationalId),
    ("National Foreign ID Number", IdKind::NationalId),
    ("Personal ID Card", IdKind::NationalId),
    ("Tazkira National ID Card", IdKind::NationalId),
    ("Turkish Identification Number", IdKind::NationalId),
    ("Kenyan ID No.", IdKind::NationalId),
    ("Citizen's Card Number", IdKind::NationalId),
    ("Numero de Identidad", IdKind::NationalId),
    ("C.U.R.P. #", IdKind::NationalId),
    ("C.U.R.P.", IdKind::NationalId),
    ("CURP #", IdKind::NationalId),
    ("CURP", IdKind::NationalId),
    ("D.N.I.", IdKind::NationalId),
    ("SSN", IdKind::NationalId),
    ("Italian Fiscal Code:", IdKind::Tax),
    ("Italian Fiscal Code", IdKind::Tax),
    ("R.F.C. #", IdKind::Tax),
    ("R.F.C.", IdKind::Tax),
    ("RFC #", IdKind::Tax),
    ("RFC", IdKind::Tax),
    ("NIT #", IdKind::Tax),
    ("RUC #", IdKind::Tax),
    ("RIF #", IdKind::Tax),
    ("RTN", IdKind::Tax),
    ("C.U.I.T.", IdKind::Tax),
    ("C.U.I.P.", IdKind::Tax),
    ("C.U.I.", IdKind::Tax),
    ("C.I.F.", IdKind::Tax),
    ("Tax ID No.", IdKind::Tax),
    ("V.A.T. Number", IdKind::Tax),
    ("US FEIN", IdKind::Tax),
    (
        "Numero Unico de Identificacao Tributaria (NUIT)",
        IdKind::Tax,
    ),
    ("Registration ID", IdKind::Registration),
    ("Registration Number", IdKind::Registration),
    ("Public Registration Number", IdKind::Registration),
    ("UK Company Number", IdKind::Registration),
    ("Company Number", IdKind::Registration),
    ("Business Registration Number", IdKind::Registration),
    ("Business Registration Document #", IdKind::Registration),
    ("Business Number", IdKind::Registration),
    ("Commercial Registry Number", IdKind::Registration),
    ("C.R. No.", IdKind::Registration),
    ("Matricula Mercantil No", IdKind::Registration),
    ("Folio Mercantil No.", IdKind::Registration),
    ("Government Gazette Number", IdKind::Registration),
    ("Trade License No.", IdKind::Registration),
    ("Legal Entity Number", IdKind::Registration),
    ("LE Number", IdKind::Registration),
    ("Chamber of Commerce Number", IdKind::Registration),
    (
        "Dubai Chamber of Commerce Membership No.",
        IdKind::Registration,
    ),
    ("Certificate of Incorporation Number", IdKind::Registration),
    ("Unified Social Credit Code (USCC)", IdKind::Registration),
    (
        "United Social Credit Code Certificate (USCCC)",
        IdKind::Registration,
    ),
    ("Enterprise Number", IdKind::Registration),
    ("Registered Charity No.", IdKind::Registration),
    ("Branch Unit Number", IdKind::Registration),
    ("Chinese Commercial Code", IdKind::Other),
    ("MMSI", IdKind::Other),
    ("D-U-N-S Number", IdKind::Other),
    ("BIK (RU)", IdKind::Other),
    ("Aircraft Tail Number", IdKind::Other),
    ("Aircraft Serial Identification", IdKind::Other),
    (
        "Aircraft Construction Number (also called L/N or S/N or F/N)",
        IdKind::Other,
    ),
    ("Identification Number", IdKind::Other),
    ("Driver's License No.", IdKind::Other),
    ("Electoral Registry No.", IdKind::Other),
    ("Credencial electoral", IdKind::Other),
    ("Cartilla de Servicio Militar Nacional", IdKind::Other),
    ("Residency Number", IdKind::Other),
    ("Birth Certificate Number", IdKind::Other),
    ("I.F.E.", IdKind::Other),
    ("Immigration No.", IdKind::Other),
    ("File Number", IdKind::Other),
];

/// Reads the Remarks mini-language into the entity: dates and places of birth, nationality and
/// citizenship, gender, identifiers, registration flags and remark a.k.a.s (weak aliases).
/// Returns how many DOB, nationality or gender items were recognised but not understood.
pub(crate) fn apply_remarks(entity: &mut Entity, remarks: &str) -> usize {
    let mut unread = 0;
    for item in remarks.split(';') {
        let item = item.trim();
        let item = item
            .strip_prefix("alt. ")
            .or_else(|| item.strip_prefix("Alt. "))
            .unwrap_or(item)
            .trim();
        if item.is_empty() {
            continue;
        }
        let bare = item.strip_suffix('.').unwrap_or(item).trim();
        if let Some(rest) = label(bare, "DOB") {
            let dates = parse_dob(rest);
            if dates.is_empty() {
                unread += 1;
            }
            for date in dates {
                entity.add_birth_date(date);
            }
        } else if let Some(rest) = label(bare, "POB") {
            if !entity.birth_places.iter().any(|p| p == rest) && !rest.is_empty() {
                entity.birth_places.push(rest.to_owned());
            }
        } else if let Some(rest) = label(bare, "Nationality of Registration")
            .or_else(|| label(bare, "nationality"))
            .or_else(|| label(bare, "Nationality"))
            .or_else(|| label(bare, "citizen"))
            .or_else(|| label(bare, "Citizen"))
            .or_else(|| label(bare, "Vessel Flag"))
        {
            match countries::to_code(rest) {
                Some(code) => entity.add_country(code),
                None => unread += 1,
            }
        } else if let Some(rest) = label(bare, "Gender") {
            match Gender::parse(rest) {
                Some(g) if entity.gender.is_none() => entity.gender = Some(g),
                Some(_) => {}
                None => unread += 1,
            }
        } else if let Some(rest) = label(item, "a.k.a.")
            .or_else(|| label(item, "f.k.a."))
            .or_else(|| label(item, "n.k.a."))
        {
            entity.add_name(quoted(rest), NameKind::Weak);
        } else if let Some(id) = identifier(bare) {
            entity.add_identifier(id);
        }
    }
    unread
}

/// The rest of `item` after `label` and a space (or the label alone), trimmed.
fn label<'a>(item: &'a str, label: &str) -> Option<&'a str> {
    let rest = item.strip_prefix(label)?;
    if rest.is_empty() {
        return Some("");
    }
    rest.strip_prefix(' ').map(str::trim)
}

/// The name inside `'...'` (up to the last quote), or the text as it is when it is not quoted.
fn quoted(s: &str) -> &str {
    let s = s.trim();
    match s.strip_prefix('\'') {
        Some(inner) => match inner.rfind('\'') {
            Some(end) => inner.get(..end).unwrap_or(inner),
            None => inner,
        },
        None => s,
    }
    .trim()
}

/// The kind of identifier an OFAC label names (`Passport`, `Tax ID No.`, `Registration ID`...),
/// matched exactly (ignoring case and a final dot); `None` for labels that are not identifiers.
pub(crate) fn id_kind(label: &str) -> Option<IdKind> {
    let label = label.trim().trim_end_matches('.');
    ID_LABELS
        .iter()
        .find(|(l, _)| l.trim_end_matches('.').eq_ignore_ascii_case(label))
        .map(|&(_, kind)| kind)
}

/// An identifier from a remark such as `Passport AB123 (Colombia) issued 01 Jan 2000`.
fn identifier(item: &str) -> Option<Identifier> {
    let (kind, rest) = ID_LABELS
        .iter()
        .find_map(|&(l, kind)| label(item, l).map(|rest| (kind, rest)))?;
    let mut number = rest;
    let mut country = None;
    for stop in [
        " issued",
        " expires",
        " (",
        " Issue Date",
        " Expiration Date",
    ] {
        if let Some(i) = number.find(stop) {
            number = number.get(..i).unwrap_or(number);
        }
    }
    if let Some(open) = rest.find('(')
        && let Some(close) = rest.get(open..).and_then(|r| r.find(')'))
    {
        country = rest
            .get(open + 1..open + close)
            .and_then(countries::to_code)
            .map(str::to_owned);
    }
    let number = number.trim().trim_end_matches(',').trim();
    if number.is_empty() || !number.bytes().any(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(Identifier {
        kind,
        number: number.to_owned(),
        country,
    })
}

/// The birth dates in a DOB remark: `12 Jan 1960`, `Mar 1955`, `1961`, `circa 1962`,
/// `1960 to 1963` (each year, approximate).
pub(crate) fn parse_dob(s: &str) -> Vec<BirthDate> {
    let s = s.trim();
    let (approximate, s) = match s.strip_prefix("circa ") {
        Some(rest) => (true, rest.trim()),
        None => (false, s),
    };
    let range = s.split_once(" to ").or_else(|| {
        // "1979-1982"
        s.split_once('-')
            .filter(|(a, b)| a.trim().len() == 4 && b.trim().len() == 4)
    });
    if let Some((from, to)) = range {
        let (Some(from), Some(to)) = (parse_date(from), parse_date(to)) else {
            return Vec::new();
        };
        if to.year < from.year || to.year - from.year > 30 {
            return Vec::new();
        }
        return (from.year..=to.year)
            .map(|y| BirthDate {
                date: PartialDate::year(y),
                approximate: true,
            })
            .collect();
    }
    parse_date(s)
        .map(|date| BirthDate { date, approximate })
        .into_iter()
        .collect()
}

/// A date in OFAC's style: `12 Jan 1960`, `Jan 1960` or `1960`.
pub(crate) fn parse_date(s: &str) -> Option<PartialDate> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let year = |y: &str| -> Option<u16> {
        if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) {
            y.parse().ok()
        } else {
            None
        }
    };
    match parts.as_slice() {
        [y] => PartialDate::new(year(y)?, None, None),
        [m, y] => PartialDate::new(year(y)?, Some(month(m)?), None),
        [d, m, y] => {
            let day: u8 = d.parse().ok()?;
            PartialDate::new(year(y)?, Some(month(m)?), Some(day))
        }
        _ => None,
    }
}

/// The month number of an English month name or its three-letter abbreviation.
fn month(s: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let s = s.trim_end_matches('.').to_ascii_lowercase();
    let head = s.get(..3)?;
    let i = MONTHS.iter().position(|m| *m == head)?;
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if s.len() == 3 || full.get(i).is_some_and(|f| *f == s) || s == "sept" {
        u8::try_from(i + 1).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DatePrecision;

    fn d(s: &str) -> PartialDate {
        PartialDate::parse_iso(s).unwrap()
    }

    #[test]
    fn dob_forms() {
        assert_eq!(
            parse_dob("12 Jan 1960"),
            vec![BirthDate::exact(d("1960-01-12"))]
        );
        assert_eq!(parse_dob("1961"), vec![BirthDate::exact(d("1961"))]);
        assert_eq!(
            parse_dob("Mar 1955")[0].date.precision(),
            DatePrecision::Month
        );
        let circa = parse_dob("circa 1962");
        assert_eq!(circa.len(), 1);
        assert!(circa[0].approximate);
        let range = parse_dob("1960 to 1963");
        assert_eq!(range.len(), 4);
        assert!(range.iter().all(|b| b.approximate));
        assert_eq!(range[3].date, d("1963"));
        assert_eq!(parse_dob("circa 1979-1982").len(), 4);
        assert!(parse_dob("31 Feb 1960").is_empty());
        assert!(parse_dob("sometime").is_empty());
        assert!(parse_dob("1960 to 1900").is_empty());
    }

    #[test]
    fn remarks_language() {
        let mut e = Entity::new("ofac-1", Schema::Person, "us_ofac_sdn");
        e.add_name("GOMEZ, Juan", NameKind::Primary);
        let unread = apply_remarks(
            &mut e,
            "DOB 12 Jan 1960; alt. DOB 1961; POB Medellin, Colombia; nationality Colombia; \
             citizen Venezuela; Gender Male; Passport AB123 (Colombia) issued 01 Jan 2000; \
             Cedula No. 123.456 (Colombia); C.U.R.P. GOJU600112HNEXXX01; R.F.C. GOJU600112; \
             NIT # 800-1 (Colombia); Tax ID No. 77 (Russia); Registration ID 55; \
             SWIFT/BIC BNCUCUHH; a.k.a. 'EL GORDO'; Linked To: SOMETHING S.A.; nationality Narnia.",
        );
        assert_eq!(unread, 1);
        assert_eq!(e.birth_dates.len(), 2);
        assert_eq!(e.birth_places, vec!["Medellin, Colombia"]);
        assert_eq!(e.countries, vec!["co", "ve"]);
        assert_eq!(e.gender, Some(Gender::Male));
        assert_eq!(e.names[1].full, "EL GORDO");
        assert_eq!(e.names[1].kind, NameKind::Weak);
        let ids: Vec<(IdKind, &str, Option<&str>)> = e
            .identifiers
            .iter()
            .map(|i| (i.kind, i.number.as_str(), i.country.as_deref()))
            .collect();
        assert_eq!(
            ids,
            vec![
                (IdKind::Passport, "AB123", Some("co")),
                (IdKind::NationalId, "123.456", Some("co")),
                (IdKind::NationalId, "GOJU600112HNEXXX01", None),
                (IdKind::Tax, "GOJU600112", None),
                (IdKind::Tax, "800-1", Some("co")),
                (IdKind::Tax, "77", Some("ru")),
                (IdKind::Registration, "55", None),
                (IdKind::Swift, "BNCUCUHH", None),
            ]
        );
    }

    #[test]
    fn vessel_remarks() {
        let mut e = Entity::new("ofac-2", Schema::Vessel, "us_ofac_sdn");
        apply_remarks(
            &mut e,
            "Vessel Registration Identification IMO 9079107; MMSI 123; Nationality of Registration Korea, North.",
        );
        assert_eq!(e.identifiers[0].kind, IdKind::Imo);
        assert_eq!(e.identifiers[0].number, "9079107");
        assert_eq!(e.countries, vec!["kp"]);
    }
}
