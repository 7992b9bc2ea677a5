//! The archive's table of contents: parts, entries, digests, and the archive id.
//!
//! An archive is a zstd-compressed tar stream whose first entry is a small
//! [`Header`] (id, CPU architecture, sizes), whose second entry is the [`Manifest`],
//! and whose remaining entries follow the manifest's entry order exactly.

use serde::{Deserialize, Serialize};

/// Version of the archive layout this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Archive path of the header entry (always first).
pub const HEADER_PATH: &str = ".tidepool/header.json";
/// Archive path of the manifest entry (always second).
pub const MANIFEST_PATH: &str = ".tidepool/manifest.json";
/// Modification time given to every extracted file and written into timestamp-based
/// `.pyc` headers, so archives are reproducible and bytecode caches stay valid.
pub const NORMAL_MTIME: u64 = 1;
/// Number of hex digits of the archive id.
pub const ID_LEN: usize = 24;

/// What a part of the archive is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A Python virtual environment (`python/venv`).
    PythonVenv,
    /// The base interpreter installation the venv was created from (`python/base`).
    PythonBase,
    /// Packed executables (`exe/bin`).
    Executable,
    /// Shared libraries the executables need (`exe/lib`).
    Library,
    /// Any input tree (`data/NAME`).
    Data,
}

/// One part of the archive: a subtree with its role and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub name: String,
    pub role: Role,
    /// Archive directory holding this part, e.g. `python/venv`.
    pub root: String,
    /// The original absolute prefix of the part (absent for pooled executables/libraries).
    pub prefix: Option<String>,
}

/// What relocation a file needs after extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relocate {
    /// `pyvenv.cfg`: the `home`, `executable` and `command` keys.
    PyvenvCfg,
    /// A script whose `#!` line names an interpreter under an old prefix.
    Shebang,
    /// A text file (activation script, sysconfig data) holding an old prefix.
    Text,
}

/// The kind and content description of one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    Dir {
        mode: u32,
    },
    File {
        mode: u32,
        size: u64,
        blake3: String,
    },
    Symlink {
        target: String,
    },
}

/// One file, directory or symlink of the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Relative path inside the archive (and inside the staged directory).
    pub path: String,
    /// Index into [`Manifest::parts`].
    pub part: usize,
    #[serde(flatten)]
    pub kind: Kind,
    /// Original absolute path, when it is not `part.prefix` + the path inside the part.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub relocate: Option<Relocate>,
}

/// The full table of contents. Its digest is the archive id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// CPU architecture the binaries were packed for (`std::env::consts::ARCH`).
    pub arch: String,
    pub parts: Vec<Part>,
    /// Executables to expose: name -> archive path.
    pub executables: Vec<(String, String)>,
    /// Entries in archive order (sorted by path, parents before children).
    pub entries: Vec<Entry>,
}

/// The first, small entry of every archive: enough to decide quickly whether the
/// archive is already staged and whether it can be staged here at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    pub id: String,
    pub arch: String,
    /// Sum of regular file sizes.
    pub unpacked_bytes: u64,
    pub files: usize,
    pub dirs: usize,
    pub symlinks: usize,
}

impl Manifest {
    /// Canonical bytes of the manifest (what the id is computed from).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest always serialises")
    }

    /// The archive id: the first [`ID_LEN`] hex digits of the blake3 digest of the manifest.
    pub fn id(&self) -> String {
        id_of(&self.to_bytes())
    }

    /// The header describing this manifest.
    pub fn header(&self) -> Header {
        let mut header = Header {
            format: self.format,
            id: self.id(),
            arch: self.arch.clone(),
            unpacked_bytes: 0,
            files: 0,
            dirs: 0,
            symlinks: 0,
        };
        for entry in &self.entries {
            match entry.kind {
                Kind::File { size, .. } => {
                    header.files += 1;
                    header.unpacked_bytes += size;
                }
                Kind::Dir { .. } => header.dirs += 1,
                Kind::Symlink { .. } => header.symlinks += 1,
            }
        }
        header
    }
}

/// Id of a manifest given its canonical bytes.
pub fn id_of(manifest_bytes: &[u8]) -> String {
    let hex = blake3::hash(manifest_bytes).to_hex();
    hex[..ID_LEN].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            format: FORMAT_VERSION,
            arch: "x86_64".into(),
            parts: vec![Part {
                name: "data".into(),
                role: Role::Data,
                root: "data/x".into(),
                prefix: Some("/src/x".into()),
            }],
            executables: vec![],
            entries: vec![
                Entry {
                    path: "data/x".into(),
                    part: 0,
                    kind: Kind::Dir { mode: 0o755 },
                    source: None,
                    relocate: None,
                },
                Entry {
                    path: "data/x/a".into(),
                    part: 0,
                    kind: Kind::File {
                        mode: 0o644,
                        size: 3,
                        blake3: "ab".into(),
                    },
                    source: None,
                    relocate: None,
                },
            ],
        }
    }

    #[test]
    fn id_changes_with_content_and_round_trips() {
        let a = sample();
        let back: Manifest = serde_json::from_slice(&a.to_bytes()).unwrap();
        assert_eq!(back, a);
        assert_eq!(back.id(), a.id());
        let mut b = sample();
        b.entries[1].kind = Kind::File {
            mode: 0o644,
            size: 3,
            blake3: "cd".into(),
        };
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), ID_LEN);
    }

    #[test]
    fn header_counts_entries() {
        let h = sample().header();
        assert_eq!(
            (h.files, h.dirs, h.symlinks, h.unpacked_bytes),
            (1, 1, 0, 3)
        );
    }
}
