//! The one error type of the crate: where the input is bad, and why.

use std::fmt;

/// Bad input: which file, which line (1-based, when known), which field (when known), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file's name as given in [`crate::SourceFile::name`].
    pub file: String,
    /// The 1-based line of the record or element, when known.
    pub line: Option<u64>,
    /// The column or element the problem is in, when known.
    pub field: Option<String>,
    /// What is wrong, in words for the person who has to fix the file.
    pub message: String,
}

impl Error {
    /// An error about a whole file.
    pub fn file(file: &str, message: impl Into<String>) -> Error {
        Error {
            file: file.to_owned(),
            line: None,
            field: None,
            message: message.into(),
        }
    }

    /// An error at a line of a file.
    pub fn at(file: &str, line: u64, message: impl Into<String>) -> Error {
        Error {
            file: file.to_owned(),
            line: Some(line),
            field: None,
            message: message.into(),
        }
    }

    /// The same error, naming the field it is in.
    pub fn in_field(mut self, field: impl Into<String>) -> Error {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for Error {}
