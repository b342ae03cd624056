"""Microbenchmark: a Dense layer (bias + relu) forward + backward, batch 128, 784 -> 512.

Run with `python -m pytest bench/test_micro_dense.py --benchmark-enable`
(pyproject disables timing by default, so a plain run is a smoke test).
The torch case, when torch is installed, gives the reference time on the
same shape and thread count.
"""
import numpy as np
import pytest

from fastgraph import _threads
from fastgraph.autodiff import Variable, gradients
from fastgraph.ops.dense import dense

N, D, U = 128, 784, 512
THREADS = 2


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, D), dtype=np.float32)
    k = rng.standard_normal((D, U), dtype=np.float32) * 0.05
    b = np.zeros(U, np.float32)
    return x, k, b


@pytest.mark.benchmark(group="dense-fwd-bwd")
def test_fastgraph_dense_fwd_bwd(benchmark, arrays):
    _threads.set_num_threads(THREADS)
    x, k, b = (Variable(a) for a in arrays)

    def step():
        y = dense(x, k, b, activation="relu")
        return gradients(y, [x, k, b], grad_loss=np.ones(y.shape, np.float32))

    dx, dk, db = benchmark(step)
    assert dx.shape == x.shape and dk.shape == k.shape and db.shape == b.shape
    assert dk.dtype == np.float32


@pytest.mark.benchmark(group="dense-fwd-bwd")
def test_torch_dense_fwd_bwd(benchmark, arrays):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(THREADS)
    xa, ka, ba = arrays
    x = torch.tensor(xa, requires_grad=True)
    w = torch.tensor(ka.T.copy(), requires_grad=True)
    b = torch.tensor(ba, requires_grad=True)

    def step():
        y = torch.relu(torch.nn.functional.linear(x, w, b))
        return torch.autograd.grad(y, (x, w, b), torch.ones_like(y))

    dx, dw, _ = benchmark(step)
    assert tuple(dx.shape) == (N, D) and tuple(dw.shape) == (U, D)
