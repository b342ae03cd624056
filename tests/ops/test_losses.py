"""Crossentropies: fused and probability paths, gradients, tf-keras values, bad input."""
import warnings

import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients, no_grad
from fastgraph.ops import activation as A
from fastgraph.ops.dense import dense
from fastgraph.ops.losses import (binary_crossentropy, categorical_crossentropy,
                                  sparse_categorical_crossentropy)

K = load("activation")
RNG = np.random.RandomState(0)


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _probs(*shape):
    return RNG.uniform(0.05, 1.0, size=shape)


# ---- categorical -----------------------------------------------------------

@pytest.mark.parametrize("shape,axis", [((1, 4), -1), ((3, 5), -1), ((3, 5), 0),
                                        ((2, 3, 4), 1), ((4,), 0)])
def test_categorical_gradients_all_paths(shape, axis):
    t, z = RNG.uniform(0, 1, shape), RNG.randn(*shape)
    check_gradients(lambda a, b: categorical_crossentropy(a, b, True, axis), t, z)
    check_gradients(lambda a, b: categorical_crossentropy(a, b, axis=axis), t, _probs(*shape))
    if len(shape) > 1:
        check_gradients(lambda a, b: categorical_crossentropy(a, A.softmax(b, axis), axis=axis),
                        t, z)


def test_categorical_values_against_numpy():
    t, z = _softmax(RNG.randn(4, 6)), RNG.randn(4, 6) * 5
    ref = -(t * np.log(_softmax(z))).sum(-1)
    np.testing.assert_allclose(categorical_crossentropy(t, z, from_logits=True).data, ref)
    np.testing.assert_allclose(categorical_crossentropy(t, A.softmax(z)).data, ref)
    p = _probs(4, 6)
    q = np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(categorical_crossentropy(t, p).data, -(t * np.log(q)).sum(-1))


def test_softmax_logits_path_skips_softmax():
    z = Variable(RNG.randn(3, 4))
    t = np.eye(4)[[0, 3, 1]]
    y = A.softmax(z)
    loss = categorical_crossentropy(t, y)
    assert loss._rec.inputs[0] is z
    (g,) = gradients(loss, [z])
    np.testing.assert_allclose(g, _softmax(z.data) - t)


def test_crossentropies_fuse_through_activation_output():
    """softmax / sigmoid return an ActivationOutput holding its logits; each
    crossentropy then gives, bit for bit, its from_logits value and records
    against the logits, while the same probabilities in a plain Tensor take
    the clipped probability formula."""
    z = Variable(np.array([[30.0, -30.0, 0.5], [-2.0, 40.0, 1.0]], np.float32))
    onehot = np.eye(3, dtype=np.float32)[[1, 0]]
    labels = np.array([1, 0])
    cases = [(A.softmax, "softmax", categorical_crossentropy, onehot),
             (A.softmax, "softmax", sparse_categorical_crossentropy, labels),
             (A.sigmoid, "sigmoid", binary_crossentropy, onehot)]
    for act, name, xent, target in cases:
        out = act(z)
        assert isinstance(out, A.ActivationOutput)
        assert out.activation == name and out.logits is z
        fused = xent(target, out)
        assert fused._rec.inputs[0] is z
        ref = xent(target, z, from_logits=True)
        assert fused.data.tobytes() == ref.data.tobytes()
        (g_fused,) = gradients(fused, [z])
        (g_ref,) = gradients(ref, [z])
        assert g_fused.tobytes() == g_ref.tobytes()
        plain = xent(target, Tensor(out.data))
        assert not np.array_equal(plain.data, fused.data), xent.__name__


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_fused(dtype):
    z = np.array([[100.0, -100.0, 0.0], [-100.0, 100.0, 100.0]], dtype)
    t = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype)
    for logits in (Variable(z), None):
        v = Variable(z)
        out = A.softmax(v) if logits is None else v
        loss = categorical_crossentropy(t, out, from_logits=logits is not None)
        (g,) = gradients(loss, [v])
        assert loss.dtype == dtype and g.dtype == dtype
        np.testing.assert_allclose(loss.data, [200.0, 200.0 + np.log(2)], rtol=1e-6)
        assert np.isfinite(g).all()
        np.testing.assert_allclose(g, _softmax(z.astype(np.float64)) - t, atol=1e-6)
    labels = np.array([1, 0])
    v = Variable(z)
    loss = sparse_categorical_crossentropy(labels, A.softmax(v))
    (g,) = gradients(loss, [v])
    np.testing.assert_allclose(loss.data, [200.0, 200.0 + np.log(2)], rtol=1e-6)
    assert np.isfinite(g).all()
    v = Variable(z)
    loss = binary_crossentropy(t, A.sigmoid(v))
    (g,) = gradients(loss, [v])
    assert np.isfinite(loss.data).all() and np.isfinite(g).all()
    np.testing.assert_allclose(loss.data[0], [100.0, 100.0, np.log(2)], rtol=1e-6)


# ---- sparse ----------------------------------------------------------------

@pytest.mark.parametrize("shape,axis", [((1, 4), -1), ((3, 5), -1), ((2, 3, 4), -1),
                                        ((2, 3, 4), 1), ((4,), 0)])
def test_sparse_gradients_both_paths(shape, axis):
    n = shape[axis]
    lead = shape[:axis % len(shape)] + shape[axis % len(shape) + 1:]
    labels = RNG.randint(0, n, size=lead)
    z = RNG.randn(*shape)
    check_gradients(lambda b: sparse_categorical_crossentropy(labels, b, True, axis), z)
    check_gradients(lambda b: sparse_categorical_crossentropy(labels, b, axis=axis),
                    _probs(*shape))
    dense_t = np.moveaxis(np.eye(n)[labels], -1, axis % len(shape))
    np.testing.assert_allclose(
        sparse_categorical_crossentropy(labels, z, True, axis).data,
        categorical_crossentropy(dense_t, z, True, axis).data, rtol=1e-12)


def test_sparse_target_forms():
    z = RNG.randn(3, 4)
    ref = sparse_categorical_crossentropy(np.array([0, 3, 2]), z, True).data
    for t in (np.array([[0], [3], [2]]), np.array([0.0, 3.0, 2.0]),
              np.array([0, 3, 2], np.uint8), Tensor(np.array([0, 3, 2]))):
        np.testing.assert_allclose(sparse_categorical_crossentropy(t, z, True).data, ref)


# ---- binary ----------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (2, 3, 4), (4,)])
def test_binary_gradients_all_paths(shape):
    t, z = RNG.uniform(0, 1, shape), RNG.randn(*shape) * 2
    check_gradients(lambda a, b: binary_crossentropy(a, b, from_logits=True), t, z)
    check_gradients(lambda a, b: binary_crossentropy(a, A.sigmoid(b)), t, z)
    check_gradients(lambda a, b: binary_crossentropy(a, b), t,
                    RNG.uniform(0.05, 0.95, shape))


def test_binary_values_against_numpy():
    t, z = RNG.uniform(0, 1, (3, 4)), RNG.randn(3, 4) * 3
    p = 1 / (1 + np.exp(-z))
    ref = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(binary_crossentropy(t, z, True).data, ref)
    np.testing.assert_allclose(binary_crossentropy(t, A.sigmoid(z)).data, ref)
    c = np.clip(p, 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(binary_crossentropy(t, p).data,
                               -(t * np.log(c + 1e-7) + (1 - t) * np.log(1 - c + 1e-7)))


def test_target_broadcasts_and_gets_gradient():
    z = RNG.randn(3, 4)
    t = RNG.uniform(0, 1, (1, 4))
    check_gradients(lambda a, b: binary_crossentropy(a, b, True), t, z)
    check_gradients(lambda a, b: categorical_crossentropy(a, b, True), t, z)


def test_no_grad_and_float32():
    z = Variable(RNG.randn(3, 4).astype(np.float32))
    t = np.eye(4, dtype=np.float64)[[0, 1, 2]]
    with no_grad():
        loss = categorical_crossentropy(t, A.softmax(z))
    assert loss._rec is None and loss.dtype == np.float32
    for fn, target in ((categorical_crossentropy, t), (binary_crossentropy, t),
                       (sparse_categorical_crossentropy, np.array([0, 1, 2]))):
        for out in (z, A.softmax(z)):
            (g,) = gradients(fn(target, out), [z])
            assert g.dtype == np.float32


def test_from_logits_with_logits_attached_warns():
    z = RNG.randn(2, 3)
    with pytest.warns(UserWarning, match="from_logits=True"):
        loss = categorical_crossentropy(np.eye(3)[[0, 1]], A.softmax(z), from_logits=True)
    np.testing.assert_allclose(loss.data, -np.log(_softmax(z))[[0, 1], [0, 1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        binary_crossentropy(np.ones((2, 3)), A.sigmoid(z))


# Produced with tf-keras 2.x in /work/refenv: tf_keras.backend.<loss>(target,
# output) on these float32 tensors (eager, so no `_keras_logits` on `PROBS`),
# rounded to 7 digits; the Dense case is tf_keras.layers.Dense(4,
# activation=...) with weights [KERNEL * scale, BIAS] on X and the loss summed,
# gradients by tf.GradientTape.
PROBS = np.array([[0.1, 0.6, 0.3], [0.0, 0.2, 0.8], [0.5, 0.5, 0.0]], np.float32)
TARGET = np.array([[0, 1, 0], [1, 0, 0], [0.2, 0.3, 0.5]], np.float32)
LOGITS = np.array([[-100.0, 0.0, 100.0], [3.0, -2.0, 0.5]], np.float32)
X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)
KERNEL = ((np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 4).astype(np.float32)
BIAS = np.array([0.1, -0.2, 0.3, 0.0], np.float32)


def test_matches_tf_keras():
    np.testing.assert_allclose(categorical_crossentropy(TARGET, PROBS).data,
                               [0.5108256, 16.1180954, 8.4056215], rtol=1e-6)
    np.testing.assert_allclose(sparse_categorical_crossentropy([1, 0, 2], PROBS).data,
                               [0.5108256, 16.1180954, 16.1180954], rtol=1e-6)
    np.testing.assert_allclose(binary_crossentropy(TARGET, PROBS).data,
                               [[0.1053604, 0.5108254, 0.3566748],
                                [15.4249487, 0.2231434, 1.6094375],
                                [0.6931469, 0.6931469, 7.7124743]], rtol=1e-6)
    np.testing.assert_allclose(binary_crossentropy(TARGET[:2], LOGITS, True).data,
                               [[0.0, 0.6931472, 100.0], [0.0485874, 0.126928, 0.974077]],
                               rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(categorical_crossentropy(TARGET[:2], LOGITS, True).data,
                               [100.0, 0.0850973], rtol=1e-6)


@pytest.mark.parametrize("scale,loss_ref,gk_ref,gb_ref", [
    (1.0, 8.8532009,
     [[-0.0196303, -1.0175555, -1.3520082, 0.6430486],
      [0.2801637, -0.9849036, -0.0947696, -0.8539636],
      [-0.5788584, 2.202116, 0.4048305, 1.674686]],
     [-0.1875086, -0.1766404, -0.9816866, 1.0201688]),
    (100.0, 787.2000122,
     [[0.0, -1.0, -1.5, 0.5], [0.0, -1.25, -0.25, -1.0], [0.0, 2.75, 0.75, 2.0]],
     [0.0, 0.0, -1.0, 1.0]),
])
def test_dense_sigmoid_binary_matches_tf_keras(scale, loss_ref, gk_ref, gb_ref):
    t = np.array([[1, 0, 1, 0], [0, 1, 1, 0]], np.float32)
    w, b = Variable(KERNEL * scale), Variable(BIAS)
    loss = binary_crossentropy(t, dense(X, w, b, "sigmoid"))
    gk, gb = gradients(loss, [w, b])
    np.testing.assert_allclose(loss.data.sum(), loss_ref, rtol=1e-6)
    np.testing.assert_allclose(gk, gk_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gb, gb_ref, rtol=1e-5, atol=1e-6)


def test_dense_softmax_sparse_matches_tf_keras():
    # Same value as the categorical case in test_dense.py (targets [2, 0]).
    w, b = Variable(KERNEL * 100), Variable(BIAS)
    loss = sparse_categorical_crossentropy(np.array([2, 0]), dense(X, w, b, "softmax"))
    gk, gb = gradients(loss, [w, b])
    np.testing.assert_allclose(loss.data.sum(), 112.0999908, rtol=1e-6)
    np.testing.assert_allclose(gb, [-1.0, 0.0, -1.0, 2.0], atol=1e-6)


def test_empty_batches_and_classes():
    v = Variable(np.empty((0, 3), np.float32))
    for fn, t in ((categorical_crossentropy, np.empty((0, 3))),
                  (sparse_categorical_crossentropy, np.empty(0, np.int64)),
                  (binary_crossentropy, np.empty((0, 3)))):
        for from_logits in (True, False):
            loss = fn(t, v, from_logits)
            assert gradients(loss, [v])[0].shape == (0, 3)
    np.testing.assert_array_equal(
        categorical_crossentropy(np.empty((2, 0)), np.empty((2, 0)), True).data, [0, 0])


# ---- kernels and bad input -------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", [1, 7, 5000])  # 5000 x 9 runs threaded
def test_xent_kernels_match_numpy(rows, dtype):
    z = (RNG.randn(rows, 9) * 4).astype(dtype)
    t = RNG.uniform(0, 1, (rows, 9)).astype(dtype)
    g = RNG.randn(rows).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-9)
    z64, t64 = z.astype(np.float64), t.astype(np.float64)
    p_ref = _softmax(z64)
    p = np.empty_like(z)
    loss = K.softmax_xent_forward(z, t, np.empty(rows, dtype), p)
    np.testing.assert_allclose(loss, -(t64 * np.log(p_ref)).sum(-1), **tol)
    np.testing.assert_allclose(p, p_ref, **tol)
    dz = K.softmax_xent_backward(p, t, g, np.empty_like(z))
    np.testing.assert_allclose(dz, (p_ref * t64.sum(-1, keepdims=True) - t64) * g[:, None], **tol)
    labels = RNG.randint(0, 9, rows).astype(np.int64)
    loss = K.sparse_xent_forward(z, labels, np.empty(rows, dtype), None)
    np.testing.assert_allclose(loss, -np.log(p_ref[np.arange(rows), labels]), **tol)
    dz = K.sparse_xent_backward(p, labels, g, np.empty_like(z))
    np.testing.assert_allclose(dz, (p_ref - np.eye(9)[labels]) * g[:, None], **tol)
    s = np.empty_like(z)
    gz = RNG.randn(rows, 9).astype(dtype)
    loss = K.sigmoid_xent_forward(z, t, np.empty_like(z), s)
    s_ref = 1 / (1 + np.exp(-z64))
    np.testing.assert_allclose(loss, -(t64 * np.log(s_ref) + (1 - t64) * np.log1p(-s_ref)),
                               **tol)
    np.testing.assert_allclose(K.sigmoid_xent_backward(s, t, gz, np.empty_like(z)),
                               (s_ref - t64) * gz, **tol)


def test_sparse_out_of_range_targets():
    z = RNG.randn(3, 4)
    with pytest.raises(IndexError, match=r"target value 4 .* for 4 classes"):
        sparse_categorical_crossentropy(np.array([0, 4, 1]), z, from_logits=True)
    with pytest.raises(IndexError, match=r"target value -1 .* for 4 classes"):
        sparse_categorical_crossentropy(np.array([0, 1, -1]), _probs(3, 4))
    with pytest.raises(ValueError, match="integer class indices, got 1.5"):
        sparse_categorical_crossentropy(np.array([0, 1.5, 1]), z)
    with pytest.raises(ValueError, match=r"target must have shape \(3,\) or \(3, 1\).*\(3, 4\)"):
        sparse_categorical_crossentropy(np.eye(4)[:3], z)
    with pytest.raises(TypeError, match="integer class indices, got dtype"):
        sparse_categorical_crossentropy(np.array(["a", "b", "c"]), z)
    with pytest.raises(IndexError, match="labels must lie in"):
        K.sparse_xent_backward(z, np.array([0, 9, 1]), np.ones(3), np.empty_like(z))
    with pytest.raises(TypeError, match="labels must be int64, got int32"):
        K.sparse_xent_forward(z, np.array([0, 1, 2], np.int32), np.empty(3), None)


def test_bad_input():
    z = np.ones((3, 4))
    for fn in (categorical_crossentropy, binary_crossentropy):
        with pytest.raises(ValueError, match=r"target shape \(3, 5\) does not match the output shape \(3, 4\)"):
            fn(np.ones((3, 5)), z)
        with pytest.raises(TypeError, match="output must be a float32 or float64"):
            fn(z, np.ones((3, 4), np.complex64))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        categorical_crossentropy(z, z, axis=2)
    with pytest.raises(ValueError, match="output must have at least 1 dimension"):
        sparse_categorical_crossentropy(0, np.float64(1.0))
    with pytest.raises(TypeError, match="z must be float32 or float64, got int64"):
        K.softmax_xent_forward(np.ones((2, 3), np.int64), np.ones((2, 3)), np.empty(2), None)
    with pytest.raises(ValueError, match="t must be C-contiguous"):
        K.softmax_xent_forward(z, np.ones((4, 3)).T, np.empty(3), None)
    with pytest.raises(ValueError, match=r"loss must have shape \(3, 4\), got \(3,\)"):
        K.sigmoid_xent_forward(z, z, np.empty(3), None)
    with pytest.raises(ValueError, match=r"g must have shape \(3,\)"):
        K.softmax_xent_backward(z, z, np.ones(4), np.empty_like(z))
