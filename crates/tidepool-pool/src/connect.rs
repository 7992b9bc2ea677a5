//! `RUNDIR/connect.json` (where the coordinator listens, which run) and
//! `RUNDIR/secret` (the per-run secret), both 0600. An agent reads them only when its
//! own user owns them and no one else may write them (`tidepool_rundir::strict`): who
//! can change them can make the agent obey another coordinator.

use crate::auth::Secret;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};
use tidepool_rundir::{open_trusted, TrustError};

pub const CONNECT_FILE: &str = "connect.json";
pub const SECRET_FILE: &str = "secret";

/// The content of `connect.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectInfo {
    pub address: String,
    pub run_id: String,
    /// The secret file's name, next to `connect.json`.
    pub secret_file: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot read {path}: {source}\nhint: pass the connect.json of a running `tidepool run`"
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a valid connect file: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path} does not hold a secret (expected 64 hex digits)")]
    BadSecret { path: PathBuf },
    #[error(transparent)]
    Untrusted(#[from] TrustError),
}

/// Write the secret file and `connect.json` into `dir`, each 0600 and atomically.
pub fn write(dir: &Path, info: &ConnectInfo, secret: &Secret) -> Result<(), ConnectError> {
    let secret_path = dir.join(&info.secret_file);
    write_private(&secret_path, secret.to_hex().as_bytes())?;
    let json = serde_json::to_vec_pretty(info).expect("plain struct serialises");
    write_private(&dir.join(CONNECT_FILE), &json)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ConnectError> {
    tidepool_rundir::write_atomic(path, bytes).map_err(|source| ConnectError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Read a file this user owns and no one else may write.
fn read_trusted(path: &Path) -> Result<Vec<u8>, ConnectError> {
    let mut file = match open_trusted(path) {
        Ok(file) => file,
        Err(TrustError::Open { path, source }) => return Err(ConnectError::Read { path, source }),
        Err(e) => return Err(e.into()),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|source| ConnectError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(bytes)
}

/// Read `connect.json` and the secret next to it (both checked as trusted files).
pub fn read(path: &Path) -> Result<(ConnectInfo, Secret), ConnectError> {
    let text = read_trusted(path)?;
    let info: ConnectInfo =
        serde_json::from_slice(&text).map_err(|source| ConnectError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
    let secret_path = path
        .parent()
        .unwrap_or(Path::new("."))
        .join(&info.secret_file);
    let secret = read_secret(&secret_path)?;
    Ok((info, secret))
}

/// Read a secret file (checked as a trusted file).
pub fn read_secret(path: &Path) -> Result<Secret, ConnectError> {
    let bytes = read_trusted(path)?;
    let bad = || ConnectError::BadSecret {
        path: path.to_path_buf(),
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
    Secret::from_hex(text).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_private_secret_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let info = ConnectInfo {
            address: "127.0.0.1:4000".into(),
            run_id: "abc".into(),
            secret_file: SECRET_FILE.into(),
        };
        let secret = Secret::generate();
        write(dir.path(), &info, &secret).unwrap();
        let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = std::fs::metadata(dir.path().join(CONNECT_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let (back, s) = read(&dir.path().join(CONNECT_FILE)).unwrap();
        assert_eq!(back, info);
        assert_eq!(s.to_hex(), secret.to_hex());
    }
}
