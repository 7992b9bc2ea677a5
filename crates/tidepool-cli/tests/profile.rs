//! `tidepool profile`: real processes traced by the real binary, cross-checked with
//! strace where it is installed.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn tidepool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidepool"))
        .args(args)
        .output()
        .expect("spawn the tidepool binary")
}

use tidepool_testkit::require;

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

fn test_venv_python() -> Option<PathBuf> {
    let dir = std::env::var_os("TIDEPOOL_TEST_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tidepool/test-venv"))
        })?;
    let python = dir.join("bin/python");
    python.exists().then_some(python)
}

/// The real interpreter (not a pyenv shim): the venv's base, or python3 on PATH.
fn real_python() -> Option<PathBuf> {
    let candidate = test_venv_python().or_else(|| which("python3"))?;
    let out = Command::new(candidate)
        .args(["-c", "import sys; print(sys._base_executable)"])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    path.is_file().then_some(path)
}

fn profile_json(dir: &Path, extra: &[&str], command: &[&str]) -> (Output, Value) {
    let json = dir.join("report.json");
    let mut args = vec!["profile", "--json", json.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("--");
    args.extend_from_slice(command);
    let out = tidepool(&args);
    let text =
        std::fs::read_to_string(&json).unwrap_or_else(|e| panic!("no JSON report ({e}): {out:?}"));
    (out, serde_json::from_str(&text).expect("valid JSON report"))
}

/// Regression: `--shared /usr/lib/x86_64-linux-gnu` counted 0 while ld.so opened its
/// libraries there through the `/lib -> usr/lib` link; a prefix given through a link
/// counted nothing reached by its real path.
#[test]
fn shared_prefixes_count_calls_through_directory_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("gpfs/home/u");
    std::fs::create_dir_all(&real).unwrap();
    std::fs::write(real.join("data.txt"), "x").unwrap();
    let link = dir.path().join("home");
    std::os::unix::fs::symlink(dir.path().join("gpfs/home"), &link).unwrap();
    let (real_s, link_s) = (real.to_str().unwrap(), link.to_str().unwrap());
    let through_link = format!("{link_s}/u/data.txt");
    let by_real_path = format!("{real_s}/data.txt");
    let (out, r) = profile_json(
        dir.path(),
        &["--shared", real_s, "--shared", link_s],
        &["cat", &through_link, &by_real_path],
    );
    assert!(out.status.success(), "{out:?}");
    let count = |p: &str| r["shared"][p]["total"].as_u64().unwrap();
    assert!(
        count(real_s) >= 2,
        "the real prefix sees the call through the link: {}",
        r["shared"]
    );
    assert!(
        count(link_s) >= 2,
        "the link prefix sees the call by the real path: {}",
        r["shared"]
    );
    let elsewhere = r["elsewhere"]["total"].as_u64().unwrap();
    assert_eq!(elsewhere + count(real_s), r["total"].as_u64().unwrap());
}

/// The report tells which packages a Python process pays for.
#[test]
fn python_calls_are_grouped_by_package() {
    let Some(python) = test_venv_python() else {
        require(
            false,
            "the test venv (TIDEPOOL_TEST_VENV) with numpy and pandas",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (out, r) = profile_json(
        dir.path(),
        &[],
        &[python.to_str().unwrap(), "-c", "import pandas"],
    );
    assert!(out.status.success(), "{out:?}");
    let rows = r["python_packages"].as_array().unwrap();
    let row = |name: &str| rows.iter().find(|p| p["package"] == name).cloned();
    let pandas = row("pandas").expect("pandas is charged");
    let numpy = row("numpy").expect("numpy (imported by pandas) is charged");
    assert!(pandas["modules"].as_u64().unwrap() > 50, "{pandas}");
    assert!(numpy["ops"].as_u64().unwrap() > 50, "{numpy}");
    assert!(row("(stdlib)").is_some(), "{rows:?}");
    let ops: Vec<u64> = rows.iter().map(|p| p["ops"].as_u64().unwrap()).collect();
    assert!(
        ops.windows(2).all(|w| w[0] >= w[1]),
        "sorted by cost: {ops:?}"
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("python package"), "{summary}");
}

/// `--python-imports` shows who imported each package and passes other stderr through.
#[test]
fn python_imports_name_the_importer() {
    let Some(python) = real_python() else {
        require(false, "a real python3 interpreter");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("outerpkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("__init__.py"), "from outerpkg import models\n").unwrap();
    std::fs::write(pkg.join("models.py"), "import innerpkg\n").unwrap();
    std::fs::write(
        dir.path().join("innerpkg.py"),
        "import sys\nprint('inner says hi', file=sys.stderr)\n",
    )
    .unwrap();
    let (out, r) = profile_json(
        dir.path(),
        &["--python-imports"],
        &[
            "sh",
            "-c",
            &format!(
                "cd {} && {} -c 'import outerpkg'",
                dir.path().display(),
                python.display()
            ),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("inner says hi"),
        "other stderr passes through: {stderr}"
    );
    assert!(
        !stderr.contains("import time:"),
        "import-time lines are kept: {stderr}"
    );
    let rows = r["python_imports"].as_array().unwrap();
    let inner = rows
        .iter()
        .find(|p| p["package"] == "innerpkg")
        .expect("innerpkg timed");
    assert_eq!(
        inner["imported_by"],
        serde_json::json!(["outerpkg.models", "outerpkg"])
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("python import (who imported it)"),
        "{summary}"
    );
    let (_, plain) = profile_json(
        dir.path(),
        &[],
        &[python.to_str().unwrap(), "-c", "import json"],
    );
    assert_eq!(
        plain["python_imports"],
        serde_json::json!([]),
        "nothing without the flag"
    );
}

#[test]
fn exit_status_is_the_commands() {
    let out = tidepool(&["profile", "--", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let out = tidepool(&["profile", "--", "sh", "-c", "kill -9 $$"]);
    assert_eq!(out.status.code(), Some(137), "{out:?}");
}

#[test]
fn unknown_command_is_named() {
    let out = tidepool(&["profile", "--", "no-such-command-tp42"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("command not found: `no-such-command-tp42`"),
        "{stderr}"
    );
}

#[test]
fn ptrace_refusal_is_explained() {
    // Under `strace -f` the traced command already has a tracer, so its
    // PTRACE_TRACEME is refused with EPERM, as in a container that forbids ptrace.
    if !require(which("strace").is_some(), "strace") {
        return;
    }
    let out = Command::new("strace")
        .args([
            "-f",
            "-o",
            "/dev/null",
            env!("CARGO_BIN_EXE_tidepool"),
            "profile",
            "--",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ptrace is not permitted here"), "{stderr}");
    assert!(stderr.contains("itself being traced"), "{stderr}");
    assert!(stderr.contains("SYS_PTRACE"), "{stderr}");
}

#[test]
fn report_resolves_relative_paths_and_counts_failures() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join("sub")).unwrap();
    std::fs::write(work.join("sub/present.txt"), "x").unwrap();
    let script = format!(
        "cd {} && cat sub/present.txt >/dev/null && cat sub/absent.txt 2>/dev/null; ls sub >/dev/null; exit 0",
        work.display()
    );
    let timeline = dir.path().join("t.csv");
    let work_s = work.to_str().unwrap();
    let (out, r) = profile_json(
        dir.path(),
        &["--shared", work_s, "--timeline", timeline.to_str().unwrap()],
        &["sh", "-c", &script],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(r["schema_version"], 2);
    assert_eq!(r["command"][0], "sh");
    let files = r["files"].as_array().unwrap();
    let file = |p: &str| files.iter().find(|f| f["path"] == p).cloned();
    let absent = file(&format!("{work_s}/sub/absent.txt")).expect("relative path resolved");
    assert!(absent["failed"].as_u64().unwrap() >= 1, "{absent}");
    let present = file(&format!("{work_s}/sub/present.txt")).expect("present file");
    assert_eq!(present["failed"], 0);
    let shared = &r["shared"][work_s];
    assert!(shared["total"].as_u64().unwrap() >= 3, "{shared}");
    assert!(shared["enoent"].as_u64().unwrap() >= 1, "{shared}");
    assert!(
        r["by_syscall"]["getdents64"]["count"].as_u64().unwrap() >= 1,
        "ls lists sub"
    );
    assert!(r["enoent"].as_u64().unwrap() >= 1);
    assert!(
        r["processes"].as_array().unwrap().len() >= 3,
        "sh, cat, cat, ls"
    );
    let csv = std::fs::read_to_string(&timeline).unwrap();
    assert!(csv.starts_with("bucket_start_s,"), "{csv}");
    assert!(csv.lines().count() >= 2, "{csv}");
}

#[test]
fn compare_shows_ratios() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    profile_json(&a, &[], &["sh", "-c", "ls / >/dev/null"]);
    profile_json(
        &b,
        &[],
        &[
            "sh",
            "-c",
            "ls / >/dev/null; ls /tmp >/dev/null; ls /usr >/dev/null",
        ],
    );
    let (ra, rb) = (a.join("report.json"), b.join("report.json"));
    let out = tidepool(&[
        "profile",
        "compare",
        ra.to_str().unwrap(),
        rb.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let total = text
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .unwrap();
    assert!(total.trim_end().ends_with('x'), "{text}");
    let out = tidepool(&[
        "profile",
        "compare",
        ra.to_str().unwrap(),
        rb.to_str().unwrap(),
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ratio = v["rows"][0]["ratio"].as_f64().unwrap();
    assert!(ratio > 1.0, "three listings against one: {v}");
}

fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

#[test]
fn sigterm_ends_the_whole_traced_tree() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pids");
    let script = format!("sleep 300 & echo $! $$ > {}; wait", pidfile.display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_tidepool"))
        .args(["profile", "--", "sh", "-c", &script])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let pids: Vec<u32> = loop {
        let text = std::fs::read_to_string(&pidfile).unwrap_or_default();
        if text.ends_with('\n') {
            break text
                .split_whitespace()
                .map(|p| p.parse().unwrap())
                .collect();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "traced shell never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(pids.len(), 2);
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15), "{status:?}");
    for pid in pids {
        let state = proc_state(pid);
        assert!(
            state.is_none(),
            "traced process {pid} left behind in state {state:?}"
        );
    }
}

/// Totals of `strace -f -c`: (calls, errors) per syscall from its summary table.
fn parse_strace_table(text: &str) -> Vec<(String, u64, u64)> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let name = f.last()?.to_string();
            let numeric = f.len() >= 5 && f[0].parse::<f64>().is_ok();
            if !numeric || name == "total" {
                return None;
            }
            let calls = f[3].parse().ok()?;
            let errors = if f.len() == 6 { f[4].parse().ok()? } else { 0 };
            Some((name, calls, errors))
        })
        .collect()
}

#[test]
fn strace_table_parser_reads_calls_and_errors() {
    let table = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 68.85    0.003110           6       518        54 newfstatat
 10.52    0.000475          16        28           getdents64
------ ----------- ----------- --------- --------- ----------------
100.00    0.004517           6       546        54 total
";
    assert_eq!(
        parse_strace_table(table),
        vec![("newfstatat".into(), 518, 54), ("getdents64".into(), 28, 0)]
    );
}

/// Our counts in strace's terms: strace's `%file` includes `newfstatat`/`statx` on an
/// fd (AT_EMPTY_PATH), which tidepool reports apart in `fd_stat`, and `getcwd`, which it
/// reports apart as `getcwd` (it never fails with a valid buffer).
fn strace_equivalent(r: &Value) -> (u64, u64) {
    let mut calls = r["total"].as_u64().unwrap() + r["getcwd"].as_u64().unwrap();
    let mut failed = r["failed"].as_u64().unwrap();
    for name in ["newfstatat", "statx"] {
        if let Some(c) = r["fd_stat"]["by_syscall"].get(name) {
            calls += c["count"].as_u64().unwrap();
            failed += c["failed"].as_u64().unwrap();
        }
    }
    (calls, failed)
}

fn within_2_percent(ours: u64, theirs: u64) -> bool {
    (ours as f64 - theirs as f64).abs() <= 0.02 * theirs as f64
}

fn agrees_with_strace(command: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("strace.txt");
    let status = Command::new("strace")
        .args(["-f", "-c", "-e", "trace=%file,getdents64", "-o"])
        .arg(&out_file)
        .args(command)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let table = parse_strace_table(&std::fs::read_to_string(&out_file).unwrap());
    let strace_calls: u64 = table.iter().map(|t| t.1).sum();
    let strace_errors: u64 = table.iter().map(|t| t.2).sum();
    let (out, r) = profile_json(dir.path(), &[], command);
    assert!(out.status.success(), "{out:?}");
    let (calls, failed) = strace_equivalent(&r);
    eprintln!("{command:?}: tidepool {calls} calls / {failed} failed, strace {strace_calls} / {strace_errors}");
    assert!(
        within_2_percent(calls, strace_calls),
        "calls: tidepool {calls}, strace {strace_calls}"
    );
    assert!(
        within_2_percent(failed, strace_errors),
        "failed: tidepool {failed}, strace {strace_errors}"
    );
    assert!(r["python_modules"]["loaded"].as_u64().unwrap() > 10);
}

#[test]
fn python_stdlib_import_agrees_with_strace() {
    let (Some(_), Some(python)) = (which("strace"), real_python()) else {
        require(false, "strace and a real python3 interpreter");
        return;
    };
    agrees_with_strace(&[
        python.to_str().unwrap(),
        "-c",
        "import json, sqlite3, decimal",
    ]);
}

#[test]
fn pandas_import_agrees_with_strace() {
    let (Some(_), Some(python)) = (which("strace"), test_venv_python()) else {
        require(
            false,
            "strace and the test venv (TIDEPOOL_TEST_VENV) with pandas",
        );
        return;
    };
    agrees_with_strace(&[python.to_str().unwrap(), "-c", "import pandas"]);
}

#[test]
fn threads_and_forked_children_are_followed() {
    let Some(python) = real_python() else {
        require(false, "a real python3 interpreter");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import os, sys, threading
base = sys.argv[1]
def look(name):
    try:
        os.stat(os.path.join(base, name))
    except FileNotFoundError:
        pass
t = threading.Thread(target=look, args=("from-thread",))
t.start(); t.join()
pid = os.fork()
if pid == 0:
    look("from-child")
    os._exit(3)
_, status = os.waitpid(pid, 0)
look("from-parent")
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let base = dir.path().to_str().unwrap();
    let (out, r) = profile_json(
        dir.path(),
        &[],
        &[python.to_str().unwrap(), "-c", script, base],
    );
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let files = r["files"].as_array().unwrap();
    for name in ["from-thread", "from-child", "from-parent"] {
        let path = format!("{base}/{name}");
        let f = files.iter().find(|f| f["path"] == path.as_str());
        assert_eq!(
            f.map(|f| f["failed"].clone()),
            Some(1.into()),
            "{name}: {f:?}"
        );
    }
    let procs = r["processes"].as_array().unwrap();
    assert_eq!(
        procs.len(),
        2,
        "the thread belongs to its process: {procs:?}"
    );
    let child = procs
        .iter()
        .find(|p| p["parent"] == procs[0]["pid"])
        .expect("forked child");
    assert_eq!(
        (child["exit_code"].clone(), child["total"].clone()),
        (3.into(), 1.into())
    );
    assert!(child["executable"].as_str().unwrap().contains("python"));
}
