//! The registry facts the policy decides on, for each kind of record: one
//! definition, used by the command handlers and by any read path (the
//! server's boards), so that a board never shows what a command would deny.

use authority::Resource;
use domain::declaration::DeclarationLine;
use domain::request::Request;
use domain::room::Room;
use domain::task::Task;

/// A request belongs to the delegation that filed it.
pub fn request(r: &Request) -> Resource {
    request_owned_by(r.id().as_str(), r.requester().as_str())
}

/// A request's facts from its record's columns: its id and the requesting
/// delegation (the record's `delegation`), all the policy knows of it —
/// so that a board can count requests by delegation in the database and
/// decide once per delegation.
pub fn request_owned_by(id: &str, delegation: &str) -> Resource {
    Resource::Request {
        id: id.to_owned(),
        delegation: delegation.to_owned(),
    }
}

/// A declaration line belongs to the delegation that declared the person.
pub fn declaration(line: &DeclarationLine) -> Resource {
    Resource::Declaration {
        id: line.id().to_string(),
        delegation: line.delegation().to_string(),
    }
}

/// A task belongs to no delegation (only the host tasks, and only host units).
pub fn task(t: &Task) -> Resource {
    Resource::Task {
        id: t.id().to_string(),
    }
}

/// The delegation that owns `room` and what belongs to it: the delegation
/// of a liaison room, none for a host room.
fn room_owner(room: &Room) -> Option<String> {
    room.delegation().map(ToString::to_string)
}

/// A room belongs to the delegation whose liaison room it is (to nobody for
/// a host room); the host has no way to share a room yet.
pub fn room(room: &Room) -> Resource {
    Resource::Room {
        id: room.id().to_string(),
        delegation: room_owner(room),
        shared_with: Vec::new(),
    }
}

/// A liaison report belongs to the delegation that sent it.
pub fn liaison_report(report: &domain::room::LiaisonReport) -> Resource {
    Resource::LiaisonReport {
        id: report.id().to_string(),
        delegation: report.delegation().to_string(),
    }
}

/// A protectee belongs to the delegation that brings the person.
pub fn protectee(p: &domain::movement::Protectee) -> Resource {
    Resource::Protectee {
        id: p.id().to_string(),
        delegation: Some(p.delegation().to_string()),
    }
}

/// A vetting case concerns the delegation stored with it (the one whose
/// declared person it is), and is open to the notes of exactly the
/// delegations the host shared it with (`vetting.share`) — never
/// automatically to the declaring one.
pub fn vetting_case(
    case: &domain::vetting::VettingCase,
    record: &store::records::Record,
) -> Resource {
    Resource::VettingCase {
        id: case.id().to_string(),
        delegation: record.delegation.clone(),
        organiser: case.triage().map(|t| t.organiser.to_string()),
        shared_with: case
            .shares()
            .iter()
            .map(|s| s.delegation.to_string())
            .collect(),
    }
}

/// A movement belongs to its protectee's delegation; the escort is named by
/// account (`attached_agents`: the accounts of its agents' declaration
/// lines); it counts as approved once a commander approved it, and stays so
/// when completed.
pub fn movement(m: &domain::movement::Movement, attached_agents: Vec<String>) -> Resource {
    Resource::Movement {
        id: m.id().to_string(),
        protectee: m.protectee().to_string(),
        delegation: Some(m.delegation().to_string()),
        attached_agents,
        approved: matches!(
            m.state(),
            domain::movement::MovementState::Approved | domain::movement::MovementState::Completed
        ),
    }
}

/// A log entry belongs to whoever owns its room.
pub fn log_entry(id: &str, room: &Room) -> Resource {
    Resource::LogEntry {
        id: id.to_owned(),
        delegation: room_owner(room),
        shared_with: Vec::new(),
    }
}

/// A situation report has no owner in the policy, so the report of a
/// liaison room is shared with that room's delegation, which can already
/// read every entry it sums up.
pub fn sitrep(key: String, room: &Room) -> Resource {
    Resource::Sitrep {
        id: key,
        shared_with: room_owner(room).into_iter().collect(),
    }
}
