//! Process groups. Every stage and every interpreter runs as the leader of its own
//! process group, so a timeout or a cancel reaches everything it started, and nothing it
//! started outlives it.

use crate::sentinel::Sentinel;
use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::process::ExitStatus;
use std::time::Duration;
use tokio::process::{Child, Command};

/// Makes `cmd` start as the leader of a new process group.
pub(crate) fn own_group(cmd: &mut Command) -> &mut Command {
    cmd.process_group(0)
}

/// A started process group. Dropping it sends SIGKILL to the whole group, so a worker
/// dropped mid-trial (e.g. by a start timeout) leaves no process behind; while it
/// lives, the [`Sentinel`] kills it if the agent dies.
#[derive(Debug)]
pub(crate) struct Group {
    pgid: Option<Pid>,
    sentinel: Sentinel,
}

impl Group {
    /// The group led by `child` (started with [`own_group`]), announced to `sentinel`.
    pub(crate) fn of(child: &Child, sentinel: &Sentinel) -> Self {
        let pgid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw);
        if let Some(pgid) = pgid {
            sentinel.announce(pgid.as_raw());
        }
        Group {
            pgid,
            sentinel: sentinel.clone(),
        }
    }

    /// Sends `signal` to every process in the group; a group already gone is fine.
    pub(crate) fn signal(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            match killpg(pgid, signal) {
                Ok(()) | Err(Errno::ESRCH) => {}
                Err(err) => tracing::warn!(pgid = pgid.as_raw(), %err, "killpg failed"),
            }
        }
    }

    /// Kills whatever is left of the group (background processes of a finished stage).
    pub(crate) fn sweep(mut self) {
        self.kill_and_forget();
    }

    fn kill_and_forget(&mut self) {
        self.signal(Signal::SIGKILL);
        if let Some(pgid) = self.pgid.take() {
            self.sentinel.withdraw(pgid.as_raw());
        }
    }

    /// SIGTERM to the group, SIGKILL after `grace` if the leader has not exited, then a
    /// final SIGKILL for any member that ignored SIGTERM. Returns the leader's status.
    pub(crate) async fn terminate(
        self,
        child: &mut Child,
        grace: Duration,
    ) -> std::io::Result<ExitStatus> {
        self.signal(Signal::SIGTERM);
        let status = match tokio::time::timeout(grace, child.wait()).await {
            Ok(status) => status,
            Err(_elapsed) => {
                self.signal(Signal::SIGKILL);
                child.wait().await
            }
        };
        self.sweep();
        status
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill_and_forget();
    }
}

/// Says how a process ended: `exited with code 3` or `killed by signal SIGSEGV`.
pub(crate) fn describe_status(status: &ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        return format!("exited with code {code}");
    }
    match status.signal() {
        Some(sig) => match Signal::try_from(sig) {
            Ok(name) => format!("killed by signal {}", name.as_str()),
            Err(_) => format!("killed by signal {sig}"),
        },
        None => format!("ended with status {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(pid: i32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => !stat.contains(") Z ") && !stat.contains(") X "),
            Err(_) => false,
        }
    }

    async fn wait_gone(pid: i32) -> bool {
        for _ in 0..200 {
            if !alive(pid) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    #[tokio::test]
    async fn terminate_reaches_background_members() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("bg.pid");
        let script = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(script);
        let mut child = own_group(&mut cmd).spawn().unwrap();
        let group = Group::of(&child, &Sentinel::none());
        while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let bg: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(alive(bg));
        let status = group
            .terminate(&mut child, Duration::from_secs(2))
            .await
            .unwrap();
        assert!(!status.success());
        assert!(wait_gone(bg).await, "background sleep {bg} survived");
    }

    #[tokio::test]
    async fn sigkill_after_grace_when_sigterm_is_ignored() {
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg("trap '' TERM; echo up; sleep 30");
        cmd.stdout(std::process::Stdio::piped());
        let mut child = own_group(&mut cmd).spawn().unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut buf = [0u8; 3];
        tokio::io::AsyncReadExt::read_exact(&mut out, &mut buf)
            .await
            .unwrap();
        let group = Group::of(&child, &Sentinel::none());
        let status = group
            .terminate(&mut child, Duration::from_millis(100))
            .await
            .unwrap();
        assert_eq!(describe_status(&status), "killed by signal SIGKILL");
    }

    #[test]
    fn describes_exit_codes() {
        let status = std::process::Command::new("/bin/sh")
            .args(["-c", "exit 3"])
            .status()
            .unwrap();
        assert_eq!(describe_status(&status), "exited with code 3");
    }
}
