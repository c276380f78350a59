//! Separation of duties for accounts: the admin proposes, a host commander
//! confirms (`account.create`, `account.confirm`, in `handlers::registry`);
//! the admin issues a single-use enrolment secret (`account.enrolment`);
//! the user exchanges it for their own password and, where the role needs
//! it, a TOTP second factor (RFC 6238, `totp-rs`) with recovery codes
//! ([`Service::enrol`]); every user changes their own password
//! ([`Service::change_password`]). Logins check the second factor inside
//! the login's transaction (`access.rs`), so a code is accepted once.
//!
//! Secrets kept: the enrolment secret and recovery codes only as SHA-256
//! (each carries ≥ 100 random bits, so no slow hash is needed); the TOTP
//! secret as is, since codes are computed from it. None of them is ever
//! logged, and every type holding one redacts it from `Debug`.
//!
//! Demo accounts (`cortina serve --demo`) log in with a password alone:
//! only [`Service::create_demo_account`] sets the flag, and only in a store
//! whose ledger has the demo origin [`DEMO_ORIGIN`].

use domain::Role;
use ledger::{Decision, Entry};
use sha2::{Digest as _, Sha256};
use store::records::{self, AccountRow};
use store::rows::RowWrite;

use crate::access::Secret;
use crate::context::hex;
use crate::principal::{hash_password, random_password};
use crate::{Channel, Service, ServiceError};

/// The ledger origin of a demo deployment (`cortina serve --demo`): the
/// only kind of store in which accounts may skip the second factor.
pub const DEMO_ORIGIN: &str = "cortina.demo/milano-cortina-2026";

/// How long an enrolment secret works (24 h).
pub const ENROLMENT_TTL_MS: i64 = 24 * 3600 * 1000;

/// How many recovery codes an enrolment with TOTP hands out.
pub const RECOVERY_CODES: usize = 10;

/// The shortest password a user may choose.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Whether `role` must log in with a second factor: those who decide, see
/// screening results, administer or oversee.
pub fn totp_required(role: Role) -> bool {
    matches!(
        role,
        Role::HostCommander | Role::HostAnalyst | Role::Admin | Role::Oversight
    )
}

pub(crate) fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

fn random_bytes<const N: usize>() -> Result<[u8; N], ServiceError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| store::StoreError::Random(e.to_string()))?;
    Ok(b)
}

/// A new enrolment secret: 20 characters of an unambiguous alphabet
/// (about 100 bits), easy to read out over the phone.
pub(crate) fn new_enrolment_secret() -> Result<Secret, ServiceError> {
    Ok(Secret::new(random_password()?))
}

/// The TOTP of a stored secret: SHA-1, 6 digits, 30-second steps, one
/// step of skew (what authenticator apps expect).
fn totp(secret: &[u8]) -> Result<totp_rs::Totp, ServiceError> {
    totp_rs::Builder::new()
        .with_secret(secret.to_vec())
        .build()
        .map_err(|e| ServiceError::BadCommand(format!("TOTP secret: {e}")))
}

/// The current TOTP code for a base32 secret (what an authenticator app
/// shows), for tests and scripts that hold the secret.
pub fn totp_code(secret_base32: &str, unix_s: u64) -> Result<String, ServiceError> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32.trim())
        .map_err(|e| ServiceError::BadCommand(format!("TOTP secret: {e}")))?;
    Ok(totp(secret.as_ref())?.generate(unix_s).to_string())
}

/// What a user needs to set up the second factor, shown once.
#[derive(Clone)]
pub struct TotpSetup {
    /// The secret in base32, to type into an authenticator app.
    pub secret_base32: Secret,
    /// The `otpauth://totp/…` URI (what a QR code carries).
    pub otpauth_uri: Secret,
    /// Single-use recovery codes, for a lost authenticator.
    pub recovery_codes: Vec<Secret>,
}

impl std::fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSetup(***)")
    }
}

/// An enrolment attempt's end.
#[derive(Clone, Debug)]
pub enum EnrolOutcome {
    /// The user chose their password (and set up TOTP).
    Enrolled {
        /// The ledger entry.
        seq: u64,
        /// The second factor's setup, when one was set up.
        totp: Option<TotpSetup>,
    },
    /// Refused (recorded): why, in words the user can act on.
    Refused {
        /// The ledger entry of the refusal.
        seq: u64,
        /// Why.
        reason: String,
    },
}

/// The outcome of checking a login's second factor inside its transaction.
pub(crate) enum SecondFactor {
    /// Passed (or not needed); the account rows it changed (the last TOTP
    /// step, a used recovery code), for the login's entry.
    Passed(Vec<RowWrite>),
    /// Missing or wrong: the rule that refused.
    Failed(&'static str),
}

/// Checks `code` (a TOTP code or a recovery code) for `account` at `now_ms`,
/// stamping changes with `seq`. Demo accounts need none; accounts with TOTP
/// set up need a fresh code (a step later than the last one accepted) or an
/// unused recovery code; a role that requires TOTP without it set up is
/// refused (its user enrols again).
pub(crate) async fn check_second_factor(
    conn: &mut store::AnyConnection,
    account: &AccountRow,
    code: Option<&Secret>,
    now_ms: i64,
    seq: i64,
) -> Result<SecondFactor, ServiceError> {
    if account.demo {
        return Ok(SecondFactor::Passed(Vec::new()));
    }
    let role: Option<Role> = account.role.parse().ok();
    let Some(secret) = &account.totp_secret else {
        return Ok(if role.is_some_and(totp_required) {
            SecondFactor::Failed("authn-second-factor-not-set-up")
        } else {
            SecondFactor::Passed(Vec::new())
        });
    };
    let Some(code) = code.map(|c| c.expose().trim().to_owned()) else {
        return Ok(SecondFactor::Failed("authn-second-factor"));
    };
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        let now_s = u64::try_from(now_ms / 1000).unwrap_or(0);
        let Some(step) = totp(secret)?.check(&code, now_s) else {
            return Ok(SecondFactor::Failed("authn-second-factor"));
        };
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        // RFC 6238 §5.2: a code is accepted once.
        if account.totp_last_step.is_some_and(|last| step <= last) {
            return Ok(SecondFactor::Failed("authn-second-factor-replay"));
        }
        let row = AccountRow {
            totp_last_step: Some(step),
            updated_seq: seq,
            ..account.clone()
        };
        records::update_account(conn, &row).await?;
        return Ok(SecondFactor::Passed(vec![row.row_write()]));
    }
    let wanted = hex(&sha256(normalise_recovery(&code).as_bytes()));
    let hashes: Vec<&str> = account
        .recovery_hashes
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    if !hashes.contains(&wanted.as_str()) {
        return Ok(SecondFactor::Failed("authn-second-factor"));
    }
    let left: Vec<&str> = hashes.into_iter().filter(|h| *h != wanted).collect();
    let row = AccountRow {
        recovery_hashes: Some(left.join(" ")),
        updated_seq: seq,
        ..account.clone()
    };
    records::update_account(conn, &row).await?;
    Ok(SecondFactor::Passed(vec![row.row_write()]))
}

/// Recovery codes are compared without dashes, spaces and case.
fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn check_new_password(password: &Secret) -> Result<(), ServiceError> {
    if password.expose().chars().count() < MIN_PASSWORD_CHARS {
        return Err(ServiceError::BadCommand(format!(
            "password: at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// How long enrolment and a password change wait for a hash slot.
const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Service {
    /// Runs a password hash or check off the async workers, holding one of
    /// the service's hash slots (`Inner::hashing`, one per core) like the
    /// login does, so no path can run argon2 without the global bound;
    /// [`ServiceError::Busy`] when none frees up in time.
    async fn bounded_hash<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let _permit = match tokio::time::timeout(HASH_WAIT, self.inner.hashing.acquire()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                return Err(ServiceError::Busy {
                    retry_after_ms: 1_000,
                });
            }
        };
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ServiceError::BadCommand(format!("password hashing: {e}")))
    }

    async fn hash_off_writer(&self, password: &Secret) -> Result<String, ServiceError> {
        let password = password.clone();
        self.bounded_hash(move || hash_password(password.expose()))
            .await?
    }
}

/// An entry about an account that the authentication rules decide (not the
/// Cedar policy: the user is not logged in yet).
#[allow(clippy::too_many_arguments)]
fn append_account_entry(
    tx: &mut store::WriteTx,
    account: Option<&AccountRow>,
    channel: &Channel,
    action: &str,
    decision: Decision,
    rule: &str,
    payload: &[u8],
    rows: Vec<RowWrite>,
) -> Result<u64, ServiceError> {
    let salt = random_bytes::<32>()?;
    let (id, agency) = account.map_or(("unknown", "unknown"), |a| {
        (a.id.as_str(), a.agency_id.as_str())
    });
    Ok(tx.append_rows(
        Entry {
            seq: 0,
            time_ms: 0,
            actor_account: id.into(),
            actor_agency: agency.into(),
            channel: Some(channel.as_entry()),
            action: action.into(),
            resource: ledger::Resource {
                kind: "account".into(),
                id: id.into(),
            },
            decision,
            policies: vec![rule.into()],
            payload_digest: ledger::commit(&salt, payload),
            personal_data: None,
        },
        salt,
        rows,
    )?)
}

impl Service {
    /// Exchanges the enrolment secret of `username` for the user's own
    /// `password` (and a TOTP second factor with recovery codes when the
    /// role requires one or `with_totp` asks for it). An entry either way
    /// (`account.enrol`): a user who finds their secret already used sees
    /// the entry that used it, and reports it.
    pub async fn enrol(
        &self,
        username: &str,
        secret: &Secret,
        password: &Secret,
        with_totp: bool,
    ) -> Result<EnrolOutcome, ServiceError> {
        check_new_password(password)?;
        let hash = self.hash_off_writer(password).await?;
        let offered = sha256(secret.expose().trim().as_bytes());
        let username = username.to_owned();
        let totp_secret = random_bytes::<20>()?;
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| {
                let b = random_bytes::<10>()?;
                let h = hex(&b);
                Ok(format!(
                    "{}-{}-{}-{}",
                    &h[0..5],
                    &h[5..10],
                    &h[10..15],
                    &h[15..20]
                ))
            })
            .collect::<Result<_, ServiceError>>()?;
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now = tx.now_ms();
                    let payload = serde_json::to_vec(&serde_json::json!({ "username": username }))
                        .map_err(|e| ServiceError::BadCommand(e.to_string()))?;
                    let account = records::account_by_username(tx.conn().await?, &username).await?;
                    let refuse = |tx: &mut store::WriteTx, a: Option<&AccountRow>, reason: String| {
                        let seq = append_account_entry(
                            tx,
                            a,
                            &Channel::Session,
                            "account.enrol",
                            Decision::Deny,
                            "authn-enrolment",
                            &payload,
                            Vec::new(),
                        )?;
                        Ok::<_, ServiceError>(EnrolOutcome::Refused { seq, reason })
                    };
                    let Some(a) = account.filter(|a| a.disabled_seq.is_none()) else {
                        return refuse(tx, None, "wrong username or enrolment secret".into());
                    };
                    if a.password_hash.is_some() {
                        return refuse(
                            tx,
                            Some(&a),
                            format!(
                                "account {username:?} has already enrolled (ledger entry {}): \
                                 if it was not you, someone used your enrolment secret — \
                                 report it to the host's security officer",
                                a.updated_seq
                            ),
                        );
                    }
                    let matches = a.enrol_hash.as_deref().is_some_and(|h| {
                        use subtle_eq::ConstantTimeEq as _;
                        h.ct_eq(&offered)
                    });
                    if !matches {
                        return refuse(tx, Some(&a), "wrong username or enrolment secret".into());
                    }
                    if a.enrol_expires_ms.is_none_or(|e| e <= now) {
                        return refuse(
                            tx,
                            Some(&a),
                            "this enrolment secret has expired: ask the admin for a new one".into(),
                        );
                    }
                    let role: Option<Role> = a.role.parse().ok();
                    let totp_on = !a.demo && (with_totp || role.is_some_and(totp_required));
                    let seq = tx.next_seq() as i64;
                    let row = AccountRow {
                        password_hash: Some(hash),
                        enrol_hash: None,
                        enrol_expires_ms: None,
                        totp_secret: totp_on.then(|| totp_secret.to_vec()),
                        totp_last_step: None,
                        recovery_hashes: totp_on.then(|| {
                            codes
                                .iter()
                                .map(|c| hex(&sha256(normalise_recovery(c).as_bytes())))
                                .collect::<Vec<_>>()
                                .join(" ")
                        }),
                        updated_seq: seq,
                        ..a.clone()
                    };
                    records::update_account(tx.conn().await?, &row).await?;
                    let seq = append_account_entry(
                        tx,
                        Some(&row),
                        &Channel::Session,
                        "account.enrol",
                        Decision::Allow,
                        "authn-enrolment",
                        &payload,
                        vec![row.row_write()],
                    )?;
                    let totp = totp_on.then(|| {
                        let b32 = totp_rs::Secret::from(totp_secret.to_vec()).to_base32();
                        TotpSetup {
                            otpauth_uri: Secret::new(format!(
                                "otpauth://totp/cortina:{}?secret={b32}&issuer=cortina&algorithm=SHA1&digits=6&period=30",
                                url_escape(&row.username)
                            )),
                            secret_base32: Secret::new(b32),
                            recovery_codes: codes.iter().map(Secret::new).collect(),
                        }
                    });
                    Ok(EnrolOutcome::Enrolled { seq, totp })
                })
            })
            .await
    }

    /// The user of session `session_id` (account `account_id`) changes
    /// their password: `current` must be right. Every other session of the
    /// account ends (recorded in the same `account.password_change` entry).
    /// Returns the entry, or [`ServiceError::Unauthenticated`] (recorded)
    /// for a wrong current password.
    pub async fn change_password(
        &self,
        account_id: &str,
        session_id: Option<&str>,
        current: &Secret,
        new: &Secret,
    ) -> Result<u64, ServiceError> {
        check_new_password(new)?;
        let account = records::account(self.store().pool(), account_id)
            .await?
            .ok_or_else(|| ServiceError::Unauthenticated(account_id.to_owned()))?;
        let stored = account.password_hash.clone().unwrap_or_default();
        let current = current.clone();
        let right = self
            .bounded_hash(move || crate::access::verify_password(&stored, current.expose()))
            .await?;
        let hash = if right {
            Some(self.hash_off_writer(new).await?)
        } else {
            None
        };
        let keep = session_id.map(str::to_owned);
        let id = account_id.to_owned();
        let outcome = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let a = records::account(tx.conn().await?, &id)
                        .await?
                        .ok_or_else(|| ServiceError::Unauthenticated(id.clone()))?;
                    let Some(hash) = hash else {
                        let seq = append_account_entry(
                            tx,
                            Some(&a),
                            &Channel::Session,
                            "account.password_change",
                            Decision::Deny,
                            "authn-password",
                            id.as_bytes(),
                            Vec::new(),
                        )?;
                        return Ok(Err(seq));
                    };
                    let seq = tx.next_seq() as i64;
                    let row = AccountRow {
                        password_hash: Some(hash),
                        updated_seq: seq,
                        ..a
                    };
                    records::update_account(tx.conn().await?, &row).await?;
                    let ended =
                        store::auth::delete_sessions_of(tx.conn().await?, &id, keep.as_deref())
                            .await?;
                    let mut written = vec![row.row_write()];
                    written.extend(ended.into_iter().map(|s| RowWrite::deleted("sessions", s)));
                    let seq = append_account_entry(
                        tx,
                        Some(&row),
                        &Channel::Session,
                        "account.password_change",
                        Decision::Allow,
                        "authn-password",
                        id.as_bytes(),
                        written,
                    )?;
                    Ok::<_, ServiceError>(Ok(seq))
                })
            })
            .await?;
        outcome.map_err(|seq| {
            ServiceError::Unauthenticated(format!(
                "the current password is wrong (ledger entry {seq})"
            ))
        })
    }

    /// The bootstrap's first host commander, `username`, in the host
    /// agency `agency` (the one unconfirmed grant besides the first admin:
    /// nobody could confirm it). Refused once any host commander exists.
    /// The account has no password: its enrolment secret (24 h) is returned
    /// once, to be handed over out of band. Recorded as `account.create`
    /// under the rule `bootstrap`, from the CLI.
    pub async fn bootstrap_commander(
        &self,
        username: &str,
        agency: &str,
    ) -> Result<(u64, Secret), ServiceError> {
        let name = domain::text::Name::parse("username", username)?;
        let account_id = crate::handlers::registry::account_id(&self.inner, name.as_str())?;
        let secret = new_enrolment_secret()?;
        let hash = sha256(secret.expose().as_bytes());
        let agency = agency.to_owned();
        let channel = Channel::cli();
        let seq = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let conn = tx.conn().await?;
                    let accounts = records::accounts(&mut *conn).await?;
                    if accounts
                        .iter()
                        .any(|a| a.role == Role::HostCommander.as_str())
                    {
                        return Err(ServiceError::Conflict(
                            "a host commander exists: further accounts are proposed by the \
                             admin and confirmed by a commander"
                                .into(),
                        ));
                    }
                    if accounts.iter().any(|a| a.username == name.as_str()) {
                        return Err(ServiceError::Conflict(format!("account {name:?} exists")));
                    }
                    let host = records::agency(&mut *conn, &agency)
                        .await?
                        .filter(|g| g.kind == domain::AgencyKind::Host.as_str())
                        .ok_or_else(|| {
                            ServiceError::BadCommand(format!("{agency} is not a host agency"))
                        })?;
                    let seq = tx.next_seq() as i64;
                    let row = AccountRow {
                        id: account_id,
                        username: name.to_string(),
                        role: Role::HostCommander.as_str().into(),
                        agency_id: host.id,
                        created_seq: seq,
                        updated_seq: seq,
                        enrol_hash: Some(hash),
                        enrol_expires_ms: Some(tx.now_ms() + ENROLMENT_TTL_MS),
                        ..Default::default()
                    };
                    records::insert_account(tx.conn().await?, &row).await?;
                    append_account_entry(
                        tx,
                        Some(&row),
                        &channel,
                        "account.create",
                        Decision::Allow,
                        "bootstrap",
                        row.username.as_bytes(),
                        vec![row.row_write()],
                    )
                })
            })
            .await?;
        Ok((seq, secret))
    }

    /// The demo builder's account: created at once with a generated
    /// password, flagged as a demo account (no second factor, no
    /// enrolment). Refused unless this store's ledger has the demo origin,
    /// so a real deployment never holds such an account. Not a command:
    /// only the CLI's demo builder (and test worlds built like the demo)
    /// call it. The password is `password`, or generated; returned with
    /// the entry.
    pub async fn create_demo_account(
        &self,
        command: crate::command::AccountCreate,
        password: Option<&Secret>,
    ) -> Result<(u64, String), ServiceError> {
        if self.store().origin() != DEMO_ORIGIN {
            return Err(ServiceError::BadCommand(format!(
                "demo accounts exist only in a demo store (ledger origin {DEMO_ORIGIN}); \
                 this one is {}",
                self.store().origin()
            )));
        }
        let password = match password {
            Some(p) => p.expose().to_owned(),
            None => random_password()?,
        };
        let hash = self.hash_off_writer(&Secret::new(password.clone())).await?;
        let c = command;
        let account_id = crate::handlers::registry::account_id(&self.inner, c.username.as_str())?;
        // The line the command names, by its opaque id or the delegation's
        // label (`crate::opaque`), resolved in the transaction below.
        let line = c
            .declaration
            .as_ref()
            .map(|d| {
                crate::opaque::resolve(
                    &self.inner.opaque_key,
                    crate::opaque::prefix::DECLARATION,
                    d,
                )
            })
            .transpose()?;
        let channel = Channel::cli();
        let seq = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let conn = tx.conn().await?;
                    if records::account_by_username(&mut *conn, c.username.as_str())
                        .await?
                        .is_some()
                    {
                        return Err(ServiceError::Conflict(format!(
                            "account {:?} exists",
                            c.username.as_str()
                        )));
                    }
                    let agency = records::agency(&mut *conn, c.agency.as_str())
                        .await?
                        .ok_or_else(|| ServiceError::NotFound {
                            kind: "agency",
                            id: c.agency.to_string(),
                        })?;
                    if agency.kind != c.role.agency_kind().as_str() {
                        return Err(ServiceError::BadCommand(format!(
                            "role {} needs an agency of kind {}",
                            c.role,
                            c.role.agency_kind().as_str()
                        )));
                    }
                    let declaration_id = match line {
                        None => None,
                        Some(r) => {
                            let kind = <domain::declaration::DeclarationLine as domain::storage::Aggregate>::KIND;
                            let found = records::get(tx.conn().await?, kind, r.id.as_str())
                                .await?
                                .is_some();
                            match (found, r.legacy) {
                                (false, Some(legacy)) => Some(legacy.to_string()),
                                _ => Some(r.id.to_string()),
                            }
                        }
                    };
                    let seq = tx.next_seq() as i64;
                    let row = AccountRow {
                        id: account_id,
                        username: c.username.to_string(),
                        role: c.role.as_str().into(),
                        agency_id: agency.id.clone(),
                        delegation_id: c.delegation.as_ref().map(|d| d.to_string()),
                        declaration_id,
                        password_hash: Some(hash),
                        created_seq: seq,
                        updated_seq: seq,
                        demo: true,
                        ..Default::default()
                    };
                    records::insert_account(tx.conn().await?, &row).await?;
                    append_account_entry(
                        tx,
                        Some(&row),
                        &channel,
                        "account.create",
                        Decision::Allow,
                        "demo-builder",
                        c.username.as_str().as_bytes(),
                        vec![row.row_write()],
                    )
                })
            })
            .await?;
        Ok((seq, password))
    }
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Constant-time comparison of two byte strings of a public length.
mod subtle_eq {
    pub(super) trait ConstantTimeEq {
        fn ct_eq(&self, other: &[u8]) -> bool;
    }

    impl ConstantTimeEq for [u8] {
        fn ct_eq(&self, other: &[u8]) -> bool {
            self.len() == other.len()
                && self
                    .iter()
                    .zip(other)
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totp_matches_rfc_6238_and_recovery_codes_normalise() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); the
        // 6-digit code is its last six digits.
        let secret = totp_rs::Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(totp_code(&secret, 59).unwrap(), "287082");
        assert_eq!(totp_code(&secret, 1_111_111_109).unwrap(), "081804");
        assert_eq!(normalise_recovery("AB12c-DE34f"), "ab12cde34f");
        assert!(totp_required(Role::HostCommander) && !totp_required(Role::HostOperator));
        let setup = TotpSetup {
            secret_base32: Secret::new("X"),
            otpauth_uri: Secret::new("Y"),
            recovery_codes: vec![],
        };
        assert_eq!(format!("{setup:?}"), "TotpSetup(***)");
    }
}
