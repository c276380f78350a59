//! The coordination core's rows: documents with indexed attributes, agencies
//! and accounts, written inside ledgered writes.

use store::StoreError;
use store::records::{self, AccountRow, AgencyRow, Filter, Record};

use crate::common::{backends, create, entry};

#[tokio::test]
async fn records_upsert_list_and_keep_their_creation_stamp() {
    for db in backends().await {
        let store = create(&db).await;
        for (i, state) in ["draft", "submitted", "draft"].iter().enumerate() {
            let state = state.to_string();
            store
                .write(move |tx| {
                    Box::pin(async move {
                        let seq = tx.append(entry(i as u64))? as i64;
                        let r = Record {
                            kind: "request".into(),
                            id: format!("rfi-{i}"),
                            delegation: Some(if i == 1 { "fr" } else { "us" }.into()),
                            room: None,
                            state,
                            doc: Some(format!("{{\"n\":{i}}}")),
                            salt: Some(vec![i as u8; 32]),
                            created_seq: seq,
                            updated_seq: seq,
                            board: records::Board::default(),
                        };
                        records::put(tx.conn().await?, &r).await?;
                        Ok::<_, StoreError>(())
                    })
                })
                .await
                .unwrap();
        }
        // Change rfi-0: created_seq stays, updated_seq moves.
        store
            .write(|tx| {
                Box::pin(async move {
                    let seq = tx.append(entry(9))? as i64;
                    let conn = tx.conn().await?;
                    let mut r = records::get(&mut *conn, "request", "rfi-0").await?.unwrap();
                    r.state = "submitted".into();
                    r.created_seq = 999;
                    r.updated_seq = seq;
                    records::put(conn, &r).await?;
                    Ok::<_, StoreError>(())
                })
            })
            .await
            .unwrap();
        let r = records::get(store.pool(), "request", "rfi-0")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.created_seq, r.updated_seq, r.state.as_str()),
            (0, 3, "submitted"),
            "{}",
            db.name
        );
        assert_eq!(r.salt.as_deref(), Some(&[0u8; 32][..]));

        let us = records::list(
            store.pool(),
            "request",
            &Filter {
                delegation: Some("us".into()),
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        let ids: Vec<&str> = us.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["rfi-0", "rfi-2"], "{}: newest change first", db.name);
        let submitted = records::list(
            store.pool(),
            "request",
            &Filter {
                state: Some("submitted".into()),
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(submitted.len(), 2);
        // Leaving states out: rfi-2 is the only draft left.
        let not_submitted = records::list(
            store.pool(),
            "request",
            &Filter {
                except_states: vec!["submitted".into(), "closed".into()],
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        let ids: Vec<&str> = not_submitted.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["rfi-2"], "{}", db.name);
        assert!(
            records::get(store.pool(), "request", "nope")
                .await
                .unwrap()
                .is_none()
        );
        store.close().await;
    }
}

#[tokio::test]
async fn accounts_need_a_registered_agency_and_unique_names() {
    for db in backends().await {
        let store = create(&db).await;
        let result: Result<(), StoreError> = store
            .write(|tx| {
                Box::pin(async move {
                    let seq = tx.append(entry(0))? as i64;
                    let conn = tx.conn().await?;
                    records::insert_agency(
                        &mut *conn,
                        &AgencyRow {
                            id: "polizia".into(),
                            name: "Polizia di Stato".into(),
                            kind: "host".into(),
                            country: "IT".into(),
                            created_seq: seq,
                            updated_seq: seq,
                        },
                    )
                    .await?;
                    let account = AccountRow {
                        id: "acc-1".into(),
                        username: "operator".into(),
                        role: "host_operator".into(),
                        agency_id: "polizia".into(),
                        delegation_id: None,
                        declaration_id: None,
                        password_hash: Some("$argon2id$v=19$...".into()),
                        disabled_seq: None,
                        created_seq: seq,
                        updated_seq: seq,
                        ..Default::default()
                    };
                    records::insert_account(&mut *conn, &account).await?;
                    Ok(())
                })
            })
            .await;
        result.unwrap();
        let a = records::account_by_username(store.pool(), "operator")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.agency_id, "polizia");
        assert!(!format!("{a:?}").contains("argon2"), "Debug hides the hash");
        // A second account with the same name, or with an unknown agency, fails
        // and leaves nothing (not even its ledger entry).
        for (username, agency) in [("operator", "polizia"), ("other", "no-such-agency")] {
            let size = store.ledger_stats().await.unwrap().size;
            let r: Result<(), StoreError> = store
                .write(move |tx| {
                    Box::pin(async move {
                        let seq = tx.append(entry(1))? as i64;
                        records::insert_account(
                            tx.conn().await?,
                            &AccountRow {
                                id: format!("acc-{username}"),
                                username: username.into(),
                                role: "host_operator".into(),
                                agency_id: agency.into(),
                                delegation_id: None,
                                declaration_id: None,
                                password_hash: None,
                                disabled_seq: None,
                                created_seq: seq,
                                updated_seq: seq,
                                ..Default::default()
                            },
                        )
                        .await
                    })
                })
                .await;
            assert!(r.is_err(), "{}: {username}/{agency} accepted", db.name);
            assert_eq!(store.ledger_stats().await.unwrap().size, size);
        }
        store.close().await;
    }
}

#[tokio::test]
async fn salts_are_kept_with_their_entries_or_not_at_all() {
    for db in backends().await {
        let store = create(&db).await;
        // Two closures in flight: the second fails, and its salt goes with
        // its entry.
        let ok = store.write(|tx| {
            Box::pin(async move {
                let a = tx.append_salted(entry(0), [1; 32])?;
                let b = tx.append(entry(1))?;
                Ok::<_, StoreError>((a, b))
            })
        });
        let failed = store.write(|tx| {
            Box::pin(async move {
                tx.append_salted(entry(2), [2; 32])?;
                Err::<(), _>(StoreError::OutOfRange("refused".into()))
            })
        });
        let (ok, failed) = tokio::join!(ok, failed);
        let (a, b) = ok.unwrap();
        assert!(failed.is_err());
        let salt = |seq: u64| records::entry_salt(store.pool(), seq as i64);
        assert_eq!(salt(a).await.unwrap(), Some(vec![1; 32]), "{}", db.name);
        assert_eq!(salt(b).await.unwrap(), None, "{}", db.name);
        assert_eq!(store.ledger_stats().await.unwrap().size, 2, "{}", db.name);
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entry_salts")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(count, 1, "{}: the failed closure's salt is gone", db.name);
        store.close().await;
    }
}
