"""Serve Keras models without TensorFlow: fastgraph against tf-keras, one run.

Two models trained and saved by tf-keras (`.h5`, committed under
bench/results/keras_models/): W1 (MLP 784-512-512-10, bench/workloads.py)
and the seed's two-input, two-output model (Embedding + LSTM).  For each
framework, in fresh processes: import + load_model + first prediction
(process wall seconds, peak RSS), then batch-1 and batch-256 predict
latency (median ms).  tf-keras runs in its own interpreter (--tf-python,
default /work/venv-tf/bin/python); the ratios are fastgraph / tf-keras.

    python bench/serve_keras.py                 # measure, print, save JSON
    /work/venv-tf/bin/python bench/serve_keras.py --make-models   # re-train

The JSON goes to bench/results/serve_keras-<date>.json.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "bench", "results", "keras_models")
FILES = {"W1": "w1_mlp.h5", "two_inputs": "two_inputs.h5"}
REPEATS = 3

CHILD = """
import os, sys, time, resource
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
t0 = time.perf_counter()
import numpy as np
{imports}
model = load_model({path!r}, compile=False)
xs = {inputs}
y = model.predict(xs(1), verbose=0)
first = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
lat = {{}}
for n in (1, 256):
    x = xs(n)
    {predict}(x)
    times = []
    for _ in range({calls}):
        s = time.perf_counter(); {predict}(x); times.append(time.perf_counter() - s)
    lat[n] = 1000 * sorted(times)[len(times) // 2]
print("RESULT", first, rss, lat[1], lat[256])
"""
IMPORTS = {"fastgraph": "from fastgraph.models import load_model",
           "tf-keras": "from tf_keras.models import load_model"}
# predict_on_batch is each framework's direct path for one batch.
PREDICT = {"fastgraph": "model.predict_on_batch", "tf-keras": "model.predict_on_batch"}
INPUTS = {
    "W1": "lambda n: np.random.default_rng(0).standard_normal((n, 784), dtype=np.float32)",
    "two_inputs": ("lambda n: [np.random.default_rng(0).integers(0, 1000, (n, 20))"
                   ".astype(np.int32), np.ones((n, 5), np.float32)]"),
}


def make_models():
    """Train and save the two models with tf-keras (run with its python)."""
    import tf_keras as keras
    sys.path.insert(0, ROOT)
    from bench import workloads
    os.makedirs(MODELS, exist_ok=True)
    keras.utils.set_random_seed(0)
    model, x, y, batch = workloads.w1(keras)
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    model.save(os.path.join(MODELS, FILES["W1"]), include_optimizer=False)
    L = keras.layers
    main = L.Input((20,), dtype="int32", name="main_input")
    lstm = L.LSTM(32)(L.Embedding(1000, 32)(main))
    aux_out = L.Dense(1, activation="sigmoid", name="aux_output")(lstm)
    aux = L.Input((5,), name="aux_input")
    h = L.concatenate([lstm, aux])
    for _ in range(3):
        h = L.Dense(64, activation="relu")(h)
    out = L.Dense(1, activation="sigmoid", name="main_output")(h)
    model = keras.Model([main, aux], [out, aux_out])
    model.compile("rmsprop", "binary_crossentropy", loss_weights=[1.0, 0.2])
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 1000, (256, 20)).astype(np.int32)
    labels = (tokens < 500).mean(axis=1, keepdims=True).round().astype(np.float32)
    model.fit([tokens, rng.standard_normal((256, 5)).astype(np.float32)],
              [labels, labels], epochs=1, verbose=0)
    model.save(os.path.join(MODELS, FILES["two_inputs"]), include_optimizer=False)


def run(python, framework, model, calls):
    code = CHILD.format(imports=IMPORTS[framework], path=os.path.join(MODELS, FILES[model]),
                        inputs=INPUTS[model], predict=PREDICT[framework], calls=calls)
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS="1",
               TF_NUM_INTEROP_THREADS="1", CUDA_VISIBLE_DEVICES="")
    start = time.perf_counter()
    proc = subprocess.run([python, "-c", code], env=env, capture_output=True,
                          text=True, timeout=600)
    wall = time.perf_counter() - start
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": tail}
    first, rss, lat1, lat256 = (float(v) for v in lines[-1].split()[1:])
    return {"process_wall_s": wall, "in_process_s": first, "peak_rss_mb": rss / 1024,
            "batch1_ms": lat1, "batch256_ms": lat256}


def median_of(runs):
    keys = runs[0].keys()
    return {k: float(np.median([r[k] for r in runs])) for k in keys}


def markdown(report):
    rows = ["| model | framework | import+load+predict s | peak RSS MB | batch-1 ms | "
            "batch-256 ms |", "|---|---|---|---|---|---|"]
    for model, by in report["results"].items():
        for fw, r in by.items():
            if "error" in r:
                rows.append(f"| {model} | {fw} | error: {r['error']} | | | |")
                continue
            rows.append(f"| {model} | {fw} | {r['process_wall_s']:.2f} | "
                        f"{r['peak_rss_mb']:.0f} | {r['batch1_ms']:.3f} | "
                        f"{r['batch256_ms']:.2f} |")
        a, b = by.get("fastgraph", {}), by.get("tf-keras", {})
        if "error" not in a and "error" not in b and a and b:
            rows.append(f"| {model} | fastgraph/tf-keras | "
                        f"{a['process_wall_s'] / b['process_wall_s']:.3f} | "
                        f"{a['peak_rss_mb'] / b['peak_rss_mb']:.3f} | "
                        f"{a['batch1_ms'] / b['batch1_ms']:.3f} | "
                        f"{a['batch256_ms'] / b['batch256_ms']:.3f} |")
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf-python", default="/work/venv-tf/bin/python")
    parser.add_argument("--make-models", action="store_true")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    if args.make_models:
        make_models()
        return
    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "host": platform.node(),
              "cpus": os.cpu_count(), "threads": 1, "repeats": args.repeats,
              "load_average": os.getloadavg()[0], "results": {}}
    for model in FILES:
        report["results"][model] = {}
        for fw, python in (("fastgraph", sys.executable), ("tf-keras", args.tf_python)):
            runs = [run(python, fw, model, args.calls) for _ in range(args.repeats)]
            bad = [r for r in runs if "error" in r]
            report["results"][model][fw] = bad[0] if bad else median_of(runs)
    report["load_average_end"] = os.getloadavg()[0]
    table = markdown(report)
    print(table)
    out = os.path.join(ROOT, "bench", "results",
                       f"serve_keras-{time.strftime('%Y%m%d-%H%M')}.json")
    with open(out, "w") as f:
        json.dump(dict(report, markdown=table), f, indent=1)
    print("saved", out)


if __name__ == "__main__":
    main()
