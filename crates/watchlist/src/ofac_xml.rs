//! OFAC's SDN list in its classic XML form (`sdn.xml`, root `sdnList`, one `sdnEntry` per party).
//!
//! Both the old `http://tempuri.org/sdnList.xsd` and the Sanctions List Service namespaces are
//! read (elements are matched by local name). Each `sdnEntry` becomes one [`Entity`] with id
//! `ofac-<uid>`: the XML `uid` is the legacy CSV's `ent_num`, so both formats give the same ids.
//!
//! Names: an individual's name is published as `LASTNAME, First` (the `lastName` element, a comma,
//! then `firstName`), exactly as the legacy CSV's `SDN_Name` column has it, so the two formats give
//! the same name strings; entities, vessels and aircraft have only `lastName`. Akas are built the
//! same way; `category` "weak" gives [`NameKind::Weak`], anything else an alias.
//!
//! `sdnType` maps Individual → Person, Entity → LegalEntity (OFAC does not say whether an entity
//! is a company), Vessel → Vessel, Aircraft → Airplane. `idList` entries become identifiers
//! (passports, national ids, tax and registration numbers, IMO numbers, SWIFT/BIC), except
//! `Gender` (which sets the gender) and descriptive entries such as websites, e-mail addresses and
//! "Additional Sanctions Information", which are not identifiers and are left out.
//!
//! Dates of birth take OFAC's forms: `12 Jan 1960`, `Jan 1960`, `1960`, `circa 1960` (approximate)
//! and ranges `1960 to 1962` (each year of a range of at most 20 years, else both ends).

use crate::countries;
use crate::model::{
    Address, BirthDate, Entity, Gender, IdKind, Identifier, NameKind, PartialDate, Schema,
};
use crate::xml_records::{Node, XmlRecords, join_parts, record_error, strip_quirks};
use crate::{Error, Format, Import, Options, SourceFile};

/// The dataset name of the SDN list.
const DATASET: &str = "us_ofac_sdn";

pub(crate) fn parse(file: SourceFile<'_>, options: Options) -> Result<Import, Error> {
    let mut notes = Vec::new();
    let data = strip_quirks(&file, &mut notes);
    let (entities, skipped) = XmlRecords::new(file.name, data, &["sdnList"], "sdnEntry")
        .entities(options, |node| entry(file.name, node))?;
    Ok(Import {
        format: Format::OfacSdnXml,
        dataset: DATASET.to_owned(),
        entities,
        skipped,
        notes,
    })
}

/// One `sdnEntry` as an entity.
fn entry(file: &str, node: &Node) -> Result<Entity, Error> {
    let uid = node
        .child_value("uid")
        .ok_or_else(|| record_error(file, node, "uid", "an sdnEntry without a uid"))?;
    if !uid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(record_error(
            file,
            node,
            "uid",
            format!("uid {uid:?} is not a number"),
        ));
    }
    let sdn_type = node.child_value("sdnType").unwrap_or("");
    let schema = match sdn_type.to_ascii_lowercase().as_str() {
        "individual" => Schema::Person,
        "entity" => Schema::LegalEntity,
        "vessel" => Schema::Vessel,
        "aircraft" => Schema::Airplane,
        _ => {
            return Err(record_error(
                file,
                node,
                "sdnType",
                format!(
                    "uid {uid}: unknown sdnType {sdn_type:?} (expected Individual, Entity, Vessel or Aircraft)"
                ),
            ));
        }
    };
    let mut e = Entity::new(format!("ofac-{uid}"), schema, DATASET);
    let primary = full_name(node).ok_or_else(|| {
        record_error(
            file,
            node,
            "lastName",
            format!("uid {uid}: an sdnEntry without a name"),
        )
    })?;
    e.add_name(&primary, NameKind::Primary);
    for aka in node.path(&["akaList", "aka"]) {
        let Some(name) = full_name(aka) else { continue };
        let weak = aka
            .child_value("category")
            .is_some_and(|c| c.eq_ignore_ascii_case("weak"));
        e.add_name(
            &name,
            if weak {
                NameKind::Weak
            } else {
                NameKind::Alias
            },
        );
    }
    for program in node.path_values(&["programList", "program"]) {
        e.add_program(program);
    }
    for dob_node in node.path(&["dateOfBirthList", "dateOfBirthItem", "dateOfBirth"]) {
        let Some(text) = dob_node.value() else {
            continue;
        };
        let dates = parse_dob(text).ok_or_else(|| {
            record_error(
                file,
                dob_node,
                "dateOfBirth",
                format!("uid {uid}: date of birth {text:?} is not a date OFAC publishes (12 Jan 1960, Jan 1960, 1960, circa 1960, 1960 to 1962)"),
            )
        })?;
        for d in dates {
            e.add_birth_date(d);
        }
    }
    for place in node.path_values(&["placeOfBirthList", "placeOfBirthItem", "placeOfBirth"]) {
        if !e.birth_places.iter().any(|p| p == place) {
            e.birth_places.push(place.to_owned());
        }
    }
    for country in node
        .path_values(&["nationalityList", "nationality", "country"])
        .into_iter()
        .chain(node.path_values(&["citizenshipList", "citizenship", "country"]))
    {
        if let Some(code) = countries::to_code(country) {
            e.add_country(code);
        }
    }
    for id in node.path(&["idList", "id"]) {
        add_id(&mut e, id);
    }
    for addr in node.path(&["addressList", "address"]) {
        let country = addr.child_value("country");
        let full = join_parts([
            addr.child_value("address1"),
            addr.child_value("address2"),
            addr.child_value("address3"),
            addr.child_value("city"),
            addr.child_value("stateOrProvince"),
            addr.child_value("postalCode"),
            country,
        ]);
        if full.is_empty() {
            continue;
        }
        let code = country.and_then(countries::to_code).map(str::to_owned);
        if let Some(c) = &code {
            e.add_country(c);
        }
        let address = Address {
            full,
            country: code,
        };
        if !e.addresses.contains(&address) {
            e.addresses.push(address);
        }
    }
    if let Some(vessel) = node.child("vesselInfo") {
        if let Some(flag) = vessel
            .child_value("vesselFlag")
            .and_then(countries::to_code)
        {
            e.add_country(flag);
        }
        if let Some(call_sign) = vessel.child_value("callSign") {
            e.add_identifier(Identifier {
                kind: IdKind::Other,
                number: call_sign.to_owned(),
                country: None,
            });
        }
    }
    Ok(e)
}

/// `LASTNAME, First` when there is a first name, else the last name; `None` without either.
fn full_name(node: &Node) -> Option<String> {
    match (node.child_value("lastName"), node.child_value("firstName")) {
        (Some(last), Some(first)) => Some(format!("{last}, {first}")),
        (Some(last), None) => Some(last.to_owned()),
        (None, Some(first)) => Some(first.to_owned()),
        (None, None) => None,
    }
}

/// Adds one `idList/id` entry: an identifier, the gender, or nothing for descriptive entries.
fn add_id(e: &mut Entity, id: &Node) {
    let id_type = id.child_value("idType").unwrap_or("");
    let Some(number) = id.child_value("idNumber") else {
        return;
    };
    let t = id_type.to_ascii_lowercase();
    if t == "gender" {
        if let Some(g) = Gender::parse(number) {
            e.gender = Some(g);
        }
        return;
    }
    if t == "nationality of registration" {
        if let Some(code) = countries::to_code(number) {
            e.add_country(code);
        }
        return;
    }
    const NOT_IDS: [&str; 11] = [
        "website",
        "email",
        "phone",
        "sanctions information",
        "sanctions risk",
        "prohibited",
        "executive order",
        "target type",
        "organization type",
        "established date",
        "listing date",
    ];
    if NOT_IDS.iter().any(|n| t.contains(n)) {
        return;
    }
    let kind = if t.contains("passport") {
        IdKind::Passport
    } else if t.contains("swift") || t.contains("bic") {
        IdKind::Swift
    } else if number.to_ascii_uppercase().starts_with("IMO") || t.contains("imo") {
        IdKind::Imo
    } else if t.contains("tax")
        || t == "rfc"
        || t.starts_with("nit")
        || t.contains("vat")
        || t.contains("inn")
    {
        IdKind::Tax
    } else if t.contains("national id")
        || t.contains("cedula")
        || t.contains("c.u.r.p")
        || t.contains("ssn")
        || t.contains("identification number")
        || t.contains("personal id")
        || t.contains("national foreign id")
        || t.contains("dni")
    {
        IdKind::NationalId
    } else if t.contains("registration") || t.contains("company number") || t.contains("d-u-n-s") {
        IdKind::Registration
    } else {
        IdKind::Other
    };
    let country = id
        .child_value("idCountry")
        .and_then(countries::to_code)
        .map(str::to_owned);
    e.add_identifier(Identifier {
        kind,
        number: number.to_owned(),
        country,
    });
}

/// Parses an OFAC date of birth into one or more dates; `None` when it is not one of its forms.
pub(crate) fn parse_dob(text: &str) -> Option<Vec<BirthDate>> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let (approximate, rest) = ["circa ", "approximately ", "approx. ", "ca. ", "c. "]
        .iter()
        .find_map(|p| lower.strip_prefix(p).map(|r| (true, r)))
        .unwrap_or((false, lower.as_str()));
    let rest = rest.trim();
    if let Some((from, to)) = rest.split_once(" to ") {
        let from = parse_one(from.trim())?;
        let to = parse_one(to.trim())?;
        if to < from {
            return None;
        }
        let mut dates = Vec::new();
        if from.month.is_none() && to.month.is_none() && to.year - from.year <= 20 {
            for year in from.year..=to.year {
                dates.push(PartialDate::year(year));
            }
        } else {
            dates.push(from);
            dates.push(to);
        }
        return Some(
            dates
                .into_iter()
                .map(|date| BirthDate { date, approximate })
                .collect(),
        );
    }
    let date = parse_one(rest)?;
    Some(vec![BirthDate { date, approximate }])
}

/// `12 jan 1960`, `jan 1960`, `1960` (lower-cased), or ISO `1960-01-12`.
fn parse_one(s: &str) -> Option<PartialDate> {
    let parts: Vec<&str> = s.split([' ', '-']).filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [year] => PartialDate::new(year_of(year)?, None, None),
        [month, year] if month_of(month).is_some() => {
            PartialDate::new(year_of(year)?, Some(month_of(month)?), None)
        }
        [day, month, year] if month_of(month).is_some() => {
            let day: u8 = day.parse().ok().filter(|_| day.len() <= 2)?;
            PartialDate::new(year_of(year)?, Some(month_of(month)?), Some(day))
        }
        _ => PartialDate::parse_iso(s),
    }
}

fn year_of(s: &str) -> Option<u16> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn month_of(s: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let s = s.to_ascii_lowercase();
    let s = s.trim_end_matches('.');
    if s.len() < 3 {
        return None;
    }
    let prefix = s.get(..3)?;
    let index = MONTHS.iter().position(|m| *m == prefix)?;
    // Full names must be spelled right ("january"), "sept" is accepted.
    const FULL: [&str; 12] = [
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
    let full = FULL.get(index)?;
    (s.len() == 3 || *full == s || s == "sept").then(|| (index + 1) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DatePrecision;

    #[test]
    fn ofac_birth_date_forms() {
        let one = |s: &str| {
            parse_dob(s).map(|v| {
                v.iter()
                    .map(|d| (d.date.to_string(), d.approximate))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(one("12 Jan 1960"), Some(vec![("1960-01-12".into(), false)]));
        assert_eq!(one("Jan 1960"), Some(vec![("1960-01".into(), false)]));
        assert_eq!(one("1960"), Some(vec![("1960".into(), false)]));
        assert_eq!(one("circa 1960"), Some(vec![("1960".into(), true)]));
        assert_eq!(
            one("Circa 01 Sep 1958"),
            Some(vec![("1958-09-01".into(), true)])
        );
        assert_eq!(
            one("1960 to 1962"),
            Some(vec![
                ("1960".into(), false),
                ("1961".into(), false),
                ("1962".into(), false)
            ])
        );
        assert_eq!(one("01 Jan 1960 to 31 Dec 1962").map(|v| v.len()), Some(2));
        assert_eq!(one("31 Feb 1960"), None);
        assert_eq!(one("1962 to 1960"), None);
        assert_eq!(one("sometime in 1960"), None);
        assert_eq!(one("12 Foo 1960"), None);
        assert_eq!(
            parse_dob("1960").unwrap()[0].date.precision(),
            DatePrecision::Year
        );
    }
}
