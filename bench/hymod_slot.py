"""The python-slot model of bench/hymod's "python" side: SPOTPY 1.6.7's own `hymod`
function on SPOTPY's own forcing (read by its setup class, from the installed package),
so that tidepool's dds and SPOTPY's DDS see the identical model.

`simulate(params)` returns the whole simulated series in l/s, multiplied by the setup's
factor exactly as `spot_setup.simulation` does, from 2012-01-01; tidepool's
`[objective]` then scores 2013-01-01 .. 2016-12-31, the same 1,461 values SPOTPY scores
(`sim[366:]`) against the same observations, with no unit factor.
"""

from spotpy.examples.hymod_python.hymod import hymod
from spotpy.examples.spot_setup_hymod_python import spot_setup

SETUP = spot_setup()


def simulate(params):
    q = hymod(SETUP.Precip, SETUP.PET, params["cmax"], params["bexp"], params["alpha"],
              params["Ks"], params["Kq"])
    return {"q": [v * SETUP.Factor for v in q], "start": SETUP.date[0].strftime("%Y-%m-%d")}
