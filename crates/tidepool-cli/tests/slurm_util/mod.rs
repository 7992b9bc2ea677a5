//! Helpers for the real Slurm job tests: a calibration project submitted to a
//! private cluster with `sbatch` and watched with `squeue` ([`Job`]), and what its
//! journal says ([`journal`], [`assert_nothing_lost`]).
#![allow(dead_code)]

use crate::util;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tidepool_config::RunConfig;
use tidepool_journal::{EventKind, JournalReader, TrialStatus};
use tidepool_testkit::slurm::SlurmCluster;

/// A calibration in a temporary project directory, submitted to a cluster.
pub struct Job<'c> {
    cluster: &'c SlurmCluster,
    project: tempfile::TempDir,
    config: PathBuf,
}

impl<'c> Job<'c> {
    /// The hymod example ([`hymod_project`]) in a temporary project directory.
    pub fn hymod(cluster: &'c SlurmCluster, budget: u64, sleep: Option<f64>) -> Self {
        let project = tempfile::Builder::new().prefix("tp-job").tempdir().unwrap();
        let config = hymod_project(project.path(), budget, sleep);
        Job {
            cluster,
            project,
            config,
        }
    }

    pub fn config(&self) -> PathBuf {
        self.config.clone()
    }

    pub fn loaded(&self) -> RunConfig {
        RunConfig::load(&self.config).unwrap()
    }

    pub fn budget(&self) -> u64 {
        self.loaded()
            .run
            .budget
            .expect("the test configs set [run] budget")
    }

    pub fn run_dir(&self) -> PathBuf {
        self.loaded().run_dir()
    }

    /// `tidepool slurm-script CONFIG --nodes 2 ARGS`, written to `name`.
    pub fn script(&self, name: &str, args: &[&str]) -> PathBuf {
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
    pub fn submit(&self, script: &Path) -> u64 {
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
    pub fn wait(&self, job: u64) -> String {
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
    pub fn output(&self, job: u64) -> String {
        let name = &self.loaded().run.name;
        let path = self
            .config
            .with_file_name(format!("slurm-{name}-{job}.out"));
        std::fs::read_to_string(path).unwrap_or_default()
    }

    /// The job's final state as Slurm accounts it (`scontrol show job`).
    pub fn state(&self, job: u64) -> String {
        self.field(job, "JobState")
    }

    /// A `KEY=VALUE` field of `scontrol show job`.
    pub fn field(&self, job: u64, key: &str) -> String {
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

/// `tidepool-hymod` built beside the `tidepool` under test (`cargo build -p
/// tidepool-hymod`).
pub fn hymod_binary() -> PathBuf {
    let path = util::bin().with_file_name("tidepool-hymod");
    assert!(
        path.is_file(),
        "{} is missing: build it with cargo build -p tidepool-hymod",
        path.display()
    );
    path
}

/// `examples/hymod-exe` and `examples/hymod-data` copied into `dir`, as
/// tests/examples.rs does: the model program made the `tidepool-hymod` built beside
/// the binary under test, with `budget` trials of `async-dds` on one slot per node
/// (each test node has one CPU), a short heartbeat, and with `sleep` a step that
/// sleeps that long before each trial's model (a run long enough to meet a time
/// limit; hymod itself takes milliseconds). No `[launch] mode`: inside the job it is
/// `slurm`. Returns the copied config.
pub fn hymod_project(dir: &Path, budget: u64, sleep: Option<f64>) -> PathBuf {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for part in ["hymod-data", "hymod-exe"] {
        let target = dir.join(part);
        std::fs::create_dir(&target).unwrap();
        copy_tree(&examples.join(part), &target);
    }
    let _ = std::fs::remove_dir_all(dir.join("hymod-exe/runs"));
    let config = dir.join("hymod-exe/tidepool.toml");
    let hymod = hymod_binary().display().to_string();
    let text = std::fs::read_to_string(&config).unwrap();
    let mut edits = vec![
        ("../../target/release/tidepool-hymod".to_string(), hymod),
        ("budget = 1000".into(), format!("budget = {budget}")),
        (
            "algorithm = \"dds\"".into(),
            "algorithm = \"async-dds\"".into(),
        ),
        (
            "[slots]\n".into(),
            "[slots]\nprefetch = 0\nheartbeat = \"500ms\"\n".into(),
        ),
    ];
    if let Some(sleep) = sleep {
        edits.push((
            "steps = [{ run = [".into(),
            format!("steps = [{{ run = [\"sleep\", \"{sleep}\"] }}, {{ run = ["),
        ));
    }
    let mut text = text;
    for (from, to) in edits {
        assert!(text.contains(&from), "the hymod example has no {from:?}");
        text = text.replace(&from, &to);
    }
    std::fs::write(&config, text).unwrap();
    config
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

pub fn show(out: &std::process::Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// What the journal says about the run.
pub struct Journal {
    pub observed: Vec<u64>,
    pub proposed: Vec<u64>,
    pub ok_nodes: BTreeMap<u64, String>,
    pub unfinished: Vec<(u64, TrialStatus)>,
    pub events: Vec<EventKind>,
}

pub fn journal(run_dir: &Path) -> Journal {
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
pub fn assert_nothing_lost(j: &Journal) {
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
