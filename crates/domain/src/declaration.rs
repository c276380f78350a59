//! Personnel declarations: a delegation's formal list of the people it brings,
//! one [`DeclarationLine`] per person, and the host's review of each line.
//!
//! A line's review runs
//!
//! ```text
//! Pending ──accredit──► Accredited ──(arms permits, per weapon)
//!    │  ▲
//!    │  └──answer_information (requester)── InformationRequested
//!    ├──request_information──────────────────────┘     │
//!    └──refuse──► Refused ◄────────refuse──────────────┘
//! ```
//!
//! Accreditation needs the person screened, any vetting case on the line
//! cleared, and (for anyone but the head) the delegation head accredited
//! first. Only an accredited person may hold an account ([`can_hold_account`]).
//!
//! # Stored form
//!
//! A [`DeclarationLine`] is one JSON object. Its screening result and its
//! review are tags beside its other fields, each with its data:
//!
//! ```json
//! {"id": "line-2", "delegation": "us-dss",
//!  "person": {"name": "Sam Shield", "birth_date": "1980-05-17", "nationality": "US",
//!             "document": "P7", "role": "protective_agent", "protectee": "vp",
//!             "weapons": [{"kind": "Glock 19 pistol", "serial": "GLK001"}], "vehicles": []},
//!  "is_head": false, "declared_at": 1769904000000, "updated_at": 1769911200000,
//!  "screening": "clear", "snapshot": "0707…",
//!  "review": "accredited", "accreditation": {"window": {…}, "rooms": [], "zones": []},
//!  "accredited_at": 1769911200000,
//!  "exchanges": [], "permits": []}
//! ```
//!
//! Loading re-checks what one line can show: the person's weapons and
//! vehicles are not repeated and the birth date lies before the day of the
//! declaration (as at declaration); times are in order (nothing before the
//! declaration or after the last change, no answer before its question); an
//! accredited line was screened; permits exist only on an accredited line, one
//! per declared weapon, each inside the accreditation window (as
//! [`DeclarationLine::grant_arms_permit`] checks). It trusts what needs other
//! records: that a hit's vetting case was cleared and the head accredited
//! before the line was, that the line's delegation exists and that `is_head`
//! agrees with it, and that the zones granted name venues of the event.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::codes::{CountryCode, DocumentNumber, PlateNumber, SerialNumber, SnapshotHash};
use crate::error::{Blocker, DomainError, DuplicateBasis, FieldProblem, PermitProblem};
use crate::ids::{DeclarationId, DelegationId, ProtecteeId, RoomId, VenueId, VettingCaseId};
use crate::registry::{Delegation, Event, Zone};
use crate::side::Side;
use crate::storage::{Span, aggregate, inconsistent};
use crate::text::{LongText, Name, PersonName, Reason};
use crate::time::{Date, Timestamp, Window};
use crate::vetting::{VettingCase, VettingState};

const ENTITY: &str = "declaration";

/// What a declared person is asked to be accredited as.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum RoleAsked {
    /// A liaison officer in the operations rooms.
    Liaison,
    /// Investigative support to the host's investigators.
    InvestigativeSupport,
    /// A protective agent of one protectee of the delegation.
    ProtectiveAgent {
        /// The protectee the agent escorts.
        protectee: ProtecteeId,
    },
    /// An observer.
    Observer,
}

impl RoleAsked {
    /// The stable name (`liaison`, `investigative_support`, `protective_agent`, `observer`).
    pub fn as_str(&self) -> &'static str {
        match self {
            RoleAsked::Liaison => "liaison",
            RoleAsked::InvestigativeSupport => "investigative_support",
            RoleAsked::ProtectiveAgent { .. } => "protective_agent",
            RoleAsked::Observer => "observer",
        }
    }
}

/// A weapon a declared person intends to carry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weapon {
    kind: Name,
    serial: SerialNumber,
}

impl Weapon {
    /// A weapon of a type (`Glock 19 pistol`) with its serial number.
    pub fn new(kind: Name, serial: SerialNumber) -> Self {
        Weapon { kind, serial }
    }

    /// The weapon's type.
    pub fn kind(&self) -> &Name {
        &self.kind
    }

    /// The weapon's serial number.
    pub fn serial(&self) -> &SerialNumber {
        &self.serial
    }
}

/// A vehicle a declared person will drive.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vehicle {
    plate: PlateNumber,
    description: Name,
}

impl Vehicle {
    /// A vehicle with its number plate and a description (`black SUV, diplomatic plates`).
    pub fn new(plate: PlateNumber, description: Name) -> Self {
        Vehicle { plate, description }
    }

    /// The number plate.
    pub fn plate(&self) -> &PlateNumber {
        &self.plate
    }

    /// The description.
    pub fn description(&self) -> &Name {
        &self.description
    }
}

/// The person a line declares, as the delegation describes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredPerson", into = "StoredPerson")]
pub struct Person {
    name: PersonName,
    birth_date: Date,
    nationality: CountryCode,
    document: DocumentNumber,
    role: RoleAsked,
    weapons: Vec<Weapon>,
    vehicles: Vec<Vehicle>,
}

impl Person {
    /// A person without weapons or vehicles; add those with
    /// [`Person::with_weapon`] and [`Person::with_vehicle`].
    pub fn new(
        name: PersonName,
        birth_date: Date,
        nationality: CountryCode,
        document: DocumentNumber,
        role: RoleAsked,
    ) -> Self {
        Person {
            name,
            birth_date,
            nationality,
            document,
            role,
            weapons: Vec::new(),
            vehicles: Vec::new(),
        }
    }

    /// Adds a weapon; refused if a declared weapon has the same serial number.
    pub fn with_weapon(mut self, weapon: Weapon) -> Result<Self, DomainError> {
        if self.weapons.iter().any(|w| w.serial == weapon.serial) {
            return Err(DomainError::field(
                "weapons",
                FieldProblem::Repeated {
                    value: weapon.serial.to_string(),
                },
            ));
        }
        self.weapons.push(weapon);
        Ok(self)
    }

    /// Adds a vehicle; refused if a declared vehicle has the same plate.
    pub fn with_vehicle(mut self, vehicle: Vehicle) -> Result<Self, DomainError> {
        if self.vehicles.iter().any(|v| v.plate == vehicle.plate) {
            return Err(DomainError::field(
                "vehicles",
                FieldProblem::Repeated {
                    value: vehicle.plate.to_string(),
                },
            ));
        }
        self.vehicles.push(vehicle);
        Ok(self)
    }

    /// The name as in the identity document.
    pub fn name(&self) -> &PersonName {
        &self.name
    }

    /// The birth date.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// The nationality.
    pub fn nationality(&self) -> CountryCode {
        self.nationality
    }

    /// The identity document's number.
    pub fn document(&self) -> &DocumentNumber {
        &self.document
    }

    /// The role asked for.
    pub fn role(&self) -> &RoleAsked {
        &self.role
    }

    /// The weapons declared, in the order given.
    pub fn weapons(&self) -> &[Weapon] {
        &self.weapons
    }

    /// The vehicles declared, in the order given.
    pub fn vehicles(&self) -> &[Vehicle] {
        &self.vehicles
    }
}

/// The stored form of a [`Person`]: the weapons and vehicles are added one by
/// one on loading, so a repeated serial number or plate is refused.
#[derive(Serialize, Deserialize)]
struct StoredPerson {
    name: PersonName,
    birth_date: Date,
    nationality: CountryCode,
    document: DocumentNumber,
    #[serde(flatten)]
    role: RoleAsked,
    weapons: Vec<Weapon>,
    vehicles: Vec<Vehicle>,
}

impl From<Person> for StoredPerson {
    fn from(person: Person) -> Self {
        StoredPerson {
            name: person.name,
            birth_date: person.birth_date,
            nationality: person.nationality,
            document: person.document,
            role: person.role,
            weapons: person.weapons,
            vehicles: person.vehicles,
        }
    }
}

impl TryFrom<StoredPerson> for Person {
    type Error = DomainError;

    fn try_from(stored: StoredPerson) -> Result<Self, Self::Error> {
        let mut person = Person::new(
            stored.name,
            stored.birth_date,
            stored.nationality,
            stored.document,
            stored.role,
        );
        for weapon in stored.weapons {
            person = person.with_weapon(weapon)?;
        }
        for vehicle in stored.vehicles {
            person = person.with_vehicle(vehicle)?;
        }
        Ok(person)
    }
}

/// The role asked for, by name: [`RoleAsked`] without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// [`RoleAsked::Liaison`].
    Liaison,
    /// [`RoleAsked::InvestigativeSupport`].
    InvestigativeSupport,
    /// [`RoleAsked::ProtectiveAgent`]: needs `protectee`.
    ProtectiveAgent,
    /// [`RoleAsked::Observer`].
    Observer,
}

/// A declared person as a command gives them: the fields of [`Person`],
/// unknown fields refused, and nothing checked across fields yet. The rules
/// between fields (a protective agent names a protectee, others name none;
/// each serial number and plate once) are [`Person`]'s, applied by
/// `Person::try_from`, so that the service reports them as a refused value
/// rather than as a malformed command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// The name as in the identity document.
    pub name: PersonName,
    /// The birth date.
    pub birth_date: Date,
    /// The nationality.
    pub nationality: CountryCode,
    /// The identity document's number.
    pub document: DocumentNumber,
    /// The role asked for.
    pub role: RoleName,
    /// The protectee of a protective agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protectee: Option<ProtecteeId>,
    /// Weapons the person will carry.
    pub weapons: Vec<Weapon>,
    /// Vehicles the person will drive.
    pub vehicles: Vec<Vehicle>,
}

impl TryFrom<PersonInput> for Person {
    type Error = DomainError;

    fn try_from(input: PersonInput) -> Result<Self, Self::Error> {
        let role = match (input.role, input.protectee) {
            (RoleName::ProtectiveAgent, Some(protectee)) => {
                RoleAsked::ProtectiveAgent { protectee }
            }
            (RoleName::ProtectiveAgent, None) => {
                return Err(DomainError::field(
                    "protectee",
                    FieldProblem::Rule("a protective agent names the protectee"),
                ));
            }
            (_, Some(_)) => {
                return Err(DomainError::field(
                    "protectee",
                    FieldProblem::Rule("only a protective agent names a protectee"),
                ));
            }
            (RoleName::Liaison, None) => RoleAsked::Liaison,
            (RoleName::InvestigativeSupport, None) => RoleAsked::InvestigativeSupport,
            (RoleName::Observer, None) => RoleAsked::Observer,
        };
        Person::try_from(StoredPerson {
            name: input.name,
            birth_date: input.birth_date,
            nationality: input.nationality,
            document: input.document,
            role,
            weapons: input.weapons,
            vehicles: input.vehicles,
        })
    }
}

/// The result of screening a declared person against the watchlists.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "screening", rename_all = "snake_case")]
pub enum ScreeningStatus {
    /// Not screened yet.
    NotScreened,
    /// Screened without a hit against the named list snapshot.
    Clear {
        /// The content hash of the list snapshot screened against.
        snapshot: SnapshotHash,
    },
    /// Screened with a hit, which opened a vetting case.
    Hit {
        /// The vetting case the hit opened.
        case: VettingCaseId,
    },
}

impl ScreeningStatus {
    /// The stable name (`not_screened`, `clear`, `hit`), as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            ScreeningStatus::NotScreened => "not_screened",
            ScreeningStatus::Clear { .. } => "clear",
            ScreeningStatus::Hit { .. } => "hit",
        }
    }
}

/// Access to one security zone of one venue (and so to the zones outside it).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ZoneAccess {
    venue: VenueId,
    zone: Zone,
}

impl ZoneAccess {
    /// Access to `zone` of `venue`, which must be a venue of `event`.
    pub fn new(event: &Event, venue: &VenueId, zone: Zone) -> Result<Self, DomainError> {
        event.require_venue("zones", venue)?;
        Ok(ZoneAccess {
            venue: venue.clone(),
            zone,
        })
    }

    /// The venue.
    pub fn venue(&self) -> &VenueId {
        &self.venue
    }

    /// The innermost zone the access reaches.
    pub fn zone(&self) -> Zone {
        self.zone
    }
}

/// What the host grants an accredited person: a validity window, the rooms
/// they may work in, and the zones they may enter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accreditation {
    window: Window,
    rooms: BTreeSet<RoomId>,
    zones: BTreeSet<ZoneAccess>,
}

impl Accreditation {
    /// An accreditation valid during `window` (`[from, until)`), for these rooms and zones.
    pub fn new(
        window: Window,
        rooms: impl IntoIterator<Item = RoomId>,
        zones: impl IntoIterator<Item = ZoneAccess>,
    ) -> Self {
        Accreditation {
            window,
            rooms: rooms.into_iter().collect(),
            zones: zones.into_iter().collect(),
        }
    }

    /// The validity window.
    pub fn window(&self) -> &Window {
        &self.window
    }

    /// The rooms the person may work in.
    pub fn rooms(&self) -> &BTreeSet<RoomId> {
        &self.rooms
    }

    /// The zone accesses granted.
    pub fn zones(&self) -> &BTreeSet<ZoneAccess> {
        &self.zones
    }

    /// Whether the person may enter `zone` of `venue` (ignoring time).
    pub fn allows(&self, venue: &VenueId, zone: Zone) -> bool {
        self.zones
            .iter()
            .any(|access| &access.venue == venue && access.zone.includes(zone))
    }
}

/// The host's review of a declaration line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "review", rename_all = "snake_case")]
pub enum Review {
    /// Waiting for the host's decision.
    Pending,
    /// The host asked the delegation a question; waiting for the answer.
    InformationRequested {
        /// The question.
        question: LongText,
        /// When it was asked.
        asked_at: Timestamp,
    },
    /// Accredited.
    Accredited {
        /// What was granted.
        accreditation: Accreditation,
        /// When.
        #[serde(rename = "accredited_at")]
        at: Timestamp,
    },
    /// Refused.
    Refused {
        /// Why.
        reason: Reason,
        /// When.
        #[serde(rename = "refused_at")]
        at: Timestamp,
    },
    /// Withdrawn by the declaring delegation. Final.
    Withdrawn {
        /// When.
        #[serde(rename = "withdrawn_at")]
        at: Timestamp,
    },
}

impl Review {
    /// The state's name, as error messages spell it (`Pending`, `Accredited`).
    pub fn name(&self) -> &'static str {
        match self {
            Review::Pending => "Pending",
            Review::InformationRequested { .. } => "InformationRequested",
            Review::Accredited { .. } => "Accredited",
            Review::Refused { .. } => "Refused",
            Review::Withdrawn { .. } => "Withdrawn",
        }
    }

    /// The stable name (`pending`, `information_requested`, `accredited`,
    /// `refused`), as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            Review::Pending => "pending",
            Review::InformationRequested { .. } => "information_requested",
            Review::Accredited { .. } => "accredited",
            Review::Refused { .. } => "refused",
            Review::Withdrawn { .. } => "withdrawn",
        }
    }

    /// The accreditation, if the line is accredited.
    pub fn accreditation(&self) -> Option<&Accreditation> {
        match self {
            Review::Accredited { accreditation, .. } => Some(accreditation),
            _ => None,
        }
    }
}

/// A question the host asked about a line and the delegation's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    question: LongText,
    asked_at: Timestamp,
    answer: LongText,
    answered_at: Timestamp,
}

impl Exchange {
    /// The host's question.
    pub fn question(&self) -> &LongText {
        &self.question
    }

    /// When it was asked.
    pub fn asked_at(&self) -> Timestamp {
        self.asked_at
    }

    /// The delegation's answer.
    pub fn answer(&self) -> &LongText {
        &self.answer
    }

    /// When it was answered.
    pub fn answered_at(&self) -> Timestamp {
        self.answered_at
    }
}

/// A host permit to carry one declared weapon, valid only during the stay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmsPermit {
    serial: SerialNumber,
    window: Window,
    granted_at: Timestamp,
}

impl ArmsPermit {
    /// The serial number of the weapon.
    pub fn serial(&self) -> &SerialNumber {
        &self.serial
    }

    /// The validity window, inside the accreditation window.
    pub fn window(&self) -> &Window {
        &self.window
    }

    /// When the permit was granted.
    pub fn granted_at(&self) -> Timestamp {
        self.granted_at
    }
}

/// What accreditation checks besides the line itself: the vetting case that
/// screening opened on the line, if any, and the head's line, for anyone but
/// the head.
#[derive(Clone, Copy, Debug, Default)]
pub struct Prerequisites<'a> {
    /// The vetting case named by the line's [`ScreeningStatus::Hit`].
    pub vetting: Option<&'a VettingCase>,
    /// The declaration line of the delegation's head.
    pub head: Option<&'a DeclarationLine>,
}

/// One declared person of a delegation, with the host's review of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredDeclarationLine", into = "StoredDeclarationLine")]
pub struct DeclarationLine {
    id: DeclarationId,
    reference: Option<DeclarationId>,
    former_id: Option<DeclarationId>,
    delegation: DelegationId,
    person: Person,
    is_head: bool,
    declared_at: Timestamp,
    updated_at: Timestamp,
    screening: ScreeningStatus,
    review: Review,
    exchanges: Vec<Exchange>,
    permits: Vec<ArmsPermit>,
    possible_duplicate: Option<PossibleDuplicate>,
}

/// A line of another delegation that a new line may duplicate (the same
/// person declared twice, or a refused person declared again elsewhere):
/// a flag for the host, never shown to the declaring delegation, which
/// must not learn what another delegation declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PossibleDuplicate {
    /// The line already on record.
    pub line: DeclarationId,
    /// What the two have in common.
    pub basis: DuplicateBasis,
}

impl DeclarationLine {
    /// Declares a person of a delegation (a line other than the head's, which
    /// [`Delegation::register`] creates). The birth date must lie before the day
    /// of the declaration.
    pub fn declare(
        id: DeclarationId,
        delegation: &Delegation,
        person: Person,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        Self::new(id, delegation, person, false, at)
    }

    /// Declares the head of a new delegation.
    pub(crate) fn head_of(
        id: DeclarationId,
        delegation: &Delegation,
        person: Person,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        Self::new(id, delegation, person, true, at)
    }

    fn new(
        id: DeclarationId,
        delegation: &Delegation,
        person: Person,
        is_head: bool,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        if person.birth_date >= at.date() {
            return Err(DomainError::field(
                "birth date",
                FieldProblem::Rule("must be before the day of the declaration"),
            ));
        }
        Ok(DeclarationLine {
            id,
            reference: None,
            former_id: None,
            delegation: delegation.id().clone(),
            person,
            is_head,
            declared_at: at,
            updated_at: at,
            screening: ScreeningStatus::NotScreened,
            review: Review::Pending,
            exchanges: Vec::new(),
            permits: Vec::new(),
            possible_duplicate: None,
        })
    }

    /// The line's identifier.
    pub fn id(&self) -> &DeclarationId {
        &self.id
    }

    /// The label the declaring side chose for the line (its own reference,
    /// kept in the line's salted document), when it chose one: the id is
    /// opaque (see the service's `opaque` module).
    pub fn reference(&self) -> Option<&DeclarationId> {
        self.reference.as_ref()
    }

    /// The id the line had in a store written before ids were opaque, when
    /// `store.migrate` gave it its opaque id: the passes of its
    /// accreditations stay named by the id they were issued under.
    pub fn former_id(&self) -> Option<&DeclarationId> {
        self.former_id.as_ref()
    }

    /// The id that names the line's passes: the one it was created under.
    pub fn pass_subject(&self) -> &DeclarationId {
        self.former_id.as_ref().unwrap_or(&self.id)
    }

    /// The line with the declaring side's own reference.
    #[must_use]
    pub fn with_reference(mut self, reference: Option<DeclarationId>) -> Self {
        self.reference = reference;
        self
    }

    /// The declaring delegation.
    pub fn delegation(&self) -> &DelegationId {
        &self.delegation
    }

    /// The declared person.
    pub fn person(&self) -> &Person {
        &self.person
    }

    /// Whether this is the line of the delegation's head.
    pub fn is_head(&self) -> bool {
        self.is_head
    }

    /// When the line was declared.
    pub fn declared_at(&self) -> Timestamp {
        self.declared_at
    }

    /// When the line last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// The screening result.
    pub fn screening(&self) -> &ScreeningStatus {
        &self.screening
    }

    /// The host's review.
    pub fn review(&self) -> &Review {
        &self.review
    }

    /// The stable name of the review's state ([`Review::as_str`]), as stored.
    pub fn state_name(&self) -> &'static str {
        self.review.as_str()
    }

    /// What was granted, if the line is accredited: the validity window, the
    /// rooms and the zones.
    pub fn accreditation(&self) -> Option<&Accreditation> {
        self.review.accreditation()
    }

    /// The questions asked and answered so far, oldest first.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    /// The arms permits granted, oldest first.
    pub fn permits(&self) -> &[ArmsPermit] {
        &self.permits
    }

    /// A line of another delegation this one may duplicate (host only).
    pub fn possible_duplicate(&self) -> Option<&PossibleDuplicate> {
        self.possible_duplicate.as_ref()
    }

    /// The line flagged for the host as a possible duplicate of `flag`'s
    /// line (the host's system acts, on declaring).
    pub fn flag_possible_duplicate(mut self, flag: PossibleDuplicate) -> Self {
        self.possible_duplicate = Some(flag);
        self
    }

    /// Withdraws the line (the declaring delegation's side): the person
    /// will not come, or no longer works for the delegation. From any state
    /// but refused or withdrawn; an accreditation ends with it.
    pub fn withdraw(&self, side: Side, at: Timestamp) -> Result<Self, DomainError> {
        self.check(side, Side::Requester, "withdraw", at)?;
        if matches!(
            self.review,
            Review::Refused { .. } | Review::Withdrawn { .. }
        ) {
            return Err(self.invalid("withdraw"));
        }
        let mut next = self.changed(at);
        next.review = Review::Withdrawn { at };
        Ok(next)
    }

    /// Records the result of screening the person (the host's side). A hit
    /// opens a vetting case, and from then on the case decides: a later
    /// screening cannot replace it. Screening is recorded only while the line
    /// is under review.
    pub fn record_screening(
        &self,
        side: Side,
        status: ScreeningStatus,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Side::Host, "record screening", at)?;
        if !matches!(
            self.review,
            Review::Pending | Review::InformationRequested { .. }
        ) {
            return Err(self.invalid("record screening"));
        }
        if status == ScreeningStatus::NotScreened {
            return Err(DomainError::field(
                "screening",
                FieldProblem::Rule("a screening result is either clear or a hit"),
            ));
        }
        if let ScreeningStatus::Hit { .. } = self.screening {
            return Err(DomainError::field(
                "screening",
                FieldProblem::Rule("the line already has a vetting case, and the case decides"),
            ));
        }
        let mut next = self.changed(at);
        next.screening = status;
        Ok(next)
    }

    /// A list change made a hit on the line's person after a clear
    /// screening (a re-screen: the host's side): `case` examines it. Before
    /// a decision the case decides, as a first hit's would; on an
    /// accredited line the accreditation stays in force — the host may
    /// suspend it while the case is open — and the delegation is told
    /// nothing, not even that the line changed. Refused when the line
    /// already has a case, or is refused, withdrawn or never screened.
    pub fn rescreen_hit(
        &self,
        side: Side,
        case: VettingCaseId,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Side::Host, "rescreen hit", at)?;
        let open = matches!(
            self.review,
            Review::Pending | Review::InformationRequested { .. } | Review::Accredited { .. }
        );
        if !open || !matches!(self.screening, ScreeningStatus::Clear { .. }) {
            return Err(self.invalid("rescreen hit"));
        }
        // The line's last-change time is what the delegation sees change: a
        // hit it must not learn of leaves it as it was (the case and the
        // ledger entry keep the time).
        let mut next = self.clone();
        next.screening = ScreeningStatus::Hit { case };
        Ok(next)
    }

    /// Asks the delegation a question about the line (the host's side).
    pub fn request_information(
        &self,
        side: Side,
        question: LongText,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Side::Host, "request information", at)?;
        if self.review != Review::Pending {
            return Err(self.invalid("request information"));
        }
        let mut next = self.changed(at);
        next.review = Review::InformationRequested {
            question,
            asked_at: at,
        };
        Ok(next)
    }

    /// Answers the host's question (the requesting delegation's side); the line
    /// goes back to pending.
    pub fn answer_information(
        &self,
        side: Side,
        answer: LongText,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Side::Requester, "answer information", at)?;
        let Review::InformationRequested { question, asked_at } = &self.review else {
            return Err(self.invalid("answer information"));
        };
        let exchange = Exchange {
            question: question.clone(),
            asked_at: *asked_at,
            answer,
            answered_at: at,
        };
        let mut next = self.changed(at);
        next.exchanges.push(exchange);
        next.review = Review::Pending;
        Ok(next)
    }

    /// Refuses the person (the host's side), from pending or while waiting for
    /// an answer.
    pub fn refuse(&self, side: Side, reason: Reason, at: Timestamp) -> Result<Self, DomainError> {
        self.check(side, Side::Host, "refuse", at)?;
        if !matches!(
            self.review,
            Review::Pending | Review::InformationRequested { .. }
        ) {
            return Err(self.invalid("refuse"));
        }
        let mut next = self.changed(at);
        next.review = Review::Refused { reason, at };
        Ok(next)
    }

    /// Accredits the person (the host's side). The line must be pending, its
    /// person screened, any vetting case on it cleared, and, unless this is the
    /// head's line, the head's line accredited.
    pub fn accredit(
        &self,
        side: Side,
        accreditation: Accreditation,
        prerequisites: Prerequisites<'_>,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Side::Host, "accredit", at)?;
        if self.review != Review::Pending {
            return Err(self.invalid("accredit"));
        }
        self.check_prerequisites(prerequisites).map_err(|blocker| {
            DomainError::AccreditationBlocked {
                line: self.id.clone(),
                blocker,
            }
        })?;
        let mut next = self.changed(at);
        next.review = Review::Accredited { accreditation, at };
        Ok(next)
    }

    fn check_prerequisites(&self, prerequisites: Prerequisites<'_>) -> Result<(), Blocker> {
        match &self.screening {
            ScreeningStatus::NotScreened => return Err(Blocker::NotScreened),
            ScreeningStatus::Clear { .. } => {}
            ScreeningStatus::Hit { case } => {
                let Some(given) = prerequisites.vetting else {
                    return Err(Blocker::VettingCaseMissing { case: case.clone() });
                };
                if given.id() != case {
                    return Err(Blocker::WrongVettingCase {
                        expected: case.clone(),
                        found: given.id().clone(),
                    });
                }
                if !matches!(given.state(), VettingState::Cleared(_)) {
                    return Err(Blocker::VettingNotCleared {
                        case: case.clone(),
                        state: given.state().name(),
                    });
                }
            }
        }
        if self.is_head {
            return Ok(());
        }
        let Some(head) = prerequisites.head else {
            return Err(Blocker::HeadMissing);
        };
        if !head.is_head || head.delegation != self.delegation {
            return Err(Blocker::NotTheHead {
                given: head.id.clone(),
            });
        }
        if head.review.accreditation().is_none() {
            return Err(Blocker::HeadNotAccredited {
                head: head.id.clone(),
            });
        }
        Ok(())
    }

    /// Grants a permit to carry one declared weapon (the host's side). The line
    /// must be accredited, the weapon declared on it and not yet permitted, and
    /// the permit window inside the accreditation window.
    pub fn grant_arms_permit(
        &self,
        side: Side,
        serial: &SerialNumber,
        window: Window,
        at: Timestamp,
    ) -> Result<Self, DomainError> {
        self.check(side, Side::Host, "grant an arms permit", at)?;
        let problem = |problem| DomainError::ArmsPermit {
            line: self.id.clone(),
            problem,
        };
        let Some(accreditation) = self.review.accreditation() else {
            return Err(problem(PermitProblem::NotAccredited {
                state: self.review.name(),
            }));
        };
        if self.person.weapons.is_empty() {
            return Err(problem(PermitProblem::NoWeaponsDeclared));
        }
        if !self.person.weapons.iter().any(|w| &w.serial == serial) {
            return Err(problem(PermitProblem::UnknownWeapon {
                serial: serial.to_string(),
            }));
        }
        if self.permits.iter().any(|p| &p.serial == serial) {
            return Err(problem(PermitProblem::AlreadyPermitted {
                serial: serial.to_string(),
            }));
        }
        if !accreditation.window().covers(&window) {
            return Err(problem(PermitProblem::OutsideAccreditation));
        }
        let mut next = self.changed(at);
        next.permits.push(ArmsPermit {
            serial: serial.clone(),
            window,
            granted_at: at,
        });
        Ok(next)
    }

    /// Checks the side and the time of a transition.
    fn check(
        &self,
        side: Side,
        allowed: Side,
        transition: &'static str,
        at: Timestamp,
    ) -> Result<(), DomainError> {
        if side != allowed {
            return Err(DomainError::WrongSide {
                entity: ENTITY,
                transition,
                allowed,
            });
        }
        if at < self.updated_at {
            return Err(DomainError::TimeWentBackwards {
                entity: ENTITY,
                at: at.as_millis(),
                last: self.updated_at.as_millis(),
            });
        }
        Ok(())
    }

    fn invalid(&self, transition: &'static str) -> DomainError {
        DomainError::InvalidTransition {
            entity: ENTITY,
            state: self.review.name(),
            transition,
        }
    }

    fn changed(&self, at: Timestamp) -> Self {
        let mut next = self.clone();
        next.updated_at = at;
        next
    }
}

/// The stored form of a [`DeclarationLine`], checked on loading as the module
/// documentation describes.
#[derive(Serialize, Deserialize)]
struct StoredDeclarationLine {
    id: DeclarationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<DeclarationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    former_id: Option<DeclarationId>,
    delegation: DelegationId,
    person: Person,
    is_head: bool,
    declared_at: Timestamp,
    updated_at: Timestamp,
    #[serde(flatten)]
    screening: ScreeningStatus,
    #[serde(flatten)]
    review: Review,
    exchanges: Vec<Exchange>,
    permits: Vec<ArmsPermit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    possible_duplicate: Option<PossibleDuplicate>,
}

impl From<DeclarationLine> for StoredDeclarationLine {
    fn from(line: DeclarationLine) -> Self {
        StoredDeclarationLine {
            id: line.id,
            reference: line.reference,
            former_id: line.former_id,
            delegation: line.delegation,
            person: line.person,
            is_head: line.is_head,
            declared_at: line.declared_at,
            updated_at: line.updated_at,
            screening: line.screening,
            review: line.review,
            exchanges: line.exchanges,
            permits: line.permits,
            possible_duplicate: line.possible_duplicate,
        }
    }
}

impl TryFrom<StoredDeclarationLine> for DeclarationLine {
    type Error = DomainError;

    fn try_from(stored: StoredDeclarationLine) -> Result<Self, Self::Error> {
        let line = DeclarationLine {
            id: stored.id,
            reference: stored.reference,
            former_id: stored.former_id,
            delegation: stored.delegation,
            person: stored.person,
            is_head: stored.is_head,
            declared_at: stored.declared_at,
            updated_at: stored.updated_at,
            screening: stored.screening,
            review: stored.review,
            exchanges: stored.exchanges,
            permits: stored.permits,
            possible_duplicate: stored.possible_duplicate,
        };
        line.check_stored()?;
        Ok(line)
    }
}

impl DeclarationLine {
    /// Checks the rules one stored line can show (see the module documentation).
    fn check_stored(&self) -> Result<(), DomainError> {
        if self.person.birth_date >= self.declared_at.date() {
            return Err(DomainError::field(
                "birth date",
                FieldProblem::Rule("must be before the day of the declaration"),
            ));
        }
        let span = Span::new(ENTITY, self.declared_at, self.updated_at)?;
        match &self.review {
            Review::Pending => {}
            Review::InformationRequested { asked_at, .. } => span.contains([*asked_at])?,
            Review::Accredited { at, .. }
            | Review::Refused { at, .. }
            | Review::Withdrawn { at } => span.contains([*at])?,
        }
        for exchange in &self.exchanges {
            span.contains([exchange.asked_at, exchange.answered_at])?;
            span.ordered(
                exchange.asked_at,
                exchange.answered_at,
                "an answer is earlier than its question",
            )?;
        }
        if self.review.accreditation().is_some() && self.screening == ScreeningStatus::NotScreened {
            return Err(inconsistent(
                ENTITY,
                "an accredited line was never screened",
            ));
        }
        let problem = |problem| DomainError::ArmsPermit {
            line: self.id.clone(),
            problem,
        };
        for (i, permit) in self.permits.iter().enumerate() {
            span.contains([permit.granted_at])?;
            let Some(accreditation) = self.review.accreditation() else {
                return Err(problem(PermitProblem::NotAccredited {
                    state: self.review.name(),
                }));
            };
            if !self
                .person
                .weapons
                .iter()
                .any(|w| w.serial == permit.serial)
            {
                return Err(problem(PermitProblem::UnknownWeapon {
                    serial: permit.serial.to_string(),
                }));
            }
            if self.permits[..i].iter().any(|p| p.serial == permit.serial) {
                return Err(problem(PermitProblem::AlreadyPermitted {
                    serial: permit.serial.to_string(),
                }));
            }
            if !accreditation.window().covers(&permit.window) {
                return Err(problem(PermitProblem::OutsideAccreditation));
            }
        }
        Ok(())
    }
}

aggregate!(
    DeclarationLine,
    "declaration",
    delegation: |line| Some(line.delegation()),
    room: |_| None
);

/// The rule that nobody foreign gets an account before accreditation: `Ok`
/// only if the line is accredited.
pub fn can_hold_account(line: &DeclarationLine) -> Result<(), DomainError> {
    match line.review() {
        Review::Accredited { .. } => Ok(()),
        other => Err(DomainError::NotAccredited {
            line: line.id().clone(),
            state: other.name(),
        }),
    }
}

/// Checks a new line against the lines on record, whatever their state, so
/// that a refused person cannot simply be declared again. A line is a
/// duplicate if an existing line of the same delegation has the same document
/// number and nationality, or if any existing line has the same normalised
/// name ([`PersonName::normalised`]) and birth date. A line never duplicates
/// itself (lines with the same id are skipped).
pub fn check_duplicate<'a>(
    new: &DeclarationLine,
    existing: impl IntoIterator<Item = &'a DeclarationLine>,
) -> Result<(), DomainError> {
    match find_duplicate(new, existing) {
        Some(flag) => Err(DomainError::DuplicateDeclaration {
            existing: flag.line,
            basis: flag.basis,
        }),
        None => Ok(()),
    }
}

/// The first line of `existing` that `new` duplicates, by the rules of
/// [`check_duplicate`].
pub fn find_duplicate<'a>(
    new: &DeclarationLine,
    existing: impl IntoIterator<Item = &'a DeclarationLine>,
) -> Option<PossibleDuplicate> {
    let name = new.person.name.normalised();
    for line in existing {
        if line.id == new.id {
            continue;
        }
        let basis = if line.delegation == new.delegation
            && line.person.document == new.person.document
            && line.person.nationality == new.person.nationality
        {
            Some(DuplicateBasis::SameDocument)
        } else if line.person.birth_date == new.person.birth_date
            && line.person.name.normalised() == name
        {
            Some(DuplicateBasis::SameNameAndBirthDate)
        } else {
            None
        };
        if let Some(basis) = basis {
            return Some(PossibleDuplicate {
                line: line.id.clone(),
                basis,
            });
        }
    }
    None
}
