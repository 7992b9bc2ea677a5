//! The metadata operations a whole `tidepool run` costs the shared filesystem, counted
//! by the real profiler around the real binary: the recommended flow (a prepacked
//! archive in `[stage] archives`, `[stage] dirs` inputs, persistent python slots, the
//! run directory on the shared directory), as bench/storm's C does it at 50 slots.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;
use util::{require, tidepool};

/// A venv without pip from the test venv's base interpreter (a real one, not a shim),
/// holding the model module: small enough to pack in seconds.
fn small_venv(shared: &Path) -> Option<PathBuf> {
    let base = tidepool_testkit::test_venv()?.join("bin/python");
    let out = Command::new(base)
        .args(["-c", "import sys; print(sys._base_executable)"])
        .output()
        .ok()?;
    let python = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let venv = shared.join("venv");
    let made = Command::new(&python)
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success());
    if !require(made, "a base Python that can make a venv") {
        return None;
    }
    let site = std::fs::read_dir(venv.join("lib"))
        .ok()?
        .flatten()
        .next()?
        .path()
        .join("site-packages");
    std::fs::write(
        site.join("storm_model.py"),
        "def evaluate(p):\n    return (p['k'] - 0.2) ** 2 + (p['smax'] - 100.0) ** 2 / 1e4\n",
    )
    .unwrap();
    Some(venv)
}

fn config(shared: &Path, slots: usize) -> PathBuf {
    let text = format!(
        "[run]\nname = \"c\"\ndir = \"runs/c\"\nbudget = {budget}\nseed = 1\n\
         [launch]\nagents = 1\n\
         [slots]\nper_node = {slots}\nstart_concurrency = 8\n\
         [model]\nkind = \"python\"\nfunction = \"storm_model:evaluate\"\npython = {python:?}\n\
         [stage]\narchives = [\"env.tpk\"]\ndirs = [\"inputs\"]\n\
         [optimizer]\nalgorithm = \"async-dds\"\nr = 0.2\n\
         [[parameters]]\nname = \"k\"\nlower = 0.01\nupper = 0.5\n\
         [[parameters]]\nname = \"smax\"\nlower = 10.0\nupper = 500.0\n",
        budget = slots * 4,
        python = shared.join("venv/bin/python").display().to_string(),
    );
    let path = shared.join("c.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Whether this process may trace its children (ptrace: not in every container).
fn ptrace_permitted() -> bool {
    let out = tidepool(&["profile", "--", "true"]);
    require(out.status.success(), "ptrace (tidepool profile)")
}

/// What `tidepool run` with the C flow at `slots` slots cost `shared`: all its
/// operations, those on status.json (rewritten on a clock), and the run's seconds.
struct RunOps {
    total: u64,
    status: u64,
    seconds: f64,
}

fn run_ops(shared: &Path, slots: usize) -> RunOps {
    let cfg = config(shared, slots);
    let _ = std::fs::remove_dir_all(shared.join("runs"));
    let json = shared.parent().unwrap().join(format!("run-{slots}.json"));
    let scratch = shared.parent().unwrap().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let out = Command::new(util::bin())
        .current_dir(shared)
        .env("TMPDIR", &scratch)
        .args(["profile", "--shared"])
        .arg(shared)
        .arg("--json")
        .arg(&json)
        .arg("--")
        .arg(util::bin())
        .arg("run")
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let key = shared.display().to_string();
    let status = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let path = f["path"].as_str().unwrap();
            path.starts_with(&key) && path.contains("status.json")
        })
        .map(|f| f["ops"].as_u64().unwrap())
        .sum();
    RunOps {
        total: report["shared"][key.as_str()]["total"].as_u64().unwrap(),
        status,
        seconds: report["duration_s"].as_f64().unwrap(),
    }
}

/// What the run needs on the shared directory besides status.json, counted from a
/// trace (bench/RESULTS.md, storm): the config read twice and the archive and the
/// inputs checked (8 with the directory's own lookups); the run directory and its
/// lock (8); the journal created (2) and opened by SQLite as writer (~20: it `lstat`s
/// every component of the path, probes `-journal` and `-wal`, creates `-wal` and
/// `-shm`) and once as reader (11), and closed (6); the inputs walked once for their
/// id and packed into `RUNDIR/stage` (~16); the two archives' plan read once and
/// opened by the stream and the re-run (~8); `secret` and `connect.json` written and
/// read by the agent (6); the best files, the re-run's output and the report (~20).
/// About 105; this flow measured 107 (165 before one reader served the whole run,
/// the inputs were walked once and the run directory was created and checked once).
const RUN_OPS_BOUND: u64 = 110;

/// Regression: a `tidepool run` in the recommended flow cost 165 operations on the
/// shared filesystem (159 besides status.json), about a third of them avoidable
/// (bench/storm's C was 170 at 50 slots). status.json costs 2 (a temporary file and
/// its rename) per write: at the start, when all slots are ready, every 5 s, at the
/// end; that part depends on the run's duration and is bounded by it.
#[test]
fn a_prepacked_run_costs_the_shared_dir_few_operations() {
    if !ptrace_permitted() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    std::fs::create_dir_all(shared.join("inputs")).unwrap();
    std::fs::write(shared.join("inputs/forcing.csv"), "day,p\n0,1.0\n").unwrap();
    let Some(venv) = small_venv(&shared) else {
        return;
    };
    let packed = tidepool(&[
        "pack",
        "--python",
        venv.to_str().unwrap(),
        "-o",
        shared.join("env.tpk").to_str().unwrap(),
    ]);
    assert!(packed.status.success(), "{packed:?}");
    let ops = run_ops(&shared, 4);
    let rest = ops.total - ops.status;
    assert!(
        rest <= RUN_OPS_BOUND,
        "a prepacked run cost {rest} metadata operations on the shared dir besides \
         status.json (bound {RUN_OPS_BOUND}; {} in all)",
        ops.total
    );
    let writes = 4 + (ops.seconds / 5.0).ceil() as u64;
    assert!(
        ops.status <= 2 * writes,
        "status.json cost {} operations in {:.1} s (at most {writes} writes of 2)",
        ops.status,
        ops.seconds
    );
}
