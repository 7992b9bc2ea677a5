//! Persistent `python` slots through the real binary: one interpreter per slot imports
//! the user's module once; an interpreter that dies is restarted through the start gate
//! and its trial retried; exceptions fail only the trial.

mod pool_util;
mod util;

use pool_util::show;
use std::path::Path;
use util::{require, test_venv};

/// A run directory with a `python` model: `model.py` holds `source`, `function` is
/// its entry point, `rows` the values of the single parameter `x`.
fn python_run(source: &str, rows: usize, extra: &str) -> Option<tempfile::TempDir> {
    let venv = test_venv();
    if !require(venv.is_some(), "the test venv (TIDEPOOL_TEST_VENV)") {
        return None;
    }
    let python = venv.unwrap().join("bin/python");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("model.py"), source).unwrap();
    let csv: String = std::iter::once("x\n".to_string())
        .chain((0..rows).map(|i| format!("{i}\n")))
        .collect();
    std::fs::write(dir.join("trials.csv"), csv).unwrap();
    let config = format!(
        "[run]\nname = \"py\"\ndir = \"run\"\n[launch]\nmode = \"local\"\nagents = 1\n\
         [slots]\nper_node = 2\n{extra}\n\
         [model]\nkind = \"python\"\nfunction = \"model:evaluate\"\npython = \"{}\"\npath = [\"{}\"]\n\
         [[parameters]]\nname = \"x\"\nlower = 0\nupper = 1000\n[trials]\ncsv = \"trials.csv\"\n",
        python.display(),
        dir.display()
    );
    std::fs::write(dir.join("run.toml"), config).unwrap();
    Some(tmp)
}

fn run(dir: &Path) -> (std::process::Output, serde_json::Value) {
    let out = pool_util::tidepool()
        .arg("run")
        .arg(dir.join("run.toml"))
        .env("TMPDIR", dir)
        .output()
        .unwrap();
    let status = pool_util::tidepool()
        .args(["status", "--json"])
        .arg(dir.join("run"))
        .output()
        .unwrap();
    let status = serde_json::from_slice(&status.stdout).unwrap_or_default();
    (out, status)
}

/// The interpreter of the slot dies (os._exit) on the first attempt of trials 3 and 7:
/// the slot restarts, the trials are retried and succeed.
#[test]
fn a_dying_interpreter_is_restarted_and_its_trial_retried() {
    let claims = tempfile::tempdir().unwrap();
    let source = format!(
        "import os\nimport pandas\n\ndef evaluate(p):\n    x = int(p['x'])\n    \
         if x in (3, 7):\n        try:\n            os.mkdir('{}/claim-%d' % x)\n            os._exit(3)\n        \
         except FileExistsError:\n            pass\n    return float(x) ** 2\n",
        claims.path().display()
    );
    let Some(tmp) = python_run(&source, 20, "") else {
        return;
    };
    let (out, status) = run(tmp.path());
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(status["trials_done"], 20, "{status}");
    assert_eq!(status["trials_failed"], 0, "{status}");
    assert!(claims.path().join("claim-3").exists() && claims.path().join("claim-7").exists());
}

/// An exception fails the trial, not the slot: the other trials complete.
#[test]
fn an_exception_fails_only_its_trial() {
    let source = "def evaluate(p):\n    if int(p['x']) == 4:\n        raise ValueError('bad x')\n    return p['x']\n";
    let Some(tmp) = python_run(source, 10, "") else {
        return;
    };
    let (out, status) = run(tmp.path());
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(status["trials_done"], 10, "{status}");
    assert_eq!(status["trials_failed"], 1, "{status}");
}

/// A module that cannot be imported stops the run with the traceback, naming the slot.
#[test]
fn an_import_error_is_reported_with_its_traceback() {
    let Some(tmp) = python_run("import no_such_module_here\n", 3, "") else {
        return;
    };
    let (out, _) = run(tmp.path());
    assert!(!out.status.success(), "{}", show(&out));
    let text = show(&out);
    assert!(text.contains("no_such_module_here"), "{text}");
}
