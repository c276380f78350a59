//! Applicant intake: the organiser's rows, already read and screened
//! (`crate::applicants`), stored in one transaction — each applicant its
//! own record with an opaque id and its own ledger entry (group-committed),
//! a hit opening a vetting case in the analysts' queue, a clear screening
//! giving "no objection" at once; the batch's screening one recorded
//! consultation naming its snapshot; the batch itself one entry committing
//! to the rows as sent.
//!
//! Idempotent by reference: the organiser's reference is looked up through
//! its keyed digest (`applicant_refs`); the same facts again change nothing
//! (no entry), new facts update the record. So a re-run of an interrupted
//! import skips everything already acknowledged.

use std::collections::HashMap;

use authority::Resource;
use domain::Action;
use domain::applicant::{Applicant, ApplicantFacts};
use domain::codes::SnapshotHash;
use domain::declaration::ScreeningStatus;
use domain::ids::{AgencyId, ApplicantId};
use domain::storage::Aggregate;
use domain::text::{LongText, Text};
use domain::vetting::{Candidate, Subject, Triage, VettingCase};
use store::applicants::{QueueRow, RefRow};
use store::records::Record;

use super::{authorize, new_id};
use crate::ServiceError;
use crate::applicants::{Prepared, RowDigests, RowIssue};
use crate::command::ApplicantSubmit;
use crate::consultations;
use crate::context::{Ctx, Outcome, hex, hmac};
use crate::screening_lists::Hit;

/// The record kind of applicants.
pub(crate) const APPLICANT: &str = <Applicant as Aggregate>::KIND;

/// The keyed digest of an organiser's reference (hex): what
/// `applicant_refs` holds instead of the reference.
pub(crate) fn ref_digest(key: &[u8; 32], organiser: &str, reference: &str) -> String {
    hex(&hmac(
        key,
        format!("cortina.applicant-ref\0{organiser}\0{reference}").as_bytes(),
    ))
}

/// The digest of the facts as sent (to tell a resubmission that changes
/// nothing).
pub(crate) fn content_digest(facts: &ApplicantFacts) -> Result<String, ServiceError> {
    use sha2::Digest as _;
    let json = serde_json::to_vec(facts).map_err(|e| ServiceError::BadCommand(e.to_string()))?;
    Ok(hex(&sha2::Sha256::digest(&json)))
}

/// The queue row of a case opened at intake (none for other cases).
pub(crate) fn queue_row(case: &VettingCase) -> Option<QueueRow> {
    let triage = case.triage()?;
    let claim = case.claim();
    let decided_ms = match case.state() {
        domain::vetting::VettingState::Cleared(d) => Some(d.at().as_millis()),
        domain::vetting::VettingState::Refused { confirmation, .. }
        | domain::vetting::VettingState::Referred { confirmation, .. } => {
            Some(confirmation.at().as_millis())
        }
        _ => None,
    };
    Some(QueueRow {
        id: case.id().to_string(),
        state: case.state_name().to_owned(),
        priority: i64::from(triage.priority),
        due_ms: triage.due_at.as_millis(),
        category: triage.category.map(|c| c.as_str().to_owned()),
        venue: triage.venue.as_ref().map(|v| v.as_str().to_owned()),
        list: triage.top_list().map(str::to_owned),
        score: i64::from(triage.top_score()),
        assignee: claim.map(|c| c.by.to_string()),
        claim_until: claim.map(|c| c.until.as_millis()),
        bulk: case.cleared_in_bulk(),
        opened_ms: case.opened_at().as_millis(),
        decided_ms,
        in_question: triage.accredited_since.is_some(),
    })
}

pub(crate) fn candidates(hits: &[Hit]) -> Result<Vec<Candidate>, ServiceError> {
    hits.iter()
        .map(|h| {
            Ok(Candidate {
                entity: Text::parse("entity", &h.entity_id.chars().take(200).collect::<String>())?,
                caption: Text::parse("caption", &h.caption.chars().take(400).collect::<String>())?,
                score: (h.score.clamp(0.0, 1.0) * 1000.0).round() as u16,
                list: Text::parse("list", &h.list.chars().take(64).collect::<String>())?,
            })
        })
        .collect()
}

fn issues_json(issues: &[RowIssue]) -> serde_json::Value {
    serde_json::Value::Array(
        issues
            .iter()
            .map(|i| serde_json::json!({"line": i.line, "field": i.field, "reason": i.reason}))
            .collect(),
    )
}

/// `applicant.submit`.
pub(crate) async fn submit(ctx: &mut Ctx<'_>, c: ApplicantSubmit) -> Result<Outcome, ServiceError> {
    let organiser = ctx.principal.agency_id.clone();
    authorize!(
        ctx,
        Action::ApplicantSubmit,
        Resource::Applicant {
            id: "batch".to_owned(),
            organiser: organiser.clone(),
        }
    );
    let batch = ctx.prepared.take().ok_or_else(|| {
        ServiceError::BadCommand("applicant.submit: the rows were not prepared".into())
    })?;
    debug_assert_eq!(batch.rows.len(), c.applicants.len());
    let organiser_id: AgencyId = organiser.parse()?;
    let key = ctx.inner.ref_key;
    let snapshot = batch
        .snapshot
        .as_deref()
        .map(SnapshotHash::parse_hex)
        .transpose()?;

    // Refused rows, duplicates within the batch, and the lookups.
    let mut refused: Vec<RowIssue> = Vec::new();
    let mut warnings: Vec<RowIssue> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut ready = Vec::new();
    // The digests worked out before the transaction, when for this
    // organiser (the account's agency could have changed meanwhile).
    let keys = crate::applicants::DigestKeys {
        organiser: organiser.clone(),
        reference: key,
        subject: ctx.inner.subject_key,
    };
    let same_organiser = batch.organiser.as_deref() == Some(organiser.as_str());
    for row in batch.rows {
        match row {
            Prepared::Refused(issues) => refused.extend(issues),
            Prepared::Ready {
                line,
                facts,
                warnings: w,
                hits,
                digests,
            } => {
                let digests = match digests {
                    Some(d) if same_organiser => d,
                    _ => RowDigests::of(&facts, &keys)?,
                };
                let digest = digests.reference.clone();
                if let Some(first) = seen.get(&digest) {
                    refused.push(RowIssue {
                        line,
                        field: "reference".into(),
                        reason: format!("the same reference as line {first} of this batch"),
                    });
                    continue;
                }
                seen.insert(digest, line);
                warnings.extend(w);
                ready.push((line, digests, facts, hits));
            }
        }
    }
    let digests: Vec<String> = ready.iter().map(|r| r.1.reference.clone()).collect();
    let conn = ctx.tx.conn().await?;
    let known = store::applicants::find_refs(conn, &organiser, &digests).await?;
    let known_ids: Vec<String> = known.values().map(|r| r.id.clone()).collect();
    let existing = store::applicants::get_records(conn, APPLICANT, &known_ids).await?;

    let (mut created, mut updated, mut unchanged) = (0u64, 0u64, 0u64);
    // New rows (applicants seen for the first time, cases) are inserted;
    // the rows of applicants sent again replace theirs.
    let (mut records, mut changed_records): (Vec<Record>, Vec<Record>) = Default::default();
    let (mut refs, mut changed_refs): (Vec<RefRow>, Vec<RefRow>) = Default::default();
    let mut queue: Vec<QueueRow> = Vec::new();
    let mut screened: Vec<String> = Vec::new();
    // Whom the batch's screening concerned, for the consultation log.
    let mut subjects: std::collections::BTreeSet<String> = Default::default();
    let key = &ctx.inner.subject_key.clone();
    for (line, digests, facts, hits) in ready {
        let RowDigests {
            reference: digest,
            content,
            subjects: row_subjects,
        } = digests;
        let previous = known.get(&digest);
        if let Some(prev) = previous
            && prev.content == content
        {
            unchanged += 1;
            continue;
        }
        // The screening: clear, or a hit that opens a case (on a new
        // applicant, or one that had none).
        let prior: Option<(Applicant, &Record)> = match previous {
            Some(p) => {
                let record = existing.get(&p.id).ok_or_else(|| ServiceError::Corrupt {
                    kind: APPLICANT,
                    id: p.id.clone(),
                    reason: "a reference names a missing applicant".into(),
                })?;
                let doc = record.doc.as_deref().ok_or_else(|| ServiceError::Corrupt {
                    kind: APPLICANT,
                    id: p.id.clone(),
                    reason: "purged".into(),
                })?;
                let applicant = serde_json::from_str(doc).map_err(|e| ServiceError::Corrupt {
                    kind: APPLICANT,
                    id: p.id.clone(),
                    reason: e.to_string(),
                })?;
                Some((applicant, record))
            }
            None => None,
        };
        let id: ApplicantId = match &prior {
            Some((a, _)) => a.id().clone(),
            None => new_id("app")?,
        };
        let had_case = prior
            .as_ref()
            .is_some_and(|(a, _)| matches!(a.screening(), ScreeningStatus::Hit { .. }));
        let screening = match (&hits, snapshot) {
            (Some(hits), Some(snapshot)) => {
                screened.push(id.to_string());
                subjects.insert(consultations::subject_key(key, 'r', id.as_str()));
                subjects.extend(row_subjects);
                if hits.is_empty() || had_case {
                    ScreeningStatus::Clear { snapshot }
                } else {
                    let case_id = new_id("case")?;
                    let (priority, due_at) = crate::applicants::priority(&facts, hits, ctx.now);
                    let summary: Vec<String> = hits.iter().map(Hit::summary_line).collect();
                    let case = VettingCase::open_triaged(
                        case_id.clone(),
                        Subject::Applicant(id.clone()),
                        snapshot,
                        LongText::parse("summary", &summary.join("\n"))?,
                        Triage {
                            organiser: organiser_id.clone(),
                            priority,
                            due_at,
                            category: facts.category,
                            venue: facts.venues.first().cloned(),
                            candidates: candidates(hits)?,
                            accredited_since: None,
                        },
                        ctx.now,
                    );
                    records.push(ctx.stage(&case, None, None)?);
                    queue.extend(queue_row(&case));
                    ScreeningStatus::Hit { case: case_id }
                }
            }
            _ => ScreeningStatus::NotScreened,
        };
        let applicant = match &prior {
            Some((a, _)) => match a.resubmit((*facts).clone(), screening, ctx.now)? {
                Some(next) => next,
                None => {
                    unchanged += 1;
                    continue;
                }
            },
            None => Applicant::submit(id.clone(), organiser_id.clone(), *facts, screening, ctx.now),
        };
        let record = ctx.stage(&applicant, Some(organiser.clone()), prior.map(|p| p.1))?;
        if previous.is_some() {
            changed_records.push(record);
        } else {
            records.push(record);
        }
        // The item's payload: the line and the facts' digest (the facts
        // themselves are personal data, committed to by the row).
        ctx.record_item(
            Action::ApplicantSubmit,
            APPLICANT,
            id.as_str(),
            format!("line {line}\0{content}").as_bytes(),
        )?;
        let row = RefRow {
            organiser: organiser.clone(),
            ref_digest: digest,
            id: id.to_string(),
            content,
        };
        if previous.is_some() {
            updated += 1;
            changed_refs.push(row);
        } else {
            created += 1;
            refs.push(row);
        }
    }
    let conn = ctx.tx.conn().await?;
    store::applicants::insert_records(conn, &records).await?;
    store::applicants::put_records(conn, &changed_records).await?;
    store::applicants::insert_refs(conn, &refs).await?;
    store::applicants::put_refs(conn, &changed_refs).await?;
    store::applicants::put_queue(conn, &queue).await?;
    // The batch's screening: one consultation naming its snapshot and
    // committing to the applicants screened.
    if let (Some(snapshot), false) = (&batch.snapshot, screened.is_empty()) {
        let payload = screened.join("\n").into_bytes();
        let seq = ctx.record_item(Action::ApplicantSubmit, "lists", snapshot, &payload)?;
        // An intake screening is a consultation like any other.
        ctx.log_consultation(
            seq,
            (Action::ApplicantSubmit, "lists", snapshot),
            true,
            payload,
            subjects,
            Some(screened.len() as i64),
        );
    }
    // What the organiser is told: counts and the rows' problems — nothing
    // about screening (no hits, no cases).
    let data = serde_json::json!({
        "received": c.applicants.len(),
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "refused": issues_json(&refused),
        "warnings": issues_json(&warnings),
    });
    ctx.done(
        Action::ApplicantSubmit,
        "applicant",
        "batch",
        None,
        Some(data),
    )
    .await
}
