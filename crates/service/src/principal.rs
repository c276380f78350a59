//! Authentication's result: the account acting, as registry facts the policy
//! reads. Nothing here comes from the request except the username.

use argon2::password_hash::{PasswordHasher as _, SaltString};
use authority::Principal;
use domain::{AgencyKind, Role};
use ledger::{Decision, Entry, Resource};
use store::WriteTx;
use store::records::{self, AccountRow, AgencyRow};

use crate::{Bootstrap, Inner, ServiceError};

fn agency_kind(kind: &str) -> Option<AgencyKind> {
    AgencyKind::ALL.into_iter().find(|k| k.as_str() == kind)
}

/// Looks up `username` and builds the principal from the registry (one
/// query: the account and its agency's kind) — or takes the one an earlier
/// closure of the same batch built, when no row can have changed since
/// ([`WriteTx::generation`]): a run of one analyst's screenings reads the
/// account once.
pub(crate) async fn load(
    tx: &mut WriteTx,
    inner: &Inner,
    username: &str,
) -> Result<Principal, ServiceError> {
    let generation = tx.generation();
    if let Some(p) = inner.principals.get(generation, username) {
        return Ok(p);
    }
    // A read: no savepoint of its own (see `WriteTx::read_conn`).
    let conn = tx.read_conn();
    let (account, kind) = records::account_and_agency_kind(&mut *conn, username)
        .await?
        .filter(|(a, _)| a.disabled_seq.is_none())
        .ok_or_else(|| ServiceError::Unauthenticated(username.to_owned()))?;
    accreditation_in_force(&mut *conn, &account).await?;
    let principal = principal_of(account, kind.as_deref())?;
    inner
        .principals
        .put(generation, username, principal.clone());
    Ok(principal)
}

/// The principal the writer built last, with the generation of the
/// transaction it was read in ([`load`]).
#[derive(Debug, Default)]
pub(crate) struct Memo(std::sync::Mutex<Option<(u64, String, Principal)>>);

impl Memo {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<(u64, String, Principal)>> {
        // A panic while holding the lock leaves a plain value behind.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, generation: u64, username: &str) -> Option<Principal> {
        match &*self.slot() {
            Some((g, u, p)) if *g == generation && u == username => Some(p.clone()),
            _ => None,
        }
    }

    fn put(&self, generation: u64, username: &str, principal: Principal) {
        *self.slot() = Some((generation, username.to_owned(), principal));
    }
}

/// A foreign account works only while the accreditation behind it is not
/// suspended or revoked (`accreditation.suspend`, `accreditation.revoke`):
/// otherwise the caller is unknown, as for a disabled account.
pub(crate) async fn accreditation_in_force(
    conn: &mut store::AnyConnection,
    account: &AccountRow,
) -> Result<(), ServiceError> {
    if let Some(line) = &account.declaration_id
        && store::passes::of_subject(&mut *conn, "declaration", line)
            .await?
            .is_some()
    {
        return Err(ServiceError::Unauthenticated(account.username.clone()));
    }
    Ok(())
}

/// The principal for an account row whose agency is of kind `kind` (`None`:
/// the agency is not registered, which a consistent store never has).
pub(crate) fn principal_of(
    account: AccountRow,
    kind: Option<&str>,
) -> Result<Principal, ServiceError> {
    let corrupt = |reason: String| ServiceError::Corrupt {
        kind: "account",
        id: account.id.clone(),
        reason,
    };
    let kind =
        kind.ok_or_else(|| corrupt(format!("agency {} is not registered", account.agency_id)))?;
    let role: Role = account.role.parse().map_err(|e| corrupt(format!("{e}")))?;
    let agency_kind = agency_kind(kind).ok_or_else(|| corrupt(format!("agency kind {kind}")))?;
    Ok(Principal {
        id: account.id,
        role,
        agency_id: account.agency_id,
        agency_kind,
        delegation: account.delegation_id,
    })
}

/// A random password of 20 characters from an unambiguous alphabet
/// (about 100 bits).
pub(crate) fn random_password() -> Result<String, ServiceError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| store::StoreError::Random(e.to_string()))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

/// The argon2id hash of `password` in PHC form.
pub(crate) fn hash_password(password: &str) -> Result<String, ServiceError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| store::StoreError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| ServiceError::BadCommand(format!("password salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::BadCommand(format!("password hashing: {e}")))
}

fn random_salt() -> Result<[u8; 32], ServiceError> {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).map_err(|e| store::StoreError::Random(e.to_string()))?;
    Ok(salt)
}

/// Creates the host IT agency and the first admin; returns the admin's
/// enrolment secret (a demo admin's password). Both creations are ledger entries by `system`.
pub(crate) async fn bootstrap(
    tx: &mut WriteTx,
    inner: &Inner,
    b: &Bootstrap,
    demo: bool,
) -> Result<String, ServiceError> {
    if !records::accounts(&mut *tx.conn().await?).await?.is_empty() {
        return Err(ServiceError::Conflict(
            "the store already has accounts; bootstrap runs once".into(),
        ));
    }
    let country: domain::codes::CountryCode = b.country.parse()?;
    let agency_id: domain::ids::AgencyId = b.agency_id.parse()?;
    let name = domain::text::Name::parse("agency name", &b.agency_name)?;
    // Each entry commits to its row, and its payload digest is salted like
    // every other entry's (the salt kept in `entry_salts`).
    let system = |action: &str, kind: &str, id: &str, payload: &str| {
        let salt = random_salt()?;
        let digest = ledger::commit(&salt, payload.as_bytes());
        Ok::<_, ServiceError>((
            Entry {
                seq: 0,
                time_ms: 0,
                actor_account: "system".into(),
                actor_agency: agency_id.to_string(),
                channel: Some(crate::Channel::cli().as_entry()),
                action: action.into(),
                resource: Resource {
                    kind: kind.into(),
                    id: id.into(),
                },
                decision: Decision::Allow,
                policies: vec!["bootstrap".into()],
                payload_digest: digest,
                personal_data: None,
            },
            salt,
        ))
    };
    let seq = tx.next_seq() as i64;
    let agency = AgencyRow {
        id: agency_id.to_string(),
        name: name.to_string(),
        kind: AgencyKind::Host.as_str().into(),
        country: country.to_string(),
        created_seq: seq,
        updated_seq: seq,
    };
    records::insert_agency(tx.conn().await?, &agency).await?;
    let (entry, salt) = system(
        "agency.register",
        "agency",
        agency_id.as_str(),
        name.as_str(),
    )?;
    tx.append_rows(entry, salt, vec![agency.row_write()])?;
    // The admin never knows a password it did not choose: outside a demo,
    // the first admin gets an enrolment secret (24 h) like everyone else,
    // and chooses its password (and second factor) with it.
    let password = random_password()?;
    let (password_hash, enrol_hash, enrol_expires_ms) = if demo {
        (Some(hash_password(&password)?), None, None)
    } else {
        (
            None,
            Some(crate::accounts::sha256(password.as_bytes())),
            Some(tx.now_ms() + crate::accounts::ENROLMENT_TTL_MS),
        )
    };
    let account_id = crate::handlers::registry::account_id(inner, &b.username)?;
    let seq = tx.next_seq() as i64;
    let account = AccountRow {
        id: account_id.clone(),
        username: b.username.clone(),
        role: Role::Admin.as_str().into(),
        agency_id: agency_id.to_string(),
        delegation_id: None,
        declaration_id: None,
        password_hash,
        disabled_seq: None,
        created_seq: seq,
        updated_seq: seq,
        demo,
        enrol_hash,
        enrol_expires_ms,
        ..Default::default()
    };
    records::insert_account(tx.conn().await?, &account).await?;
    let (entry, salt) = system("account.create", "account", &account_id, &b.username)?;
    tx.append_rows(entry, salt, vec![account.row_write()])?;
    Ok(password)
}
