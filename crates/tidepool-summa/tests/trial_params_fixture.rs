//! The fixture's `attributes.nc` and `trialParams.nc`: read, written and read back (by
//! this crate and by `ncdump`) with the same shape, ids and values.

mod util;

use tidepool_summa::netcdf_io::{Attributes, IdKind, NcError, ParamDim, TrialParams};

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
    let first = priori();
    first.write_atomic(&path).unwrap();
    let mut params = changed(priori());
    let dropped = params.params.remove(0);
    params.write_atomic(&path).unwrap();
    let back = TrialParams::read(&path).unwrap();
    // The variable this write left out is still there, with the first write's values:
    // the file was updated, not rebuilt.
    assert_eq!(back.get(&dropped.name), first.get(&dropped.name));
    for var in &params.params {
        assert_eq!(back.get(&var.name), Some(var), "{}", var.name);
    }
    let Some(cdl) = util::ncdump(&["-h"], &path) else {
        return;
    };
    assert!(cdl.contains("hruId:long_name = \"Index of hydrological response unit (HRU)\""));
}

#[test]
fn a_netcdf4_target_is_rebuilt_in_a_classic_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trialParams.nc");
    std::fs::copy(util::summa_settings().join("trialParams.nc"), &path).unwrap();
    let params = changed(priori());
    params.write_atomic(&path).unwrap();
    assert_eq!(TrialParams::read(&path).unwrap(), params);
    let Some(kind) = util::ncdump(&["-k"], &path) else {
        return;
    };
    assert_eq!(kind.trim(), "64-bit offset");
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
fn int64_ids_from_attributes_make_int64_ids_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trialParams.nc");
    // Start from the fixture's file (int ids): ids of another type force a rebuild.
    std::fs::copy(util::summa_settings().join("trialParams.nc"), &path).unwrap();
    let mut attrs = Attributes::read(&util::summa_settings().join("attributes.nc")).unwrap();
    attrs.hru_ids.kind = IdKind::Int64;
    attrs.gru_ids.kind = IdKind::Int64;
    let mut params = priori();
    params.set_ids(&attrs);
    params.write_atomic(&path).unwrap();
    let back = TrialParams::read(&path).unwrap();
    assert_eq!(back.hru_ids.kind, IdKind::Int64);
    assert_eq!(back, params);
    let Some(cdl) = util::ncdump(&["-h"], &path) else {
        return;
    };
    assert!(
        cdl.contains("\tint64 hruId(hru) ;") && cdl.contains("\tint64 gruId(gru) ;"),
        "{cdl}"
    );
}
