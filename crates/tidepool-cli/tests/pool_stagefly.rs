//! `[stage] exe / dirs / python` in `tidepool run`: packed into the run directory at
//! the first start, re-used by a resume, packed again when an input changed, and the
//! model's packed executable runs from the staged copy on the agents (with its
//! library from the staged closure, reading the staged data).

mod util;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

/// The model: a copy of bash (which needs libtinfo besides libc), packed with `exe`.
/// Each trial records the executable and the libtinfo it runs with, then prints the
/// objective read from the data tree next to it in the staged copy.
const MODEL: &str = "readlink /proc/$$/exe > PROBES/{trial}; \
     grep -m1 -o '/[^ ]*libtinfo[^ ]*' /proc/$$/maps >> PROBES/{trial}; \
     cat \"$(dirname \"$(readlink /proc/$$/exe)\")/../../data/input/value.txt\"";

struct Project {
    tmp: tempfile::TempDir,
}

impl Project {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for dir in ["bin", "input", "probes", "scratch"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::copy("/bin/bash", root.join("bin/model")).unwrap();
        let mut csv = String::from("x\n");
        for i in 0..9 {
            csv.push_str(&format!("{i}\n"));
        }
        std::fs::write(root.join("trials.csv"), csv).unwrap();
        let project = Self { tmp };
        project.set_value("0.25", 1_700_000_000);
        project
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// The data file the model reads, with an explicit mtime.
    fn set_value(&self, value: &str, mtime: u64) {
        let path = self.root().join("input/value.txt");
        std::fs::write(&path, format!("{value}\n")).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime))
            .unwrap();
    }

    fn write_config(&self, budget: u32) {
        let script = MODEL.replace("PROBES", &self.root().join("probes").display().to_string());
        let config = format!(
            "[run]\nname = \"stagefly\"\ndir = \"run\"\nbudget = {budget}\n\
             [launch]\nmode = \"local\"\nagents = 2\n\
             [slots]\nper_node = 1\nheartbeat = \"20s\"\n\
             [model]\nkind = \"command\"\nstages = [[\"bin/model\", \"-c\", {script:?}]]\n\
             [[parameters]]\nname = \"x\"\nlower = 0\nupper = 100\n\
             [trials]\ncsv = \"trials.csv\"\n\
             [stage]\nexe = [\"bin/model\"]\ndirs = [\"input\"]\n"
        );
        std::fs::write(self.root().join("run.toml"), config).unwrap();
    }

    /// `tidepool run` (with `--force` from the second start: the budget grows).
    fn run(&self, force: bool) -> Output {
        let mut cmd = Command::new(util::bin());
        cmd.arg("run")
            .arg(self.root().join("run.toml"))
            .env("TMPDIR", self.root().join("scratch"));
        if force {
            cmd.arg("--force");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn archives(&self) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(self.root().join("run/stage"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        found.sort();
        found
    }

    /// Per trial: the executable it ran and the libtinfo it loaded.
    fn probes(&self) -> Vec<(PathBuf, PathBuf)> {
        std::fs::read_dir(self.root().join("probes"))
            .unwrap()
            .map(|e| {
                let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
                let lines: Vec<PathBuf> = text.lines().map(PathBuf::from).collect();
                assert_eq!(lines.len(), 2, "{text}");
                (lines[0].clone(), lines[1].clone())
            })
            .collect()
    }

    /// The lines of `out` about packing, with this project's path and ids replaced.
    fn stage_lines(&self, out: &Output) -> String {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let root = self.root().display().to_string();
        stdout
            .lines()
            .filter(|l| {
                ["packing", "packed", "re-using", "removed"]
                    .iter()
                    .any(|w| l.starts_with(w))
            })
            .map(|l| match l.split_once(": ") {
                // File counts and sizes depend on the system's bash and libtinfo.
                Some((head, _)) if l.starts_with("packed archive") => format!("{head}: [SIZES]"),
                _ => l.to_string(),
            })
            .map(|l| hide_ids(&l.replace(&root, "[PROJECT]")))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// 24-digit hex ids (archive and input ids) as `[ID]`.
fn hide_ids(line: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in line.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() {
            word.push(c);
            continue;
        }
        out.push_str(if word.len() == 24 { "[ID]" } else { &word });
        word.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// The objective of each trial, in trial order, from `tidepool export --csv`.
fn exported_objectives(root: &Path) -> Vec<f64> {
    let out = util::tidepool(&["export", "--csv", root.join("run").to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (trial, objective) = (column("trial_id"), column("objective"));
    let mut rows: Vec<(u64, f64)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (
                cells[trial].parse().unwrap(),
                cells[objective].parse().unwrap_or(f64::NAN),
            )
        })
        .collect();
    rows.sort_by_key(|(t, _)| *t);
    rows.into_iter().map(|(_, o)| o).collect()
}

fn file_identity(path: &Path) -> (u64, i64, i64) {
    let meta = std::fs::metadata(path).unwrap();
    (meta.ino(), meta.mtime(), meta.mtime_nsec())
}

#[test]
fn exe_and_dirs_pack_once_resume_reuses_and_a_changed_input_repacks() {
    let project = Project::new();
    project.write_config(3);
    let first = project.run(false);
    insta::assert_snapshot!("stagefly_first_start", project.stage_lines(&first));
    let archives = project.archives();
    assert_eq!(archives.len(), 1, "{archives:?}");
    let packed = file_identity(&archives[0]);

    project.write_config(6);
    let resumed = project.run(true);
    insta::assert_snapshot!("stagefly_resume", project.stage_lines(&resumed));
    assert_eq!(project.archives(), archives, "the same archive");
    assert_eq!(
        file_identity(&archives[0]),
        packed,
        "re-used, not rewritten"
    );

    project.set_value("0.5", 1_700_000_100);
    project.write_config(9);
    let changed = project.run(true);
    insta::assert_snapshot!("stagefly_changed_input", project.stage_lines(&changed));
    let now = project.archives();
    assert_eq!(now.len(), 1, "the earlier archive is removed: {now:?}");
    assert_ne!(now, archives, "a new archive for the new inputs");

    let objectives = exported_objectives(project.root());
    assert_eq!(
        objectives,
        [0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5],
        "each start's trials read the data file as it was packed"
    );

    let probes = project.probes();
    assert_eq!(probes.len(), 9, "every trial ran once");
    let scratch = project.root().join("scratch");
    let original = project.root().join("bin/model");
    for (exe, tinfo) in &probes {
        assert!(
            exe.starts_with(&scratch),
            "ran from the staged copy: {exe:?}"
        );
        assert!(
            exe.ends_with("exe/bin/model") && *exe != original,
            "{exe:?}"
        );
        let lib_dir = exe.parent().unwrap().parent().unwrap().join("lib");
        assert_eq!(
            tinfo.parent(),
            Some(lib_dir.as_path()),
            "libtinfo from the staged closure"
        );
    }
}

#[test]
fn stage_lines_hide_only_ids() {
    assert_eq!(
        hide_ids("archive 0123456789abcdef01234567 (x/0123456789abcdef01234567.tpk), cafe"),
        "archive [ID] (x/[ID].tpk), cafe"
    );
}

/// The one test that packs the test venv (about a minute here): `python` and a
/// `dirs` entry holding the model module, packed at the first start; the slot's
/// interpreter and its module both come from the staged copies.
#[test]
fn a_venv_packed_at_the_first_start_is_the_slots_interpreter() {
    let Some(venv) = util::test_venv() else {
        util::require(false, "the test venv (TIDEPOOL_TEST_VENV)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for dir in ["model", "probes", "scratch"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(
        root.join("model/probe.py"),
        format!(
            "import os, sys\n\
             def objective(params):\n    \
             with open(os.path.join({probes:?}, str(os.getpid())), 'w') as f:\n        \
             f.write(sys.prefix + '\\n' + __file__ + '\\n')\n    \
             return float(params['x'])\n",
            probes = root.join("probes").display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(root.join("trials.csv"), "x\n1\n2\n").unwrap();
    let config = format!(
        "[run]\nname = \"stagefly-py\"\ndir = \"run\"\n\
         [launch]\nmode = \"local\"\nagents = 1\n\
         [slots]\nper_node = 1\nheartbeat = \"20s\"\n\
         [model]\nkind = \"python\"\nfunction = \"probe:objective\"\n\
         python = {python:?}\npath = [{model:?}]\n\
         [[parameters]]\nname = \"x\"\nlower = 0\nupper = 10\n\
         [trials]\ncsv = \"trials.csv\"\n\
         [stage]\npython = {venv:?}\ndirs = [\"model\"]\n",
        python = venv.join("bin/python").display().to_string(),
        model = root.join("model").display().to_string(),
        venv = venv.display().to_string(),
    );
    std::fs::write(root.join("run.toml"), config).unwrap();
    let out = Command::new(util::bin())
        .arg("run")
        .arg(root.join("run.toml"))
        .env("TMPDIR", root.join("scratch"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let packing = format!("packing venv {}, 1 directory into ", venv.display());
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with(&packing) && l.ends_with("(first start)")),
        "{stdout}"
    );
    let probes: Vec<String> = std::fs::read_dir(root.join("probes"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(!probes.is_empty(), "no slot ran");
    let scratch = root.join("scratch");
    for probe in probes {
        let lines: Vec<&Path> = probe.lines().map(Path::new).collect();
        assert!(
            lines[0].starts_with(&scratch),
            "staged interpreter: {probe}"
        );
        assert!(lines[0].ends_with("python/venv"), "{probe}");
        assert!(lines[1].starts_with(&scratch), "staged module: {probe}");
        assert!(lines[1].ends_with("data/model/probe.py"), "{probe}");
    }
}
