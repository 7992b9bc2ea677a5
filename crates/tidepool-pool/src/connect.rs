//! `RUNDIR/connect.json` (where the coordinator listens, which run) and
//! `RUNDIR/secret` (the per-run secret, mode 0600).

use crate::auth::Secret;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

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
}

/// Write `connect.json` and the 0600 secret file into `dir`.
pub fn write(dir: &Path, info: &ConnectInfo, secret: &Secret) -> Result<(), ConnectError> {
    let secret_path = dir.join(&info.secret_file);
    write_private(&secret_path, secret.to_hex().as_bytes())?;
    let path = dir.join(CONNECT_FILE);
    let json = serde_json::to_vec_pretty(info).expect("plain struct serialises");
    std::fs::write(&path, json).map_err(|source| ConnectError::Write { path, source })
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ConnectError> {
    let err = |source| ConnectError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(err)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(err)?;
    file.write_all(bytes).map_err(err)
}

/// Read `connect.json` and the secret next to it.
pub fn read(path: &Path) -> Result<(ConnectInfo, Secret), ConnectError> {
    let text = std::fs::read(path).map_err(|source| ConnectError::Read {
        path: path.to_path_buf(),
        source,
    })?;
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

/// Read a secret file.
pub fn read_secret(path: &Path) -> Result<Secret, ConnectError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConnectError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Secret::from_hex(&text).ok_or_else(|| ConnectError::BadSecret {
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let (back, s) = read(&dir.path().join(CONNECT_FILE)).unwrap();
        assert_eq!(back, info);
        assert_eq!(s.to_hex(), secret.to_hex());
    }
}
