//! `cortina admin token`: issue an API token for an account, a witness
//! token for a ledger reader, or revoke a token. Both are ledger entries
//! (`token.issue`, `token.revoke`) decided by the policy for the admin
//! acting (`--as`). The token is printed once, alone on the last line, so
//! that scripts can take it with `tail -n 1`.

use anyhow::anyhow;
use serde_json::json;

use crate::cli::TokenArgs;
use crate::{Failure, Outcome};

/// Parses `90d`, `12h`, `30m`, `45s`, `2w` into milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, Failure> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| Failure(anyhow!("--expires {text:?}: give a unit (s, m, h, d, w)")))?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number
        .parse()
        .map_err(|_| Failure(anyhow!("--expires {text:?}: not a number and a unit")))?;
    let unit_ms: i64 = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => {
            return Err(Failure(anyhow!(
                "--expires {text:?}: the unit is one of s, m, h, d, w"
            )));
        }
    };
    n.checked_mul(unit_ms)
        .filter(|ms| *ms > 0)
        .ok_or_else(|| Failure(anyhow!("--expires {text:?}: out of range")))
}

/// The environment variable a token is read from when no file is named.
pub const TOKEN_ENV: &str = "CORTINA_TOKEN";

/// A token for a client command: the first line of `file` if one is named,
/// else `$CORTINA_TOKEN`. Never from the command line, which every user of
/// the machine can read (`ps`).
pub fn read_secret(file: Option<&std::path::Path>) -> Result<String, Failure> {
    let token = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure(anyhow!("--token-file {}: {e}", path.display())))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        None => std::env::var(TOKEN_ENV)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    };
    if token.is_empty() {
        return Err(Failure(anyhow!(
            "no token: name a file holding it with --token-file, or set {TOKEN_ENV}"
        )));
    }
    Ok(token)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Runs `cortina admin token`.
pub async fn run(args: &TokenArgs) -> Result<Outcome, Failure> {
    let expires_ms = args
        .expires
        .as_deref()
        .map(parse_duration)
        .transpose()?
        .map(|d| now_ms().saturating_add(d));
    let svc = crate::ledger_cmd::open_service_without_lists(&args.store).await?;
    let result = match &args.revoke {
        Some(id) => svc
            .revoke_token(&service::Actor::cli(&args.actor), id)
            .await
            .map(|done| {
                println!("Revoked token {id} (ledger entry {}).", done.seq);
            }),
        None => {
            let command: Result<service::TokenIssue, _> = serde_json::from_value(json!({
                "user": args.user, "witness": args.witness, "purpose": args.purpose,
                "expires_ms": expires_ms,
            }));
            match command {
                Err(e) => Err(service::ServiceError::BadCommand(e.to_string())),
                Ok(command) => svc.issue_token(&service::Actor::cli(&args.actor), command).await.map(|issued| {
                    let whom = match (&args.user, &args.witness) {
                        (Some(u), _) => format!("account {u}"),
                        (_, Some(w)) => format!("witness {w} (ledger reads only)"),
                        _ => String::new(),
                    };
                    let until = expires_ms
                        .map_or_else(|| "until revoked".to_owned(), |e| format!("until {e} (Unix ms)"));
                    println!(
                        "Issued token {} for {whom}, valid {until} (ledger entry {}). It is shown once; only its hash is kept:",
                        issued.id, issued.seq
                    );
                    println!("{}", issued.secret.expose());
                }),
            }
        }
    };
    svc.store().close().await;
    result.map_err(|e| Failure(anyhow!("cortina admin token: {e}")))?;
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d").ok(), Some(90 * 86_400_000));
        assert_eq!(parse_duration("12h").ok(), Some(12 * 3_600_000));
        assert_eq!(parse_duration("1w").ok(), Some(7 * 86_400_000));
        for bad in ["", "10", "d", "5y", "-3d", "0s", "99999999999999999w"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
