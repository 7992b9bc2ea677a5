"""HYMOD for tidepool's python slots: `simulate(params)` returns the daily discharge.

The same model and the same arithmetic as the workspace's `tidepool-hymod` binary and
SPOTPY 1.6.7's `spotpy/examples/hymod_python/hymod.py` (Houska et al. 2015, MIT): a soil
store with Pareto-distributed capacities (cmax, bexp), the excess split by alpha into
three quick linear reservoirs (Kq) in series and one slow reservoir (Ks), all starting
empty. Rainfall, PET and discharge in mm/day. No numpy needed.

The forcing (../hymod-data/hymod_input.csv, or the file named by HYMOD_FORCING) is read
once, when the slot imports this module.
"""

import datetime
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
FORCING = os.environ.get("HYMOD_FORCING", os.path.join(_HERE, "..", "hymod-data", "hymod_input.csv"))


def _read_forcing(path):
    """Dates, rainfall and PET from the `;`- (or `,`-) separated forcing file."""
    with open(path) as f:
        header = f.readline()
        sep = ";" if ";" in header else ","
        dates, rain, pet = [], [], []
        for number, line in enumerate(f, start=2):
            if not line.strip():
                continue
            cells = line.strip().split(sep)
            try:
                dates.append(datetime.datetime.strptime(cells[0], "%d.%m.%Y").date())
                rain.append(float(cells[1]))
                pet.append(float(cells[2]))
            except (IndexError, ValueError) as e:
                raise ValueError(f"{path}:{number}: cannot read date;rain;PET from {line.strip()!r}: {e}")
    return dates, rain, pet


DATES, RAIN, PET = _read_forcing(FORCING)


def _linear_reservoir(store, inflow, k):
    store = (1 - k) * store + (1 - k) * inflow
    return store, (k / (1 - k)) * store


def _soil(previous, cmax, bexp, rain, pet):
    """One day of the soil store: (ER1, ER2, new storage)."""
    ct_prev = cmax * (1 - abs(1 - ((bexp + 1) * previous / cmax)) ** (1 / (bexp + 1)))
    er1 = max(rain - cmax + ct_prev, 0.0)
    rain = rain - er1
    filled = min((ct_prev + rain) / cmax, 1)
    storage = (cmax / (bexp + 1)) * (1 - abs(1 - filled) ** (bexp + 1))
    er2 = max(rain - (storage - previous), 0)
    full = cmax / (bexp + 1)
    evap = (1 - ((full - storage) / full)) * pet
    return er1, er2, max(storage - evap, 0)


def hymod(rain, pet, cmax, bexp, alpha, ks, kq):
    """Discharge (mm/day) for each day."""
    soil, slow, quick = 0.0, 0.0, [0.0, 0.0, 0.0]
    out = []
    for p, e in zip(rain, pet):
        er1, er2, soil = _soil(soil, cmax, bexp, p, e)
        effective = er1 + er2
        slow, qs = _linear_reservoir(slow, (1 - alpha) * effective, ks)
        flow = alpha * effective
        for i in range(3):
            quick[i], flow = _linear_reservoir(quick[i], flow, kq)
        out.append(qs + flow)
    return out


def simulate(params):
    """tidepool's entry point: params {cmax, bexp, alpha, Ks, Kq} -> the series `q`."""
    q = hymod(RAIN, PET, params["cmax"], params["bexp"], params["alpha"], params["Ks"], params["Kq"])
    return {"q": q, "start": DATES[0].isoformat()}
