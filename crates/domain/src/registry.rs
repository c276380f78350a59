//! The registry: the event with its clusters, venues and security zones, the
//! agencies, the foreign delegations, and the host units that tasks and
//! movements are given to.
//!
//! Two rules of the design live in the constructors here. A delegation can
//! only be made from a foreign agency, and a [`HostUnit`] only from a host
//! agency, so a foreign agency can never be assigned a task: no value of the
//! assignee's type can name one.
//!
//! # Stored form
//!
//! Each type is one JSON object with its fields by name; a [`Zone`] is its
//! number and an agency's kind its stable name. Loading an [`Event`] re-checks
//! what [`Event::new`] checks: cluster and venue identifiers are unique and
//! every venue's cluster is one of the event's. Loading trusts that a stored
//! [`Delegation`]'s agency is foreign (and has the stored country) and that a
//! stored [`HostUnit`]'s agency is a host agency: the agency is another
//! record, so the service keeps these by building both only through
//! [`Delegation::register`] and [`HostUnit::new`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::codes::CountryCode;
use crate::declaration::{DeclarationLine, Person};
use crate::error::{DomainError, FieldProblem};
use crate::ids::{AgencyId, ClusterId, DeclarationId, DelegationId, EventId, HostUnitId, VenueId};
use crate::role::AgencyKind;
use crate::storage::aggregate;
use crate::text::Name;
use crate::time::Timestamp;

/// A venue cluster (Milano, Valtellina, Cortina d'Ampezzo, Val di Fiemme, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    id: ClusterId,
    name: Name,
}

impl Cluster {
    /// A cluster with its name.
    pub fn new(id: ClusterId, name: Name) -> Self {
        Cluster { id, name }
    }

    /// The cluster's identifier.
    pub fn id(&self) -> &ClusterId {
        &self.id
    }

    /// The cluster's name.
    pub fn name(&self) -> &Name {
        &self.name
    }
}

/// One of a venue's three concentric security zones. Zone 1 is the innermost;
/// reaching it means passing through zones 3 and 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Zone {
    /// Zone 1: the field of play, the athletes' and officials' areas.
    Inner = 1,
    /// Zone 2: inside the venue's perimeter.
    Middle = 2,
    /// Zone 3: the outer perimeter and its approaches.
    Outer = 3,
}

impl Zone {
    /// The three zones, innermost first.
    pub const ALL: [Zone; 3] = [Zone::Inner, Zone::Middle, Zone::Outer];

    /// The zone with number 1, 2 or 3.
    pub fn from_number(number: u8) -> Result<Zone, DomainError> {
        match number {
            1 => Ok(Zone::Inner),
            2 => Ok(Zone::Middle),
            3 => Ok(Zone::Outer),
            other => Err(DomainError::field(
                "zone",
                FieldProblem::OutOfRange {
                    min: 1,
                    max: 3,
                    found: other.into(),
                },
            )),
        }
    }

    /// The zone's number: 1 (inner) to 3 (outer).
    pub fn number(self) -> u8 {
        self as u8
    }

    /// Whether access to this zone includes access to `other`: access to a
    /// zone includes every zone outside it.
    pub fn includes(self, other: Zone) -> bool {
        other >= self
    }
}

impl TryFrom<u8> for Zone {
    type Error = DomainError;

    /// The same as [`Zone::from_number`].
    fn try_from(number: u8) -> Result<Self, Self::Error> {
        Zone::from_number(number)
    }
}

impl From<Zone> for u8 {
    fn from(zone: Zone) -> u8 {
        zone.number()
    }
}

/// A competition or ceremony venue, in one cluster, with three security zones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Venue {
    id: VenueId,
    name: Name,
    cluster: ClusterId,
}

impl Venue {
    /// A venue of a cluster. The event checks that the cluster exists.
    pub fn new(id: VenueId, name: Name, cluster: ClusterId) -> Self {
        Venue { id, name, cluster }
    }

    /// The venue's identifier.
    pub fn id(&self) -> &VenueId {
        &self.id
    }

    /// The venue's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The cluster the venue belongs to.
    pub fn cluster(&self) -> &ClusterId {
        &self.cluster
    }

    /// The venue's security zones, innermost first.
    pub fn zones(&self) -> [Zone; 3] {
        Zone::ALL
    }
}

/// The event: its clusters and venues. Identifiers are unique and every venue
/// belongs to one of the event's clusters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredEvent", into = "StoredEvent")]
pub struct Event {
    id: EventId,
    name: Name,
    clusters: Vec<Cluster>,
    venues: Vec<Venue>,
}

impl Event {
    /// Checks that cluster and venue identifiers are unique and that every
    /// venue's cluster is one of `clusters`.
    pub fn new(
        id: EventId,
        name: Name,
        clusters: Vec<Cluster>,
        venues: Vec<Venue>,
    ) -> Result<Self, DomainError> {
        let mut cluster_ids = BTreeSet::new();
        for cluster in &clusters {
            if !cluster_ids.insert(cluster.id()) {
                return Err(DomainError::field(
                    "clusters",
                    FieldProblem::Repeated {
                        value: cluster.id().to_string(),
                    },
                ));
            }
        }
        let mut venue_ids = BTreeSet::new();
        for venue in &venues {
            if !venue_ids.insert(venue.id()) {
                return Err(DomainError::field(
                    "venues",
                    FieldProblem::Repeated {
                        value: venue.id().to_string(),
                    },
                ));
            }
            if !cluster_ids.contains(venue.cluster()) {
                return Err(DomainError::field(
                    "venue cluster",
                    FieldProblem::Unknown {
                        kind: "cluster",
                        id: venue.cluster().to_string(),
                    },
                ));
            }
        }
        Ok(Event {
            id,
            name,
            clusters,
            venues,
        })
    }

    /// The event's identifier.
    pub fn id(&self) -> &EventId {
        &self.id
    }

    /// The event's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The clusters, in the order given.
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// The venues, in the order given.
    pub fn venues(&self) -> &[Venue] {
        &self.venues
    }

    /// The cluster with this identifier, if the event has it.
    pub fn cluster(&self, id: &ClusterId) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.id() == id)
    }

    /// The venue with this identifier, if the event has it.
    pub fn venue(&self, id: &VenueId) -> Option<&Venue> {
        self.venues.iter().find(|v| v.id() == id)
    }

    /// The stable state name, `configured`: an event has no state machine.
    pub fn state_name(&self) -> &'static str {
        "configured"
    }

    /// The venue with this identifier, or an error naming `field`.
    pub fn require_venue(&self, field: &'static str, id: &VenueId) -> Result<&Venue, DomainError> {
        self.venue(id).ok_or_else(|| {
            DomainError::field(
                field,
                FieldProblem::Unknown {
                    kind: "venue",
                    id: id.to_string(),
                },
            )
        })
    }
}

/// The stored form of an [`Event`], checked by [`Event::new`] on loading.
#[derive(Serialize, Deserialize)]
struct StoredEvent {
    id: EventId,
    name: Name,
    clusters: Vec<Cluster>,
    venues: Vec<Venue>,
}

impl From<Event> for StoredEvent {
    fn from(event: Event) -> Self {
        StoredEvent {
            id: event.id,
            name: event.name,
            clusters: event.clusters,
            venues: event.venues,
        }
    }
}

impl TryFrom<StoredEvent> for Event {
    type Error = DomainError;

    fn try_from(stored: StoredEvent) -> Result<Self, Self::Error> {
        Event::new(stored.id, stored.name, stored.clusters, stored.venues)
    }
}

/// An agency: a host police force or ministry, a foreign security service,
/// the organiser's accreditation office, or an oversight body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    id: AgencyId,
    name: Name,
    kind: AgencyKind,
    country: CountryCode,
}

impl Agency {
    /// An agency of a kind and a country.
    pub fn new(id: AgencyId, name: Name, kind: AgencyKind, country: CountryCode) -> Self {
        Agency {
            id,
            name,
            kind,
            country,
        }
    }

    /// The agency's identifier.
    pub fn id(&self) -> &AgencyId {
        &self.id
    }

    /// The agency's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// What kind of agency it is.
    pub fn kind(&self) -> AgencyKind {
        self.kind
    }

    /// The agency's country.
    pub fn country(&self) -> CountryCode {
        self.country
    }

    /// The stable state name, `registered`: an agency has no state machine.
    pub fn state_name(&self) -> &'static str {
        "registered"
    }

    /// Refuses the agency unless it is of kind `expected`.
    fn require_kind(&self, expected: AgencyKind, purpose: &'static str) -> Result<(), DomainError> {
        if self.kind == expected {
            Ok(())
        } else {
            Err(DomainError::WrongAgencyKind {
                agency: self.id.clone(),
                actual: self.kind,
                expected,
                purpose,
            })
        }
    }
}

/// A foreign agency's presence at the event, led by a head whose declaration
/// line is created with the delegation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    id: DelegationId,
    name: Name,
    agency: AgencyId,
    country: CountryCode,
    head: DeclarationId,
}

impl Delegation {
    /// Registers a delegation of a foreign agency together with its head's
    /// declaration line (the `delegation.register` action). The head's line must
    /// be accredited before any other line of the delegation.
    ///
    /// The caller should check the head's line against existing lines with
    /// [`crate::declaration::check_duplicate`], as for any other line.
    pub fn register(
        id: DelegationId,
        name: Name,
        agency: &Agency,
        head_line: DeclarationId,
        head: Person,
        at: Timestamp,
    ) -> Result<(Delegation, DeclarationLine), DomainError> {
        agency.require_kind(AgencyKind::Foreign, "a delegation")?;
        let delegation = Delegation {
            id,
            name,
            agency: agency.id().clone(),
            country: agency.country(),
            head: head_line.clone(),
        };
        let line = DeclarationLine::head_of(head_line, &delegation, head, at)?;
        Ok((delegation, line))
    }

    /// The delegation's identifier.
    pub fn id(&self) -> &DelegationId {
        &self.id
    }

    /// The delegation's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The foreign agency the delegation belongs to.
    pub fn agency(&self) -> &AgencyId {
        &self.agency
    }

    /// The country of the delegation's agency.
    pub fn country(&self) -> CountryCode {
        self.country
    }

    /// The declaration line of the delegation's head.
    pub fn head(&self) -> &DeclarationId {
        &self.head
    }

    /// The stable state name, `registered`: a delegation has no state machine.
    pub fn state_name(&self) -> &'static str {
        "registered"
    }
}

/// A unit of a host agency that can be given tasks and lead movements. It can
/// only be built from a host agency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostUnit {
    id: HostUnitId,
    name: Name,
    agency: AgencyId,
}

impl HostUnit {
    /// A unit of `agency`; refused unless the agency is a host agency.
    pub fn new(id: HostUnitId, name: Name, agency: &Agency) -> Result<Self, DomainError> {
        agency.require_kind(AgencyKind::Host, "a host unit")?;
        Ok(HostUnit {
            id,
            name,
            agency: agency.id().clone(),
        })
    }

    /// The unit's identifier.
    pub fn id(&self) -> &HostUnitId {
        &self.id
    }

    /// The unit's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The host agency the unit belongs to.
    pub fn agency(&self) -> &AgencyId {
        &self.agency
    }

    /// The stable state name, `registered`: a host unit has no state machine.
    pub fn state_name(&self) -> &'static str {
        "registered"
    }
}

aggregate!(Event, "event", delegation: |_| None, room: |_| None);
aggregate!(Agency, "agency", delegation: |_| None, room: |_| None);
aggregate!(Delegation, "delegation", delegation: |d| Some(d.id()), room: |_| None);
aggregate!(HostUnit, "host_unit", delegation: |_| None, room: |_| None);

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::parse("name", s).unwrap()
    }

    fn agency(id: &str, kind: AgencyKind, country: &str) -> Agency {
        Agency::new(
            AgencyId::parse(id).unwrap(),
            name(id),
            kind,
            CountryCode::parse(country).unwrap(),
        )
    }

    #[test]
    fn zones_are_concentric() {
        assert!(Zone::Inner.includes(Zone::Outer));
        assert!(Zone::Inner.includes(Zone::Inner));
        assert!(Zone::Middle.includes(Zone::Outer));
        assert!(!Zone::Outer.includes(Zone::Middle));
        assert_eq!(Zone::from_number(1), Ok(Zone::Inner));
        assert_eq!(
            Zone::from_number(4).unwrap_err().to_string(),
            "field \"zone\": 4 is outside the range 1 to 3"
        );
        for zone in Zone::ALL {
            assert_eq!(Zone::from_number(zone.number()), Ok(zone));
        }
    }

    #[test]
    fn events_check_their_venues() {
        let milano = Cluster::new(ClusterId::parse("milano").unwrap(), name("Milano"));
        let arena = Venue::new(
            VenueId::parse("santa-giulia").unwrap(),
            name("Arena Santa Giulia"),
            milano.id().clone(),
        );
        let stray = Venue::new(
            VenueId::parse("tesero").unwrap(),
            name("Tesero"),
            ClusterId::parse("fiemme").unwrap(),
        );
        let id = EventId::parse("mc2026").unwrap();
        let event = Event::new(
            id.clone(),
            name("Milano Cortina 2026"),
            vec![milano.clone()],
            vec![arena.clone()],
        )
        .unwrap();
        assert_eq!(event.venue(arena.id()), Some(&arena));
        assert!(event.cluster(milano.id()).is_some());
        let err = Event::new(id.clone(), name("x"), vec![milano.clone()], vec![stray]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "field \"venue cluster\": unknown cluster \"fiemme\""
        );
        let err = Event::new(id, name("x"), vec![milano], vec![arena.clone(), arena]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "field \"venues\": \"santa-giulia\" appears more than once"
        );
    }

    #[test]
    fn host_units_need_host_agencies() {
        let questura = agency("questura-mi", AgencyKind::Host, "IT");
        let dss = agency("dss", AgencyKind::Foreign, "US");
        let unit_id = HostUnitId::parse("digos-1").unwrap();
        assert!(HostUnit::new(unit_id.clone(), name("DIGOS"), &questura).is_ok());
        let err = HostUnit::new(unit_id, name("Escort"), &dss).unwrap_err();
        assert_eq!(
            err.to_string(),
            "agency \"dss\" is a foreign agency, but a host unit needs a host agency"
        );
    }
}
