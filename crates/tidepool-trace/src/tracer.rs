//! The ptrace loop: start the command under a seccomp filter, follow every descendant,
//! and turn each traced syscall into an [`Event`] at its exit.
//!
//! Per traced syscall the tracee stops twice: at the seccomp stop (the path is read
//! and resolved there, before the call can change anything) and, after
//! `PTRACE_SYSCALL`, at its exit (the result is read there). Every other syscall runs
//! without stopping.

use crate::error::{ptrace_denied_hint, TraceError};
use crate::event::{Event, EventSink, ProcessInfo, Termination};
use crate::mounts::MountTable;
use crate::paths::{normalize, resolve};
use crate::syscalls::{Kind, PathArg, Spec, Table};
use crate::tracee::{proc_link, read_cstring, syscall_info, tgid_and_ppid, SyscallInfo};
use crate::{filter, interrupt, spawn};
use nix::errno::Errno;
use nix::sys::ptrace::{self, Options};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::collections::{BTreeMap, HashMap};
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
    let program = filter::build()?;
    let child = spawn::spawn(argv, &program)?;
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
    let mounts = std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))
        .map(|t| MountTable::parse(&t))
        .unwrap_or_default();
    // Orphaned descendants are re-parented to us, so we reap them too.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let guard = interrupt::install(pid.as_raw());
    let mut tracer = Tracer::new(pid, sink);
    ptrace::cont(pid, None).map_err(|errno| TraceError::Ptrace {
        request: "PTRACE_CONT",
        pid: pid.as_raw(),
        errno,
    })?;
    let result = tracer.run();
    drop(guard);
    // SAFETY: as above.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) };
    result?;
    if tracer.execs == 0 {
        if let Some(err) = child.take_error() {
            return Err(err);
        }
    }
    Ok(tracer.outcome(mounts))
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

/// A traced syscall between its seccomp stop and its exit.
struct Pending {
    spec: &'static Spec,
    kind: Kind,
    path: Option<String>,
    at: Duration,
}

/// One traced thread.
struct Task {
    tgid: i32,
    pending: Option<Pending>,
    /// Auto-attached and its first SIGSTOP not seen yet.
    fresh: bool,
}

struct Tracer<'a> {
    sink: &'a mut dyn EventSink,
    table: Table,
    root: Pid,
    start: Instant,
    tasks: HashMap<i32, Task>,
    processes: BTreeMap<i32, ProcessInfo>,
    cwd: HashMap<i32, String>,
    root_termination: Option<Termination>,
    unfinished: u64,
    execs: u64,
    killed_all: bool,
}

impl<'a> Tracer<'a> {
    fn new(root: Pid, sink: &'a mut dyn EventSink) -> Self {
        let mut tracer = Self {
            sink,
            table: Table::new(),
            root,
            start: Instant::now(),
            tasks: HashMap::new(),
            processes: BTreeMap::new(),
            cwd: HashMap::new(),
            root_termination: None,
            unfinished: 0,
            execs: 0,
            killed_all: false,
        };
        let parent = nix::unistd::getpid().as_raw();
        tracer.add_task(root.as_raw(), root.as_raw(), Some(parent), false);
        tracer
    }

    fn outcome(self, mounts: MountTable) -> TraceOutcome {
        TraceOutcome {
            root_pid: self.root.as_raw(),
            termination: self.root_termination,
            interrupted_by: interrupt::received(),
            duration: self.start.elapsed(),
            processes: self.processes.into_values().collect(),
            mounts,
            unfinished: self.unfinished,
        }
    }

    fn run(&mut self) -> Result<(), TraceError> {
        loop {
            if interrupt::received().is_some() && !self.killed_all {
                self.kill_all();
            }
            match waitpid(None, Some(WaitPidFlag::__WALL)) {
                Ok(status) => self.handle(status),
                Err(Errno::EINTR) => continue,
                Err(Errno::ECHILD) => return Ok(()),
                Err(errno) => return Err(TraceError::Wait(errno)),
            }
        }
    }

    fn kill_all(&mut self) {
        self.killed_all = true;
        for tid in self.tasks.keys() {
            let _ = kill(Pid::from_raw(*tid), Signal::SIGKILL);
        }
    }

    fn handle(&mut self, status: WaitStatus) {
        if let Some(tid) = status.pid() {
            if self.killed_all && !self.tasks.contains_key(&tid.as_raw()) {
                let _ = kill(tid, Signal::SIGKILL);
            }
        }
        match status {
            WaitStatus::Exited(tid, code) => self.on_exit(tid, Termination::Exited(code)),
            WaitStatus::Signaled(tid, sig, _) => {
                self.on_exit(tid, Termination::Signaled(sig as i32))
            }
            WaitStatus::PtraceEvent(tid, _, event) => self.on_event(tid, event),
            WaitStatus::PtraceSyscall(tid) => self.on_syscall_exit(tid),
            WaitStatus::Stopped(tid, sig) => self.on_signal(tid, sig),
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
            let (tgid, ppid) = tgid_and_ppid(tid).unwrap_or((tid, 0));
            let parent = (ppid > 0).then_some(ppid);
            self.add_task(tid, tgid, parent, true);
        }
    }

    fn resume(&mut self, tid: Pid, sig: Option<Signal>) {
        let pending = self
            .tasks
            .get(&tid.as_raw())
            .is_some_and(|t| t.pending.is_some());
        let result = if pending {
            ptrace::syscall(tid, sig)
        } else {
            ptrace::cont(tid, sig)
        };
        if let Err(errno) = result {
            tracing::debug!(tid = tid.as_raw(), %errno, "resume failed (task gone)");
        }
    }

    fn on_exit(&mut self, tid: Pid, how: Termination) {
        if let Some(task) = self.tasks.remove(&tid.as_raw()) {
            self.unfinished += u64::from(task.pending.is_some());
            if task.tgid == tid.as_raw() {
                if let Some(p) = self.processes.get_mut(&task.tgid) {
                    p.termination = Some(how);
                }
            }
        }
        if tid == self.root {
            self.root_termination = Some(how);
        }
    }

    fn on_event(&mut self, tid: Pid, event: i32) {
        self.ensure_task(tid.as_raw());
        match event {
            libc::PTRACE_EVENT_SECCOMP => return self.on_seccomp(tid),
            libc::PTRACE_EVENT_EXEC => self.on_exec(tid),
            libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                if let Ok(new) = ptrace::getevent(tid) {
                    self.ensure_task(new as i32);
                }
            }
            _ => {}
        }
        self.resume(tid, None);
    }

    fn on_exec(&mut self, tid: Pid) {
        self.execs += 1;
        let tid = tid.as_raw();
        // A non-leader thread that execs takes over the leader's id.
        if let Ok(former) = ptrace::getevent(Pid::from_raw(tid)) {
            let former = former as i32;
            if former != tid {
                if let Some(old) = self.tasks.remove(&former) {
                    if let Some(task) = self.tasks.get_mut(&tid) {
                        task.pending = old.pending;
                    }
                }
            }
        }
        let tgid = self.tasks.get(&tid).map_or(tid, |t| t.tgid);
        let exe = proc_link(tid, "exe");
        if let Some(p) = self.processes.get_mut(&tgid) {
            p.executable = exe;
        }
    }

    fn on_signal(&mut self, tid: Pid, sig: Signal) {
        self.ensure_task(tid.as_raw());
        let task = self
            .tasks
            .get_mut(&tid.as_raw())
            .expect("task just ensured");
        if sig == Signal::SIGSTOP && task.fresh {
            task.fresh = false;
            return self.resume(tid, None);
        }
        // A group-stop (not a signal delivery) has no siginfo: just let it go on.
        let deliver = ptrace::getsiginfo(tid).is_ok().then_some(sig);
        self.resume(tid, deliver);
    }

    fn on_seccomp(&mut self, tid: Pid) {
        if let Ok(SyscallInfo::Seccomp { nr, args }) = syscall_info(tid) {
            if let Some(spec) = self.table.get(nr) {
                let at = self.start.elapsed();
                let (kind, path) = self.describe(tid.as_raw(), spec, &args);
                if let Some(task) = self.tasks.get_mut(&tid.as_raw()) {
                    task.pending = Some(Pending {
                        spec,
                        kind,
                        path,
                        at,
                    });
                }
            }
        }
        self.resume(tid, None);
    }

    fn on_syscall_exit(&mut self, tid: Pid) {
        let Some(task) = self.tasks.get_mut(&tid.as_raw()) else {
            return self.resume(tid, None);
        };
        let tgid = task.tgid;
        if let (Some(pending), Ok(SyscallInfo::Exit { rval })) =
            (task.pending.take(), syscall_info(tid))
        {
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
                });
            }
        }
        self.resume(tid, None);
    }

    /// The class and the resolved path of a call, read at its seccomp stop.
    fn describe(&mut self, tid: i32, spec: &Spec, args: &[u64; 6]) -> (Kind, Option<String>) {
        match spec.path {
            PathArg::Path(i) => {
                let path = read_cstring(Pid::from_raw(tid), args[i]);
                (spec.kind, path.and_then(|p| self.relative_to_cwd(tid, &p)))
            }
            PathArg::At { dirfd, path } => {
                let Some(path) = read_cstring(Pid::from_raw(tid), args[path]) else {
                    return (spec.kind, None);
                };
                let empty_fd = spec
                    .empty_path_flags
                    .is_some_and(|f| path.is_empty() && args[f] as i32 & libc::AT_EMPTY_PATH != 0);
                if empty_fd {
                    return (Kind::FdStat, None);
                }
                (
                    spec.kind,
                    self.relative_to_dirfd(tid, args[dirfd] as i32, &path),
                )
            }
            PathArg::Fd(i) if spec.kind == Kind::DirList => {
                (spec.kind, proc_link(tid, &format!("fd/{}", args[i] as i32)))
            }
            PathArg::Fd(_) => (spec.kind, None),
            PathArg::Cwd => (spec.kind, self.cwd_of(tid)),
        }
    }

    fn relative_to_cwd(&mut self, tid: i32, path: &str) -> Option<String> {
        if path.starts_with('/') {
            return Some(normalize(path));
        }
        self.cwd_of(tid).map(|cwd| resolve(&cwd, path))
    }

    fn relative_to_dirfd(&mut self, tid: i32, dirfd: i32, path: &str) -> Option<String> {
        if path.starts_with('/') {
            return Some(normalize(path));
        }
        let base = if dirfd == libc::AT_FDCWD {
            self.cwd_of(tid)
        } else {
            proc_link(tid, &format!("fd/{dirfd}"))
        };
        base.map(|b| resolve(&b, path))
    }

    fn cwd_of(&mut self, tid: i32) -> Option<String> {
        let tgid = self.tasks.get(&tid).map_or(tid, |t| t.tgid);
        if let Some(cwd) = self.cwd.get(&tgid) {
            return Some(cwd.clone());
        }
        let cwd = proc_link(tid, "cwd")?;
        self.cwd.insert(tgid, cwd.clone());
        Some(cwd)
    }
}
