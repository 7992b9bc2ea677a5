//! The event loop: network events and ticks in, scheduler actions out.

mod actions;
mod cadence;
mod shutdown;

use super::report::{snapshot, ProgressSink, SnapshotInput};
use super::{CoordinatorError, CoordinatorOptions, Inbound, RunSummary};
use crate::protocol::{FromAgent, ToAgent, TrialOrder};
use crate::recorder::{RecordError, RunRecorder, RunState};
use crate::scheduler::{Action, Event, RunEnd, Scheduler, SlotRef};
use crate::status::RunStatus;
use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};
use tidepool_launch::LaunchedAgents;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

const TICK: Duration = Duration::from_millis(100);
/// Progress (a terminal bar or log lines, not the shared filesystem) is shown this often;
/// `status.json` follows its own rule (`cadence`).
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// Most events handled before outgoing batches are flushed.
const BATCH_EVENTS: usize = 4096;

struct Link {
    out: UnboundedSender<ToAgent>,
    last_heard: Instant,
}

pub(super) struct Driver<'a> {
    opts: &'a CoordinatorOptions,
    run_id: String,
    sched: Scheduler,
    recorder: &'a mut dyn RunRecorder,
    progress: &'a mut dyn ProgressSink,
    launched: LaunchedAgents,
    links: HashMap<u32, Link>,
    hosts: HashMap<u32, String>,
    outbox: HashMap<u32, Vec<TrialOrder>>,
    actions: Vec<Action>,
    start: Instant,
    last_agent_seen: Instant,
    status_cadence: cadence::Cadence,
    last_progress: Instant,
    last_beat: Instant,
    ended: Option<RunEnd>,
    failure: Option<String>,
    record_error: Option<RecordError>,
    rejected: u64,
    rejects: crate::handshake::RejectLog,
    /// Slot start failures already shown in full; repeats get one line.
    shown_failures: std::collections::HashSet<String>,
}

impl<'a> Driver<'a> {
    pub(super) fn new(
        opts: &'a CoordinatorOptions,
        run_id: String,
        sched: Scheduler,
        recorder: &'a mut dyn RunRecorder,
        progress: &'a mut dyn ProgressSink,
        launched: LaunchedAgents,
    ) -> Self {
        let now = Instant::now();
        Self {
            opts,
            run_id,
            sched,
            recorder,
            progress,
            launched,
            links: HashMap::new(),
            hosts: HashMap::new(),
            outbox: HashMap::new(),
            actions: Vec::new(),
            start: now,
            last_agent_seen: now,
            status_cadence: cadence::Cadence::started(Duration::ZERO),
            last_progress: now,
            last_beat: now,
            ended: None,
            failure: None,
            record_error: None,
            rejected: 0,
            rejects: Default::default(),
            shown_failures: Default::default(),
        }
    }

    pub(super) async fn run(
        &mut self,
        mut rx: UnboundedReceiver<Inbound>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<RunSummary, CoordinatorError> {
        self.record(|r| r.run_state(RunState::Running, None));
        if let Err(e) = self.status(RunState::Running).write(&self.opts.run_dir) {
            tracing::warn!("{e}");
        }
        tokio::pin!(shutdown);
        let mut ticker = tokio::time::interval(TICK);
        let mut stop_requested = false;
        while self.ended.is_none() && self.failure.is_none() && self.record_error.is_none() {
            tokio::select! {
                _ = &mut shutdown, if !stop_requested => {
                    stop_requested = true;
                    self.progress.message("stop requested: cancelling trials in flight, shutting agents down");
                    self.feed(Event::Stop);
                }
                Some(first) = rx.recv() => {
                    self.on_inbound(first);
                    for _ in 0..BATCH_EVENTS {
                        match rx.try_recv() {
                            Ok(next) => self.on_inbound(next),
                            Err(_) => break,
                        }
                    }
                }
                _ = ticker.tick() => self.on_tick(),
            }
            self.flush();
        }
        self.finish(rx).await
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn feed(&mut self, event: Event) {
        let now = self.now();
        let mut actions = std::mem::take(&mut self.actions);
        self.sched.handle(now, event, &mut actions);
        for action in actions.drain(..) {
            self.apply(action);
        }
        self.actions = actions;
    }

    fn on_inbound(&mut self, inbound: Inbound) {
        match inbound {
            Inbound::Joined {
                agent,
                info,
                slots,
                out,
            } => {
                tracing::info!(agent, host = %info.hostname, slots, "agent joined");
                self.links.insert(
                    agent,
                    Link {
                        out,
                        last_heard: Instant::now(),
                    },
                );
                self.hosts.insert(agent, info.hostname.clone());
                self.feed(Event::AgentJoined {
                    agent,
                    host: info.hostname,
                    slots,
                });
            }
            Inbound::Msg(agent, msg) => self.on_message(agent, msg),
            Inbound::Note(text) => self.progress.message(&text),
            Inbound::StageFailed { agent, reason } => {
                self.progress.message(&format!("agent {agent}: {reason}"));
                self.failure = Some(reason);
            }
            Inbound::Closed(agent, reason) => self.lose(agent, &reason),
            Inbound::Rejected { peer, reason } => {
                self.rejected += 1;
                if let Some(line) = self.rejects.line(Instant::now(), &peer, &reason) {
                    self.progress.message(&line);
                }
            }
        }
    }

    fn on_message(&mut self, agent: u32, msg: FromAgent) {
        let Some(link) = self.links.get_mut(&agent) else {
            return;
        };
        link.last_heard = Instant::now();
        match msg {
            FromAgent::SlotReady { slot, .. } => self.feed(Event::SlotReady {
                slot: SlotRef { agent, slot },
            }),
            FromAgent::SlotFailed { slot, reason } => {
                let host = self.hosts.get(&agent).cloned().unwrap_or_default();
                let text = match self.shown_failures.insert(reason.clone()) {
                    true => format!("slot {slot} on {host} failed to start: {reason}"),
                    false => format!("slot {slot} on {host} failed to start (same error as above)"),
                };
                self.progress.message(&text);
                self.feed(Event::SlotStartFailed {
                    slot: SlotRef { agent, slot },
                    reason,
                });
            }
            FromAgent::Results(reports) => {
                for r in reports {
                    self.feed(Event::TrialDone {
                        slot: SlotRef {
                            agent,
                            slot: r.slot,
                        },
                        trial: r.trial,
                        attempt: r.attempt,
                        outcome: r.outcome,
                    });
                }
            }
            FromAgent::Heartbeat => {}
            FromAgent::Hello { .. }
            | FromAgent::Auth { .. }
            | FromAgent::StageDone
            | FromAgent::RelayFailed { .. }
            | FromAgent::StageFailed { .. } => {
                tracing::warn!(agent, "handshake message after the handshake; ignored");
            }
        }
    }

    fn lose(&mut self, agent: u32, reason: &str) {
        if self.links.remove(&agent).is_some() {
            let host = self.hosts.get(&agent).cloned().unwrap_or_default();
            if self.ended.is_none() {
                self.progress
                    .message(&format!("lost agent {agent} on {host}: {reason}"));
            }
            self.outbox.remove(&agent);
            self.feed(Event::AgentLost { agent });
        }
    }

    fn on_tick(&mut self) {
        self.feed(Event::Tick);
        if self.last_beat.elapsed() >= self.opts.heartbeat {
            self.last_beat = Instant::now();
            let silent: Vec<u32> = self
                .links
                .iter()
                .filter(|(_, l)| l.last_heard.elapsed() > self.opts.heartbeat * 3)
                .map(|(a, _)| *a)
                .collect();
            for agent in silent {
                self.lose(agent, "no heartbeat for three periods");
            }
            for link in self.links.values() {
                let _ = link.out.send(ToAgent::Heartbeat);
            }
        }
        self.check_liveness();
        let write = self.status_cadence.due(self.now(), self.mark());
        let show = self.last_progress.elapsed() >= PROGRESS_EVERY;
        if write || show {
            let status = self.status(RunState::Running);
            if write {
                if let Err(e) = status.write(&self.opts.run_dir) {
                    tracing::warn!("{e}");
                }
            }
            if show {
                self.last_progress = Instant::now();
                self.progress.progress(&status);
            }
        }
    }

    /// What makes `status.json` due at once when it changes.
    fn mark(&self) -> cadence::Mark {
        let p = self.sched.progress();
        cadence::Mark {
            all_ready: p.slots_total > 0 && p.slots_ready == p.slots_total,
            failed: self.failure.is_some(),
        }
    }

    /// Fail the run when it can no longer make progress.
    fn check_liveness(&mut self) {
        if !self.links.is_empty() {
            self.last_agent_seen = Instant::now();
            if self.sched.usable_slots() == 0 && self.sched.progress().slots_total > 0 {
                self.failure = Some("every slot failed to start; see the slot errors above".into());
            }
            return;
        }
        let children = &mut self.launched.children;
        if !children.is_empty()
            && children
                .iter_mut()
                .all(|c| matches!(c.try_wait(), Ok(Some(_))))
        {
            self.failure = Some(
                "all launched agents exited and none is connected; run with -v to see their errors"
                    .into(),
            );
        } else if self.last_agent_seen.elapsed() > self.opts.join_timeout {
            self.failure = Some(format!(
                "no agent connected for {:?}; check that agents can reach {}",
                self.opts.join_timeout,
                self.opts
                    .run_dir
                    .join(crate::connect::CONNECT_FILE)
                    .display()
            ));
        }
    }

    fn status(&self, state: RunState) -> RunStatus {
        snapshot(
            &self.sched,
            SnapshotInput {
                name: &self.opts.name,
                run_id: &self.run_id,
                state,
                elapsed: self.now(),
                agents: self.links.len(),
                total_trials: self.opts.total_trials,
                param_names: &self.opts.param_names,
                error: self.failure.clone(),
                sense: &self.opts.sense,
                done_before: self.opts.done_before,
            },
        )
    }
}
