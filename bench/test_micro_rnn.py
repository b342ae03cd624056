"""Microbenchmark: LSTM forward + backward, T=100, batch 32, 512 inputs, 32 units.

Run with `python -m pytest bench/test_micro_rnn.py --benchmark-enable`
(pyproject disables timing by default, so a plain run is a smoke test).
The loss is the last output; gradients of x, kernel, recurrent kernel and
bias.  The torch case, when torch is installed, gives the reference time on
the same shape and thread count (nn.LSTM, batch_first).
"""
import numpy as np
import pytest

from fastgraph import _threads
from fastgraph.autodiff import Variable, gradients
from fastgraph.ops.rnn import lstm

N, T, D, U = 32, 100, 512, 32
THREADS = 2


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D), dtype=np.float32)
    k = rng.standard_normal((D, 4 * U), dtype=np.float32) * 0.05
    rk = rng.standard_normal((U, 4 * U), dtype=np.float32) * 0.05
    b = np.zeros(4 * U, np.float32)
    return x, k, rk, b


@pytest.mark.benchmark(group="lstm-fwd-bwd")
def test_fastgraph_lstm_fwd_bwd(benchmark, arrays):
    _threads.set_num_threads(THREADS)
    variables = [Variable(a) for a in arrays]

    def step():
        y = lstm(*variables)[0]
        return gradients(y, variables, grad_loss=np.ones(y.shape, np.float32))

    grads = benchmark(step)
    for g, v in zip(grads, variables):
        assert g.shape == v.shape and g.dtype == np.float32


@pytest.mark.benchmark(group="lstm-fwd-bwd")
def test_torch_lstm_fwd_bwd(benchmark, arrays):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(THREADS)
    net = torch.nn.LSTM(D, U, batch_first=True)
    x = torch.tensor(arrays[0], requires_grad=True)
    params = [x] + list(net.parameters())

    def step():
        out, _ = net(x)
        last = out[:, -1]
        return torch.autograd.grad(last, params, torch.ones_like(last))

    grads = benchmark(step)
    assert tuple(grads[0].shape) == (N, T, D)
