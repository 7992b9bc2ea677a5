//! Series out of the fixture's outputs: the mizuRoute routed flow by reach id (checked
//! against `ncdump`), `series_at`, and the lumped flow of a one-GRU file written here.

mod util;

use tidepool_summa::netcdf_io::{self, NcError};

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
    assert_eq!(
        series.values()[0],
        f64::from("18617.9785".parse::<f32>().unwrap())
    );
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

/// A one-GRU SUMMA output written here: `averageRoutedRunoff(time, gru)` in m/s on a
/// noleap calendar in days. Classic format: an HDF5 file written while another test
/// starts `ncdump` would be locked by that child (see tests/write_lock.rs).
fn one_gru_output(path: &std::path::Path, runoff: &[f64]) {
    let mut file = netcdf::create_with(path, netcdf::Options::_64BIT_OFFSET).unwrap();
    file.add_dimension("gru", 1).unwrap();
    file.add_unlimited_dimension("time").unwrap();
    file.add_variable::<i32>("gru", &["gru"]).unwrap();
    let mut time = file.add_variable::<f64>("time", &["time"]).unwrap();
    time.put_attribute("units", "days since 2008-02-27 00:00:00")
        .unwrap();
    time.put_attribute("calendar", "noleap").unwrap();
    file.add_variable::<f64>("averageRoutedRunoff", &["time", "gru"])
        .unwrap();
    file.enddef().unwrap();
    let days: Vec<f64> = (0..runoff.len()).map(|d| d as f64).collect();
    let mut gru = file.variable_mut("gru").unwrap();
    gru.put_values(&[7_i32], ..).unwrap();
    let mut time = file.variable_mut("time").unwrap();
    time.put_values(&days, ..).unwrap();
    let mut q = file.variable_mut("averageRoutedRunoff").unwrap();
    q.put_values(runoff, (0..runoff.len(), 0..1)).unwrap();
    file.close().unwrap();
}

#[test]
fn lumped_flow_is_runoff_times_area_on_the_decoded_times() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lumped_timestep.nc");
    one_gru_output(&path, &[1e-8, 2e-8, 4e-8]);
    let series = netcdf_io::lumped_flow(&path, 2.5e9).unwrap();
    assert_eq!(series.values(), &[25.0, 50.0, 100.0]);
    // noleap: 2008-02-27, -28, then 03-01 (no 29th).
    let days: Vec<String> = series
        .times()
        .iter()
        .map(|&t| tidepool_metrics::format_time(t))
        .collect();
    assert_eq!(days, ["2008-02-27", "2008-02-28", "2008-03-01"]);
}

#[test]
fn a_nan_in_the_lumped_flow_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lumped_timestep.nc");
    one_gru_output(&path, &[1e-8, f64::NAN]);
    let err = netcdf_io::lumped_flow(&path, 1.0).unwrap_err();
    assert!(matches!(err, NcError::NotFinite { index: 1, .. }), "{err}");
}

#[test]
fn routed_flow_reads_a_reach_first_layout_too() {
    // IRFroutedRunoff(seg, time): 2 reaches x 3 days, reach 5 carries more.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.h.2000.nc");
    let mut file = netcdf::create_with(&path, netcdf::Options::_64BIT_OFFSET).unwrap();
    file.add_dimension("seg", 2).unwrap();
    file.add_dimension("time", 3).unwrap();
    let mut time = file.add_variable::<f64>("time", &["time"]).unwrap();
    time.put_attribute("units", "hours since 2000-01-01 00:00")
        .unwrap();
    file.add_variable::<i32>("reachID", &["seg"]).unwrap();
    file.add_variable::<f32>("IRFroutedRunoff", &["seg", "time"])
        .unwrap();
    file.enddef().unwrap();
    let mut time = file.variable_mut("time").unwrap();
    time.put_values(&[0.0, 24.0, 48.0], ..).unwrap();
    let mut ids = file.variable_mut("reachID").unwrap();
    ids.put_values(&[4_i32, 5], ..).unwrap();
    let mut q = file.variable_mut("IRFroutedRunoff").unwrap();
    q.put_values(&[1.0_f32, 2.0, 3.0, 10.0, 20.0, 30.0], ..)
        .unwrap();
    file.close().unwrap();
    let flow = netcdf_io::routed_flow(&path, None).unwrap();
    assert_eq!(flow.reach_id, 5);
    assert_eq!(flow.series.values(), &[10.0, 20.0, 30.0]);
    // date -u -d 2000-01-02 +%s
    assert_eq!(flow.series.times()[1], 946_771_200);
    let other = netcdf_io::routed_flow(&path, Some(4)).unwrap();
    assert_eq!(other.series.values(), &[1.0, 2.0, 3.0]);
}
