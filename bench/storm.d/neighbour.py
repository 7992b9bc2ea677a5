"""The neighbour on the shared filesystem: stats its own files 20 times a second (a
user's `ls -l` or a job's polling), round-robin over DIR/f0000..f0999 so each stat
outlives the client's attribute cache, until SIGTERM; then writes the latencies
(ms, one per line) to OUT.

  neighbour.py DIR OUT
"""
import os
import signal
import sys
import time

stop = False


def on_term(*_):
    global stop
    stop = True


def main():
    directory, out = sys.argv[1:]
    signal.signal(signal.SIGTERM, on_term)
    names = [os.path.join(directory, f"f{i:04d}") for i in range(1000)]
    lat, i, nxt = [], 0, time.monotonic()
    while not stop:
        start = time.monotonic()
        os.stat(names[i % len(names)])
        lat.append((time.time(), (time.monotonic() - start) * 1000))
        i += 1
        nxt += 0.05
        time.sleep(max(0.0, nxt - time.monotonic()))
    with open(out, "w") as f:
        f.writelines(f"{t:.3f} {ms:.4f}\n" for t, ms in lat)


if __name__ == "__main__":
    main()
