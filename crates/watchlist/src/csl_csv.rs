//! The US Consolidated Screening List (CSL) CSV, which merges the export-control and sanctions
//! lists of the Departments of Commerce, State and the Treasury into one file with a header.
//!
//! Multi-valued columns (`alt_names`, `addresses`, `programs`, `dates_of_birth`,
//! `citizenships`, `nationalities`, `places_of_birth`, `ids`) separate their values with `;`.
//! Addresses end with an ISO alpha-2 country code; ids are `COUNTRY, NUMBER, TYPE` or
//! `NUMBER, TYPE` with OFAC's type labels. Rows without an `entity_number` (the non-OFAC lists)
//! get an id from a hash of their source and name, so that it stays the same between
//! publications.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::countries;
use crate::ofac_csv::{LineCounter, id_kind, parse_date};
use crate::{
    Address, BirthDate, Entity, Error, Format, IdKind, Identifier, Import, NameKind, Options,
    PartialDate, Schema, SourceFile,
};

const DATASET: &str = "us_trade_csl";

pub(crate) fn parse(file: SourceFile<'_>, options: Options) -> Result<Import, Error> {
    let mut notes = Vec::new();
    let mut skipped = Vec::new();
    let mut bytes = file.bytes;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        notes.push(format!("{}: byte order mark ignored", file.name));
        bytes = rest;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(e) => {
            notes.push(format!(
                "{}: not UTF-8 ({e}); read as Windows-1252/Latin-1",
                file.name
            ));
            bytes.iter().map(|&b| char::from(b)).collect()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(&text);
    let mut record = csv::StringRecord::new();
    let header = match reader.read_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect::<Vec<_>>(),
        Ok(false) => return Err(Error::file(file.name, "empty file: no CSL header")),
        Err(e) => return Err(Error::at(file.name, 1, format!("bad CSV header: {e}"))),
    };
    let columns: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    for required in ["source", "name"] {
        if !columns.contains_key(required) {
            return Err(Error::at(
                file.name,
                1,
                format!("the header has no {required} column; not a CSL file"),
            )
            .in_field(required));
        }
    }
    let mut entities: Vec<Entity> = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut merged = 0usize;
    loop {
        let start = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        let line = lines.line_at(start);
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let error = Error::at(file.name, line, format!("bad CSV: {e}"));
                crate::skip_or_fail(options, &mut skipped, error)?;
                continue;
            }
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let fields = Fields {
            columns: &columns,
            record: &record,
        };
        match row(file, line, &fields) {
            Ok(entity) => {
                if let Some(&i) = ids.get(&entity.id) {
                    merged += 1;
                    // The same entry under two lists: merge rather than lose either.
                    if let Some(existing) = entities.get_mut(i) {
                        merge(existing, entity);
                    }
                } else {
                    ids.insert(entity.id.clone(), entities.len());
                    entities.push(entity);
                }
            }
            Err(e) => crate::skip_or_fail(options, &mut skipped, e)?,
        }
    }
    if merged > 0 {
        notes.push(format!(
            "{}: {merged} rows repeat an earlier row's entry (same entity_number, or same source and name) and were merged into it",
            file.name
        ));
    }
    Ok(Import {
        format: Format::CslCsv,
        dataset: DATASET.to_owned(),
        entities,
        skipped,
        notes,
    })
}

/// Adds what `other` knows to `entity` (same id seen twice).
fn merge(entity: &mut Entity, other: Entity) {
    for name in other.names {
        let kind = if name.kind == NameKind::Primary {
            NameKind::Alias
        } else {
            name.kind
        };
        entity.add_name(&name.full, kind);
    }
    for d in other.birth_dates {
        entity.add_birth_date(d);
    }
    for c in other.countries {
        entity.add_country(&c);
    }
    for i in other.identifiers {
        entity.add_identifier(i);
    }
    for p in other.programs {
        entity.add_program(&p);
    }
    for a in other.addresses {
        if !entity.addresses.contains(&a) {
            entity.addresses.push(a);
        }
    }
    for p in other.birth_places {
        if !entity.birth_places.contains(&p) {
            entity.birth_places.push(p);
        }
    }
}

/// One row's fields, by column name.
struct Fields<'a> {
    columns: &'a HashMap<&'a str, usize>,
    record: &'a csv::StringRecord,
}

impl<'a> Fields<'a> {
    /// The trimmed value of a column, or "" when the column or the value is missing.
    fn get(&self, name: &str) -> &'a str {
        self.columns
            .get(name)
            .and_then(|&i| self.record.get(i))
            .map_or("", str::trim)
    }
}

/// The values of a `;`-separated column.
fn values(s: &str) -> impl Iterator<Item = &str> {
    s.split(';').map(str::trim).filter(|v| !v.is_empty())
}

/// Maps one CSL row.
fn row(file: SourceFile<'_>, line: u64, fields: &Fields<'_>) -> Result<Entity, Error> {
    let get = |name: &str| fields.get(name);
    let source = get("source");
    let name = get("name");
    if name.is_empty() {
        return Err(Error::at(file.name, line, "empty name").in_field("name"));
    }
    let number = get("entity_number");
    let id = if number.is_empty() {
        let digest = Sha256::digest(format!("{source}\n{name}").as_bytes());
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("csl-{hex}")
    } else if number
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        format!("csl-{number}")
    } else {
        return Err(Error::at(
            file.name,
            line,
            format!("entity_number {number:?} is not a number"),
        )
        .in_field("entity_number"));
    };
    let schema = match get("type").to_ascii_lowercase().as_str() {
        "individual" => Schema::Person,
        "vessel" => Schema::Vessel,
        "aircraft" => Schema::Airplane,
        _ => Schema::LegalEntity,
    };
    let mut entity = Entity::new(id, schema, DATASET);
    entity.add_name(name, NameKind::Primary);
    for alias in values(get("alt_names")) {
        entity.add_name(alias, NameKind::Alias);
    }
    for program in values(get("programs")) {
        entity.add_program(program);
    }
    for date in values(get("dates_of_birth")) {
        if let Some(d) = PartialDate::parse_iso(date).or_else(|| parse_date(date)) {
            entity.add_birth_date(BirthDate::exact(d));
        }
    }
    for place in values(get("places_of_birth")) {
        if !entity.birth_places.iter().any(|p| p == place) {
            entity.birth_places.push(place.to_owned());
        }
    }
    for country in values(get("nationalities")).chain(values(get("citizenships"))) {
        if let Some(code) = countries::to_code(country) {
            entity.add_country(code);
        }
    }
    if let Some(code) = countries::to_code(get("vessel_flag")) {
        entity.add_country(code);
    }
    for address in values(get("addresses")) {
        let last = address.rsplit(',').next().unwrap_or("").trim();
        let country = if last.len() == 2 {
            countries::to_code(last)
        } else {
            None
        };
        if let Some(code) = country {
            entity.add_country(code);
        }
        let address = Address {
            full: address.to_owned(),
            country: country.map(str::to_owned),
        };
        if !entity.addresses.contains(&address) {
            entity.addresses.push(address);
        }
    }
    let call_sign = get("call_sign");
    if !call_sign.is_empty() {
        entity.add_identifier(Identifier {
            kind: IdKind::Other,
            number: call_sign.to_owned(),
            country: None,
        });
    }
    for item in values(get("ids")) {
        if let Some(id) = identifier(item) {
            entity.add_identifier(id);
        }
    }
    Ok(entity)
}

/// An identifier from an `ids` value: `CO, 811038291-3, NIT #` or `21795618, Passport`.
fn identifier(item: &str) -> Option<Identifier> {
    let parts: Vec<&str> = item.split(", ").map(str::trim).collect();
    let (country, number, label) = match parts.as_slice() {
        [country, number, label] if country.len() == 2 => {
            (countries::to_code(country), *number, *label)
        }
        [number, label] => (None, *number, *label),
        _ => return None,
    };
    let kind = if label == "Vessel Registration Identification" && number.starts_with("IMO") {
        IdKind::Imo
    } else {
        id_kind(label)?
    };
    let number = if kind == IdKind::Imo {
        number.strip_prefix("IMO").unwrap_or(number).trim()
    } else {
        number
    };
    if number.is_empty() {
        return None;
    }
    Some(Identifier {
        kind,
        number: number.to_owned(),
        country: country.map(str::to_owned),
    })
}
