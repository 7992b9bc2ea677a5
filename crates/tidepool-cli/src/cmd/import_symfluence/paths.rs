//! Where a SYMFLUENCE project keeps its files, resolved the way SYMFLUENCE 0.9.2 does.
//!
//! - `SYMFLUENCE_DATA_DIR: default` is the `SYMFLUENCE_DATA_DIR` environment variable,
//!   else `SYMFLUENCE_DATA` (SYMFLUENCE's order; its last fallbacks, a sibling of the
//!   code directory or `./data`, guess and are refused here instead).
//! - The project directory is `DATA_DIR/domain_<DOMAIN_NAME>`.
//! - A path key set to `default` (or left out) is its default under the project
//!   directory: `settings/SUMMA`, `settings/mizuRoute`; forcing and observations live
//!   in `data/forcing` and `data/observations`, or in the older `forcing` and
//!   `observations` when only those exist (SYMFLUENCE's `resolve_data_subdir`):
//!   `.../forcing/SUMMA_input`, `.../observations/streamflow/preprocessed`.
//! - `SUMMA_INSTALL_PATH: default` is `DATA_DIR/installs/summa/bin`, and the executable
//!   `SUMMA_EXE` in it; `MIZUROUTE_INSTALL_PATH: default` is
//!   `DATA_DIR/installs/mizuRoute/route/bin` with `MIZUROUTE_EXE` (the calibration
//!   workers' rule: an install path is a directory).

use super::error::ImportError;
use super::source::Source;
use std::path::{Path, PathBuf};

/// The project's resolved locations.
#[derive(Debug, Clone)]
pub struct ProjectPaths {
    pub data_dir: PathBuf,
    pub domain: String,
    pub project_dir: PathBuf,
    pub summa_settings: PathBuf,
    pub file_manager: PathBuf,
    pub mizu_settings: PathBuf,
    pub mizu_control: PathBuf,
    pub summa_exe: PathBuf,
    pub mizu_exe: PathBuf,
    pub forcing: PathBuf,
    pub observations: PathBuf,
}

/// The environment variables path resolution reads (a parameter, so tests set them).
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub data_dir: Option<String>,
}

impl Env {
    pub fn from_process() -> Env {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Env {
            data_dir: var("SYMFLUENCE_DATA_DIR").or_else(|| var("SYMFLUENCE_DATA")),
        }
    }
}

pub fn resolve(src: &Source, env: &Env) -> Result<ProjectPaths, ImportError> {
    let data_dir = data_dir(src, env)?;
    let domain = src.str("DOMAIN_NAME").ok_or_else(|| ImportError::Missing {
        path: src.path.clone(),
        key: src.shown("DOMAIN_NAME"),
        hint: "set DOMAIN_NAME: the project is DATA_DIR/domain_<DOMAIN_NAME>".into(),
    })?;
    let project_dir = data_dir.join(format!("domain_{domain}"));
    let under = |key: &str, default: &str| match src.path_setting(key) {
        Some(p) => PathBuf::from(p),
        None => project_dir.join(default),
    };
    let summa_settings = under("SETTINGS_SUMMA_PATH", "settings/SUMMA");
    let mizu_settings = under("SETTINGS_MIZU_PATH", "settings/mizuRoute");
    let forcing = src.path_setting("FORCING_SUMMA_PATH").map_or_else(
        || data_subdir(&project_dir, "forcing").join("SUMMA_input"),
        PathBuf::from,
    );
    let file = |key: &str, default: &str| src.path_setting(key).unwrap_or(default.into());
    let file_manager = summa_settings.join(file("SETTINGS_SUMMA_FILEMANAGER", "fileManager.txt"));
    let mizu_control = mizu_settings.join(file("SETTINGS_MIZU_CONTROL_FILE", "mizuroute.control"));
    let summa_exe = install(
        src,
        "SUMMA_INSTALL_PATH",
        &data_dir.join("installs/summa/bin"),
    )
    .join(file("SUMMA_EXE", "summa_sundials.exe"));
    let mizu_bin = data_dir.join("installs/mizuRoute/route/bin");
    let mizu_exe = install(src, "MIZUROUTE_INSTALL_PATH", &mizu_bin)
        .join(file("MIZUROUTE_EXE", "mizuRoute.exe"));
    let observations = observations(src, &project_dir, &domain);
    Ok(ProjectPaths {
        data_dir,
        domain,
        project_dir,
        summa_settings,
        file_manager,
        mizu_settings,
        mizu_control,
        summa_exe,
        mizu_exe,
        forcing,
        observations,
    })
}

fn data_dir(src: &Source, env: &Env) -> Result<PathBuf, ImportError> {
    if let Some(dir) = src.path_setting("SYMFLUENCE_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    env.data_dir
        .as_ref()
        .map(PathBuf::from)
        .ok_or_else(|| ImportError::NoDataDir {
            path: src.path.clone(),
            key: src.shown("SYMFLUENCE_DATA_DIR"),
        })
}

fn install(src: &Source, key: &str, default: &Path) -> PathBuf {
    src.path_setting(key)
        .map_or_else(|| default.to_owned(), PathBuf::from)
}

fn observations(src: &Source, project_dir: &Path, domain: &str) -> PathBuf {
    let name = format!("{domain}_streamflow_processed.csv");
    if let Some(dir) = src.path_setting("STREAMFLOW_PROCESSED_PATH") {
        return PathBuf::from(dir).join(name);
    }
    data_subdir(project_dir, "observations")
        .join("streamflow/preprocessed")
        .join(name)
}

/// `PROJECT/data/SUB`, or the older `PROJECT/SUB` when only that exists.
fn data_subdir(project_dir: &Path, sub: &str) -> PathBuf {
    let new = project_dir.join("data").join(sub);
    let old = project_dir.join(sub);
    if !new.exists() && old.exists() {
        old
    } else {
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(yaml: &str, env: &Env) -> Result<ProjectPaths, ImportError> {
        resolve(&Source::parse(Path::new("c.yaml"), yaml).unwrap(), env)
    }

    #[test]
    fn defaults_follow_symfluence() {
        let env = Env {
            data_dir: Some("/data/SF".into()),
        };
        let p = resolved("SYMFLUENCE_DATA_DIR: default\nDOMAIN_NAME: Bow\n", &env).unwrap();
        assert_eq!(p.project_dir, Path::new("/data/SF/domain_Bow"));
        assert_eq!(
            p.file_manager,
            Path::new("/data/SF/domain_Bow/settings/SUMMA/fileManager.txt")
        );
        assert_eq!(
            p.mizu_control,
            Path::new("/data/SF/domain_Bow/settings/mizuRoute/mizuroute.control")
        );
        assert_eq!(
            p.summa_exe,
            Path::new("/data/SF/installs/summa/bin/summa_sundials.exe")
        );
        assert_eq!(
            p.mizu_exe,
            Path::new("/data/SF/installs/mizuRoute/route/bin/mizuRoute.exe")
        );
        assert_eq!(
            p.observations,
            Path::new(
                "/data/SF/domain_Bow/data/observations/streamflow/preprocessed/Bow_streamflow_processed.csv"
            )
        );
    }

    #[test]
    fn set_paths_win_over_defaults() {
        let p = resolved(
            "SYMFLUENCE_DATA_DIR: /d\nDOMAIN_NAME: X\nSUMMA_INSTALL_PATH: /opt/summa/bin\nSUMMA_EXE: summa.exe\nSETTINGS_SUMMA_PATH: /s\nSETTINGS_SUMMA_FILEMANAGER: fm.txt\n",
            &Env::default(),
        )
        .unwrap();
        assert_eq!(p.summa_exe, Path::new("/opt/summa/bin/summa.exe"));
        assert_eq!(p.file_manager, Path::new("/s/fm.txt"));
    }

    #[test]
    fn forcing_and_observations_prefer_data_then_the_older_layout() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("domain_X");
        std::fs::create_dir_all(project.join("forcing")).unwrap();
        std::fs::create_dir_all(project.join("observations")).unwrap();
        let yaml = format!(
            "SYMFLUENCE_DATA_DIR: {}\nDOMAIN_NAME: X\n",
            dir.path().display()
        );
        let p = resolved(&yaml, &Env::default()).unwrap();
        assert_eq!(p.forcing, project.join("forcing/SUMMA_input"));
        assert!(p.observations.starts_with(project.join("observations")));
        std::fs::create_dir_all(project.join("data/forcing")).unwrap();
        let p = resolved(&yaml, &Env::default()).unwrap();
        assert_eq!(p.forcing, project.join("data/forcing/SUMMA_input"));
    }

    #[test]
    fn default_data_dir_needs_the_environment() {
        let err = resolved(
            "SYMFLUENCE_DATA_DIR: default\nDOMAIN_NAME: X\n",
            &Env::default(),
        )
        .unwrap_err();
        assert!(matches!(err, ImportError::NoDataDir { .. }), "{err}");
    }
}
