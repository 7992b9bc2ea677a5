//! Resume: a serial calibration killed with SIGKILL at random points and resumed each
//! time proposes exactly what the uninterrupted run proposed, bit for bit; a parallel
//! one (`par-dds`, the default on several slots) resumes from its journal's history
//! every time; a changed search is refused naming the keys, unless `--force`.

mod pool_util;
mod util;

use pool_util::{children, show, signal, wait_gone, wait_with_deadline, SIGKILL};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use tidepool_journal::{EventKind, JournalReader};

const BUDGET: u64 = 150;

/// A serial DDS calibration of the 3-d Rosenbrock function, computed by awk after a
/// short sleep (so a run lasts long enough to be killed in the middle).
fn calibration(budget: u64, r: f64) -> String {
    format!(
        r#"[run]
name = "rosen"
dir = "run"
budget = {budget}
seed = 11
[launch]
mode = "local"
agents = 1
[slots]
per_node = 1
prefetch = 0
heartbeat = "500ms"
[model]
kind = "command"
stages = [[
  "sh", "-c",
  'sleep 0.02; awk -v a="$0" -v b="$1" -v c="$2" "BEGIN {{ printf \"%.17g\\n\", 100*(b-a*a)^2 + (1-a)^2 + 100*(c-b*b)^2 + (1-b)^2 }}"',
  "{{x0}}", "{{x1}}", "{{x2}}",
]]
[optimizer]
algorithm = "dds"
r = {r:?}
[[parameters]]
name = "x0"
lower = -2.0
upper = 2.0
[[parameters]]
name = "x1"
lower = -2.0
upper = 2.0
initial = 0.5
[[parameters]]
name = "x2"
lower = 0.01
upper = 4.0
transform = "log10"
"#
    )
}

/// The model is a shell pipeline with awk and sleep.
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
    fn new(budget: u64, r: f64) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let calib = Calib { tmp };
        calib.write(budget, r);
        calib
    }

    /// The same calibration on four slots with the default algorithm.
    fn parallel(budget: u64) -> Self {
        let calib = Calib::new(budget, 0.2);
        let text = calibration(budget, 0.2)
            .replace("per_node = 1", "per_node = 4")
            .replace("algorithm = \"dds\"\n", "");
        std::fs::write(calib.config(), text).unwrap();
        calib
    }

    fn write(&self, budget: u64, r: f64) {
        std::fs::write(self.config(), calibration(budget, r)).unwrap();
    }

    fn config(&self) -> PathBuf {
        self.tmp.path().join("calib.toml")
    }

    fn run_dir(&self) -> PathBuf {
        self.tmp.path().join("run")
    }

    fn command(&self, extra: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tidepool"));
        cmd.arg("run")
            .arg(self.config())
            .args(extra)
            .env("TMPDIR", self.tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn run(&self, extra: &[&str]) -> Output {
        let child = self.command(extra).spawn().unwrap();
        wait_with_deadline(child, Duration::from_secs(120))
    }
}

/// Proposals in order: (id, parameter bits).
fn proposals(run_dir: &Path) -> Vec<(u64, Vec<u64>)> {
    let reader = JournalReader::open(run_dir).unwrap();
    reader
        .proposals()
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.params.iter().map(|v| v.to_bits()).collect()))
        .collect()
}

/// Every trial observed exactly once, and how many.
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

/// `tidepool status RUNDIR --json`, parsed.
fn status_json(run_dir: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_tidepool"))
        .arg("status")
        .arg(run_dir)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A small deterministic generator for the kill delays (splitmix64).
struct Delays(u64);

impl Delays {
    fn next_ms(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        lo + (z ^ (z >> 31)) % (hi - lo)
    }
}

#[test]
fn sigkilled_serial_run_resumes_bit_for_bit() {
    if !have_tools() {
        return;
    }
    let whole = Calib::new(BUDGET, 0.2);
    let out = whole.run(&[]);
    assert!(out.status.success(), "{}", show(&out));
    let expected = proposals(&whole.run_dir());
    assert_eq!(expected.len() as u64, BUDGET);
    assert_eq!(observed_once(&whole.run_dir()), BUDGET as usize);

    let killed = Calib::new(BUDGET, 0.2);
    let (kills_mid_run, agents_seen) = kill_repeatedly(&killed, 4, 20_261_124, (200, 800));
    assert!(
        kills_mid_run >= 2,
        "only {kills_mid_run} kills hit a running run"
    );
    let observed_before = observed_once(&killed.run_dir());
    assert!(observed_before < BUDGET as usize, "the kills came too late");
    let out = killed.run(&[]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("resuming run rosen"));

    let got = proposals(&killed.run_dir());
    assert_eq!(got.len(), expected.len());
    for (a, b) in got.iter().zip(&expected) {
        assert_eq!(a, b, "proposal {} differs from the uninterrupted run", b.0);
    }
    assert_eq!(observed_once(&killed.run_dir()), BUDGET as usize);
    let reader = JournalReader::open(&killed.run_dir()).unwrap();
    let events = reader.events().unwrap();
    let resumed = events
        .iter()
        .filter(|e| e.kind == EventKind::Resumed)
        .count();
    assert!(resumed >= 3, "{events:?}");
    assert_eq!(events.last().unwrap().kind, EventKind::Finished);
    let best = reader.best().unwrap().unwrap();
    let whole_best = JournalReader::open(&whole.run_dir())
        .unwrap()
        .best()
        .unwrap()
        .unwrap();
    assert_eq!(
        best.objective.map(f64::to_bits),
        whole_best.objective.map(f64::to_bits)
    );
    let status = status_json(&killed.run_dir());
    assert_eq!(status["best_objective"].as_f64(), whole_best.objective);
    let names: Vec<&String> = status["best_parameters"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(names, ["x0", "x1", "x2"]);
    assert_eq!(status["journal"]["observed"], BUDGET);
    assert!(
        wait_gone(&agents_seen, Duration::from_secs(15)),
        "tidepool agents left: {agents_seen:?}"
    );

    let again = killed.run(&[]);
    assert!(again.status.success(), "{}", show(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("already finished"));
}

/// Starts `calib`'s run and kills it with SIGKILL after a delay drawn from `ms`,
/// `times` times; how many kills hit a running run, and the agents seen.
fn kill_repeatedly(calib: &Calib, times: usize, seed: u64, ms: (u64, u64)) -> (usize, Vec<u32>) {
    let mut delays = Delays(seed);
    let mut agents_seen = Vec::new();
    let mut kills_mid_run = 0;
    for _ in 0..times {
        let mut child = calib.command(&[]).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delays.next_ms(ms.0, ms.1)));
        let agents = children(child.id());
        agents_seen.extend(&agents);
        if child.try_wait().unwrap().is_none() {
            signal(child.id(), SIGKILL);
            kills_mid_run += 1;
        }
        let _ = child.wait();
        assert!(
            wait_gone(&agents, Duration::from_secs(15)),
            "agents {agents:?} outlived their killed coordinator"
        );
    }
    (kills_mid_run, agents_seen)
}

/// Results arrive in a timing-dependent order on four slots, so there is no
/// uninterrupted run to compare with; but every resume replays the journal (proposals
/// and the order of observations) into a fresh `par-dds` and refuses a history it
/// would not have proposed, so a run that resumes each time and finishes proves the
/// replay proposed the journal's trials bit for bit.
#[test]
fn sigkilled_parallel_run_resumes_from_its_journal() {
    if !have_tools() {
        return;
    }
    let budget = 2 * BUDGET;
    let calib = Calib::parallel(budget);
    let (kills, _) = kill_repeatedly(&calib, 3, 20_261_201, (300, 900));
    assert!(kills >= 2, "only {kills} kills hit a running run");
    assert!(
        observed_once(&calib.run_dir()) < budget as usize,
        "the kills came too late"
    );
    let out = calib.run(&[]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("resuming run rosen"));
    assert_eq!(observed_once(&calib.run_dir()), budget as usize);
    assert_eq!(proposals(&calib.run_dir()).len() as u64, budget);
    let reader = JournalReader::open(&calib.run_dir()).unwrap();
    let events = reader.events().unwrap();
    let started = events
        .iter()
        .find(|e| e.kind == EventKind::Started)
        .unwrap();
    assert!(
        started.detail.contains(r#""algorithm":"par-dds""#),
        "{started:?}"
    );
    assert!(started.detail.contains(r#""slots":4"#), "{started:?}");
    let resumed = events
        .iter()
        .filter(|e| e.kind == EventKind::Resumed)
        .count();
    assert!(resumed >= 2, "{events:?}");
    assert_eq!(events.last().unwrap().kind, EventKind::Finished);
}

#[test]
fn a_changed_search_is_refused_unless_forced() {
    if !have_tools() {
        return;
    }
    let calib = Calib::new(20, 0.2);
    let out = calib.run(&[]);
    assert!(out.status.success(), "{}", show(&out));

    calib.write(20, 0.3);
    let refused = calib.run(&[]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("optimizer.r"), "{stderr}");
    assert!(!stderr.contains("run.budget"), "{stderr}");

    calib.write(30, 0.3);
    let forced = calib.run(&["--force"]);
    assert!(forced.status.success(), "{}", show(&forced));
    assert_eq!(observed_once(&calib.run_dir()), 30);
    let reader = JournalReader::open(&calib.run_dir()).unwrap();
    let events = reader.events().unwrap();
    assert!(
        events.iter().any(|e| e.kind == EventKind::Resumed
            && e.detail.contains("optimizer.r")
            && e.detail.contains("run.budget")),
        "{events:?}"
    );
    let ids: Vec<u64> = reader.proposals().unwrap().iter().map(|p| p.id).collect();
    assert_eq!(ids, (0..30).collect::<Vec<u64>>());

    let export = Command::new(env!("CARGO_BIN_EXE_tidepool"))
        .args(["export", "--csv"])
        .arg(calib.run_dir())
        .output()
        .unwrap();
    assert!(export.status.success(), "{}", show(&export));
    let csv = String::from_utf8_lossy(&export.stdout);
    assert!(csv.starts_with("trial_id,"), "{csv}");
    assert_eq!(
        csv.lines().filter(|l| l.contains(",ok,")).count(),
        30,
        "{csv}"
    );
}

#[test]
fn sigterm_records_the_interruption_and_the_resume_completes() {
    if !have_tools() {
        return;
    }
    let calib = Calib::new(60, 0.2);
    let child = calib.command(&[]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let agents = children(child.id());
    signal(child.id(), pool_util::SIGTERM);
    let out = wait_with_deadline(child, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    assert!(wait_gone(&agents, Duration::from_secs(15)), "{agents:?}");
    let reader = JournalReader::open(&calib.run_dir()).unwrap();
    let last = reader.events().unwrap().last().cloned().unwrap();
    assert_eq!(last.kind, EventKind::Interrupted, "{last:?}");
    let before = reader.counts().unwrap().observed;
    assert!(before < 60, "the run ended before SIGTERM");

    let out = calib.run(&[]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(observed_once(&calib.run_dir()), 60);
}

#[test]
fn a_model_without_objective_fails_under_an_optimiser_with_the_reason() {
    if !have_tools() {
        return;
    }
    let calib = Calib::new(5, 0.2);
    let text = std::fs::read_to_string(calib.config()).unwrap();
    let start = text.find("stages = [[").unwrap();
    let end = text.find("]]\n").unwrap() + 3;
    let silent = format!(
        "{}stages = [[\"echo\", \"no objective here\"]]\n{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(calib.config(), silent).unwrap();
    let out = calib.run(&[]);
    // All five trials fail alike: the run stops (fail-fast), resumable.
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the first 5 trials all failed"), "{stderr}");
    let reader = JournalReader::open(&calib.run_dir()).unwrap();
    let mut reasons = Vec::new();
    reader
        .for_each_trial(|t| {
            reasons.push((t.status.as_str().to_string(), t.failure_reason));
            Ok(())
        })
        .unwrap();
    assert_eq!(reasons.len(), 5);
    for (status, reason) in reasons {
        assert_eq!(status, "failed");
        let reason = reason.unwrap_or_default();
        assert!(
            reason.contains("without an objective") && reason.contains("`dds`"),
            "{reason}"
        );
    }
    assert!(reader.best().unwrap().is_none());
}
