//! Re-screening after a list change (issue 12, item 5).
//!
//! A **delta** re-screen compares the snapshot in force with the one before
//! it: the entities added or changed form a small index
//! ([`screening::Index::subset`], which scores exactly as the whole snapshot
//! does), and the people who may hold a hit are searched against it — the
//! same search as at intake, so a hit here is the hit intake would have
//! found. A **full** re-screen searches every applicant holding "no
//! objection" (and every declared person screened clear whose line is open
//! or accredited) against the whole snapshot.
//!
//! Whom a delta searches ([`DeltaSearch`]):
//!
//! - **In reverse** (the default): every applicant and declared person is
//!   reduced once to the keys of the query screening them makes
//!   ([`screening::query_keys`]); the keys are kept caught up with the
//!   store beside it (the `population` module: derived data, rebuilt when
//!   missing or not to be trusted). The index of the change says which
//!   distinct keys it reaches ([`screening::Index::reaches`]), and only the
//!   people holding one — the candidates — are searched, first on the
//!   facts kept with their keys (the names, birth date and nationality the
//!   search reads), and those with a hit again as the store holds them
//!   (read by id, filtered by state, searched: the decision). The search's
//!   every way to an entity starts from a reached key, so the candidates
//!   include everyone the search could find (the reasoning is in
//!   `screening`'s `reverse` module; a name that may be read in Japanese is
//!   always a candidate, its readings being spelt from the lists' own
//!   tokens). The cost follows the change and the people whose names it
//!   meets, not the population: nobody is read from the store but the
//!   candidates with a hit, and what remains per person is a walk of its
//!   few key numbers.
//! - **Over the population**: every applicant holding "no objection" (and
//!   every open declared person) is read and searched, as a full re-screen
//!   does. Same hits, at the population's cost; kept for comparison and as
//!   a fallback (`cortina lists rescreen --population`).
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

/// Applicants read per page, candidates read per page, and applicants
/// written per transaction.
const PAGE: i64 = 20_000;
const CANDIDATES_PAGE: usize = 5_000;
const CHUNK: usize = 500;

/// Whom a delta re-screen searches (see the [module docs](self)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeltaSearch {
    /// The candidates the population's keys give (screening in reverse).
    #[default]
    Reverse,
    /// Everyone, read from the store page by page.
    Population,
}

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
    /// Whom the re-screen searched: `reverse` (the candidates the
    /// population's keys gave) or `population` (everyone: always for a
    /// full one).
    pub search: &'static str,
    /// In reverse: applicants and declared persons whose keys the change
    /// reaches, each searched on the facts kept with the keys.
    pub candidates: u64,
    /// In reverse: those of the candidates with a hit on their kept facts,
    /// read from the store and searched as stored (`screened`).
    pub candidate_hits: u64,
    /// In reverse: the people the keys cover (every applicant and declared
    /// person in the store).
    pub keyed: u64,
    /// In reverse: records read to bring the keys up to date (all of them
    /// when `keys_rebuilt`), and the time it took with loading and writing
    /// them, in ms.
    pub keys_read: u64,
    /// In reverse: whether the keys were built from nothing (no file in the
    /// data directory, or one not to trust).
    pub keys_rebuilt: bool,
    /// See `keys_read`.
    pub keys_ms: u64,
    /// In reverse: time finding the candidates among the keys and
    /// searching their kept facts (on all cores), in ms.
    pub candidates_ms: u64,
    /// Applicants read from the store and searched as stored, holding "no
    /// objection": all of them over the population; in reverse, those among
    /// the `candidate_hits`.
    pub screened: u64,
    /// Declared persons read and searched as stored, screened clear with
    /// their line open or accredited (all of them, or in reverse those
    /// among the `candidate_hits`).
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
    /// Time reading the applicants and declared persons from the store (in
    /// reverse, the candidates), in ms.
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
    /// since `previous` (a delta, [in reverse](DeltaSearch::Reverse)), or
    /// against the whole snapshot in force (`previous` = `None`). See the
    /// [module docs](self).
    pub async fn rescreen(
        &self,
        actor: &Actor,
        previous: Option<Arc<Index>>,
    ) -> Result<RescreenReport, ServiceError> {
        self.rescreen_with(actor, previous, DeltaSearch::Reverse)
            .await
    }

    /// [`Service::rescreen`], a delta searching whom `search` says.
    pub async fn rescreen_with(
        &self,
        actor: &Actor,
        previous: Option<Arc<Index>>,
        search: DeltaSearch,
    ) -> Result<RescreenReport, ServiceError> {
        let started = std::time::Instant::now();
        let lists = self.lists().ok_or_else(|| {
            ServiceError::Conflict("no lists are loaded: nothing to re-screen against".into())
        })?;
        let current = lists.index().clone();
        let reverse = previous.is_some() && search == DeltaSearch::Reverse;
        let mut report = RescreenReport {
            mode: if previous.is_some() { "delta" } else { "full" },
            snapshot: current.snapshot_hash().to_owned(),
            previous: previous.as_ref().map(|p| p.snapshot_hash().to_owned()),
            search: if reverse { "reverse" } else { "population" },
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
        // screened clear whose line is open or accredited: the candidates
        // among them (in reverse), or all of them.
        let (mut found, mut lines) = (Vec::new(), Vec::new());
        if let Some(target) = &target {
            let candidates = if reverse {
                let (c, caught, keyed, ms) = self.population_candidates(target.clone()).await?;
                report.keyed = keyed;
                report.keys_read = caught.read;
                report.keys_rebuilt = caught.rebuilt;
                report.keys_ms = caught.ms;
                report.candidates_ms = ms;
                report.candidates = c.reached;
                report.candidate_hits = (c.applicants.len() + c.declared.len()) as u64;
                Some(c)
            } else {
                None
            };
            let (applicants, declared) = match candidates {
                Some(c) => (Some(c.applicants), Some(c.declared)),
                None => (None, None),
            };
            let lists = target.clone();
            (report.screened, found) = self
                .search_kind(
                    crate::handlers::APPLICANT_KIND,
                    applicants,
                    Some(Opinion::NoObjection.as_str()),
                    move |doc| search_applicant(&lists, doc),
                    &mut report,
                )
                .await?;
            let lists = target.clone();
            (report.screened_declared, lines) = self
                .search_kind(
                    crate::handlers::DECLARATION_KIND,
                    declared,
                    None,
                    move |doc| search_declared(&lists, doc),
                    &mut report,
                )
                .await?;
            report.hits = (found.len() + lines.len()) as u64;
        }

        // Open cases whose candidates left the lists.
        let mut flag: Vec<(String, Vec<String>)> = Vec::new();
        if !removed.is_empty() {
            let ids = store::applicants::open_case_ids(self.store().pool()).await?;
            for ids in ids.chunks(1_000) {
                let mut conn = self.store().reader().await?;
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

    /// The records of `kind` to search: `ids` (the candidates of a search
    /// in reverse) or, when `None`, every one ([`Self::search_population`]).
    async fn search_kind<F>(
        &self,
        kind: &'static str,
        ids: Option<Vec<String>>,
        state: Option<&'static str>,
        search: F,
        report: &mut RescreenReport,
    ) -> Result<(u64, Vec<Found>), ServiceError>
    where
        F: Fn(&str) -> Option<Option<Found>> + Send + Sync + Clone + 'static,
    {
        match ids {
            Some(ids) => self.search_records(kind, ids, state, search, report).await,
            None => self.search_population(kind, state, search, report).await,
        }
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
        let mut searching = Pipeline::new(search);
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
            searching.settle(report).await?;
            let Some((owner, _)) = current else { break };
            current = match page.last() {
                Some(&(seq, _)) if page.len() as i64 == PAGE => Some((owner, seq)),
                _ => owners.next().map(|o| (o, -1)),
            };
            if !page.is_empty() {
                searching.start(page.into_iter().map(|(_, doc)| doc).collect());
            }
        }
        Ok(searching.finish())
    }

    /// Reads the records `kind`/`ids` (in `state`, when given) a page at a
    /// time, and searches each page on all cores with `search` while the
    /// next one is read (as [`Service::search_population`] does). Returns
    /// how many were searched, and the hits.
    async fn search_records<F>(
        &self,
        kind: &'static str,
        mut ids: Vec<String>,
        state: Option<&'static str>,
        search: F,
        report: &mut RescreenReport,
    ) -> Result<(u64, Vec<Found>), ServiceError>
    where
        F: Fn(&str) -> Option<Option<Found>> + Send + Sync + Clone + 'static,
    {
        ids.sort_unstable();
        let mut searching = Pipeline::new(search);
        for ids in ids.chunks(CANDIDATES_PAGE) {
            let read = std::time::Instant::now();
            let mut conn = self.store().reader().await?;
            let records = store::applicants::get_records(&mut conn, kind, ids).await?;
            drop(conn);
            report.read_ms += read.elapsed().as_millis() as u64;
            let mut docs: Vec<(String, String)> = records
                .into_iter()
                .filter(|(_, r)| state.is_none_or(|s| r.state == s))
                .filter_map(|(id, r)| Some((id, r.doc?)))
                .collect();
            docs.sort_unstable();
            searching.settle(report).await?;
            searching.start(docs.into_iter().map(|(_, d)| d).collect());
        }
        searching.settle(report).await?;
        Ok(searching.finish())
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

/// Pages of documents searched on all cores by `search` (on the blocking
/// pool), one at a time, while the caller reads the next page.
struct Pipeline<F> {
    search: F,
    pending: Option<tokio::task::JoinHandle<(u64, Vec<Found>, u64)>>,
    screened: u64,
    found: Vec<Found>,
}

impl<F> Pipeline<F>
where
    F: Fn(&str) -> Option<Option<Found>> + Send + Sync + Clone + 'static,
{
    fn new(search: F) -> Self {
        Pipeline {
            search,
            pending: None,
            screened: 0,
            found: Vec::new(),
        }
    }

    /// Waits for the page being searched, if any, and counts its results.
    async fn settle(&mut self, report: &mut RescreenReport) -> Result<(), ServiceError> {
        if let Some(searching) = self.pending.take() {
            let (n, hits, ms) = searching
                .await
                .map_err(|e| ServiceError::BadCommand(format!("re-screen: {e}")))?;
            report.search_ms += ms;
            self.screened += n;
            self.found.extend(hits);
        }
        Ok(())
    }

    /// Starts searching `docs` (the previous page settled).
    fn start(&mut self, docs: Vec<String>) {
        let search = self.search.clone();
        self.pending = Some(tokio::task::spawn_blocking(move || {
            let searching = std::time::Instant::now();
            let results: Vec<Option<Found>> =
                docs.par_iter().filter_map(|doc| search(doc)).collect();
            let n = results.len() as u64;
            let hits: Vec<Found> = results.into_iter().flatten().collect();
            (n, hits, searching.elapsed().as_millis() as u64)
        }));
    }

    /// How many were searched, and the hits (every page settled).
    fn finish(self) -> (u64, Vec<Found>) {
        (self.screened, self.found)
    }
}

/// Searches an applicant's document against `lists`: `None` when it cannot
/// be read, `Some(None)` when searched without a hit.
fn search_applicant(lists: &ScreeningLists, doc: &str) -> Option<Option<Found>> {
    let a: crate::applicants::Screenable = serde_json::from_str(doc).ok()?;
    let hits = a.screen(lists);
    Some((!hits.is_empty()).then_some(Found { id: a.id, hits }))
}

/// Searches a declaration line's person against `lists` when the line is
/// screened clear and open or accredited: `None` for any other line.
fn search_declared(lists: &ScreeningLists, doc: &str) -> Option<Option<Found>> {
    let line: DeclarationLine = serde_json::from_str(doc).ok()?;
    let open = matches!(line.screening(), ScreeningStatus::Clear { .. })
        && matches!(
            line.review(),
            Review::Pending | Review::InformationRequested { .. } | Review::Accredited { .. }
        );
    if !open {
        return None;
    }
    let hits = lists.screen_declared(line.person());
    Some((!hits.is_empty()).then(|| Found {
        id: line.id().to_string(),
        hits,
    }))
}

/// `items` in vectors of at most [`CHUNK`].
fn chunked<T>(items: Vec<T>) -> impl Iterator<Item = Vec<T>> {
    let mut items = items.into_iter().peekable();
    std::iter::from_fn(move || {
        items.peek()?;
        Some(items.by_ref().take(CHUNK).collect())
    })
}
