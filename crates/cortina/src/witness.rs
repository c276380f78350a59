//! `cortina witness key | serve`: the witness an oversight body runs on its
//! own machine, with its own key, to cosign the ledger's checkpoints (C2SP
//! tlog-witness; the HTTP endpoint is `server::witness`, the decision
//! `ledger::witness`).
//!
//! * `witness key --name NAME` creates the Ed25519 key file (0600, never
//!   overwritten, never printed) and prints the public keys;
//! * `witness serve --log-key KEY` answers `POST /add-checkpoint` for the
//!   logs whose keys it is given, keeping what it cosigned in `--state-dir`.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use ledger::{Cosigner, NoteVerifier};

use crate::cli::WitnessCommand;
use crate::{Failure, Outcome};

/// Runs a `cortina witness` subcommand.
pub fn run(cmd: WitnessCommand) -> Result<Outcome, Failure> {
    match cmd {
        WitnessCommand::Key { key_file, name } => create_key(&key_file, &name),
        WitnessCommand::Serve {
            key_file,
            log_keys,
            state_dir,
            listen,
        } => serve(&key_file, &log_keys, &state_dir, listen),
    }
}

fn create_key(path: &Path, name: &str) -> Result<Outcome, Failure> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow!("no randomness for the key: {e}"))?;
    let cosigner = Cosigner::from_seed(name, &seed)
        .map_err(|e| anyhow!("--name {name:?}: {e} (no spaces, no '+')"))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| {
            format!(
                "creating the witness key {} (an existing key is never overwritten)",
                path.display()
            )
        })?;
    f.write_all(format!("{}\n", cosigner.key_string()).as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    let v = cosigner.verifier();
    println!(
        "Created the witness key {} (mode 0600; keep it on this machine, back it up, never share it).",
        path.display()
    );
    println!(
        "Witness public key (for `cortina serve --witness KEY@URL` and `cortina ledger verify --witness-key KEY`):"
    );
    println!("{}", v.key_string());
    println!("The same key as a signed-note verifier (Go's golang.org/x/mod/sumdb/note):");
    println!("{}", v.note_verifier().key_string());
    Ok(Outcome::Ok)
}

/// Loads the witness key, refusing a file others can read.
pub(crate) fn load_key(path: &Path) -> Result<Cosigner, Failure> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("reading the witness key {}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Failure(anyhow!(
            "the witness key {} has mode {mode:03o}: others can read it; chmod 600 it",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the witness key {}", path.display()))?;
    Cosigner::from_key_string(text.trim())
        .map_err(|e| Failure(anyhow!("{}: not a witness key: {e}", path.display())))
}

fn read_log_key(arg: &str) -> Result<NoteVerifier, Failure> {
    let text = if Path::new(arg).is_file() {
        std::fs::read_to_string(arg).with_context(|| format!("reading the key file {arg}"))?
    } else {
        arg.to_owned()
    };
    NoteVerifier::from_key_string(text.trim()).map_err(|e| {
        Failure(anyhow!(
            "--log-key {arg}: not a ledger verifier key (name+hash+base64): {e}"
        ))
    })
}

fn serve(
    key_file: &Path,
    log_keys: &[String],
    state_dir: &Path,
    listen: std::net::SocketAddr,
) -> Result<Outcome, Failure> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let cosigner = load_key(key_file)?;
    let logs = log_keys
        .iter()
        .map(|k| read_log_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    if logs.is_empty() {
        return Err(Failure(anyhow!(
            "give the key of each log to witness with --log-key"
        )));
    }
    let state = server::witness::DirState::open(state_dir)
        .with_context(|| format!("the state directory {}", state_dir.display()))?;
    let name = cosigner.name().to_owned();
    let origins: Vec<String> = logs.iter().map(|l| l.name().to_owned()).collect();
    let witness = Arc::new(server::witness::Witness::new(
        cosigner,
        logs,
        Box::new(state),
    ));
    let rt = crate::ledger_cmd::runtime()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr().context("the listening address")?;
        println!(
            "cortina witness {name} on http://{addr}/add-checkpoint for {}",
            origins.join(", ")
        );
        axum_serve(listener, witness).await?;
        println!("cortina witness stopped");
        Ok(Outcome::Ok)
    })
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    witness: Arc<server::witness::Witness>,
) -> Result<(), Failure> {
    server::witness::serve(listener, witness, crate::serve::shutdown_signal())
        .await
        .context("serving")?;
    Ok(())
}
