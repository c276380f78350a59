//! The two sides of an exchange between a foreign delegation and the host.
//!
//! Who may act is the policy's business, not the domain's. But some state
//! machines are themselves two-sided: only the host acknowledges a request,
//! only the requester clarifies it. Those transitions take a [`Side`] and
//! refuse the wrong one, whatever role the caller holds.
//!
//! Stored form: the stable name, `"host"` or `"requester"`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which side of an exchange makes a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The host nation's agencies.
    Host,
    /// The foreign delegation that filed the request or the declaration.
    Requester,
}

impl Side {
    /// Both sides, in a stable order.
    pub const ALL: [Side; 2] = [Side::Host, Side::Requester];

    /// The stable lower-case name (`host`, `requester`).
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Host => "host",
            Side::Requester => "requester",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
