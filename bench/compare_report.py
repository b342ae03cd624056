"""The Markdown tables of a bench.compare report (kept apart from the runner).

Every row names its best peer (the fastest of PyTorch, Keras 3 on JAX and
Keras 3 on PyTorch that ran) and fastgraph's ratio to it, with the 1-minute
load average seen when its cells started, so noisy rows are visible.
"""
from bench import cores, workloads

PEERS = ("torch", "keras-jax", "keras-torch")
LABELS = {"fastgraph": "fastgraph", "torch": "PyTorch", "keras-jax": "Keras 3/JAX",
          "keras-torch": "Keras 3/torch"}


def _fmt(v, digits=2):
    return "n/a" if v is None else f"{v:.{digits}f}"


def _ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def best_peer(values):
    """(name, value) of the smallest value among the peers in `values`, or (None, None)."""
    peers = [(v, f) for f, v in values.items() if f in PEERS and v is not None]
    if not peers:
        return None, None
    v, f = min(peers)
    return f, v


def _load(rec):
    loads = rec.get("load", [])
    return _fmt(max(loads), 1) if loads else "n/a"


def training_rows(report):
    """Per (workload, threads): ms of every framework, the best peer, the ratio."""
    rows = []
    for rec in report["training"]:
        res = rec["results"]
        ms = {f: res.get(f, {}).get("ms") for f in ("fastgraph",) + PEERS}
        name, best = best_peer(ms)
        rows.append({"workload": rec["workload"], "threads": rec["threads"], "ms": ms,
                     "best_peer": name, "ratio": _ratio(ms["fastgraph"], best),
                     "load": _load(rec), "gemm": res.get("fastgraph", {}).get("gemm_gflops")})
    return rows


def predict_ms(res, size):
    """A framework's fastest W6 call for `size` samples (predict or predict_on_batch)."""
    calls = res.get(str(size), {})
    vals = [v for k, v in calls.items() if k.endswith("_ms") and v is not None]
    return min(vals) if vals else None


def _speedups(rows):
    """fastgraph's 1-thread ms over its 2-thread ms per workload."""
    by = {(r["workload"], r["threads"]): r["ms"]["fastgraph"] for r in rows}
    return {w: _ratio(by.get((w, 1)), by.get((w, 2))) for w, _ in by}


def markdown(report, frameworks):
    """The result tables as Markdown."""
    meta = report["meta"]
    lines = [f"Run {meta['date']} on {meta['host']} ({meta['cpus']} CPUs, 1-min load "
             f"average {meta['load_average'][0]} at the start, {meta['load_average'][1]} "
             f"at the end); {meta['env_note']}"]
    lines += [f"NumPy BLAS in the children: {meta.get('blas', 'unknown')}"]
    if "cores" in meta:
        lines += [cores.summary(meta["cores"])]
    lines += [f"- {n}" for n in meta["notes"]]
    peers = [f for f in PEERS if f in frameworks]
    head = ["workload", "threads", "fastgraph ms"] + [f"{LABELS[f]} ms" for f in peers]
    head += ["best peer", "fastgraph/best peer", "fastgraph 1t/2t", "fastgraph GFLOP/s",
             "% NumPy GEMM", "load"]
    lines += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows = training_rows(report)
    speedups = _speedups(rows)
    for r in rows:
        fg = r["ms"]["fastgraph"]
        gflops = None if fg is None else workloads.step_flops(r["workload"]) / (fg * 1e-3) / 1e9
        pct = None if gflops is None or not r["gemm"] else 100 * gflops / r["gemm"]
        cells = [r["workload"], str(r["threads"]), _fmt(fg)]
        cells += [_fmt(r["ms"][f]) for f in peers]
        cells += [LABELS.get(r["best_peer"], "n/a"), _fmt(r["ratio"]),
                  _fmt(speedups.get(r["workload"])) if r["threads"] == 2 else "",
                  _fmt(gflops, 1), _fmt(pct, 0), r["load"]]
        lines.append("| " + " | ".join(cells) + " |")
    if report["predict"]:
        lines += _predict_markdown(report, peers)
    lines += _extras_markdown(report)
    errors = [(rec["workload"], rec["threads"], f, r["error"])
              for rec in report["training"] + report["predict"]
              for f, r in rec["results"].items() if "error" in r]
    lines += [""] + [f"- error: {w} threads={n} {f}: {e}" for w, n, f, e in errors]
    return "\n".join(lines).rstrip() + "\n"


def _predict_markdown(report, peers):
    head = ["W6 predict", "threads", "fastgraph predict ms", "fastgraph predict_on_batch ms"]
    head += [f"{LABELS[f]} ms" for f in peers] + ["best peer", "fastgraph/best peer", "load"]
    lines = ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rec in report["predict"]:
        res = rec["results"]
        for size in workloads.W6_SIZES:
            fg = res.get("fastgraph", {}).get(str(size), {})
            ms = {f: predict_ms(res.get(f, {}), size) for f in peers}
            name, best = best_peer(ms)
            cells = [f"{size} sample{'' if size == 1 else 's'}", str(rec["threads"]),
                     _fmt(fg.get("predict_ms"), 3), _fmt(fg.get("predict_on_batch_ms"), 3)]
            cells += [_fmt(ms[f], 3) for f in peers]
            cells += [LABELS.get(name, "n/a"),
                      _fmt(_ratio(predict_ms(res.get("fastgraph", {}), size), best)),
                      _load(rec)]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _extras_markdown(report):
    lines = []
    server = report.get("server") or {}
    if server:
        lines += ["", "| server: import + load W1 + predict once | in-process s | "
                  "process wall s | peak RSS MB |", "|---|---|---|---|"]
        for f, r in server.items():
            if "error" in r:
                lines.append(f"| {f} | {r['error']} | | |")
            else:
                lines.append(f"| {f} | {_fmt(r['in_process_s'], 3)} | "
                             f"{_fmt(r['process_wall_s'], 3)} | {_fmt(r['peak_rss_mb'], 0)} |")
    fit = report.get("fit")
    if fit:
        lines += ["", "| W1 fit vs train_on_batch loop | fit ms/step | "
                  "train_on_batch ms/step | fit/loop |", "|---|---|---|---|"]
        if "error" in fit:
            lines.append(f"| fastgraph | {fit['error']} | | |")
        else:
            lines.append(f"| fastgraph ({fit['batches']} batches) | "
                         f"{_fmt(fit['fit_ms_per_step'])} | "
                         f"{_fmt(fit['train_on_batch_ms_per_step'])} | {_fmt(fit['ratio'], 3)} |")
    conc = report.get("concurrent")
    if conc:
        lines += ["", "| 4 threads predicting on one W1 model | "
                  "samples/s 1 thread | samples/s 4 threads | ratio | correct |",
                  "|---|---|---|---|---|"]
        if "error" in conc:
            lines.append(f"| fastgraph | {conc['error']} | | | |")
        else:
            ok = "yes" if conc["correct"] else "NO " + str(conc["errors"]).replace("|", "/")
            lines.append(f"| fastgraph | {_fmt(conc['one_thread_per_s'], 0)} | "
                         f"{_fmt(conc['four_threads_per_s'], 0)} | {_fmt(conc['ratio'])} | "
                         f"{ok} |")
    return lines


def first_blas(records):
    """The NumPy BLAS the first child reported, as one line."""
    for rec in records:
        for res in rec["results"].values():
            if "blas" in res:
                b = res["blas"]
                return f"{b['vendor']} {b['corename']} ({b['config']}); env {b['env']}"
    return None
