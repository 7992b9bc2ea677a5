//! The ptrace loop: start the command under a seccomp filter, follow every descendant,
//! and turn each traced syscall into an [`Event`](crate::Event) at its exit.
//!
//! Per traced syscall the tracee stops twice: at the seccomp stop (the path is read
//! and resolved there, before the call can change anything) and, after
//! `PTRACE_SYSCALL`, at its exit (the result is read there). Every other syscall runs
//! without stopping. The reaction to each stop is a state machine ([`machine`]) that
//! talks to the tracees through the [`ops::Tracee`] trait.

mod machine;
mod ops;

use crate::error::{ptrace_denied_hint, TraceError};
use crate::event::{EventSink, ProcessInfo, Termination};
use crate::mounts::MountTable;
use crate::{filter, interrupt, spawn};
use machine::Machine;
use nix::errno::Errno;
use nix::sys::ptrace::{self, Options};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
pub use spawn::SpawnOptions;
use std::ffi::OsString;
use std::time::{Duration, Instant};

/// What a finished trace hands to the aggregation, besides the events.
#[derive(Debug, Clone)]
pub struct TraceOutcome {
    pub root_pid: i32,
    /// How the traced command itself ended.
    pub termination: Option<Termination>,
    /// The signal (SIGINT, SIGTERM, SIGHUP) that made the tracer kill the tree.
    pub interrupted_by: Option<i32>,
    pub duration: Duration,
    pub processes: Vec<ProcessInfo>,
    /// The traced command's mounts, read before it started.
    pub mounts: MountTable,
    /// Traced syscalls that never returned (their process was killed inside them).
    pub unfinished: u64,
}

impl TraceOutcome {
    /// The exit code tidepool should end with: the command's, or 128 + the signal
    /// that interrupted the trace.
    pub fn exit_code(&self) -> i32 {
        match (self.interrupted_by, self.termination) {
            (Some(sig), _) => 128 + sig,
            (None, Some(t)) => t.exit_code(),
            (None, None) => 1,
        }
    }
}

/// Trace `argv` and its descendants until all of them have exited.
pub fn trace(argv: &[OsString], sink: &mut dyn EventSink) -> Result<TraceOutcome, TraceError> {
    trace_with(argv, SpawnOptions::default(), sink)
}

/// [`trace`] with variables added to the command's environment and, optionally, its
/// standard error sent elsewhere.
pub fn trace_with(
    argv: &[OsString],
    spawn_options: SpawnOptions,
    sink: &mut dyn EventSink,
) -> Result<TraceOutcome, TraceError> {
    let program = filter::build()?;
    let child = spawn::spawn(argv, &program, &spawn_options)?;
    drop(spawn_options);
    let pid = child.pid;
    match waitpid(pid, Some(WaitPidFlag::__WALL)).map_err(TraceError::Wait)? {
        WaitStatus::Stopped(_, Signal::SIGSTOP) => {}
        other => {
            let _ = waitpid(pid, Some(WaitPidFlag::__WALL));
            return Err(child.take_error().unwrap_or(TraceError::UnexpectedStart {
                status: format!("{other:?}"),
            }));
        }
    }
    if let Err(errno) = ptrace::setoptions(pid, options()) {
        let _ = kill(pid, Signal::SIGKILL);
        let _ = waitpid(pid, Some(WaitPidFlag::__WALL));
        return Err(match errno {
            Errno::EPERM => TraceError::PtraceDenied {
                errno,
                hint: ptrace_denied_hint(),
            },
            _ => TraceError::Ptrace {
                request: "PTRACE_SETOPTIONS",
                pid: pid.as_raw(),
                errno,
            },
        });
    }
    let mounts = match read_mounts(pid.as_raw()) {
        Ok(mounts) => mounts,
        Err(err) => {
            let _ = kill(pid, Signal::SIGKILL);
            let _ = waitpid(pid, Some(WaitPidFlag::__WALL));
            return Err(err);
        }
    };
    // Orphaned descendants are re-parented to us, so we reap them too.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let guard = interrupt::install(pid.as_raw());
    let start = Instant::now();
    let parent = nix::unistd::getpid().as_raw();
    let mut machine = Machine::new(pid.as_raw(), parent, ops::Live, sink);
    ptrace::cont(pid, None).map_err(|errno| TraceError::Ptrace {
        request: "PTRACE_CONT",
        pid: pid.as_raw(),
        errno,
    })?;
    let result = run(&mut machine, start);
    drop(guard);
    // SAFETY: as above.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) };
    result?;
    if machine.execs() == 0 {
        if let Some(err) = child.take_error() {
            return Err(err);
        }
    }
    let state = machine.finish();
    Ok(TraceOutcome {
        root_pid: pid.as_raw(),
        termination: state.root_termination,
        interrupted_by: interrupt::received(),
        duration: start.elapsed(),
        processes: state.processes,
        mounts,
        unfinished: state.unfinished,
    })
}

fn read_mounts(pid: i32) -> Result<MountTable, TraceError> {
    let path = std::path::PathBuf::from(format!("/proc/{pid}/mountinfo"));
    std::fs::read_to_string(&path)
        .map(|text| MountTable::parse(&text))
        .map_err(|source| TraceError::Proc { path, source })
}

fn options() -> Options {
    Options::PTRACE_O_TRACESECCOMP
        | Options::PTRACE_O_TRACESYSGOOD
        | Options::PTRACE_O_TRACEFORK
        | Options::PTRACE_O_TRACEVFORK
        | Options::PTRACE_O_TRACECLONE
        | Options::PTRACE_O_TRACEEXEC
        | Options::PTRACE_O_EXITKILL
}

/// Wait for stops until no traced process is left; on SIGINT/SIGTERM/SIGHUP kill them.
fn run<T: ops::Tracee>(machine: &mut Machine<'_, T>, start: Instant) -> Result<(), TraceError> {
    loop {
        if interrupt::received().is_some() {
            machine.kill_all();
        }
        match waitpid(None, Some(WaitPidFlag::__WALL)) {
            Ok(status) => machine.handle(status, start.elapsed()),
            Err(Errno::EINTR) => continue,
            Err(Errno::ECHILD) => return Ok(()),
            Err(errno) => return Err(TraceError::Wait(errno)),
        }
    }
}
