//! Purge after the Games (issue 14, item 4): one commander proposes the
//! retention rule, a second confirms and the due applicants (and their
//! cases) are purged in batches, each batch an entry; the proposer, the
//! oversight body and a foreign liaison cannot confirm; the ledger still
//! verifies and reports the purged rows; no purged name is left in the
//! database (SQLite: in the raw files; PostgreSQL: in any text column).

use serde_json::{Value, json};
use service::ServiceError;
use sqlx::Row as _;
use store::testing::backends;

use crate::world::{World, person};

fn row(reference: &str, name: &str, birth: &str, nationality: &str) -> Value {
    json!({"reference": reference, "name": name, "birth_date": birth, "nationality": nationality,
           "document_type": "passport", "document_number": format!("P{reference}"),
           "category": "media", "zones": "zone-2"})
}

/// Names searched for after the purge: a clear applicant and a listed one
/// (whose case's summary repeats the name).
const NAMES: [&str; 2] = ["Ottavia Purgatorio", "Anatolyevich"];

/// 2026-03-20T00:00Z, the end of the Games and a margin.
const EVENT_END: i64 = 1_773_964_800_000;

fn proposal(id: &str, after_days: u32) -> Value {
    json!({"action": "retention.propose_purge", "id": id, "kind": "applicant",
           "event_end": EVENT_END, "after_days": after_days,
           "reason": "GDPR art. 5(1)(e): applicants' data kept 30 days after the Games"})
}

/// Every occurrence of `needle` in the store's SQLite files (the database
/// and its WAL).
fn raw_hits(w: &World, needle: &str) -> Vec<String> {
    let dir = &w.db.location.data_dir;
    let mut hits = Vec::new();
    for file in ["cortina.db", "cortina.db-wal"] {
        let Ok(bytes) = std::fs::read(dir.join(file)) else {
            continue;
        };
        let n = needle.as_bytes();
        if bytes.windows(n.len()).any(|win| win == n) {
            hits.push(file.to_owned());
        }
    }
    hits
}

/// Every text column (of every table) where `needle` occurs, by SQL.
async fn sql_hits(w: &World, needle: &str) -> Vec<String> {
    let pool = w.svc.store().pool();
    let columns: Vec<(String, String)> = if w.db.name == "postgres" {
        sqlx::query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    } else {
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(pool)
                .await
                .unwrap();
        let mut out = Vec::new();
        for t in tables {
            let cols = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT name, type FROM pragma_table_info('{t}')"
            )))
            .fetch_all(pool)
            .await
            .unwrap();
            for c in cols {
                let ty: String = c.get(1);
                if ty.eq_ignore_ascii_case("TEXT") {
                    out.push((t.clone(), c.get(0)));
                }
            }
        }
        out
    };
    let mut hits = Vec::new();
    for (t, c) in columns {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {t} WHERE {c} LIKE $1"
        )))
        .bind(format!("%{needle}%"))
        .fetch_one(pool)
        .await
        .unwrap();
        if n > 0 {
            hits.push(format!("{t}.{c}"));
        }
    }
    hits
}

#[tokio::test]
async fn purge_after_the_games_four_eyes_verify_and_no_name_left() {
    for db in backends().await {
        let w = World::new(db).await;
        let name = w.db.name;
        w.second_commander_and_us_liaison().await;
        let submitted = w
            .ok(
                "organiser",
                json!({"action": "applicant.submit", "applicants": [
                    row("R-1", "Ottavia Purgatorio", "1990-02-03", "IT"),
                    row("R-2", "Viktor Anatolyevich Bout", "1967-01-13", "Russia"),
                    row("R-3", "Paolo Verdi", "1985-11-30", "IT"),
                    row("R-4", "Joaquin Archivaldo Guzman Loera", "1957-04-04", "MX"),
                    row("R-5", "Luca Neri", "1974-01-30", "IT"),
                ]}),
            )
            .await;
        assert_eq!(submitted.data.unwrap()["created"], 5);
        // An analyst reads one of the cases: a consultation, whose log
        // keeps its own retention (and its entry's salt).
        let case: String = sqlx::query_scalar("SELECT id FROM vetting_queue ORDER BY id LIMIT 1")
            .fetch_one(w.svc.store().pool())
            .await
            .unwrap();
        w.ok(
            "analyst",
            json!({"action": "vetting.read", "id": case, "purpose": "triage"}),
        )
        .await;
        for n in NAMES {
            assert!(
                !sql_hits(&w, n).await.is_empty(),
                "{name}: {n} stored before"
            );
            if name == "sqlite" {
                assert!(!raw_hits(&w, n).is_empty(), "{name}: {n} on disk before");
            }
        }

        // A delta re-screen keeps the population's keys and the facts
        // their search reads beside the database (a change: Guzman listed).
        let whole = w.svc.lists().unwrap().index().clone();
        let before_change = screening::Index::subset(&whole, |e| e.id != "t-guzman");
        w.svc
            .rescreen(
                &service::Actor::session("admin"),
                Some(before_change.into()),
            )
            .await
            .expect("re-screen");
        let keys = w.svc.store().location().data_dir.join("rescreen-keys.bin");
        let kept = std::fs::read(&keys).expect("the keys file");
        assert!(
            kept.windows(10).any(|x| x == b"purgatorio"),
            "{name}: the keys hold the names"
        );

        // Proposals: commanders only; oversight and a delegation are
        // refused and recorded.
        let size = w.ledger_size().await;
        for (user, expect_withheld) in [("oversight", true), ("us-liaison", true)] {
            let refused = w.run(user, proposal("p-x", 30)).await;
            let seq = match refused {
                Err(ServiceError::Withheld { seq } | ServiceError::Denied { seq, .. }) => seq,
                other => panic!("{name}: {user} proposed a purge: {other:?}"),
            };
            assert!(expect_withheld);
            let e = w.entry(seq).await;
            assert_eq!(e.action, "retention.propose_purge");
            assert_eq!(e.decision, ledger::Decision::Deny, "{name}: {user}");
        }
        assert_eq!(w.ledger_size().await, size + 2);
        let proposed = w.ok("commander", proposal("applicants-2026", 30)).await;
        assert_eq!(proposed.state.as_deref(), Some("proposed"));
        assert_eq!(proposed.kind, "retention");

        // Confirmations: not by the proposer, oversight or a delegation.
        let confirm =
            json!({"action": "retention.purge", "proposal": "applicants-2026", "batch": 2});
        let size = w.ledger_size().await;
        match w.run("commander", confirm.clone()).await {
            Err(ServiceError::Forbidden(m)) => assert!(m.contains("four eyes"), "{m}"),
            other => panic!("{name}: the proposer confirmed: {other:?}"),
        }
        assert_eq!(
            w.ledger_size().await,
            size,
            "{name}: a refusal purges nothing"
        );
        for user in ["oversight", "us-liaison"] {
            let seq = match w.run(user, confirm.clone()).await {
                Err(ServiceError::Withheld { seq }) => seq,
                other => panic!("{name}: {user} confirmed a purge: {other:?}"),
            };
            let e = w.entry(seq).await;
            assert_eq!(e.action, "retention.purge");
            assert_eq!(e.decision, ledger::Decision::Deny);
            if user == "oversight" {
                assert!(
                    e.policies.iter().any(|p| p == "forbid-oversight-writes"),
                    "{name}: {:?}",
                    e.policies
                );
            }
        }
        // A rule whose time has not come purges nothing.
        w.ok("commander", proposal("too-early", 3650)).await;
        match w
            .run(
                "commander2",
                json!({"action": "retention.purge", "proposal": "too-early"}),
            )
            .await
        {
            Err(ServiceError::Conflict(m)) => assert!(m.contains("kept until"), "{m}"),
            other => panic!("{name}: an early purge: {other:?}"),
        }
        w.verify().await;

        // The second commander confirms: 5 applicants in batches of 2.
        let before = w.ledger_size().await;
        let done = w.ok("commander2", confirm.clone()).await;
        assert!(!keys.exists(), "{name}: the purge deleted the keys file");
        let data = done.data.clone().unwrap();
        assert_eq!(done.state.as_deref(), Some("done"), "{data}");
        assert_eq!(data["purged"], 5, "{data}");
        assert_eq!(data["cases"], 2, "{data}");
        assert_eq!(data["batches"], 3, "{data}");
        assert_eq!(data["scrubbed"], true, "{data}");
        assert!(data["salts_removed"].as_u64().unwrap() >= 5, "{data}");
        let after = w.ledger_size().await;
        assert_eq!(after, before + 3, "{name}: one entry per batch");
        for seq in before..after {
            let e = w.entry(seq).await;
            assert_eq!(e.action, "retention.purge");
            assert_eq!(e.decision, ledger::Decision::Allow);
            assert_eq!(
                (e.resource.kind.as_str(), e.resource.id.as_str()),
                ("retention", "applicants-2026")
            );
        }
        // Each batch's row writes list the records it emptied.
        let listed: Vec<(i64, String)> = sqlx::query(
            "SELECT seq, row_key FROM row_writes WHERE seq >= $1 AND row_key NOT LIKE 'retention/%'
             ORDER BY seq, row_key",
        )
        .bind(before as i64)
        .fetch_all(w.svc.store().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        assert_eq!(listed.len(), 7, "{name}: {listed:?}");
        for (seq, applicants) in [(before, 2), (before + 1, 2), (before + 2, 1)] {
            let n = listed
                .iter()
                .filter(|(s, k)| *s == seq as i64 && k.starts_with("applicant/"))
                .count();
            assert_eq!(n, applicants, "{name}: entry {seq}: {listed:?}");
        }
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM records WHERE kind IN ('applicant', 'vetting_case')
             AND (doc IS NOT NULL OR salt IS NOT NULL)",
        )
        .fetch_one(w.svc.store().pool())
        .await
        .unwrap();
        assert_eq!(left, 0, "{name}: every applicant and case purged");
        let refs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applicant_refs")
            .fetch_one(w.svc.store().pool())
            .await
            .unwrap();
        assert_eq!(refs, 0, "{name}: reference digests forgotten");

        // The ledger verifies, and names the purges.
        w.verify().await;
        let by_entry = store::purge::purged_by_entry(w.svc.store()).await.unwrap();
        let seqs: Vec<u64> = by_entry.iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, [before, before + 1, before + 2], "{name}");
        assert_eq!(by_entry.iter().map(|(_, n)| n).sum::<u64>(), 7, "{name}");
        // A purge is done once.
        match w.run("commander2", confirm.clone()).await {
            Err(ServiceError::Conflict(m)) => assert!(m.contains("is done"), "{m}"),
            other => panic!("{name}: purged twice: {other:?}"),
        }

        // No purged name is left: by SQL in any text column, and in
        // SQLite's files themselves.
        for n in NAMES {
            assert_eq!(sql_hits(&w, n).await, Vec::<String>::new(), "{name}: {n}");
            if name == "sqlite" {
                assert_eq!(raw_hits(&w, n), Vec::<String>::new(), "{name}: {n} on disk");
            }
        }
        // The liaison's declaration was not due: still there.
        assert!(!sql_hits(&w, "Jane Roe").await.is_empty());

        // A document removed without a purge entry still fails.
        sqlx::query("UPDATE records SET doc = NULL WHERE kind = 'declaration'")
            .execute(w.svc.store().pool())
            .await
            .unwrap();
        let failure = w
            .svc
            .store()
            .verify_stamps(&service::stamp_rules())
            .await
            .expect_err("a document removed behind cortina's back");
        assert!(
            failure
                .message
                .contains("document removed without a purge entry"),
            "{name}: {failure}"
        );
    }
}

/// Now, Unix ms.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn declared_personnel_and_the_consultation_log_are_purged_by_their_own_rules() {
    for db in backends().await {
        let w = World::new(db).await;
        let name = w.db.name;
        let pool = w.svc.store().pool().clone();
        w.second_commander_and_us_liaison().await;
        // A declared person on the lists: the screening opens a case.
        w.ok(
            "us-liaison",
            json!({"action": "declaration.submit", "id": "us-bout",
                   "person": person("Viktor Anatolyevich Bout", "1967-01-13", "RU", "P7770001",
                                    json!("investigative_support"))}),
        )
        .await;
        // A consultation whose purpose names him: the log keeps it after
        // the declarations are purged, until its own rule.
        for purpose in [
            "checking Anatolyevich before the match",
            "a second look",
            "a third",
        ] {
            w.ok(
                "analyst",
                json!({"action": "declaration.read", "id": "us-bout", "purpose": purpose}),
            )
            .await;
        }

        // The declarations' rule: both lines and the case are emptied.
        w.ok(
            "commander",
            json!({"action": "retention.propose_purge", "id": "declared-2026", "kind": "declaration",
                   "event_end": EVENT_END, "after_days": 30,
                   "reason": "declared personnel kept 30 days after the Games"}),
        )
        .await;
        let done = w
            .ok(
                "commander2",
                json!({"action": "retention.purge", "proposal": "declared-2026"}),
            )
            .await;
        let data = done.data.unwrap();
        assert_eq!(done.state.as_deref(), Some("done"), "{name}: {data}");
        assert_eq!(data["purged"], 2, "{name}: {data}");
        assert_eq!(data["cases"], 1, "{name}: {data}");
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM records WHERE kind IN ('declaration', 'vetting_case')
             AND (doc IS NOT NULL OR salt IS NOT NULL)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(left, 0, "{name}");
        w.verify().await;
        assert_eq!(
            sql_hits(&w, "Jane Roe").await,
            Vec::<String>::new(),
            "{name}"
        );
        assert_eq!(
            sql_hits(&w, "Anatolyevich").await,
            ["consultations.purpose"],
            "{name}: only the consultation log, with its own retention, still names him"
        );

        // The log's rule: the consultations made up to its end, due at
        // once (0 days); one made after it stays.
        let cut = now_ms();
        w.ok(
            "commander",
            json!({"action": "retention.propose_purge", "id": "log-2026", "kind": "consultation",
                   "event_end": cut, "after_days": 0,
                   "reason": "Legislative decree 51/2018: the log is kept for five years"}),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        w.svc
            .record(
                &service::Actor::cli("analyst"),
                domain::Action::ScreeningRun,
                authority::Resource::Lists,
                br#"{"purpose":"after the cut","query":"Mario Rossi"}"#.to_vec(),
            )
            .await
            .unwrap();
        let due: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consultations WHERE at_ms <= $1")
            .bind(cut)
            .fetch_one(&pool)
            .await
            .unwrap();
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consultations WHERE at_ms > $1")
            .bind(cut)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(due >= 3 && kept == 1, "{name}: {due} due, {kept} kept");
        let before = w.ledger_size().await;
        let done = w
            .ok(
                "commander2",
                json!({"action": "retention.purge", "proposal": "log-2026", "batch": 2}),
            )
            .await;
        let data = done.data.unwrap();
        assert_eq!(done.state.as_deref(), Some("done"), "{name}: {data}");
        assert_eq!(data["purged"], due, "{name}: {data}");
        // One entry per batch, each naming the range of entries it purged.
        let batches = w.ledger_size().await - before;
        // (The batch that meets the consultation after the cut ends it.)
        assert_eq!(batches as i64, due / 2 + 1, "{name}");
        let ranges: Vec<String> = sqlx::query_scalar(
            "SELECT row_key FROM row_writes WHERE seq >= $1 AND tbl = 'consultations' ORDER BY seq",
        )
        .bind(before as i64)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(ranges.len() as i64, (due + 1) / 2, "{name}: {ranges:?}");
        let remaining: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consultations")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(remaining, kept, "{name}: what came after the cut stays");
        let subjects: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM consultation_subjects WHERE seq NOT IN (SELECT seq FROM consultations)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            subjects, 0,
            "{name}: the purged consultations' subjects are gone"
        );
        // The ledger still verifies: the purged rows are accounted for.
        w.verify().await;
        assert_eq!(
            sql_hits(&w, "Anatolyevich").await,
            Vec::<String>::new(),
            "{name}"
        );
        if name == "sqlite" {
            assert_eq!(
                raw_hits(&w, "Anatolyevich"),
                Vec::<String>::new(),
                "{name}: on disk"
            );
        }
        // A consultation row removed without a purge still fails.
        sqlx::query("DELETE FROM consultations")
            .execute(&pool)
            .await
            .unwrap();
        let failure = w
            .svc
            .store()
            .verify_stamps(&service::stamp_rules())
            .await
            .expect_err("a consultation removed behind cortina's back");
        assert!(failure.message.contains("no row"), "{name}: {failure}");
    }
}
