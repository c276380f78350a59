//! The ledger's storage: appends, group commit, rollback, proofs, tiles,
//! checkpoints, reopening.

use ledger::tile::{TileLevel, read_tile};
use ledger::{MemoryLog, Tile, check_record, check_tree, leaf_hash, open_checkpoint};
use store::{Store, StoreError};

use crate::common::{append, backends, create, entry, reopen};

#[tokio::test]
async fn appends_commit_in_order_and_verify() {
    for db in backends().await {
        let store = create(&db).await;
        assert_eq!(store.ledger_stats().await.unwrap().size, 0, "{}", db.name);
        let empty = store.verify(None, &[]).await.expect("empty log verifies");
        assert_eq!(empty.checkpoint.checkpoint.size, 0);

        assert_eq!(append(&store, 0, 3).await, vec![0, 1, 2]);
        // Many writers at once: every write acknowledged, one total order.
        let mut tasks = Vec::new();
        for w in 0..50u64 {
            let s = store.clone();
            tasks.push(tokio::spawn(
                async move { append(&s, 100 + w * 2, 2).await },
            ));
        }
        let mut seqs: Vec<u64> = Vec::new();
        for t in tasks {
            let got = t.await.unwrap();
            assert_eq!(
                got[1],
                got[0] + 1,
                "{}: a write's entries are contiguous",
                db.name
            );
            seqs.extend(got);
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (3..103).collect::<Vec<_>>(), "{}", db.name);

        let report = store.verify(None, &[]).await.expect("verifies");
        assert_eq!(report.checkpoint.checkpoint.size, 103);
        assert_eq!(report.checkpoint.checkpoint.origin, "cortina.test/store");
        store.close().await;
    }
}

#[tokio::test]
async fn a_failed_write_leaves_nothing_and_others_in_its_batch_commit() {
    for db in backends().await {
        let store = create(&db).await;
        append(&store, 0, 2).await;
        // A stand-in for the coordination core's tables: each write changes a
        // row and records the entry that changed it.
        sqlx::query("CREATE TABLE changes (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL)")
            .execute(store.pool())
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for w in 0..20u64 {
            let s = store.clone();
            tasks.push(tokio::spawn(async move {
                s.write(move |tx| {
                    Box::pin(async move {
                        let seq = tx.append(entry(w))?;
                        sqlx::query("INSERT INTO changes (id, seq) VALUES ($1, $2)")
                            .bind(w as i64)
                            .bind(seq as i64)
                            .execute(tx.conn().await?)
                            .await
                            .map_err(StoreError::from)?;
                        tx.append(entry(w + 1000))?;
                        if w % 2 == 1 {
                            return Err(StoreError::OutOfRange(format!("write {w} refused")));
                        }
                        Ok(w)
                    })
                })
                .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(w) => {
                    assert_eq!(w % 2, 0);
                    ok += 1;
                }
                Err(e) => assert!(e.to_string().contains("refused"), "{e}"),
            }
        }
        assert_eq!(ok, 10);
        let stats = store.ledger_stats().await.unwrap();
        assert_eq!(
            stats.size,
            2 + 10 * 2,
            "{}: failed writes left no entries",
            db.name
        );
        let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT id, seq FROM changes ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(rows.len(), 10, "{}: failed writes left no rows", db.name);
        for (id, seq) in rows {
            assert_eq!(id % 2, 0);
            let bytes = &store.entries(seq as u64, seq as u64 + 1).await.unwrap()[0];
            let e = ledger::Entry::decode(bytes).unwrap();
            assert_eq!(
                e.resource.id,
                format!("rfi-{id}"),
                "each row names its own entry"
            );
        }
        store
            .verify(None, &[])
            .await
            .expect("verifies after rollbacks");
        // The next append continues right after, with no hole.
        assert_eq!(append(&store, 0, 1).await, vec![22]);
        store.verify(None, &[]).await.expect("verifies");
        store.close().await;
    }
}

#[tokio::test]
async fn proofs_from_storage_verify_against_checkpoints() {
    for db in backends().await {
        let store = create(&db).await;
        let mut mem = MemoryLog::new();
        for i in 0..37u64 {
            append(&store, i, 1).await;
        }
        for bytes in store.entries(0, 37).await.unwrap() {
            mem.append(&bytes).unwrap();
        }
        let checkpoint = store.checkpoint().await.unwrap();
        let signed = open_checkpoint(checkpoint.as_bytes(), store.verifier(), None).unwrap();
        assert_eq!(signed.checkpoint.size, 37);
        assert_eq!(signed.checkpoint.root, mem.root().unwrap(), "{}", db.name);

        for t in [1u64, 2, 3, 8, 13, 32, 37] {
            let root = store.root_at(t).await.unwrap();
            for n in 0..t {
                let (proof, proof_root, leaf) = store.prove_inclusion(n, t).await.unwrap();
                assert_eq!(proof_root, root);
                let bytes = &store.entries(n, n + 1).await.unwrap()[0];
                assert_eq!(leaf, leaf_hash(bytes));
                check_record(&proof, t, &root, n, &leaf)
                    .unwrap_or_else(|e| panic!("{}: inclusion {n} in {t}: {e}", db.name));
            }
            for old in 1..=t {
                let (proof, old_root, new_root) = store.prove_consistency(old, t).await.unwrap();
                assert_eq!(new_root, root);
                check_tree(&proof, t, &root, old, &old_root)
                    .unwrap_or_else(|e| panic!("{}: consistency {old}→{t}: {e}", db.name));
            }
        }
        // Out of range: clear errors, not panics.
        assert!(store.prove_inclusion(37, 37).await.is_err());
        assert!(store.prove_inclusion(0, 38).await.is_err());
        assert!(store.prove_consistency(0, 5).await.is_err());
        assert!(store.prove_consistency(6, 5).await.is_err());
        store.close().await;
    }
}

#[tokio::test]
async fn tiles_match_the_in_memory_log() {
    for db in backends().await {
        let store = create(&db).await;
        append(&store, 0, 600).await;
        let mut mem = MemoryLog::new();
        let entries = store.entries(0, 600).await.unwrap();
        for bytes in &entries {
            mem.append(bytes).unwrap();
        }
        for tile in ledger::tile::tiles_for_size(600) {
            let got = store.tile(&tile).await.unwrap();
            assert_eq!(
                got,
                read_tile(&tile, &mem).unwrap(),
                "{}: {}",
                db.name,
                tile.path()
            );
        }
        for bundle in ledger::tile::entry_bundles_for_size(600) {
            let got = store.tile(&bundle).await.unwrap();
            let start = (bundle.index * 256) as usize;
            let want = ledger::tile::encode_entry_bundle(
                &entries[start..start + usize::from(bundle.width)],
            )
            .unwrap();
            assert_eq!(got, want, "{}", bundle.path());
        }
        // A tile beyond the log does not exist.
        let beyond = Tile {
            level: TileLevel::Hashes(0),
            index: 3,
            width: 1,
        };
        assert!(store.tile(&beyond).await.is_err());
        let partial_too_wide = Tile {
            level: TileLevel::Entries,
            index: 2,
            width: 89,
        };
        assert!(store.tile(&partial_too_wide).await.is_err());
        store.close().await;
    }
}

#[tokio::test]
async fn reopening_continues_the_same_log_and_older_checkpoints_stay_consistent() {
    for db in backends().await {
        let store = create(&db).await;
        append(&store, 0, 5).await;
        let old = store.checkpoint().await.unwrap();
        store.close().await;

        let store = reopen(&db).await.expect("reopen");
        assert_eq!(append(&store, 5, 4).await, vec![5, 6, 7, 8]);
        let report = store
            .verify(None, &[old.clone().into_bytes()])
            .await
            .expect("grew consistently");
        assert_eq!(report.consistent_with, vec![5]);
        store.close().await;
    }
}

#[tokio::test]
async fn opening_a_missing_store_without_create_is_a_clear_error() {
    for db in backends().await {
        let err = reopen(&db).await.unwrap_err();
        assert!(
            err.to_string().contains("cortina admin init"),
            "{}: {err}",
            db.name
        );
    }
}

#[tokio::test]
async fn the_signing_key_is_private_and_checked() {
    use std::os::unix::fs::PermissionsExt as _;
    let db = crate::common::sqlite();
    let store = create(&db).await;
    store.close().await;
    let key = db.location.data_dir.join(store::keys::KEY_FILE);
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(&db.location.data_dir)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    // The key never shows in Debug output.
    let text = std::fs::read_to_string(&key).unwrap();
    // `PRIVATE+KEY+<name>+<hash>+<base64 key>`: the key is all of the last
    // field (base64 has '+' of its own; a fragment after one could turn up
    // in any text by chance).
    let secret = text.trim().splitn(5, '+').nth(4).unwrap();
    assert!(secret.len() >= 40, "{secret}");
    assert!(!format!("{store:?} {:?}", store.signer()).contains(secret));

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = reopen(&db).await.unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");
}

#[tokio::test]
async fn opening_without_create_leaves_an_empty_database_empty() {
    use sqlx::Connection as _;
    for db in backends().await {
        std::fs::create_dir_all(&db.location.data_dir).unwrap();
        let refused = db.reopen().await;
        assert!(
            matches!(refused, Err(StoreError::NotInitialised(_))),
            "{}: {refused:?}",
            db.name
        );
        if let Some(url) = &db.location.database_url {
            sqlx::any::install_default_drivers();
            let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
            let tables: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            assert_eq!(tables, 0, "{}: no schema made by an open", db.name);
        } else {
            assert!(
                !db.location.data_dir.join("cortina.db").exists(),
                "{}: no database file made by an open",
                db.name
            );
        }
        let store = create(&db).await;
        store.verify(None, &[]).await.expect("created afterwards");
        store.close().await;
    }
}

#[tokio::test]
async fn the_read_generation_moves_with_every_change_and_only_then() {
    for db in backends().await {
        let store = create(&db).await;
        let generation = |store: &Store| {
            let store = store.clone();
            async move {
                store
                    .write(|tx| Box::pin(async move { Ok::<_, StoreError>(tx.generation()) }))
                    .await
                    .unwrap()
            }
        };
        let first = store
            .write(|tx| {
                Box::pin(async move {
                    let g = tx.generation();
                    let _ = tx.read_conn();
                    let after_read = tx.generation();
                    tx.conn().await?;
                    let after_conn = tx.generation();
                    tx.append(entry(1))?;
                    Ok::<_, StoreError>((g, after_read, after_conn))
                })
            })
            .await
            .unwrap();
        assert_eq!(first.0, first.1, "{}: a read changes nothing", db.name);
        assert_ne!(first.1, first.2, "{}: taking the connection may", db.name);
        let next = generation(&store).await;
        assert_eq!(
            next, first.2,
            "{}: a later batch, nothing changed in between: what was read holds",
            db.name
        );

        // Another process appends (and so may have changed any row).
        let other = reopen(&db).await.unwrap();
        append(&other, 100, 1).await;
        other.close().await;
        let after_other = generation(&store).await;
        assert_ne!(after_other, next, "{}: another process wrote", db.name);
        assert_eq!(generation(&store).await, after_other, "{}", db.name);

        // A lone closure that changes a row and then fails: the batch is
        // rolled back whole, and with it what was read after the change.
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let in_closure = seen.clone();
        store
            .write(move |tx| {
                Box::pin(async move {
                    tx.conn().await?;
                    in_closure.store(tx.generation(), std::sync::atomic::Ordering::SeqCst);
                    Err::<(), _>(StoreError::OutOfRange("refused".into()))
                })
            })
            .await
            .unwrap_err();
        assert_ne!(
            generation(&store).await,
            seen.load(std::sync::atomic::Ordering::SeqCst),
            "{}: a rolled-back batch leaves no generation behind",
            db.name
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_rolled_back_closure_leaves_no_generation_behind() {
    for db in backends().await {
        let store = create(&db).await;
        sqlx::query("CREATE TABLE probe (id BIGINT PRIMARY KEY)")
            .execute(store.pool())
            .await
            .unwrap();
        // (generation at start, generation at the end, rolled back), in the
        // order the writer ran the closures.
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for w in 0..40i64 {
            let s = store.clone();
            let seen = seen.clone();
            tasks.push(tokio::spawn(async move {
                s.write(move |tx| {
                    Box::pin(async move {
                        let start = tx.generation();
                        // Changes a row, then fails: rolled back.
                        let fails = w % 3 == 0 && w % 2 == 0;
                        if w % 2 == 0 {
                            sqlx::query("INSERT INTO probe (id) VALUES ($1)")
                                .bind(w)
                                .execute(tx.conn().await?)
                                .await
                                .map_err(StoreError::from)?;
                        }
                        seen.lock().unwrap().push((start, tx.generation(), fails));
                        if fails {
                            return Err(StoreError::OutOfRange(format!("write {w} refused")));
                        }
                        Ok::<_, StoreError>(())
                    })
                })
                .await
            }));
        }
        for t in tasks {
            let _ = t.await.unwrap();
        }
        let seen = std::mem::take(&mut *seen.lock().unwrap());
        assert_eq!(seen.len(), 40);
        for pair in seen.windows(2) {
            let ((_, end, failed), (next, _, _)) = (pair[0], pair[1]);
            if failed {
                assert_ne!(end, next, "{}: read after a rolled-back change", db.name);
            }
        }
        store.close().await;
    }
}
