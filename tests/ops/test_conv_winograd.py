"""conv2d's fast paths: Winograd F(2x2, 3x3 / 5x5), the fused bias + relu, and their kernels."""
import numpy as np
import pytest

import fastgraph.ops.conv as conv
from fastgraph._kernels import load
from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients
from fastgraph.ops.conv import conv2d, padded_output

_k = load("im2col")


def _rand(seed, shape, dtype=np.float64):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(dtype)


def ref_conv2d(x, k, b, padding):
    """Direct stride-1 convolution in float64."""
    n, h, w, _ = x.shape
    kh, kw, _, o = k.shape
    oh, pt, pb = padded_output(h, kh, 1, 1, padding)
    ow, pl, pr = padded_output(w, kw, 1, 1, padding)
    xp = np.pad(x.astype(np.float64), ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    y = np.zeros((n, oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            y[:, i, j] = np.einsum("nabc,abco->no", xp[:, i:i + kh, j:j + kw], k)
    return y if b is None else y + b


@pytest.fixture
def winograd_always(monkeypatch):
    """Winograd for any channel count, so that small shapes take that path."""
    monkeypatch.setattr(conv, "_WINO_MIN_CHANNELS", 1)


@pytest.fixture
def winograd_never(monkeypatch):
    monkeypatch.setattr(conv, "_WINO_MIN_CHANNELS", 10 ** 9)


CASES = [  # x shape, kernel size, out channels, padding
    ((2, 7, 6, 3), 3, 4, "same"),
    ((1, 5, 5, 2), 3, 3, "valid"),
    ((2, 8, 9, 3), 5, 2, "same"),
    ((1, 9, 6, 2), 5, 3, "valid"),
    ((1, 3, 3, 2), 5, 2, "same"),
    ((1, 2, 2, 1), 3, 1, "same"),
]


@pytest.mark.parametrize("xs,r,o,padding", CASES)
@pytest.mark.parametrize("relu", [False, True])
def test_winograd_forward_matches_direct(winograd_always, xs, r, o, padding, relu):
    x, k, b = _rand(0, xs), _rand(1, (r, r, xs[-1], o)), _rand(2, (o,))
    y = conv2d(x, k, b, padding=padding, activation="relu" if relu else None).data
    want = ref_conv2d(x, k, b, padding)
    np.testing.assert_allclose(y, np.maximum(want, 0) if relu else want, atol=1e-12)


@pytest.mark.parametrize("r", [3, 5])
def test_winograd_float32_accuracy(r):
    """Real channel counts (above the threshold); F(2x2, 5x5) loses a few bits."""
    x, k = _rand(3, (2, 11, 10, 17), np.float32), _rand(4, (r, r, 17, 19), np.float32)
    b = _rand(5, (19,), np.float32)
    assert conv._winograd_fits(k.shape, (1, 1), (1, 1), 17, 19)
    y = conv2d(x, k, b, padding="same")
    assert y.dtype == np.float32
    want = ref_conv2d(x, k, b, "same")
    np.testing.assert_allclose(y.data, want, atol=2e-5 * np.abs(want).max())
    xv, kv = Variable(x), Variable(k)
    g = _rand(6, want.shape, np.float32)
    dx, dk = gradients(conv2d(xv, kv, padding="same"), [xv, kv], grad_loss=g)
    x64, k64 = Variable(x.astype(np.float64)), Variable(k.astype(np.float64))
    dx64, dk64 = gradients(conv2d(x64, k64, padding="same"), [x64, k64],
                           grad_loss=g.astype(np.float64))
    np.testing.assert_allclose(dx, dx64, atol=2e-5 * np.abs(dx64).max())
    np.testing.assert_allclose(dk, dk64, atol=2e-5 * np.abs(dk64).max())


@pytest.mark.parametrize("xs,r,o,padding", [CASES[0], CASES[1], CASES[3]])
def test_winograd_gradients(winograd_always, xs, r, o, padding):
    x, k, b = _rand(7, xs), _rand(8, (r, r, xs[-1], o)), _rand(9, (o,))
    check_gradients(lambda x, k, b: conv2d(x, k, b, padding=padding), x, k, b)


def test_winograd_gradients_with_relu(winograd_always):
    x, k, b = _rand(10, (1, 5, 4, 2)), _rand(11, (3, 3, 2, 3)), _rand(12, (3,))
    check_gradients(lambda x, k, b: conv2d(x, k, b, padding="same", activation="relu"),
                    x, k, b)


@pytest.mark.parametrize("xs,r,o,padding", CASES)
def test_winograd_and_im2col_agree(monkeypatch, xs, r, o, padding):
    x, k, b = _rand(13, xs), _rand(14, (r, r, xs[-1], o)), _rand(15, (o,))
    g = None
    results = []
    for threshold in (1, 10 ** 9):
        monkeypatch.setattr(conv, "_WINO_MIN_CHANNELS", threshold)
        xv, kv, bv = Variable(x), Variable(k), Variable(b)
        y = conv2d(xv, kv, bv, padding=padding, activation="relu")
        g = _rand(16, y.shape) if g is None else g
        results.append([y.data] + gradients(y, [xv, kv, bv], grad_loss=g))
    for a, w in zip(*results):
        np.testing.assert_allclose(a, w, atol=1e-11)


def test_winograd_one_tile_per_chunk(winograd_always, monkeypatch):
    monkeypatch.setattr(conv, "_CHUNK_BYTES", 1)
    x, k, b = _rand(17, (2, 5, 7, 2)), _rand(18, (5, 5, 2, 3)), _rand(19, (3,))
    np.testing.assert_allclose(conv2d(x, k, b, padding="same").data,
                               ref_conv2d(x, k, b, "same"), atol=1e-12)
    check_gradients(lambda x, k: conv2d(x, k, padding="same"), x, k)


def test_winograd_only_where_it_applies():
    fits = conv._winograd_fits
    assert fits((3, 3, 16, 16), (1, 1), (1, 1), 16, 16)
    assert fits((5, 5, 64, 32), (1, 1), (1, 1), 64, 32)
    assert not fits((3, 3, 8, 64), (1, 1), (1, 1), 8, 64)
    assert not fits((3, 3, 64, 64), (2, 2), (1, 1), 64, 64)
    assert not fits((3, 3, 64, 64), (1, 1), (2, 2), 64, 64)
    assert not fits((3, 5, 64, 64), (1, 1), (1, 1), 64, 64)
    assert not fits((7, 7, 64, 64), (1, 1), (1, 1), 64, 64)


def test_winograd_skips_unneeded_gradients(winograd_always):
    x, k = _rand(20, (1, 6, 6, 2)), _rand(21, (3, 3, 2, 2))
    kv = Variable(k)
    (dk,) = gradients(conv2d(Tensor(x), kv, padding="same"), [kv])
    xv = Variable(x)
    (dx,) = gradients(conv2d(xv, Tensor(k), padding="same"), [xv])
    xv2, kv2 = Variable(x), Variable(k)
    dx2, dk2 = gradients(conv2d(xv2, kv2, padding="same"), [xv2, kv2])
    np.testing.assert_allclose(dx, dx2, atol=1e-12)
    np.testing.assert_allclose(dk, dk2, atol=1e-12)


def test_empty_batch_winograd(winograd_always):
    xv, kv = Variable(np.zeros((0, 5, 5, 2))), Variable(_rand(22, (3, 3, 2, 4)))
    y = conv2d(xv, kv, padding="same")
    assert y.shape == (0, 5, 5, 4)
    dx, dk = gradients(y, [xv, kv])
    assert dx.shape == (0, 5, 5, 2) and not dk.any()


# ------------------------------------------------------ fused bias + relu

@pytest.mark.parametrize("kernel,strides,padding", [
    ((3, 3), (1, 1), "valid"), ((1, 1), (1, 1), "valid"), ((3, 2), (2, 1), "same")])
def test_fused_relu_matches_separate_relu(winograd_never, kernel, strides, padding):
    x, k, b = _rand(23, (2, 7, 6, 3)), _rand(24, kernel + (3, 4)), _rand(25, (4,))
    y = conv2d(x, k, b, strides, padding, activation="relu").data
    np.testing.assert_allclose(y, np.maximum(conv2d(x, k, b, strides, padding).data, 0),
                               atol=1e-12)
    check_gradients(lambda x, k, b: conv2d(x, k, b, strides, padding, activation="relu"),
                    x, k, b)


def test_fused_relu_bias_gradient_in_chunks(winograd_never, monkeypatch):
    monkeypatch.setattr(conv, "_CHUNK_BYTES", 1)
    x, k, b = _rand(26, (3, 6, 5, 2)), _rand(27, (3, 3, 2, 3)), _rand(28, (3,))
    check_gradients(lambda x, k, b: conv2d(x, k, b, padding="same", activation="relu"),
                    x, k, b)


def test_activation_argument():
    x, k = _rand(29, (1, 4, 4, 2)), _rand(30, (3, 3, 2, 2))
    np.testing.assert_array_equal(conv2d(x, k, activation="linear").data, conv2d(x, k).data)
    with pytest.raises(ValueError, match="activation"):
        conv2d(x, k, activation="tanh")
    with pytest.raises(ValueError, match="activation"):
        conv.conv1d(x[0], k[0], activation=np.tanh)


@pytest.mark.parametrize("channels", [2, 16])
def test_conv2d_layer_relu_matches_ops(channels):
    from fastgraph.layers import Conv2D
    layer = Conv2D(channels, (3, 3), padding="same", activation="relu")
    x = _rand(31, (2, 6, 6, channels), np.float32)
    y = layer(x)
    kernel, bias = layer.get_weights()
    want = np.maximum(ref_conv2d(x, kernel, bias, "same"), 0)
    np.testing.assert_allclose(np.asarray(y), want, atol=1e-5)


# ------------------------------------------------------------------ kernels

def test_batched_gemm_matches_numpy():
    rng = np.random.RandomState(0)
    for dtype in (np.float32, np.float64):
        for r, k, m in [(1, 1, 1), (7, 5, 16), (13, 70, 35), (6, 64, 64)]:
            a = rng.randn(3, r, k).astype(dtype)
            b = rng.randn(3, k, m).astype(dtype)
            c = rng.randn(3, r, m).astype(dtype)
            tol = 1e-4 if dtype == np.float32 else 1e-12
            out = np.empty_like(c)
            _k.batched_gemm(a, b, out, False)
            np.testing.assert_allclose(out, a @ b, rtol=tol, atol=tol)
            at = np.ascontiguousarray(a.transpose(0, 2, 1)).transpose(0, 2, 1)
            acc = c.copy()
            _k.batched_gemm(at, b, acc, True)
            np.testing.assert_allclose(acc, c + a @ b, rtol=tol, atol=tol)


def test_batched_gemm_rejects_bad_arrays():
    a, b, c = (np.zeros(s, np.float32) for s in [(2, 3, 4), (2, 4, 5), (2, 3, 5)])
    with pytest.raises(ValueError, match="chain"):
        _k.batched_gemm(a, b[:, :3], c, False)
    with pytest.raises(TypeError, match="B"):
        _k.batched_gemm(a, b.astype(np.float64), c, False)
    with pytest.raises(ValueError, match="unit"):
        _k.batched_gemm(a, b, np.zeros((2, 5, 3), np.float32).transpose(0, 2, 1), False)
    with pytest.raises(ValueError, match="3 dimensions"):
        _k.batched_gemm(a[0], b[0], c[0], False)
    with pytest.raises(ValueError, match="writeable"):
        c.flags.writeable = False
        _k.batched_gemm(a, b, c, False)


def test_winograd_kernels_reject_bad_arguments():
    x = np.zeros((1, 4, 4, 2), np.float32)
    planes = np.zeros(16 * 8, np.float32)
    _k.wino_input(x, planes, 8, 3, (1, 1), (4, 4), (0, 4))
    with pytest.raises(ValueError, match="r must be"):
        _k.wino_input(x, planes, 8, 4, (1, 1), (4, 4), (0, 4))
    with pytest.raises(ValueError, match="tiles"):
        _k.wino_input(x, planes, 8, 3, (1, 1), (4, 4), (0, 5))
    with pytest.raises(ValueError, match="plane stride"):
        _k.wino_input(x, planes, 4, 3, (1, 1), (4, 4), (0, 4))
    with pytest.raises(ValueError, match="fewer"):
        _k.wino_input(x, planes[:-1], 8, 3, (1, 1), (4, 4), (0, 4))
    with pytest.raises(TypeError, match="V"):
        _k.wino_input(x, planes.astype(np.float64), 8, 3, (1, 1), (4, 4), (0, 4))
    y = np.zeros((1, 4, 4, 2), np.float32)
    with pytest.raises(ValueError, match="b must"):
        _k.wino_output(planes, 8, y, np.zeros(3, np.float32), False, 3, (0, 4))
    with pytest.raises(ValueError, match="fewer"):
        _k.wino_output(planes[:10], 8, y, None, False, 3, (0, 4))
    with pytest.raises(ValueError, match="tiles"):
        _k.wino_grad(y, planes, 8, 3, (2, 1))
    with pytest.raises(ValueError, match="C-contiguous"):
        _k.wino_grad(np.zeros((1, 4, 8, 2), np.float32)[:, :, ::2], planes, 8, 3, (0, 4))


def test_epilogue_kernels():
    rng = np.random.RandomState(1)
    y = rng.randn(37, 5).astype(np.float32)
    b = rng.randn(5).astype(np.float32)
    out = y.copy()
    _k.bias_act(out, b, True)
    np.testing.assert_allclose(out, np.maximum(y + b, 0), rtol=1e-6)
    g = rng.randn(37, 5).astype(np.float32)
    dz = np.empty_like(g)
    db = np.zeros(5)
    _k.act_grad(out, g, dz, db, True)
    np.testing.assert_array_equal(dz, np.where(out > 0, g, 0))
    np.testing.assert_allclose(db, dz.astype(np.float64).sum(0), rtol=1e-12)
    db2 = np.zeros(5)
    _k.act_grad(None, g, None, db2, False)
    np.testing.assert_allclose(db2, g.astype(np.float64).sum(0), rtol=1e-12)
    with pytest.raises(ValueError, match="db"):
        _k.act_grad(None, g, None, np.zeros(5, np.float32), False)
    with pytest.raises(ValueError, match="dz"):
        _k.act_grad(out, g, np.empty((36, 5), np.float32), None, True)
    with pytest.raises(ValueError, match="b must"):
        _k.bias_act(out, b[:4], False)


def test_epilogue_kernels_threaded_sum_is_deterministic():
    rng = np.random.RandomState(2)
    y = rng.randn(40000, 8).astype(np.float32)
    g = rng.randn(40000, 8).astype(np.float32)
    sums = []
    for _ in range(2):
        db = np.zeros(8)
        _k.act_grad(y, g, np.empty_like(g), db, True)
        sums.append(db)
    np.testing.assert_array_equal(sums[0], sums[1])
    np.testing.assert_allclose(sums[0], np.where(y > 0, g, 0).astype(np.float64).sum(0),
                               rtol=1e-10)
