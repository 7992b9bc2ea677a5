//! The archive of non-dominated trials of a multi-objective run (`padds`), as the
//! journal holds it: the `pareto` table names the members, their objectives are the
//! vectors the optimiser was told (`observations.objectives`).

use crate::error::Result;
use crate::reader::JournalReader;
use crate::records::ParetoMember;
use crate::schema;

impl JournalReader {
    /// The archive's members in trial order; empty for a single-objective run or a
    /// journal older than schema version 4.
    pub fn pareto(&self) -> Result<Vec<ParetoMember>> {
        if self.schema_version()? < schema::PARETO_SINCE {
            return Ok(Vec::new());
        }
        let query = "SELECT t.id, t.params, o.objectives FROM pareto p
            JOIN trials t ON t.id = p.trial_id
            JOIN observations o ON o.trial_id = p.trial_id
            WHERE o.objectives IS NOT NULL ORDER BY t.id";
        let rows = self.rows(query, "read the archive", |row| {
            Ok((
                row.get::<_, i64>(0)? as u64,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        rows.into_iter()
            .map(|(trial_id, params, objectives)| {
                Ok(ParetoMember {
                    trial_id,
                    params: self.parse_params(&params)?,
                    objectives: self.parse_vector(&objectives)?,
                })
            })
            .collect()
    }

    /// Every observed vector of objectives, by trial, in observation order.
    pub fn objective_vectors(&self) -> Result<Vec<(u64, Vec<f64>)>> {
        let vectors = self.observations()?.into_iter();
        Ok(vectors
            .filter_map(|o| o.objectives.map(|v| (o.trial_id, v)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::records::{ParetoMember, ProposedTrial};
    use crate::schema::{journal_path, SCHEMA_VERSION};
    use crate::{Journal, JournalError, JournalReader};

    fn journal(dir: &std::path::Path, trials: u64) -> Journal {
        let names = vec!["a".to_string(), "b".to_string()];
        let journal = Journal::create(dir, &names, "").unwrap();
        for id in 0..trials {
            let trial = ProposedTrial {
                id,
                params: vec![id as f64, 0.5],
                queued_at: 1.0,
            };
            journal.proposed(&trial).unwrap();
        }
        journal
    }

    #[test]
    fn vectors_and_the_latest_archive_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let j = journal(dir.path(), 3);
        j.observed_vector(0, Some(3.0), Some(&[1.0, 2.0])).unwrap();
        j.front(&[0]).unwrap();
        j.observed_vector(1, None, None).unwrap();
        j.observed_vector(2, Some(1.0), Some(&[0.5, 0.5])).unwrap();
        j.front(&[2]).unwrap();
        let reader = j.reader().unwrap();
        assert_eq!(
            reader.objective_vectors().unwrap(),
            vec![(0, vec![1.0, 2.0]), (2, vec![0.5, 0.5])]
        );
        let expect = ParetoMember {
            trial_id: 2,
            params: vec![2.0, 0.5],
            objectives: vec![0.5, 0.5],
        };
        assert_eq!(reader.pareto().unwrap(), vec![expect]);
    }

    #[test]
    fn an_archived_trial_must_have_been_observed() {
        let dir = tempfile::tempdir().unwrap();
        let j = journal(dir.path(), 2);
        j.front(&[1]).unwrap();
        let err = j.flush().unwrap_err();
        assert!(
            matches!(&err, JournalError::WriterStopped { cause, .. }
                if cause.contains("trial 1: archived but never observed")),
            "{err}"
        );
    }

    /// A version-3 journal (no vectors, no archive) is read as it is and upgraded to
    /// version 4 when opened for writing, its observations kept.
    #[test]
    fn a_version_3_journal_is_upgraded_and_takes_vectors() {
        let dir = tempfile::tempdir().unwrap();
        let j = journal(dir.path(), 2);
        j.observed(0, Some(0.25)).unwrap();
        j.close().unwrap();
        let path = journal_path(dir.path());
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE pareto; ALTER TABLE observations DROP COLUMN objectives;
             PRAGMA user_version = 3;",
        )
        .unwrap();
        drop(conn);
        let reader = JournalReader::open(dir.path()).unwrap();
        assert_eq!(reader.observations().unwrap()[0].objectives, None);
        assert_eq!(reader.pareto().unwrap(), vec![]);
        drop(reader);
        let j = Journal::open(dir.path()).unwrap();
        j.observed_vector(1, Some(2.0), Some(&[1.0, 1.0])).unwrap();
        j.front(&[1]).unwrap();
        let reader = j.reader().unwrap();
        let obs = reader.observations().unwrap();
        assert_eq!(
            (obs[0].objective, obs[0].objectives.clone()),
            (Some(0.25), None)
        );
        assert_eq!(obs[1].objectives, Some(vec![1.0, 1.0]));
        assert_eq!(reader.pareto().unwrap().len(), 1);
        assert_eq!(reader.schema_version().unwrap(), SCHEMA_VERSION);
    }
}
