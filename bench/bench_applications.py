"""Forward passes of Keras applications: fastgraph against Keras (Keras 3,
or tf-keras), one run, no assertions.

For each model (random weights, Keras's default input size) and each
framework, in a fresh process: build time, then the median of `--calls`
`predict_on_batch` calls on a batch of `--batch` images (after one warm-up
call), and images per second.  Keras runs in the interpreter given by
`--keras-python` (default: this one; skipped when it cannot import the
module named by `--keras-module`, `keras` for Keras 3 or `tf_keras`).

    python bench/bench_applications.py                         # fastgraph only
    python bench/bench_applications.py --keras-python /path/to/keras3/python
    python bench/bench_applications.py --keras-python /work/venv-tf/bin/python \\
        --keras-module tf_keras --models ResNet50,EfficientNetB0 --batch 16

The JSON goes to bench/results/applications-<date>.json.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["MobileNetV3Small", "MobileNetV2", "EfficientNetB0", "ResNet50", "DenseNet121",
          "InceptionV3", "ConvNeXtTiny", "VGG16"]

CHILD = """
import os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, {root!r})
import numpy as np
from {module} import applications
t0 = time.perf_counter()
model = getattr(applications, {name!r})(weights=None)
build = time.perf_counter() - t0
shape = ({batch},) + tuple(224 if d is None else d for d in model.input_shape[1:])
x = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
model.predict_on_batch(x)
times = []
for _ in range({calls}):
    s = time.perf_counter(); model.predict_on_batch(x); times.append(time.perf_counter() - s)
print("RESULT", build, 1000 * sorted(times)[len(times) // 2])
"""


def run(python, module, name, batch, calls):
    """(build seconds, median ms per batch) in a fresh process, or None."""
    code = CHILD.format(root=ROOT, module=module, name=name, batch=batch, calls=calls)
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT"):
            build, ms = map(float, line.split()[1:])
            return build, ms
    sys.stderr.write(f"{module} {name} failed:\n{proc.stderr[-2000:]}\n")
    return None


def keras_available(python, module):
    return subprocess.run([python, "-c", f"import {module}"],
                          capture_output=True).returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--keras-python", default=sys.executable)
    parser.add_argument("--keras-module", default="keras")
    args = parser.parse_args()
    frameworks = [("fastgraph", sys.executable, "fastgraph")]
    if keras_available(args.keras_python, args.keras_module):
        frameworks.append((args.keras_module, args.keras_python, args.keras_module))
    results = {}
    print(f"{'model':<18}" + "".join(f"{f:>28}" for f, _, _ in frameworks) + "   ratio")
    for name in args.models.split(","):
        row = {}
        for label, python, module in frameworks:
            row[label] = run(python, module, name, args.batch, args.calls)
        results[name] = row
        cells = "".join(
            f"{'failed':>28}" if row[f] is None else
            f"{row[f][1]:>10.1f} ms {args.batch * 1000 / row[f][1]:>7.1f} img/s"
            f"{row[f][0]:>5.1f}s" for f, _, _ in frameworks)
        ratio = ""
        if len(frameworks) == 2 and all(row[f] for f, _, _ in frameworks):
            ratio = f"{row['fastgraph'][1] / row[frameworks[1][0]][1]:8.2f}"
        print(f"{name:<18}{cells}{ratio}", flush=True)
    out = os.path.join(ROOT, "bench", "results",
                       f"applications-{time.strftime('%Y%m%d')}.json")
    with open(out, "w") as f:
        json.dump(dict(batch=args.batch, calls=args.calls, machine=platform.machine(),
                       processor=platform.processor(), results=results), f, indent=1)
    print("saved", out)


if __name__ == "__main__":
    main()
