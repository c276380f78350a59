//! Codes and numbers printed on documents and things: ISO country codes,
//! identity document numbers, weapon serial numbers, number plates, and the
//! content hash of a watchlist snapshot.
//!
//! Numbers are normalised when parsed (upper case, without the spaces and
//! hyphens people type inconsistently), so two spellings of the same number
//! compare equal and duplicate checks work on the normal form.
//!
//! Stored form: JSON strings in the normal form (`IT`, `YA1234567`, a hash as
//! 64 lower-case hex digits). Loading parses them again, so a stored code that
//! no parser accepts is refused with the parser's message.

use std::fmt;
use std::str::FromStr;

use crate::error::{DomainError, FieldProblem};
use crate::storage::serde_as_str;

/// The ISO 3166-1 alpha-2 codes currently assigned, plus `XK` (Kosovo), the
/// user-assigned code that the EU, Interpol and most passport readers use.
const COUNTRY_CODES: &str = "\
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ \
EC EE EG EH ER ES ET \
FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU \
ID IE IL IM IN IO IQ IR IS IT \
JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ \
OM \
PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA \
RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ \
UA UG UM US UY UZ \
VA VC VE VG VI VN VU \
WF WS \
XK \
YE YT \
ZA ZM ZW";

/// Every code [`CountryCode::parse`] accepts, in upper case (the API's
/// schema lists them).
pub fn country_codes() -> impl Iterator<Item = &'static str> {
    COUNTRY_CODES.split(' ').filter(|c| !c.is_empty())
}

/// A country, as an ISO 3166-1 alpha-2 code in upper case (`IT`, `US`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses a two-letter code in either case; refuses codes no country has.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let field = "country";
        let upper = value.trim().to_ascii_uppercase();
        let bytes = upper.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(DomainError::field(
                field,
                FieldProblem::Format {
                    expected: "a two-letter ISO 3166-1 alpha-2 code",
                },
            ));
        }
        if !COUNTRY_CODES.split(' ').any(|code| code == upper) {
            return Err(DomainError::field(
                field,
                FieldProblem::NotACountry { code: upper },
            ));
        }
        Ok(CountryCode([bytes[0], bytes[1]]))
    }

    /// The code, two upper-case ASCII letters.
    pub fn as_str(&self) -> &str {
        // The constructor admits only ASCII upper-case letters.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CountryCode {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CountryCode::parse(s)
    }
}

serde_as_str!(CountryCode, "a country code", CountryCode::parse);

/// Normalises a document-like number: upper case, spaces and hyphens removed,
/// then only `A-Z` and `0-9`, between 1 and `max` characters.
fn parse_number(field: &'static str, value: &str, max: usize) -> Result<String, DomainError> {
    let mut out = String::new();
    for c in value.chars() {
        if c == ' ' || c == '-' {
            continue;
        }
        if !c.is_ascii_alphanumeric() {
            return Err(DomainError::field(
                field,
                FieldProblem::InvalidCharacter {
                    found: c,
                    allowed: "letters A-Z, digits, spaces and '-'",
                },
            ));
        }
        if out.len() == max {
            return Err(DomainError::field(field, FieldProblem::TooLong { max }));
        }
        out.push(c.to_ascii_uppercase());
    }
    if out.is_empty() {
        return Err(DomainError::field(field, FieldProblem::Empty));
    }
    Ok(out)
}

macro_rules! number_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The longest normal form, in characters.
            pub const MAX_LEN: usize = $max;

            #[doc = concat!("Parses and normalises a ", $field, " (the field `", $field, "` in errors).")]
            pub fn parse(value: &str) -> Result<Self, DomainError> {
                parse_number($field, value, $max).map($name)
            }

            /// The normal form: upper-case letters and digits only.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = DomainError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }

        serde_as_str!($name, concat!("a ", $field), $name::parse);
    };
}

number_type!(
    /// The number of a passport or identity card, normalised (`YA 123-4567`
    /// becomes `YA1234567`); at most 20 characters.
    DocumentNumber,
    "document number",
    20
);

number_type!(
    /// A weapon's serial number, normalised; at most 32 characters.
    SerialNumber,
    "serial number",
    32
);

number_type!(
    /// A vehicle's number plate, normalised (`AB 123 CD` becomes `AB123CD`);
    /// at most 12 characters.
    PlateNumber,
    "number plate",
    12
);

/// The content hash (SHA-256) of the watchlist snapshot a screening ran
/// against, so a clear result can be replayed against the same lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SnapshotHash([u8; 32]);

impl SnapshotHash {
    /// Wraps 32 raw bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        SnapshotHash(bytes)
    }

    /// Parses 64 hexadecimal digits, in either case.
    pub fn parse_hex(value: &str) -> Result<Self, DomainError> {
        let error = || {
            DomainError::field(
                "snapshot hash",
                FieldProblem::Format {
                    expected: "64 hexadecimal digits (a SHA-256 hash)",
                },
            )
        };
        let digits = value.as_bytes();
        if digits.len() != 64 {
            return Err(error());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let high = hex_value(pair[0]).ok_or_else(error)?;
            let low = hex_value(pair[1]).ok_or_else(error)?;
            *byte = high << 4 | low;
        }
        Ok(SnapshotHash(bytes))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for SnapshotHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

serde_as_str!(SnapshotHash, "a snapshot hash", SnapshotHash::parse_hex);

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_country_table_has_every_assigned_code_once() {
        let codes: Vec<&str> = COUNTRY_CODES.split(' ').collect();
        // 249 assigned codes plus XK.
        assert_eq!(codes.len(), 250);
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, codes, "the table is sorted and has no repeats");
        assert!(codes.iter().all(|c| c.len() == 2));
    }

    #[test]
    fn country_codes_are_upper_case_iso() {
        assert_eq!(CountryCode::parse("it").unwrap().as_str(), "IT");
        assert_eq!(CountryCode::parse(" US ").unwrap().to_string(), "US");
        assert_eq!(
            CountryCode::parse("ZZ").unwrap_err().to_string(),
            "field \"country\": \"ZZ\" is not an ISO 3166-1 alpha-2 country code"
        );
        assert_eq!(
            CountryCode::parse("ITA").unwrap_err().to_string(),
            "field \"country\": expected a two-letter ISO 3166-1 alpha-2 code"
        );
        assert!(CountryCode::parse("I1").is_err());
        assert!(CountryCode::parse("").is_err());
        assert!(CountryCode::parse("ÉT").is_err());
    }

    #[test]
    fn numbers_are_normalised() {
        let doc = DocumentNumber::parse("ya 123-4567").unwrap();
        assert_eq!(doc.as_str(), "YA1234567");
        assert_eq!(doc, DocumentNumber::parse("YA1234567").unwrap());
        assert_eq!(
            DocumentNumber::parse(" - ").unwrap_err().to_string(),
            "field \"document number\": empty"
        );
        assert_eq!(
            DocumentNumber::parse("A".repeat(21).as_str())
                .unwrap_err()
                .to_string(),
            "field \"document number\": longer than 20 characters"
        );
        assert!(DocumentNumber::parse("A".repeat(20).as_str()).is_ok());
        assert!(
            DocumentNumber::parse("AB/12")
                .unwrap_err()
                .to_string()
                .starts_with("field \"document number\": contains '/'")
        );
        assert_eq!(PlateNumber::parse("ab 123 cd").unwrap().as_str(), "AB123CD");
        assert_eq!(SerialNumber::parse("bxk-445").unwrap().as_str(), "BXK445");
    }

    #[test]
    fn snapshot_hashes_round_trip_through_hex() {
        let hex = "00ff10a0".repeat(8);
        let hash = SnapshotHash::parse_hex(&hex).unwrap();
        assert_eq!(hash.to_string(), hex);
        assert_eq!(SnapshotHash::parse_hex(&hex.to_uppercase()), Ok(hash));
        assert!(SnapshotHash::parse_hex(&hex[..62]).is_err());
        assert!(SnapshotHash::parse_hex(&"g".repeat(64)).is_err());
    }
}
