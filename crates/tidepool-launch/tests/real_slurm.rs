//! `SrunLauncher` inside a real Slurm allocation: the test brings up a private
//! two-node cluster (munged, slurmctld, two slurmd, all under a temporary directory
//! through SLURM_CONF), submits itself as a batch job, and inside the job starts one
//! agent per node with the launcher. Skips visibly when Slurm or munge is not
//! installed: a real cluster is a bonus check, never a requirement.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tidepool_launch::*;

/// Set inside the batch job: the test then plays the coordinator's part.
const PROBE_VAR: &str = "TIDEPOOL_SLURM_PROBE";
const TEST_NAME: &str = "srun_starts_one_agent_per_node_of_a_real_allocation";

#[test]
fn srun_starts_one_agent_per_node_of_a_real_allocation() {
    if std::env::var_os(PROBE_VAR).is_some() {
        return inside_the_job();
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let out = cluster.dir.join("job.out");
    let exe = std::env::current_exe().unwrap();
    let wrap = format!("{} {TEST_NAME} --exact --nocapture", exe.display());
    let status = cluster
        .command("sbatch")
        .args(["--wait", "-N2", "-t", "2", "-o"])
        .arg(&out)
        .arg(format!("--export=ALL,{PROBE_VAR}=1"))
        .args(["--wrap", &wrap])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let output = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(status.success(), "batch job failed:\n{output}");
    let mut agents: Vec<&str> = output.lines().filter(|l| l.starts_with("agent ")).collect();
    agents.sort();
    assert_eq!(
        agents,
        ["agent 0 on tp1 token=t0k3n", "agent 1 on tp2 token=t0k3n"],
        "{output}"
    );
    assert!(output.contains("expected=2 nodes=tp1,tp2"), "{output}");
}

/// The coordinator's part: read the allocation, start the agents, wait for them.
fn inside_the_job() {
    let mut launcher = SrunLauncher::new(&LaunchOptions::default()).unwrap();
    let cmd = AgentCommand {
        program: PathBuf::from("/bin/sh"),
        args: vec![
            "-c".into(),
            "echo \"agent $SLURM_PROCID on $SLURMD_NODENAME token=$AGENT_TOKEN\"".into(),
        ],
        env: vec![("AGENT_TOKEN".into(), "t0k3n".into())],
    };
    let mut launched = launcher.start(&cmd).unwrap();
    let nodes = launcher.allocation().nodes.join(",");
    println!("expected={} nodes={nodes}", launched.expected);
    for child in &mut launched.children {
        assert!(child.wait().unwrap().success());
    }
}

/// A private Slurm cluster; its daemons are stopped when it is dropped.
struct Cluster {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    conf: PathBuf,
    daemons: Vec<Child>,
}

impl Cluster {
    fn start() -> Option<Cluster> {
        let missing: Vec<&str> = [
            "munged",
            "slurmctld",
            "slurmd",
            "sbatch",
            "sinfo",
            "setpriv",
        ]
        .into_iter()
        .filter(|p| which(p).is_none())
        .collect();
        let what = format!(
            "{} for the real Slurm test (apt-get install slurm-wlm munge)",
            missing.join(", ")
        );
        if !tidepool_testkit::require(missing.is_empty(), &what) {
            return None;
        }
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut cluster = Cluster {
            conf: dir.join("slurm.conf"),
            dir,
            _tmp: tmp,
            daemons: Vec::new(),
        };
        cluster.write_files();
        cluster.spawn_daemons();
        cluster.wait_idle();
        Some(cluster)
    }

    fn write_files(&self) {
        use std::os::unix::fs::PermissionsExt;
        let d = &self.dir;
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        for sub in ["munge", "state", "spool", "log"] {
            std::fs::create_dir(d.join(sub)).unwrap();
        }
        let mut key = [0u8; 1024];
        std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom").unwrap(), &mut key)
            .unwrap();
        std::fs::write(d.join("munge/key"), key).unwrap();
        std::fs::set_permissions(d.join("munge/key"), std::fs::Permissions::from_mode(0o400))
            .unwrap();
        run(Command::new("chown")
            .args(["-R", "munge:munge"])
            .arg(d.join("munge")));
        let host =
            String::from_utf8(Command::new("hostname").arg("-s").output().unwrap().stdout).unwrap();
        let [ctld, n1, n2] = free_ports();
        let d = d.display();
        let conf = format!(
            "ClusterName=tptest\nSlurmctldHost={host}(127.0.0.1)\nSlurmctldPort={ctld}\n\
             SlurmUser=root\nSlurmdUser=root\nAuthType=auth/munge\nAuthInfo=socket={d}/munge/sock\n\
             ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nSelectType=select/cons_tres\n\
             SelectTypeParameters=CR_Core\nSchedulerParameters=batch_sched_delay=0\nMpiDefault=none\n\
             ReturnToService=2\nStateSaveLocation={d}/state\nSlurmdSpoolDir={d}/spool/%n\n\
             SlurmctldPidFile={d}/slurmctld.pid\nSlurmdPidFile={d}/slurmd-%n.pid\n\
             SlurmctldLogFile={d}/log/slurmctld.log\nSlurmdLogFile={d}/log/slurmd-%n.log\n\
             AccountingStorageType=accounting_storage/none\nJobCompType=jobcomp/none\n\
             NodeName=tp1 NodeAddr=127.0.0.1 Port={n1} CPUs=1 State=UNKNOWN\n\
             NodeName=tp2 NodeAddr=127.0.0.1 Port={n2} CPUs=1 State=UNKNOWN\n\
             PartitionName=debug Nodes=tp1,tp2 Default=YES MaxTime=INFINITE State=UP\n",
            host = host.trim()
        );
        std::fs::write(&self.conf, conf).unwrap();
    }

    fn spawn_daemons(&mut self) {
        let m = self.dir.join("munge");
        let mut munged = Command::new(which("setpriv").unwrap());
        munged
            .args(["--reuid", "munge", "--regid", "munge", "--clear-groups"])
            .arg(which("munged").unwrap())
            .arg("-F")
            .arg(format!("--key-file={}", m.join("key").display()))
            .arg(format!("--socket={}", m.join("sock").display()))
            .arg(format!("--pid-file={}", m.join("pid").display()))
            .arg(format!("--log-file={}", m.join("log").display()))
            .arg(format!("--seed-file={}", m.join("seed").display()));
        self.daemon(munged);
        wait_for(|| m.join("sock").exists(), "munged socket");
        let mut slurmctld = self.command("slurmctld");
        slurmctld.args(["-D", "-i"]);
        self.daemon(slurmctld);
        for node in ["tp1", "tp2"] {
            let mut slurmd = self.command("slurmd");
            slurmd.args(["-D", "-N", node]);
            self.daemon(slurmd);
        }
    }

    fn daemon(&mut self, mut cmd: Command) {
        let log = std::fs::File::create(
            self.dir
                .join("log")
                .join(format!("daemon-{}.out", self.daemons.len())),
        )
        .unwrap();
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        self.daemons.push(cmd.spawn().unwrap());
    }

    fn wait_idle(&self) {
        wait_for(
            || {
                let out = self.command("sinfo").args(["-h", "-o", "%T %D"]).output();
                out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "idle 2")
            },
            "two idle Slurm nodes",
        );
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(which(program).unwrap_or_else(|| PathBuf::from(program)));
        cmd.env("SLURM_CONF", &self.conf);
        cmd
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for daemon in self.daemons.iter_mut().rev() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(daemon.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
            let deadline = Instant::now() + Duration::from_secs(5);
            while daemon.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
    }
}

fn wait_for(mut ready: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn free_ports() -> [u16; 3] {
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let port = |i: usize| listeners[i].local_addr().unwrap().port();
    [port(0), port(1), port(2)]
}

fn run(cmd: &mut Command) {
    assert!(cmd.status().unwrap().success(), "{cmd:?} failed");
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(program))
        .find(|p| Path::new(p).is_file())
}
