//! Reading query rows: the batch CSV contract and the single-name flags.
//!
//! Only the name is required. In a batch, an optional field that cannot be read (a birth date of
//! `1974-01-32`, an unknown country) does not cost the row its screening: the row is screened on
//! the rest and the field is reported in the row's `warnings`. On the command line, where a person
//! typed the flag and can fix it, the same problem is an error. Dates are read leniently where the
//! meaning is plain: `1969-7-16` is 16 July 1969.

use anyhow::anyhow;
use screening::Query;
use watchlist::{Gender, PartialDate, Schema};

/// The columns of a batch input file, found by name (case-insensitive) in its header.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    id: usize,
    name: usize,
    schema: Option<usize>,
    birth_date: Option<usize>,
    country: Option<usize>,
    gender: Option<usize>,
    id_number: Option<usize>,
}

impl Columns {
    /// Finds the columns in a header row; `id` and `name` are required.
    pub fn from_header(header: &csv::StringRecord) -> anyhow::Result<Columns> {
        let find = |wanted: &str| {
            header.iter().position(|h| {
                h.trim_start_matches('\u{feff}')
                    .trim()
                    .eq_ignore_ascii_case(wanted)
            })
        };
        Ok(Columns {
            id: find("id").ok_or_else(|| anyhow!("line 1: the header has no `id` column"))?,
            name: find("name").ok_or_else(|| anyhow!("line 1: the header has no `name` column"))?,
            schema: find("schema"),
            birth_date: find("birth_date"),
            country: find("country"),
            gender: find("gender"),
            id_number: find("id_number"),
        })
    }

    /// The row's id, when the column is there.
    pub fn id<'r>(&self, row: &'r csv::StringRecord) -> &'r str {
        row.get(self.id).unwrap_or("")
    }

    /// Turns a row into a query and the warnings about optional fields left out, or says why the
    /// row cannot be screened at all (no usable name).
    pub fn query(&self, row: &csv::StringRecord) -> anyhow::Result<(Query, Vec<String>)> {
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).map(str::trim).unwrap_or("");
        let name = get(Some(self.name));
        if name.is_empty() {
            return Err(anyhow!("field name: empty"));
        }
        parse_query_lenient(
            name,
            get(self.schema),
            get(self.birth_date),
            get(self.country),
            get(self.gender),
            get(self.id_number),
        )
    }
}

/// Builds a query from its fields (empty strings mean "not given"); any field that cannot be read
/// is an error (the single-name flags).
pub fn parse_query(
    name: &str,
    schema: &str,
    birth_date: &str,
    country: &str,
    gender: &str,
    id_number: &str,
) -> anyhow::Result<Query> {
    let (q, warnings) = parse_query_lenient(name, schema, birth_date, country, gender, id_number)?;
    match warnings.first() {
        Some(w) => Err(anyhow!("{}", w.trim_end_matches(UNUSED))),
        None => Ok(q),
    }
}

/// The end of every warning: what was done about the field.
const UNUSED: &str = "; screened without it";

/// Builds a query from its fields; a name that cannot be used is an error, an optional field that
/// cannot be read is left out of the query and described in the returned warnings.
pub fn parse_query_lenient(
    name: &str,
    schema: &str,
    birth_date: &str,
    country: &str,
    gender: &str,
    id_number: &str,
) -> anyhow::Result<(Query, Vec<String>)> {
    if name.chars().count() > 1000 {
        return Err(anyhow!("field name: longer than 1000 characters"));
    }
    let mut q = Query::name(name);
    let mut warnings = Vec::new();
    let mut warn = |field: &str, problem: String| {
        warnings.push(format!("field {field}: {problem}{UNUSED}"));
    };
    if !schema.is_empty() {
        match Schema::parse(schema) {
            Some(s) => q.schema = Some(s),
            None => warn(
                "schema",
                format!(
                    "{schema:?} is not one of Person, Organization, Company, LegalEntity, Vessel, Airplane"
                ),
            ),
        }
    }
    if !birth_date.is_empty() {
        match parse_date(birth_date) {
            Some(d) => q.birth_dates.push(d),
            None => warn(
                "birth_date",
                format!("{birth_date:?} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
            ),
        }
    }
    if !country.is_empty() {
        match watchlist::countries::to_code(country) {
            Some(code) => q.countries.push(code.to_owned()),
            None => warn(
                "country",
                format!("{country:?} is not a known country code or name"),
            ),
        }
    }
    if !gender.is_empty() {
        match Gender::parse(gender) {
            Some(g) => q.gender = Some(g),
            None => warn("gender", format!("{gender:?} is not male, female or other")),
        }
    }
    if !id_number.is_empty() {
        q.id_numbers.push(id_number.to_owned());
    }
    Ok((q, warnings))
}

/// Reads `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, with one- or two-digit months and days
/// (`1969-7-16`); `None` when it is not a calendar date (`1974-01-32`, `1900-02-29`).
pub fn parse_date(s: &str) -> Option<PartialDate> {
    let mut parts = s.trim().split('-');
    let num = |p: &str, widths: std::ops::RangeInclusive<usize>| {
        (widths.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u16>().ok())
            .flatten()
    };
    let year = num(parts.next()?, 4..=4)?;
    let month = match parts.next() {
        Some(m) => Some(u8::try_from(num(m, 1..=2)?).ok()?),
        None => None,
    };
    let day = match parts.next() {
        Some(d) => Some(u8::try_from(num(d, 1..=2)?).ok()?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    PartialDate::new(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_with_single_digit_months_and_days_read() {
        let d = |s: &str| parse_date(s).map(|d| d.to_string());
        assert_eq!(d("1969-7-16").as_deref(), Some("1969-07-16"));
        assert_eq!(d("1969-07-16").as_deref(), Some("1969-07-16"));
        assert_eq!(d("1969-7").as_deref(), Some("1969-07"));
        assert_eq!(d(" 1969 ").as_deref(), Some("1969"));
        for bad in [
            "1974-01-32",
            "1974-13-01",
            "1900-02-29",
            "69-7-16",
            "1969-007-16",
            "1969-7-16-1",
            "1969--16",
            "x",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_unreadable_optional_field_is_a_warning_and_the_rest_is_kept() {
        let (q, w) = parse_query_lenient(
            "Artem Kozlovsky",
            "Person",
            "1974-01-32",
            "Atlantis",
            "m",
            "X1",
        )
        .unwrap();
        assert_eq!(q.names, ["Artem Kozlovsky"]);
        assert!(q.birth_dates.is_empty() && q.countries.is_empty());
        assert_eq!(q.gender, Some(Gender::Male));
        assert_eq!(q.id_numbers, ["X1"]);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("field birth_date: \"1974-01-32\" is not a date"),
            "{w:?}"
        );
        assert!(w[1].starts_with("field country: \"Atlantis\""), "{w:?}");
        assert!(w.iter().all(|w| w.ends_with("screened without it")));
    }

    #[test]
    fn the_strict_form_refuses_what_the_lenient_one_warns_about() {
        let e = parse_query("A B", "", "", "", "robot", "")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "field gender: \"robot\" is not male, female or other");
        assert!(parse_query("A B", "Person", "1969-7-16", "IT", "f", "").is_ok());
        assert!(parse_query_lenient(&"x".repeat(1001), "", "", "", "", "").is_err());
    }
}
