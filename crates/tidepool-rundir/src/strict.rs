//! Files an agent trusts with its user's rights (the connect file that says which
//! coordinator to obey, the secret that proves it): as ssh's `StrictModes`, each must be
//! owned by the agent's user and writable by no one else, or anyone who can change it
//! could point the agent at their own coordinator and run their model as this user.
//! The check is made on the opened file (`fstat`), so the file read is the file checked.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "refusing {path}: it is writable by {by} (mode {mode:04o}), who could point this agent \
         at their own coordinator\nhint: chmod go-w {path}"
    )]
    Writable {
        path: PathBuf,
        mode: u32,
        by: &'static str,
    },
    #[error(
        "refusing {path}: it is owned by {owner}, not by {me} who runs this agent, so \
         {owner} could point this agent at their own coordinator\nhint: if the file is \
         yours, chown {me} {path}; otherwise use the connect file of your own run"
    )]
    Owner {
        path: PathBuf,
        owner: String,
        me: String,
    },
}

/// Open `path` for reading after checking that this user owns it and that neither its
/// group nor others may write it.
pub fn open_trusted(path: &Path) -> Result<File, TrustError> {
    let file = File::open(path).map_err(|source| TrustError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let meta = file.metadata().map_err(|source| TrustError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me {
        return Err(TrustError::Owner {
            path: path.to_path_buf(),
            owner: user_name(meta.uid()),
            me: user_name(me),
        });
    }
    let mode = meta.mode() & 0o7777;
    let by = match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (true, true) => "its group and others",
        (true, false) => "its group",
        (false, true) => "others",
        (false, false) => return Ok(file),
    };
    Err(TrustError::Writable {
        path: path.to_path_buf(),
        mode,
        by,
    })
}

/// `name` when the user database knows `uid`, else `uid N`.
fn user_name(uid: u32) -> String {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(user)) => user.name,
        _ => format!("uid {uid}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn owner_only_files_pass_and_loose_ones_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("secret");
        std::fs::write(&path, "x").unwrap();
        for (mode, ok) in [(0o600, true), (0o644, true), (0o620, false), (0o602, false)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            assert_eq!(open_trusted(&path).is_ok(), ok, "mode {mode:o}");
        }
        let err = open_trusted(&path).unwrap_err().to_string();
        assert!(err.contains("chmod go-w"), "{err}");
    }
}
