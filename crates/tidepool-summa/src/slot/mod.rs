//! A slot's own SUMMA + mizuRoute setup, made once per slot.
//!
//! Layout under the slot's work dir (both inner dirs two levels deep, so one relative
//! `param_nml` path holds from mizuRoute's `ancil_dir` and from its `input_dir`):
//!
//! ```text
//! settings/SUMMA/       copies of the small files, links to the NetCDF inputs
//! settings/mizuRoute/   the same for mizuRoute
//! output/SUMMA/         SUMMA writes <prefix>_timestep.nc here
//! output/mizuRoute/     mizuRoute writes <prefix>.h.<date>.nc here
//! ```
//!
//! Every file of the settings dirs is copied, except NetCDF files (`*.nc`), which are
//! linked read-only to the source (the node's staged copy): forcing, attributes and
//! topology are large and never written. The trial parameter file is the exception: it
//! is copied, as each trial rewrites it. The fileManager and control file are then
//! rewritten for the slot (module `rewrite`).

mod copy;
mod period;
mod rewrite;

pub use rewrite::{file_manager_time, FILE_MANAGER_KEYS};

use crate::settings::SettingsError;
use std::path::{Path, PathBuf};

/// What a slot's setup is made from.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotSpec {
    /// The slot's scratch work dir (created if absent).
    pub slot_dir: PathBuf,
    /// The source fileManager.
    pub file_manager: PathBuf,
    /// The source SUMMA settings dir (default: the fileManager's dir).
    pub summa_settings: Option<PathBuf>,
    /// The source mizuRoute control file; `None` for a lumped domain.
    pub control: Option<PathBuf>,
    /// The source mizuRoute settings dir (default: the control file's dir).
    pub mizu_settings: Option<PathBuf>,
    /// `outFilePrefix` and mizuRoute's `case_name` (e.g. `proc_07`).
    pub prefix: String,
    /// `simStartTime` and `simEndTime`, Unix seconds.
    pub sim_start: i64,
    pub sim_end: i64,
    /// Overrides the fileManager's `forcingPath`.
    pub forcing_dir: Option<PathBuf>,
    /// Overrides the control's `<vname_qsim>` (e.g. `averageRoutedRunoff`).
    pub qsim_variable: Option<String>,
    /// Overrides the control's `<dt_qsim>` (seconds).
    pub dt_qsim: Option<u32>,
}

/// A prepared slot: where everything is.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotFiles {
    pub dir: PathBuf,
    pub summa_settings: PathBuf,
    pub summa_output: PathBuf,
    pub mizu_settings: Option<PathBuf>,
    pub mizu_output: Option<PathBuf>,
    /// The slot's fileManager (`summa.exe -m <this>`).
    pub file_manager: PathBuf,
    /// The slot's control file (`mizuRoute.exe <this>`).
    pub control: Option<PathBuf>,
    /// The trialParams.nc SUMMA reads (rewritten each trial).
    pub trial_params: PathBuf,
    /// The slot's param.nml (rewritten each trial when mizuRoute parameters are searched).
    pub param_nml: Option<PathBuf>,
    /// The SUMMA output mizuRoute reads (`<input_dir>/<fname_qsim>`): what must exist
    /// after SUMMA for mizuRoute to run.
    pub mizu_input: Option<PathBuf>,
    pub prefix: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SlotError {
    #[error("cannot {action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: key `{key}` is missing; SUMMA and mizuRoute need it")]
    MissingKey { path: PathBuf, key: String },
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

impl SlotFiles {
    /// Copies and rewrites the settings for one slot (anything from an earlier
    /// preparation of the same slot is replaced).
    pub fn prepare(spec: &SlotSpec) -> Result<SlotFiles, SlotError> {
        let files = rewrite::prepare(spec)?;
        Ok(files)
    }

    /// SUMMA's per-time-step output, which mizuRoute reads and lumped domains score.
    pub fn summa_timestep(&self) -> PathBuf {
        self.summa_output
            .join(format!("{}_timestep.nc", self.prefix))
    }

    /// Removes the previous trial's NetCDF outputs (SUMMA's and mizuRoute's).
    pub fn clean_outputs(&self) -> Result<(), SlotError> {
        let dirs = std::iter::once(&self.summa_output).chain(self.mizu_output.as_ref());
        for dir in dirs {
            for path in nc_files(dir)? {
                std::fs::remove_file(&path).map_err(|source| SlotError::Io {
                    action: "remove the previous output",
                    path,
                    source,
                })?;
            }
        }
        Ok(())
    }

    /// mizuRoute's history files of this slot (`<prefix>.h.*.nc`), sorted.
    pub fn mizu_outputs(&self) -> Result<Vec<PathBuf>, SlotError> {
        let Some(dir) = &self.mizu_output else {
            return Ok(Vec::new());
        };
        let start = format!("{}.", self.prefix);
        let mut found: Vec<PathBuf> = nc_files(dir)?
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&start))
            })
            .collect();
        found.sort();
        Ok(found)
    }
}

fn nc_files(dir: &Path) -> Result<Vec<PathBuf>, SlotError> {
    let entries = std::fs::read_dir(dir).map_err(|source| SlotError::Io {
        action: "list",
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "nc"))
        .collect())
}
