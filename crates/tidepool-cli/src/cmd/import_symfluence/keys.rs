//! The SYMFLUENCE keys the importer reads, with their place in a nested config, and
//! which of the other keys bear on a SUMMA calibration.
//!
//! SYMFLUENCE 0.9.2 accepts a flat config (`NUM_PROCESSES: 4`) or a nested one
//! (`system: {num_processes: 4}`); its pydantic models give every flat key one nested
//! path. The table below is that map for the keys read here (taken from SYMFLUENCE
//! 0.9.2's `generate_flat_to_nested_map`). A nested key outside the table keeps its
//! dotted path (`model.fuse.timeout`) in the list of keys not mapped.

/// (flat key, nested path) of every key the importer reads.
pub const KEYS: &[(&str, &str)] = &[
    ("SYMFLUENCE_DATA_DIR", "system.data_dir"),
    ("SYMFLUENCE_CODE_DIR", "system.code_dir"),
    ("NUM_PROCESSES", "system.num_processes"),
    ("USE_LOCAL_SCRATCH", "system.use_local_scratch"),
    ("RANDOM_SEED", "system.random_seed"),
    ("DOMAIN_NAME", "domain.name"),
    ("EXPERIMENT_ID", "domain.experiment_id"),
    ("CALIBRATION_PERIOD", "domain.calibration_period"),
    ("CALIBRATION_START_DATE", "domain.calibration_start_date"),
    ("CALIBRATION_END_DATE", "domain.calibration_end_date"),
    ("EVALUATION_PERIOD", "domain.evaluation_period"),
    ("SPINUP_PERIOD", "domain.spinup_period"),
    ("EXPERIMENT_TIME_START", "domain.time_start"),
    ("DOMAIN_DEFINITION_METHOD", "domain.definition_method"),
    ("ROUTING_DELINEATION", "domain.delineation.routing"),
    ("HYDROLOGICAL_MODEL", "model.hydrological_model"),
    ("PARAMS_TO_CALIBRATE", "model.summa.params_to_calibrate"),
    (
        "BASIN_PARAMS_TO_CALIBRATE",
        "model.summa.basin_params_to_calibrate",
    ),
    ("SUMMA_INSTALL_PATH", "model.summa.install_path"),
    ("SUMMA_EXE", "model.summa.exe"),
    ("SETTINGS_SUMMA_PATH", "model.summa.settings_path"),
    ("SETTINGS_SUMMA_FILEMANAGER", "model.summa.filemanager"),
    (
        "SETTINGS_SUMMA_LOCAL_PARAMS_FILE",
        "model.summa.local_params_file",
    ),
    (
        "SETTINGS_SUMMA_BASIN_PARAMS_FILE",
        "model.summa.basin_params_file",
    ),
    ("SETTINGS_SUMMA_TRIALPARAMS", "model.summa.trialparams"),
    ("SUMMA_TIMEOUT", "model.summa.timeout"),
    (
        "MIZUROUTE_PARAMS_TO_CALIBRATE",
        "model.mizuroute.params_to_calibrate",
    ),
    ("CALIBRATE_MIZUROUTE", "model.mizuroute.calibrate"),
    ("MIZUROUTE_INSTALL_PATH", "model.mizuroute.install_path"),
    ("MIZUROUTE_EXE", "model.mizuroute.exe"),
    ("SETTINGS_MIZU_PATH", "model.mizuroute.settings_path"),
    ("SETTINGS_MIZU_CONTROL_FILE", "model.mizuroute.control_file"),
    ("MIZUROUTE_TIMEOUT", "model.mizuroute.timeout"),
    ("FORCING_SUMMA_PATH", "paths.forcing_summa_path"),
    ("OPTIMIZATION_METRIC", "optimization.metric"),
    ("CALIBRATION_VARIABLE", "optimization.calibration_variable"),
    ("CALIBRATION_TIMESTEP", "optimization.calibration_timestep"),
    ("ITERATIVE_OPTIMIZATION_ALGORITHM", "optimization.algorithm"),
    ("NUMBER_OF_ITERATIONS", "optimization.iterations"),
    ("PARAMETER_BOUNDS", "optimization.parameter_bounds"),
    ("DDS_R", "optimization.dds.r"),
    ("ASYNC_DDS_POOL_SIZE", "optimization.dds.async_pool_size"),
    ("ASYNC_DDS_BATCH_SIZE", "optimization.dds.async_batch_size"),
    (
        "MAX_STAGNATION_BATCHES",
        "optimization.dds.max_stagnation_batches",
    ),
    ("SIM_REACH_ID", "evaluation.sim_reach_id"),
    (
        "STREAMFLOW_PROCESSED_PATH",
        "evaluation.streamflow.processed_path",
    ),
];

/// Old names SYMFLUENCE still reads, with the key that replaced them.
pub const ALIASES: &[(&str, &str)] = &[
    ("MPI_PROCESSES", "NUM_PROCESSES"),
    ("CONFLUENCE_DATA_DIR", "SYMFLUENCE_DATA_DIR"),
    ("INSTALL_PATH_MIZUROUTE", "MIZUROUTE_INSTALL_PATH"),
    ("EXE_NAME_MIZUROUTE", "MIZUROUTE_EXE"),
];

/// The flat key of a nested path, if the importer reads it.
pub fn flat_of_nested(path: &str) -> Option<&'static str> {
    KEYS.iter().find(|(_, n)| *n == path).map(|(f, _)| *f)
}

/// The nested path of a flat key, as SYMFLUENCE 0.9.2 places it.
pub fn nested_of_flat(key: &str) -> Option<&'static str> {
    KEYS.iter().find(|(f, _)| *f == key).map(|(_, n)| *n)
}

/// Words of keys that belong to another model or tool than SUMMA + mizuRoute.
const OTHER_MODELS: &[&str] = &[
    "FUSE",
    "GR",
    "HBV",
    "HYPE",
    "NGEN",
    "CFE",
    "MESH",
    "DROUTE",
    "TROUTE",
    "LSTM",
    "VIC",
    "CLM",
    "MODFLOW",
    "PARFLOW",
    "CLMPARFLOW",
    "PIHM",
    "RHESSYS",
    "IGNACIO",
    "GNN",
    "SWAT",
    "MHM",
    "CRHM",
    "WRFHYDRO",
    "PRMS",
    "GSFLOW",
    "WATFLOOD",
    "WFLOW",
    "LISFLOOD",
    "PCRGLOBWB",
    "CWATM",
    "NOAHMP",
    "NOAH",
    "HECHMS",
    "TOPMODEL",
    "SACSMA",
    "SNOW17",
    "NSGA2",
    "MOEAD",
    "ENKF",
    "EMULATION",
    "FEWS",
    "JFUSE",
    "CFUSE",
    "DGCV",
    "SUMMA_ACTORS",
];

/// Words that mark a key bearing on a SUMMA + mizuRoute calibration.
const CALIBRATION_WORDS: &[&str] = &[
    "SUMMA",
    "MIZU",
    "MIZUROUTE",
    "OPTIMIZATION",
    "CALIBRATION",
    "CALIBRATE",
    "DDS",
    "ASYNC",
    "ITERATIONS",
    "STAGNATION",
    "METRIC",
    "PERIOD",
    "PROCESSES",
    "SCRATCH",
    "TIMEOUT",
    "REACH",
    "STREAMFLOW",
    "BOUNDS",
    "PARAMS",
    "PARAMETER",
    "PARAMETERS",
    "SEED",
];

/// Whether an unmapped key bears on a SUMMA + mizuRoute calibration (and so is shown),
/// rather than on another model, the data acquisition or the domain set-up.
pub fn bears_on_calibration(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(['_', '.', '-']).collect();
    let other = words.iter().any(|w| OTHER_MODELS.contains(w));
    !other && words.iter().any(|w| CALIBRATION_WORDS.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_paths_round_trip_and_are_unique() {
        for (flat, nested) in KEYS {
            assert_eq!(flat_of_nested(nested), Some(*flat));
            assert_eq!(nested_of_flat(flat), Some(*nested));
        }
    }

    #[test]
    fn other_models_keys_are_not_shown() {
        assert!(bears_on_calibration("SETTINGS_SUMMA_OUTPUT"));
        assert!(bears_on_calibration("DDS_STAGNATION_THRESHOLD"));
        assert!(bears_on_calibration(
            "optimization.dds.stagnation_threshold"
        ));
        assert!(!bears_on_calibration("FUSE_TIMEOUT"));
        assert!(!bears_on_calibration("HBV_CALIBRATION_METRIC"));
        assert!(!bears_on_calibration("DEM_NAME"));
        assert!(!bears_on_calibration("model.fuse.timeout"));
    }
}
