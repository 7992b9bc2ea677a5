use super::*;
use nix::unistd::Pid;
use std::collections::VecDeque;

/// A scripted set of tracees: syscall infos per task, memory, /proc links.
#[derive(Default)]
struct Fake {
    infos: HashMap<i32, VecDeque<SyscallInfo>>,
    memory: HashMap<u64, String>,
    links: HashMap<(i32, String), String>,
    status: HashMap<i32, (i32, i32)>,
    event_msgs: HashMap<i32, i64>,
    group_stop: bool,
    resumes: Vec<(i32, bool, Option<Signal>)>,
    kills: Vec<i32>,
}

impl Tracee for &mut Fake {
    fn resume(&mut self, tid: i32, to_exit: bool, sig: Option<Signal>) {
        self.resumes.push((tid, to_exit, sig));
    }
    fn event_msg(&mut self, tid: i32) -> Option<i64> {
        self.event_msgs.get(&tid).copied()
    }
    fn is_signal_delivery(&mut self, _tid: i32) -> bool {
        !self.group_stop
    }
    fn syscall_info(&mut self, tid: i32) -> Option<SyscallInfo> {
        self.infos.get_mut(&tid)?.pop_front()
    }
    fn read_string(&mut self, _tid: i32, addr: u64) -> Option<String> {
        self.memory.get(&addr).cloned()
    }
    fn link(&mut self, tid: i32, entry: &str) -> Option<String> {
        self.links.get(&(tid, entry.to_string())).cloned()
    }
    fn tgid_and_ppid(&mut self, tid: i32) -> Option<(i32, i32)> {
        self.status.get(&tid).copied()
    }
    fn kill(&mut self, tid: i32) {
        self.kills.push(tid);
    }
}

const ROOT: i32 = 100;
const MS: Duration = Duration::from_millis(1);

impl Fake {
    fn call(&mut self, tid: i32, nr: i64, args: [u64; 6], rval: i64) {
        let q = self.infos.entry(tid).or_default();
        q.push_back(SyscallInfo::Seccomp {
            nr: nr as u64,
            args,
        });
        q.push_back(SyscallInfo::Exit { rval });
    }
    fn link_to(&mut self, tid: i32, entry: &str, target: &str) {
        self.links
            .insert((tid, entry.to_string()), target.to_string());
    }
}

fn pid(tid: i32) -> Pid {
    Pid::from_raw(tid)
}

/// Drive one traced call of `tid` through its seccomp stop and its exit.
fn run_call(m: &mut Machine<'_, &mut Fake>, tid: i32, at: Duration) {
    m.handle(
        WaitStatus::PtraceEvent(pid(tid), Signal::SIGTRAP, libc::PTRACE_EVENT_SECCOMP),
        at,
    );
    m.handle(WaitStatus::PtraceSyscall(pid(tid)), at);
}

#[test]
fn a_call_is_resumed_to_its_exit_then_recorded() {
    let mut fake = Fake::default();
    fake.memory.insert(0x10, "lib/x.py".into());
    fake.link_to(ROOT, "cwd", "/home/u");
    fake.call(
        ROOT,
        libc::SYS_openat,
        [libc::AT_FDCWD as u64, 0x10, 0, 0, 0, 0],
        -2,
    );
    let mut events: Vec<Event> = Vec::new();
    let mut m = Machine::new(ROOT, 1, &mut fake, &mut events);
    run_call(&mut m, ROOT, 5 * MS);
    drop(m);
    assert_eq!(fake.resumes, vec![(ROOT, true, None), (ROOT, false, None)]);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (e.syscall, e.path.as_deref(), e.errno()),
        ("openat", Some("/home/u/lib/x.py"), Some(2))
    );
    assert_eq!(e.at, 5 * MS);
}

#[test]
fn dirfd_paths_fd_stats_and_listings() {
    let mut fake = Fake::default();
    fake.memory.insert(0x10, "b.txt".into());
    fake.memory.insert(0x20, String::new());
    fake.link_to(ROOT, "fd/7", "/data/a");
    fake.call(ROOT, libc::SYS_newfstatat, [7, 0x10, 0, 0, 0, 0], 0);
    fake.call(
        ROOT,
        libc::SYS_newfstatat,
        [3, 0x20, 0, libc::AT_EMPTY_PATH as u64, 0, 0],
        0,
    );
    fake.call(ROOT, libc::SYS_getdents64, [7, 0, 0, 0, 0, 0], 64);
    let mut events: Vec<Event> = Vec::new();
    let mut m = Machine::new(ROOT, 1, &mut fake, &mut events);
    for _ in 0..3 {
        run_call(&mut m, ROOT, MS);
    }
    let seen: Vec<(Kind, Option<&str>)> =
        events.iter().map(|e| (e.kind, e.path.as_deref())).collect();
    assert_eq!(
        seen,
        vec![
            (Kind::Path, Some("/data/a/b.txt")),
            (Kind::FdStat, None),
            (Kind::DirList, Some("/data/a")),
        ]
    );
}

#[test]
fn chdir_refreshes_the_cached_cwd() {
    let mut fake = Fake::default();
    fake.memory.insert(0x10, "x".into());
    fake.memory.insert(0x20, "/tmp".into());
    fake.link_to(ROOT, "cwd", "/home/u");
    fake.call(
        ROOT,
        libc::SYS_openat,
        [libc::AT_FDCWD as u64, 0x10, 0, 0, 0, 0],
        3,
    );
    fake.call(ROOT, libc::SYS_chdir, [0x20, 0, 0, 0, 0, 0], 0);
    fake.call(
        ROOT,
        libc::SYS_openat,
        [libc::AT_FDCWD as u64, 0x10, 0, 0, 0, 0],
        3,
    );
    let mut events: Vec<Event> = Vec::new();
    let mut m = Machine::new(ROOT, 1, &mut fake, &mut events);
    run_call(&mut m, ROOT, MS);
    run_call(&mut m, ROOT, MS);
    m.ops.link_to(ROOT, "cwd", "/tmp");
    run_call(&mut m, ROOT, MS);
    let paths: Vec<&str> = events.iter().filter_map(|e| e.path.as_deref()).collect();
    assert_eq!(paths, vec!["/home/u/x", "/tmp", "/tmp/x"]);
}

#[test]
fn new_children_lose_their_first_sigstop_only() {
    let mut fake = Fake::default();
    fake.status.insert(101, (101, ROOT));
    fake.event_msgs.insert(ROOT, 101);
    let mut events: Vec<Event> = Vec::new();
    let mut m = Machine::new(ROOT, 1, &mut fake, &mut events);
    m.handle(WaitStatus::Stopped(pid(101), Signal::SIGSTOP), MS);
    m.handle(
        WaitStatus::PtraceEvent(pid(ROOT), Signal::SIGTRAP, libc::PTRACE_EVENT_FORK),
        MS,
    );
    m.handle(WaitStatus::Stopped(pid(101), Signal::SIGSTOP), MS);
    m.handle(WaitStatus::Stopped(pid(ROOT), Signal::SIGINT), MS);
    let done = m.finish();
    assert_eq!(done.processes.len(), 2);
    assert_eq!(done.processes[1].parent, Some(ROOT));
    assert_eq!(
        fake.resumes,
        vec![
            (101, false, None),
            (ROOT, false, None),
            (101, false, Some(Signal::SIGSTOP)),
            (ROOT, false, Some(Signal::SIGINT)),
        ]
    );
}

#[test]
fn threads_count_for_their_process_and_exits_are_recorded() {
    let mut fake = Fake::default();
    fake.status.insert(102, (ROOT, 1));
    fake.memory.insert(0x10, "/a".into());
    fake.call(
        102,
        libc::SYS_newfstatat,
        [libc::AT_FDCWD as u64, 0x10, 0, 0, 0, 0],
        0,
    );
    fake.infos
        .get_mut(&102)
        .unwrap()
        .push_back(SyscallInfo::Seccomp {
            nr: libc::SYS_openat as u64,
            args: [libc::AT_FDCWD as u64, 0x10, 0, 0, 0, 0],
        });
    let mut events: Vec<Event> = Vec::new();
    let mut m = Machine::new(ROOT, 1, &mut fake, &mut events);
    run_call(&mut m, 102, MS);
    m.handle(
        WaitStatus::PtraceEvent(pid(102), Signal::SIGTRAP, libc::PTRACE_EVENT_SECCOMP),
        MS,
    );
    m.handle(WaitStatus::Signaled(pid(102), Signal::SIGKILL, false), MS);
    m.handle(WaitStatus::Exited(pid(ROOT), 4), MS);
    let done = m.finish();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].pid, ROOT,
        "a thread's calls belong to its process"
    );
    assert_eq!(done.unfinished, 1);
    assert_eq!(done.processes.len(), 1);
    assert_eq!(done.root_termination, Some(Termination::Exited(4)));
    assert_eq!(done.processes[0].termination, Some(Termination::Exited(4)));
}

#[test]
fn exec_records_the_program_and_kill_all_reaches_late_tasks() {
    let mut fake = Fake::default();
    fake.event_msgs.insert(ROOT, ROOT as i64);
    fake.link_to(ROOT, "exe", "/usr/bin/python3.11");
    fake.status.insert(103, (103, ROOT));
    let mut events: Vec<Event> = Vec::new();
    let mut m = Machine::new(ROOT, 1, &mut fake, &mut events);
    m.handle(
        WaitStatus::PtraceEvent(pid(ROOT), Signal::SIGTRAP, libc::PTRACE_EVENT_EXEC),
        MS,
    );
    assert_eq!(m.execs(), 1);
    m.kill_all();
    m.kill_all();
    m.handle(WaitStatus::Stopped(pid(103), Signal::SIGSTOP), MS);
    let done = m.finish();
    assert_eq!(
        done.processes[0].executable.as_deref(),
        Some("/usr/bin/python3.11")
    );
    assert_eq!(fake.kills, vec![ROOT, 103]);
}

#[test]
fn group_stops_are_not_redelivered() {
    let mut fake = Fake {
        group_stop: true,
        ..Fake::default()
    };
    let mut events: Vec<Event> = Vec::new();
    let mut m = Machine::new(ROOT, 1, &mut fake, &mut events);
    m.handle(WaitStatus::Stopped(pid(ROOT), Signal::SIGTSTP), MS);
    drop(m);
    assert_eq!(fake.resumes, vec![(ROOT, false, None)]);
}
