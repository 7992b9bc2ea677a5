//! The slot's fileManager and control file: the source files with only the keys that
//! make them the slot's own changed (the paths, the output prefix, the simulated
//! period, and on request the forcing path and the runoff variable).

use super::copy::{clear, io, settings_dir};
use super::period::{control_time, routing_period};
use super::{SlotError, SlotFiles, SlotSpec};
use crate::settings::{ControlFile, KeyFile};
use chrono::DateTime;
use std::path::{Path, PathBuf};

/// The fileManager keys a slot rewrites (`forcingPath` only when asked, `statePath`
/// only when present). `statePath` goes to the slot's settings dir: it holds the linked
/// initial conditions, should a SUMMA read them from there, and restart files written
/// there are new files of the slot, never written through a link.
pub const FILE_MANAGER_KEYS: [&str; 7] = [
    "settingsPath",
    "outputPath",
    "outFilePrefix",
    "simStartTime",
    "simEndTime",
    "forcingPath",
    "statePath",
];

const DEFAULT_PARAM_FILE: &str = "trialParams.nc";

/// `YYYY-MM-DD hh:mm`, the fileManager's time format (UTC).
pub fn file_manager_time(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0).map_or_else(
        || seconds.to_string(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

pub(crate) fn prepare(spec: &SlotSpec) -> Result<SlotFiles, SlotError> {
    let dir = spec.slot_dir.clone();
    let summa_settings = dir.join("settings/SUMMA");
    let summa_output = dir.join("output/SUMMA");
    for sub in ["settings", "output"] {
        clear(&dir.join(sub))?;
    }
    let source = KeyFile::read(&spec.file_manager)?;
    let param_file = source
        .get("trialParamFile")
        .unwrap_or(DEFAULT_PARAM_FILE)
        .to_string();
    let source_settings = spec
        .summa_settings
        .clone()
        .unwrap_or_else(|| parent(&spec.file_manager));
    settings_dir(&source_settings, &summa_settings, &[param_file.as_str()])?;
    create(&summa_output)?;
    let manager_name = spec
        .file_manager
        .file_name()
        .map_or("fileManager.txt".into(), |n| n.to_owned());
    let file_manager = summa_settings.join(manager_name);
    let mut manager = source.clone();
    rewrite_file_manager(
        &mut manager,
        spec,
        &summa_settings,
        &summa_output,
        &spec.file_manager,
    )?;
    manager.write(&file_manager)?;
    let mut files = SlotFiles {
        trial_params: summa_settings.join(&param_file),
        dir,
        summa_settings,
        summa_output,
        mizu_settings: None,
        mizu_output: None,
        file_manager,
        control: None,
        param_nml: None,
        mizu_input: None,
        prefix: spec.prefix.clone(),
    };
    if let Some(control) = &spec.control {
        prepare_mizuroute(spec, control, source.get("outFilePrefix"), &mut files)?;
    }
    Ok(files)
}

fn rewrite_file_manager(
    manager: &mut KeyFile,
    spec: &SlotSpec,
    settings: &Path,
    output: &Path,
    path: &Path,
) -> Result<(), SlotError> {
    let set = |m: &mut KeyFile, key: &str, value: String| {
        m.set(key, &value).map_err(|_| SlotError::MissingKey {
            path: path.to_path_buf(),
            key: key.into(),
        })
    };
    set(manager, "settingsPath", dir_text(settings))?;
    set(manager, "outputPath", dir_text(output))?;
    set(manager, "outFilePrefix", spec.prefix.clone())?;
    set(manager, "simStartTime", file_manager_time(spec.sim_start))?;
    set(manager, "simEndTime", file_manager_time(spec.sim_end))?;
    if let Some(forcing) = &spec.forcing_dir {
        set(manager, "forcingPath", dir_text(forcing))?;
    }
    if manager.get("statePath").is_some() {
        set(manager, "statePath", dir_text(settings))?;
    }
    Ok(())
}

fn prepare_mizuroute(
    spec: &SlotSpec,
    control_source: &Path,
    old_prefix: Option<&str>,
    files: &mut SlotFiles,
) -> Result<(), SlotError> {
    let settings = files.dir.join("settings/mizuRoute");
    let output = files.dir.join("output/mizuRoute");
    let source_settings = spec
        .mizu_settings
        .clone()
        .unwrap_or_else(|| parent(control_source));
    settings_dir(&source_settings, &settings, &[])?;
    create(&output)?;
    let mut control = ControlFile::read(control_source)?;
    let set = |c: &mut ControlFile, key: &str, value: String| {
        c.set(key, &value).map_err(|_| SlotError::MissingKey {
            path: control_source.to_path_buf(),
            key: key.into(),
        })
    };
    set(&mut control, "ancil_dir", dir_text(&settings))?;
    set(&mut control, "input_dir", dir_text(&files.summa_output))?;
    set(&mut control, "output_dir", dir_text(&output))?;
    set(&mut control, "case_name", spec.prefix.clone())?;
    let qsim = qsim_file(control.get("fname_qsim"), old_prefix, &spec.prefix);
    files.mizu_input = Some(files.summa_output.join(&qsim));
    set(&mut control, "fname_qsim", qsim.clone())?;
    if let Some(variable) = &spec.qsim_variable {
        set(&mut control, "vname_qsim", variable.clone())?;
    }
    if let Some(dt) = spec.dt_qsim {
        set(&mut control, "dt_qsim", dt.to_string())?;
    }
    let (start, end) = routing_period(spec.sim_start, spec.sim_end, &qsim);
    for (key, time) in [("sim_start", start), ("sim_end", end)] {
        if let Some(current) = control.get(key).map(str::to_string) {
            set(&mut control, key, control_time(time, &current))?;
        }
    }
    if let Some(name) = control
        .get("param_nml")
        .and_then(|p| Path::new(p).file_name())
    {
        let name = name.to_string_lossy().into_owned();
        files.param_nml = Some(settings.join(&name));
        set(
            &mut control,
            "param_nml",
            format!("../../settings/mizuRoute/{name}"),
        )?;
    }
    let name = control_source
        .file_name()
        .map_or("mizuroute.control".into(), |n| n.to_owned());
    let path = settings.join(name);
    control.write(&path)?;
    files.control = Some(path);
    files.mizu_settings = Some(settings);
    files.mizu_output = Some(output);
    Ok(())
}

/// The slot's runoff file name: the source's with its SUMMA prefix swapped for ours
/// (`run1_day.nc` -> `proc_07_day.nc`), else `<prefix>_timestep.nc`.
fn qsim_file(current: Option<&str>, old_prefix: Option<&str>, prefix: &str) -> String {
    let swapped = current.zip(old_prefix).and_then(|(name, old)| {
        name.strip_prefix(old)
            .filter(|rest| rest.starts_with('_'))
            .map(|rest| format!("{prefix}{rest}"))
    });
    swapped.unwrap_or_else(|| format!("{prefix}_timestep.nc"))
}

/// A directory as SUMMA and mizuRoute want it: with a trailing `/`.
fn dir_text(dir: &Path) -> String {
    let text = dir.to_string_lossy();
    match text.ends_with('/') {
        true => text.into_owned(),
        false => format!("{text}/"),
    }
}

fn parent(path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn create(dir: &Path) -> Result<(), SlotError> {
    std::fs::create_dir_all(dir).map_err(|source| io("create", dir, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qsim_names() {
        assert_eq!(
            qsim_file(Some("run1_day.nc"), Some("run1"), "p7"),
            "p7_day.nc"
        );
        assert_eq!(
            qsim_file(Some("other.nc"), Some("run1"), "p7"),
            "p7_timestep.nc"
        );
        assert_eq!(qsim_file(None, None, "p7"), "p7_timestep.nc");
    }

    #[test]
    fn times() {
        // date -u -d '2008-07-15 06:30' +%s
        assert_eq!(file_manager_time(1_216_103_400), "2008-07-15 06:30");
    }
}
