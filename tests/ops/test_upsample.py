"""Upsampling: nearest equal to np.repeat, bilinear equal to TensorFlow's
half-pixel interpolation, gradient checks, bad input."""
import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops.upsample import upsample_bilinear2d, upsample_nearest


def _rand(seed, shape, dtype=np.float64):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(dtype)


def ref_bilinear(x, fh, fw):
    """tf.image.resize(method='bilinear') written out (half-pixel centres)."""
    def table(n, f):
        s = (np.arange(n * f) + 0.5) / f - 0.5
        lo = np.floor(s)
        return np.maximum(lo, 0).astype(int), np.minimum(np.ceil(s), n - 1).astype(int), s - lo
    ylo, yhi, ty = table(x.shape[1], fh)
    xlo, xhi, tx = table(x.shape[2], fw)
    tx = tx[None, None, :, None]
    top = x[:, ylo][:, :, xlo] + (x[:, ylo][:, :, xhi] - x[:, ylo][:, :, xlo]) * tx
    bot = x[:, yhi][:, :, xlo] + (x[:, yhi][:, :, xhi] - x[:, yhi][:, :, xlo]) * tx
    return top + (bot - top) * ty[None, :, None, None]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,size", [((2, 5, 3), (3,)), ((2, 3, 4, 5), (2, 3)),
                                        ((1, 2, 3, 2, 4), (2, 1, 3)), ((2, 1, 1, 2), (1, 1))])
def test_nearest_is_repeat(shape, size, dtype):
    x = _rand(0, shape, dtype)
    want = x
    for axis, f in enumerate(size):
        want = want.repeat(f, axis=axis + 1)
    y = upsample_nearest(x, size)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, want)
    if dtype == np.float64:
        check_gradients(lambda x: upsample_nearest(x, size), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,size", [((2, 3, 4, 5), (2, 3)), ((1, 1, 3, 2), (4, 2)),
                                        ((2, 4, 4, 3), (1, 1)), ((1, 5, 2, 2), (3, 5))])
def test_bilinear(shape, size, dtype):
    x = _rand(1, shape, dtype)
    y = upsample_bilinear2d(x, size)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.data, ref_bilinear(x.astype(np.float64), *size),
                               rtol=tol, atol=tol)
    if dtype == np.float64:
        check_gradients(lambda x: upsample_bilinear2d(x, size), x)


def test_large_inputs_use_the_parallel_kernels():
    """Adjoint identities above the OpenMP threshold: <up(x'), g> = <x', dx>."""
    for op, size in ((upsample_nearest, (2, 3)), (upsample_bilinear2d, (3, 2))):
        x = Variable(_rand(2, (4, 20, 18, 16)))
        y = op(x, size)
        g = _rand(3, y.shape)
        (dx,) = gradients(y, [x], grad_loss=g)
        x2 = _rand(4, x.shape)
        np.testing.assert_allclose(np.sum(op(x2, size).data * g), np.sum(x2 * dx),
                                   rtol=1e-10)


@pytest.mark.parametrize("call,match", [
    (lambda: upsample_nearest(np.zeros((2, 3, 4), np.float32), (2, 2)),
     r"upsample_nearest: x must have rank 4 .* got shape \(2, 3, 4\)"),
    (lambda: upsample_nearest(np.zeros((2, 3, 4, 1), np.float32), (2, 0)),
     "upsample_nearest: size"),
    (lambda: upsample_bilinear2d(np.zeros((2, 3, 4), np.float32), (2, 2)),
     "upsample_bilinear2d: x must have rank 4"),
    (lambda: load("upsample").nearest(np.zeros((1, 2, 2, 1), np.float32),
                                      np.zeros((1, 4, 3, 1), np.float32), (2, 2)),
     r"y must have shape \(1, 4, 4, 1\)"),
    (lambda: load("upsample").bilinear(np.zeros((1, 2, 2, 2, 1), np.float32),
                                       np.zeros((1, 2, 4, 4, 1), np.float32), (1, 2, 2)),
     "factors must be"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
