"""The seedable generator and dropout: statistics, reproducibility, gradient."""
import numpy as np
import pytest

from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients
from fastgraph.ops.random import dropout, get_rng, set_seed
from fastgraph._kernels import load

_k = load("dropout")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_kept_fraction_and_expectation(dtype, rate):
    set_seed(0)
    x = np.ones((400, 501), dtype)
    y = dropout(x, rate).data
    assert y.dtype == dtype
    kept = y != 0
    assert abs(kept.mean() - (1 - rate)) < 0.01
    np.testing.assert_allclose(y[kept], 1 / (1 - rate), rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.02


def test_matches_numpy_reference_from_mask():
    x = np.random.default_rng(1).normal(size=(7, 13)).astype(np.float32)
    xv = Variable(x)
    y = dropout(xv, 0.3, seed=5)
    mask = y.data != 0
    np.testing.assert_allclose(y.data, np.where(mask, x / np.float32(0.7), 0), rtol=1e-6)
    g = np.random.default_rng(2).normal(size=x.shape).astype(np.float32)
    (gx,) = gradients(y, [xv], grad_loss=g)
    np.testing.assert_allclose(gx, g * mask / np.float32(0.7), rtol=1e-6)


def test_same_seed_same_mask():
    x = np.ones((33, 17), np.float32)
    set_seed(42)
    a = dropout(x, 0.5).data
    b = dropout(x, 0.5).data
    set_seed(42)
    c = dropout(x, 0.5).data
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(dropout(x, 0.5, seed=3).data, dropout(x, 0.5, seed=3).data)


def test_set_seed_reseeds_shared_generator():
    set_seed(7)
    u = get_rng().normal(size=3)
    set_seed(7)
    np.testing.assert_array_equal(get_rng().normal(size=3), u)


def test_mask_independent_of_size_and_thread_count():
    # counter-based draws: element i's draw depends only on the key and i
    threads = load("threads")
    before = threads.get_omp_threads()
    try:
        threads.set_omp_threads(1)
        a = _k.mask((100001,), 123, 2 ** 31)
        threads.set_omp_threads(2)
        b = _k.mask((100001,), 123, 2 ** 31)
    finally:
        threads.set_omp_threads(before)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a[:99], _k.mask((99,), 123, 2 ** 31))
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < 0.02  # neighbours uncorrelated


@pytest.mark.parametrize("shape", [(1, 3), (2, 5), (3, 2, 3)])
def test_gradient_fixed_mask(shape):
    x = np.random.default_rng(3).normal(size=shape)
    check_gradients(lambda t: dropout(t, 0.4, seed=11), x)


def test_noise_shape_shares_mask_and_gradient():
    set_seed(4)
    x = np.ones((6, 5, 8), np.float32)
    y = dropout(x, 0.5, noise_shape=(None, 1, 8)).data
    assert (y == y[:, :1, :]).all()
    xs = np.random.default_rng(5).normal(size=(2, 3, 4))
    check_gradients(lambda t: dropout(t, 0.5, noise_shape=(2, 1, None), seed=9), xs)


def test_rate_zero_returns_input():
    x = Tensor(np.ones(3, np.float32))
    assert dropout(x, 0) is x


@pytest.mark.parametrize("rate", [1, 1.0, -0.1, 2, "0.5", None, True])
def test_bad_rate(rate):
    with pytest.raises(ValueError, match="rate must be a number in \\[0, 1\\)"):
        dropout(np.ones(3, np.float32), rate)


def test_bad_noise_shape_and_dtype():
    with pytest.raises(ValueError, match="noise_shape must have 2 entries"):
        dropout(np.ones((2, 3), np.float32), 0.5, noise_shape=(3,))
    with pytest.raises(ValueError, match="does not broadcast"):
        dropout(np.ones((2, 3), np.float32), 0.5, noise_shape=(2, 2))
    with pytest.raises(TypeError, match="x must be float32 or float64, got int64"):
        dropout(np.ones(3, np.int64), 0.5)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        set_seed(-1)


def test_non_contiguous_input_is_copied():
    x = np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2]
    y = dropout(x, 0.5, seed=1).data
    np.testing.assert_array_equal(y, dropout(np.ascontiguousarray(x), 0.5, seed=1).data)


def test_kernel_shim_rejects_bad_arrays():
    with pytest.raises(ValueError, match="x must be C-contiguous"):
        _k.dropout(np.ones((4, 4), np.float32)[:, ::2], 1, 10, 2.0)
    with pytest.raises(ValueError, match="mask must be uint8 of shape \\(3,\\)"):
        _k.backward(np.ones(3, np.float32), np.ones(3, np.int8), 2.0)
    with pytest.raises(ValueError, match="threshold must be below 2\\*\\*32"):
        _k.mask((3,), 1, 2 ** 32)
