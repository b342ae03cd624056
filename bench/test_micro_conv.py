"""Microbenchmark: conv2d forward + backward, batch 64, 28x28x32 -> 64 filters 3x3.

Run with `python -m pytest bench/test_micro_conv.py --benchmark-enable`
(pyproject disables timing by default, so a plain run is a smoke test).
The torch case, when torch is installed, gives the reference time on the
same shape and thread count.
"""
import numpy as np
import pytest

from fastgraph.autodiff import Variable, gradients
from fastgraph.ops.conv import conv2d

N, H, W, C, O, K = 64, 28, 28, 32, 64, 3
THREADS = 2


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, H, W, C), dtype=np.float32)
    k = rng.standard_normal((K, K, C, O), dtype=np.float32) * 0.05
    b = np.zeros(O, np.float32)
    return x, k, b


@pytest.mark.benchmark(group="conv2d-fwd-bwd")
def test_fastgraph_conv2d_fwd_bwd(benchmark, arrays):
    x, k, b = (Variable(a) for a in arrays)

    def step():
        y = conv2d(x, k, b)
        return gradients(y, [x, k, b], grad_loss=np.ones(y.shape, np.float32))

    dx, dk, db = benchmark(step)
    assert dx.shape == x.shape and dk.shape == k.shape and db.shape == b.shape


@pytest.mark.benchmark(group="conv2d-fwd-bwd")
def test_torch_conv2d_fwd_bwd(benchmark, arrays):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(THREADS)
    xa, ka, ba = arrays
    x = torch.tensor(xa.transpose(0, 3, 1, 2).copy(), requires_grad=True)
    k = torch.tensor(ka.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    b = torch.tensor(ba, requires_grad=True)

    def step():
        y = torch.nn.functional.conv2d(x, k, b)
        return torch.autograd.grad(y, (x, k, b), torch.ones_like(y))

    dx, _, _ = benchmark(step)
    assert tuple(dx.shape) == (N, C, H, W)
