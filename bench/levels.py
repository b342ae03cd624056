"""The kernels' CPU levels against each other on W1-W6 (issue 20): what the
portable wheel runs on this machine against a -march=native build.

    FASTGRAPH_LEVELS=baseline,avx2,avx512,native python setup.py build_ext --inplace
    python -m bench.levels [--levels avx512,native] [--rounds 5] [--threads 2]

Every measurement is a fresh child of bench/compare.py (the same training
steps and predict calls) with FASTGRAPH_CPU_LEVEL set.  The levels take
turns within each round, so a machine loaded by others slows them alike;
the median over rounds is printed for each level with its ratio to the
last level given (below 1: faster than it).  The load average is printed
with the table.
"""
import argparse
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench import compare  # noqa: E402  (after the path set-up above)

TRAIN = ("W1", "W2", "W3", "W4", "W5")


def measure(workload, level, threads, steps):
    """{column: ms} of one fresh child at `level`."""
    os.environ["FASTGRAPH_CPU_LEVEL"] = level
    spec = {"framework": "fastgraph", "workload": workload, "threads": threads,
            "steps": steps, "warmup": 3,
            "task": "train" if workload in TRAIN else "predict"}
    result = compare.spawn(spec, keep_env=False)
    if "error" in result:
        raise RuntimeError(f"{workload} at {level}: {result['error']}")
    if workload in TRAIN:
        return {workload: result["ms"]}
    return {f"W6 predict {n}": result[n]["predict_ms"] for n in ("1", "256")}


def run(levels, workloads, rounds, threads, steps):
    """{column: {level: [ms per round]}}, the levels alternating each round."""
    times = {}
    for r in range(rounds):
        order = levels if r % 2 == 0 else levels[::-1]
        for workload in workloads:
            for level in order:
                for column, ms in measure(workload, level, threads, steps).items():
                    times.setdefault(column, {}).setdefault(level, []).append(ms)
        print(f"round {r + 1}/{rounds} done, load average {os.getloadavg()[0]:.1f}",
              file=sys.stderr)
    return times


def table(times, levels):
    ref = levels[-1]
    head = " | ".join(f"{lv} ms" for lv in levels)
    ratios = " | ".join(f"{lv}/{ref}" for lv in levels[:-1])
    lines = [f"| workload | {head} | {ratios} |",
             "|---" * (1 + 2 * len(levels) - 1) + "|"]
    for column, per_level in times.items():
        med = {lv: statistics.median(per_level[lv]) for lv in levels}
        lines.append(f"| {column} | " + " | ".join(f"{med[lv]:.2f}" for lv in levels)
                     + " | " + " | ".join(f"{med[lv] / med[ref]:.3f}" for lv in levels[:-1])
                     + " |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--levels", default="avx512,native",
                   help="comma-separated levels, the last the reference")
    p.add_argument("--workloads", default="W1,W2,W3,W4,W5,W6")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    args = p.parse_args(argv)
    levels = args.levels.split(",")
    load = os.getloadavg()
    times = run(levels, args.workloads.split(","), args.rounds, args.threads, args.steps)
    print(f"{args.rounds} rounds, {args.threads} threads, {args.steps} steps per child; "
          f"load average {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(table(times, levels))


if __name__ == "__main__":
    main()
