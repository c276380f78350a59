//! Who is calling: password logins (with a lockout after repeated
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
//! `authn-lockout`, `authn-disabled`.
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
use store::auth::{self as rows, LoginFailures, SessionRow, TokenRow};
use store::records::{self, AccountRow};
use store::rows::RowWrite;

use crate::context::{Ctx, Outcome};
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
    /// Consecutive failures (within `failure_window_ms`) that lock a login
    /// name out.
    pub max_failures: u32,
    /// How long failures are remembered (ms).
    pub failure_window_ms: i64,
    /// How long a lockout lasts (ms).
    pub lockout_ms: i64,
    /// A session ends this long after login, whatever happens (ms).
    pub session_absolute_ms: i64,
    /// A session ends after this long unused (ms).
    pub session_idle_ms: i64,
}

impl Default for LoginPolicy {
    fn default() -> LoginPolicy {
        const MINUTE: i64 = 60_000;
        LoginPolicy {
            max_failures: 5,
            failure_window_ms: 15 * MINUTE,
            lockout_ms: 15 * MINUTE,
            session_absolute_ms: 12 * 60 * MINUTE,
            session_idle_ms: 30 * MINUTE,
        }
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
    /// The password was right but the second factor missing or wrong
    /// (recorded, and counted like a wrong password).
    SecondFactor {
        /// The ledger entry of the failure.
        seq: u64,
        /// Until when the name is locked out (Unix ms), if it is now.
        locked_until_ms: Option<i64>,
        /// Why, for the user: `required`, `wrong`, `replayed` or `not_set_up`.
        reason: &'static str,
    },
    /// The password was right: a new session.
    LoggedIn {
        /// The session.
        session: NewSession,
        /// The account's id.
        account_id: String,
        /// The ledger entry of the login.
        seq: u64,
    },
    /// Wrong name or password, a disabled account, or a locked-out name
    /// (the caller learns no more than that).
    Refused {
        /// The ledger entry of the failure.
        seq: u64,
        /// Until when the name is locked out (Unix ms), if it is now.
        locked_until_ms: Option<i64>,
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

fn name_hash(username: &str) -> Vec<u8> {
    sha256(username.trim().to_lowercase().as_bytes())
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
    /// Checks `password` for `username` and, if right, opens a session.
    /// Every attempt is a ledger entry; after `policy.max_failures`
    /// consecutive failures the name is locked out for `policy.lockout_ms`
    /// (attempts then fail without the password being checked).
    pub async fn login(
        &self,
        username: &str,
        password: &Secret,
        policy: &LoginPolicy,
    ) -> Result<LoginOutcome, ServiceError> {
        self.login_with(username, password, None, policy).await
    }

    /// [`Service::login`] with the second factor `code` (a TOTP code or a
    /// recovery code), checked inside the login's transaction (see
    /// [`crate::accounts`]).
    pub async fn login_with(
        &self,
        username: &str,
        password: &Secret,
        code: Option<&Secret>,
        policy: &LoginPolicy,
    ) -> Result<LoginOutcome, ServiceError> {
        let code = code.cloned();
        let pool = self.store().pool();
        let key = name_hash(username);
        let account = records::account_by_username(pool, username).await?;
        let now = now_ms();
        let locked = rows::login_failures(pool, &key)
            .await?
            .and_then(|f| f.locked_until_ms)
            .is_some_and(|until| until > now);
        let verified = if locked {
            false
        } else {
            let hash = account.as_ref().and_then(|a| a.password_hash.clone());
            let password = password.clone();
            // The decoy is hashed once, on first use: on the blocking pool too.
            tokio::task::spawn_blocking(move || match &hash {
                Some(h) => verify_password(h, password.expose()),
                None => verify_password(decoy_hash(), password.expose()),
            })
            .await
            .unwrap_or(false)
                && account.as_ref().is_some_and(|a| a.password_hash.is_some())
        };
        let disabled = account.as_ref().is_some_and(|a| a.disabled_seq.is_some());
        let rule = match (locked, verified, disabled) {
            (true, _, _) => "authn-lockout",
            (false, true, true) => "authn-disabled",
            (false, true, false) => "authn-password",
            (false, false, _) => "authn-password",
        };
        let success = verified && !disabled && !locked;
        let secret = random_secret()?;
        let session_id = new_id::<domain::ids::kind::Account>("ses")?.to_string();
        let typed = username.to_owned();
        let policy = *policy;
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let agency = |a: &Option<AccountRow>| {
                        a.as_ref()
                            .map_or_else(|| "unknown".to_owned(), |a| a.agency_id.clone())
                    };
                    let actor_id = account
                        .as_ref()
                        .map_or_else(|| "unknown".to_owned(), |a| a.id.clone());
                    let actor_agency = agency(&account);
                    let now = tx.now_ms();
                    let payload = serde_json::to_vec(&serde_json::json!({ "username": typed }))
                        .map_err(|e| ServiceError::BadCommand(e.to_string()))?;
                    let mut rule = rule;
                    let mut second_written = Vec::new();
                    let mut second_failed = None;
                    let success = match (success, &account) {
                        (true, Some(a)) => {
                            let seq = tx.next_seq() as i64;
                            match crate::accounts::check_second_factor(
                                tx.conn().await?,
                                a,
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
                    if success {
                        let conn = tx.conn().await?;
                        rows::clear_login_failures(&mut *conn, &key).await?;
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
                        return Ok(LoginOutcome::LoggedIn {
                            session: NewSession {
                                id: session_id,
                                secret: Secret(hex(&secret)),
                                expires_ms,
                            },
                            account_id: actor_id,
                            seq,
                        });
                    }
                    let conn = tx.conn().await?;
                    let previous = rows::login_failures(&mut *conn, &key).await?;
                    let mut f = match previous {
                        Some(f) if f.first_ms + policy.failure_window_ms > now => f,
                        Some(LoginFailures {
                            locked_until_ms: Some(until),
                            ..
                        }) if until > now => LoginFailures {
                            failures: 0,
                            first_ms: now,
                            locked_until_ms: Some(until),
                        },
                        _ => LoginFailures {
                            failures: 0,
                            first_ms: now,
                            locked_until_ms: None,
                        },
                    };
                    f.failures += 1;
                    if f.failures >= i64::from(policy.max_failures)
                        && f.locked_until_ms.is_none_or(|until| until <= now)
                    {
                        f.locked_until_ms = Some(now + policy.lockout_ms);
                    }
                    rows::put_login_failures(&mut *conn, &key, &f).await?;
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
                    let locked_until_ms = f.locked_until_ms.filter(|until| *until > now);
                    Ok(match second_failed {
                        Some(reason) => LoginOutcome::SecondFactor {
                            seq,
                            locked_until_ms,
                            reason,
                        },
                        None => LoginOutcome::Refused {
                            seq,
                            locked_until_ms,
                        },
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
        let Some(t) = rows::token_by_hash(pool, &hash).await? else {
            return Ok(None);
        };
        if t.revoked_seq.is_some() || t.expires_ms.is_some_and(|e| e <= now_ms()) {
            return Ok(None);
        }
        match (t.account_id, t.witness) {
            (Some(account_id), _) => {
                let Some(account) = records::account(pool, &account_id)
                    .await?
                    .filter(|a| a.disabled_seq.is_none())
                else {
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
        let mut conn = self
            .store()
            .pool()
            .acquire()
            .await
            .map_err(store::StoreError::from)?;
        let (account, kind) = records::account_and_agency_kind(&mut *conn, username)
            .await?
            .filter(|(a, _)| a.disabled_seq.is_none())
            .ok_or_else(|| ServiceError::Unauthenticated(username.to_owned()))?;
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
