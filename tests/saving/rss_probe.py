"""Loading a file in a fresh process: its error, time and peak RSS growth,
for the tests that hold loading to what a file really holds."""
import json
import os
import subprocess
import sys

import fastgraph

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(fastgraph.__file__)))

_PROBE = """
import json, sys, time
from fastgraph.saving import load_model


def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))


load_model(sys.argv[1])                  # imports everything loading uses
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")                         # the peak (VmHWM) restarts from now
before = status("VmRSS:")
start = time.perf_counter()
try:
    load_model(sys.argv[2])
    message = None
except ValueError as err:
    message = str(err)
print(json.dumps({"message": message, "seconds": time.perf_counter() - start,
                  "grew_mb": (status("VmHWM:") - before) / 1024}))
"""


def probe(valid, hostile):
    """Load `valid` (to import what loading uses), then `hostile`, in a fresh
    process: {'message': its ValueError or None, 'seconds', 'grew_mb': peak
    resident memory during the load over what was resident before it}."""
    env = dict(os.environ, PYTHONPATH=_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", _PROBE, str(valid), str(hostile)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])
