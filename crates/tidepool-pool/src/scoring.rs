//! Scoring a finished trial with the run's `[objective]`, where the trial ran: the
//! slot turns the model's series and scalar responses into the minimised objective and
//! one response per term and period, so a simulated series never crosses the network.
//! A trial that cannot be scored (a series missing, nothing left to score) fails with
//! the reason; the model's own objective, if it printed one, is kept as the response
//! `model_objective`.

use tidepool_models::TrialOutcome;
use tidepool_objective::Objective;

/// The response name under which a model's own objective is kept when `[objective]`
/// scores the trial.
pub const MODEL_OBJECTIVE: &str = "model_objective";

/// `outcome` scored with `objective`; other outcomes, and every outcome without an
/// objective, pass through unchanged.
pub fn scored(objective: Option<&Objective>, outcome: TrialOutcome) -> TrialOutcome {
    let Some(objective) = objective else {
        return outcome;
    };
    match outcome {
        TrialOutcome::Ok {
            objective: own,
            mut responses,
            series,
        } => match objective.score(&responses, &series) {
            Ok(score) => {
                if let Some(own) = own {
                    responses.insert(MODEL_OBJECTIVE.to_string(), own);
                }
                responses.extend(score.terms);
                TrialOutcome::finished(Some(score.objective), responses)
            }
            Err(e) => TrialOutcome::Failed {
                reason: format!("cannot score the trial: {e}"),
                stderr_tail: String::new(),
            },
        },
        other => other,
    }
}
