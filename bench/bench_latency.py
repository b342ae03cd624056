"""W6 latency in one process: fastgraph's inference entry points against the
GEMM floor and PyTorch, alternating call by call (in a random order each
round) so that load from other processes and cache state hit every variant
alike; then 4 threads predicting at once.

    python -m bench.bench_latency [--threads 1] [--calls 2000] [--sizes 1,256]

Prints the median microseconds per call of:
  floor           the three NumPy matmuls alone (what no framework can beat)
  plan            model._predict_arrays([x]): the inference plan, no checks
  predict_on_batch, predict(x, batch_size=n), model(x) (on the tape)
  torch           the PyTorch twin under inference_mode (when installed)
and, for 4 threads sharing one model, the samples/s against one thread doing
the same calls, with a check that every thread got the sequential results.
"""
import argparse
import random
import statistics
import threading
import time

import numpy as np

import fastgraph
from bench import workloads

CONCURRENT_THREADS = 4


def _torch_predict(threads):
    try:
        import torch
    except ImportError:
        return None
    from bench import torch_twins
    torch.set_num_threads(threads)
    tw = torch_twins.twin("W6", batches=1)
    return tw.predict


def _floor(model):
    kernels = [layer.kernel.data for layer in model.layers if hasattr(layer, "kernel")]

    def run(x):
        for w in kernels:
            x = x @ w
        return x
    return run


def latency(model, x, calls, torch_predict):
    """Median µs per call of each variant, measured round-robin in a new
    random order every round."""
    floor = _floor(model)
    n = len(x)
    variants = {
        "floor": lambda: floor(x),
        "plan": lambda: model._predict_arrays([x]),
        "predict_on_batch": lambda: model.predict_on_batch(x),
        "predict": lambda: model.predict(x, batch_size=n, verbose=0),
        "model(x)": lambda: model(x),
    }
    if torch_predict is not None:
        variants["torch"] = lambda: torch_predict(x)
    for fn in variants.values():
        fn()
    times = {k: [] for k in variants}
    clock = time.perf_counter_ns
    order = list(variants.items())
    shuffle = random.Random(0).shuffle
    for _ in range(calls):
        shuffle(order)      # each variant follows each other one alike (caches)
        for name, fn in order:
            t0 = clock()
            fn()
            times[name].append(clock() - t0)
    return {k: statistics.median(v) / 1e3 for k, v in times.items()}


def concurrent(model, n, calls):
    """(samples/s with one thread, with 4 threads, all results correct)."""
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((n, 784)).astype(np.float32)
              for _ in range(CONCURRENT_THREADS)]
    expected = [model.predict_on_batch(a) for a in inputs]
    wrong = []

    def work(k):
        for _ in range(calls):
            if not np.array_equal(model.predict_on_batch(inputs[k]), expected[k]):
                wrong.append(k)

    t0 = time.perf_counter()
    for k in range(CONCURRENT_THREADS):
        work(k)
    serial = time.perf_counter() - t0
    threads = [threading.Thread(target=work, args=(k,))
               for k in range(CONCURRENT_THREADS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    parallel = time.perf_counter() - t0
    samples = CONCURRENT_THREADS * calls * n
    return samples / serial, samples / parallel, not wrong


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--sizes", default=",".join(map(str, workloads.W6_SIZES)))
    args = parser.parse_args(argv)
    fastgraph.set_num_threads(args.threads)
    torch_predict = _torch_predict(args.threads)
    model, x, _, _ = workloads.w6()
    print(f"W6 latency, {args.threads} thread(s), median µs per call")
    for n in (int(s) for s in args.sizes.split(",")):
        calls = max(args.calls * min(1, 16 / n), 20)
        res = latency(model, np.ascontiguousarray(x[:n]), int(calls), torch_predict)
        line = "  ".join(f"{k} {v:.1f}" for k, v in res.items())
        ratio = (f"  plan/torch {res['plan'] / res['torch']:.2f}"
                 f"  predict_on_batch/torch {res['predict_on_batch'] / res['torch']:.2f}"
                 if "torch" in res else "")
        print(f"  {n:>4} sample(s): {line}{ratio}")
    for n in (1, 32):
        one, four, ok = concurrent(model, n, max(args.calls // (4 * n), 10))
        print(f"  {CONCURRENT_THREADS} threads x predict_on_batch({n}): {one:.0f} -> "
              f"{four:.0f} samples/s (x{four / one:.2f}), "
              f"{'all correct' if ok else 'WRONG RESULTS'}")


if __name__ == "__main__":
    main()
