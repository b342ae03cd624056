"""Pooling ops: NumPy and tf-keras references, gradient checks, bad input."""
import os

import numpy as np
import pytest

from fastgraph import _threads
from fastgraph._kernels import load
from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops.conv import padded_output
from fastgraph.ops.pool import (avg_pool1d, avg_pool2d, global_avg_pool2d,
                                global_max_pool2d, max_pool1d, max_pool2d)

# tests/reference/conv_pool_tf_ref.npz holds tf-keras outputs (tf-keras 2.x, TF 2.21)
# of MaxPooling2D / AveragePooling2D / MaxPooling1D / AveragePooling1D layers
# for the configurations below, called on `_rand(70 + i, x shape)` (float32),
# saved with np.savez_compressed.
REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "conv_pool_tf_ref.npz"))

# name: (op, x shape, pool, strides, padding); seed 70+i
TF_POOL = {
    "max2_p3_s2_same": (max_pool2d, (2, 7, 6, 3), (3, 3), (2, 2), "same"),
    "avg2_p3_s2_same": (avg_pool2d, (2, 7, 6, 3), (3, 3), (2, 2), "same"),
    "avg2_p2_same_odd": (avg_pool2d, (2, 5, 5, 3), (2, 2), (2, 2), "same"),
    "max1_p3_s2_same": (max_pool1d, (2, 8, 3), 3, 2, "same"),
    "avg1_p2_same_odd": (avg_pool1d, (2, 7, 3), 2, 2, "same"),
}


def _rand(seed, shape, dtype=np.float32):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(dtype)


def _distinct(seed, shape):
    """float64 values far apart from each other, so max pooling has no ties."""
    vals = np.random.RandomState(seed).permutation(int(np.prod(shape)))
    return vals.reshape(shape).astype(np.float64) * 0.1


def ref_pool2d(x, pool, strides, padding, is_max):
    """Windows clipped to the image: max, or mean over the valid cells."""
    n, h, w, c = x.shape
    oh, pt, _ = padded_output(h, pool[0], strides[0], 1, padding)
    ow, pl, _ = padded_output(w, pool[1], strides[1], 1, padding)
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        y0 = i * strides[0] - pt
        for j in range(ow):
            x0 = j * strides[1] - pl
            win = x[:, max(y0, 0):y0 + pool[0], max(x0, 0):x0 + pool[1]]
            y[:, i, j] = win.max(axis=(1, 2)) if is_max else win.mean(axis=(1, 2))
    return y


CASES = [  # x shape, pool, strides, padding
    ((2, 6, 6, 3), (2, 2), None, "valid"),
    ((2, 7, 5, 3), (2, 2), None, "valid"),
    ((1, 7, 6, 2), (3, 3), (2, 2), "same"),
    ((2, 5, 5, 3), (2, 2), (2, 2), "same"),
    ((2, 6, 7, 2), (3, 2), (1, 2), "same"),
    ((1, 5, 6, 4), (3, 3), (1, 1), "valid"),
    ((2, 4, 4, 1), (5, 5), (1, 1), "same"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("is_max", [True, False])
@pytest.mark.parametrize("xs,pool,strides,padding", CASES)
def test_pool2d_matches_numpy_reference(xs, pool, strides, padding, is_max, dtype):
    x = _rand(0, xs, dtype)
    op = max_pool2d if is_max else avg_pool2d
    y = op(x, pool, strides, padding)
    assert y.dtype == dtype
    ref = ref_pool2d(x, pool, strides or pool, padding, is_max)
    np.testing.assert_allclose(y.data, ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(TF_POOL))
def test_pool_matches_tf_keras(name):
    i = list(TF_POOL).index(name)
    op, xs, pool, strides, padding = TF_POOL[name]
    y = op(_rand(70 + i, xs), pool, strides, padding)
    np.testing.assert_allclose(y.data, REF[name], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("is_max", [True, False])
@pytest.mark.parametrize("xs,pool,strides,padding", CASES)
def test_pool2d_gradients(xs, pool, strides, padding, is_max):
    op = max_pool2d if is_max else avg_pool2d
    check_gradients(lambda x: op(x, pool, strides, padding), _distinct(1, xs))


@pytest.mark.parametrize("op", [max_pool1d, avg_pool1d])
@pytest.mark.parametrize("pool,strides,padding", [
    (2, None, "valid"), (3, 2, "same"), (2, 1, "same"), (3, 1, "valid")])
def test_pool1d_matches_reference_and_gradients(op, pool, strides, padding):
    x = _distinct(2, (2, 7, 3))
    y = op(x, pool, strides, padding)
    ref = ref_pool2d(x[:, None], (1, pool), (1, strides or pool), padding,
                     op is max_pool1d)
    np.testing.assert_allclose(y.data, ref[:, 0], atol=1e-12)
    check_gradients(lambda x: op(x, pool, strides, padding), x)


@pytest.fixture(params=[1, 2])
def threads(request):
    before = _threads.get_num_threads()
    _threads.set_num_threads(request.param)
    yield request.param
    _threads.set_num_threads(before["openmp"])
    if before["blas"] is not None:
        _threads._find_blas()["set"](before["blas"])


@pytest.mark.parametrize("is_max", [True, False])
@pytest.mark.parametrize("pool,strides,padding", [((2, 2), None, "valid"), ((3, 3), (2, 2), "same")])
def test_pool2d_large_uses_parallel_kernels(threads, pool, strides, padding, is_max):
    """Sizes above the threshold for splitting a pass into the pool's tasks;
    for a fixed argmax both pools are linear in x, so <pool(x), g> = <x, dx>
    exactly, at one thread and at two."""
    x = Variable(_distinct(6, (4, 34, 32, 8)))
    op = max_pool2d if is_max else avg_pool2d
    y = op(x, pool, strides, padding)
    np.testing.assert_allclose(y.data, ref_pool2d(x.data, pool, strides or pool, padding, is_max),
                               atol=1e-12)
    g = _rand(7, y.shape, np.float64)
    (dx,) = gradients(y, [x], grad_loss=g)
    np.testing.assert_allclose(np.sum(y.data * g), np.sum(x.data * dx), rtol=1e-10)


def test_max_pool_gradient_goes_to_the_first_maximum_only():
    x = Variable(np.array([[[[1.0], [3.0]], [[3.0], [0.0]]]], np.float32))
    (dx,) = gradients(max_pool2d(x), [x])
    np.testing.assert_array_equal(dx.ravel(), [0, 1, 0, 0])


def test_global_pools():
    x = _distinct(3, (2, 3, 4, 5))
    np.testing.assert_allclose(global_avg_pool2d(x).data, x.mean(axis=(1, 2)))
    np.testing.assert_allclose(global_max_pool2d(x).data, x.max(axis=(1, 2)))
    check_gradients(global_avg_pool2d, x)
    check_gradients(global_max_pool2d, x)
    check_gradients(global_avg_pool2d, _distinct(4, (1, 1, 3, 2)))
    assert global_avg_pool2d(x.astype(np.float32)).dtype == np.float32


def test_global_max_pool_splits_ties_like_tensorflow():
    x = Variable(np.array([[[[2.0], [2.0]], [[1.0], [0.0]]]], np.float32))
    (dx,) = gradients(global_max_pool2d(x), [x])
    np.testing.assert_array_equal(dx.ravel(), [0.5, 0.5, 0, 0])
    assert dx.dtype == np.float32


def test_non_contiguous_input():
    x = _rand(5, (2, 6, 6, 6))[..., ::2]
    np.testing.assert_allclose(max_pool2d(x).data,
                               ref_pool2d(x, (2, 2), (2, 2), "valid", True), atol=1e-7)
    xv = Variable(x)
    (dx,) = gradients(avg_pool2d(xv, 3, 1, "same"), [xv])
    assert dx.shape == x.shape


def test_empty_batch():
    x = Variable(np.zeros((0, 4, 4, 2), np.float32))
    for op in (max_pool2d, avg_pool2d):
        y = op(x)
        assert y.shape == (0, 2, 2, 2)
        (dx,) = gradients(y, [x])
        assert dx.shape == x.shape


@pytest.mark.parametrize("op", [max_pool2d, avg_pool2d])
def test_pool2d_bad_input(op):
    name = op.__name__
    with pytest.raises(ValueError, match=rf"{name}: x must have rank 4.*\(2, 4, 4\)"):
        op(np.zeros((2, 4, 4), np.float32))
    with pytest.raises(ValueError, match=f"{name}: input height 1 is too small for pool height 2"):
        op(np.zeros((2, 1, 4, 3), np.float32))
    with pytest.raises(ValueError, match=f"{name}: pool_size"):
        op(np.zeros((2, 4, 4, 3), np.float32), pool_size=(0, 2))
    with pytest.raises(ValueError, match=f"{name}: strides"):
        op(np.zeros((2, 4, 4, 3), np.float32), strides=(1,))
    with pytest.raises(ValueError, match=f"{name}: padding"):
        op(np.zeros((2, 4, 4, 3), np.float32), padding="causal")
    with pytest.raises(TypeError, match=f"{name}: x must be float32 or float64, got int32"):
        op(np.zeros((2, 4, 4, 3), np.int32))


def test_pool1d_and_global_bad_input():
    with pytest.raises(ValueError, match=r"max_pool1d: x must have rank 3"):
        max_pool1d(np.zeros((2, 4, 4, 1), np.float32))
    with pytest.raises(ValueError, match=r"avg_pool1d: pool_size"):
        avg_pool1d(np.zeros((2, 4, 1), np.float32), pool_size=(2, 2))
    with pytest.raises(ValueError, match=r"global_max_pool2d: x must have rank 4"):
        global_max_pool2d(np.zeros((2, 4, 1), np.float32))
    with pytest.raises(ValueError, match=r"global_avg_pool2d: x must have non-empty"):
        global_avg_pool2d(np.zeros((2, 0, 3, 1), np.float32))


def test_kernel_shims_reject_bad_arrays():
    k = load("pool")
    x = np.zeros((1, 4, 4, 2), np.float32)
    out = np.zeros((1, 2, 2, 2), np.float32)
    arg = np.zeros(out.shape, np.int32)
    with pytest.raises(TypeError, match="argmax must be int32"):
        k.max_pool_forward(x, out, arg.astype(np.int64), (2, 2), (2, 2), (0, 0))
    with pytest.raises(ValueError, match="windows outside the input"):
        k.max_pool_forward(x, np.zeros((1, 5, 2, 2), np.float32),
                           np.zeros((1, 5, 2, 2), np.int32), (2, 2), (2, 2), (0, 0))
    with pytest.raises(ValueError, match="windows outside the input"):
        k.avg_pool_forward(x, out, (2, 2), (2, 2), (2, 0))
    with pytest.raises(ValueError, match="out must be C-contiguous"):
        k.avg_pool_forward(x, np.zeros((1, 2, 2, 4), np.float32)[..., ::2],
                           (2, 2), (2, 2), (0, 0))
    with pytest.raises(IndexError, match="argmax indices outside"):
        k.max_pool_backward(out, np.full(out.shape, 32, np.int32), x.copy())
    with pytest.raises(IndexError, match="argmax indices outside"):
        k.max_pool_backward(out, np.full(out.shape, -1, np.int32), x.copy())
