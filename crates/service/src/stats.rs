//! Statistics without personal data (issue 14 item 2), for oversight
//! (`stats.read`): per day or week and per agency — screenings, alerts
//! (vetting cases opened), cases cleared, refused and referred, the time
//! to a decision (median and 90th percentile), requests submitted,
//! answered and refused by kind (information, assistance) and whether an
//! answer or refusal kept the request's deadline (`request_deadline`:
//! `kept`, `missed`), disclosures by category and legal basis, denials by
//! policy id, failed logins.
//!
//! **Pre-aggregation.** The counts come from the ledger's entries (and,
//! for cases opened and decision times, the records' creating entries),
//! folded into `stats_cells` per UTC day, agency, metric and key up to a
//! cursor (`store::stats`), and kept in memory as well ([`Cache`]): each
//! read first folds in the entries since the cursor (into both), so a
//! read costs the new entries plus the figures of the period asked, not
//! the ledger's size nor a read of every cell. Disclosures come from the
//! register (`crate::disclosures`).
//!
//! **Small cells (k ≥ 5).** A count from 1 to 4 is never shown, nor one
//! from which such a count could be worked out with the other figures of
//! either view (day or week): see `suppress`. What is hidden is decided
//! per whole week, so no choice of range gives more away. A
//! decision-time percentile is shown only where the number of decisions
//! is (at least 5, not hidden), as the upper bound of its bucket.

use std::collections::{BTreeMap, HashMap};

use domain::Action;
use serde::{Deserialize, Serialize};
use store::stats::CellKey;

use crate::{Actor, Service, ServiceError};

mod suppress;

use suppress::protect;

/// The smallest count shown.
pub const K: i64 = 5;

const DAY_MS: i64 = 86_400_000;

/// Decision-time buckets: upper bounds in minutes, and their labels.
const BUCKETS: &[(i64, &str)] = &[
    (15, "15 min"),
    (60, "1 h"),
    (240, "4 h"),
    (720, "12 h"),
    (1_440, "1 day"),
    (2_880, "2 days"),
    (10_080, "7 days"),
    (43_200, "30 days"),
    (i64::MAX, "more than 30 days"),
];

fn bucket_of(minutes: i64) -> usize {
    BUCKETS
        .iter()
        .position(|(b, _)| minutes <= *b)
        .unwrap_or(BUCKETS.len() - 1)
}

/// The metrics, in display order.
pub const METRICS: &[&str] = &[
    "screening",
    "alert",
    "case_cleared",
    "case_refused",
    "case_referred",
    "request_submitted",
    "request_answered",
    "request_refused",
    "request_deadline",
    "disclosure_category",
    "disclosure_legal_basis",
    "denial",
    "login_failed",
];

/// What one entry counts as: `(metric, key)`s.
fn classify(e: &ledger::Entry) -> Vec<(&'static str, String)> {
    if e.action == "session.login_failed" {
        // A refused login (its entry is a denial under an `authn-` rule).
        return vec![("login_failed", String::new())];
    }
    if e.decision == ledger::Decision::Deny {
        let mut out: Vec<(&'static str, String)> =
            e.policies.iter().map(|p| ("denial", p.clone())).collect();
        if out.is_empty() {
            out.push(("denial", String::new()));
        }
        return out;
    }
    let metric = match e.action.as_str() {
        "screening.run" => "screening",
        "applicant.submit" | "declaration.submit" | "delegation.register"
            if e.resource.kind == "lists" =>
        {
            "screening"
        }
        "vetting.clear" => "case_cleared",
        "vetting.confirm_refusal" => "case_refused",
        "vetting.confirm_referral" => "case_referred",
        _ => return Vec::new(),
    };
    // A screening's channel: an intake batch, a declaration, or asked.
    let key = match e.action.as_str() {
        "applicant.submit" => "intake",
        "declaration.submit" | "delegation.register" => "declaration",
        _ => "",
    }
    .to_owned();
    vec![(metric, key)]
}

fn is_decision(action: &str) -> bool {
    matches!(
        action,
        "vetting.clear" | "vetting.confirm_refusal" | "vetting.confirm_referral"
    )
}

/// The request metric an allowed entry on a request counts as (by the
/// request's kind, once its document is read).
fn request_metric(action: &str) -> Option<&'static str> {
    match action {
        "rfi.submit" => Some("request_submitted"),
        "rfi.answer" => Some("request_answered"),
        "rfi.refuse" => Some("request_refused"),
        _ => None,
    }
}

/// The kind of request records.
const REQUEST_KIND: &str = "request";

/// Entries read per catch-up step.
const STEP: i64 = 20_000;

/// The kind of vetting case records.
const CASE_KIND: &str = "vetting_case";

/// The period a statistics table is broken down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// UTC days.
    #[default]
    Day,
    /// ISO weeks (Monday to Sunday, UTC).
    Week,
}

/// Oversight's question.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// Day or week.
    pub period: Option<Period>,
    /// From this time (Unix ms; rounded down to its day, in the week view
    /// to its week: a week is always counted whole).
    pub from: Option<i64>,
    /// Until this time (Unix ms, exclusive; rounded up to a day, in the
    /// week view to the end of its week).
    pub until: Option<i64>,
    /// Only this agency's figures (`*`: only the totals); every figure
    /// when absent. What is hidden does not depend on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

/// One published figure: `n` is `None` when suppressed.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Cell {
    /// The period's first day (Unix ms, UTC midnight).
    pub period: i64,
    /// The agency (or delegation) acting — the recipient for disclosures;
    /// `*` for all of them (the period's total).
    pub agency: String,
    /// What is counted.
    pub metric: String,
    /// The breakdown (policy id, category, legal basis, bucket), or empty.
    pub key: String,
    /// The count, or `None` when it is hidden (under 5, or to protect one
    /// that is).
    pub n: Option<i64>,
}

/// The time to decision over a period.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DecisionTime {
    /// The period's first day (Unix ms).
    pub period: i64,
    /// How many decisions (`None`: under 5, nothing shown).
    pub decisions: Option<i64>,
    /// The median, as its bucket's upper bound (`at most 4 h`).
    pub median: Option<String>,
    /// The 90th percentile, likewise.
    pub p90: Option<String>,
}

/// The statistics.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    /// Day or week.
    pub period: Period,
    /// The figures, by period, metric, key and agency (totals: agency `*`).
    pub cells: Vec<Cell>,
    /// Time to decision per period.
    pub decision_time: Vec<DecisionTime>,
    /// The agencies with a figure in the period, by name (whichever
    /// agency was asked for).
    pub agencies: Vec<String>,
    /// The smallest count shown.
    pub k: i64,
    /// The read's own ledger entry.
    pub seq: u64,
}

/// The Monday that starts `day`'s ISO week (1970-01-01 was a Thursday).
fn week_of(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

/// The cells in memory: what `stats_cells` holds up to `cursor`, with the
/// agencies and metric keys as small numbers. Loaded by the first read,
/// kept up to date by each catch-up of this process, reloaded when
/// another process (or a restart) moved the cursor meanwhile. Only a
/// catch-up adds cells, and every catch-up moves the cursor forward, so
/// an equal cursor means equal cells.
#[derive(Default)]
pub(crate) struct Cache(tokio::sync::Mutex<Option<Cells>>);

#[derive(Default)]
struct Cells {
    cursor: i64,
    agencies: Names<String>,
    keys: Names<(String, String)>,
    /// `(day, agency, metric key)` → count.
    counts: BTreeMap<(i64, u32, u32), i64>,
}

/// Names and their numbers, in order of first appearance.
struct Names<T> {
    all: Vec<T>,
    ids: HashMap<T, u32>,
}

impl<T> Default for Names<T> {
    fn default() -> Self {
        Names {
            all: Vec::new(),
            ids: HashMap::new(),
        }
    }
}

impl<T: Clone + Eq + std::hash::Hash> Names<T> {
    fn id(&mut self, name: T) -> u32 {
        if let Some(&id) = self.ids.get(&name) {
            return id;
        }
        let id = self.all.len() as u32;
        self.all.push(name.clone());
        self.ids.insert(name, id);
        id
    }
}

impl Cells {
    fn add(&mut self, cells: impl IntoIterator<Item = (CellKey, i64)>) {
        for (c, n) in cells {
            let agency = self.agencies.id(c.agency);
            let key = self.keys.id((c.metric, c.key));
            *self.counts.entry((c.day, agency, key)).or_default() += n;
        }
    }
}

impl Service {
    /// Folds the entries since the cursor into the cells.
    pub async fn stats_catch_up(&self) -> Result<(), ServiceError> {
        let mut cache = self.inner.stats.0.lock().await;
        self.catch_up(&mut cache).await
    }

    /// Catches up and loads the cells into memory, so that the first
    /// read does not wait for them (`cortina serve` calls it at start).
    pub async fn stats_load(&self) -> Result<(), ServiceError> {
        let mut cache = self.inner.stats.0.lock().await;
        self.load(&mut cache).await.map(|_| ())
    }

    /// Catches up, then (re)loads the cells unless the memory holds them
    /// as of the store's cursor.
    async fn load<'c>(&self, cache: &'c mut Option<Cells>) -> Result<&'c mut Cells, ServiceError> {
        self.catch_up(cache).await?;
        let cursor = store::stats::cursor(self.store()).await?;
        let cells = match cache.take() {
            Some(cells) if cells.cursor == cursor => cells,
            _ => {
                let (cursor, all) = store::stats::snapshot(self.store()).await?;
                let mut fresh = Cells {
                    cursor,
                    ..Cells::default()
                };
                fresh.add(all);
                fresh
            }
        };
        Ok(cache.insert(cells))
    }

    async fn catch_up(&self, cache: &mut Option<Cells>) -> Result<(), ServiceError> {
        let store = self.store();
        loop {
            let from = store::stats::cursor(store).await?;
            let entries = store::stats::entries_from(store, from, STEP).await?;
            let Some(&(last, _)) = entries.last() else {
                return Ok(());
            };
            let mut cells: HashMap<CellKey, i64> = HashMap::new();
            let mut decided: Vec<(String, i64, String)> = Vec::new();
            let mut requests: Vec<(String, &'static str, i64, String)> = Vec::new();
            let mut at: HashMap<i64, (i64, String)> = HashMap::new();
            for (seq, bytes) in &entries {
                let e = ledger::Entry::decode(bytes)
                    .map_err(|err| ServiceError::BadCommand(format!("entry {seq}: {err}")))?;
                let day = e.time_ms.div_euclid(DAY_MS);
                for (metric, key) in classify(&e) {
                    *cells
                        .entry(CellKey {
                            day,
                            agency: e.actor_agency.clone(),
                            metric: metric.to_owned(),
                            key,
                        })
                        .or_default() += 1;
                }
                if e.decision == ledger::Decision::Allow && is_decision(&e.action) {
                    decided.push((e.resource.id.clone(), e.time_ms, e.actor_agency.clone()));
                }
                if e.decision == ledger::Decision::Allow
                    && e.resource.kind == REQUEST_KIND
                    && let Some(metric) = request_metric(&e.action)
                {
                    requests.push((
                        e.resource.id.clone(),
                        metric,
                        e.time_ms,
                        e.actor_agency.clone(),
                    ));
                }
                at.insert(*seq, (day, e.actor_agency));
            }
            // Alerts: the vetting cases these entries opened.
            for seq in store::stats::created_between(store, CASE_KIND, from, last + 1).await? {
                if let Some((day, agency)) = at.get(&seq) {
                    *cells
                        .entry(CellKey {
                            day: *day,
                            agency: agency.clone(),
                            metric: "alert".into(),
                            key: String::new(),
                        })
                        .or_default() += 1;
                }
            }
            // Decision times: from the case's creating entry.
            let ids: Vec<String> = decided.iter().map(|d| d.0.clone()).collect();
            let opened = store::stats::created_times(store, CASE_KIND, &ids).await?;
            for (id, time, agency) in decided {
                if let Some(start) = opened.get(&id) {
                    let minutes = (time - start).max(0) / 60_000;
                    *cells
                        .entry(CellKey {
                            day: time.div_euclid(DAY_MS),
                            agency,
                            metric: "decision_time".into(),
                            key: bucket_of(minutes).to_string(),
                        })
                        .or_default() += 1;
                }
            }
            // Requests: by kind, and whether the end kept the deadline,
            // from the request's document (its kind and due time).
            let ids: Vec<String> = requests.iter().map(|r| r.0.clone()).collect();
            let docs = store::stats::documents(store, REQUEST_KIND, &ids).await?;
            for (id, metric, time, agency) in requests {
                let doc: Option<serde_json::Value> =
                    docs.get(&id).and_then(|d| serde_json::from_str(d).ok());
                let kind = doc
                    .as_ref()
                    .and_then(|d| d.get("kind")?.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "unknown".to_owned());
                let day = time.div_euclid(DAY_MS);
                let mut count = |metric: &str, key: String| {
                    *cells
                        .entry(CellKey {
                            day,
                            agency: agency.clone(),
                            metric: metric.to_owned(),
                            key,
                        })
                        .or_default() += 1;
                };
                count(metric, kind);
                if metric != "request_submitted" {
                    let due = doc.as_ref().and_then(|d| d.get("due_at")?.as_i64());
                    if let Some(due) = due {
                        count(
                            "request_deadline",
                            if time <= due { "kept" } else { "missed" }.into(),
                        );
                    }
                }
            }
            let added = store::stats::add(store, from, last + 1, cells.clone()).await?;
            match cache {
                Some(c) if added && c.cursor == from => {
                    c.add(cells);
                    c.cursor = last + 1;
                }
                // Another process counted these, or moved the cursor
                // before: the next read loads the cells afresh.
                _ => *cache = None,
            }
            if (entries.len() as i64) < STEP {
                return Ok(());
            }
        }
    }

    /// Records oversight's read (`stats.read`; refused to anyone else),
    /// catches up and answers.
    pub async fn stats(&self, actor: &Actor, query: &Query) -> Result<Stats, ServiceError> {
        let period = query.period.unwrap_or_default();
        let payload = serde_json::to_vec(query)
            .map_err(|e| ServiceError::BadCommand(format!("query: {e}")))?;
        let done = self
            .record(
                actor,
                Action::StatsRead,
                authority::Resource::Ledger,
                payload,
            )
            .await?;
        let table = self.stats_table(query).await?;
        Ok(Stats {
            period,
            cells: table.cells,
            decision_time: table.decision_time,
            agencies: table.agencies,
            k: K,
            seq: done.seq,
        })
    }

    /// The figures of [`Service::stats`] without recording the read (the
    /// caller did): catches up, folds the period's cells, hides what must
    /// be hidden, keeps the agency asked.
    pub async fn stats_table(&self, query: &Query) -> Result<Table, ServiceError> {
        let period = query.period.unwrap_or_default();
        let from_day = query.from.map_or(i64::MIN / 2, |t| t.div_euclid(DAY_MS));
        let until_day = query.until.map_or(i64::MAX / 2, |t| {
            t.saturating_add(DAY_MS - 1).div_euclid(DAY_MS)
        });
        // Whole weeks around the range: what is hidden is decided per
        // week, the same whichever range or view is asked.
        let (first_week, end_week) = (week_of(from_day), week_of(until_day - 1) + 7);
        // Disclosures, from the register: by category and legal basis,
        // per recipient — of those whole weeks too.
        let filter = crate::disclosures::Filter {
            recipient: None,
            kind: None,
            from: query.from.map(|_| first_week.saturating_mul(DAY_MS)),
            until: query.until.map(|_| end_week.saturating_mul(DAY_MS)),
        };
        let mut disclosed: Vec<CellKey> = Vec::new();
        for d in self.disclosures(&filter).await? {
            let day = d.time.div_euclid(DAY_MS);
            for c in &d.categories {
                disclosed.push(CellKey {
                    day,
                    agency: d.recipient.clone(),
                    metric: "disclosure_category".into(),
                    key: c.clone(),
                });
            }
            disclosed.push(CellKey {
                day,
                agency: d.recipient.clone(),
                metric: "disclosure_legal_basis".into(),
                key: d.legal_basis.clone(),
            });
        }
        let mut cache = self.inner.stats.0.lock().await;
        let cells = self.load(&mut cache).await?;
        let disclosed: Vec<(i64, u32, u32)> = disclosed
            .into_iter()
            .map(|c| {
                (
                    c.day,
                    cells.agencies.id(c.agency),
                    cells.keys.id((c.metric, c.key)),
                )
            })
            .collect();
        // Ranks in display order: agencies by name (0 is the total),
        // metric keys by metric then key.
        let mut order: Vec<u32> = (0..cells.agencies.all.len() as u32).collect();
        order.sort_by(|a, b| cells.agencies.all[*a as usize].cmp(&cells.agencies.all[*b as usize]));
        let mut agency_rank = vec![0u32; order.len()];
        for (rank, id) in order.iter().enumerate() {
            agency_rank[*id as usize] = rank as u32 + 1;
        }
        let metric_order = |m: &str| METRICS.iter().position(|x| *x == m).unwrap_or(usize::MAX);
        let mut key_order: Vec<u32> = (0..cells.keys.all.len() as u32).collect();
        key_order.sort_by(|a, b| {
            let (ma, ka) = &cells.keys.all[*a as usize];
            let (mb, kb) = &cells.keys.all[*b as usize];
            (metric_order(ma), ma, ka).cmp(&(metric_order(mb), mb, kb))
        });
        let mut key_rank = vec![0u32; key_order.len()];
        for (rank, id) in key_order.iter().enumerate() {
            key_rank[*id as usize] = rank as u32;
        }
        let mut raw: BTreeMap<(i64, u32, u32), i64> = BTreeMap::new();
        let bucket_of_key: Vec<Option<usize>> = keys_in_rank_order(&cells.keys.all, &key_order)
            .map(|(metric, key)| {
                (metric == "decision_time").then(|| key.parse().unwrap_or(BUCKETS.len() - 1))
            })
            .collect();
        let mut hist: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        let counted = cells
            .counts
            .range((first_week, 0, 0)..(end_week, 0, 0))
            .map(|(&(day, agency, key), &n)| (day, agency, key, n))
            .chain(disclosed.into_iter().map(|(d, a, k)| (d, a, k, 1)));
        for (day, agency, key, n) in counted {
            let rank = key_rank[key as usize];
            match bucket_of_key[rank as usize] {
                // Decision times: a histogram per day over all agencies,
                // and the number of decisions as a total-only figure.
                Some(b) => {
                    hist.entry(day).or_insert_with(|| vec![0; BUCKETS.len()])
                        [b.min(BUCKETS.len() - 1)] += n;
                    *raw.entry((day, DECISIONS, 0)).or_default() += n;
                }
                None => {
                    *raw.entry((day, rank, agency_rank[agency as usize]))
                        .or_default() += n
                }
            }
        }
        let agencies: Vec<String> = order
            .iter()
            .map(|id| cells.agencies.all[*id as usize].clone())
            .collect();
        let keys: Vec<(String, String)> = keys_in_rank_order(&cells.keys.all, &key_order)
            .cloned()
            .collect();
        drop(cache);
        let (days, weeks) = protect(&raw);
        let (figs, hist) = match period {
            Period::Day => (
                days.into_iter()
                    .filter(|f| (from_day..until_day).contains(&f.period))
                    .collect::<Vec<_>>(),
                hist.into_iter()
                    .filter(|(d, _)| (from_day..until_day).contains(d))
                    .collect::<BTreeMap<_, _>>(),
            ),
            Period::Week => {
                let mut per_week: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
                for (day, h) in hist {
                    let w = per_week
                        .entry(week_of(day))
                        .or_insert_with(|| vec![0; BUCKETS.len()]);
                    for (total, n) in w.iter_mut().zip(h) {
                        *total += n;
                    }
                }
                (weeks, per_week)
            }
        };
        let decisions: HashMap<i64, Option<i64>> = figs
            .iter()
            .filter(|f| f.key == DECISIONS)
            .map(|f| (f.period, (!f.hidden).then_some(f.n)))
            .collect();
        let decision_time = decision_times(hist, &decisions);
        let shown_agencies: std::collections::BTreeSet<u32> = figs
            .iter()
            .filter(|f| f.agency != 0)
            .map(|f| f.agency)
            .collect();
        let wanted: Option<u32> = match query.agency.as_deref() {
            None => None,
            Some("*") => Some(0),
            Some(name) => Some(
                agencies
                    .iter()
                    .position(|a| a == name)
                    .map_or(u32::MAX, |i| i as u32 + 1),
            ),
        };
        let cells = figs
            .into_iter()
            .filter(|f| f.key != DECISIONS && wanted.is_none_or(|w| w == f.agency))
            .map(|f| Cell {
                period: f.period * DAY_MS,
                agency: if f.agency == 0 {
                    "*".to_owned()
                } else {
                    agencies[f.agency as usize - 1].clone()
                },
                metric: keys[f.key as usize].0.clone(),
                key: keys[f.key as usize].1.clone(),
                n: (!f.hidden).then_some(f.n),
            })
            .collect();
        Ok(Table {
            cells,
            decision_time,
            agencies: shown_agencies
                .into_iter()
                .map(|a| agencies[a as usize - 1].clone())
                .collect(),
        })
    }
}

/// The metric keys in display order.
fn keys_in_rank_order<'a>(
    all: &'a [(String, String)],
    order: &'a [u32],
) -> impl Iterator<Item = &'a (String, String)> {
    order.iter().map(|id| &all[*id as usize])
}

/// The key rank of the number of decisions in a period (a figure with a
/// total only, protected like the others).
const DECISIONS: u32 = u32::MAX;

/// What [`Service::stats_table`] answers.
#[derive(Clone, Debug)]
pub struct Table {
    /// The figures.
    pub cells: Vec<Cell>,
    /// Time to decision per period.
    pub decision_time: Vec<DecisionTime>,
    /// The agencies with a figure in the period, by name.
    pub agencies: Vec<String>,
}

/// The median and 90th percentile per period, from its histogram, where
/// the number of decisions is shown (`decisions`: as protected).
fn decision_times(
    per: BTreeMap<i64, Vec<i64>>,
    decisions: &HashMap<i64, Option<i64>>,
) -> Vec<DecisionTime> {
    per.into_iter()
        .map(|(period, hist)| {
            let total: i64 = hist.iter().sum();
            let shown = decisions.get(&period).copied().flatten().is_some();
            if total < K || !shown {
                return DecisionTime {
                    period: period * DAY_MS,
                    decisions: None,
                    median: None,
                    p90: None,
                };
            }
            let quantile = |q: f64| {
                let rank = ((total as f64) * q).ceil().max(1.0) as i64;
                let mut seen = 0;
                for (i, n) in hist.iter().enumerate() {
                    seen += n;
                    if seen >= rank {
                        return format!("at most {}", BUCKETS[i].1);
                    }
                }
                format!("at most {}", BUCKETS[BUCKETS.len() - 1].1)
            };
            DecisionTime {
                period: period * DAY_MS,
                decisions: Some(total),
                median: Some(quantile(0.5)),
                p90: Some(quantile(0.9)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_need_five_decisions() {
        let mut hist = vec![0; BUCKETS.len()];
        hist[0] = 3;
        let shown = |n| HashMap::from([(0, Some(n))]);
        let per = |h: &Vec<i64>, n| decision_times(BTreeMap::from([(0, h.clone())]), &shown(n));
        assert_eq!(per(&hist, 3)[0].median, None);
        hist[2] = 2;
        let t = &per(&hist, 5)[0];
        assert_eq!(t.decisions, Some(5));
        assert_eq!(t.median.as_deref(), Some("at most 15 min"));
        assert_eq!(t.p90.as_deref(), Some("at most 4 h"));
        // Hidden to protect another period's count: no percentile either.
        let none = decision_times(BTreeMap::from([(0, hist.clone())]), &HashMap::new());
        assert_eq!((none[0].decisions, none[0].median.clone()), (None, None));
    }
}
