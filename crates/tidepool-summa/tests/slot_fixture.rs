//! A slot made from the fixture's settings: what is copied, what is linked, and which
//! lines of the fileManager and control file change.

mod util;

use std::path::{Path, PathBuf};
use tidepool_summa::slot::{SlotError, SlotFiles, SlotSpec};

// date -u -d '2008-07-01 00:00' +%s ; date -u -d '2008-07-16 23:00' +%s
const START: i64 = 1_214_870_400;
const END: i64 = 1_216_249_200;

fn spec(slot_dir: &Path) -> SlotSpec {
    SlotSpec {
        slot_dir: slot_dir.to_path_buf(),
        file_manager: util::summa_settings().join("fileManager.txt"),
        summa_settings: None,
        control: Some(util::mizu_settings().join("mizuroute.control")),
        mizu_settings: None,
        prefix: "proc_07".into(),
        sim_start: START,
        sim_end: END,
        forcing_dir: Some(PathBuf::from("/node/stage/forcing")),
        qsim_variable: None,
        dt_qsim: None,
    }
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path)
        .unwrap()
        .file_type()
        .is_symlink()
}

/// The keys of the lines that differ between two versions of a settings file.
fn changed_keys(before: &str, after: &str) -> Vec<String> {
    util::changed_lines(before, after)
        .iter()
        .map(|(_, line, _)| line.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn netcdf_inputs_are_linked_and_the_rest_copied() {
    let dir = tempfile::tempdir().unwrap();
    let files = SlotFiles::prepare(&spec(dir.path())).unwrap();
    let s = &files.summa_settings;
    for linked in ["attributes.nc", "coldState.nc", "trialParams.priori.nc"] {
        assert!(is_link(&s.join(linked)), "{linked}");
    }
    for copied in [
        "trialParams.nc",
        "fileManager.txt",
        "TBL_VEGPARM.TBL",
        "localParamInfo.txt",
    ] {
        assert!(!is_link(&s.join(copied)), "{copied}");
    }
    assert_eq!(files.trial_params, s.join("trialParams.nc"));
    let m = files.mizu_settings.as_ref().unwrap();
    assert!(is_link(&m.join("topology.nc")));
    assert!(!is_link(&m.join("param.nml.default")));
    assert_eq!(
        files.param_nml.as_deref(),
        Some(m.join("param.nml.default").as_path())
    );
}

#[test]
fn the_file_manager_changes_only_the_slot_keys() {
    let dir = tempfile::tempdir().unwrap();
    let files = SlotFiles::prepare(&spec(dir.path())).unwrap();
    let before = std::fs::read_to_string(util::summa_settings().join("fileManager.txt")).unwrap();
    let after = std::fs::read_to_string(&files.file_manager).unwrap();
    let keys = changed_keys(&before, &after);
    let want = [
        "simStartTime",
        "simEndTime",
        "outFilePrefix",
        "settingsPath",
        "forcingPath",
        "outputPath",
        "statePath",
    ];
    assert_eq!(keys, want);
    let slot = dir.path().display();
    for line in [
        "simStartTime         '2008-07-01 00:00' ! ".to_string(),
        "simEndTime           '2008-07-16 23:00' ! ".to_string(),
        "outFilePrefix        'proc_07' ! ".to_string(),
        format!("settingsPath         '{slot}/settings/SUMMA/' ! "),
        format!("outputPath           '{slot}/output/SUMMA/' ! "),
        "forcingPath          '/node/stage/forcing/' ! ".to_string(),
    ] {
        assert!(after.lines().any(|l| l == line), "{line}\n{after}");
    }
}

#[test]
fn the_control_file_changes_only_the_slot_keys() {
    let dir = tempfile::tempdir().unwrap();
    let files = SlotFiles::prepare(&spec(dir.path())).unwrap();
    let before = std::fs::read_to_string(util::mizu_settings().join("mizuroute.control")).unwrap();
    let after = std::fs::read_to_string(files.control.as_ref().unwrap()).unwrap();
    let keys = changed_keys(&before, &after);
    let want = [
        "<ancil_dir>",
        "<input_dir>",
        "<output_dir>",
        "<case_name>",
        "<sim_start>",
        "<sim_end>",
        "<fname_qsim>",
        "<param_nml>",
    ];
    assert_eq!(keys, want);
    let control = tidepool_summa::settings::ControlFile::parse(&after);
    let slot = dir.path().display().to_string();
    assert_eq!(
        control.get("input_dir"),
        Some(format!("{slot}/output/SUMMA/").as_str())
    );
    assert_eq!(control.get("case_name"), Some("proc_07"));
    assert_eq!(
        control.get("fname_qsim"),
        Some("proc_07_day.nc"),
        "the source's run1_day.nc"
    );
    // Daily input (`_day.nc`): from the first day to the day before SUMMA's last, in
    // the control's own date style (see src/slot/period.rs).
    assert_eq!(control.get("sim_start"), Some("2008-07-01"));
    assert_eq!(control.get("sim_end"), Some("2008-07-15"));
    // The param.nml path leads to the slot's copy from ancil_dir and from input_dir.
    let nml = control.get("param_nml").unwrap();
    for base in ["ancil_dir", "input_dir"] {
        let path = Path::new(control.get(base).unwrap()).join(nml);
        let resolved = std::fs::canonicalize(&path).unwrap();
        assert_eq!(
            resolved,
            std::fs::canonicalize(files.param_nml.as_ref().unwrap()).unwrap()
        );
    }
}

#[test]
fn preparing_again_replaces_the_slot_and_clean_outputs_removes_netcdf_only() {
    let dir = tempfile::tempdir().unwrap();
    let first = SlotFiles::prepare(&spec(dir.path())).unwrap();
    std::fs::write(first.summa_timestep(), b"old").unwrap();
    let files = SlotFiles::prepare(&spec(dir.path())).unwrap();
    assert_eq!(files, first);
    assert!(
        !files.summa_timestep().exists(),
        "a new preparation starts empty"
    );
    let mizu_out = files.mizu_output.clone().unwrap();
    std::fs::write(files.summa_timestep(), b"x").unwrap();
    std::fs::write(mizu_out.join("proc_07.h.2008.nc"), b"x").unwrap();
    std::fs::write(mizu_out.join("other.h.2008.nc"), b"x").unwrap();
    std::fs::write(mizu_out.join("notes.txt"), b"x").unwrap();
    assert_eq!(
        files.mizu_outputs().unwrap(),
        vec![mizu_out.join("proc_07.h.2008.nc")]
    );
    files.clean_outputs().unwrap();
    assert!(!files.summa_timestep().exists());
    assert!(files.mizu_outputs().unwrap().is_empty());
    assert!(mizu_out.join("notes.txt").exists());
    // The sources behind the links are untouched.
    assert!(util::summa_settings().join("attributes.nc").exists());
}

#[test]
fn a_lumped_slot_has_no_mizuroute_part() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(dir.path());
    spec.control = None;
    let files = SlotFiles::prepare(&spec).unwrap();
    assert_eq!(
        (files.control, files.mizu_output, files.mizu_input),
        (None, None, None)
    );
    assert!(!dir.path().join("settings/mizuRoute").exists());
}

#[test]
fn a_file_manager_without_a_slot_key_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("src");
    std::fs::create_dir(&settings).unwrap();
    let text = std::fs::read_to_string(util::summa_settings().join("fileManager.txt")).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("outputPath"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(settings.join("fileManager.txt"), text).unwrap();
    let mut spec = spec(&dir.path().join("slot"));
    spec.file_manager = settings.join("fileManager.txt");
    spec.control = None;
    let err = SlotFiles::prepare(&spec).unwrap_err();
    assert!(
        matches!(&err, SlotError::MissingKey { key, .. } if key == "outputPath"),
        "{err}"
    );
}
