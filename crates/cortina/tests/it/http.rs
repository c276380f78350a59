//! A loopback HTTP/1.1 server with fixed routes for the tests (`lists update`
//! downloads, the ledger's tile API): listens on 127.0.0.1 only, serves fixed
//! bodies per path (404 otherwise, 500 on `/fail`, 401 without the bearer
//! token when one is set) and stops when dropped.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// At most this many connections are served by one test server.
const MAX_CONNECTIONS: usize = 200;

/// A loopback HTTP/1.1 server with fixed routes; stops on drop.
pub struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `routes` to anyone.
    pub fn start(routes: HashMap<String, Vec<u8>>) -> Server {
        Server::start_with_token(routes, None)
    }

    /// Serves `routes` only to requests with `Authorization: Bearer <token>`
    /// (401 otherwise), when a token is given.
    pub fn start_with_token(routes: HashMap<String, Vec<u8>>, token: Option<String>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let token = token;
            for stream in listener.incoming().take(MAX_CONNECTIONS) {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let _ = serve(stream, &routes, token.as_deref());
                }
            }
        });
        Server {
            port,
            stop,
            thread: Some(thread),
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    stream: TcpStream,
    routes: &HashMap<String, Vec<u8>>,
    token: Option<&str>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut authorized = token.is_none();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
        if let (Some(t), Some((name, value))) = (token, header.split_once(':'))
            && name.eq_ignore_ascii_case("authorization")
            && value.trim() == format!("Bearer {t}")
        {
            authorized = true;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, body): (&str, &[u8]) = match (path, routes.get(path)) {
        _ if !authorized => ("401 Unauthorized", b"token required"),
        ("/fail", _) => ("500 Internal Server Error", b"oops"),
        (_, Some(body)) => ("200 OK", body),
        _ => ("404 Not Found", b"not found"),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}
