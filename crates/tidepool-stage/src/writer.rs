//! The writing half of an extraction, on its own thread: it creates directories,
//! symlinks and files in archive order while the reading half decompresses and
//! verifies the next entries.

use crate::error::StageError;
use crate::filemode::{finish_file, process_umask};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;

/// One filesystem operation, in archive order.
#[derive(Debug)]
pub enum WriteOp {
    Dir { path: PathBuf, mode: u32 },
    Symlink { path: PathBuf, target: String },
    Open { path: PathBuf, mode: u32 },
    Data(Vec<u8>),
    Close,
}

#[derive(Default)]
struct Writer {
    /// Directories whose final mode differs from the one they were created with.
    dirs_to_fix: Vec<(PathBuf, u32)>,
    current: Option<(File, PathBuf, u32)>,
}

impl Writer {
    fn apply(&mut self, op: WriteOp) -> Result<(), StageError> {
        match op {
            WriteOp::Dir { path, mode } => {
                std::fs::DirBuilder::new()
                    .mode(mode | 0o700)
                    .create(&path)
                    .map_err(StageError::io("create directory", &path))?;
                if (mode | 0o700) & !process_umask() != mode {
                    self.dirs_to_fix.push((path, mode));
                }
            }
            WriteOp::Symlink { path, target } => {
                std::os::unix::fs::symlink(target, &path)
                    .map_err(StageError::io("create symlink", &path))?;
            }
            WriteOp::Open { path, mode } => {
                let file = File::options()
                    .write(true)
                    .create_new(true)
                    .mode(mode)
                    .open(&path)
                    .map_err(StageError::io("create", &path))?;
                self.current = Some((file, path, mode));
            }
            WriteOp::Data(bytes) => {
                let (file, path, _) = self.current.as_mut().expect("Data follows Open");
                file.write_all(&bytes)
                    .map_err(StageError::io("write", path.as_path()))?;
            }
            WriteOp::Close => {
                let (file, path, mode) = self.current.take().expect("Close follows Open");
                finish_file(&file, &path, mode, mode & process_umask() != 0)?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<(), StageError> {
        for (dir, mode) in self.dirs_to_fix.into_iter().rev() {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode))
                .map_err(StageError::io("set mode of", &dir))?;
        }
        Ok(())
    }
}

/// Apply batches of operations until the sender hangs up; stop at the first
/// failure (the receiver is dropped, so the reading half sees a send error and
/// stops too).
pub fn run(batches: Receiver<Vec<WriteOp>>) -> Result<(), StageError> {
    let mut writer = Writer::default();
    for batch in batches {
        for op in batch {
            writer.apply(op)?;
        }
    }
    writer.finish()
}
