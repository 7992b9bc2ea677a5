"""Drives strategies A and B of bench/storm (run under `tidepool profile`).

  drive.py spawn      PYTHON WORKER_DIR SLOTS BATCHES READY_FILE
  drive.py persistent PYTHON WORKER_DIR SLOTS BATCHES READY_FILE

spawn (A): per batch, SLOTS fresh `PYTHON worker.py K SMAX` at once; waits for all.
persistent (B): SLOTS `PYTHON worker_persistent.py` started at once and kept; each
batch sends one trial to each. READY_FILE (node-local) gets the Unix time at which
all SLOTS interpreters of the first batch had imported the model.
"""
import json
import os
import random
import subprocess
import sys
import time


def trials(rng, n):
    return [{"k": rng.uniform(0.01, 0.5), "smax": rng.uniform(10, 500)} for _ in range(n)]


def spawn(python, worker, slots, batches, rng):
    ready = None
    for _ in range(batches):
        procs = [subprocess.Popen([python, worker, str(t["k"]), str(t["smax"])],
                                  stdout=subprocess.PIPE, text=True)
                 for t in trials(rng, slots)]
        outs = [p.communicate()[0] for p in procs]
        assert all(p.returncode == 0 for p in procs), "a worker failed"
        [float(o) for o in outs]
        # A worker prints only after importing and evaluating: the batch's last answer
        # is a bound on "all imported" (the evaluation is a few ms).
        ready = ready or time.time()
    return ready


def persistent(python, worker, slots, batches, rng):
    procs = [subprocess.Popen([python, worker], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(slots)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", "a worker failed to start"
    ready = time.time()
    for _ in range(batches):
        for p, t in zip(procs, trials(rng, slots)):
            p.stdin.write(json.dumps(t) + "\n")
            p.stdin.flush()
        [float(p.stdout.readline()) for p in procs]
    for p in procs:
        p.stdin.close()
        assert p.wait() == 0
    return ready


def main():
    mode, python, worker_dir, slots, batches, ready_file = sys.argv[1:]
    rng = random.Random(1)
    if mode == "spawn":
        ready = spawn(python, os.path.join(worker_dir, "worker.py"), int(slots), int(batches), rng)
    else:
        ready = persistent(python, os.path.join(worker_dir, "worker_persistent.py"),
                           int(slots), int(batches), rng)
    with open(ready_file, "w") as f:
        f.write(repr(ready))


if __name__ == "__main__":
    main()
