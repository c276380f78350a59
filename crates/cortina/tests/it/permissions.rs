//! The data directory is 0700 and the database files 0600 whatever the
//! umask: `cortina admin init` under `umask 000` (through `sh`, so that the
//! test process's own umask stays as it is), and a directory another tool
//! left world-readable, tightened when the store opens.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Runs `cortina ARGS --data-dir DATA` under `umask UMASK`.
fn cortina_with_umask(umask: &str, data: &Path, args: &[&str]) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_cortina"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("CORTINA_DATABASE_URL")
        .output()
        .expect("run cortina");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_data_directory_and_database_are_private_whatever_the_umask() {
    for umask in ["000", "022"] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        cortina_with_umask(umask, &data, &["admin", "init"]);
        cortina_with_umask(umask, &data, &["ledger", "verify"]);
        assert_eq!(mode(&data), 0o700, "umask {umask}: data directory");
        let db = data.join(store::SQLITE_FILE);
        assert_eq!(mode(&db), 0o600, "umask {umask}: {}", db.display());
        // While a store is open, SQLite's -wal and -shm files exist: they
        // take the database file's mode.
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let s = store::Store::open(&store::Location::sqlite(&data), &Default::default())
                .await
                .unwrap();
            s.verify(None, &[]).await.unwrap();
            for suffix in ["-wal", "-shm"] {
                let path = data.join(format!("{}{suffix}", store::SQLITE_FILE));
                assert_eq!(mode(&path), 0o600, "umask {umask}: {}", path.display());
            }
            s.close().await;
        });
    }
}

#[test]
fn a_world_readable_data_directory_is_tightened_when_the_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cortina_with_umask("022", &data, &["admin", "init"]);
    // As `lists import` into a fresh directory, or a careless `chmod`, leaves them.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = data.join(store::SQLITE_FILE);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    cortina_with_umask("000", &data, &["ledger", "verify"]);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
}
