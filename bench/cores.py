"""How much the machine's other cores add: the ceiling of any N-thread speed-up.

    python -m bench.cores [--seconds 2]

The same single-threaded work runs in one process, then in one process per
CPU at once (each bound to its own CPU, all starting together), and the
work done per second by all of them is divided by one's alone.  Two kinds
of work: a float32 NumPy GEMM of 512x512 (the BLAS at one thread, the
arithmetic of a training step) and a pure-Python loop.  A machine whose
"cores" share execution units (SMT siblings presented as cores, a host
that oversubscribes its CPUs) gives well under its CPU count here, and no
framework's 2-thread step gains more than this on GEMM-bound work; the
2-thread speed-ups of bench.compare are read against it.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                               "MKL_NUM_THREADS", "FASTGRAPH_NUM_THREADS")}
KINDS = ("gemm", "python")
_START_DELAY = 1.0      # seconds for every child to import before the start


def _work(kind):
    """One unit of `kind` as a callable."""
    if kind == "gemm":
        import numpy as np
        rng = np.random.default_rng(0)
        a, b = (rng.standard_normal((512, 512), dtype=np.float32) for _ in range(2))
        y = np.empty((512, 512), np.float32)
        return lambda: np.matmul(a, b, out=y)

    def loop():
        s = 0
        for i in range(20000):
            s += i * i
        return s
    return loop


def _child(kind, start, seconds):
    """Units of work done in [start, start + seconds), printed."""
    unit = _work(kind)
    unit()
    while time.time() < start:
        time.sleep(0.001)
    done, end = 0, start + seconds
    while time.time() < end:
        unit()
        done += 1
    print(done)


def _run(kind, cpus, seconds):
    """Units done by one child per CPU in `cpus`, started together."""
    start = time.time() + _START_DELAY
    env = dict(os.environ, **ONE_THREAD)
    procs = []
    for cpu in cpus:
        pin = (lambda c=cpu: os.sched_setaffinity(0, {c})) if cpu is not None else None
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "bench.cores", "--child", kind, str(start), str(seconds)],
            env=env, stdout=subprocess.PIPE, text=True, preexec_fn=pin,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    counts = []
    for p in procs:
        out, _ = p.communicate(timeout=seconds + 120)
        if p.returncode != 0:
            raise RuntimeError(f"bench.cores: a {kind} child failed ({p.returncode})")
        counts.append(int(out.split()[-1]))
    return counts


def measure(seconds=2.0):
    """{'cpus': n, kind: {'one': units/s alone, 'all': units/s of every CPU's
    process together, 'gain': all / one}} for each kind of work."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    n = len(cpus) if cpus else (os.cpu_count() or 1)
    out = {"cpus": n, "seconds": seconds}
    for kind in KINDS:
        one = _run(kind, [cpus[0] if cpus else None], seconds)[0] / seconds
        every = sum(_run(kind, cpus or [None] * n, seconds)) / seconds
        out[kind] = {"one": round(one, 1), "all": round(every, 1),
                     "gain": round(every / one, 2) if one else None}
    return out


def summary(cores):
    """One line for a report: what every CPU together did against one."""
    parts = [f"{k} {cores[k]['gain']}x" for k in KINDS if k in cores]
    return (f"{cores['cpus']} single-thread processes at once (bench.cores) did "
            f"{', '.join(parts)} the work of one alone: the ceiling of a "
            f"{cores['cpus']}-thread speed-up on this machine")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        kind, start, seconds = args.child
        return _child(kind, float(start), float(seconds))
    cores = measure(args.seconds)
    print(json.dumps(cores, indent=1))
    print(summary(cores))


if __name__ == "__main__":
    main()
