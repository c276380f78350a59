//! Tamper tests: whoever rewrites the database behind cortina's back —
//! changes a byte, drops or reorders entries, edits a stored hash, swaps the
//! signing key — is caught by `verify`, which names the first bad entry.

use sqlx::AssertSqlSafe;
use store::{Backend, Store};

use crate::common::{TestDb, append, backends, create, reopen};

/// A store with 20 entries and the append-only triggers removed, as an
/// attacker with write access to the database would do first.
async fn tampered_store(db: &TestDb) -> Store {
    let store = create(db).await;
    append(&store, 0, 20).await;
    store
        .verify(None, &[])
        .await
        .expect("verifies before tampering");
    // While the triggers stand, the database itself refuses rewrites.
    let refused = sqlx::query("UPDATE ledger_entries SET entry = entry WHERE seq = 1")
        .execute(store.pool())
        .await;
    assert!(refused.is_err(), "{}: update allowed", db.name);
    let refused = sqlx::query("DELETE FROM ledger_entries WHERE seq = 1")
        .execute(store.pool())
        .await;
    assert!(refused.is_err(), "{}: delete allowed", db.name);
    let drop = match store.backend() {
        Backend::Sqlite => {
            "DROP TRIGGER ledger_entries_no_update; DROP TRIGGER ledger_entries_no_delete;"
        }
        Backend::Postgres => "DROP TRIGGER ledger_entries_no_rewrite ON ledger_entries;",
    };
    sqlx::raw_sql(drop).execute(store.pool()).await.unwrap();
    store
}

async fn blob(store: &Store, column: &str, seq: i64) -> Vec<u8> {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT {column} FROM ledger_entries WHERE seq = $1"
    )))
    .bind(seq)
    .fetch_one(store.pool())
    .await
    .unwrap()
}

async fn set_blob(store: &Store, column: &str, seq: i64, value: Vec<u8>) {
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE ledger_entries SET {column} = $1 WHERE seq = $2"
    )))
    .bind(value)
    .bind(seq)
    .execute(store.pool())
    .await
    .unwrap();
}

#[track_caller]
fn assert_fails_at(
    result: Result<store::VerifyReport, store::VerifyFailure>,
    index: u64,
    what: &str,
) {
    match result {
        Ok(_) => panic!("{what}: verify passed"),
        Err(f) => assert_eq!(f.index, Some(index), "{what}: {}", f.message),
    }
}

#[tokio::test]
async fn one_changed_byte_is_found() {
    for db in backends().await {
        let store = tampered_store(&db).await;
        let mut bytes = blob(&store, "entry", 7).await;
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        set_blob(&store, "entry", 7, bytes).await;
        assert_fails_at(store.verify(None, &[]).await, 7, db.name);
        store.close().await;
    }
}

#[tokio::test]
async fn a_dropped_entry_is_found() {
    for db in backends().await {
        let store = tampered_store(&db).await;
        sqlx::query("DELETE FROM ledger_entries WHERE seq = 4")
            .execute(store.pool())
            .await
            .unwrap();
        assert_fails_at(store.verify(None, &[]).await, 4, db.name);
        store.close().await;
    }
}

#[tokio::test]
async fn a_dropped_last_entry_is_found() {
    for db in backends().await {
        let store = tampered_store(&db).await;
        sqlx::query("DELETE FROM ledger_entries WHERE seq = 19")
            .execute(store.pool())
            .await
            .unwrap();
        let failure = store.verify(None, &[]).await.unwrap_err();
        assert!(failure.message.contains("20"), "{}", failure.message);
        store.close().await;
    }
}

#[tokio::test]
async fn two_reordered_entries_are_found() {
    for db in backends().await {
        let store = tampered_store(&db).await;
        for column in ["entry", "hashes"] {
            let a = blob(&store, column, 3).await;
            let b = blob(&store, column, 9).await;
            set_blob(&store, column, 3, b).await;
            set_blob(&store, column, 9, a).await;
        }
        assert_fails_at(store.verify(None, &[]).await, 3, db.name);
        store.close().await;
    }
}

#[tokio::test]
async fn an_edited_stored_hash_is_found() {
    for db in backends().await {
        let store = tampered_store(&db).await;
        // Entry 11 completes hashes at levels 0, 1 and 2; corrupt level 2.
        let mut hashes = blob(&store, "hashes", 11).await;
        hashes[64] ^= 0x80;
        set_blob(&store, "hashes", 11, hashes).await;
        assert_fails_at(store.verify(None, &[]).await, 11, db.name);
        store.close().await;
    }
}

#[tokio::test]
async fn a_swapped_key_is_refused() {
    for db in backends().await {
        let store = create(&db).await;
        append(&store, 0, 5).await;
        store.close().await;
        // Another key with the same name: the old checkpoint does not open.
        let other = ledger::NoteSigner::from_seed("cortina.test/store", &[9; 32]).unwrap();
        let path = store::keys::key_path(&db.location.data_dir);
        std::fs::write(&path, format!("{}\n", other.key_string())).unwrap();
        let err = reopen(&db).await.unwrap_err();
        assert!(
            err.to_string().contains("does not match"),
            "{}: {err}",
            db.name
        );
    }
    // And an oversight body that pinned the real key rejects a log signed by
    // another one.
    for db in backends().await {
        let store = create(&db).await;
        append(&store, 0, 5).await;
        let other = ledger::NoteSigner::from_seed("cortina.test/store", &[9; 32]).unwrap();
        let failure = store
            .verify(Some(&other.verifier()), &[])
            .await
            .unwrap_err();
        assert!(
            failure.message.contains("checkpoint"),
            "{}",
            failure.message
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_rewritten_history_is_inconsistent_with_an_older_checkpoint() {
    for db in backends().await {
        let store = tampered_store(&db).await;
        let old = store.checkpoint().await.unwrap();
        // Rewrite the tail: drop entries 10.. and append different ones, so
        // the new tree is self-consistent and freshly signed.
        sqlx::query("DELETE FROM ledger_entries WHERE seq >= 10")
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE ledger_head SET size = 10")
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
        let store = reopen(&db).await.unwrap();
        append(&store, 500, 15).await;
        // Alone, the rewritten log verifies (its own checkpoint is fresh)...
        store.verify(None, &[]).await.expect("self-consistent");
        // ...but not against the checkpoint the oversight body kept.
        let failure = store.verify(None, &[old.into_bytes()]).await.unwrap_err();
        assert!(
            failure.message.contains("20"),
            "{}: {}",
            db.name,
            failure.message
        );
        store.close().await;
    }
}
