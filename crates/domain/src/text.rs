//! Bounded, checked text: free text ([`Text`]), one-line names of things
//! ([`Name`]), names of people ([`PersonName`]) and the reasons every decision
//! carries ([`Reason`]).
//!
//! Parsing refuses values longer than the type's maximum (counted in
//! characters, not bytes, surrounding white space included), trims
//! surrounding white space, then refuses empty values and control
//! characters. One-line types also refuse line breaks. A value of one
//! of these types is therefore always fit to show and to store.
//!
//! Stored form: a JSON string. Loading parses it again, naming the field by
//! the type (`text`, `name`, `reason`), so a stored value that breaks a rule
//! is refused with the constructor's message (`field "name": longer than 200
//! characters`).

use std::fmt;

use crate::error::{DomainError, FieldProblem};
use crate::storage::serde_as_str;

/// The longest [`Name`] or [`PersonName`], in characters.
pub const NAME_MAX: usize = 200;
/// The longest [`Reason`], in characters.
pub const REASON_MAX: usize = 2000;
/// The longest free text of a log entry, a request or an answer, in characters.
pub const TEXT_MAX: usize = 8000;

/// Free text of at most `MAX` characters: not empty, trimmed, with line breaks
/// and tabs allowed but no other control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text<const MAX: usize>(String);

/// The free text of log entries, requests, answers, notes and reports.
pub type LongText = Text<TEXT_MAX>;

impl<const MAX: usize> Text<MAX> {
    /// Checks `value` as the field `field` (named in the error) and wraps it.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, DomainError> {
        clean(field, value, MAX, Lines::Many).map(Text)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> serde::Serialize for Text<MAX> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de, const MAX: usize> serde::Deserialize<'de> for Text<MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::storage::parse_str(deserializer, "a text", |s| Text::parse("text", s))
    }
}

/// The one-line name of a thing: an event, a venue, an agency, a room, a unit,
/// a task's title. At most [`NAME_MAX`] characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    /// Checks `value` as the field `field` (named in the error) and wraps it.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, DomainError> {
        clean(field, value, NAME_MAX, Lines::One).map(Name)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's full name as written in the identity document: one line, at most
/// [`NAME_MAX`] characters, with at least one letter.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonName(String);

impl PersonName {
    /// Checks a person's name (the field `name` in errors) and wraps it.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let cleaned = clean("name", value, NAME_MAX, Lines::One)?;
        if !cleaned.chars().any(char::is_alphabetic) {
            return Err(DomainError::field(
                "name",
                FieldProblem::Rule("must contain at least one letter"),
            ));
        }
        Ok(PersonName(cleaned))
    }

    /// The name as declared.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name reduced for comparison: lower case, common Latin diacritics
    /// folded (`é` → `e`, `ß` → `ss`), apostrophes dropped, other punctuation
    /// turned into spaces, and the words sorted, so that `Müller-Lüdenscheidt,
    /// Hans` and `HANS MULLER LUDENSCHEIDT` compare equal. Sorting the words
    /// makes the comparison blind to surname-first ordering, which is how many
    /// declaration forms are filled in.
    pub fn normalised(&self) -> String {
        let mut folded = String::with_capacity(self.0.len());
        for c in self.0.chars().flat_map(char::to_lowercase) {
            if c == '\'' || c == '\u{2019}' || c == '`' {
                continue;
            }
            match fold_latin(c) {
                Some(replacement) => folded.push_str(replacement),
                None if c.is_alphanumeric() => folded.push(c),
                None => folded.push(' '),
            }
        }
        let mut words: Vec<&str> = folded.split_whitespace().collect();
        words.sort_unstable();
        words.join(" ")
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The reason for a decision (a refusal, a clearance, a cancellation): never
/// empty, at most [`REASON_MAX`] characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reason(String);

impl Reason {
    /// Checks a reason (the field `reason` in errors) and wraps it.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        clean("reason", value, REASON_MAX, Lines::Many).map(Reason)
    }

    /// The reason.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

serde_as_str!(Name, "a name", |s| Name::parse("name", s));
serde_as_str!(PersonName, "a person's name", PersonName::parse);
serde_as_str!(Reason, "a reason", Reason::parse);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lines {
    One,
    Many,
}

/// Trims `value` and checks it against the common rules of text fields.
fn clean(
    field: &'static str,
    value: &str,
    max: usize,
    lines: Lines,
) -> Result<String, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::field(field, FieldProblem::Empty));
    }
    // The length is the value's as given, white space included, as the API's
    // schema (`maxLength`) counts it. Counting stops one past the maximum, so
    // a huge input costs no more than a valid one.
    if value.chars().take(max + 1).count() > max {
        return Err(DomainError::field(field, FieldProblem::TooLong { max }));
    }
    for c in trimmed.chars() {
        let line_break = c == '\n' || c == '\r';
        if line_break && lines == Lines::One {
            return Err(DomainError::field(field, FieldProblem::LineBreak));
        }
        if c.is_control() && !line_break && c != '\t' {
            return Err(DomainError::field(field, FieldProblem::ControlCharacter));
        }
    }
    Ok(trimmed.to_owned())
}

/// The ASCII spelling of a lower-case Latin letter with a diacritic, for the
/// letters of the Latin-1 Supplement and Latin Extended-A blocks that names
/// use; `None` for everything else.
fn fold_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        let t = Text::<9>::parse("note", "  hello \n").unwrap();
        assert_eq!(t.as_str(), "hello");
        // The maximum counts the value as given, white space included (as
        // the API's schema counts it).
        assert!(Text::<8>::parse("note", "  hello \n").is_err());
        assert_eq!(
            Text::<5>::parse("note", "hello!").unwrap_err().to_string(),
            "field \"note\": longer than 5 characters"
        );
        // The maximum counts characters, not bytes.
        assert!(Text::<5>::parse("note", "ééééé").is_ok());
        assert_eq!(
            Text::<5>::parse("note", " \t\n").unwrap_err().to_string(),
            "field \"note\": empty"
        );
        assert!(Text::<50>::parse("note", "line one\nline two\twith a tab").is_ok());
        assert_eq!(
            Text::<50>::parse("note", "bell\u{7}")
                .unwrap_err()
                .to_string(),
            "field \"note\": contains a control character"
        );
    }

    #[test]
    fn names_are_one_line() {
        assert_eq!(
            Name::parse("venue name", "Arena\nSanta Giulia")
                .unwrap_err()
                .to_string(),
            "field \"venue name\": contains a line break, but must be one line"
        );
        assert_eq!(
            Name::parse("venue name", &"x".repeat(201))
                .unwrap_err()
                .to_string(),
            "field \"venue name\": longer than 200 characters"
        );
        assert!(Name::parse("venue name", &"x".repeat(200)).is_ok());
    }

    #[test]
    fn person_names_need_a_letter() {
        assert!(PersonName::parse("Ана Петровић").is_ok());
        assert_eq!(
            PersonName::parse("1234").unwrap_err().to_string(),
            "field \"name\": must contain at least one letter"
        );
    }

    #[test]
    fn normalised_names_ignore_case_accents_punctuation_and_order() {
        let n = |s: &str| PersonName::parse(s).unwrap().normalised();
        assert_eq!(
            n("Müller-Lüdenscheidt, Hans"),
            n("HANS MULLER LUDENSCHEIDT")
        );
        assert_eq!(n("O'Brien  Seán"), "obrien sean");
        assert_eq!(n("Straße Jörg"), "jorg strasse");
        assert_eq!(n("Łukasz Żółć"), "lukasz zolc");
        assert_ne!(n("John Smith"), n("Jon Smith"));
        // Other scripts are kept, in lower case.
        assert_eq!(n("ΑΝΝΑ Παππά"), "αννα παππά");
    }

    #[test]
    fn reasons_are_never_empty() {
        assert_eq!(
            Reason::parse("   ").unwrap_err().to_string(),
            "field \"reason\": empty"
        );
        assert!(Reason::parse("No match after review of the birth date.").is_ok());
    }
}
