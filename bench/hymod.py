"""bench/hymod's driver: HYMOD on SPOTPY's data, 1,000 evaluations per calibration,
KGE maximised, three sides per seed, interleaved so each sees the same machine load:

- "spotpy": SPOTPY 1.6.7's DDS on its own HYMOD python setup (hymod_spotpy.py);
- "python": tidepool's dds driving that same SPOTPY `hymod` through a python slot
  (hymod_slot.py), observations scored by tidepool's `[objective]`;
- "exe": tidepool's dds on examples/hymod-exe (the tidepool-hymod binary);
- "spotpy-sceua", "sceua-exe": SPOTPY's sceua and tidepool's sce-ua (hymod_sceua.py).

Usage: hymod.py TIDEPOOL_BIN SEEDS EVALS SIDES WORKDIR   (SIDES: comma-separated)
Prints one JSON line; progress on stderr. A tidepool run's best KGE is 1 - its
`best_objective` from `tidepool run --json` (the minimised KGE is 1 - KGE).
"""

import json
import os
import re
import subprocess
import sys
import time
import tomllib

import numpy as np
from scipy.stats import mannwhitneyu

import hymod_sceua
from hymod_spotpy import BOUNDS, calibrate

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
EXE_EXAMPLE = os.path.join(ROOT, "examples", "hymod-exe")
DATA = os.path.join(ROOT, "examples", "hymod-data", "hymod_input.csv")


def exe_config(seed, evals):
    """examples/hymod-exe/tidepool.toml with this seed and budget, its paths absolute."""
    text = open(os.path.join(EXE_EXAMPLE, "tidepool.toml")).read()
    text = re.sub(r"(?m)^seed = \d+", f"seed = {seed}", text)
    text = re.sub(r"(?m)^budget = \d+", f"budget = {evals}", text)
    for rel in ['"../../target/release/tidepool-hymod"', '"model"', '"../hymod-data/hymod_input.csv"']:
        text = text.replace(rel, json.dumps(os.path.normpath(os.path.join(EXE_EXAMPLE, rel.strip('"')))))
    cfg = tomllib.loads(text)
    assert cfg["run"]["seed"] == seed and cfg["run"]["budget"] == evals, "example's [run] changed"
    assert os.path.isabs(cfg["model"]["template_dir"]), "example's template_dir changed"
    assert os.path.isabs(cfg["objective"]["observed"]["csv"]), "example's observed csv changed"
    return text


def parameters_toml():
    """The [[parameters]] of the exe example (SPOTPY's bounds), for the python side."""
    cfg = tomllib.load(open(os.path.join(EXE_EXAMPLE, "tidepool.toml"), "rb"))
    return "".join(
        f'\n[[parameters]]\nname = "{p["name"]}"\nlower = {p["lower"]!r}\nupper = {p["upper"]!r}\n'
        for p in cfg["parameters"])


def python_config(seed, evals):
    return f"""[run]
name = "hymod-python"
budget = {evals}
seed = {seed}
[launch]
agents = 1
[slots]
per_node = 1
[model]
kind = "python"
function = "hymod_slot:simulate"
python = {json.dumps(sys.executable)}
path = [{json.dumps(BENCH)}]
[objective]
metric = "kge"
simulated = "q"
calibration = ["2013-01-01", "2016-12-31"]
[objective.observed]
csv = {json.dumps(DATA)}
date = "Date"
value = "Discharge[ls-1]"
date_format = "%d.%m.%Y"
delimiter = ";"
[optimizer]
algorithm = "dds"
""" + parameters_toml()


def tidepool(binary, side, seed, evals, workdir, make=None):
    """One calibration with `tidepool run --json`: (best KGE, wall seconds)."""
    make = make or (exe_config if side == "exe" else python_config)
    config = os.path.join(workdir, f"{side}-{seed}.toml")
    with open(config, "w") as f:
        f.write(make(seed, evals))
    run_dir = os.path.join(workdir, f"{side}-{seed}")
    start = time.perf_counter()
    proc = subprocess.run([binary, "run", config, "--json", "--run-dir", run_dir],
                          capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"tidepool run {config} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    try:
        final = json.loads(lines[-1])  # the contract: one final JSON line
    except json.JSONDecodeError:
        final = json.loads(proc.stdout)  # a pretty-printed status object
    done = final["trials_done"] + final.get("trials_failed", 0)
    if done != evals:
        raise SystemExit(f"{side} seed {seed}: {done} trials, expected {evals}")
    return 1.0 - float(final["best_objective"]), wall


def summary(name, kge, wall, ref):
    out = {f"{name}_kge_mean": float(np.mean(kge)), f"{name}_kge_std": float(np.std(kge, ddof=1)) if len(kge) > 1 else None,
           f"{name}_wall_s": float(np.median(wall))}
    if ref is not None:
        out[f"{name}_vs_spotpy_p"] = float(mannwhitneyu(kge, ref, alternative="two-sided").pvalue)
    return out


def main():
    binary, seeds, evals = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sides, workdir = sys.argv[4].split(","), sys.argv[5]
    results = {side: ([], []) for side in sides}
    for s in range(seeds):
        seed = 1000 + s
        for side in sides:
            if side == "spotpy":
                kge, wall = calibrate(seed, evals)
            elif side == "spotpy-sceua":
                kge, wall = hymod_sceua.spotpy_sceua(seed, evals)
            elif side == "sceua-exe":
                make = hymod_sceua.sceua_exe_config(exe_config)
                kge, wall = tidepool(binary, side, seed, evals, workdir, make)
            else:
                kge, wall = tidepool(binary, side, seed, evals, workdir)
            results[side][0].append(kge)
            results[side][1].append(wall)
            print(f"{side} seed {s + 1}/{seeds}: kge {kge:.4f} in {wall:.2f} s", file=sys.stderr)
    out = {}
    ref = results["spotpy"][0] if "spotpy" in results else None
    for side in ["spotpy", "python", "exe"]:
        if side in results:
            out.update(summary(side, *results[side], None if side == "spotpy" else ref))
        else:
            out.update({f"{side}_kge_mean": None, f"{side}_wall_s": None})
    if ref is not None and "exe" in results:
        out["exe_minus_spotpy_kge"] = out["exe_kge_mean"] - out["spotpy_kge_mean"]
        out["exe_speedup"] = out["spotpy_wall_s"] / out["exe_wall_s"]
        out["goal_exe_within_0_01"] = abs(out["exe_minus_spotpy_kge"]) <= 0.01
        out["goal_exe_10x_faster"] = out["exe_speedup"] >= 10
    if ref is not None and "python" in results:
        out["goal_python_not_worse"] = bool(out["python_vs_spotpy_p"] > 0.05
                                            or out["python_kge_mean"] >= out["spotpy_kge_mean"])
    out.update(hymod_sceua.summary(results, ref))
    out["test"] = "Mann-Whitney U, two-sided"
    out["seeds"], out["evaluations"], out["sides"] = seeds, evals, sides
    out["spotpy_kge"] = results.get("spotpy", ([],))[0]
    out["spotpy_effective_bounds"] = BOUNDS
    print(json.dumps(out))


if __name__ == "__main__":
    main()
