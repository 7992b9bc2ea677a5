//! [`launcher_for`]: the launcher for a [`LaunchMode`].

use crate::{LaunchError, LaunchMode, LaunchOptions, Launcher};

/// The launcher for `mode`. Slurm and MPI launchers are not part of this build yet;
/// asking for them is an error that says so.
pub fn launcher_for(
    mode: &LaunchMode,
    opts: &LaunchOptions,
) -> Result<Box<dyn Launcher>, LaunchError> {
    match mode {
        LaunchMode::Local => Ok(Box::new(crate::local::LocalLauncher::new(opts))),
        LaunchMode::Manual => Ok(Box::new(crate::manual::ManualLauncher::new(opts))),
        LaunchMode::Slurm => Err(LaunchError::Missing {
            mode: mode.clone(),
            what: "the srun launcher, which this build does not include; use mode = \"manual\" and start agents with srun yourself".into(),
        }),
        LaunchMode::Mpirun => Err(LaunchError::Missing {
            mode: mode.clone(),
            what: "the MPI launcher, which this build does not include; use mode = \"manual\" and start agents with your MPI launcher yourself".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_manual_are_available() {
        assert!(launcher_for(&LaunchMode::Local, &LaunchOptions::default()).is_ok());
        assert!(launcher_for(&LaunchMode::Manual, &LaunchOptions::default()).is_ok());
        let err = launcher_for(&LaunchMode::Slurm, &LaunchOptions::default())
            .err()
            .unwrap();
        assert!(err.to_string().contains("srun"));
    }
}
