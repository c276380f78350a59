//! `cortina witness key | serve`, `cortina serve --witness` and `cortina
//! ledger verify --witness-key` through the real binaries: the oversight
//! body's witness cosigns the served checkpoint, remote and local
//! verification require its cosignature, and another witness's key is
//! refused.

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::serve::ok;

fn cortina(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cortina"))
        .args(args)
        .env_remove("CORTINA_DATABASE_URL")
        .output()
        .expect("run cortina")
}

fn with_data(data: &Path, args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--data-dir", data.to_str().unwrap()]);
    cortina(&all)
}

/// Creates a witness key; returns its public key (type 0x04).
fn witness_key(path: &Path, name: &str) -> String {
    let out = ok(&cortina(&[
        "witness",
        "key",
        "--key-file",
        path.to_str().unwrap(),
        "--name",
        name,
    ]));
    assert!(!out.contains("PRIVATE"), "the private key is never printed");
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    out.lines()
        .find(|l| l.starts_with(&format!("{name}+")))
        .expect("the public key line")
        .to_owned()
}

/// Starts a long-running command; returns it and its first stdout line's
/// `http://` word.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cortina"))
        .args(args)
        .env_remove("CORTINA_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cortina");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a first line").expect("readable");
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    // Keep reading so that the child never blocks on a full pipe.
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    (child, url)
}

fn stop(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    assert!(child.wait().expect("wait").success());
}

#[test]
fn the_oversight_witness_cosigns_and_verifiers_require_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&with_data(&data, &["admin", "init"]));
    let out = ok(&with_data(
        &data,
        &["admin", "token", "--witness", "garante"],
    ));
    let token = out.lines().last().unwrap().trim().to_owned();
    let log_key = ok(&with_data(&data, &["ledger", "key"])).trim().to_owned();

    let key_file = dir.path().join("witness.key");
    let wkey = witness_key(&key_file, "garante.example/witness");
    // A key is never overwritten.
    let again = cortina(&[
        "witness",
        "key",
        "--key-file",
        key_file.to_str().unwrap(),
        "--name",
        "x",
    ]);
    assert_eq!(again.status.code(), Some(2));
    let stranger = witness_key(&dir.path().join("other.key"), "stranger.example/w");

    let state = dir.path().join("witness-state");
    let (witness, add_url) = spawn(&[
        "witness",
        "serve",
        "--key-file",
        key_file.to_str().unwrap(),
        "--log-key",
        &log_key,
        "--state-dir",
        state.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let witness_base = add_url.trim_end_matches("/add-checkpoint").to_owned();
    let (server, url) = spawn(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--witness",
        &format!("{wkey}@{witness_base}"),
        "--witness-interval-ms",
        "200",
        "--data-dir",
        data.to_str().unwrap(),
    ]);

    let verify = |key: &str| {
        Command::new(env!("CARGO_BIN_EXE_cortina"))
            .args(["ledger", "verify", "--url", &url, "--key", &log_key])
            .args(["--witness-key", key])
            .env("CORTINA_TOKEN", &token)
            .output()
            .expect("run cortina")
    };
    // Until the witness has cosigned, and then.
    let started = Instant::now();
    let text = loop {
        let out = verify(&wkey);
        if out.status.success() {
            break String::from_utf8_lossy(&out.stdout).into_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never cosigned: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        text.contains("cosigned by witness garante.example/witness"),
        "{text}"
    );
    // Another witness's key: no cosignature by it, exit 1.
    let out = verify(&stranger);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("no cosignature by witness stranger.example/w"),
        "{said}"
    );
    stop(server);
    stop(witness);

    // Locally: the stored cosigned checkpoint, against the whole log.
    let text = ok(&with_data(
        &data,
        &["ledger", "verify", "--witness-key", &wkey],
    ));
    assert!(
        text.contains("cosigned by witness garante.example/witness"),
        "{text}"
    );
    let out = with_data(&data, &["ledger", "verify", "--witness-key", &stranger]);
    assert_eq!(out.status.code(), Some(1), "{}", ok_or(&out));
    // The witness kept what it cosigned, signed by the log.
    let saved: Vec<_> = std::fs::read_dir(&state).unwrap().collect();
    assert_eq!(saved.len(), 1);
}

fn ok_or(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
