use super::*;
use crate::event::Termination;

const MOUNTS: &str = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
41 22 0:40 / /lustre rw - lustre 10.0.0.1@tcp:/fs rw
";

fn ev(pid: i32, syscall: &'static str, kind: Kind, path: &str, result: i64, ms: u64) -> Event {
    Event {
        pid,
        syscall,
        kind,
        path: (!path.is_empty()).then(|| path.to_string()),
        result,
        at: Duration::from_millis(ms),
        names_base: false,
    }
}

fn sample() -> Vec<Event> {
    let venv = "/lustre/proj/venv/lib/python3.11/site-packages";
    vec![
        ev(10, "execve", Kind::Path, "/usr/bin/python3", 0, 0),
        ev(
            10,
            "newfstatat",
            Kind::Path,
            &format!("{venv}/numpy"),
            0,
            10,
        ),
        ev(
            10,
            "openat",
            Kind::Path,
            &format!("{venv}/numpy/__init__.py"),
            3,
            20,
        ),
        ev(
            10,
            "openat",
            Kind::Path,
            &format!("{venv}/numpy/__pycache__/__init__.cpython-311.pyc"),
            4,
            30,
        ),
        ev(
            10,
            "newfstatat",
            Kind::Path,
            &format!("{venv}/missing.py"),
            -2,
            40,
        ),
        ev(
            10,
            "openat",
            Kind::Path,
            &format!("{venv}/missing.so"),
            -2,
            150,
        ),
        ev(11, "openat", Kind::Path, "/etc/secret", -13, 160),
        ev(11, "getdents64", Kind::DirList, venv, 120, 170),
        ev(11, "newfstatat", Kind::FdStat, "", 0, 180),
        ev(11, "fstat", Kind::FdStat, "", -9, 190),
        ev(11, "openat", Kind::Path, "", -2, 199),
        ev(
            11,
            "openat",
            Kind::Path,
            "/usr/lib/python3.11/json/__init__.py",
            5,
            199,
        ),
    ]
}

fn processes() -> Vec<ProcessInfo> {
    vec![
        ProcessInfo {
            pid: 10,
            parent: Some(1),
            executable: Some("/usr/bin/python3.11".into()),
            termination: Some(Termination::Exited(0)),
        },
        ProcessInfo {
            pid: 11,
            parent: Some(10),
            executable: None,
            termination: Some(Termination::Signaled(9)),
        },
    ]
}

fn report() -> Report {
    let shared = [
        SharedPrefix::plain("/lustre/proj"),
        SharedPrefix::plain("/nowhere"),
    ];
    report_of(&sample(), &shared, &BTreeMap::new())
}

fn report_of(
    events: &[Event],
    shared: &[SharedPrefix],
    resolved_dirs: &BTreeMap<String, String>,
) -> Report {
    let procs = processes();
    let mounts = MountTable::parse(MOUNTS);
    let command = vec!["python3".to_string()];
    Report::build(&ReportInput {
        command: &command,
        events,
        processes: &procs,
        mounts: &mounts,
        shared,
        resolved_dirs,
        import_times: &[],
        exit_code: 0,
        interrupted_by: None,
        duration: Duration::from_millis(250),
        lustre: None,
        unfinished: 1,
    })
}

#[test]
fn totals_exclude_fd_stats() {
    let r = report();
    assert_eq!(r.total, 10);
    assert_eq!(r.failed, 4);
    assert_eq!(r.enoent, 3);
    assert_eq!(r.fd_stat.count, 2);
    assert_eq!(r.fd_stat.failed, 1);
    assert_eq!(
        r.fd_stat.by_syscall["newfstatat"],
        Counts {
            count: 1,
            failed: 0
        }
    );
    assert_eq!(r.failures_by_errno["ENOENT"], 3);
    assert_eq!(r.failures_by_errno["EACCES"], 1);
    assert_eq!(
        r.by_syscall["openat"],
        Counts {
            count: 6,
            failed: 3
        }
    );
    assert_eq!(
        r.by_syscall["getdents64"],
        Counts {
            count: 1,
            failed: 0
        }
    );
    assert!(!r.by_syscall.contains_key("fstat"));
}

#[test]
fn per_filesystem_and_shared_prefix() {
    let r = report();
    let lustre = &r.by_filesystem["/lustre"];
    assert_eq!(
        (lustre.total, lustre.failed, lustre.fstype.as_str()),
        (6, 2, "lustre")
    );
    assert_eq!(r.by_filesystem["/"].total, 3);
    assert_eq!(r.by_filesystem[UNRESOLVED].total, 1);
    let proj = &r.shared["/lustre/proj"];
    assert_eq!((proj.total, proj.failed, proj.enoent), (6, 2, 2));
    assert_eq!(proj.peak_per_sec, 40, "4 calls in the first 100 ms bucket");
    assert_eq!(r.shared["/nowhere"].total, 0);
}

#[test]
fn calls_outside_every_prefix_are_elsewhere() {
    let r = report();
    let elsewhere = r.elsewhere.expect("prefixes were given");
    assert_eq!((elsewhere.total, elsewhere.failed), (4, 2));
    let none = report_of(&sample(), &[], &BTreeMap::new());
    assert_eq!(none.elsewhere, None, "no prefixes, no elsewhere line");
}

#[test]
fn getcwd_is_reported_apart_from_total() {
    let mut events = sample();
    events.push(ev(10, "getcwd", Kind::Cwd, "/tmp/work", 10, 50));
    let r = report_of(&events, &[], &BTreeMap::new());
    assert_eq!((r.total, r.getcwd), (10, 1));
    assert!(!r.by_syscall.contains_key("getcwd"));
}

#[test]
fn prefixes_match_through_directory_symlinks() {
    let lib = "/lib/x86_64-linux-gnu";
    let usr = "/usr/lib/x86_64-linux-gnu";
    let events = vec![
        ev(10, "openat", Kind::Path, &format!("{lib}/libc.so.6"), 3, 0),
        ev(10, "openat", Kind::Path, &format!("{usr}/libm.so.6"), 3, 0),
    ];
    let dirs = BTreeMap::from([(lib.to_string(), usr.to_string())]);
    let given_real = [SharedPrefix::plain(usr)];
    assert_eq!(report_of(&events, &given_real, &dirs).shared[usr].total, 2);
    let given_link = [SharedPrefix {
        given: lib.to_string(),
        canonical: usr.to_string(),
    }];
    let r = report_of(&events, &given_link, &dirs);
    assert_eq!(r.shared[lib].total, 2, "a link prefix counts both forms");
    assert_eq!(r.elsewhere.unwrap().total, 0);
}

#[test]
fn a_lookup_of_dot_is_filed_under_the_directory_itself() {
    let mut dot = ev(10, "newfstatat", Kind::Path, "/tmp/work", 0, 0);
    dot.names_base = true;
    let events = vec![dot, ev(10, "openat", Kind::Path, "/tmp/work/a.py", -2, 0)];
    let r = report_of(&events, &[], &BTreeMap::new());
    assert_eq!(r.top_dirs.lookups.len(), 1);
    assert_eq!(r.top_dirs.lookups[0].dir, "/tmp/work");
    assert_eq!(r.top_dirs.lookups[0].count, 2);
}

#[test]
fn peak_and_timeline() {
    let r = report();
    assert_eq!(
        r.peak_per_sec, 50,
        "5 calls in each of the first two buckets"
    );
    assert_eq!(r.timeline.buckets.len(), 3);
    let totals: Vec<u64> = r.timeline.buckets.iter().map(|b| b.total).collect();
    assert_eq!(totals, vec![5, 5, 0]);
    assert_eq!(r.timeline.filesystems, vec![UNRESOLVED, "/", "/lustre"]);
    assert!(r
        .timeline_csv()
        .starts_with("bucket_start_s,(unresolved),/,/lustre\n0.0,0,1,4\n"));
}

#[test]
fn processes_and_exit_codes() {
    let r = report();
    assert_eq!(r.processes.len(), 2);
    assert_eq!(
        (
            r.processes[0].pid,
            r.processes[0].total,
            r.processes[0].failed
        ),
        (10, 6, 2)
    );
    assert_eq!(r.processes[1].exit_code, Some(137));
    assert_eq!(r.processes[1].total, 4);
}

#[test]
fn top_dirs_and_modules() {
    let r = report();
    let venv = "/lustre/proj/venv/lib/python3.11/site-packages";
    assert_eq!(r.top_dirs.lookups[0].dir, venv);
    assert_eq!(r.top_dirs.lookups[0].count, 4);
    assert_eq!(
        r.top_dirs.failed[0],
        DirCount {
            dir: venv.into(),
            count: 2
        }
    );
    assert_eq!(
        r.python_modules,
        PythonModules {
            loaded: 2,
            stdlib: 1,
            site_packages: 1
        }
    );
}

#[test]
fn files_are_sorted_distinct_paths() {
    let r = report();
    let paths: Vec<&str> = r.files.iter().map(|f| f.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(paths, sorted);
    let missing = r
        .files
        .iter()
        .find(|f| f.path.ends_with("missing.py"))
        .unwrap();
    assert_eq!((missing.ops, missing.failed), (1, 1));
}

#[test]
fn json_round_trip_keeps_every_key() {
    let r = report();
    let text = serde_json::to_string(&r).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in [
        "schema_version",
        "command",
        "exit_code",
        "duration_s",
        "total",
        "failed",
        "enoent",
        "peak_per_sec",
        "by_syscall",
        "by_filesystem",
        "shared",
        "elsewhere",
        "getcwd",
        "processes",
        "top_dirs",
        "python_modules",
        "files",
        "fd_stat",
        "timeline",
        "lustre",
    ] {
        assert!(value.get(key).is_some(), "missing key {key}");
    }
    let back: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(back, r);
}
