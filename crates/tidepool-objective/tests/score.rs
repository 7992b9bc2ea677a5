//! Scoring trials: metric values against hand-computed ones, warm-up, evaluation
//! period, weights, directions, and the reasons a trial cannot be scored.

use std::collections::BTreeMap;
use std::path::Path;
use tidepool_metrics::Series;
use tidepool_objective::{Objective, ObjectiveError, ObjectiveSpec, Sense};

const DAY: i64 = 86_400;
/// 2013-01-01 in days since 1970-01-01.
const JAN1: i64 = 15_706;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

/// A daily observation file `q.csv` from 2013-01-01 on, and the objective of `toml`.
fn objective(dir: &Path, observed: &[f64], toml: &str) -> Result<Objective, ObjectiveError> {
    let mut csv = String::from("date,q\n");
    for (i, v) in observed.iter().enumerate() {
        csv.push_str(&format!("2013-01-{:02},{v}\n", i + 1));
    }
    std::fs::write(dir.join("q.csv"), csv).unwrap();
    let spec: ObjectiveSpec = toml::from_str(toml).unwrap();
    Objective::load(&spec, dir)
}

/// A daily simulated series from 2013-01-01 on.
fn daily(name: &str, values: &[f64]) -> BTreeMap<String, Series> {
    let times = (0..values.len() as i64).map(|i| (JAN1 + i) * DAY).collect();
    BTreeMap::from([(
        name.to_string(),
        Series::new(name, times, values.to_vec()).unwrap(),
    )])
}

const OBSERVED: &str = "[observed]\ncsv = \"q.csv\"\ndate = \"date\"\nvalue = \"q\"\n";

fn no_scalars() -> BTreeMap<String, f64> {
    BTreeMap::new()
}

#[test]
fn kge_and_nse_of_a_shifted_series_match_hand_worked_values() {
    // sim = obs + 1 over 1..5: r = 1, alpha = 1, beta = 4/3, so KGE = 1 - 1/3;
    // NSE = 1 - 5 / 10 (residuals 1, spread of obs 10).
    let dir = tempfile::tempdir().unwrap();
    let obs = [1.0, 2.0, 3.0, 4.0, 5.0];
    let sim = daily("q", &obs.map(|o| o + 1.0));
    for (metric, value) in [("kge", 2.0 / 3.0), ("nse", 0.5)] {
        let toml = format!(
            "metric = \"{metric}\"\nsimulated = \"q\"\ncalibration = [\"2013-01-01\", \"2013-01-05\"]\n{OBSERVED}"
        );
        let objective = objective(dir.path(), &obs, &toml).unwrap();
        let score = objective.score(&no_scalars(), &sim).unwrap();
        let name = format!("{metric}_q");
        assert!(
            close(score.terms[&name], value),
            "{metric}: {:?}",
            score.terms
        );
        assert!(
            close(score.objective, 1.0 - value),
            "maximised: minimised 1 - {metric}"
        );
        let sense = Sense::of(&toml::from_str(&toml).unwrap());
        assert!(close(sense.shown(score.objective), value));
        assert_eq!(objective.term_names(), vec![name]);
    }
}

#[test]
fn the_warmup_is_not_scored_and_rmse_is_minimised_as_it_is() {
    // Days 1-2 are warm-up (wildly off); days 3-5: sim - obs = 1, 1, 1 -> RMSE 1,
    // NSE = 1 - 3 / 2 (obs 1, 2, 3: spread 2).
    let dir = tempfile::tempdir().unwrap();
    let obs = [10.0, 10.0, 1.0, 2.0, 3.0];
    let sim = daily("q", &[0.0, 100.0, 2.0, 3.0, 4.0]);
    let base = "calibration = [\"2013-01-01\", \"2013-01-05\"]\nwarmup_days = 2\n";
    let rmse = objective(
        dir.path(),
        &obs,
        &format!("metric = \"rmse\"\n{base}{OBSERVED}"),
    )
    .unwrap();
    let score = rmse.score(&no_scalars(), &sim).unwrap();
    assert!(
        close(score.terms["rmse"], 1.0) && close(score.objective, 1.0),
        "{score:?}"
    );
    let periods = rmse.periods().unwrap();
    assert_eq!(periods.warmup_end(), Some((JAN1 + 2) * DAY));
    assert_eq!(periods.scored.inclusive(), ["2013-01-03", "2013-01-05"]);
    let nse = objective(
        dir.path(),
        &obs,
        &format!("metric = \"nse\"\n{base}{OBSERVED}"),
    )
    .unwrap();
    let score = nse.score(&no_scalars(), &sim).unwrap();
    assert!(close(score.terms["nse"], -0.5), "{score:?}");
    assert!(close(score.objective, 1.5));
}

#[test]
fn the_evaluation_period_is_reported_beside_and_not_optimised() {
    // Calibration days 1-4: sim = obs + 1 (KGE 1 - sqrt((1/ (mean 2.5))^2) = 0.6).
    // Evaluation days 5-8: sim = 2 obs: r = 1, alpha = beta = 2, KGE = 1 - sqrt 2.
    let dir = tempfile::tempdir().unwrap();
    let obs = [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0];
    let sim = daily("q", &[2.0, 3.0, 4.0, 5.0, 2.0, 4.0, 6.0, 8.0]);
    let toml = format!(
        "metric = \"kge\"\ncalibration = [\"2013-01-01\", \"2013-01-04\"]\n\
         evaluation = [\"2013-01-05\", \"2013-01-08\"]\n{OBSERVED}"
    );
    let objective = objective(dir.path(), &obs, &toml).unwrap();
    let score = objective.score(&no_scalars(), &sim).unwrap();
    assert!(close(score.terms["kge"], 0.6), "{score:?}");
    assert!(
        close(score.terms["kge_eval"], 1.0 - 2f64.sqrt()),
        "{score:?}"
    );
    assert!(
        close(score.objective, 0.4),
        "only the calibration period is minimised"
    );
    assert_eq!(objective.term_names(), vec!["kge", "kge_eval"]);
    assert_eq!(objective.observed("kge").unwrap().values().len(), 8);
}

#[test]
fn weighted_terms_combine_distances_and_responses_by_their_direction() {
    // kge (weight 2): 2 (1 - 2/3); rmse (weight 0.5): 0.5 * 1; gain maximised: -3;
    // loss minimised (weight 4): 4 * 0.25.
    let dir = tempfile::tempdir().unwrap();
    let obs = [1.0, 2.0, 3.0, 4.0, 5.0];
    let sim = daily("q", &obs.map(|o| o + 1.0));
    let obs_table = "[terms.observed]\ncsv = \"q.csv\"\ndate = 0\nvalue = 1\n";
    let toml = format!(
        "calibration = [\"2013-01-01\", \"2013-01-05\"]\n\
         [[terms]]\nmetric = \"kge\"\nweight = 2.0\n{obs_table}\
         [[terms]]\nname = \"err\"\nmetric = \"rmse\"\nsimulated = \"q\"\nweight = 0.5\n{obs_table}\
         [[terms]]\nresponse = \"gain\"\ndirection = \"maximize\"\n\
         [[terms]]\nresponse = \"loss\"\ndirection = \"minimize\"\nweight = 4\n"
    );
    let objective = objective(dir.path(), &obs, &toml).unwrap();
    let scalars = BTreeMap::from([("gain".to_string(), 3.0), ("loss".to_string(), 0.25)]);
    let score = objective.score(&scalars, &sim).unwrap();
    let expected = 2.0 * (1.0 - 2.0 / 3.0) + 0.5 * 1.0 - 3.0 + 4.0 * 0.25;
    assert!(close(score.objective, expected), "{score:?}");
    assert_eq!(
        score.terms.keys().collect::<Vec<_>>(),
        vec!["err", "gain", "kge", "loss"]
    );
    assert!(close(score.terms["gain"], 3.0) && close(score.terms["err"], 1.0));
    assert_eq!(
        Sense::of(&toml::from_str(&toml).unwrap()).label,
        "objective"
    );
}

#[test]
fn a_loaded_objective_travels_as_json_and_scores_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let obs = [1.0, 2.0, 3.0, 4.0, 5.0];
    let toml =
        format!("metric = \"nse\"\ncalibration = [\"2013-01-01\", \"2013-01-05\"]\n{OBSERVED}");
    let objective = objective(dir.path(), &obs, &toml).unwrap();
    let json = serde_json::to_string(&objective).unwrap();
    std::fs::remove_file(dir.path().join("q.csv")).unwrap();
    let back: Objective = serde_json::from_str(&json).unwrap();
    assert_eq!(back, objective);
    let sim = daily("q", &obs.map(|o| o + 1.0));
    assert!(close(
        back.score(&no_scalars(), &sim).unwrap().terms["nse"],
        0.5
    ));
}

#[test]
fn trials_that_cannot_be_scored_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let obs = [1.0, 2.0, 3.0, 4.0, 5.0];
    let toml = format!(
        "metric = \"kge\"\nsimulated = \"flow\"\ncalibration = [\"2013-01-01\", \"2013-01-05\"]\n{OBSERVED}"
    );
    let objective = objective(dir.path(), &obs, &toml).unwrap();
    let mut two = daily("q", &obs);
    two.extend(daily("h", &obs));
    let err = objective.score(&no_scalars(), &two).unwrap_err();
    assert_eq!(
        err.to_string(),
        "term `kge_flow`: the model returned no series `flow`; it returned `h`, `q`; fix \
         `simulated` or the model's outputs"
    );
    let constant = daily("flow", &[2.0; 5]);
    let err = objective.score(&no_scalars(), &constant).unwrap_err();
    assert!(
        err.to_string().starts_with("term `kge_flow` on the calibration period: kge: the simulated values have zero variance"),
        "{err}"
    );
    let late = BTreeMap::from([(
        "flow".to_string(),
        Series::new("flow", vec![(JAN1 + 30) * DAY], vec![1.0]).unwrap(),
    )]);
    let err = objective.score(&no_scalars(), &late).unwrap_err();
    assert!(
        err.to_string().contains("nothing left to score: 0 pairs"),
        "{err}"
    );

    let any = objective_any(dir.path());
    let err = any.score(&no_scalars(), &two).unwrap_err();
    assert!(matches!(err, ObjectiveError::WhichSeries { .. }), "{err}");
    let err = any.score(&no_scalars(), &BTreeMap::new()).unwrap_err();
    assert!(matches!(err, ObjectiveError::NoSeries { .. }), "{err}");

    let spec: ObjectiveSpec =
        toml::from_str("response = \"loss\"\ndirection = \"minimize\"").unwrap();
    let scalar = Objective::load(&spec, dir.path()).unwrap();
    let err = scalar
        .score(
            &BTreeMap::from([("los".to_string(), 1.0)]),
            &BTreeMap::new(),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no response `loss`; it returned `los`"),
        "{err}"
    );
    let err = scalar
        .score(
            &BTreeMap::from([("loss".to_string(), f64::NAN)]),
            &BTreeMap::new(),
        )
        .unwrap_err();
    assert!(
        matches!(err, ObjectiveError::NonFiniteResponse { .. }),
        "{err}"
    );
}

/// A KGE term without `simulated`: the model's only series.
fn objective_any(dir: &Path) -> Objective {
    let toml =
        format!("metric = \"kge\"\ncalibration = [\"2013-01-01\", \"2013-01-05\"]\n{OBSERVED}");
    Objective::load(&toml::from_str(&toml).unwrap(), dir).unwrap()
}

#[test]
fn sub_daily_simulations_are_scored_on_daily_means_when_asked() {
    // Observed daily values 1..5; the model gives hourly values whose daily means are
    // obs + 1 (hours alternate mean-0.5 and mean+0.5): KGE = 2/3 as for a daily series.
    let dir = tempfile::tempdir().unwrap();
    let obs = [1.0, 2.0, 3.0, 4.0, 5.0];
    let toml = format!(
        "metric = \"kge\"\ncalibration = [\"2013-01-01\", \"2013-01-05\"]\n{OBSERVED}daily = \"mean\"\n"
    );
    let objective = objective(dir.path(), &obs, &toml).unwrap();
    let times: Vec<i64> = (0..5 * 24).map(|h| JAN1 * DAY + h * 3600).collect();
    let values = (0..5 * 24)
        .map(|h| obs[h / 24] + 1.0 + if h % 2 == 0 { -0.5 } else { 0.5 })
        .collect();
    let sim = BTreeMap::from([("q".to_string(), Series::new("q", times, values).unwrap())]);
    let score = objective.score(&no_scalars(), &sim).unwrap();
    assert!(close(score.terms["kge"], 2.0 / 3.0), "{score:?}");
}
