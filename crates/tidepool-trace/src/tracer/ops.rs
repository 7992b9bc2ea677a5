//! What the tracer's state machine asks of stopped tasks, behind a trait so the
//! machine can be tested with a scripted fake; [`Live`] does it with ptrace and /proc.

use crate::tracee::{self, SyscallInfo};
use nix::sys::ptrace;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Operations on traced tasks (thread ids), all on tasks in a ptrace stop.
pub trait Tracee {
    /// Let a stopped task run on: to its syscall exit when `to_exit`, else freely,
    /// delivering `sig` if given.
    fn resume(&mut self, tid: i32, to_exit: bool, sig: Option<Signal>);
    /// `PTRACE_GETEVENTMSG` at an event stop (new task id, former thread id).
    fn event_msg(&mut self, tid: i32) -> Option<i64>;
    /// True for a signal-delivery stop, false for a group-stop.
    fn is_signal_delivery(&mut self, tid: i32) -> bool;
    fn syscall_info(&mut self, tid: i32) -> Option<SyscallInfo>;
    /// A NUL-terminated string from the task's memory.
    fn read_string(&mut self, tid: i32, addr: u64) -> Option<String>;
    /// Target of `/proc/TID/<entry>` (`cwd`, `exe`, `fd/N`).
    fn link(&mut self, tid: i32, entry: &str) -> Option<String>;
    fn tgid_and_ppid(&mut self, tid: i32) -> Option<(i32, i32)>;
    fn kill(&mut self, tid: i32);
}

/// The real thing.
#[derive(Debug, Default)]
pub struct Live;

impl Tracee for Live {
    fn resume(&mut self, tid: i32, to_exit: bool, sig: Option<Signal>) {
        let pid = Pid::from_raw(tid);
        let result = if to_exit {
            ptrace::syscall(pid, sig)
        } else {
            ptrace::cont(pid, sig)
        };
        if let Err(errno) = result {
            tracing::debug!(tid, %errno, "resume failed (task gone)");
        }
    }

    fn event_msg(&mut self, tid: i32) -> Option<i64> {
        ptrace::getevent(Pid::from_raw(tid)).ok()
    }

    fn is_signal_delivery(&mut self, tid: i32) -> bool {
        ptrace::getsiginfo(Pid::from_raw(tid)).is_ok()
    }

    fn syscall_info(&mut self, tid: i32) -> Option<SyscallInfo> {
        tracee::syscall_info(Pid::from_raw(tid)).ok()
    }

    fn read_string(&mut self, tid: i32, addr: u64) -> Option<String> {
        tracee::read_cstring(Pid::from_raw(tid), addr)
    }

    fn link(&mut self, tid: i32, entry: &str) -> Option<String> {
        tracee::proc_link(tid, entry)
    }

    fn tgid_and_ppid(&mut self, tid: i32) -> Option<(i32, i32)> {
        tracee::tgid_and_ppid(tid)
    }

    fn kill(&mut self, tid: i32) {
        let _ = kill(Pid::from_raw(tid), Signal::SIGKILL);
    }
}
