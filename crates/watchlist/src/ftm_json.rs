//! OpenSanctions FollowTheMoney entities as JSON lines (`entities.ftm.json`), and the "nested"
//! shape (`targets.nested.json`) where property values may be whole entities.
//!
//! One JSON object per line: `{"id", "schema", "properties": {...}, "datasets": [...], ...}`.
//! Entities of the schemata the model knows (Person, Organization, Company, LegalEntity, Vessel,
//! Airplane; PublicBody is read as an Organization) become [`Entity`] values keeping their own
//! id; the dataset is the first of `datasets`, else "opensanctions". Records of other schemata
//! (Sanction, Address, Ownership, Family, Passport, ...) are not names of things: they are skipped
//! without error and counted in [`Import::notes`].
//!
//! Properties read: `caption` (first primary name), `name` (primary), `alias` and `previousName`
//! (aliases), `weakAlias` (weak), `firstName`/`middleName`/`lastName` (a name when there is no
//! `name`), `birthDate` and `incorporationDate` (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`; a time part is
//! ignored), `birthPlace`, `nationality`, `citizenship`, `country`, `jurisdiction`, `mainCountry`
//! and `flag` (ISO codes as FtM writes them), `gender`, the identifier properties `idNumber`,
//! `passportNumber`, `taxNumber`, `innCode`, `registrationNumber`, `ogrnCode`, `imoNumber`,
//! `swiftBic`, `mmsi`, `callSign`, `address`, and `program`/`programId`. In the nested shape,
//! `addressEntity` entities give addresses (their `full` and `country`) and `sanctions` entities
//! give programs.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::{
    Address, BirthDate, Entity, Gender, IdKind, Identifier, NameKind, PartialDate, Schema,
};
use crate::xml_records::{iso2, strip_quirks};
use crate::{Error, Format, Import, Options, SourceFile, countries};

/// The dataset used when an entity names none.
const DEFAULT_DATASET: &str = "opensanctions";

pub(crate) fn parse(file: SourceFile<'_>, options: Options) -> Result<Import, Error> {
    let mut notes = Vec::new();
    let data = strip_quirks(&file, &mut notes);
    let mut entities = Vec::new();
    let mut skipped = Vec::new();
    let mut other_schemata: BTreeMap<String, usize> = BTreeMap::new();
    let mut crlf = false;
    for (index, raw) in data.split(|b| *b == b'\n').enumerate() {
        let line = index as u64 + 1;
        let raw = match raw.strip_suffix(b"\r") {
            Some(r) => {
                crlf = true;
                r
            }
            None => raw,
        };
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match record(file.name, line, raw) {
            Ok(Record::Entity(e)) => entities.push(*e),
            Ok(Record::Other(schema)) => *other_schemata.entry(schema).or_default() += 1,
            Err(e) => crate::skip_or_fail(options, &mut skipped, e)?,
        }
    }
    if crlf {
        notes.push(format!("{}: CRLF line ends were accepted", file.name));
    }
    if !other_schemata.is_empty() {
        let total: usize = other_schemata.values().sum();
        let list = other_schemata
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        notes.push(format!(
            "{}: {total} records of schemata that are not listed things were skipped ({list})",
            file.name
        ));
    }
    let dataset = match entities.first() {
        Some(first) if entities.iter().all(|e| e.dataset == first.dataset) => first.dataset.clone(),
        _ => DEFAULT_DATASET.to_owned(),
    };
    Ok(Import {
        format: Format::FtmJson,
        dataset,
        entities,
        skipped,
        notes,
    })
}

enum Record {
    Entity(Box<Entity>),
    /// A record of a schema that is not a listed thing, by schema name.
    Other(String),
}

/// The schema of a FollowTheMoney schema name, `None` for schemata that are not listed things.
fn schema_of(name: &str) -> Option<Schema> {
    match name {
        "PublicBody" => Some(Schema::Organization),
        "Aircraft" => Some(Schema::Airplane),
        other => Schema::ALL.into_iter().find(|s| s.as_str() == other),
    }
}

fn record(file: &str, line: u64, raw: &[u8]) -> Result<Record, Error> {
    let value: Value = serde_json::from_slice(raw)
        .map_err(|e| Error::at(file, line, format!("not a JSON object: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(Error::at(file, line, "not a JSON object"));
    };
    let err = |field: &str, message: String| Error::at(file, line, message).in_field(field);
    let schema_name = match obj.get("schema") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim(),
        _ => return Err(err("schema", "an entity without a schema".to_owned())),
    };
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim(),
        _ => return Err(err("id", format!("a {schema_name} entity without an id"))),
    };
    let Some(schema) = schema_of(schema_name) else {
        return Ok(Record::Other(schema_name.to_owned()));
    };
    let dataset = strings(obj.get("datasets"))
        .into_iter()
        .next()
        .unwrap_or(DEFAULT_DATASET);
    let mut e = Entity::new(id, schema, dataset);
    let empty = Map::new();
    let props = match obj.get("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => &empty,
        Some(_) => {
            return Err(err(
                "properties",
                format!("{id}: properties is not an object"),
            ));
        }
    };
    let prop = |name: &str| strings(props.get(name));

    if let Some(Value::String(caption)) = obj.get("caption")
        && !prop("name").is_empty()
    {
        e.add_name(caption, NameKind::Primary);
    }
    for name in prop("name") {
        e.add_name(name, NameKind::Primary);
    }
    if e.names.is_empty() {
        let parts: Vec<&str> = ["firstName", "middleName", "lastName"]
            .into_iter()
            .filter_map(|p| prop(p).into_iter().next())
            .collect();
        if !parts.is_empty() {
            e.add_name(&parts.join(" "), NameKind::Primary);
        }
    }
    for name in prop("alias").into_iter().chain(prop("previousName")) {
        e.add_name(name, NameKind::Alias);
    }
    for name in prop("weakAlias") {
        e.add_name(name, NameKind::Weak);
    }
    if e.names.is_empty()
        && let Some(Value::String(caption)) = obj.get("caption")
    {
        e.add_name(caption, NameKind::Primary);
    }
    if e.names.is_empty() {
        return Err(err("name", format!("{id}: a {schema_name} without a name")));
    }

    for field in ["birthDate", "incorporationDate"] {
        for text in prop(field) {
            let date = parse_date(text).ok_or_else(|| {
                err(
                    field,
                    format!("{id}: {field} {text:?} is not YYYY, YYYY-MM or YYYY-MM-DD"),
                )
            })?;
            e.add_birth_date(BirthDate::exact(date));
        }
    }
    for place in prop("birthPlace") {
        if !e.birth_places.iter().any(|p| p == place) {
            e.birth_places.push(place.to_owned());
        }
    }
    for field in [
        "nationality",
        "citizenship",
        "country",
        "jurisdiction",
        "mainCountry",
        "flag",
    ] {
        for c in prop(field) {
            if let Some(code) = country(c) {
                e.add_country(&code);
            }
        }
    }
    e.gender = prop("gender").into_iter().find_map(Gender::parse);
    let id_props = [
        ("idNumber", IdKind::NationalId),
        ("passportNumber", IdKind::Passport),
        ("taxNumber", IdKind::Tax),
        ("innCode", IdKind::Tax),
        ("vatCode", IdKind::Tax),
        ("registrationNumber", IdKind::Registration),
        ("ogrnCode", IdKind::Registration),
        ("leiCode", IdKind::Registration),
        ("imoNumber", IdKind::Imo),
        ("swiftBic", IdKind::Swift),
        ("mmsi", IdKind::Other),
        ("callSign", IdKind::Other),
    ];
    for (field, kind) in id_props {
        for number in prop(field) {
            e.add_identifier(Identifier {
                kind,
                number: number.to_owned(),
                country: None,
            });
        }
    }
    for full in prop("address") {
        add_address(&mut e, full, None);
    }
    for program in prop("program").into_iter().chain(prop("programId")) {
        e.add_program(program);
    }
    // The nested shape: addresses and sanctions as entities.
    for nested in entities(props.get("addressEntity")) {
        let nested_prop = |name: &str| strings(nested_props(nested).get(name));
        let code = nested_prop("country").into_iter().find_map(country);
        for full in nested_prop("full") {
            add_address(&mut e, full, code.clone());
        }
        if let Some(c) = &code {
            e.add_country(c);
        }
    }
    for nested in entities(props.get("sanctions")) {
        let p = nested_props(nested);
        for program in strings(p.get("program"))
            .into_iter()
            .chain(strings(p.get("programId")))
        {
            e.add_program(program);
        }
    }
    Ok(Record::Entity(Box::new(e)))
}

fn add_address(e: &mut Entity, full: &str, country: Option<String>) {
    let full = full.trim();
    if full.is_empty() {
        return;
    }
    let address = Address {
        full: full.to_owned(),
        country,
    };
    if !e.addresses.contains(&address) {
        e.addresses.push(address);
    }
}

/// FtM writes countries as lower-case ISO codes (plus a few of its own, like `suhh`).
fn country(s: &str) -> Option<String> {
    iso2(s).or_else(|| countries::to_code(s).map(str::to_owned))
}

/// The strings of a property value: an array of strings, or a single string.
fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .map(str::trim)
    .filter(|s| !s.is_empty())
    .collect()
}

/// The nested entities of a property value (objects in an array).
fn entities(value: Option<&Value>) -> Vec<&Map<String, Value>> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(o)) => vec![o],
        _ => Vec::new(),
    }
}

fn nested_props(entity: &Map<String, Value>) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match entity.get("properties") {
        Some(Value::Object(p)) => p,
        _ => EMPTY.get_or_init(Map::new),
    }
}

/// `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, with any time part (`T...`) ignored.
fn parse_date(s: &str) -> Option<PartialDate> {
    let s = s.trim();
    let date = s.split_once('T').map_or(s, |(d, _)| d);
    PartialDate::parse_iso(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ftm_dates() {
        assert_eq!(
            parse_date("1960-01-02").map(|d| d.to_string()),
            Some("1960-01-02".into())
        );
        assert_eq!(
            parse_date("1960-01").map(|d| d.to_string()),
            Some("1960-01".into())
        );
        assert_eq!(
            parse_date("1960").map(|d| d.to_string()),
            Some("1960".into())
        );
        assert_eq!(
            parse_date("2001-03-04T00:00:00").map(|d| d.to_string()),
            Some("2001-03-04".into())
        );
        assert_eq!(parse_date("1960-02-30"), None);
        assert_eq!(parse_date("circa 1960"), None);
    }
}
