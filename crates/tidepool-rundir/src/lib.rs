//! The run directory as a thing to trust: who may use it, and who may read and change
//! its files.
//!
//! - [`lock`]: one coordinator per run directory. A lock file (`RUNDIR/lock`) holding
//!   the holder's host, pid and start time is created atomically (a private temporary
//!   file, then `link(2)`, which fails when the lock exists, on local disks, NFS and
//!   Lustre alike, without `flock`), kept fresh by a heartbeat of one metadata
//!   operation a minute (its mtime), and taken over only when stale: its process is
//!   gone (same host) or its heartbeat is old (another host). [`lock::inspect`] tells
//!   other commands whether the run is live, and whether it is live on this host (only
//!   then may they open its SQLite journal, whose WAL index lives in shared memory).
//! - [`private`]: the directory is created 0700 and its files 0600 whatever the
//!   umask; files are replaced atomically and a failed write leaves no temporary file.
//! - [`strict`]: files an agent trusts (connect file, secret) must be owned by the
//!   agent's user and writable by no one else, as ssh's `StrictModes`.
//! - [`host`]: this process's identity (host name, pid, boot, start time).

pub mod host;
pub mod lock;
pub mod private;
pub mod strict;
mod time;

pub use lock::{inspect, Holder, Liveness, LockError, RunDirLock, LOCK_FILE};
pub use private::{create_dir, create_dir_new, write_atomic};
pub use strict::{open_trusted, TrustError};
pub use time::utc;
