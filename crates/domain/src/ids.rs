//! Typed identifiers. The caller (the service, from its database or a UUID
//! generator) makes the identifiers; the domain only checks their shape and
//! keeps kinds apart, so a task id can never be passed where a declaration id
//! is expected.
//!
//! One generic [`Id<K>`] does the work; `K` is an uninhabited marker type from
//! [`kind`], and each entity has an alias such as [`DeclarationId`].
//!
//! Stored form: a JSON string. Loading parses it with [`Id::parse`], so a
//! stored identifier of the wrong shape is refused with the same message.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use crate::error::{DomainError, FieldProblem};

/// The kind of entity an [`Id`] names.
pub trait IdKind {
    /// The field name used in error messages (`declaration id`).
    const FIELD: &'static str;
}

/// An identifier of an entity of kind `K`: 1 to 64 characters of
/// `A-Z a-z 0-9 _ -` (a UUID in text form fits).
pub struct Id<K> {
    value: String,
    kind: PhantomData<fn() -> K>,
}

/// The longest identifier, in characters.
pub const ID_MAX_LEN: usize = 64;

impl<K: IdKind> Id<K> {
    /// Checks the shape of an identifier and wraps it.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        if value.is_empty() {
            return Err(DomainError::field(K::FIELD, FieldProblem::Empty));
        }
        if let Some(found) = value
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(DomainError::field(
                K::FIELD,
                FieldProblem::InvalidCharacter {
                    found,
                    allowed: "letters A-Z and a-z, digits, '_' and '-'",
                },
            ));
        }
        if value.len() > ID_MAX_LEN {
            return Err(DomainError::field(
                K::FIELD,
                FieldProblem::TooLong { max: ID_MAX_LEN },
            ));
        }
        Ok(Id {
            value: value.to_owned(),
            kind: PhantomData,
        })
    }
}

impl<K> Id<K> {
    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

// The traits are written by hand because deriving them would require `K`
// itself to implement them, and the markers are uninhabited enums.
impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        Id {
            value: self.value.clone(),
            kind: PhantomData,
        }
    }
}

impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<K> Eq for Id<K> {}

impl<K> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl<K> Hash for Id<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<K: IdKind> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({:?})", K::FIELD, self.value)
    }
}

impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl<K: IdKind> FromStr for Id<K> {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Id::parse(s)
    }
}

impl<K> serde::Serialize for Id<K> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.value)
    }
}

impl<'de, K: IdKind> serde::Deserialize<'de> for Id<K> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::storage::parse_str(deserializer, K::FIELD, Id::parse)
    }
}

impl<K> AsRef<str> for Id<K> {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

macro_rules! id_kinds {
    ($( $alias:ident = $marker:ident, $field:literal; )*) => {
        /// The marker types of [`Id`]: uninhabited, they exist only as type
        /// parameters.
        pub mod kind {
            $(
                #[doc = concat!("Marks the identifier of a ", $field, ".")]
                #[derive(Debug)]
                pub enum $marker {}

                impl super::IdKind for $marker {
                    const FIELD: &'static str = concat!($field, " id");
                }
            )*
        }

        $(
            #[doc = concat!("The identifier of a ", $field, ".")]
            pub type $alias = Id<kind::$marker>;
        )*
    };
}

id_kinds! {
    EventId = Event, "event";
    ClusterId = Cluster, "cluster";
    VenueId = Venue, "venue";
    AgencyId = Agency, "agency";
    DelegationId = Delegation, "delegation";
    DeclarationId = Declaration, "declaration";
    HostUnitId = HostUnit, "host unit";
    AccountId = Account, "account";
    ApplicantId = Applicant, "applicant";
    RoomId = Room, "room";
    LogEntryId = LogEntry, "log entry";
    LiaisonReportId = LiaisonReport, "liaison report";
    RequestId = Request, "request";
    TaskId = Task, "task";
    ProtecteeId = Protectee, "protectee";
    MovementId = Movement, "movement";
    VettingCaseId = VettingCase, "vetting case";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_uuids_and_slugs() {
        let id = DeclarationId::parse("3f2b8c1e-4a5d-4e6f-9a0b-1c2d3e4f5a6b").unwrap();
        assert_eq!(id.as_str(), "3f2b8c1e-4a5d-4e6f-9a0b-1c2d3e4f5a6b");
        assert!(TaskId::parse("task_01").is_ok());
        assert_eq!(
            "x".repeat(64).parse::<RoomId>().map(|r| r.as_str().len()),
            Ok(64)
        );
    }

    #[test]
    fn refuses_bad_shapes_naming_the_kind() {
        let err = DeclarationId::parse("").unwrap_err();
        assert_eq!(err.to_string(), "field \"declaration id\": empty");
        let err = TaskId::parse(&"a".repeat(65)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "field \"task id\": longer than 64 characters"
        );
        let err = VenueId::parse("a b").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("field \"venue id\": contains ' '")
        );
        assert!(VenueId::parse("é").is_err());
    }

    #[test]
    fn debug_names_the_kind() {
        let id = AgencyId::parse("dss").unwrap();
        assert_eq!(format!("{id:?}"), "agency id(\"dss\")");
        assert_eq!(id.to_string(), "dss");
    }
}
