"""The storm bench's model, installed into the bench venv's site-packages.

Importing it imports what a calibration framework's worker imports (numpy, pandas,
xarray, netCDF4, scipy) and reads the forcing; `evaluate(params)` runs a linear
reservoir over three years of daily forcing (a few ms) and returns its RMSE against
the synthetic observations (after sleeping the seconds in the inputs' `sleep_s`
when that file exists: a longer model, for bench/storm's steady-state run). Under tidepool the forcing is read from the staged copy
(`TIDEPOOL_STAGED/data/inputs`), elsewhere from `STORM_INPUTS`.
"""
import os
import time

import netCDF4  # noqa: F401
import numpy as np
import pandas as pd
import scipy.optimize  # noqa: F401
import scipy.signal  # noqa: F401
import scipy.stats  # noqa: F401
import xarray as xr


def _inputs_dir():
    staged = os.environ.get("TIDEPOOL_STAGED")
    if staged and os.path.isdir(os.path.join(staged, "data", "inputs")):
        return os.path.join(staged, "data", "inputs")
    return os.environ["STORM_INPUTS"]


_FORCING = xr.Dataset.from_dataframe(
    pd.read_csv(os.path.join(_inputs_dir(), "forcing.csv"), index_col="day"))
_P = _FORCING["p"].values
_PET = _FORCING["pet"].values
_OBS = _FORCING["q"].values


def simulate(k, smax):
    s, q = 0.0, np.empty(len(_P))
    for i in range(len(_P)):
        s = min(s + _P[i] - 0.5 * _PET[i] * s / smax if s > 0 else s + _P[i], smax)
        s = max(s, 0.0)
        q[i] = k * s
        s -= q[i]
    return q


def _sleep_s():
    path = os.path.join(_inputs_dir(), "sleep_s")
    return float(open(path).read()) if os.path.exists(path) else 0.0


_SLEEP_S = _sleep_s()


def evaluate(params):
    if _SLEEP_S:
        time.sleep(_SLEEP_S)  # a longer model, for the steady-state figure
    q = simulate(float(params["k"]), float(params["smax"]))
    return float(np.sqrt(np.mean((q - _OBS) ** 2)))
