//! Re-screening after a list change (issue 12, item 5).
//!
//! A **delta** re-screen compares the snapshot in force with the one before
//! it: the entities added or changed form a small index
//! ([`screening::Index::subset`], which scores exactly as the whole snapshot
//! does), and every applicant holding "no objection" is searched against it
//! — the same search as at intake, so a hit here is the hit intake would
//! have found. The expensive part of screening (retrieval among all list
//! names) then costs what the change costs; what remains per applicant is
//! preparing its query, which is cheap and runs on all cores. A **full**
//! re-screen searches the same applicants against the whole snapshot.
//!
//! What a hit does, and what a removed entry does to the open cases, is the
//! write half (`handlers::rescreen`): one transaction per chunk, each
//! applicant its own entry, under `lists.update`. The re-screen itself is
//! recorded first (`Service::record`, naming both snapshots), so that a
//! caller the policy refuses makes the host screen nothing.
//!
//! Declared personnel are re-screened the same way: each line screened
//! clear whose review is open or accredited (a line with a case is under
//! review already).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use domain::declaration::{DeclarationLine, Review, ScreeningStatus};
use domain::vetting::Opinion;
use rayon::prelude::*;
use screening::Index;
use serde::Serialize;

use crate::handlers::rescreen::{Found, Tally};
use crate::screening_lists::ScreeningLists;
use crate::{Actor, Service, ServiceError, principal};

/// Applicants read per page, and applicants written per transaction.
const PAGE: i64 = 20_000;
const CHUNK: usize = 500;

/// What a re-screen did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RescreenReport {
    /// `delta` or `full`.
    pub mode: &'static str,
    /// The snapshot in force (screened against).
    pub snapshot: String,
    /// The snapshot before it (a delta re-screen).
    pub previous: Option<String>,
    /// List entities added or changed since `previous` (all, for a full one).
    pub changed_entities: u64,
    /// List entities in `previous` that are gone.
    pub removed_entities: u64,
    /// Applicants searched (those holding "no objection").
    pub screened: u64,
    /// Declared persons searched (screened clear, their line open or
    /// accredited).
    pub screened_declared: u64,
    /// Applicants and declared persons with at least one hit.
    pub hits: u64,
    /// Cases opened (each also proposes to suspend the accreditation).
    pub cases_opened: u64,
    /// Hits on applicants already under review (a case open, or an objection).
    pub under_review: u64,
    /// Accreditations whose suspension a case proposes.
    pub suspensions_proposed: u64,
    /// Open cases noted for review because a candidate left the lists.
    pub cases_flagged: u64,
    /// The ledger entry recording the re-screen.
    pub entry: u64,
    /// The last entry it wrote.
    pub last_entry: u64,
    /// Time reading the applicants and declared persons from the store, in ms.
    pub read_ms: u64,
    /// Time decoding and searching them (on all cores), in ms.
    pub search_ms: u64,
    /// Time writing cases, applicants, lines and notes, in ms.
    pub write_ms: u64,
    /// Time in all, in ms.
    pub total_ms: u64,
}

impl Service {
    /// Re-screens the applicants after a list change: against what changed
    /// since `previous` (a delta), or against the whole snapshot in force
    /// (`previous` = `None`). See the [module docs](self).
    pub async fn rescreen(
        &self,
        actor: &Actor,
        previous: Option<Arc<Index>>,
    ) -> Result<RescreenReport, ServiceError> {
        let started = std::time::Instant::now();
        let lists = self.lists().ok_or_else(|| {
            ServiceError::Conflict("no lists are loaded: nothing to re-screen against".into())
        })?;
        let current = lists.index().clone();
        let mut report = RescreenReport {
            mode: if previous.is_some() { "delta" } else { "full" },
            snapshot: current.snapshot_hash().to_owned(),
            previous: previous.as_ref().map(|p| p.snapshot_hash().to_owned()),
            ..RescreenReport::default()
        };
        let payload = serde_json::json!({
            "rescreen": report.mode,
            "snapshot": report.snapshot,
            "previous": report.previous,
        });
        let done = self
            .record(
                actor,
                domain::Action::ListsUpdate,
                authority::Resource::Lists,
                serde_json::to_vec(&payload).unwrap_or_default(),
            )
            .await?;
        report.entry = done.seq;
        report.last_entry = done.seq;

        // What changed, and the lists to search.
        let (target, removed): (Option<Arc<ScreeningLists>>, HashSet<String>) = match &previous {
            None => {
                report.changed_entities = current.entities().len() as u64;
                (Some(lists.clone()), HashSet::new())
            }
            Some(prev) => {
                let before: HashMap<&str, &watchlist::Entity> =
                    prev.entities().iter().map(|e| (e.id.as_str(), e)).collect();
                let changed: HashSet<&str> = current
                    .entities()
                    .iter()
                    .filter(|e| before.get(e.id.as_str()).is_none_or(|b| *b != *e))
                    .map(|e| e.id.as_str())
                    .collect();
                let removed: HashSet<String> = prev
                    .entities()
                    .iter()
                    .filter(|e| current.entity(&e.id).is_none())
                    .map(|e| e.id.clone())
                    .collect();
                report.changed_entities = changed.len() as u64;
                report.removed_entities = removed.len() as u64;
                let target = (!changed.is_empty()).then(|| {
                    let part = Index::subset(&current, |e| changed.contains(e.id.as_str()));
                    Arc::new(ScreeningLists::new(part))
                });
                (target, removed)
            }
        };

        // The applicants with no objection, then the declared persons
        // screened clear whose line is open or accredited.
        let (mut found, mut lines) = (Vec::new(), Vec::new());
        if let Some(target) = &target {
            let lists = target.clone();
            let (screened, hits) = self
                .search_population(
                    crate::handlers::APPLICANT_KIND,
                    Some(Opinion::NoObjection.as_str()),
                    move |doc| {
                        let a: crate::applicants::Screenable = serde_json::from_str(doc).ok()?;
                        let hits = a.screen(&lists);
                        Some((!hits.is_empty()).then_some(Found { id: a.id, hits }))
                    },
                    &mut report,
                )
                .await?;
            report.screened = screened;
            found = hits;
            let lists = target.clone();
            let (screened, hits) = self
                .search_population(
                    crate::handlers::DECLARATION_KIND,
                    None,
                    move |doc| {
                        let line: DeclarationLine = serde_json::from_str(doc).ok()?;
                        let open = matches!(line.screening(), ScreeningStatus::Clear { .. })
                            && matches!(
                                line.review(),
                                Review::Pending
                                    | Review::InformationRequested { .. }
                                    | Review::Accredited { .. }
                            );
                        if !open {
                            return None;
                        }
                        let hits = lists.screen_declared(line.person());
                        Some((!hits.is_empty()).then(|| Found {
                            id: line.id().to_string(),
                            hits,
                        }))
                    },
                    &mut report,
                )
                .await?;
            report.screened_declared = screened;
            lines = hits;
            report.hits = (found.len() + lines.len()) as u64;
        }

        // Open cases whose candidates left the lists.
        let mut flag: Vec<(String, Vec<String>)> = Vec::new();
        if !removed.is_empty() {
            let ids = store::applicants::open_case_ids(self.store().pool()).await?;
            for ids in ids.chunks(1_000) {
                let mut conn = self
                    .store()
                    .pool()
                    .acquire()
                    .await
                    .map_err(store::StoreError::from)?;
                let cases =
                    store::applicants::get_records(&mut conn, crate::handlers::VETTING_KIND, ids)
                        .await?;
                for (id, record) in cases {
                    let Some(case) = record
                        .doc
                        .as_deref()
                        .and_then(|d| serde_json::from_str::<domain::vetting::VettingCase>(d).ok())
                    else {
                        continue;
                    };
                    let gone: Vec<String> = case
                        .triage()
                        .map(|t| {
                            t.candidates
                                .iter()
                                .filter(|c| removed.contains(c.entity.as_str()))
                                .map(|c| c.entity.as_str().to_owned())
                                .collect()
                        })
                        .unwrap_or_default();
                    if !gone.is_empty() {
                        flag.push((id, gone));
                    }
                }
            }
            flag.sort();
        }

        // The writes, a chunk per transaction.
        let writing = std::time::Instant::now();
        let snapshot = report.snapshot.clone();
        type Batch = (Vec<Found>, Vec<Found>, Vec<(String, Vec<String>)>);
        let batches = chunked(found)
            .map(|f| -> Batch { (f, Vec::new(), Vec::new()) })
            .chain(chunked(lines).map(|l| -> Batch { (Vec::new(), l, Vec::new()) }))
            .chain(chunked(flag).map(|g| -> Batch { (Vec::new(), Vec::new(), g) }));
        for (part, declared, flags) in batches {
            let tally = self
                .rescreen_chunk(actor, &snapshot, part, declared, flags)
                .await?;
            report.cases_opened += tally.cases_opened;
            report.under_review += tally.under_review;
            report.suspensions_proposed += tally.suspensions_proposed;
            report.cases_flagged += tally.cases_flagged;
            report.last_entry = tally.last_seq;
        }
        report.write_ms = writing.elapsed().as_millis() as u64;
        report.total_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// Walks every record of `kind` (in `state`, when given), owner by
    /// owner in creation order, a page at a time; each page is decoded and
    /// searched on all cores by `search` while the next one is read.
    /// `search` answers `None` for a record not to search, `Some(None)` for
    /// one searched without a hit. Returns how many were searched, and the
    /// hits.
    async fn search_population<F>(
        &self,
        kind: &'static str,
        state: Option<&'static str>,
        search: F,
        report: &mut RescreenReport,
    ) -> Result<(u64, Vec<Found>), ServiceError>
    where
        F: Fn(&str) -> Option<Option<Found>> + Send + Sync + Clone + 'static,
    {
        type Searched = (u64, Vec<Found>, u64);
        let (mut screened, mut found) = (0u64, Vec::new());
        let mut pending: Option<tokio::task::JoinHandle<Searched>> = None;
        let owners = store::applicants::owners(self.store().pool(), kind).await?;
        let mut owners = owners.into_iter();
        let mut current = owners.next().map(|o| (o, -1i64));
        loop {
            let page = match &current {
                Some((owner, after)) => {
                    let read = std::time::Instant::now();
                    let page = store::applicants::docs_page(
                        self.store().pool(),
                        kind,
                        owner,
                        state,
                        *after,
                        PAGE,
                    )
                    .await?;
                    report.read_ms += read.elapsed().as_millis() as u64;
                    page
                }
                None => Vec::new(),
            };
            if let Some(searching) = pending.take() {
                let (n, hits, ms) = searching
                    .await
                    .map_err(|e| ServiceError::BadCommand(format!("re-screen: {e}")))?;
                report.search_ms += ms;
                screened += n;
                found.extend(hits);
            }
            let Some((owner, _)) = current else { break };
            current = match page.last() {
                Some(&(seq, _)) if page.len() as i64 == PAGE => Some((owner, seq)),
                _ => owners.next().map(|o| (o, -1)),
            };
            if page.is_empty() {
                continue;
            }
            let search = search.clone();
            pending = Some(tokio::task::spawn_blocking(move || {
                let searching = std::time::Instant::now();
                let results: Vec<Option<Found>> =
                    page.par_iter().filter_map(|(_, doc)| search(doc)).collect();
                let n = results.len() as u64;
                let hits: Vec<Found> = results.into_iter().flatten().collect();
                (n, hits, searching.elapsed().as_millis() as u64)
            }));
        }
        Ok((screened, found))
    }

    async fn rescreen_chunk(
        &self,
        actor: &Actor,
        snapshot: &str,
        found: Vec<Found>,
        lines: Vec<Found>,
        flags: Vec<(String, Vec<String>)>,
    ) -> Result<Tally, ServiceError> {
        let inner = self.inner.clone();
        let username = actor.username.clone();
        let channel = actor.channel.clone();
        let snapshot = snapshot.to_owned();
        let payload = format!("rescreen\0{snapshot}").into_bytes();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let principal = principal::load(tx, &inner, &username).await?;
                    let mut ctx =
                        crate::context::Ctx::new(tx, &inner, principal, &channel, payload)?;
                    crate::handlers::rescreen::chunk(&mut ctx, &snapshot, found, lines, flags).await
                })
            })
            .await?
    }
}

/// `items` in vectors of at most [`CHUNK`].
fn chunked<T>(items: Vec<T>) -> impl Iterator<Item = Vec<T>> {
    let mut items = items.into_iter().peekable();
    std::iter::from_fn(move || {
        items.peek()?;
        Some(items.by_ref().take(CHUNK).collect())
    })
}
