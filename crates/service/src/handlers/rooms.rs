//! Operations rooms, their event log, liaison reports and situation reports.
//!
//! The host creates rooms and keeps their logs; a foreign delegation sees
//! its own liaison room and that room's log, and sends liaison reports that
//! the host triages into a host room's log or dismisses. Situation reports
//! are numbered per room and built by the domain from the room's log.
//!
//! The policy's facts: a room and each entry of its log belong to the
//! delegation whose liaison room it is (to nobody for a host room), and the
//! room's situation reports are shared with that delegation (the policy
//! gives a report no owner). The host has no way to share a room or a
//! report yet, so nothing else is shared with anyone.

use authority::Resource;
use domain::Action;
use domain::ids::{ClusterId, DelegationId, LiaisonReportId, LogEntryId, RoomId, VenueId};
use domain::registry::{Delegation, Venue};
use domain::room::{LiaisonReport, LogEntry, Room};
use domain::sitrep::{Sitrep, build_sitrep};
use domain::storage::Aggregate;
use domain::time::Timestamp;
use store::records::{Filter, Record};

use super::registry::load_event;
use super::{authorize, check_own_id, new_id, to_data};
use crate::ServiceError;
use crate::command::{
    LiaisonReportSubmit, LiaisonReportTriage, LogRead, LogRecord, LogUpdate, RoomCreate,
    RoomKindInput, SitrepIssue, SitrepRead, Target, WithReason,
};
use crate::context::{Ctx, Outcome};

/// The record kind of rooms.
pub(crate) const ROOM: &str = <Room as Aggregate>::KIND;
/// The record kind of log entries.
pub(crate) const LOG_ENTRY: &str = <LogEntry as Aggregate>::KIND;
/// The record kind of liaison reports.
pub(crate) const LIAISON_REPORT: &str = <LiaisonReport as Aggregate>::KIND;
/// The record kind of situation reports.
pub(crate) const SITREP: &str = <Sitrep as Aggregate>::KIND;

fn room_resource(room: &Room) -> Resource {
    crate::facts::room(room)
}

/// The facts of the log entry `id` of `room` ([`crate::facts::log_entry`]).
fn entry_resource(id: &str, room: &Room) -> Resource {
    crate::facts::log_entry(id, room)
}

/// The facts of the situation report `key` of `room` ([`crate::facts::sitrep`]).
fn sitrep_resource(key: String, room: &Room) -> Resource {
    crate::facts::sitrep(key, room)
}

fn report_resource(report: &LiaisonReport) -> Resource {
    crate::facts::liaison_report(report)
}

async fn load_room(ctx: &mut Ctx<'_>, id: &RoomId) -> Result<Room, ServiceError> {
    Ok(ctx.load::<Room>(id.as_str()).await?.0)
}

/// Saves a log entry. Entries are not personal data: the event log is the
/// operational record the host keeps and oversight audits for as long as the
/// ledger, so it is not purged with personal data; people are identified in
/// declarations, vetting cases and requests, which are. The command's text
/// still reaches the ledger only through the salted payload digest.
async fn save_entry(
    ctx: &mut Ctx<'_>,
    entry: &LogEntry,
    previous: Option<&Record>,
) -> Result<(), ServiceError> {
    ctx.save(entry, false, previous).await
}

/// Saves a liaison report, for the reason given at [`save_entry`]: its text
/// becomes a log entry's text when triaged.
async fn save_report(
    ctx: &mut Ctx<'_>,
    report: &LiaisonReport,
    previous: Option<&Record>,
) -> Result<(), ServiceError> {
    // A report about a named person is personal data: salted, committed.
    ctx.save(report, report.subject().is_some(), previous).await
}

/// Refuses an id that is already taken by an aggregate of type `A`.
async fn require_new<A: Aggregate>(ctx: &mut Ctx<'_>, id: &str) -> Result<(), ServiceError> {
    if ctx.exists::<A>(id).await? {
        return Err(ServiceError::Conflict(format!("{} {id} exists", A::KIND)));
    }
    Ok(())
}

/// The event's venue `id`, when one is named; refused if the event has none
/// of that id.
async fn venue(ctx: &mut Ctx<'_>, id: Option<&VenueId>) -> Result<Option<Venue>, ServiceError> {
    let Some(id) = id else { return Ok(None) };
    let event = load_event(ctx).await?;
    Ok(Some(event.require_venue("venue", id)?.clone()))
}

/// The log of `room`, oldest entry first; only the entries in `state`
/// (`open`, `closed`) when one is given.
async fn log_of(
    ctx: &mut Ctx<'_>,
    room: &RoomId,
    state: Option<&str>,
    limit: Option<u32>,
) -> Result<Vec<LogEntry>, ServiceError> {
    let mut entries: Vec<LogEntry> = ctx
        .list(Filter {
            room: Some(room.to_string()),
            state: state.map(str::to_owned),
            limit: limit.map(i64::from),
            ..Filter::default()
        })
        .await?;
    entries.sort_by(|a, b| (a.recorded_at(), a.id()).cmp(&(b.recorded_at(), b.id())));
    Ok(entries)
}

/// Whose room `room.create` makes, once the kind and its data agree.
enum NewRoom {
    /// The host's national room.
    National,
    /// The host's room for a cluster.
    Cluster(ClusterId),
    /// A delegation's liaison room.
    Liaison(DelegationId),
}

pub(crate) async fn create(ctx: &mut Ctx<'_>, c: RoomCreate) -> Result<Outcome, ServiceError> {
    // The kind and its data must agree before anything else happens.
    let owner = match (c.kind, c.cluster, c.delegation) {
        (RoomKindInput::HostNational, None, None) => NewRoom::National,
        (RoomKindInput::HostCluster, Some(cluster), None) => NewRoom::Cluster(cluster),
        (RoomKindInput::DelegationLiaison, None, Some(delegation)) => NewRoom::Liaison(delegation),
        _ => {
            return Err(ServiceError::BadCommand(
                "a host_national room takes no cluster and no delegation, a host_cluster room \
                 takes a cluster only, a delegation_liaison room a delegation only"
                    .into(),
            ));
        }
    };
    let id = match c.id {
        Some(id) => id,
        None => new_id("room")?,
    };
    let delegation = match &owner {
        NewRoom::Liaison(delegation) => Some(delegation.to_string()),
        NewRoom::National | NewRoom::Cluster(_) => None,
    };
    authorize!(
        ctx,
        Action::RoomCreate,
        Resource::Room {
            id: id.to_string(),
            delegation,
            shared_with: Vec::new(),
        }
    );
    require_new::<Room>(ctx, id.as_str()).await?;
    let room = match owner {
        NewRoom::National => Room::host_national(id, c.name),
        NewRoom::Cluster(cluster) => {
            let event = load_event(ctx).await?;
            let cluster = event
                .cluster(&cluster)
                .ok_or_else(|| ServiceError::NotFound {
                    kind: "cluster",
                    id: cluster.to_string(),
                })?;
            Room::host_cluster(id, c.name, cluster)
        }
        NewRoom::Liaison(delegation) => {
            let (delegation, _): (Delegation, _) = ctx.load(delegation.as_str()).await?;
            Room::delegation_liaison(id, c.name, &delegation)
        }
    };
    ctx.save(&room, false, None).await?;
    ctx.done(
        Action::RoomCreate,
        ROOM,
        room.id().as_str(),
        Some(room.state_name()),
        None,
    )
    .await
}

/// The room and its board: the entries of its log still open.
pub(crate) async fn read(ctx: &mut Ctx<'_>, c: Target<RoomId>) -> Result<Outcome, ServiceError> {
    let room = load_room(ctx, &c.id).await?;
    // The board's entries have the room's facts (see `entry_resource`), so
    // whoever may read the room may read them.
    authorize!(ctx, Action::RoomRead, room_resource(&room));
    let board = log_of(ctx, room.id(), Some("open"), None).await?;
    let data = serde_json::json!({ "room": to_data(&room)?, "board": to_data(&board)? });
    ctx.done(
        Action::RoomRead,
        ROOM,
        room.id().as_str(),
        Some(room.state_name()),
        Some(data),
    )
    .await
}

pub(crate) async fn record(ctx: &mut Ctx<'_>, c: LogRecord) -> Result<Outcome, ServiceError> {
    let room = load_room(ctx, &c.room).await?;
    let id = match c.id {
        Some(id) => id,
        None => new_id("log")?,
    };
    authorize!(ctx, Action::LogRecord, entry_resource(id.as_str(), &room));
    require_new::<LogEntry>(ctx, id.as_str()).await?;
    let venue = venue(ctx, c.venue.as_ref()).await?;
    let entry = LogEntry::record(
        id,
        &room,
        venue.as_ref(),
        c.category,
        c.severity,
        c.text,
        ctx.now,
    );
    save_entry(ctx, &entry, None).await?;
    ctx.done(
        Action::LogRecord,
        LOG_ENTRY,
        entry.id().as_str(),
        Some(entry.state_name()),
        None,
    )
    .await
}

/// Loads the entry `id` with its room, and asks the policy about `action`.
async fn load_entry(
    ctx: &mut Ctx<'_>,
    id: &LogEntryId,
    action: Action,
) -> Result<Result<(LogEntry, Record), Outcome>, ServiceError> {
    let (entry, record): (LogEntry, Record) = ctx.load(id.as_str()).await?;
    let room = load_room(ctx, entry.room()).await?;
    if let Some(denied) = ctx
        .authorize(action, &entry_resource(id.as_str(), &room))
        .await?
    {
        return Ok(Err(denied));
    }
    Ok(Ok((entry, record)))
}

async fn finish_entry(
    ctx: &mut Ctx<'_>,
    action: Action,
    next: &LogEntry,
    previous: &Record,
) -> Result<Outcome, ServiceError> {
    save_entry(ctx, next, Some(previous)).await?;
    ctx.done(
        action,
        LOG_ENTRY,
        next.id().as_str(),
        Some(next.state_name()),
        None,
    )
    .await
}

pub(crate) async fn update(ctx: &mut Ctx<'_>, c: LogUpdate) -> Result<Outcome, ServiceError> {
    if c.severity.is_none() && c.text.is_none() {
        return Err(ServiceError::BadCommand(
            "log.update needs a severity, a text, or both".into(),
        ));
    }
    let (entry, rec) = match load_entry(ctx, &c.id, Action::LogUpdate).await? {
        Ok(x) => x,
        Err(denied) => return Ok(denied),
    };
    let severity = c.severity.unwrap_or(entry.severity());
    let text = c.text.unwrap_or_else(|| entry.text().clone());
    let next = entry.update(severity, text, ctx.now)?;
    finish_entry(ctx, Action::LogUpdate, &next, &rec).await
}

pub(crate) async fn close(
    ctx: &mut Ctx<'_>,
    c: Target<LogEntryId>,
) -> Result<Outcome, ServiceError> {
    let (entry, rec) = match load_entry(ctx, &c.id, Action::LogClose).await? {
        Ok(x) => x,
        Err(denied) => return Ok(denied),
    };
    let next = entry.close(ctx.now)?;
    finish_entry(ctx, Action::LogClose, &next, &rec).await
}

/// A room's log: the entries changed most recently, at most the command's
/// limit, oldest first. Every entry of a room has the room's facts, so one
/// decision, on a log-entry resource named after the room, covers them all;
/// the allowing entry names the room whose log was read.
pub(crate) async fn read_log(ctx: &mut Ctx<'_>, c: LogRead) -> Result<Outcome, ServiceError> {
    let room = load_room(ctx, &c.room).await?;
    authorize!(
        ctx,
        Action::LogRead,
        entry_resource(room.id().as_str(), &room)
    );
    let limit = c.limit.unwrap_or(crate::command::DEFAULT_LOG_READ);
    let log = log_of(ctx, room.id(), None, Some(limit)).await?;
    let data = serde_json::json!({
        "room": room.id().as_str(),
        "entries": to_data(&log)?,
        "limited": log.len() >= limit as usize,
    });
    ctx.done(Action::LogRead, ROOM, room.id().as_str(), None, Some(data))
        .await
}

pub(crate) async fn submit_report(
    ctx: &mut Ctx<'_>,
    c: LiaisonReportSubmit,
) -> Result<Outcome, ServiceError> {
    let delegation_id = ctx.own_delegation()?.to_owned();
    let id = match c.id {
        Some(id) => check_own_id(ctx, id)?,
        None => new_id("report")?,
    };
    authorize!(
        ctx,
        Action::LiaisonReportSubmit,
        Resource::LiaisonReport {
            id: id.to_string(),
            delegation: delegation_id.clone(),
        }
    );
    require_new::<LiaisonReport>(ctx, id.as_str()).await?;
    let (delegation, _): (Delegation, _) = ctx.load(&delegation_id).await?;
    let venue = venue(ctx, c.venue.as_ref()).await?;
    let mut report = LiaisonReport::submit(id, &delegation, venue.as_ref(), c.text, ctx.now);
    if let Some(subject) = c.subject {
        report = report.about(subject);
    }
    save_report(ctx, &report, None).await?;
    ctx.done(
        Action::LiaisonReportSubmit,
        LIAISON_REPORT,
        report.id().as_str(),
        Some(report.state_name()),
        None,
    )
    .await
}

/// Triages a report into a host room's log: the new entry and the triaged
/// report are stamped with the same ledger entry.
pub(crate) async fn triage_report(
    ctx: &mut Ctx<'_>,
    c: LiaisonReportTriage,
) -> Result<Outcome, ServiceError> {
    let (report, rec): (LiaisonReport, Record) = ctx.load(c.id.as_str()).await?;
    authorize!(ctx, Action::LiaisonReportTriage, report_resource(&report));
    let room = load_room(ctx, &c.room).await?;
    let entry_id = match c.entry {
        Some(id) => id,
        None => new_id("log")?,
    };
    require_new::<LogEntry>(ctx, entry_id.as_str()).await?;
    let (next, entry) = report.triage(entry_id, &room, c.category, c.severity, ctx.now)?;
    save_entry(ctx, &entry, None).await?;
    save_report(ctx, &next, Some(&rec)).await?;
    ctx.done(
        Action::LiaisonReportTriage,
        LIAISON_REPORT,
        next.id().as_str(),
        Some(next.state_name()),
        Some(serde_json::json!({ "log_entry": entry.id().as_str() })),
    )
    .await
}

pub(crate) async fn dismiss_report(
    ctx: &mut Ctx<'_>,
    c: WithReason<LiaisonReportId>,
) -> Result<Outcome, ServiceError> {
    let (report, rec): (LiaisonReport, Record) = ctx.load(c.id.as_str()).await?;
    authorize!(ctx, Action::LiaisonReportTriage, report_resource(&report));
    let next = report.dismiss(c.reason, ctx.now)?;
    save_report(ctx, &next, Some(&rec)).await?;
    ctx.done(
        Action::LiaisonReportTriage,
        LIAISON_REPORT,
        next.id().as_str(),
        Some(next.state_name()),
        None,
    )
    .await
}

/// The latest situation report of `room`, if any.
async fn latest_sitrep(ctx: &mut Ctx<'_>, room: &RoomId) -> Result<Option<Sitrep>, ServiceError> {
    let reports: Vec<Sitrep> = ctx
        .list(Filter {
            room: Some(room.to_string()),
            ..Filter::default()
        })
        .await?;
    Ok(reports.into_iter().max_by_key(Sitrep::number))
}

/// Issues the room's next report.
///
/// The report covers the room's log up to the millisecond *before* this
/// command's time. Commands committed later may carry the same millisecond
/// (the store's clock never goes back, but it may stand still), and an entry
/// recorded at a report's own time after the report would fall in neither
/// that report nor the next. Every entry at or before the report's time
/// was committed before it, so each entry is counted in exactly one report.
pub(crate) async fn issue_sitrep(
    ctx: &mut Ctx<'_>,
    c: SitrepIssue,
) -> Result<Outcome, ServiceError> {
    let room = load_room(ctx, &c.room).await?;
    let previous = latest_sitrep(ctx, room.id()).await?;
    // Counted in u64 so that the key exists even when the numbers run out
    // (the domain refuses that report).
    let number = previous.as_ref().map_or(1, |p| u64::from(p.number()) + 1);
    let key = format!("{}/{number}", room.id());
    authorize!(ctx, Action::SitrepIssue, sitrep_resource(key, &room));
    let log = log_of(ctx, room.id(), None, None).await?;
    let until = Timestamp::from_millis(ctx.now.as_millis().saturating_sub(1));
    let sitrep = build_sitrep(&room, previous.as_ref(), &log, until)?;
    ctx.save(&sitrep, false, None).await?;
    ctx.done(
        Action::SitrepIssue,
        SITREP,
        &sitrep.key(),
        Some(sitrep.state_name()),
        Some(to_data(&sitrep)?),
    )
    .await
}

pub(crate) async fn read_sitrep(ctx: &mut Ctx<'_>, c: SitrepRead) -> Result<Outcome, ServiceError> {
    let room = load_room(ctx, &c.room).await?;
    let sitrep = match c.number {
        Some(number) => {
            let key = format!("{}/{number}", room.id());
            ctx.load::<Sitrep>(&key).await?.0
        }
        None => latest_sitrep(ctx, room.id())
            .await?
            .ok_or_else(|| ServiceError::NotFound {
                kind: SITREP,
                id: format!("{}/(none issued)", room.id()),
            })?,
    };
    authorize!(
        ctx,
        Action::SitrepRead,
        sitrep_resource(sitrep.key(), &room)
    );
    ctx.done(
        Action::SitrepRead,
        SITREP,
        &sitrep.key(),
        Some(sitrep.state_name()),
        Some(to_data(&sitrep)?),
    )
    .await
}
