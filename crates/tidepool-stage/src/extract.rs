//! Reading archives: the header and manifest entries, and unpacking the remaining
//! entries into a directory while checking every path, size and digest.

use crate::error::StageError;
use crate::manifest::{id_of, Header, Kind, Manifest, FORMAT_VERSION, MANIFEST_PATH};
use crate::writer::WriteOp;
use serde::de::DeserializeOwned;
use std::io::Read;
use std::path::{Component, Path};
use std::sync::mpsc::SyncSender;

/// The tar stream of an archive, decompressing on the fly.
pub type ArchiveStream<R> = tar::Archive<zstd::Decoder<'static, std::io::BufReader<R>>>;

/// Progress of an extraction: file bytes written so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageProgress {
    pub done_bytes: u64,
    pub total_bytes: u64,
}

fn corrupt(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> StageError {
    let what = what.into();
    move |source| StageError::Corrupt {
        what,
        source: Some(source),
    }
}

/// Start reading an archive from any byte stream.
pub fn open_stream<R: Read>(reader: R) -> Result<ArchiveStream<R>, StageError> {
    let decoder = zstd::Decoder::new(reader).map_err(corrupt("not a zstd stream"))?;
    Ok(tar::Archive::new(decoder))
}

/// After the tar stream's end: the rest of the decompressed stream must be the tar
/// end-of-archive padding (zero bytes), and nothing may follow the zstd frame.
pub fn check_trailing<R: Read>(mut rest: R) -> Result<(), StageError> {
    let mut buf = [0u8; 8192];
    loop {
        let n = rest
            .read(&mut buf)
            .map_err(corrupt("trailing data after the archive's end"))?;
        if n == 0 {
            return Ok(());
        }
        if buf[..n].iter().any(|b| *b != 0) {
            return Err(StageError::Corrupt {
                what: "trailing data after the archive's end".into(),
                source: None,
            });
        }
    }
}

/// Read the next entry, which must be `expected`, as JSON; also return its bytes.
pub fn read_json_entry<T: DeserializeOwned, R: Read>(
    entries: &mut tar::Entries<'_, R>,
    expected: &str,
) -> Result<(T, Vec<u8>), StageError> {
    let entry = entries.next().ok_or_else(|| StageError::Corrupt {
        what: format!("no {expected} entry"),
        source: None,
    })?;
    let mut entry = entry.map_err(corrupt(format!("reading {expected}")))?;
    let path = entry.path().map_err(corrupt("entry path"))?.into_owned();
    if path != Path::new(expected) {
        return Err(StageError::Corrupt {
            what: format!("expected {expected}, found {}", path.display()),
            source: None,
        });
    }
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(corrupt(format!("reading {expected}")))?;
    let value = serde_json::from_slice(&bytes).map_err(|err| StageError::Corrupt {
        what: format!("{expected}: {err}"),
        source: None,
    })?;
    Ok((value, bytes))
}

/// Refuse archives this build cannot stage on this machine.
pub fn check_header(header: &Header) -> Result<(), StageError> {
    if header.format != FORMAT_VERSION {
        return Err(StageError::Format {
            found: header.format,
            supported: FORMAT_VERSION,
        });
    }
    let host = std::env::consts::ARCH;
    if header.arch != host {
        return Err(StageError::WrongArch {
            archive: header.arch.clone(),
            host: host.to_string(),
        });
    }
    Ok(())
}

/// Read the manifest entry and check it against the header's id and its own paths.
pub fn read_manifest<R: Read>(
    entries: &mut tar::Entries<'_, R>,
    header: &Header,
) -> Result<Manifest, StageError> {
    let (manifest, bytes): (Manifest, Vec<u8>) = read_json_entry(entries, MANIFEST_PATH)?;
    let actual = id_of(&bytes);
    if actual != header.id {
        return Err(StageError::Digest {
            path: MANIFEST_PATH.into(),
            expected: header.id.clone(),
            actual,
        });
    }
    if let Some(bad) = manifest.entries.iter().find(|e| !is_safe_relative(&e.path)) {
        return Err(StageError::Corrupt {
            what: format!("unsafe entry path {}", bad.path),
            source: None,
        });
    }
    Ok(manifest)
}

/// A relative path with only normal components (no `..`, no root).
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Chunk size of file data handed to the writer thread.
const CHUNK: usize = 1 << 20;
/// Batches in flight between the reader and the writer.
const QUEUE: usize = 8;
/// A batch is handed over when it holds this many data bytes or operations
/// (so memory in flight stays below about `QUEUE * (BATCH_BYTES + CHUNK)`).
const BATCH_BYTES: usize = 4 << 20;
const BATCH_OPS: usize = 256;

/// Operations collected for the writer thread, handed over in batches.
struct Batcher<'a> {
    tx: &'a SyncSender<Vec<WriteOp>>,
    ops: Vec<WriteOp>,
    bytes: usize,
}

impl Batcher<'_> {
    fn push(&mut self, op: WriteOp) -> Result<(), Stop> {
        if let WriteOp::Data(data) = &op {
            self.bytes += data.len();
        }
        self.ops.push(op);
        if self.bytes >= BATCH_BYTES || self.ops.len() >= BATCH_OPS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Stop> {
        self.bytes = 0;
        let ops = std::mem::take(&mut self.ops);
        self.tx.send(ops).map_err(|_| Stop::WriterGone)
    }
}

/// Why the reading half stopped early.
enum Stop {
    Failed(StageError),
    WriterGone,
}

impl From<StageError> for Stop {
    fn from(err: StageError) -> Self {
        Stop::Failed(err)
    }
}

/// Unpack every remaining entry into `dest`, in manifest order, verifying each
/// path, size and digest. Decompression and verification run on this thread,
/// file creation and writing on a second one.
pub fn unpack_entries<R: Read>(
    entries: &mut tar::Entries<'_, R>,
    manifest: &Manifest,
    dest: &Path,
    progress: &mut dyn FnMut(StageProgress),
) -> Result<(), StageError> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let writer = scope.spawn(move || crate::writer::run(rx));
        let read = read_entries(entries, manifest, dest, &tx, progress);
        drop(tx);
        let written = writer.join().expect("the writer thread does not panic");
        match read {
            Ok(()) => written,
            Err(Stop::Failed(err)) => Err(err),
            Err(Stop::WriterGone) => Err(written.expect_err("the writer stops only on error")),
        }
    })
}

fn read_entries<R: Read>(
    entries: &mut tar::Entries<'_, R>,
    manifest: &Manifest,
    dest: &Path,
    tx: &SyncSender<Vec<WriteOp>>,
    progress: &mut dyn FnMut(StageProgress),
) -> Result<(), Stop> {
    let mut batch = Batcher {
        tx,
        ops: Vec::with_capacity(BATCH_OPS),
        bytes: 0,
    };
    let total_bytes = manifest.header().unpacked_bytes;
    let mut done_bytes = 0;
    for (index, expected) in manifest.entries.iter().enumerate() {
        let truncated = || StageError::Truncated {
            missing: expected.path.clone(),
            more: manifest.entries.len() - index - 1,
        };
        let mut entry = entries
            .next()
            .ok_or_else(truncated)?
            .map_err(corrupt(format!("reading {}", expected.path)))?;
        let path = entry.path().map_err(corrupt("entry path"))?.into_owned();
        if path != Path::new(&expected.path) {
            return Err(Stop::Failed(StageError::Corrupt {
                what: format!("expected {}, found {}", expected.path, path.display()),
                source: None,
            }));
        }
        let target = dest.join(&expected.path);
        match &expected.kind {
            Kind::Dir { mode } => batch.push(WriteOp::Dir {
                path: target,
                mode: *mode,
            })?,
            Kind::Symlink { target: link } => batch.push(WriteOp::Symlink {
                path: target,
                target: link.clone(),
            })?,
            Kind::File { mode, size, blake3 } => {
                batch.push(WriteOp::Open {
                    path: target,
                    mode: *mode,
                    archive_path: expected.path.clone(),
                    blake3: blake3.clone(),
                })?;
                read_sized(&mut entry, &expected.path, *size, &mut batch)?;
                batch.push(WriteOp::Close)?;
                done_bytes += size;
                progress(StageProgress {
                    done_bytes,
                    total_bytes,
                });
            }
        }
    }
    if let Some(extra) = entries.next() {
        let what = match extra {
            Ok(entry) => format!(
                "unexpected entry {:?} after the manifest's last",
                entry.path().map(|p| p.into_owned()).ok()
            ),
            Err(err) => format!("trailing data: {err}"),
        };
        return Err(Stop::Failed(StageError::Corrupt { what, source: None }));
    }
    batch.flush()
}

/// Read one file's data in chunks of its recorded size and hand them to the writer,
/// which hashes them and checks the digest when the file closes.
fn read_sized(
    entry: &mut impl Read,
    path: &str,
    size: u64,
    batch: &mut Batcher<'_>,
) -> Result<(), Stop> {
    let mut remaining = size;
    while remaining > 0 {
        let mut chunk = vec![0u8; remaining.min(CHUNK as u64) as usize];
        entry
            .read_exact(&mut chunk)
            .map_err(|source| StageError::Corrupt {
                what: format!("reading {path}"),
                source: Some(source),
            })?;
        remaining -= chunk.len() as u64;
        batch.push(WriteOp::Data(chunk))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_rejected() {
        assert!(is_safe_relative("python/venv/bin/python"));
        assert!(!is_safe_relative("../etc/passwd"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a/../../b"));
        assert!(!is_safe_relative(""));
    }

    #[test]
    fn other_arch_and_format_refused() {
        let header = Header {
            format: FORMAT_VERSION,
            id: "x".into(),
            arch: "riscv64".into(),
            unpacked_bytes: 0,
            files: 0,
            dirs: 0,
            symlinks: 0,
        };
        let err = check_header(&header).unwrap_err();
        assert!(matches!(err, StageError::WrongArch { .. }));
        assert!(err.to_string().contains("riscv64"), "{err}");
        let header = Header {
            format: 99,
            arch: std::env::consts::ARCH.into(),
            ..header
        };
        assert!(matches!(
            check_header(&header),
            Err(StageError::Format { found: 99, .. })
        ));
    }
}
