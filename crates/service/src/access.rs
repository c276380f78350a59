//! Who is calling: password logins (with a growing back-off after repeated
//! failures), browser sessions, API tokens for scripts and witness tokens
//! for ledger readers.
//!
//! Every login, failed login, logout, issued and revoked token is a ledger
//! entry, appended through [`store::Store::write`] in the same transaction
//! as the row it changes (`session.login`, `session.login_failed`,
//! `session.logout`, `token.issue`, `token.revoke`). Issuing and revoking
//! tokens are administrative actions the policy decides; logging in is not
//! (nobody is a principal yet), so those entries name the authentication
//! rule that decided instead of a Cedar policy: `authn-password`,
//! `authn-backoff`, `authn-disabled`.
//!
//! # Failed logins
//!
//! Failures are counted under three keys (hashed, never in clear): the
//! login name from one client network (an IPv4 address or an IPv6 /64),
//! the name from everywhere, and the network for every name. Each key has
//! an allowance of free failures; past it, every further failure doubles
//! the time before the next attempt under that key is checked at all
//! (attempts in that time are refused unchecked, and do not count, so
//! hammering does not prolong it). The name-wide back-off is capped short,
//! so an attacker elsewhere delays the owner by minutes at most, never
//! locks them out. An attempt is counted as a failure *before* its password
//! is checked, in the same transaction that reads the counters, and taken
//! back if it succeeds: concurrent guesses cannot all slip through between
//! a read and a write. Counters are forgotten a window after their last
//! failure, pruned by later attempts.
//!
//! Password hashes run on the blocking pool, at most one per core at once;
//! a login that waits longer than the policy allows for its turn is turned
//! away as [`LoginOutcome::Busy`] (HTTP 429), checking nothing and counting
//! nothing.
//!
//! Secrets (session cookies, tokens) are 256 random bits, shown to their
//! holder once, and stored only as SHA-256 hashes: no argon2 per request.
//! Passwords are checked with argon2 off the sequencer, so a slow hash never
//! holds up other writes.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
use authority::{Principal, Resource};
use domain::Action;
use domain::text::{Name, Text};
use hmac::{Hmac, Mac as _};
use ledger::{Decision, Entry};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use store::auth::{self as rows, Backoff, SessionRow, TokenRow};
use store::records;
use store::rows::RowWrite;

use crate::context::{Ctx, Outcome, hex};
use crate::handlers::{authorize, new_id};
use crate::{Done, Service, ServiceError, principal};

/// The prefix of every token, so that secret scanners and people can tell
/// a cortina token at a glance.
pub const TOKEN_PREFIX: &str = "cortina_";

/// A secret (password, session cookie, token): never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must show or check it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How logins and sessions behave.
#[derive(Clone, Copy, Debug)]
pub struct LoginPolicy {
    /// Failures a login name may have from one client network before
    /// back-off starts.
    pub free_per_pair: u32,
    /// Failures a login name may have from all networks together before
    /// back-off starts.
    pub free_per_name: u32,
    /// Failures one client network may have, for all names together,
    /// before back-off starts (many people may share one NAT address).
    pub free_per_network: u32,
    /// The first back-off (ms); each further failure doubles it.
    pub backoff_base_ms: i64,
    /// The longest back-off of a name from one network, and of a network.
    pub backoff_cap_ms: i64,
    /// The longest back-off of a name from everywhere: short, so that
    /// failures caused by others delay the owner, never lock them out.
    pub name_backoff_cap_ms: i64,
    /// Counters are forgotten this long after their last failure (ms).
    pub failure_window_ms: i64,
    /// How long a login may wait for a password-hash slot (ms).
    pub hash_wait_ms: u64,
    /// A session ends this long after login, whatever happens (ms).
    pub session_absolute_ms: i64,
    /// A session ends after this long unused (ms).
    pub session_idle_ms: i64,
}

impl Default for LoginPolicy {
    fn default() -> LoginPolicy {
        const MINUTE: i64 = 60_000;
        LoginPolicy {
            free_per_pair: 5,
            free_per_name: 20,
            free_per_network: 100,
            backoff_base_ms: 1_000,
            backoff_cap_ms: 15 * MINUTE,
            name_backoff_cap_ms: 5 * MINUTE,
            failure_window_ms: 60 * MINUTE,
            hash_wait_ms: 5_000,
            session_absolute_ms: 12 * 60 * MINUTE,
            session_idle_ms: 30 * MINUTE,
        }
    }
}

impl LoginPolicy {
    /// The back-off after `failures` failures under a key with `free`
    /// free failures and back-offs up to `cap_ms`.
    fn backoff_ms(&self, failures: i64, free: u32, cap_ms: i64) -> i64 {
        let over = failures - i64::from(free);
        if over < 0 {
            return 0;
        }
        let doubled = self
            .backoff_base_ms
            .checked_shl(over.min(40) as u32)
            .unwrap_or(i64::MAX);
        doubled.clamp(0, cap_ms)
    }
}

/// The client network a login comes from, as failed logins are counted:
/// an IPv4 address, or the /64 an IPv6 address is in (one host is given a
/// whole /64, so counting single IPv6 addresses would count nothing).
pub fn network_of(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(bits))
            }
        },
    }
}

/// The keys a login's failures are counted under, with the allowance and
/// cap of each.
struct BackoffKeys {
    keys: Vec<BackoffKey>,
}

/// One key failed logins are counted under.
struct BackoffKey {
    hash: Vec<u8>,
    free: u32,
    cap_ms: i64,
    /// Whether a success forgets the key's failures altogether (the name
    /// from the network that just proved to know the password), rather
    /// than only the attempt's own.
    forgotten_on_success: bool,
}

impl BackoffKeys {
    fn of(username: &str, network: Option<&str>, policy: &LoginPolicy) -> BackoffKeys {
        let name = username.trim().to_lowercase();
        let key = |parts: &[&str]| sha256(parts.join("\0").as_bytes());
        let mut keys = vec![BackoffKey {
            hash: key(&["name", &name]),
            free: policy.free_per_name,
            cap_ms: policy.name_backoff_cap_ms,
            forgotten_on_success: network.is_none(),
        }];
        if let Some(net) = network {
            keys.push(BackoffKey {
                hash: key(&["pair", &name, net]),
                free: policy.free_per_pair,
                cap_ms: policy.backoff_cap_ms,
                forgotten_on_success: true,
            });
            keys.push(BackoffKey {
                hash: key(&["net", net]),
                free: policy.free_per_network,
                cap_ms: policy.backoff_cap_ms,
                forgotten_on_success: false,
            });
        }
        BackoffKeys { keys }
    }

    fn hashes(&self) -> Vec<Vec<u8>> {
        self.keys.iter().map(|k| k.hash.clone()).collect()
    }

    /// Until when an attempt now must wait, if it must.
    fn waiting(&self, counters: &[Option<Backoff>], now: i64) -> Option<i64> {
        counters
            .iter()
            .flatten()
            .map(|b| b.not_before_ms)
            .filter(|until| *until > now)
            .max()
    }

    /// Counts an attempt at `now` as a failure under every key; returns the
    /// back-off it leaves, if any.
    async fn count(
        &self,
        conn: &mut store::AnyConnection,
        counters: &[Option<Backoff>],
        now: i64,
        policy: &LoginPolicy,
    ) -> Result<Option<i64>, ServiceError> {
        let mut until = None;
        for (key, counter) in self.keys.iter().zip(counters) {
            let failures = counter.as_ref().map_or(0, |b| b.failures) + 1;
            let wait = policy.backoff_ms(failures, key.free, key.cap_ms);
            let b = Backoff {
                failures,
                last_ms: now,
                not_before_ms: now + wait,
            };
            if wait > 0 {
                until = until.max(Some(b.not_before_ms));
            }
            rows::put_backoff(&mut *conn, &key.hash, &b).await?;
        }
        Ok(until)
    }

    /// Takes back an attempt counted before its password was checked and
    /// found right: the pair starts afresh, the name and the network lose
    /// the one failure.
    async fn succeeded(
        &self,
        conn: &mut store::AnyConnection,
        policy: &LoginPolicy,
    ) -> Result<(), ServiceError> {
        let counters = rows::backoffs(&mut *conn, &self.hashes()).await?;
        for (key, counter) in self.keys.iter().zip(counters) {
            let Some(b) = counter else { continue };
            if key.forgotten_on_success || b.failures <= 1 {
                rows::clear_backoff(&mut *conn, &key.hash).await?;
                continue;
            }
            let failures = b.failures - 1;
            let wait = policy.backoff_ms(failures, key.free, key.cap_ms);
            rows::put_backoff(
                &mut *conn,
                &key.hash,
                &Backoff {
                    failures,
                    last_ms: b.last_ms,
                    not_before_ms: if wait > 0 { b.last_ms + wait } else { 0 },
                },
            )
            .await?;
        }
        Ok(())
    }
}

/// A session just opened: the cookie's secret is shown here once.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// The public id, as ledger entries name it.
    pub id: String,
    /// The cookie value.
    pub secret: Secret,
    /// When it ends at the latest (Unix ms).
    pub expires_ms: i64,
}

/// What a login attempt ended in.
#[derive(Clone, Debug)]
pub enum LoginOutcome {
    /// The password was right: a new session.
    LoggedIn {
        /// The session.
        session: NewSession,
        /// The account's id.
        account_id: String,
        /// The ledger entry of the login.
        seq: u64,
    },
    /// Wrong name or password, a disabled account, or an attempt during a
    /// back-off (the caller learns no more than that).
    Refused {
        /// The ledger entry of the failure.
        seq: u64,
        /// Until when further attempts are refused unchecked (Unix ms), if
        /// they are now.
        not_before_ms: Option<i64>,
    },
    /// The password was right but the second factor missing or wrong
    /// (recorded, and counted like a wrong password).
    SecondFactor {
        /// The ledger entry of the failure.
        seq: u64,
        /// Why, for the user: `required`, `wrong`, `replayed` or `not_set_up`.
        reason: &'static str,
    },
    /// Too many logins are being checked at once: nothing was checked,
    /// counted or recorded; try again shortly.
    Busy {
        /// How long to wait before trying again (ms).
        retry_after_ms: u64,
    },
}

/// A valid session, as a request presents it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionCaller {
    /// The session's public id.
    pub session_id: String,
    /// The account's id.
    pub account_id: String,
    /// Its login name.
    pub username: String,
}

/// A valid token, as a request presents it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bearer {
    /// An API token: acts as its account.
    Account {
        /// The token's id.
        token_id: String,
        /// The account's id.
        account_id: String,
        /// Its login name.
        username: String,
        /// The purpose the token was issued with.
        purpose: Option<String>,
    },
    /// A witness token: may read the ledger, nothing else.
    Witness {
        /// The token's id.
        token_id: String,
        /// The witness's name.
        name: String,
    },
}

/// `token.issue`: a token for an account (`user`) or a witness (`witness`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenIssue {
    /// The account the token acts as.
    #[serde(default)]
    pub user: Option<Name>,
    /// The witness (an independent ledger reader) the token is for.
    #[serde(default)]
    pub witness: Option<Name>,
    /// What the token is for: the default purpose of its screenings.
    #[serde(default)]
    pub purpose: Option<Text<500>>,
    /// When the token stops working (Unix ms); never when absent.
    #[serde(default)]
    pub expires_ms: Option<i64>,
}

/// A token just issued: the secret is shown here once.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// The token's id (for `--revoke`).
    pub id: String,
    /// The token to hand over.
    pub secret: Secret,
    /// The ledger entry of the issue.
    pub seq: u64,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn random_secret() -> Result<[u8; 32], ServiceError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| store::StoreError::Random(e.to_string()))?;
    Ok(bytes)
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// The hash a secret is stored and looked up by (of its 256 bits, not of
/// its text), or `None` if `text` is not a secret of ours.
fn secret_hash(text: &str, prefix: &str) -> Option<Vec<u8>> {
    unhex32(text.strip_prefix(prefix)?).map(|b| sha256(&b))
}

/// An argon2 hash to check passwords against when the account does not
/// exist, so that an unknown name takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        principal::random_password()
            .and_then(|p| principal::hash_password(&p))
            .unwrap_or_default()
    })
}

pub(crate) fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// An entry about authentication (not decided by the Cedar policy),
/// committing to the `rows` it wrote.
#[allow(clippy::too_many_arguments)]
async fn append_authn(
    tx: &mut store::WriteTx,
    actor: (&str, &str, &crate::Channel),
    action: &str,
    resource: (&str, &str),
    decision: Decision,
    rule: &str,
    payload: &[u8],
    rows: Vec<RowWrite>,
) -> Result<u64, ServiceError> {
    let salt = random_secret()?;
    let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(&salt)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(payload);
    let seq = tx.append_rows(
        Entry {
            seq: 0,
            time_ms: 0,
            actor_account: actor.0.into(),
            actor_agency: actor.1.into(),
            channel: Some(actor.2.as_entry()),
            action: action.into(),
            resource: ledger::Resource {
                kind: resource.0.into(),
                id: resource.1.into(),
            },
            decision,
            policies: vec![rule.into()],
            payload_digest: mac.finalize().into_bytes().into(),
            personal_data: None,
        },
        salt,
        rows,
    )?;
    Ok(seq)
}

impl Service {
    /// Checks `password` for `username`, coming from the client network
    /// `network` ([`network_of`]; `None` when unknown), and, if right,
    /// opens a session. Every checked or refused attempt is a ledger entry;
    /// failures start a growing back-off (see the module's documentation).
    pub async fn login(
        &self,
        username: &str,
        password: &Secret,
        network: Option<&str>,
        policy: &LoginPolicy,
    ) -> Result<LoginOutcome, ServiceError> {
        self.login_with(username, password, network, None, policy)
            .await
    }

    /// [`Service::login`] with the second factor `code` (a TOTP code or a
    /// recovery code), checked inside the login's transaction (see
    /// [`crate::accounts`]): a missing, wrong or replayed code is a failed
    /// login like a wrong password.
    pub async fn login_with(
        &self,
        username: &str,
        password: &Secret,
        network: Option<&str>,
        code: Option<&Secret>,
        policy: &LoginPolicy,
    ) -> Result<LoginOutcome, ServiceError> {
        let code = code.cloned();
        let pool = self.store().pool();
        let keys = std::sync::Arc::new(BackoffKeys::of(username, network, policy));
        let account = records::account_by_username(pool, username).await?;
        let actor = (
            account
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), |a| a.id.clone()),
            account
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), |a| a.agency_id.clone()),
        );
        let payload = serde_json::to_vec(&serde_json::json!({ "username": username }))
            .map_err(|e| ServiceError::BadCommand(e.to_string()))?;

        // A back-off already running is refused without waiting for a
        // hash slot; the transaction below decides for good.
        let waiting = {
            let mut conn = self.store().reader().await?;
            let counters = rows::backoffs(&mut conn, &keys.hashes()).await?;
            keys.waiting(&counters, now_ms())
        };
        let permit = if waiting.is_some() {
            None
        } else {
            let wait = std::time::Duration::from_millis(policy.hash_wait_ms);
            match tokio::time::timeout(wait, self.inner.hashing.acquire()).await {
                Ok(Ok(permit)) => Some(permit),
                _ => {
                    return Ok(LoginOutcome::Busy {
                        retry_after_ms: 1_000,
                    });
                }
            }
        };

        // Count the attempt as a failure before checking it, in the
        // transaction that reads the counters — or refuse it unchecked.
        let reserved = {
            let keys = keys.clone();
            let actor = actor.clone();
            let payload = payload.clone();
            let policy = *policy;
            self.store()
                .write(move |tx| {
                    Box::pin(async move {
                        let now = tx.now_ms();
                        let conn = tx.conn().await?;
                        rows::prune_backoffs(&mut *conn, now - policy.failure_window_ms).await?;
                        let counters = rows::backoffs(&mut *conn, &keys.hashes()).await?;
                        if let Some(until) = keys.waiting(&counters, now) {
                            let seq = append_authn(
                                tx,
                                (&actor.0, &actor.1, &crate::Channel::Session),
                                "session.login_failed",
                                ("account", &actor.0),
                                Decision::Deny,
                                "authn-backoff",
                                &payload,
                                Vec::new(),
                            )
                            .await?;
                            return Ok::<_, ServiceError>(Err(LoginOutcome::Refused {
                                seq,
                                not_before_ms: Some(until),
                            }));
                        }
                        Ok(Ok(keys.count(&mut *conn, &counters, now, &policy).await?))
                    })
                })
                .await?
        };
        let backoff = match reserved {
            Ok(backoff) => backoff,
            Err(refused) => return Ok(refused),
        };

        let hash = account.as_ref().and_then(|a| a.password_hash.clone());
        let password = password.clone();
        // The decoy is hashed once, on first use: on the blocking pool too.
        let verified = tokio::task::spawn_blocking(move || match &hash {
            Some(h) => verify_password(h, password.expose()),
            None => verify_password(decoy_hash(), password.expose()),
        })
        .await
        .unwrap_or(false)
            && account.as_ref().is_some_and(|a| a.password_hash.is_some());
        drop(permit);
        let disabled = account.as_ref().is_some_and(|a| a.disabled_seq.is_some());
        let rule = if verified && disabled {
            "authn-disabled"
        } else {
            "authn-password"
        };
        let success = verified && !disabled;
        let secret = random_secret()?;
        let session_id = new_id::<domain::ids::kind::Account>("ses")?.to_string();
        let policy = *policy;
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let (actor_id, actor_agency) = actor;
                    let now = tx.now_ms();
                    // The second factor, in this transaction: a code is
                    // accepted once however many logins race.
                    let mut rule = rule;
                    let mut second_written = Vec::new();
                    let mut second_failed = None;
                    let success = match (success, &account) {
                        (true, Some(a)) => {
                            let seq = tx.next_seq() as i64;
                            let current = records::account(tx.conn().await?, &a.id)
                                .await?
                                .unwrap_or_else(|| a.clone());
                            match crate::accounts::check_second_factor(
                                tx.conn().await?,
                                &current,
                                code.as_ref(),
                                now,
                                seq,
                            )
                            .await?
                            {
                                crate::accounts::SecondFactor::Passed(rows) => {
                                    second_written = rows;
                                    true
                                }
                                crate::accounts::SecondFactor::Failed(r) => {
                                    rule = r;
                                    second_failed = Some(match r {
                                        "authn-second-factor-replay" => "replayed",
                                        "authn-second-factor-not-set-up" => "not_set_up",
                                        _ if code.is_none() => "required",
                                        _ => "wrong",
                                    });
                                    false
                                }
                            }
                        }
                        _ => false,
                    };
                    if !success {
                        let seq = append_authn(
                            tx,
                            (&actor_id, &actor_agency, &crate::Channel::Session),
                            "session.login_failed",
                            ("account", &actor_id),
                            Decision::Deny,
                            rule,
                            &payload,
                            Vec::new(),
                        )
                        .await?;
                        return Ok(match second_failed {
                            Some(reason) => LoginOutcome::SecondFactor { seq, reason },
                            None => LoginOutcome::Refused {
                                seq,
                                not_before_ms: backoff,
                            },
                        });
                    }
                    let conn = tx.conn().await?;
                    keys.succeeded(&mut *conn, &policy).await?;
                    // The login's entry records the expired sessions
                    // it removes, so that no session vanishes unrecorded.
                    let expired = rows::delete_expired_sessions(
                        &mut *conn,
                        now,
                        now - policy.session_idle_ms,
                    )
                    .await?;
                    let seq = tx.next_seq() as i64;
                    let expires_ms = now + policy.session_absolute_ms;
                    let session = SessionRow {
                        id: session_id.clone(),
                        secret_hash: sha256(&secret),
                        account_id: actor_id.clone(),
                        created_ms: now,
                        last_seen_ms: now,
                        expires_ms,
                        created_seq: seq,
                    };
                    rows::insert_session(tx.conn().await?, &session).await?;
                    let mut written: Vec<RowWrite> = expired
                        .into_iter()
                        .map(|id| RowWrite::deleted("sessions", id))
                        .collect();
                    written.push(session.row_write());
                    written.extend(second_written);
                    let seq = append_authn(
                        tx,
                        (&actor_id, &actor_agency, &crate::Channel::Session),
                        "session.login",
                        ("session", &session_id),
                        Decision::Allow,
                        rule,
                        &payload,
                        written,
                    )
                    .await?;
                    Ok(LoginOutcome::LoggedIn {
                        session: NewSession {
                            id: session_id,
                            secret: Secret(hex(&secret)),
                            expires_ms,
                        },
                        account_id: actor_id,
                        seq,
                    })
                })
            })
            .await
    }

    /// The session whose cookie is `cookie`, if it is valid now (neither
    /// past its absolute expiry nor idle too long, its account enabled).
    /// Refreshes its last use at most once a minute.
    pub async fn session(
        &self,
        cookie: &str,
        policy: &LoginPolicy,
    ) -> Result<Option<SessionCaller>, ServiceError> {
        let Some(hash) = secret_hash(cookie, "") else {
            return Ok(None);
        };
        let pool = self.store().pool();
        let Some(s) = rows::session_by_hash(pool, &hash).await? else {
            return Ok(None);
        };
        let now = now_ms();
        if s.expires_ms <= now || s.last_seen_ms + policy.session_idle_ms <= now {
            return Ok(None);
        }
        let Some(account) = records::account(pool, &s.account_id)
            .await?
            .filter(|a| a.disabled_seq.is_none())
        else {
            return Ok(None);
        };
        if now - s.last_seen_ms >= 60_000 {
            let id = s.id.clone();
            self.store()
                .write(move |tx| {
                    Box::pin(async move {
                        let now = tx.now_ms();
                        rows::touch_session(tx.conn().await?, &id, now).await?;
                        Ok::<_, ServiceError>(())
                    })
                })
                .await?;
        }
        Ok(Some(SessionCaller {
            session_id: s.id,
            account_id: account.id,
            username: account.username,
        }))
    }

    /// Ends the session `session_id` (a `session.logout` entry). Returns
    /// the entry's sequence number, or `None` if the session was gone.
    pub async fn logout(&self, session_id: &str) -> Result<Option<u64>, ServiceError> {
        let id = session_id.to_owned();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let conn = tx.conn().await?;
                    let Some(s) = rows::session(&mut *conn, &id).await? else {
                        return Ok(None);
                    };
                    let agency = records::account(&mut *conn, &s.account_id)
                        .await?
                        .map_or_else(|| "unknown".to_owned(), |a| a.agency_id);
                    rows::delete_session(&mut *conn, &id).await?;
                    let seq = append_authn(
                        tx,
                        (&s.account_id, &agency, &crate::Channel::Session),
                        "session.logout",
                        ("session", &id),
                        Decision::Allow,
                        "authn-session",
                        id.as_bytes(),
                        vec![RowWrite::deleted("sessions", id.clone())],
                    )
                    .await?;
                    Ok(Some(seq))
                })
            })
            .await
    }

    /// The valid token `token` presents (not revoked, not expired, its
    /// account enabled), or `None`.
    pub async fn bearer(&self, token: &str) -> Result<Option<Bearer>, ServiceError> {
        let Some(hash) = secret_hash(token.trim(), TOKEN_PREFIX) else {
            return Ok(None);
        };
        let pool = self.store().pool();
        let Some((t, account)) = rows::token_and_account_by_hash(pool, &hash).await? else {
            return Ok(None);
        };
        if t.revoked_seq.is_some() || t.expires_ms.is_some_and(|e| e <= now_ms()) {
            return Ok(None);
        }
        match (t.account_id, t.witness) {
            (Some(account_id), _) => {
                let Some(account) = account.filter(|a| a.disabled_seq.is_none()) else {
                    return Ok(None);
                };
                Ok(Some(Bearer::Account {
                    token_id: t.id,
                    account_id,
                    username: account.username,
                    purpose: t.purpose,
                }))
            }
            (None, Some(name)) => Ok(Some(Bearer::Witness {
                token_id: t.id,
                name,
            })),
            (None, None) => Ok(None),
        }
    }

    /// The principal `username` acts as (registry facts), for decisions
    /// that change nothing, like which records a board may show.
    pub async fn principal(&self, username: &str) -> Result<Principal, ServiceError> {
        let mut conn = self.store().reader().await?;
        let (account, kind) = records::account_and_agency_kind(&mut *conn, username)
            .await?
            .filter(|(a, _)| a.disabled_seq.is_none())
            .ok_or_else(|| ServiceError::Unauthenticated(username.to_owned()))?;
        principal::accreditation_in_force(&mut conn, &account).await?;
        principal::principal_of(account, kind.as_deref())
    }

    /// Issues a token (`token.issue`, decided by the policy and recorded).
    /// The secret is in the result, once.
    pub async fn issue_token(
        &self,
        actor: &crate::Actor,
        command: TokenIssue,
    ) -> Result<IssuedToken, ServiceError> {
        let secret = random_secret()?;
        let id = new_id::<domain::ids::kind::Account>("tok")?.to_string();
        let inner = self.inner.clone();
        let channel = actor.channel.clone();
        let actor = actor.username.clone();
        let hash = sha256(&secret);
        let token_id = id.clone();
        let done = self
            .inner
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let principal = principal::load(tx, &inner, &actor).await?;
                    let payload = serde_json::to_vec(&command)
                        .map_err(|e| ServiceError::BadCommand(format!("command: {e}")))?;
                    let mut ctx = Ctx::new(tx, &inner, principal, &channel, payload)?;
                    Ok::<_, ServiceError>(
                        issue(&mut ctx, &token_id, hash, command)
                            .await?
                            .into_result(),
                    )
                })
            })
            .await??;
        Ok(IssuedToken {
            id,
            secret: Secret(format!("{TOKEN_PREFIX}{}", hex(&secret))),
            seq: done.seq,
        })
    }

    /// Revokes token `id` (`token.revoke`, decided by the policy and
    /// recorded).
    pub async fn revoke_token(&self, actor: &crate::Actor, id: &str) -> Result<Done, ServiceError> {
        let inner = self.inner.clone();
        let channel = actor.channel.clone();
        let actor = actor.username.clone();
        let id = id.to_owned();
        self.inner
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let principal = principal::load(tx, &inner, &actor).await?;
                    let payload = serde_json::to_vec(&serde_json::json!({ "id": id }))
                        .map_err(|e| ServiceError::BadCommand(format!("command: {e}")))?;
                    let mut ctx = Ctx::new(tx, &inner, principal, &channel, payload)?;
                    Ok::<_, ServiceError>(revoke(&mut ctx, &id).await?.into_result())
                })
            })
            .await?
    }
}

async fn issue(
    ctx: &mut Ctx<'_>,
    id: &str,
    secret_hash: Vec<u8>,
    c: TokenIssue,
) -> Result<Outcome, ServiceError> {
    authorize!(
        ctx,
        Action::TokenIssue,
        Resource::Token { id: id.to_owned() }
    );
    let (account_id, witness, for_whom) = match (&c.user, &c.witness) {
        (Some(user), None) => {
            let account = records::account_by_username(ctx.tx.conn().await?, user.as_str())
                .await?
                .ok_or_else(|| ServiceError::NotFound {
                    kind: "account",
                    id: user.to_string(),
                })?;
            if account.disabled_seq.is_some() {
                return Err(ServiceError::Conflict(format!(
                    "account {user:?} is disabled"
                )));
            }
            (Some(account.id.clone()), None, account.id)
        }
        (None, Some(witness)) => (
            None,
            Some(witness.to_string()),
            format!("witness {witness}"),
        ),
        _ => {
            return Err(ServiceError::BadCommand(
                "a token is for one account (user) or one witness (witness)".into(),
            ));
        }
    };
    let now = ctx.now.as_millis();
    if c.expires_ms.is_some_and(|e| e <= now) {
        return Err(ServiceError::BadCommand(
            "expires_ms lies in the past".into(),
        ));
    }
    let seq = ctx.seq();
    let row = TokenRow {
        id: id.to_owned(),
        secret_hash,
        account_id,
        witness,
        purpose: c.purpose.as_ref().map(|p| p.as_str().to_owned()),
        created_ms: now,
        expires_ms: c.expires_ms,
        revoked_seq: None,
        created_seq: seq,
        updated_seq: seq,
    };
    rows::insert_token(ctx.tx.conn().await?, &row).await?;
    ctx.wrote(row.row_write());
    let data = serde_json::json!({ "id": id, "for": for_whom, "expires_ms": c.expires_ms });
    ctx.done(Action::TokenIssue, "token", id, None, Some(data))
        .await
}

async fn revoke(ctx: &mut Ctx<'_>, id: &str) -> Result<Outcome, ServiceError> {
    authorize!(
        ctx,
        Action::TokenRevoke,
        Resource::Token { id: id.to_owned() }
    );
    let token = rows::token(ctx.tx.conn().await?, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "token",
            id: id.to_owned(),
        })?;
    if token.revoked_seq.is_some() {
        return Err(ServiceError::Conflict(format!(
            "token {id} is already revoked"
        )));
    }
    let seq = ctx.seq();
    rows::revoke_token(ctx.tx.conn().await?, id, seq).await?;
    ctx.wrote(
        TokenRow {
            revoked_seq: Some(seq),
            updated_seq: seq,
            ..token
        }
        .row_write(),
    );
    ctx.done(Action::TokenRevoke, "token", id, Some("revoked"), None)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_refuse_other_text() {
        let bytes = [7u8; 32];
        let text = format!("{TOKEN_PREFIX}{}", hex(&bytes));
        assert_eq!(secret_hash(&text, TOKEN_PREFIX), Some(sha256(&bytes)));
        assert_eq!(secret_hash(&hex(&bytes), TOKEN_PREFIX), None);
        assert_eq!(
            secret_hash(&format!("{TOKEN_PREFIX}zz"), TOKEN_PREFIX),
            None
        );
        assert_eq!(secret_hash("", ""), None);
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
