//! A private two-node Slurm cluster for tests: `scripts/slurm-up DIR` brings up munged,
//! slurmctld and two slurmd (nodes `tp1`, `tp2` on this host) under a temporary
//! directory, and `scripts/slurm-down DIR` stops them when the [`SlurmCluster`] is
//! dropped. Commands made with [`SlurmCluster::command`] talk to it through
//! `SLURM_CONF`. The same scripts serve by hand (see docs/slurm.md).

use crate::{require, which};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running private cluster; stopped on drop.
pub struct SlurmCluster {
    tmp: tempfile::TempDir,
    conf: PathBuf,
}

/// The repository's `scripts/` directory.
pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts")
}

impl SlurmCluster {
    /// Brings the cluster up, or reports Slurm missing (see [`require`]) and returns
    /// `None`. Panics with the script's output when it fails to come up.
    pub fn start() -> Option<SlurmCluster> {
        let missing: Vec<&str> = ["munged", "slurmctld", "slurmd", "sbatch", "setpriv"]
            .into_iter()
            .filter(|p| find(p).is_none())
            .collect();
        let what = format!(
            "{} for the real Slurm tests (apt-get install slurm-wlm munge)",
            missing.join(", ")
        );
        if !require(missing.is_empty(), &what) {
            return None;
        }
        let tmp = tempfile::Builder::new()
            .prefix("tp-slurm")
            .tempdir()
            .unwrap();
        let out = Command::new(scripts_dir().join("slurm-up"))
            .arg(tmp.path())
            .output()
            .expect("run scripts/slurm-up");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "scripts/slurm-up failed:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let conf = stdout
            .lines()
            .find_map(|l| l.strip_prefix("export SLURM_CONF="))
            .unwrap_or_else(|| panic!("slurm-up printed no SLURM_CONF:\n{stdout}"))
            .into();
        Some(SlurmCluster { tmp, conf })
    }

    /// The cluster's directory (config, logs, state).
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// Its `slurm.conf`, to put in `SLURM_CONF`.
    pub fn conf(&self) -> &Path {
        &self.conf
    }

    /// A Slurm command (`sbatch`, `squeue`, ...) aimed at this cluster.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(find(program).unwrap_or_else(|| PathBuf::from(program)));
        cmd.env("SLURM_CONF", &self.conf);
        cmd
    }
}

impl Drop for SlurmCluster {
    fn drop(&mut self) {
        let _ = Command::new(scripts_dir().join("slurm-down"))
            .arg(self.tmp.path())
            .status();
    }
}

/// On PATH, or in the sbin directories where Debian puts the daemons.
fn find(program: &str) -> Option<PathBuf> {
    which(program).or_else(|| {
        ["/usr/sbin", "/sbin"]
            .iter()
            .map(|d| Path::new(d).join(program))
            .find(|p| p.is_file())
    })
}
