"""bench/padds: multi-objective HYMOD, tidepool's `padds` against SPOTPY 1.6.7's `padds`.

Usage: padds.py TIDEPOOL SEEDS EVALS TMP
Two objectives on SPOTPY's data, 2013-2016 after a year of warm-up, both minimised as
1 - KGE: KGE of the high flows and KGE of the low flows (days whose observed flow is above /
at or below the observed median of the window), defined identically on both sides
(tidepool's metrics `kge_high` / `kge_low`; `two_kge` here for SPOTPY's own HYMOD setup).
Each calibration's front is the non-dominated subset of all its evaluations; its
hypervolume is computed by `hypervolume` below (one implementation for both sides) against
the reference point REF in the minimised space. Prints one JSON line.
"""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
from scipy.stats import mannwhitneyu

np.random.seed(0)  # SPOTPY's Uniform bounds come from random draws at import (bench/hymod)
import padds_spotpy_fix  # noqa: E402,F401
import spotpy  # noqa: E402
from spotpy.examples.spot_setup_hymod_python import spot_setup  # noqa: E402

NAMES = ["cmax", "bexp", "alpha", "Ks", "Kq"]
REF = (2.0, 2.0)  # 1 - KGE = 2, i.e. KGE = -1 on both objectives
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def kge(s, o):
    r = np.corrcoef(s, o)[0, 1]
    return 1 - np.sqrt((r - 1) ** 2 + (np.std(s) / np.std(o) - 1) ** 2 + (s.mean() / o.mean() - 1) ** 2)


def two_kge(evaluation, simulation):
    o, s = np.asarray(evaluation, float), np.asarray(simulation, float)
    high = o > np.median(o)
    return [1 - kge(s[high], o[high]), 1 - kge(s[~high], o[~high])]


def front(points):
    pts = [p for p in points if np.all(np.isfinite(p))]
    return [p for p in pts if not any(q[0] <= p[0] and q[1] <= p[1] and (q[0] < p[0] or q[1] < p[1]) for q in pts)]


def hypervolume(points, ref=REF):
    """Area dominated by `points` (minimised) inside the box below `ref`: a sweep."""
    pts = sorted((p[0], p[1]) for p in points if p[0] < ref[0] and p[1] < ref[1])
    area, ceiling = 0.0, ref[1]
    for x, y in pts:
        if y < ceiling:
            area += (ref[0] - x) * (ceiling - y)
            ceiling = y
    return area


def spotpy_side(seed, evals):
    np.random.seed(seed)
    setup = spot_setup(two_kge)
    lo = np.array([getattr(spot_setup, n).minbound for n in NAMES], float)
    hi = np.array([getattr(spot_setup, n).maxbound for n in NAMES], float)
    n0 = int(max(5, round(0.005 * evals)))  # as padds' own calc_initial_pareto_front
    params = lo + (hi - lo) * np.random.rand(n0, len(NAMES))
    objs = np.array([two_kge(setup.evaluation(), setup.simulation(p)) for p in params])
    sampler = spotpy.algorithms.padds(setup, dbformat="ram", save_sim=False)
    with contextlib.redirect_stdout(io.StringIO()):
        sampler.sample(evals, initial_objs=objs, initial_params=params, metric="ones")
    data = sampler.getdata()
    points = [tuple(o) for o in objs] + [(r["like1"], r["like2"]) for r in data]
    if len(points) != evals:
        raise SystemExit(f"SPOTPY made {len(points)} evaluations, expected {evals}")
    return points


def tidepool_config(tmp, seed, evals, selection):
    text = open(os.path.join(tmp, "hymod-exe", "base.toml")).read()
    text = text.replace("budget = 1000", f"budget = {evals}").replace("seed = 1", f"seed = {seed}")
    rule = os.environ.get("BOUND_RULE", "reflect")
    return text.replace('algorithm = "padds"', f'algorithm = "padds"\nselection = "{selection}"\nbound_rule = "{rule}"')


def tidepool_side(tidepool, tmp, seed, evals, selection):
    config = os.path.join(tmp, "hymod-exe", f"{selection}-{seed}.toml")
    open(config, "w").write(tidepool_config(tmp, seed, evals, selection))
    run_dir = os.path.join(tmp, f"run-{selection}-{seed}")
    subprocess.run([tidepool, "run", config, "--run-dir", run_dir, "--json"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    csv = subprocess.run([tidepool, "export", run_dir, "--csv"], check=True, capture_output=True, text=True).stdout
    lines = csv.splitlines()
    head = lines[0].split(",")
    hi, lo, status = head.index("kge_high"), head.index("kge_low"), head.index("status")
    rows = [line.split(",") for line in lines[1:]]
    if len(rows) != evals:
        raise SystemExit(f"tidepool made {len(rows)} evaluations, expected {evals}")
    shutil.rmtree(run_dir)
    return [(1 - float(r[hi]), 1 - float(r[lo])) for r in rows if r[status] == "ok"]


def prepare(tmp, hymod):
    """examples/hymod-exe with the two objectives and padds, as the integration test has it."""
    for part in ["hymod-data", "hymod-exe"]:
        shutil.copytree(os.path.join(ROOT, "examples", part), os.path.join(tmp, part))
    text = open(os.path.join(tmp, "hymod-exe", "tidepool.toml")).read()
    text = text.replace("../../target/release/tidepool-hymod", hymod)
    observed = ('observed = { csv = "../hymod-data/hymod_input.csv", date = "Date", value = "Discharge[ls-1]", '
                'date_format = "%d.%m.%Y", delimiter = ";", factor = 0.048457655636567586 }')
    terms = "".join(f'[[objective.terms]]\nname = "{m}"\nmetric = "{m}"\nsimulated = "q"\n{observed}\n'
                    for m in ["kge_high", "kge_low"])
    objective = f'[objective]\ncalibration = ["2013-01-01", "2016-12-31"]\n{terms}\n[optimizer]\nalgorithm = "padds"\n\n'
    start, end = text.index("\n[objective]\n") + 1, text.index("[[parameters]]")
    open(os.path.join(tmp, "hymod-exe", "base.toml"), "w").write(text[:start] + objective + text[end:])


def summary(values):
    return float(np.median(values))


def main():
    tidepool, seeds, evals, tmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    prepare(tmp, os.path.join(os.path.dirname(tidepool), "tidepool-hymod"))
    hv = {"spotpy": [], "ones": [], "hvc": []}
    size = {k: [] for k in hv}
    for s in range(seeds):
        t = time.perf_counter()
        sides = {
            "spotpy": spotpy_side(1000 + s, evals),
            "ones": tidepool_side(tidepool, tmp, 1000 + s, evals, "ones"),
            "hvc": tidepool_side(tidepool, tmp, 1000 + s, evals, "hvc"),
        }
        for k, points in sides.items():
            f = front(points)
            hv[k].append(hypervolume(f))
            size[k].append(len(f))
        print(f"seed {s + 1}/{seeds}: hv spotpy {hv['spotpy'][-1]:.4f} ones {hv['ones'][-1]:.4f} "
              f"hvc {hv['hvc'][-1]:.4f} ({time.perf_counter() - t:.0f} s)", file=sys.stderr)
    p = lambda a, b: float(mannwhitneyu(hv[a], hv[b], alternative="two-sided").pvalue)
    print(json.dumps({
        "evals": evals, "seeds": seeds, "reference": REF, "bound_rule": os.environ.get("BOUND_RULE", "reflect"),
        "spotpy_padds_hv_median": summary(hv["spotpy"]),
        "padds_ones_hv_median": summary(hv["ones"]),
        "padds_hvc_hv_median": summary(hv["hvc"]),
        "ones_vs_spotpy_p": p("ones", "spotpy"),
        "hvc_vs_spotpy_p": p("hvc", "spotpy"),
        "front_size_median": {k: summary(v) for k, v in size.items()},
        "hv": hv,
    }))


if __name__ == "__main__":
    main()
