//! `cortina admin init` and `cortina ledger verify | checkpoint | key | prove`
//! through the real binary, on a store that the tests fill through the
//! `store` crate (the service layer does that in production).

use std::path::Path;
use std::process::{Command, Output};

use ledger::{Decision, Entry, Hash, Resource, check_record, check_tree};

fn cortina(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cortina"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("CORTINA_DATABASE_URL")
        .output()
        .expect("run cortina")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn append(data: &Path, count: u64) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = store::Store::open(&store::Location::sqlite(data), &Default::default())
            .await
            .unwrap();
        s.write(move |tx| {
            Box::pin(async move {
                for i in 0..count {
                    tx.append_salted(
                        Entry {
                            seq: 0,
                            time_ms: 0,
                            actor_account: "operator".into(),
                            actor_agency: "questura-milano".into(),
                            channel: Some("cli:test".into()),
                            action: "log.record".into(),
                            resource: Resource {
                                kind: "log_entry".into(),
                                id: format!("log-{i}"),
                            },
                            decision: Decision::Allow,
                            policies: vec!["permit-host-log".into()],
                            payload_digest: [1; 32],
                            personal_data: None,
                        },
                        [2; 32],
                    )?;
                }
                Ok::<_, store::StoreError>(())
            })
        })
        .await
        .unwrap();
        s.close().await;
    });
}

fn hash(v: &serde_json::Value) -> Hash {
    Hash::from_base64(v.as_str().unwrap()).unwrap()
}

#[test]
fn init_verify_checkpoint_prove() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    // No store yet: a clear error.
    let out = cortina(&data, &["ledger", "verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cortina admin init"),
        "{}",
        stderr(&out)
    );

    let out = cortina(&data, &["admin", "init", "--origin", "cortina.test/cli"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("cortina.test/cli+"),
        "{}",
        stdout(&out)
    );
    let again = cortina(&data, &["admin", "init"]);
    assert!(again.status.success());
    assert!(stdout(&again).contains("nothing changed"));

    let out = cortina(&data, &["ledger", "verify"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).starts_with("ok: ledger cortina.test/cli verified: 3 entries"));

    let key = stdout(&cortina(&data, &["ledger", "key"]))
        .trim()
        .to_owned();
    let first = cortina(&data, &["ledger", "checkpoint"]);
    assert!(first.status.success());
    let since = dir.path().join("checkpoint-1");
    std::fs::write(&since, &first.stdout).unwrap();

    append(&data, 40);
    let key_file = dir.path().join("ledger.pub");
    std::fs::write(&key_file, format!("{key}\n")).unwrap();
    let out = cortina(
        &data,
        &[
            "ledger",
            "verify",
            "--since",
            since.to_str().unwrap(),
            "--key",
            key_file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("43 entries"), "{}", stdout(&out));
    assert!(stdout(&out).contains("grew consistently from size 3"));

    // An inclusion proof checks against the latest checkpoint's root.
    let out = cortina(&data, &["ledger", "prove", "--index", "17"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(p["tree_size"], 43);
    let proof: Vec<Hash> = p["proof"].as_array().unwrap().iter().map(hash).collect();
    check_record(
        &proof,
        43,
        &hash(&p["root_hash"]),
        17,
        &hash(&p["leaf_hash"]),
    )
    .unwrap();
    let checkpoint = stdout(&cortina(&data, &["ledger", "checkpoint"]));
    assert!(checkpoint.contains(p["root_hash"].as_str().unwrap()));

    // A consistency proof from size 1.
    let out = cortina(
        &data,
        &["ledger", "prove", "--since-size", "1", "--size", "30"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let proof: Vec<Hash> = c["proof"].as_array().unwrap().iter().map(hash).collect();
    check_tree(
        &proof,
        30,
        &hash(&c["new_root_hash"]),
        1,
        &hash(&c["old_root_hash"]),
    )
    .unwrap();

    // Out of range: exit 2 and a message, no panic.
    let out = cortina(&data, &["ledger", "prove", "--index", "43"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not in a tree of 43"),
        "{}",
        stderr(&out)
    );

    // A pinned key that is not the ledger's: verification fails, exit 1.
    let other = ledger::NoteSigner::from_seed("cortina.test/cli", &[3; 32]).unwrap();
    let out = cortina(
        &data,
        &["ledger", "verify", "--key", &other.verifier().key_string()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("FAILED"));
}

#[test]
fn a_tampered_entry_fails_verification_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(cortina(&data, &["admin", "init"]).status.success());
    append(&data, 12);
    // Rewrite entry 5 behind cortina's back (dropping the append-only trigger first).
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection as _;
        let url = format!("sqlite://{}", data.join(store::SQLITE_FILE).display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("DROP TRIGGER ledger_entries_no_update")
            .execute(&mut conn)
            .await
            .unwrap();
        let mut bytes: Vec<u8> =
            sqlx::query_scalar("SELECT entry FROM ledger_entries WHERE seq = 5")
                .fetch_one(&mut conn)
                .await
                .unwrap();
        let at = bytes.len() - 40;
        bytes[at] ^= 0x01;
        sqlx::query("UPDATE ledger_entries SET entry = $1 WHERE seq = 5")
            .bind(bytes)
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    });
    let out = cortina(&data, &["ledger", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with("FAILED at entry 5"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_tampered_row_stamp_fails_verification_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(cortina(&data, &["admin", "init"]).status.success());
    let script = dir.path().join("script.jsonl");
    std::fs::write(
        &script,
        r#"{"action": "agency.register", "id": "questura-milano", "name": "Questura di Milano", "kind": "host", "country": "IT"}
"#,
    )
    .unwrap();
    let out = cortina(&data, &["exec", "--as", "admin", script.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = cortina(&data, &["ledger", "verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("4 rows stamped by their entries"),
        "{}",
        stdout(&out)
    );
    // Re-stamp the agency with the bootstrap's first entry, which registered
    // another agency.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection as _;
        let url = format!("sqlite://{}", data.join(store::SQLITE_FILE).display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query(
            "UPDATE agencies SET created_seq = 0, updated_seq = 0 WHERE id = 'questura-milano'",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    });
    let out = cortina(&data, &["ledger", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stdout(&out).trim_end(),
        "FAILED at entry 0: agencies row questura-milano: stamped with entry 0 \
         (agency.register), which did not write it"
    );
}

#[test]
fn a_changed_role_or_a_forged_token_fails_verification_naming_table_row_and_entry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(cortina(&data, &["admin", "init"]).status.success());
    let sql = |statement: &str| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            use sqlx::Connection as _;
            let url = format!("sqlite://{}", data.join(store::SQLITE_FILE).display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
        });
    };
    // The accounts' ids are opaque: the statements below name them by login.
    let admin = crate::account_id(&data, "admin");
    let commander = crate::account_id(&data, "commander");
    let ids = |s: &str| {
        s.replace("acc-admin", &admin)
            .replace("acc-commander", &commander)
    };
    let sql = |statement: &str| sql(&ids(statement));
    // Entry 1 created the admin; make them a commander behind cortina's back.
    sql("UPDATE accounts SET role = 'host_commander' WHERE id = 'acc-admin'");
    let out = cortina(&data, &["ledger", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stdout(&out).trim_end(),
        ids(
            "FAILED at entry 1: accounts row acc-admin: differs from what entry 1 \
         (account.create) wrote"
        )
    );
    sql("UPDATE accounts SET role = 'admin' WHERE id = 'acc-admin'");
    assert!(cortina(&data, &["ledger", "verify"]).status.success());
    // A token row that no entry issued would let its holder act as the admin.
    sql(
        "INSERT INTO api_tokens (id, secret_hash, account_id, witness, purpose, created_ms, \
         expires_ms, revoked_seq, created_seq, updated_seq) VALUES ('tok-forged', x'00', \
         'acc-admin', NULL, NULL, 0, NULL, NULL, 1, 1)",
    );
    let out = cortina(&data, &["ledger", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stdout(&out).trim_end(),
        "FAILED at entry 1: api_tokens row tok-forged: no entry issued it (stamped with \
         entry 1 (account.create), which wrote no such row)"
    );
    sql("DELETE FROM api_tokens WHERE id = 'tok-forged'");
    assert!(cortina(&data, &["ledger", "verify"]).status.success());
    // The second factor's state and the demo flag are committed to: a TOTP
    // secret of the attacker's, an account made exempt, an enrolment
    // secret swapped (entry 2 created the first commander, not enrolled).
    for (tamper, undo, row, entry) in [
        (
            "UPDATE accounts SET totp_secret = x'00112233445566778899' WHERE id = 'acc-admin'",
            "UPDATE accounts SET totp_secret = NULL WHERE id = 'acc-admin'",
            "acc-admin",
            1,
        ),
        (
            "UPDATE accounts SET demo = 1 WHERE id = 'acc-admin'",
            "UPDATE accounts SET demo = 0 WHERE id = 'acc-admin'",
            "acc-admin",
            1,
        ),
        (
            "UPDATE accounts SET recovery_hashes = 'ab' WHERE id = 'acc-admin'",
            "UPDATE accounts SET recovery_hashes = NULL WHERE id = 'acc-admin'",
            "acc-admin",
            1,
        ),
        (
            "UPDATE accounts SET enrol_hash = x'00' WHERE id = 'acc-commander'",
            "",
            "acc-commander",
            2,
        ),
    ] {
        sql(tamper);
        let out = cortina(&data, &["ledger", "verify"]);
        assert_eq!(out.status.code(), Some(1), "{tamper}: {}", stdout(&out));
        assert_eq!(
            stdout(&out).trim_end(),
            ids(&format!(
                "FAILED at entry {entry}: accounts row {row}: differs from what entry {entry} \
                 (account.create) wrote"
            )),
            "{tamper}"
        );
        if !undo.is_empty() {
            sql(undo);
            assert!(
                cortina(&data, &["ledger", "verify"]).status.success(),
                "{undo}"
            );
        }
    }
}

/// The tlog-tiles read API of the store at `data`, as `cortina serve` will
/// serve it: path → body.
fn tile_routes(data: &Path) -> std::collections::HashMap<String, Vec<u8>> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = store::Store::open(&store::Location::sqlite(data), &Default::default())
            .await
            .unwrap();
        let mut routes = std::collections::HashMap::new();
        let size = s.ledger_stats().await.unwrap().size;
        routes.insert(
            "/ledger/checkpoint".to_owned(),
            s.checkpoint().await.unwrap().into_bytes(),
        );
        routes.insert(
            "/ledger/key".to_owned(),
            s.verifier().key_string().into_bytes(),
        );
        for tile in ledger::tile::tiles_for_size(size)
            .into_iter()
            .chain(ledger::tile::entry_bundles_for_size(size))
        {
            routes.insert(
                format!("/ledger/{}", tile.path()),
                s.tile(&tile).await.unwrap(),
            );
        }
        s.close().await;
        routes
    })
}

#[test]
fn verify_from_the_tile_api_with_a_read_token() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(cortina(&data, &["admin", "init"]).status.success());
    let since = dir.path().join("checkpoint");
    std::fs::write(&since, cortina(&data, &["ledger", "checkpoint"]).stdout).unwrap();
    append(&data, 300);
    let key = stdout(&cortina(&data, &["ledger", "key"]))
        .trim()
        .to_owned();
    let routes = tile_routes(&data);
    let remote = |routes: std::collections::HashMap<String, Vec<u8>>, token: &str| {
        let server = crate::http::Server::start_with_token(routes, Some("s3cret-token".into()));
        // The token from a file (never argv).
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), format!("{token}\n")).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_cortina"))
            .args(["ledger", "verify", "--url", &server.url(""), "--key", &key])
            .arg("--token-file")
            .arg(file.path())
            .env_remove("CORTINA_TOKEN")
            .arg("--since")
            .arg(&since)
            .output()
            .unwrap();
        drop(server);
        out
    };

    let out = remote(routes.clone(), "s3cret-token");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let first = stdout(&out);
    assert!(
        first.contains("303 entries") && first.contains("grew consistently from size 3"),
        "{first}"
    );

    // Without the right token: the server refuses, verification cannot run (exit 2).
    let out = remote(routes.clone(), "wrong");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("401"), "{}", stderr(&out));

    // A served entry bundle with one byte changed: caught, the entry named.
    let mut tampered = routes.clone();
    let bundle = tampered.get_mut("/ledger/tile/entries/000").unwrap();
    let at = 2 + 40; // inside entry 0's bytes, after its length prefix
    bundle[at] ^= 1;
    let out = remote(tampered, "s3cret-token");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("FAILED"), "{}", stdout(&out));

    // A served hash tile that disagrees with the entries: caught.
    let mut tampered = routes;
    let tile = tampered.get_mut("/ledger/tile/0/000").unwrap();
    tile[100] ^= 1;
    let out = remote(tampered, "s3cret-token");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("tile/0/000"), "{}", stdout(&out));
}
