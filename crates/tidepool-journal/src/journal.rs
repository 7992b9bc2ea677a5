//! The handle the coordinator writes through: create or open a run's journal, send
//! records to the batching writer, flush, and read back for resume.

use crate::apply::{FinishedRow, Record};
use crate::error::{JournalError, Result};
use crate::reader::JournalReader;
use crate::records::{
    unix_now, ConfigSnapshot, EventKind, FinishedTrial, ProposedTrial, SlotEvent, StartedTrial,
    TrialId,
};
use crate::schema::{self, journal_path};
use crate::writer::{self, Message, WriterHandle};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// A run journal open for writing. Records are queued to a writer thread and committed
/// in batches; [`Journal::flush`] returns once everything sent before it is on disk.
/// Dropping the handle commits what was sent and stops the writer.
pub struct Journal {
    path: PathBuf,
    parameters: Vec<String>,
    writer: Option<WriterHandle>,
}

/// Create the (empty) database file with mode 0600 whatever the umask; SQLite gives
/// its `-wal` and `-shm` files the database file's mode. The exclusive create is also
/// the check that no journal is there, and `run_dir` is created only when it is
/// missing: on a shared filesystem each `stat` and `mkdir` is a metadata operation.
fn create_private(run_dir: &Path, path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
    };
    let file = match create() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(run_dir).map_err(|source| JournalError::CreateDir {
                path: run_dir.to_path_buf(),
                source,
            })?;
            create()
        }
        other => other,
    };
    let io = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::AlreadyExists => JournalError::AlreadyExists {
            path: path.to_path_buf(),
        },
        _ => JournalError::CreateFile {
            path: path.to_path_buf(),
            source,
        },
    };
    file.map_err(io)?
        .set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(io)
}

impl Journal {
    /// Start the journal of a new run in `run_dir` (created if needed) with the run's
    /// parameter names, in definition order, and its config text.
    pub fn create(run_dir: &Path, parameters: &[String], config_text: &str) -> Result<Journal> {
        let path = journal_path(run_dir);
        if let Some(name) = parameters
            .iter()
            .enumerate()
            .find_map(|(i, name)| parameters[..i].contains(name).then_some(name))
        {
            return Err(JournalError::DuplicateParameter {
                path,
                name: name.clone(),
            });
        }
        create_private(run_dir, &path)?;
        let mut conn = schema::open_writer(&path)?;
        schema::create(&mut conn, &path, parameters, config_text)?;
        Journal::start(conn, path, parameters.to_vec())
    }

    /// Open the journal of an existing run for writing (to resume it).
    pub fn open(run_dir: &Path) -> Result<Journal> {
        let path = journal_path(run_dir);
        if !path.exists() {
            return Err(JournalError::NoJournal {
                run_dir: run_dir.to_path_buf(),
            });
        }
        let mut conn = schema::open_writer(&path)?;
        schema::check_version(&conn, &path)?;
        schema::upgrade(&mut conn, &path)?;
        let parameters = schema::parameter_names(&conn, &path)?;
        Journal::start(conn, path, parameters)
    }

    fn start(
        conn: rusqlite::Connection,
        path: PathBuf,
        parameters: Vec<String>,
    ) -> Result<Journal> {
        let writer = writer::spawn(conn, &path)?;
        Ok(Journal {
            path,
            parameters,
            writer: Some(writer),
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

    /// Store a new config snapshot (e.g. on a forced resume with a changed config).
    pub fn store_config(&self, text: &str) -> Result<()> {
        self.send(Record::Config {
            text: text.to_string(),
            hash: ConfigSnapshot::hash_of(text),
            at: unix_now(),
        })
    }

    /// A trial the optimiser proposed (status `queued`). Proposing an unobserved trial
    /// again with the same parameters queues it again, keeping its proposal order.
    pub fn proposed(&self, trial: &ProposedTrial) -> Result<()> {
        self.check_params(trial)?;
        let params_json = self.json(trial.id, "parameters", &trial.params)?;
        self.send(Record::Proposed {
            id: trial.id,
            params_json,
            queued_at: trial.queued_at,
        })
    }

    /// A trial handed to a slot (status `running`).
    pub fn started(&self, trial: StartedTrial) -> Result<()> {
        self.send(Record::Started(trial))
    }

    /// A trial's end; its status must be final.
    pub fn finished(&self, trial: FinishedTrial) -> Result<()> {
        if !trial.status.is_final() {
            return Err(JournalError::NotFinal {
                path: self.path.clone(),
                trial: trial.id,
                status: trial.status,
            });
        }
        // serde_json writes NaN as null; the reader turns null back into NaN.
        let responses_json = self.json(trial.id, "responses", &trial.responses)?;
        self.send(Record::Finished(FinishedRow {
            id: trial.id,
            status: trial.status,
            objective: trial.objective,
            responses_json,
            finished_at: trial.finished_at,
            failure_reason: trial.failure_reason,
            stderr_tail: trial.stderr_tail,
        }))
    }

    /// The optimiser took this result (`None`: a failure); numbered in arrival order.
    pub fn observed(&self, id: TrialId, objective: Option<f64>) -> Result<()> {
        self.observed_vector(id, objective, None)
    }

    /// Like [`Journal::observed`], with the vector of objectives a multi-objective
    /// optimiser (`padds`) was told (`None`: one objective, or a failure).
    pub fn observed_vector(
        &self,
        id: TrialId,
        objective: Option<f64>,
        objectives: Option<&[f64]>,
    ) -> Result<()> {
        let objectives_json = objectives
            .map(|v| self.json(id, "the objectives", &v))
            .transpose()?;
        self.send(Record::Observed {
            id,
            objective,
            objectives_json,
        })
    }

    /// The archive of non-dominated trials now (replacing the one recorded before).
    pub fn front(&self, trials: &[TrialId]) -> Result<()> {
        self.send(Record::Front(trials.to_vec()))
    }

    /// Opaque optimiser state, valid after `observation_count` observations.
    pub fn checkpoint(&self, observation_count: u64, state: Vec<u8>) -> Result<()> {
        self.send(Record::Checkpoint {
            observation_count,
            state,
            at: unix_now(),
        })
    }

    /// A run event (started, interrupted, failed, resumed, finished).
    pub fn event(&self, kind: EventKind, detail: &str) -> Result<()> {
        self.send(Record::Event {
            kind,
            at: unix_now(),
            detail: detail.to_string(),
        })
    }

    /// A slot's start, readiness, failed start or removal from service.
    pub fn slot_event(&self, event: SlotEvent) -> Result<()> {
        self.send(Record::Slot(event))
    }

    /// Return once every record sent before is committed and synced to disk.
    pub fn flush(&self) -> Result<()> {
        self.sync(true)
    }

    /// A reader that sees every record sent before this call (committed, not synced).
    pub fn reader(&self) -> Result<JournalReader> {
        self.sync(false)?;
        JournalReader::open_file(&self.path)
    }

    /// Flush, then stop the writer.
    pub fn close(mut self) -> Result<()> {
        self.flush()?;
        self.stop_writer();
        Ok(())
    }

    fn json(&self, trial: TrialId, what: &str, value: &impl serde::Serialize) -> Result<String> {
        serde_json::to_string(value).map_err(|e| JournalError::BadRecord {
            path: self.path.clone(),
            trial,
            problem: format!("{what} cannot be written as JSON: {e}"),
        })
    }

    fn check_params(&self, trial: &ProposedTrial) -> Result<()> {
        if trial.params.len() != self.parameters.len() {
            return Err(JournalError::ParameterCount {
                path: self.path.clone(),
                trial: trial.id,
                got: trial.params.len(),
                expected: self.parameters.len(),
            });
        }
        match trial.params.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(JournalError::NonFiniteParameter {
                path: self.path.clone(),
                trial: trial.id,
                name: self.parameters[i].clone(),
                value: trial.params[i],
            }),
            None => Ok(()),
        }
    }

    fn sync(&self, durable: bool) -> Result<()> {
        let (ack, answer) = mpsc::channel();
        self.send_message(Message::Sync { durable, ack })?;
        match answer.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(cause)) => Err(JournalError::WriterStopped {
                path: self.path.clone(),
                cause,
            }),
            Err(_) => Err(self.stopped()),
        }
    }

    fn send(&self, record: Record) -> Result<()> {
        self.send_message(Message::Record(record))
    }

    fn send_message(&self, message: Message) -> Result<()> {
        let writer = self.writer.as_ref().ok_or_else(|| self.stopped())?;
        writer.sender.send(message).map_err(|_| self.stopped())
    }

    fn stopped(&self) -> JournalError {
        let cause = self
            .writer
            .as_ref()
            .and_then(|w| w.failure.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_else(|| "the writer thread ended".to_string());
        JournalError::WriterStopped {
            path: self.path.clone(),
            cause,
        }
    }

    fn stop_writer(&mut self) {
        if let Some(WriterHandle { sender, thread, .. }) = self.writer.take() {
            drop(sender);
            if thread.join().is_err() {
                tracing::error!(
                    "journal {}: the writer thread panicked",
                    self.path.display()
                );
            }
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.stop_writer();
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
