//! The seccomp filter installed in the traced command: `SECCOMP_RET_TRACE` for the
//! traced syscalls, `SECCOMP_RET_ALLOW` for everything else (which then runs at full
//! speed, without stopping the tracee).

use crate::error::TraceError;
use crate::syscalls;
use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};
use std::collections::BTreeMap;

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;

/// Compile the filter for this architecture.
pub fn build() -> Result<BpfProgram, TraceError> {
    let rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> =
        syscalls::all().map(|s| (s.nr, Vec::new())).collect();
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Trace(0), ARCH)
        .map_err(TraceError::SeccompBuild)?;
    let mut program: BpfProgram = filter.try_into().map_err(TraceError::SeccompBuild)?;
    allow_foreign_arch(&mut program);
    Ok(program)
}

/// seccompiler kills a process whose syscall comes from another ABI (e.g. a 32-bit
/// program on x86_64). A profiler must not change what the command does, so such
/// syscalls are allowed (and not traced) instead.
fn allow_foreign_arch(program: &mut BpfProgram) {
    const RET_K: u16 = 0x06;
    if let Some(insn) = program
        .iter_mut()
        .take(3)
        .find(|i| i.code == RET_K && i.k == libc::SECCOMP_RET_KILL_PROCESS)
    {
        insn.k = libc::SECCOMP_RET_ALLOW;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_compiles_and_never_kills() {
        let program = build().unwrap();
        assert!(program.len() > syscalls::all().count());
        let kills = program
            .iter()
            .filter(|i| i.code == 0x06 && i.k == libc::SECCOMP_RET_KILL_PROCESS)
            .count();
        assert_eq!(kills, 0);
        let traces = program
            .iter()
            .filter(|i| {
                i.code == 0x06 && i.k & libc::SECCOMP_RET_ACTION_FULL == libc::SECCOMP_RET_TRACE
            })
            .count();
        assert!(traces >= 1);
    }
}
