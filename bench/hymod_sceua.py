"""bench/hymod's sce-ua sides (hymod.py dispatches to them):

- "spotpy-sceua": SPOTPY 1.6.7's sceua on its own HYMOD python setup, minimising -KGE
  (SPOTPY's sceua minimises the objective as given), stopped at its EVALS-th model run;
- "sceua-exe": tidepool's sce-ua on examples/hymod-exe with 4 slots (the complexes
  step concurrently).

Both with SPOTPY's defaults (ngs = 20, kstop = 100, pcento = peps = 1e-7). SPOTPY's sceua
finishes the loop it is in when its repetitions run out, and scores an accepted point
again without running the model, so runs of the model are counted, not scores: it is
asked for 3 x EVALS repetitions and stopped when it asks for model run EVALS + 1.
"""

import contextlib
import io
import math
import re
import time

import numpy as np
import spotpy

from hymod_spotpy import spot_setup

SIDES = ("spotpy-sceua", "sceua-exe")


class Enough(Exception):
    """Raised when the model would run once more than the budget."""


class Budgeted:
    """Wraps a SPOTPY setup's simulation (counted, stopped at `evals`) and objective
    (negated for the minimiser), keeping the best KGE."""

    def __init__(self, setup, evals):
        self.simulate, self.score = setup.simulation, setup.objectivefunction
        self.evals, self.runs, self.best = evals, 0, -math.inf
        setup.simulation = self.simulation
        setup.objectivefunction = self.objective

    def simulation(self, x):
        if self.runs == self.evals:
            raise Enough()
        self.runs += 1
        return self.simulate(x)

    def objective(self, simulation, evaluation, params=None):
        kge = self.score(simulation, evaluation, params)
        if np.isfinite(kge):
            self.best = max(self.best, float(kge))
        return -kge


def spotpy_sceua(seed, evals):
    """SPOTPY's sceua on its HYMOD setup: (best KGE, wall seconds)."""
    np.random.seed(seed)
    start = time.perf_counter()
    setup = spot_setup(spotpy.objectivefunctions.kge)
    budget = Budgeted(setup, evals)
    sampler = spotpy.algorithms.sceua(setup, dbformat="ram", save_sim=False)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(Enough):
        sampler.sample(3 * evals)
    wall = time.perf_counter() - start
    if budget.runs != evals:
        raise SystemExit(f"SPOTPY's sceua ran the model {budget.runs} times, expected {evals}")
    return budget.best, wall


def sceua_exe_config(exe_config):
    """hymod.py's exe config maker, switched to sce-ua on 4 slots."""

    def make(seed, evals):
        text = exe_config(seed, evals)
        text, algs = re.subn(r'(?m)^algorithm = "dds"', 'algorithm = "sce-ua"', text)
        text, slots = re.subn(r"(?m)^per_node = 1\b", "per_node = 4", text)
        assert algs == 1 and slots == 1, "example's [optimizer] or [slots] changed"
        return text

    return make


def summary(results, ref):
    """The sce-ua fields of the JSON line: KGE mean/std, p against SPOTPY's DDS side
    (`ref`, when run) and between the two sce-ua sides, median wall time."""
    from scipy.stats import mannwhitneyu

    out = {}
    for side in SIDES:
        key = side.replace("-", "_")
        kge, wall = results.get(side, (None, None))
        out[f"{key}_kge_mean"] = float(np.mean(kge)) if kge else None
        out[f"{key}_kge_std"] = float(np.std(kge, ddof=1)) if kge and len(kge) > 1 else None
        out[f"{key}_wall_s"] = float(np.median(wall)) if wall else None
        if kge and ref:
            out[f"{key}_vs_spotpy_dds_p"] = float(mannwhitneyu(kge, ref, alternative="two-sided").pvalue)
    if all(side in results for side in SIDES):
        ours, theirs = results["sceua-exe"][0], results["spotpy-sceua"][0]
        out["sceua_vs_spotpy_p"] = float(mannwhitneyu(ours, theirs, alternative="two-sided").pvalue)
        out["sceua_mean"], out["spotpy_sceua_mean"] = out["sceua_exe_kge_mean"], out["spotpy_sceua_kge_mean"]
    return out
