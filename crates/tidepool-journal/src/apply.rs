//! How each record becomes SQL inside the writer's transaction, and the rules a record
//! must follow (a trial is proposed before it starts, finishes or is observed; it is
//! observed once; it is proposed again only with the same parameters).

use crate::error::{sql, JournalError, Result};
use crate::records::{unix_now, EventKind, SlotEvent, StartedTrial, TrialId, TrialStatus};
use rusqlite::{params, OptionalExtension, Params, Transaction};
use std::path::Path;

/// Checkpoints kept; older ones are deleted.
const CHECKPOINTS_KEPT: i64 = 3;

/// A record on its way to the database (JSON is serialised by the sender).
pub(crate) enum Record {
    Proposed {
        id: TrialId,
        params_json: String,
        queued_at: f64,
    },
    Started(StartedTrial),
    Finished(FinishedRow),
    Observed {
        id: TrialId,
        objective: Option<f64>,
        /// The objective vector as JSON (multi-objective optimisers only).
        objectives_json: Option<String>,
    },
    /// The archive of non-dominated trials, replacing the one recorded before.
    Front(Vec<TrialId>),
    Checkpoint {
        observation_count: u64,
        state: Vec<u8>,
        at: f64,
    },
    Event {
        kind: EventKind,
        at: f64,
        detail: String,
    },
    Config {
        text: String,
        hash: String,
        at: f64,
    },
    Slot(SlotEvent),
}

/// A finished trial with its responses already as JSON.
pub(crate) struct FinishedRow {
    pub id: TrialId,
    pub status: TrialStatus,
    pub objective: Option<f64>,
    pub responses_json: String,
    pub finished_at: f64,
    pub failure_reason: Option<String>,
    pub stderr_tail: Option<String>,
}

/// The next proposal and observation numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sequences {
    pub next_proposal: i64,
    pub next_observation: i64,
}

/// Applies records within one transaction.
pub(crate) struct Apply<'a> {
    pub tx: &'a Transaction<'a>,
    pub path: &'a Path,
    pub seq: Sequences,
}

const START: &str = "UPDATE trials SET status = 'running', node = ?2, slot = ?3, attempt = ?4,
    started_at = ?5, finished_at = NULL, objective = NULL, responses = NULL,
    failure_reason = NULL, stderr_tail = NULL
  WHERE id = ?1";
const FINISH: &str = "UPDATE trials SET status = ?2, objective = ?3, responses = ?4,
    finished_at = ?5, failure_reason = ?6, stderr_tail = ?7
  WHERE id = ?1";
const PROPOSE: &str = "INSERT OR IGNORE INTO trials
    (id, proposal_seq, params, status, queued_at, observed_before)
  VALUES (?1, ?2, ?3, 'queued', ?4, ?5)";
const REQUEUE: &str = "UPDATE trials SET status = 'queued', queued_at = ?2
  WHERE id = ?1 AND params = ?3
    AND NOT EXISTS (SELECT 1 FROM observations WHERE trial_id = ?1)";
const OBSERVE: &str = "INSERT OR IGNORE INTO observations (seq, trial_id, objective, objectives)
  SELECT ?1, id, ?3, ?4 FROM trials WHERE id = ?2";

impl Apply<'_> {
    /// Write one record.
    pub fn record(&mut self, record: Record) -> Result<()> {
        match record {
            Record::Proposed {
                id,
                params_json,
                queued_at,
            } => self.proposed(id, &params_json, queued_at),
            Record::Started(s) => {
                let row = params![s.id as i64, s.node, s.slot, s.attempt, s.started_at];
                let changed = self.execute(START, row, "record a started trial")?;
                self.require(changed, s.id, "started but never proposed")
            }
            Record::Finished(f) => {
                let row = params![
                    f.id as i64,
                    f.status.as_str(),
                    f.objective,
                    f.responses_json,
                    f.finished_at,
                    f.failure_reason,
                    f.stderr_tail
                ];
                let changed = self.execute(FINISH, row, "record a finished trial")?;
                self.require(changed, f.id, "finished but never proposed")
            }
            Record::Observed {
                id,
                objective,
                objectives_json,
            } => self.observed(id, objective, objectives_json),
            Record::Front(ids) => self.front(&ids),
            Record::Checkpoint {
                observation_count,
                state,
                at,
            } => self.checkpoint(observation_count, state, at),
            Record::Event { kind, at, detail } => {
                let sql_text = "INSERT INTO events (kind, at, detail) VALUES (?1, ?2, ?3)";
                let row = params![kind.as_str(), at, detail];
                self.execute(sql_text, row, "record a run event").map(drop)
            }
            Record::Config { text, hash, at } => {
                let sql_text =
                    "INSERT INTO config_snapshots (text, hash, stored_at) VALUES (?1, ?2, ?3)";
                let row = params![text, hash, at];
                self.execute(sql_text, row, "store the config snapshot")
                    .map(drop)
            }
            Record::Slot(e) => {
                let sql_text = "INSERT INTO slot_events (node, agent, slot, kind, at, detail)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
                let row = params![e.node, e.agent, e.slot, e.kind.as_str(), e.at, e.detail];
                self.execute(sql_text, row, "record a slot event").map(drop)
            }
        }
    }

    /// Note a durable flush: a write in the batch, so its commit syncs the WAL file (and
    /// with it every earlier batch) even when the batch holds nothing else.
    pub fn flush_mark(&mut self) -> Result<()> {
        let sql_text = "INSERT OR REPLACE INTO flushes (id, at) VALUES (1, ?1)";
        self.execute(sql_text, [unix_now()], "mark a flush")
            .map(drop)
    }

    /// A new trial, or the same trial queued again (same parameters, not yet observed),
    /// as happens on resume for trials that were in flight.
    fn proposed(&mut self, id: TrialId, params_json: &str, queued_at: f64) -> Result<()> {
        let row = params![
            id as i64,
            self.seq.next_proposal,
            params_json,
            queued_at,
            self.seq.next_observation
        ];
        if self.execute(PROPOSE, row, "record a proposed trial")? == 1 {
            self.seq.next_proposal += 1;
            return Ok(());
        }
        let row = params![id as i64, queued_at, params_json];
        let changed = self.execute(REQUEUE, row, "queue a trial again")?;
        self.require(
            changed,
            id,
            "proposed again with different parameters, or after its result was observed",
        )
    }

    fn observed(
        &mut self,
        id: TrialId,
        objective: Option<f64>,
        objectives_json: Option<String>,
    ) -> Result<()> {
        let row = params![
            self.seq.next_observation,
            id as i64,
            objective,
            objectives_json
        ];
        if self.execute(OBSERVE, row, "record an observation")? == 0 {
            return Err(self.not_observable(id));
        }
        self.seq.next_observation += 1;
        Ok(())
    }

    /// Replace the archive; every member must be an observed trial.
    fn front(&mut self, ids: &[TrialId]) -> Result<()> {
        self.execute("DELETE FROM pareto", [], "clear the archive")?;
        let insert = "INSERT INTO pareto (trial_id)
            SELECT trial_id FROM observations WHERE trial_id = ?1";
        for &id in ids {
            let changed = self.execute(insert, [id as i64], "record the archive")?;
            self.require(changed, id, "archived but never observed")?;
        }
        Ok(())
    }

    /// Why an observation of `id` changed nothing: observed before, or never proposed.
    fn not_observable(&self, id: TrialId) -> JournalError {
        let first: Result<Option<i64>> = self
            .tx
            .prepare_cached("SELECT seq FROM observations WHERE trial_id = ?1")
            .and_then(|mut st| st.query_row([id as i64], |row| row.get(0)).optional())
            .map_err(sql(self.path, "record an observation"));
        match first {
            Ok(Some(seq)) => self.bad(id, &format!("observed twice (first as observation {seq})")),
            Ok(None) => self.bad(id, "observed but never proposed"),
            Err(e) => e,
        }
    }

    fn checkpoint(&mut self, observation_count: u64, state: Vec<u8>, at: f64) -> Result<()> {
        let insert =
            "INSERT INTO checkpoints (observation_count, state, created_at) VALUES (?1, ?2, ?3)";
        let row = params![observation_count as i64, state, at];
        self.execute(insert, row, "store a checkpoint")?;
        let prune = "DELETE FROM checkpoints WHERE id <= (SELECT MAX(id) FROM checkpoints) - ?1";
        self.execute(prune, [CHECKPOINTS_KEPT], "prune old checkpoints")
            .map(drop)
    }

    /// Run a cached statement; the number of rows it changed.
    fn execute(&self, sql_text: &str, row: impl Params, action: &'static str) -> Result<usize> {
        self.tx
            .prepare_cached(sql_text)
            .and_then(|mut st| st.execute(row))
            .map_err(sql(self.path, action))
    }

    fn require(&self, changed: usize, trial: TrialId, problem: &str) -> Result<()> {
        match changed {
            0 => Err(self.bad(trial, problem)),
            _ => Ok(()),
        }
    }

    fn bad(&self, trial: TrialId, problem: &str) -> JournalError {
        JournalError::BadRecord {
            path: self.path.to_path_buf(),
            trial,
            problem: problem.to_string(),
        }
    }
}
