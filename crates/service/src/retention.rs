//! Purge after the Games: a retention rule proposed by one host commander
//! (`retention.propose_purge`) and confirmed by a second
//! (`retention.purge`), which purges the due records in batches.
//!
//! **The rule.** A proposal names a kind of record (`applicant`: the
//! organiser's applicants, with the vetting cases their intake screening
//! opened; `declaration`: the delegations' declared personnel, with the
//! cases their screening opened; `consultation`: the consultation log),
//! the end of the event (Unix ms) and how many days after it the records
//! are kept. The records are due once that time has passed: every record
//! of the kind that still holds a document — for the log, every
//! consultation made up to the event's end, so each is kept at least that
//! many days (five years, say, against a few weeks for applicants). The rule is the
//! proposal's own text, confirmed by the second commander — no
//! configuration file another person could change in between.
//!
//! **Four eyes.** The policy lets host commanders propose and confirm; it
//! cannot see who proposed (a proposal is not a registry fact), so the
//! confirmation by the proposer is refused here (`ServiceError::Forbidden`,
//! nothing recorded, nothing purged). Everyone else the policy refuses —
//! oversight, which never writes, and any foreign principal — gets a denial
//! entry like any refused command.
//!
//! **The purge.** Each batch is its own transaction on the sequencer and
//! one `retention.purge` entry naming the proposal (`retention/<id>`): it
//! empties the document and salt of up to `batch` applicants and of their
//! cases (the rows stay, stamped with the entry), forgets their reference
//! digests (`applicant_refs`), writes the proposal's progress, and its row
//! writes list every record it emptied — which is how
//! `cortina ledger verify` (`store::stamps`, `StampRules::purges`) knows
//! those records were purged by that entry. After the last batch, the
//! payload salts of the entries about purged records (`entry_salts`) are
//! deleted — except those of consultations, whose log keeps its own,
//! longer retention — the re-screen's keys of the population are deleted
//! (`population`: rebuilt by the next re-screen) — and the database files
//! are scrubbed (`store::Store::scrub`). SQLite's connections run with `secure_delete`
//! on, so the freed bytes are zeros (`store`'s session settings).
//!
//! **The consultation log** is purged by ranges of entries: each batch
//! deletes the rows of its consultations, their subjects and their entries'
//! payload salts (which only proved the rows), and its entry's row writes
//! name the range (`consultations`, `first-end`, deleted), which is how
//! `ledger verify` knows those consultations' rows were removed by a purge
//! and not by someone hiding a lookup.
//!
//! An interrupted purge is confirmed again and goes on where it stopped
//! (the due records are those still holding a document; the log's, those
//! still in it).

use authority::Resource;
use domain::Action;
use domain::applicant::Applicant;
use domain::declaration::{DeclarationLine, ScreeningStatus};
use domain::storage::Aggregate;
use domain::vetting::VettingCase;
use serde::{Deserialize, Serialize};
use store::records::{self, Record};

use crate::command::{PURGE_BATCH, RetentionProposePurge, RetentionPurge};
use crate::context::{Ctx, Done, Outcome};
use crate::{Actor, Service, ServiceError, principal};

/// The record kind of purge proposals.
pub const RETENTION: &str = "retention";

/// The record kinds a purge empties.
const APPLICANT: &str = <Applicant as Aggregate>::KIND;
const DECLARATION: &str = <DeclarationLine as Aggregate>::KIND;
const CASE: &str = <VettingCase as Aggregate>::KIND;
/// The kind a purge of the consultation log names.
const CONSULTATION: &str = "consultation";

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A purge proposal as stored (record kind `retention`, no personal data,
/// so no salt: its entry commits to a SHA-256 of the row).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Proposal {
    id: String,
    /// The record kind purged (`applicant`).
    kind: String,
    /// The event's end, Unix ms.
    event_end: i64,
    after_days: u32,
    reason: String,
    /// The proposing commander's account id.
    proposed_by: String,
    proposed_at: i64,
    /// The confirming commander's account id, once confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    confirmed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    confirmed_at: Option<i64>,
    /// Records of `kind` purged so far, and the cases purged with them.
    purged: u64,
    cases: u64,
    /// Purge entries so far.
    batches: u64,
    /// `proposed`, `purging` or `done`.
    state: String,
}

impl Proposal {
    /// When the records become due (Unix ms).
    fn due_at(&self) -> i64 {
        self.event_end
            .saturating_add(i64::from(self.after_days).saturating_mul(DAY_MS))
    }

    fn record(&self, created_seq: i64, seq: i64) -> Result<Record, ServiceError> {
        Ok(Record {
            kind: RETENTION.into(),
            id: self.id.clone(),
            delegation: None,
            room: None,
            state: match self.state.as_str() {
                "proposed" => "proposed",
                "purging" => "purging",
                _ => "done",
            }
            .into(),
            doc: Some(
                serde_json::to_string(self)
                    .map_err(|e| ServiceError::BadCommand(format!("retention: {e}")))?,
            ),
            salt: None,
            created_seq,
            updated_seq: seq,
            board: store::records::Board::default(),
        })
    }

    fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "kind": self.kind,
            "event_end": self.event_end,
            "after_days": self.after_days,
            "due_at": self.due_at(),
            "reason": self.reason,
            "proposed_by": self.proposed_by,
            "confirmed_by": self.confirmed_by,
            "purged": self.purged,
            "cases": self.cases,
            "batches": self.batches,
            "state": self.state,
        })
    }
}

/// A proposal id: what the commander gave (letters, digits, `-`, `_`), or
/// `purge-` and 96 random bits.
fn proposal_id(given: Option<&str>) -> Result<String, ServiceError> {
    match given {
        Some(id) => {
            let ok = !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
            if ok {
                Ok(id.to_owned())
            } else {
                Err(ServiceError::BadCommand(format!(
                    "id: {id:?} is not 1 to 64 letters, digits, '-' or '_'"
                )))
            }
        }
        None => {
            let bytes = crate::context::random32()?;
            Ok(format!("purge-{}", crate::context::hex(&bytes[..12])))
        }
    }
}

/// `retention.propose_purge`.
pub(crate) async fn propose(
    ctx: &mut Ctx<'_>,
    c: RetentionProposePurge,
) -> Result<Outcome, ServiceError> {
    if let Some(denied) = ctx
        .authorize(Action::RetentionProposePurge, &Resource::Ledger)
        .await?
    {
        return Ok(denied);
    }
    let id = proposal_id(c.id.as_ref().map(|n| n.as_str()))?;
    if records::get(ctx.tx.read_conn(), RETENTION, &id)
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict(format!(
            "retention proposal {id} exists already"
        )));
    }
    let proposal = Proposal {
        id: id.clone(),
        kind: c.kind.as_str().to_owned(),
        event_end: c.event_end.as_millis(),
        after_days: c.after_days,
        reason: c.reason.as_str().to_owned(),
        proposed_by: ctx.principal.id.clone(),
        proposed_at: ctx.now.as_millis(),
        confirmed_by: None,
        confirmed_at: None,
        purged: 0,
        cases: 0,
        batches: 0,
        state: "proposed".into(),
    };
    let seq = ctx.seq();
    let record = proposal.record(seq, seq)?;
    records::put(ctx.tx.conn().await?, &record).await?;
    ctx.wrote(record.row_write());
    ctx.done(
        Action::RetentionProposePurge,
        RETENTION,
        &id,
        Some("proposed"),
        Some(proposal.view()),
    )
    .await
}

/// The fields of an applicant's stored document a purge needs: its
/// screening, which names the case a hit opened, and the organiser and
/// reference, whose keyed digest is forgotten (the rest of the document is
/// skipped, not parsed: a purge reads a million of them).
#[derive(Deserialize)]
struct Screened {
    organiser: String,
    facts: Reference,
    screening: ScreeningStatus,
}

/// The organiser's reference, which keys its digest in `applicant_refs`.
#[derive(Deserialize)]
struct Reference {
    reference: String,
}

/// One batch done.
struct Step {
    seq: u64,
    /// The last record id of the batch (the keyset for the next one).
    last: Option<String>,
    done: bool,
    proposal: Proposal,
}

/// One batch of a confirmed purge, inside its transaction. The outer error
/// rolls the batch back; the inner one is the command's answer (a denial,
/// already recorded, or a refusal that changed nothing).
async fn batch(
    ctx: &mut Ctx<'_>,
    id: &str,
    limit: i64,
    after: &str,
) -> Result<Result<Step, ServiceError>, ServiceError> {
    if let Some(denied) = ctx
        .authorize(Action::RetentionPurge, &Resource::Ledger)
        .await?
    {
        return Ok(match denied.into_result() {
            Err(e) => Err(e),
            Ok(_) => Err(ServiceError::BadCommand("a denial was not refused".into())),
        });
    }
    let Some(stored) = records::get(ctx.tx.read_conn(), RETENTION, id).await? else {
        return Err(ServiceError::NotFound {
            kind: RETENTION,
            id: id.to_owned(),
        });
    };
    let mut proposal: Proposal = stored
        .doc
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .ok_or_else(|| ServiceError::Corrupt {
            kind: RETENTION,
            id: id.to_owned(),
            reason: "unreadable proposal".into(),
        })?;
    if proposal.proposed_by == ctx.principal.id {
        return Ok(Err(ServiceError::Forbidden(format!(
            "retention proposal {id}: the commander who proposed a purge does not confirm it (four eyes); another host commander must"
        ))));
    }
    if proposal.state == "done" {
        return Ok(Err(ServiceError::Conflict(format!(
            "retention proposal {id} is done: {} records purged",
            proposal.purged
        ))));
    }
    let now = ctx.now.as_millis();
    if now < proposal.due_at() {
        return Ok(Err(ServiceError::Conflict(format!(
            "retention proposal {id}: records of kind {} are kept until {} ms (event end {} + {} days); now is {now}",
            proposal.kind,
            proposal.due_at(),
            proposal.event_end,
            proposal.after_days
        ))));
    }
    if proposal.kind == CONSULTATION {
        return consultation_batch(ctx, stored.created_seq, proposal, id, limit, after).await;
    }
    let conn = ctx.tx.conn().await?;
    let due = store::purge::due(conn, &proposal.kind, after, limit).await?;
    let last = due.last().map(|r| r.id.clone());
    let done = (due.len() as i64) < limit;
    // The cases the intake screening opened, still holding a document.
    let mut case_ids = Vec::new();
    let mut refs = Vec::with_capacity(due.len());
    for r in &due {
        let Some(doc) = r.doc.as_deref() else {
            continue;
        };
        let corrupt = |kind: &'static str, e: serde_json::Error| ServiceError::Corrupt {
            kind,
            id: r.id.clone(),
            reason: e.to_string(),
        };
        if proposal.kind == DECLARATION {
            // Declared personnel are thousands, not millions: the whole
            // line is read, which names the case its screening opened.
            let line: DeclarationLine =
                serde_json::from_str(doc).map_err(|e| corrupt(DECLARATION, e))?;
            if let ScreeningStatus::Hit { case } = line.screening() {
                case_ids.push(case.to_string());
            }
            continue;
        }
        let screened: Screened = serde_json::from_str(doc).map_err(|e| corrupt(APPLICANT, e))?;
        if let ScreeningStatus::Hit { case } = screened.screening {
            case_ids.push(case.to_string());
        }
        let digest = crate::handlers::ref_digest_of(
            &ctx.inner.ref_key,
            &screened.organiser,
            &screened.facts.reference,
        );
        refs.push((screened.organiser, digest));
    }
    let cases: Vec<Record> = store::applicants::get_records(conn, CASE, &case_ids)
        .await?
        .into_values()
        .filter(|r| r.doc.is_some())
        .collect();
    let (n_records, n_cases) = (due.len() as u64, cases.len() as u64);
    let seq = ctx.seq();
    let mut emptied = due;
    emptied.extend(cases);
    let conn = ctx.tx.conn().await?;
    let emptied = store::purge::empty(conn, emptied, seq).await?;
    store::purge::forget_refs(conn, &refs).await?;
    for r in &emptied {
        ctx.wrote(r.row_write());
    }
    proposal.cases += n_cases;
    let data = serde_json::json!({"records": n_records, "cases": n_cases});
    finish_batch(
        ctx,
        stored.created_seq,
        proposal,
        id,
        (n_records, done),
        last,
        data,
    )
    .await
}

/// Ends a batch: the proposal's progress (confirmed by this commander, if
/// not yet; `purged` more records; done or not) saved, and the batch's
/// `retention.purge` entry with `data`; `last` is where the next batch
/// starts.
async fn finish_batch(
    ctx: &mut Ctx<'_>,
    created_seq: i64,
    mut proposal: Proposal,
    id: &str,
    (purged, done): (u64, bool),
    last: Option<String>,
    data: serde_json::Value,
) -> Result<Result<Step, ServiceError>, ServiceError> {
    if proposal.confirmed_by.is_none() {
        proposal.confirmed_by = Some(ctx.principal.id.clone());
        proposal.confirmed_at = Some(ctx.now.as_millis());
    }
    proposal.purged += purged;
    proposal.batches += 1;
    proposal.state = if done { "done" } else { "purging" }.into();
    let record = proposal.record(created_seq, ctx.seq())?;
    records::put(ctx.tx.conn().await?, &record).await?;
    ctx.wrote(record.row_write());
    let state = proposal.state.clone();
    let outcome = ctx
        .done(
            Action::RetentionPurge,
            RETENTION,
            id,
            Some(&state),
            Some(data),
        )
        .await?;
    let seq = match outcome.into_result() {
        Ok(d) => d.seq,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(Step {
        seq,
        last,
        done,
        proposal,
    }))
}

/// One batch of a confirmed purge of the consultation log (module docs):
/// the next due consultations from entry `after` on.
async fn consultation_batch(
    ctx: &mut Ctx<'_>,
    created_seq: i64,
    proposal: Proposal,
    id: &str,
    limit: i64,
    after: &str,
) -> Result<Result<Step, ServiceError>, ServiceError> {
    let from: i64 = if after.is_empty() {
        0
    } else {
        after
            .parse()
            .map_err(|_| ServiceError::BadCommand(format!("purge position {after:?}")))?
    };
    let conn = ctx.tx.conn().await?;
    let (seqs, done) =
        store::purge::due_consultations(conn, from, proposal.event_end, limit).await?;
    let range = seqs.first().zip(seqs.last()).map(|(f, l)| (*f, l + 1));
    let mut purged = 0;
    if let Some((first, end)) = range {
        purged = store::purge::delete_consultations(conn, first, end).await?;
        ctx.wrote(store::rows::RowWrite::deleted(
            store::consultations::TABLE,
            store::consultations::range_key(first, end),
        ));
    }
    let data = serde_json::json!({
        "consultations": purged,
        "entries": range.map(|(first, end)| [first, end]),
    });
    let last = range.map(|(_, end)| end.to_string());
    finish_batch(ctx, created_seq, proposal, id, (purged, done), last, data).await
}

/// Which entries' payload salts a purge removes: entries about a record
/// of the purged kinds (not consultations: the consultation log keeps its
/// own retention and needs its salts to verify).
fn salt_candidate(entry: &ledger::Entry) -> bool {
    [APPLICANT, DECLARATION, CASE].contains(&entry.resource.kind.as_str())
        && entry
            .action
            .parse::<Action>()
            .is_ok_and(|a| !crate::consultations::is_consultation(a) && a != Action::RetentionPurge)
}

impl Service {
    /// `retention.purge`: the batches, each its own transaction and entry,
    /// then the payload salts and the scrub (see the [module docs](self)).
    pub(crate) async fn purge(
        &self,
        actor: &Actor,
        c: RetentionPurge,
    ) -> Result<Done, ServiceError> {
        let id = c.proposal.as_str().to_owned();
        let limit = i64::from(c.batch.unwrap_or(PURGE_BATCH));
        let payload = serde_json::to_vec(&crate::Command::RetentionPurge(c))
            .map_err(|e| ServiceError::BadCommand(format!("command: {e}")))?;
        let mut after = String::new();
        let started = std::time::Instant::now();
        let last = loop {
            let inner = self.inner.clone();
            let username = actor.username.clone();
            let channel = actor.channel.clone();
            let payload = payload.clone();
            let id = id.clone();
            let from = after.clone();
            let step = self
                .store()
                .write(move |tx| {
                    Box::pin(async move {
                        let principal = principal::load(tx, &inner, &username).await?;
                        let host = principal.is_host();
                        let mut ctx =
                            crate::context::Ctx::new(tx, &inner, principal, &channel, payload)?;
                        Ok::<_, ServiceError>(match batch(&mut ctx, &id, limit, &from).await? {
                            Err(ServiceError::Denied { seq, .. }) if !host => {
                                Err(ServiceError::Withheld { seq })
                            }
                            other => other,
                        })
                    })
                })
                .await;
            let step = match step {
                Ok(step) => step?,
                // A host caller is told; anyone else's attempt is recorded
                // and answered like a refusal.
                Err(ServiceError::NotFound { kind, id }) => {
                    return self
                        .withhold_missing(actor, Action::RetentionPurge, kind, id)
                        .await;
                }
                Err(e) => return Err(e),
            };
            if let Some(l) = step.last.clone() {
                after = l;
            }
            if step.done {
                break step;
            }
        };
        let batches_ms = started.elapsed().as_millis() as u64;
        // The log's batches removed their salts themselves.
        let salts = if last.proposal.kind == CONSULTATION {
            0
        } else {
            self.drop_purged_salts().await?
        };
        let salts_ms = started.elapsed().as_millis() as u64 - batches_ms;
        // The re-screen's keys hold name parts of the purged: rebuilt later.
        self.forget_population_keys().await;
        let scrubbed = self.scrub().await;
        let scrub_ms = started.elapsed().as_millis() as u64 - batches_ms - salts_ms;
        let mut data = last.proposal.view();
        if let serde_json::Value::Object(map) = &mut data {
            map.insert("salts_removed".into(), salts.into());
            map.insert("last_entry".into(), last.seq.into());
            // Where this confirmation's time went, in ms.
            map.insert(
                "timings_ms".into(),
                serde_json::json!({"batches": batches_ms, "salts": salts_ms, "scrub": scrub_ms}),
            );
            map.insert(
                "scrubbed".into(),
                match &scrubbed {
                    Ok(()) => serde_json::Value::Bool(true),
                    Err(e) => e.to_string().into(),
                },
            );
        }
        Ok(Done {
            seq: last.seq,
            action: Action::RetentionPurge.as_str(),
            kind: RETENTION,
            id,
            state: Some(last.proposal.state),
            data: Some(data),
        })
    }

    /// Deletes the payload salts of the entries about purged records (see
    /// [`salt_candidate`]), a chunk of the log per transaction. Returns
    /// how many were deleted.
    async fn drop_purged_salts(&self) -> Result<u64, ServiceError> {
        const CHUNK: u64 = 1 << 14;
        let mut removed = 0u64;
        let mut from = 0u64;
        loop {
            let (n, until, size) = self
                .store()
                .write(move |tx| {
                    Box::pin(async move {
                        let size = tx.next_seq();
                        let until = size.min(from + CHUNK);
                        let conn = tx.conn().await?;
                        let entries = store::purge::entries(conn, from, until).await?;
                        let mut about: std::collections::HashMap<String, Vec<(u64, String)>> =
                            Default::default();
                        for (seq, bytes) in entries {
                            let Ok(entry) = ledger::Entry::decode(&bytes) else {
                                continue;
                            };
                            if salt_candidate(&entry) {
                                about
                                    .entry(entry.resource.kind.clone())
                                    .or_default()
                                    .push((seq, entry.resource.id.clone()));
                            }
                        }
                        let mut seqs = Vec::new();
                        for (kind, list) in about {
                            let ids: Vec<String> = list.iter().map(|(_, id)| id.clone()).collect();
                            let purged = store::purge::purged_among(conn, &kind, &ids).await?;
                            seqs.extend(
                                list.into_iter()
                                    .filter(|(_, id)| purged.contains(id))
                                    .map(|(s, _)| s),
                            );
                        }
                        let n = store::purge::drop_salts(conn, &seqs).await?;
                        Ok::<_, ServiceError>((n, until, size))
                    })
                })
                .await?;
            removed += n;
            from = until;
            if until >= size {
                break;
            }
        }
        Ok(removed)
    }

    /// The scrub after a purge, tried a few times (a reader's snapshot can
    /// hold the WAL for a moment).
    async fn scrub(&self) -> Result<(), store::StoreError> {
        let mut tries = 0;
        loop {
            match self.store().scrub().await {
                Err(store::StoreError::Busy(_)) if tries < 20 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                other => return other,
            }
        }
    }
}
