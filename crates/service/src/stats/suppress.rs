//! Small-cell suppression for the statistics: which counts may be shown
//! so that no count from 1 to 4 can be read or worked out.
//!
//! For one metric key and one ISO week the figures form a table: a row
//! per agency plus the total row, a column per day plus the week column.
//! Every row sums to its week figure and every column to its day total,
//! and the day view and the week view publish both sides of these sums.
//! A count under [`K`] is hidden (primary suppression); then more are
//! hidden (secondary suppression) until:
//! - in every line (row or column) whose sum is shown, the hidden parts
//!   add up to 0 or at least `K`, so a sum never narrows a small count
//!   down;
//! - no hidden figure can be worked out exactly from the shown ones. With
//!   both margins published the values the hidden figures could take
//!   differ by cycles through the table (up one cell, down another in
//!   the same row, …); a hidden figure on no such cycle is fixed. In the
//!   graph whose nodes are the lines and whose edges are the hidden
//!   figures, those are the bridges, and for each one the smallest shown
//!   figure of its row or column is hidden next.
//!
//! Tables are independent of each other (no published sum spans two
//! weeks or two keys), so what is hidden in a week does not depend on
//! the range asked. A table of totals only (no agency rows, like the
//! number of decisions) has one relation, its row: there, hidden figures
//! come in twos or more.

use std::collections::{BTreeMap, HashMap};

use super::{K, week_of};

/// One figure: agency `0` is the total over agencies; `key` is the
/// metric key's rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fig {
    /// The day, or the week's Monday (days since 1970-01-01).
    pub period: i64,
    pub key: u32,
    pub agency: u32,
    pub n: i64,
    /// A week's figure (else a day's).
    pub week: bool,
    pub hidden: bool,
}

/// The figures of one level (days or weeks) with their totals, in the
/// order of `raw` (`(period, key rank, agency rank)`), each total before
/// its agencies. A part with agency `0` is a total on its own.
fn with_totals(raw: impl Iterator<Item = ((i64, u32, u32), i64)>, week: bool) -> Vec<Fig> {
    let mut figs = Vec::new();
    let mut last: Option<(i64, u32)> = None;
    let mut total_at = 0;
    for ((period, key, agency), n) in raw {
        if n <= 0 {
            continue;
        }
        if last != Some((period, key)) {
            last = Some((period, key));
            total_at = figs.len();
            figs.push(Fig {
                period,
                key,
                agency: 0,
                n: 0,
                week,
                hidden: false,
            });
        }
        figs[total_at].n += n;
        if agency != 0 {
            figs.push(Fig {
                period,
                key,
                agency,
                n,
                week,
                hidden: false,
            });
        }
    }
    figs
}

/// Adds the totals and the week figures to the day counts of whole weeks
/// (`raw`: `(day, key rank, agency rank ≥ 1)`, or agency `0` for a
/// total-only figure) and hides what must be hidden (module docs), in
/// both views at once. Returns the day figures and the week figures,
/// each in display order.
pub(crate) fn protect(raw: &BTreeMap<(i64, u32, u32), i64>) -> (Vec<Fig>, Vec<Fig>) {
    let mut weeks: BTreeMap<(i64, u32, u32), i64> = BTreeMap::new();
    for (&(day, key, agency), &n) in raw {
        *weeks.entry((week_of(day), key, agency)).or_default() += n;
    }
    let mut figs = with_totals(raw.iter().map(|(k, n)| (*k, *n)), false);
    let days = figs.len();
    figs.extend(with_totals(weeks.into_iter(), true));
    for f in &mut figs {
        f.hidden = f.n < K;
    }
    // One table per (key, week): its figures, by agency then column.
    let mut order: Vec<u32> = (0..figs.len() as u32).collect();
    let column = |f: &Fig| {
        if f.week {
            7
        } else {
            f.period - week_of(f.period)
        }
    };
    order.sort_unstable_by_key(|&i| {
        let f = &figs[i as usize];
        (f.key, week_of(f.period), f.agency, column(f))
    });
    let mut start = 0;
    while start < order.len() {
        let head = &figs[order[start] as usize];
        let table = (head.key, week_of(head.period));
        let mut end = start + 1;
        while end < order.len() && {
            let f = &figs[order[end] as usize];
            (f.key, week_of(f.period)) == table
        } {
            end += 1;
        }
        let cells: Vec<(u32, usize, usize)> = order[start..end]
            .iter()
            .map(|&i| {
                let f = &figs[i as usize];
                (f.agency, column(f) as usize, i as usize)
            })
            .collect();
        protect_table(&mut figs, &cells);
        start = end;
    }
    let weeks = figs.split_off(days);
    (figs, weeks)
}

/// One table: `cells` are `(agency, column 0–7, index into figs)`.
fn protect_table(figs: &mut [Fig], cells: &[(u32, usize, usize)]) {
    // Rows: the total row is 0, the agencies follow.
    let mut rows: HashMap<u32, usize> = HashMap::new();
    for &(agency, _, _) in cells {
        let next = rows.len();
        rows.entry(agency).or_insert(next);
    }
    let totals_only = rows.len() == 1;
    // Each line: its parts and its sum (the figure in the margin).
    // Lines are the rows (sum: the week column), then the day columns
    // and the week column (sum: the total row).
    let row_of = |agency: u32| rows[&agency];
    let lines = rows.len() + 8;
    let mut parts: Vec<Vec<usize>> = vec![Vec::new(); lines];
    let mut sums: Vec<Option<usize>> = vec![None; lines];
    // The two lines of each figure (row line, column line), for the graph.
    let mut ends: Vec<(usize, usize, usize)> = Vec::with_capacity(cells.len());
    for &(agency, col, i) in cells {
        let (r, c) = (row_of(agency), rows.len() + col);
        ends.push((r, c, i));
        if col == 7 {
            sums[r] = Some(i);
        } else {
            parts[r].push(i);
        }
        if agency == 0 {
            sums[c] = Some(i);
        } else {
            parts[c].push(i);
        }
    }
    if totals_only {
        // No column relation is published: only the row.
        for line in rows.len()..lines {
            parts[line].clear();
            sums[line] = None;
        }
    }
    loop {
        let mut changed = false;
        // Sums shown: the hidden parts add up to 0 or at least K.
        for line in 0..lines {
            let Some(sum) = sums[line] else { continue };
            if figs[sum].hidden {
                continue;
            }
            let hidden: i64 = parts[line]
                .iter()
                .filter(|&&i| figs[i].hidden)
                .map(|&i| figs[i].n)
                .sum();
            if hidden > 0 && hidden < K {
                changed |= hide_smallest(figs, &parts[line]);
            }
        }
        if changed {
            continue;
        }
        // No hidden figure fixed by the others.
        if totals_only {
            let members: Vec<usize> = parts[0].iter().copied().chain(sums[0]).collect();
            if members.iter().filter(|&&i| figs[i].hidden).count() == 1 {
                changed |= hide_smallest(figs, &members);
            }
        } else {
            let hidden: Vec<(usize, usize, usize)> = ends
                .iter()
                .copied()
                .filter(|&(_, _, i)| figs[i].hidden)
                .collect();
            if let Some(&(r, c, bridge)) = bridges(lines, &hidden).first() {
                // Close a cycle through the bridge: the smallest shown
                // figure joining the two sides it separates; else one of
                // its lines (to join later); else any in the table.
                let others: Vec<(usize, usize, usize)> = hidden
                    .iter()
                    .copied()
                    .filter(|&(_, _, i)| i != bridge)
                    .collect();
                let (side_r, side_c) = (reach(lines, &others, r), reach(lines, &others, c));
                let across: Vec<usize> = ends
                    .iter()
                    .filter(|&&(a, b, _)| (side_r[a] && side_c[b]) || (side_c[a] && side_r[b]))
                    .map(|&(_, _, i)| i)
                    .collect();
                let near: Vec<usize> = parts[r]
                    .iter()
                    .chain(&parts[c])
                    .copied()
                    .chain(sums[r])
                    .chain(sums[c])
                    .collect();
                let all: Vec<usize> = ends.iter().map(|&(_, _, i)| i).collect();
                changed = hide_smallest(figs, &across)
                    || hide_smallest(figs, &near)
                    || hide_smallest(figs, &all);
            }
        }
        if !changed {
            return;
        }
    }
}

/// Hides the smallest figure still shown among `members`.
fn hide_smallest(figs: &mut [Fig], members: &[usize]) -> bool {
    match members
        .iter()
        .copied()
        .filter(|&i| !figs[i].hidden)
        .min_by_key(|&i| (figs[i].n, i))
    {
        Some(i) => {
            figs[i].hidden = true;
            true
        }
        None => false,
    }
}

/// The nodes joined to `from` by `edges`.
fn reach(nodes: usize, edges: &[(usize, usize, usize)], from: usize) -> Vec<bool> {
    let mut seen = vec![false; nodes];
    seen[from] = true;
    let mut todo = vec![from];
    while let Some(node) = todo.pop() {
        for &(a, b, _) in edges {
            let next = if a == node {
                b
            } else if b == node {
                a
            } else {
                continue;
            };
            if !seen[next] {
                seen[next] = true;
                todo.push(next);
            }
        }
    }
    seen
}

/// The edges `(a, b, _)` of the graph on `nodes` that lie on no cycle.
fn bridges(nodes: usize, edges: &[(usize, usize, usize)]) -> Vec<(usize, usize, usize)> {
    let mut adjacent: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nodes];
    for (e, &(a, b, _)) in edges.iter().enumerate() {
        adjacent[a].push((b, e));
        adjacent[b].push((a, e));
    }
    let mut found = Vec::new();
    let mut entered = vec![usize::MAX; nodes];
    let mut low = vec![0; nodes];
    let mut clock = 0;
    for root in 0..nodes {
        if entered[root] != usize::MAX {
            continue;
        }
        // Depth-first, without recursion: (node, edge in, next neighbour).
        let mut stack = vec![(root, usize::MAX, 0usize)];
        entered[root] = clock;
        low[root] = clock;
        clock += 1;
        while let Some(&mut (node, via, ref mut next)) = stack.last_mut() {
            if let Some(&(to, e)) = adjacent[node].get(*next) {
                *next += 1;
                if e == via {
                    continue;
                }
                if entered[to] == usize::MAX {
                    entered[to] = clock;
                    low[to] = clock;
                    clock += 1;
                    stack.push((to, e, 0));
                } else {
                    low[node] = low[node].min(entered[to]);
                }
            } else {
                stack.pop();
                if let Some(&(parent, _, _)) = stack.last() {
                    low[parent] = low[parent].min(low[node]);
                    if low[node] > entered[parent] {
                        found.push(edges[via]);
                    }
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Screenings on `day` by agency rank `a` (1, 2, …).
    fn raw(rows: &[(i64, u32, i64)]) -> BTreeMap<(i64, u32, u32), i64> {
        rows.iter().map(|(d, a, n)| ((*d, 0, *a), *n)).collect()
    }

    fn get(figs: &[Fig], agency: u32) -> Option<i64> {
        let f = figs.iter().find(|f| f.agency == agency).unwrap();
        (!f.hidden).then_some(f.n)
    }

    const MONDAY: i64 = 4; // 1970-01-05

    #[test]
    fn small_counts_are_hidden_and_so_is_what_gives_them_away() {
        // a=7, b=3 on one day (total 10): b hidden, and a too (10 − 7 = 3).
        let (days, weeks) = protect(&raw(&[(MONDAY, 1, 7), (MONDAY, 2, 3)]));
        assert_eq!(
            (get(&days, 1), get(&days, 2), get(&days, 0)),
            (None, None, Some(10))
        );
        assert_eq!(
            (get(&weeks, 1), get(&weeks, 2), get(&weeks, 0)),
            (None, None, Some(10))
        );
        // The total comes first, then the agencies in rank order.
        let order: Vec<u32> = days.iter().map(|f| f.agency).collect();
        assert_eq!(order, [0, 1, 2]);
    }

    #[test]
    fn the_day_view_does_not_undo_the_week_view() {
        // Agency a: 6 on Monday, 2 on Tuesday: the week's 8 is shown, so
        // neither day may be.
        let (days, weeks) = protect(&raw(&[(MONDAY, 1, 6), (MONDAY + 1, 1, 2)]));
        assert!(days.iter().all(|f| f.hidden), "{days:?}");
        assert_eq!(get(&weeks, 1), Some(8));
        // a: 7 on Monday, b: 3 on Tuesday. The week hides b, and a with
        // it (10 − 7); the day view must not show a's Monday either, or
        // a's week (7, a's only day) and so b's 3 would follow.
        let (days, weeks) = protect(&raw(&[(MONDAY, 1, 7), (MONDAY + 1, 2, 3)]));
        assert_eq!(get(&weeks, 1), None);
        assert!(
            days.iter().filter(|f| f.agency == 1).all(|f| f.hidden),
            "{days:?}"
        );
        assert_eq!(week_of(MONDAY), MONDAY);
        assert_eq!(week_of(MONDAY + 6), MONDAY);
        assert_eq!(week_of(MONDAY + 7), MONDAY + 7);
    }

    #[test]
    fn a_totals_only_table_hides_in_twos() {
        // Decisions: 6 on Monday, 2 on Tuesday, week 8.
        let raw = BTreeMap::from([((MONDAY, 9, 0), 6), ((MONDAY + 1, 9, 0), 2)]);
        let (days, weeks) = protect(&raw);
        assert!(days.iter().all(|f| f.hidden), "{days:?}");
        assert_eq!(weeks[0].n, 8);
        assert!(!weeks[0].hidden);
    }

    /// Whether hidden figure `target` is fixed by the shown ones: the
    /// published relations (every row and column of each table sums to
    /// its margin) restricted to the hidden figures, by elimination.
    fn fixed(figs: &[Fig], target: usize) -> bool {
        let hidden: Vec<usize> = (0..figs.len()).filter(|&i| figs[i].hidden).collect();
        let col = |f: &Fig| {
            if f.week {
                7
            } else {
                f.period - week_of(f.period)
            }
        };
        let table = |f: &Fig| (f.key, week_of(f.period));
        let totals_only =
            |t: (u32, i64)| figs.iter().filter(|f| table(f) == t).all(|f| f.agency == 0);
        // Relations: (table, row agency) and (table, column).
        let mut relations: Vec<Vec<f64>> = Vec::new();
        let mut keys: Vec<((u32, i64), u8, i64)> = figs
            .iter()
            .flat_map(|f| [(table(f), 0u8, f.agency as i64), (table(f), 1u8, col(f))])
            .collect();
        keys.sort();
        keys.dedup();
        for (t, kind, which) in keys {
            if kind == 1 && totals_only(t) {
                continue;
            }
            let mut row = vec![0.0; hidden.len()];
            for (j, &i) in hidden.iter().enumerate() {
                let f = &figs[i];
                if table(f) != t {
                    continue;
                }
                let (in_line, is_sum) = if kind == 0 {
                    (f.agency as i64 == which, f.week)
                } else {
                    (col(f) == which, f.agency == 0)
                };
                if in_line {
                    row[j] = if is_sum { -1.0 } else { 1.0 };
                }
            }
            relations.push(row);
        }
        let rank = |m: &[Vec<f64>]| {
            let mut m = m.to_vec();
            let mut rank = 0;
            for c in 0..hidden.len() {
                let Some(p) = (rank..m.len()).find(|&r| m[r][c].abs() > 1e-9) else {
                    continue;
                };
                m.swap(rank, p);
                let pivot = m[rank].clone();
                for (r, row) in m.iter_mut().enumerate() {
                    if r != rank && row[c].abs() > 1e-9 {
                        let k = row[c] / pivot[c];
                        for (x, p) in row.iter_mut().zip(&pivot) {
                            *x -= k * p;
                        }
                    }
                }
                rank += 1;
            }
            rank
        };
        let before = rank(&relations);
        let mut unit = vec![0.0; hidden.len()];
        unit[hidden.iter().position(|&i| i == target).unwrap()] = 1.0;
        relations.push(unit);
        rank(&relations) == before
    }

    /// Random tables: nothing under K shown, no hidden figure fixed by
    /// the rest, and where a sum is shown its hidden parts add up to 0
    /// or at least K.
    #[test]
    fn no_hidden_count_can_be_worked_out() {
        let mut seed = 2026u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for round in 0..300 {
            let mut raw = BTreeMap::new();
            for _ in 0..next(20) + 1 {
                let (day, key, agency) =
                    (MONDAY + next(9) as i64, next(2) as u32, next(4) as u32 + 1);
                raw.insert((day, key, agency), next(9) as i64 + 1);
            }
            if round % 5 == 0 {
                raw.insert((MONDAY + next(7) as i64, 7, 0), next(8) as i64 + 1);
                raw.insert((MONDAY + next(7) as i64, 7, 0), next(8) as i64 + 1);
            }
            let (mut figs, weeks) = protect(&raw);
            figs.extend(weeks);
            let col = |f: &Fig| {
                if f.week {
                    7
                } else {
                    f.period - week_of(f.period)
                }
            };
            for sum in figs.iter().filter(|f| !f.hidden) {
                let table = (sum.key, week_of(sum.period));
                let hidden_in = |line: &dyn Fn(&Fig) -> bool| -> i64 {
                    figs.iter()
                        .filter(|f| (f.key, week_of(f.period)) == table && f.hidden && line(f))
                        .map(|f| f.n)
                        .sum()
                };
                // A shown week figure: its row's days.
                if sum.week {
                    let h = hidden_in(&|f| !f.week && f.agency == sum.agency);
                    assert!(h == 0 || h >= K, "round {round}: {sum:?}: {h} hidden");
                }
                // A shown total: its column's agencies.
                if sum.agency == 0 {
                    let h = hidden_in(&|f| f.agency != 0 && col(f) == col(sum));
                    assert!(h == 0 || h >= K, "round {round}: {sum:?}: {h} hidden");
                }
            }
            for (i, f) in figs.iter().enumerate() {
                assert!(f.hidden || f.n >= K, "{f:?}");
                if f.hidden {
                    assert!(
                        !fixed(&figs, i),
                        "round {round}: {f:?} can be worked out: {figs:?}"
                    );
                }
            }
        }
    }
}
