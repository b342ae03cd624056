"""Attention ops: the C masked softmax against NumPy (masks shared by the
heads or per head, causality, scale), float64 gradient checks, bad input."""
import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops.attention import attend, attention_weights, masked_softmax

K = load("attention")


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _reference(q, k, mask, causal, scale):
    """tf-keras's arithmetic: scale q.k, add -1e9 where ruled out, softmax."""
    s = np.einsum("bqhd,bkhd->bhqk", q, k) * scale
    keep = np.ones(s.shape, bool)
    if mask is not None:
        keep &= mask[:, None] if mask.ndim == 3 else mask
    if causal:
        keep &= np.tril(np.ones(s.shape[-2:], bool))
    return _softmax(s + (~keep) * -1e9)


@pytest.fixture
def qkv():
    r = np.random.RandomState(0)
    return r.randn(2, 3, 2, 4), r.randn(2, 5, 2, 4), r.randn(2, 5, 2, 3)


def _mask(shape, seed=1):
    m = np.random.RandomState(seed).rand(*shape) > 0.3
    m[..., 0] = True                      # no fully ruled-out rows: finite differences
    return m


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask_shape", [None, (2, 3, 5), (2, 1, 5), (1, 3, 5),
                                        (2, 2, 3, 5), (2, 1, 3, 5)])
@pytest.mark.parametrize("causal", [False, True])
def test_weights_match_numpy(qkv, mask_shape, causal, dtype):
    q, k, _ = qkv
    mask = None if mask_shape is None else _mask(mask_shape)
    p = attention_weights(q.astype(dtype), k.astype(dtype), mask, causal, 0.5)
    assert p.dtype == dtype and p.shape == (2, 2, 3, 5)
    full = None if mask is None else np.broadcast_to(
        mask, mask.shape[:1] + (3, 5) if mask.ndim == 3 else (2, 2, 3, 5))
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(p.data, _reference(q, k, full, causal, 0.5), atol=tol)


def test_fully_masked_rows_are_uniform_as_in_tf_keras(qkv):
    q, k, _ = qkv
    mask = np.ones((2, 3, 5), bool)
    mask[0, 1] = False
    p = attention_weights(q.astype(np.float32), k.astype(np.float32), mask).data
    np.testing.assert_allclose(p[0, :, 1], 0.2, rtol=1e-6)


@pytest.mark.parametrize("mask_shape, causal", [(None, False), ((2, 3, 5), True),
                                                ((2, 2, 3, 5), True)])
def test_gradients(qkv, mask_shape, causal):
    q, k, v = qkv
    mask = None if mask_shape is None else _mask(mask_shape)
    check_gradients(lambda a, b: attention_weights(a, b, mask, causal, 0.7), q, k)
    check_gradients(lambda a, b, c: attend(attention_weights(a, b, mask), c), q, k, v)


def test_attend_matches_numpy(qkv):
    q, k, v = qkv
    p = attention_weights(q, k).data
    np.testing.assert_allclose(attend(p, v).data, np.einsum("bhqk,bkhd->bqhd", p, v),
                               rtol=1e-13)


def test_only_the_inputs_needing_gradients_get_them(qkv):
    q, k, v = qkv
    qv = Variable(q)
    (g,) = gradients(attend(attention_weights(qv, k), v), [qv])
    assert g.shape == q.shape


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_masked_softmax(axis):
    r = np.random.RandomState(2)
    x = r.randn(3, 4, 5)
    mask = r.rand(3, 4, 5) > 0.3
    np.moveaxis(mask, axis, 0)[0] = True       # no fully ruled-out vector
    y = masked_softmax(x, mask, axis).data
    z = x + (1.0 - np.broadcast_to(mask, x.shape)) * -1e9
    e = np.exp(z - z.max(axis, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(axis, keepdims=True), rtol=1e-12)
    check_gradients(lambda a: masked_softmax(a, mask, axis), x)
    check_gradients(lambda a: masked_softmax(a, None, axis), x)


def test_masked_softmax_float32_and_large_arrays():
    """Rows beyond the threading threshold give the same result."""
    r = np.random.RandomState(3)
    x = r.randn(300, 200).astype(np.float32)
    mask = r.rand(300, 200) > 0.5
    mask[:, 0] = True
    y = masked_softmax(x, mask).data
    z = x.astype(np.float64) + (~mask) * -1e9
    np.testing.assert_allclose(y, _softmax(z), rtol=2e-5, atol=1e-7)


@pytest.mark.parametrize("call, match", [
    (lambda q, k: attention_weights(q[0], k), "q must be"),
    (lambda q, k: attention_weights(q, k[:, :, :1]), "k must be"),
    (lambda q, k: attention_weights(q, k, np.ones((2, 4, 5), bool)), "mask of shape"),
    (lambda q, k: attention_weights(q, k, np.ones((5,), bool)), "mask must be"),
    (lambda q, k: attention_weights(q, k.astype(np.float32)), "dtype"),
    (lambda q, k: attend(np.ones((2, 2, 3, 4)), k), "weights must be"),
    (lambda q, k: masked_softmax(q, None, 4), "axis 4"),
    (lambda q, k: masked_softmax(q, np.ones((7,), bool)), "mask of shape"),
])
def test_bad_input(qkv, call, match):
    q, k, _ = qkv
    with pytest.raises((ValueError, TypeError), match=match):
        call(q, k)


def test_kernel_checks_its_arguments():
    x = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match="mask must be uint8, got bool"):
        K.softmax(x, np.ones((6, 4), bool), np.empty_like(x))
    with pytest.raises(ValueError, match=r"mask must have shape \(6, 4\)"):
        K.softmax(x, np.ones((6, 3), np.uint8), np.empty_like(x))
    with pytest.raises(ValueError, match="whole number of batches"):
        K.softmax(x, None, np.empty_like(x), 4, 1)
    with pytest.raises(ValueError, match="heads and qlen must be positive"):
        K.softmax(x, None, np.empty_like(x), 0, 1)
    with pytest.raises(ValueError, match="out must have the dtype of x"):
        K.softmax(x, None, np.empty(x.shape))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_backward_kernel_folds_the_scale(dtype):
    r = np.random.RandomState(5)
    y = r.rand(300, 130).astype(dtype)            # threaded past 32768 entries
    g = r.randn(300, 130).astype(dtype)
    out = K.softmax_backward(y, g, np.empty_like(y), 0.25)
    expected = 0.25 * y * (g - (g * y).sum(-1, keepdims=True))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
    with pytest.raises(ValueError, match="g must have the dtype of y"):
        K.softmax_backward(y, g.astype(np.float16), np.empty_like(y))
