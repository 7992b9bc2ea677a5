//! The end of a run, once the coordinator returned: the best trial re-run and its
//! files, the report, the final summary or JSON line.

use super::run_end::{self, FinalLine};
use super::{run_best, run_best_files};
use crate::output::Output;
use std::collections::BTreeMap;
use tidepool_config::RunConfig;
use tidepool_pool::recorder::RunState;
use tidepool_pool::status::RunStatus;

/// What the end of a run reads: its config and journal.
pub(super) struct Ended<'a> {
    pub cfg: &'a RunConfig,
    pub reader: tidepool_journal::JournalReader,
    pub runtime: &'a tokio::runtime::Runtime,
    pub out: &'a Output,
    pub objective: Option<&'a tidepool_objective::Objective>,
    /// What the run staged (the re-run stages it too).
    pub stage: Option<&'a tidepool_pool::staging::StageOptions>,
}

impl Ended<'_> {
    /// Write the run's end files; the final line to print.
    pub(super) fn finish<'s>(&self, status: &'s RunStatus) -> anyhow::Result<FinalLine<'s>> {
        let run_dir = self.cfg.run_dir();
        let mut best_dir = None;
        let mut best_terms = BTreeMap::new();
        let mut chosen_outlet = None;
        if let Some(best) = run_end::best_trial(&self.reader)? {
            chosen_outlet = self.chosen_outlet(&best);
            if let Some(objective) = self.objective {
                for name in objective.term_names() {
                    for key in [name.clone(), format!("{name}_eval")] {
                        if let Some(v) = best.responses.get(&key) {
                            best_terms.insert(key, *v);
                        }
                    }
                }
            }
            best_dir = Some(run_end::write_best_parameters(
                &run_dir,
                best.trial,
                &best.params,
            )?);
            // An ensemble (`[trials] csv`) ran every row it was given: nothing to re-run.
            let search = self.cfg.trials.is_none();
            let outcome = (status.state == RunState::Finished && search)
                .then(|| self.rerun_best(&best))
                .flatten();
            let rerun = match &outcome {
                Some(tidepool_models::TrialOutcome::Ok {
                    responses, series, ..
                }) => Some(run_best_files::Rerun { responses, series }),
                _ => None,
            };
            let sense = self.cfg.sense();
            if let Err(e) = run_best_files::write(&run_dir, &best, &sense, self.objective, rerun) {
                self.out.warn(&format!("{e:#}"));
            }
        }
        let report = match crate::cmd::report::write_own(
            &self.reader,
            &run_dir,
            &crate::cmd::report::view_of(&self.cfg.sense()),
        ) {
            Ok(written) => Some(written.report),
            Err(e) => {
                self.out.warn(&format!("cannot write the report: {e:#}"));
                None
            }
        };
        Ok(FinalLine {
            status,
            metric: status.metric.clone(),
            best_metric: status.best_metric,
            run_dir,
            report,
            best_dir,
            best_terms,
            chosen_outlet,
        })
    }

    /// The reach a summa model read its flow at, when the config left it to tidepool.
    fn chosen_outlet(&self, best: &run_end::BestTrial) -> Option<i64> {
        match &self.cfg.model {
            tidepool_models::WorkerSpec::Summa(spec) if spec.outlet_reach.is_none() => best
                .responses
                .get(tidepool_models::OUTLET_REACH_RESPONSE)
                .map(|reach| *reach as i64),
            _ => None,
        }
    }
}

impl Ended<'_> {
    /// Re-run the best trial into `RUNDIR/best/work`; a failure is a warning, since
    /// the run itself is complete.
    fn rerun_best(&self, best: &run_end::BestTrial) -> Option<tidepool_models::TrialOutcome> {
        let dir = run_best::work_dir(self.cfg);
        self.out.human(&format!(
            "re-running the best trial ({}) in {}",
            best.trial,
            dir.display()
        ));
        match self
            .runtime
            .block_on(run_best::rerun(self.cfg, best, self.stage))
        {
            Ok(ok @ tidepool_models::TrialOutcome::Ok { .. }) => Some(ok),
            Ok(other) => {
                self.out.warn(&format!(
                    "the re-run of the best trial {} did not finish: {other:?}",
                    best.trial
                ));
                None
            }
            Err(e) => {
                let trial = best.trial;
                self.out
                    .warn(&format!("cannot re-run the best trial {trial}: {e:#}"));
                None
            }
        }
    }
}
