//! `cargo xtask bench-match`: an open-loop load generator for `POST /match/…` (issue 13, item 8).
//!
//! A closed-loop tool (wrk) sends the next request only when a connection is free, so when the
//! server stalls it sends less and the stall hides from the tail ("coordinated omission"). Here
//! request *k* is due at `start + k / rate` whatever happened before; its latency is measured
//! from that due time, so a stall shows in the latency of every request due during it. A pool
//! of keep-alive connections (each on its own thread) takes the requests in order of due time;
//! when all are busy the next request waits, and the wait is in its latency. The rate reached
//! and the number of late starts are reported, so a generator that could not keep up is seen.
//!
//! Plain HTTP/1.1 over `std::net` (loopback benchmarks only): no dependency.
//!
//! ```text
//! cargo xtask bench-match --url http://127.0.0.1:PORT/match/default --rate 2000 --seconds 30
//!     [--connections 64] [--names FILE]   (token: $CORTINA_TOKEN)
//! ```
//!
//! The names screened rotate through `--names` (one a line) or, by default, the queries of the
//! shared `eval/sdn_queries.csv` and `eval/negatives_us.csv` (hits and misses, as a real load).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

struct Target {
    host: String,
    path: String,
}

fn parse_url(url: &str) -> anyhow::Result<Target> {
    let rest = url
        .strip_prefix("http://")
        .context("--url must start with http:// (loopback benchmarks only)")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    Ok(Target {
        host: host.to_owned(),
        path: path.to_owned(),
    })
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// The request bytes for one name: a yente-shaped query, the token as `ApiKey`.
fn request(t: &Target, token: &str, name: &str) -> Vec<u8> {
    let body = format!(
        r#"{{"queries":{{"q1":{{"schema":"Person","properties":{{"name":[{}]}}}}}}}}"#,
        json_string(name)
    );
    format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nAuthorization: ApiKey {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        t.path,
        t.host,
        body.len()
    )
    .into_bytes()
}

/// Reads one HTTP/1.1 response (Content-Length or chunked); returns its status.
fn read_response(r: &mut BufReader<TcpStream>) -> anyhow::Result<u16> {
    let mut line = String::new();
    r.read_line(&mut line)?;
    if line.is_empty() {
        bail!("connection closed");
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line {line:?}"))?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    loop {
        line.clear();
        r.read_line(&mut line)?;
        let h = line.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if k == "content-length" {
                length = v.trim().parse().ok();
            } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            }
        }
    }
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line)?;
            let n = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)?;
            let mut buf = vec![0u8; n + 2];
            r.read_exact(&mut buf)?;
            if n == 0 {
                break;
            }
        }
    } else if let Some(n) = length {
        let mut buf = vec![0u8; n];
        r.read_exact(&mut buf)?;
    }
    Ok(status)
}

fn default_names() -> anyhow::Result<Vec<String>> {
    let d = crate::shared()?;
    let mut names = Vec::new();
    let mut r = csv::Reader::from_path(d.join("eval/sdn_queries.csv"))?;
    let col = r
        .headers()?
        .iter()
        .position(|h| h == "query_name")
        .context("eval/sdn_queries.csv: no query column")?;
    for rec in r.records() {
        if let Some(n) = rec?.get(col).filter(|n| !n.is_empty()) {
            names.push(n.to_owned());
        }
    }
    for p in crate::read_people(&d.join("eval/negatives_us.csv"))?
        .into_iter()
        .take(5000)
    {
        names.push(p.name);
    }
    // Interleave hits and misses: a fixed shuffle.
    let mut rng = crate::Rng(0x6f70_656e);
    for i in (1..names.len()).rev() {
        names.swap(i, rng.below(i + 1));
    }
    Ok(names)
}

/// Runs the open-loop benchmark and prints one `RESULT` line.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let target = parse_url(&flag("--url").context("--url http://HOST:PORT/match/NAME")?)?;
    let rate: f64 = flag("--rate").unwrap_or_else(|| "2000".into()).parse()?;
    let seconds: f64 = flag("--seconds").unwrap_or_else(|| "30".into()).parse()?;
    let conns: usize = flag("--connections")
        .unwrap_or_else(|| "64".into())
        .parse()?;
    let token = std::env::var("CORTINA_TOKEN").context("$CORTINA_TOKEN is not set")?;
    if !(rate > 0.0 && seconds > 0.0 && conns > 0) {
        bail!("--rate, --seconds and --connections must be positive");
    }
    let names = match flag("--names") {
        Some(f) => std::fs::read_to_string(&f)
            .with_context(|| format!("reading {f}"))?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        None => default_names()?,
    };
    if names.is_empty() {
        bail!("no names to screen");
    }
    let requests: Arc<Vec<Vec<u8>>> =
        Arc::new(names.iter().map(|n| request(&target, &token, n)).collect());
    let total = (rate * seconds).round() as usize;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let next = Arc::new(AtomicUsize::new(0));
    // Connect everyone first; the schedule starts after.
    let mut streams = Vec::with_capacity(conns);
    for _ in 0..conns {
        let s = TcpStream::connect(&target.host)
            .with_context(|| format!("connecting to {}", target.host))?;
        s.set_nodelay(true)?;
        streams.push(s);
    }
    let start = Instant::now() + Duration::from_millis(200);
    let mut handles = Vec::with_capacity(conns);
    for stream in streams {
        let next = Arc::clone(&next);
        let requests = Arc::clone(&requests);
        let host = target.host.clone();
        handles.push(std::thread::spawn(move || {
            let mut lat: Vec<u32> = Vec::with_capacity(total / conns + 16);
            let (mut errors, mut late) = (0usize, 0usize);
            let mut writer = stream;
            let mut reader = match writer.try_clone() {
                Ok(r) => BufReader::new(r),
                Err(_) => return (lat, total, late),
            };
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= total {
                    break;
                }
                let due = start + interval.mul_f64(k as f64);
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                } else if now - due > Duration::from_millis(1) {
                    late += 1;
                }
                let req = &requests[k % requests.len()];
                let ok = writer.write_all(req).is_ok()
                    && matches!(read_response(&mut reader), Ok(s) if s == 200);
                if !ok {
                    errors += 1;
                    // Reconnect for the next request.
                    if let Ok(s) = TcpStream::connect(&host) {
                        let _ = s.set_nodelay(true);
                        if let Ok(r) = s.try_clone() {
                            writer = s;
                            reader = BufReader::new(r);
                        }
                    }
                    continue;
                }
                let us = due.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                lat.push(us);
            }
            (lat, errors, late)
        }));
    }
    let mut lat = Vec::with_capacity(total);
    let (mut errors, mut late) = (0, 0);
    for h in handles {
        let (l, e, la) = h
            .join()
            .map_err(|_| anyhow::anyhow!("a load thread panicked"))?;
        lat.extend(l);
        errors += e;
        late += la;
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((p / 100.0) * (lat.len() - 1) as f64).round() as usize;
        f64::from(lat[i.min(lat.len() - 1)]) / 1000.0
    };
    println!(
        "RESULT rate={rate} sent={total} ok={} errors={errors} late_starts={late} achieved_rps={:.0} p50_ms={:.2} p90_ms={:.2} p99_ms={:.2} p999_ms={:.2} max_ms={:.2} connections={conns} names={}",
        lat.len(),
        lat.len() as f64 / elapsed,
        pct(50.0),
        pct(90.0),
        pct(99.0),
        pct(99.9),
        pct(100.0),
        names.len()
    );
    Ok(())
}
