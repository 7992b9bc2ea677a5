//! The fixture's NetCDF files: attributes, trialParams written and read back (by this
//! crate and by `ncdump`), and the mizuRoute routed flow by reach id.

mod util;

use tidepool_summa::netcdf_io::{self, Attributes, IdKind, NcError, ParamDim, TrialParams};

fn priori() -> TrialParams {
    TrialParams::read(&util::summa_settings().join("trialParams.priori.nc")).unwrap()
}

/// The a-priori parameters with every value changed (x 1.5, + its index), so that a
/// read-back that returned the a-priori values would fail.
fn changed(mut params: TrialParams) -> TrialParams {
    for var in &mut params.params {
        for (i, v) in var.values.iter_mut().enumerate() {
            *v = *v * 1.5 + i as f64;
        }
    }
    params
}

#[test]
fn attributes_have_the_fixture_shape() {
    let attrs = Attributes::read(&util::summa_settings().join("attributes.nc")).unwrap();
    assert_eq!(attrs.hru_ids.values.len(), 118);
    assert_eq!(attrs.gru_ids.values.len(), 51);
    assert_eq!(attrs.hru_ids.kind, IdKind::Int);
    assert_eq!(attrs.hru2gru.len(), 118);
    // Every HRU belongs to a listed GRU, and the GRU areas add up to the domain's.
    assert!(attrs
        .hru2gru
        .iter()
        .all(|g| attrs.gru_ids.values.contains(g)));
    let total: f64 = attrs.gru_areas().iter().sum();
    assert!((total - attrs.total_area()).abs() < 1e-6 * total);
    // README: ~2,216 km^2.
    assert!(
        (attrs.total_area() / 1e6 - 2216.0).abs() < 20.0,
        "{}",
        attrs.total_area()
    );
}

#[test]
fn trial_params_reads_every_variable_on_its_dimension() {
    let p = priori();
    assert_eq!(p.hru_ids.values.len(), 118);
    assert_eq!(p.gru_ids.values.len(), 51);
    assert_eq!(p.params.len(), 17);
    assert_eq!(p.get("k_soil").unwrap().dim, ParamDim::Hru);
    assert_eq!(p.get("routingGammaScale").unwrap().dim, ParamDim::Gru);
    assert_eq!(p.get("routingGammaScale").unwrap().values.len(), 51);
}

#[test]
fn trial_params_rebuilt_then_read_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trialParams.nc");
    let attrs = Attributes::read(&util::summa_settings().join("attributes.nc")).unwrap();
    let mut params = TrialParams::from_attributes(&attrs);
    for var in changed(priori()).params {
        params.set(&var.name, var.dim, var.values);
    }
    params.write_atomic(&path).unwrap();
    assert_eq!(TrialParams::read(&path).unwrap(), params);
    assert_eq!(params.hru_ids, attrs.hru_ids);
    // Nothing is left beside it: the temporary file was renamed.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    check_with_ncdump(&path, &params);
}

#[test]
fn trial_params_updated_in_place_keep_extra_variables_and_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trialParams.nc");
    std::fs::copy(util::summa_settings().join("trialParams.nc"), &path).unwrap();
    let mut params = changed(priori());
    let dropped = params.params.remove(0);
    params.write_atomic(&path).unwrap();
    let back = TrialParams::read(&path).unwrap();
    // The variable we did not write is still there, with the file's value.
    let original = TrialParams::read(&util::summa_settings().join("trialParams.nc")).unwrap();
    assert_eq!(back.get(&dropped.name), original.get(&dropped.name));
    for var in &params.params {
        assert_eq!(back.get(&var.name), Some(var), "{}", var.name);
    }
    let Some(cdl) = util::ncdump(&["-h"], &path) else {
        return;
    };
    assert!(cdl.contains("hruId:long_name = \"Index of hydrological response unit (HRU)\""));
}

#[test]
fn trial_params_rebuilt_when_a_variable_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trialParams.nc");
    std::fs::copy(util::summa_settings().join("trialParams.nc"), &path).unwrap();
    let mut params = priori();
    params.set("basin__aquiferHydCond", ParamDim::Gru, vec![2.5e-4]);
    params.write_atomic(&path).unwrap();
    let back = TrialParams::read(&path).unwrap();
    assert_eq!(back, params);
    assert_eq!(
        back.get("basin__aquiferHydCond").unwrap().values,
        vec![2.5e-4; 51]
    );
    check_with_ncdump(&path, &params);
}

#[test]
fn a_variable_of_the_wrong_length_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trialParams.nc");
    let mut params = priori();
    params.params[0].values.pop();
    let err = params.write_atomic(&path).unwrap_err();
    assert!(
        matches!(
            err,
            NcError::Length {
                expected: 118,
                found: 117,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// `ncdump` sees the same dimensions, types, ids and values (17 digits: exact f64).
fn check_with_ncdump(path: &std::path::Path, params: &TrialParams) {
    let Some(cdl) = util::ncdump(&["-p", "9,17"], path) else {
        return;
    };
    assert!(
        cdl.contains("\thru = 118 ;") && cdl.contains("\tgru = 51 ;"),
        "{cdl}"
    );
    assert!(cdl.contains("\tint hruId(hru) ;") && cdl.contains("\tint gruId(gru) ;"));
    let ids = |v: &[i64]| v.iter().map(|&i| i as f64).collect::<Vec<_>>();
    assert_eq!(util::cdl_values(&cdl, "hruId"), ids(&params.hru_ids.values));
    assert_eq!(util::cdl_values(&cdl, "gruId"), ids(&params.gru_ids.values));
    for var in &params.params {
        assert!(cdl.contains(&format!("\tdouble {}({}) ;", var.name, var.dim.name())));
        let got = util::cdl_values(&cdl, &var.name);
        let same = got
            .iter()
            .zip(&var.values)
            .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
        assert!(
            same && got.len() == var.values.len(),
            "{}: {got:?}",
            var.name
        );
    }
}

#[test]
fn routed_flow_finds_the_outlet_by_id_at_index_0() {
    let path = util::fixture().join("outputs/mizuRoute/run1.h.2008.nc");
    let flow = netcdf_io::routed_flow(&path, Some(71028585)).unwrap();
    assert_eq!(flow.variable, "IRFroutedRunoff");
    assert_eq!(flow.reach_id, 71028585);
    let series = &flow.series;
    assert_eq!(series.values().len(), 16);
    // `ncdump -t -v time`: "2008-07-15", ..., "2008-07-30" (daily).
    let days: Vec<String> = series
        .times()
        .iter()
        .map(|&t| tidepool_metrics::format_time(t))
        .collect();
    let want: Vec<String> = (15..=30).map(|d| format!("2008-07-{d}")).collect();
    assert_eq!(days, want);
    // `ncdump -p 9 -v IRFroutedRunoff`: the first value of the data section (reach index 0).
    assert_eq!(series.values()[0], f64::from(18617.9785_f32));
    let Some(cdl) = util::ncdump(&["-p", "9,17", "-v", "IRFroutedRunoff"], &path) else {
        return;
    };
    let all = util::cdl_values(&cdl, "IRFroutedRunoff");
    let column0: Vec<f64> = all.iter().step_by(51).copied().collect();
    assert_eq!(as_f32(series.values()), as_f32(&column0));
}

#[test]
fn routed_flow_defaults_to_the_reach_with_the_highest_mean() {
    let path = util::fixture().join("outputs/mizuRoute/run1.h.2008.nc");
    let flow = netcdf_io::routed_flow(&path, None).unwrap();
    assert_eq!(flow.reach_id, 71028585);
}

#[test]
fn an_unknown_reach_is_an_error_naming_it() {
    let path = util::fixture().join("outputs/mizuRoute/run1.h.2008.nc");
    let err = netcdf_io::routed_flow(&path, Some(42)).unwrap_err();
    assert!(
        matches!(
            err,
            NcError::CoordNotFound {
                value: 42,
                count: 51,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn series_at_reads_any_variable_by_coordinate() {
    let path = util::fixture().join("outputs/mizuRoute/run1.h.2008.nc");
    let dlay = netcdf_io::series_at(&path, "dlayRunoff", "reachID", 71028597).unwrap();
    assert_eq!(dlay.values().len(), 16);
    let Some(cdl) = util::ncdump(&["-p", "9,17", "-v", "dlayRunoff"], &path) else {
        return;
    };
    let all = util::cdl_values(&cdl, "dlayRunoff");
    let column1: Vec<f64> = all.iter().skip(1).step_by(51).copied().collect();
    assert_eq!(as_f32(dlay.values()), as_f32(&column1));
}

#[test]
fn lumped_flow_refuses_a_many_gru_output() {
    let path = util::fixture().join("outputs/SUMMA/run1_day.nc");
    let err = netcdf_io::lumped_flow(&path, 1.0).unwrap_err();
    assert!(matches!(err, NcError::NotLumped { grus: 51, .. }), "{err}");
}

/// The file stores `float`s: 9 digits (`ncdump -p 9`) name each exactly as an f32.
fn as_f32(values: &[f64]) -> Vec<f32> {
    values.iter().map(|&v| v as f32).collect()
}
