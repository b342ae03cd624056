"""Data-parallel scaling of fastgraph.distributed on one machine.

    python bench/distributed.py [--workloads W2,W4] [--steps N] [--ranks 2]
                                [--repeats 3]

For each workload: `fit` in one process of one thread, against `fit` on
`--ranks` MPI ranks of one thread each (`mpiexec -n R python
bench/distributed.py --worker ...`), each rank with the workload's batch
size (weak scaling, Horovod's convention: R times the samples per step),
and again with the batch split among the ranks (strong scaling: the
global batch of one process), and with whole batches but the exchange
after backward instead of overlapped with it.  Runs alternate one process
and ranks, `--repeats` times, with a control: `--ranks` independent
processes at once, no MPI (the most ranks could reach on this machine,
which shares its cores and memory bandwidth).  The medians are reported: samples per
second and its ratio to one process; per rank and step, the milliseconds
spent in MPI calls of the gradient exchange (starting, progressing,
waiting: what overlap leaves exposed, including waiting for the slower
rank), the bytes each rank puts into allreduce, and a plain blocking
Allreduce of those bytes alone.  Results go to
bench/results/distributed-<date>-<host>.json.
"""
import argparse
import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
RESULTS = os.path.join(ROOT, "bench", "results")
LOSSES = {"W1": "categorical_crossentropy", "W2": "categorical_crossentropy",
          "W4": "binary_crossentropy", "W5": "categorical_crossentropy"}
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                     "MKL_NUM_THREADS", "FASTGRAPH_NUM_THREADS")}


def run(workload, steps, split, overlap):
    """Time `steps` training steps of `workload` (after one warm-up epoch)
    on this process, as a rank of the MPI job when there is one."""
    import fastgraph.distributed as dist
    from bench import workloads
    dist.init()
    size = dist.size()
    model, x, y, batch = getattr(workloads, workload.lower())(batches=steps)
    per_rank = batch // size if split else batch
    if not split:       # every rank gets a whole batch: R times the data
        x, y = (_tile(a, size) for a in (x, y))
    optimizer = dist.DistributedOptimizer("rmsprop", overlap=overlap)  # as the workloads
    model.compile(optimizer, LOSSES[workload])
    warm = dist.callbacks.BroadcastGlobalVariablesCallback(0)
    model.fit(x, y, batch_size=per_rank, epochs=1, verbose=0, shuffle=False,
              callbacks=[warm])
    stats = optimizer.exchange_stats
    if stats is not None:
        stats.reset()
    dist.barrier()
    start = time.perf_counter()
    model.fit(x, y, batch_size=per_rank, epochs=1, verbose=0, shuffle=False)
    dist.barrier()
    seconds = time.perf_counter() - start
    result = {"workload": workload, "ranks": size, "split": split, "overlap": overlap,
              "batch_per_rank": per_rank, "steps": steps,
              "samples_per_s": per_rank * size * steps / seconds,
              "ms_per_step": 1e3 * seconds / steps}
    if stats is not None:
        result["exchange_ms_per_step"] = 1e3 * stats.seconds / stats.steps
        result["bytes_per_step"] = stats.bytes / stats.steps
        result["blocking_allreduce_ms"] = _blocking_allreduce_ms(stats.bytes // stats.steps)
    return result


def _tile(a, times):
    if isinstance(a, list):
        return [np.concatenate([b] * times) for b in a]
    return np.concatenate([a] * times)


def _blocking_allreduce_ms(nbytes, repeats=20):
    """Median ms of one MPI Allreduce of `nbytes` of float32 (no overlap)."""
    import fastgraph.distributed as dist
    comm = dist.communicator()
    buf = np.ones(nbytes // 4, np.float32)
    times = []
    for _ in range(repeats):
        comm.Barrier()
        start = time.perf_counter()
        comm.Allreduce(dist.runtime.load_mpi().IN_PLACE, buf)
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def _mpiexec():
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    found = shutil.which("mpiexec", path=path)
    if found is None:
        sys.exit("bench/distributed.py: no mpiexec; pip install 'fastgraph[mpi]'")
    return found


def _child(args, ranks=None, copies=1):
    """The worker's result: under mpiexec with `ranks`, or `copies`
    independent processes at once (their samples per second added up)."""
    env = dict(os.environ, **ONE_THREAD,
               PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, os.path.abspath(__file__), "--worker"] + args
    if ranks:
        cmd = [_mpiexec(), "-n", str(ranks)] + cmd
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(copies)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=1800)
        if proc.returncode:
            sys.exit(f"bench/distributed.py: {' '.join(cmd)} failed:\n{out}{err}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    results[0]["samples_per_s"] = sum(r["samples_per_s"] for r in results)
    return results[0]


VARIANTS = (("whole", "overlap"), ("split", "overlap"), ("whole", "after"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="W2,W4")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", nargs=4,
                        metavar=("WORKLOAD", "STEPS", "whole|split", "overlap|after"))
    args = parser.parse_args()
    if args.worker:
        import fastgraph.distributed as dist
        workload, steps, split, overlap = args.worker
        result = run(workload, int(steps), split == "split", overlap == "overlap")
        if dist.rank() == 0:
            print(json.dumps(result))
        return
    rows = []
    for workload in args.workloads.split(","):
        runs = {"one": []}
        for _ in range(args.repeats):
            runs["one"].append(_child([workload, str(args.steps), "whole", "after"]))
            runs.setdefault("alone", []).append(_child(
                [workload, str(args.steps), "whole", "after"], copies=args.ranks))
            for variant in VARIANTS:
                runs.setdefault(variant, []).append(
                    _child([workload, str(args.steps), *variant], ranks=args.ranks))
        base = _median(runs["one"])
        alone = _median(runs["alone"])
        print(f"{workload}: {args.ranks} independent processes at once (no MPI): "
              f"x{alone['samples_per_s'] / base['samples_per_s']:.2f} one process's "
              f"{base['samples_per_s']:.0f} samples/s", flush=True)
        for variant in VARIANTS:
            ranked = _median(runs[variant])
            ranked["speedup"] = ranked["samples_per_s"] / base["samples_per_s"]
            rows.append({"one_process": base, "independent": alone, "ranks": ranked})
            print(f"{workload} {args.ranks} ranks, {variant[0]} batches of "
                  f"{ranked['batch_per_rank']}, exchange {variant[1]} backward: "
                  f"{ranked['samples_per_s']:.0f} samples/s vs "
                  f"{base['samples_per_s']:.0f} one process: x{ranked['speedup']:.2f}; "
                  f"step {ranked['ms_per_step']:.1f} ms (one process "
                  f"{base['ms_per_step']:.1f} ms), in MPI "
                  f"{ranked['exchange_ms_per_step']:.2f} ms/step, "
                  f"{ranked['bytes_per_step'] / 1e6:.2f} MB/step, blocking allreduce "
                  f"{ranked['blocking_allreduce_ms']:.2f} ms", flush=True)
    os.makedirs(RESULTS, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M")
    path = os.path.join(RESULTS, f"distributed-{stamp}-{socket.gethostname()}.json")
    with open(path, "w") as f:
        json.dump({"ranks": args.ranks, "steps": args.steps, "repeats": args.repeats,
                   "load_average": os.getloadavg(), "rows": rows}, f, indent=1)
    print(f"saved {os.path.relpath(path, ROOT)}")


def _median(results):
    """Each numeric field's median over the runs (the rest from the first)."""
    out = dict(results[0])
    for key, value in out.items():
        if isinstance(value, float):
            out[key] = float(np.median([r[key] for r in results]))
    return out

if __name__ == "__main__":
    main()
