//! Crash safety: a writer killed with SIGKILL in the middle of a stream of
//! group-committed appends loses nothing it acknowledged, and the log still
//! verifies after restart.
//!
//! The writer is the `ledger_writer` example of this crate (`cargo test`
//! builds examples): it appends as fast as it can from many tasks and
//! prints the sequence numbers of each acknowledged write.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::common::{backends, reopen};

fn writer_binary() -> PathBuf {
    // target/<profile>/deps/it-<hash> → target/<profile>/examples/ledger_writer
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target directory");
    let path = profile_dir.join("examples").join("ledger_writer");
    assert!(
        path.is_file(),
        "{} is missing: run the tests with `cargo test` (it builds examples)",
        path.display()
    );
    path
}

#[tokio::test]
async fn kill_9_under_load_loses_no_acknowledged_entry() {
    for db in backends().await {
        let mut cmd = Command::new(writer_binary());
        cmd.arg("--data-dir").arg(&db.location.data_dir);
        if let Some(url) = &db.location.database_url {
            cmd.arg("--database").arg(url);
        }
        let mut child = cmd
            .arg("--writers")
            .arg("32")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start writer");
        let stdout = child.stdout.take().expect("stdout");
        let mut acked: Vec<u64> = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read writer output");
            for seq in line.split_whitespace() {
                acked.push(seq.parse().expect("a sequence number"));
            }
            if acked.len() >= 3000 {
                break;
            }
        }
        // SIGKILL: no destructors, no flush, mid-transaction.
        child.kill().expect("kill writer");
        child.wait().expect("reap writer");
        assert!(acked.len() >= 3000, "{}: writer stopped early", db.name);

        let store = reopen(&db).await.expect("reopen after crash");
        let report = store
            .verify(None, &[])
            .await
            .unwrap_or_else(|f| panic!("{}: log broken after crash: {f}", db.name));
        let size = report.checkpoint.checkpoint.size;
        let max = acked.iter().max().copied().unwrap_or(0);
        assert!(
            size > max,
            "{}: acknowledged entry {max} missing (log has {size})",
            db.name
        );
        // And the log takes appends again.
        let more = crate::common::append(&store, 0, 3).await;
        assert_eq!(more[0], size);
        store
            .verify(None, &[])
            .await
            .expect("verifies after more appends");
        store.close().await;
    }
}
