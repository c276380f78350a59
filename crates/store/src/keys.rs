//! The store's signing keys: generated on first start, kept in the data
//! directory with owner-only permissions, never logged. Two keys, never
//! interchanged: the ledger's checkpoint key ([`KEY_FILE`]) and the pass key
//! ([`PASS_KEY_FILE`]), which signs accreditation passes and the gates'
//! revocation lists (crate `pass`).
//!
//! The file holds one line, the signed-note private key string
//! (`PRIVATE+KEY+<name>+<hash>+<base64>`); its name is the log's origin.
//! [`ledger::NoteSigner`]'s `Debug` prints no key material, so the signer can
//! travel inside structs that are logged.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use ledger::NoteSigner;
use pass::PassSigner;

use crate::StoreError;

/// File name of the signing key inside the data directory.
pub const KEY_FILE: &str = "ledger-signing.key";

/// File name of the pass key inside the data directory.
pub const PASS_KEY_FILE: &str = "pass-signing.key";

/// Path of the key file for `data_dir`.
pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

/// Path of the pass key file for `data_dir`.
pub fn pass_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(PASS_KEY_FILE)
}

/// Reads a key file, refusing one that others can read.
fn read_private(path: &Path) -> Result<String, StoreError> {
    let meta = fs::metadata(path).map_err(|e| StoreError::io(path, e))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(StoreError::KeyPermissions {
            path: path.to_owned(),
            mode,
        });
    }
    fs::read_to_string(path).map_err(|e| StoreError::io(path, e))
}

/// Loads the signing key, refusing a file that others can read.
pub fn load(data_dir: &Path) -> Result<NoteSigner, StoreError> {
    let path = key_path(data_dir);
    let text = read_private(&path)?;
    NoteSigner::from_key_string(text.trim()).map_err(|e| StoreError::BadKey {
        path,
        reason: e.to_string(),
    })
}

/// Loads the pass key, creating it on first use (a store made before passes
/// existed gets one the first time it opens).
pub fn load_or_create_pass_key(data_dir: &Path) -> Result<PassSigner, StoreError> {
    let path = pass_key_path(data_dir);
    if !path.exists() {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| StoreError::Random(e.to_string()))?;
        let signer = PassSigner::from_seed(&seed);
        match write_new(data_dir, PASS_KEY_FILE, &signer.key_string()) {
            Ok(()) => return Ok(signer),
            // Another process created it first: read theirs.
            Err(_) if path.exists() => {}
            Err(e) => return Err(e),
        }
    }
    let text = read_private(&path)?;
    PassSigner::from_key_string(text.trim()).map_err(|e| StoreError::BadKey {
        path,
        reason: e.to_string(),
    })
}

/// Generates a new key named `origin` and writes it atomically with mode
/// 0600. Fails if a key file already exists: keys are never overwritten.
pub fn create(data_dir: &Path, origin: &str) -> Result<NoteSigner, StoreError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| StoreError::Random(e.to_string()))?;
    let signer = NoteSigner::from_seed(origin, &seed).map_err(|e| StoreError::BadOrigin {
        origin: origin.to_owned(),
        reason: e.to_string(),
    })?;
    write_new(data_dir, KEY_FILE, &signer.key_string())?;
    Ok(signer)
}

/// Writes `file` (one line, `text`) atomically with mode 0600; fails if it
/// exists.
fn write_new(data_dir: &Path, file: &str, text: &str) -> Result<(), StoreError> {
    let path = data_dir.join(file);
    let tmp = data_dir.join(format!(".{file}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        // `hard_link` fails if the target exists, so two processes racing to
        // create the key cannot overwrite each other's.
        fs::hard_link(&tmp, &path)?;
        fs::remove_file(&tmp)?;
        fs::File::open(data_dir)?.sync_all()
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        StoreError::io(&path, e)
    })
}
