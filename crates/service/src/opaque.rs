//! Opaque ids of personal records: declaration lines, protectees, accounts
//! and account proposals.
//!
//! A ledger entry names the record it acted on, in clear and for ever (an
//! entry can be purged of its personal data, not of its resource id). So
//! the id of a record about a person must say nothing about the person: not
//! a login name (`acc-mrossi`), not a label a delegation chose
//! (`us-john-smith`). Each such record's id is `PREFIX-` and 24 hex digits:
//!
//! - when the caller chose a label (a delegation's own reference for its
//!   line, the host's for a protectee, a login name), the digits are an HMAC
//!   of the label under a key derived from the ledger's signing key, so the
//!   same label always names the same record — a client keeps using its own
//!   references (`us-agent-1`) — while the ledger, which anyone with a
//!   witness token may read, shows only `decl-3f0c…`, which no one without
//!   the key can tie to the label (a keyed hash, not a plain one: labels
//!   and login names are guessable);
//! - otherwise the digits are random.
//!
//! The label itself lives in the record's salted document (purgeable with
//! it), shown to those who may read the record.
//!
//! Stores older than opaque ids keep their records under the ids they were
//! created with until `cortina admin migrate-ids` renames them
//! ([`crate::migrate`]; their old entries keep naming the old ids, which no
//! rename could take back). Until then [`Resolved::legacy`] is tried after
//! the opaque id, and only for a label that could have been such an id.

use domain::ids::{Id, IdKind};
use domain::storage::Aggregate;
use store::records::Record;

use crate::ServiceError;
use crate::context::{Ctx, hmac};

/// Hex digits after the prefix.
const DIGITS: usize = store::rename::OPAQUE_DIGITS;

/// The key of the labels' HMAC, derived from the ledger's signing key
/// (never stored, never leaves the process).
pub(crate) fn key(signing_key: &str) -> [u8; 32] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(b"cortina.opaque-id-key\0");
    h.update(signing_key.as_bytes());
    h.finalize().into()
}

/// Whether `id` is already an opaque id of this prefix.
pub(crate) fn is_opaque(prefix: &str, id: &str) -> bool {
    store::rename::opaque_shaped(prefix, id)
}

/// The opaque id a label names.
pub(crate) fn of_label<K: IdKind>(
    key: &[u8; 32],
    prefix: &str,
    label: &str,
) -> Result<Id<K>, ServiceError> {
    let mac = hmac(
        key,
        format!("cortina.opaque-id\0{prefix}\0{label}").as_bytes(),
    );
    Ok(format!("{prefix}-{}", crate::context::hex(&mac[..DIGITS / 2])).parse()?)
}

/// What an id given in a command names.
pub(crate) struct Resolved<K: IdKind> {
    /// The record's opaque id.
    pub(crate) id: Id<K>,
    /// The label as given, when it was one: the id of a record created
    /// before opaque ids, if there is such a record.
    pub(crate) legacy: Option<Id<K>>,
}

/// Resolves an id given in a command: an opaque id names itself; anything
/// else is a label.
pub(crate) fn resolve<K: IdKind>(
    key: &[u8; 32],
    prefix: &str,
    given: &Id<K>,
) -> Result<Resolved<K>, ServiceError> {
    if is_opaque(prefix, given.as_str()) {
        return Ok(Resolved {
            id: given.clone(),
            legacy: None,
        });
    }
    Ok(Resolved {
        id: of_label(key, prefix, given.as_str())?,
        legacy: Some(given.clone()),
    })
}

/// The opaque id of a new record the caller labelled: refused when the
/// label has the shape cortina's own ids have. Nothing is looked up: the
/// policy decides on the id before anything is ([`check_label_free`]).
pub(crate) fn new_labelled<K: IdKind>(
    key: &[u8; 32],
    prefix: &str,
    label: &Id<K>,
) -> Result<Id<K>, ServiceError> {
    if is_opaque(prefix, label.as_str()) {
        return Err(ServiceError::BadCommand(format!(
            "id {label}: ids of this shape are made by cortina; choose a label of your own"
        )));
    }
    of_label(key, prefix, label.as_str())
}

/// Refuses a label that is taken — by a record made with it (`id`), or by
/// a record of a store older than opaque ids that has the label as its id.
/// Called once the policy has allowed the command.
pub(crate) async fn check_label_free<A: Aggregate, K: IdKind>(
    ctx: &mut Ctx<'_>,
    id: &Id<K>,
    label: Option<&Id<K>>,
) -> Result<(), ServiceError> {
    let taken = ctx.exists::<A>(id.as_str()).await?
        || match label {
            Some(l) => ctx.exists::<A>(l.as_str()).await?,
            None => false,
        };
    if taken {
        let named = label.unwrap_or(id);
        return Err(ServiceError::Conflict(format!(
            "{} {:?} exists",
            A::KIND,
            named.as_str()
        )));
    }
    Ok(())
}

/// Loads the record of kind `A` an id given in a command names: its opaque
/// id, or the caller's label for it.
pub(crate) async fn load<A: Aggregate, K: IdKind>(
    ctx: &mut Ctx<'_>,
    prefix: &str,
    given: &Id<K>,
) -> Result<(A, Record), ServiceError> {
    let r = resolve(&ctx.inner.opaque_key, prefix, given)?;
    match (ctx.load(r.id.as_str()).await, r.legacy) {
        (Err(ServiceError::NotFound { .. }), Some(legacy)) => ctx.load(legacy.as_str()).await,
        (found, _) => found,
    }
}

/// The id to store for a reference to a record of kind `A` that the
/// command names by `given` (a protective agent's protectee): the opaque
/// id, or the legacy id when only a record of that id exists. Nothing is
/// answered about whether either exists: a label of a record not yet
/// registered gives the id that record will have.
pub(crate) async fn resolve_stored<A: Aggregate, K: IdKind>(
    ctx: &mut Ctx<'_>,
    prefix: &str,
    given: &Id<K>,
) -> Result<Id<K>, ServiceError> {
    let r = resolve(&ctx.inner.opaque_key, prefix, given)?;
    match r.legacy {
        Some(legacy)
            if !ctx.exists::<A>(r.id.as_str()).await?
                && ctx.exists::<A>(legacy.as_str()).await? =>
        {
            Ok(legacy)
        }
        _ => Ok(r.id),
    }
}

/// Prefixes of the opaque kinds.
pub(crate) mod prefix {
    /// Declaration lines.
    pub(crate) const DECLARATION: &str = "decl";
    /// Protectees.
    pub(crate) const PROTECTEE: &str = "prot";
    /// Accounts.
    pub(crate) const ACCOUNT: &str = "acc";
    /// Account proposals.
    pub(crate) const PROPOSAL: &str = "prop";
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ids::DeclarationId;

    #[test]
    fn a_label_always_names_the_same_opaque_id_and_says_nothing_of_itself() {
        let k = key("signing key A");
        let a: DeclarationId = of_label(&k, "decl", "us-agent-1").unwrap();
        let again: DeclarationId = of_label(&k, "decl", "us-agent-1").unwrap();
        let other: DeclarationId = of_label(&k, "decl", "us-agent-2").unwrap();
        assert_eq!(a, again);
        assert_ne!(a, other);
        assert!(is_opaque("decl", a.as_str()), "{a}");
        assert!(!a.as_str().contains("agent"));
        // Another store's key gives another id: the digits are keyed.
        let b: DeclarationId = of_label(&key("signing key B"), "decl", "us-agent-1").unwrap();
        assert_ne!(a, b);
        // The prefix is part of the input: a login name and a line label
        // that are equal give unrelated digits.
        let acc: domain::ids::AccountId = of_label(&k, "acc", "us-agent-1").unwrap();
        assert_ne!(&acc.as_str()[4..], &a.as_str()[5..]);
    }

    #[test]
    fn an_opaque_id_resolves_to_itself_and_a_label_to_its_id_with_the_legacy_fallback() {
        let k = key("k");
        let opaque: DeclarationId = of_label(&k, "decl", "fr-officer-1").unwrap();
        let r = resolve(&k, "decl", &opaque).unwrap();
        assert_eq!(r.id, opaque);
        assert!(r.legacy.is_none());
        let label: DeclarationId = "fr-officer-1".parse().unwrap();
        let r = resolve(&k, "decl", &label).unwrap();
        assert_eq!(r.id, opaque);
        assert_eq!(r.legacy, Some(label));
        for not in [
            "decl-",
            "decl-3F0C",
            "decl-zz",
            "prot-0123456789abcdef01234567",
        ] {
            assert!(!is_opaque("decl", not), "{not}");
        }
        assert!(is_opaque("decl", "decl-0123456789abcdef01234567"));
    }
}
