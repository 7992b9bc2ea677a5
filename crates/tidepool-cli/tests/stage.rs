//! `tidepool pack` and `tidepool stage` end to end, with the real binary, the real
//! test venv, a real C program with its own shared library, and real crashes.

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const BASE_PREFIX: &str = "/root/.pyenv/versions/3.11.7";

fn tidepool() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tidepool"))
}

fn run_ok(mut cmd: impl std::borrow::BorrowMut<Command>) -> Output {
    let cmd = cmd.borrow_mut();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "command failed: {cmd:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Whether an external component is present; absent means skip, or fail under CI=true.
fn available(what: &str, present: bool) -> bool {
    tidepool_testkit::require(present, what)
}

fn test_venv() -> PathBuf {
    std::env::var("TIDEPOOL_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/tidepool/test-venv")
        })
}

fn has_program(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("stage-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The test venv packed once for all tests of this file.
fn venv_archive() -> &'static Path {
    static ARCHIVE: OnceLock<PathBuf> = OnceLock::new();
    ARCHIVE.get_or_init(|| {
        let dir = scratch("venv-archive");
        let archive = dir.join("env.tpk");
        run_ok(
            tidepool()
                .arg("pack")
                .arg("--python")
                .arg(test_venv())
                .arg("-o")
                .arg(&archive),
        );
        archive
    })
}

fn stage_json(archive: &Path, to: &Path) -> Value {
    json_of(&run_ok(
        tidepool()
            .arg("stage")
            .arg(archive)
            .arg("--to")
            .arg(to)
            .args(["--format", "json"]),
    ))
}

/// Paths under `prefixes` that a command touches (path lookups and directory listings,
/// failures included), as `tidepool profile --shared PREFIX` counts them. Returns one
/// line per touched file, plus one per prefix whose count is not 0.
fn touched_under(
    prefixes: &[&Path],
    program: &Path,
    args: &[&str],
    envs: &[(&str, &str)],
) -> Vec<String> {
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tidepool"));
    cmd.arg("profile");
    for prefix in prefixes {
        cmd.arg("--shared").arg(prefix);
    }
    let out = cmd
        .arg("--json")
        .arg(report.path())
        .arg("--")
        .arg(program)
        .args(args)
        .env_clear()
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.path()).unwrap()).unwrap();
    let mut touched: Vec<String> = report["shared"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, counts)| counts["total"] != 0)
        .map(|(prefix, counts)| format!("{prefix}: {counts}"))
        .collect();
    let files = report["files"].as_array().unwrap();
    touched.extend(
        files
            .iter()
            .filter_map(|f| f["path"].as_str())
            .filter(|path| prefixes.iter().any(|p| Path::new(path).starts_with(p)))
            .map(str::to_string),
    );
    touched
}

/// The base interpreter's installation prefix: the parent of pyvenv.cfg's `home`.
fn base_prefix(venv: &Path) -> PathBuf {
    let cfg = std::fs::read_to_string(venv.join("pyvenv.cfg")).unwrap();
    let home = cfg
        .lines()
        .find_map(|l| {
            l.strip_prefix("home")
                .map(|v| v.trim_start_matches([' ', '=']).trim())
        })
        .expect("pyvenv.cfg has a home key");
    Path::new(home)
        .canonicalize()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn staged_venv_runs_pandas_without_touching_original_prefixes() {
    if !available("test venv", test_venv().join("pyvenv.cfg").exists()) {
        return;
    }
    let to = scratch("venv-stage");
    let staged = stage_json(venv_archive(), &to);
    let root = PathBuf::from(staged["root"].as_str().unwrap());
    assert!(root.starts_with(&to));
    let python = root.join("python/venv/bin/python");
    let out = run_ok(Command::new(&python).env_clear().args(["-c", "import sys, pandas; print(sys.prefix); print(sys.base_prefix); print(pandas.DataFrame({'a': [1, 2]}).a.sum())"]));
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(
        Path::new(&lines[0]).starts_with(&to),
        "sys.prefix {}",
        lines[0]
    );
    assert!(
        Path::new(&lines[1]).starts_with(&to),
        "sys.base_prefix {}",
        lines[1]
    );
    assert_eq!(lines[2], "3");
    let venv = test_venv().canonicalize().unwrap();
    let base = base_prefix(&venv);
    let originals = [venv.as_path(), base.as_path()];
    // The detector works: the original venv's python touches both prefixes.
    let original_python = venv.join("bin/python");
    let control = touched_under(&originals, &original_python, &["-c", "import pandas"], &[]);
    assert!(control.len() > 100, "control run: {control:?}");
    let touched = touched_under(&originals, &python, &["-c", "import pandas"], &[]);
    assert!(
        touched.is_empty(),
        "{} operations under the original prefixes, first: {:?}",
        touched.len(),
        &touched[..touched.len().min(5)]
    );
}

#[test]
fn second_stage_reuses_and_sh_output_works() {
    if !available("test venv", test_venv().join("pyvenv.cfg").exists()) {
        return;
    }
    let to = scratch("venv-reuse");
    let first = stage_json(venv_archive(), &to);
    let second = stage_json(venv_archive(), &to);
    assert_eq!(first["reused"], false);
    assert_eq!(second["reused"], true);
    assert_eq!(first["root"], second["root"]);
    let sh = run_ok(
        tidepool()
            .arg("stage")
            .arg(venv_archive())
            .arg("--to")
            .arg(&to),
    );
    let script = format!(
        "{}\npython -c 'import sys; print(sys.prefix)'",
        String::from_utf8_lossy(&sh.stdout)
    );
    let out = run_ok(
        Command::new("/bin/sh")
            .args(["-c", &script])
            .env_clear()
            .env("PATH", "/usr/bin:/bin"),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        first["env"]["VIRTUAL_ENV"].as_str().unwrap()
    );
}

#[test]
fn concurrent_stagers_extract_once() {
    if !available("test venv", test_venv().join("pyvenv.cfg").exists()) {
        return;
    }
    let to = scratch("venv-concurrent");
    let children: Vec<_> = (0..4)
        .map(|_| {
            tidepool()
                .arg("stage")
                .arg(venv_archive())
                .arg("--to")
                .arg(&to)
                .args(["--format", "json"])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let results: Vec<Value> = children
        .into_iter()
        .map(|c| json_of(&c.wait_with_output().unwrap()))
        .collect();
    let fresh = results.iter().filter(|r| r["reused"] == false).count();
    assert_eq!(fresh, 1, "{results:?}");
    assert!(results.iter().all(|r| r["root"] == results[0]["root"]));
    let leftovers: Vec<_> = std::fs::read_dir(&to)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn killed_extraction_leaves_nothing_that_looks_complete() {
    if !available("test venv", test_venv().join("pyvenv.cfg").exists()) {
        return;
    }
    let to = scratch("venv-kill");
    let mut child = tidepool()
        .arg("stage")
        .arg(venv_archive())
        .arg("--to")
        .arg(&to)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let tmp = loop {
        let found = std::fs::read_dir(&to).ok().and_then(|d| {
            d.map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().contains(".tmp-"))
        });
        if let Some(tmp) = found.filter(|t| t.join("python").exists()) {
            break tmp;
        }
        assert!(Instant::now() < deadline, "extraction never started");
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let id = tmp
        .file_name()
        .unwrap()
        .to_string_lossy()
        .trim_start_matches('.')
        .split(".tmp-")
        .next()
        .unwrap()
        .to_string();
    assert!(
        !to.join(&id).join(".tidepool/complete").exists(),
        "a killed extraction must not be marked complete"
    );
    let staged = stage_json(venv_archive(), &to);
    assert_eq!(staged["reused"], false, "the next call must extract again");
    assert_eq!(staged["id"], id.as_str());
    assert!(
        !tmp.exists(),
        "leftover {} must be cleaned up",
        tmp.display()
    );
    let python = PathBuf::from(staged["root"].as_str().unwrap()).join("python/venv/bin/python");
    run_ok(Command::new(python).args(["-c", "import numpy"]));
}

/// Copy an archive, letting `edit` change entries (path, header, data) on the way.
fn rewrite_archive(
    src: &Path,
    dst: &Path,
    mut edit: impl FnMut(&str, &mut tar::Header, &mut Vec<u8>),
) {
    let mut reader =
        tar::Archive::new(zstd::Decoder::new(std::fs::File::open(src).unwrap()).unwrap());
    let encoder = zstd::Encoder::new(std::fs::File::create(dst).unwrap(), 3).unwrap();
    let mut writer = tar::Builder::new(encoder);
    for entry in reader.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut header = entry.header().clone();
        let link = entry.link_name().unwrap().map(|l| l.into_owned());
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        edit(&path, &mut header, &mut data);
        header.set_size(data.len() as u64);
        match link {
            Some(link) => writer.append_link(&mut header, &path, link).unwrap(),
            None => writer
                .append_data(&mut header, &path, data.as_slice())
                .unwrap(),
        }
    }
    writer.into_inner().unwrap().finish().unwrap();
}

/// A small archive of a data tree, for the fault tests.
fn small_archive(dir: &Path) -> PathBuf {
    let data = dir.join("settings");
    std::fs::create_dir_all(data.join("params")).unwrap();
    std::fs::write(data.join("params/trial.txt"), "k = 0.5\n".repeat(1000)).unwrap();
    std::fs::write(data.join("run.sh"), "#!/bin/sh\necho run\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(data.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let archive = dir.join("small.tpk");
    run_ok(
        tidepool()
            .arg("pack")
            .arg("--dir")
            .arg(&data)
            .args(["--as", "model"])
            .arg("-o")
            .arg(&archive),
    );
    archive
}

fn stage_fails(archive: &Path, to: &Path) -> String {
    let out = tidepool()
        .arg("stage")
        .arg(archive)
        .arg("--to")
        .arg(to)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "staging {} should fail",
        archive.display()
    );
    let listing: Vec<_> = std::fs::read_dir(to)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(
        listing
            .iter()
            .all(|n| n.to_string_lossy().ends_with(".lock")),
        "left behind: {listing:?}"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn digest_mismatch_is_refused() {
    let dir = scratch("digest");
    let archive = small_archive(&dir);
    let bad = dir.join("bad.tpk");
    rewrite_archive(&archive, &bad, |path, _, data| {
        if path.ends_with("trial.txt") {
            data[0] = b'K';
        }
    });
    let stderr = stage_fails(&bad, &dir.join("to"));
    assert!(
        stderr.contains("digest mismatch for data/model/params/trial.txt"),
        "{stderr}"
    );
}

#[test]
fn truncated_archive_is_refused() {
    let dir = scratch("truncated");
    let archive = small_archive(&dir);
    let bytes = std::fs::read(&archive).unwrap();
    let cut = dir.join("cut.tpk");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let stderr = stage_fails(&cut, &dir.join("to"));
    assert!(
        stderr.contains("truncated") || stderr.contains("damaged"),
        "{stderr}"
    );
}

#[test]
fn archive_for_another_cpu_is_refused() {
    let dir = scratch("arch");
    let archive = small_archive(&dir);
    let other = dir.join("other.tpk");
    let foreign = if std::env::consts::ARCH == "aarch64" {
        "x86_64"
    } else {
        "aarch64"
    };
    rewrite_archive(&archive, &other, |path, _, data| {
        if path == ".tidepool/header.json" {
            let mut header: Value = serde_json::from_slice(data).unwrap();
            header["arch"] = foreign.into();
            *data = serde_json::to_vec(&header).unwrap();
        }
    });
    let stderr = stage_fails(&other, &dir.join("to"));
    assert!(
        stderr.contains(&format!("made for CPU architecture {foreign}")),
        "{stderr}"
    );
}

#[test]
fn packing_twice_gives_identical_bytes() {
    let dir = scratch("reproducible");
    let first = small_archive(&dir);
    let first_bytes = std::fs::read(&first).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let second = small_archive(&dir);
    assert_eq!(first_bytes, std::fs::read(second).unwrap());
    let out = run_ok(
        tidepool()
            .args(["pack", "--json", "--dir"])
            .arg(dir.join("settings"))
            .args(["--as", "model", "-o"])
            .arg(dir.join("third.tpk")),
    );
    let report = json_of(&out);
    assert_eq!(report["files"], 2);
    assert_eq!(report["parts"][0]["name"], "model");
    let staged = stage_json(&dir.join("third.tpk"), &dir.join("to"));
    let model = PathBuf::from(staged["data"]["model"].as_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(model.join("params/trial.txt")).unwrap(),
        "k = 0.5\n".repeat(1000)
    );
    let out = run_ok(Command::new(model.join("run.sh")));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "run\n");
}

#[test]
fn each_as_names_the_dir_before_it() {
    let dir = scratch("dir-names");
    for name in ["forcing", "settings"] {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        std::fs::write(dir.join(name).join("f.txt"), name).unwrap();
    }
    let out = run_ok(
        tidepool()
            .args(["pack", "--json", "--dir"])
            .arg(dir.join("forcing"))
            .arg("--dir")
            .arg(dir.join("settings"))
            .args(["--as", "model", "-o"])
            .arg(dir.join("d.tpk")),
    );
    let report = json_of(&out);
    let names: Vec<&str> = report["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["forcing", "model"]);
    let staged = stage_json(&dir.join("d.tpk"), &dir.join("to"));
    let model = PathBuf::from(staged["data"]["model"].as_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(model.join("f.txt")).unwrap(),
        "settings"
    );
    let bad = tidepool()
        .args(["pack", "--as", "x", "--dir"])
        .arg(dir.join("forcing"))
        .arg("-o")
        .arg(dir.join("e.tpk"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--as x must follow a --dir"));
}

/// A C program using a shared library of its own, found through RUNPATH $ORIGIN/lib.
/// `dtags` picks DT_RUNPATH (`--enable-new-dtags`) or DT_RPATH (`--disable-new-dtags`).
fn build_c_program(dir: &Path, name: &str, dtags: &str, rpath: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(
        dir.join("greet.c"),
        "#include <stdio.h>\nvoid greet(void) { puts(\"hello from libgreet\"); }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.c"),
        "void greet(void);\nint main(void) { greet(); return 0; }\n",
    )
    .unwrap();
    run_ok(
        Command::new("gcc")
            .args(["-shared", "-fPIC", "-o"])
            .arg(dir.join("lib/libgreet.so"))
            .arg(dir.join("greet.c")),
    );
    let mut gcc = Command::new("gcc");
    gcc.arg("-o")
        .arg(dir.join(name))
        .arg(dir.join("main.c"))
        .arg(format!("-L{}", dir.join("lib").display()))
        .arg("-lgreet");
    if !rpath.is_empty() {
        gcc.arg(format!("-Wl,{dtags},-rpath,{rpath}"));
    }
    run_ok(&mut gcc);
    dir.join(name)
}

/// Regression: an executable packed with `--exe` found its staged libraries only
/// through the printed LD_LIBRARY_PATH; run directly it loaded them from the system.
#[test]
fn packed_executables_find_staged_libraries_without_the_environment() {
    if !available("gcc", has_program("gcc")) {
        return;
    }
    let dir = scratch("exe-runpath");
    let build = dir.join("build");
    let plain = build_c_program(&build, "hello_plain", "", "");
    assert!(tidepool_stage::elf::read_info(&plain)
        .unwrap()
        .runpath
        .is_empty());
    let archive = dir.join("exe.tpk");
    // As after `module load`: the library is found through LD_LIBRARY_PATH.
    run_ok(
        tidepool()
            .args(["pack", "--exe"])
            .arg(&plain)
            .arg("-o")
            .arg(&archive)
            .env("LD_LIBRARY_PATH", build.join("lib")),
    );
    let staged = stage_json(&archive, &dir.join("to"));
    let exe = PathBuf::from(staged["executables"]["hello_plain"].as_str().unwrap());
    let info = tidepool_stage::elf::read_info(&exe).unwrap();
    assert_eq!(info.runpath, ["$ORIGIN/../lib"], "{info:?}");
    let out = run_ok(Command::new(&exe).env_clear());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello from libgreet\n"
    );
    let lib = exe.parent().unwrap().join("../lib/libgreet.so");
    let lib_info = tidepool_stage::elf::read_info(&lib).unwrap();
    assert_eq!(lib_info.runpath, ["$ORIGIN"], "{lib_info:?}");
    let touched = touched_under(&[&build], &exe, &[], &[]);
    assert!(touched.is_empty(), "looked in the build dir: {touched:?}");
}

#[test]
fn executables_with_their_library_closure_run_staged() {
    if !available("gcc", has_program("gcc")) {
        return;
    }
    let dir = scratch("exe");
    let build = dir.join("build");
    // RUNPATH $ORIGIN/lib: too short to patch, LD_LIBRARY_PATH wins anyway.
    let with_runpath =
        build_c_program(&build, "hello_runpath", "--enable-new-dtags", "$ORIGIN/lib");
    // RPATH $ORIGIN/lib: too short to patch, so it is turned into a RUNPATH.
    let with_rpath = build_c_program(&build, "hello_rpath", "--disable-new-dtags", "$ORIGIN/lib");
    // Absolute RPATH into the build dir: patched to $ORIGIN/../lib.
    let lib_dir = build.join("lib").to_string_lossy().into_owned();
    let absolute = build_c_program(&build, "hello_abs", "--disable-new-dtags", &lib_dir);
    assert!(!tidepool_stage::elf::read_info(&with_rpath)
        .unwrap()
        .rpath
        .is_empty());
    let archive = dir.join("exe.tpk");
    let report = json_of(&run_ok(
        tidepool()
            .args(["pack", "--json", "--exe"])
            .arg(&with_runpath)
            .arg("--exe")
            .arg(&with_rpath)
            .arg("--exe")
            .arg(&absolute)
            .arg("-o")
            .arg(&archive),
    ));
    let libs = &report["parts"][1];
    assert_eq!(
        (libs["name"].as_str(), libs["files"].as_u64()),
        (Some("libraries"), Some(1)),
        "{report}"
    );
    let with_libc = json_of(&run_ok(
        tidepool()
            .args(["pack", "--json", "--include-libc", "--exe"])
            .arg(&with_runpath)
            .arg("-o")
            .arg(dir.join("libc.tpk")),
    ));
    assert!(
        with_libc["parts"][1]["files"].as_u64().unwrap() >= 2,
        "{with_libc}"
    );
    let staged = stage_json(&archive, &dir.join("to"));
    let ld_library_path = staged["env"]["LD_LIBRARY_PATH"].as_str().unwrap();
    for name in ["hello_runpath", "hello_rpath", "hello_abs"] {
        let exe = PathBuf::from(staged["executables"][name].as_str().unwrap());
        let info = tidepool_stage::elf::read_info(&exe).unwrap();
        let search = [info.rpath.clone(), info.runpath.clone()].concat();
        assert!(
            search.iter().all(|p| p.starts_with("$ORIGIN")),
            "{name}: {info:?}"
        );
        if name == "hello_rpath" {
            assert!(
                info.rpath.is_empty() && !info.runpath.is_empty(),
                "{name}: {info:?}"
            );
        }
        let envs = [("LD_LIBRARY_PATH", ld_library_path)];
        let out = run_ok(Command::new(&exe).env_clear().envs(envs));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "hello from libgreet\n"
        );
        let touched = touched_under(&[&build], &exe, &[], &envs);
        assert!(
            touched.is_empty(),
            "{name} looked in the build dir: {touched:?}"
        );
    }
}

#[test]
fn editable_installs_are_listed() {
    let python = Path::new(BASE_PREFIX).join("bin/python3.11");
    if !available("pyenv python 3.11.7", python.exists()) {
        return;
    }
    let dir = scratch("editable");
    let venv = dir.join("venv");
    run_ok(
        Command::new(&python)
            .args(["-m", "venv", "--without-pip"])
            .arg(&venv),
    );
    std::fs::write(
        venv.join("lib/python3.11/site-packages/hydro.pth"),
        "/home/someone/src/hydro\n",
    )
    .unwrap();
    let out = run_ok(
        tidepool()
            .args(["pack", "--json", "--python"])
            .arg(&venv)
            .arg("-o")
            .arg(dir.join("e.tpk")),
    );
    let report = json_of(&out);
    assert_eq!(
        report["editable_installs"][0]["location"], "/home/someone/src/hydro",
        "{report}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("editable install") && stderr.contains("hydro"),
        "{stderr}"
    );
}

/// Profile `python -c code` with `tidepool profile --json` (needs ptrace).
fn profile_with_tidepool(python: &Path, code: &str, dest: &Path) {
    run_ok(
        tidepool()
            .args(["profile", "--json"])
            .arg(dest)
            .arg("--")
            .arg(python)
            .args(["-c", code]),
    );
}

/// Pack the test venv trimmed from `profiles` (plus `extra` arguments), stage it, and
/// return the report and the staged python.
fn pack_trimmed(dir: &Path, profiles: &[&Path], extra: &[&str]) -> (Value, PathBuf) {
    let archive = dir.join("trim.tpk");
    let mut pack = tidepool();
    pack.args(["pack", "--json", "--python"]).arg(test_venv());
    for profile in profiles {
        pack.arg("--trim-from").arg(profile);
    }
    let report = json_of(&run_ok(pack.args(extra).arg("-o").arg(&archive)));
    let staged = stage_json(&archive, &dir.join("to"));
    let python = PathBuf::from(staged["root"].as_str().unwrap()).join("python/venv/bin/python");
    (report, python)
}

/// A module of pandas that `import pandas` does not load: a stand-in for files a
/// package opens later (netCDF4's compression plugins load with the first file).
const LOADED_LATER: &str = "import pandas.io.clipboard; print('later ok')";

/// Regression: trimming from an import profile dropped what a package loads later.
/// By default whole distributions are kept (or dropped), from several profiles.
#[test]
fn trimming_keeps_whole_distributions_from_every_profile() {
    if !available("test venv", test_venv().join("pyvenv.cfg").exists()) {
        return;
    }
    let dir = scratch("trim-dists");
    let python = test_venv().join("bin/python");
    let (import, trial) = (dir.join("import.json"), dir.join("trial.json"));
    let workload =
        "import importlib.metadata as m, pandas; print(m.version('pandas') == pandas.__version__)";
    profile_with_tidepool(&python, workload, &import);
    profile_with_tidepool(&python, "import tzdata", &trial);
    let (report, staged) = pack_trimmed(&dir, &[&import, &trial], &[]);
    let trim = &report["trim"];
    assert_eq!(trim["mode"], "distributions", "{trim}");
    let dropped: Vec<&str> = trim["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(
        dropped.iter().any(|d| d.starts_with("pip-")),
        "pip is untouched: {dropped:?}"
    );
    assert!(
        !dropped.iter().any(|d| d.starts_with("tzdata-")),
        "the second profile touched tzdata: {dropped:?}"
    );
    assert!(
        !dropped
            .iter()
            .any(|d| d.starts_with("pandas-") || d.starts_with("numpy-")),
        "{dropped:?}"
    );
    let out = run_ok(Command::new(&staged).env_clear().args(["-c", workload]));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "True");
    let later = run_ok(Command::new(&staged).env_clear().args(["-c", LOADED_LATER]));
    assert_eq!(String::from_utf8_lossy(&later.stdout).trim(), "later ok");
    let pip = Command::new(&staged)
        .env_clear()
        .args(["-c", "import pip"])
        .output()
        .unwrap();
    assert!(!pip.status.success(), "pip was dropped");
    let venv = test_venv().canonicalize().unwrap();
    let base = base_prefix(&venv);
    let touched = touched_under(&[&venv, &base], &staged, &["-c", workload], &[]);
    assert!(
        touched.is_empty(),
        "the trimmed copy touched the original prefixes: {:?}",
        &touched[..touched.len().min(5)]
    );
}

#[test]
fn trimming_by_files_keeps_only_what_the_profile_lists() {
    if !available("test venv", test_venv().join("pyvenv.cfg").exists()) {
        return;
    }
    let dir = scratch("trim-files");
    let profile = dir.join("profile.json");
    let workload =
        "import importlib.metadata as m, pandas; print(m.version('pandas') == pandas.__version__)";
    profile_with_tidepool(&test_venv().join("bin/python"), workload, &profile);
    let (report, staged) = pack_trimmed(&dir, &[&profile], &["--trim-files"]);
    let trim = &report["trim"];
    assert_eq!(trim["mode"], "files", "{trim}");
    assert!(
        trim["bytes_after"].as_u64().unwrap() < trim["bytes_before"].as_u64().unwrap() / 2,
        "{trim}"
    );
    let out = run_ok(Command::new(&staged).env_clear().args(["-c", workload]));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "True");
    let later = Command::new(&staged)
        .env_clear()
        .args(["-c", LOADED_LATER])
        .output()
        .unwrap();
    assert!(
        !later.status.success(),
        "file-level trimming drops what the profile did not load"
    );
}

#[test]
fn remove_deletes_the_staged_copy() {
    let dir = scratch("remove");
    let archive = small_archive(&dir);
    let to = dir.join("to");
    let staged = stage_json(&archive, &to);
    let root = PathBuf::from(staged["root"].as_str().unwrap());
    assert!(root.exists());
    let out = json_of(&run_ok(
        tidepool()
            .args(["stage", "--json", "--remove"])
            .arg(&archive)
            .arg("--to")
            .arg(&to),
    ));
    assert_eq!(out["removed"], true);
    assert!(!root.exists());
}

/// A venv made the way users make them (`.ci/run` creates all three): `linked` is
/// `python3 -m venv` from a Python whose `bin/python3` is itself a link, `virtualenv`
/// and `uv` come from those tools.
fn user_venv(kind: &str) -> PathBuf {
    let var = format!("TIDEPOOL_TEST_VENV_{}", kind.to_uppercase());
    std::env::var(var).map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default())
            .join(format!(".cache/tidepool/venv-{kind}"))
    })
}

/// Regression: a `python3 -m venv` venv staged with every interpreter link dangling,
/// and `eval "$(tidepool stage ...)"` then ran the shared interpreter from PATH.
fn user_venv_stages_and_runs(kind: &str) {
    let venv = user_venv(kind);
    let what = format!("a {kind} venv with numpy and pandas at {}", venv.display());
    if !available(&what, venv.join("pyvenv.cfg").exists()) {
        return;
    }
    let dir = scratch(&format!("user-venv-{kind}"));
    let archive = dir.join("env.tpk");
    run_ok(
        tidepool()
            .arg("pack")
            .arg("--python")
            .arg(&venv)
            .arg("-o")
            .arg(&archive),
    );
    let to = dir.join("staged");
    let staged = stage_json(&archive, &to);
    let root = PathBuf::from(staged["root"].as_str().unwrap());
    for name in ["python", "python3", "python3.11"] {
        let link = root.join("python/venv/bin").join(name);
        let target = link
            .canonicalize()
            .unwrap_or_else(|e| panic!("{} dangles: {e}", link.display()));
        assert!(
            target.starts_with(&root),
            "{} -> {}",
            link.display(),
            target.display()
        );
    }
    let sh = run_ok(tidepool().arg("stage").arg(&archive).arg("--to").arg(&to));
    let script = format!(
        "eval \"$({} stage {} --to {})\"\npython -c 'import sys, pandas; print(sys.prefix)'",
        env!("CARGO_BIN_EXE_tidepool"),
        archive.display(),
        to.display()
    );
    assert!(!sh.stdout.is_empty());
    let shared_python = venv.join("bin");
    let path = format!("{}:/usr/bin:/bin", shared_python.display());
    let out = run_ok(
        Command::new("/bin/sh")
            .args(["-c", &script])
            .env_clear()
            .env("PATH", path),
    );
    let prefix = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        Path::new(&prefix).starts_with(&root),
        "the staged copy ran: {prefix}"
    );
    let venv = venv.canonicalize().unwrap();
    let base = base_prefix(&venv);
    let python = root.join("python/venv/bin/python");
    let touched = touched_under(&[&venv, &base], &python, &["-c", "import pandas"], &[]);
    assert!(
        touched.is_empty(),
        "{} operations under the original prefixes: {:?}",
        touched.len(),
        &touched[..touched.len().min(5)]
    );
}

#[test]
fn venv_from_a_linked_python_stages_and_runs() {
    user_venv_stages_and_runs("linked");
}

#[test]
fn virtualenv_venv_stages_and_runs() {
    user_venv_stages_and_runs("virtualenv");
}

#[test]
fn uv_venv_stages_and_runs() {
    user_venv_stages_and_runs("uv");
}

/// A 1 MiB tmpfs mounted at `at` (as root), or `None` after saying it is missing;
/// the caller unmounts it.
fn tiny_tmpfs(at: &Path) -> Option<PathBuf> {
    std::fs::create_dir_all(at).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(at)
        .status()
        .is_ok_and(|s| s.success());
    available("a 1 MiB tmpfs mounted for the test (root)", mounted).then(|| at.to_path_buf())
}

/// Regression: `pack -o` on a full disk left its `.NAME.tpk.partial` behind.
#[test]
fn pack_on_a_full_disk_leaves_nothing_behind() {
    let dir = scratch("full-disk");
    let Some(full) = tiny_tmpfs(&dir.join("full")) else {
        return;
    };
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    // Incompressible: 3 MB from the kernel's random source, against 1 MiB of space.
    let mut noise = vec![0u8; 3_000_000];
    std::fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut noise)
        .unwrap();
    std::fs::write(data.join("noise.bin"), noise).unwrap();
    let out = tidepool()
        .args(["pack", "--dir"])
        .arg(&data)
        .arg("-o")
        .arg(full.join("x.tpk"))
        .output()
        .unwrap();
    let left: Vec<_> = std::fs::read_dir(&full)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let _ = Command::new("umount").arg(&full).status();
    assert!(!out.status.success(), "a full disk must fail the pack");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No space left"),
        "{out:?}"
    );
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Regression: an archive with data after its end staged, although docs/staging.md
/// says trailing data aborts.
#[test]
fn trailing_data_after_the_archive_is_refused() {
    let dir = scratch("trailing");
    let archive = small_archive(&dir);
    let packed = std::fs::read(&archive).unwrap();
    let junk_frame = zstd::encode_all(&b"not part of the archive"[..], 3).unwrap();
    for (name, tail) in [("raw", b"garbage".to_vec()), ("frame", junk_frame)] {
        let bad = dir.join(format!("trailing-{name}.tpk"));
        std::fs::write(&bad, [packed.as_slice(), &tail].concat()).unwrap();
        let err = stage_fails(&bad, &dir.join(format!("to-{name}")));
        assert!(err.contains("trailing data"), "{name}: {err}");
    }
    stage_json(&archive, &dir.join("to-intact"));
}

/// The no-space error reads as sizes people write; with `--json` the raw numbers come
/// in a JSON document on stdout.
#[test]
fn no_space_is_human_readable_and_raw_in_json() {
    let dir = scratch("no-space");
    let Some(small) = tiny_tmpfs(&dir.join("small")) else {
        return;
    };
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("big.bin"), vec![7u8; 3_000_000]).unwrap();
    let archive = dir.join("big.tpk");
    run_ok(
        tidepool()
            .args(["pack", "--dir"])
            .arg(&data)
            .arg("-o")
            .arg(&archive),
    );
    let out = tidepool()
        .arg("stage")
        .arg(&archive)
        .arg("--to")
        .arg(&small)
        .arg("--json")
        .output()
        .unwrap();
    let _ = Command::new("umount").arg(&small).status();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(" MB") && stderr.contains("free"),
        "{stderr}"
    );
    let doc = json_of(&out);
    assert_eq!(doc["kind"], "no_space", "{doc}");
    assert!(
        doc["needed_bytes"].as_u64().unwrap() > doc["free_bytes"].as_u64().unwrap(),
        "{doc}"
    );
}
