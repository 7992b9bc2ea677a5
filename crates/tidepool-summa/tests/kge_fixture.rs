//! KGE (2012) of the fixture's routed flow at the outlet against the observed flow
//! (cfs x 0.0283168 = m^3/s, -9999 skipped): about -42 with the starting parameters.
//! Checked against numpy and against a calculation written out step by step here.

mod util;

use std::collections::BTreeMap;
use tidepool_metrics::{format_time, Metric};
use tidepool_summa::netcdf_io::routed_flow;

const CFS: f64 = 0.0283168;

/// Computed once with numpy 2.4 / pandas 3.1 from `ncdump -p 9,17 -v IRFroutedRunoff,reachID`
/// and the CSV (population std; r from np.corrcoef):
/// the script is in this file's comment at the end; r = 0.23670880787147022,
/// beta = 20.295358500773382, gamma = 39.82035749656878.
const NUMPY_KGE_2012: f64 = -42.35797076984522;

/// The observed flow by date in m^3/s, -9999 skipped (read here, not by tidepool).
fn observed() -> BTreeMap<String, f64> {
    let path = util::fixture().join("obs/obs_flow.BowRiveratBanff.cfs.csv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let (date, value) = line.split_once(',')?;
            let value: f64 = value.trim().parse().ok()?;
            (value != -9999.0).then(|| (date.to_string(), value * CFS))
        })
        .collect()
}

/// The routed flow and the observed flow on the days both have.
fn pairs() -> (Vec<f64>, Vec<f64>) {
    let path = util::fixture().join("outputs/mizuRoute/run1.h.2008.nc");
    let flow = routed_flow(&path, Some(71028585)).unwrap();
    let obs = observed();
    let series = &flow.series;
    series
        .times()
        .iter()
        .zip(series.values())
        .filter_map(|(&t, &s)| obs.get(&format_time(t)).map(|&o| (s, o)))
        .unzip()
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Population standard deviation.
fn std(x: &[f64]) -> f64 {
    let m = mean(x);
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

#[test]
fn kge_2012_of_the_fixture_is_about_minus_42() {
    let (sim, obs) = pairs();
    assert_eq!(sim.len(), 16, "every simulated day has an observation");
    let (ms, mo) = (mean(&sim), mean(&obs));
    let cov = sim
        .iter()
        .zip(&obs)
        .map(|(s, o)| (s - ms) * (o - mo))
        .sum::<f64>()
        / sim.len() as f64;
    let r = cov / (std(&sim) * std(&obs));
    let beta = ms / mo;
    let gamma = (std(&sim) / ms) / (std(&obs) / mo);
    let kge = 1.0 - ((r - 1.0).powi(2) + (beta - 1.0).powi(2) + (gamma - 1.0).powi(2)).sqrt();
    // numpy read the floats as 9-digit decimals, not as the exact f32 values: 1e-6.
    assert!((kge - NUMPY_KGE_2012).abs() < 1e-6, "{kge}");
    assert!((r - 0.23670880787147022).abs() < 1e-6, "{r}");
    assert!((beta - 20.295358500773382).abs() < 1e-6, "{beta}");
    // tidepool's own metric agrees with both.
    let ours = Metric::Kge2012.compute(&sim, &obs).unwrap();
    assert!((ours - kge).abs() < 1e-9, "{ours}");
}

#[test]
fn observed_cfs_are_converted_and_missing_skipped() {
    let obs = observed();
    // The CSV starts in 1850 with -9999: none of those is kept.
    assert!(obs.values().all(|&v| v > 0.0));
    assert!(!obs.contains_key("1850-01-01"));
    // numpy: the observed flow on 2008-07-15, 2701.572255 cfs x 0.0283168.
    assert!((obs["2008-07-15"] - 76.499881230384).abs() < 1e-9);
}

// The numpy calculation (run from the fixture dir with the test venv's python):
//
//     cdl = subprocess.run(["ncdump", "-p", "9,17", "-v", "IRFroutedRunoff,reachID",
//                           "outputs/mizuRoute/run1.h.2008.nc"], ...).stdout
//     q = values("IRFroutedRunoff").reshape(16, 51); j = list(reachID).index(71028585)
//     sim = pd.Series(q[:, j], index=pd.date_range("2008-07-15", periods=16, freq="D"))
//     obs = pd.read_csv("obs/obs_flow.BowRiveratBanff.cfs.csv", parse_dates=["Date"],
//                       index_col="Date").iloc[:, 0]
//     obs = obs[obs != -9999] * 0.0283168
//     s, o = pd.concat([sim, obs], axis=1, join="inner").dropna().to_numpy().T
//     r = np.corrcoef(s, o)[0, 1]; beta = s.mean() / o.mean()
//     gamma = (s.std() / s.mean()) / (o.std() / o.mean())
//     kge = 1 - np.sqrt((r - 1)**2 + (beta - 1)**2 + (gamma - 1)**2)   # -42.35797076984522
