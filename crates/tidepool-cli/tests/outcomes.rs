//! Trial outcomes through the real binary (issue 12, items 2 to 5): non-finite
//! objectives fail their trial, a result line over the old 64 KiB window is read (and
//! one over the limit fails saying so), the failure counts of the summary, status.json
//! and the journal agree, a failed run is journalled as `failed`, and a run whose first
//! trials all fail alike stops, resumably, without spending its budget.

mod pool_util;
mod util;

use pool_util::show;
use std::path::{Path, PathBuf};
use std::process::Output;
use tidepool_journal::{JournalReader, TrialRecord};

/// A temporary directory holding `run.toml`; the run directory is `run` inside it.
struct Run {
    tmp: tempfile::TempDir,
}

impl Run {
    /// A run of `model` (a `[model]` table's body) with one parameter `x` in [0, 1e6]
    /// and `search` (`[trials]`, `[optimizer]`, `[run] budget` ...) plus `slots` lines.
    fn new(model: &str, search: &str, slots: &str) -> Run {
        let tmp = tempfile::tempdir().unwrap();
        let run = Run { tmp };
        run.write(model, search, slots);
        run
    }

    /// A run over the list `rows` of values of `x`, on one slot.
    fn list(model: &str, rows: &[&str], slots: &str) -> Run {
        let run = Run::new(model, "[trials]\ncsv = \"trials.csv\"\n", slots);
        let csv: String = std::iter::once("x").chain(rows.iter().copied()).fold(
            String::new(),
            |mut text, row| {
                text.push_str(row);
                text.push('\n');
                text
            },
        );
        std::fs::write(run.dir().join("trials.csv"), csv).unwrap();
        run
    }

    fn write(&self, model: &str, search: &str, slots: &str) {
        let config = format!(
            "[run]\nname = \"outcomes\"\ndir = \"run\"\nseed = 5\n{search_run}\
             [launch]\nmode = \"local\"\nagents = 1\n\
             [slots]\n{per_node}prefetch = 0\nheartbeat = \"500ms\"\n{slots}\n\
             [model]\n{model}\n\
             [[parameters]]\nname = \"x\"\nlower = 0\nupper = 1e6\n{search_rest}",
            per_node = match slots.contains("per_node") {
                true => "",
                false => "per_node = 1\n",
            },
            search_run = search
                .lines()
                .filter(|l| l.starts_with("budget"))
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
            search_rest = search
                .lines()
                .filter(|l| !l.starts_with("budget"))
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
        );
        std::fs::write(self.dir().join("run.toml"), config).unwrap();
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    fn run_dir(&self) -> PathBuf {
        self.dir().join("run")
    }

    fn run(&self, extra: &[&str]) -> Output {
        let child = pool_util::tidepool()
            .arg("run")
            .arg(self.dir().join("run.toml"))
            .args(extra)
            .env("TMPDIR", self.dir())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        pool_util::wait_with_deadline(child, std::time::Duration::from_secs(120))
    }

    fn trials(&self) -> Vec<TrialRecord> {
        let reader = JournalReader::open(&self.run_dir()).unwrap();
        let mut trials = Vec::new();
        reader
            .for_each_trial(|t| {
                trials.push(t);
                Ok(())
            })
            .unwrap();
        trials
    }

    fn status_file(&self) -> serde_json::Value {
        let text = std::fs::read(self.run_dir().join("status.json")).unwrap();
        serde_json::from_slice(&text).unwrap()
    }
}

fn have_sh() -> bool {
    util::require(
        util::which("sh").is_some() && util::which("awk").is_some(),
        "sh and awk on PATH",
    )
}

/// `[model]` of a command that runs `script` under `sh -c` with `x` as `$0`.
fn shell_model(script: &str) -> String {
    let script = script
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("kind = \"command\"\nstages = [[\"sh\", \"-c\", \"{script}\", \"{{x}}\"]]")
}

fn status_of(trial: &TrialRecord) -> (&str, Option<f64>, String) {
    (
        trial.status.as_str(),
        trial.objective,
        trial.failure_reason.clone().unwrap_or_default(),
    )
}

#[test]
fn non_finite_objectives_of_a_command_fail_their_trial() {
    if !have_sh() {
        return;
    }
    let script = r#"case $0 in
        0) echo -inf;; 1) echo inf;; 2) echo 1e999;; 3) echo Infinity;; 4) echo nan;;
        5) echo '{"objective": -1e999}';; 6) echo 2.5;; esac"#;
    let run = Run::list(
        &shell_model(script),
        &["0", "1", "2", "3", "4", "5", "6"],
        "",
    );
    let out = run.run(&["--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let trials = run.trials();
    assert_eq!(trials.len(), 7);
    for (trial, shown) in
        trials[..6]
            .iter()
            .zip(["-inf", "inf", "1e999", "Infinity", "nan", "objective"])
    {
        let (status, objective, reason) = status_of(trial);
        assert_eq!((status, objective), ("failed", None), "{trial:?}");
        assert!(
            reason.contains(shown) && reason.contains("finite"),
            "trial {}: {reason}",
            trial.id
        );
    }
    assert_eq!(status_of(&trials[6]).0, "ok");
    let status = run.status_file();
    assert_eq!(status["best_objective"], 2.5, "{status}");
    assert_eq!(status["trials_failed"], 6, "{status}");
}

/// A python model: `model.py` holds `source`; its function is `evaluate`.
fn python_model(run_dir: &Path, source: &str) -> Option<String> {
    let venv = util::test_venv();
    if !util::require(venv.is_some(), "the test venv (TIDEPOOL_TEST_VENV)") {
        return None;
    }
    std::fs::write(run_dir.join("model.py"), source).unwrap();
    Some(format!(
        "kind = \"python\"\nfunction = \"model:evaluate\"\npython = \"{}\"\npath = [\"{}\"]",
        venv.unwrap().join("bin/python").display(),
        run_dir.display()
    ))
}

#[test]
fn non_finite_objectives_of_a_python_function_fail_their_trial() {
    let run = Run::list("kind = \"noop\"", &["0", "1", "2", "3", "4"], "");
    let source = "import math\n\
        def evaluate(p):\n    \
            return [float('-inf'), math.inf, float('nan'), {'objective': 1e308 * 10},\n            \
                    {'objective': 0.5, 'peak': float('nan')}][int(p['x'])]\n";
    let Some(model) = python_model(run.dir(), source) else {
        return;
    };
    run.write(&model, "[trials]\ncsv = \"trials.csv\"\n", "");
    let out = run.run(&[]);
    assert!(out.status.success(), "{}", show(&out));
    let trials = run.trials();
    for (trial, shown) in trials[..4].iter().zip(["-inf", "inf", "nan", "inf"]) {
        let (status, objective, reason) = status_of(trial);
        assert_eq!((status, objective), ("failed", None), "{trial:?}");
        assert!(
            reason.contains(shown) && reason.contains("finite"),
            "{reason}"
        );
    }
    let last = &trials[4];
    assert_eq!((last.status.as_str(), last.objective), ("ok", Some(0.5)));
    assert!(last.responses["peak"].is_nan(), "{last:?}");
    assert_eq!(run.status_file()["best_objective"], 0.5);
}

/// awk printing a JSON object with `objective` 1.5 and `n` responses on one line.
fn wide_line(n: usize) -> String {
    format!(
        "awk 'BEGIN {{ printf \"{{\\\"objective\\\": 1.5\"; \
         for (i = 0; i < {n}; i++) printf \", \\\"r%d\\\": %d\", i, i; print \"}}\" }}'"
    )
}

#[test]
fn a_result_line_over_64_kib_is_read_and_one_over_the_limit_fails_saying_so() {
    if !have_sh() {
        return;
    }
    // 8,000 responses are about 110 KiB; 100,000 about 1.6 MiB, over the 1 MiB limit.
    let script = format!(
        "echo starting; if [ $0 = 0 ]; then {}; else {}; fi",
        wide_line(8_000),
        wide_line(100_000)
    );
    let run = Run::list(&shell_model(&script), &["0", "1"], "");
    let out = run.run(&[]);
    assert!(out.status.success(), "{}", show(&out));
    let trials = run.trials();
    let (status, objective, _) = status_of(&trials[0]);
    assert_eq!(
        (status, objective),
        ("ok", Some(1.5)),
        "{:?}",
        trials[0].failure_reason
    );
    assert_eq!(trials[0].responses.len(), 8_000);
    assert_eq!(trials[0].responses["r7999"], 7999.0);
    let (status, objective, reason) = status_of(&trials[1]);
    assert_eq!((status, objective), ("failed", None));
    assert!(
        reason.contains("longer than") && reason.contains("1 MiB"),
        "{reason}"
    );
}

#[test]
fn a_python_result_over_the_limit_fails_saying_so() {
    let run = Run::list("kind = \"noop\"", &["0", "1"], "");
    let source = "def evaluate(p):\n    \
        n = 8_000 if p['x'] == 0 else 100_000\n    \
        return {'objective': 1.5, **{f'r{i}': i for i in range(n)}}\n";
    let Some(model) = python_model(run.dir(), source) else {
        return;
    };
    run.write(&model, "[trials]\ncsv = \"trials.csv\"\n", "");
    let out = run.run(&[]);
    assert!(out.status.success(), "{}", show(&out));
    let trials = run.trials();
    assert_eq!(status_of(&trials[0]).0, "ok");
    assert_eq!(trials[0].responses.len(), 8_000);
    let (status, _, reason) = status_of(&trials[1]);
    assert_eq!(status, "failed");
    assert!(
        reason.contains("longer than") && reason.contains("1 MiB"),
        "{reason}"
    );
}

/// Trials whose id is 1 mod 3 print no objective, 2 mod 3 exit with code 1: 8 of 12
/// fail under `dds`, which needs an objective.
#[test]
fn failure_counts_agree_in_summary_status_and_journal() {
    if !have_sh() {
        return;
    }
    let script = "case $((TIDEPOOL_TRIAL % 3)) in 0) echo $0;; 1) echo no objective here;; \
                  2) exit 1;; esac";
    let search = "budget = 12\n[optimizer]\nalgorithm = \"dds\"";
    let run = Run::new(&shell_model(script), search, "");
    let out = run.run(&["--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reader = JournalReader::open(&run.run_dir()).unwrap();
    let counts = reader.counts().unwrap();
    let journal_failed = counts.failed + counts.timed_out;
    assert_eq!(journal_failed, 8, "{counts:?}");
    assert_eq!(summary["trials_failed"], 8, "{summary}");
    assert_eq!(run.status_file()["trials_failed"], 8);
    let observed = reader.observations().unwrap();
    let failed_observations = observed.iter().filter(|o| o.objective.is_none()).count();
    assert_eq!(failed_observations, 8);
    let human = run.run(&[]);
    assert!(human.status.success(), "{}", show(&human));
}

fn last_event(run: &Run) -> (String, String) {
    let reader = JournalReader::open(&run.run_dir()).unwrap();
    let last = reader.events().unwrap().last().cloned().unwrap();
    (last.kind.as_str().to_string(), last.detail)
}

/// The error lines of stderr, temporary paths filtered.
fn error_lines(out: &Output, dir: &Path) -> String {
    let text = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "[TMP]");
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("error:"))
        .collect();
    format!("exit code: {:?}\n{}", out.status.code(), lines.join("\n"))
}

#[test]
fn a_model_that_cannot_run_stops_the_run_without_spending_the_budget() {
    if !have_sh() {
        return;
    }
    let search = "budget = 20\n[optimizer]\nalgorithm = \"dds\"";
    let run = Run::new(
        &shell_model("echo cannot find input >&2; exit 3"),
        search,
        "per_node = 2",
    );
    let out = run.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    insta::assert_snapshot!("fail_fast", error_lines(&out, run.dir()));
    let (kind, detail) = last_event(&run);
    assert_eq!(kind, "failed", "{detail}");
    assert!(detail.contains("exited with code 3"), "{detail}");
    let reader = JournalReader::open(&run.run_dir()).unwrap();
    assert_eq!(reader.counts().unwrap().observed, 0);
    assert_eq!(run.status_file()["state"], "failed");

    run.write(&shell_model("echo $0"), search, "per_node = 2");
    let out = run.run(&[]);
    assert!(out.status.success(), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("0 trials observed, 20 to go"),
        "{}",
        show(&out)
    );
    let reader = JournalReader::open(&run.run_dir()).unwrap();
    let counts = reader.counts().unwrap();
    assert_eq!(
        (counts.observed, counts.ok, counts.proposed),
        (20, 20, 20),
        "{counts:?}"
    );
    assert_eq!(last_event(&run).0, "finished");
}

#[test]
fn a_python_function_that_always_raises_stops_the_run() {
    let run = Run::new("kind = \"noop\"", "", "");
    let source = "def evaluate(p):\n    raise FileNotFoundError('forcing.nc')\n";
    let Some(model) = python_model(run.dir(), source) else {
        return;
    };
    let search = "budget = 10\n[optimizer]\nalgorithm = \"dds\"";
    run.write(&model, search, "fail_fast = 3");
    let out = run.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let errors = error_lines(&out, run.dir());
    assert!(
        errors.contains("the first 3 trials all failed")
            && errors.contains("FileNotFoundError: forcing.nc"),
        "{errors}"
    );
    assert_eq!(last_event(&run).0, "failed");
    let reader = JournalReader::open(&run.run_dir()).unwrap();
    assert_eq!(reader.counts().unwrap().observed, 0);
}

#[test]
fn fail_fast_zero_runs_every_trial() {
    if !have_sh() {
        return;
    }
    let run = Run::list(
        &shell_model("exit 3"),
        &["0", "1", "2", "3", "4", "5"],
        "fail_fast = 0",
    );
    let out = run.run(&["--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["trials_failed"], 6, "{summary}");
    assert_eq!(last_event(&run).0, "finished");
}
