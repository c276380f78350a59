//! Statistics without personal data (issue 14 item 2), for oversight
//! (`stats.read`): per day or week and per agency — screenings, alerts
//! (vetting cases opened), cases cleared, refused and referred, the time
//! to a decision (median and 90th percentile), requests submitted,
//! answered and refused, disclosures by category and legal basis, denials
//! by policy id, failed logins.
//!
//! **Pre-aggregation.** The counts come from the ledger's entries (and,
//! for cases opened and decision times, the records' creating entries),
//! folded into `stats_cells` per UTC day, agency, metric and key up to a
//! cursor (`store::stats`). Each read first folds in the entries since
//! the cursor, so a read costs the new entries plus the cells of the
//! period asked, not the ledger's size. Disclosures come from the
//! register (`crate::disclosures`), which is small.
//!
//! **Small cells (k ≥ 5).** A count from 1 to 4 is never shown. Since a
//! published total minus its published parts would give away what was
//! hidden, hiding is repeated (the smallest published part of the group
//! next) until, in every group whose sum is published or derivable, the
//! hidden parts add up to 0 or at least 5: the agencies of a period
//! (against the period's total), the days of a week for an agency and the
//! day totals of a week (against the week's figures, in the day view).
//! A decision-time percentile is shown only over at least 5 decisions, as
//! the upper bound of its bucket.

use std::collections::{BTreeMap, HashMap};

use domain::Action;
use serde::{Deserialize, Serialize};
use store::stats::CellKey;

use crate::{Actor, Service, ServiceError};

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
        "applicant.submit" if e.resource.kind == "lists" => "screening",
        "vetting.clear" => "case_cleared",
        "vetting.confirm_refusal" => "case_refused",
        "vetting.confirm_referral" => "case_referred",
        "rfi.submit" => "request_submitted",
        "rfi.answer" => "request_answered",
        "rfi.refuse" => "request_refused",
        _ => return Vec::new(),
    };
    let key = if e.action == "applicant.submit" {
        "intake".to_owned()
    } else {
        String::new()
    };
    vec![(metric, key)]
}

fn is_decision(action: &str) -> bool {
    matches!(
        action,
        "vetting.clear" | "vetting.confirm_refusal" | "vetting.confirm_referral"
    )
}

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
    /// From this time (Unix ms; rounded down to its day).
    pub from: Option<i64>,
    /// Until this time (Unix ms, exclusive; rounded up to a day).
    pub until: Option<i64>,
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
    /// The smallest count shown.
    pub k: i64,
    /// The read's own ledger entry.
    pub seq: u64,
}

/// The Monday that starts `day`'s ISO week (1970-01-01 was a Thursday).
fn week_of(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

impl Service {
    /// Folds the entries since the cursor into the cells.
    pub async fn stats_catch_up(&self) -> Result<(), ServiceError> {
        let store = self.store();
        loop {
            let from = store::stats::cursor(store).await?;
            let entries = store::stats::entries_from(store, from, STEP).await?;
            let Some(&(last, _)) = entries.last() else {
                return Ok(());
            };
            let mut cells: HashMap<CellKey, i64> = HashMap::new();
            let mut decided: Vec<(String, i64, String)> = Vec::new();
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
            store::stats::add(store, from, last + 1, cells).await?;
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
        let (cells, decision_time) = self.stats_table(query).await?;
        Ok(Stats {
            period,
            cells,
            decision_time,
            k: K,
            seq: done.seq,
        })
    }

    /// The figures of [`Service::stats`] without recording the read (the
    /// caller did): catches up, reads the cells, hides what must be hidden.
    pub async fn stats_table(
        &self,
        query: &Query,
    ) -> Result<(Vec<Cell>, Vec<DecisionTime>), ServiceError> {
        let period = query.period.unwrap_or_default();
        let from_day = query.from.map_or(i64::MIN / 2, |t| t.div_euclid(DAY_MS));
        let until_day = query.until.map_or(i64::MAX / 2, |t| {
            t.saturating_add(DAY_MS - 1).div_euclid(DAY_MS)
        });
        self.stats_catch_up().await?;
        let mut raw: BTreeMap<(i64, String, String, String), i64> = BTreeMap::new();
        let bucket_day = |day: i64| match period {
            Period::Day => day,
            Period::Week => week_of(day),
        };
        for (c, n) in store::stats::cells(self.store(), from_day, until_day).await? {
            *raw.entry((bucket_day(c.day), c.agency, c.metric, c.key))
                .or_default() += n;
        }
        // Disclosures, from the register: by category and legal basis,
        // per recipient.
        let filter = crate::disclosures::Filter {
            recipient: None,
            kind: None,
            from: query.from,
            until: query.until,
        };
        for d in self.disclosures(&filter).await? {
            let day = bucket_day(d.time.div_euclid(DAY_MS));
            for c in &d.categories {
                *raw.entry((
                    day,
                    d.recipient.clone(),
                    "disclosure_category".into(),
                    c.clone(),
                ))
                .or_default() += 1;
            }
            *raw.entry((
                day,
                d.recipient.clone(),
                "disclosure_legal_basis".into(),
                d.legal_basis.clone(),
            ))
            .or_default() += 1;
        }
        let decision_time = decision_times(&raw);
        raw.retain(|k, _| k.2 != "decision_time");
        Ok((protect(raw, period), decision_time))
    }
}

/// The median and 90th percentile per period, over all agencies.
fn decision_times(raw: &BTreeMap<(i64, String, String, String), i64>) -> Vec<DecisionTime> {
    let mut per: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for ((period, _, metric, key), n) in raw {
        if metric != "decision_time" {
            continue;
        }
        let b: usize = key.parse().unwrap_or(BUCKETS.len() - 1);
        let hist = per.entry(*period).or_insert_with(|| vec![0; BUCKETS.len()]);
        hist[b.min(BUCKETS.len() - 1)] += n;
    }
    per.into_iter()
        .map(|(period, hist)| {
            let total: i64 = hist.iter().sum();
            if total < K {
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

/// One figure while suppression is decided.
struct Fig {
    period: i64,
    agency: String,
    metric: String,
    key: String,
    n: i64,
    hidden: bool,
}

/// Hides what must be hidden (module docs) and adds the period totals.
fn protect(raw: BTreeMap<(i64, String, String, String), i64>, period: Period) -> Vec<Cell> {
    let mut figs: Vec<Fig> = raw
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|((p, agency, metric, key), n)| Fig {
            period: p,
            agency,
            metric,
            key,
            n,
            hidden: false,
        })
        .collect();
    // The period totals (agency `*`).
    let mut totals: BTreeMap<(i64, String, String), i64> = BTreeMap::new();
    for f in &figs {
        *totals
            .entry((f.period, f.metric.clone(), f.key.clone()))
            .or_default() += f.n;
    }
    figs.extend(totals.into_iter().map(|((p, metric, key), n)| Fig {
        period: p,
        agency: "*".into(),
        metric,
        key,
        n,
        hidden: false,
    }));
    for f in &mut figs {
        f.hidden = f.n < K;
    }
    // The groups whose sum is published or derivable.
    let mut groups: BTreeMap<(u8, i64, String, String, String), Vec<usize>> = BTreeMap::new();
    for (i, f) in figs.iter().enumerate() {
        if f.agency != "*" {
            // The agencies of a period, against its total.
            groups
                .entry((0, f.period, String::new(), f.metric.clone(), f.key.clone()))
                .or_default()
                .push(i);
        }
        if period == Period::Day {
            // The days of a week, against the week's figure (agency or
            // total), which the week view publishes.
            groups
                .entry((
                    1,
                    week_of(f.period),
                    f.agency.clone(),
                    f.metric.clone(),
                    f.key.clone(),
                ))
                .or_default()
                .push(i);
        }
    }
    loop {
        let mut changed = false;
        for members in groups.values() {
            let hidden: i64 = members
                .iter()
                .filter(|&&i| figs[i].hidden)
                .map(|&i| figs[i].n)
                .sum();
            if hidden == 0 || hidden >= K {
                continue;
            }
            // Hide the smallest figure still shown.
            if let Some(&i) = members
                .iter()
                .filter(|&&i| !figs[i].hidden)
                .min_by_key(|&&i| figs[i].n)
            {
                figs[i].hidden = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let order = |m: &str| METRICS.iter().position(|x| *x == m).unwrap_or(usize::MAX);
    figs.sort_by(|a, b| {
        (
            a.period,
            order(&a.metric),
            &a.key,
            a.agency != "*",
            &a.agency,
        )
            .cmp(&(
                b.period,
                order(&b.metric),
                &b.key,
                b.agency != "*",
                &b.agency,
            ))
    });
    figs.into_iter()
        .map(|f| Cell {
            period: f.period * DAY_MS,
            agency: f.agency,
            metric: f.metric,
            key: f.key,
            n: (!f.hidden).then_some(f.n),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(rows: &[(i64, &str, i64)]) -> BTreeMap<(i64, String, String, String), i64> {
        rows.iter()
            .map(|(d, a, n)| ((*d, (*a).to_owned(), "screening".into(), String::new()), *n))
            .collect()
    }

    /// Every group's hidden part is 0 or at least K, so a total never
    /// gives a hidden figure away; nothing under K is shown.
    #[test]
    fn small_cells_are_hidden_and_cannot_be_derived() {
        // Day 0: a=7, b=3 (total 10): b hidden, and then a too (10 - 7 = 3).
        let cells = protect(raw(&[(0, "a", 7), (0, "b", 3)]), Period::Week);
        let get = |a: &str| cells.iter().find(|c| c.agency == a).unwrap().n;
        assert_eq!(get("b"), None);
        assert_eq!(get("a"), None);
        assert_eq!(get("*"), Some(10));
        // a=7, b=3, c=6: hiding b then the smallest shown (c) hides 9 ≥ 5.
        let cells = protect(raw(&[(0, "a", 7), (0, "b", 3), (0, "c", 6)]), Period::Week);
        let get = |a: &str| cells.iter().find(|c| c.agency == a).unwrap().n;
        assert_eq!(
            (get("a"), get("b"), get("c"), get("*")),
            (Some(7), None, None, Some(16))
        );
        for c in &cells {
            assert!(c.n.is_none_or(|n| n >= K));
        }
    }

    #[test]
    fn day_view_protects_against_the_week_view() {
        // Agency a: 6 on Monday, 2 on Tuesday; the week shows 8.
        let monday = 4; // 1970-01-05
        let cells = protect(raw(&[(monday, "a", 6), (monday + 1, "a", 2)]), Period::Day);
        assert!(cells.iter().all(|c| c.n.is_none()), "{cells:?}");
        assert_eq!(week_of(monday), monday);
        assert_eq!(week_of(monday + 6), monday);
        assert_eq!(week_of(monday + 7), monday + 7);
    }

    #[test]
    fn percentiles_need_five_decisions() {
        let mut r = BTreeMap::new();
        r.insert((0, "a".into(), "decision_time".into(), "0".into()), 3);
        assert_eq!(decision_times(&r)[0].median, None);
        r.insert((0, "b".into(), "decision_time".into(), "2".into()), 2);
        let t = &decision_times(&r)[0];
        assert_eq!(t.decisions, Some(5));
        assert_eq!(t.median.as_deref(), Some("at most 15 min"));
        assert_eq!(t.p90.as_deref(), Some("at most 4 h"));
    }
}
