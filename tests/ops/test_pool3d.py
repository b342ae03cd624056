"""3-D pooling and 3-D global pools: NumPy references, gradient checks,
the one-pass backward of non-overlapping windows, bad input."""
import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph.autodiff import check_gradients
from fastgraph.ops.conv import padded_output
from fastgraph.ops.pool import (avg_pool3d, global_avg_pool3d, global_max_pool3d,
                                max_pool3d)

_k = load("pool")


def _distinct(seed, shape):
    """float64 values far apart from each other, so max pooling has no ties."""
    vals = np.random.RandomState(seed).permutation(int(np.prod(shape)))
    return vals.reshape(shape).astype(np.float64) * 0.1


def ref_pool3d(x, pool, strides, padding, is_max):
    """Windows clipped to the volume: max, or mean over the valid cells."""
    geo = [padded_output(n, p, s, 1, padding) for n, p, s in zip(x.shape[1:4], pool, strides)]
    y = np.zeros((x.shape[0],) + tuple(o for o, _, _ in geo) + (x.shape[-1],))
    for pos in np.ndindex(*y.shape[1:4]):
        win = x[(slice(None),) + tuple(
            slice(max(i * s - b, 0), i * s - b + p)
            for i, s, (_, b, _), p in zip(pos, strides, geo, pool))]
        y[(slice(None),) + pos] = win.max(axis=(1, 2, 3)) if is_max else win.mean(axis=(1, 2, 3))
    return y


CASES = [  # x shape, pool, strides, padding
    ((2, 4, 6, 6, 3), (2, 2, 2), None, "valid"),
    ((2, 5, 7, 5, 2), (2, 2, 2), None, "valid"),
    ((1, 5, 7, 6, 2), (3, 3, 2), (2, 2, 1), "same"),
    ((2, 3, 5, 5, 3), (2, 3, 2), (1, 2, 2), "same"),
    ((1, 4, 4, 4, 1), (3, 3, 3), (3, 3, 3), "same"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,pool,strides,padding", CASES)
@pytest.mark.parametrize("is_max", [True, False])
def test_matches_reference_and_gradients(xs, pool, strides, padding, is_max, dtype):
    x = _distinct(0, xs)
    op = max_pool3d if is_max else avg_pool3d
    y = op(x.astype(dtype), pool, strides, padding)
    assert y.dtype == dtype
    want = ref_pool3d(x, pool, strides or pool, padding, is_max)
    np.testing.assert_allclose(y.data, want, rtol=1e-6 if dtype == np.float32 else 1e-12)
    if dtype == np.float64:
        check_gradients(lambda x: op(x, pool, strides, padding), x)


def test_tiled_backward_equals_scatter():
    x = _distinct(1, (2, 5, 7, 6, 3))
    pool, strides, pads = (2, 3, 2), (2, 3, 3), (0, 1, 0)
    out = (2, 3, 2)
    y = np.empty((2,) + out + (3,))
    argmax = np.empty(y.shape, np.int32)
    _k.max_pool_forward(x, y, argmax, pool, strides, pads)
    g = np.random.RandomState(2).randn(*y.shape)
    want, got = np.full(x.shape, np.nan), np.full(x.shape, np.nan)
    _k.max_pool_backward(g, argmax, want)
    _k.max_pool_backward_tiled(g, argmax, got, pool, strides, pads)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("op,reduce", [(global_avg_pool3d, np.mean),
                                       (global_max_pool3d, np.max)])
def test_global_pools(op, reduce):
    x = _distinct(3, (2, 3, 4, 2, 5))
    np.testing.assert_allclose(op(x).data, reduce(x, axis=(1, 2, 3)))
    check_gradients(op, x)


def test_global_max_ties_share_the_gradient():
    from fastgraph.autodiff import Variable, gradients
    x = Variable(np.ones((1, 2, 1, 2, 1)))
    (dx,) = gradients(global_max_pool3d(x), [x])
    np.testing.assert_allclose(dx, np.full(x.shape, 0.25))


@pytest.mark.parametrize("call,match", [
    (lambda: max_pool3d(np.zeros((2, 4, 4, 1), np.float32)), r"max_pool3d: x must have rank 5"),
    (lambda: avg_pool3d(np.zeros((2, 4, 4, 4, 1), np.float32), (2, 2)), "avg_pool3d: pool_size"),
    (lambda: max_pool3d(np.zeros((2, 1, 4, 4, 1), np.float32)),
     "input depth 1 is too small for pool depth 2"),
    (lambda: global_avg_pool3d(np.zeros((2, 0, 3, 1, 1), np.float32)),
     "global_avg_pool3d: x must have non-empty depth, height, width"),
    (lambda: _k.avg_pool_forward(np.zeros((1, 4, 4, 4, 1), np.float32),
                                 np.zeros((1, 2, 2, 2, 1), np.float32), (2, 2, 2), (2, 2),
                                 (0, 0, 0)), "must have 3 entries"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
