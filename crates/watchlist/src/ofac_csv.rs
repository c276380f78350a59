//! Placeholder: being written in this session.

use crate::{Error, Import, OfacCsvSet, Options};

/// The role of an OFAC companion file, from its lower-case base name.
pub(crate) fn companion_role(base: &str) -> Option<&'static str> {
    match base {
        "alt.csv" | "cons_alt.csv" => Some("alt"),
        "add.csv" | "cons_add.csv" => Some("add"),
        "sdn_comments.csv" | "cons_comments.csv" => Some("comments"),
        _ => None,
    }
}

pub(crate) fn parse(
    set: OfacCsvSet<'_>,
    _consolidated: bool,
    _options: Options,
) -> Result<Import, Error> {
    Err(Error::file(
        set.main.name,
        "this format is not supported yet",
    ))
}
