"""Max pooling's one-pass backward for windows that do not overlap."""
import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops.conv import padded_output
from fastgraph.ops.pool import max_pool2d

_k = load("pool")


def _distinct(seed, shape):
    vals = np.random.RandomState(seed).permutation(int(np.prod(shape)))
    return vals.reshape(shape).astype(np.float64) * 0.1


@pytest.mark.parametrize("xs,pool,strides,padding", [
    ((2, 6, 6, 3), (2, 2), (2, 2), "valid"),
    ((2, 7, 5, 3), (2, 2), (2, 2), "valid"),      # a row and a column outside every window
    ((1, 7, 7, 2), (3, 3), (3, 3), "same"),
    ((2, 5, 6, 2), (2, 3), (3, 4), "valid"),      # gaps between windows
    ((1, 5, 5, 1), (2, 2), (2, 2), "same"),
    ((1, 1, 1, 4), (2, 2), (2, 2), "same"),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tiled_backward_equals_scatter(xs, pool, strides, padding, dtype):
    x = _distinct(0, xs).astype(dtype)
    n, h, w, c = xs
    oh, pt, _ = padded_output(h, pool[0], strides[0], 1, padding)
    ow, pl, _ = padded_output(w, pool[1], strides[1], 1, padding)
    y = np.empty((n, oh, ow, c), dtype)
    argmax = np.empty(y.shape, np.int32)
    _k.max_pool_forward(x, y, argmax, pool, strides, (pt, pl))
    g = np.random.RandomState(1).randn(*y.shape).astype(dtype)
    want, got = np.full(xs, np.nan, dtype), np.full(xs, np.nan, dtype)
    _k.max_pool_backward(g, argmax, want)
    _k.max_pool_backward_tiled(g, argmax, got, pool, strides, (pt, pl))
    np.testing.assert_array_equal(got, want)


def test_op_gradient_through_tiled_backward():
    x = _distinct(2, (2, 7, 5, 3))
    check_gradients(lambda x: max_pool2d(x, (2, 2)), x)
    check_gradients(lambda x: max_pool2d(x, (2, 2), (3, 3), "same"), x)
    xv = Variable(x)
    (dx,) = gradients(max_pool2d(xv, (2, 2)), [xv])
    assert dx[:, 6].sum() == 0 and dx[:, :, 4].sum() == 0


def test_tiled_backward_rejects_overlapping_windows_and_bad_arrays():
    g = np.zeros((1, 2, 2, 1), np.float32)
    am = np.zeros(g.shape, np.int32)
    dx = np.zeros((1, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match="overlap"):
        _k.max_pool_backward_tiled(g, am, dx, (3, 3), (1, 1), (0, 0))
    with pytest.raises(ValueError, match=r"argmax must be int32 of shape \(1, 2, 2, 1\)"):
        _k.max_pool_backward_tiled(g, am[:, :1], dx, (2, 2), (2, 2), (0, 0))
    with pytest.raises(TypeError, match="argmax"):
        _k.max_pool_backward_tiled(g, am.astype(np.int64), dx, (2, 2), (2, 2), (0, 0))
    with pytest.raises(ValueError, match="C-contiguous"):
        _k.max_pool_backward_tiled(g, am, np.zeros((1, 4, 8, 1), np.float32)[:, :, ::2],
                                   (2, 2), (2, 2), (0, 0))
    # argmax entries outside their window write nothing outside dx
    _k.max_pool_backward_tiled(np.ones_like(g), np.full(g.shape, 10 ** 6, np.int32), dx,
                               (2, 2), (2, 2), (0, 0))
    assert not dx.any()
