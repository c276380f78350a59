//! Senzing entity-resolution JSON, as OpenSanctions publishes it: one JSON object per line
//! (a JSON array of objects is accepted too).
//!
//! Senzing puts attributes either at the top level of a record (`NAME_FULL`, `DATE_OF_BIRTH`,
//! `NATIONALITY`, `ADDR_CITY`...) or in feature lists (`NAMES[]`, `DATES[]`, `COUNTRIES[]`,
//! `IDENTIFIERS[]`, `ADDRESSES[]`...). Both are read the same way: every object of attributes
//! is looked at for names (`NAME_TYPE` PRIMARY or other), dates of birth, countries, gender,
//! identifier numbers and addresses. `RECORD_ID` is kept as the id; the dataset is
//! `DATA_SOURCE` in lower case. OpenSanctions' own id (`OTHER_ID_TYPE` OPEN_SANCTIONS) and
//! Wikidata ids (`TRUSTED_ID_TYPE` WIKIDATA) are not identity documents and are left out.

use serde_json::{Map, Value};

use crate::countries;
use crate::ofac_csv::parse_date;
use crate::{
    Address, BirthDate, Entity, Error, Format, Gender, IdKind, Identifier, Import, NameKind,
    Options, PartialDate, Schema, SourceFile,
};

/// Identifier attributes: the number key, its kind and the key of its country.
const ID_KEYS: &[(&str, IdKind, &str)] = &[
    ("PASSPORT_NUMBER", IdKind::Passport, "PASSPORT_COUNTRY"),
    (
        "NATIONAL_ID_NUMBER",
        IdKind::NationalId,
        "NATIONAL_ID_COUNTRY",
    ),
    ("SSN_NUMBER", IdKind::NationalId, ""),
    ("TAX_ID_NUMBER", IdKind::Tax, "TAX_ID_COUNTRY"),
    ("LEI_NUMBER", IdKind::Registration, ""),
    ("DUNS_NUMBER", IdKind::Other, ""),
    (
        "DRIVERS_LICENSE_NUMBER",
        IdKind::Other,
        "DRIVERS_LICENSE_STATE",
    ),
    ("OTHER_ID_NUMBER", IdKind::Other, "OTHER_ID_COUNTRY"),
];

/// Country attributes.
const COUNTRY_KEYS: &[&str] = &[
    "NATIONALITY",
    "CITIZENSHIP",
    "COUNTRY_OF_ASSOCIATION",
    "REGISTRATION_COUNTRY",
    "PLACE_OF_REGISTRATION",
];

pub(crate) fn parse(file: SourceFile<'_>, options: Options) -> Result<Import, Error> {
    let mut notes = Vec::new();
    let mut skipped = Vec::new();
    let mut bytes = file.bytes;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        notes.push(format!("{}: byte order mark ignored", file.name));
        bytes = rest;
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes
            .get(..e.valid_up_to())
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) as u64
            + 1;
        Error::at(file.name, line, "not UTF-8 (JSON must be UTF-8)")
    })?;
    // (line, record) pairs.
    let mut records: Vec<(u64, Value)> = Vec::new();
    if text.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<Value>>(text) {
            Ok(values) => records.extend(values.into_iter().map(|v| (0, v))),
            Err(e) => {
                return Err(Error::at(
                    file.name,
                    e.line() as u64,
                    format!("bad JSON: {e}"),
                ));
            }
        }
    } else {
        for (i, line) in text.lines().enumerate() {
            let n = i as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(line) {
                Ok(v) => records.push((n, v)),
                Err(e) => {
                    let error = Error::at(file.name, n, format!("bad JSON: {e}"));
                    crate::skip_or_fail(options, &mut skipped, error)?;
                }
            }
        }
    }
    let mut entities = Vec::new();
    let mut dataset: Option<String> = None;
    for (index, (line, value)) in records.into_iter().enumerate() {
        let located = |message: String| {
            if line > 0 {
                Error::at(file.name, line, message)
            } else {
                Error::file(file.name, format!("record {}: {message}", index + 1))
            }
        };
        let Value::Object(map) = value else {
            let error = located("a record that is not a JSON object".to_owned());
            crate::skip_or_fail(options, &mut skipped, error)?;
            continue;
        };
        match record(&map) {
            Ok(entity) => {
                if dataset.is_none() {
                    dataset = Some(entity.dataset.clone());
                }
                entities.push(entity);
            }
            Err((field, message)) => {
                crate::skip_or_fail(options, &mut skipped, located(message).in_field(field))?;
            }
        }
    }
    Ok(Import {
        format: Format::SenzingJson,
        dataset: dataset.unwrap_or_else(|| "senzing".to_owned()),
        entities,
        skipped,
        notes,
    })
}

/// A string attribute of an object (numbers are read as their text), trimmed.
fn attr<'a>(map: &'a Map<String, Value>, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    match map.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(std::borrow::Cow::Borrowed(s.trim())),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// Maps one record; an error is (field, message).
fn record(map: &Map<String, Value>) -> Result<Entity, (&'static str, String)> {
    let id = attr(map, "RECORD_ID").ok_or(("RECORD_ID", "no RECORD_ID".to_owned()))?;
    let dataset =
        attr(map, "DATA_SOURCE").map_or_else(|| "senzing".to_owned(), |s| s.to_lowercase());
    let schema = match attr(map, "RECORD_TYPE")
        .unwrap_or_default()
        .to_ascii_uppercase()
        .as_str()
    {
        "PERSON" => Schema::Person,
        "ORGANIZATION" | "ORGANISATION" => Schema::Organization,
        "COMPANY" => Schema::Company,
        "VESSEL" => Schema::Vessel,
        "AIRCRAFT" | "AIRPLANE" => Schema::Airplane,
        _ => Schema::LegalEntity,
    };
    let mut entity = Entity::new(id.as_ref(), schema, dataset);
    // The record itself, then every object in its feature lists.
    let mut objects: Vec<&Map<String, Value>> = vec![map];
    for value in map.values() {
        if let Value::Array(items) = value {
            objects.extend(items.iter().filter_map(Value::as_object));
        }
    }
    let mut aliases = Vec::new();
    for object in objects {
        if let Some(name) = name_of(object) {
            let primary =
                attr(object, "NAME_TYPE").is_none_or(|t| t.eq_ignore_ascii_case("PRIMARY"));
            if primary {
                entity.add_name(&name, NameKind::Primary);
            } else {
                aliases.push(name);
            }
        }
        if let Some(dob) = attr(object, "DATE_OF_BIRTH")
            && let Some(date) = PartialDate::parse_iso(&dob)
                .or_else(|| parse_date(&dob))
                .or_else(|| dob.get(..10).and_then(PartialDate::parse_iso))
        {
            entity.add_birth_date(BirthDate::exact(date));
        }
        for key in COUNTRY_KEYS {
            if let Some(code) = attr(object, key).and_then(|c| countries::to_code(&c)) {
                entity.add_country(code);
            }
        }
        if entity.gender.is_none() {
            entity.gender = attr(object, "GENDER").and_then(|g| Gender::parse(&g));
        }
        for &(number_key, kind, country_key) in ID_KEYS {
            let Some(number) = attr(object, number_key) else {
                continue;
            };
            if number_key == "OTHER_ID_NUMBER"
                && attr(object, "OTHER_ID_TYPE").is_some_and(|t| t == "OPEN_SANCTIONS")
            {
                continue;
            }
            let country = attr(object, country_key)
                .and_then(|c| countries::to_code(&c))
                .map(str::to_owned);
            entity.add_identifier(Identifier {
                kind,
                number: number.into_owned(),
                country,
            });
        }
        if let Some(address) = address_of(object) {
            if let Some(code) = &address.country {
                entity.add_country(code);
            }
            if !entity.addresses.contains(&address) {
                entity.addresses.push(address);
            }
        }
    }
    for alias in aliases {
        entity.add_name(&alias, NameKind::Alias);
    }
    if entity.names.is_empty() {
        return Err(("NAMES", format!("record {id} has no name")));
    }
    Ok(entity)
}

/// The name an object of attributes gives: `NAME_FULL`, `NAME_ORG`, or first, middle and last
/// names joined.
fn name_of(object: &Map<String, Value>) -> Option<String> {
    if let Some(full) = attr(object, "NAME_FULL").or_else(|| attr(object, "NAME_ORG")) {
        return Some(full.into_owned());
    }
    let parts: Vec<_> = ["NAME_FIRST", "NAME_MIDDLE", "NAME_LAST", "NAME_SUFFIX"]
        .iter()
        .filter_map(|k| attr(object, k))
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" "))
    }
}

/// The address an object of attributes gives, when it has one.
fn address_of(object: &Map<String, Value>) -> Option<Address> {
    let country_text = attr(object, "ADDR_COUNTRY");
    let country = country_text
        .as_deref()
        .and_then(countries::to_code)
        .map(str::to_owned);
    let full = match attr(object, "ADDR_FULL") {
        Some(full) => full.into_owned(),
        None => {
            let parts: Vec<_> = [
                "ADDR_LINE1",
                "ADDR_LINE2",
                "ADDR_LINE3",
                "ADDR_LINE4",
                "ADDR_LINE5",
                "ADDR_LINE6",
                "ADDR_CITY",
                "ADDR_STATE",
                "ADDR_POSTAL_CODE",
                "ADDR_COUNTRY",
            ]
            .iter()
            .filter_map(|k| attr(object, k))
            .collect();
            parts.join(", ")
        }
    };
    if full.is_empty() {
        None
    } else {
        Some(Address { full, country })
    }
}
