//! `cortina lists update` end to end: the real binary against a tiny HTTP/1.1 server on loopback.
//!
//! The list fixtures are the demo's invented samples (written by `cortina demo`), so the tests use
//! the same writer as the demo instead of a copy of it. The server only listens on 127.0.0.1, serves
//! fixed bodies per path (404 otherwise, 500 on `/fail`) and stops when the test drops it (`http.rs`).

use std::collections::{BTreeMap, HashMap};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::http::Server;

/// The demo's sample lists, as served bodies.
struct Fixtures {
    _dir: tempfile::TempDir,
    ofac: Vec<(&'static str, Vec<u8>)>,
    un: Vec<u8>,
}

fn fixtures() -> Fixtures {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = cortina(&["demo", "--dir"], &[dir.path()]);
    assert!(out.status.success(), "demo failed: {}", stderr(&out));
    let lists = dir.path().join("lists");
    let read = |p: PathBuf| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let ofac = vec![
        ("sdn.csv", read(lists.join("ofac").join("sdn.csv"))),
        ("alt.csv", read(lists.join("ofac").join("alt.csv"))),
        ("add.csv", read(lists.join("ofac").join("add.csv"))),
        (
            "sdn_comments.csv",
            b"90001,\"Additional Sanctions Information - Subject to Secondary Sanctions.\"\n"
                .to_vec(),
        ),
    ];
    let un = read(lists.join("un").join("un_consolidated.xml"));
    Fixtures {
        _dir: dir,
        ofac,
        un,
    }
}

/// Routes: `/ofac/<file>`, `/un.xml`, `/broken.xml` (truncated UN XML), and the mirror layout
/// `/mirror/<source>/<file>`.
fn server(f: &Fixtures) -> Server {
    let mut routes = HashMap::new();
    for (name, body) in &f.ofac {
        routes.insert(format!("/ofac/{name}"), body.clone());
        routes.insert(format!("/mirror/ofac-sdn/{name}"), body.clone());
    }
    routes.insert("/un.xml".to_owned(), f.un.clone());
    routes.insert("/mirror/un/un_consolidated.xml".to_owned(), f.un.clone());
    routes.insert("/broken.xml".to_owned(), f.un[..f.un.len() / 2].to_vec());
    Server::start(routes)
}

fn cortina(args: &[&str], paths: &[&Path]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cortina"));
    cmd.args(args)
        .args(paths)
        .env_remove("CORTINA_DATA_DIR")
        .env_remove("CORTINA_LISTS_BASE_URL");
    cmd.output().expect("run cortina")
}

fn update(data: &Path, extra: &[String]) -> Output {
    let mut args = vec![
        "lists".to_owned(),
        "update".to_owned(),
        "--data-dir".to_owned(),
        data.display().to_string(),
    ];
    args.extend(extra.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cortina(&args, &[])
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn status_json(data: &Path) -> serde_json::Value {
    let out = cortina(&["lists", "status", "--json", "--data-dir"], &[data]);
    assert!(out.status.success(), "status failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("status JSON")
}

fn datasets(status: &serde_json::Value) -> Vec<String> {
    status["sources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["dataset"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Every file under `<data>/lists`, with its bytes.
fn lists_files(data: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(data.join("lists")).expect("lists dir") {
        let p = e.expect("entry").path();
        out.insert(p.clone(), std::fs::read(&p).expect("read"));
    }
    out
}

fn good_args(s: &Server) -> Vec<String> {
    vec![
        "--source".into(),
        "ofac-sdn,un".into(),
        "--url-override".into(),
        format!("ofac-sdn={}", s.url("/ofac")),
        "--url-override".into(),
        format!("un={}", s.url("/un.xml")),
    ]
}

/// Asserts a failed update: exit code 2, the message names `needles`, the snapshot is unchanged.
fn assert_failed_and_kept(
    out: &Output,
    data: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
    needles: &[&str],
) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
    assert!(err.contains("still current"), "{err}");
    assert_eq!(&lists_files(data), before, "the stored snapshot changed");
}

#[test]
fn a_good_update_then_failures_keep_the_previous_snapshot() {
    let f = fixtures();
    let s = server(&f);
    let data = tempfile::tempdir().expect("tempdir");

    // (1) A good update stores a snapshot with both lists; `lists status` shows it.
    let out = update(data.path(), &good_args(&s));
    assert!(out.status.success(), "{}", stderr(&out));
    let status = status_json(data.path());
    let mut ds = datasets(&status);
    ds.sort();
    assert_eq!(ds, ["un_sc_sanctions", "us_ofac_sdn"], "{status}");
    assert_eq!(status["entities"], 9, "{status}");
    assert!(
        status["origin"]
            .as_str()
            .is_some_and(|o| o.contains("lists update (ofac-sdn, un)")),
        "{status}"
    );
    let text = cortina(&["lists", "status", "--data-dir"], &[data.path()]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("us_ofac_sdn"));
    let before = lists_files(data.path());

    // (2a) A 500 on one source: error names the source and the URL; snapshot byte-identical.
    let mut args = good_args(&s);
    args.extend(["--url-override".into(), format!("un={}", s.url("/fail"))]);
    let out = update(data.path(), &args);
    assert_failed_and_kept(
        &out,
        data.path(),
        &before,
        &["source un", &s.url("/fail"), "500"],
    );

    // (2b) Connection refused on one file of a multi-file source.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = format!(
        "http://127.0.0.1:{}/alt.csv",
        closed.local_addr().expect("addr").port()
    );
    drop(closed);
    let mut args = good_args(&s);
    args.extend(["--url-override".into(), format!("ofac-sdn.alt={dead}")]);
    let out = update(data.path(), &args);
    assert_failed_and_kept(&out, data.path(), &before, &["source ofac-sdn", &dead]);

    // (2c) A 404.
    let mut args = good_args(&s);
    args.extend([
        "--url-override".into(),
        format!("un={}", s.url("/missing.xml")),
    ]);
    let out = update(data.path(), &args);
    assert_failed_and_kept(&out, data.path(), &before, &["source un", "404"]);

    // (3) A malformed file (truncated XML): error names the file; snapshot kept.
    let mut args = good_args(&s);
    args.extend([
        "--url-override".into(),
        format!("un={}", s.url("/broken.xml")),
    ]);
    let out = update(data.path(), &args);
    assert_failed_and_kept(
        &out,
        data.path(),
        &before,
        &["source un", "un_consolidated.xml", &s.url("/broken.xml")],
    );

    // (3b) A well-formed list of the wrong kind (UN XML where the EU list belongs).
    let mut args = good_args(&s);
    args.extend([
        "--source".into(),
        "eu".into(),
        "--url-override".into(),
        format!("eu={}", s.url("/un.xml")),
    ]);
    let out = update(data.path(), &args);
    assert_failed_and_kept(
        &out,
        data.path(),
        &before,
        &["source eu", "expected the eu-xml format"],
    );

    // Downloads are a cache of the newest few folders only.
    let kept = std::fs::read_dir(data.path().join("downloads"))
        .expect("downloads")
        .count();
    assert!(kept <= 3, "{kept} download folders kept");
}

#[test]
fn one_source_only() {
    let f = fixtures();
    let s = server(&f);
    let data = tempfile::tempdir().expect("tempdir");
    let out = update(
        data.path(),
        &[
            "--source".into(),
            "un".into(),
            "--url-override".into(),
            format!("un={}", s.url("/un.xml")),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("does not contain ofac-sdn"),
        "{}",
        stderr(&out)
    );
    let status = status_json(data.path());
    assert_eq!(datasets(&status), ["un_sc_sanctions"], "{status}");
    assert_eq!(status["entities"], 2, "{status}");
    let files: Vec<_> = std::fs::read_dir(data.path().join("downloads"))
        .expect("downloads")
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(
        files[0]
            .path()
            .join("un")
            .join("un_consolidated.xml")
            .is_file()
    );
}

#[test]
fn a_mirror_from_the_environment() {
    let f = fixtures();
    let s = server(&f);
    let data = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_cortina"))
        .args(["lists", "update", "--source", "ofac-sdn,un", "--data-dir"])
        .arg(data.path())
        .env_remove("CORTINA_DATA_DIR")
        .env("CORTINA_LISTS_BASE_URL", s.url("/mirror"))
        .output()
        .expect("run cortina");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(status_json(data.path())["entities"], 9);
}

#[test]
fn a_first_update_that_fails_stores_nothing() {
    let f = fixtures();
    let s = server(&f);
    let data = tempfile::tempdir().expect("tempdir");
    let out = update(
        data.path(),
        &[
            "--source".into(),
            "un".into(),
            "--url-override".into(),
            format!("un={}", s.url("/fail")),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no snapshot was stored"),
        "{}",
        stderr(&out)
    );
    assert!(!data.path().join("lists").exists());
}
