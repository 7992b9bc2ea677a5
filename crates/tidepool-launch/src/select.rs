//! [`launcher_for`]: the launcher for a [`LaunchMode`].

use crate::{LaunchError, LaunchMode, LaunchOptions, Launcher};

/// The launcher for `mode`. Slurm and MPI launchers check their environment here
/// (an allocation, an agent count) and say what is missing.
pub fn launcher_for(
    mode: &LaunchMode,
    opts: &LaunchOptions,
) -> Result<Box<dyn Launcher>, LaunchError> {
    Ok(match mode {
        LaunchMode::Local => Box::new(crate::local::LocalLauncher::new(opts)),
        LaunchMode::Manual => Box::new(crate::manual::ManualLauncher::new(opts)),
        LaunchMode::Slurm => Box::new(crate::slurm::SrunLauncher::new(opts)?),
        LaunchMode::Mpirun => Box::new(crate::mpirun::MpirunLauncher::new(opts)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_has_a_launcher() {
        assert!(launcher_for(&LaunchMode::Local, &LaunchOptions::default()).is_ok());
        assert!(launcher_for(&LaunchMode::Manual, &LaunchOptions::default()).is_ok());
        let mpi = LaunchOptions {
            mpirun_command: vec!["mpirun".into(), "-n".into(), "3".into()],
            ..LaunchOptions::default()
        };
        assert!(launcher_for(&LaunchMode::Mpirun, &mpi).is_ok());
    }
}
