//! Integration tests of the `cortina` binary: one test binary (linked once),
//! one module per command group.

mod applicants;
mod crash;
mod crash_http;
mod demo;
mod http;
mod ledger;
mod migrate;
mod permissions;
mod recorded;
mod rescreen;
mod screen;
mod serve;
mod update;
mod witness;

/// The (opaque) id of the account `username` in the SQLite store at `data`.
pub(crate) fn account_id(data: &std::path::Path, username: &str) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = store::Store::open(&store::Location::sqlite(data), &Default::default())
            .await
            .unwrap();
        let id = store::records::account_by_username(s.pool(), username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no account {username}"))
            .id;
        s.close().await;
        id
    })
}
