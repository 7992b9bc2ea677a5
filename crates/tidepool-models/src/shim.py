"""tidepool python slot: import the user's function once, then evaluate trials.

Started as `python -c <this file> MODULE:FUNCTION [SYS_PATH_DIR ...]`. The protocol
runs on private duplicates of the original stdin and stdout, one JSON object per line;
fd 0 is then /dev/null and fd 1 goes to stderr, so whatever the user's code prints
cannot corrupt it.

Out:  {"kind": "ready", "python": "3.11.7", "pid": 123}
      {"kind": "not_ready", "error": "...", "traceback": "..."}   (then exit 1)
In:   {"trial": 7, "attempt": 1, "params": [["k", 0.5], ...]}
Out:  {"kind": "result", "trial": 7, "objective": 0.3, "responses": {"kge": 0.7}}
      {"kind": "error", "trial": 7, "error": "ValueError: ...", "traceback": "..."}
Non-finite numbers travel as the strings "nan", "inf", "-inf".
"""

import importlib
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


def reading(value):
    if value is None:
        return None, {}
    if isinstance(value, dict):
        objective, responses = None, {}
        for key, item in value.items():
            x = number(item, f"response {key!r}")
            if key == "objective":
                objective = x
            else:
                responses[str(key)] = x
        return objective, responses
    return number(value, "the return value"), {}


def failure(exc):
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    sys.stderr.write(text)
    sys.stderr.flush()
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return error, text[-TRACEBACK_CHARS:]


def serve(function, proto_in, proto_out):
    for line in proto_in:
        request = json.loads(line)
        trial = request["trial"]
        try:
            objective, responses = reading(function(dict(request["params"])))
        except Exception as exc:
            error, tb = failure(exc)
            send(proto_out, {"kind": "error", "trial": trial, "error": error, "traceback": tb})
            continue
        send(proto_out, {"kind": "result", "trial": trial,
                         "objective": objective, "responses": responses})


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
