"""SPOTPY 1.6.7's DDS on its own HYMOD python setup, KGE maximised (bench/hymod).

Usage: hymod_spotpy.py SEEDS EVALS (bench/hymod imports `calibrate` from here)
Prints one JSON object: {"kge": [best KGE per seed], "wall_s": [seconds per calibration]}.
The setup is the installed package's `spot_setup_hymod_python` with SPOTPY's own `kge`:
its model output in mm/day times 1.783e6 / 86400 (l/s), scored from day 367 (2013-01-01)
against the observed discharge. SPOTPY's DDS maximises the objective.
"""

import contextlib
import io
import json
import math
import sys
import time

import numpy as np
import spotpy

# SPOTPY's Uniform parameters derive their bounds (minbound/maxbound, the ones DDS uses)
# from 1,000 random draws when the setup class is defined, i.e. at this import: seeded,
# so that every run of the bench gets the same bounds (slightly inside the nominal ones).
np.random.seed(0)
from spotpy.examples.spot_setup_hymod_python import spot_setup  # noqa: E402

NAMES = ["cmax", "bexp", "alpha", "Ks", "Kq"]
BOUNDS = {n: [float(getattr(spot_setup, n).minbound), float(getattr(spot_setup, n).maxbound)] for n in NAMES}


class Counting:
    """Counts evaluations of SPOTPY's setup and keeps the best KGE seen. It wraps the
    instance (SPOTPY finds the parameters among the attributes of the setup's own class,
    so a subclass would have none)."""

    def __init__(self, setup):
        self.inner = setup.objectivefunction
        self.best = -math.inf
        self.calls = 0
        setup.objectivefunction = self

    def __call__(self, simulation, evaluation, params=None):
        like = self.inner(simulation, evaluation, params)
        self.calls += 1
        if np.isfinite(like):
            self.best = max(self.best, float(like))
        return like


def calibrate(seed, evals):
    np.random.seed(seed)
    start = time.perf_counter()
    setup = spot_setup(spotpy.objectivefunctions.kge)
    counter = Counting(setup)
    sampler = spotpy.algorithms.dds(setup, dbformat="ram", save_sim=False)
    with contextlib.redirect_stdout(io.StringIO()):
        sampler.sample(evals)
    wall = time.perf_counter() - start
    if counter.calls != evals:
        raise SystemExit(f"SPOTPY made {counter.calls} evaluations, expected {evals}")
    return counter.best, wall


def main():
    seeds, evals = int(sys.argv[1]), int(sys.argv[2])
    kge, wall = [], []
    for s in range(seeds):
        best, seconds = calibrate(1000 + s, evals)
        kge.append(best)
        wall.append(seconds)
        print(f"spotpy seed {s + 1}/{seeds}: kge {best:.4f} in {seconds:.2f} s", file=sys.stderr)
    print(json.dumps({"kge": kge, "wall_s": wall}))


if __name__ == "__main__":
    main()
