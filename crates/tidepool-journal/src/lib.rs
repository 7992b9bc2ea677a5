//! The per-run journal: one SQLite database (`journal.sqlite`, WAL mode) in each run
//! directory, holding everything needed to report on a run and to resume it exactly.
//!
//! It holds the config snapshot and its hash, every trial (parameters, status, objective,
//! named responses, node, slot, attempt, times, failure reason, stderr tail), the order
//! in which the optimiser observed results (with each vector of objectives for the
//! multi-objective `padds`), the archive of non-dominated trials, opaque optimiser checkpoints, run events, and each
//! slot's starts and readiness (the start gate at work, shown by `tidepool report`).
//!
//! Writes go through a batching writer: a thread fed by a bounded channel commits all
//! waiting records in one transaction, so recording a trial costs the caller a channel
//! send. A process killed at any moment leaves a database that opens and holds every
//! batch committed before the kill; [`Journal::flush`] returns once all records sent so
//! far are committed and synced to disk (between flushes, batches are committed without
//! an fsync: they survive a killed process, and a machine crash may lose the batches
//! since the last flush). The schema is versioned (`PRAGMA user_version`) and a journal
//! from a newer tidepool is refused.
//!
//! To resume, [`Journal::open`] the run, then read back through [`Journal::reader`]:
//! [`JournalReader::replay`] (proposals and observations interleaved as they happened),
//! [`JournalReader::proposals`] and [`JournalReader::observations`] in their orders,
//! [`JournalReader::in_flight`] (to propose again with the same parameters),
//! [`JournalReader::latest_checkpoint`], [`JournalReader::counts`] and
//! [`JournalReader::best`]. Several reads can share one consistent view with
//! [`JournalReader::snapshot`]. `tidepool status` and `tidepool export` use a
//! [`JournalReader`] from another process while the run writes.
//!
//! ```
//! use tidepool_journal::{Journal, ProposedTrial, StartedTrial, FinishedTrial, unix_now};
//! let dir = tempfile::tempdir().unwrap();
//! let names = vec!["k".to_string(), "s_max".to_string()];
//! let journal = Journal::create(dir.path(), &names, "[run]\nseed = 1\n").unwrap();
//! journal.proposed(&ProposedTrial { id: 0, params: vec![0.5, 120.0], queued_at: unix_now() }).unwrap();
//! journal.started(StartedTrial { id: 0, node: "n1".into(), slot: 0, attempt: 1, started_at: unix_now() }).unwrap();
//! journal.finished(FinishedTrial::ok(0, Some(0.25), Default::default())).unwrap();
//! journal.observed(0, Some(0.25)).unwrap();
//! let reader = journal.reader().unwrap();
//! assert_eq!(reader.best().unwrap().unwrap().objective, Some(0.25));
//! ```
//!
//! Layout:
//! - `journal`: [`Journal`], the writing handle (create, open, record, flush);
//! - `writer`: the batching writer thread;
//! - `apply`: each record as SQL, and the rules records follow;
//! - `reader`: [`JournalReader`], the read-only queries for resume, status and export;
//! - `pareto`: the archive of non-dominated trials and the objective vectors;
//! - `records`: the record and row types;
//! - `schema`: tables, schema version and upgrades, connection set-up, the file's path
//!   (below both `journal` and `reader`, which do not depend on each other's insides);
//! - `export`: the trials table as CSV; `export_pareto`: the archive as a table;
//! - `error`: [`JournalError`].

mod apply;
mod error;
mod export;
mod export_pareto;
mod journal;
mod pareto;
mod reader;
mod records;
mod schema;
mod writer;

pub use error::{JournalError, Result};
pub use export::{write_csv, ShownColumn};
pub use export_pareto::{Front, FrontMember};
pub use journal::Journal;
pub use reader::JournalReader;
pub use records::{
    unix_now, Checkpoint, ConfigSnapshot, Counts, EventKind, FinishedTrial, Observation,
    ParetoMember, ProposedTrial, ReplayStep, RunEvent, SlotEvent, SlotEventKind, StartedTrial,
    TrialId, TrialRecord, TrialStatus,
};
pub use schema::{journal_path, SCHEMA_VERSION};
