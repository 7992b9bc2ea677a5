//! A summa trial's files: before SUMMA, the parameters written (`trialParams.nc`
//! atomically, `param.nml` when mizuRoute parameters are calibrated) and the previous
//! outputs removed; after mizuRoute, the routed flow at the outlet reach read back (for
//! a lumped domain SUMMA's runoff times the catchment's area).

use super::plan::chain;
use super::setup::Slot;
use super::spec::SummaSpec;
use tidepool_metrics::Series;
use tidepool_summa::netcdf_io::{lumped_flow, routed_flow, RoutedFlow};

/// Writes the trial's parameter files and removes the previous outputs.
pub(crate) fn write_inputs(
    slot: &mut Slot,
    spec: &SummaSpec,
    params: &[(String, f64)],
) -> Result<(), String> {
    let names = params.iter().map(|(name, _)| name.clone()).collect();
    slot.resolve(spec, names)?;
    let plan = &slot.plan.as_ref().expect("resolved above").1;
    let (trial_params, namelist) = plan
        .apply(params, &slot.priori, slot.namelist.as_ref())
        .map_err(|e| chain(&e))?;
    let mizuroute = plan.has_mizuroute();
    trial_params
        .write_atomic(&slot.files.trial_params)
        .map_err(|e| chain(&e))?;
    if let (true, Some(namelist), Some(path)) = (mizuroute, namelist, &slot.files.param_nml) {
        namelist.write(path).map_err(|e| chain(&e))?;
    }
    slot.files.clean_outputs().map_err(|e| chain(&e))
}

/// SUMMA's output exists: the file mizuRoute reads (its control's `<fname_qsim>`),
/// or for a lumped domain the `_timestep.nc` it is scored on.
pub(crate) fn check_summa_output(slot: &Slot) -> Result<(), String> {
    let path = match (&slot.area_m2, &slot.files.mizu_input) {
        (None, Some(input)) => input.clone(),
        _ => slot.files.summa_timestep(),
    };
    match path.is_file() {
        true => Ok(()),
        false => Err(format!(
            "exited 0 but wrote no {}; check outputControl.txt and the fileManager's outputPath",
            path.display()
        )),
    }
}

/// The flow `q` (m^3/s) and the reach it was read at (`None` for a lumped domain).
pub(crate) fn read_flow(slot: &Slot, spec: &SummaSpec) -> Result<(Series, Option<i64>), String> {
    if let Some(area) = slot.area_m2 {
        let series = lumped_flow(&slot.files.summa_timestep(), area).map_err(|e| chain(&e))?;
        return finite(series).map(|series| (series, None));
    }
    let outputs = slot.files.mizu_outputs().map_err(|e| chain(&e))?;
    if outputs.is_empty() {
        let dir = slot.files.mizu_output.clone().unwrap_or_default();
        return Err(format!(
            "exited 0 but wrote no {}.h.*.nc in {}",
            slot.files.prefix,
            dir.display()
        ));
    }
    let mut pieces: Vec<RoutedFlow> = Vec::new();
    for path in &outputs {
        pieces.push(routed_flow(path, spec.outlet_reach).map_err(|e| chain(&e))?);
    }
    let reach = pieces[0].reach_id;
    joined(pieces).map(|series| (series, Some(reach)))
}

/// The history files' series one after the other (mizuRoute starts a new file each
/// year, month or day, as `<newFileFrequency>` says).
fn joined(pieces: Vec<RoutedFlow>) -> Result<Series, String> {
    let (mut times, mut values) = (Vec::new(), Vec::new());
    for piece in &pieces {
        times.extend_from_slice(piece.series.times());
        values.extend_from_slice(piece.series.values());
    }
    let series = Series::new("q", times, values).map_err(|e| e.to_string())?;
    finite(series)
}

fn finite(series: Series) -> Result<Series, String> {
    match series.values().iter().position(|x| !x.is_finite()) {
        None => Ok(series),
        Some(at) => Err(format!(
            "the simulated flow is {} at step {at}: the model diverged",
            series.values()[at]
        )),
    }
}
