//! The witness's HTTP face (C2SP `tlog-witness`): `POST /add-checkpoint`,
//! served by `cortina witness serve` on the oversight body's own machine.
//!
//! The log submits its newest checkpoint with a consistency proof from the
//! last checkpoint this witness cosigned; the witness decides with
//! [`ledger::witness::add_checkpoint`], persists the new state through its
//! [`StateStore`] *before* it answers, and answers with its signature
//! lines. Requests for one witness are serialised (one lock around load,
//! decide and save), so two submissions can never roll its state back.
//!
//! Status codes as the specification gives them: 200 with the signature
//! lines; 400 malformed or smaller; 403 not signed by the log's key; 404 a
//! log it does not witness; 409 (`text/x.tlog.size`, the size it cosigned)
//! another old size, or a fork at the same size; 422 a proof that does not
//! verify — a fork or a rewrite. A refusal of a correctly signed checkpoint
//! is kept as evidence ([`StateStore::keep_refused`]) and logged.
//!
//! There is no authentication beyond the log's signature (as the
//! specification says): anyone may submit, only the log can make it cosign.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use ledger::witness::{AddCheckpoint, LogState, Refusal, add_checkpoint};
use ledger::{Cosigner, NoteVerifier};

/// Largest request body: 63 proof lines and a checkpoint with its
/// signatures fit many times over.
const BODY_LIMIT: usize = 64 * 1024;

/// Where a witness keeps what it cosigned, per log origin. Implemented by
/// `cortina witness serve` over files written atomically.
pub trait StateStore: Send + Sync + 'static {
    /// The note last saved for `origin`, if any.
    fn load(&self, origin: &str) -> std::io::Result<Option<String>>;
    /// Saves `note` for `origin`, durably, replacing what was there.
    fn save(&self, origin: &str, note: &str) -> std::io::Result<()>;
    /// Keeps a refused request by the log (evidence of a fork or rewrite).
    fn keep_refused(&self, origin: &str, request: &[u8], reason: &str) -> std::io::Result<()>;
}

/// A running witness: its key, the logs it witnesses, its state.
pub struct Witness {
    cosigner: Cosigner,
    logs: Vec<NoteVerifier>,
    state: Box<dyn StateStore>,
    lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness")
            .field("name", &self.cosigner.name())
            .field(
                "logs",
                &self.logs.iter().map(NoteVerifier::name).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// A witness's answer: HTTP status, content type, body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The body (signature lines, a size, or the reason in words).
    pub body: String,
}

impl Witness {
    /// A witness signing with `cosigner` for the logs whose keys are `logs`
    /// (each key's name is its log's origin).
    pub fn new(cosigner: Cosigner, logs: Vec<NoteVerifier>, state: Box<dyn StateStore>) -> Self {
        Self {
            cosigner,
            logs,
            state,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Decides one `add-checkpoint` request body at `now` (POSIX seconds).
    pub async fn submit(&self, body: &[u8], now: u64) -> Answer {
        let _held = self.lock.lock().await;
        let refused = |r: Refusal| Answer {
            status: r.status(),
            body: match r.witnessed_size() {
                Some(n) => format!("{n}\n"),
                None => format!("{r}\n"),
            },
        };
        let req = match AddCheckpoint::parse(body) {
            Ok(r) => r,
            Err(r) => return refused(r),
        };
        let origin = ledger::cosignature::peek_checkpoint(&req.checkpoint).map(|c| c.origin);
        let key = origin
            .as_deref()
            .and_then(|o| self.logs.iter().find(|k| k.name() == o));
        // The state of a known log, reopened with its key: a state that
        // does not verify stops the witness for that log.
        let state = match key {
            Some(key) => match self.state.load(key.name()) {
                Ok(Some(note)) => match LogState::open(&note, key) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        tracing::error!(log = key.name(), error = %e, "the witness's saved state does not verify");
                        return Answer {
                            status: 500,
                            body: format!(
                                "the witness's saved state for this log does not verify: {e}\n"
                            ),
                        };
                    }
                },
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(log = key.name(), error = %e, "reading the witness's state");
                    return Answer {
                        status: 500,
                        body: "the witness cannot read its state\n".into(),
                    };
                }
            },
            None => None,
        };
        match add_checkpoint(&self.cosigner, &self.logs, state.as_ref(), &req, now) {
            Ok(done) => {
                if let Err(e) = self
                    .state
                    .save(&done.state.checkpoint.origin, &done.state.note)
                {
                    tracing::error!(error = %e, "saving the witness's state; not cosigning");
                    return Answer {
                        status: 500,
                        body: "the witness cannot save its state\n".into(),
                    };
                }
                tracing::info!(
                    log = %done.state.checkpoint.origin,
                    size = done.state.checkpoint.size,
                    "cosigned"
                );
                Answer {
                    status: 200,
                    body: done.lines,
                }
            }
            Err(r) => {
                let evidence = matches!(r, Refusal::Inconsistent { .. } | Refusal::Forked { .. });
                if let (true, Some(o)) = (evidence, origin.as_deref()) {
                    tracing::error!(log = o, refusal = %r, "refused a checkpoint signed by the log");
                    if let Err(e) = self.state.keep_refused(o, body, &r.to_string()) {
                        tracing::error!(error = %e, "keeping the refused request");
                    }
                } else {
                    tracing::warn!(refusal = %r, "refused a checkpoint");
                }
                refused(r)
            }
        }
    }
}

/// The witness's router: `POST /add-checkpoint`.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(witness)
}

async fn add(State(w): State<Arc<Witness>>, body: Bytes) -> Response {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let answer = w.submit(&body, now).await;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if status == StatusCode::CONFLICT {
        "text/x.tlog.size"
    } else {
        "text/plain; charset=utf-8"
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        answer.body,
    )
        .into_response()
}

/// A [`StateStore`] in a directory (0700): per log, the note it last
/// cosigned in `<origin, percent-encoded>.checkpoint` (0600), replaced
/// atomically (a new file written and synced, renamed over the old one,
/// the directory synced); refused requests in
/// `refused-<origin>-<unix ms>.txt`.
#[derive(Debug)]
pub struct DirState {
    dir: std::path::PathBuf,
}

impl DirState {
    /// Opens (creating, 0700) the state directory.
    pub fn open(dir: &std::path::Path) -> std::io::Result<Self> {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// The file holding `origin`'s state.
    pub fn path(&self, origin: &str) -> std::path::PathBuf {
        self.dir.join(format!("{}.checkpoint", file_name(origin)))
    }

    fn write_new(&self, path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(bytes)?;
        f.sync_all()
    }
}

/// `origin` with every byte other than ASCII letters, digits, `.`, `-`
/// and `_` written `%XX`: a file name, one per origin.
fn file_name(origin: &str) -> String {
    origin
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl StateStore for DirState {
    fn load(&self, origin: &str) -> std::io::Result<Option<String>> {
        match std::fs::read_to_string(self.path(origin)) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn save(&self, origin: &str, note: &str) -> std::io::Result<()> {
        let path = self.path(origin);
        let tmp = self.dir.join(format!(".{}.tmp", file_name(origin)));
        self.write_new(&tmp, note.as_bytes())?;
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(&self.dir)?.sync_all()
    }

    fn keep_refused(&self, origin: &str, request: &[u8], reason: &str) -> std::io::Result<()> {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let path = self
            .dir
            .join(format!("refused-{}-{ms}.txt", file_name(origin)));
        let mut bytes = format!("{reason}\n\n").into_bytes();
        bytes.extend_from_slice(request);
        self.write_new(&path, &bytes)
    }
}

/// Serves the witness on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    witness: Arc<Witness>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(witness))
        .with_graceful_shutdown(shutdown)
        .await
}
