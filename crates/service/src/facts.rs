//! The registry facts the policy decides on, for each kind of record: one
//! definition, used by the command handlers and by any read path (the
//! server's boards), so that a board never shows what a command would deny.

use authority::Resource;
use domain::declaration::DeclarationLine;
use domain::request::Request;
use domain::task::Task;

/// A request belongs to the delegation that filed it.
pub fn request(r: &Request) -> Resource {
    Resource::Request {
        id: r.id().to_string(),
        delegation: r.requester().to_string(),
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
