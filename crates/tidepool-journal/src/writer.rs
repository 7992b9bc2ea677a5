//! The batching writer: one thread owns the writing connection, takes records from a
//! bounded channel, and commits everything waiting in one transaction per batch. A
//! record that breaks the journal's rules (a trial started before it was proposed, a
//! result observed twice) does not undo the rest of its batch; it stops the writer, and
//! the next call on the journal reports it.

use crate::apply::{Apply, Record, Sequences};
use crate::error::{sql, JournalError, Result};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Most messages handled in one transaction.
const MAX_BATCH: usize = 16_384;
/// Messages that may wait in the channel before senders block.
const CHANNEL_CAPACITY: usize = 65_536;

/// The answer to a sync request: `Err` holds why the writer stopped.
pub(crate) type Ack = mpsc::Sender<Result<(), String>>;

/// What the journal handle sends to the writer.
pub(crate) enum Message {
    Record(Record),
    /// Answer once everything sent before is committed (and synced to disk if durable).
    Sync {
        durable: bool,
        ack: Ack,
    },
}

/// The sending side, kept by the journal handle.
pub(crate) struct WriterHandle {
    pub sender: SyncSender<Message>,
    pub thread: JoinHandle<()>,
    /// Why the writer stopped, once it has.
    pub failure: Arc<Mutex<Option<String>>>,
}

struct Writer {
    conn: Connection,
    path: PathBuf,
    seq: Sequences,
}

/// Start the writer thread on an open, checked connection.
pub(crate) fn spawn(conn: Connection, path: &Path) -> Result<WriterHandle> {
    let next = |sql_text: &str| -> Result<i64> {
        conn.query_row(sql_text, [], |row| row.get(0))
            .map_err(sql(path, "read sequence counters"))
    };
    let seq = Sequences {
        next_proposal: next("SELECT COALESCE(MAX(proposal_seq) + 1, 0) FROM trials")?,
        next_observation: next("SELECT COALESCE(MAX(seq) + 1, 0) FROM observations")?,
    };
    let writer = Writer {
        conn,
        path: path.to_path_buf(),
        seq,
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
    fn run(mut self, receiver: Receiver<Message>, failure: Arc<Mutex<Option<String>>>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while let Ok(first) = receiver.recv() {
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(message) => batch.push(message),
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
    fn commit(&mut self, batch: &mut Vec<Message>) -> Result<()> {
        let durable = batch
            .iter()
            .any(|m| matches!(m, Message::Sync { durable: true, .. }));
        if durable {
            self.set_synchronous("FULL")?;
        }
        let (outcome, acks) = self.apply_batch(batch, durable);
        let restored = match durable {
            true => self.set_synchronous("NORMAL"),
            false => Ok(()),
        };
        let outcome = outcome.and(restored);
        let answer = outcome.as_ref().map(|_| ()).map_err(|e| e.to_string());
        for ack in acks {
            // A caller that stopped waiting needs no answer.
            let _ = ack.send(answer.clone());
        }
        outcome
    }

    /// One transaction: every record applied (the first bad one reported after the
    /// commit), plus a flush mark when a durable sync is in the batch.
    fn apply_batch(&mut self, batch: &mut Vec<Message>, durable: bool) -> (Result<()>, Vec<Ack>) {
        let mut acks = Vec::new();
        let tx = match self.conn.transaction() {
            Ok(tx) => tx,
            Err(e) => return (Err(sql(&self.path, "begin a batch")(e)), acks),
        };
        let mut apply = Apply {
            tx: &tx,
            path: &self.path,
            seq: self.seq,
        };
        let mut first_error = None;
        for message in batch.drain(..) {
            let applied = match message {
                Message::Record(record) => apply.record(record),
                Message::Sync { ack, .. } => {
                    acks.push(ack);
                    Ok(())
                }
            };
            if let Err(err) = applied {
                first_error.get_or_insert(err);
            }
        }
        if durable {
            if let Err(err) = apply.flush_mark() {
                first_error.get_or_insert(err);
            }
        }
        let seq = apply.seq;
        let committed = tx.commit().map_err(sql(&self.path, "commit a batch"));
        self.seq = seq;
        (committed.and(first_error.map_or(Ok(()), Err)), acks)
    }

    fn set_synchronous(&self, level: &str) -> Result<()> {
        self.conn
            .pragma_update(None, "synchronous", level)
            .map_err(sql(&self.path, "set the sync level"))
    }
}
