//! `[launch] mode = "mpirun"` with a real Open MPI: `tidepool run` starts its agents
//! with `mpirun -n 2` (as root: `--allow-run-as-root`; two ranks on a machine with
//! fewer cores: `--oversubscribe`), both ranks connect and run trials, and the run
//! reaches its budget. Each trial notes the MPI rank of the agent that ran it
//! (`OMPI_COMM_WORLD_RANK`, which Open MPI sets for each rank and the slots inherit).
//! Skips visibly without Open MPI (apt-get install openmpi-bin); fails under CI=true.

mod pool_util;
mod util;

use pool_util::{show, wait_with_deadline};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;
use tidepool_journal::JournalReader;

const BUDGET: u64 = 30;

/// A DDS calibration of the 2-d Rosenbrock function whose trials also append their
/// agent's MPI rank to `ranks.txt` in the project directory.
fn calibration(ranks: &std::path::Path) -> String {
    format!(
        r#"[run]
name = "rosen"
dir = "run"
budget = {BUDGET}
seed = 3
[launch]
mode = "mpirun"
mpirun_command = ["mpirun", "-n", "2", "--allow-run-as-root", "--oversubscribe"]
[slots]
per_node = 1
prefetch = 0
[model]
kind = "command"
stages = [[
  "sh", "-c",
  'echo "$OMPI_COMM_WORLD_RANK" >> {ranks}; sleep 0.2; awk -v a="$0" -v b="$1" "BEGIN {{ printf \"%.17g\\n\", 100*(b-a*a)^2 + (1-a)^2 }}"',
  "{{x0}}", "{{x1}}",
]]
[optimizer]
algorithm = "async-dds"
[[parameters]]
name = "x0"
lower = -2.0
upper = 2.0
[[parameters]]
name = "x1"
lower = -2.0
upper = 2.0
"#,
        ranks = ranks.display()
    )
}

#[test]
fn mpirun_starts_two_ranks_that_run_the_calibration_to_its_budget() {
    let Some(mpirun) = util::which("mpirun") else {
        util::require(false, "mpirun (Open MPI: apt-get install openmpi-bin)");
        return;
    };
    let version = Command::new(&mpirun).arg("--version").output().unwrap();
    let open_mpi = String::from_utf8_lossy(&version.stdout).contains("Open MPI");
    if !util::require(open_mpi, "Open MPI's mpirun (apt-get install openmpi-bin)") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let ranks = tmp.path().join("ranks.txt");
    let config = tmp.path().join("calib.toml");
    std::fs::write(&config, calibration(&ranks)).unwrap();
    let child = Command::new(util::bin())
        .arg("run")
        .arg(&config)
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_with_deadline(child, Duration::from_secs(180));
    assert!(out.status.success(), "{}", show(&out));

    let reader = JournalReader::open(&tmp.path().join("run")).unwrap();
    let counts = reader.counts().unwrap();
    assert_eq!(counts.observed, BUDGET, "{}", show(&out));
    assert_eq!(counts.ok, BUDGET, "{}", show(&out));
    // A line per trial from the rank that ran it; the best trial's re-run into
    // RUNDIR/best/work runs in the coordinator, outside mpirun, and notes no rank.
    let text = std::fs::read_to_string(&ranks).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len() as u64, BUDGET, "{text}");
    let seen: BTreeSet<&str> = lines.into_iter().collect();
    assert_eq!(seen, BTreeSet::from(["0", "1"]), "{}", show(&out));
}
