//! The UN Security Council consolidated sanctions list, XML edition.
//!
//! The file is `CONSOLIDATED_LIST` with `INDIVIDUALS/INDIVIDUAL` and `ENTITIES/ENTITY` records.
//! Each record is read with a streaming XML reader into a small element tree (one record at a
//! time, so memory stays small), then mapped: `DATAID` → id `un-<DATAID>`; `FIRST_NAME` to
//! `FOURTH_NAME` joined → primary name; `NAME_ORIGINAL_SCRIPT` → strong alias; aliases with
//! `QUALITY` "Low" → weak, other qualities → strong; dates of birth (`EXACT`, `APPROXIMATELY`,
//! `BETWEEN`); nationalities; documents; places of birth; addresses; `UN_LIST_TYPE` and
//! `REFERENCE_NUMBER` → programs; `GENDER`.

use quick_xml::events::Event;

use crate::countries;
use crate::{
    Address, BirthDate, Entity, Error, Format, Gender, IdKind, Identifier, Import, NameKind,
    Options, PartialDate, Schema, SourceFile,
};

const DATASET: &str = "un_sc_sanctions";

/// How deep elements may nest inside one record (the UN's records use three or four levels).
/// Deeper nesting is refused for the whole file, lenient or not: without a bound, a hostile
/// file of nested start tags grows the element stack and the record tree as far as the input
/// goes, and dropping a tree a million levels deep overflows the thread's stack.
const MAX_RECORD_DEPTH: usize = 64;

/// One XML element of a record: its name, its text, its children and the line it starts on.
#[derive(Debug, Default)]
pub(crate) struct Node {
    /// The element's local name.
    pub name: String,
    /// Its text content (character data and references), untrimmed.
    pub text: String,
    /// Its child elements, in order.
    pub children: Vec<Node>,
    /// The 1-based line its start tag is on.
    pub line: u64,
}

impl Node {
    /// The child elements called `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + use<'a> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child called `name`, or "" when there is none.
    pub fn text_of(&self, name: &str) -> &str {
        self.children
            .iter()
            .find(|c| c.name == name)
            .map_or("", |c| c.text.trim())
    }
}

/// Line numbers of byte offsets that only move forward.
struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl Lines<'_> {
    fn at(&mut self, offset: u64) -> u64 {
        let target = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        if target > self.offset {
            let n = self
                .bytes
                .get(self.offset..target)
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
            self.line += n as u64;
            self.offset = target;
        }
        self.line
    }
}

pub(crate) fn parse(file: SourceFile<'_>, options: Options) -> Result<Import, Error> {
    let mut notes = Vec::new();
    let mut skipped = Vec::new();
    let mut entities = Vec::new();
    let mut bytes = file.bytes;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        notes.push(format!("{}: byte order mark ignored", file.name));
        bytes = rest;
    }
    let mut lines = Lines {
        bytes,
        offset: 0,
        line: 1,
    };
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);

    let mut seen_root = false;
    let mut unknown_countries = 0usize;
    // The element stack of the record being read; empty outside records.
    let mut stack: Vec<Node> = Vec::new();
    let mut depth = 0usize;
    loop {
        let before = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let line = lines.at(reader.error_position());
                let at_end =
                    usize::try_from(reader.buffer_position()).is_ok_and(|p| p >= bytes.len());
                if at_end {
                    // The input stopped mid-markup: a cut file, never read
                    // in part, lenient or not.
                    return Err(Error::at(file.name, line, format!("truncated XML: {e}")));
                }
                let error = Error::at(file.name, line, format!("malformed XML: {e}"));
                if options.lenient {
                    notes.push(format!(
                        "{}:{line}: malformed XML; the rest of the file was not read",
                        file.name
                    ));
                    skipped.push(error);
                    break;
                }
                return Err(error);
            }
        };
        match event {
            Event::Start(start) => {
                depth += 1;
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                if depth == 1 {
                    if name != "CONSOLIDATED_LIST" {
                        return Err(Error::at(
                            file.name,
                            lines.at(before),
                            format!("root element is {name}, not CONSOLIDATED_LIST"),
                        ));
                    }
                    seen_root = true;
                }
                if !stack.is_empty() || (depth == 3 && (name == "INDIVIDUAL" || name == "ENTITY")) {
                    if stack.len() >= MAX_RECORD_DEPTH {
                        let inside = stack.first().map_or("a record", |n| n.name.as_str());
                        return Err(Error::at(
                            file.name,
                            lines.at(before),
                            format!(
                                "elements nested more than {MAX_RECORD_DEPTH} deep in {inside}"
                            ),
                        ));
                    }
                    stack.push(Node {
                        name,
                        line: lines.at(before),
                        ..Node::default()
                    });
                }
            }
            Event::Empty(start) => {
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node {
                        name: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
                        line: lines.at(before),
                        ..Node::default()
                    });
                }
            }
            Event::Text(text) => {
                if let Some(node) = stack.last_mut() {
                    match text.xml_content() {
                        Ok(t) => node.text.push_str(&t),
                        Err(e) => {
                            let error = Error::at(file.name, lines.at(before), e.to_string())
                                .in_field(node.name.clone());
                            crate::skip_or_fail(options, &mut skipped, error)?;
                        }
                    }
                }
            }
            Event::CData(data) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(node) = stack.last_mut() {
                    let name = String::from_utf8_lossy(&reference).into_owned();
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => quick_xml::escape::resolve_xml_entity(&name).map(str::to_owned),
                        Err(_) => None,
                    };
                    match resolved {
                        Some(s) => node.text.push_str(&s),
                        None => {
                            let error = Error::at(
                                file.name,
                                lines.at(before),
                                format!("unknown entity &{name};"),
                            )
                            .in_field(node.name.clone());
                            crate::skip_or_fail(options, &mut skipped, error)?;
                        }
                    }
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some(node) = stack.pop() {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => match record(file, &node, &mut unknown_countries) {
                            Ok(entity) => entities.push(entity),
                            Err(e) => crate::skip_or_fail(options, &mut skipped, e)?,
                        },
                    }
                }
            }
            Event::Eof => {
                if depth > 0 {
                    // Always an error, lenient or not: what follows the cut
                    // is unknown, so no part of the file can be trusted whole.
                    let inside = stack.first().map_or("an element", |n| n.name.as_str());
                    return Err(Error::at(
                        file.name,
                        lines.at(reader.buffer_position()),
                        format!("the file ends inside {inside}: truncated XML"),
                    ));
                }
                break;
            }
            _ => {}
        }
    }
    if !seen_root {
        return Err(Error::file(
            file.name,
            "no CONSOLIDATED_LIST element: not a UN consolidated list",
        ));
    }
    if unknown_countries > 0 {
        notes.push(format!(
            "{}: {unknown_countries} country names not recognised (kept in addresses and places of birth as text)",
            file.name
        ));
    }
    Ok(Import {
        format: Format::UnXml,
        dataset: DATASET.to_owned(),
        entities,
        skipped,
        notes,
    })
}

/// Maps one INDIVIDUAL or ENTITY element to an entity.
fn record(file: SourceFile<'_>, node: &Node, unknown: &mut usize) -> Result<Entity, Error> {
    let individual = node.name == "INDIVIDUAL";
    let id = node.text_of("DATAID");
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Error::at(
            file.name,
            node.line,
            format!("{} without a valid DATAID ({id:?})", node.name),
        )
        .in_field("DATAID"));
    }
    let schema = if individual {
        Schema::Person
    } else {
        Schema::LegalEntity
    };
    let mut entity = Entity::new(format!("un-{id}"), schema, DATASET);
    let name = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
        .iter()
        .map(|n| node.text_of(n))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        return Err(Error::at(
            file.name,
            node.line,
            format!("{} {id} has no name", node.name),
        )
        .in_field("FIRST_NAME"));
    }
    entity.add_name(&name, NameKind::Primary);
    for original in node.all("NAME_ORIGINAL_SCRIPT") {
        entity.add_name(&original.text, NameKind::Alias);
    }
    let alias_tag = if individual {
        "INDIVIDUAL_ALIAS"
    } else {
        "ENTITY_ALIAS"
    };
    for alias in node.all(alias_tag) {
        let kind = if alias.text_of("QUALITY").eq_ignore_ascii_case("low") {
            NameKind::Weak
        } else {
            NameKind::Alias
        };
        entity.add_name(alias.text_of("ALIAS_NAME"), kind);
        if let Some(date) = PartialDate::parse_iso(alias.text_of("DATE_OF_BIRTH")) {
            entity.add_birth_date(BirthDate::exact(date));
        }
    }
    for dob in node.all("INDIVIDUAL_DATE_OF_BIRTH") {
        for date in birth_dates(dob) {
            entity.add_birth_date(date);
        }
    }
    entity.gender = Gender::parse(node.text_of("GENDER"));
    for nationality in node.all("NATIONALITY") {
        for value in nationality.all("VALUE") {
            let value = value.text.trim();
            match countries::to_code(value) {
                Some(code) => entity.add_country(code),
                None if !value.is_empty() => *unknown += 1,
                None => {}
            }
        }
    }
    for doc in node.all("INDIVIDUAL_DOCUMENT") {
        let number = doc.text_of("NUMBER");
        if number.is_empty() {
            continue;
        }
        let kind_text = doc.text_of("TYPE_OF_DOCUMENT").to_lowercase();
        let kind = if kind_text.contains("passport")
            || kind_text.contains("pasaporte")
            || kind_text.contains("passeport")
        {
            IdKind::Passport
        } else if kind_text.contains("national identification") || kind_text.contains("identity") {
            IdKind::NationalId
        } else {
            IdKind::Other
        };
        let issuer = [
            doc.text_of("ISSUING_COUNTRY"),
            doc.text_of("COUNTRY_OF_ISSUE"),
        ]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("");
        let country = countries::to_code(issuer);
        if country.is_none() && !issuer.is_empty() {
            *unknown += 1;
        }
        entity.add_identifier(Identifier {
            kind,
            number: number.to_owned(),
            country: country.map(str::to_owned),
        });
    }
    for place in node.all("INDIVIDUAL_PLACE_OF_BIRTH") {
        let text = joined(place, &["CITY", "STATE_PROVINCE", "COUNTRY"]);
        if !text.is_empty() && !entity.birth_places.contains(&text) {
            entity.birth_places.push(text);
        }
    }
    let address_tag = if individual {
        "INDIVIDUAL_ADDRESS"
    } else {
        "ENTITY_ADDRESS"
    };
    for address in node.all(address_tag) {
        let full = joined(
            address,
            &["STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"],
        );
        if full.is_empty() {
            continue;
        }
        let country_text = address.text_of("COUNTRY");
        let country = countries::to_code(country_text);
        match country {
            Some(code) => entity.add_country(code),
            None if !country_text.is_empty() => *unknown += 1,
            None => {}
        }
        let address = Address {
            full,
            country: country.map(str::to_owned),
        };
        if !entity.addresses.contains(&address) {
            entity.addresses.push(address);
        }
    }
    entity.add_program(node.text_of("UN_LIST_TYPE"));
    entity.add_program(node.text_of("REFERENCE_NUMBER"));
    Ok(entity)
}

/// The non-empty texts of the named children, joined with ", ".
fn joined(node: &Node, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| node.text_of(n))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The dates of one INDIVIDUAL_DATE_OF_BIRTH element.
fn birth_dates(dob: &Node) -> Vec<BirthDate> {
    let kind = dob.text_of("TYPE_OF_DATE").to_ascii_uppercase();
    let approximate = kind == "APPROXIMATELY";
    let year = |name: &str| dob.text_of(name).parse::<u16>().ok();
    if let (Some(from), Some(to)) = (year("FROM_YEAR"), year("TO_YEAR")) {
        if from <= to && to - from <= 30 {
            return (from..=to)
                .filter_map(|y| PartialDate::new(y, None, None))
                .map(|date| BirthDate {
                    date,
                    approximate: true,
                })
                .collect();
        }
        return Vec::new();
    }
    let date = PartialDate::parse_iso(dob.text_of("DATE"))
        .or_else(|| year("YEAR").and_then(|y| PartialDate::new(y, None, None)));
    date.map(|date| BirthDate { date, approximate })
        .into_iter()
        .collect()
}
