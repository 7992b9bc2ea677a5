"""Two workarounds that let SPOTPY 1.6.7's `padds` run under numpy >= 1.24 without
changing its algorithm (bench/padds): numpy now refuses ragged arrays, which padds builds
for its archive rows [objectives, parameters], so `np.array` inside padds retries with
dtype=object; and `nd_check` returns a 1-D row instead of a one-row archive when a
candidate dominates every member, so its result is reshaped to (1, 2). The initial
archive (calc_initial_pareto_front) is broken for more than two parameters in any numpy;
bench/padds.py evaluates the initial samples itself and passes them as initial_objs."""

import types, numpy as np
import sys, spotpy.algorithms
padds_module = sys.modules["spotpy.algorithms.padds"]
class _NumpyShim(types.ModuleType):
    def __getattr__(self, name):
        return getattr(np, name)
    @staticmethod
    def array(obj, *args, **kwargs):
        try:
            return np.array(obj, *args, **kwargs)
        except ValueError:
            kwargs["dtype"] = object
            return np.array(obj, *args, **kwargs)
padds_module.np = _NumpyShim("numpy")
_nd_check = padds_module.nd_check
def _nd_check_2d(nd_set, objective_values, parameter_set):
    out, flag = _nd_check(nd_set, objective_values, parameter_set)
    if out.ndim == 1:
        fixed = np.empty((1, 2), dtype=object)
        fixed[0, 0], fixed[0, 1] = out[0], out[1]
        out = fixed
    return out, flag
padds_module.nd_check = _nd_check_2d
