"""Hand-written PyTorch twins of the workloads in bench/workloads.py.

Same shapes, same losses (softmax / sigmoid outputs are trained through
their logits, which is the same mathematics), RMSprop with tf-keras's
defaults (lr 0.001, rho 0.9, epsilon 1e-7), float32, the same batches: the
data come from `bench.workloads.data` with the same seed, converted to NCHW
where a convolution needs it.  `twin(name)` returns a `Twin`; its
`step(i)` runs one training step on batch i, `predict(x)` runs inference.
Importing this module imports torch: it is only for the benchmarks.
"""
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import workloads


def rmsprop(params):
    """RMSprop with tf-keras's defaults (torch adds eps outside the square root,
    tf-keras inside: a negligible difference at 1e-7, none in cost)."""
    return torch.optim.RMSprop(params, lr=0.001, alpha=0.9, eps=1e-7)


class MLP(nn.Module):
    """W1: 784-512-512-10; returns logits."""

    def __init__(self):
        super().__init__()
        self.d1, self.d2, self.d3 = nn.Linear(784, 512), nn.Linear(512, 512), nn.Linear(512, 10)

    def forward(self, x):
        return self.d3(F.relu(self.d2(F.relu(self.d1(x)))))


class CNN(nn.Module):
    """W2: conv 3x3x32, conv 3x3x64, max pool 2, dense 128, dense 10; NCHW in."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
        self.d1, self.d2 = nn.Linear(12 * 12 * 64, 128), nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c2(F.relu(self.c1(x)))), 2)
        return self.d2(F.relu(self.d1(torch.flatten(x, 1))))


class TwoInTwoOut(nn.Module):
    """W3: Embedding 10000x512 -> LSTM(32) -> aux logit; with the aux input,
    3x Dense 64 -> main logit."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10000, 512)
        self.lstm = nn.LSTM(512, 32, batch_first=True)
        self.aux = nn.Linear(32, 1)
        self.d1, self.d2, self.d3 = nn.Linear(37, 64), nn.Linear(64, 64), nn.Linear(64, 64)
        self.main = nn.Linear(64, 1)

    def forward(self, tokens, aux_in):
        _, (h, _) = self.lstm(self.emb(tokens))
        h = h[0]
        x = torch.cat([h, aux_in], dim=1)
        x = F.relu(self.d3(F.relu(self.d2(F.relu(self.d1(x))))))
        return self.main(x), self.aux(h)


class SharedLSTM(nn.Module):
    """W4: one LSTM(64) over two (140, 256) sequences, concat, sigmoid logit."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(256, 64, batch_first=True)
        self.out = nn.Linear(128, 1)

    def forward(self, a, b):
        _, (ha, _) = self.lstm(a)
        _, (hb, _) = self.lstm(b)
        return self.out(torch.cat([ha[0], hb[0]], dim=1))


class Inception(nn.Module):
    """W5: the seed's inception block (towers concatenated on the height axis,
    as its axis=1 on NHWC does), global average pool, dense 10; NCHW in."""

    def __init__(self):
        super().__init__()
        self.t1a, self.t1b = nn.Conv2d(3, 64, 1), nn.Conv2d(64, 64, 3, padding="same")
        self.t2a, self.t2b = nn.Conv2d(3, 64, 1), nn.Conv2d(64, 64, 5, padding="same")
        self.t3 = nn.Conv2d(3, 64, 1)
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        t1 = F.relu(self.t1b(F.relu(self.t1a(x))))
        t2 = F.relu(self.t2b(F.relu(self.t2a(x))))
        t3 = F.relu(self.t3(F.max_pool2d(x, 3, stride=1, padding=1)))
        x = torch.cat([t1, t2, t3], dim=2)
        return self.out(x.mean(dim=(2, 3)))


def _softmax_ce(logits, y):
    return F.cross_entropy(logits, y.argmax(dim=1))


def _bce(logit, y):
    return F.binary_cross_entropy_with_logits(logit, y)


def _weighted_bce(outputs, ys):
    main, aux = outputs
    return _bce(main, ys[0]) + 0.2 * _bce(aux, ys[1])


def _nchw(a):
    return np.ascontiguousarray(a.transpose(0, 3, 1, 2))


# name -> (module class, loss(outputs, targets), input converter)
_SPECS = {
    "W1": (MLP, _softmax_ce, None),
    "W2": (CNN, _softmax_ce, _nchw),
    "W3": (TwoInTwoOut, _weighted_bce, None),
    "W4": (SharedLSTM, _bce, None),
    "W5": (Inception, _softmax_ce, _nchw),
    "W6": (MLP, None, None),
}


def _as_list(a):
    return None if a is None else list(a) if isinstance(a, list) else [a]


def _int64(a):
    return a.astype(np.int64) if a.dtype.kind == "i" else a


class Twin:
    """A workload's PyTorch model, optimizer, loss and pre-sliced batches."""

    def __init__(self, name, batches=workloads.BATCHES, seed=0):
        module_cls, self.loss_fn, convert = _SPECS[name]
        torch.manual_seed(seed)
        self.name = name
        self.model = module_cls()
        self.optimizer = rmsprop(self.model.parameters())
        x, y, self.batch_size = workloads.data(name, batches, seed)
        xs, ys = [_int64(a) for a in _as_list(x)], _as_list(y)
        if convert is not None:
            xs = [convert(a) for a in xs]
        self.x = [torch.from_numpy(a) for a in xs]
        self.y = None if ys is None else [torch.from_numpy(a) for a in ys]
        b = self.batch_size
        self.n_batches = len(xs[0]) // b
        self.batches = [([a[i * b:(i + 1) * b] for a in self.x],
                         None if self.y is None else [a[i * b:(i + 1) * b] for a in self.y])
                        for i in range(self.n_batches)]

    def step(self, i):
        """One training step on batch i (mod the number of batches); returns the loss."""
        xb, yb = self.batches[i % self.n_batches]
        self.optimizer.zero_grad(set_to_none=True)
        out = self.model(*xb)
        loss = self.loss_fn(out, yb if len(yb) > 1 else yb[0])
        loss.backward()
        self.optimizer.step()
        return loss.detach().item()

    def predict(self, x):
        """Class probabilities for a NumPy batch (W1/W6 only: softmax of the logits)."""
        with torch.inference_mode():
            return F.softmax(self.model(torch.from_numpy(x)), dim=1).numpy()


def twin(name, batches=workloads.BATCHES, seed=0):
    """The PyTorch twin of workload `name` ('W1'..'W6')."""
    if name not in _SPECS:
        raise KeyError(f"unknown workload {name!r}; expected one of {sorted(_SPECS)}")
    return Twin(name, batches, seed)
