//! The write half of a re-screen after a list change (see `crate::rescreen`
//! for the search half): one transaction per chunk of subjects, under the
//! policy's `lists.update`.
//!
//! For each applicant a changed list entry hit: if the applicant holds "no
//! objection", a vetting case opens in the analysts' queue (its summary
//! names the list change) and the organiser's opinion turns to pending; the
//! accreditation that opinion gave stays in force meanwhile, and the case
//! proposes its suspension to a commander (`accreditation.suspend`
//! confirms). An applicant whose case is still open, or who has an
//! objection, is left as is: an analyst is already on it, or nothing is in
//! force. Each applicant changed and each case opened or flagged is its own
//! ledger entry; the chunk's screening is one recorded consultation.
//!
//! For each open case whose candidates name a list entry that the change
//! removed: a host note on the case asks for a review.

use authority::Resource;
use domain::Action;
use domain::applicant::Applicant;
use domain::codes::SnapshotHash;
use domain::declaration::{DeclarationLine, ScreeningStatus};
use domain::ids::{AgencyId, VettingCaseId};
use domain::side::Side;
use domain::text::LongText;
use domain::vetting::Opinion;
use domain::vetting::{AuthorSide, RiskNote, Subject, Triage, VettingCase};
use store::applicants::QueueRow;
use store::records::Record;

use super::applicants::{APPLICANT, candidates, queue_row};
use super::new_id;
use super::vetting::VETTING;
use crate::ServiceError;
use crate::consultations;
use crate::context::Ctx;
use crate::screening_lists::Hit;

/// An applicant the re-screen found, with its hits (best first).
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) id: String,
    pub(crate) hits: Vec<Hit>,
}

/// What one chunk did.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) cases_opened: u64,
    pub(crate) under_review: u64,
    pub(crate) suspensions_proposed: u64,
    pub(crate) cases_flagged: u64,
    pub(crate) last_seq: u64,
}

/// One chunk, inside its transaction. The outer error rolls the chunk
/// back; the inner one is the answer (a denial, already recorded).
pub(crate) async fn chunk(
    ctx: &mut Ctx<'_>,
    snapshot: &str,
    found: Vec<Found>,
    lines: Vec<Found>,
    flag: Vec<(String, Vec<String>)>,
) -> Result<Result<Tally, ServiceError>, ServiceError> {
    if let Some(denied) = ctx.authorize(Action::ListsUpdate, &Resource::Lists).await? {
        return Ok(Err(denied.into_result().err().unwrap_or_else(|| {
            ServiceError::BadCommand("a denial was not refused".into())
        })));
    }
    let snapshot_hash = SnapshotHash::parse_hex(snapshot)?;
    let short = &snapshot[..snapshot.len().min(16)];
    let mut tally = Tally::default();
    let mut records: Vec<Record> = Vec::new();
    let mut queue: Vec<QueueRow> = Vec::new();
    let mut screened: Vec<String> = Vec::new();
    let mut subjects: std::collections::BTreeSet<String> = Default::default();
    let key = ctx.inner.subject_key;
    for f in found {
        let (applicant, record) = ctx.load::<Applicant>(&f.id).await?;
        let id = applicant.id().clone();
        screened.push(id.to_string());
        subjects.insert(consultations::subject_key(&key, 'r', id.as_str()));
        let facts = applicant.facts();
        subjects.extend(consultations::person_subjects(
            &key,
            facts.name.as_str(),
            facts.document_number.as_ref().map(|d| d.as_str()),
        ));
        if applicant.opinion() != Opinion::NoObjection {
            tally.under_review += 1;
            continue;
        }
        let case_id: VettingCaseId = new_id("case")?;
        let (priority, due_at) = crate::applicants::priority(facts, &f.hits, ctx.now);
        let accredited = applicant.decided_at().unwrap_or(ctx.now);
        let mut summary = vec![format!(
            "A list change (snapshot {short}) hit this applicant, who had no objection since {} (ms): \
             the accreditation stays in force while this case is open; its suspension is proposed \
             to a commander (accreditation.suspend).",
            accredited.as_millis()
        )];
        summary.extend(f.hits.iter().map(Hit::summary_line));
        let organiser: AgencyId = applicant.organiser().clone();
        let case = VettingCase::open_triaged(
            case_id.clone(),
            Subject::Applicant(id.clone()),
            snapshot_hash,
            LongText::parse("summary", &summary.join("\n"))?,
            Triage {
                organiser: organiser.clone(),
                priority,
                due_at,
                category: facts.category,
                venue: facts.venues.first().cloned(),
                candidates: candidates(&f.hits)?,
                accredited_since: Some(accredited),
            },
            ctx.now,
        );
        let next = applicant.rescreen_hit(case_id, ctx.now)?;
        records.push(ctx.stage(&case, None, None)?);
        queue.extend(queue_row(&case));
        records.push(ctx.stage(&next, Some(organiser.to_string()), Some(&record))?);
        ctx.record_item(
            Action::ListsUpdate,
            APPLICANT,
            id.as_str(),
            format!("rescreen\0{snapshot}").as_bytes(),
        )?;
        tally.cases_opened += 1;
        tally.suspensions_proposed += 1;
    }
    // Declared personnel: a hit after a clear screening opens a case; on an
    // accredited line the accreditation stays in force for a commander to
    // suspend. The delegation sees its line as before.
    for f in lines {
        let (line, record) = ctx.load::<DeclarationLine>(&f.id).await?;
        let id = line.id().clone();
        screened.push(id.to_string());
        subjects.insert(consultations::subject_key(&key, 'r', id.as_str()));
        let person = line.person();
        subjects.extend(consultations::person_subjects(
            &key,
            person.name().as_str(),
            Some(person.document().as_str()),
        ));
        if !matches!(line.screening(), ScreeningStatus::Clear { .. }) {
            tally.under_review += 1;
            continue;
        }
        let accredited = line.accreditation().is_some();
        let case_id: VettingCaseId = new_id("case")?;
        let mut summary = vec![format!(
            "A list change (snapshot {short}) hit this declared person{}",
            if accredited {
                ", who is accredited: the accreditation stays in force while this case is open; \
                 its suspension is proposed to a commander (accreditation.suspend)."
            } else {
                ", whose line awaits the host's decision."
            }
        )];
        summary.extend(f.hits.iter().map(Hit::summary_line));
        let case = VettingCase::open(
            case_id.clone(),
            Subject::Declaration(id.clone()),
            snapshot_hash,
            LongText::parse("summary", &summary.join("\n"))?,
            ctx.now,
        );
        let next = line.rescreen_hit(Side::Host, case_id, ctx.now)?;
        let owner = Some(line.delegation().to_string());
        records.push(ctx.stage(&case, owner.clone(), None)?);
        records.push(ctx.stage(&next, owner, Some(&record))?);
        ctx.record_item(
            Action::ListsUpdate,
            super::DECLARATION_KIND,
            id.as_str(),
            format!("rescreen\0{snapshot}").as_bytes(),
        )?;
        tally.cases_opened += 1;
        if accredited {
            tally.suspensions_proposed += 1;
        }
    }
    let author = ctx.account_id()?;
    for (case_id, removed) in flag {
        let (case, record) = ctx.load::<VettingCase>(&case_id).await?;
        let text = format!(
            "List change (snapshot {short}): {} no longer on the lists; review whether this case \
             still stands.",
            removed.join(", ")
        );
        // Decided since it was listed as open: nothing left to review.
        if case.state().is_final() {
            continue;
        }
        let next = case.add_note(RiskNote::new(
            author.clone(),
            AuthorSide::Host,
            LongText::parse("note", &text)?,
            ctx.now,
        ))?;
        records.push(ctx.stage(&next, None, Some(&record))?);
        ctx.record_item(
            Action::ListsUpdate,
            VETTING,
            &case_id,
            format!("rescreen-removed\0{snapshot}").as_bytes(),
        )?;
        tally.cases_flagged += 1;
    }
    let conn = ctx.tx.conn().await?;
    store::applicants::put_records(conn, &records).await?;
    store::applicants::put_queue(conn, &queue).await?;
    let payload = screened.join("\n").into_bytes();
    let seq = ctx.record_item(Action::ListsUpdate, "lists", snapshot, &payload)?;
    ctx.log_consultation(
        seq,
        (Action::ListsUpdate, "lists", snapshot),
        true,
        payload,
        subjects,
        Some(screened.len() as i64),
    );
    tally.last_seq = seq;
    Ok(Ok(tally))
}
