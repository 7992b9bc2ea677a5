"""tidepool python slot: import the user's function once, then evaluate trials.

Started as `python -c <this file> MODULE:FUNCTION [SYS_PATH_DIR ...]`. The protocol
runs on private duplicates of the original stdin and stdout, one JSON object per line;
fd 0 is then /dev/null and fd 1 goes to stderr, so whatever the user's code prints
cannot corrupt it.

Out:  {"kind": "ready", "python": "3.11.7", "pid": 123}
      {"kind": "not_ready", "error": "...", "traceback": "..."}   (then exit 1)
In:   {"trial": 7, "attempt": 1, "params": [["k", 0.5], ...]}
Out:  {"kind": "result", "trial": 7, "objective": 0.3, "responses": {"kge": 0.7},
       "series": {"q": {"start": "2012-01-01", "step_seconds": 86400, "values": [...]},
                  "h": {"times": [1325376000, ...], "values": [...]}}}
      {"kind": "error", "trial": 7, "error": "ValueError: ...", "traceback": "..."}
Non-finite numbers travel as the strings "nan", "inf", "-inf".

The function is called as function(params) or, when it takes a second positional
argument without a default (or one named workdir, or *args), function(params, workdir)
with the slot's work directory. It returns a
number, a dict of numbers (optionally "objective"), or a dict that also holds series:
lists or 1-d arrays sharing the dict's "start" (a date) and optional "step_seconds"
(default one day), or pandas Series with a DatetimeIndex (times in UTC; naive = UTC).
A bare pandas Series is the series named by its name, else "simulated".
"""

import importlib
import inspect
import json
import math
import os
import sys
import traceback

TRACEBACK_CHARS = 4000


def open_protocol():
    proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, "r")
    sys.stdout = sys.stderr
    return proto_in, proto_out


def send(out, message):
    out.write(json.dumps(message) + "\n")
    out.flush()


def load(target, path):
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"expected MODULE:FUNCTION, got {target!r}")
    sys.path[0:0] = path
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{target} is {type(obj).__name__}, not a function")
    return obj


def number(value, what):
    if isinstance(value, (bool, str, bytes)) or value is None:
        raise TypeError(f"{what} is {type(value).__name__}; expected a number")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is {type(value).__name__}; expected a number") from None
    return x if math.isfinite(x) else repr(x)


def takes_workdir(function):
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return True
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) < 2:
        return False
    # A second argument with a default is only the workdir when it says so by name.
    return positional[1].default is inspect.Parameter.empty or positional[1].name == "workdir"


def is_pandas_series(value):
    return type(value).__name__ == "Series" and hasattr(value, "index") and hasattr(value, "to_numpy")


def is_sequence(value):
    if isinstance(value, (list, tuple)):
        return True
    return getattr(value, "ndim", 0) == 1 and hasattr(value, "tolist")


def point(value, what):
    return "nan" if value is None else number(value, what)


def values_of(items, what):
    return [point(x, what) for x in (items.tolist() if hasattr(items, "tolist") else items)]


def pandas_series(value, what):
    index = value.index
    if type(index).__name__ != "DatetimeIndex":
        raise TypeError(f"{what} has a {type(index).__name__}; expected a DatetimeIndex")
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    times = index.values.astype("datetime64[s]").astype("int64").tolist()
    return {"times": times, "values": values_of(value.to_numpy(dtype=float), what)}


def date_text(start):
    if isinstance(start, str):
        return start
    if hasattr(start, "isoformat"):
        try:
            return start.isoformat(sep=" ")
        except TypeError:
            return start.isoformat()
    raise TypeError(f"\"start\" is {type(start).__name__}; expected a date such as \"2012-01-01\"")


def reading(value):
    if value is None:
        return None, {}, {}
    if is_pandas_series(value):
        name = value.name if isinstance(value.name, str) else "simulated"
        return None, {}, {name: pandas_series(value, f"series {name!r}")}
    if not isinstance(value, dict):
        return number(value, "the return value"), {}, {}
    objective, responses, series = None, {}, {}
    regular = {}
    for key, item in value.items():
        key = str(key)
        if key in ("start", "step_seconds"):
            continue
        if is_pandas_series(item):
            series[key] = pandas_series(item, f"series {key!r}")
        elif is_sequence(item):
            regular[key] = values_of(item, f"a value of series {key!r}")
        else:
            x = number(item, f"response {key!r}")
            if key == "objective":
                objective = x
            else:
                responses[key] = x
    if regular:
        if "start" not in value:
            names = ", ".join(repr(k) for k in regular)
            raise TypeError(f"series {names} need a \"start\" date in the returned dict")
        start = date_text(value["start"])
        step = value.get("step_seconds", 86400)
        if isinstance(step, bool) or not isinstance(step, (int, float)) or step <= 0 or step != int(step):
            raise TypeError(f"\"step_seconds\" is {step!r}; expected a positive whole number")
        for key, items in regular.items():
            series[key] = {"start": start, "step_seconds": int(step), "values": items}
    return objective, responses, series


def failure(exc):
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    sys.stderr.write(text)
    sys.stderr.flush()
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return error, text[-TRACEBACK_CHARS:]


def serve(function, proto_in, proto_out):
    workdir = os.environ.get("TIDEPOOL_WORKDIR", os.getcwd())
    with_workdir = takes_workdir(function)
    for line in proto_in:
        request = json.loads(line)
        trial = request["trial"]
        try:
            params = dict(request["params"])
            result = function(params, workdir) if with_workdir else function(params)
            objective, responses, series = reading(result)
        except Exception as exc:
            error, tb = failure(exc)
            send(proto_out, {"kind": "error", "trial": trial, "error": error, "traceback": tb})
            continue
        send(proto_out, {"kind": "result", "trial": trial, "objective": objective,
                         "responses": responses, "series": series})


def main():
    proto_in, proto_out = open_protocol()
    try:
        function = load(sys.argv[1], sys.argv[2:])
    except BaseException as exc:
        error, tb = failure(exc)
        send(proto_out, {"kind": "not_ready", "error": error, "traceback": tb})
        sys.exit(1)
    send(proto_out, {"kind": "ready", "python": sys.version.split()[0], "pid": os.getpid()})
    serve(function, proto_in, proto_out)


main()
