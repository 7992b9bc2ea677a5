//! Shared helpers for the pool integration tests: a run directory with a config and
//! trials CSV, the real `tidepool` binary, and process inspection through /proc.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn tidepool() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tidepool"))
}

/// A temporary directory holding `run.toml` and `trials.csv` with `trials` rows.
pub struct RunDir {
    pub tmp: tempfile::TempDir,
}

impl RunDir {
    /// `extra` is appended to a noop config with one parameter `x`.
    pub fn new(trials: usize, agents: usize, extra: &str) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let mut csv = String::from("x\n");
        for i in 0..trials {
            csv.push_str(&format!("{i}\n"));
        }
        std::fs::write(tmp.path().join("trials.csv"), csv).unwrap();
        let config = format!(
            "[run]\nname = \"t\"\ndir = \"run\"\n[launch]\nmode = \"local\"\nagents = {agents}\n{extra}\n\
             [model]\nkind = \"noop\"\n[[parameters]]\nname = \"x\"\nlower = 0\nupper = 1e9\n\
             [trials]\ncsv = \"trials.csv\"\n"
        );
        std::fs::write(tmp.path().join("run.toml"), config).unwrap();
        Self { tmp }
    }

    pub fn config(&self) -> PathBuf {
        self.tmp.path().join("run.toml")
    }

    pub fn run_dir(&self) -> PathBuf {
        self.tmp.path().join("run")
    }

    pub fn run(&self) -> Command {
        let mut cmd = tidepool();
        cmd.arg("run")
            .arg(self.config())
            .env("TMPDIR", self.tmp.path());
        cmd
    }

    pub fn spawn(&self, extra_env: &[(&str, &str)]) -> Child {
        let mut cmd = self.run();
        cmd.envs(extra_env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.spawn().unwrap()
    }

    /// `tidepool status RUNDIR --json`, parsed.
    pub fn status(&self) -> Option<serde_json::Value> {
        let out = tidepool()
            .arg("status")
            .arg(self.run_dir())
            .arg("--json")
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).ok()
    }

    /// Wait until status.json satisfies `pred`.
    pub fn wait_status(
        &self,
        timeout: Duration,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let start = Instant::now();
        loop {
            if let Some(s) = self.status() {
                if pred(&s) {
                    return s;
                }
            }
            assert!(
                start.elapsed() < timeout,
                "status never matched; last: {:?}",
                self.status()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Print a finished command's output (shown when the test fails).
pub fn show(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Direct children of `pid` (from /proc/PID/task/*/children).
pub fn children(pid: u32) -> Vec<u32> {
    let mut kids = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return kids;
    };
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            kids.extend(
                text.split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
    }
    kids
}

/// True while `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

pub fn wait_gone(pids: &[u32], timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if pids.iter().all(|p| !alive(*p)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

pub fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) with a pid this test started.
    let rc = unsafe { libc_kill(pid as i32, sig) };
    assert_eq!(rc, 0, "kill({pid}, {sig}) failed");
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

pub const SIGINT: i32 = 2;
pub const SIGKILL: i32 = 9;
pub const SIGTERM: i32 = 15;

/// Wait for a child with a deadline; kill it if it overruns.
pub fn wait_with_deadline(mut child: Child, timeout: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > timeout {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("timed out after {timeout:?}:\n{}", show(&out));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}
