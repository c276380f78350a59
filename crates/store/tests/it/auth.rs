//! Sessions, tokens and failed-login counters: stored by hash, looked up
//! by hash, changed only inside ledgered writes; a token is for an account
//! or a witness, never both.

use store::StoreError;
use store::auth::{self, Backoff, SessionRow, TokenRow};
use store::records::{self, AccountRow, AgencyRow};

use crate::common::{backends, create, entry};

fn token(id: &str, hash: u8, account: Option<&str>, witness: Option<&str>) -> TokenRow {
    TokenRow {
        id: id.into(),
        secret_hash: vec![hash; 32],
        account_id: account.map(Into::into),
        witness: witness.map(Into::into),
        purpose: Some("audit".into()),
        created_ms: 1,
        expires_ms: None,
        revoked_seq: None,
        created_seq: 0,
        updated_seq: 0,
    }
}

#[tokio::test]
async fn auth_rows_are_kept_by_hash_and_change_with_entries() {
    for db in backends().await {
        let store = create(&db).await;
        store
            .write(|tx| {
                Box::pin(async move {
                    let seq = tx.append(entry(0))? as i64;
                    let conn = tx.conn().await?;
                    records::insert_agency(
                        &mut *conn,
                        &AgencyRow {
                            id: "copasir".into(),
                            name: "COPASIR".into(),
                            kind: "oversight".into(),
                            country: "IT".into(),
                            created_seq: seq,
                            updated_seq: seq,
                        },
                    )
                    .await?;
                    records::insert_account(
                        &mut *conn,
                        &AccountRow {
                            id: "acc-o".into(),
                            username: "o".into(),
                            role: "oversight".into(),
                            agency_id: "copasir".into(),
                            delegation_id: None,
                            declaration_id: None,
                            password_hash: None,
                            disabled_seq: None,
                            created_seq: seq,
                            updated_seq: seq,
                            ..Default::default()
                        },
                    )
                    .await?;
                    auth::insert_session(
                        &mut *conn,
                        &SessionRow {
                            id: "ses-1".into(),
                            secret_hash: vec![1; 32],
                            account_id: "acc-o".into(),
                            created_ms: 100,
                            last_seen_ms: 100,
                            expires_ms: 1_000,
                            created_seq: seq,
                        },
                    )
                    .await?;
                    auth::insert_token(&mut *conn, &token("tok-a", 2, Some("acc-o"), None)).await?;
                    auth::insert_token(&mut *conn, &token("tok-w", 3, None, Some("ngo"))).await?;
                    auth::put_backoff(
                        &mut *conn,
                        &[9; 32],
                        &Backoff {
                            failures: 2,
                            last_ms: 50,
                            not_before_ms: 0,
                        },
                    )
                    .await?;
                    auth::put_backoff(
                        &mut *conn,
                        &[8; 32],
                        &Backoff {
                            failures: 9,
                            last_ms: 60,
                            not_before_ms: 5_000,
                        },
                    )
                    .await?;
                    Ok::<_, StoreError>(())
                })
            })
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", db.name));
        let pool = store.pool();
        let s = auth::session_by_hash(pool, &[1; 32])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.account_id, "acc-o");
        assert!(
            auth::session_by_hash(pool, &[2; 32])
                .await
                .unwrap()
                .is_none()
        );
        assert!(!format!("{s:?}").contains("secret"), "{s:?}");
        let (t, account) = auth::token_and_account_by_hash(pool, &[3; 32])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (t.id.as_str(), t.witness.as_deref(), account),
            ("tok-w", Some("ngo"), None)
        );
        let (t, account) = auth::token_and_account_by_hash(pool, &[2; 32])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.id, "tok-a");
        assert_eq!(
            account,
            Some(auth::TokenAccount {
                username: "o".into(),
                disabled_seq: None
            })
        );
        assert!(
            auth::token_and_account_by_hash(pool, &[9; 32])
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(auth::tokens(pool).await.unwrap().len(), 2);
        let backoffs = |keys: Vec<Vec<u8>>| {
            let pool = pool.clone();
            async move {
                let mut conn = pool.acquire().await.unwrap();
                auth::backoffs(&mut conn, &keys).await.unwrap()
            }
        };
        let counted = backoffs(vec![vec![9; 32], vec![7; 32]]).await;
        assert_eq!(counted[0].as_ref().map(|b| b.failures), Some(2));
        assert_eq!(counted[1], None);

        // A token for both an account and a witness, or for neither, is refused.
        for bad in [
            token("tok-both", 4, Some("acc-o"), Some("ngo")),
            token("tok-none", 5, None, None),
        ] {
            let refused = store
                .write(move |tx| {
                    Box::pin(async move {
                        auth::insert_token(tx.conn().await?, &bad).await?;
                        Ok::<_, StoreError>(())
                    })
                })
                .await;
            assert!(refused.is_err(), "{}: {refused:?}", db.name);
        }

        // Touch, revoke, clear, expire.
        store
            .write(|tx| {
                Box::pin(async move {
                    let seq = tx.append(entry(1))? as i64;
                    let conn = tx.conn().await?;
                    auth::touch_session(&mut *conn, "ses-1", 500).await?;
                    auth::revoke_token(&mut *conn, "tok-a", seq).await?;
                    auth::clear_backoff(&mut *conn, &[9; 32]).await?;
                    // Old, but still backing off: kept.
                    assert_eq!(auth::prune_backoffs(&mut *conn, 1_000).await?, 0);
                    Ok::<_, StoreError>(())
                })
            })
            .await
            .unwrap();
        assert_eq!(
            auth::session(pool, "ses-1")
                .await
                .unwrap()
                .unwrap()
                .last_seen_ms,
            500
        );
        assert_eq!(
            auth::token(pool, "tok-a")
                .await
                .unwrap()
                .unwrap()
                .revoked_seq,
            Some(1)
        );
        assert_eq!(backoffs(vec![vec![9; 32]]).await, vec![None]);
        let pruned = store
            .write(|tx| {
                Box::pin(async move { auth::prune_backoffs(tx.conn().await?, 6_000).await })
            })
            .await
            .unwrap();
        assert_eq!(pruned, 1);
        assert_eq!(backoffs(vec![vec![8; 32]]).await, vec![None]);
        let gone = store
            .write(|tx| {
                Box::pin(
                    async move { auth::delete_expired_sessions(tx.conn().await?, 2_000, 0).await },
                )
            })
            .await
            .unwrap();
        assert_eq!(gone, vec!["ses-1".to_owned()]);
        assert!(auth::session(pool, "ses-1").await.unwrap().is_none());
        assert!(store.verify(None, &[]).await.is_ok());
    }
}
