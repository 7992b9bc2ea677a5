//! The batching writer: one thread owns the writing connection, takes records from a
//! bounded channel, and commits everything waiting in one transaction per batch. A
//! record that breaks the journal's rules (a trial started before it was proposed, a
//! result observed twice) does not undo the rest of its batch; it stops the writer, and
//! the next call on the journal reports it.

use crate::error::{sql, JournalError, Result};
use crate::records::{EventKind, StartedTrial, TrialId, TrialStatus};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Most records committed in one transaction.
const MAX_BATCH: usize = 16_384;
/// Records that may wait in the channel before senders block.
const CHANNEL_CAPACITY: usize = 65_536;
/// Checkpoints kept; older ones are deleted.
const CHECKPOINTS_KEPT: i64 = 3;

/// A record on its way to the database (serialised by the sender, not the writer).
pub(crate) enum Command {
    Proposed {
        id: TrialId,
        params_json: String,
        queued_at: f64,
    },
    Started(StartedTrial),
    Finished {
        id: TrialId,
        status: TrialStatus,
        objective: Option<f64>,
        responses_json: String,
        finished_at: f64,
        failure_reason: Option<String>,
        stderr_tail: Option<String>,
    },
    Observed {
        id: TrialId,
        objective: Option<f64>,
    },
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
    /// Answer once everything sent before is committed (and synced to disk if durable).
    Sync {
        durable: bool,
        ack: mpsc::Sender<Result<(), String>>,
    },
}

/// The sending side, shared with the journal handle.
pub(crate) struct WriterHandle {
    pub sender: SyncSender<Command>,
    pub thread: JoinHandle<()>,
    /// Why the writer stopped, once it has.
    pub failure: Arc<Mutex<Option<String>>>,
}

struct Writer {
    conn: Connection,
    path: PathBuf,
    next_proposal: i64,
    next_observation: i64,
}

/// Start the writer thread on an open, checked connection.
pub(crate) fn spawn(conn: Connection, path: &Path) -> Result<WriterHandle> {
    let next = |sql_text: &str| -> Result<i64> {
        conn.query_row(sql_text, [], |row| row.get(0))
            .map_err(sql(path, "read sequence counters"))
    };
    let next_proposal = next("SELECT COALESCE(MAX(proposal_seq) + 1, 0) FROM trials")?;
    let next_observation = next("SELECT COALESCE(MAX(seq) + 1, 0) FROM observations")?;
    let writer = Writer {
        conn,
        path: path.to_path_buf(),
        next_proposal,
        next_observation,
    };
    let (sender, receiver) = mpsc::sync_channel(CHANNEL_CAPACITY);
    let failure = Arc::new(Mutex::new(None));
    let failure_in_thread = Arc::clone(&failure);
    let thread = std::thread::Builder::new()
        .name("tidepool-journal".into())
        .spawn(move || writer.run(receiver, failure_in_thread))
        .map_err(|source| JournalError::WriterStopped {
            path: path.to_path_buf(),
            cause: format!("cannot start the writer thread: {source}"),
        })?;
    Ok(WriterHandle {
        sender,
        thread,
        failure,
    })
}

impl Writer {
    fn run(mut self, receiver: Receiver<Command>, failure: Arc<Mutex<Option<String>>>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while let Ok(first) = receiver.recv() {
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(command) => batch.push(command),
                    Err(_) => break,
                }
            }
            if let Err(err) = self.commit(&mut batch) {
                tracing::error!("journal writer stopped: {err}");
                *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(err.to_string());
                return;
            }
        }
    }

    /// Apply a batch in one transaction, then answer its sync requests.
    fn commit(&mut self, batch: &mut Vec<Command>) -> Result<()> {
        let durable = batch
            .iter()
            .any(|c| matches!(c, Command::Sync { durable: true, .. }));
        if durable {
            self.set_synchronous("FULL")?;
        }
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(sql(&path, "begin a batch"))?;
        let mut counters = (self.next_proposal, self.next_observation);
        let mut acks = Vec::new();
        let mut first_error = None;
        for command in batch.drain(..) {
            match command {
                Command::Sync { ack, .. } => acks.push(ack),
                record => {
                    if let Err(err) = apply(&tx, &path, record, &mut counters) {
                        first_error.get_or_insert(err);
                    }
                }
            }
        }
        if durable {
            // A write in every durable batch, so its commit syncs the WAL file (and with
            // it every earlier batch) even when the batch holds nothing else.
            if let Err(err) = mark_flush(&tx, &path) {
                first_error.get_or_insert(err);
            }
        }
        let committed = tx.commit().map_err(sql(&path, "commit a batch"));
        (self.next_proposal, self.next_observation) = counters;
        let restored = if durable {
            self.set_synchronous("NORMAL")
        } else {
            Ok(())
        };
        let outcome = committed.and(first_error.map_or(Ok(()), Err)).and(restored);
        let answer = outcome.as_ref().map(|_| ()).map_err(|e| e.to_string());
        for ack in acks {
            // A caller that stopped waiting needs no answer.
            let _ = ack.send(answer.clone());
        }
        outcome
    }

    fn set_synchronous(&self, level: &str) -> Result<()> {
        self.conn
            .pragma_update(None, "synchronous", level)
            .map_err(sql(&self.path, "set the sync level"))
    }
}

fn mark_flush(tx: &Transaction, path: &Path) -> Result<()> {
    tx.prepare_cached("INSERT OR REPLACE INTO flushes (id, at) VALUES (1, ?1)")
        .and_then(|mut st| st.execute([crate::records::unix_now()]))
        .map(|_| ())
        .map_err(sql(path, "mark a flush"))
}

fn bad(path: &Path, trial: TrialId, problem: &str) -> JournalError {
    JournalError::BadRecord {
        path: path.to_path_buf(),
        trial,
        problem: problem.to_string(),
    }
}

/// Write one record. `counters` are the next proposal and observation numbers.
fn apply(tx: &Transaction, path: &Path, record: Command, counters: &mut (i64, i64)) -> Result<()> {
    match record {
        Command::Proposed {
            id,
            params_json,
            queued_at,
        } => apply_proposed(tx, path, id, &params_json, queued_at, &mut counters.0),
        Command::Started(s) => {
            let changed = tx
                .prepare_cached(
                    "UPDATE trials SET status = 'running', node = ?2, slot = ?3, attempt = ?4,
                       started_at = ?5, finished_at = NULL, objective = NULL, responses = NULL,
                       failure_reason = NULL, stderr_tail = NULL
                     WHERE id = ?1",
                )
                .and_then(|mut st| st.execute(params![s.id as i64, s.node, s.slot, s.attempt, s.started_at]))
                .map_err(sql(path, "record a started trial"))?;
            match changed {
                0 => Err(bad(path, s.id, "started but never proposed")),
                _ => Ok(()),
            }
        }
        Command::Finished {
            id,
            status,
            objective,
            responses_json,
            finished_at,
            failure_reason,
            stderr_tail,
        } => {
            let changed = tx
                .prepare_cached(
                    "UPDATE trials SET status = ?2, objective = ?3, responses = ?4,
                       finished_at = ?5, failure_reason = ?6, stderr_tail = ?7
                     WHERE id = ?1",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        id as i64,
                        status.as_str(),
                        objective,
                        responses_json,
                        finished_at,
                        failure_reason,
                        stderr_tail
                    ])
                })
                .map_err(sql(path, "record a finished trial"))?;
            match changed {
                0 => Err(bad(path, id, "finished but never proposed")),
                _ => Ok(()),
            }
        }
        Command::Observed { id, objective } => apply_observed(tx, path, id, objective, &mut counters.1),
        Command::Checkpoint {
            observation_count,
            state,
            at,
        } => tx
            .prepare_cached("INSERT INTO checkpoints (observation_count, state, created_at) VALUES (?1, ?2, ?3)")
            .and_then(|mut st| st.execute(params![observation_count as i64, state, at]))
            .and_then(|_| {
                tx.execute(
                    "DELETE FROM checkpoints WHERE id <= (SELECT MAX(id) FROM checkpoints) - ?1",
                    [CHECKPOINTS_KEPT],
                )
            })
            .map(|_| ())
            .map_err(sql(path, "store a checkpoint")),
        Command::Event { kind, at, detail } => tx
            .execute(
                "INSERT INTO events (kind, at, detail) VALUES (?1, ?2, ?3)",
                params![kind.as_str(), at, detail],
            )
            .map(|_| ())
            .map_err(sql(path, "record a run event")),
        Command::Config { text, hash, at } => tx
            .execute(
                "INSERT INTO config_snapshots (text, hash, stored_at) VALUES (?1, ?2, ?3)",
                params![text, hash, at],
            )
            .map(|_| ())
            .map_err(sql(path, "store the config snapshot")),
        Command::Sync { .. } => Ok(()),
    }
}

/// A new trial, or the same trial queued again (same parameters, not yet observed),
/// as happens on resume for trials that were in flight.
fn apply_proposed(
    tx: &Transaction,
    path: &Path,
    id: TrialId,
    params_json: &str,
    queued_at: f64,
    next_seq: &mut i64,
) -> Result<()> {
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO trials (id, proposal_seq, params, status, queued_at)
             VALUES (?1, ?2, ?3, 'queued', ?4)",
        )
        .and_then(|mut st| st.execute(params![id as i64, *next_seq, params_json, queued_at]))
        .map_err(sql(path, "record a proposed trial"))?;
    if inserted == 1 {
        *next_seq += 1;
        return Ok(());
    }
    let requeued = tx
        .prepare_cached(
            "UPDATE trials SET status = 'queued', queued_at = ?2
             WHERE id = ?1 AND params = ?3
               AND NOT EXISTS (SELECT 1 FROM observations WHERE trial_id = ?1)",
        )
        .and_then(|mut st| st.execute(params![id as i64, queued_at, params_json]))
        .map_err(sql(path, "queue a trial again"))?;
    match requeued {
        0 => Err(bad(
            path,
            id,
            "proposed again with different parameters, or after its result was observed",
        )),
        _ => Ok(()),
    }
}

fn apply_observed(
    tx: &Transaction,
    path: &Path,
    id: TrialId,
    objective: Option<f64>,
    next_seq: &mut i64,
) -> Result<()> {
    let already: Option<i64> = tx
        .prepare_cached("SELECT seq FROM observations WHERE trial_id = ?1")
        .and_then(|mut st| st.query_row([id as i64], |row| row.get(0)).optional())
        .map_err(sql(path, "record an observation"))?;
    if let Some(seq) = already {
        return Err(bad(
            path,
            id,
            &format!("observed twice (first as observation {seq})"),
        ));
    }
    let inserted = tx
        .prepare_cached("INSERT INTO observations (seq, trial_id, objective) SELECT ?1, id, ?3 FROM trials WHERE id = ?2")
        .and_then(|mut st| st.execute(params![*next_seq, id as i64, objective]))
        .map_err(sql(path, "record an observation"))?;
    match inserted {
        0 => Err(bad(path, id, "observed but never proposed")),
        _ => {
            *next_seq += 1;
            Ok(())
        }
    }
}
