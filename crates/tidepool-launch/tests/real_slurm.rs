//! `SrunLauncher` inside a real Slurm allocation: the test brings up a private
//! two-node cluster with `scripts/slurm-up` (munged, slurmctld, two slurmd, all under
//! a temporary directory through SLURM_CONF; `tidepool_testkit::slurm`), submits itself
//! as a batch job, and inside the job starts one agent per node with the launcher.
//! Skips visibly when Slurm or munge is not installed; fails under CI=true.

use std::path::PathBuf;
use std::process::Stdio;
use tidepool_launch::*;
use tidepool_testkit::slurm::SlurmCluster;

/// Set inside the batch job: the test then plays the coordinator's part.
const PROBE_VAR: &str = "TIDEPOOL_SLURM_PROBE";
const TEST_NAME: &str = "srun_starts_one_agent_per_node_of_a_real_allocation";

#[test]
fn srun_starts_one_agent_per_node_of_a_real_allocation() {
    if std::env::var_os(PROBE_VAR).is_some() {
        return inside_the_job();
    }
    let Some(cluster) = SlurmCluster::start() else {
        return;
    };
    let out = cluster.dir().join("job.out");
    let exe = std::env::current_exe().unwrap();
    let wrap = format!("{} {TEST_NAME} --exact --nocapture", exe.display());
    let status = cluster
        .command("sbatch")
        .args(["--wait", "-N2", "-t", "2", "-o"])
        .arg(&out)
        .arg(format!("--export=ALL,{PROBE_VAR}=1"))
        .args(["--wrap", &wrap])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let output = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(status.success(), "batch job failed:\n{output}");
    let mut agents: Vec<&str> = output.lines().filter(|l| l.starts_with("agent ")).collect();
    agents.sort();
    assert_eq!(
        agents,
        ["agent 0 on tp1 token=t0k3n", "agent 1 on tp2 token=t0k3n"],
        "{output}"
    );
    assert!(output.contains("expected=2 nodes=tp1,tp2"), "{output}");
}

/// The coordinator's part: read the allocation, start the agents, wait for them.
fn inside_the_job() {
    let mut launcher = SrunLauncher::new(&LaunchOptions::default()).unwrap();
    let cmd = AgentCommand {
        program: PathBuf::from("/bin/sh"),
        args: vec![
            "-c".into(),
            "echo \"agent $SLURM_PROCID on $SLURMD_NODENAME token=$AGENT_TOKEN\"".into(),
        ],
        env: vec![("AGENT_TOKEN".into(), "t0k3n".into())],
    };
    let mut launched = launcher.start(&cmd).unwrap();
    let nodes = launcher.allocation().nodes.join(",");
    println!("expected={} nodes={nodes}", launched.expected);
    for child in &mut launched.children {
        assert!(child.wait().unwrap().success());
    }
}
