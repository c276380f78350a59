//! The consultation log (issue 14, LED art. 25): who consulted what
//! personal data, when, through which channel, why, and how much came back.
//!
//! Every entry of a consultation action ([`is_consultation`]) — a screening
//! from any channel (API, `/match`, the CLI, the web form, intake), a read
//! of declarations, cases, requests, movements, tasks, logs, opinions, and
//! oversight's own reads of this log — gets a row in `consultations`
//! beside it, written in the same transaction by `Ctx` (so it commits with
//! its entry or not at all), allowed or refused. The row keeps the exact
//! payload the entry's digest commits to (the purpose, the query or the
//! record asked for, and for reads the result's size), so the ledger proves
//! it. Whom it concerned is kept only as keyed digests ([`subject_keys`]):
//! each token of a name in the screening engine's comparison forms
//! (transliterated, case-folded, particles joined, stopwords dropped), a
//! document number as the engine normalises it, a record id — under a key
//! derived from the ledger's signing key, so a database reader cannot
//! test names against them.
//!
//! Oversight asks by name (the same engine forms: a name in another script
//! or order finds the same consultations), by document, by record, by
//! account and by time ([`Service::consultations`]); each question is
//! itself a `consultations.read` consultation, recorded before it is
//! answered.

use std::collections::BTreeSet;

use domain::Action;
use serde::{Deserialize, Serialize};

use crate::context::hmac;
use crate::{Actor, Service, ServiceError};

/// Whether entries of `action` are consultations (kept in the log).
pub fn is_consultation(action: Action) -> bool {
    matches!(
        action,
        Action::ScreeningRun
            | Action::DeclarationRead
            | Action::VettingRead
            | Action::VettingReadOpinion
            | Action::RfiRead
            | Action::MovementRead
            | Action::TaskRead
            | Action::LogRead
            | Action::SitrepRead
            | Action::ApplicantReadOpinion
            | Action::ConsultationsRead
    )
}

/// Whether a ledger entry is a consultation, which the log keeps a row
/// of (`Ctx::entry` for the actions above; besides them, the screenings
/// of intake batches, declarations, delegations' heads and re-screens,
/// named `lists/<snapshot>` — not the list update's own entry
/// `lists/lists`). `ledger verify` checks that each
/// has its row (`store::StampRules::consultation_of`).
pub fn is_consultation_entry(entry: &ledger::Entry) -> bool {
    match entry.action.parse::<Action>() {
        Ok(a) if is_consultation(a) => true,
        Ok(Action::ApplicantSubmit | Action::DeclarationSubmit | Action::DelegationRegister) => {
            entry.resource.kind == "lists"
        }
        Ok(Action::ListsUpdate) => entry.resource.kind == "lists" && entry.resource.id != "lists",
        _ => false,
    }
}

/// The keyed digest of one subject fact: `kind` is `n` (a name token), `d`
/// (a document number) or `r` (a record id).
pub(crate) fn subject_key(key: &[u8; 32], kind: char, value: &str) -> String {
    let mac = hmac(key, format!("cortina.subject\0{kind}\0{value}").as_bytes());
    format!("{kind}:{}", crate::context::hex(&mac[..16]))
}

/// The name's comparison forms as the screening engine builds them, each
/// the set of its tokens' digests (of their consonant skeletons: spelling
/// and transliteration variants meet, at the price of a few namesakes
/// more, which oversight tells apart by the recorded query).
pub(crate) fn name_forms(key: &[u8; 32], name: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for form in screening::text::name_forms(name) {
        // The consonant skeleton of each token (the engine's fuzzy key:
        // "Bout" and the Cyrillic "Бут" read as "But" meet), the token
        // itself when it has no consonant.
        let keys: BTreeSet<String> = form
            .iter()
            .map(|t| {
                let s = screening::text::skeleton(t);
                subject_key(key, 'n', if s.is_empty() { t } else { &s })
            })
            .collect();
        let keys: Vec<String> = keys.into_iter().collect();
        if !keys.is_empty() && !out.contains(&keys) {
            out.push(keys);
        }
    }
    out
}

/// Whom a screening of a person concerns: the digests of their name's
/// forms and of their document number, if any.
pub(crate) fn person_subjects(
    key: &[u8; 32],
    name: &str,
    document: Option<&str>,
) -> impl Iterator<Item = String> {
    name_forms(key, name)
        .into_iter()
        .flatten()
        .chain(document.and_then(|d| document_key(key, d)))
}

/// The digest of a document number, normalised as the engine compares
/// identifiers (`None`: no letter or digit in it).
pub(crate) fn document_key(key: &[u8; 32], number: &str) -> Option<String> {
    let n = screening::normalize_id(number);
    (!n.is_empty()).then(|| subject_key(key, 'd', &n))
}

/// Keys whose string values are names of people (in payloads and results).
const NAME_KEYS: &[&str] = &["name", "names", "full_name", "original_name", "alias", "q"];
/// Keys whose string values are identity document numbers.
const DOCUMENT_KEYS: &[&str] = &[
    "document",
    "document_number",
    "documents",
    "id_numbers",
    "idNumber",
    "passportNumber",
];

/// Every subject digest found in a JSON value: names and document numbers
/// under the keys above, at any depth (yente's `properties.name` list,
/// a declaration's `person.name`, a batch's rows).
pub(crate) fn subject_keys(key: &[u8; 32], value: &serde_json::Value, out: &mut BTreeSet<String>) {
    fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::String(s) => out.push(s),
            serde_json::Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
            _ => {}
        }
    }
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let mut found = Vec::new();
                if v.is_object() {
                    // A key's name says nothing about an object under it
                    // (yente's queries are keyed by the caller's names).
                    subject_keys(key, v, out);
                } else if NAME_KEYS.contains(&k.as_str()) {
                    strings(v, &mut found);
                    for name in found.iter().take(64) {
                        for form in name_forms(key, name) {
                            out.extend(form);
                        }
                    }
                } else if DOCUMENT_KEYS.contains(&k.as_str()) {
                    strings(v, &mut found);
                    out.extend(found.iter().take(64).filter_map(|d| document_key(key, d)));
                } else {
                    subject_keys(key, v, out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items.iter().take(10_000) {
                subject_keys(key, item, out);
            }
        }
        _ => {}
    }
}

/// The purpose a payload states (`purpose` at its top level).
pub(crate) fn purpose_of(payload: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(payload).ok()?;
    value
        .get("purpose")
        .and_then(|p| p.as_str())
        .map(str::to_owned)
}

/// How many results a read returned: the length of its list (the value
/// itself or its `items`/`entries`), else one record.
pub(crate) fn result_size(data: Option<&serde_json::Value>) -> i64 {
    let len = |v: &serde_json::Value| v.as_array().map(|a| a.len() as i64);
    match data {
        None => 0,
        Some(v) => len(v)
            .or_else(|| v.get("items").and_then(len))
            .or_else(|| v.get("entries").and_then(len))
            .unwrap_or(1),
    }
}

/// Oversight's question to the log. All given conditions must hold.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// Concerning a person of this name (any script or order: the
    /// screening engine's comparison forms).
    pub name: Option<String>,
    /// Concerning this identity document number.
    pub document: Option<String>,
    /// Of this record (an id: `app-…`, a declaration line, a case).
    pub record: Option<String>,
    /// By this account (its id or its login name).
    pub account: Option<String>,
    /// From this time (Unix ms, inclusive).
    pub from: Option<i64>,
    /// Before this time (Unix ms, exclusive).
    pub until: Option<i64>,
    /// Only consultations older than this entry (the page cursor).
    pub before: Option<i64>,
    /// Page size (1..=1000, default 100).
    pub limit: Option<i64>,
    /// Why oversight asks (kept with its own consultation).
    pub purpose: Option<String>,
}

/// One consultation as oversight reads it.
#[derive(Clone, Debug, Serialize)]
pub struct Consultation {
    /// The ledger entry.
    pub seq: i64,
    /// When (Unix ms).
    pub time: i64,
    /// Who: the account (its id, as the ledger names it).
    pub account: String,
    /// The account's login name, for oversight to read (`None` for an id
    /// no account has, e.g. one removed from a restored store).
    pub username: Option<String>,
    /// Its agency.
    pub agency: String,
    /// Through which channel (`session`, `token:<id>`, `cli:<os user>`).
    pub channel: String,
    /// The action.
    pub action: String,
    /// What was consulted: the record's kind and id (`lists` for a
    /// screening).
    pub record_kind: String,
    /// The record's id.
    pub record: String,
    /// Whether the policy allowed it.
    pub allowed: bool,
    /// Why, as the caller said.
    pub purpose: Option<String>,
    /// The query or command as recorded (the entry's payload).
    pub query: serde_json::Value,
    /// How many results came back.
    pub result_size: Option<i64>,
}

/// A page of the log, newest first, with the cursor of the next one.
#[derive(Clone, Debug, Serialize)]
pub struct Page {
    /// The consultations.
    pub items: Vec<Consultation>,
    /// Pass as `before` for the next page (`None`: this was the last).
    pub next: Option<i64>,
    /// Oversight's own consultation that asked for this page.
    pub seq: u64,
}

/// How long a noted result size waits for others before it is written
/// ([`Service::consulted`]).
const SIZES_DELAY: std::time::Duration = std::time::Duration::from_millis(200);

/// Result sizes waiting to be written ([`Service::consulted`]).
#[derive(Debug, Default)]
pub(crate) struct SizeNotes {
    /// `(entry seq, result size)` not yet written.
    pending: std::sync::Mutex<Vec<(i64, i64)>>,
    /// Held while a batch is written, so a reader can wait for it.
    writing: tokio::sync::Mutex<()>,
}

impl SizeNotes {
    fn pending(&self) -> std::sync::MutexGuard<'_, Vec<(i64, i64)>> {
        // A panic while holding the lock leaves a plain vector behind.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Service {
    /// Notes the size of the result a screening recorded by entry `seq`
    /// (through [`Service::record`], before it ran) gave its caller: the
    /// consultation log's `result_size`, which that entry cannot commit to.
    ///
    /// The caller does not wait: the sizes noted within [`SIZES_DELAY`] of
    /// the first go together, and those noted while one write is on its
    /// way go in the next (one statement for many screenings instead of a
    /// second write per screening). Reading the log
    /// ([`Service::consultations`]) first writes what is pending; a crash
    /// may lose the sizes of the last moment's screenings, never their
    /// entries.
    pub async fn consulted(&self, seq: u64, size: usize) -> Result<(), ServiceError> {
        let note = (
            i64::try_from(seq).unwrap_or(i64::MAX),
            i64::try_from(size).unwrap_or(i64::MAX),
        );
        let first = {
            let mut pending = self.inner.sizes.pending();
            pending.push(note);
            pending.len() == 1
        };
        if first {
            // Nobody is about to write these: start a writer.
            let svc = self.clone();
            tokio::spawn(async move {
                // Wait for the others screening now: their sizes then go in
                // one statement of one closure, instead of a closure (and,
                // when the writer is idle, a commit) for every few.
                tokio::time::sleep(SIZES_DELAY).await;
                if let Err(e) = svc.write_pending_sizes().await {
                    tracing::warn!(error = %e, "result sizes not noted in the consultation log");
                }
            });
        }
        Ok(())
    }

    /// Writes the result sizes noted so far, after any write already on its
    /// way.
    pub(crate) async fn write_pending_sizes(&self) -> Result<(), ServiceError> {
        let _one_writer = self.inner.sizes.writing.lock().await;
        let batch = std::mem::take(&mut *self.inner.sizes.pending());
        if !batch.is_empty() {
            store::consultations::set_result_sizes(&self.inner.store, batch).await?;
        }
        Ok(())
    }

    /// The subject digests a name is logged and searched under (its
    /// comparison forms, each the set of its tokens' keyed digests): for
    /// benchmarks and tests that build a log without the service.
    pub fn name_subjects(&self, name: &str) -> Vec<Vec<String>> {
        name_forms(&self.inner.subject_key, name)
    }

    /// The ids `record` may stand for: itself, and the opaque ids a label
    /// of that text names (records made since opaque ids are stored under
    /// those, and the log names them so).
    fn record_alternatives(&self, record: &str) -> Vec<String> {
        use crate::opaque::{of_label, prefix};
        use domain::ids::kind;
        let key = &self.inner.opaque_key;
        let mut ids = vec![record.to_owned()];
        ids.extend(
            of_label::<kind::Declaration>(key, prefix::DECLARATION, record).map(|i| i.to_string()),
        );
        ids.extend(
            of_label::<kind::Protectee>(key, prefix::PROTECTEE, record).map(|i| i.to_string()),
        );
        ids
    }

    /// Answers oversight's `query` after recording it as a
    /// `consultations.read` (refused to anyone else: the refusal is
    /// recorded, nothing is read).
    pub async fn consultations(&self, actor: &Actor, query: &Query) -> Result<Page, ServiceError> {
        let limit = query.limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(ServiceError::BadCommand(
                "limit: between 1 and 1000".to_owned(),
            ));
        }
        let key = self.inner.subject_key;
        let mut forms: Vec<Vec<String>> = Vec::new();
        if let Some(name) = query.name.as_deref().filter(|n| !n.trim().is_empty()) {
            forms = name_forms(&key, name);
            if forms.is_empty() {
                return Err(ServiceError::BadCommand(
                    "name: no letters or digits to search for".to_owned(),
                ));
            }
        }
        let mut extra: Vec<String> = Vec::new();
        if let Some(doc) = query.document.as_deref().filter(|d| !d.trim().is_empty()) {
            extra.push(document_key(&key, doc).ok_or_else(|| {
                ServiceError::BadCommand("document: no letters or digits".to_owned())
            })?);
        }
        if !extra.is_empty() || query.record.as_deref().is_some_and(|r| !r.is_empty()) {
            if forms.is_empty() {
                forms.push(Vec::new());
            }
            for form in &mut forms {
                form.extend(extra.iter().cloned());
            }
        }
        if let Some(record) = query.record.as_deref().filter(|r| !r.is_empty()) {
            // A record by its id, or by the label a delegation or the host
            // gave it (a declaration line's or a protectee's reference):
            // any one of them.
            let records = self.record_alternatives(record);
            forms = forms
                .iter()
                .flat_map(|form| {
                    records.iter().map(move |r| {
                        let mut form = form.clone();
                        form.push(subject_key(&key, 'r', r));
                        form
                    })
                })
                .collect();
        }
        let payload = serde_json::to_vec(query)
            .map_err(|e| ServiceError::BadCommand(format!("query: {e}")))?;
        let done = self
            .record(
                actor,
                Action::ConsultationsRead,
                authority::Resource::Ledger,
                payload,
            )
            .await?;
        // An account by its id (as entries name it) or its login name.
        let account = match query.account.as_deref().filter(|a| !a.is_empty()) {
            None => None,
            Some(a) => Some(
                match store::records::account_and_agency_kind(self.inner.store.pool(), a).await? {
                    Some((row, _)) => row.id,
                    None => a.to_owned(),
                },
            ),
        };
        let filter = store::consultations::Filter {
            account,
            record: None,
            subjects: forms,
            from: query.from,
            until: query.until,
            before: query.before,
            limit: limit + 1,
        };
        // The sizes of screenings that just ran, before they are read.
        self.write_pending_sizes().await?;
        let mut conn = self.inner.store.reader().await?;
        let mut rows = store::consultations::page(&mut conn, &filter).await?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| r.seq)
        } else {
            None
        };
        // The login names of the page's accounts (a handful of people).
        let mut usernames: std::collections::HashMap<String, Option<String>> =
            std::collections::HashMap::new();
        for r in &rows {
            if !usernames.contains_key(&r.account) {
                let name = store::records::account(&mut *conn, &r.account)
                    .await?
                    .map(|a| a.username);
                usernames.insert(r.account.clone(), name);
            }
        }
        let items = rows
            .into_iter()
            .map(|r| Consultation {
                seq: r.seq,
                time: r.at_ms,
                username: usernames.get(&r.account).cloned().flatten(),
                account: r.account,
                agency: r.agency,
                channel: r.channel,
                action: r.action,
                record_kind: r.record_kind,
                record: r.record_id,
                allowed: r.allowed,
                purpose: r.purpose,
                query: serde_json::from_slice(&r.payload).unwrap_or_else(|_| {
                    serde_json::Value::String(String::from_utf8_lossy(&r.payload).into_owned())
                }),
                result_size: r.result_size,
            })
            .collect();
        Ok(Page {
            items,
            next,
            seq: done.seq,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_other_scripts_and_orders_share_a_form() {
        let key = [7u8; 32];
        let latin = name_forms(&key, "Ivan Petrov");
        let swapped = name_forms(&key, "PETROV, Ivan");
        let cyrillic = name_forms(&key, "Иван Петров");
        assert_eq!(
            name_forms(&key, "Viktor Bout")[0],
            name_forms(&key, "Бут Виктор")[0]
        );
        assert_eq!(latin[0], swapped[0]);
        assert!(
            cyrillic.iter().any(|f| f == &latin[0]),
            "{cyrillic:?} {latin:?}"
        );
        // Keyed: another key gives other digests, and no token in clear.
        assert_ne!(name_forms(&[8u8; 32], "Ivan Petrov"), latin);
        assert!(latin[0].iter().all(|k| !k.contains("ivan")));
    }

    #[test]
    fn subjects_are_found_at_any_depth() {
        let key = [1u8; 32];
        let v = serde_json::json!({
            "queries": {"q": {"properties": {"name": ["Ivan Petrov"], "idNumber": ["AB 123"]}}},
            "purpose": "check"
        });
        let mut out = BTreeSet::new();
        subject_keys(&key, &v, &mut out);
        assert!(out.contains(&document_key(&key, "ab-123").unwrap()));
        for k in &name_forms(&key, "ivan petrov")[0] {
            assert!(out.contains(k));
        }
    }

    #[test]
    fn result_sizes() {
        assert_eq!(result_size(None), 0);
        assert_eq!(result_size(Some(&serde_json::json!([1, 2, 3]))), 3);
        assert_eq!(result_size(Some(&serde_json::json!({"items": [1]}))), 1);
        assert_eq!(result_size(Some(&serde_json::json!({"id": "x"}))), 1);
    }
}
