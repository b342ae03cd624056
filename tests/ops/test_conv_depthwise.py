"""Depthwise convolutions: equal to the grouped convolution with one group
per channel, gradient checks, float32 against float64, bad input."""
import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops.conv import conv1d, conv2d
from fastgraph.ops.conv_depthwise import depthwise_conv1d, depthwise_conv2d


def _rand(seed, shape, dtype=np.float64):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(dtype)


def as_grouped(k):
    """The (k..., C, m) depthwise kernel as the (k..., 1, C*m) grouped one."""
    return k.reshape(k.shape[:-2] + (1, k.shape[-2] * k.shape[-1]))


CASES = [  # x shape, kernel (kh, kw, C, m), strides, padding, dilation
    ((2, 7, 6, 3), (3, 3, 3, 1), (1, 1), "same", (1, 1)),
    ((2, 7, 6, 20), (3, 2, 20, 1), (2, 2), "same", (1, 1)),
    ((2, 7, 6, 3), (3, 3, 3, 2), (2, 1), "valid", (1, 1)),
    ((1, 9, 9, 17), (3, 3, 17, 1), (1, 1), "same", (2, 3)),
    ((1, 10, 10, 33), (9, 9, 33, 1), (1, 1), "same", (1, 1)),   # > 64 taps per pixel
    ((3, 4, 5, 2), (1, 1, 2, 3), (1, 1), "valid", (1, 1)),
    ((2, 8, 8, 40), (5, 5, 40, 1), (3, 3), "same", (1, 1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ks,strides,padding,dilation", CASES)
def test_equals_grouped_convolution(xs, ks, strides, padding, dilation, dtype):
    x, k, b = _rand(0, xs, dtype), _rand(1, ks, dtype), _rand(2, (ks[2] * ks[3],), dtype)
    y = depthwise_conv2d(x, k, b, strides, padding, dilation)
    assert y.dtype == dtype
    want = conv2d(x, as_grouped(k), b, strides, padding, dilation, groups=xs[-1])
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.data, want.data, rtol=tol, atol=tol)


@pytest.mark.parametrize("xs,ks,strides,padding,dilation", CASES)
def test_gradients(xs, ks, strides, padding, dilation):
    x, k, b = _rand(3, xs), _rand(4, ks), _rand(5, (ks[2] * ks[3],))
    check_gradients(lambda x, k, b: depthwise_conv2d(x, k, b, strides, padding,
                                                     dilation, "relu"), x, k, b)


@pytest.mark.parametrize("padding,stride,dilation", [
    ("valid", 1, 1), ("same", 2, 1), ("causal", 1, 2), ("same", 1, 3)])
def test_depthwise_conv1d(padding, stride, dilation):
    x, k, b = _rand(6, (2, 9, 4)), _rand(7, (3, 4, 2)), _rand(8, (8,))
    y = depthwise_conv1d(x, k, b, stride, padding, dilation)
    want = conv1d(x, as_grouped(k), b, stride, padding, dilation, groups=4)
    np.testing.assert_allclose(y.data, want.data, atol=1e-12)
    check_gradients(lambda x, k, b: depthwise_conv1d(x, k, b, stride, padding,
                                                     dilation), x, k, b)


def test_large_float32_against_float64():
    """Sizes above the OpenMP threshold, float32 sums against float64."""
    x, k = _rand(9, (4, 24, 24, 48)), _rand(10, (3, 3, 48, 1))
    g = _rand(11, (4, 24, 24, 48))
    results = []
    for dtype in (np.float32, np.float64):
        xv, kv = Variable(x.astype(dtype)), Variable(k.astype(dtype))
        y = depthwise_conv2d(xv, kv, None, 1, "same")
        results.append([y.data] + gradients(y, [xv, kv], grad_loss=g.astype(dtype)))
    for a, w in zip(*results):
        np.testing.assert_allclose(a, w, rtol=1e-4, atol=1e-4 * np.abs(w).max())


@pytest.mark.parametrize("call,match", [
    (lambda: depthwise_conv2d(np.zeros((1, 4, 4), np.float32), np.zeros((3, 3, 4, 1), np.float32)),
     r"depthwise_conv2d: x must have rank 4"),
    (lambda: depthwise_conv2d(np.zeros((1, 4, 4, 3), np.float32), np.zeros((3, 3, 4, 1), np.float32)),
     r"depthwise_conv2d: kernel must have shape \(k_height, k_width, 3, depth_multiplier\)"),
    (lambda: depthwise_conv2d(np.zeros((1, 4, 4, 3), np.float32), np.zeros((3, 3, 3, 2), np.float32),
                              np.zeros(3, np.float32)), r"bias must have shape \(6,\)"),
    (lambda: depthwise_conv2d(np.zeros((1, 2, 4, 3), np.float32), np.zeros((3, 3, 3, 1), np.float32)),
     "input height 2 is too small for kernel height 3"),
    (lambda: depthwise_conv1d(np.zeros((1, 4, 3), np.float32), np.zeros((3, 3, 1), np.float32),
                              dilation_rate=0), "depthwise_conv1d: dilation_rate"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_kernel_shim_checks():
    k = load("depthwise")
    x, kern = np.zeros((1, 4, 4, 3), np.float32), np.zeros((3, 3, 3, 1), np.float32)
    y = np.zeros((1, 2, 2, 3), np.float32)
    with pytest.raises(ValueError, match="depthwise_forward: shapes .* do not agree"):
        k.depthwise_forward(x, kern, None, np.zeros((1, 2, 2, 4), np.float32),
                            (1, 1), (1, 1), (0, 0))
    with pytest.raises(TypeError, match="k must have the dtype of x"):
        k.depthwise_forward(x, kern.astype(np.float64), None, y, (1, 1), (1, 1), (0, 0))
    with pytest.raises(ValueError, match="dx must be writeable"):
        dx = np.zeros_like(x)
        dx.flags.writeable = False
        k.depthwise_dx(y, kern, dx, (1, 1), (1, 1), (0, 0))
    with pytest.raises(ValueError, match="need strides >= 1"):
        k.depthwise_dk(x, y, np.zeros_like(kern), (0, 1), (1, 1), (0, 0))
