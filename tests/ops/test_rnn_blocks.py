"""The recurrent kernels' register-blocked GEMM over every row-block remainder,
and the gate-gradient scratch reused between calls."""
import numpy as np
import pytest

from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops.rnn import gru, lstm


def _sig(v):
    return 1 / (1 + np.exp(-v))


def ref_lstm(x, K, U, b):
    N, T, _ = x.shape
    u = U.shape[0]
    h, c = np.zeros((N, u)), np.zeros((N, u))
    for t in range(T):
        i, f, g, o = np.split(x[:, t] @ K + h @ U + b, 4, axis=1)
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        h = _sig(o) * np.tanh(c)
    return h


@pytest.mark.parametrize("N", list(range(1, 14)))
@pytest.mark.parametrize("u", [4, 16, 21])
def test_lstm_every_row_remainder(N, u):
    rng = np.random.RandomState(N * 31 + u)
    x = rng.randn(N, 3, 5)
    K, U, b = rng.randn(5, 4 * u) * 0.3, rng.randn(u, 4 * u) * 0.3, rng.randn(4 * u) * 0.1
    np.testing.assert_allclose(lstm(x, K, U, b)[0].data, ref_lstm(x, K, U, b), atol=1e-12)
    y32 = lstm(x.astype(np.float32), K.astype(np.float32), U.astype(np.float32),
               b.astype(np.float32))[0].data
    np.testing.assert_allclose(y32, ref_lstm(x, K, U, b), atol=2e-5)


@pytest.mark.parametrize("N", [5, 7, 8])
def test_lstm_and_gru_gradients_across_row_blocks(N):
    rng = np.random.RandomState(N)
    x = rng.randn(N, 3, 2)
    K, U, b = rng.randn(2, 12) * 0.5, rng.randn(3, 12) * 0.5, rng.randn(12) * 0.1
    check_gradients(lambda x, K, U, b: lstm(x, K, U, b)[0], x, K, U, b)
    Kg, Ug, bg = rng.randn(2, 9) * 0.5, rng.randn(3, 9) * 0.5, rng.randn(2, 9) * 0.1
    check_gradients(lambda x, K, U, b: gru(x, K, U, b)[0], x, Kg, Ug, bg)


def test_scratch_reuse_between_sizes_and_dtypes():
    """Backward passes of different shapes and dtypes share the per-thread
    scratch: each must give what it gives alone."""
    rng = np.random.RandomState(3)

    def grads(N, T, dtype):
        x = Variable(rng.randn(N, T, 4).astype(dtype))
        K = Variable((rng.randn(4, 8) * 0.5).astype(dtype))
        U = Variable((rng.randn(2, 8) * 0.5).astype(dtype))
        out = gradients(lstm(x, K, U, return_sequences=True)[0], [x, K, U])
        return [g.copy() for g in out], (x, K, U)

    first, args = grads(6, 9, np.float64)
    grads(2, 3, np.float64)
    grads(7, 11, np.float32)
    again = gradients(lstm(*args, return_sequences=True)[0], list(args))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
