//! Unit tests of the journal handle and reader, on real SQLite files.

use super::*;
use crate::reader::JournalReader;
use crate::records::{
    Checkpoint, Counts, Observation, ReplayStep, SlotEvent, SlotEventKind, TrialStatus,
};
use crate::schema::SCHEMA_VERSION;
use std::collections::BTreeMap;

fn names() -> Vec<String> {
    vec!["k".into(), "s_max".into(), "alpha".into()]
}

fn propose(journal: &Journal, id: u64) -> ProposedTrial {
    let trial = ProposedTrial {
        id,
        params: vec![id as f64 * 0.1, 100.0 + id as f64, 1e-3 / (id as f64 + 1.0)],
        queued_at: 1_700_000_000.0 + id as f64,
    };
    journal.proposed(&trial).unwrap();
    trial
}

fn start(journal: &Journal, id: u64) {
    journal
        .started(StartedTrial {
            id,
            node: "node-a".into(),
            slot: (id % 4) as u32,
            attempt: 1,
            started_at: 1_700_000_100.0 + id as f64,
        })
        .unwrap();
}

fn all_trials(journal: &Journal) -> Vec<crate::TrialRecord> {
    let mut seen = Vec::new();
    let reader = journal.reader().unwrap();
    reader
        .for_each_trial(|t| {
            seen.push(t);
            Ok(())
        })
        .unwrap();
    seen
}

fn finish_ok(journal: &Journal, id: u64, objective: f64) {
    let responses = BTreeMap::from([("kge".to_string(), 1.0 - objective)]);
    journal
        .finished(FinishedTrial::ok(id, Some(objective), responses))
        .unwrap();
}

#[test]
fn records_read_back_in_order_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "seed = 7\n").unwrap();
    let proposed: Vec<ProposedTrial> = (0..5).map(|id| propose(&journal, id)).collect();
    for id in 0..4 {
        start(&journal, id);
    }
    finish_ok(&journal, 2, 0.5);
    finish_ok(&journal, 0, 0.25);
    journal
        .finished(FinishedTrial::unsuccessful(
            1,
            TrialStatus::Failed,
            "exit 3",
            "boom\n",
        ))
        .unwrap();
    // Observed out of proposal order.
    journal.observed(2, Some(0.5)).unwrap();
    journal.observed(0, Some(0.25)).unwrap();
    journal.observed(1, None).unwrap();
    journal.checkpoint(3, vec![1, 2, 3]).unwrap();
    journal.event(EventKind::Started, "3 parameters").unwrap();
    journal.close().unwrap();

    let journal = Journal::open(dir.path()).unwrap();
    assert_eq!(journal.parameters(), names().as_slice());
    let reader = journal.reader().unwrap();
    assert_eq!(reader.proposals().unwrap(), proposed);
    let order: Vec<(u64, u64, Option<f64>)> = reader
        .observations()
        .unwrap()
        .into_iter()
        .map(|o| (o.seq, o.trial_id, o.objective))
        .collect();
    assert_eq!(
        order,
        vec![(0, 2, Some(0.5)), (1, 0, Some(0.25)), (2, 1, None)]
    );
    let in_flight: Vec<u64> = reader.in_flight().unwrap().iter().map(|t| t.id).collect();
    assert_eq!(in_flight, vec![3, 4]);
    let expected = Counts {
        proposed: 5,
        queued: 1,
        running: 1,
        ok: 2,
        failed: 1,
        observed: 3,
        ..Counts::default()
    };
    assert_eq!(reader.counts().unwrap(), expected);
    let best = reader.best().unwrap().unwrap();
    assert_eq!(
        (best.id, best.objective, best.observed_seq),
        (0, Some(0.25), Some(1))
    );
    assert_eq!(best.responses["kge"], 0.75);
    assert_eq!(
        (best.node.as_deref(), best.slot, best.attempt),
        (Some("node-a"), Some(0), 1)
    );
    let checkpoint = reader.latest_checkpoint().unwrap().unwrap();
    assert_eq!(
        (checkpoint.observation_count, checkpoint.state),
        (3, vec![1, 2, 3])
    );
    let events = reader.events().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].kind, events[0].detail.as_str()),
        (EventKind::Started, "3 parameters")
    );
    let config = reader.config().unwrap();
    assert_eq!(config.text, "seed = 7\n");
    assert_eq!(config.hash, ConfigSnapshot::hash_of("seed = 7\n"));

    // Numbering continues after the reopen.
    start(&journal, 4);
    finish_ok(&journal, 4, 0.125);
    journal.observed(4, Some(0.125)).unwrap();
    let reader = journal.reader().unwrap();
    let last = reader.observations().unwrap().pop().unwrap();
    assert_eq!((last.seq, last.trial_id), (3, 4));
    assert_eq!(reader.best().unwrap().unwrap().id, 4);
}

#[test]
fn failed_trial_keeps_reason_and_retry_clears_it() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    propose(&journal, 0);
    start(&journal, 0);
    journal
        .finished(FinishedTrial::unsuccessful(
            0,
            TrialStatus::TimedOut,
            "over 60 s",
            "tail",
        ))
        .unwrap();
    let seen = all_trials(&journal);
    assert_eq!(seen[0].status, TrialStatus::TimedOut);
    assert_eq!(seen[0].failure_reason.as_deref(), Some("over 60 s"));
    assert_eq!(seen[0].stderr_tail.as_deref(), Some("tail"));
    journal
        .started(StartedTrial {
            id: 0,
            node: "node-b".into(),
            slot: 3,
            attempt: 2,
            started_at: 5.0,
        })
        .unwrap();
    let seen = all_trials(&journal);
    let t = &seen[0];
    assert_eq!(
        (t.status, t.attempt, t.slot, t.failure_reason.clone()),
        (TrialStatus::Running, 2, Some(3), None)
    );
}

#[test]
fn parameters_and_responses_round_trip_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    let mut bits: u64 = 0x0123_4567_89ab_cdef;
    let mut trials = Vec::new();
    for id in 0..200 {
        let params: Vec<f64> = (0..3)
            .map(|_| {
                bits = bits
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let v = f64::from_bits(bits >> 2); // positive, spanning many exponents
                if v.is_finite() {
                    v
                } else {
                    1.0 / 3.0
                }
            })
            .collect();
        let trial = ProposedTrial {
            id,
            params,
            queued_at: 0.0,
        };
        journal.proposed(&trial).unwrap();
        trials.push(trial);
    }
    let responses = BTreeMap::from([
        ("nan".to_string(), f64::NAN),
        ("third".to_string(), 1.0 / 3.0),
    ]);
    journal
        .finished(FinishedTrial::ok(0, Some(f64::NAN), responses))
        .unwrap();
    journal.observed(0, Some(f64::NAN)).unwrap();
    let reader = journal.reader().unwrap();
    let back = reader.proposals().unwrap();
    for (a, b) in trials.iter().zip(&back) {
        let bits_a: Vec<u64> = a.params.iter().map(|v| v.to_bits()).collect();
        let bits_b: Vec<u64> = b.params.iter().map(|v| v.to_bits()).collect();
        assert_eq!(bits_a, bits_b, "trial {}", a.id);
    }
    let mut first = None;
    reader
        .for_each_trial(|t| {
            first.get_or_insert(t);
            Ok(())
        })
        .unwrap();
    let first = first.unwrap();
    assert!(first.responses["nan"].is_nan());
    assert_eq!(first.responses["third"], 1.0 / 3.0);
    assert_eq!(first.objective, None, "SQLite stores NaN as NULL");
    assert_eq!(
        reader.observations().unwrap()[0].objective,
        None,
        "a NaN objective reads back as a failure"
    );
}

#[test]
fn in_flight_trials_can_be_queued_again_with_the_same_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    let first = propose(&journal, 0);
    propose(&journal, 1);
    start(&journal, 0);
    journal
        .proposed(&ProposedTrial {
            queued_at: 9.0,
            ..first.clone()
        })
        .unwrap();
    let reader = journal.reader().unwrap();
    let ids: Vec<u64> = reader.proposals().unwrap().iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![0, 1], "proposal order kept");
    assert_eq!(reader.counts().unwrap().queued, 2);

    let changed = ProposedTrial {
        params: vec![0.0, 0.0, 0.0],
        ..first
    };
    journal.proposed(&changed).unwrap();
    let err = journal.flush().unwrap_err();
    assert!(matches!(err, JournalError::WriterStopped { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("trial 0: proposed again with different parameters"),
        "{err}"
    );
    let err = journal
        .observed(1, Some(1.0))
        .and_then(|_| journal.flush())
        .unwrap_err();
    assert!(
        err.to_string().contains("trial 0"),
        "later calls report the first error: {err}"
    );
}

#[test]
fn records_for_unknown_trials_stop_the_writer_and_keep_earlier_records() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    propose(&journal, 0);
    start(&journal, 7);
    let err = journal.flush().unwrap_err();
    assert!(
        err.to_string()
            .contains("trial 7: started but never proposed"),
        "{err}"
    );
    drop(journal);
    let reader = JournalReader::open(dir.path()).unwrap();
    assert_eq!(
        reader.counts().unwrap().proposed,
        1,
        "the record before it was committed"
    );

    let journal = Journal::open(dir.path()).unwrap();
    journal.observed(0, Some(1.0)).unwrap();
    journal.observed(0, Some(1.0)).unwrap();
    let err = journal.flush().unwrap_err();
    assert!(
        err.to_string()
            .contains("trial 0: observed twice (first as observation 0)"),
        "{err}"
    );
    drop(journal);
    let journal = Journal::open(dir.path()).unwrap();
    journal
        .finished(FinishedTrial::ok(5, None, BTreeMap::new()))
        .unwrap();
    journal.observed(9, None).unwrap();
    let err = journal.flush().unwrap_err();
    assert!(
        err.to_string()
            .contains("trial 5: finished but never proposed"),
        "{err}"
    );
}

#[test]
fn invalid_records_are_refused_at_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    let short = ProposedTrial {
        id: 0,
        params: vec![1.0],
        queued_at: 0.0,
    };
    let err = journal.proposed(&short).unwrap_err();
    assert!(
        matches!(
            err,
            JournalError::ParameterCount {
                got: 1,
                expected: 3,
                ..
            }
        ),
        "{err}"
    );
    let nan = ProposedTrial {
        id: 0,
        params: vec![1.0, f64::NAN, 2.0],
        queued_at: 0.0,
    };
    let err = journal.proposed(&nan).unwrap_err();
    assert!(
        err.to_string().contains("parameter `s_max` is NaN"),
        "{err}"
    );
    let mut running = FinishedTrial::ok(0, None, BTreeMap::new());
    running.status = TrialStatus::Running;
    let err = journal.finished(running).unwrap_err();
    assert!(
        matches!(err, JournalError::NotFinal { trial: 0, .. }),
        "{err}"
    );
    journal.flush().unwrap();
}

#[test]
fn only_the_latest_checkpoints_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    for n in 1..=10u64 {
        journal
            .checkpoint(n * 100, n.to_le_bytes().to_vec())
            .unwrap();
    }
    let reader = journal.reader().unwrap();
    let latest: Checkpoint = reader.latest_checkpoint().unwrap().unwrap();
    assert_eq!(
        (latest.observation_count, latest.state),
        (1000, 10u64.to_le_bytes().to_vec())
    );
    let conn = rusqlite::Connection::open(journal.path()).unwrap();
    let kept: i64 = conn
        .query_row("SELECT COUNT(*) FROM checkpoints", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 3);
}

#[test]
fn config_snapshots_replace_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "a = 1").unwrap();
    journal.store_config("a = 2").unwrap();
    let config = journal.reader().unwrap().config().unwrap();
    assert_eq!((config.text.as_str(), config.hash.len()), ("a = 2", 64));
    assert_ne!(config.hash, ConfigSnapshot::hash_of("a = 1"));
}

#[test]
fn opening_refuses_missing_foreign_and_newer_journals() {
    let dir = tempfile::tempdir().unwrap();
    let err = Journal::open(dir.path()).unwrap_err();
    assert!(matches!(err, JournalError::NoJournal { .. }));
    assert!(err.to_string().contains("tidepool run CONFIG"), "{err}");
    assert!(matches!(
        JournalReader::open(dir.path()),
        Err(JournalError::NoJournal { .. })
    ));

    let path = journal_path(dir.path());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE x (y)")
        .unwrap();
    assert!(matches!(
        Journal::open(dir.path()),
        Err(JournalError::NotAJournal { found: 0, .. })
    ));
    std::fs::remove_file(&path).unwrap();

    let twice = vec!["k".to_string(), "b".to_string(), "k".to_string()];
    let err = Journal::create(dir.path(), &twice, "").unwrap_err();
    assert!(
        err.to_string().contains("parameter `k` is defined twice"),
        "{err}"
    );
    assert!(!path.exists(), "nothing is created for a refused run");

    drop(Journal::create(dir.path(), &names(), "").unwrap());
    let err = Journal::create(dir.path(), &names(), "").unwrap_err();
    assert!(matches!(err, JournalError::AlreadyExists { .. }), "{err}");
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let err = Journal::open(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            JournalError::NewerSchema {
                found: 5,
                supported: 4,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("newer tidepool"), "{err}");
    assert!(matches!(
        JournalReader::open(dir.path()),
        Err(JournalError::NewerSchema { .. })
    ));
}

/// A version-1 journal (events without `failed`) is read as it is, and upgraded with
/// its events kept when opened for writing, after which a failed run can be recorded.
#[test]
fn a_version_1_journal_is_upgraded_and_takes_failed_events() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    journal.event(EventKind::Started, "{}").unwrap();
    journal.close().unwrap();
    let path = crate::schema::journal_path(dir.path());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE events;
         DROP TABLE slot_events;
         DROP TABLE pareto;
         ALTER TABLE observations DROP COLUMN objectives;
         CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT,
           kind TEXT NOT NULL CHECK (kind IN ('started','interrupted','resumed','finished')),
           at REAL NOT NULL, detail TEXT NOT NULL);
         INSERT INTO events (kind, at, detail) VALUES ('started', 1.0, 'v1');
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let events = JournalReader::open(dir.path()).unwrap().events().unwrap();
    assert_eq!(events.len(), 1);
    let journal = Journal::open(dir.path()).unwrap();
    journal
        .event(EventKind::Failed, "the first 5 trials all failed")
        .unwrap();
    let reader = journal.reader().unwrap();
    let kinds: Vec<_> = reader
        .events()
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.detail))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (EventKind::Started, "v1".to_string()),
            (
                EventKind::Failed,
                "the first 5 trials all failed".to_string()
            )
        ]
    );
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn database_is_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    let conn = rusqlite::Connection::open(journal.path()).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn the_handle_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Journal>();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            let journal = &journal;
            scope.spawn(move || {
                for i in 0..100 {
                    propose(journal, t * 100 + i);
                }
            });
        }
    });
    journal.flush().unwrap();
    assert_eq!(journal.reader().unwrap().counts().unwrap().queued, 400);
}

#[test]
fn a_snapshot_does_not_see_writes_made_during_it() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    propose(&journal, 0);
    let reader = journal.reader().unwrap();
    let (before, after) = reader
        .snapshot(|r| {
            let before = r.counts()?.proposed;
            propose(&journal, 1);
            journal.flush()?;
            Ok((before, r.counts()?.proposed))
        })
        .unwrap();
    assert_eq!((before, after), (1, 1));
    assert_eq!(
        reader.counts().unwrap().proposed,
        2,
        "seen once the snapshot ends"
    );
}

#[test]
fn replay_interleaves_proposals_and_observations_as_they_happened() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "[run]\n").unwrap();
    // propose 0, 1; observe 1; propose 2; observe 0, 2; propose 3 (in flight)
    let p0 = propose(&journal, 0);
    let p1 = propose(&journal, 1);
    journal.observed(1, Some(0.5)).unwrap();
    let p2 = propose(&journal, 2);
    journal.observed(0, None).unwrap();
    journal.observed(2, Some(0.25)).unwrap();
    let p3 = propose(&journal, 3);
    journal.flush().unwrap();

    let obs = |seq, trial_id, objective| {
        ReplayStep::Observed(Observation {
            seq,
            trial_id,
            objective,
            objectives: None,
        })
    };
    let steps = journal.reader().unwrap().replay().unwrap();
    assert_eq!(
        steps,
        vec![
            ReplayStep::Proposed(p0),
            ReplayStep::Proposed(p1),
            obs(0, 1, Some(0.5)),
            ReplayStep::Proposed(p2),
            obs(1, 0, None),
            obs(2, 2, Some(0.25)),
            ReplayStep::Proposed(p3),
        ]
    );
}

fn slot_event(node: &str, agent: u32, slot: u32, kind: SlotEventKind, at: f64) -> SlotEvent {
    SlotEvent {
        node: node.into(),
        agent,
        slot,
        kind,
        at,
        detail: String::new(),
    }
}

/// Slot events are read back in the order they were recorded, with every field.
#[test]
fn slot_events_are_read_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    journal
        .slot_event(slot_event("n1/0", 0, 1, SlotEventKind::Started, 10.5))
        .unwrap();
    let mut failed = slot_event("n1/0", 0, 1, SlotEventKind::StartFailed, 11.0);
    failed.detail = "python not found".into();
    journal.slot_event(failed.clone()).unwrap();
    journal
        .slot_event(slot_event("n1/1", 1, 0, SlotEventKind::Ready, 12.25))
        .unwrap();
    let events = journal.reader().unwrap().slot_events().unwrap();
    assert_eq!(
        events,
        vec![
            slot_event("n1/0", 0, 1, SlotEventKind::Started, 10.5),
            failed,
            slot_event("n1/1", 1, 0, SlotEventKind::Ready, 12.25),
        ]
    );
}

/// A version-2 journal has no slot events: read as it is (none), and upgraded to
/// version 3 when opened for writing, after which slot events are kept.
#[test]
fn a_version_2_journal_is_upgraded_and_takes_slot_events() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    journal.event(EventKind::Started, "{}").unwrap();
    journal.close().unwrap();
    let path = crate::schema::journal_path(dir.path());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE slot_events; DROP TABLE pareto;
         ALTER TABLE observations DROP COLUMN objectives; PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);
    let reader = JournalReader::open(dir.path()).unwrap();
    assert_eq!(reader.slot_events().unwrap(), vec![]);
    drop(reader);
    let journal = Journal::open(dir.path()).unwrap();
    journal
        .slot_event(slot_event("n2", 3, 0, SlotEventKind::OutOfService, 5.0))
        .unwrap();
    let reader = journal.reader().unwrap();
    assert_eq!(reader.slot_events().unwrap().len(), 1);
    assert_eq!(reader.events().unwrap().len(), 1);
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}
