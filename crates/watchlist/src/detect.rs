//! Recognising a list's format from its name and first bytes.

use crate::{Error, SourceFile};

/// The list formats the crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// OFAC SDN legacy CSV (`sdn.csv` with `alt.csv`, `add.csv`, `sdn_comments.csv`).
    OfacSdnCsv,
    /// OFAC consolidated non-SDN legacy CSV (`cons_prim.csv` with its companions).
    OfacConsCsv,
    /// OFAC SDN XML (`sdn.xml`).
    OfacSdnXml,
    /// UN Security Council consolidated list XML.
    UnXml,
    /// EU financial sanctions files XML (FSF).
    EuFsfXml,
    /// The UK Sanctions List (FCDO).
    UkSanctions,
    /// US Consolidated Screening List CSV.
    CslCsv,
    /// OpenSanctions FollowTheMoney JSON lines.
    FtmJson,
    /// Senzing JSON lines.
    SenzingJson,
}

impl Format {
    /// All formats, in a stable order.
    pub const ALL: [Format; 9] = [
        Format::OfacSdnCsv,
        Format::OfacConsCsv,
        Format::OfacSdnXml,
        Format::UnXml,
        Format::EuFsfXml,
        Format::UkSanctions,
        Format::CslCsv,
        Format::FtmJson,
        Format::SenzingJson,
    ];

    /// The name used on the command line (`--format`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::OfacSdnCsv => "ofac-csv",
            Format::OfacConsCsv => "ofac-cons-csv",
            Format::OfacSdnXml => "ofac-xml",
            Format::UnXml => "un-xml",
            Format::EuFsfXml => "eu-xml",
            Format::UkSanctions => "uk",
            Format::CslCsv => "csl-csv",
            Format::FtmJson => "ftm-json",
            Format::SenzingJson => "senzing-json",
        }
    }

    /// Parses a `--format` name.
    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Detects the format of a file from its name and its first few kilobytes.
pub fn detect_format(file: &SourceFile<'_>) -> Result<Format, Error> {
    let base = file.base_name();
    let head_len = file.bytes.len().min(8192);
    let head = String::from_utf8_lossy(&file.bytes[..head_len]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with('<') {
        if head.contains("CONSOLIDATED_LIST") {
            return Ok(Format::UnXml);
        }
        if head.contains("sdnList") || head.contains("sdnEntry") {
            return Ok(Format::OfacSdnXml);
        }
        if head.contains("sanctionEntity")
            || head.contains("fsd.ec.europa.eu")
            || head.contains("<export")
        {
            return Ok(Format::EuFsfXml);
        }
        if head.contains("Designations")
            || head.contains("UniqueID")
            || head.contains("<Designation")
        {
            return Ok(Format::UkSanctions);
        }
        return Err(Error::file(
            file.name,
            "an XML file of no known list format",
        ));
    }
    if head.starts_with('{') || (head.starts_with('[') && head[1..].trim_start().starts_with('{')) {
        if head.contains("\"RECORD_ID\"") || head.contains("\"DATA_SOURCE\"") {
            return Ok(Format::SenzingJson);
        }
        if head.contains("\"schema\"") {
            return Ok(Format::FtmJson);
        }
        return Err(Error::file(
            file.name,
            "a JSON file of no known list format",
        ));
    }
    if base == "sdn.csv"
        || base.starts_with("sdn") && base.ends_with(".csv") && !base.contains("comment")
    {
        return Ok(Format::OfacSdnCsv);
    }
    if base.starts_with("cons_prim") || base == "cons.csv" {
        return Ok(Format::OfacConsCsv);
    }
    let first_line = head.lines().next().unwrap_or("").to_ascii_lowercase();
    if first_line.contains("entity_number") && first_line.contains("source") {
        return Ok(Format::CslCsv);
    }
    let head_lower = head.to_ascii_lowercase();
    if first_line.contains("group id")
        || first_line.contains("unique id")
        || head.contains("OFSI Group ID")
        || (head_lower.contains("unique id") && head_lower.contains("name 6"))
    {
        return Ok(Format::UkSanctions);
    }
    Err(Error::file(
        file.name,
        "format not recognised; name it with --format (one of ofac-csv, ofac-cons-csv, ofac-xml, un-xml, eu-xml, uk, csl-csv, ftm-json, senzing-json)",
    ))
}
