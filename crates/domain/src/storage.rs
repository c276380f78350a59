//! The storage contract: how the domain's values are written as JSON
//! documents, and what loading one checks.
//!
//! The service persists every aggregate (an event, a declaration line, a
//! request, a vetting case, ...) as one JSON document and loads it back with
//! `serde`. The domain types define that format themselves, so it is a
//! contract: a renamed field or state is a format change that needs a
//! migration of the stored documents. Wire formats (HTTP, CLI) are separate
//! types outside this crate.
//!
//! # Shape
//!
//! - Field and variant names are `snake_case`, as in the Rust source.
//! - Validated values are JSON strings in their normal form: identifiers,
//!   names and texts as given (trimmed), country codes in upper case, document,
//!   serial and plate numbers normalised, snapshot hashes as 64 lower-case hex
//!   digits, dates as `YYYY-MM-DD`.
//! - Instants ([`crate::time::Timestamp`]) and lengths of time are integers of
//!   Unix milliseconds; windows are `{"from": ms, "until": ms}`.
//! - Zones, severities and risk levels are their numbers (`1`, `2`, ...).
//! - [`crate::Role`], [`crate::Action`] and [`crate::AgencyKind`] are their
//!   stable names (`host_commander`, `rfi.answer`, `foreign`).
//! - The state of a state machine is a tag next to the aggregate's other
//!   fields, with the state's data beside it: `"state": "answered", "answer":
//!   {...}`. Declaration lines carry two such tags (`"screening"` and
//!   `"review"`), log entries `"status"`, rooms `"kind"`. The tag's value is
//!   what the aggregate's `state_name()` returns, so a database can index it.
//! - Optional values are written as `null`, never left out, so every document
//!   of a kind has the same fields.
//!
//! # Loading
//!
//! Loading never trusts a document more than the constructors trust their
//! callers. Every validated value is parsed by its own constructor, so a bad
//! value is refused with the constructor's message (`field "name": longer than
//! 200 characters`). Then each aggregate re-checks the rules that relate its
//! fields to one another and that the value types alone cannot hold, and
//! refuses a document that its transitions could not have produced, with a
//! [`DomainError`] (often the very error the transition would have given).
//! What each aggregate re-checks, and what it has to trust because checking
//! needs other records, is listed under "Stored form" in its module.
//!
//! Rules that span records (a vetting case on a line is cleared, a venue
//! belongs to the event, a unit belongs to a host agency) cannot be checked
//! from one document; the service keeps them by loading and saving aggregates
//! only through the transitions.
//!
//! Unknown fields are ignored when loading, so a document written by a newer
//! version with an added field still loads; saving it back drops that field.
//!
//! # Records
//!
//! Every aggregate implements [`Aggregate`], which gives what a database
//! stores beside the document: the record's kind and key, the delegation that
//! owns it, the room it belongs to, and its state name.
//!
//! | kind | key | delegation | room | state |
//! |---|---|---|---|---|
//! | `event` | id | – | – | `configured` |
//! | `agency` | id | – | – | `registered` |
//! | `delegation` | id | itself | – | `registered` |
//! | `host_unit` | id | – | – | `registered` |
//! | `declaration` | id | declaring delegation | – | review state |
//! | `vetting_case` | id | – (see below) | – | case state |
//! | `request` | id | requester | – | request state |
//! | `task` | id | – | – | task state |
//! | `protectee` | id | protectee's delegation | – | `registered` |
//! | `movement` | id | protectee's delegation | – | movement state |
//! | `room` | id | owner of a liaison room | itself | `created` |
//! | `log_entry` | id | – | its room | `open` / `closed` |
//! | `liaison_report` | id | reporting delegation | – | report state |
//! | `sitrep` | `room/number` | – | its room | `issued` |
//!
//! Besides these, an aggregate names what boards order, limit and count its
//! records by ([`Aggregate::board`], [`BoardAttributes`]): an open request's
//! deadline and whether its answer awaits a disclosure approval, a log
//! entry's category and severity. A database keeps them in columns of their
//! own so that it sorts and counts ten thousand records without decoding
//! their documents; they are a function of the document, so a check can
//! recompute them.
//!
//! A vetting case names no delegation: its subject is a declaration line
//! ([`crate::vetting::VettingCase::declaration`]) or an organiser's applicant,
//! and the line's record names the delegation.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use crate::error::DomainError;
use crate::ids::{DelegationId, RoomId};
use crate::time::Timestamp;

/// An aggregate the service stores as one record: its JSON document (the
/// `Serialize` and `Deserialize` impls) and the attributes a database keeps
/// beside it, for queries and for the authority policy.
pub trait Aggregate: Serialize + DeserializeOwned {
    /// The record kind, a stable `snake_case` name (`declaration`, `request`).
    const KIND: &'static str;

    /// The record's key, unique within its kind: the aggregate's identifier,
    /// or for a situation report, which has none, `room/number`.
    fn key(&self) -> Cow<'_, str>;

    /// The delegation that owns the aggregate, if any: what a foreign
    /// principal must belong to in order to see it.
    fn delegation_id(&self) -> Option<&DelegationId>;

    /// The room the aggregate belongs to, if any.
    fn room_id(&self) -> Option<&RoomId>;

    /// The stable `snake_case` name of the aggregate's state: the state tag of
    /// its document, or a fixed name for an aggregate without a state machine.
    fn state_name(&self) -> &'static str;

    /// What boards order, limit and count the aggregate's records by; none
    /// unless the aggregate says.
    fn board(&self) -> BoardAttributes {
        BoardAttributes::default()
    }
}

/// What boards order, limit and count an aggregate's records by, besides
/// its state: a function of the document, which a database keeps in
/// columns of its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BoardAttributes {
    /// A record still open on a board (a request neither refused, closed
    /// nor cancelled): when it is due, Unix ms, or [`BoardAttributes::NO_DEADLINE`]
    /// while it has none (a draft); `None` once finished. Soonest due first
    /// is the order of time left, those without a deadline last.
    pub open_due_at: Option<i64>,
    /// A log entry's category (`incident`, …).
    pub category: Option<&'static str>,
    /// A log entry's severity, 1 to 5.
    pub severity: Option<u8>,
    /// The host's decision the record waits for: `disclosure_approval` for
    /// an answer with personal data not yet approved.
    pub awaiting: Option<&'static str>,
}

impl BoardAttributes {
    /// The `open_due_at` of an open record without a deadline: after every
    /// deadline.
    pub const NO_DEADLINE: i64 = i64::MAX;
}

/// Implements [`Aggregate`] for a type that has `id()` and `state_name()`
/// methods, with the given kind and accessors for delegation and room (and
/// its board attributes, when it has any).
macro_rules! aggregate {
    ($ty:ty, $kind:literal, delegation: |$d:pat_param| $delegation:expr, room: |$r:pat_param| $room:expr) => {
        $crate::storage::aggregate!($ty, $kind, delegation: |$d| $delegation, room: |$r| $room,
            board: |_| $crate::storage::BoardAttributes::default());
    };
    ($ty:ty, $kind:literal, delegation: |$d:pat_param| $delegation:expr, room: |$r:pat_param| $room:expr, board: |$b:pat_param| $board:expr) => {
        impl $crate::storage::Aggregate for $ty {
            const KIND: &'static str = $kind;

            fn key(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(self.id().as_str())
            }

            fn delegation_id(&self) -> Option<&$crate::ids::DelegationId> {
                let $d = self;
                $delegation
            }

            fn room_id(&self) -> Option<&$crate::ids::RoomId> {
                let $r = self;
                $room
            }

            fn state_name(&self) -> &'static str {
                <$ty>::state_name(self)
            }

            fn board(&self) -> $crate::storage::BoardAttributes {
                let $b = self;
                $board
            }
        }
    };
}

pub(crate) use aggregate;

/// Deserializes a JSON string and parses it with `parse`, reporting a refusal
/// with the parser's own message. `expecting` names the value in serde's
/// type errors ("invalid type: integer `5`, expected a country code").
pub(crate) fn parse_str<'de, D, T, E, F>(
    deserializer: D,
    expecting: &'static str,
    parse: F,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
    F: FnOnce(&str) -> Result<T, E>,
{
    struct ParseVisitor<T, F> {
        expecting: &'static str,
        parse: F,
        value: PhantomData<fn() -> T>,
    }

    impl<T, E, F> Visitor<'_> for ParseVisitor<T, F>
    where
        E: fmt::Display,
        F: FnOnce(&str) -> Result<T, E>,
    {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }

        fn visit_str<Error: de::Error>(self, value: &str) -> Result<T, Error> {
            (self.parse)(value).map_err(Error::custom)
        }
    }

    deserializer.deserialize_str(ParseVisitor {
        expecting,
        parse,
        value: PhantomData,
    })
}

/// Implements `Serialize` (the value's `Display` form, a JSON string) and
/// `Deserialize` (a JSON string, through the given parser) for a type.
macro_rules! serde_as_str {
    ($ty:ty, $expecting:expr, $parse:expr) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::storage::parse_str(deserializer, $expecting, $parse)
            }
        }
    };
}

pub(crate) use serde_as_str;

/// The span of an aggregate's life in a stored document: from its creation to
/// its last change. Every transition refuses a time earlier than the last
/// change, so every time an aggregate records lies inside this span, and each
/// answer, confirmation or rejection comes no earlier than what it answers.
pub(crate) struct Span {
    entity: &'static str,
    first: Timestamp,
    last: Timestamp,
}

impl Span {
    /// The span from `first` (the creation) to `last` (the last change);
    /// refused if the last change is earlier than the creation.
    pub(crate) fn new(
        entity: &'static str,
        first: Timestamp,
        last: Timestamp,
    ) -> Result<Self, DomainError> {
        if last < first {
            return Err(inconsistent(
                entity,
                "its last change is earlier than its creation",
            ));
        }
        Ok(Span {
            entity,
            first,
            last,
        })
    }

    /// Refuses any of `times` that lies outside the span.
    pub(crate) fn contains(
        &self,
        times: impl IntoIterator<Item = Timestamp>,
    ) -> Result<(), DomainError> {
        for at in times {
            if at < self.first || at > self.last {
                return Err(inconsistent(
                    self.entity,
                    "a recorded time lies before its creation or after its last change",
                ));
            }
        }
        Ok(())
    }

    /// Refuses `later` if it is earlier than `earlier`, saying `problem`.
    pub(crate) fn ordered(
        &self,
        earlier: Timestamp,
        later: Timestamp,
        problem: &'static str,
    ) -> Result<(), DomainError> {
        if later < earlier {
            return Err(inconsistent(self.entity, problem));
        }
        Ok(())
    }
}

/// The error for a stored document that breaks a rule relating its fields.
pub(crate) fn inconsistent(entity: &'static str, problem: &'static str) -> DomainError {
    DomainError::Inconsistent { entity, problem }
}
