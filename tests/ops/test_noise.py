"""Training noise ops: the noise statistics, alpha dropout's kept mean and
variance, reproducibility from a seed, gradients (the multiplier)."""
import numpy as np
import pytest

from fastgraph.autodiff import Variable, gradients
from fastgraph.ops.noise import alpha_dropout, gaussian_dropout, gaussian_noise


def _grad(fn, x):
    v = Variable(x)
    y = fn(v)
    (g,) = gradients(y, [v], grad_loss=np.ones_like(x))
    return y.data, g


def test_gaussian_noise():
    x = np.zeros((400, 500), np.float32)
    y, g = _grad(lambda t: gaussian_noise(t, 0.5, seed=1), x)
    assert y.dtype == np.float32
    assert abs(y.mean()) < 0.01 and abs(y.std() - 0.5) < 0.01
    np.testing.assert_array_equal(g, 1)
    np.testing.assert_array_equal(gaussian_noise(x, 0.5, seed=1).data, y)


def test_gaussian_dropout():
    x = np.ones((400, 500))
    y, g = _grad(lambda t: gaussian_dropout(t, 0.2, seed=2), x)
    assert abs(y.mean() - 1) < 0.01 and abs(y.var() - 0.2 / 0.8) < 0.01
    np.testing.assert_array_equal(g, y)              # the multiplier itself
    assert gaussian_dropout(x, 0.0).data is x


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_alpha_dropout_keeps_mean_and_variance(rate):
    x = np.random.RandomState(0).randn(1000, 400)
    y, g = _grad(lambda t: alpha_dropout(t, rate, seed=3), x)
    assert abs(y.mean()) < 0.02 and abs(y.var() - 1) < 0.02
    kept = g != 0
    assert abs(kept.mean() - (1 - rate)) < 0.01
    a = ((1 - rate) * (1 + rate * (1.6732632423543772 * 1.0507009873554805) ** 2)) ** -0.5
    np.testing.assert_allclose(g[kept], a)


def test_alpha_dropout_noise_shape():
    x = np.ones((4, 50, 3))
    y = alpha_dropout(x, 0.5, noise_shape=(4, 1, 3), seed=4).data
    assert (y == y[:, :1, :]).all()


@pytest.mark.parametrize("call, match", [
    (lambda: gaussian_noise(np.ones(2), -1.0), "gaussian_noise: stddev"),
    (lambda: gaussian_dropout(np.ones(2), 1.0), "gaussian_dropout: rate"),
    (lambda: alpha_dropout(np.ones(2), -0.1), "alpha_dropout: rate"),
    (lambda: alpha_dropout(np.ones((2, 3)), 0.5, noise_shape=(2, 2)), "noise_shape"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
