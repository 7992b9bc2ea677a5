"""A's worker (the shape of `mpirun -n N python worker.py` per batch): a fresh
interpreter that imports the model, evaluates the trial in argv, prints the result."""
import json
import sys

import storm_model

print(json.dumps(storm_model.evaluate({"k": float(sys.argv[1]), "smax": float(sys.argv[2])})))
