//! The end of a run: shut agents down, wait for them (and kill launched processes that
//! linger), write the final status and the run state.

use super::{Driver, Inbound};
use crate::coordinator::{CoordinatorError, RunSummary};
use crate::protocol::ToAgent;
use crate::recorder::RunState;
use crate::scheduler::{Event, RunEnd};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

impl Driver<'_> {
    /// Shut agents down, wait for them, write the final status.
    pub(super) async fn finish(
        &mut self,
        mut rx: UnboundedReceiver<Inbound>,
    ) -> Result<RunSummary, CoordinatorError> {
        if self.failure.is_some() && self.ended.is_none() {
            self.feed(Event::Stop);
            self.flush();
        }
        for link in self.links.values() {
            let _ = link.out.send(ToAgent::Shutdown);
        }
        let deadline = Instant::now() + self.opts.kill_grace + Duration::from_secs(5);
        while !self.links.is_empty() && Instant::now() < deadline {
            match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                Ok(Some(Inbound::Closed(agent, _))) => {
                    self.links.remove(&agent);
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        self.links.clear();
        reap(&mut self.launched.children, Duration::from_secs(5)).await;
        let state = match (&self.record_error, &self.failure, &self.ended) {
            (Some(_), _, _) | (_, Some(_), _) => RunState::Failed,
            (_, _, Some(RunEnd::Completed)) => RunState::Finished,
            _ => RunState::Interrupted,
        };
        let status = self.status(state);
        status.write(&self.opts.run_dir)?;
        self.progress.progress(&status);
        if let Some(e) = self.record_error.take() {
            return Err(e.into());
        }
        let reason = self.failure.clone();
        self.record(|r| r.run_state(state, reason.as_deref()));
        if let Some(e) = self.record_error.take() {
            return Err(e.into());
        }
        if let Some(reason) = self.failure.clone() {
            return Err(CoordinatorError::Failed {
                reason,
                status: Box::new(status),
            });
        }
        Ok(RunSummary {
            state,
            status,
            rejected_connections: self.rejected,
        })
    }
}

/// Wait for launched processes to exit; kill those that do not within `grace`.
async fn reap(children: &mut [std::process::Child], grace: Duration) {
    let deadline = Instant::now() + grace;
    loop {
        let running = children
            .iter_mut()
            .filter_map(|c| c.try_wait().ok())
            .filter(Option::is_none)
            .count();
        if running == 0 {
            return;
        }
        if Instant::now() >= deadline {
            for child in children.iter_mut() {
                if matches!(child.try_wait(), Ok(None)) {
                    tracing::warn!(pid = child.id(), "agent did not exit; killing it");
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
