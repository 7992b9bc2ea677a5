//! Real jobs under real Slurm: a private two-node cluster (`scripts/slurm-up`, nodes
//! tp1 and tp2, through `tidepool_testkit::slurm`) runs the script `tidepool
//! slurm-script` prints, submitted with `sbatch` and watched with `squeue`, the way a
//! user submits a calibration of the hymod example (`examples/hymod-exe`, its model
//! program the `tidepool-hymod` built for the tests). The journal then shows the budget reached, trials run
//! on both nodes (agents started by `srun`; an agent announces Slurm's node name) and
//! none lost. A job whose time limit is too short gets Slurm's SIGTERM, records the run
//! as interrupted, and the same run resubmitted resumes and finishes. Skips visibly
//! without Slurm; fails under CI=true.

mod slurm_util;
mod util;

use slurm_util::{assert_nothing_lost, hymod_project, journal, show, Job};
use std::collections::BTreeSet;
use std::process::Command;
use tidepool_journal::EventKind;
use tidepool_testkit::slurm::SlurmCluster;

#[test]
fn a_submitted_job_reaches_its_budget_on_both_nodes() {
    let Some(cluster) = SlurmCluster::start() else {
        return;
    };
    let job = Job::hymod(&cluster, 24, Some(0.1));
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
    let job = Job::hymod(&cluster, 120, Some(1.0));
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
    let config = hymod_project(project.path(), 10, None);
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
