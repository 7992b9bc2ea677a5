//! The Slurm and MPI launchers against fake `srun` / `mpirun` scripts put first on
//! PATH: each records the argv and environment it receives, then runs the agent
//! command once per expected agent the way the real launcher would.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tidepool_launch::*;

const FAKE: &str = r#"#!/bin/sh
# Records argv (one per line) and env, then runs the trailing command like a launcher.
log="$FAKE_LAUNCHER_LOG"
: > "$log.argv"
for a in "$@"; do printf '%s\n' "$a" >> "$log.argv"; done
env > "$log.env"
count=1
while [ $# -gt 0 ]; do
  case "$1" in
    -n|-np) count="$2"; shift 2 ;;
    -N|--map-by) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
i=0
while [ "$i" -lt "$count" ]; do
  FAKE_RANK=$i "$@" >> "$log.ranks" || exit 1
  i=$((i+1))
done
"#;

/// A directory holding `srun` and `mpirun` fakes, put first on PATH once for this
/// test binary (before any test spawns a process).
fn fake_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap().keep();
        for name in ["srun", "mpirun"] {
            let path = dir.join(name);
            std::fs::write(&path, FAKE).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = std::env::var("PATH").unwrap_or_default();
        std::env::set_var("PATH", format!("{}:{path}", dir.display()));
        dir
    })
}

fn agent(log: &Path) -> AgentCommand {
    AgentCommand {
        program: PathBuf::from("/bin/sh"),
        args: vec![
            "-c".into(),
            "echo \"agent rank=$FAKE_RANK token=$AGENT_TOKEN args=$0\"".into(),
            "agent --connect /runs/bow/connect.json".into(),
        ],
        env: vec![
            ("AGENT_TOKEN".into(), "t0k3n".into()),
            ("FAKE_LAUNCHER_LOG".into(), log.display().to_string()),
        ],
    }
}

fn lines(path: PathBuf) -> Vec<String> {
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

fn wait(mut launched: LaunchedAgents) -> usize {
    for child in &mut launched.children {
        assert!(child.wait().unwrap().success());
    }
    launched.expected
}

#[test]
fn srun_gets_one_task_per_node_and_the_agent_environment() {
    fake_bin();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("srun");
    let allocation = SlurmAllocation {
        job_id: "4817".into(),
        nodes: vec!["node01".into(), "node02".into(), "gpu5".into()],
        min_cpus_per_node: Some(24),
    };
    let options = LaunchOptions {
        srun_args: vec!["--overlap".into()],
        ..Default::default()
    };
    let mut launcher = SrunLauncher::for_allocation(allocation, &options);
    let launched = launcher.start(&agent(&log)).unwrap();
    assert!(launched.message.as_deref().unwrap().contains("job 4817"));
    assert_eq!(wait(launched), 3);
    let argv = lines(log.with_extension("argv"));
    assert_eq!(
        argv,
        [
            "--ntasks-per-node=1",
            "-N",
            "3",
            "-n",
            "3",
            "--cpus-per-task=24",
            "--overlap",
            "/bin/sh",
            "-c",
            "echo \"agent rank=$FAKE_RANK token=$AGENT_TOKEN args=$0\"",
            "agent --connect /runs/bow/connect.json",
        ]
    );
    let env = lines(log.with_extension("env"));
    assert!(env.contains(&"AGENT_TOKEN=t0k3n".to_string()));
    let ranks = lines(log.with_extension("ranks"));
    assert_eq!(ranks.len(), 3);
    assert_eq!(
        ranks[2],
        "agent rank=2 token=t0k3n args=agent --connect /runs/bow/connect.json"
    );
}

#[test]
fn mpirun_gets_the_configured_prefix() {
    fake_bin();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mpirun");
    let options = LaunchOptions {
        mpirun_command: ["mpirun", "-np", "2", "--map-by", "ppr:1:node"]
            .map(String::from)
            .to_vec(),
        ..Default::default()
    };
    let mut launcher = MpirunLauncher::new(&options).unwrap();
    assert_eq!(wait(launcher.start(&agent(&log)).unwrap()), 2);
    let argv = lines(log.with_extension("argv"));
    assert_eq!(
        &argv[..5],
        ["-np", "2", "--map-by", "ppr:1:node", "/bin/sh"]
    );
    assert_eq!(lines(log.with_extension("ranks")).len(), 2);
}

#[test]
fn a_missing_launcher_program_is_a_spawn_error_naming_it() {
    fake_bin();
    let dir = tempfile::tempdir().unwrap();
    let options = LaunchOptions {
        mpirun_command: vec!["tidepool-no-such-mpirun".into(), "-n".into(), "1".into()],
        ..Default::default()
    };
    let mut launcher = MpirunLauncher::new(&options).unwrap();
    let err = launcher.start(&agent(&dir.path().join("x"))).unwrap_err();
    assert!(
        matches!(&err, LaunchError::Spawn { program, .. } if program == "tidepool-no-such-mpirun"),
        "{err}"
    );
}
