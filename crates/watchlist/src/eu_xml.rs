//! The EU's Financial Sanctions Files XML (FSF, root `export`, one `sanctionEntity` per party).
//!
//! Each `sanctionEntity` becomes one [`Entity`] with id `eu-<logicalId>` and dataset `eu_fsf`.
//! `subjectType/@code` maps person → Person, enterprise → Organization (the EU lists companies and
//! groups alike under it), vessel → Vessel. The EU publishes everything as attributes:
//!
//! - `nameAlias`: `wholeName` (or `firstName middleName lastName` when it is blank); the first
//!   strong alias is the primary name, other strong ones aliases, and `strong="false"` gives
//!   [`NameKind::Weak`]; `gender` (M/F) sets the gender;
//! - `birthdate`: `birthdate` (ISO) or `year`/`monthOfYear`/`dayOfMonth`, `circa="true"` for an
//!   approximate date, `yearRangeFrom`/`yearRangeTo` for a range; `city`/`place`/`region` and
//!   `countryDescription` give the place of birth;
//! - `citizenship/@countryIso2Code`, and the countries of addresses, as ISO codes directly (the
//!   EU's "00", unknown, is dropped);
//! - `identification`: `number` with `identificationTypeCode` passport, id/ssn (national id),
//!   fiscalcode/tin/taxid (tax), regnumber/tradelicence (registration), swiftbic, imo; others
//!   are kept as "other" identifiers;
//! - `address`: street, poBox, zipCode, city, place, region, countryDescription;
//! - `regulation/@programme` (e.g. `RUS`, `IRQ`) as the programs.

use crate::model::{
    Address, BirthDate, Entity, Gender, IdKind, Identifier, NameKind, PartialDate, Schema,
};
use crate::xml_records::{Node, XmlRecords, iso2, join_parts, record_error, strip_quirks};
use crate::{Error, Format, Import, Options, SourceFile};

/// The dataset name of the EU list.
const DATASET: &str = "eu_fsf";

pub(crate) fn parse(file: SourceFile<'_>, options: Options) -> Result<Import, Error> {
    let mut notes = Vec::new();
    let data = strip_quirks(&file, &mut notes);
    let (entities, skipped) = XmlRecords::new(file.name, data, &["export"], "sanctionEntity")
        .entities(options, |node| entry(file.name, node))?;
    Ok(Import {
        format: Format::EuFsfXml,
        dataset: DATASET.to_owned(),
        entities,
        skipped,
        notes,
    })
}

/// An attribute, or else a child element's text (the EU moved some fields between the two).
fn get<'n>(node: &'n Node, name: &str) -> Option<&'n str> {
    node.attr(name).or_else(|| node.child_value(name))
}

/// An ISO country code from a `countryIso2Code` attribute, without the EU's "00" (unknown).
fn country_code(node: &Node) -> Option<String> {
    get(node, "countryIso2Code")
        .and_then(iso2)
        .filter(|c| c != "00")
}

fn entry(file: &str, node: &Node) -> Result<Entity, Error> {
    let id = get(node, "logicalId").ok_or_else(|| {
        record_error(
            file,
            node,
            "logicalId",
            "a sanctionEntity without a logicalId",
        )
    })?;
    let subject = node.child("subjectType");
    let code = subject
        .and_then(|s| s.attr("code").or_else(|| s.attr("classificationCode")))
        .unwrap_or("");
    let schema = match code.to_ascii_lowercase().as_str() {
        "person" | "p" => Schema::Person,
        "enterprise" | "e" | "entity" => Schema::Organization,
        "vessel" | "v" => Schema::Vessel,
        _ => {
            let at = subject.unwrap_or(node);
            return Err(record_error(
                file,
                at,
                "subjectType",
                format!(
                    "logicalId {id}: unknown subjectType code {code:?} (expected person or enterprise)"
                ),
            ));
        }
    };
    let mut e = Entity::new(format!("eu-{id}"), schema, DATASET);

    let mut have_primary = false;
    for alias in node.children("nameAlias") {
        let name = match get(alias, "wholeName") {
            Some(whole) => whole.to_owned(),
            None => [
                get(alias, "firstName"),
                get(alias, "middleName"),
                get(alias, "lastName"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        };
        if name.trim().is_empty() {
            continue;
        }
        let strong = !get(alias, "strong").is_some_and(|s| s.eq_ignore_ascii_case("false"));
        let kind = match (strong, have_primary) {
            (false, _) => NameKind::Weak,
            (true, false) => NameKind::Primary,
            (true, true) => NameKind::Alias,
        };
        have_primary |= kind == NameKind::Primary;
        e.add_name(&name, kind);
        if e.gender.is_none() {
            e.gender = get(alias, "gender").and_then(Gender::parse);
        }
    }
    if e.names.is_empty() {
        return Err(record_error(
            file,
            node,
            "nameAlias",
            format!("logicalId {id}: a sanctionEntity without a name"),
        ));
    }

    for birth in node.children("birthdate") {
        for date in birth_dates(birth).map_err(|field| {
            record_error(
                file,
                birth,
                field,
                format!(
                    "logicalId {id}: birth date {:?} is not a date",
                    get(birth, field).unwrap_or("")
                ),
            )
        })? {
            e.add_birth_date(date);
        }
        let place = join_parts([
            get(birth, "city"),
            get(birth, "place"),
            get(birth, "region"),
            get(birth, "countryDescription").filter(|c| !c.eq_ignore_ascii_case("UNKNOWN")),
        ]);
        if !place.is_empty() && !e.birth_places.contains(&place) {
            e.birth_places.push(place);
        }
    }

    for citizenship in node.children("citizenship") {
        if let Some(code) = country_code(citizenship) {
            e.add_country(&code);
        }
    }

    for ident in node.children("identification") {
        let Some(number) = get(ident, "number").or_else(|| get(ident, "latinNumber")) else {
            continue;
        };
        let type_code = get(ident, "identificationTypeCode")
            .unwrap_or("")
            .to_ascii_lowercase();
        let kind = match type_code.as_str() {
            "passport" => IdKind::Passport,
            "id" | "ssn" | "nationalid" => IdKind::NationalId,
            "fiscalcode" | "tin" | "taxid" | "tax" => IdKind::Tax,
            "regnumber" | "tradelicence" | "registration" => IdKind::Registration,
            "swiftbic" | "bic" => IdKind::Swift,
            "imo" => IdKind::Imo,
            _ => IdKind::Other,
        };
        e.add_identifier(Identifier {
            kind,
            number: number.to_owned(),
            country: country_code(ident),
        });
    }

    for addr in node.children("address") {
        let po_box = get(addr, "poBox").map(|p| format!("PO Box {p}"));
        let full = join_parts([
            get(addr, "street"),
            po_box.as_deref(),
            get(addr, "zipCode"),
            get(addr, "city"),
            get(addr, "place"),
            get(addr, "region"),
            get(addr, "countryDescription").filter(|c| !c.eq_ignore_ascii_case("UNKNOWN")),
        ]);
        let country = country_code(addr);
        if let Some(c) = &country {
            e.add_country(c);
        }
        if full.is_empty() {
            continue;
        }
        let address = Address { full, country };
        if !e.addresses.contains(&address) {
            e.addresses.push(address);
        }
    }

    for regulation in node.children("regulation") {
        if let Some(programme) = get(regulation, "programme") {
            e.add_program(programme);
        }
    }
    Ok(e)
}

/// The dates of one `birthdate` element; on a bad value, the name of the attribute at fault.
fn birth_dates(birth: &Node) -> Result<Vec<BirthDate>, &'static str> {
    let approximate = get(birth, "circa").is_some_and(|c| c.eq_ignore_ascii_case("true"));
    let mut dates = Vec::new();
    if let Some(full) = get(birth, "birthdate") {
        let date = PartialDate::parse_iso(full).ok_or("birthdate")?;
        dates.push(BirthDate { date, approximate });
        return Ok(dates);
    }
    if let Some(year) = get(birth, "year") {
        let year = number(year).ok_or("year")?;
        let month = get(birth, "monthOfYear")
            .map(|m| {
                number(m)
                    .and_then(|m| u8::try_from(m).ok())
                    .ok_or("monthOfYear")
            })
            .transpose()?;
        let day = get(birth, "dayOfMonth")
            .map(|d| {
                number(d)
                    .and_then(|d| u8::try_from(d).ok())
                    .ok_or("dayOfMonth")
            })
            .transpose()?;
        // A day without a month says nothing; keep the year.
        let day = month.and(day);
        let date = PartialDate::new(year, month, day).ok_or("year")?;
        dates.push(BirthDate { date, approximate });
        return Ok(dates);
    }
    if let (Some(from), Some(to)) = (get(birth, "yearRangeFrom"), get(birth, "yearRangeTo")) {
        let from = number(from).ok_or("yearRangeFrom")?;
        let to = number(to).ok_or("yearRangeTo")?;
        if to < from || to - from > 20 {
            return Err("yearRangeTo");
        }
        for year in from..=to {
            let date = PartialDate::new(year, None, None).ok_or("yearRangeFrom")?;
            dates.push(BirthDate { date, approximate });
        }
    }
    Ok(dates)
}

fn number(s: &str) -> Option<u16> {
    let s = s.trim();
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
