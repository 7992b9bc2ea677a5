//! One coordinator per run directory, without `flock` (missing on Lustre without the
//! `flock` mount option, local to one client on some NFS setups).
//!
//! Taking the lock writes the holder's record (host, pid, start time, boot, process
//! start) to a private temporary file and hard-links it to `RUNDIR/lock`: `link(2)`
//! fails when the lock exists, atomically on every filesystem tidepool runs on, and
//! readers never see a half-written lock. (A lost NFS reply can report failure for a
//! link that happened; the temporary file's link count tells.) While held, a
//! background thread touches the lock's mtime once a minute: one metadata operation.
//!
//! A lock is stale when its holder is known to be gone: on this host, its process no
//! longer exists (or the host rebooted); on another host, its heartbeat is older than
//! [`STALE_AFTER`] (the lock's mtime, set by the file server on NFS, against this
//! host's clock: five missed heartbeats leave room for clock skew). Only a stale lock
//! is taken over, and only after saying so: it is renamed aside (one taker wins),
//! checked to be the lock judged stale, and removed.

use crate::host;
use crate::private::create_file;
use crate::time::utc;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const LOCK_FILE: &str = "lock";
/// How often the holder touches the lock.
pub const HEARTBEAT: Duration = Duration::from_secs(60);
/// A lock held from another host is stale once its heartbeat is this old.
pub const STALE_AFTER: Duration = Duration::from_secs(300);
/// Attempts at taking a lock that keeps changing hands.
const ATTEMPTS: usize = 5;

/// Who holds the lock: the lock file's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    /// When the lock was taken, in seconds since the Unix epoch.
    pub started_unix: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
    /// The process's start time in ticks since boot (tells a reused pid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_start: Option<u64>,
    /// Unique per taking of the lock.
    #[serde(default)]
    pub token: String,
}

impl Holder {
    /// This process, now.
    pub fn me() -> Holder {
        let pid = std::process::id();
        let host = host::hostname();
        let started_unix = unix_now();
        Holder {
            token: format!("{host}-{pid}-{}", (started_unix * 1e6) as u64),
            host,
            pid,
            started_unix,
            boot_id: host::boot_id(),
            process_start: host::process_start(pid),
        }
    }

    /// `host H, pid P, since T`.
    pub fn describe(&self) -> String {
        format!(
            "host {}, pid {}, since {}",
            self.host,
            self.pid,
            utc(self.started_unix)
        )
    }
}

/// Whether a coordinator holds a run directory.
#[derive(Debug, Clone, PartialEq)]
pub enum Liveness {
    /// No lock: no coordinator runs there.
    Free,
    /// Held by a coordinator that runs; `here` when on this host.
    Live {
        holder: Holder,
        here: bool,
        beat_age: Duration,
    },
    /// Held by a coordinator that is gone; `why` says how that is known.
    Stale { holder: Holder, why: String },
}

impl Liveness {
    pub fn is_live(&self) -> bool {
        matches!(self, Liveness::Live { .. })
    }

    /// Live on another host: its journal must not be opened from here.
    pub fn live_elsewhere(&self) -> Option<&Holder> {
        match self {
            Liveness::Live {
                holder,
                here: false,
                ..
            } => Some(holder),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "run directory {dir} is in use by another `tidepool run`: {holder} (lock file \
         {dir}/lock, last heartbeat {beat_age_s} s ago)\nhint: let that run finish, or stop it \
         (`kill -INT {pid}` on {host}) and run this command again to resume it; for a \
         separate run, set another [run] name or [run] dir",
        holder = holder.describe(), pid = holder.pid, host = holder.host
    )]
    Held {
        dir: PathBuf,
        holder: Box<Holder>,
        beat_age_s: u64,
    },
    #[error("cannot lock the run directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} changed hands {ATTEMPTS} times while this run tried to take it\nhint: \
         another `tidepool run` is starting on this run directory; check with `tidepool status`"
    )]
    Contended { path: PathBuf },
}

/// Whether a coordinator holds `dir` (reads the lock; no change).
pub fn inspect(dir: &Path) -> Result<Liveness, LockError> {
    Ok(read(dir)?.map_or(Liveness::Free, |seen| seen.judge()))
}

/// The lock of a run directory, held until dropped.
pub struct RunDirLock {
    path: PathBuf,
    token: String,
    beat: Option<(mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
}

impl RunDirLock {
    /// Take the lock of `dir` (an existing directory). A stale lock is taken over after
    /// `say` was told so, with its old holder; a live one is refused naming its holder.
    pub fn acquire(dir: &Path, say: &mut dyn FnMut(&str)) -> Result<RunDirLock, LockError> {
        let me = Holder::me();
        let path = dir.join(LOCK_FILE);
        for _ in 0..ATTEMPTS {
            if try_link(dir, &me)? {
                return Ok(RunDirLock::hold(path, me.token));
            }
            let Some(seen) = read(dir)? else {
                continue;
            };
            let raw = seen.raw.clone();
            match seen.judge() {
                Liveness::Free => continue,
                Liveness::Live {
                    holder, beat_age, ..
                } => {
                    return Err(LockError::Held {
                        dir: dir.to_path_buf(),
                        holder: Box::new(holder),
                        beat_age_s: beat_age.as_secs(),
                    })
                }
                Liveness::Stale { holder, why } => {
                    say(&format!(
                        "taking over the stale lock of {}: it was held by {}, and {why}",
                        dir.display(),
                        holder.describe()
                    ));
                    take_over(dir, &raw, &me.token)?;
                }
            }
        }
        Err(LockError::Contended { path })
    }

    fn hold(path: PathBuf, token: String) -> RunDirLock {
        let (tx, rx) = mpsc::channel::<()>();
        let beat_path = path.clone();
        let thread = std::thread::Builder::new()
            .name("rundir-lock".into())
            .spawn(move || heartbeat(&beat_path, &rx));
        RunDirLock {
            path,
            token,
            beat: thread.ok().map(|t| (tx, t)),
        }
    }
}

impl Drop for RunDirLock {
    fn drop(&mut self) {
        if let Some((tx, thread)) = self.beat.take() {
            drop(tx);
            let _ = thread.join();
        }
        let ours = std::fs::read(&self.path)
            .ok()
            .and_then(|raw| serde_json::from_slice::<Holder>(&raw).ok())
            .is_some_and(|h| h.token == self.token);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Touch the lock every [`HEARTBEAT`] until the sender is dropped.
fn heartbeat(path: &Path, stop: &mpsc::Receiver<()>) {
    use nix::sys::stat::{utimensat, UtimensatFlags};
    use nix::sys::time::TimeSpec;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(HEARTBEAT) {
        let now = TimeSpec::UTIME_NOW;
        if let Err(e) = utimensat(None, path, &now, &now, UtimensatFlags::FollowSymlink) {
            tracing::warn!(
                "cannot refresh the run-directory lock {}: {e}; another run may take it over",
                path.display()
            );
        }
    }
}

/// A lock as read: its bytes, its holder and the age of its last heartbeat.
struct Seen {
    raw: Vec<u8>,
    holder: Holder,
    beat_age: Duration,
}

impl Seen {
    fn judge(self) -> Liveness {
        let h = self.holder;
        if h.host == host::hostname() {
            let rebooted = matches!((&h.boot_id, host::boot_id()), (Some(a), Some(b)) if *a != b);
            if rebooted {
                let why = "this host has rebooted since".to_string();
                return Liveness::Stale { holder: h, why };
            }
            if !host::process_alive(h.pid, h.process_start) {
                let why = "that process is gone".to_string();
                return Liveness::Stale { holder: h, why };
            }
            return Liveness::Live {
                holder: h,
                here: true,
                beat_age: self.beat_age,
            };
        }
        if self.beat_age > STALE_AFTER {
            let why = format!(
                "its last heartbeat was {} s ago (stale after {} s)",
                self.beat_age.as_secs(),
                STALE_AFTER.as_secs()
            );
            return Liveness::Stale { holder: h, why };
        }
        Liveness::Live {
            holder: h,
            here: false,
            beat_age: self.beat_age,
        }
    }
}

/// The lock of `dir`, if there is one. An unreadable record counts as a holder on an
/// unknown host, stale once its heartbeat is old.
fn read(dir: &Path) -> Result<Option<Seen>, LockError> {
    let path = dir.join(LOCK_FILE);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    let raw = match std::fs::read(&path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let meta = match std::fs::metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let mtime = meta.mtime() as f64 + meta.mtime_nsec() as f64 * 1e-9;
    let beat_age = Duration::from_secs_f64((unix_now() - mtime).max(0.0));
    let holder = serde_json::from_slice(&raw).unwrap_or_else(|_| Holder {
        host: "(unknown: unreadable lock file)".into(),
        pid: 0,
        started_unix: mtime,
        boot_id: None,
        process_start: None,
        token: String::new(),
    });
    Ok(Some(Seen {
        raw,
        holder,
        beat_age,
    }))
}

/// Write `me` to a private temporary file and link it to the lock; true if taken.
fn try_link(dir: &Path, me: &Holder) -> Result<bool, LockError> {
    let tmp = dir.join(format!(".lock.{}", me.token));
    let lock = dir.join(LOCK_FILE);
    let io = |source| LockError::Io {
        path: lock.clone(),
        source,
    };
    let json = serde_json::to_vec(me).expect("plain struct serialises");
    let written = create_file(&tmp, true).and_then(|mut f| {
        f.write_all(&json)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    let linked = match std::fs::hard_link(&tmp, &lock) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::metadata(&tmp).is_ok_and(|m| m.nlink() == 2))
        }
        Err(e) => Err(io(e)),
    };
    let _ = std::fs::remove_file(&tmp);
    linked
}

/// Remove the stale lock whose bytes were `seen`, unless it changed hands meanwhile.
fn take_over(dir: &Path, seen: &[u8], token: &str) -> Result<(), LockError> {
    let lock = dir.join(LOCK_FILE);
    let aside = dir.join(format!(".lock.stale.{token}"));
    match std::fs::rename(&lock, &aside) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(LockError::Io { path: lock, source }),
    }
    if std::fs::read(&aside).ok().as_deref() != Some(seen) {
        // A fresh lock taken since it was judged: put it back (unless yet another exists).
        let _ = std::fs::hard_link(&aside, &lock);
    }
    let _ = std::fs::remove_file(&aside);
    Ok(())
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_and_released_on_drop() {
        let tmp = tempfile::tempdir().unwrap();
        let mut said = Vec::new();
        let lock = RunDirLock::acquire(tmp.path(), &mut |s| said.push(s.to_string())).unwrap();
        let live = inspect(tmp.path()).unwrap();
        assert!(
            matches!(live, Liveness::Live { here: true, .. }),
            "{live:?}"
        );
        let err = RunDirLock::acquire(tmp.path(), &mut |s| said.push(s.to_string()))
            .err()
            .unwrap();
        assert!(matches!(err, LockError::Held { .. }), "{err}");
        assert!(said.is_empty(), "a live lock is never taken over: {said:?}");
        drop(lock);
        assert_eq!(inspect(tmp.path()).unwrap(), Liveness::Free);
        let leftovers = std::fs::read_dir(tmp.path()).unwrap().count();
        assert_eq!(leftovers, 0, "no temporary lock files stay");
    }

    #[test]
    fn a_lock_taken_since_it_was_judged_stale_is_put_back() {
        let tmp = tempfile::tempdir().unwrap();
        let lock = RunDirLock::acquire(tmp.path(), &mut |_| {}).unwrap();
        take_over(tmp.path(), b"some older lock", "t").unwrap();
        assert!(inspect(tmp.path()).unwrap().is_live());
        drop(lock);
    }
}
