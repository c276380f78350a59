//! Who acts, and through which channel: every ledger entry records the
//! channel (entry version 2, see `ledger::entry`), so that an action taken
//! at the machine is distinguishable from one taken through the web or the
//! API.
//!
//! * `session`: a browser or API session opened with a password (and the
//!   second factor where required);
//! * `token:<token id>`: an API token;
//! * `cli:<operating-system user>`: the command line on the machine
//!   (`cortina exec --as`, `cortina admin …`, the demo world's builder).
//!   The CLI is the machine operator's tool: whoever can read the data
//!   directory is the machine's operator, so it acts as any account without
//!   a password, and the entry says who at the machine did it.
//!   The bootstrap (`cortina admin init`) is a CLI action too.

/// The channel an action came through.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// A session (browser or API) opened by logging in.
    Session,
    /// An API token, by id.
    Token(String),
    /// The command line, by operating-system user.
    Cli(String),
}

impl Channel {
    /// The command line, as the operating-system user running this process.
    pub fn cli() -> Channel {
        Channel::Cli(os_user())
    }

    /// How the ledger spells it (`session`, `token:<id>`, `cli:<user>`).
    pub fn as_entry(&self) -> String {
        match self {
            Channel::Session => "session".to_owned(),
            Channel::Token(id) => format!("token:{id}"),
            Channel::Cli(user) => format!("cli:{user}"),
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_entry())
    }
}

/// The name of the operating-system user running this process (`USER`, then
/// `LOGNAME`, then the numeric uid from `/proc/self`), cut to 64 printable
/// characters; `unknown` if none can be found.
pub fn os_user() -> String {
    let from_env = ["USER", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty());
    let name = from_env.or_else(uid_of_process).unwrap_or_default();
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .take(64)
        .collect();
    if clean.is_empty() {
        "unknown".to_owned()
    } else {
        clean
    }
}

fn uid_of_process() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace()
        .nth(1)
        .map(|uid| format!("uid{uid}"))
}

/// The account acting and the channel it came through.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Actor {
    /// The account's login name.
    pub username: String,
    /// How it came in.
    pub channel: Channel,
}

impl Actor {
    /// `username` through a session.
    pub fn session(username: impl Into<String>) -> Actor {
        Actor {
            username: username.into(),
            channel: Channel::Session,
        }
    }

    /// `username` through the API token `token_id`.
    pub fn token(username: impl Into<String>, token_id: impl Into<String>) -> Actor {
        Actor {
            username: username.into(),
            channel: Channel::Token(token_id.into()),
        }
    }

    /// `username` at the command line, as this process's OS user.
    pub fn cli(username: impl Into<String>) -> Actor {
        Actor {
            username: username.into(),
            channel: Channel::cli(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_spell_as_the_ledger_wants() {
        assert_eq!(Channel::Session.as_entry(), "session");
        assert_eq!(Channel::Token("tok-1".into()).as_entry(), "token:tok-1");
        assert_eq!(Channel::Cli("ops".into()).as_entry(), "cli:ops");
        let user = os_user();
        assert!(!user.is_empty() && !user.chars().any(char::is_control));
        assert!(Actor::cli("admin").channel.as_entry().starts_with("cli:"));
    }
}
