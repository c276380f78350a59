//! `store.migrate`: opaque ids for the personal records and accounts of a
//! store written before cortina made them (issue 10, part 4).
//!
//! Such a store keeps accounts as `acc-<login name>`, account proposals as
//! `prop-<login name>`, declaration lines and protectees under the labels
//! their declaring side chose (`us-agent-1`). Every entry that acts on
//! them names them so, in clear, for ever — and so would every entry to
//! come, so the migration gives each the opaque id cortina makes today
//! ([`crate::opaque`]): the HMAC of its label, so the label keeps naming it
//! in commands and URLs. What the old entries say cannot be taken back
//! (the ledger is append-only); from the migration on, no entry names a
//! label.
//!
//! One transaction, one entry (`store.migrate` on the ledger, the admin's:
//! maintenance, not a decision), whose row writes commit to everything it
//! changed:
//!
//! - each renamed record deleted under its old key and written under its
//!   new one (created by this entry; its salt, state and owner kept); a
//!   declaration line or protectee keeps its old id as its `reference` (the
//!   label), and a line its `former_id`, which keeps naming the passes of
//!   its accreditations, so a pass printed before stays valid and stays
//!   revocable;
//! - each renamed account the same; its sessions end (recorded as
//!   deletions: its user logs in again), its API tokens move to the new id;
//! - every other record whose document refers to a renamed id, written
//!   again with the reference changed: each string value equal to an old id
//!   (not a `reference`, `former_id` or `username`, which hold labels) and
//!   each object key equal to one;
//! - derived rows follow unrecorded, as they always do: the analysts'
//!   queue's claims, the revoked passes' subjects.
//!
//! The re-screen's keys of the population (`population`, a file beside
//! the database) name people by their old ids: they are deleted, and the
//! next re-screen rebuilds them.
//!
//! The consultation log is history, like the ledger: its rows keep the ids
//! they were written with (oversight finds them by the label as well).
//!
//! An old id that could mean two things — the same label on a declaration
//! line and a protectee, or the id of a record of another kind — makes the
//! migration refuse, naming it, and change nothing: a reference to it could
//! not be told apart.

use std::collections::{BTreeMap, HashMap, HashSet};

use authority::Resource;
use domain::Action;
use serde::Serialize;
use serde_json::Value;

use crate::context::Ctx;
use crate::handlers::declarations::DECLARATION;
use crate::handlers::movements::PROTECTEE;
use crate::handlers::registry::PROPOSAL;
use crate::opaque::{self, prefix};
use crate::{Actor, Service, ServiceError, principal};

/// Records read per page while looking for references.
const PAGE: i64 = 1_000;

/// The record kinds renamed, with the prefix of their opaque ids.
const RENAMED: [(&str, &str); 3] = [
    (PROPOSAL, prefix::PROPOSAL),
    (DECLARATION, prefix::DECLARATION),
    (PROTECTEE, prefix::PROTECTEE),
];

/// Keys whose values are labels, never references: left as they are.
const LABEL_KEYS: &[&str] = &["reference", "former_id", "username"];

/// What a migration did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MigrateReport {
    /// The entry that records it (`None` when there was nothing to do).
    pub entry: Option<u64>,
    /// Accounts renamed.
    pub accounts: u64,
    /// Account proposals renamed.
    pub proposals: u64,
    /// Declaration lines renamed.
    pub declarations: u64,
    /// Protectees renamed.
    pub protectees: u64,
    /// Other records whose documents referred to a renamed id.
    pub references: u64,
    /// Sessions ended (of renamed accounts).
    pub sessions_ended: u64,
    /// API tokens moved to their account's new id.
    pub tokens_moved: u64,
}

impl Service {
    /// Gives the records and accounts of a store older than opaque ids
    /// their opaque ids, as the account `actor` (see the [module
    /// docs](self)). Does nothing, and records nothing, when none is left.
    pub async fn migrate_ids(&self, actor: &Actor) -> Result<MigrateReport, ServiceError> {
        let inner = self.inner.clone();
        let username = actor.username.clone();
        let channel = actor.channel.clone();
        let report = self
            .inner
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let principal = principal::load(tx, &inner, &username).await?;
                    let payload = br#"{"migrate":"opaque_ids"}"#.to_vec();
                    let mut ctx = Ctx::new(tx, &inner, principal, &channel, payload)?;
                    migrate(&mut ctx).await
                })
            })
            .await??;
        // The re-screen's keys of the population name people by the ids
        // they had (`population`): rebuilt by the next re-screen.
        if report.entry.is_some() {
            self.forget_population_keys().await;
        }
        Ok(report)
    }

    /// How many accounts, proposals, declaration lines and protectees still
    /// have readable ids (`store.migrate` has something to do).
    pub async fn readable_ids(&self) -> Result<u64, ServiceError> {
        let mut conn = self.store().reader().await?;
        Ok(store::rename::readable_ids(&mut conn, &RENAMED, prefix::ACCOUNT).await?)
    }
}

/// The migration inside its transaction. The outer error rolls it back;
/// the inner one is the answer (a denial, already recorded, or a refusal
/// that changed nothing).
async fn migrate(ctx: &mut Ctx<'_>) -> Result<Result<MigrateReport, ServiceError>, ServiceError> {
    if let Some(denied) = ctx
        .authorize(Action::StoreMigrate, &Resource::Ledger)
        .await?
    {
        return Ok(match denied.into_result() {
            Err(e) => Err(e),
            Ok(_) => Err(ServiceError::BadCommand("a denial was not refused".into())),
        });
    }
    let key = ctx.inner.opaque_key;
    let mut report = MigrateReport::default();

    // What to rename: old id → new id, per kind.
    let accounts = store::records::accounts(ctx.tx.conn().await?).await?;
    let mut account_ids: BTreeMap<String, String> = BTreeMap::new();
    for a in &accounts {
        let new = crate::handlers::registry::account_id(ctx.inner, &a.username)?;
        if a.id != new {
            account_ids.insert(a.id.clone(), new);
        }
    }
    let mut records: Vec<(&'static str, BTreeMap<String, String>)> = Vec::new();
    for (kind, pre) in RENAMED {
        let mut map = BTreeMap::new();
        for id in store::rename::record_ids(ctx.tx.conn().await?, kind).await? {
            if opaque::is_opaque(pre, &id) {
                continue;
            }
            let label = if kind == PROPOSAL {
                // A proposal is named after the login name it proposes.
                let Some(record) = store::records::get(ctx.tx.conn().await?, kind, &id).await?
                else {
                    continue;
                };
                let doc: Value = record
                    .doc
                    .as_deref()
                    .and_then(|d| serde_json::from_str(d).ok())
                    .unwrap_or(Value::Null);
                match doc.pointer("/account/username").and_then(Value::as_str) {
                    Some(name) => name.to_owned(),
                    None => {
                        return Ok(Err(ServiceError::Conflict(format!(
                            "account proposal {id:?} has no login name to name it by \
                             (purged?): nothing was changed"
                        ))));
                    }
                }
            } else {
                id.clone()
            };
            let new = opaque::of_label::<domain::ids::kind::Account>(&key, pre, &label)?;
            map.insert(id, new.to_string());
        }
        records.push((kind, map));
    }

    // Every old id must mean one thing.
    let mut all: HashMap<String, String> = HashMap::new();
    let named = account_ids.iter().map(|(o, n)| ("account", o, n)).chain(
        records
            .iter()
            .flat_map(|(kind, map)| map.iter().map(move |(o, n)| (*kind, o, n))),
    );
    let mut kind_of: HashMap<String, &'static str> = HashMap::new();
    for (kind, old, new) in named {
        if let Some(other) = kind_of.insert(old.clone(), kind) {
            return Ok(Err(ServiceError::Conflict(format!(
                "id {old:?} names both a {other} and a {kind}: a reference to it cannot be \
                 told apart; nothing was changed"
            ))));
        }
        all.insert(old.clone(), new.clone());
    }
    for (old, kind) in &kind_of {
        for other in store::rename::kinds_of_id(ctx.tx.conn().await?, old).await? {
            if other != *kind {
                return Ok(Err(ServiceError::Conflict(format!(
                    "id {old:?} names a {kind} and also a {other}: a reference to it cannot \
                     be told apart; nothing was changed"
                ))));
            }
        }
        // The new id must be free.
        let new = &all[old];
        let taken = if *kind == "account" {
            accounts.iter().any(|a| &a.id == new)
        } else {
            store::records::get(ctx.tx.conn().await?, kind, new)
                .await?
                .is_some()
        };
        if taken {
            return Ok(Err(ServiceError::Conflict(format!(
                "{kind} {old:?}: its opaque id {new} is taken; nothing was changed"
            ))));
        }
    }
    if all.is_empty() {
        return Ok(Ok(report));
    }
    let seq = ctx.seq();

    // The records that refer to a renamed id, and the renamed ones.
    let mut moved: HashSet<(String, String)> = HashSet::new();
    let mut after: Option<(String, String)> = None;
    loop {
        let page = store::rename::documents_after(
            ctx.tx.conn().await?,
            after.as_ref().map(|(k, i)| (k.as_str(), i.as_str())),
            PAGE,
        )
        .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.kind.clone(), last.id.clone()));
        for mut record in page {
            let Some(doc) = record.doc.as_deref() else {
                continue;
            };
            let mut value: Value =
                serde_json::from_str(doc).map_err(|e| ServiceError::Corrupt {
                    kind: "record",
                    id: record.key(),
                    reason: e.to_string(),
                })?;
            let mut changed = rewrite(&mut value, &all, None);
            let renamed = records
                .iter()
                .find(|(kind, _)| *kind == record.kind)
                .and_then(|(_, map)| map.get(&record.id));
            if let Some(new) = renamed {
                if let Value::Object(map) = &mut value {
                    let old = Value::String(record.id.clone());
                    if record.kind != PROPOSAL {
                        map.entry("reference").or_insert_with(|| old.clone());
                    }
                    if record.kind == DECLARATION {
                        map.entry("former_id").or_insert(old);
                    }
                }
                changed = true;
                moved.insert((record.kind.clone(), record.id.clone()));
                store::rename::delete_record(ctx.tx.conn().await?, &record.kind, &record.id)
                    .await?;
                ctx.wrote(store::rows::RowWrite::deleted("records", record.key()));
                record.id = new.clone();
                record.created_seq = seq;
                match record.kind.as_str() {
                    PROPOSAL => report.proposals += 1,
                    DECLARATION => report.declarations += 1,
                    _ => report.protectees += 1,
                }
            } else if changed {
                report.references += 1;
            }
            if !changed {
                continue;
            }
            let doc = serde_json::to_string(&value).map_err(|e| ServiceError::Corrupt {
                kind: "record",
                id: record.key(),
                reason: e.to_string(),
            })?;
            record.board =
                crate::board_of(&record.kind, &doc).map_err(|reason| ServiceError::Corrupt {
                    kind: "record",
                    id: record.key(),
                    reason,
                })?;
            record.doc = Some(doc);
            record.updated_seq = seq;
            store::records::put(ctx.tx.conn().await?, &record).await?;
            ctx.wrote(record.row_write());
        }
    }
    // A renamed record without a document (purged) keeps no reference
    // to rewrite, but is renamed all the same.
    for (kind, map) in &records {
        for (old, new) in map {
            if moved.contains(&(kind.to_string(), old.clone())) {
                continue;
            }
            let Some(mut record) = store::records::get(ctx.tx.conn().await?, kind, old).await?
            else {
                continue;
            };
            store::rename::delete_record(ctx.tx.conn().await?, kind, old).await?;
            ctx.wrote(store::rows::RowWrite::deleted("records", record.key()));
            record.id = new.clone();
            record.created_seq = seq;
            record.updated_seq = seq;
            store::records::put(ctx.tx.conn().await?, &record).await?;
            ctx.wrote(record.row_write());
        }
    }
    let none = BTreeMap::new();
    let declarations = records
        .iter()
        .find(|(kind, _)| *kind == DECLARATION)
        .map_or(&none, |(_, m)| m);
    for (old, new) in declarations {
        store::rename::rename_pass_subject(
            ctx.tx.conn().await?,
            crate::passes::SubjectKind::Declaration.as_str(),
            old,
            new,
        )
        .await?;
    }

    // The accounts: sessions end, tokens move, the row is renamed; an
    // account kept whose declaration line was renamed follows it.
    for mut a in accounts {
        let declaration = a
            .declaration_id
            .as_ref()
            .map(|d| declarations.get(d).cloned().unwrap_or_else(|| d.clone()));
        let Some(new) = account_ids.get(&a.id) else {
            if declaration != a.declaration_id {
                store::rename::set_account_declaration(
                    ctx.tx.conn().await?,
                    &a.id,
                    declaration.as_deref(),
                    seq,
                )
                .await?;
                a.declaration_id = declaration;
                a.updated_seq = seq;
                ctx.wrote(a.row_write());
            }
            continue;
        };
        let conn = ctx.tx.conn().await?;
        let ended = store::auth::delete_sessions_of(conn, &a.id, None).await?;
        let tokens = store::rename::take_tokens_of(conn, &a.id).await?;
        store::rename::rename_account(conn, &a.id, new, declaration.as_deref(), seq).await?;
        store::rename::rename_assignee(conn, &a.id, new).await?;
        let mut moved = Vec::with_capacity(tokens.len());
        for mut t in tokens {
            t.account_id = Some(new.clone());
            t.updated_seq = seq;
            store::auth::insert_token(conn, &t).await?;
            moved.push(t.row_write());
        }
        for id in &ended {
            ctx.wrote(store::rows::RowWrite::deleted("sessions", id.clone()));
        }
        report.sessions_ended += ended.len() as u64;
        report.tokens_moved += moved.len() as u64;
        for row in moved {
            ctx.wrote(row);
        }
        ctx.wrote(store::rows::RowWrite::deleted("accounts", a.id.clone()));
        a.id = new.clone();
        a.declaration_id = declaration;
        a.created_seq = seq;
        a.updated_seq = seq;
        ctx.wrote(a.row_write());
        report.accounts += 1;
    }

    let data = serde_json::to_value(&report).unwrap_or(Value::Null);
    let done = ctx
        .done(
            Action::StoreMigrate,
            "ledger",
            "ledger",
            Some("migrated"),
            Some(data),
        )
        .await?;
    report.entry = Some(done.into_result()?.seq);
    Ok(Ok(report))
}

/// Replaces, in `value`, every string equal to an old id in `map` (but the
/// values of [`LABEL_KEYS`]) and every object key equal to one. Returns
/// whether anything changed. `key` is the key `value` sits under.
fn rewrite(value: &mut Value, map: &HashMap<String, String>, key: Option<&str>) -> bool {
    match value {
        Value::String(s) => {
            if key.is_some_and(|k| LABEL_KEYS.contains(&k)) {
                return false;
            }
            match map.get(s.as_str()) {
                Some(new) => {
                    *s = new.clone();
                    true
                }
                None => false,
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| rewrite(v, map, key) | changed),
        Value::Object(fields) => {
            let mut changed = false;
            if fields.keys().any(|k| map.contains_key(k)) {
                let old = std::mem::take(fields);
                for (k, v) in old {
                    let k = match map.get(&k) {
                        Some(new) => {
                            changed = true;
                            new.clone()
                        }
                        None => k,
                    };
                    fields.insert(k, v);
                }
            }
            for (k, v) in fields.iter_mut() {
                changed |= rewrite(v, map, Some(k));
            }
            changed
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_change_and_labels_stay() {
        let map: HashMap<String, String> = [
            ("us-agent-1", "decl-0123456789abcdef01234567"),
            ("acc-analyst", "acc-89abcdef0123456789abcdef"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .into();
        let mut doc = serde_json::json!({
            "id": "us-agent-1",
            "reference": "us-agent-1",
            "agents": ["us-agent-1", "us-agent-2"],
            "notes": [{"author": "acc-analyst", "text": "us-agent-1 is late"}],
            "acks": {"acc-analyst": true},
            "account": {"username": "us-agent-1"},
        });
        assert!(rewrite(&mut doc, &map, None));
        assert_eq!(
            doc,
            serde_json::json!({
                "id": "decl-0123456789abcdef01234567",
                "reference": "us-agent-1",
                "agents": ["decl-0123456789abcdef01234567", "us-agent-2"],
                "notes": [{"author": "acc-89abcdef0123456789abcdef", "text": "us-agent-1 is late"}],
                "acks": {"acc-89abcdef0123456789abcdef": true},
                "account": {"username": "us-agent-1"},
            })
        );
        let mut untouched = serde_json::json!({"id": "room-1", "n": 3});
        assert!(!rewrite(&mut untouched, &map, None));
    }
}
