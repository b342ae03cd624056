"""conv2d's fast paths: Winograd F(2x2 / 4x4, 3x3) and F(2x2, 5x5), the fused bias +
relu, and their kernels."""
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


@pytest.fixture(params=[2, 4])
def tile(request, monkeypatch):
    """Every 3x3 Winograd convolution on tiles of m x m outputs, whatever its size."""
    m = request.param
    monkeypatch.setattr(conv, "_wino_tile", lambda r, out_hw: m if r == 3 else 2)
    return m


CASES = [  # x shape, kernel size, out channels, padding
    ((2, 7, 6, 3), 3, 4, "same"),
    ((1, 5, 5, 2), 3, 3, "valid"),
    ((1, 9, 13, 2), 3, 3, "valid"),     # outputs 7 x 11: 4x4 tiles cut on both sides
    ((2, 5, 11, 3), 3, 2, "same"),
    ((2, 8, 9, 3), 5, 2, "same"),
    ((1, 9, 6, 2), 5, 3, "valid"),
    ((1, 3, 3, 2), 5, 2, "same"),
    ((1, 2, 2, 1), 3, 1, "same"),
]


@pytest.mark.parametrize("xs,r,o,padding", CASES)
@pytest.mark.parametrize("relu", [False, True])
def test_winograd_forward_matches_direct(winograd_always, tile, xs, r, o, padding, relu):
    x, k, b = _rand(0, xs), _rand(1, (r, r, xs[-1], o)), _rand(2, (o,))
    y = conv2d(x, k, b, padding=padding, activation="relu" if relu else None).data
    want = ref_conv2d(x, k, b, padding)
    np.testing.assert_allclose(y, np.maximum(want, 0) if relu else want, atol=1e-12)


@pytest.mark.parametrize("xs,r,o,padding", CASES[:4])
def test_winograd_forward_float32(winograd_always, tile, xs, r, o, padding):
    x = _rand(0, xs, np.float32)
    k, b = _rand(1, (r, r, xs[-1], o), np.float32), _rand(2, (o,), np.float32)
    y = conv2d(x, k, b, padding=padding).data
    assert y.dtype == np.float32
    want = ref_conv2d(x, k, b, padding)
    # measured over 10 seeds: 2.0e-7 (2x2 tiles), 3.0e-6 (4x4) of the largest output
    bound = 1e-6 if tile == 2 else 1e-5
    np.testing.assert_allclose(y, want, atol=bound * np.abs(want).max())


def _relative_errors(r, seed):
    """float32 Winograd y, dx and dk against float64 direct sums (the float64
    path is exact to ~1e-15): max error / max magnitude of each."""
    x = _rand(seed, (2, 11, 10, 17), np.float32)
    k, b = _rand(seed + 1, (r, r, 17, 19), np.float32), _rand(seed + 2, (19,), np.float32)
    g = _rand(seed + 3, (2, 11, 10, 19), np.float32)
    assert conv._winograd_fits(k.shape, (1, 1), (1, 1), 17, 19)
    xv, kv = Variable(x), Variable(k)
    y = conv2d(xv, kv, b, padding="same")
    assert y.dtype == np.float32
    dx, dk = gradients(y, [xv, kv], grad_loss=g)
    x64, k64 = Variable(x.astype(np.float64)), Variable(k.astype(np.float64))
    y64 = conv2d(x64, k64, b.astype(np.float64), padding="same")
    want = [ref_conv2d(x, k, b, "same")] + gradients(y64, [x64, k64],
                                                    grad_loss=g.astype(np.float64))
    return [np.abs(a - w).max() / np.abs(w).max() for a, w in zip([y.data, dx, dk], want)]


# The largest of y's, dx's and dk's relative errors over seeds 0, 10, ..., 90
# (max error / max magnitude) was 2.7e-7 for F(2x2, 3x3), 4.0e-6 for
# F(4x4, 3x3) (its points +-2 scale the input transform by up to 5) and
# 2.1e-6 for F(2x2, 5x5); the bounds leave about 3x.
@pytest.mark.parametrize("m,r,bound", [(2, 3, 1e-6), (4, 3, 1.2e-5), (2, 5, 6e-6)])
def test_winograd_float32_accuracy(monkeypatch, m, r, bound):
    """Real channel counts (above the threshold); the larger tiles lose a few bits."""
    monkeypatch.setattr(conv, "_wino_tile", lambda r, out_hw: m)
    assert max(_relative_errors(r, 3)) < bound


@pytest.mark.parametrize("xs,r,o,padding", [CASES[0], CASES[1], CASES[2], CASES[5]])
def test_winograd_gradients(winograd_always, tile, xs, r, o, padding):
    x, k, b = _rand(7, xs), _rand(8, (r, r, xs[-1], o)), _rand(9, (o,))
    check_gradients(lambda x, k, b: conv2d(x, k, b, padding=padding), x, k, b)


def test_winograd_gradients_with_relu(winograd_always, tile):
    x, k, b = _rand(10, (1, 5, 4, 2)), _rand(11, (3, 3, 2, 3)), _rand(12, (3,))
    check_gradients(lambda x, k, b: conv2d(x, k, b, padding="same", activation="relu"),
                    x, k, b)


def test_winograd_gradients_with_the_tiles_the_rule_picks(winograd_always):
    """A 10 x 10 output keeps 2x2 tiles while dx, 12 x 12, takes 4x4 ones."""
    assert conv._wino_tile(3, (10, 10)) == 2 and conv._wino_tile(3, (12, 12)) == 4
    x, k, b = _rand(42, (1, 12, 12, 2)), _rand(43, (3, 3, 2, 2)), _rand(44, (2,))
    check_gradients(lambda x, k, b: conv2d(x, k, b, activation="relu"), x, k, b)


def test_wino_tile_keeps_2x2_where_4x4_pads_much_more():
    two = [s for s in range(1, 30) if conv._wino_tile(3, (s, s)) == 2]
    assert two == [1, 2, 5, 6, 9, 10]
    assert conv._wino_tile(3, (24, 24)) == conv._wino_tile(3, (32, 32)) == 4
    assert conv._wino_tile(3, (24, 5)) == 4 and conv._wino_tile(3, (6, 5)) == 2
    assert conv._wino_tile(5, (24, 24)) == 2


@pytest.mark.parametrize("m,r", sorted(conv._WINO_POINTS))
def test_toom_matches_the_c_transforms(m, r):
    """The kernel transform G built from the points and csrc/'s B^T agree:
    B^T = diag(f) V^-T, read back from wino_input on unit patches."""
    alpha = m + r - 1
    v, f = conv._toom(m, r, alpha)
    bt = f[:, None] * np.linalg.inv(v).T
    x = np.eye(alpha * alpha).reshape(1, alpha, alpha, alpha * alpha)
    planes = np.zeros(alpha ** 4)
    _k.wino_input(x, planes, alpha ** 2, m, r, (0, 0), (m, m), (0, 1))
    np.testing.assert_allclose(planes.reshape((alpha,) * 4),
                               np.einsum("ik,jl->ijkl", bt, bt), atol=1e-12)
    g = _rand(40, (r, r, 1, 1))
    d = _rand(41, (1, alpha, alpha, 1))
    at = conv._toom(m, r, m)[0].T
    y = at @ ((conv._wino_kernel(g, m).reshape(alpha, alpha)
               * (bt @ d[0, :, :, 0] @ bt.T))) @ at.T
    np.testing.assert_allclose(y, ref_conv2d(d, g, None, "valid")[0, :, :, 0], atol=1e-12)


@pytest.mark.parametrize("xs,r,o,padding", CASES)
def test_winograd_and_im2col_agree(monkeypatch, tile, xs, r, o, padding):
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


def test_winograd_one_tile_per_chunk(winograd_always, tile, monkeypatch):
    monkeypatch.setattr(conv, "_CHUNK_BYTES", 1)
    x, k, b = _rand(17, (2, 5, 7, 2)), _rand(18, (5, 5, 2, 3)), _rand(19, (3,))
    np.testing.assert_allclose(conv2d(x, k, b, padding="same").data,
                               ref_conv2d(x, k, b, "same"), atol=1e-12)
    check_gradients(lambda x, k: conv2d(x, k, padding="same"), x, k)
    x3, k3 = _rand(17, (2, 6, 7, 2)), _rand(18, (3, 3, 2, 3))
    check_gradients(lambda x, k: conv2d(x, k, padding="same"), x3, k3)


def test_winograd_only_where_it_applies():
    fits = conv._winograd_fits
    assert fits((3, 3, 16, 16), (1, 1), (1, 1), 16, 16)
    assert fits((5, 5, 64, 32), (1, 1), (1, 1), 64, 32)
    assert not fits((3, 3, 8, 64), (1, 1), (1, 1), 8, 64)
    assert not fits((3, 3, 64, 64), (2, 2), (1, 1), 64, 64)
    assert not fits((3, 3, 64, 64), (1, 1), (2, 2), 64, 64)
    assert not fits((3, 5, 64, 64), (1, 1), (1, 1), 64, 64)
    assert not fits((7, 7, 64, 64), (1, 1), (1, 1), 64, 64)


def test_winograd_skips_unneeded_gradients(winograd_always, tile):
    x, k = _rand(20, (1, 6, 6, 2)), _rand(21, (3, 3, 2, 2))
    kv = Variable(k)
    (dk,) = gradients(conv2d(Tensor(x), kv, padding="same"), [kv])
    xv = Variable(x)
    (dx,) = gradients(conv2d(xv, Tensor(k), padding="same"), [xv])
    xv2, kv2 = Variable(x), Variable(k)
    dx2, dk2 = gradients(conv2d(xv2, kv2, padding="same"), [xv2, kv2])
    np.testing.assert_allclose(dx, dx2, atol=1e-12)
    np.testing.assert_allclose(dk, dk2, atol=1e-12)


def test_empty_batch_winograd(winograd_always, tile):
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
    _k.wino_input(x, planes, 8, 2, 3, (1, 1), (4, 4), (0, 4))
    with pytest.raises(ValueError, match="m and kernel size r must"):
        _k.wino_input(x, planes, 8, 2, 4, (1, 1), (4, 4), (0, 4))
    with pytest.raises(ValueError, match="tiles"):
        _k.wino_input(x, planes, 8, 2, 3, (1, 1), (4, 4), (0, 5))
    with pytest.raises(ValueError, match="plane stride"):
        _k.wino_input(x, planes, 4, 2, 3, (1, 1), (4, 4), (0, 4))
    with pytest.raises(ValueError, match="fewer"):
        _k.wino_input(x, planes[:-1], 8, 2, 3, (1, 1), (4, 4), (0, 4))
    with pytest.raises(TypeError, match="V"):
        _k.wino_input(x, planes.astype(np.float64), 8, 2, 3, (1, 1), (4, 4), (0, 4))
    y = np.zeros((1, 4, 4, 2), np.float32)
    with pytest.raises(ValueError, match="b must"):
        _k.wino_output(planes, 8, y, np.zeros(3, np.float32), False, 2, 3, (0, 4))
    with pytest.raises(ValueError, match="fewer"):
        _k.wino_output(planes[:10], 8, y, None, False, 2, 3, (0, 4))
    with pytest.raises(ValueError, match="tiles"):
        _k.wino_grad(y, planes, 8, 2, 3, (2, 1))
    with pytest.raises(ValueError, match="C-contiguous"):
        _k.wino_grad(np.zeros((1, 4, 8, 2), np.float32)[:, :, ::2], planes, 8, 2, 3,
                     (0, 4))


@pytest.mark.parametrize("m,r", [(3, 3), (4, 5), (0, 3), (-2, 3), (6, 3)])
def test_winograd_kernels_reject_a_bad_tile_size(m, r):
    """Only the (m, r) pairs csrc/ writes out: checked before any memory is touched."""
    x, y = np.zeros((1, 8, 8, 2), np.float32), np.zeros((1, 8, 8, 2), np.float32)
    planes = np.zeros(64 * 64, np.float32)
    bufs = (planes, 64, planes.copy(), 64)
    with pytest.raises(ValueError, match="m and kernel size r must"):
        _k.wino_input(x, planes, 64, m, r, (1, 1), (8, 8), (0, 1))
    with pytest.raises(ValueError, match="m and kernel size r must"):
        _k.wino_output(planes, 64, y, None, False, m, r, (0, 1))
    with pytest.raises(ValueError, match="m and kernel size r must"):
        _k.wino_grad(y, planes, 64, m, r, (0, 1))
    with pytest.raises(ValueError, match="m and kernel size r must"):
        _k.wino_forward_par(x, np.zeros((36, 2, 2), np.float32), None, False, y, m, r,
                            (1, 1), 1, bufs, 2)
    with pytest.raises(ValueError, match="m and kernel size r must"):
        _k.wino_dk_par(x, y, np.zeros((4, 36, 2, 2), np.float32), m, r, (1, 1), 1, 1,
                       bufs, 2)


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
