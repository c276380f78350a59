//! Reading query rows: the batch CSV contract and the single-name flags.

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

    /// Turns a row into a query, or says which field is wrong.
    pub fn query(&self, row: &csv::StringRecord) -> anyhow::Result<Query> {
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).map(str::trim).unwrap_or("");
        let name = get(Some(self.name));
        if name.is_empty() {
            return Err(anyhow!("field name: empty"));
        }
        parse_query(
            name,
            get(self.schema),
            get(self.birth_date),
            get(self.country),
            get(self.gender),
            get(self.id_number),
        )
    }
}

/// Builds a query from its fields (empty strings mean "not given").
pub fn parse_query(
    name: &str,
    schema: &str,
    birth_date: &str,
    country: &str,
    gender: &str,
    id_number: &str,
) -> anyhow::Result<Query> {
    if name.chars().count() > 1000 {
        return Err(anyhow!("field name: longer than 1000 characters"));
    }
    let mut q = Query::name(name);
    if !schema.is_empty() {
        q.schema = Some(Schema::parse(schema).ok_or_else(|| {
            anyhow!("field schema: {schema:?} is not one of Person, Organization, Company, LegalEntity, Vessel, Airplane")
        })?);
    }
    if !birth_date.is_empty() {
        q.birth_dates
            .push(PartialDate::parse_iso(birth_date).ok_or_else(|| {
                anyhow!(
                    "field birth_date: {birth_date:?} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
                )
            })?);
    }
    if !country.is_empty() {
        let code = watchlist::countries::to_code(country).ok_or_else(|| {
            anyhow!("field country: {country:?} is not a known country code or name")
        })?;
        q.countries.push(code.to_owned());
    }
    if !gender.is_empty() {
        q.gender = Some(
            Gender::parse(gender)
                .ok_or_else(|| anyhow!("field gender: {gender:?} is not male, female or other"))?,
        );
    }
    if !id_number.is_empty() {
        q.id_numbers.push(id_number.to_owned());
    }
    Ok(q)
}
