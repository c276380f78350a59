//! Personnel declarations: a delegation declares, the system screens, the
//! host reviews (accredit, refuse, ask), arms permits.

use authority::Resource;
use domain::Action;
use domain::codes::SnapshotHash;
use domain::declaration::{
    Accreditation, DeclarationLine, Prerequisites, ScreeningStatus, ZoneAccess, check_duplicate,
    find_duplicate,
};
use domain::movement::Protectee;
use domain::registry::{Delegation, Zone};
use domain::side::Side;
use domain::storage::Aggregate;
use domain::text::LongText;
use domain::time::Window;
use domain::vetting::{Subject, VettingCase};
use store::records::{self, Record};

use super::registry::load_event;
use super::vetting::save_case;
use super::{authorize, check_own_id, new_id};
use crate::ServiceError;
use crate::command::{
    ArmsPermitGrant, Consult, DeclarationAccredit, DeclarationAnswer, DeclarationRequestInfo,
    DeclarationSubmit, Target, WithReason,
};
use crate::consultations;
use crate::context::{Ctx, Outcome};
use crate::opaque;

/// The record kind of declaration lines.
pub(crate) const DECLARATION: &str = <DeclarationLine as Aggregate>::KIND;

/// Stores a line (personal data: salted, committed in the entry).
pub(crate) async fn save_line(
    ctx: &mut Ctx<'_>,
    line: &DeclarationLine,
    previous: Option<&Record>,
) -> Result<(), ServiceError> {
    ctx.save(line, true, previous).await
}

/// Checks a new line against every line on record. A duplicate of a line
/// of the same delegation is refused (the delegation knows its own lines);
/// a duplicate of another delegation's line is only flagged for the host
/// ([`DeclarationLine::possible_duplicate`]) — telling the declaring
/// delegation would reveal what another one declared. Returns the line,
/// flagged or not.
pub(crate) async fn check_not_duplicate(
    ctx: &mut Ctx<'_>,
    line: DeclarationLine,
) -> Result<DeclarationLine, ServiceError> {
    let stored = records::list(
        ctx.tx.conn().await?,
        DECLARATION,
        &records::Filter {
            limit: Some(i64::MAX),
            ..Default::default()
        },
    )
    .await?;
    let mut existing = Vec::with_capacity(stored.len());
    for r in stored {
        if let Some(doc) = r.doc {
            let l: DeclarationLine =
                serde_json::from_str(&doc).map_err(|e| ServiceError::Corrupt {
                    kind: DECLARATION,
                    id: r.id.clone(),
                    reason: e.to_string(),
                })?;
            existing.push(l);
        }
    }
    if existing.iter().any(|l| l.id() == line.id()) {
        // Ids a delegation chooses start with its own id (`check_own_id`),
        // so this is one of its own lines.
        return Err(ServiceError::Conflict(format!(
            "declaration {} exists",
            line.id()
        )));
    }
    let (own, others): (Vec<&DeclarationLine>, Vec<&DeclarationLine>) = existing
        .iter()
        .partition(|l| l.delegation() == line.delegation());
    check_duplicate(&line, own)?;
    Ok(match find_duplicate(&line, others) {
        Some(flag) => line.flag_possible_duplicate(flag),
        None => line,
    })
}

/// Screens the line's person against the loaded lists (the host's system
/// acts, so on the host's side): a hit opens a vetting case. The screening
/// is a consultation like any other: an entry of its own on
/// `lists/<snapshot>` under the command's `action` (before the command's
/// entry), with its row in the consultation log naming the line, the
/// person's name and document as keyed digests, and how many entries hit.
pub(crate) async fn screen(
    ctx: &mut Ctx<'_>,
    action: Action,
    line: DeclarationLine,
) -> Result<DeclarationLine, ServiceError> {
    let lists = ctx
        .inner
        .lists
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let Some(lists) = lists else {
        return Ok(line);
    };
    let person = line.person();
    let hits = lists.screen_declared(person);
    let snapshot = SnapshotHash::parse_hex(lists.snapshot())?;
    let key = ctx.inner.subject_key;
    let mut subjects = std::collections::BTreeSet::new();
    subjects.insert(consultations::subject_key(&key, 'r', line.id().as_str()));
    subjects.extend(consultations::person_subjects(
        &key,
        person.name().as_str(),
        Some(person.document().as_str()),
    ));
    // What was screened: the line (its facts are in its salted document).
    let payload = format!("declaration {}", line.id()).into_bytes();
    let seq = ctx.record_aside(action, "lists", lists.snapshot(), &payload)?;
    ctx.log_consultation(
        seq,
        (action, "lists", lists.snapshot()),
        true,
        payload,
        subjects,
        Some(hits.len() as i64),
    );
    if hits.is_empty() {
        return Ok(line.record_screening(
            Side::Host,
            ScreeningStatus::Clear { snapshot },
            ctx.now,
        )?);
    }
    let case_id = new_id("case")?;
    let summary: Vec<String> = hits
        .iter()
        .map(|h| {
            format!(
                "{} ({}): score {:.2}; {}",
                h.caption, h.entity_id, h.score, h.why
            )
        })
        .collect();
    let case = VettingCase::open(
        case_id.clone(),
        Subject::Declaration(line.id().clone()),
        snapshot,
        LongText::parse("summary", &summary.join("\n"))?,
        ctx.now,
    );
    save_case(ctx, &case, Some(line.delegation().to_string()), None).await?;
    Ok(line.record_screening(Side::Host, ScreeningStatus::Hit { case: case_id }, ctx.now)?)
}

pub(crate) async fn submit(
    ctx: &mut Ctx<'_>,
    c: DeclarationSubmit,
) -> Result<Outcome, ServiceError> {
    let delegation_id = ctx.own_delegation()?.to_owned();
    // The caller's label for the line (`us-agent-1`) names it from now on,
    // but the line's id — in the ledger for ever — is opaque
    // (`crate::opaque`); the label is kept in the salted document.
    let reference = c.id.map(|id| check_own_id(ctx, id)).transpose()?;
    let id = match &reference {
        Some(label) => {
            opaque::new_labelled(&ctx.inner.opaque_key, opaque::prefix::DECLARATION, label)?
        }
        None => new_id(opaque::prefix::DECLARATION)?,
    };
    authorize!(
        ctx,
        Action::DeclarationSubmit,
        Resource::Declaration {
            id: id.to_string(),
            delegation: delegation_id.clone()
        }
    );
    opaque::check_label_free::<DeclarationLine, _>(ctx, &id, reference.as_ref()).await?;
    let (delegation, _): (Delegation, _) = ctx.load(&delegation_id).await?;
    let mut person = c.person;
    if let Some(p) = person.protectee.take() {
        person.protectee =
            Some(opaque::resolve_stored::<Protectee, _>(ctx, opaque::prefix::PROTECTEE, &p).await?);
    }
    let line = DeclarationLine::declare(id, &delegation, person.try_into()?, ctx.now)?
        .with_reference(reference);
    let line = check_not_duplicate(ctx, line).await?;
    // The screening's result is the host's alone: it goes into the line's
    // host-only fields (and a hit into a vetting case), never into what the
    // delegation is answered or shown (`crate::views`).
    let line = screen(ctx, Action::DeclarationSubmit, line).await?;
    save_line(ctx, &line, None).await?;
    ctx.done(
        Action::DeclarationSubmit,
        DECLARATION,
        line.id().as_str(),
        Some(crate::views::declaration_state(&line, false)),
        None,
    )
    .await
}

/// Loads the line an id given in a command names: its opaque id, or the
/// caller's label for it (`crate::opaque`).
pub(crate) async fn load_line(
    ctx: &mut Ctx<'_>,
    given: &str,
) -> Result<(DeclarationLine, Record), ServiceError> {
    let given: domain::ids::DeclarationId = given.parse()?;
    opaque::load(ctx, opaque::prefix::DECLARATION, &given).await
}

pub(crate) async fn answer(
    ctx: &mut Ctx<'_>,
    c: DeclarationAnswer,
) -> Result<Outcome, ServiceError> {
    let (line, rec) = load_line(ctx, c.id.as_str()).await?;
    authorize!(
        ctx,
        Action::DeclarationSubmit,
        crate::facts::declaration(&line)
    );
    let next = line.answer_information(ctx.side(), c.answer, ctx.now)?;
    finish(ctx, Action::DeclarationSubmit, &next, &rec, None).await
}

pub(crate) async fn withdraw(
    ctx: &mut Ctx<'_>,
    c: Target<domain::ids::DeclarationId>,
) -> Result<Outcome, ServiceError> {
    let (line, rec) = load_line(ctx, c.id.as_str()).await?;
    authorize!(
        ctx,
        Action::DeclarationWithdraw,
        crate::facts::declaration(&line)
    );
    let next = line.withdraw(ctx.side(), ctx.now)?;
    finish(ctx, Action::DeclarationWithdraw, &next, &rec, None).await
}

pub(crate) async fn request_info(
    ctx: &mut Ctx<'_>,
    c: DeclarationRequestInfo,
) -> Result<Outcome, ServiceError> {
    let (line, rec) = load_line(ctx, c.id.as_str()).await?;
    authorize!(
        ctx,
        Action::DeclarationRequestInfo,
        crate::facts::declaration(&line)
    );
    let next = line.request_information(ctx.side(), c.question, ctx.now)?;
    finish(ctx, Action::DeclarationRequestInfo, &next, &rec, None).await
}

pub(crate) async fn refuse(
    ctx: &mut Ctx<'_>,
    c: WithReason<domain::ids::DeclarationId>,
) -> Result<Outcome, ServiceError> {
    let (line, rec) = load_line(ctx, c.id.as_str()).await?;
    authorize!(
        ctx,
        Action::DeclarationRefuse,
        crate::facts::declaration(&line)
    );
    let next = line.refuse(ctx.side(), c.reason, ctx.now)?;
    finish(ctx, Action::DeclarationRefuse, &next, &rec, None).await
}

pub(crate) async fn accredit(
    ctx: &mut Ctx<'_>,
    c: DeclarationAccredit,
) -> Result<Outcome, ServiceError> {
    let (line, rec) = load_line(ctx, c.id.as_str()).await?;
    authorize!(
        ctx,
        Action::DeclarationAccredit,
        crate::facts::declaration(&line)
    );
    let event = load_event(ctx).await?;
    let mut zones = Vec::with_capacity(c.zones.len());
    for z in &c.zones {
        zones.push(ZoneAccess::new(
            &event,
            &z.venue,
            Zone::from_number(z.zone)?,
        )?);
    }
    let accreditation =
        Accreditation::new(Window::new(c.window.from, c.window.until)?, c.rooms, zones);
    let vetting: Option<VettingCase> = match line.screening() {
        ScreeningStatus::Hit { case } => Some(ctx.load::<VettingCase>(case.as_str()).await?.0),
        _ => None,
    };
    let head: Option<DeclarationLine> = if line.is_head() {
        None
    } else {
        let (delegation, _): (Delegation, _) = ctx.load(line.delegation().as_str()).await?;
        Some(load_line(ctx, delegation.head().as_str()).await?.0)
    };
    let next = line.accredit(
        ctx.side(),
        accreditation,
        Prerequisites {
            vetting: vetting.as_ref(),
            head: head.as_ref(),
        },
        ctx.now,
    )?;
    finish(ctx, Action::DeclarationAccredit, &next, &rec, None).await
}

pub(crate) async fn arms_permit(
    ctx: &mut Ctx<'_>,
    c: ArmsPermitGrant,
) -> Result<Outcome, ServiceError> {
    let (line, rec) = load_line(ctx, c.id.as_str()).await?;
    authorize!(
        ctx,
        Action::ArmsPermitGrant,
        crate::facts::declaration(&line)
    );
    let next = line.grant_arms_permit(
        ctx.side(),
        &c.serial,
        Window::new(c.window.from, c.window.until)?,
        ctx.now,
    )?;
    finish(ctx, Action::ArmsPermitGrant, &next, &rec, None).await
}

pub(crate) async fn read(
    ctx: &mut Ctx<'_>,
    c: Consult<domain::ids::DeclarationId>,
) -> Result<Outcome, ServiceError> {
    let (line, _) = load_line(ctx, c.id.as_str()).await?;
    authorize!(
        ctx,
        Action::DeclarationRead,
        crate::facts::declaration(&line)
    );
    // The host reads the whole line; the declaring delegation its view of
    // it, without screening, vetting or the host's reasons.
    let host = ctx.principal.is_host();
    let mut data = if host {
        serde_json::to_value(&line).map_err(|e| ServiceError::BadCommand(e.to_string()))?
    } else {
        crate::views::declaration_for_delegation(&line)
    };
    // A suspended or revoked accreditation: the state says so, for the
    // host and the delegation alike (no reason).
    let revocation =
        store::passes::of_subject(ctx.tx.conn().await?, DECLARATION, line.id().as_str())
            .await?
            .map(|r| r.state);
    let state = crate::views::accreditation_state(
        crate::views::declaration_state(&line, host),
        revocation.as_deref(),
    );
    if revocation.is_some() {
        data["state"] = serde_json::json!(state);
    }
    // A consultation: the entry records who read which line and (in the
    // payload digest) why; nothing changes.
    ctx.done(
        Action::DeclarationRead,
        DECLARATION,
        line.id().as_str(),
        Some(state),
        Some(data),
    )
    .await
}

async fn finish(
    ctx: &mut Ctx<'_>,
    action: Action,
    next: &DeclarationLine,
    previous: &Record,
    data: Option<serde_json::Value>,
) -> Result<Outcome, ServiceError> {
    save_line(ctx, next, Some(previous)).await?;
    let state = crate::views::declaration_state(next, ctx.principal.is_host());
    ctx.done(action, DECLARATION, next.id().as_str(), Some(state), data)
        .await
}
