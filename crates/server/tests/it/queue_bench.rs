//! Issue 12's queue benchmark (ignored by default; BENCHMARKS.md "Vetting
//! queue page"): a store with 1,000,000 applicants and 20,000 open cases
//! (and 30,000 decided ones, a third of them cleared in bulk), then the
//! analysts' queue page `GET /vetting` — the HTML page, with the policy's
//! check on every row and the figures — timed over HTTP with its filters
//! and keyset pages; prints p50/p99.
//!
//! ```text
//! cargo test -p server --test it -- --ignored queue_page_p99 --nocapture
//! ```
//!
//! The applicants and cases are written straight into the tables the page
//! reads (`records`, `vetting_queue`), not through intake: the intake's own
//! benchmark is `cargo xtask bench-applicants`, and what the page costs does
//! not depend on how the rows got there.

use std::time::Instant;

use crate::world::{Auth, World, backends, config};

const APPLICANTS: u64 = 1_000_000;
const OPEN: u64 = 20_000;
const DECIDED: u64 = 30_000;

/// A small deterministic generator (fixed seed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn seed(w: &World) {
    let pool = w.svc.store().pool().clone();
    w.block_on(async move {
        let mut tx = pool.begin().await.expect("begin");
        let base = 1_000_000_000u64;
        let mut i = 0;
        while i < APPLICANTS {
            let end = (i + 1000).min(APPLICANTS);
            let values: Vec<String> = (i..end)
                .map(|n| {
                    format!(
                        "('applicant','app-bench-{n:07}','fondazione','no_objection','{{}}',NULL,{s},{s})",
                        s = base + n
                    )
                })
                .collect();
            // Generated numbers and fixed words only.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO records (kind,id,delegation,state,doc,salt,created_seq,updated_seq) VALUES {}",
                values.join(",")
            )))
            .execute(&mut *tx)
            .await
            .expect("applicants");
            i = end;
        }
        let mut rng = Lcg(2026);
        let now = 1_770_000_000_000i64;
        let categories = ["athlete", "team_official", "media", "workforce", "volunteer", "contractor"];
        let lists = ["us_ofac_sdn", "un_sc_sanctions", "eu_fsf", "gb_hmt_sanctions", "interpol_red_notices"];
        let mut i = 0;
        while i < OPEN + DECIDED {
            let end = (i + 500).min(OPEN + DECIDED);
            let values: Vec<String> = (i..end)
                .map(|n| {
                    let (state, bulk, decided) = if n < OPEN {
                        ("open", 0, "NULL".to_owned())
                    } else {
                        ("cleared", u64::from(n % 3 == 0), (now + n as i64).to_string())
                    };
                    let claimed = n < OPEN && n % 10 == 0;
                    format!(
                        "('vc-bench-{n:06}','{state}',{p},{due},'{cat}','venue-{v}','{list}',{score},{who},{until},{bulk},{opened},{decided})",
                        p = rng.next(101),
                        due = now + rng.next(14 * 86_400_000) as i64,
                        cat = categories[rng.next(6) as usize],
                        v = rng.next(20),
                        list = lists[rng.next(5) as usize],
                        score = 750 + rng.next(251),
                        who = if claimed { format!("'acc-bench-{}'", n % 7) } else { "NULL".into() },
                        until = if claimed { (now * 2).to_string() } else { "NULL".into() },
                        opened = now - 86_400_000,
                    )
                })
                .collect();
            // Generated numbers and fixed words only.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO vetting_queue (id,state,priority,due_ms,category,venue,list,score,assignee,claim_until,bulk,opened_ms,decided_ms) VALUES {}",
                values.join(",")
            )))
            .execute(&mut *tx)
            .await
            .expect("queue");
            i = end;
        }
        tx.commit().await.expect("commit");
        sqlx::query("ANALYZE").execute(&pool).await.expect("analyze");
    });
}

/// The next page's address on a queue page, if any.
fn next_link(page: &str) -> Option<String> {
    let i = page.find("id=\"next-page\"")?;
    let start = page[..i].rfind("href=\"")? + 6;
    Some(page[start..page[start..].find('"')? + start].replace("&amp;", "&"))
}

#[test]
#[ignore = "a benchmark: builds 1,000,000 applicants"]
fn queue_page_p99() {
    for db in backends() {
        let w = World::start(db, config());
        w.add_every_role();
        let t = Instant::now();
        seed(&w);
        println!(
            "{}: seeded {APPLICANTS} applicants and {} cases in {:.1} s",
            w.name,
            OPEN + DECIDED,
            t.elapsed().as_secs_f64()
        );
        let analyst = w.login("analyst");
        let an = Auth::Cookie(&analyst);
        let variants = [
            "/vetting",
            "/vetting?min_priority=70",
            "/vetting?category=media",
            "/vetting?venue=venue-3",
            "/vetting?list=un_sc_sanctions",
            "/vetting?min_score=0.9&max_score=0.95",
            "/vetting?assignee=none",
            "/vetting?due=24h",
            "/vetting?state=cleared",
            "/vetting?category=athlete&list=eu_fsf&min_priority=50",
        ];
        // Warm up.
        for v in variants {
            assert_eq!(w.get(v, &an).status, 200);
        }
        let mut times = Vec::new();
        for round in 0..12 {
            for v in variants {
                let mut path = v.to_owned();
                for _ in 0..5 {
                    let t = Instant::now();
                    let r = w.get(&path, &an);
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                    assert_eq!(r.status, 200, "{path}: {}", r.text());
                    let page = r.text();
                    if round == 0 && v == "/vetting" && path == v {
                        assert_eq!(page.matches("<tr data-id=").count(), 50);
                    }
                    match next_link(&page) {
                        Some(n) => path = n,
                        None => break,
                    }
                }
            }
        }
        // Where the time goes: the same queue as JSON (the query, the
        // policy on each row, the figures, no page), and a page that only
        // needs the session and the viewer.
        let mut api = Vec::new();
        let mut bare = Vec::new();
        for _ in 0..60 {
            let t = Instant::now();
            assert_eq!(w.get("/api/v1/vetting-queue?limit=50", &an).status, 200);
            api.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            assert_eq!(w.get("/password", &an).status, 200);
            bare.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        api.sort_by(f64::total_cmp);
        bare.sort_by(f64::total_cmp);
        println!(
            "{}: for comparison, medians: GET /api/v1/vetting-queue?limit=50 {:.1} ms, GET /password (session and viewer only) {:.1} ms",
            w.name, api[30], bare[30]
        );
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).min(times.len()) - 1];
        println!(
            "{}: GET /vetting ({} requests over {} filters, 5 keyset pages each): p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            w.name,
            times.len(),
            variants.len(),
            pct(0.50),
            pct(0.90),
            pct(0.99),
            times[times.len() - 1]
        );
    }
}
