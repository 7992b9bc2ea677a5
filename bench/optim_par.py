"""The parallel-DDS figures of bench/optim, from optim_bench's `par` object.

par-dds against serial dds at equal evaluations (4, 16, 64 slots; the headline
`par_*` keys at 16), at equal wall time on the simulated clock, and its variants.
"""

import numpy as np
from scipy.stats import mannwhitneyu

HEADLINE_SLOTS = "16"
PARALLEL = ("par", "async", "pool")


def _p(a, b, alternative="two-sided"):
    return float(mannwhitneyu(a, b, alternative=alternative).pvalue)


def _equal_evaluations(at, dds):
    out = {}
    for key in PARALLEL:
        out[f"{key}_mean"] = float(np.mean(at[key]))
        out[f"{key}_vs_dds_p"] = _p(at[key], dds)
        out[f"{key}_idle_fraction"] = at[f"{key}_idle_fraction"]
    # one-sided: is par-dds worse (larger) than serial dds?
    out["par_worse_than_dds_p"] = _p(at["par"], dds, "greater")
    return out


def _equal_wall_time(wall):
    dds_mean = float(np.mean(wall["dds"]))
    out = {}
    for slots, at in wall.items():
        if slots == "dds":
            continue
        row = {"dds_mean": dds_mean}
        for key in PARALLEL:
            mean = float(np.mean(at[key]))
            row[f"{key}_mean"] = mean
            # how many times lower (better) than serial dds's best at the same wall time
            row[f"{key}_gain"] = dds_mean / mean if mean > 0 else None
            row[f"{key}_vs_dds_p"] = _p(at[key], wall["dds"])
        out[slots] = row
    return out


def figures(ours):
    """The par keys of one function's entry in the bench/optim JSON line."""
    par, dds = ours["par"], ours["dds"]
    slots = {s: _equal_evaluations(at, dds) for s, at in par["equal_evaluations"].items()}
    head = slots[HEADLINE_SLOTS]
    variants = {
        name: {"mean": float(np.mean(v)), "vs_dds_p": _p(v, dds)}
        for name, v in par["variants"].items()
    }
    return {
        "par_mean": head["par_mean"],
        "par_std": float(np.std(par["equal_evaluations"][HEADLINE_SLOTS]["par"], ddof=1)),
        "par_vs_dds_p": head["par_vs_dds_p"],
        "par_worse_than_dds_p": head["par_worse_than_dds_p"],
        "par_idle_fraction": head["par_idle_fraction"],
        "par_by_slots": slots,
        "par_equal_wall_time": _equal_wall_time(par["equal_wall_time"]),
        "par_variants": variants,
        "par_variant_slots": par["variant_slots"],
    }
