//! The ledger's signing key: generated on first start, kept in the data
//! directory with owner-only permissions, never logged.
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

use crate::StoreError;

/// File name of the signing key inside the data directory.
pub const KEY_FILE: &str = "ledger-signing.key";

/// Path of the key file for `data_dir`.
pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

/// Loads the signing key, refusing a file that others can read.
pub fn load(data_dir: &Path) -> Result<NoteSigner, StoreError> {
    let path = key_path(data_dir);
    let meta = fs::metadata(&path).map_err(|e| StoreError::io(&path, e))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(StoreError::KeyPermissions { path, mode });
    }
    let text = fs::read_to_string(&path).map_err(|e| StoreError::io(&path, e))?;
    NoteSigner::from_key_string(text.trim()).map_err(|e| StoreError::BadKey {
        path,
        reason: e.to_string(),
    })
}

/// Generates a new key named `origin` and writes it atomically with mode
/// 0600. Fails if a key file already exists: keys are never overwritten.
pub fn create(data_dir: &Path, origin: &str) -> Result<NoteSigner, StoreError> {
    let path = key_path(data_dir);
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| StoreError::Random(e.to_string()))?;
    let signer = NoteSigner::from_seed(origin, &seed).map_err(|e| StoreError::BadOrigin {
        origin: origin.to_owned(),
        reason: e.to_string(),
    })?;
    let tmp = data_dir.join(format!(".{KEY_FILE}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(signer.key_string().as_bytes())?;
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
    })?;
    Ok(signer)
}
