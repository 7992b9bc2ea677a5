//! Error types: one enum for packing, one for staging, with typed fields.

use std::path::PathBuf;

/// What went wrong while building an archive.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("cannot read {path}: check that it exists and is readable")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the archive {path}: check the directory exists and has free space")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not a Python venv: no pyvenv.cfg inside it (create one with `python -m venv`)"
    )]
    NotAVenv { path: PathBuf },
    #[error("{path}: key `{key}` is missing; the venv looks damaged, recreate it")]
    PyvenvKey { path: PathBuf, key: &'static str },
    #[error("cannot find the base interpreter of the venv: {home} has no python3.X executable")]
    NoBaseInterpreter { home: PathBuf },
    #[error(
        "cannot find the standard library of {interpreter} under {prefix} (no lib/pythonX.Y/os.py)"
    )]
    NoStdlib {
        interpreter: PathBuf,
        prefix: PathBuf,
    },
    #[error("cannot ask the base interpreter {path} where it lives: {reason}; check that it runs")]
    Interpreter { path: PathBuf, reason: String },
    #[error("{path} is not an ELF file we can read: {reason}")]
    Elf { path: PathBuf, reason: String },
    #[error("{library} (needed by {needed_by}) was not found in RPATH/RUNPATH, LD_LIBRARY_PATH, /etc/ld.so.cache or the default directories; set LD_LIBRARY_PATH so that the program runs, then pack again")]
    LibraryNotFound { library: String, needed_by: PathBuf },
    #[error("two different files want the same archive path {archive_path}: {first} and {second}; rename one with --dir ... --as NAME")]
    Conflict {
        archive_path: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("invalid profile {path}: {reason}; write it with `tidepool profile --json`")]
    Profile { path: PathBuf, reason: String },
    #[error("invalid --as name `{name}`: use a plain name without `/` or `..`")]
    BadName { name: String },
    #[error("nothing to pack: give at least one of --python, --exe, --dir")]
    Empty,
}

/// A byte count for people: `1.5 GB`, `320.0 MB`, `12.0 kB`, `512 B` (powers of 1000).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// What went wrong while reading or staging an archive.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error("cannot open archive {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the archive is damaged or truncated ({what}); refusing to stage it: copy it again")]
    Corrupt {
        what: String,
        #[source]
        source: Option<std::io::Error>,
    },
    #[error("digest mismatch for {path} in the archive (expected {expected}, got {actual}); refusing to stage it: copy the archive again")]
    Digest {
        path: String,
        expected: String,
        actual: String,
    },
    #[error("the archive ends before {missing} (and {more} more entries); it is truncated: copy it again")]
    Truncated { missing: String, more: usize },
    #[error("the archive was made for CPU architecture {archive}, this machine is {host}; pack it again on a {host} machine")]
    WrongArch { archive: String, host: String },
    #[error("the archive has format version {found}, this tidepool reads version {supported}; use a matching tidepool")]
    Format { found: u32, supported: u32 },
    #[error("not enough free space in {dir}: the environment needs {}, {} are free; pick another directory with --to", human_bytes(*needed), human_bytes(*free))]
    NoSpace {
        dir: PathBuf,
        needed: u64,
        free: u64,
    },
    #[error("the archive's link {link} (-> {target}) {problem} in the staged tree; refusing to stage a broken environment: pack it again (and report this if it persists)")]
    BrokenLink {
        link: String,
        target: String,
        problem: &'static str,
    },
    #[error("the archive's executable {name} ({path}) does not resolve to a file in the staged tree; refusing to stage it: pack it again")]
    BrokenExecutable { name: String, path: String },
    #[error("cannot {action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the staged environment {path} has an invalid env record; remove it with `tidepool stage --remove`")]
    EnvRecord {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

impl StageError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| StageError::Io {
            action,
            path,
            source,
        }
    }
}

impl PackError {
    pub(crate) fn read(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| PackError::Read { path, source }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn byte_counts_read_as_people_write_them() {
        use super::human_bytes;
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(12_000), "12.0 kB");
        assert_eq!(human_bytes(320_000_000), "320.0 MB");
        assert_eq!(human_bytes(1_500_000_000), "1.5 GB");
    }
}
