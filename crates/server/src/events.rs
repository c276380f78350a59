//! Live updates: `GET /api/v1/rooms/{id}/events`, a server-sent-events
//! stream of what changes on a room's board, for the web UI.
//!
//! ```text
//! Caller (401) ─► subscribe to the service's changes ─► room.read through
//! Service::execute (recorded; denied → 403 with the policies to the host,
//! 404 to anyone else, like a room that does not exist)
//! ─► text/event-stream:
//!      ready   (id = the room.read entry)            once, first
//!      resync  (Last-Event-ID behind, or lagged)     refetch the boards
//!      <action> (id = the change's entry)            each visible change
//!      : keep-alive                                  every 15 s
//! ```
//!
//! The subscription is taken before the `room.read`, so every change
//! committed after the read is on the stream; the client fetches the boards
//! after `ready`. Each change is sent only if it concerns the room and the
//! policy lets the subscriber read that record ([`service::Change::visible`]):
//! a foreign liaison never sees another delegation's records or host tasks.
//! Data are summaries without personal data: `seq`, `action`, `kind`, `id`,
//! `state`, `room`, `time` (Unix ms).
//!
//! Resuming: with `Last-Event-ID: N`, the stream starts as any other, and
//! the changes of entries `N+1` up to this subscription's `room.read` that
//! the subscriber may see follow `ready`, read back from the store
//! ([`service::Service::changes_between`]: each record as it is now), so a
//! reconnect loses nothing; only a gap of more than
//! [`service::changes::CAPACITY`] entries, or a store that cannot answer,
//! gets a `resync` instead. Changes come from the store, whichever process
//! made them (`cortina serve` follows it: [`crate::FOLLOW_EVERY`]). A
//! subscriber that falls more than
//! [`service::changes::CAPACITY`] changes behind gets a `resync` too and
//! the stream goes on. The server's request timeout bounds only the time to
//! the response's head, not the stream; streams end when the server shuts
//! down, so that a graceful shutdown is not held open by them. The
//! subscriber's rights are decided once, when it subscribes, and per
//! record on each change; its credential is checked again every
//! [`RECHECK`], so a logout, a disabled account, an expired session or a
//! revoked token ends the stream. An account holds at most
//! [`MAX_STREAMS`] streams at once (more: 429).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use authority::Principal;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::ids::RoomId;
use domain::room::Room;
use serde::Serialize;
use service::command::Target;
use service::{Change, Command, Service};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Caller, Credential};
use crate::error::{ApiError, ErrorBody};

/// How often an idle stream sends a comment, so that proxies and clients
/// keep the connection.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How long a client should wait before reconnecting.
const RETRY: Duration = Duration::from_secs(3);

/// How often a stream asks whether its credential still holds.
pub const RECHECK: Duration = Duration::from_secs(5);

/// The most live streams one account may hold open at once (a few boards
/// in a few browser tabs).
pub const MAX_STREAMS: usize = 8;

/// Open streams per account.
#[derive(Debug, Default, Clone)]
pub struct StreamCount(Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>);

/// One open stream of an account; dropping it (the stream ends) frees it.
struct StreamSlot {
    count: StreamCount,
    account: String,
}

impl StreamCount {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, usize>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A slot for one more stream of `account`, unless it holds
    /// [`MAX_STREAMS`] already.
    fn take(&self, account: &str) -> Option<StreamSlot> {
        let mut open = self.lock();
        let n = open.entry(account.to_owned()).or_default();
        if *n >= MAX_STREAMS {
            return None;
        }
        *n += 1;
        Some(StreamSlot {
            count: self.clone(),
            account: account.to_owned(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.count.lock();
        if let Some(n) = open.get_mut(&self.account) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.account);
            }
        }
    }
}

/// The live-update routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/rooms/{id}/events", get(events))
}

/// A change on the stream (the data of an event named after its action).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeEvent {
    /// The ledger entry of the command (also the event's id).
    pub seq: u64,
    /// The command's action (`rfi.submit`).
    pub action: String,
    /// The kind of record changed (`request`, `log_entry`, `task`, …).
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its state afterwards.
    pub state: String,
    /// The room it belongs to, for rooms, log entries and situation reports.
    pub room: Option<String>,
    /// When the command ran (Unix ms).
    pub time: i64,
}

/// The `ready` and `resync` events' data.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamNotice {
    /// The room.
    pub room: String,
    /// `ready`: the ledger entry of this subscription's `room.read`.
    /// `resync`: the last entry known to be reflected (`Last-Event-ID`),
    /// if any.
    pub seq: Option<u64>,
    /// `resync` only: `resume` (changes may have been missed while
    /// disconnected) or `lagged` (the stream fell behind; `missed` changes
    /// were dropped). Refetch the boards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// `lagged`: how many changes were dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missed: Option<u64>,
}

/// Subscribes to a room's live board.
///
/// Server-sent events: `ready` first (its id is the subscription's
/// `room.read` ledger entry), then one event per committed change the
/// caller may see, named after the change's action, with id = the change's
/// ledger entry; `resync` when the client must refetch; keep-alive comments
/// every 15 s.
#[utoipa::path(
    get, path = "/api/v1/rooms/{id}/events", tag = "rooms",
    params(
        ("id" = String, Path, description = "The room"),
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this event id: the changes missed since follow `ready`, replayed from the store (a `resync` instead when the gap is too large)"),
    ),
    responses(
        (status = 200, description = "The stream (`text/event-stream`); data of change events: ChangeEvent; of `ready`/`resync`: StreamNotice", content_type = "text/event-stream", body = String),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "The policy denies reading the room (recorded; names the policies to host callers)", body = ErrorBody),
        (status = 404, description = "No such room — or, outside the host, one the policy keeps from the caller (recorded)", body = ErrorBody),
        (status = 429, description = "The account holds the most live streams it may", body = ErrorBody),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let username = caller.username()?.to_owned();
    let credential = Credential::of(&headers).ok_or_else(ApiError::unauthenticated)?;
    let account = match &caller {
        Caller::Account { account_id, .. } => account_id.clone(),
        Caller::Witness { .. } => username.clone(),
    };
    let slot = state.streams().take(&account).ok_or_else(|| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_streams",
            format!("at most {MAX_STREAMS} live streams per account: close one"),
        )
        .with_retry_after(RETRY.as_secs())
    })?;
    let no_room = || ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such room");
    let room_id: RoomId = id.parse().map_err(|_| no_room())?;
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let svc = state.svc().clone();
    // Subscribed before the read, so nothing committed after it is missed.
    let changes = svc.subscribe();
    let done = svc
        .execute(&caller.actor()?, Command::RoomRead(Target { id: room_id }))
        .await?;
    let room: Room = done
        .data
        .as_ref()
        .and_then(|d| d.get("room"))
        .and_then(|r| serde_json::from_value(r.clone()).ok())
        .ok_or_else(|| ApiError::internal(&"room.read returned no room"))?;
    let principal = svc.principal(&username).await?;
    tracing::info!(seq = done.seq, "room events: subscribed");

    let mut pending = VecDeque::new();
    pending.push_back(notice("ready", &room, Some(done.seq), None, None).id(done.seq.to_string()));
    if let Some(n) = last_event_id
        && n.saturating_add(1) < done.seq
    {
        match replay(&svc, &principal, &room, n + 1, done.seq).await {
            Some(missed) => pending.extend(missed),
            None => pending.push_back(notice("resync", &room, Some(n), Some("resume"), None)),
        }
    }
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stream = Subscription {
        svc,
        principal,
        room,
        changes,
        closing: state.closing(),
        pending,
        state: state.clone(),
        credential,
        recheck,
        read_seq: done.seq,
        _slot: slot,
    }
    .into_stream();
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // Reverse proxies (nginx) would otherwise buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// One subscriber's stream.
struct Subscription {
    svc: Service,
    principal: Principal,
    room: Room,
    changes: broadcast::Receiver<Arc<Change>>,
    closing: watch::Receiver<bool>,
    /// Events to send before waiting for the next change.
    pending: VecDeque<Event>,
    state: AppState,
    /// What the subscriber authenticated with, checked every [`RECHECK`].
    credential: Credential,
    recheck: tokio::time::Interval,
    /// The subscription's `room.read` entry. Changes of earlier entries
    /// are in the boards the client fetches after `ready` (or were
    /// replayed): the follower may still be publishing some of them when
    /// the stream starts, and they are skipped.
    read_seq: u64,
    /// The account's stream slot, freed when the stream ends.
    _slot: StreamSlot,
}

impl Subscription {
    fn into_stream(self) -> impl futures_util::Stream<Item = Result<Event, Infallible>> + Send {
        futures_util::stream::unfold(self, |mut sub| async move {
            let event = sub.next().await?;
            Some((Ok(event), sub))
        })
    }

    /// The next event, or `None` when the stream ends (shutdown).
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            let recheck = tokio::select! {
                // The server is shutting down (or gone): end the stream, so
                // that the graceful shutdown is not held open by it.
                _ = self.closing.wait_for(|closing| *closing) => return None,
                _ = self.recheck.tick() => true,
                received = self.changes.recv() => match received {
                    Ok(change) => {
                        if change.seq > self.read_seq
                            && change.visible(self.svc.authority(), &self.principal, &self.room)
                        {
                            return Some(change_event(&change));
                        }
                        false
                    }
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "room events: a subscriber lagged");
                        return Some(notice("resync", &self.room, None, Some("lagged"), Some(missed)));
                    }
                    Err(RecvError::Closed) => return None,
                },
            };
            // Logged out, disabled, expired or revoked: the stream ends.
            if recheck && !self.credential.still_valid(&self.state).await {
                tracing::info!("room events: the credential no longer holds; stream ended");
                return None;
            }
        }
    }
}

/// The events a resuming subscriber missed: the visible changes of entries
/// `from..to`, read back from the store; `None` when there are too many to
/// replay or the store cannot say (the subscriber then refetches).
async fn replay(
    svc: &Service,
    principal: &Principal,
    room: &Room,
    from: u64,
    to: u64,
) -> Option<Vec<Event>> {
    if to - from > service::changes::CAPACITY as u64 {
        return None;
    }
    match svc.changes_between(from, to).await {
        Ok(missed) => Some(
            missed
                .iter()
                .filter(|c| c.visible(svc.authority(), principal, room))
                .map(change_event)
                .collect(),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "room events: could not replay from the store");
            None
        }
    }
}

fn change_event(change: &Change) -> Event {
    let data = ChangeEvent {
        seq: change.seq,
        action: change.action.to_owned(),
        kind: change.kind.to_owned(),
        id: change.id.clone(),
        state: change.state.to_owned(),
        room: change.room.clone(),
        time: change.time_ms,
    };
    Event::default()
        .id(change.seq.to_string())
        .event(change.action)
        .json_data(data)
        .unwrap_or_else(|e| Event::default().comment(format!("unencodable change: {e}")))
}

fn notice(
    name: &'static str,
    room: &Room,
    seq: Option<u64>,
    reason: Option<&'static str>,
    missed: Option<u64>,
) -> Event {
    let data = StreamNotice {
        room: room.id().to_string(),
        seq,
        reason,
        missed,
    };
    Event::default()
        .event(name)
        .retry(RETRY)
        .json_data(data)
        .unwrap_or_else(|e| Event::default().comment(format!("unencodable notice: {e}")))
}
