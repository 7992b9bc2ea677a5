"""SPOTPY's DDS (and sceua, optim_sceua.py) on the benchmark functions, compared with
tidepool's results.

Usage: optim-spotpy.py TIDEPOOL_JSON SEEDS EVALS JOURNAL_TRIALS_PER_SEC|null
Prints the bench/optim JSON line. SPOTPY maximises: its objective is -f.
"""

import contextlib
import io
import json
import math
import sys

import numpy as np
import spotpy
from scipy.stats import mannwhitneyu

import optim_par
from optim_sceua import sceua_fields

D = 10


def griewank(x):
    j = np.arange(1, len(x) + 1)
    return 1 + np.sum(x**2) / 4000 - np.prod(np.cos(x / np.sqrt(j)))


def ackley(x):
    return (-20 * np.exp(-0.2 * np.sqrt(np.mean(x**2)))
            - np.exp(np.mean(np.cos(2 * np.pi * x))) + 20 + math.e)


def rastrigin(x):
    return 10 * len(x) + np.sum(x**2 - 10 * np.cos(2 * np.pi * x))


def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


FUNCTIONS = {
    "griewank": (griewank, -600.0, 600.0),
    "ackley": (ackley, -32.768, 32.768),
    "rastrigin": (rastrigin, -5.12, 5.12),
    "rosenbrock": (rosenbrock, -5.0, 10.0),
}


class Setup:
    def __init__(self, fn, lo, hi):
        self.fn = fn
        self.params = [
            spotpy.parameter.Uniform(f"x{j}", low=lo, high=hi, minbound=lo, maxbound=hi)
            for j in range(D)
        ]
        self.best = math.inf
        self.calls = 0

    def parameters(self):
        return spotpy.parameter.generate(self.params)

    def simulation(self, x):
        value = float(self.fn(np.asarray(x, dtype=float)))
        self.best = min(self.best, value)
        self.calls += 1
        return [value]

    def evaluation(self):
        return [0.0]

    def objectivefunction(self, simulation, evaluation, params=None):
        return -simulation[0]


def spotpy_best(name, seed, evals):
    fn, lo, hi = FUNCTIONS[name]
    setup = Setup(fn, lo, hi)
    np.random.seed(seed)
    sampler = spotpy.algorithms.dds(setup, dbformat="ram", save_sim=False)
    with contextlib.redirect_stdout(io.StringIO()):
        sampler.sample(evals)
    if setup.calls != evals:
        raise SystemExit(f"SPOTPY made {setup.calls} evaluations, expected {evals}")
    return setup.best


def main():
    tidepool = json.load(open(sys.argv[1]))
    seeds, evals = int(sys.argv[2]), int(sys.argv[3])
    journal = None if sys.argv[4] == "null" else float(sys.argv[4])
    out = {}
    for name in FUNCTIONS:
        ours = tidepool[name]
        ref = [spotpy_best(name, 1000 + s, evals) for s in range(seeds)]
        p = mannwhitneyu(ours["dds"], ref, alternative="two-sided").pvalue
        p_async = mannwhitneyu(ours["async"], ours["dds"], alternative="two-sided").pvalue
        out[name] = {
            "dds_mean": float(np.mean(ours["dds"])),
            "dds_std": float(np.std(ours["dds"], ddof=1)),
            "spotpy_mean": float(np.mean(ref)),
            "spotpy_std": float(np.std(ref, ddof=1)),
            "async_mean": float(np.mean(ours["async"])),
            "async_std": float(np.std(ours["async"], ddof=1)),
            "pool_mean": float(np.mean(ours["pool"])),
            "pool_std": float(np.std(ours["pool"], ddof=1)),
            "dds_vs_spotpy_p": float(p),
            "dds_matches_reference": bool(p > 0.05),
            "async_vs_dds_p": float(p_async),
            "async_idle_fraction": ours["async_idle_fraction_median"],
            "pool_idle_fraction": ours["pool_idle_fraction_median"],
            "pool_barrier_lost_fraction": ours["pool_barrier_lost_fraction_median"],
        }
        out[name].update(optim_par.figures(ours))
        out[name].update(sceua_fields(ours, lambda: Setup(*FUNCTIONS[name]), seeds, evals))
    out["test"] = "Mann-Whitney U, two-sided, p > 0.05"
    out["seeds"] = seeds
    out["evaluations"] = evals
    out["journal_trials_per_sec"] = journal
    print(json.dumps(out))


if __name__ == "__main__":
    main()
