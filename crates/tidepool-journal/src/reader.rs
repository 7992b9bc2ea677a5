//! Reading a journal back: for resume (proposals and observations in order, trials in
//! flight, the latest checkpoint), for `tidepool status` (counts, best so far) and for
//! export. A reader is a read-only connection; it can run in another process while the
//! run writes.

use crate::error::{sql, JournalError, Result};
use crate::records::ReplayStep;
use crate::records::{
    Checkpoint, ConfigSnapshot, Counts, EventKind, Observation, ProposedTrial, RunEvent, SlotEvent,
    SlotEventKind, TrialRecord, TrialStatus,
};
use crate::schema::{self, journal_path};
use rusqlite::{Connection, OptionalExtension, Row};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A read-only view of a run journal.
pub struct JournalReader {
    conn: Connection,
    path: PathBuf,
    parameters: Vec<String>,
}

const TRIAL_COLUMNS: &str = "t.id, t.proposal_seq, o.seq, t.params, t.status, t.objective, t.responses,
    t.node, t.slot, t.attempt, t.queued_at, t.started_at, t.finished_at, t.failure_reason, t.stderr_tail
    FROM trials t LEFT JOIN observations o ON o.trial_id = t.id";

impl JournalReader {
    /// Open the journal of the run in `run_dir`.
    pub fn open(run_dir: &Path) -> Result<JournalReader> {
        let path = journal_path(run_dir);
        if !path.exists() {
            return Err(JournalError::NoJournal {
                run_dir: run_dir.to_path_buf(),
            });
        }
        JournalReader::open_file(&path)
    }

    pub(crate) fn open_file(path: &Path) -> Result<JournalReader> {
        let conn = schema::open_reader(path)?;
        schema::check_version(&conn, path)?;
        let parameters = schema::parameter_names(&conn, path)?;
        Ok(JournalReader {
            conn,
            path: path.to_path_buf(),
            parameters,
        })
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run's parameter names, in definition order.
    pub fn parameters(&self) -> &[String] {
        &self.parameters
    }

    /// Run several reads on one snapshot of the journal (a read transaction), so a run
    /// writing at the same time cannot change what they see in between.
    pub fn snapshot<T>(&self, reads: impl FnOnce(&Self) -> Result<T>) -> Result<T> {
        self.conn
            .execute_batch("BEGIN DEFERRED")
            .map_err(sql(&self.path, "begin a read snapshot"))?;
        let result = reads(self);
        self.conn
            .execute_batch("COMMIT")
            .map_err(sql(&self.path, "end a read snapshot"))?;
        result
    }

    /// The latest config snapshot.
    pub fn config(&self) -> Result<ConfigSnapshot> {
        self.conn
            .query_row(
                "SELECT text, hash, stored_at FROM config_snapshots ORDER BY id DESC LIMIT 1",
                [],
                |row| {
                    Ok(ConfigSnapshot {
                        text: row.get(0)?,
                        hash: row.get(1)?,
                        stored_at: row.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(sql(&self.path, "read the config snapshot"))?
            .ok_or_else(|| self.corrupt("config snapshot", "there is none".into()))
    }

    /// Every proposed trial, in proposal order.
    pub fn proposals(&self) -> Result<Vec<ProposedTrial>> {
        self.proposed_where("")
    }

    /// Trials proposed or started but not observed, in proposal order: on resume they
    /// are proposed again with the same parameters.
    pub fn in_flight(&self) -> Result<Vec<ProposedTrial>> {
        self.proposed_where(
            "WHERE NOT EXISTS (SELECT 1 FROM observations o WHERE o.trial_id = t.id)",
        )
    }

    fn proposed_where(&self, filter: &str) -> Result<Vec<ProposedTrial>> {
        let query = format!(
            "SELECT t.id, t.params, t.queued_at FROM trials t {filter} ORDER BY t.proposal_seq"
        );
        let rows = self.rows(&query, "read proposals", |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get(2)?))
        })?;
        rows.into_iter()
            .map(|(id, params, queued_at)| {
                Ok(ProposedTrial {
                    id: id as u64,
                    params: self.parse_params(&params)?,
                    queued_at,
                })
            })
            .collect()
    }

    /// The optimiser's calls in the order they were made: every proposal, with the
    /// observations made before it, then the observations after the last proposal.
    pub fn replay(&self) -> Result<Vec<ReplayStep>> {
        let query = "SELECT observed_before FROM trials ORDER BY proposal_seq";
        let before = self.rows(query, "read the proposal order", |row| row.get::<_, i64>(0))?;
        let proposals = self.proposals()?;
        let mut observations = self.observations()?.into_iter().peekable();
        let mut steps = Vec::with_capacity(proposals.len() * 2);
        for (proposal, before) in proposals.into_iter().zip(before) {
            while let Some(obs) = observations.next_if(|o| (o.seq as i64) < before) {
                steps.push(ReplayStep::Observed(obs));
            }
            steps.push(ReplayStep::Proposed(proposal));
        }
        steps.extend(observations.map(ReplayStep::Observed));
        Ok(steps)
    }

    /// Every observation, in the order the optimiser saw them (with no vectors in a
    /// journal older than schema version 4).
    pub fn observations(&self) -> Result<Vec<Observation>> {
        let vectors = schema::version(&self.conn, &self.path)? >= schema::PARETO_SINCE;
        let query = match vectors {
            true => "SELECT seq, trial_id, objective, objectives FROM observations ORDER BY seq",
            false => "SELECT seq, trial_id, objective, NULL FROM observations ORDER BY seq",
        };
        let rows = self.rows(query, "read observations", |row| {
            Ok((
                row.get::<_, i64>(0)? as u64,
                row.get::<_, i64>(1)? as u64,
                row.get(2)?,
                row.get::<_, Option<String>>(3)?,
            ))
        })?;
        rows.into_iter()
            .map(|(seq, trial_id, objective, objectives)| {
                Ok(Observation {
                    seq,
                    trial_id,
                    objective,
                    objectives: objectives.map(|v| self.parse_vector(&v)).transpose()?,
                })
            })
            .collect()
    }

    /// How many trials are in each status, and how many were observed.
    pub fn counts(&self) -> Result<Counts> {
        let mut counts = Counts::default();
        let query = "SELECT status, COUNT(*) FROM trials GROUP BY status";
        let rows = self.rows(query, "count trials", |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64))
        })?;
        for (status, n) in rows {
            counts.proposed += n;
            match self.parse_status(&status)? {
                TrialStatus::Queued => counts.queued = n,
                TrialStatus::Running => counts.running = n,
                TrialStatus::Ok => counts.ok = n,
                TrialStatus::Failed => counts.failed = n,
                TrialStatus::TimedOut => counts.timed_out = n,
                TrialStatus::Cancelled => counts.cancelled = n,
            }
        }
        counts.observed = self
            .conn
            .query_row("SELECT COUNT(*) FROM observations", [], |row| {
                row.get::<_, i64>(0)
            })
            .map_err(sql(&self.path, "count observations"))? as u64;
        Ok(counts)
    }

    /// The observed trial with the smallest objective (the earliest among equals).
    pub fn best(&self) -> Result<Option<TrialRecord>> {
        let query = format!(
            "SELECT {TRIAL_COLUMNS} WHERE o.objective IS NOT NULL ORDER BY o.objective, o.seq LIMIT 1"
        );
        let raw = self
            .conn
            .query_row(&query, [], RawTrial::from_row)
            .optional()
            .map_err(sql(&self.path, "find the best trial"))?;
        raw.map(|r| self.decode(r)).transpose()
    }

    /// The most recent optimiser checkpoint.
    pub fn latest_checkpoint(&self) -> Result<Option<Checkpoint>> {
        self.conn
            .query_row(
                "SELECT observation_count, state, created_at FROM checkpoints ORDER BY id DESC LIMIT 1",
                [],
                |row| {
                    Ok(Checkpoint {
                        observation_count: row.get::<_, i64>(0)? as u64,
                        state: row.get(1)?,
                        created_at: row.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(sql(&self.path, "read the latest checkpoint"))
    }

    /// Every run event, oldest first.
    pub fn events(&self) -> Result<Vec<RunEvent>> {
        let query = "SELECT kind, at, detail FROM events ORDER BY id";
        let rows = self.rows(query, "read run events", |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, f64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        rows.into_iter()
            .map(|(kind, at, detail)| {
                let kind =
                    EventKind::parse(&kind).ok_or_else(|| self.corrupt("event kind", kind))?;
                Ok(RunEvent { kind, at, detail })
            })
            .collect()
    }

    /// Every slot event, oldest first (none in a journal older than schema version 3,
    /// which this read-only reader does not upgrade).
    pub fn slot_events(&self) -> Result<Vec<SlotEvent>> {
        if schema::version(&self.conn, &self.path)? < schema::SLOT_EVENTS_SINCE {
            return Ok(Vec::new());
        }
        let query = "SELECT node, agent, slot, kind, at, detail FROM slot_events ORDER BY id";
        let rows = self.rows(query, "read slot events", |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, u32>(1)?,
                row.get::<_, u32>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, f64>(4)?,
                row.get::<_, String>(5)?,
            ))
        })?;
        rows.into_iter()
            .map(|(node, agent, slot, kind, at, detail)| {
                let kind = SlotEventKind::parse(&kind)
                    .ok_or_else(|| self.corrupt("slot event kind", kind))?;
                Ok(SlotEvent {
                    node,
                    agent,
                    slot,
                    kind,
                    at,
                    detail,
                })
            })
            .collect()
    }

    /// Visit every trial in proposal order, without loading them all at once.
    pub fn for_each_trial(&self, mut visit: impl FnMut(TrialRecord) -> Result<()>) -> Result<()> {
        let query = format!("SELECT {TRIAL_COLUMNS} ORDER BY t.proposal_seq");
        let mut stmt = self
            .conn
            .prepare(&query)
            .map_err(sql(&self.path, "read trials"))?;
        let mut rows = stmt.query([]).map_err(sql(&self.path, "read trials"))?;
        while let Some(row) = rows.next().map_err(sql(&self.path, "read trials"))? {
            let raw = RawTrial::from_row(row).map_err(sql(&self.path, "read trials"))?;
            visit(self.decode(raw)?)?;
        }
        Ok(())
    }

    /// Every row of a query, mapped.
    pub(crate) fn rows<T>(
        &self,
        query: &str,
        action: &'static str,
        map: impl FnMut(&Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare(query).map_err(sql(&self.path, action))?;
        let rows = stmt
            .query_map([], map)
            .and_then(|rows| rows.collect())
            .map_err(sql(&self.path, action));
        rows
    }

    fn decode(&self, raw: RawTrial) -> Result<TrialRecord> {
        let responses = match raw.responses.as_deref() {
            None => BTreeMap::new(),
            Some(json) => serde_json::from_str::<BTreeMap<String, Option<f64>>>(json)
                .map_err(|e| self.corrupt("responses", format!("trial {}: {e}", raw.id)))?
                .into_iter()
                .map(|(name, value)| (name, value.unwrap_or(f64::NAN)))
                .collect(),
        };
        Ok(TrialRecord {
            id: raw.id as u64,
            proposal_seq: raw.proposal_seq as u64,
            observed_seq: raw.observed_seq.map(|s| s as u64),
            params: self.parse_params(&raw.params)?,
            status: self.parse_status(&raw.status)?,
            objective: raw.objective,
            responses,
            node: raw.node,
            slot: raw.slot,
            attempt: raw.attempt,
            queued_at: raw.queued_at,
            started_at: raw.started_at,
            finished_at: raw.finished_at,
            failure_reason: raw.failure_reason,
            stderr_tail: raw.stderr_tail,
        })
    }

    pub(crate) fn parse_params(&self, json: &str) -> Result<Vec<f64>> {
        serde_json::from_str(json).map_err(|e| self.corrupt("parameters", format!("{json}: {e}")))
    }

    /// The journal's schema version.
    pub(crate) fn schema_version(&self) -> Result<i64> {
        schema::version(&self.conn, &self.path)
    }

    pub(crate) fn parse_vector(&self, json: &str) -> Result<Vec<f64>> {
        serde_json::from_str(json).map_err(|e| self.corrupt("objectives", format!("{json}: {e}")))
    }

    fn parse_status(&self, name: &str) -> Result<TrialStatus> {
        TrialStatus::parse(name).ok_or_else(|| self.corrupt("trial status", name.to_string()))
    }

    fn corrupt(&self, what: &'static str, problem: String) -> JournalError {
        JournalError::Corrupt {
            path: self.path.clone(),
            what,
            problem,
        }
    }
}

/// A trials row as SQLite returns it, before JSON and status decoding.
struct RawTrial {
    id: i64,
    proposal_seq: i64,
    observed_seq: Option<i64>,
    params: String,
    status: String,
    objective: Option<f64>,
    responses: Option<String>,
    node: Option<String>,
    slot: Option<u32>,
    attempt: u32,
    queued_at: Option<f64>,
    started_at: Option<f64>,
    finished_at: Option<f64>,
    failure_reason: Option<String>,
    stderr_tail: Option<String>,
}

impl RawTrial {
    fn from_row(row: &Row) -> rusqlite::Result<RawTrial> {
        Ok(RawTrial {
            id: row.get(0)?,
            proposal_seq: row.get(1)?,
            observed_seq: row.get(2)?,
            params: row.get(3)?,
            status: row.get(4)?,
            objective: row.get(5)?,
            responses: row.get(6)?,
            node: row.get(7)?,
            slot: row.get(8)?,
            attempt: row.get(9)?,
            queued_at: row.get(10)?,
            started_at: row.get(11)?,
            finished_at: row.get(12)?,
            failure_reason: row.get(13)?,
            stderr_tail: row.get(14)?,
        })
    }
}
