//! Shared helpers: fresh stores on every configured backend, sample entries.

use ledger::{Decision, Entry, Resource};
use store::{Store, StoreError};

pub use store::testing::{TestDb, backends, sqlite};

pub async fn create(db: &TestDb) -> Store {
    db.create().await
}

pub async fn reopen(db: &TestDb) -> Result<Store, StoreError> {
    db.reopen().await
}

/// A sample entry; `seq` and time are set by the store.
pub fn entry(i: u64) -> Entry {
    Entry {
        seq: 0,
        time_ms: 0,
        actor_account: format!("user-{}", i % 7),
        actor_agency: "polizia-di-stato".into(),
        channel: Some("cli:test".into()),
        action: "rfi.answer".into(),
        resource: Resource {
            kind: "rfi".into(),
            id: format!("rfi-{i}"),
        },
        decision: if i.is_multiple_of(5) {
            Decision::Deny
        } else {
            Decision::Allow
        },
        policies: vec!["permit-host-operator-rfi".into()],
        payload_digest: [i as u8; 32],
        personal_data: i.is_multiple_of(3).then_some([7; 32]),
    }
}

/// Appends `count` sample entries in one write; returns their sequence numbers.
pub async fn append(store: &Store, first: u64, count: u64) -> Vec<u64> {
    store
        .write(move |tx| {
            Box::pin(async move {
                let mut seqs = Vec::new();
                for i in first..first + count {
                    seqs.push(tx.append(entry(i))?);
                }
                Ok::<_, StoreError>(seqs)
            })
        })
        .await
        .expect("append")
}
