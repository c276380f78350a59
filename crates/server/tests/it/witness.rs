//! The witness (C2SP tlog-witness) and the log's submissions to it, over
//! real HTTP, real stores and the witness's state directory: a growing log
//! is cosigned, and a fork — a second store with the same key and another
//! history — is refused with a clear message, as are a smaller tree and a
//! checkpoint signed by another key.

use std::sync::Arc;

use ledger::{Cosigner, Decision, Entry, Resource, open_witnessed};
use server::witness::{DirState, Witness};
use server::witnessing::{Round, WitnessConfig, Witnesses};
use store::testing::TestDb;
use store::{Store, StoreError};

fn entry(i: u64) -> Entry {
    Entry {
        seq: 0,
        time_ms: 0,
        actor_account: "oversight-test".into(),
        actor_agency: "garante".into(),
        channel: Some("cli:test".into()),
        action: "ledger.read".into(),
        resource: Resource {
            kind: "ledger".into(),
            id: format!("x-{i}"),
        },
        decision: Decision::Allow,
        policies: vec!["permit-oversight".into()],
        payload_digest: [(i % 251) as u8; 32],
        personal_data: None,
    }
}

async fn append(store: &Store, first: u64, count: u64) {
    store
        .write(move |tx| {
            Box::pin(async move {
                for i in first..first + count {
                    tx.append(entry(i))?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .await
        .expect("append");
}

/// A new SQLite store signing with `like`'s key (same origin): a second
/// history under the same name.
async fn same_key(like: &Store) -> (TestDb, Store) {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    let db = store::testing::sqlite();
    let dir = &db.location.data_dir;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .expect("data dir");
    let key = store::keys::key_path(dir);
    std::fs::copy(store::keys::key_path(&like.location().data_dir), &key).expect("copy the key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let s = db.create().await;
    assert_eq!(s.verifier(), like.verifier());
    (db, s)
}

fn post(url: &str, body: &[u8]) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.post(url).send(body).expect("POST");
    let status = r.status().as_u16();
    (status, r.body_mut().read_to_string().expect("body"))
}

#[test]
fn a_witness_cosigns_a_growing_log_and_refuses_forks_shrinking_and_other_keys() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for db in store::testing::backends().await {
            let a = db.create().await;
            append(&a, 0, 10).await;

            let state_dir = tempfile::tempdir().expect("temp dir");
            let cosigner = Cosigner::from_seed("witness.test/oversight", &[9; 32]).unwrap();
            let witness = Arc::new(Witness::new(
                cosigner.clone(),
                vec![a.verifier().clone()],
                Box::new(DirState::open(state_dir.path()).expect("state dir")),
            ));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(async move {
                axum::serve(listener, server::witness::router(witness))
                    .await
                    .expect("witness serves");
            });
            let url = format!("http://{addr}");
            let config =
                WitnessConfig::parse(&format!("{}@{url}", cosigner.verifier().key_string()))
                    .unwrap();
            let keys = [cosigner.verifier()];

            // The log grows; each round publishes a cosigned checkpoint.
            let mut ws = Witnesses::new(vec![config.clone()]).unwrap();
            assert_eq!(ws.round(&a).await, Ok(Round::Witnessed(10)), "{}", db.name);
            assert_eq!(ws.round(&a).await, Ok(Round::UpToDate(10)));
            append(&a, 10, 300).await;
            assert_eq!(ws.round(&a).await, Ok(Round::Witnessed(310)));
            let note = a.witnessed_checkpoint().await.unwrap().expect("stored");
            let w = open_witnessed(note.as_bytes(), a.verifier(), None, &keys).unwrap();
            assert_eq!(w.checkpoint.checkpoint.size, 310);
            assert_eq!(w.note_signed, vec![true]);
            // A restarted log learns the witness's size (409) and goes on.
            append(&a, 310, 5).await;
            let mut fresh = Witnesses::new(vec![config.clone()]).unwrap();
            assert_eq!(fresh.round(&a).await, Ok(Round::Witnessed(315)));
            // The witness kept its state on disk: the checkpoint it cosigned.
            let saved = std::fs::read_to_string(
                DirState::open(state_dir.path())
                    .unwrap()
                    .path("cortina.test/store"),
            )
            .unwrap();
            assert!(saved.starts_with("cortina.test/store\n315\n"), "{saved}");

            // A fork: the same key, another history from entry 3 on.
            let (_b_db, b) = same_key(&a).await;
            append(&b, 0, 3).await;
            append(&b, 1000, 400).await;
            let err = Witnesses::new(vec![config.clone()])
                .unwrap()
                .round(&b)
                .await
                .unwrap_err();
            assert!(
                err.contains("HTTP 422")
                    && err.contains("not consistent with the checkpoint of size 315"),
                "{err}"
            );
            assert_eq!(b.witnessed_checkpoint().await.unwrap(), None);
            let evidence: Vec<_> = std::fs::read_dir(state_dir.path())
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with("refused-"))
                .collect();
            assert_eq!(evidence.len(), 1, "the refused request is kept");

            // A fork at the same size.
            let (_c_db, c) = same_key(&a).await;
            append(&c, 2000, 315).await;
            let err = Witnesses::new(vec![config.clone()])
                .unwrap()
                .round(&c)
                .await
                .unwrap_err();
            assert!(err.contains("another root"), "{err}");

            // A smaller tree: the log is told, and refuses to go on.
            let (_d_db, d) = same_key(&a).await;
            append(&d, 0, 5).await;
            let err = Witnesses::new(vec![config.clone()])
                .unwrap()
                .round(&d)
                .await
                .unwrap_err();
            assert!(err.contains("more than the log's 5"), "{err}");
            // Submitted anyway, claiming the witness's size: 400.
            let req = ledger::witness::AddCheckpoint {
                old_size: 315,
                proof: Vec::new(),
                checkpoint: d.checkpoint().await.unwrap().into_bytes(),
            };
            let (status, text) = post(&format!("{url}/add-checkpoint"), &req.encode());
            assert_eq!(status, 400, "{text}");
            assert!(text.contains("never shrinks"), "{text}");

            // Another key under the same origin: 403.
            let other = store::testing::sqlite();
            let e = other.create().await;
            append(&e, 0, 400).await;
            let err = Witnesses::new(vec![config.clone()])
                .unwrap()
                .round(&e)
                .await
                .unwrap_err();
            assert!(err.contains("HTTP 403"), "{err}");

            // A stale size: 409 with the size, as text/x.tlog.size.
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let req = ledger::witness::AddCheckpoint {
                old_size: 0,
                proof: Vec::new(),
                checkpoint: a.checkpoint().await.unwrap().into_bytes(),
            };
            let r = agent
                .post(&format!("{url}/add-checkpoint"))
                .send(&req.encode()[..])
                .unwrap();
            assert_eq!(r.status().as_u16(), 409);
            assert_eq!(
                r.headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("text/x.tlog.size")
            );
            // The honest log still goes on.
            append(&a, 315, 1).await;
            assert_eq!(ws.round(&a).await, Ok(Round::Witnessed(316)));
            for s in [a, b, c, d, e] {
                s.close().await;
            }
        }
    });
}
