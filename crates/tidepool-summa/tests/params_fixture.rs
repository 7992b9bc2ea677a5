//! The fixture's parameter tables and multipliers, resolved into a plan and applied to
//! the a-priori trialParams and param.nml.

mod util;

use std::collections::BTreeMap;
use tidepool_summa::multipliers;
use tidepool_summa::netcdf_io::{ParamDim, TrialParams};
use tidepool_summa::paraminfo::{self, ParamTable};
use tidepool_summa::params::{Kind, MapEntry, Mode, Plan, PlanError};
use tidepool_summa::settings::Namelist;

fn tables() -> (ParamTable, ParamTable, Namelist) {
    let local = paraminfo::read(&util::summa_settings().join("localParamInfo.txt")).unwrap();
    let basin = paraminfo::read(&util::summa_settings().join("basinParamInfo.txt")).unwrap();
    let nml = Namelist::read(&util::mizu_settings().join("param.nml.default")).unwrap();
    (local, basin, nml)
}

fn priori() -> TrialParams {
    TrialParams::read(&util::summa_settings().join("trialParams.priori.nc")).unwrap()
}

/// Rows of a table counted the plain way: lines with a `|` that are not comments.
fn rows_by_hand(file: &str) -> usize {
    let text = std::fs::read_to_string(util::summa_settings().join(file)).unwrap();
    text.lines()
        .filter(|l| l.contains('|') && !l.trim_start().starts_with('!'))
        .count()
}

#[test]
fn the_tables_read_every_row_with_fortran_numbers() {
    let (local, basin, _) = tables();
    assert_eq!(local.entries.len(), rows_by_hand("localParamInfo.txt"));
    assert_eq!(basin.entries.len(), rows_by_hand("basinParamInfo.txt"));
    // `k_soil | 7.5d-06 | 1.d-07 | 100.d-07`
    let k = local.get("k_soil").unwrap();
    assert_eq!((k.default, k.lower, k.upper), (7.5e-6, 1e-7, 1e-5));
    // `basin__aquiferHydCond | 1.0d-3 | 1.0d-9 | 0.1000`
    let a = basin.get("basin__aquiferHydCond").unwrap();
    assert_eq!((a.default, a.lower, a.upper), (1e-3, 1e-9, 0.1));
    assert_eq!(local.get("albedoDecayRate").unwrap().default, 1e6);
}

#[test]
fn the_multiplier_table_has_the_demos_13() {
    let rows = multipliers::read(&util::fixture().join("multiplier_bounds.txt")).unwrap();
    assert_eq!(rows.len(), 13);
    assert_eq!(rows[1].name, "k_soil_multp");
    assert_eq!((rows[1].lower, rows[1].upper), (0.048681, 1.532371));
}

#[test]
fn every_demo_multiplier_resolves_to_its_target() {
    let (local, basin, nml) = tables();
    let rows = multipliers::read(&util::fixture().join("multiplier_bounds.txt")).unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
    let plan = Plan::resolve(&names, &local, &basin, Some(&nml), &BTreeMap::new()).unwrap();
    let k = plan.get("k_soil_multp").unwrap();
    assert_eq!(
        (k.target.as_str(), k.kind, k.mode),
        ("k_soil", Kind::Local, Mode::Multiplier)
    );
    assert_eq!(
        k.bounds, None,
        "a multiplier's bounds are not in the tables"
    );
    let g = plan.get("routingGammaScale_multp").unwrap();
    assert_eq!((g.kind, g.mode), (Kind::Basin, Mode::Multiplier));
    let t = plan.get("thickness_multp").unwrap();
    assert_eq!(
        (t.target.as_str(), t.mode),
        ("heightCanopyTop", Mode::CanopyThickness)
    );
}

#[test]
fn plain_names_are_values_with_bounds_from_their_table() {
    let (local, basin, nml) = tables();
    let names = ["theta_sat", "basin__aquiferHydCond", "velo", "diff_multp"].map(String::from);
    let plan = Plan::resolve(&names, &local, &basin, Some(&nml), &BTreeMap::new()).unwrap();
    // `theta_sat | 0.5500 | 0.3000 | 0.6000`
    assert_eq!(plan.bounds("theta_sat"), Some((0.3, 0.6)));
    assert_eq!(plan.get("basin__aquiferHydCond").unwrap().kind, Kind::Basin);
    assert_eq!(plan.bounds("basin__aquiferHydCond"), Some((1e-9, 0.1)));
    assert_eq!(plan.get("velo").unwrap().kind, Kind::MizuRoute);
    assert_eq!(plan.bounds("velo"), None);
    assert_eq!(plan.get("diff_multp").unwrap().mode, Mode::Multiplier);
}

#[test]
fn an_unknown_name_names_the_files_searched() {
    let (local, basin, nml) = tables();
    let names = ["k_sol_multp".to_string()];
    let err = Plan::resolve(&names, &local, &basin, Some(&nml), &BTreeMap::new()).unwrap_err();
    let PlanError::Unknown {
        target, searched, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(target, "k_sol");
    assert_eq!(
        searched,
        &vec![
            local.path.clone(),
            basin.path.clone(),
            nml.path().unwrap().to_path_buf()
        ]
    );
    assert!(err.to_string().contains("localParamInfo.txt"), "{err}");
}

#[test]
fn param_map_names_a_target_outside_the_convention() {
    let (local, basin, nml) = tables();
    let map = BTreeMap::from([(
        "my_k".to_string(),
        MapEntry {
            target: "k_soil".into(),
            mode: Mode::Multiplier,
            kind: None,
        },
    )]);
    let plan = Plan::resolve(&["my_k".to_string()], &local, &basin, Some(&nml), &map).unwrap();
    let p = plan.get("my_k").unwrap();
    assert_eq!(
        (p.target.as_str(), p.kind, p.mode),
        ("k_soil", Kind::Local, Mode::Multiplier)
    );
}

#[test]
fn apply_multiplies_the_a_priori_values_and_derives_the_canopy_top() {
    let (local, basin, nml) = tables();
    let names = [
        "k_soil_multp",
        "routingGammaScale_multp",
        "heightCanopyBottom_multp",
        "thickness_multp",
        "theta_sat",
        "velo",
        "diff_multp",
    ]
    .map(String::from);
    let plan = Plan::resolve(&names, &local, &basin, Some(&nml), &BTreeMap::new()).unwrap();
    let values: Vec<(String, f64)> = names
        .iter()
        .cloned()
        .zip([0.5, 2.0, 0.8, 1.5, 0.45, 3.0, 0.25])
        .collect();
    let priori = priori();
    let (trial, list) = plan.apply(&values, &priori, Some(&nml)).unwrap();
    let p = |name: &str| priori.get(name).unwrap().values.clone();
    let t = |name: &str| trial.get(name).unwrap().values.clone();
    for (i, (&new, &old)) in t("k_soil").iter().zip(&p("k_soil")).enumerate() {
        assert_eq!(new, old * 0.5, "k_soil at hru index {i}");
    }
    assert_eq!(trial.get("routingGammaScale").unwrap().dim, ParamDim::Gru);
    let scale: Vec<f64> = p("routingGammaScale").iter().map(|v| v * 2.0).collect();
    assert_eq!(t("routingGammaScale"), scale);
    let (top0, bottom0) = (p("heightCanopyTop"), p("heightCanopyBottom"));
    for i in 0..118 {
        let bottom = bottom0[i] * 0.8;
        assert_eq!(t("heightCanopyBottom")[i], bottom);
        assert_eq!(
            t("heightCanopyTop")[i],
            bottom + (top0[i] - bottom0[i]) * 1.5,
            "hru index {i}"
        );
    }
    assert_eq!(t("theta_sat"), vec![0.45; 118]);
    assert_eq!(t("theta_res"), p("theta_res"), "not calibrated: a-priori");
    let list = list.unwrap();
    assert_eq!(list.get("velo"), Some(3.0));
    assert_eq!(list.get("diff"), Some(250.0));
    assert_eq!(
        nml.get("diff"),
        Some(1000.0),
        "the a-priori namelist is not changed"
    );
}

#[test]
fn apply_wants_a_value_for_every_parameter_and_no_other() {
    let (local, basin, nml) = tables();
    let names = ["k_soil_multp".to_string()];
    let plan = Plan::resolve(&names, &local, &basin, Some(&nml), &BTreeMap::new()).unwrap();
    let err = plan.apply(&[], &priori(), None).unwrap_err();
    assert_eq!(
        err,
        PlanError::MissingValue {
            name: "k_soil_multp".into()
        }
    );
    let extra = vec![("k_soil_multp".to_string(), 1.0), ("typo".to_string(), 1.0)];
    let err = plan.apply(&extra, &priori(), None).unwrap_err();
    assert_eq!(
        err,
        PlanError::UnexpectedValue {
            name: "typo".into()
        }
    );
}

#[test]
fn a_multiplier_of_a_parameter_missing_from_the_file_uses_the_table_default() {
    let (local, basin, nml) = tables();
    let names = ["albedoDecayRate_multp".to_string()];
    let plan = Plan::resolve(&names, &local, &basin, Some(&nml), &BTreeMap::new()).unwrap();
    let (trial, _) = plan
        .apply(&[(names[0].clone(), 0.5)], &priori(), None)
        .unwrap();
    // `albedoDecayRate | 1.0d+6 | ...`: half of it on every HRU.
    assert_eq!(trial.get("albedoDecayRate").unwrap().values, vec![5e5; 118]);
}
