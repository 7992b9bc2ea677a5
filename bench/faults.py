"""The fault suite of bench/faults: each fault runs the real release binary on a fresh
run directory, provokes one fault, and counts what went wrong. Stdlib only."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TP = sys.argv[1]
WORK = Path(tempfile.mkdtemp(prefix="tp-faults-"))
FINAL = ("ok", "failed", "timed_out")

MODEL = """#!/bin/sh
sleep "$3"
awk -v x="$1" -v y="$2" 'BEGIN { printf "%.17g\\n", (1 - x) ^ 2 + 100 * (y - x * x) ^ 2 }'
"""


def rosenbrock(name, *, budget=200, sleep="0.05", agents=1, per_node=2, extra=""):
    """A rosenbrock calibration whose model sleeps `sleep` seconds per trial."""
    d = WORK / name
    d.mkdir()
    model = d / "model.sh"
    model.write_text(MODEL)
    model.chmod(0o755)
    (d / "run.toml").write_text(f"""
[run]
name = "{name}"
dir = "run"
budget = {budget}
seed = 7
[launch]
mode = "local"
agents = {agents}
[slots]
per_node = {per_node}
[model]
kind = "command"
stages = [["{model}", "{{x}}", "{{y}}", "{sleep}"]]
[optimizer]
algorithm = "async-dds"
{extra}
[[parameters]]
name = "x"
lower = -2.0
upper = 2.0
[[parameters]]
name = "y"
lower = -1.0
upper = 3.0
""")
    return d


def listed(name, rows, stage, *, agents=1, per_node=2):
    """A list of trials (one parameter x) run by one command stage."""
    d = WORK / name
    d.mkdir()
    (d / "trials.csv").write_text("x\n" + "".join(f"{r}\n" for r in rows))
    (d / "run.toml").write_text(f"""
[run]
name = "{name}"
dir = "run"
[launch]
mode = "local"
agents = {agents}
[slots]
per_node = {per_node}
[model]
kind = "command"
stages = [{json.dumps(stage)}]
[[parameters]]
name = "x"
lower = -1e9
upper = 1e9
[trials]
csv = "trials.csv"
""")
    return d


def rundir(d):
    return d / "run"


def start(d, *args):
    return subprocess.Popen([TP, "run", str(d / "run.toml"), *args], cwd=d,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def run(d, timeout=120):
    p = start(d)
    out, _ = p.communicate(timeout=timeout)
    return p.returncode, out


def journal(d):
    """Trials by status and trials observed but not final, read from the journal."""
    path = rundir(d) / "journal.sqlite"
    if not path.exists():
        return {}, 0
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    counts = dict(con.execute("SELECT status, count(*) FROM trials GROUP BY status"))
    twice = con.execute(
        "SELECT count(*) FROM observations o JOIN trials t ON t.id = o.trial_id "
        f"WHERE t.status NOT IN {FINAL}").fetchone()[0]
    con.close()
    return counts, twice


def settle(d, budget, outputs):
    """Lost and duplicated trials once the run is complete (resumed until it is)."""
    for _ in range(3):
        counts, _ = journal(d)
        if sum(counts.get(s, 0) for s in FINAL) >= budget:
            break
        outputs.append(run(d)[1])
    counts, twice = journal(d)
    final = sum(counts.get(s, 0) for s in FINAL)
    twice += sum(o.count("observed twice") for o in outputs)
    return max(0, budget - final), twice


def ancestors(pid):
    chain = []
    while pid > 1:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
        chain.append(pid)
    return chain


def alive(pid):
    """Running, not a zombie waiting for an init that does not reap (as here)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def processes(needle):
    """Live pids whose command line contains `needle`."""
    found = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit() or int(p.name) == os.getpid():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if needle in cmd and alive(int(p.name)):
            found.append(int(p.name))
    return found


def leftovers(d, wait=15.0):
    """Processes of this fault still alive `wait` seconds after its run ended."""
    deadline = time.time() + wait
    while time.time() < deadline and processes(str(d)):
        time.sleep(0.2)
    left = processes(str(d))
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return len(left)


def wait_for(path, timeout=30.0):
    deadline = time.time() + timeout
    while not path.exists() and time.time() < deadline:
        time.sleep(0.02)
    return path.exists()


def fault_concurrent_runs():
    d = rosenbrock("concurrent")
    a = start(d)
    time.sleep(1.5)
    b_code, b_out = run(d)
    a_out = a.communicate(timeout=120)[0]
    wrong = int(b_code == 0 or "resuming" in b_out)
    lost, dup = settle(d, 200, [a_out, b_out])
    return dict(lost=lost, duplicated=dup, orphans=leftovers(d), wrong=wrong)


def fault_coordinator_sigkill():
    d = rosenbrock("sigkill")
    p = start(d)
    time.sleep(2.0)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    time.sleep(5.0)
    st = subprocess.run([TP, "status", str(rundir(d)), "--json"], capture_output=True, text=True)
    shown_running = '"state": "running"' in st.stdout
    orphans = leftovers(d)
    lost, dup = settle(d, 200, [])
    return dict(lost=lost, duplicated=dup, orphans=orphans, wrong=int(shown_running))


def fault_agent_sigkill():
    marker = "3.0137"
    d = listed("agentkill", range(8), ["sleep", marker], agents=2, per_node=2)
    p = start(d)
    agents = []
    deadline = time.time() + 20
    while len(agents) < 2 and time.time() < deadline:
        time.sleep(0.1)
        agents = [a for a in processes(str(d)) if p.pid in ancestors(a)
                  and "agent" in Path(f"/proc/{a}/cmdline").read_text()]
    sleeps = [s for s in processes(marker) if agents[0] in ancestors(s)]
    while not sleeps and time.time() < deadline:
        time.sleep(0.1)
        sleeps = [s for s in processes(marker) if agents[0] in ancestors(s)]
    os.kill(agents[0], signal.SIGKILL)
    time.sleep(1.0)
    orphaned = [s for s in sleeps if alive(s)]
    out = p.communicate(timeout=120)[0]
    lost, dup = settle(d, 8, [out])
    for s in orphaned:
        try:
            os.kill(s, signal.SIGKILL)
        except OSError:
            pass
    return dict(lost=lost, duplicated=dup, orphans=len(orphaned) + leftovers(d, 2.0), wrong=0)


def fault_nonfinite():
    script = 'case {x} in 1*) echo -inf;; 2*) echo inf;; 3*) echo 1e999;; *) echo nan;; esac'
    d = listed("nonfinite", [1, 2, 3, 4], ["sh", "-c", script])
    out = run(d)[1]
    counts, _ = journal(d)
    lost, dup = settle(d, 4, [out])
    return dict(lost=lost, duplicated=dup, orphans=leftovers(d, 2.0), wrong=counts.get("ok", 0))


def fault_long_line():
    pad = "p" * 70_000
    line = json.dumps({"objective": 1.5, "pad": pad})
    d = listed("longline", [1], ["sh", "-c", f"echo '{line}'"])
    out = run(d)[1]
    path = rundir(d) / "journal.sqlite"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    silent = con.execute(
        "SELECT count(*) FROM trials WHERE status = 'ok' AND objective IS NULL").fetchone()[0]
    con.close()
    lost, dup = settle(d, 1, [out])
    return dict(lost=lost, duplicated=dup, orphans=leftovers(d, 2.0), wrong=silent)


def fault_sigterm():
    d = rosenbrock("sigterm", budget=20, sleep="1.0271")
    p = start(d)
    time.sleep(2.5)
    os.kill(p.pid, signal.SIGTERM)
    out = p.communicate(timeout=60)[0]
    orphans = leftovers(d, 3.0) + len(processes("1.0271"))
    lost, dup = settle(d, 20, [out])
    return dict(lost=lost, duplicated=dup, orphans=orphans, wrong=int(p.returncode == 0))


def rss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def fault_flood():
    d = rosenbrock("flood", budget=150)
    p = start(d)
    connect = rundir(d) / "connect.json"
    wait_for(connect)
    time.sleep(0.3)
    host, port = json.loads(connect.read_text())["address"].rsplit(":", 1)
    socks, peak = [], 0
    for _ in range(60):
        try:
            s = socket.create_connection((host, int(port)), timeout=2)
            socks.append(s)
            # a header announcing the largest frame, all of it but its last byte, then
            # nothing: a coordinator that buffers it holds 16 MiB for this peer
            s.sendall((16 * 1024 * 1024).to_bytes(4, "big") + b"x" * (16 * 1024 * 1024 - 1))
        except OSError:
            pass
        peak = max(peak, rss_kb(p.pid))
    for _ in range(60):
        time.sleep(0.05)
        peak = max(peak, rss_kb(p.pid))
    for s in socks:
        s.close()
    p.communicate(timeout=120)
    code = p.returncode
    lost, dup = settle(d, 150, [])
    return dict(lost=lost, duplicated=dup, orphans=leftovers(d), wrong=int(code != 0),
                peak_rss_mb=round(peak / 1024, 1))


def fault_bad_executable():
    d = listed("badexe", range(20), ["/nonexistent/model", "{x}"])
    code, _ = run(d)
    counts, _ = journal(d)
    burnt = sum(counts.values())
    return dict(lost=0, duplicated=0, orphans=leftovers(d, 2.0),
                wrong=int(code == 0) + int(burnt > 0))


def fault_failing_model():
    """Every trial fails the same way: the run must stop early, non-zero, and every count
    of failures (status.json, the journal) must agree."""
    d = rosenbrock("failing", budget=40, sleep="0")
    (d / "model.sh").write_text("#!/bin/sh\necho 'cannot read forcing file' >&2\nexit 3\n")
    code, out = run(d)
    counts, _ = journal(d)
    status = json.loads((rundir(d) / "status.json").read_text())
    disagree = int(status.get("trials_failed") != counts.get("failed", 0))
    burnt = int(sum(counts.get(s, 0) for s in FINAL) >= 40)
    return dict(lost=0, duplicated=0, orphans=leftovers(d, 2.0),
                wrong=int(code == 0) + disagree + burnt)


def fault_name_traversal():
    d = rosenbrock("traversal", budget=5, sleep="0")
    text = (d / "run.toml").read_text().replace('name = "traversal"', 'name = "../../escaped"')
    text = text.replace('dir = "run"\n', "")
    (d / "run.toml").write_text(text)
    code, _ = run(d)
    escaped = (WORK / "escaped").exists() or (d.parent / "escaped").exists()
    return dict(lost=0, duplicated=0, orphans=leftovers(d, 2.0),
                wrong=int(code == 0) + int(escaped))


def fault_permissions():
    d = rosenbrock("perms", budget=20, sleep="0")
    old = os.umask(0o002)
    try:
        code, out = run(d)
    finally:
        os.umask(old)
    rd = rundir(d)
    exposed = int(rd.stat().st_mode & 0o077 != 0)
    exposed += sum(1 for f in rd.iterdir() if f.is_file() and f.stat().st_mode & 0o077)
    lost, dup = settle(d, 20, [out])
    return dict(lost=lost, duplicated=dup, orphans=leftovers(d, 2.0), wrong=exposed)


FAULTS = [fault_concurrent_runs, fault_coordinator_sigkill, fault_agent_sigkill,
          fault_nonfinite, fault_long_line, fault_sigterm, fault_flood,
          fault_bad_executable, fault_failing_model, fault_name_traversal, fault_permissions]


def main():
    per = {}
    for f in FAULTS:
        name = f.__name__.removeprefix("fault_")
        t0 = time.time()
        try:
            per[name] = f()
        except Exception as e:  # a fault that breaks the harness is reported, not hidden
            per[name] = dict(lost=0, duplicated=0, orphans=0, wrong=1, error=repr(e))
        per[name]["seconds"] = round(time.time() - t0, 1)
        print(f"faults: {name}: {per[name]}", file=sys.stderr)
    total = {k: sum(v.get(k, 0) for v in per.values())
             for k in ("lost", "duplicated", "orphans", "wrong")}
    print(json.dumps(dict(faults=len(per), **total,
                          flood_peak_rss_mb=per["flood"].get("peak_rss_mb"),
                          per_fault=per)))


if __name__ == "__main__":
    try:
        main()
    finally:
        subprocess.run(["rm", "-rf", str(WORK)])
