//! The tracer's state machine: what to do at each stop of each traced task.

use super::ops::Tracee;
use crate::event::{Event, EventSink, ProcessInfo, Termination};
use crate::paths::{normalize, resolve};
use crate::syscalls::{Kind, PathArg, Spec, Table};
use crate::tracee::SyscallInfo;
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// A traced syscall between its seccomp stop and its exit.
struct Pending {
    spec: &'static Spec,
    kind: Kind,
    path: Option<String>,
    names_base: bool,
    at: Duration,
}

/// One traced thread.
struct Task {
    tgid: i32,
    pending: Option<Pending>,
    /// Auto-attached and its first SIGSTOP not seen yet.
    fresh: bool,
}

/// What the machine knows at the end.
pub struct Finished {
    pub root_termination: Option<Termination>,
    pub processes: Vec<ProcessInfo>,
    pub unfinished: u64,
}

pub struct Machine<'a, T: Tracee> {
    ops: T,
    sink: &'a mut dyn EventSink,
    table: Table,
    root: i32,
    tasks: HashMap<i32, Task>,
    processes: BTreeMap<i32, ProcessInfo>,
    /// Working directory per process, read from /proc on first need.
    cwd: HashMap<i32, String>,
    root_termination: Option<Termination>,
    unfinished: u64,
    execs: u64,
    killing: bool,
}

impl<'a, T: Tracee> Machine<'a, T> {
    /// `root` is the traced command (stopped, options set); `parent` is our own pid.
    pub fn new(root: i32, parent: i32, ops: T, sink: &'a mut dyn EventSink) -> Self {
        let mut machine = Self {
            ops,
            sink,
            table: Table::new(),
            root,
            tasks: HashMap::new(),
            processes: BTreeMap::new(),
            cwd: HashMap::new(),
            root_termination: None,
            unfinished: 0,
            execs: 0,
            killing: false,
        };
        machine.add_task(root, root, Some(parent), false);
        machine
    }

    /// Successful execs seen so far.
    pub fn execs(&self) -> u64 {
        self.execs
    }

    pub fn finish(self) -> Finished {
        Finished {
            root_termination: self.root_termination,
            processes: self.processes.into_values().collect(),
            unfinished: self.unfinished,
        }
    }

    /// Kill every traced task (once); tasks that show up later are killed on sight.
    pub fn kill_all(&mut self) {
        if !self.killing {
            self.killing = true;
            let tids: Vec<i32> = self.tasks.keys().copied().collect();
            for tid in tids {
                self.ops.kill(tid);
            }
        }
    }

    /// React to one `waitpid` status; `now` is the time since the trace started.
    pub fn handle(&mut self, status: WaitStatus, now: Duration) {
        if let Some(tid) = status.pid().map(|p| p.as_raw()) {
            if self.killing && !self.tasks.contains_key(&tid) {
                self.ops.kill(tid);
            }
        }
        match status {
            WaitStatus::Exited(tid, code) => self.on_exit(tid.as_raw(), Termination::Exited(code)),
            WaitStatus::Signaled(tid, sig, _) => {
                self.on_exit(tid.as_raw(), Termination::Signaled(sig as i32))
            }
            WaitStatus::PtraceEvent(tid, _, event) => self.on_event(tid.as_raw(), event, now),
            WaitStatus::PtraceSyscall(tid) => self.on_syscall_exit(tid.as_raw()),
            WaitStatus::Stopped(tid, sig) => self.on_signal(tid.as_raw(), sig),
            _ => {}
        }
    }

    fn add_task(&mut self, tid: i32, tgid: i32, parent: Option<i32>, fresh: bool) {
        self.tasks.insert(
            tid,
            Task {
                tgid,
                pending: None,
                fresh,
            },
        );
        if tid == tgid && !self.processes.contains_key(&tgid) {
            let executable = parent
                .and_then(|p| self.processes.get(&p))
                .and_then(|p| p.executable.clone());
            self.processes.insert(
                tgid,
                ProcessInfo {
                    pid: tgid,
                    parent,
                    executable,
                    termination: None,
                },
            );
        }
    }

    /// Learn a task we have not seen (a new thread or process).
    fn ensure_task(&mut self, tid: i32) {
        if !self.tasks.contains_key(&tid) {
            // A task that vanished before we could read its status is taken as a
            // process of its own with an unknown parent.
            let (tgid, ppid) = self.ops.tgid_and_ppid(tid).unwrap_or((tid, 0));
            let parent = (ppid > 0).then_some(ppid);
            self.add_task(tid, tgid, parent, true);
        }
    }

    fn resume(&mut self, tid: i32, sig: Option<Signal>) {
        let to_exit = self.tasks.get(&tid).is_some_and(|t| t.pending.is_some());
        self.ops.resume(tid, to_exit, sig);
    }

    fn on_exit(&mut self, tid: i32, how: Termination) {
        if let Some(task) = self.tasks.remove(&tid) {
            self.unfinished += u64::from(task.pending.is_some());
            if task.tgid == tid {
                if let Some(p) = self.processes.get_mut(&task.tgid) {
                    p.termination = Some(how);
                }
            }
        }
        if tid == self.root {
            self.root_termination = Some(how);
        }
    }

    fn on_event(&mut self, tid: i32, event: i32, now: Duration) {
        self.ensure_task(tid);
        match event {
            libc::PTRACE_EVENT_SECCOMP => self.on_seccomp(tid, now),
            libc::PTRACE_EVENT_EXEC => self.on_exec(tid),
            libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                if let Some(new) = self.ops.event_msg(tid) {
                    self.ensure_task(new as i32);
                }
            }
            _ => {}
        }
        self.resume(tid, None);
    }

    fn on_exec(&mut self, tid: i32) {
        self.execs += 1;
        // A non-leader thread that execs takes over the leader's id.
        if let Some(former) = self.ops.event_msg(tid).map(|f| f as i32) {
            if former != tid {
                if let Some(old) = self.tasks.remove(&former) {
                    if let Some(task) = self.tasks.get_mut(&tid) {
                        task.pending = old.pending;
                    }
                }
            }
        }
        let tgid = self.tasks.get(&tid).map_or(tid, |t| t.tgid);
        let exe = self.ops.link(tid, "exe");
        if let Some(p) = self.processes.get_mut(&tgid) {
            p.executable = exe;
        }
    }

    fn on_signal(&mut self, tid: i32, sig: Signal) {
        self.ensure_task(tid);
        let task = self.tasks.get_mut(&tid).expect("task just ensured");
        if sig == Signal::SIGSTOP && task.fresh {
            task.fresh = false;
            return self.resume(tid, None);
        }
        // A group-stop (not a signal delivery) has no siginfo: just let it go on.
        let deliver = self.ops.is_signal_delivery(tid).then_some(sig);
        self.resume(tid, deliver);
    }

    fn on_seccomp(&mut self, tid: i32, now: Duration) {
        let Some(SyscallInfo::Seccomp { nr, args }) = self.ops.syscall_info(tid) else {
            return;
        };
        let Some(spec) = self.table.get(nr) else {
            return;
        };
        let (kind, path, names_base) = self.describe(tid, spec, &args);
        if let Some(task) = self.tasks.get_mut(&tid) {
            task.pending = Some(Pending {
                spec,
                kind,
                path,
                names_base,
                at: now,
            });
        }
    }

    fn on_syscall_exit(&mut self, tid: i32) {
        let info = self.ops.syscall_info(tid);
        let Some(task) = self.tasks.get_mut(&tid) else {
            return self.resume(tid, None);
        };
        let tgid = task.tgid;
        if let (Some(pending), Some(SyscallInfo::Exit { rval })) = (task.pending.take(), info) {
            if rval == 0 && matches!(pending.spec.name, "chdir" | "fchdir" | "chroot") {
                self.cwd.clear();
            }
            if pending.kind != Kind::CwdChange {
                self.sink.event(Event {
                    pid: tgid,
                    syscall: pending.spec.name,
                    kind: pending.kind,
                    path: pending.path,
                    result: rval,
                    at: pending.at,
                    names_base: pending.names_base,
                });
            }
        }
        self.resume(tid, None);
    }

    /// The class and the resolved path of a call, read at its seccomp stop, and whether
    /// the path as written named its base directory itself.
    fn describe(&mut self, tid: i32, spec: &Spec, args: &[u64; 6]) -> (Kind, Option<String>, bool) {
        match spec.path {
            PathArg::Path(i) => {
                let Some(path) = self.ops.read_string(tid, args[i]) else {
                    return (spec.kind, None, false);
                };
                let resolved = self.relative_to(tid, None, &path);
                (spec.kind, resolved, names_base(&path))
            }
            PathArg::At { dirfd, path } => {
                let Some(path) = self.ops.read_string(tid, args[path]) else {
                    return (spec.kind, None, false);
                };
                let empty_fd = spec
                    .empty_path_flags
                    .is_some_and(|f| path.is_empty() && args[f] as i32 & libc::AT_EMPTY_PATH != 0);
                if empty_fd {
                    return (Kind::FdStat, None, false);
                }
                let dirfd = Some(args[dirfd] as i32).filter(|fd| *fd != libc::AT_FDCWD);
                let resolved = self.relative_to(tid, dirfd, &path);
                (spec.kind, resolved, names_base(&path))
            }
            PathArg::Fd(i) if spec.kind == Kind::DirList => (
                spec.kind,
                self.ops.link(tid, &format!("fd/{}", args[i] as i32)),
                true,
            ),
            PathArg::Fd(_) => (spec.kind, None, false),
            PathArg::Cwd => (spec.kind, self.cwd_of(tid), true),
        }
    }

    /// `path` resolved against the directory `dirfd` refers to, or the cwd.
    fn relative_to(&mut self, tid: i32, dirfd: Option<i32>, path: &str) -> Option<String> {
        if path.starts_with('/') {
            return Some(normalize(path));
        }
        let base = match dirfd {
            None => self.cwd_of(tid),
            Some(fd) => self.ops.link(tid, &format!("fd/{fd}")),
        };
        base.map(|b| resolve(&b, path))
    }

    fn cwd_of(&mut self, tid: i32) -> Option<String> {
        let tgid = self.tasks.get(&tid).map_or(tid, |t| t.tgid);
        if let Some(cwd) = self.cwd.get(&tgid) {
            return Some(cwd.clone());
        }
        let cwd = self.ops.link(tid, "cwd")?;
        self.cwd.insert(tgid, cwd.clone());
        Some(cwd)
    }
}

/// A relative path made only of `.` components (or empty) names its base directory.
fn names_base(path: &str) -> bool {
    !path.starts_with('/') && path.split('/').all(|c| c.is_empty() || c == ".")
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod names_base_tests {
    #[test]
    fn dot_paths_name_their_base() {
        for p in ["", ".", "./", "./.", ".//."] {
            assert!(super::names_base(p), "{p:?}");
        }
        for p in ["a", "./a", "..", "/", "/tmp/."] {
            assert!(!super::names_base(p), "{p:?}");
        }
    }
}
