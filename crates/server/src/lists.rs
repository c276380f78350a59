//! Lists shared by the JSON API ([`crate::rest`]) and the pages
//! ([`crate::ui`]): the same query, the same policy check per record, the
//! same summary without personal data, whichever renders it.

use domain::Action;
use domain::room::{Room, RoomKind};
use domain::vetting::VettingCase;

use crate::AppState;
use crate::api::{self, BoardQuery};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::rest::{EntriesBody, EntryBody, RoomSummary, VettingCaseSummary};

/// The rooms the caller may read.
pub(crate) async fn rooms(
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
) -> Result<Vec<RoomSummary>, ApiError> {
    Ok(visible_rooms(state, caller, query)
        .await?
        .iter()
        .map(|(r, record)| room_summary(r, record))
        .collect())
}

/// The rooms the caller may read, with their records.
pub(crate) async fn visible_rooms(
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
) -> Result<Vec<(Room, store::records::Record)>, ApiError> {
    api::visible::<Room>(state, caller, query, Action::RoomRead, |r, _| {
        service::facts::room(r)
    })
    .await
}

/// A room as the boards show it.
pub(crate) fn room_summary(r: &Room, record: &store::records::Record) -> RoomSummary {
    RoomSummary {
        id: r.id().to_string(),
        name: r.name().to_string(),
        kind: match r.kind() {
            RoomKind::HostNational => "host_national",
            RoomKind::HostCluster { .. } => "host_cluster",
            RoomKind::DelegationLiaison { .. } => "delegation_liaison",
        },
        delegation: r.delegation().map(ToString::to_string),
        state: r.state_name().to_owned(),
        updated_seq: record.updated_seq,
    }
}

/// The vetting cases the caller may see: the host's analysts and
/// commanders every case they may read; a delegation only the cases the
/// host shared with it (those it may add notes to), as the host's question.
pub(crate) async fn vetting_cases(
    state: &AppState,
    caller: &Caller,
    query: &BoardQuery,
) -> Result<Vec<VettingCaseSummary>, ApiError> {
    let principal = caller.principal(state.svc()).await?;
    if principal.is_host() {
        let rows = api::visible::<VettingCase>(
            state,
            caller,
            query,
            Action::VettingRead,
            service::facts::vetting_case,
        )
        .await?;
        return Ok(rows
            .into_iter()
            .map(|(c, record)| VettingCaseSummary {
                id: c.id().to_string(),
                delegation: record.delegation.clone(),
                declaration: c.declaration().map(ToString::to_string),
                state: Some(c.state_name().to_owned()),
                opened_at: Some(c.opened_at().as_millis()),
                question: None,
                updated_seq: Some(record.updated_seq),
            })
            .collect());
    }
    // Outside the host: no filter by state (a case's state is the host's).
    let query = BoardQuery {
        state: None,
        limit: query.limit,
    };
    let rows = api::visible::<VettingCase>(
        state,
        caller,
        &query,
        Action::VettingNote,
        service::facts::vetting_case,
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, _)| {
            let own = principal.delegation.as_deref()?;
            let share = c.shares().iter().find(|s| s.delegation.as_str() == own)?;
            Some(VettingCaseSummary {
                id: c.id().to_string(),
                delegation: None,
                declaration: c.declaration().map(ToString::to_string),
                state: None,
                opened_at: None,
                question: Some(share.question.to_string()),
                updated_seq: None,
            })
        })
        .collect())
}

/// Ledger entries `[from, from + limit)` that exist, decoded (for a caller
/// already allowed to read the ledger); `limit` is clamped to 1..=1,000.
pub(crate) async fn entries(
    state: &AppState,
    from: u64,
    limit: u64,
) -> Result<EntriesBody, ApiError> {
    let store = state.svc().store();
    let size = store.ledger_stats().await?.size;
    let limit = limit.clamp(1, 1000);
    let end = from.saturating_add(limit).min(size);
    let mut entries = Vec::new();
    if from < end {
        for bytes in store.entries(from, end).await? {
            let e = ledger::Entry::decode(&bytes).map_err(|e| ApiError::internal(&e))?;
            entries.push(EntryBody {
                seq: e.seq,
                time_ms: e.time_ms,
                actor_account: e.actor_account,
                actor_agency: e.actor_agency,
                channel: e.channel,
                action: e.action,
                resource_kind: e.resource.kind,
                resource_id: e.resource.id,
                decision: match e.decision {
                    ledger::Decision::Allow => "allow",
                    ledger::Decision::Deny => "deny",
                },
                policies: e.policies,
                payload_digest: hex(&e.payload_digest),
                personal_data: e.personal_data.map(|d| hex(&d)),
            });
        }
    }
    Ok(EntriesBody { size, entries })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
