//! Coordinator and agents in one process over real loopback sockets: every trial is
//! recorded as finished exactly once, and slots record their start and ready times.

use std::collections::HashMap;
use std::time::Duration;
use tidepool_launch::{AgentCommand, LaunchError, LaunchedAgents, Launcher};
use tidepool_models::WorkerSpec;
use tidepool_optim::ListSampler;
use tidepool_pool::agent::{self, AgentOptions};
use tidepool_pool::connect;
use tidepool_pool::coordinator::{self, CoordinatorOptions, ProgressSink};
use tidepool_pool::recorder::{Fact, MemoryRecorder, RunState};
use tidepool_pool::scheduler::SchedulerConfig;
use tidepool_pool::status::RunStatus;

/// Starts agents as tasks on the current runtime, reading the connect file like the
/// real agent does.
struct TaskLauncher {
    agents: usize,
    scratch: std::path::PathBuf,
}

impl Launcher for TaskLauncher {
    fn start(&mut self, cmd: &AgentCommand) -> Result<LaunchedAgents, LaunchError> {
        let connect_file = std::path::PathBuf::from(cmd.args.last().expect("--connect FILE"));
        for i in 0..self.agents {
            let (info, secret) =
                connect::read(&connect_file).expect("connect.json written before launch");
            let scratch = Some(self.scratch.join(format!("node-{i}")));
            tokio::spawn(agent::run(AgentOptions {
                address: info.address,
                secret,
                node: None,
                scratch,
            }));
        }
        Ok(LaunchedAgents {
            expected: self.agents,
            children: Vec::new(),
            message: None,
        })
    }
}

#[derive(Default)]
struct Quiet {
    messages: Vec<String>,
}

impl ProgressSink for Quiet {
    fn progress(&mut self, _status: &RunStatus) {}
    fn message(&mut self, text: &str) {
        self.messages.push(text.to_string());
    }
}

fn options(dir: &std::path::Path, trials: u64) -> CoordinatorOptions {
    CoordinatorOptions {
        name: "in-process".into(),
        run_dir: dir.join("run"),
        bind: "127.0.0.1:0".into(),
        advertise_host: None,
        spec: WorkerSpec::Noop,
        param_names: vec!["x".into()],
        scheduler: SchedulerConfig {
            start_concurrency: 2,
            prefetch: 1,
            ..Default::default()
        },
        slots_per_node: Some(3),
        heartbeat: Duration::from_secs(1),
        kill_grace: Duration::from_secs(1),
        keep_workdirs: Default::default(),
        total_trials: Some(trials),
        agent_program: "unused".into(),
        agent_env: Vec::new(),
        join_timeout: Duration::from_secs(20),
        stage: None,
        objective: None,
        sense: tidepool_objective::Sense::minimised(),
        done_before: (0, 0),
    }
}

#[tokio::test]
async fn every_trial_is_recorded_finished_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let rows: Vec<Vec<f64>> = (0..2000).map(|i| vec![i as f64]).collect();
    let mut launcher = TaskLauncher {
        agents: 2,
        scratch: tmp.path().join("scratch"),
    };
    let mut recorder = MemoryRecorder::default();
    let mut progress = Quiet::default();
    let summary = coordinator::run(
        options(tmp.path(), 2000),
        &mut launcher,
        Box::new(ListSampler::new(rows)),
        &mut recorder,
        &mut progress,
        std::future::pending(),
    )
    .await
    .unwrap();
    assert_eq!(summary.state, RunState::Finished);
    assert_eq!(summary.status.trials_done, 2000);
    let mut finished: HashMap<u64, usize> = HashMap::new();
    let mut ready = 0;
    for fact in &recorder.facts {
        match fact {
            Fact::TrialFinished { trial, .. } => *finished.entry(*trial).or_default() += 1,
            Fact::SlotReady { .. } => ready += 1,
            _ => {}
        }
    }
    assert_eq!(finished.len(), 2000);
    assert!(finished.values().all(|&n| n == 1));
    assert_eq!(ready, 6);
    assert_eq!(
        recorder.facts.first(),
        Some(&Fact::RunState(RunState::Running, None))
    );
    assert_eq!(
        recorder.facts.last(),
        Some(&Fact::RunState(RunState::Finished, None))
    );
    let on_disk = RunStatus::read(&tmp.path().join("run")).unwrap();
    assert_eq!(on_disk.slots.len(), 6);
    assert!(on_disk
        .slots
        .iter()
        .all(|s| s.ready_s >= s.start_s && s.ready_s.is_some()));
}

#[tokio::test]
async fn stop_future_interrupts_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let mut launcher = TaskLauncher {
        agents: 1,
        scratch: tmp.path().join("scratch"),
    };
    let mut recorder = MemoryRecorder::default();
    let mut progress = Quiet::default();
    let summary = coordinator::run(
        options(tmp.path(), 2_000_000),
        &mut launcher,
        Box::new(ListSampler::new(vec![Vec::new(); 2_000_000])),
        &mut recorder,
        &mut progress,
        tokio::time::sleep(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    assert_eq!(summary.state, RunState::Interrupted);
    assert!(summary.status.trials_done < 2_000_000);
    assert_eq!(
        recorder.facts.last(),
        Some(&Fact::RunState(RunState::Interrupted, None))
    );
}
