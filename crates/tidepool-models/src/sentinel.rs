//! The sentinel: a tiny watcher process that kills a worker's process groups when the
//! process that started them dies, however it dies (SIGKILL included).
//!
//! Every process a worker starts leads its own process group (see `group`), so that a
//! timeout reaches everything a model started; the price is that nothing ties those
//! groups to the agent: killed with SIGKILL, the agent leaves them running under PID 1.
//! `PR_SET_PDEATHSIG` does not close the gap: it fires when the *thread* that forked
//! exits (tokio's blocking threads come and go), and it reaches only the leader, not
//! what the leader started.
//!
//! So the agent starts one sentinel (`/bin/sh`, in its own process group, ignoring
//! terminal signals) and keeps the write end of a pipe to its stdin. Each group is
//! announced (`+ PGID`) when it starts and withdrawn (`- PGID`) once it is swept. The
//! kernel closes the pipe when the agent exits for any reason; the sentinel then sends
//! SIGKILL to every group still announced, and exits.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// The sentinel's program: keep the set of announced groups; kill them at end of input.
const SCRIPT: &str = r#"trap '' INT TERM HUP QUIT
groups=' '
while read -r op pg; do
  case $op in
    +) groups="$groups$pg " ;;
    -) case $groups in *" $pg "*) groups="${groups%% $pg *} ${groups#* $pg }" ;; esac ;;
  esac
done
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
"#;

/// A handle on the sentinel (cheap to clone); [`Sentinel::none`] watches nothing.
#[derive(Debug, Clone, Default)]
pub struct Sentinel {
    pipe: Option<Arc<Mutex<std::process::ChildStdin>>>,
}

impl Sentinel {
    /// No sentinel: groups die with their worker, not with a killed process.
    pub fn none() -> Self {
        Self::default()
    }

    /// Start the sentinel for this process.
    pub fn spawn() -> std::io::Result<Self> {
        use std::os::unix::process::CommandExt;
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(SCRIPT)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?;
        let pipe = child.stdin.take().expect("stdin was piped");
        // The sentinel outlives this handle by design; it is reaped by init once this
        // process exits, or when it exits first (end of input) as a short-lived zombie.
        drop(child);
        Ok(Self {
            pipe: Some(Arc::new(Mutex::new(pipe))),
        })
    }

    /// True when a sentinel process is watching.
    pub fn is_watching(&self) -> bool {
        self.pipe.is_some()
    }

    pub(crate) fn announce(&self, pgid: i32) {
        self.send(&format!("+ {pgid}\n"));
    }

    pub(crate) fn withdraw(&self, pgid: i32) {
        self.send(&format!("- {pgid}\n"));
    }

    fn send(&self, line: &str) {
        let Some(pipe) = &self.pipe else { return };
        let mut pipe = pipe.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(err) = pipe.write_all(line.as_bytes()) {
            tracing::warn!(%err, "the process-group sentinel is gone; model processes may outlive a killed agent");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn alive(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            !s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
    }

    fn group_leader(script: &str) -> std::process::Child {
        use std::os::unix::process::CommandExt;
        Command::new("/bin/sh")
            .args(["-c", script])
            .process_group(0)
            .spawn()
            .unwrap()
    }

    #[test]
    fn groups_still_announced_die_when_the_pipe_closes() {
        let sentinel = Sentinel::spawn().unwrap();
        let mut kept = group_leader("sleep 60");
        let mut withdrawn = group_leader("sleep 60");
        let (kept_pid, withdrawn_pid) = (kept.id() as i32, withdrawn.id() as i32);
        sentinel.announce(kept_pid);
        sentinel.announce(withdrawn_pid);
        sentinel.withdraw(withdrawn_pid);
        drop(sentinel);
        let _ = kept.wait();
        assert!(!alive(kept_pid));
        std::thread::sleep(Duration::from_millis(200));
        assert!(alive(withdrawn_pid), "a withdrawn group is left alone");
        let _ = withdrawn.kill();
        let _ = withdrawn.wait();
    }
}
