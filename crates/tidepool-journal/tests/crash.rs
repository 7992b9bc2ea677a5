//! Crash safety: a child process writes trials through the journal and is killed with
//! SIGKILL at varied moments, several times on the same run directory. After each kill
//! the journal opens, passes SQLite's integrity check, holds every batch the child saw
//! committed (it prints the count after each durable flush), and is consistent: trial
//! ids and observation numbers have no gaps, every observed trial finished.
//!
//! The child is this test binary re-run on one ignored test, selected by name. On each
//! start it first runs again the trials in flight at the previous kill, as a resumed run
//! does, so their ids and parameters are proposed a second time.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tidepool_journal::{
    FinishedTrial, Journal, JournalReader, ProposedTrial, StartedTrial, TrialStatus,
};

const CHILD_DIR_ENV: &str = "TIDEPOOL_JOURNAL_CRASH_DIR";
const PARAMETERS: usize = 4;

#[test]
#[ignore = "child process of `sigkill_keeps_every_committed_batch`, which runs it by name"]
fn child_writes_until_killed() {
    let dir =
        std::env::var_os(CHILD_DIR_ENV).expect("run by the crash test, which sets the directory");
    let dir = Path::new(&dir);
    let names: Vec<String> = (0..PARAMETERS).map(|i| format!("p{i}")).collect();
    let journal = match Journal::open(dir) {
        Ok(journal) => journal,
        Err(_) => Journal::create(dir, &names, "crash test").unwrap(),
    };
    // Resume as the coordinator does: trials in flight at the kill run again.
    let reader = journal.reader().unwrap();
    for trial in reader.in_flight().unwrap() {
        write_trial(&journal, trial.id);
    }
    let mut next = reader.counts().unwrap().proposed;
    loop {
        for _ in 0..250 {
            write_trial(&journal, next);
            next += 1;
        }
        journal.flush().unwrap();
        println!("committed {next}");
    }
}

fn write_trial(journal: &Journal, id: u64) {
    let params = (0..PARAMETERS)
        .map(|j| id as f64 + j as f64 / 8.0)
        .collect();
    journal
        .proposed(&ProposedTrial {
            id,
            params,
            queued_at: 1.0,
        })
        .unwrap();
    let started = StartedTrial {
        id,
        node: "n".into(),
        slot: 0,
        attempt: 1,
        started_at: 2.0,
    };
    journal.started(started).unwrap();
    if id % 7 == 3 {
        journal
            .finished(FinishedTrial::unsuccessful(
                id,
                TrialStatus::Failed,
                "exit 1",
                "tail",
            ))
            .unwrap();
        journal.observed(id, None).unwrap();
    } else {
        journal
            .finished(FinishedTrial::ok(id, Some(id as f64), Default::default()))
            .unwrap();
        journal.observed(id, Some(id as f64)).unwrap();
    }
}

/// Run the child until it reports `min_committed` trials, wait `extra`, SIGKILL it;
/// returns the last count it reported.
fn run_child_and_kill(dir: &Path, min_committed: u64, extra: Duration) -> u64 {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_writes_until_killed",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR_ENV, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the child writer");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let lines = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(n) = line.strip_prefix("committed ") {
                let _ = tx.send(n.trim().parse::<u64>().unwrap());
            }
        }
    });
    let mut last = 0;
    while last < min_committed {
        last = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the child reports progress");
    }
    std::thread::sleep(extra);
    child.kill().expect("SIGKILL the child");
    let status = child.wait().unwrap();
    lines.join().unwrap();
    last = rx.try_iter().last().unwrap_or(last).max(last);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(9),
        "the child died from SIGKILL, not {status:?}"
    );
    last
}

fn check_consistent(dir: &Path, committed: u64) -> u64 {
    let conn = rusqlite::Connection::open(tidepool_journal::journal_path(dir)).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    let reader = JournalReader::open(dir).unwrap();
    let counts = reader.counts().unwrap();
    assert!(
        counts.observed >= committed,
        "{} observations survived, the child had seen {committed} committed",
        counts.observed
    );
    let proposals = reader.proposals().unwrap();
    for (i, trial) in proposals.iter().enumerate() {
        assert_eq!(trial.id, i as u64, "trial ids have no gap");
        assert_eq!(trial.params[1], i as f64 + 0.125);
    }
    let observations = reader.observations().unwrap();
    for (i, o) in observations.iter().enumerate() {
        assert_eq!(
            (o.seq, o.trial_id),
            (i as u64, i as u64),
            "observations have no gap"
        );
        assert_eq!(o.objective.is_none(), i % 7 == 3);
    }
    // A kill between the commit of a trial's end and that of its observation leaves
    // it finished but unobserved: in flight, so a resume runs it again. What may never
    // happen is an observation of a trial that did not finish.
    let conn = rusqlite::Connection::open(tidepool_journal::journal_path(dir)).unwrap();
    let observed_finished: u64 = conn
        .query_row(
            "SELECT COUNT(*) FROM observations o JOIN trials t ON t.id = o.trial_id \
             WHERE t.status IN ('ok', 'failed')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        observed_finished, counts.observed,
        "every observed trial finished"
    );
    let finished_unobserved = counts.ok + counts.failed - counts.observed;
    let in_flight = reader.in_flight().unwrap().len() as u64;
    assert!(
        finished_unobserved <= in_flight,
        "a finished but unobserved trial is in flight ({finished_unobserved} > {in_flight})"
    );
    counts.observed
}

#[test]
fn sigkill_keeps_every_committed_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut total = 0;
    // Kill points: right after a reported flush, and at varied delays in mid-batch.
    for (round, extra_ms) in [0u64, 3, 17, 1, 40, 9].into_iter().enumerate() {
        let target = total + 250 * (round as u64 + 1);
        let committed = run_child_and_kill(dir.path(), target, Duration::from_millis(extra_ms));
        total = check_consistent(dir.path(), committed);
        eprintln!("round {round}: child saw {committed} committed, journal holds {total}");
    }
    assert!(total >= 250 * 21, "the run grew over the rounds: {total}");
}
