//! The observed discharge SPOTPY ships for its HYMOD example (../shared/fixtures/
//! hymod-spotpy/hymod_input.csv): 1,827 days 2012-2016, `DD.MM.YYYY` dates, `;`, nan for
//! 2012. The KGE of a known simulated series is checked against numpy reading the raw
//! file on its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tidepool_metrics::{parse_time, Series};
use tidepool_objective::{Objective, ObjectiveSpec};

const DAY: i64 = 86_400;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/hymod-spotpy")
}

const SPEC: &str = r#"
metric = "kge"
simulated = "q"
calibration = ["2012-01-01", "2016-12-31"]
warmup_days = 366
[observed]
csv = "hymod_input.csv"
date = "Date"
value = "Discharge[ls-1]"
date_format = "%d.%m.%Y"
delimiter = ";"
factor = 0.001
"#;

/// The known simulated series: day d since 2012-01-01 has 0.002 * (1 + sin(d / 20)) + d / 1e6.
fn simulated() -> Series {
    let start = parse_time("2012-01-01", None).unwrap();
    let times: Vec<i64> = (0..1827).map(|d| start + d * DAY).collect();
    let values = (0..1827)
        .map(|d| 0.002 * (1.0 + (d as f64 / 20.0).sin()) + d as f64 / 1e6)
        .collect();
    Series::new("q", times, values).unwrap()
}

/// KGE over the rows after the warm-up, by numpy on the raw file.
const NUMPY: &str = r#"
import math, sys
import numpy as np
obs, sim = [], []
with open(sys.argv[1]) as f:
    next(f)
    for d, line in enumerate(f):
        v = line.strip().split(";")[3]
        if d >= 366 and v.lower() != "nan":
            obs.append(float(v) * 0.001)
            sim.append(0.002 * (1 + math.sin(d / 20)) + d / 1e6)
obs, sim = np.array(obs), np.array(sim)
r = np.corrcoef(sim, obs)[0, 1]
alpha = sim.std() / obs.std()
beta = sim.mean() / obs.mean()
print(len(obs), repr(1 - math.sqrt((r - 1) ** 2 + (alpha - 1) ** 2 + (beta - 1) ** 2)))
"#;

#[test]
fn hymod_discharge_loads_and_kge_matches_numpy() {
    let dir = fixture_dir();
    if tidepool_testkit::existing(&dir.join("hymod_input.csv")).is_none() {
        return;
    }
    let spec: ObjectiveSpec = toml::from_str(SPEC).unwrap();
    let objective = Objective::load(&spec, &dir).unwrap();
    let observed = objective.observed("kge_q").unwrap();
    assert_eq!(
        observed.values().len(),
        1461,
        "2013-2016 observed, 2012 nan"
    );
    assert_eq!(
        objective.periods().unwrap().scored.inclusive(),
        ["2013-01-01", "2016-12-31"]
    );
    let series = BTreeMap::from([("q".to_string(), simulated())]);
    let kge = objective.score(&BTreeMap::new(), &series).unwrap().terms["kge_q"];

    let Some(venv) = tidepool_testkit::test_venv() else {
        return;
    };
    let out = std::process::Command::new(venv.join("bin/python"))
        .args(["-c", NUMPY])
        .arg(dir.join("hymod_input.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let (count, numpy) = stdout.trim().split_once(' ').unwrap();
    assert_eq!(count, "1461");
    let numpy: f64 = numpy.parse().unwrap();
    eprintln!("kge tidepool {kge}, numpy {numpy}");
    assert!((kge - numpy).abs() < 1e-9, "tidepool {kge}, numpy {numpy}");
}
