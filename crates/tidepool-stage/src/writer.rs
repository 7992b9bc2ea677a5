//! The writing half of an extraction, on its own thread: it creates directories,
//! symlinks and files in archive order, hashing each file's bytes as it writes them
//! and checking the digest when the file closes, while the reading half decompresses
//! the next entries (the work splits evenly over two cores).

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
    Dir {
        path: PathBuf,
        mode: u32,
    },
    Symlink {
        path: PathBuf,
        target: String,
    },
    /// `archive_path` and `blake3` (hex) name the file and its expected digest.
    Open {
        path: PathBuf,
        mode: u32,
        archive_path: String,
        blake3: String,
    },
    Data(Vec<u8>),
    Close,
}

#[derive(Default)]
struct Writer {
    /// Directories whose final mode differs from the one they were created with.
    dirs_to_fix: Vec<(PathBuf, u32)>,
    current: Option<OpenFile>,
}

/// The file being written: where, its mode, its running digest and the expected one.
struct OpenFile {
    file: File,
    path: PathBuf,
    mode: u32,
    archive_path: String,
    hasher: blake3::Hasher,
    expected: String,
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
            WriteOp::Open {
                path,
                mode,
                archive_path,
                blake3,
            } => {
                let file = File::options()
                    .write(true)
                    .create_new(true)
                    .mode(mode)
                    .open(&path)
                    .map_err(StageError::io("create", &path))?;
                self.current = Some(OpenFile {
                    file,
                    path,
                    mode,
                    archive_path,
                    hasher: blake3::Hasher::new(),
                    expected: blake3,
                });
            }
            WriteOp::Data(bytes) => {
                let open = self.current.as_mut().expect("Data follows Open");
                open.hasher.update(&bytes);
                open.file
                    .write_all(&bytes)
                    .map_err(StageError::io("write", open.path.as_path()))?;
            }
            WriteOp::Close => {
                let open = self.current.take().expect("Close follows Open");
                let actual = open.hasher.finalize().to_hex();
                if actual.as_str() != open.expected {
                    return Err(StageError::Digest {
                        path: open.archive_path,
                        expected: open.expected,
                        actual: actual.to_string(),
                    });
                }
                let umask_hides = open.mode & process_umask() != 0;
                finish_file(&open.file, &open.path, open.mode, umask_hides)?;
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
