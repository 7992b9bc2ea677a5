//! This process's identity as a lock holder, and whether a recorded holder still runs.
//!
//! The host name comes from `uname`, unless `TIDEPOOL_HOSTNAME` is set: that variable
//! is for tests only (it makes one machine pose as another host, e.g. a login node
//! looking at a run whose coordinator runs on a compute node).

use std::path::Path;

/// Overrides the host name the run-directory lock records and compares (tests only).
pub const HOSTNAME_ENV: &str = "TIDEPOOL_HOSTNAME";

/// The host name used for the lock.
pub fn hostname() -> String {
    if let Some(name) = std::env::var(HOSTNAME_ENV).ok().filter(|n| !n.is_empty()) {
        return name;
    }
    nix::unistd::gethostname()
        .ok()
        .and_then(|n| n.into_string().ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// This boot of the kernel (`/proc/sys/kernel/random/boot_id`), when known.
pub fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_string())
}

/// When process `pid` started, in clock ticks since boot (field 22 of
/// `/proc/PID/stat`): with the pid it names one process, even after pid reuse.
pub fn process_start(pid: u32) -> Option<u64> {
    let stat =
        std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the process recorded as (`pid`, `start`) still runs on this host.
pub fn process_alive(pid: u32, start: Option<u64>) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    // Signal 0 checks existence only; EPERM means it exists under another user.
    let probe = nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None);
    if probe == Err(nix::errno::Errno::ESRCH) {
        return false;
    }
    match (start, process_start(pid)) {
        (Some(recorded), Some(now)) => recorded == now,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_an_exited_one_is_not() {
        let me = std::process::id();
        assert!(process_alive(me, process_start(me)));
        assert!(
            !process_alive(me, process_start(me).map(|s| s + 1)),
            "pid reused"
        );
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_alive(pid, None));
    }
}
