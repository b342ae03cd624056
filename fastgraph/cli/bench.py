"""Time training steps of standard workloads, in process, against PyTorch.

W1, W2 and W3 are the models of the repository's bench/workloads.py (the
MLP, the small CNN and the seed's two-input two-output LSTM model), built
here so the installed package needs nothing from bench/.  Each is trained
with RMSprop on synthetic data: a few warm-up steps, then the median time of
`steps` calls of `train_on_batch`; with PyTorch installed a hand-written
twin (same shapes, RMSprop with tf-keras's defaults, float32) is timed the
same way and the ratio fastgraph/torch printed (below 1: fastgraph faster).
"""
import functools
import os
import subprocess
import sys
import time

import numpy as np

EPILOG = """\
This is a quick in-process check.  The full comparison (W1-W6, fresh
processes per measurement, 1 and 2 threads, server start-up and latency)
is bench/compare.py in the source repository:
    python -m bench.compare           # from the repository root
    python -m fastgraph bench --full  # the same with --quick, from a checkout"""

WORKLOADS = {
    "W1": "MLP 784-512-512-10",
    "W2": "CNN conv32-conv64-pool-128-10 on 28x28x1",
    "W3": "seed 2-in 2-out: Embedding 10000x512, LSTM(32)",
}
BATCH_SIZES = {"W1": 128, "W2": 64, "W3": 32}
WARMUP = 2


def parse_workloads(text):
    """'W1,w3' -> ['W1', 'W3'] (argparse type; unknown names are an error)."""
    import argparse
    names = [n.strip().upper() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown workload(s) {unknown or text!r}; choose from {', '.join(WORKLOADS)}")
    return names


def make_data(name, seed=0):
    """Synthetic (x list, y list) for one batch of workload `name`."""
    rng = np.random.default_rng(seed)
    n = BATCH_SIZES[name]

    def onehot(classes):
        return np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n)]
    if name == "W1":
        return [rng.standard_normal((n, 784), dtype=np.float32)], [onehot(10)]
    if name == "W2":
        return [rng.standard_normal((n, 28, 28, 1), dtype=np.float32)], [onehot(10)]
    labels = rng.integers(0, 2, (n, 1)).astype(np.float32)
    return ([rng.integers(0, 10000, (n, 100)).astype(np.int32),
             rng.standard_normal((n, 5), dtype=np.float32)], [labels, labels])


def build_fastgraph(name):
    """The fastgraph model of workload `name`, compiled with RMSprop."""
    from .. import layers as L
    from ..models import Model
    if name == "W1":
        inputs = L.Input(shape=(784,))
        x = L.Dense(512, activation="relu")(inputs)
        x = L.Dense(512, activation="relu")(x)
        outputs = L.Dense(10, activation="softmax")(x)
        loss, weights = "categorical_crossentropy", None
    elif name == "W2":
        inputs = L.Input(shape=(28, 28, 1))
        x = L.Conv2D(32, (3, 3), activation="relu")(inputs)
        x = L.Conv2D(64, (3, 3), activation="relu")(x)
        x = L.Flatten()(L.MaxPooling2D((2, 2))(x))
        x = L.Dense(128, activation="relu")(x)
        outputs = L.Dense(10, activation="softmax")(x)
        loss, weights = "categorical_crossentropy", None
    else:
        tokens = L.Input(shape=(100,), dtype="int32")
        lstm_out = L.LSTM(32)(L.Embedding(10000, 512)(tokens))
        aux_output = L.Dense(1, activation="sigmoid")(lstm_out)
        aux_input = L.Input(shape=(5,))
        x = L.concatenate([lstm_out, aux_input])
        for _ in range(3):
            x = L.Dense(64, activation="relu")(x)
        inputs, outputs = [tokens, aux_input], [L.Dense(1, activation="sigmoid")(x), aux_output]
        loss, weights = "binary_crossentropy", [1.0, 0.2]
    model = Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss=loss, loss_weights=weights)
    return model


def torch_step(name, xs, ys):
    """A function running one training step of workload `name`'s PyTorch twin."""
    import torch
    from torch import nn
    from torch.nn import functional as F
    torch.manual_seed(0)
    if name == "W1":
        net = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512),
                            nn.ReLU(), nn.Linear(512, 10))
    elif name == "W2":
        net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12 * 12 * 64, 128),
                            nn.ReLU(), nn.Linear(128, 10))
        xs = [np.ascontiguousarray(xs[0].transpose(0, 3, 1, 2))]
    else:
        net = _torch_two_in_two_out(nn)
        xs = [xs[0].astype(np.int64), xs[1]]
    optimizer = torch.optim.RMSprop(net.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    tx = [torch.from_numpy(a) for a in xs]
    ty = [torch.from_numpy(a) for a in ys]

    def loss_of(out):
        if name == "W3":
            main, aux = out
            return (F.binary_cross_entropy_with_logits(main, ty[0])
                    + 0.2 * F.binary_cross_entropy_with_logits(aux, ty[1]))
        return F.cross_entropy(out, ty[0].argmax(dim=1))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(net(*tx))
        loss.backward()
        optimizer.step()
    return step


def _torch_two_in_two_out(nn):
    """W3's twin: logits of the main and auxiliary outputs."""
    import torch

    class TwoInTwoOut(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.lstm = nn.Embedding(10000, 512), nn.LSTM(512, 32, batch_first=True)
            self.aux, self.main = nn.Linear(32, 1), nn.Linear(64, 1)
            self.dense = nn.Sequential(nn.Linear(37, 64), nn.ReLU(), nn.Linear(64, 64),
                                       nn.ReLU(), nn.Linear(64, 64), nn.ReLU())

        def forward(self, tokens, aux_in):
            h = self.lstm(self.emb(tokens))[1][0][0]
            return self.main(self.dense(torch.cat([h, aux_in], dim=1))), self.aux(h)
    return TwoInTwoOut()


def median_ms(step, steps, warmup=WARMUP):
    """Median wall time of `step()` in ms over `steps` calls, after `warmup` calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1000.0 * float(np.median(times))


def _torch_module(wanted):
    if not wanted:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


def run(names, steps=10, threads=None, torch=True, out=None, warmup=WARMUP):
    """Time `names` and print the table; returns {name: (fastgraph ms, torch ms or None)}.

    `threads` (default: the current count) applies to fastgraph and to torch
    for the run; fastgraph's counts are restored afterwards.
    """
    from ..demo import using_threads
    with using_threads(threads):
        return _run(names, steps, torch, out or sys.stdout, warmup)


def _run(names, steps, torch, out, warmup):
    from .. import _threads
    threads = _threads.get_num_threads()["openmp"]
    torch_mod = _torch_module(torch)
    if torch_mod is not None:
        torch_mod.set_num_threads(threads)
    peer = (f"PyTorch {torch_mod.__version__}" if torch_mod is not None
            else "PyTorch not timed" + ("" if not torch else " (not installed)"))
    print(f"training step, median of {steps} after {warmup} warm-up, {threads} "
          f"thread(s); {peer}", file=out)
    header = f"{'workload':<52}{'batch':>6}{'fastgraph ms':>14}"
    if torch_mod is not None:
        header += f"{'torch ms':>10}{'fastgraph/torch':>17}"
    print(header, file=out)
    results = {}
    for name in names:
        xs, ys = make_data(name)
        model = build_fastgraph(name)
        fg = median_ms(functools.partial(model.train_on_batch, xs, ys), steps, warmup)
        row = f"{name + ' ' + WORKLOADS[name]:<52}{BATCH_SIZES[name]:>6}{fg:>14.2f}"
        tt = None
        if torch_mod is not None:
            tt = median_ms(torch_step(name, xs, ys), steps, warmup)
            row += f"{tt:>10.2f}{fg / tt:>17.2f}"
        results[name] = (fg, tt)
        print(row, file=out, flush=True)
    return results


def find_repository_bench():
    """The source checkout's root holding bench/compare.py, or None."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for root in (here, os.getcwd()):
        if os.path.isfile(os.path.join(root, "bench", "compare.py")):
            return root
    return None


def run_full(threads=None):
    """Run `python -m bench.compare --quick` from the source checkout; the exit status."""
    root = find_repository_bench()
    if root is None:
        print("bench/compare.py belongs to the source repository, not the "
              "installed package: from a clone of fastgraph run "
              "`python -m bench.compare --quick` (or `python -m fastgraph bench` "
              "for the quick in-process table)", file=sys.stderr)
        return 1
    cmd = [sys.executable, "-m", "bench.compare", "--quick"]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    print("running", " ".join(cmd), "in", root, flush=True)
    return subprocess.call(cmd, cwd=root)
