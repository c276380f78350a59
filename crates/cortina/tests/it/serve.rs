//! `cortina serve` and `cortina admin token` through the real binary: a
//! server on a free loopback port, verified by `cortina ledger verify
//! --url` with an oversight token and a witness token, a revoked token
//! refused, and a graceful stop on SIGTERM.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn cortina(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cortina"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("CORTINA_DATABASE_URL")
        .output()
        .expect("run cortina")
}

/// The standard output of a command that must have succeeded.
#[track_caller]
pub(crate) fn ok(o: &Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// Issues a token; returns (id, token).
fn token(data: &Path, args: &[&str]) -> (String, String) {
    let mut all = vec!["admin", "token"];
    all.extend_from_slice(args);
    let out = ok(&cortina(data, &all));
    let id = out
        .split_whitespace()
        .find(|w| w.starts_with("tok-"))
        .expect("the token's id")
        .to_owned();
    let token = out.lines().last().expect("the token").trim().to_owned();
    assert!(token.starts_with("cortina_"), "{out}");
    (id, token)
}

fn verify(url: &str, token: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cortina"))
        .args(["ledger", "verify", "--url", url])
        .env("CORTINA_TOKEN", token)
        .output()
        .expect("run cortina")
}

#[test]
fn serve_is_verified_remotely_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&cortina(&data, &["admin", "init"]));
    let script = dir.path().join("setup.jsonl");
    std::fs::write(
        &script,
        r#"{"action": "agency.register", "id": "copasir", "name": "COPASIR", "kind": "oversight", "country": "IT"}
{"action": "account.create", "username": "oversight", "role": "oversight", "agency": "copasir"}
{"action": "account.create", "username": "analyst", "role": "host_analyst", "agency": "host-it"}
"#,
    )
    .unwrap();
    ok(&cortina(
        &data,
        &["exec", "--as", "admin", script.to_str().unwrap()],
    ));
    // `cortina admin init` made the first commander; it confirms (four eyes).
    for user in ["oversight", "analyst"] {
        ok(&cortina(
            &data,
            &["admin", "user", "confirm", user, "--as", "commander"],
        ));
    }
    let lists = dir.path().join("lists.json");
    std::fs::write(
        &lists,
        r#"{"id":"t-bout","schema":"Person","properties":{"name":["Viktor Anatolyevich Bout"],"birthDate":["1967-01-13"]},"datasets":["test"]}
"#,
    )
    .unwrap();
    ok(&cortina(
        &data,
        &["lists", "import", lists.to_str().unwrap(), "--as", "admin"],
    ));
    let (_, analyst) = token(&data, &["--user", "analyst", "--purpose", "vetting"]);
    let (_, oversight) = token(
        &data,
        &[
            "--user",
            "oversight",
            "--purpose",
            "audit",
            "--expires",
            "30d",
        ],
    );
    let (witness_id, witness) = token(&data, &["--witness", "ngo-observer"]);
    let (_, admin) = token(&data, &["--user", "admin"]);
    // Only an admin issues tokens; a bad duration is refused before anything.
    assert!(
        !cortina(
            &data,
            &["admin", "token", "--user", "admin", "--as", "oversight"]
        )
        .status
        .success()
    );
    assert!(
        !cortina(
            &data,
            &["admin", "token", "--user", "admin", "--expires", "soon"]
        )
        .status
        .success()
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_cortina"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env_remove("CORTINA_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cortina serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a first line").expect("readable");
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();

    // Screening against the imported lists, as a yente client would.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(&format!("{url}/match/default"))
        .header("Authorization", &format!("ApiKey {analyst}"))
        .header("Content-Type", "application/json")
        .send(
            r#"{"queries": {"q": {"schema": "Person", "properties": {"name": ["Viktor Bout"]}}}}"#,
        )
        .expect("match");
    assert_eq!(response.status().as_u16(), 200);
    let body = response.body_mut().read_to_string().unwrap();
    assert!(body.contains("\"t-bout\""), "{body}");

    for t in [&oversight, &witness] {
        let out = verify(&url, t);
        let text = ok(&out);
        assert!(text.starts_with("ok: ledger"), "{text}");
    }
    // The admin may not read the ledger; then a revoked witness may not either.
    assert_eq!(verify(&url, &admin).status.code(), Some(2));
    ok(&cortina(
        &data,
        &["admin", "token", "--revoke", &witness_id],
    ));
    let refused = verify(&url, &witness);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("401"));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "{exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l == "cortina stopped"), "{rest:?}");
    // The ledger still verifies locally after the server closed the store.
    assert!(ok(&cortina(&data, &["ledger", "verify"])).starts_with("ok:"));
}
