//! `tidepool-mdsim`: a metadata-server simulator for benchmarks (not part of `tidepool`).
//!
//! It mirrors a directory through FUSE and serves every metadata operation through one
//! queue of bounded capacity (`--capacity` ops/s, default 20,000, about one Lustre
//! metadata server under a mixed load) with a base latency, so a storm of lookups shows
//! up as time, for the storm's own processes and for everyone else on the mount. It
//! counts what it serves into a JSON stats file (every 100 ms, on SIGUSR1, at exit;
//! SIGUSR2 restarts the peak backlog, for a bench's phases).
//! It can be mounted over the directory it mirrors. SIGINT, SIGTERM and SIGHUP unmount
//! and exit 0; so does an external `umount`.
//!
//! Layout: `queue` (the pure server model), `fs` (the passthrough, with `attr` and the
//! inode table `inodes`), `delay` (answers sent when due), `stats` (the JSON file).

mod attr;
mod delay;
mod fs;
mod inodes;
mod queue;
mod stats;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Parser;
use nix::sys::signal::{SigSet, Signal};

/// Mirror SOURCE at MOUNTPOINT, serving metadata through one bounded queue.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The directory to mirror.
    source: PathBuf,
    /// Where to mount it (may be SOURCE itself).
    mountpoint: PathBuf,
    /// Metadata operations served per second.
    #[arg(long, default_value_t = 20_000)]
    capacity: u64,
    /// Base latency added to every metadata answer, in microseconds.
    #[arg(long, default_value_t = 100)]
    latency_us: u64,
    /// How long the kernel may cache positive lookups and attributes, in milliseconds
    /// (failed lookups are never cached).
    #[arg(long, default_value_t = 1000)]
    ttl_ms: u64,
    /// Write the stats JSON here (every 100 ms, on SIGUSR1 and at exit).
    #[arg(long)]
    stats: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.capacity == 0 {
        bail!("--capacity must be at least 1 operation per second");
    }
    // Signals are taken synchronously by the main thread: block them before any thread.
    let mut signals = SigSet::empty();
    for s in [
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
    ] {
        signals.add(s);
    }
    signals.thread_block().context("block signals")?;

    let source = std::fs::File::open(&args.source)
        .with_context(|| format!("open the directory to mirror {}", args.source.display()))?;
    use std::os::fd::AsRawFd;
    let root = PathBuf::from(format!("/proc/self/fd/{}", source.as_raw_fd()));
    let books = stats::Books::new(queue::Shape {
        capacity_per_sec: args.capacity,
        latency_ns: args.latency_us * 1000,
    });
    let mirror = fs::Mirror::new(
        root,
        Duration::from_millis(args.ttl_ms),
        books.clone(),
        delay::Delayer::start(),
    );
    let options = [
        fuser::MountOption::FSName("tidepool-mdsim".into()),
        fuser::MountOption::AllowOther,
        fuser::MountOption::DefaultPermissions,
    ];
    let mountpoint = std::fs::canonicalize(&args.mountpoint)
        .with_context(|| format!("mount point {}", args.mountpoint.display()))?;
    let session = fuser::spawn_mount2(mirror, &mountpoint, &options).with_context(|| {
        format!(
            "mount {} (needs /dev/fuse and root, or fusermount3)",
            args.mountpoint.display()
        )
    })?;
    eprintln!(
        "tidepool-mdsim: {} mirrored at {}",
        args.source.display(),
        args.mountpoint.display()
    );
    let stopped = serve(&session, &books, args.stats.as_deref(), &signals);
    if stopped {
        unmount(&mountpoint).with_context(|| format!("unmount {}", mountpoint.display()))?;
    }
    // Unmounted above (or externally): fuser's own unmount on drop would unmount by
    // path, i.e. whatever lies below once this mount is gone.
    std::mem::forget(session);
    if let Some(path) = &args.stats {
        stats::write(&books, path).with_context(|| format!("write stats {}", path.display()))?;
    }
    drop(source);
    Ok(())
}

/// Unmounts `at`; when it is busy (a process still has its working directory or a file
/// there), detaches it lazily, so the mount never outlives the simulator.
fn unmount(at: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(at.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: a valid NUL-terminated path.
    if unsafe { libc::umount(path.as_ptr()) } == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() != Some(libc::EBUSY) {
        return Err(err);
    }
    // SAFETY: as above.
    if unsafe { libc::umount2(path.as_ptr(), libc::MNT_DETACH) } == 0 {
        eprintln!("tidepool-mdsim: {} was busy: detached lazily", at.display());
        return Ok(());
    }
    Err(std::io::Error::last_os_error())
}

/// Writes stats every 100 ms until a stop signal (true) or an external unmount (false).
fn serve(
    session: &fuser::BackgroundSession,
    books: &stats::SharedBooks,
    stats: Option<&std::path::Path>,
    signals: &SigSet,
) -> bool {
    let write = || {
        if let Some(path) = stats {
            if let Err(e) = stats::write(books, path) {
                eprintln!("tidepool-mdsim: cannot write stats {}: {e}", path.display());
            }
        }
    };
    loop {
        match wait_signal(signals, Duration::from_millis(100)) {
            Some(libc::SIGUSR1) | None => write(),
            Some(libc::SIGUSR2) => {
                books.lock().expect("books").reset_peak();
                write()
            }
            Some(_) => return true,
        }
        if session.guard.is_finished() {
            return false;
        }
    }
}

fn wait_signal(signals: &SigSet, timeout: Duration) -> Option<i32> {
    let ts = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    let set: &libc::sigset_t = signals.as_ref();
    // SAFETY: a valid signal set and timespec; no siginfo wanted.
    let rc = unsafe { libc::sigtimedwait(set, std::ptr::null_mut(), &ts) };
    (rc > 0).then_some(rc)
}
