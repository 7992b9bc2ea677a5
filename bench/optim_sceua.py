"""SPOTPY 1.6.7's sceua on bench/optim's functions, for optim-spotpy.py's sce-ua fields.

SPOTPY's sceua minimises the objective as given (its DDS maximises), so the setup's
objective is +f here. It finishes the loop it is in when its repetitions run out (and
counts each evolution trial twice against them), so it evaluates more often than asked:
so it is asked for 3 x EVALS repetitions and stopped at its EVALS-th evaluation (the
number tidepool's sce-ua gets): the trajectory up to there is SPOTPY's own.
Both sides use SPOTPY's defaults (ngs = 20, kstop = 100, pcento = peps = 1e-7).
"""

import contextlib
import io
import math

import numpy as np
import spotpy
from scipy.stats import mannwhitneyu


class Enough(Exception):
    """Raised at the evaluation after the last one counted."""


class FirstEvals:
    """The setup's simulation, counted: the best value of the first `evals` calls."""

    def __init__(self, setup, evals):
        self.fn = setup.fn
        self.evals = evals
        self.best = math.inf
        self.calls = 0
        setup.simulation = self
        setup.objectivefunction = lambda simulation, evaluation, params=None: simulation[0]

    def __call__(self, x):
        if self.calls == self.evals:
            raise Enough()
        value = float(self.fn(np.asarray(x, dtype=float)))
        self.calls += 1
        self.best = min(self.best, value)
        return [value]


def spotpy_sceua_best(make_setup, seed, evals):
    """SPOTPY's sceua on a fresh setup from `make_setup()`: its best of `evals` calls."""
    setup = make_setup()
    counter = FirstEvals(setup, evals)
    np.random.seed(seed)
    sampler = spotpy.algorithms.sceua(setup, dbformat="ram", save_sim=False)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(Enough):
        sampler.sample(3 * evals)
    if counter.calls != evals:
        raise SystemExit(f"SPOTPY's sceua stopped after {counter.calls} evaluations, expected {evals}")
    return counter.best


def sceua_fields(ours, make_setup, seeds, evals):
    """The sce-ua fields of one function's entry in the JSON line."""
    ref = [spotpy_sceua_best(make_setup, 1000 + s, evals) for s in range(seeds)]
    serial = ours["sceua_serial"]
    return {
        "sceua_mean": float(np.mean(ours["sceua"])),
        "sceua_std": float(np.std(ours["sceua"], ddof=1)),
        "sceua_serial_mean": float(np.mean(serial)),
        "spotpy_sceua_mean": float(np.mean(ref)),
        "spotpy_sceua_std": float(np.std(ref, ddof=1)),
        "sceua_vs_spotpy_p": float(mannwhitneyu(ours["sceua"], ref, alternative="two-sided").pvalue),
        "sceua_serial_vs_spotpy_p": float(mannwhitneyu(serial, ref, alternative="two-sided").pvalue),
        "sceua_vs_dds_p": float(mannwhitneyu(ours["sceua"], ours["dds"], alternative="two-sided").pvalue),
        "sceua_idle_fraction": ours["sceua_idle_fraction_median"],
    }
