"""conv2d / conv1d: NumPy and tf-keras references, gradient checks, bad input."""
import os

import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients
from fastgraph.ops.conv import conv1d, conv2d, padded_output

# tests/reference/conv_pool_tf_ref.npz holds tf-keras outputs (tf-keras 2.x, TF 2.21,
# float32) of Conv2D / Conv1D layers for the configurations below: the layer
# built with set_weights([kernel, bias]) and called on x, where x, kernel and
# bias are `_rand(seed, shape)` with the seeds listed (the same helper ran in
# the reference environment); saved with np.savez_compressed.
REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "conv_pool_tf_ref.npz"))

# name: (x shape, kernel shape, strides, padding, dilation); seeds 10+i, 20+i, 30+i
TF_CONV2D = {
    "c2_s2_same_odd": ((2, 7, 6, 3), (3, 3, 3, 4), (2, 2), "same", (1, 1)),
    "c2_s2_same_even": ((2, 8, 8, 3), (3, 3, 3, 4), (2, 2), "same", (1, 1)),
    "c2_d2_valid": ((1, 9, 7, 2), (3, 2, 2, 3), (1, 1), "valid", (2, 2)),
    "c2_d2_same": ((2, 6, 7, 3), (2, 3, 3, 2), (1, 1), "same", (2, 2)),
}
# seeds 40+i, 50+i, 60+i
TF_CONV1D = {
    "c1_causal_d2": ((2, 9, 3), (3, 3, 4), 1, "causal", 2),
    "c1_same_s2": ((2, 9, 3), (4, 3, 2), 2, "same", 1),
}


def _rand(seed, shape, dtype=np.float32):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(dtype)


def ref_conv2d(x, k, b, strides, padding, dilation):
    """Direct convolution: one einsum per output position."""
    n, h, w, _ = x.shape
    kh, kw, _, o = k.shape
    (sh, sw), (dh, dw) = strides, dilation
    oh, pt, pb = padded_output(h, kh, sh, dh, padding)
    ow, pl, pr = padded_output(w, kw, sw, dw, padding)
    xp = np.pad(x, ((0, 0), (pt, pb + kh * dh), (pl, pr + kw * dw), (0, 0)))
    y = np.zeros((n, oh, ow, o), dtype=np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * sh:i * sh + (kh - 1) * dh + 1:dh,
                       j * sw:j * sw + (kw - 1) * dw + 1:dw]
            y[:, i, j] = np.einsum("nabc,abco->no", patch, k)
    return y if b is None else y + b


CASES_2D = [  # x shape, kernel (kh, kw, o), strides, padding, dilation
    ((2, 7, 6, 3), (3, 3, 4), (1, 1), "valid", (1, 1)),
    ((2, 7, 6, 3), (3, 2, 4), (2, 2), "same", (1, 1)),
    ((1, 8, 8, 2), (3, 3, 3), (2, 1), "same", (1, 1)),
    ((1, 9, 8, 2), (3, 3, 5), (1, 2), "same", (2, 2)),
    ((3, 9, 7, 2), (2, 3, 2), (2, 3), "valid", (3, 2)),
    ((2, 5, 5, 4), (1, 1, 3), (1, 1), "same", (1, 1)),
    ((2, 5, 5, 4), (1, 1, 3), (2, 2), "valid", (1, 1)),
    ((1, 4, 4, 1), (4, 4, 2), (1, 1), "valid", (1, 1)),
    ((2, 3, 3, 2), (5, 5, 2), (1, 1), "same", (1, 1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ks,strides,padding,dilation", CASES_2D)
def test_conv2d_matches_numpy_reference(xs, ks, strides, padding, dilation, dtype):
    x, k, b = _rand(0, xs, dtype), _rand(1, ks[:2] + xs[-1:] + ks[2:], dtype), _rand(2, ks[2:], dtype)
    y = conv2d(x, k, b, strides, padding, dilation)
    assert y.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.data, ref_conv2d(x, k, b, strides, padding, dilation),
                               rtol=tol, atol=tol)


def test_conv2d_chunked_batch_matches_reference(monkeypatch):
    import fastgraph.ops.conv as conv
    monkeypatch.setattr(conv, "_CHUNK_BYTES", 1)  # one output row per chunk
    x, k, b = _rand(0, (5, 6, 6, 3), np.float64), _rand(1, (3, 3, 3, 2), np.float64), _rand(2, (2,), np.float64)
    np.testing.assert_allclose(conv2d(x, k, b, 2, "same").data,
                               ref_conv2d(x, k, b, (2, 2), "same", (1, 1)), atol=1e-12)
    check_gradients(lambda x, k, b: conv2d(x, k, b, 1, "same"), x, k, b)


@pytest.mark.parametrize("name", sorted(TF_CONV2D))
def test_conv2d_matches_tf_keras(name):
    i = list(TF_CONV2D).index(name)
    xs, ks, strides, padding, dilation = TF_CONV2D[name]
    x, k, b = _rand(10 + i, xs), _rand(20 + i, ks), _rand(30 + i, ks[-1:])
    y = conv2d(x, k, b, strides, padding, dilation)
    np.testing.assert_allclose(y.data, REF[name], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(TF_CONV1D))
def test_conv1d_matches_tf_keras(name):
    i = list(TF_CONV1D).index(name)
    xs, ks, stride, padding, dilation = TF_CONV1D[name]
    x, k, b = _rand(40 + i, xs), _rand(50 + i, ks), _rand(60 + i, ks[-1:])
    y = conv1d(x, k, b, stride, padding, dilation)
    np.testing.assert_allclose(y.data, REF[name], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("stride,dilation", [(1, 1), (2, 1), (1, 2)])
def test_conv1d_matches_conv2d_reference(padding, stride, dilation):
    x, k, b = _rand(3, (2, 9, 3), np.float64), _rand(4, (3, 3, 4), np.float64), _rand(5, (4,), np.float64)
    y = conv1d(x, k, b, stride, padding, dilation).data
    if padding == "causal":
        xp = np.pad(x, ((0, 0), (2 * dilation, 0), (0, 0)))
        ref = ref_conv2d(xp[:, None], k[None], b, (1, stride), "valid", (1, dilation))
    else:
        ref = ref_conv2d(x[:, None], k[None], b, (1, stride), padding, (1, dilation))
    np.testing.assert_allclose(y, ref[:, 0], atol=1e-12)


GRAD_2D = [  # x shape, kernel (kh, kw, o), strides, padding, dilation, bias
    ((2, 5, 6, 2), (3, 3, 2), (1, 1), "valid", (1, 1), True),
    ((2, 5, 6, 2), (3, 3, 2), (1, 1), "same", (1, 1), False),
    ((1, 7, 5, 2), (3, 2, 3), (2, 2), "same", (1, 1), True),
    ((2, 6, 7, 1), (2, 3, 2), (2, 2), "valid", (1, 1), True),
    ((1, 7, 7, 2), (3, 3, 2), (1, 1), "same", (2, 2), True),
    ((2, 7, 6, 2), (2, 2, 2), (2, 1), "valid", (2, 3), False),
    ((2, 3, 5, 3), (1, 1, 2), (1, 1), "same", (1, 1), True),
    ((1, 3, 3, 3), (1, 1, 2), (1, 1), "valid", (1, 1), False),
]


@pytest.mark.parametrize("xs,ks,strides,padding,dilation,use_bias", GRAD_2D)
def test_conv2d_gradients(xs, ks, strides, padding, dilation, use_bias):
    x, k = _rand(6, xs, np.float64), _rand(7, ks[:2] + xs[-1:] + ks[2:], np.float64)
    if use_bias:
        check_gradients(lambda x, k, b: conv2d(x, k, b, strides, padding, dilation),
                        x, k, _rand(8, ks[2:], np.float64))
    else:
        check_gradients(lambda x, k: conv2d(x, k, None, strides, padding, dilation), x, k)


@pytest.mark.parametrize("strides,padding,dilation", [
    ((1, 1), "valid", (1, 1)), ((2, 2), "same", (1, 1)), ((1, 2), "same", (2, 1))])
def test_conv2d_large_uses_parallel_kernels(strides, padding, dilation):
    """Sizes above the OpenMP threshold; conv is bilinear, so the gradients
    satisfy the adjoint identities <conv(x', k), g> = <x', dx> and
    <conv(x, k'), g> = <k', dk> exactly."""
    x, k = Variable(_rand(0, (5, 17, 16, 8), np.float64)), Variable(_rand(1, (3, 3, 8, 6), np.float64))
    y = conv2d(x, k, None, strides, padding, dilation)
    np.testing.assert_allclose(y.data, ref_conv2d(x.data, k.data, None, strides, padding, dilation),
                               atol=1e-12)
    g = _rand(2, y.shape, np.float64)
    dx, dk = gradients(y, [x, k], grad_loss=g)
    x2, k2 = _rand(3, x.shape, np.float64), _rand(4, k.shape, np.float64)
    lhs = np.sum(conv2d(x2, k.data, None, strides, padding, dilation).data * g)
    np.testing.assert_allclose(lhs, np.sum(x2 * dx), rtol=1e-10)
    lhs = np.sum(conv2d(x.data, k2, None, strides, padding, dilation).data * g)
    np.testing.assert_allclose(lhs, np.sum(k2 * dk), rtol=1e-10)


@pytest.mark.parametrize("padding,stride,dilation", [
    ("valid", 1, 1), ("same", 2, 1), ("causal", 1, 2), ("same", 1, 2), ("causal", 2, 1)])
def test_conv1d_gradients(padding, stride, dilation):
    x, k, b = _rand(9, (2, 7, 2), np.float64), _rand(10, (3, 2, 3), np.float64), _rand(11, (3,), np.float64)
    check_gradients(lambda x, k, b: conv1d(x, k, b, stride, padding, dilation), x, k, b)


def test_gradient_only_for_inputs_that_need_it():
    xd, kd = _rand(0, (2, 5, 5, 3)), _rand(1, (3, 3, 3, 4))
    x, k = Variable(xd), Variable(kd)
    dx_full, dk_full = gradients(conv2d(x, k, padding="same"), [x, k])
    (dk,) = gradients(conv2d(Tensor(xd), k, padding="same"), [k])
    (dx,) = gradients(conv2d(x, Tensor(kd), padding="same"), [x])
    assert dk.dtype == dx.dtype == np.float32
    np.testing.assert_allclose(dk, dk_full, rtol=1e-6)
    np.testing.assert_allclose(dx, dx_full, rtol=1e-6)


def test_non_contiguous_x_and_kernel():
    x = _rand(0, (2, 6, 5, 8))[..., ::2]
    k = np.asfortranarray(_rand(1, (3, 3, 4, 2)))
    np.testing.assert_allclose(conv2d(x, k, padding="same").data,
                               ref_conv2d(x, k, None, (1, 1), "same", (1, 1)), atol=1e-5)
    x, k = Variable(x), Variable(k)
    dx, dk = gradients(conv2d(x, k, padding="same"), [x, k])
    assert dx.shape == x.shape and dk.shape == k.shape


def test_empty_batch():
    y = conv2d(np.zeros((0, 5, 5, 2), np.float32), _rand(0, (3, 3, 2, 4)), padding="same")
    assert y.shape == (0, 5, 5, 4)
    x, k = Variable(np.zeros((0, 5, 5, 2), np.float32)), Variable(_rand(0, (3, 3, 2, 4)))
    dx, dk = gradients(conv2d(x, k), [x, k])
    assert dx.shape == (0, 5, 5, 2) and not dk.any()


def test_output_sizes_follow_tensorflow():
    assert padded_output(7, 3, 2, 1, "same") == (4, 1, 1)
    assert padded_output(8, 3, 2, 1, "same") == (4, 0, 1)
    assert padded_output(6, 2, 1, 2, "same") == (6, 1, 1)
    assert padded_output(9, 3, 1, 2, "causal") == (9, 4, 0)
    assert padded_output(9, 3, 1, 2, "valid") == (5, 0, 0)


@pytest.mark.parametrize("args,exc,words", [
    (((2, 5, 5), (3, 3, 3, 4)), ValueError, ["x", "rank 4", "(2, 5, 5)"]),
    (((2, 5, 5, 3), (3, 3, 4)), ValueError, ["kernel", "rank 4", "(3, 3, 4)"]),
    (((2, 5, 5, 3), (3, 3, 2, 4)), ValueError, ["channels", "2", "3"]),
    (((2, 2, 5, 3), (3, 3, 3, 4)), ValueError, ["height 2", "kernel height 3"]),
])
def test_conv2d_bad_shapes(args, exc, words):
    with pytest.raises(exc) as err:
        conv2d(np.zeros(args[0], np.float32), np.zeros(args[1], np.float32))
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("kwargs,words", [
    ({"strides": 0}, ["strides", "0"]),
    ({"strides": (1, 2, 3)}, ["strides"]),
    ({"strides": 1.5}, ["strides"]),
    ({"dilation_rate": (1, -1)}, ["dilation_rate"]),
    ({"padding": "causal"}, ["padding", "causal"]),
    ({"padding": "SAME"}, ["padding"]),
])
def test_conv2d_bad_arguments(kwargs, words):
    with pytest.raises(ValueError) as err:
        conv2d(np.zeros((1, 5, 5, 2), np.float32), np.zeros((3, 3, 2, 2), np.float32), **kwargs)
    assert "conv2d" in str(err.value)
    for word in words:
        assert word in str(err.value)


def test_conv_dtype_rules():
    x = np.zeros((1, 5, 5, 2), np.float32)
    with pytest.raises(TypeError, match="kernel dtype float64 differs from x dtype float32"):
        conv2d(x, np.zeros((3, 3, 2, 2), np.float64))
    with pytest.raises(TypeError, match="bias dtype float64"):
        conv2d(x, np.zeros((3, 3, 2, 2), np.float32), np.zeros(2))
    with pytest.raises(TypeError, match="x must be float32 or float64, got int64"):
        conv2d(np.zeros((1, 5, 5, 2), np.int64), np.zeros((3, 3, 2, 2), np.float32))
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\)"):
        conv2d(x, np.zeros((3, 3, 2, 2), np.float32), np.zeros(3, np.float32))


def test_conv1d_bad_input():
    with pytest.raises(ValueError, match=r"conv1d: x must have rank 3.*\(2, 5\)"):
        conv1d(np.zeros((2, 5), np.float32), np.zeros((3, 1, 2), np.float32))
    with pytest.raises(ValueError, match="length 2 is too small for kernel length 3"):
        conv1d(np.zeros((2, 2, 1), np.float32), np.zeros((3, 1, 2), np.float32))
    with pytest.raises(ValueError, match="conv1d: strides"):
        conv1d(np.zeros((2, 5, 1), np.float32), np.zeros((3, 1, 2), np.float32), strides=(1, 1))


def test_kernel_shims_reject_bad_arrays():
    k = load("im2col")
    geom = ((3, 3), (1, 1), (1, 1), (0, 0), (3, 3))
    x = np.zeros((2, 5, 5, 2), np.float32)
    cols = np.zeros((18, 18), np.float32)
    with pytest.raises(ValueError, match="cols must have shape"):
        k.im2col(x, cols[:5], *geom)
    with pytest.raises(TypeError, match=r"cols must have the dtype of x \(float32\), got float64"):
        k.im2col(x, cols.astype(np.float64), *geom)
    with pytest.raises(ValueError, match="x must be C-contiguous"):
        k.im2col(np.zeros((2, 5, 5, 4), np.float32)[..., ::2], cols, *geom)
    with pytest.raises(ValueError, match="strides must be >= 1"):
        k.im2col(x, cols, (3, 3), (0, 1), (1, 1), (0, 0), (3, 3))
    with pytest.raises(ValueError, match=r"rows must satisfy 0 <= start <= end <= 6"):
        k.im2col(x, cols, *geom, (4, 7))
    with pytest.raises(TypeError, match="dx must be float32 or float64"):
        k.col2im(cols, x.astype(np.int32), *geom)
    with pytest.raises(ValueError, match="dx must have 4 dimensions"):
        k.col2im(cols, x[0], *geom)
