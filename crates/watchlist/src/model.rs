//! The one entity model every list format is read into.
//!
//! It follows the shape of OpenSanctions' FollowTheMoney model where that is useful (schema names,
//! strong and weak aliases, dataset names) but keeps only what screening and the analyst need.
//! Values are normalised at the edge: countries are ISO 3166-1 alpha-2 codes in lower case, dates
//! carry their precision, identifiers keep the number exactly as published.

use std::fmt;

/// The kind of thing an entity is, using FollowTheMoney schema names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Schema {
    /// A natural person.
    Person,
    /// Any organisation that is not known to be a company (a group, a party, an armed force).
    Organization,
    /// A registered business.
    Company,
    /// A legal entity whose nature the publisher does not state (the FtM parent of the above).
    LegalEntity,
    /// A ship.
    Vessel,
    /// An aircraft.
    Airplane,
}

impl Schema {
    /// All schemata, in a stable order.
    pub const ALL: [Schema; 6] = [
        Schema::Person,
        Schema::Organization,
        Schema::Company,
        Schema::LegalEntity,
        Schema::Vessel,
        Schema::Airplane,
    ];

    /// The FollowTheMoney name of the schema.
    pub fn as_str(self) -> &'static str {
        match self {
            Schema::Person => "Person",
            Schema::Organization => "Organization",
            Schema::Company => "Company",
            Schema::LegalEntity => "LegalEntity",
            Schema::Vessel => "Vessel",
            Schema::Airplane => "Airplane",
        }
    }

    /// Parses a FollowTheMoney schema name (case-insensitive). `Thing` and unknown names give `None`.
    pub fn parse(s: &str) -> Option<Schema> {
        let s = s.trim();
        Schema::ALL
            .into_iter()
            .find(|schema| schema.as_str().eq_ignore_ascii_case(s))
            .or_else(|| match s.to_ascii_lowercase().as_str() {
                "organisation" | "entity" => Some(Schema::Organization),
                "individual" => Some(Schema::Person),
                "aircraft" => Some(Schema::Airplane),
                _ => None,
            })
    }

    /// True when an entity of schema `self` can be the thing a query of schema `query` looks for.
    ///
    /// `LegalEntity` is the common parent of persons, organisations and companies: a query for a
    /// legal entity matches any of them, and a list entry typed only as a legal entity matches
    /// queries for persons, organisations and companies. Organisations and companies match each
    /// other, since publishers disagree on which is which.
    pub fn compatible_with(self, query: Schema) -> bool {
        use Schema::*;
        match (self, query) {
            (a, b) if a == b => true,
            (LegalEntity, Person | Organization | Company) => true,
            (Person | Organization | Company, LegalEntity) => true,
            (Organization, Company) | (Company, Organization) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much weight a name carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameKind {
    /// The name the publisher lists the entity under.
    Primary,
    /// A strong alias (a.k.a., f.k.a., UN quality "Good", an original-script spelling).
    Alias,
    /// A weak alias (OFAC "weak a.k.a.", UN quality "Low"): matched only exactly, never fuzzily.
    Weak,
}

/// One name of an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The name as published (whitespace trimmed, nothing else changed).
    pub full: String,
    /// Its weight.
    pub kind: NameKind,
}

impl Name {
    /// A name of the given kind.
    pub fn new(full: impl Into<String>, kind: NameKind) -> Name {
        Name {
            full: full.into(),
            kind,
        }
    }
}

/// A calendar date known to a year, a month or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartialDate {
    /// The year (1..=9999).
    pub year: u16,
    /// The month (1..=12), when known.
    pub month: Option<u8>,
    /// The day (1..=31), when known; only present with a month.
    pub day: Option<u8>,
}

impl PartialDate {
    /// A date known to the year.
    pub fn year(year: u16) -> PartialDate {
        PartialDate {
            year,
            month: None,
            day: None,
        }
    }

    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (ISO 8601 forms), checking the calendar.
    pub fn parse_iso(s: &str) -> Option<PartialDate> {
        let s = s.trim();
        let mut parts = s.split('-');
        let year = parse_num(parts.next()?, 4)?;
        let month = match parts.next() {
            Some(m) => Some(parse_num(m, 2)?),
            None => None,
        };
        let day = match parts.next() {
            Some(d) => Some(parse_num(d, 2)?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        PartialDate::new(year, month.map(|m| m as u8), day.map(|d| d as u8))
    }

    /// A date from its parts, or `None` when they are not a calendar date.
    pub fn new(year: u16, month: Option<u8>, day: Option<u8>) -> Option<PartialDate> {
        if year == 0 || year > 9999 {
            return None;
        }
        if let Some(m) = month
            && !(1..=12).contains(&m)
        {
            return None;
        }
        if let Some(d) = day {
            let m = month?;
            if d == 0 || d > days_in_month(year, m) {
                return None;
            }
        }
        Some(PartialDate { year, month, day })
    }

    /// How precise the date is.
    pub fn precision(&self) -> DatePrecision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => DatePrecision::Day,
            (Some(_), None) => DatePrecision::Month,
            _ => DatePrecision::Year,
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

/// How precisely a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DatePrecision {
    /// Only the year.
    Year,
    /// Year and month.
    Month,
    /// Year, month and day.
    Day,
}

fn parse_num(s: &str, width: usize) -> Option<u16> {
    if s.len() != width || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Days in the month `month` (1..=12) of the proleptic Gregorian `year`.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// A birth date, possibly approximate ("circa 1960", UN `TYPE_OF_DATE` APPROXIMATELY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BirthDate {
    /// The date.
    pub date: PartialDate,
    /// True when the publisher says the date is approximate.
    pub approximate: bool,
}

impl BirthDate {
    /// An exact (as far as its precision goes) birth date.
    pub fn exact(date: PartialDate) -> BirthDate {
        BirthDate {
            date,
            approximate: false,
        }
    }
}

/// A gender as lists state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Any other stated gender.
    Other,
}

impl Gender {
    /// Parses `male`/`m`, `female`/`f`, `other` (case-insensitive).
    pub fn parse(s: &str) -> Option<Gender> {
        match s.trim().to_ascii_lowercase().as_str() {
            "male" | "m" | "man" => Some(Gender::Male),
            "female" | "f" | "woman" => Some(Gender::Female),
            "other" | "o" | "x" | "diverse" => Some(Gender::Other),
            _ => None,
        }
    }

    /// The lower-case English word.
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Other => "other",
        }
    }
}

/// What an identifier number identifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// A passport number.
    Passport,
    /// A national identity card or number.
    NationalId,
    /// A tax number.
    Tax,
    /// A company or other registration number.
    Registration,
    /// An IMO ship or company number.
    Imo,
    /// A SWIFT/BIC code.
    Swift,
    /// Anything else (driver's licence, aircraft serial, ...).
    Other,
}

impl IdKind {
    /// A stable lower-case name, matching the FtM property it maps to where there is one.
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Passport => "passportNumber",
            IdKind::NationalId => "idNumber",
            IdKind::Tax => "taxNumber",
            IdKind::Registration => "registrationNumber",
            IdKind::Imo => "imoNumber",
            IdKind::Swift => "swiftBic",
            IdKind::Other => "idNumber",
        }
    }
}

/// An identifier number (passport, national id, registration...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identifier {
    /// What it identifies.
    pub kind: IdKind,
    /// The number as published.
    pub number: String,
    /// The issuing country (ISO alpha-2, lower case), when known.
    pub country: Option<String>,
}

/// A postal address, kept as published text plus its country.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// The address lines joined with ", ".
    pub full: String,
    /// Its country (ISO alpha-2, lower case), when known.
    pub country: Option<String>,
}

/// One listed person, organisation, company, vessel or aircraft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Stable id: `ofac-<ent_num>`, `un-<DATAID>`, `eu-<logicalId>`, `gb-<unique id>`,
    /// `csl-<entity_number>`, or the publisher's own id for FtM and Senzing data.
    pub id: String,
    /// What kind of thing it is.
    pub schema: Schema,
    /// Its names; the first `Primary` one is the caption.
    pub names: Vec<Name>,
    /// Birth (or incorporation, for companies, where lists give it) dates.
    pub birth_dates: Vec<BirthDate>,
    /// Places of birth as published.
    pub birth_places: Vec<String>,
    /// Countries linked to it: nationality, citizenship, residence, jurisdiction, flag
    /// (ISO alpha-2, lower case, no duplicates).
    pub countries: Vec<String>,
    /// Stated gender, for persons.
    pub gender: Option<Gender>,
    /// Identifier numbers.
    pub identifiers: Vec<Identifier>,
    /// Addresses.
    pub addresses: Vec<Address>,
    /// Sanctions programs (e.g. `SDNTK`, `TCO`, `SDGT`) or list references.
    pub programs: Vec<String>,
    /// The dataset it comes from, with OpenSanctions' names (`us_ofac_sdn`, `un_sc_sanctions`...).
    pub dataset: String,
}

impl Entity {
    /// An entity with an id, schema and dataset and nothing else yet.
    pub fn new(id: impl Into<String>, schema: Schema, dataset: impl Into<String>) -> Entity {
        Entity {
            id: id.into(),
            schema,
            names: Vec::new(),
            birth_dates: Vec::new(),
            birth_places: Vec::new(),
            countries: Vec::new(),
            gender: None,
            identifiers: Vec::new(),
            addresses: Vec::new(),
            programs: Vec::new(),
            dataset: dataset.into(),
        }
    }

    /// The caption: the first primary name, else the first name, else the id.
    pub fn caption(&self) -> &str {
        self.names
            .iter()
            .find(|n| n.kind == NameKind::Primary)
            .or_else(|| self.names.first())
            .map_or(self.id.as_str(), |n| n.full.as_str())
    }

    /// Adds a name unless an equal one (same text, ignoring case and surrounding space) is
    /// already there; a stronger kind replaces a weaker one. Empty names are ignored.
    pub fn add_name(&mut self, full: &str, kind: NameKind) {
        let full = full.trim();
        if full.is_empty() {
            return;
        }
        if let Some(existing) = self
            .names
            .iter_mut()
            .find(|n| n.full.eq_ignore_ascii_case(full) || n.full == full)
        {
            if kind < existing.kind {
                existing.kind = kind;
            }
            return;
        }
        self.names.push(Name::new(full, kind));
    }

    /// Adds a country code (lower-cased) unless it is already there.
    pub fn add_country(&mut self, code: &str) {
        let code = code.trim().to_ascii_lowercase();
        if !code.is_empty() && !self.countries.contains(&code) {
            self.countries.push(code);
        }
    }

    /// Adds a birth date unless it is already there.
    pub fn add_birth_date(&mut self, date: BirthDate) {
        if !self.birth_dates.iter().any(|d| d.date == date.date) {
            self.birth_dates.push(date);
        }
    }

    /// Adds an identifier unless the same number of the same kind is already there.
    pub fn add_identifier(&mut self, id: Identifier) {
        if !id.number.trim().is_empty()
            && !self
                .identifiers
                .iter()
                .any(|i| i.kind == id.kind && i.number == id.number)
        {
            self.identifiers.push(id);
        }
    }

    /// Adds a program unless it is already there.
    pub fn add_program(&mut self, program: &str) {
        let program = program.trim();
        if !program.is_empty() && !self.programs.iter().any(|p| p == program) {
            self.programs.push(program.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_with_precision_and_calendar() {
        assert_eq!(
            PartialDate::parse_iso("1970").unwrap().precision(),
            DatePrecision::Year
        );
        assert_eq!(
            PartialDate::parse_iso("1970-02").unwrap().precision(),
            DatePrecision::Month
        );
        assert_eq!(
            PartialDate::parse_iso("2000-02-29").unwrap().to_string(),
            "2000-02-29"
        );
        assert_eq!(PartialDate::parse_iso("1900-02-29"), None);
        assert_eq!(PartialDate::parse_iso("1970-13"), None);
        assert_eq!(PartialDate::parse_iso("70-01-01"), None);
        assert_eq!(PartialDate::parse_iso("1970-01-01-01"), None);
    }

    #[test]
    fn names_deduplicate_and_keep_the_strongest_kind() {
        let mut e = Entity::new("x-1", Schema::Person, "test");
        e.add_name("JOHN SMITH", NameKind::Weak);
        e.add_name(" john smith ", NameKind::Alias);
        e.add_name("", NameKind::Primary);
        assert_eq!(e.names, vec![Name::new("JOHN SMITH", NameKind::Alias)]);
        assert_eq!(e.caption(), "JOHN SMITH");
    }

    #[test]
    fn schema_compatibility_is_symmetric() {
        for a in Schema::ALL {
            for b in Schema::ALL {
                assert_eq!(a.compatible_with(b), b.compatible_with(a), "{a} {b}");
            }
        }
        assert!(!Schema::Person.compatible_with(Schema::Vessel));
    }
}
