//! Real jobs under real Slurm: a private two-node cluster (`scripts/slurm-up`, nodes
//! tp1 and tp2, through `tidepool_testkit::slurm`) runs the script `tidepool
//! slurm-script` prints, submitted with `sbatch` and watched with `squeue`, the way a
//! user submits a calibration. The journal then shows the budget reached, trials run
//! on both nodes (agents started by `srun`; an agent announces Slurm's node name) and
//! none lost. A job whose time limit is too short gets Slurm's SIGTERM, records the run
//! as interrupted, and the same run resubmitted resumes and finishes. Skips visibly
//! without Slurm; fails under CI=true.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tidepool_config::RunConfig;
use tidepool_journal::{EventKind, JournalReader, TrialStatus};
use tidepool_testkit::slurm::SlurmCluster;

/// A DDS calibration of the 2-d Rosenbrock function, computed by awk after a sleep of
/// `sleep` seconds per trial. No `[launch] mode`: inside the job it is `slurm`. One
/// slot per node (each test node has one CPU). To calibrate the hymod example instead,
/// make the job with `Job::copy_of(&cluster, "examples/hymod-exe", "tidepool.toml")`.
fn calibration(budget: u64, sleep: f64) -> String {
    format!(
        r#"[run]
name = "rosen"
dir = "run"
budget = {budget}
seed = 5
[slots]
per_node = 1
prefetch = 0
heartbeat = "500ms"
[model]
kind = "command"
stages = [[
  "sh", "-c",
  'sleep {sleep}; awk -v a="$0" -v b="$1" "BEGIN {{ printf \"%.17g\\n\", 100*(b-a*a)^2 + (1-a)^2 }}"',
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
"#
    )
}

/// A calibration in a temporary project directory, submitted to a cluster.
struct Job<'c> {
    cluster: &'c SlurmCluster,
    project: tempfile::TempDir,
    config: PathBuf,
}

impl<'c> Job<'c> {
    /// A project holding only `calib.toml` with `config`.
    fn new(cluster: &'c SlurmCluster, config: &str) -> Self {
        let project = tempfile::Builder::new().prefix("tp-job").tempdir().unwrap();
        let path = project.path().join("calib.toml");
        std::fs::write(&path, config).unwrap();
        Job {
            cluster,
            project,
            config: path,
        }
    }

    /// A copy of a project directory of the repository (e.g. an example), with its
    /// config file `config`.
    #[allow(dead_code)]
    fn copy_of(cluster: &'c SlurmCluster, dir: &str, config: &str) -> Self {
        let project = tempfile::Builder::new().prefix("tp-job").tempdir().unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(dir);
        copy_tree(&from, project.path());
        let path = project.path().join(config);
        Job {
            cluster,
            project,
            config: path,
        }
    }

    fn config(&self) -> PathBuf {
        self.config.clone()
    }

    fn loaded(&self) -> RunConfig {
        RunConfig::load(&self.config).unwrap()
    }

    fn budget(&self) -> u64 {
        self.loaded()
            .run
            .budget
            .expect("the test configs set [run] budget")
    }

    fn run_dir(&self) -> PathBuf {
        self.loaded().run_dir()
    }

    /// `tidepool slurm-script calib.toml --nodes 2 ARGS`, written to `name`.
    fn script(&self, name: &str, args: &[&str]) -> PathBuf {
        let out = Command::new(util::bin())
            .arg("slurm-script")
            .arg(self.config())
            .args(["--nodes", "2"])
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "slurm-script failed: {}", show(&out));
        let path = self.project.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `sbatch SCRIPT`; the job id.
    fn submit(&self, script: &Path) -> u64 {
        let out = self
            .cluster
            .command("sbatch")
            .arg("--parsable")
            .arg(script)
            .env("TMPDIR", self.project.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "sbatch failed: {}", show(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        text.trim()
            .split(';')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("sbatch printed no job id: {text}"))
    }

    /// Polls `squeue` until the job has left the queue; the job's output file.
    fn wait(&self, job: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let out = self
                .cluster
                .command("squeue")
                .args(["-h", "-o", "%i", "-j", &job.to_string()])
                .output()
                .unwrap();
            let listed = String::from_utf8_lossy(&out.stdout);
            if listed.trim().is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "job {job} still queued after 300 s:\n{}",
                self.output(job)
            );
            std::thread::sleep(Duration::from_millis(500));
        }
        self.output(job)
    }

    /// What the job printed (`slurm-NAME-JOBID.out` beside the config).
    fn output(&self, job: u64) -> String {
        let name = &self.loaded().run.name;
        let path = self
            .config
            .with_file_name(format!("slurm-{name}-{job}.out"));
        std::fs::read_to_string(path).unwrap_or_default()
    }

    /// The job's final state as Slurm accounts it (`scontrol show job`).
    fn state(&self, job: u64) -> String {
        self.field(job, "JobState")
    }

    /// A `KEY=VALUE` field of `scontrol show job`.
    fn field(&self, job: u64, key: &str) -> String {
        let out = self
            .cluster
            .command("scontrol")
            .args(["show", "job", &job.to_string()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let prefix = format!("{key}=");
        text.split_whitespace()
            .find_map(|f| f.strip_prefix(&prefix))
            .unwrap_or("unknown")
            .to_string()
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn show(out: &std::process::Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// What the journal says about the run.
struct Journal {
    observed: Vec<u64>,
    proposed: Vec<u64>,
    ok_nodes: BTreeMap<u64, String>,
    unfinished: Vec<(u64, TrialStatus)>,
    events: Vec<EventKind>,
}

fn journal(run_dir: &Path) -> Journal {
    let reader = JournalReader::open(run_dir).unwrap();
    let observed = reader
        .observations()
        .unwrap()
        .iter()
        .map(|o| o.trial_id)
        .collect();
    let proposed = reader.proposals().unwrap().iter().map(|p| p.id).collect();
    let mut ok_nodes = BTreeMap::new();
    let mut unfinished = Vec::new();
    reader
        .for_each_trial(|t| {
            match t.status {
                TrialStatus::Ok => {
                    ok_nodes.insert(t.id, t.node.unwrap_or_default());
                }
                s => unfinished.push((t.id, s)),
            }
            Ok(())
        })
        .unwrap();
    let events = reader.events().unwrap().iter().map(|e| e.kind).collect();
    Journal {
        observed,
        proposed,
        ok_nodes,
        unfinished,
        events,
    }
}

/// Each trial observed at most once, and every observed trial recorded ok.
fn assert_nothing_lost(j: &Journal) {
    let unique: BTreeSet<u64> = j.observed.iter().copied().collect();
    assert_eq!(unique.len(), j.observed.len(), "a trial was observed twice");
    for id in &j.observed {
        assert!(j.ok_nodes.contains_key(id), "observed trial {id} not ok");
    }
    for id in j.ok_nodes.keys() {
        assert!(
            unique.contains(id),
            "trial {id} ran ok but was never observed"
        );
    }
}

#[test]
fn a_submitted_job_reaches_its_budget_on_both_nodes() {
    let Some(cluster) = SlurmCluster::start() else {
        return;
    };
    let job = Job::new(&cluster, &calibration(24, 0.1));
    let budget = job.budget();
    let script = job.script("job.sh", &["--time", "5"]);
    let id = job.submit(&script);
    let output = job.wait(id);
    assert_eq!(job.state(id), "COMPLETED", "{output}");
    // The coordinator started its agents with one srun step over the allocation.
    assert!(
        output.contains("srun step in job") && output.contains("(tp1, tp2)"),
        "{output}"
    );

    let j = journal(&job.run_dir());
    assert_eq!(j.observed.len() as u64, budget, "{output}");
    assert_eq!(j.proposed.len() as u64, budget, "{output}");
    assert_nothing_lost(&j);
    assert!(j.unfinished.is_empty(), "{:?}", j.unfinished);
    let nodes: BTreeSet<&str> = j.ok_nodes.values().map(String::as_str).collect();
    assert_eq!(
        nodes,
        BTreeSet::from(["tp1", "tp2"]),
        "trials ran on {nodes:?}:\n{output}"
    );
    assert_eq!(
        j.events.last(),
        Some(&EventKind::Finished),
        "{:?}",
        j.events
    );
}

#[test]
fn a_job_past_its_time_limit_is_interrupted_and_resumes_when_resubmitted() {
    let Some(cluster) = SlurmCluster::start() else {
        return;
    };
    // Two slots, a second per trial: at least 60 s of work, more than the one-minute
    // limit allows. Slurm signals 20 s before the limit (up to its 30 s check period
    // earlier).
    let job = Job::new(&cluster, &calibration(120, 1.0));
    let budget = job.budget();
    let short = job.script("short.sh", &["--time", "1", "--signal-lead", "20"]);
    let first = job.submit(&short);
    let output = job.wait(first);
    let j = journal(&job.run_dir());
    assert_eq!(
        j.events.last(),
        Some(&EventKind::Interrupted),
        "events {:?}:\n{output}",
        j.events
    );
    assert_nothing_lost(&j);
    let before = j.observed.len() as u64;
    assert!(
        before < budget,
        "the first job was not cut short:\n{output}"
    );
    // tidepool stopped by itself on the signal, with its resumable exit code 130;
    // Slurm did not have to kill it at the limit (that would be TIMEOUT).
    assert_eq!(job.state(first), "FAILED", "{output}");
    assert_eq!(job.field(first, "ExitCode"), "130:0", "{output}");

    let again = job.script("again.sh", &["--time", "5"]);
    let second = job.submit(&again);
    let output = job.wait(second);
    assert_eq!(job.state(second), "COMPLETED", "{output}");
    let j = journal(&job.run_dir());
    assert_eq!(j.observed.len() as u64, budget, "{output}");
    assert_nothing_lost(&j);
    let resumed = j.events.iter().position(|e| *e == EventKind::Resumed);
    let interrupted = j.events.iter().position(|e| *e == EventKind::Interrupted);
    assert!(
        interrupted < resumed && interrupted.is_some(),
        "{:?}",
        j.events
    );
    assert_eq!(
        j.events.last(),
        Some(&EventKind::Finished),
        "{:?}",
        j.events
    );
}

/// `--signal-lead` sets the `--signal=B:TERM@S` line; the limit must be at least twice
/// the lead (a one-minute job takes at most 30 s), and the default lead (60 s) does not
/// fit a one-minute job. Needs no Slurm.
#[test]
fn slurm_script_takes_a_signal_lead_that_fits_the_limit() {
    let project = tempfile::tempdir().unwrap();
    let config = project.path().join("calib.toml");
    std::fs::write(&config, calibration(10, 0.0)).unwrap();
    let script = |args: &[&str]| {
        Command::new(util::bin())
            .arg("slurm-script")
            .arg(&config)
            .args(["--nodes", "2", "--time", "1"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = script(&["--signal-lead", "30"]);
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let sbatch: Vec<&str> = text.lines().filter(|l| l.starts_with("#SBATCH")).collect();
    assert!(sbatch.contains(&"#SBATCH --signal=B:TERM@30"), "{text}");
    assert!(sbatch.contains(&"#SBATCH --time=1"), "{text}");
    for (args, says) in [
        (&[][..], "give at least 120 s, or a shorter --signal-lead"),
        (&["--signal-lead", "31"][..], "give at least 62 s"),
        (
            &["--signal-lead", "0"][..],
            "--signal-lead 0 would leave no time",
        ),
    ] {
        let out = script(args);
        assert!(!out.status.success(), "{args:?} accepted:\n{}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
