//! The archive of a multi-objective run as a table (`tidepool export --pareto`): one
//! row per non-dominated trial, in trial order, with its parameters, each objective as
//! shown (the term's own value, e.g. the KGE, as the trial reported it) and as
//! minimised (its distance from perfect, what the optimiser compared).

use crate::error::{JournalError, Result};
use crate::export::number;
use crate::reader::JournalReader;
use crate::records::TrialId;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// The front with its column names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Front {
    pub parameters: Vec<String>,
    pub objectives: Vec<String>,
    pub members: Vec<FrontMember>,
}

/// One trial of the front.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontMember {
    pub trial: TrialId,
    pub parameters: Vec<f64>,
    /// Each objective as shown (`None` if the trial did not report it).
    pub objectives: Vec<Option<f64>>,
    /// Each objective as minimised.
    pub minimised: Vec<f64>,
}

impl JournalReader {
    /// The archive, its objectives named `objectives` (the `[objective]` terms).
    pub fn front(&self, objectives: &[String]) -> Result<Front> {
        self.snapshot(|reader| {
            let members = reader.pareto()?;
            let mut reported: BTreeMap<TrialId, BTreeMap<String, f64>> = BTreeMap::new();
            reader.for_each_trial(|t| {
                if members.iter().any(|m| m.trial_id == t.id) {
                    reported.insert(t.id, t.responses);
                }
                Ok(())
            })?;
            let members = members.into_iter().map(|m| {
                let values = reported.get(&m.trial_id);
                let shown = objectives
                    .iter()
                    .map(|name| values.and_then(|r| r.get(name)).copied())
                    .collect();
                FrontMember {
                    trial: m.trial_id,
                    parameters: m.params,
                    objectives: shown,
                    minimised: m.objectives,
                }
            });
            Ok(Front {
                parameters: reader.parameters().to_vec(),
                objectives: objectives.to_vec(),
                members: members.collect(),
            })
        })
    }
}

impl Front {
    /// As CSV: `trial`, the parameters, the objectives as shown, then each as
    /// minimised (`<name>_minimised`). Returns the number of rows.
    pub fn write_csv(&self, out: impl Write, path: &std::path::Path) -> Result<usize> {
        let fail = |source| JournalError::Export {
            path: path.to_path_buf(),
            source,
        };
        let mut csv = csv::Writer::from_writer(out);
        let mut header = vec!["trial".to_string()];
        header.extend(self.parameters.iter().cloned());
        header.extend(self.objectives.iter().cloned());
        header.extend(self.objectives.iter().map(|n| format!("{n}_minimised")));
        csv.write_record(header).map_err(fail)?;
        for m in &self.members {
            let mut cells = vec![m.trial.to_string()];
            cells.extend(m.parameters.iter().map(|v| number(Some(*v))));
            cells.extend(m.objectives.iter().map(|v| number(*v)));
            cells.extend(m.minimised.iter().map(|v| number(Some(*v))));
            csv.write_record(cells).map_err(fail)?;
        }
        csv.flush().map_err(|e| fail(e.into()))?;
        Ok(self.members.len())
    }
}

#[cfg(test)]
mod tests {
    use crate::records::{FinishedTrial, ProposedTrial};
    use crate::Journal;
    use std::collections::BTreeMap;

    #[test]
    fn the_front_table_holds_parameters_shown_and_minimised_values() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["a".to_string(), "b".to_string()];
        let j = Journal::create(dir.path(), &names, "").unwrap();
        for (id, kge_hi, kge_lo) in [(0u64, 0.5, 0.25), (1, 0.75, 0.125), (2, 0.25, 0.0)] {
            let trial = ProposedTrial {
                id,
                params: vec![id as f64, 1.5],
                queued_at: 1.0,
            };
            j.proposed(&trial).unwrap();
            let reported = BTreeMap::from([("hi".to_string(), kge_hi), ("lo".to_string(), kge_lo)]);
            let minimised = [1.0 - kge_hi, 1.0 - kge_lo];
            j.finished(FinishedTrial::ok(
                id,
                Some(minimised.iter().sum()),
                reported,
            ))
            .unwrap();
            j.observed_vector(id, Some(minimised.iter().sum()), Some(&minimised))
                .unwrap();
        }
        j.front(&[0, 1]).unwrap();
        let front = j
            .reader()
            .unwrap()
            .front(&["hi".into(), "lo".into()])
            .unwrap();
        let mut out = Vec::new();
        assert_eq!(front.write_csv(&mut out, dir.path()).unwrap(), 2);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "trial,a,b,hi,lo,hi_minimised,lo_minimised\n\
             0,0.0,1.5,0.5,0.25,0.5,0.75\n\
             1,1.0,1.5,0.75,0.125,0.25,0.875\n"
        );
    }
}
