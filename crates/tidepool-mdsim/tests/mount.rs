//! The real simulator mounted on a temporary directory: what goes through it reaches the
//! backing directory, every metadata operation is counted, the capacity bounds how fast
//! uncached lookups are answered, and SIGTERM unmounts it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;

fn fuse_usable() -> bool {
    let root = nix::unistd::geteuid().is_root();
    tidepool_testkit::require(
        Path::new("/dev/fuse").exists() && root,
        "/dev/fuse and root (FUSE mounts for tidepool-mdsim)",
    )
}

fn mounted(at: &Path) -> bool {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let at = at.to_str().unwrap();
    info.lines()
        .any(|l| l.split(' ').nth(4) == Some(at) && l.contains("tidepool-mdsim"))
}

struct Mdsim {
    child: Child,
    at: PathBuf,
    stats: PathBuf,
}

impl Mdsim {
    fn start(source: &Path, at: &Path, stats: &Path, extra: &[&str]) -> Mdsim {
        let child = Command::new(env!("CARGO_BIN_EXE_tidepool-mdsim"))
            .arg(source)
            .arg(at)
            .arg("--stats")
            .arg(stats)
            .args(extra)
            .spawn()
            .unwrap();
        let sim = Mdsim {
            child,
            at: at.to_path_buf(),
            stats: stats.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !mounted(at) {
            assert!(
                Instant::now() < deadline,
                "tidepool-mdsim did not mount {}",
                at.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        sim
    }

    /// SIGTERM, then the final stats; checks it exited 0 and unmounted.
    fn stop(mut self) -> Value {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "tidepool-mdsim exited with {status}");
        assert!(!mounted(&self.at), "still mounted after SIGTERM");
        serde_json::from_str(&std::fs::read_to_string(&self.stats).unwrap()).unwrap()
    }
}

impl Drop for Mdsim {
    fn drop(&mut self) {
        if mounted(&self.at) {
            let _ = Command::new("umount").arg("-l").arg(&self.at).status();
        }
        let _ = self.child.kill();
    }
}

#[test]
fn files_pass_through_and_every_metadata_operation_is_counted() {
    if !fuse_usable() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (source, at) = (tmp.path().join("src"), tmp.path().join("mnt"));
    std::fs::create_dir_all(source.join("sub")).unwrap();
    std::fs::create_dir(&at).unwrap();
    std::fs::write(source.join("sub/a.txt"), "hello").unwrap();
    let sim = Mdsim::start(
        &source,
        &at,
        &tmp.path().join("stats.json"),
        &["--ttl-ms", "0"],
    );

    assert_eq!(
        std::fs::read_to_string(at.join("sub/a.txt")).unwrap(),
        "hello"
    );
    std::fs::write(at.join("sub/b.txt"), "written through").unwrap();
    std::fs::rename(at.join("sub/b.txt"), at.join("c.txt")).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(at.join("sub"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["a.txt"]);
    for i in 0..10 {
        assert!(std::fs::metadata(at.join(format!("missing-{i}"))).is_err());
    }
    let stats = sim.stop();

    assert_eq!(
        std::fs::read_to_string(source.join("c.txt")).unwrap(),
        "written through"
    );
    let by_op = &stats["by_op"];
    // Ten lookups of missing names alone, plus those of sub, a.txt, b.txt, c.txt.
    assert!(by_op["lookup"].as_u64().unwrap() >= 14, "{stats}");
    for op in ["open", "create", "rename", "opendir", "readdir"] {
        assert!(
            by_op[op].as_u64().unwrap() >= 1,
            "{op} not counted: {stats}"
        );
    }
    let sum: u64 = by_op
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(stats["served"].as_u64().unwrap(), sum);
    assert_eq!(stats["capacity_per_sec"], 20_000);
}

#[test]
fn the_capacity_bounds_how_fast_lookups_are_answered_and_it_mounts_over_its_source() {
    if !fuse_usable() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shared");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("kept.txt"), "under the mount").unwrap();
    let stats = tmp.path().join("stats.json");
    let sim = Mdsim::start(
        &dir,
        &dir,
        &stats,
        &["--capacity", "50", "--latency-us", "0"],
    );

    // 40 failed lookups (never cached) at 50 ops/s cannot all be answered in less than
    // 39 service times of 20 ms: 0.78 s.
    let start = Instant::now();
    for i in 0..40 {
        assert!(std::fs::symlink_metadata(dir.join(format!("no-{i}"))).is_err());
    }
    let elapsed = start.elapsed();
    assert_eq!(
        std::fs::read_to_string(dir.join("kept.txt")).unwrap(),
        "under the mount"
    );
    let stats = sim.stop();
    assert!(
        elapsed >= Duration::from_millis(780),
        "40 lookups in {elapsed:?}"
    );
    assert!(stats["by_op"]["lookup"].as_u64().unwrap() >= 40, "{stats}");
    assert_eq!(
        std::fs::read_to_string(dir.join("kept.txt")).unwrap(),
        "under the mount"
    );
}

#[test]
fn sigterm_unmounts_even_while_a_process_works_inside_the_mount() {
    if !fuse_usable() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (source, at) = (tmp.path().join("src"), tmp.path().join("mnt"));
    std::fs::create_dir_all(source.join("work")).unwrap();
    std::fs::create_dir(&at).unwrap();
    let sim = Mdsim::start(&source, &at, &tmp.path().join("stats.json"), &[]);
    // A process whose working directory is inside the mount makes a plain umount EBUSY.
    let mut busy = Command::new("sleep")
        .arg("30")
        .current_dir(at.join("work"))
        .spawn()
        .unwrap();
    let stats = sim.stop();
    let _ = busy.kill();
    let _ = busy.wait();
    assert!(stats["served"].as_u64().unwrap() >= 1, "{stats}");
}
