"""B's worker (the framework's persistent ranks): imports the model once, says
`ready`, then evaluates one JSON trial per stdin line and answers on stdout."""
import json
import sys

import storm_model

print("ready", flush=True)
for line in sys.stdin:
    params = json.loads(line)
    print(json.dumps(storm_model.evaluate(params)), flush=True)
