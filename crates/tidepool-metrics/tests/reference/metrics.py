"""Independent reference for tidepool-metrics, written from the textbook definitions
with numpy and pandas. Reads a CSV of hourly `time,sim,obs` rows (Unix seconds) and
prints one JSON object: the metrics over all hourly pairs, and KGE/NSE over daily means
within a period [start, end)."""
import json
import sys

import numpy as np
import pandas as pd

path, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
df = pd.read_csv(path)
missing = lambda v: ~np.isfinite(v) | (v == -9999.0)
df.loc[missing(df["sim"]), "sim"] = np.nan
df.loc[missing(df["obs"]), "obs"] = np.nan


def kge(s, o):
    r = np.corrcoef(s, o)[0, 1]
    alpha = np.std(s, ddof=1) / np.std(o, ddof=1)
    return 1 - np.sqrt((r - 1) ** 2 + (alpha - 1) ** 2 + (s.mean() / o.mean() - 1) ** 2)


def metrics(s, o):
    ok = ~(np.isnan(s) | np.isnan(o))
    s, o = s[ok], o[ok]
    high = o > np.median(o)
    r = np.corrcoef(s, o)[0, 1]
    alpha = np.std(s, ddof=1) / np.std(o, ddof=1)
    beta = s.mean() / o.mean()
    gamma = (np.std(s) / s.mean()) / (np.std(o) / o.mean())
    nse = lambda a, b: 1 - np.sum((a - b) ** 2) / np.sum((b - b.mean()) ** 2)
    eps = o.mean() / 100
    return {
        "pairs": int(ok.sum()),
        "kge": 1 - np.sqrt((r - 1) ** 2 + (alpha - 1) ** 2 + (beta - 1) ** 2),
        "kge2012": 1 - np.sqrt((r - 1) ** 2 + (gamma - 1) ** 2 + (beta - 1) ** 2),
        "nse": nse(s, o),
        "lognse": nse(np.log(s + eps), np.log(o + eps)),
        "rmse": np.sqrt(np.mean((s - o) ** 2)),
        "mae": np.mean(np.abs(s - o)),
        "pbias": 100 * np.sum(s - o) / np.sum(o),
        "r2": r**2,
        "kge_high": kge(s[high], o[high]),
        "kge_low": kge(s[~high], o[~high]),
    }


hourly = metrics(df["sim"].to_numpy(), df["obs"].to_numpy())
ts = df.set_index(pd.to_datetime(df["time"], unit="s", utc=True))
daily = ts[["sim", "obs"]].resample("1D").mean()
day_secs = (daily.index - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
daily = daily[(day_secs >= start) & (day_secs < end)]
d = metrics(daily["sim"].to_numpy(), daily["obs"].to_numpy())
print(json.dumps({"hourly": hourly, "daily": {"pairs": d["pairs"], "kge": d["kge"], "nse": d["nse"]}}))
