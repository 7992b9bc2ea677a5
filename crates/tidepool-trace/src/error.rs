//! Errors of the tracer, each saying what failed and what to do about it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error(
        "no command given to trace: put it after `--`, e.g. `tidepool profile -- python3 -c pass`"
    )]
    EmptyCommand,

    #[error("command not found: `{name}` is not an executable file{}", searched_note(.searched))]
    CommandNotFound {
        name: String,
        searched: Vec<PathBuf>,
    },

    #[error("cannot execute `{path}`; is it a program for this machine, or a script without a `#!` line?")]
    Exec {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("ptrace is not permitted here ({errno}). {hint}")]
    PtraceDenied {
        errno: nix::errno::Errno,
        hint: String,
    },

    #[error("ptrace request {request} on process {pid} failed: {errno}")]
    Ptrace {
        request: &'static str,
        pid: i32,
        errno: nix::errno::Errno,
    },

    #[error("cannot install the seccomp filter in the traced command ({errno}); the kernel needs CONFIG_SECCOMP_FILTER, and a container may forbid seccomp(2)")]
    SeccompInstall { errno: nix::errno::Errno },

    #[error("cannot build the seccomp filter for the traced syscalls")]
    SeccompBuild(#[source] seccompiler::BackendError),

    #[error("cannot start the traced command: {what} failed: {errno}")]
    Spawn {
        what: &'static str,
        errno: nix::errno::Errno,
    },

    #[error("argument {index} of the command contains a NUL byte, which no program can receive")]
    NulInArgument { index: usize },

    #[error("cannot read {path}: the tracer needs /proc mounted to resolve paths and filesystems")]
    Proc {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("waiting for the traced processes failed")]
    Wait(#[source] nix::errno::Errno),

    #[error("the traced command stopped unexpectedly before exec ({status})")]
    UnexpectedStart { status: String },
}

fn searched_note(searched: &[PathBuf]) -> String {
    if searched.is_empty() {
        String::new()
    } else {
        let dirs: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
        format!(
            " in PATH ({}); check the spelling or give its full path",
            dirs.join(":")
        )
    }
}

/// What to tell the user when ptrace is refused, from what this machine says.
pub fn ptrace_denied_hint() -> String {
    let yama = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .map(|s| s.trim().to_string())
        .ok();
    let mut hint = String::new();
    if let Some(tracer) = own_tracer() {
        hint.push_str(&format!(
            "tidepool is itself being traced (by pid {tracer}) and a process has only one tracer: run tidepool outside strace or gdb. "
        ));
    }
    match yama.as_deref() {
        Some("3") => hint.push_str(
            "Yama ptrace_scope is 3: ptrace is disabled until reboot on this machine. ",
        ),
        Some(scope @ ("1" | "2")) => hint.push_str(&format!(
            "Yama ptrace_scope is {scope}: run as root or with CAP_SYS_PTRACE, or ask the admin to set kernel.yama.ptrace_scope=0. "
        )),
        _ => {}
    }
    hint.push_str(
        "In a container, the default seccomp profile blocks ptrace: run it with \
         `--cap-add SYS_PTRACE` (Docker/Podman) or `--security-opt seccomp=unconfined`; \
         Apptainer/Singularity allow ptrace by default. Check that strace works here too.",
    );
    hint
}

/// The pid tracing this process, if any (`TracerPid` in /proc/self/status).
fn own_tracer() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("TracerPid:"))
        .and_then(|v| v.trim().parse().ok())
        .filter(|pid| *pid != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_the_command_and_path() {
        let err = TraceError::CommandNotFound {
            name: "pyhton3".into(),
            searched: vec!["/usr/bin".into(), "/bin".into()],
        };
        let text = err.to_string();
        assert!(text.contains("`pyhton3`"), "{text}");
        assert!(text.contains("/usr/bin:/bin"), "{text}");
    }

    #[test]
    fn denied_hint_says_what_to_do() {
        let hint = ptrace_denied_hint();
        assert!(hint.contains("SYS_PTRACE"));
    }
}
