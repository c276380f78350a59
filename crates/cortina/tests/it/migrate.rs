//! `cortina admin migrate-ids` on stores written before opaque ids
//! (`tests/fixtures/legacy-ids`, made by cortina at `2561175`): today's
//! cortina opens and verifies them as they are; the migration gives their
//! accounts, account proposals, declaration lines and protectees opaque
//! ids with every reference to them; the ledger verifies after; labels,
//! tokens, claims, proposals and passes keep working; new entries name no
//! label; a second run does nothing. On SQLite, and on PostgreSQL when
//! `CORTINA_TEST_DATABASE_URL` is set (from a `pg_dump` of its own).

use std::path::Path;

use serde_json::{Value, json};
use sqlx::Connection as _;
use store::testing::{TestDb, backends};

use crate::crash::{cortina, exec_all};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/legacy-ids");

/// Lays the fixture's store at `db`: its signing key in the data directory
/// and its dump loaded into the database.
async fn legacy_store(db: &TestDb) {
    let dir = &db.location.data_dir;
    std::fs::create_dir_all(dir).expect("data dir");
    let (dump, key) = match db.location.database_url {
        None => ("sqlite.sql", "sqlite.key"),
        Some(_) => ("postgres.sql", "postgres.key"),
    };
    let key_path = dir.join("ledger-signing.key");
    std::fs::copy(Path::new(FIXTURES).join(key), &key_path).expect("key");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).expect("0600");
    }
    let sql = std::fs::read_to_string(Path::new(FIXTURES).join(dump)).expect("dump");
    sqlx::any::install_default_drivers();
    let url = match &db.location.database_url {
        None => format!(
            "sqlite://{}?mode=rwc",
            dir.join(store::SQLITE_FILE).display()
        ),
        Some(url) => url.clone(),
    };
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{}: load {dump}: {e}", db.name));
    conn.close().await.expect("close");
}

fn ok(db: &TestDb, out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}: {}\n{}",
        db.name,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn verify(db: &TestDb) -> String {
    ok(
        db,
        &cortina(db, &["ledger", "verify"]).output().expect("verify"),
    )
}

/// What the store holds, read with the store's own functions.
struct Seen {
    accounts: Vec<(String, String, Option<String>)>,
    lines: Vec<(String, Value)>,
    protectees: Vec<String>,
    proposals: Vec<String>,
    docs: Vec<(String, Value)>,
    pass_of_agent: String,
}

async fn seen(db: &TestDb) -> Seen {
    let s = db.reopen().await.expect("open");
    let pool = s.pool();
    let accounts = store::records::accounts(pool)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.username, a.declaration_id))
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    let mut docs = Vec::new();
    let mut after: Option<(String, String)> = None;
    loop {
        let page = store::rename::documents_after(
            &mut conn,
            after.as_ref().map(|(k, i)| (k.as_str(), i.as_str())),
            500,
        )
        .await
        .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.kind.clone(), last.id.clone()));
        for r in page {
            docs.push((
                r.key(),
                serde_json::from_str::<Value>(r.doc.as_deref().unwrap()).unwrap(),
            ));
        }
    }
    let ids = |kind: &str| {
        docs.iter()
            .filter(|(k, _)| k.starts_with(&format!("{kind}/")))
            .map(|(k, v)| (k[kind.len() + 1..].to_owned(), v.clone()))
            .collect::<Vec<_>>()
    };
    let lines = ids("declaration");
    let protectees = ids("protectee").into_iter().map(|(id, _)| id).collect();
    let proposals = ids("account_proposal")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // The pass of the protective agent's accreditation, as a gate knows it.
    let agent = lines
        .iter()
        .find(|(id, v)| id == "us-dss-agent-1" || v["reference"] == "us-dss-agent-1")
        .expect("the agent's line");
    let line: domain::declaration::DeclarationLine =
        serde_json::from_value(agent.1.clone()).unwrap();
    let pass_of_agent = service::passes::declaration_claims(s.pass_signer(), &line)
        .unwrap()
        .id;
    drop(conn);
    s.close().await;
    Seen {
        accounts,
        lines,
        protectees,
        proposals,
        docs,
        pass_of_agent,
    }
}

fn opaque(prefix: &str, id: &str) -> bool {
    store::rename::opaque_shaped(prefix, id)
}

/// Every string in `v` (keys included) but the values of `reference` and
/// `former_id`, which keep labels.
fn strings(v: &Value, key: Option<&str>, out: &mut Vec<String>) {
    match v {
        Value::String(s) if !matches!(key, Some("reference" | "former_id")) => {
            out.push(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|i| strings(i, key, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                strings(v, Some(k), out);
            }
        }
        _ => {}
    }
}

#[test]
fn a_store_older_than_opaque_ids_migrates_and_keeps_working() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for db in rt.block_on(backends()) {
        rt.block_on(legacy_store(&db));
        // Today's cortina reads the old store as it is.
        let out = verify(&db);
        assert!(out.starts_with("ok: "), "{}: {out}", db.name);
        let before = rt.block_on(seen(&db));
        assert!(
            before.accounts.iter().any(|(id, _, _)| id == "acc-analyst"),
            "{}: the fixture is not the old store",
            db.name
        );
        let old_ids: Vec<String> = before
            .accounts
            .iter()
            .map(|(id, _, _)| id.clone())
            .chain(before.lines.iter().map(|(id, _)| id.clone()))
            .chain(before.protectees.iter().cloned())
            .chain(before.proposals.iter().cloned())
            .collect();
        assert_eq!(old_ids.len(), 11 + 9 + 1 + 2, "{}", db.name);

        // The re-screen's keys of the population name people by their old
        // ids: the migration deletes them (a next re-screen rebuilds them).
        let keys_file = db.location.data_dir.join("rescreen-keys.bin");
        std::fs::write(&keys_file, b"keys by the old ids").expect("keys file");

        // The migration, as the admin.
        let out = ok(
            &db,
            &cortina(&db, &["admin", "migrate-ids", "--as", "admin"])
                .output()
                .expect("migrate"),
        );
        assert!(
            out.contains(
                "Gave opaque ids to 11 accounts, 2 account proposals, 9 declaration lines and 1 \
                 protectees"
            ),
            "{}: {out}",
            db.name
        );
        assert!(out.contains("1 API tokens moved"), "{}: {out}", db.name);
        assert!(!keys_file.exists(), "{}: the keys file is left", db.name);
        let out = verify(&db);
        assert!(out.starts_with("ok: "), "{}: {out}", db.name);

        let after = rt.block_on(seen(&db));
        for (id, name, line) in &after.accounts {
            assert!(opaque("acc", id), "{}: account {name} is {id}", db.name);
            if let Some(line) = line {
                assert!(opaque("decl", line), "{}: {name}'s line {line}", db.name);
            }
        }
        for (id, doc) in &after.lines {
            assert!(opaque("decl", id), "{}: line {id}", db.name);
            assert_eq!(doc["id"], json!(id), "{}", db.name);
            // The label stays the line's reference and its former id.
            let label = doc["reference"].as_str().expect("reference");
            assert!(
                before.lines.iter().any(|(old, _)| old == label),
                "{}: {label}",
                db.name
            );
            assert_eq!(doc["former_id"], json!(label), "{}", db.name);
        }
        assert!(
            after.protectees.iter().all(|id| opaque("prot", id)),
            "{}",
            db.name
        );
        assert!(
            after.proposals.iter().all(|id| opaque("prop", id)),
            "{}",
            db.name
        );
        // No document refers to an old id any more.
        for (key, doc) in &after.docs {
            let mut found = Vec::new();
            strings(doc, None, &mut found);
            for s in found {
                assert!(
                    !old_ids.contains(&s),
                    "{}: {key} still refers to {s}",
                    db.name
                );
            }
        }
        // The agent's pass keeps its id: the one printed before is the one
        // a suspension revokes.
        assert_eq!(after.pass_of_agent, before.pass_of_agent, "{}", db.name);

        // Labels, claims, proposals and tokens keep working, and the
        // entries they write name opaque ids.
        let liaison = exec_all(
            &db,
            "us-liaison",
            &[json!({"action": "declaration.read", "id": "us-dss-agent-1", "purpose": "test"})],
        );
        assert!(
            opaque("decl", liaison[0]["id"].as_str().unwrap()),
            "{liaison:?}"
        );
        let commander = exec_all(
            &db,
            "commander",
            &[
                json!({"action": "accreditation.suspend", "kind": "declaration",
                     "id": "us-dss-agent-1", "reason": "test"}),
            ],
        );
        assert_eq!(
            commander[0]["data"]["pass"],
            json!(before.pass_of_agent),
            "{}: {commander:?}",
            db.name
        );
        let case = rt.block_on(async {
            let s = db.reopen().await.unwrap();
            let ids = store::applicants::open_case_ids(s.pool()).await.unwrap();
            s.close().await;
            ids
        });
        assert!(!case.is_empty());
        let analyst = exec_all(
            &db,
            "analyst",
            &[json!({"action": "vetting.release", "id": case[0]})],
        );
        assert_eq!(analyst[0]["ok"], json!(true), "{}: {analyst:?}", db.name);
        ok(
            &db,
            &cortina(
                &db,
                &["admin", "user", "confirm", "mrossi", "--as", "commander"],
            )
            .output()
            .expect("confirm"),
        );
        let entries = rt.block_on(async {
            let s = db.reopen().await.unwrap();
            let size = store::records::ledger_size(s.pool()).await.unwrap();
            let out: Vec<ledger::Entry> = s
                .entries(size - 4, size)
                .await
                .unwrap()
                .iter()
                .map(|b| ledger::Entry::decode(b).unwrap())
                .collect();
            s.close().await;
            out
        });
        for e in &entries {
            assert!(opaque("acc", &e.actor_account), "{}: {e:?}", db.name);
            assert!(
                !old_ids.contains(&e.resource.id),
                "{}: {e:?} names a label",
                db.name
            );
        }

        // Nothing is left to do, and the store still verifies.
        let out = ok(
            &db,
            &cortina(&db, &["admin", "migrate-ids", "--as", "admin"])
                .output()
                .expect("migrate again"),
        );
        assert!(out.contains("Nothing to migrate"), "{}: {out}", db.name);
        let out = verify(&db);
        assert!(out.starts_with("ok: "), "{}: {out}", db.name);
    }
}

#[test]
fn only_an_admin_migrates() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let db = store::testing::sqlite();
    rt.block_on(legacy_store(&db));
    let out = cortina(&db, &["admin", "migrate-ids", "--as", "commander"])
        .output()
        .expect("migrate");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("denied") || err.contains("forbid"), "{err}");
    // The denial is recorded and nothing was renamed.
    let last = rt.block_on(async {
        let s = db.reopen().await.unwrap();
        let size = store::records::ledger_size(s.pool()).await.unwrap();
        let bytes = s.entries(size - 1, size).await.unwrap();
        s.close().await;
        ledger::Entry::decode(&bytes[0]).unwrap()
    });
    assert_eq!(last.action, "store.migrate");
    assert_eq!(last.decision, ledger::Decision::Deny);
    let seen = rt.block_on(seen(&db));
    assert!(seen.accounts.iter().any(|(id, _, _)| id == "acc-analyst"));
    let out = verify(&db);
    assert!(out.starts_with("ok: "), "{out}");
}

#[test]
fn an_old_id_that_could_mean_two_things_changes_nothing() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let db = store::testing::sqlite();
    rt.block_on(legacy_store(&db));
    // A room that happens to share the protectee's label: a reference to
    // "us-vip-1" could be either.
    rt.block_on(async {
        let s = db.reopen().await.unwrap();
        sqlx::query("UPDATE records SET id = 'us-vip-1' WHERE kind = 'room' AND id = 'ico-rome'")
            .execute(s.pool())
            .await
            .unwrap();
        s.close().await;
    });
    let out = cortina(&db, &["admin", "migrate-ids", "--as", "admin"])
        .output()
        .expect("migrate");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"us-vip-1\"") && err.contains("nothing was changed"),
        "{err}"
    );
    let seen = rt.block_on(seen(&db));
    assert!(seen.accounts.iter().any(|(id, _, _)| id == "acc-analyst"));
    assert!(seen.protectees.iter().any(|id| id == "us-vip-1"));
}
