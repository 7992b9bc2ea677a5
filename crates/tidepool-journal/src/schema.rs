//! The database layout, its version (`PRAGMA user_version`) and upgrades, the
//! connection set-up, and where the file lives.
//!
//! Versions: 1 had the event kinds started, interrupted, resumed, finished; 2 adds
//! `failed` (a run that stopped on an error, resumable); 3 adds the `slot_events`
//! table (each slot's starts, readiness, failed starts and removal from service); 4 adds
//! each observation's vector of objectives (`observations.objectives`, a JSON array for
//! the multi-objective `padds`) and the `pareto` table (the archive of non-dominated
//! trials). An older journal is read as it is (a version below 3 has no slot events,
//! below 4 no vectors and no archive) and upgraded when opened for writing; an older
//! tidepool refuses a newer journal.

use crate::error::{sql, JournalError, Result};
use crate::records::{unix_now, ConfigSnapshot};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// The schema this build writes and reads. A journal with a larger version is refused.
pub const SCHEMA_VERSION: i64 = 4;

/// The first version with the `slot_events` table.
pub const SLOT_EVENTS_SINCE: i64 = 3;

/// The first version with objective vectors and the `pareto` table.
pub const PARETO_SINCE: i64 = 4;

/// The archive of non-dominated trials, as of version 4: replaced as a whole whenever
/// the multi-objective optimiser's archive changes.
const PARETO: &str = "CREATE TABLE pareto (
    trial_id INTEGER PRIMARY KEY REFERENCES trials(id)
);";

/// The journal file inside a run directory.
pub const FILE_NAME: &str = "journal.sqlite";

/// The journal file of a run directory.
pub fn journal_path(run_dir: &Path) -> PathBuf {
    run_dir.join(FILE_NAME)
}

/// The events table; `kind` as of version 2.
const EVENTS: &str = "CREATE TABLE events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    kind   TEXT NOT NULL CHECK (kind IN
             ('started','interrupted','failed','resumed','finished')),
    at     REAL NOT NULL,
    detail TEXT NOT NULL
);";

/// The slot events table, as of version 3.
const SLOT_EVENTS: &str = "CREATE TABLE slot_events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    node   TEXT NOT NULL,
    agent  INTEGER NOT NULL,
    slot   INTEGER NOT NULL,
    kind   TEXT NOT NULL CHECK (kind IN
             ('started','ready','start_failed','out_of_service')),
    at     REAL NOT NULL,
    detail TEXT NOT NULL
);";

const SCHEMA: &str = "
CREATE TABLE parameters (
    position INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE
);
CREATE TABLE config_snapshots (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    text      TEXT NOT NULL,
    hash      TEXT NOT NULL,
    stored_at REAL NOT NULL
);
CREATE TABLE trials (
    id             INTEGER PRIMARY KEY,
    proposal_seq   INTEGER NOT NULL UNIQUE,
    observed_before INTEGER NOT NULL,
    params         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN
                     ('queued','running','ok','failed','timed_out','cancelled')),
    objective      REAL,
    responses      TEXT,
    node           TEXT,
    slot           INTEGER,
    attempt        INTEGER NOT NULL DEFAULT 0,
    queued_at      REAL,
    started_at     REAL,
    finished_at    REAL,
    failure_reason TEXT,
    stderr_tail    TEXT
);
CREATE TABLE observations (
    seq       INTEGER PRIMARY KEY,
    trial_id  INTEGER NOT NULL UNIQUE REFERENCES trials(id),
    objective REAL,
    objectives TEXT
);
CREATE TABLE checkpoints (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    observation_count INTEGER NOT NULL,
    state             BLOB NOT NULL,
    created_at        REAL NOT NULL
);
CREATE TABLE flushes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at REAL NOT NULL
);
";

/// Open the writing connection: WAL mode, commits survive a killed process.
pub fn open_writer(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(sql(path, "open"))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;",
    )
    .map_err(sql(path, "set WAL mode"))?;
    Ok(conn)
}

/// Open a read-only connection (for resume, `tidepool status`, export).
pub fn open_reader(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(sql(path, "open for reading"))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sql(path, "set busy timeout"))?;
    Ok(conn)
}

/// Create the tables, store the parameter names and the first config snapshot, and
/// stamp the version, in one transaction.
pub fn create(
    conn: &mut Connection,
    path: &Path,
    parameters: &[String],
    config_text: &str,
) -> Result<()> {
    let tx = conn.transaction().map_err(sql(path, "begin creation"))?;
    tx.execute_batch(SCHEMA)
        .and_then(|()| tx.execute_batch(EVENTS))
        .and_then(|()| tx.execute_batch(SLOT_EVENTS))
        .and_then(|()| tx.execute_batch(PARETO))
        .map_err(sql(path, "create tables"))?;
    for (position, name) in parameters.iter().enumerate() {
        tx.execute(
            "INSERT INTO parameters (position, name) VALUES (?1, ?2)",
            rusqlite::params![position as i64, name],
        )
        .map_err(sql(path, "store parameter names"))?;
    }
    tx.execute(
        "INSERT INTO config_snapshots (text, hash, stored_at) VALUES (?1, ?2, ?3)",
        rusqlite::params![
            config_text,
            ConfigSnapshot::hash_of(config_text),
            unix_now()
        ],
    )
    .map_err(sql(path, "store the config snapshot"))?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(sql(path, "stamp schema version"))?;
    tx.commit().map_err(sql(path, "commit creation"))
}

/// Refuse journals written by a newer tidepool, and files that are not journals.
pub fn check_version(conn: &Connection, path: &Path) -> Result<()> {
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sql(path, "read schema version"))?;
    if found > SCHEMA_VERSION {
        return Err(JournalError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < 1 {
        return Err(JournalError::NotAJournal {
            path: path.to_path_buf(),
            found,
        });
    }
    Ok(())
}

/// The parameter names, in definition order.
pub fn parameter_names(conn: &Connection, path: &Path) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT name FROM parameters ORDER BY position")
        .map_err(sql(path, "read parameter names"))?;
    let names = stmt
        .query_map([], |row| row.get(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
        .map_err(sql(path, "read parameter names"))?;
    Ok(names)
}

/// The journal's schema version (`PRAGMA user_version`).
pub fn version(conn: &Connection, path: &Path) -> Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sql(path, "read schema version"))
}

/// Bring a checked journal up to [`SCHEMA_VERSION`] in one transaction: version 1's
/// events table is rebuilt with the `failed` kind (SQLite cannot alter a CHECK), and
/// versions before 3 get the (empty) `slot_events` table, versions before 4 the
/// `observations.objectives` column (NULL: one objective) and the empty `pareto` table.
pub fn upgrade(conn: &mut Connection, path: &Path) -> Result<()> {
    let found = version(conn, path)?;
    if found >= SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction().map_err(sql(path, "begin the upgrade"))?;
    if found < 2 {
        tx.execute_batch("ALTER TABLE events RENAME TO events_v1;")
            .and_then(|()| tx.execute_batch(EVENTS))
            .and_then(|()| {
                tx.execute_batch(
                    "INSERT INTO events (id, kind, at, detail)
                       SELECT id, kind, at, detail FROM events_v1;
                     DROP TABLE events_v1;",
                )
            })
            .map_err(sql(path, "upgrade the events table to schema version 2"))?;
    }
    if found < SLOT_EVENTS_SINCE {
        tx.execute_batch(SLOT_EVENTS)
            .map_err(sql(path, "add the slot_events table of schema version 3"))?;
    }
    if found < PARETO_SINCE {
        tx.execute_batch("ALTER TABLE observations ADD COLUMN objectives TEXT;")
            .and_then(|()| tx.execute_batch(PARETO))
            .map_err(sql(
                path,
                "add the objective vectors and archive of schema version 4",
            ))?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(sql(path, "stamp schema version"))?;
    tx.commit().map_err(sql(path, "commit the upgrade"))
}
