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
        channel: Some("cli:test".into()),
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
/// personal data: salted. `legacy`: as a store written before the stamp
/// epoch did (see [`legacy_world`]).
async fn change(
    store: &Store,
    legacy: bool,
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
                        board: records::Board::default(),
                    };
                    records::put(conn, &record).await?;
                    written.push(record.row_write());
                }
                let mut e = entry(action, kind, id, decision);
                if legacy {
                    // As before the stamp epoch: a personal record's
                    // document committed to, nothing else, no row writes.
                    if kind == "request" && decision == Decision::Allow {
                        e.personal_data = Some(ledger::commit(&SALT, doc.as_bytes()));
                    }
                    return tx.append(e);
                }
                tx.append_rows(e, [seq as u8; 32], written)
            })
        })
        .await
        .expect("write")
}

/// A store whose rows all verify: an agency, a delegation with a declaration
/// line created on the side (and changed later), a request changed twice and
/// read once, and a denial.
async fn world(store: &Store, legacy: bool) {
    store
        .write(move |tx| {
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
                let e = entry("agency.register", "agency", "questura", Decision::Allow);
                if legacy {
                    tx.append(e)?;
                    return Ok::<_, StoreError>(());
                }
                tx.append_rows(e, [0; 32], vec![agency.row_write()])?;
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
    let both = &[("delegation", "us"), ("declaration", "us-head")];
    change(
        store,
        legacy,
        "delegation.register",
        "delegation",
        "us",
        Decision::Allow,
        both,
    )
    .await;
    let one = &[("request", "rfi-1")];
    change(
        store,
        legacy,
        "rfi.draft",
        "request",
        "rfi-1",
        Decision::Allow,
        one,
    )
    .await;
    change(
        store,
        legacy,
        "rfi.submit",
        "request",
        "rfi-1",
        Decision::Allow,
        one,
    )
    .await;
    change(
        store,
        legacy,
        "rfi.read",
        "request",
        "rfi-1",
        Decision::Allow,
        &[],
    )
    .await;
    change(
        store,
        legacy,
        "rfi.cancel",
        "request",
        "rfi-1",
        Decision::Deny,
        &[],
    )
    .await;
    // The line created on the side changes later under its own name.
    let line = &[("declaration", "us-head")];
    change(
        store,
        legacy,
        "declaration.accredit",
        "declaration",
        "us-head",
        Decision::Allow,
        line,
    )
    .await;
}

/// The world as a store written before migration `0004_row_writes` holds
/// it: entries that commit to a personal record's document only, and the
/// stamp epoch the migration set at the log's size then (7 entries).
async fn legacy_world(store: &Store) {
    world(store, true).await;
    set(store, "INSERT INTO stamp_epoch (id, seq) VALUES (1, 7)").await;
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
        world(&store, false).await;
        assert_eq!(store.verify_stamps(&rules()).await, Ok(4), "{}", db.name);
        store.close().await;
    }
}

#[tokio::test]
async fn a_legacy_store_verifies_and_goes_on_verifying() {
    for db in backends().await {
        // A store written before the epoch verifies, and goes on verifying
        // as new entries commit to their rows.
        let store = create(&db).await;
        legacy_world(&store).await;
        assert_eq!(store.verify_stamps(&rules()).await, Ok(4), "{}", db.name);
        change(
            &store,
            false,
            "rfi.answer",
            "request",
            "rfi-1",
            Decision::Allow,
            &[("request", "rfi-1")],
        )
        .await;
        assert_eq!(store.verify_stamps(&rules()).await, Ok(4), "{}", db.name);
        set(
            &store,
            "UPDATE records SET doc = '{\"id\":\"rfi-1\",\"seq\":3}' WHERE id = 'rfi-1'",
        )
        .await;
        assert_names(
            store.verify_stamps(&rules()).await,
            "records row request/rfi-1",
            "differs from what entry 7 (rfi.answer) wrote",
            db.name,
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_tampered_stamp_of_a_legacy_row_names_the_row() {
    // A store from before the stamp epoch, checked by its stamps.
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
            legacy_world(&store).await;
            assert_eq!(store.verify_stamps(&rules()).await, Ok(4), "{}", db.name);
            set(&store, sql).await;
            assert_names(store.verify_stamps(&rules()).await, row, why, db.name);
            // The ledger itself is untouched: its verification still passes.
            store.verify(None, &[]).await.expect("ledger verifies");
            store.close().await;
        }
    }
}

#[tokio::test]
async fn a_tampered_row_names_the_table_the_row_and_the_entry() {
    // Entries as in the legacy world, each committing to the rows it wrote.
    let cases: &[(&str, &str, &str)] = &[
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
        (
            "UPDATE records SET created_seq = 2, updated_seq = 2 WHERE id = 'us-head'",
            "records row declaration/us-head",
            "stamped with entry 2 (rfi.draft), which did not write it",
        ),
        (
            "UPDATE agencies SET updated_seq = 2",
            "agencies row questura",
            "stamped with entry 2 (rfi.draft), which did not write it",
        ),
        (
            "UPDATE records SET updated_seq = 2 WHERE id = 'rfi-1'",
            "records row request/rfi-1",
            "present as stamped by entry 2, but entry 3 (rfi.submit) wrote it later",
        ),
        (
            "UPDATE records SET updated_seq = 5 WHERE id = 'rfi-1'",
            "records row request/rfi-1",
            "stamped with entry 5 (rfi.cancel), which did not write it",
        ),
        (
            "UPDATE records SET created_seq = 3 WHERE id = 'rfi-1'",
            "records row request/rfi-1",
            "differs from what entry 3 (rfi.submit) wrote",
        ),
        (
            "DELETE FROM row_writes WHERE seq = 3",
            "row_writes",
            "entry 3 (rfi.submit) committed to rows it wrote, and row_writes lists none",
        ),
    ];
    for &(sql, row, why) in cases {
        for db in backends().await {
            let store = create(&db).await;
            world(&store, false).await;
            assert_eq!(store.verify_stamps(&rules()).await, Ok(4), "{}", db.name);
            set(&store, sql).await;
            assert_names(store.verify_stamps(&rules()).await, row, why, db.name);
            store.verify(None, &[]).await.expect("ledger verifies");
            store.close().await;
        }
    }
}
