"""conv3d and grouped convolutions: a direct NumPy reference, gradient checks
in float64, the parallel kernels' adjoint identities, bad input."""
import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops.conv import conv1d, conv2d, conv3d, padded_output


def _rand(seed, shape, dtype=np.float64):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(dtype)


def ref_conv(x, k, b, strides, padding, dilation, groups=1):
    """Direct n-D grouped convolution: one einsum per output position and group."""
    n, spatial, c, o = x.shape[0], x.shape[1:-1], x.shape[-1], k.shape[-1]
    outs, pads = [], [(0, 0)]
    for length, kk, s, d in zip(spatial, k.shape, strides, dilation):
        out, before, after = padded_output(length, kk, s, d, padding)
        outs.append(out)
        pads.append((before, after + kk * d))
    xp = np.pad(x, pads + [(0, 0)])
    y = np.zeros((n,) + tuple(outs) + (o,))
    cg, og = c // groups, o // groups
    letters = "abc"[:len(spatial)]
    for pos in np.ndindex(*outs):
        window = tuple(slice(i * s, i * s + (kk - 1) * d + 1, d)
                       for i, s, kk, d in zip(pos, strides, k.shape, dilation))
        patch = xp[(slice(None),) + window]
        for g in range(groups):
            y[(slice(None),) + pos + (slice(g * og, (g + 1) * og),)] = np.einsum(
                f"n{letters}q,{letters}qo->no", patch[..., g * cg:(g + 1) * cg],
                k[..., g * og:(g + 1) * og])
    return y if b is None else y + b


CASES_3D = [  # x shape, kernel shape, strides, padding, dilation, groups
    ((2, 5, 6, 7, 4), (3, 2, 3, 2, 6), (1, 1, 1), "same", (1, 1, 1), 2),
    ((2, 5, 6, 7, 4), (2, 3, 2, 4, 3), (2, 1, 2), "valid", (1, 1, 1), 1),
    ((1, 6, 6, 6, 6), (2, 2, 2, 2, 9), (1, 1, 1), "same", (2, 1, 2), 3),
    ((2, 4, 4, 4, 4), (1, 1, 1, 1, 8), (1, 1, 1), "valid", (1, 1, 1), 4),
    ((1, 3, 4, 5, 2), (3, 3, 3, 2, 2), (2, 2, 2), "same", (1, 1, 1), 1),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ks,strides,padding,dilation,groups", CASES_3D)
def test_conv3d_matches_reference(xs, ks, strides, padding, dilation, groups, dtype):
    x, k, b = _rand(0, xs, dtype), _rand(1, ks, dtype), _rand(2, ks[-1:], dtype)
    y = conv3d(x, k, b, strides, padding, dilation, groups=groups)
    assert y.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.data, ref_conv(x, k, b, strides, padding, dilation,
                                                groups), rtol=tol, atol=tol)


@pytest.mark.parametrize("xs,ks,strides,padding,dilation,groups", CASES_3D)
def test_conv3d_gradients(xs, ks, strides, padding, dilation, groups):
    x, k, b = _rand(3, xs), _rand(4, ks), _rand(5, ks[-1:])
    check_gradients(lambda x, k, b: conv3d(x, k, b, strides, padding, dilation,
                                           groups=groups), x, k, b)


@pytest.mark.parametrize("xs,ks,strides,padding,dilation,groups,relu", [
    ((2, 7, 6, 6), (3, 3, 2, 6), (1, 1), "same", (1, 1), 3, False),
    ((2, 7, 6, 6), (3, 3, 3, 4), (2, 2), "same", (1, 1), 2, True),
    ((1, 9, 8, 4), (3, 2, 1, 8), (1, 1), "valid", (2, 3), 4, False),
    ((2, 5, 5, 6), (1, 1, 3, 4), (1, 1), "valid", (1, 1), 2, True),
])
def test_grouped_conv2d(xs, ks, strides, padding, dilation, groups, relu):
    x, k, b = _rand(6, xs), _rand(7, ks), _rand(8, ks[-1:])
    y = conv2d(x, k, b, strides, padding, dilation, "relu" if relu else None, groups)
    want = ref_conv(x, k, b, strides, padding, dilation, groups)
    np.testing.assert_allclose(y.data, np.maximum(want, 0) if relu else want, atol=1e-12)
    check_gradients(lambda x, k, b: conv2d(x, k, b, strides, padding, dilation,
                                           "relu" if relu else None, groups), x, k, b)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_grouped_conv1d(padding):
    x, k = _rand(9, (2, 9, 4)), _rand(10, (3, 2, 6))
    y = conv1d(x, k, None, 1, padding, 2, groups=2)
    if padding == "causal":
        ref = ref_conv(np.pad(x, ((0, 0), (4, 0), (0, 0))), k, None, (1,), "valid", (2,), 2)
    else:
        ref = ref_conv(x, k, None, (1,), padding, (2,), 2)
    np.testing.assert_allclose(y.data, ref, atol=1e-12)
    check_gradients(lambda x, k: conv1d(x, k, None, 1, padding, 2, groups=2), x, k)


def test_grouped_chunks_match_one_chunk(monkeypatch):
    import fastgraph.ops.conv as conv
    x, k, b = _rand(11, (3, 6, 5, 4)), _rand(12, (3, 3, 2, 4)), _rand(13, (4,))
    xv, kv, bv = Variable(x), Variable(k), Variable(b)
    g = _rand(14, (3, 6, 5, 4))
    full = gradients(conv2d(xv, kv, bv, 1, "same", groups=2), [xv, kv, bv], grad_loss=g)
    monkeypatch.setattr(conv, "_CHUNK_BYTES", 1)
    y = conv2d(xv, kv, bv, 1, "same", groups=2)
    np.testing.assert_allclose(y.data, ref_conv(x, k, b, (1, 1), "same", (1, 1), 2),
                               atol=1e-12)
    for a, w in zip(gradients(y, [xv, kv, bv], grad_loss=g), full):
        np.testing.assert_allclose(a, w, atol=1e-12)


def test_conv3d_large_uses_parallel_kernels():
    """Above the OpenMP threshold: the adjoint identities <conv(x', k), g> =
    <x', dx> and <conv(x, k'), g> = <k', dk> hold exactly."""
    x, k = Variable(_rand(0, (3, 9, 10, 11, 8))), Variable(_rand(1, (3, 3, 3, 4, 6)))
    y = conv3d(x, k, None, (1, 2, 1), "same", groups=2)
    g = _rand(2, y.shape)
    dx, dk = gradients(y, [x, k], grad_loss=g)
    x2, k2 = _rand(3, x.shape), _rand(4, k.shape)
    lhs = np.sum(conv3d(x2, k.data, None, (1, 2, 1), "same", groups=2).data * g)
    np.testing.assert_allclose(lhs, np.sum(x2 * dx), rtol=1e-10)
    lhs = np.sum(conv3d(x.data, k2, None, (1, 2, 1), "same", groups=2).data * g)
    np.testing.assert_allclose(lhs, np.sum(k2 * dk), rtol=1e-10)


@pytest.mark.parametrize("call,match", [
    (lambda: conv3d(np.zeros((1, 4, 4, 3), np.float32), np.zeros((2, 2, 2, 3, 1), np.float32)),
     r"conv3d: x must have rank 5 \(batch, depth, height, width, channels\)"),
    (lambda: conv3d(np.zeros((1, 2, 4, 4, 3), np.float32), np.zeros((3, 2, 2, 3, 1), np.float32)),
     "conv3d: input depth 2 is too small for kernel depth 3"),
    (lambda: conv2d(np.zeros((1, 4, 4, 6), np.float32), np.zeros((2, 2, 3, 4), np.float32),
                    groups=4), r"conv2d: kernel input channels 3 x groups 4"),
    (lambda: conv2d(np.zeros((1, 4, 4, 6), np.float32), np.zeros((2, 2, 3, 3), np.float32),
                    groups=2), "conv2d: groups 2 must divide the kernel's 3 filters"),
    (lambda: conv2d(np.zeros((1, 4, 4, 6), np.float32), np.zeros((2, 2, 6, 3), np.float32),
                    groups=0), "conv2d: groups must be a positive int, got 0"),
    (lambda: conv3d(np.zeros((1, 4, 4, 4, 2), np.float32), np.zeros((2, 2, 2, 2, 1), np.float32),
                    dilation_rate=(1, -1, 1)), "conv3d: dilation_rate"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_im2col_shim_3d_and_groups():
    k = load("im2col")
    x = np.zeros((1, 3, 4, 4, 4), np.float32)
    geom = ((2, 2, 2), (1, 1, 1), (1, 1, 1), (0, 0, 0), (2, 3, 3))
    cols = np.zeros((18, 32), np.float32)
    k.im2col(x, cols, *geom, None, 2)
    with pytest.raises(ValueError, match="groups must be a positive divisor of the 4"):
        k.im2col(x, cols, *geom, None, 3)
    with pytest.raises(ValueError, match=r"strides must have 2 entries"):
        k.im2col(x[0], cols, (2, 2), (1, 1, 1), (1, 1), (0, 0), (3, 3))
    with pytest.raises(ValueError, match=r"x must have 5 dimensions"):
        k.im2col(x[0], cols, *geom)
    with pytest.raises(ValueError, match=r"rows must satisfy 0 <= start <= end <= 6"):
        k.im2col(x, cols, *geom, (0, 7))
