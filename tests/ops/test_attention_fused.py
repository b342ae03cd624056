"""The fused attention ops (dot_product_attention, self_attention) against
the two-op form they replace: the same outputs and gradients for every
mask form, causality, query blocking and thread count; float64 gradient
checks; bad input."""
import numpy as np
import pytest

import fastgraph.ops.attention as A
from fastgraph import _threads
from fastgraph._kernels import load
from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops import shape as S

K = load("attention")
MASKS = [None, (3, 6, 9), (3, 1, 9), (3, 2, 6, 9), (3, 1, 6, 9)]


def _mask(shape, seed=1):
    if shape is None:
        return None
    m = np.random.RandomState(seed).rand(*shape) > 0.3
    m[..., 0] = True
    return m


def _two_ops(q, k, v, mask, causal, scale):
    return A.attend(A.attention_weights(q, k, mask, causal, scale), v)


@pytest.fixture(params=[1, 2], ids=["1-thread", "2-threads"])
def threads(request):
    before = _threads.get_num_threads()["openmp"]
    _threads.set_num_threads(request.param)
    yield request.param
    _threads.set_num_threads(before)


def test_the_blas_is_connected():
    """Without it every call would take the two-op fallback, untested here."""
    assert A._FUSED


@pytest.mark.parametrize("block_scores", [1 << 15, 18], ids=["one-block", "2-rows"])
@pytest.mark.parametrize("mask_shape", MASKS)
@pytest.mark.parametrize("causal", [False, True])
def test_same_as_two_ops(mask_shape, causal, block_scores, threads, monkeypatch):
    monkeypatch.setattr(A, "_BLOCK_SCORES", block_scores)
    r = np.random.RandomState(0)
    q, k, v = (Variable(r.randn(*s)) for s in ((3, 6, 2, 4), (3, 9, 2, 4), (3, 9, 2, 5)))
    mask = _mask(mask_shape)
    g = r.randn(3, 6, 2, 5)
    want = _two_ops(q, k, v, mask, causal, 0.6)
    got = A.dot_product_attention(q, k, v, mask, causal, 0.6)
    np.testing.assert_allclose(got.data, want.data, rtol=1e-12, atol=1e-14)
    for a, b in zip(gradients(got, [q, k, v], grad_loss=g),
                    gradients(want, [q, k, v], grad_loss=g)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mask_shape", [None, (3, 6, 6), (3, 2, 6, 6)])
@pytest.mark.parametrize("causal", [False, True])
def test_packed_same_as_two_ops(mask_shape, causal, threads):
    r = np.random.RandomState(1)
    x = Variable(r.randn(3, 6, 3, 2, 4))
    q, k, v = (S.getitem(x, (slice(None), slice(None), i)) for i in range(3))
    mask = _mask(mask_shape)
    g = r.randn(3, 6, 2, 4)
    want = _two_ops(q, k, v, mask, causal, 0.6)
    (gw,) = gradients(want, [x], grad_loss=g)
    got = A.self_attention(x, mask, causal, 0.6)
    (gg,) = gradients(got, [x], grad_loss=g)
    np.testing.assert_allclose(got.data, want.data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gg, gw, rtol=1e-12, atol=1e-14)


def test_float32_agrees_with_float64():
    r = np.random.RandomState(2)
    q, k, v = (r.randn(4, 40, 3, 8) for _ in range(3))
    mask = _mask((4, 40, 40))
    y64 = A.dot_product_attention(q, k, v, mask, True, 0.3).data
    y32 = A.dot_product_attention(*(a.astype(np.float32) for a in (q, k, v)), mask,
                                  True, 0.3)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.data, y64, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("mask_shape, causal", [(None, False), ((3, 6, 9), True),
                                                ((3, 2, 6, 9), False)])
def test_gradients(mask_shape, causal, monkeypatch):
    monkeypatch.setattr(A, "_BLOCK_SCORES", 18)        # dk, dv summed over blocks
    r = np.random.RandomState(3)
    q, k, v = r.randn(3, 6, 2, 4), r.randn(3, 9, 2, 4), r.randn(3, 9, 2, 5)
    mask = _mask(mask_shape)
    check_gradients(lambda a, b, c: A.dot_product_attention(a, b, c, mask, causal, 0.7),
                    q, k, v)
    packed = r.randn(3, 6, 3, 2, 4)
    check_gradients(lambda x: A.self_attention(x, None, causal, 0.7), packed)


def test_only_the_inputs_needing_gradients_get_them():
    r = np.random.RandomState(4)
    q, k, v = r.randn(2, 3, 2, 4), Variable(r.randn(2, 5, 2, 4)), r.randn(2, 5, 2, 3)
    (g,) = gradients(A.dot_product_attention(q, k, v), [k])
    assert g.shape == k.shape and np.abs(g).sum() > 0


@pytest.mark.parametrize("call, match", [
    (lambda q, k, v: A.dot_product_attention(q[0], k, v), "q must be"),
    (lambda q, k, v: A.dot_product_attention(q, k[:, :, :1], v), "k must be"),
    (lambda q, k, v: A.dot_product_attention(q, k, v[:, :2]), "v must be"),
    (lambda q, k, v: A.dot_product_attention(q, k, v.astype(np.float32)), "dtype"),
    (lambda q, k, v: A.dot_product_attention(q, k, v, np.ones((2, 4, 5), bool)),
     "mask of shape"),
    (lambda q, k, v: A.self_attention(np.ones((2, 3, 2, 2, 4))), "qkv must be"),
])
def test_bad_input(call, match):
    r = np.random.RandomState(5)
    q, k, v = r.randn(2, 3, 2, 4), r.randn(2, 5, 2, 4), r.randn(2, 5, 2, 3)
    with pytest.raises((ValueError, TypeError), match=match):
        call(q, k, v)


def test_kernel_checks_its_arguments():
    q = np.zeros((2, 3, 2, 4), np.float32)
    k, v = np.zeros((2, 5, 2, 4), np.float32), np.zeros((2, 5, 2, 3), np.float32)
    out, scratch = np.empty((2, 3, 2, 3), np.float32), np.empty(2 * 3 * 5, np.float32)

    def fused(**kw):
        args = dict(q=q, k=k, v=v, mask=None, out=out, dout=None, dq=None, dk=None,
                    dv=None, heads=2, qlen=3, causal=False, scale=1.0,
                    scratch=scratch, block=3, slots=1)
        args.update(kw)
        return K.fused(**args)

    assert fused()
    with pytest.raises(ValueError, match=r"k must have shape \(2, 5, 2, 4\)"):
        fused(k=np.zeros((2, 5, 1, 4), np.float32))
    with pytest.raises(ValueError, match="v must have the dtype of q"):
        fused(v=v.astype(np.float64))
    with pytest.raises(ValueError, match=r"mask must have shape \(6, 5\)"):
        fused(mask=np.ones((6, 4), np.uint8))
    with pytest.raises(ValueError, match="scratch holds 30 elements, needs 60"):
        fused(slots=2)
    with pytest.raises(ValueError, match=r"out must have shape \(2, 3, 2, 3\)"):
        fused(out=np.empty((2, 3, 2, 4), np.float32))
    with pytest.raises(ValueError, match="dk must have the dtype of k"):
        fused(dout=out, dq=np.empty_like(q), dk=np.empty(k.shape), dv=np.empty_like(v))
    with pytest.raises(ValueError, match="must divide"):
        fused(heads=4)
    with pytest.raises(ValueError, match="qkv must be"):
        K.fused_packed(np.zeros((2, 3, 2, 2, 4), np.float32), None, out, None, None, 2,
                       3, False, 1.0, scratch, 3, 1)
