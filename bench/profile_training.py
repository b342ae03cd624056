"""Where one training step of a workload spends its time, fastgraph beside torch.

    python -m bench.profile_training [--workloads W2,W3] [--threads 1]
                                     [--steps 20] [--profile N] [--no-torch] [--cpu]

In one process: builds the fastgraph workload (bench/workloads.py) and its
PyTorch twin (bench/torch_twins.py, when torch is importable), warms both
up, then times training steps alternating fastgraph and torch so that a
busy machine slows both alike; prints median and quartile ms per step.
`--profile N` then runs N fastgraph steps under cProfile and prints the
functions with the most own time (C kernels appear as the Python function
that calls them).  `--cpu` measures process CPU time instead of wall time,
which a busy machine disturbs less (at 1 thread only).
"""
import argparse
import cProfile
import io
import pstats
import statistics
import time

from . import workloads


def _fastgraph_step(name):
    model, x, y, batch = workloads.WORKLOADS[name]()
    xs = x if isinstance(x, list) else [x]
    ys = y if isinstance(y, list) else [y]
    n = len(xs[0]) // batch

    def slices(arrays, i):
        part = [a[i * batch:(i + 1) * batch] for a in arrays]
        return part if len(part) > 1 else part[0]

    batches = [(slices(xs, i), slices(ys, i)) for i in range(n)]

    def step(i):
        xb, yb = batches[i % n]
        model.train_on_batch(xb, yb)
    return step


def _torch_step(name):
    try:
        from . import torch_twins
    except ImportError:
        return None
    return torch_twins.twin(name).step


def _quartiles(times):
    q = statistics.quantiles(times, n=4)
    return q[0], statistics.median(times), q[2]


def time_alternating(steps_by_name, steps, warmup, clock=time.perf_counter):
    """{framework: [ms per step]}, running the frameworks' steps in turn."""
    for step in steps_by_name.values():
        for i in range(warmup):
            step(i)
    times = {k: [] for k in steps_by_name}
    for i in range(steps):
        for key, step in steps_by_name.items():
            t0 = clock()
            step(i)
            times[key].append((clock() - t0) * 1e3)
    return times


def profile(step, calls, top, clock=time.perf_counter):
    """cProfile of `calls` steps: the `top` functions by own time, as text."""
    prof = cProfile.Profile(clock)
    prof.enable()
    for i in range(calls):
        step(i)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="W2,W3,W4,W5")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--cpu", action="store_true",
                        help="measure process CPU time instead of wall time: steadier "
                             "on a busy machine, meaningful at 1 thread only")
    args = parser.parse_args(argv)
    from fastgraph import _threads
    if args.threads is not None:
        _threads.set_num_threads(args.threads)
    torch_ok = not args.no_torch
    if torch_ok and args.threads is not None:
        try:
            import torch
            torch.set_num_threads(args.threads)
        except ImportError:
            torch_ok = False
    print(f"threads: {_threads.get_num_threads()}")
    for name in args.workloads.split(","):
        steps = {"fastgraph": _fastgraph_step(name)}
        if torch_ok:
            twin = _torch_step(name)
            if twin is not None:
                steps["torch"] = twin
        clock = time.process_time if args.cpu else time.perf_counter
        times = time_alternating(steps, args.steps, args.warmup, clock)
        cells = [f"{k} {lo:.2f} / {mid:.2f} / {hi:.2f}"
                 for k, (lo, mid, hi) in ((k, _quartiles(v)) for k, v in times.items())]
        print(f"{name} ms/step (q1 / median / q3): " + "; ".join(cells), flush=True)
        if args.profile:
            print(profile(steps["fastgraph"], args.profile, args.top, clock))


if __name__ == "__main__":
    main()
