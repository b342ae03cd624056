"""fastgraph against PyTorch, Keras 3 on JAX and Keras 3 on PyTorch on the
standard workloads.

    python -m bench.compare [--workloads W1,W3] [--threads 1,2] [--steps N]
                            [--rounds N] [--frameworks torch,keras-jax,keras-torch]
                            [--quick] [--keep-env] [--neighbour] [--skip-extras]

Every measurement runs in a fresh child process (`python -m bench.compare
--child SPEC`), frameworks alternating, with the thread count set through
the framework's own call, the OMP_/OPENBLAS_/MKL_NUM_THREADS variables (and
XLA's flags for JAX) of the child, and the child bound to that many CPUs
when it asks for fewer than the machine has.  Keras 3 runs once per backend
(KERAS_BACKEND set in the child).  By default the children run with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (a user's machine normally has
neither); `--keep-env` runs them as-is.  Each child reports the BLAS kernel
NumPy used (and torch's / jax's build), and every cell records the 1-minute
load average when it started.  Results go to
bench/results/<date>-<host>.json (one file per run, never overwritten), and
the Markdown tables are printed and written to bench/results/latest.md.

Measured: median ms per training step of W1-W5 (GFLOP/s and % of NumPy's
float32 GEMM rate measured in the same child); W6 predict latency for 1 and
256 samples; a "server" process that imports, loads a saved W1 model and
predicts once (wall time, peak RSS); `fit` on W1 against a `train_on_batch`
loop over the same batches; 4 threads calling `predict` on one model.
Before them, bench.cores measures what the machine's other cores add (the
ceiling of the 2-thread speed-ups), on a quiet machine.
"""
import argparse
import datetime
import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
if ROOT not in sys.path:           # `python bench/compare.py` from anywhere
    sys.path.insert(0, ROOT)
from bench import compare_report, cores  # noqa: E402  (after the path fix above)
FORCED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "FASTGRAPH_NUM_THREADS")
TIMEOUT = 1800
CONCURRENT_THREADS = 4


# ----------------------------------------------------------------- child side
def _set_threads(framework, n):
    if n < (os.cpu_count() or n) and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:n])
    if framework in ("torch", "keras-torch"):
        import torch
        torch.set_num_threads(n)
    from fastgraph import _threads  # NumPy's BLAS also serves the peers' data
    if framework == "fastgraph":
        _threads.set_num_threads(n)
    elif _threads._find_blas() is not None:
        _threads._find_blas()["set"](n)


def _api(framework):
    if framework.startswith("keras"):
        import keras
        return keras
    import fastgraph
    return fastgraph


def _blas(framework):
    from fastgraph import _threads
    info = _threads.blas_info()
    out = {k: info[k] for k in ("vendor", "corename", "config", "threads", "env")}
    if framework in ("torch", "keras-torch"):
        import torch
        blas = [p for p in torch.__config__.show().split(",") if "BLAS_INFO" in p]
        out["peer"] = f"torch {torch.__version__} {''.join(blas).strip()}"
    elif framework == "keras-jax":
        import jax
        out["peer"] = f"jax {jax.__version__} {jax.default_backend()}"
    if framework.startswith("keras"):
        import keras
        out["peer"] += f"; keras {keras.__version__}"
    return out


# Seconds of timed calls a child spends at most (at least MIN_CALLS calls):
# a peer that takes seconds per step (Keras 3 on PyTorch runs its LSTMs
# step by step in Python) must not stretch the whole run past its budget.
BUDGET_S = 15.0
MIN_CALLS = 5


def _median_ms(fn, calls, warmup, budget_s=None):
    for i in range(warmup):
        fn(i)
    times = []
    start = time.perf_counter()
    for i in range(calls):
        t0 = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t0) * 1e3)
        if budget_s is not None and len(times) >= MIN_CALLS \
                and time.perf_counter() - start > budget_s:
            break
    return statistics.median(times), times


def gemm_gflops(size=1024, reps=7):
    """NumPy's float32 GEMM rate (GFLOP/s) for square matrices in this process."""
    import numpy as np
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty_like(a)
    ms, _ = _median_ms(lambda i: np.matmul(a, b, out=out), reps, 2)
    return 2.0 * size ** 3 / (ms * 1e-3) / 1e9


def _take(a, i, b):
    if a is None:
        return None
    if isinstance(a, list):
        return [x[i * b:(i + 1) * b] for x in a]
    return a[i * b:(i + 1) * b]


def _keras_batches(spec):
    from bench import workloads
    model, x, y, b = workloads.WORKLOADS[spec["workload"]](
        _api(spec["framework"]), batches=spec.get("batches", workloads.BATCHES))
    n = len(x[0] if isinstance(x, list) else x) // b
    return model, x, y, b, [(_take(x, i, b), _take(y, i, b)) for i in range(n)]


def child_train(spec):
    """Median ms of a training step of spec['workload']."""
    if spec["framework"] == "torch":
        from bench import torch_twins
        step = torch_twins.twin(spec["workload"]).step
    else:
        model, _, _, _, batches = _keras_batches(spec)

        def step(i):
            xb, yb = batches[i % len(batches)]
            model.train_on_batch(xb, yb)
    ms, times = _median_ms(step, spec["steps"], spec["warmup"], BUDGET_S)
    return {"ms": ms, "times_ms": times}


def child_predict(spec):
    """W6: median ms of predicting 1 and 256 samples (predict and predict_on_batch)."""
    from bench import workloads
    calls = {1: spec["steps"] * 10, 256: spec["steps"] * 2}
    out = {}
    if spec["framework"] == "torch":
        from bench import torch_twins
        tw = torch_twins.twin("W6", batches=1)
        x = tw.x[0].numpy()
        for n in workloads.W6_SIZES:
            xb = x[:n]
            out[str(n)] = {"predict_ms": _median_ms(lambda i: tw.predict(xb), calls[n],
                                                     spec["warmup"] * 5)[0]}
        return out
    model, x, _, _ = workloads.w6(_api(spec["framework"]))
    for n in workloads.W6_SIZES:
        xb = x[:n]
        out[str(n)] = {
            "predict_ms": _median_ms(lambda i: model.predict(xb, batch_size=n, verbose=0),
                                     calls[n], spec["warmup"] * 5)[0],
            "predict_on_batch_ms": _median_ms(lambda i: model.predict_on_batch(xb),
                                              calls[n], spec["warmup"] * 5)[0]}
    return out


def child_fit(spec):
    """W1: seconds per epoch of `fit` and of a train_on_batch loop, alternating."""
    model, x, y, b, batches = _keras_batches(dict(spec, workload="W1"))

    def tob():
        for xb, yb in batches:
            model.train_on_batch(xb, yb)

    def fit():
        model.fit(x, y, batch_size=b, epochs=1, verbose=0, shuffle=False)

    fit()
    tob()
    t_fit, t_tob = [], []
    for _ in range(spec["reps"]):
        for fn, acc in ((fit, t_fit), (tob, t_tob)):
            t0 = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t0)
    n = len(batches)
    return {"batches": n, "fit_ms_per_step": statistics.median(t_fit) / n * 1e3,
            "train_on_batch_ms_per_step": statistics.median(t_tob) / n * 1e3,
            "ratio": statistics.median(t_fit) / statistics.median(t_tob)}


def child_concurrent(spec):
    """W1: 4 threads predicting on one model: correctness and samples/s vs 1 thread."""
    import threading
    import numpy as np
    from bench import workloads
    model, x, _, _ = workloads.w6(_api(spec["framework"]))
    chunk, calls = 32, spec["reps"]
    inputs = [np.ascontiguousarray(x[k * chunk:(k + 1) * chunk])
              for k in range(CONCURRENT_THREADS)]
    expected = [model.predict(a, batch_size=chunk, verbose=0) for a in inputs]
    errors, wrong = [], []

    def work(k):
        try:
            for _ in range(calls):
                got = model.predict(inputs[k], batch_size=chunk, verbose=0)
                if not np.allclose(got, expected[k], rtol=1e-5, atol=1e-6):
                    wrong.append(k)
        except Exception as err:  # reported, not raised: the parent tabulates it
            errors.append(f"{type(err).__name__}: {err}")

    t0 = time.perf_counter()
    for k in range(CONCURRENT_THREADS):
        work(k)
    serial = time.perf_counter() - t0
    threads = [threading.Thread(target=work, args=(k,)) for k in range(CONCURRENT_THREADS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    parallel = time.perf_counter() - t0
    samples = CONCURRENT_THREADS * calls * chunk
    return {"samples": samples, "one_thread_per_s": samples / serial,
            "four_threads_per_s": samples / parallel, "ratio": serial / parallel,
            "correct": not wrong and not errors, "wrong_results": len(wrong),
            "errors": errors[:3]}


def child_save(spec):
    """Save a W1 model for the server measurement (fastgraph file or torch state dict)."""
    if spec["framework"] == "torch":
        import torch
        from bench import torch_twins
        torch.save(torch_twins.MLP().state_dict(), spec["path"])
    else:
        from bench import workloads
        workloads.w1(_api(spec["framework"]), batches=1)[0].save(spec["path"])
    return {"path": spec["path"]}


CHILD_TASKS = {"train": child_train, "predict": child_predict, "fit": child_fit,
               "concurrent": child_concurrent, "save": child_save}


def run_child(spec):
    """Entry point of a child process: run one task, print its JSON result."""
    _set_threads(spec["framework"], spec["threads"])
    result = CHILD_TASKS[spec["task"]](spec)
    if spec["task"] in ("train", "predict"):
        result["blas"] = _blas(spec["framework"])
        if spec["framework"] == "fastgraph" and spec["task"] == "train":
            result["gemm_gflops"] = gemm_gflops()
    print("RESULT " + json.dumps(result))


# The server measurement runs this as `python -c`, so nothing but the import,
# the load and one prediction is in the process; {path} is the saved model.
SERVER_CODE = {
    "fastgraph": """
import time, resource
t0 = time.perf_counter()
import numpy as np
import fastgraph
from fastgraph.models import load_model
model = load_model({path!r})
y = model.predict(np.zeros((1, 784), np.float32), verbose=0)
dt = time.perf_counter() - t0
print('RESULT', dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, y.shape)
""",
    "torch": """
import time, resource
t0 = time.perf_counter()
import torch
from torch import nn
model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                      nn.Linear(512, 10), nn.Softmax(dim=1))
state = torch.load({path!r})
model.load_state_dict({{k.replace('d1', '0').replace('d2', '2').replace('d3', '4'): v
                       for k, v in state.items()}})
with torch.inference_mode():
    y = model(torch.zeros(1, 784))
dt = time.perf_counter() - t0
print('RESULT', dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, tuple(y.shape))
""",
}


# ---------------------------------------------------------------- parent side
def child_env(threads, keep_env, framework="fastgraph"):
    env = dict(os.environ)
    if not keep_env:
        for name in FORCED_ENV:
            env.pop(name, None)
    for name in THREAD_ENV:
        env[name] = str(threads)
    if framework.startswith("keras-"):
        env["KERAS_BACKEND"] = framework[len("keras-"):]
    if framework == "keras-jax":   # XLA's CPU pool follows the CPU affinity
        env["JAX_PLATFORMS"] = "cpu"
        if threads == 1:
            env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false"
        else:
            env.pop("XLA_FLAGS", None)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _result_line(stdout):
    lines = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")]
    return lines[-1][len("RESULT "):] if lines else None


def _failure(proc):
    """The child's last stderr line (its exception), safe inside a Markdown table."""
    lines = [ln.strip() for ln in (proc.stderr or "").splitlines() if ln.strip()]
    return {"error": (lines[-1] if lines else f"exit code {proc.returncode}").replace("|", "/")}


def spawn(spec, keep_env):
    """Run one child task in a fresh process; its result dict, or {'error': ...}."""
    cmd = [sys.executable, "-m", "bench.compare", "--child", json.dumps(spec)]
    try:
        proc = subprocess.run(cmd, env=child_env(spec["threads"], keep_env, spec["framework"]),
                              cwd=ROOT,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT} s"}
    line = _result_line(proc.stdout)
    return json.loads(line) if proc.returncode == 0 and line else _failure(proc)


def spawn_server(framework, path, threads, keep_env):
    """Wall time and peak RSS of import + load + one predict in a fresh process."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", SERVER_CODE[framework].format(path=path)],
                              env=child_env(threads, keep_env), cwd=ROOT,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT} s"}
    wall = time.perf_counter() - t0
    line = _result_line(proc.stdout)
    if proc.returncode != 0 or not line:
        return _failure(proc)
    inside, rss_kb = line.split()[:2]
    return {"in_process_s": float(inside), "process_wall_s": wall,
            "peak_rss_mb": int(rss_kb) / 1024}


# Each peer and the packages it needs.
PEERS = {"torch": ("torch",), "keras-jax": ("keras", "jax"), "keras-torch": ("keras", "torch")}


def available_frameworks(wanted=None):
    """The frameworks to compare (of `wanted`, default all), and notes about
    the ones skipped."""
    frameworks, notes = ["fastgraph"], []
    for name, needs in PEERS.items():
        if wanted is not None and name not in wanted:
            continue
        missing = [m for m in needs if importlib.util.find_spec(m) is None]
        if missing:
            notes.append(f"{name}: {', '.join(missing)} not installed here: skipped.")
        else:
            frameworks.append(name)
    return frameworks, notes


def _load_now():
    return round(os.getloadavg()[0], 2)


def measure_training(workloads_, threads, frameworks, steps, warmup, rounds, keep_env, log):
    """Median ms/step per (workload, threads, framework); frameworks alternate per round."""
    records = []
    for w in workloads_:
        for n in threads:
            per = {f: {"times_ms": []} for f in frameworks}
            loads = []
            for r in range(rounds):
                order = frameworks if (r + len(records)) % 2 == 0 else frameworks[::-1]
                for f in order:
                    loads.append(_load_now())
                    res = spawn({"task": "train", "framework": f, "workload": w,
                                 "threads": n, "steps": steps, "warmup": warmup}, keep_env)
                    log(f"  {w} threads={n} {f}: " +
                        (res["error"] if "error" in res else f"{res['ms']:.2f} ms"))
                    if "error" in res:
                        per[f]["error"] = res["error"]
                        continue
                    per[f]["times_ms"] += res["times_ms"]
                    per[f].update({k: res[k] for k in ("blas", "gemm_gflops") if k in res})
            for f in frameworks:
                if per[f]["times_ms"]:
                    per[f]["ms"] = statistics.median(per[f]["times_ms"])
            records.append({"workload": w, "threads": n, "results": per, "load": loads})
    return records


def measure_predict(threads, frameworks, steps, warmup, keep_env, log):
    records = []
    for n in threads:
        per, loads = {}, []
        for f in (frameworks if n % 2 else frameworks[::-1]):
            loads.append(_load_now())
            per[f] = spawn({"task": "predict", "framework": f, "workload": "W6",
                            "threads": n, "steps": steps, "warmup": warmup}, keep_env)
            log(f"  W6 threads={n} {f}: {per[f].get('error', 'done')}")
        records.append({"workload": "W6", "threads": n, "results": per, "load": loads})
    return records


def measure_server(frameworks, threads, keep_env, log):
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for f in [f for f in frameworks if f in SERVER_CODE]:
            path = os.path.join(tmp, f"w1-{f}.model")
            saved = spawn({"task": "save", "framework": f, "threads": threads,
                           "path": path}, keep_env)
            if "error" in saved:
                out[f] = {"error": "saving the W1 model failed: " + saved["error"]}
            else:
                out[f] = spawn_server(f, path, threads, keep_env)
            log(f"  server {f}: {out[f]}")
    return out


def _measure(args, chosen, training, threads, frameworks, steps, warmup, rounds, log):
    """Every table's measurements, as the report dict (without its meta)."""
    report = {"training": measure_training(training, threads, frameworks, steps, warmup,
                                           rounds, args.keep_env, log),
              "predict": (measure_predict(threads, frameworks, steps, warmup,
                                          args.keep_env, log) if "W6" in chosen else [])}
    if not args.skip_extras:
        top = max(threads)
        report["server"] = measure_server(frameworks, top, args.keep_env, log)
        report["fit"] = spawn({"task": "fit", "framework": "fastgraph", "threads": top,
                               "batches": 10 if args.quick else 20,
                               "reps": 3 if args.quick else 5}, args.keep_env)
        report["concurrent"] = spawn({"task": "concurrent", "framework": "fastgraph",
                                      "threads": top, "reps": 20 if args.quick else 100},
                                     args.keep_env)
    return report


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workloads", default="W1,W2,W3,W4,W5,W6")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--steps", type=int, default=None, help="timed steps (default 20, 5 quick)")
    p.add_argument("--rounds", type=int, default=None,
                   help="children per framework and cell (default 2, 1 quick)")
    p.add_argument("--frameworks", default=",".join(PEERS),
                   help="the peers to run beside fastgraph (default all installed)")
    p.add_argument("--quick", action="store_true", help="fewer steps, one round")
    p.add_argument("--keep-env", action="store_true",
                   help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE in the children")
    p.add_argument("--neighbour", action="store_true",
                   help="keep a CPU-bound process running beside every measurement")
    p.add_argument("--skip-extras", action="store_true",
                   help="only W1-W6: no server, fit and concurrent-predict measurements")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return run_child(json.loads(args.child))
    chosen = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    threads = [int(t) for t in args.threads.split(",")]
    steps = args.steps or (5 if args.quick else 20)
    warmup, rounds = (1, 1) if args.quick else (3, 2)
    rounds = args.rounds or rounds
    frameworks, notes = available_frameworks(
        {f.strip() for f in args.frameworks.split(",") if f.strip()})

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    load_before = os.getloadavg()[0]
    log("bench.cores: what the other cores add ...")
    machine_cores = cores.measure()
    training = [w for w in chosen if w != "W6"]
    neighbour = None
    if args.neighbour:     # a busy process, as on a shared machine
        neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        notes.append("a CPU-bound neighbour process ran beside every measurement.")
    try:
        report = _measure(args, chosen, training, threads, frameworks, steps, warmup,
                          rounds, log)
    finally:
        if neighbour is not None:
            neighbour.kill()
            neighbour.wait()
    now = datetime.datetime.now()
    report["meta"] = {
        "date": now.strftime("%Y-%m-%d %H:%M"), "host": socket.gethostname(),
        "cpus": os.cpu_count(), "python": sys.version.split()[0], "steps": steps,
        "rounds": rounds, "frameworks": frameworks, "notes": notes,
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cores": machine_cores,
        "blas": compare_report.first_blas(report["training"] + report["predict"]),
        "env_note": ("children ran with the environment as-is" if args.keep_env else
                     "children ran with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset")}
    os.makedirs(RESULTS, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(RESULTS, f"{stamp}-{socket.gethostname()}.json"), "w") as f:
        json.dump(report, f, indent=1)
    table = compare_report.markdown(report, frameworks)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
