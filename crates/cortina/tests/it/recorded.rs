//! Screening and list imports against a data directory that holds a store
//! are authorized and recorded: `--as` and `--purpose` are required, a
//! refusal stops the work and is in the ledger; `--lists` files stay a
//! standalone tool.

use std::path::Path;
use std::process::{Command, Output};

fn cortina(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cortina"))
        .args(args)
        .env_remove("CORTINA_DATABASE_URL")
        .env_remove("CORTINA_DATA_DIR")
        .output()
        .expect("run cortina")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn last_entry(data: &Path) -> ledger::Entry {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = store::Store::open(&store::Location::sqlite(data), &Default::default())
            .await
            .unwrap();
        let size = s.ledger_stats().await.unwrap().size;
        let bytes = s.entries(size - 1, size).await.unwrap();
        s.close().await;
        ledger::Entry::decode(&bytes[0]).unwrap()
    })
}

#[test]
fn screening_against_a_store_is_authorized_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    assert!(
        cortina(&["demo", "--dir", demo.to_str().unwrap()])
            .status
            .success()
    );
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    assert!(
        cortina(&["admin", "init", "--data-dir", d])
            .status
            .success()
    );
    let (ofac, un) = (demo.join("lists/ofac"), demo.join("lists/un"));
    let (o, u) = (ofac.to_str().unwrap(), un.to_str().unwrap());

    // Importing lists into a store is an admin's recorded action.
    let out = cortina(&["lists", "import", o, u, "--data-dir", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("--as USER"), "{}", text(&out));
    let out = cortina(&["lists", "import", o, u, "--data-dir", d, "--as", "admin"]);
    assert!(out.status.success(), "{}", text(&out));
    let imported = last_entry(&data);
    assert_eq!(imported.action, "lists.update");

    // Bad input — a cut file (the error names it), a well-formed list with
    // nobody on it — is refused: nothing recorded, the snapshot unchanged.
    let current = std::fs::read(data.join("lists/current.json")).unwrap();
    for (file, body, says) in [
        (
            "broken.xml",
            "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>",
            "broken.xml",
        ),
        (
            "empty.xml",
            "<CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>",
            "no entities",
        ),
    ] {
        let path = dir.path().join(file);
        std::fs::write(&path, body).unwrap();
        let out = cortina(&[
            "lists",
            "import",
            path.to_str().unwrap(),
            "--format",
            "un-xml",
            "--data-dir",
            d,
            "--as",
            "admin",
        ]);
        assert_eq!(out.status.code(), Some(2), "{file}: {}", text(&out));
        assert!(text(&out).contains(says), "{file}: {}", text(&out));
        assert_eq!(last_entry(&data), imported, "{file}: nothing recorded");
        assert_eq!(
            std::fs::read(data.join("lists/current.json")).unwrap(),
            current,
            "{file}: the snapshot is unchanged"
        );
    }

    for (user, role) in [("analyst", "host_analyst"), ("it", "admin")] {
        let out = cortina(&[
            "admin",
            "user",
            "add",
            user,
            "--role",
            role,
            "--agency",
            "host-it",
            "--data-dir",
            d,
        ]);
        assert!(out.status.success(), "{}", text(&out));
        // The admin proposed it; `admin init`'s first commander confirms.
        let out = cortina(&[
            "admin",
            "user",
            "confirm",
            user,
            "--as",
            "commander",
            "--data-dir",
            d,
        ]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).contains("Enrolment secret for"),
            "{}",
            text(&out)
        );
    }

    // Screening needs who and why.
    let out = cortina(&[
        "screen",
        "Jose Juvenal Velandia",
        "--data-dir",
        d,
        "--as",
        "analyst",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("--purpose"), "{}", text(&out));
    let out = cortina(&[
        "screen",
        "Jose Juvenal Velandia",
        "--data-dir",
        d,
        "--as",
        "analyst",
        "--purpose",
        "accreditation check",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let e = last_entry(&data);
    assert_eq!(
        (e.action.as_str(), e.actor_account.as_str()),
        (
            "screening.run",
            crate::account_id(&data, "analyst").as_str()
        )
    );
    assert_eq!(e.decision, ledger::Decision::Allow);

    // An admin may not screen: refused before any result, and recorded.
    let out = cortina(&[
        "screen",
        "Jose Juvenal Velandia",
        "--data-dir",
        d,
        "--as",
        "it",
        "--purpose",
        "curiosity",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("denied by policy"), "{}", text(&out));
    assert!(
        !text(&out).contains("VELANDIA"),
        "no results leak: {}",
        text(&out)
    );
    let e = last_entry(&data);
    assert_eq!(
        (e.action.as_str(), e.decision),
        ("screening.run", ledger::Decision::Deny)
    );

    // Lists given as files: a standalone tool, nothing recorded, no --as needed.
    let size_before = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let s = store::Store::open(&store::Location::sqlite(&data), &Default::default())
                .await
                .unwrap();
            let n = s.ledger_stats().await.unwrap().size;
            s.close().await;
            n
        })
    };
    let out = cortina(&[
        "screen",
        "Jose Juvenal Velandia",
        "--lists",
        o,
        u,
        "--data-dir",
        d,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(last_entry(&data).seq, size_before - 1);

    let out = cortina(&["ledger", "verify", "--data-dir", d]);
    assert!(out.status.success(), "{}", text(&out));
}
