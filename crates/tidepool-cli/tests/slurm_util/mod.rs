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
    /// A project holding only `calib.toml` with `config`.
    pub fn new(cluster: &'c SlurmCluster, config: &str) -> Self {
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
    pub fn copy_of(cluster: &'c SlurmCluster, dir: &str, config: &str) -> Self {
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

    /// `tidepool slurm-script calib.toml --nodes 2 ARGS`, written to `name`.
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
