//! Row stamps against the ledger: `Store::verify_stamps` accepts rows
//! stamped with the entries that changed them, and names the row whose stamp
//! is out of the log, about another row, a denial or a read, not its last
//! change, or whose document no longer matches its entry's commitment.

use ledger::{Decision, Entry, Resource};
use store::records::{self, AgencyRow, Record};
use store::{StampRules, Store, StoreError};

use crate::common::{backends, create};

fn rules() -> StampRules {
    StampRules {
        reads: vec!["rfi.read".into()],
        side_creations: vec![("delegation.register".into(), "declaration".into())],
        ..StampRules::default()
    }
}

fn entry(action: &str, kind: &str, id: &str, decision: Decision) -> Entry {
    Entry {
        seq: 0,
        time_ms: 0,
        actor_account: "acc-admin".into(),
        actor_agency: "ministry-interior".into(),
        action: action.into(),
        resource: Resource {
            kind: kind.into(),
            id: id.into(),
        },
        decision,
        policies: vec!["permit-test".into()],
        payload_digest: [0; 32],
        personal_data: None,
    }
}

const SALT: [u8; 32] = [9; 32];

/// Appends an entry about `kind/id` and, for an allowed change, writes the
/// records `rows` (kind, id) stamped with it, each created now unless it
/// exists; the entry commits to them as the service's do. A `request` is
/// personal data: salted.
async fn change(
    store: &Store,
    action: &'static str,
    kind: &'static str,
    id: &'static str,
    decision: Decision,
    rows: &'static [(&'static str, &'static str)],
) -> u64 {
    store
        .write(move |tx| {
            Box::pin(async move {
                let seq = tx.next_seq() as i64;
                let doc = format!("{{\"id\":\"{id}\",\"seq\":{seq}}}");
                let mut written = Vec::new();
                for &(row_kind, row_id) in rows {
                    let conn = tx.conn().await?;
                    let previous = records::get(&mut *conn, row_kind, row_id).await?;
                    let personal = row_kind == "request";
                    let record = Record {
                        kind: row_kind.into(),
                        id: row_id.into(),
                        delegation: None,
                        room: None,
                        state: "open".into(),
                        doc: Some(doc.clone()),
                        salt: personal.then(|| SALT.to_vec()),
                        created_seq: previous.map_or(seq, |p| p.created_seq),
                        updated_seq: seq,
                    };
                    records::put(conn, &record).await?;
                    written.push(record.row_write());
                }
                tx.append_rows(entry(action, kind, id, decision), [seq as u8; 32], written)
            })
        })
        .await
        .expect("write")
}

/// A store whose rows all verify: an agency, a delegation with a declaration
/// line created on the side (and changed later), a request changed twice and
/// read once, and a denial.
async fn world(store: &Store) {
    store
        .write(|tx| {
            Box::pin(async move {
                let seq = tx.next_seq() as i64;
                let agency = AgencyRow {
                    id: "questura".into(),
                    name: "Questura".into(),
                    kind: "host".into(),
                    country: "IT".into(),
                    created_seq: seq,
                    updated_seq: seq,
                };
                records::insert_agency(tx.conn().await?, &agency).await?;
                tx.append_rows(
                    entry("agency.register", "agency", "questura", Decision::Allow),
                    [0; 32],
                    vec![agency.row_write()],
                )?;
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
    let both = &[("delegation", "us"), ("declaration", "us-head")];
    change(
        store,
        "delegation.register",
        "delegation",
        "us",
        Decision::Allow,
        both,
    )
    .await;
    let one = &[("request", "rfi-1")];
    change(store, "rfi.draft", "request", "rfi-1", Decision::Allow, one).await;
    change(
        store,
        "rfi.submit",
        "request",
        "rfi-1",
        Decision::Allow,
        one,
    )
    .await;
    change(store, "rfi.read", "request", "rfi-1", Decision::Allow, &[]).await;
    change(store, "rfi.cancel", "request", "rfi-1", Decision::Deny, &[]).await;
    // The line created on the side changes later under its own name.
    let line = &[("declaration", "us-head")];
    change(
        store,
        "declaration.accredit",
        "declaration",
        "us-head",
        Decision::Allow,
        line,
    )
    .await;
}

async fn set(store: &Store, sql: &'static str) {
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

#[track_caller]
fn assert_names(result: Result<usize, store::VerifyFailure>, row: &str, why: &str, db: &str) {
    match result {
        Ok(n) => panic!("{db}: {n} rows verified, expected a failure naming {row}"),
        Err(f) => {
            assert!(
                (f.message.starts_with(&format!("row {row} is stamped"))
                    || f.message.starts_with(&format!("{row}: ")))
                    && f.message.contains(why),
                "{db}: {}",
                f.message
            );
        }
    }
}

#[tokio::test]
async fn rows_stamped_by_their_entries_verify() {
    for db in backends().await {
        let store = create(&db).await;
        assert_eq!(store.verify_stamps(&rules()).await, Ok(0), "{}", db.name);
        world(&store).await;
        assert_eq!(store.verify_stamps(&rules()).await, Ok(4), "{}", db.name);
        store.close().await;
    }
}

#[tokio::test]
async fn a_tampered_stamp_names_the_row() {
    // Entries: 0 agency, 1 delegation (+ line), 2 draft, 3 submit, 4 read, 5 denial,
    // 6 the line's accreditation.
    let cases: &[(&str, &str, &str)] = &[
        (
            "UPDATE records SET updated_seq = 99 WHERE id = 'rfi-1'",
            "request/rfi-1",
            "entry 99 which is not in the log (7 entries)",
        ),
        (
            "UPDATE records SET created_seq = -1 WHERE id = 'rfi-1'",
            "request/rfi-1",
            "created by entry -1 which is not in the log",
        ),
        (
            "UPDATE agencies SET updated_seq = 2",
            "agency/questura",
            "entry 2 which is about request/rfi-1 (rfi.draft)",
        ),
        (
            "UPDATE records SET updated_seq = 2 WHERE id = 'rfi-1'",
            "request/rfi-1",
            "entry 2 which is not its last change: entry 3 (rfi.submit) changed it later",
        ),
        (
            "UPDATE records SET updated_seq = 4 WHERE id = 'rfi-1'",
            "request/rfi-1",
            "entry 4 which only read request/rfi-1 (rfi.read)",
        ),
        (
            "UPDATE records SET updated_seq = 5 WHERE id = 'rfi-1'",
            "request/rfi-1",
            "entry 5 which is a denial",
        ),
        (
            "UPDATE records SET created_seq = 3 WHERE id = 'rfi-1'",
            "request/rfi-1",
            "created by entry 3 which is not its first change: entry 2 (rfi.draft)",
        ),
        // The content itself: each row is what its last entry committed to.
        (
            "UPDATE records SET doc = '{\"id\":\"rfi-1\",\"seq\":2}' WHERE id = 'rfi-1'",
            "records row request/rfi-1",
            "differs from what entry 3 (rfi.submit) wrote",
        ),
        (
            "UPDATE records SET state = 'closed' WHERE id = 'us'",
            "records row delegation/us",
            "differs from what entry 1 (delegation.register) wrote",
        ),
        (
            "UPDATE agencies SET kind = 'foreign'",
            "agencies row questura",
            "differs from what entry 0 (agency.register) wrote",
        ),
        (
            "DELETE FROM records WHERE id = 'rfi-1'",
            "records row request/rfi-1",
            "missing, but entry 3 (rfi.submit) wrote it",
        ),
        // A row created on the side may only claim an entry whose action
        // creates such rows.
        (
            "UPDATE records SET created_seq = 2, updated_seq = 2 WHERE id = 'us-head'",
            "declaration/us-head",
            "entry 2 which is about request/rfi-1 (rfi.draft)",
        ),
    ];
    for &(sql, row, why) in cases {
        // A fresh store per case: each tampering alone must be caught.
        for db in backends().await {
            let store = create(&db).await;
            world(&store).await;
            assert_eq!(store.verify_stamps(&rules()).await, Ok(4), "{}", db.name);
            set(&store, sql).await;
            assert_names(store.verify_stamps(&rules()).await, row, why, db.name);
            // The ledger itself is untouched: its verification still passes.
            store.verify(None, &[]).await.expect("ledger verifies");
            store.close().await;
        }
    }
}
