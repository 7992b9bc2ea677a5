//! What an agent knows about its node: host name, cores, node-local scratch.

use std::path::PathBuf;

/// The host name, or `unknown-host` if the system cannot tell.
pub fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "unknown-host".to_string())
}

/// The node name an agent announces: Slurm's name for the node (`SLURMD_NODENAME`,
/// set in every job step) when it runs under Slurm, else the host name. Slurm's name is
/// what `squeue` and `sacct` show, and tells apart nodes that share a host name.
pub fn node_name(lookup: impl Fn(&str) -> Option<String>) -> String {
    lookup("SLURMD_NODENAME")
        .filter(|n| !n.is_empty())
        .unwrap_or_else(hostname)
}

/// Cores this process may use.
pub fn cores() -> u32 {
    std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1)
}

/// Node-local scratch: `SLURM_TMPDIR`, then `TMPDIR`, then `/tmp`.
pub fn default_scratch(lookup: impl Fn(&str) -> Option<String>) -> PathBuf {
    ["SLURM_TMPDIR", "TMPDIR"]
        .iter()
        .find_map(|var| lookup(var).filter(|v| !v.is_empty()))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slurm_node_name_wins_over_the_host_name() {
        let slurm = |k: &str| (k == "SLURMD_NODENAME").then(|| "tp2".to_string());
        assert_eq!(node_name(slurm), "tp2");
        let empty = |k: &str| (k == "SLURMD_NODENAME").then(String::new);
        assert_eq!(node_name(empty), hostname());
        assert_eq!(node_name(|_| None), hostname());
    }

    #[test]
    fn scratch_prefers_slurm_then_tmpdir_then_tmp() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            default_scratch(env(&[("SLURM_TMPDIR", "/s"), ("TMPDIR", "/t")])),
            PathBuf::from("/s")
        );
        assert_eq!(
            default_scratch(env(&[("TMPDIR", "/t")])),
            PathBuf::from("/t")
        );
        assert_eq!(default_scratch(env(&[])), PathBuf::from("/tmp"));
    }
}
