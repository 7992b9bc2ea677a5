//! The run directory (issue 12, items 1, 1b, 10): one coordinator at a time through
//! the lock file, `status` telling a live run from a dead one, commands on another host
//! (faked with `TIDEPOOL_HOSTNAME`) never opening a live run's journal, and private
//! modes whatever the umask. Real processes throughout.

mod pool_util;
mod util;

use pool_util::{children, show, signal, wait_gone, wait_with_deadline, SIGKILL};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tidepool_journal::JournalReader;

/// An async-dds calibration of the Rosenbrock function on two slots, each trial
/// sleeping 50 ms (as in the issue's reproduction).
fn calibration(budget: u64) -> String {
    format!(
        r#"[run]
name = "rosen"
dir = "run"
budget = {budget}
seed = 5
[launch]
mode = "local"
agents = 1
[slots]
per_node = 2
heartbeat = "500ms"
[model]
kind = "command"
stages = [[
  "sh", "-c",
  'sleep 0.05; awk -v x="$0" -v y="$1" "BEGIN {{ printf \"%.17g\\n\", (1-x)^2 + 100*(y-x*x)^2 }}"',
  "{{x}}", "{{y}}",
]]
[optimizer]
algorithm = "async-dds"
[[parameters]]
name = "x"
lower = -2.0
upper = 2.0
[[parameters]]
name = "y"
lower = -1.0
upper = 3.0
"#
    )
}

fn have_tools() -> bool {
    util::require(
        util::which("awk").is_some() && util::which("sleep").is_some(),
        "awk and sleep on PATH",
    )
}

struct Calib {
    tmp: tempfile::TempDir,
}

impl Calib {
    fn new(budget: u64) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("calib.toml"), calibration(budget)).unwrap();
        Calib { tmp }
    }

    fn config(&self) -> PathBuf {
        self.tmp.path().join("calib.toml")
    }

    fn run_dir(&self) -> PathBuf {
        self.tmp.path().join("run")
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tidepool"));
        cmd.arg("run")
            .arg(self.config())
            .env("TMPDIR", self.tmp.path())
            .env_remove("TIDEPOOL_HOSTNAME")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn spawn(&self) -> Child {
        self.command().spawn().unwrap()
    }

    /// `tidepool ARGS` on this run directory, as if typed on host `host` (None: here).
    fn tool(&self, args: &[&str], host: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tidepool"));
        cmd.args(args).arg(self.run_dir());
        match host {
            Some(h) => cmd.env("TIDEPOOL_HOSTNAME", h),
            None => cmd.env_remove("TIDEPOOL_HOSTNAME"),
        };
        cmd.output().unwrap()
    }

    fn status_json(&self, host: Option<&str>) -> Option<serde_json::Value> {
        let out = self.tool(&["status", "--json"], host);
        serde_json::from_slice(&out.stdout).ok()
    }

    /// Wait until the run is running with some trials done.
    fn wait_running(&self) -> serde_json::Value {
        let start = Instant::now();
        loop {
            if let Some(s) = self.status_json(None) {
                if s["state"] == "running" && s["trials_done"].as_u64().unwrap_or(0) > 2 {
                    return s;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the run never ran"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn text(&self, out: &Output) -> String {
        let text = String::from_utf8_lossy(&out.stderr).to_string()
            + &String::from_utf8_lossy(&out.stdout);
        text.replace(&self.tmp.path().display().to_string(), "[TMP]")
            .replace(&hostname(), "[HOST]")
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string()
}

/// Every trial observed exactly once; how many.
fn observed_once(run_dir: &Path) -> usize {
    let reader = JournalReader::open(run_dir).unwrap();
    let mut ids: Vec<u64> = reader
        .observations()
        .unwrap()
        .iter()
        .map(|o| o.trial_id)
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "a trial was observed twice");
    n
}

/// Filters for what changes from run to run: pids, times, ages.
macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"pid \d+", "pid [PID]"),
            (r"kill -INT \d+", "kill -INT [PID]"),
            (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "[TIME]"),
            (r"\d+ s ago", "[N] s ago"),
            (r"\([0-9a-f]{16}\)", "([RUN_ID])"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

#[test]
fn a_second_run_on_the_same_directory_is_refused() {
    if !have_tools() {
        return;
    }
    // Long enough (~15 s of trials) that status.json, rewritten every 5 s, shows the
    // first run running with trials done before it ends.
    let budget = 400;
    let calib = Calib::new(budget);
    let first = calib.spawn();
    calib.wait_running();
    let second = wait_with_deadline(calib.spawn(), Duration::from_secs(30));
    assert_eq!(second.status.code(), Some(1), "{}", show(&second));
    assert!(
        calib.text(&second).contains("in use by another"),
        "{}",
        show(&second)
    );
    snapshot!("second_run_refused", calib.text(&second));
    let out = wait_with_deadline(first, Duration::from_secs(120));
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(observed_once(&calib.run_dir()), budget as usize);
    let reader = JournalReader::open(&calib.run_dir()).unwrap();
    let counts = reader.counts().unwrap();
    assert_eq!(counts.proposed, budget, "the second run proposed nothing");
    assert!(
        !calib.run_dir().join("lock").exists(),
        "the lock is released at the end"
    );
}

#[test]
fn status_after_a_sigkilled_coordinator_says_it_is_not_running() {
    if !have_tools() {
        return;
    }
    let calib = Calib::new(100_000);
    let coordinator = calib.spawn();
    calib.wait_running();
    let agents = children(coordinator.id());
    signal(coordinator.id(), SIGKILL);
    let _ = wait_with_deadline(coordinator, Duration::from_secs(10));
    assert!(wait_gone(&agents, Duration::from_secs(15)));
    let status = calib.status_json(None).unwrap();
    assert_eq!(status["live"], false, "{status}");
    assert_ne!(status["state"], "running", "{status}");
    assert!(status["eta_s"].is_null(), "{status}");
    let out = calib.tool(&["status"], None);
    assert!(out.status.success(), "{}", show(&out));
    let text = calib.text(&out);
    let line = text.lines().next().unwrap_or_default().to_string();
    let note: Vec<&str> = text.lines().filter(|l| l.starts_with("note:")).collect();
    snapshot!(
        "status_after_sigkill",
        format!("{line}\n{}", note.join("\n"))
    );
    assert!(!text.contains("ETA"), "{text}");
}

#[test]
fn a_stale_lock_is_taken_over_after_saying_so() {
    if !have_tools() {
        return;
    }
    let calib = Calib::new(8);
    std::fs::create_dir_all(calib.run_dir()).unwrap();
    // A lock left by a coordinator on this host whose process is gone.
    let mut gone = Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    let lock = format!(
        r#"{{"host":"{}","pid":{dead_pid},"started_unix":1700000000.0,"token":"old"}}"#,
        hostname()
    );
    std::fs::write(calib.run_dir().join("lock"), lock).unwrap();
    let out = wait_with_deadline(calib.spawn(), Duration::from_secs(120));
    assert!(out.status.success(), "{}", show(&out));
    let text = calib.text(&out).replace(&dead_pid.to_string(), "[DEAD]");
    let said: Vec<&str> = text.lines().filter(|l| l.contains("stale")).collect();
    snapshot!("stale_lock_taken_over", said.join("\n"));
    assert_eq!(observed_once(&calib.run_dir()), 8);
}

#[test]
fn a_lock_from_another_host_is_taken_over_only_when_its_heartbeat_is_old() {
    if !have_tools() {
        return;
    }
    let calib = Calib::new(4);
    std::fs::create_dir_all(calib.run_dir()).unwrap();
    let lock_path = calib.run_dir().join("lock");
    let lock = r#"{"host":"node-elsewhere","pid":4242,"started_unix":1700000000.0,"token":"old"}"#;
    std::fs::write(&lock_path, lock).unwrap();
    let refused = wait_with_deadline(calib.spawn(), Duration::from_secs(30));
    assert_eq!(refused.status.code(), Some(1), "{}", show(&refused));
    snapshot!("lock_held_elsewhere", calib.text(&refused));
    let touch = Command::new("touch")
        .args(["-d", "1 hour ago"])
        .arg(&lock_path)
        .status()
        .unwrap();
    assert!(touch.success());
    let out = wait_with_deadline(calib.spawn(), Duration::from_secs(120));
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        calib.text(&out).contains("taking over the stale lock"),
        "{}",
        show(&out)
    );
}

#[test]
fn another_host_reads_status_json_and_never_the_live_journal() {
    if !have_tools() {
        return;
    }
    let calib = Calib::new(100_000);
    let coordinator = calib.spawn();
    calib.wait_running();
    // status.json carries the best values; the journal is left alone.
    std::thread::sleep(Duration::from_millis(1500));
    let status = calib.status_json(Some("login1")).unwrap();
    assert_eq!(status["live"], true, "{status}");
    assert!(status["journal"].is_null(), "{status}");
    assert!(status["best_objective"].is_f64(), "{status}");
    assert!(status["best_parameters"]["x"].is_f64(), "{status}");
    let here = calib.status_json(None).unwrap();
    assert!(here["journal"]["observed"].is_u64(), "{here}");
    let human = calib.tool(&["status"], Some("login1"));
    let text = calib.text(&human);
    let note: Vec<&str> = text.lines().filter(|l| l.contains("journal")).collect();
    snapshot!("status_from_another_host", note.join("\n"));
    let export = calib.tool(&["export", "--csv"], Some("login1"));
    assert_eq!(export.status.code(), Some(1), "{}", show(&export));
    snapshot!("export_from_another_host", calib.text(&export));
    signal(coordinator.id(), pool_util::SIGINT);
    let out = wait_with_deadline(coordinator, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    // Not live any more: another host opens the journal normally.
    let status = calib.status_json(Some("login1")).unwrap();
    assert_eq!(status["live"], false, "{status}");
    assert!(status["journal"]["observed"].is_u64(), "{status}");
    let export = calib.tool(&["export", "--csv"], Some("login1"));
    assert!(export.status.success(), "{}", show(&export));
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

#[test]
fn the_run_directory_and_its_files_are_private_whatever_the_umask() {
    if !have_tools() {
        return;
    }
    let calib = Calib::new(100_000);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("umask 000; exec \"$0\" run \"$1\"")
        .arg(env!("CARGO_BIN_EXE_tidepool"))
        .arg(calib.config())
        .env("TMPDIR", calib.tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let coordinator = cmd.spawn().unwrap();
    calib.wait_running();
    let dir = calib.run_dir();
    let mut modes = vec![(dir.clone(), mode(&dir))];
    for name in [
        "secret",
        "connect.json",
        "status.json",
        "journal.sqlite",
        "lock",
    ] {
        modes.push((dir.join(name), mode(&dir.join(name))));
    }
    let agents = children(coordinator.id());
    signal(coordinator.id(), SIGKILL);
    let _ = wait_with_deadline(coordinator, Duration::from_secs(10));
    assert!(wait_gone(&agents, Duration::from_secs(15)));
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_file() {
            modes.push((path.clone(), mode(&path)));
        }
    }
    let loose: Vec<String> = modes
        .iter()
        .filter(|(p, m)| *m != if p == &dir { 0o700 } else { 0o600 })
        .map(|(p, m)| format!("{} {m:o}", p.display()))
        .collect();
    assert!(loose.is_empty(), "not private: {loose:?}");
}

/// A connect.json and secret as a coordinator writes them, in `dir`.
fn connect_files(dir: &Path) -> (PathBuf, PathBuf) {
    let connect = dir.join("connect.json");
    let secret = dir.join("secret");
    std::fs::write(
        &connect,
        r#"{"address":"127.0.0.1:9","run_id":"abc","secret_file":"secret"}"#,
    )
    .unwrap();
    std::fs::write(&secret, "ab".repeat(32)).unwrap();
    for p in [&connect, &secret] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    (connect, secret)
}

fn agent(args: &[&str], dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tidepool"))
        .arg("agent")
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "[TMP]");
    assert!(text.contains("refusing"), "{text}");
    format!("exit code: {:?}\n{text}", out.status.code())
}

#[test]
fn the_agent_refuses_a_group_writable_connect_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (connect, _) = connect_files(tmp.path());
    std::fs::set_permissions(&connect, std::fs::Permissions::from_mode(0o664)).unwrap();
    let text = agent(&["--connect", connect.to_str().unwrap()], tmp.path());
    insta::assert_snapshot!("agent_group_writable_connect", text);
}

#[test]
fn the_agent_refuses_a_secret_owned_by_another_user() {
    let tmp = tempfile::tempdir().unwrap();
    let (connect, secret) = connect_files(tmp.path());
    let me = std::fs::metadata(&secret).unwrap().uid();
    if !util::require(me == 0, "root (to give a file to another user)") {
        return;
    }
    std::os::unix::fs::chown(&secret, Some(4321), Some(4321)).unwrap();
    let text = agent(&["--connect", connect.to_str().unwrap()], tmp.path());
    insta::assert_snapshot!("agent_foreign_secret", text);
    let text = agent(
        &[
            "--address",
            "127.0.0.1:9",
            "--secret-file",
            secret.to_str().unwrap(),
        ],
        tmp.path(),
    );
    insta::assert_snapshot!("agent_foreign_secret_file", text);
}

#[test]
fn the_agent_refuses_a_world_writable_secret_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, secret) = connect_files(tmp.path());
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o602)).unwrap();
    let text = agent(
        &[
            "--address",
            "127.0.0.1:9",
            "--secret-file",
            secret.to_str().unwrap(),
        ],
        tmp.path(),
    );
    insta::assert_snapshot!("agent_world_writable_secret", text);
}
