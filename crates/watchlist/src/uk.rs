//! The UK Sanctions List published by the FCDO (the one official UK list since OFSI's
//! Consolidated List was retired in January 2026), in its XML and CSV forms.
//!
//! XML: root `Designations`, one `Designation` per designated person, entity or ship. CSV: a
//! "Report Date" line, a header row, then one row per name of a designation (rows are grouped by
//! their Unique ID). Both give one [`Entity`] per designation with id `gb-<Unique ID>` (e.g.
//! `gb-RUS0001`) and dataset `gb_fcdo_sanctions`:
//!
//! - type (`IndividualEntityShip`, CSV "Designation Type"): Individual → Person, Entity →
//!   Organization, Ship → Vessel;
//! - names: Name 1..5 then Name 6 (the surname, or the whole name of an entity or ship) joined
//!   with spaces; name type "Primary Name" → primary, "Primary Name Variation" and "Alias" →
//!   alias, an alias whose strength says "low" or "weak" → weak; non-Latin script names → alias;
//! - dates of birth `dd/mm/yyyy`, where an unknown day or month is written `dd`, `mm` or `00`
//!   (`dd/mm/1960`, `00/00/1960`, `dd/04/1960`) and the date keeps what is known;
//! - nationalities, address countries and ship flags through [`crate::countries::to_code`]
//!   (the list gives country names); town and country of birth as the birth place;
//! - passport and national identifier numbers, business registration numbers, IMO numbers;
//! - gender, addresses (address lines 1..6, postal code, country), regime → program.

use std::collections::HashMap;

use crate::countries;
use crate::model::{
    Address, BirthDate, Entity, Gender, IdKind, Identifier, NameKind, PartialDate, Schema,
};
use crate::xml_records::{LineCounter, Node, XmlRecords, join_parts, strip_quirks};
use crate::{Error, Format, Import, Options, SourceFile};

/// The dataset name of the UK list.
const DATASET: &str = "gb_fcdo_sanctions";

pub(crate) fn parse(file: SourceFile<'_>, options: Options) -> Result<Import, Error> {
    let mut notes = Vec::new();
    let data = strip_quirks(&file, &mut notes);
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    let (entities, skipped) = if first == Some(&b'<') {
        parse_xml(file.name, data, options)?
    } else {
        parse_csv(file.name, data, options)?
    };
    Ok(Import {
        format: Format::UkSanctions,
        dataset: DATASET.to_owned(),
        entities,
        skipped,
        notes,
    })
}

/// One designation's fields, gathered from an XML element or from the CSV rows of one id.
#[derive(Default)]
struct Designation {
    line: u64,
    unique_id: Option<String>,
    kind: Option<String>,
    /// (full name, name type, alias strength)
    names: Vec<(String, String, String)>,
    non_latin: Vec<String>,
    regimes: Vec<String>,
    /// (line, text)
    dobs: Vec<(u64, String)>,
    nationalities: Vec<String>,
    birth_places: Vec<String>,
    genders: Vec<String>,
    passports: Vec<String>,
    national_ids: Vec<String>,
    registrations: Vec<String>,
    imo_numbers: Vec<String>,
    flags: Vec<String>,
    /// (full, country name)
    addresses: Vec<(String, Option<String>)>,
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    let value = value.trim();
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

fn full_name(parts: [Option<&str>; 6]) -> String {
    parts
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn to_entity(file: &str, d: &Designation) -> Result<Entity, Error> {
    let err = |field: &str, message: String| Error::at(file, d.line, message).in_field(field);
    let Some(uid) = d.unique_id.as_deref() else {
        return Err(err(
            "UniqueID",
            "a designation without a Unique ID".to_owned(),
        ));
    };
    let kind = d.kind.as_deref().unwrap_or("");
    let schema = match kind.to_ascii_lowercase().as_str() {
        "individual" => Schema::Person,
        "entity" => Schema::Organization,
        "ship" => Schema::Vessel,
        _ => {
            return Err(err(
                "IndividualEntityShip",
                format!(
                    "{uid}: unknown designation type {kind:?} (expected Individual, Entity or Ship)"
                ),
            ));
        }
    };
    let mut e = Entity::new(format!("gb-{uid}"), schema, DATASET);
    // Primary names first, whatever order the rows came in.
    let mut names: Vec<(&str, NameKind)> = d
        .names
        .iter()
        .map(|(full, name_type, strength)| {
            let t = name_type.to_ascii_lowercase();
            let s = strength.to_ascii_lowercase();
            let kind = if t.trim() == "primary name" {
                NameKind::Primary
            } else if s.contains("low") || s.contains("weak") {
                NameKind::Weak
            } else {
                NameKind::Alias
            };
            (full.as_str(), kind)
        })
        .collect();
    names.sort_by_key(|(_, kind)| *kind != NameKind::Primary);
    for (name, kind) in names {
        e.add_name(name, kind);
    }
    for name in &d.non_latin {
        e.add_name(name, NameKind::Alias);
    }
    if e.names.is_empty() {
        return Err(err("Names", format!("{uid}: a designation without a name")));
    }
    for regime in &d.regimes {
        e.add_program(regime);
    }
    for (line, dob) in &d.dobs {
        match parse_dob(dob) {
            Some(Some(date)) => e.add_birth_date(BirthDate::exact(date)),
            Some(None) => {}
            None => {
                return Err(Error::at(
                    file,
                    *line,
                    format!("{uid}: date of birth {dob:?} is not dd/mm/yyyy"),
                )
                .in_field("DOB"));
            }
        }
    }
    for place in &d.birth_places {
        push_unique(&mut e.birth_places, place);
    }
    for country in d.nationalities.iter().chain(&d.flags) {
        if let Some(code) = countries::to_code(country) {
            e.add_country(code);
        }
    }
    if e.gender.is_none() {
        e.gender = d.genders.iter().find_map(|g| Gender::parse(g));
    }
    let ids = [
        (IdKind::Passport, &d.passports),
        (IdKind::NationalId, &d.national_ids),
        (IdKind::Registration, &d.registrations),
        (IdKind::Imo, &d.imo_numbers),
    ];
    for (kind, numbers) in ids {
        for number in numbers {
            e.add_identifier(Identifier {
                kind,
                number: number.clone(),
                country: None,
            });
        }
    }
    for (full, country) in &d.addresses {
        let code = country
            .as_deref()
            .and_then(countries::to_code)
            .map(str::to_owned);
        if let Some(c) = &code {
            e.add_country(c);
        }
        let address = Address {
            full: full.clone(),
            country: code,
        };
        if !e.addresses.contains(&address) {
            e.addresses.push(address);
        }
    }
    Ok(e)
}

/// Parses `dd/mm/yyyy` with unknown parts as `dd`, `mm` or `00`. `Some(None)` when nothing is
/// known (`dd/mm/yyyy`), `None` when it is not a date.
fn parse_dob(s: &str) -> Option<Option<PartialDate>> {
    let s = s.trim();
    let parts: Vec<&str> = s.split('/').map(str::trim).collect();
    let (day, month, year) = match parts.as_slice() {
        [d, m, y] => (*d, *m, *y),
        [m, y] => ("dd", *m, *y),
        [y] => ("dd", "mm", *y),
        _ => return None,
    };
    if year.eq_ignore_ascii_case("yyyy") {
        return Some(None);
    }
    let unknown = |p: &str| {
        p.is_empty()
            || p.bytes().all(|b| b == b'0')
            || p.eq_ignore_ascii_case("dd")
            || p.eq_ignore_ascii_case("mm")
    };
    let num = |p: &str| -> Option<u16> {
        (p.len() <= 4 && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    if year.len() != 4 {
        return None;
    }
    let year = num(year)?;
    let month = if unknown(month) {
        None
    } else {
        Some(u8::try_from(num(month)?).ok()?)
    };
    let day = if unknown(day) || month.is_none() {
        None
    } else {
        Some(u8::try_from(num(day)?).ok()?)
    };
    PartialDate::new(year, month, day).map(Some)
}

// ---------------------------------------------------------------------------------------------
// XML

fn parse_xml(
    file: &str,
    data: &[u8],
    options: Options,
) -> Result<(Vec<Entity>, Vec<Error>), Error> {
    XmlRecords::new(file, data, &["Designations"], "Designation")
        .entities(options, |node| to_entity(file, &from_xml(node)))
}

fn from_xml(node: &Node) -> Designation {
    let mut d = Designation {
        line: node.line,
        unique_id: node.child_value("UniqueID").map(str::to_owned),
        kind: node.child_value("IndividualEntityShip").map(str::to_owned),
        ..Designation::default()
    };
    for name in node.path(&["Names", "Name"]) {
        let full = full_name([
            name.child_value("Name1"),
            name.child_value("Name2"),
            name.child_value("Name3"),
            name.child_value("Name4"),
            name.child_value("Name5"),
            name.child_value("Name6"),
        ]);
        if full.is_empty() {
            continue;
        }
        let name_type = name.child_value("NameType").unwrap_or("").to_owned();
        let strength = name.child_value("AliasStrength").unwrap_or("").to_owned();
        d.names.push((full, name_type, strength));
    }
    for n in node.path_values(&["NonLatinNames", "NonLatinName", "NameNonLatinScript"]) {
        push_unique(&mut d.non_latin, n);
    }
    for regime in node.children("RegimeName").filter_map(Node::value) {
        push_unique(&mut d.regimes, regime);
    }
    for addr in node.path(&["Addresses", "Address"]) {
        let country = addr.child_value("AddressCountry");
        let full = join_parts([
            addr.child_value("AddressLine1"),
            addr.child_value("AddressLine2"),
            addr.child_value("AddressLine3"),
            addr.child_value("AddressLine4"),
            addr.child_value("AddressLine5"),
            addr.child_value("AddressLine6"),
            addr.child_value("AddressPostalCode"),
            country,
        ]);
        if !full.is_empty() {
            d.addresses.push((full, country.map(str::to_owned)));
        }
    }
    for ind in node.path(&["IndividualDetails", "Individual"]) {
        for dob in ind.path(&["DOBs", "DOB"]) {
            if let Some(v) = dob.value() {
                d.dobs.push((dob.line, v.to_owned()));
            }
        }
        for n in ind.path_values(&["Nationalities", "Nationality"]) {
            push_unique(&mut d.nationalities, n);
        }
        for loc in ind.path(&["BirthDetails", "Location"]) {
            let place = join_parts([
                loc.child_value("TownOfBirth"),
                loc.child_value("CountryOfBirth"),
            ]);
            push_unique(&mut d.birth_places, &place);
        }
        for g in ind
            .path_values(&["Genders", "Gender"])
            .into_iter()
            .chain(ind.child_value("Gender"))
        {
            push_unique(&mut d.genders, g);
        }
        for p in ind.path_values(&["PassportDetails", "Passport", "PassportNumber"]) {
            push_unique(&mut d.passports, p);
        }
        for n in ind.path_values(&[
            "NationalIdentifierDetails",
            "NationalIdentifier",
            "NationalIdentifierNumber",
        ]) {
            push_unique(&mut d.national_ids, n);
        }
    }
    for ent in node.path(&["EntityDetails", "Entity"]) {
        for r in ent.path_values(&["BusinessRegistrationNumbers", "BusinessRegistrationNumber"]) {
            push_unique(&mut d.registrations, r);
        }
    }
    for ship in node.path(&["ShipDetails", "Ship"]) {
        for imo in ship.path_values(&["IMONumbers", "IMONumber"]) {
            push_unique(&mut d.imo_numbers, imo);
        }
        for flag in ship.path_values(&["CurrentBelievedFlagOfShips", "CurrentBelievedFlagOfShip"]) {
            push_unique(&mut d.flags, flag);
        }
    }
    d
}

// ---------------------------------------------------------------------------------------------
// CSV

/// A header name reduced to lower-case letters and digits ("D.O.B" → "dob").
fn key(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Where each known column is in the header row.
struct Columns(HashMap<String, usize>);

impl Columns {
    /// The trimmed non-blank value of the first of `keys` that is a column of this file.
    fn get<'r>(&self, row: &'r csv::StringRecord, keys: &[&str]) -> Option<&'r str> {
        keys.iter()
            .filter_map(|k| self.0.get(*k))
            .find_map(|i| row.get(*i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    fn has(&self, k: &str) -> bool {
        self.0.contains_key(k)
    }
}

fn parse_csv(
    file: &str,
    data: &[u8],
    options: Options,
) -> Result<(Vec<Entity>, Vec<Error>), Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut columns: Option<Columns> = None;
    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, Designation> = HashMap::new();
    let mut skipped = Vec::new();
    let mut rows_before_header = 0usize;
    let mut lines = LineCounter::default();
    // The csv crate's own line numbers lag behind after CRLF line ends; count from byte offsets.
    let mut line_of = |byte: u64| {
        let mut offset = usize::try_from(byte).unwrap_or(usize::MAX);
        if data.get(offset) == Some(&b'\n') {
            offset += 1;
        }
        lines.line_at(data, offset)
    };
    for result in reader.records() {
        let row = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(p.byte()));
                let err = Error::at(file, line, format!("malformed CSV: {e}"));
                if options.lenient && matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    skipped.push(err);
                    continue;
                }
                return Err(err);
            }
        };
        let line = row.position().map_or(0, |p| line_of(p.byte()));
        let Some(cols) = &columns else {
            let keys: HashMap<String, usize> =
                row.iter().enumerate().map(|(i, h)| (key(h), i)).collect();
            if keys.contains_key("uniqueid") {
                columns = Some(Columns(keys));
            } else {
                rows_before_header += 1;
                if rows_before_header > 5 {
                    return Err(Error::at(
                        file,
                        line,
                        "no header row with a \"Unique ID\" column: not the UK Sanctions List CSV",
                    ));
                }
            }
            continue;
        };
        if row.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let Some(uid) = cols.get(&row, &["uniqueid"]) else {
            let err = Error::at(file, line, "a row without a Unique ID").in_field("Unique ID");
            crate::skip_or_fail(options, &mut skipped, err)?;
            continue;
        };
        let uid = uid.to_owned();
        let d = by_id.entry(uid.clone()).or_insert_with(|| {
            order.push(uid.clone());
            Designation {
                line,
                unique_id: Some(uid.clone()),
                ..Designation::default()
            }
        });
        add_row(d, cols, &row, line);
    }
    let Some(cols) = columns else {
        return Err(Error::file(
            file,
            "no header row with a \"Unique ID\" column: not the UK Sanctions List CSV",
        ));
    };
    if !cols.has("name6") {
        return Err(Error::file(
            file,
            "the header has no \"Name 6\" column: not the UK Sanctions List CSV",
        ));
    }
    let mut entities = Vec::new();
    for uid in order {
        let Some(d) = by_id.get(&uid) else { continue };
        match to_entity(file, d) {
            Ok(entity) => entities.push(entity),
            Err(e) => crate::skip_or_fail(options, &mut skipped, e)?,
        }
    }
    Ok((entities, skipped))
}

/// Adds one CSV row's values to its designation.
fn add_row(d: &mut Designation, cols: &Columns, row: &csv::StringRecord, line: u64) {
    if d.kind.is_none() {
        d.kind = cols
            .get(
                row,
                &["designationtype", "individualentityship", "grouptype"],
            )
            .map(str::to_owned);
    }
    let full = full_name([
        cols.get(row, &["name1"]),
        cols.get(row, &["name2"]),
        cols.get(row, &["name3"]),
        cols.get(row, &["name4"]),
        cols.get(row, &["name5"]),
        cols.get(row, &["name6"]),
    ]);
    if !full.is_empty() {
        let name_type = cols.get(row, &["nametype", "aliastype"]).unwrap_or("");
        let strength = cols
            .get(row, &["aliasstrength", "aliasquality"])
            .unwrap_or("");
        let entry = (full, name_type.to_owned(), strength.to_owned());
        if !d.names.contains(&entry) {
            d.names.push(entry);
        }
    }
    let one = |keys: &[&str]| cols.get(row, keys);
    if let Some(n) = one(&["namenonlatinscript"]) {
        push_unique(&mut d.non_latin, n);
    }
    if let Some(r) = one(&["regimename", "regime"]) {
        push_unique(&mut d.regimes, r);
    }
    if let Some(dob) = one(&["dob", "dateofbirth"])
        && !d.dobs.iter().any(|(_, v)| v == dob)
    {
        d.dobs.push((line, dob.to_owned()));
    }
    if let Some(n) = one(&["nationalityies", "nationality", "nationalities"]) {
        push_unique(&mut d.nationalities, n);
    }
    let place = join_parts([one(&["townofbirth"]), one(&["countryofbirth"])]);
    push_unique(&mut d.birth_places, &place);
    if let Some(g) = one(&["gender"]) {
        push_unique(&mut d.genders, g);
    }
    if let Some(p) = one(&["passportnumber", "passportnumbers"]) {
        push_unique(&mut d.passports, p);
    }
    if let Some(n) = one(&["nationalidentifiernumber", "nationalidentificationnumber"]) {
        push_unique(&mut d.national_ids, n);
    }
    if let Some(r) = one(&["businessregistrationnumbers", "businessregistrationnumber"]) {
        push_unique(&mut d.registrations, r);
    }
    if let Some(imo) = one(&["imonumber", "imonumbers"]) {
        push_unique(&mut d.imo_numbers, imo);
    }
    if let Some(flag) = one(&["currentbelievedflagofship", "currentbelievedflagofships"]) {
        push_unique(&mut d.flags, flag);
    }
    let country = one(&["addresscountry"]);
    let full = join_parts([
        one(&["addressline1"]),
        one(&["addressline2"]),
        one(&["addressline3"]),
        one(&["addressline4"]),
        one(&["addressline5"]),
        one(&["addressline6"]),
        one(&["addresspostalcode"]),
        country,
    ]);
    if !full.is_empty() {
        let entry = (full, country.map(str::to_owned));
        if !d.addresses.contains(&entry) {
            d.addresses.push(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_birth_dates_keep_what_is_known() {
        let d = |s: &str| parse_dob(s).map(|o| o.map(|d| d.to_string()));
        assert_eq!(d("28/04/1937"), Some(Some("1937-04-28".into())));
        assert_eq!(d("dd/mm/1950"), Some(Some("1950".into())));
        assert_eq!(d("00/00/1960"), Some(Some("1960".into())));
        assert_eq!(d("dd/04/1960"), Some(Some("1960-04".into())));
        assert_eq!(d("15/00/1960"), Some(Some("1960".into())));
        assert_eq!(d("dd/mm/yyyy"), Some(None));
        assert_eq!(d("31/02/1960"), None);
        assert_eq!(d("1960-04-28"), None);
        assert_eq!(d("28/04/60"), None);
    }
}
