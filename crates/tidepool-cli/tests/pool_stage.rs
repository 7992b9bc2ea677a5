//! `[stage]` in `tidepool run`: the coordinator streams a packed venv to real local
//! agents, each node extracts it once before its slots start, and Python slots run
//! from the staged copy, touching (almost) nothing under the original venv.

mod util;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A run directory with a packed test venv and a Python module that records where
/// it runs from.
struct StagedRun {
    tmp: tempfile::TempDir,
    venv: PathBuf,
}

impl StagedRun {
    fn new(venv: PathBuf) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let pack = Command::new(util::bin())
            .args(["pack", "--python"])
            .arg(&venv)
            .arg("-o")
            .arg(tmp.path().join("env.tpk"))
            .output()
            .unwrap();
        assert!(
            pack.status.success(),
            "{}",
            String::from_utf8_lossy(&pack.stderr)
        );
        let probes = tmp.path().join("probes");
        std::fs::create_dir_all(&probes).unwrap();
        std::fs::create_dir_all(tmp.path().join("model")).unwrap();
        std::fs::write(
            tmp.path().join("model/probe.py"),
            format!(
                "import os, sys, time\nimport pandas\n\
                 with open(os.path.join({probes:?}, str(os.getpid())), 'w') as f:\n    \
                 f.write(sys.prefix + '\\n' + pandas.__file__ + '\\n')\n\
                 def objective(params):\n    time.sleep(0.3)\n    wait_for_slots()\n    return float(params['x'])\n\
                 def wait_for_slots():\n    \
                 # With model/expect, no trial ends before that many slots started.\n    \
                 expect = os.path.join(os.path.dirname(__file__), 'expect')\n    \
                 if not os.path.exists(expect):\n        return\n    \
                 n = int(open(expect).read())\n    \
                 end = time.time() + 600\n    \
                 while len(os.listdir({probes:?})) < n and time.time() < end:\n        \
                 time.sleep(0.2)\n",
                probes = probes.display().to_string()
            ),
        )
        .unwrap();
        Self { tmp, venv }
    }

    /// The heartbeat is long (three periods of silence end an agent): these tests are
    /// about staging, and five agents extracting 280 MB each on two loaded cores have
    /// stalled the coordinator's heartbeats for over 15 s.
    fn write_config(&self, agents: usize, slots: u32, trials: usize, stage_extra: &str) {
        let mut csv = String::from("x\n");
        for i in 0..trials {
            csv.push_str(&format!("{i}\n"));
        }
        std::fs::write(self.tmp.path().join("trials.csv"), csv).unwrap();
        self.write(
            "",
            "[trials]\ncsv = \"trials.csv\"\n",
            agents,
            slots,
            stage_extra,
        );
    }

    /// A search of `budget` trials (so the run ends by re-running the best trial).
    fn write_search_config(&self, agents: usize, slots: u32, budget: usize) {
        let search = "[optimizer]\nalgorithm = \"async-dds\"\n";
        self.write(&format!("budget = {budget}\n"), search, agents, slots, "");
    }

    fn write(&self, run: &str, what: &str, agents: usize, slots: u32, stage_extra: &str) {
        let config = format!(
            "[run]\nname = \"staged\"\ndir = \"run\"\n{run}\
             [launch]\nmode = \"local\"\nagents = {agents}\n\
             [slots]\nper_node = {slots}\nheartbeat = \"20s\"\n\
             [model]\nkind = \"python\"\nfunction = \"probe:objective\"\n\
             python = {python:?}\npath = [{model:?}]\n\
             [[parameters]]\nname = \"x\"\nlower = 0\nupper = 1e9\n\
             {what}\
             [stage]\narchives = [\"env.tpk\"]\n{stage_extra}",
            python = self.venv.join("bin/python").display().to_string(),
            model = self.tmp.path().join("model").display().to_string(),
        );
        std::fs::write(self.config(), config).unwrap();
    }

    fn config(&self) -> PathBuf {
        self.tmp.path().join("run.toml")
    }

    fn scratch(&self) -> PathBuf {
        self.tmp.path().join("scratch")
    }

    /// `tidepool run` with the agents' scratch under this directory.
    fn run_command(&self) -> Command {
        std::fs::create_dir_all(self.scratch()).unwrap();
        let mut cmd = Command::new(util::bin());
        cmd.arg("run")
            .arg(self.config())
            .arg("--json")
            .env("TMPDIR", self.scratch());
        cmd
    }

    /// Each slot's `sys.prefix` and `pandas.__file__`.
    fn probes(&self) -> Vec<(PathBuf, PathBuf)> {
        std::fs::read_dir(self.tmp.path().join("probes"))
            .unwrap()
            .map(|e| {
                let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
                let mut lines = text.lines().map(PathBuf::from);
                (lines.next().unwrap(), lines.next().unwrap())
            })
            .collect()
    }

    /// Every slot that started ran from a staged copy under the agents' scratch,
    /// never the venv (slots that the run ended before they started leave no probe).
    fn assert_ran_staged(&self) {
        let probes = self.probes();
        assert!(!probes.is_empty(), "no slot started");
        for (prefix, pandas) in &probes {
            assert!(prefix.starts_with(self.scratch()), "{prefix:?}");
            assert!(pandas.starts_with(self.scratch()), "{pandas:?}");
            assert!(!pandas.starts_with(&self.venv), "{pandas:?}");
        }
    }
}

fn base_prefix(venv: &Path) -> PathBuf {
    let out = Command::new(venv.join("bin/python"))
        .args(["-c", "import sys; print(sys.base_prefix)"])
        .output()
        .unwrap();
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// Each test runs several agents extracting a 280 MB environment; one at a time
/// keeps them from starving each other's heartbeats on a small machine.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn staging_parts() -> Option<PathBuf> {
    let venv = util::test_venv();
    if !util::require(venv.is_some(), "the test venv (TIDEPOOL_TEST_VENV)") {
        return None;
    }
    venv
}

/// `tidepool run` under `tidepool profile --shared VENV --shared BASE`: the operations
/// under the venv and under its base installation over the whole run.
fn profiled_run(run: &StagedRun, venv: &Path) -> (u64, u64) {
    let report = run.tmp.path().join("profile.json");
    let base = base_prefix(venv);
    std::fs::create_dir_all(run.scratch()).unwrap();
    let out = Command::new(util::bin())
        .arg("profile")
        .arg("--shared")
        .arg(venv)
        .arg("--shared")
        .arg(&base)
        .arg("--json")
        .arg(&report)
        .arg("--")
        .arg(util::bin())
        .arg("run")
        .arg(run.config())
        .arg("--json")
        .env("TMPDIR", run.scratch())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let ops = |prefix: &Path| {
        report["shared"][prefix.to_str().unwrap()]["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("no count for {prefix:?} in {}", report["shared"]))
    };
    (ops(venv), ops(&base))
}

#[test]
fn slots_run_from_the_staged_venv_and_the_run_barely_touches_the_original() {
    let _serial = serial();
    let Some(venv) = staging_parts() else { return };
    if !util::require(util::which("strace").is_some(), "strace") {
        return;
    }
    let run = StagedRun::new(venv.clone());
    run.write_config(2, 3, 12, "");
    let (venv_ops, base_ops) = profiled_run(&run, &venv);
    run.assert_ran_staged();
    eprintln!("whole run: {venv_ops} operations under the venv, {base_ops} under the base");
    assert!(venv_ops <= 20, "{venv_ops} operations under the venv");
    assert!(
        base_ops <= 20,
        "{base_ops} operations under the base prefix"
    );
    let leftovers: Vec<_> = walk_stage_dirs(&run.scratch());
    assert!(
        leftovers.is_empty(),
        "staged data left behind: {leftovers:?}"
    );
}

/// A search ends by re-running its best trial on the coordinator: that re-run, too,
/// imports from a staged copy on node-local scratch (it once started the venv's own
/// interpreter: thousands of operations on the shared filesystem at every run's end),
/// and leaves no staged copy behind; its files still land in `RUNDIR/best/work`.
#[test]
fn the_best_trial_is_re_run_from_a_staged_copy_not_the_venv() {
    let _serial = serial();
    let Some(venv) = staging_parts() else { return };
    let run = StagedRun::new(venv.clone());
    run.write_search_config(1, 2, 6);
    let (venv_ops, base_ops) = profiled_run(&run, &venv);
    assert!(run.tmp.path().join("run/best/work/python.err").is_file());
    // the slots and the re-run, each from a staged copy under TMPDIR
    let probes = run.probes();
    let rerun = probes
        .iter()
        .filter(|(prefix, _)| prefix.to_string_lossy().contains("/tidepool-best-"))
        .count();
    assert_eq!(rerun, 1, "the re-run's interpreter: {probes:?}");
    run.assert_ran_staged();
    eprintln!("whole run: {venv_ops} operations under the venv, {base_ops} under the base");
    assert!(venv_ops <= 20, "{venv_ops} operations under the venv");
    assert!(base_ops <= 20, "{base_ops} operations under the base");
    let leftovers: Vec<_> = walk_stage_dirs(&run.scratch());
    assert!(
        leftovers.is_empty(),
        "staged data left behind: {leftovers:?}"
    );
}

#[test]
fn keep_leaves_one_extraction_shared_by_the_agents_of_a_node() {
    let _serial = serial();
    let Some(venv) = staging_parts() else { return };
    let run = StagedRun::new(venv);
    let stage_dir = run.tmp.path().join("node-local");
    run.write_config(
        2,
        2,
        4,
        &format!("keep = true\ndir = {:?}\n", stage_dir.display().to_string()),
    );
    let out = run.run_command().output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let staged: Vec<_> = std::fs::read_dir(&stage_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert_eq!(staged.len(), 1, "one extraction shared by both agents");
    for (prefix, _) in run.probes() {
        assert!(prefix.starts_with(&stage_dir), "{prefix:?}");
    }
}

#[test]
fn a_corrupt_archive_fails_the_run_naming_the_node() {
    let _serial = serial();
    let Some(venv) = staging_parts() else { return };
    let run = StagedRun::new(venv);
    run.write_config(1, 1, 2, "");
    let archive = run.tmp.path().join("env.tpk");
    let bytes = std::fs::read(&archive).unwrap();
    std::fs::write(&archive, &bytes[..bytes.len() / 2]).unwrap();
    let out = run.run_command().output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a truncated archive must fail the run"
    );
    let host = String::from_utf8(Command::new("hostname").output().unwrap().stdout).unwrap();
    assert!(stderr.contains(host.trim()), "names the node: {stderr}");
    assert!(
        run.probes().is_empty(),
        "no slot ran from a half-extracted tree"
    );
}

/// Staged trees (directories holding `.tidepool/`) under `dir`.
fn walk_stage_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == ".tidepool") {
                found.push(d.clone());
            } else if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            }
        }
    }
    found
}

#[test]
fn five_agents_stage_through_a_relay_tree_of_fan_out_two() {
    let _serial = serial();
    let Some(venv) = staging_parts() else { return };
    let run = StagedRun::new(venv);
    run.write_config(5, 1, 150, "fanout = 2\nkeep = true\n");
    // The run must not reach its budget before the last agent has staged (on loaded
    // cores the fifth extraction can take longer than 150 trials on four slots).
    std::fs::write(run.tmp.path().join("model/expect"), "5").unwrap();
    std::fs::create_dir_all(run.scratch()).unwrap();
    let out = Command::new(util::bin())
        .arg("run")
        .arg(run.config())
        .env("TMPDIR", run.scratch())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    let trees = walk_stage_dirs(&run.scratch());
    assert_eq!(trees.len(), 5, "each agent's node staged: {trees:?}");
    run.assert_ran_staged();
    let relayed: Vec<&str> = text.lines().filter(|l| l.contains("'s relay at")).collect();
    assert_eq!(
        relayed.len(),
        3,
        "agents 2, 3 and 4 stage from relays: {text}"
    );
    for (child, parent) in [(2, 0), (3, 0), (4, 1)] {
        let line = format!("agent {child} on");
        let from = format!("from agent {parent}'s relay");
        assert!(
            relayed
                .iter()
                .any(|l| l.contains(&line) && l.contains(&from)),
            "agent {child} relays from agent {parent}: {relayed:?}"
        );
    }
}
