"""The fused Dense op: gradients, NumPy and tf-keras equivalence, bad input."""
import numpy as np
import pytest

from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients, no_grad
from fastgraph.ops import activation as A
from fastgraph.ops.dense import dense, dense_array
from fastgraph.ops.losses import categorical_crossentropy


@pytest.mark.parametrize("name", sorted(A.ACTIVATIONS))
def test_gradients_every_activation(name):
    rng = np.random.RandomState(0)
    w, b = rng.randn(5, 3), rng.randn(3)
    for shape in [(1, 5), (4, 5), (2, 3, 5), (5,)]:
        if name == "softmax" and len(shape) == 1:
            continue  # tf-keras refuses a 1-D softmax
        x = rng.randn(*shape)
        check_gradients(lambda t, k, c: dense(t, k, c, name), x, w, b)
        check_gradients(lambda t, k: dense(t, k, None, name), x, w)


@pytest.mark.parametrize("name", sorted(A.ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_numpy(name, dtype):
    rng = np.random.RandomState(1)
    x = rng.randn(6, 2, 7).astype(dtype)
    w = rng.randn(7, 4).astype(dtype)
    b = rng.randn(4).astype(dtype)
    y = dense(x, w, b, name)
    assert y.dtype == dtype and y.shape == (6, 2, 4)
    ref = A.ACTIVATIONS[name](x.astype(np.float64) @ w + b).data
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.data, ref, rtol=tol, atol=tol)


def test_float32_gradients_stay_float32():
    x = Variable(np.ones((3, 4), np.float32))
    w = Variable(np.ones((4, 2), np.float32))
    b = Variable(np.zeros(2, np.float32))
    grads = gradients(dense(x, w, b, "relu"), [x, w, b])
    assert [g.dtype for g in grads] == [np.float32] * 3


def test_callable_activation_and_function_object():
    rng = np.random.RandomState(2)
    x, w, b = rng.randn(3, 4), rng.randn(4, 2), rng.randn(2)
    np.testing.assert_allclose(dense(x, w, b, A.relu).data,
                               np.maximum(x @ w + b, 0))
    check_gradients(lambda t, k: dense(t, k, None, lambda z: A.relu(z, max_value=0.5)),
                    x, w)
    assert dense(x, w, b, None).shape == (3, 2)


def test_logits_of_softmax_and_sigmoid_are_the_recorded_pre_activation():
    rng = np.random.RandomState(3)
    x, w, b = Variable(rng.randn(3, 4)), Variable(rng.randn(4, 5)), Variable(rng.randn(5))
    for name in ("softmax", "sigmoid"):
        y = dense(x, w, b, name)
        z = A.logits_of(y)
        assert isinstance(z, Tensor) and z._rec is not None
        np.testing.assert_allclose(z.data, x.data @ w.data + b.data)
    assert A.logits_of(dense(x, w, b, "tanh")) is None
    with no_grad():
        assert A.logits_of(dense(x, w, b, "softmax")) is not None


def test_fused_crossentropy_through_dense():
    rng = np.random.RandomState(4)
    t = np.eye(5)[[1, 4, 0]]
    check_gradients(lambda x, w, b: categorical_crossentropy(t, dense(x, w, b, "softmax")),
                    rng.randn(3, 4), rng.randn(4, 5), rng.randn(5))


def test_input_without_grad_skips_dx():
    x = Tensor(np.ones((2, 3)))
    w = Variable(np.ones((3, 2)))
    (gw,) = gradients(dense(x, w, None, "linear"), [w])
    np.testing.assert_allclose(gw, 2.0)


def test_non_contiguous_inputs():
    rng = np.random.RandomState(5)
    x, w = rng.randn(4, 3), rng.randn(2, 4)
    np.testing.assert_allclose(dense(x.T, w.T, None, "tanh").data, np.tanh(x.T @ w.T))


# Produced with tf-keras 2.x in /work/refenv: tf_keras.layers.Dense(4,
# activation='softmax') with weights [KERNEL * scale, BIAS] on X, loss
# K.sum(K.categorical_crossentropy(ONEHOT, y)), gradients by tf.GradientTape,
# rounded to 7 digits.  tf-keras fuses through `_keras_logits` as we do.
X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)
KERNEL = ((np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 4).astype(np.float32)
BIAS = np.array([0.1, -0.2, 0.3, 0.0], np.float32)
ONEHOT = np.array([[0, 0, 1, 0], [1, 0, 0, 0]], np.float32)
TF_KERAS = {
    1.0: (2.8299522,
          [[-1.1778128, 0.3149735, 0.1871883, 0.675651],
           [-0.3417026, -0.1042292, 0.7385681, -0.2926363],
           [0.8908919, 0.1680186, -1.5627472, 0.5038369]],
          [-0.6957313, 0.3064284, -0.3105125, 0.6998155]),
    100.0: (112.0999908,
            [[-1.5, 0.0, -0.5, 2.0], [-0.25, 0.0, 1.0, -0.75], [0.75, 0.0, -2.0, 1.25]],
            [-1.0, 0.0, -1.0, 2.0]),
}


@pytest.mark.parametrize("scale", sorted(TF_KERAS))
def test_dense_softmax_crossentropy_matches_tf_keras(scale):
    loss_ref, gk_ref, gb_ref = TF_KERAS[scale]
    w, b = Variable(KERNEL * scale), Variable(BIAS)
    loss = categorical_crossentropy(ONEHOT, dense(X, w, b, "softmax"))
    gk, gb = gradients(loss, [w, b])
    np.testing.assert_allclose(loss.data.sum(), loss_ref, rtol=1e-6)
    np.testing.assert_allclose(gk, gk_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gb, gb_ref, rtol=1e-5, atol=1e-6)
    assert np.isfinite(gk).all()


def test_bad_input():
    x, w = np.ones((2, 3)), np.ones((3, 4))
    with pytest.raises(ValueError, match=r"kernel must be 2-D.*\(3,\)"):
        dense(x, np.ones(3))
    with pytest.raises(ValueError, match=r"x \(shape \(2, 3\)\).*kernel \(shape \(4, 4\)\)"):
        dense(x, np.ones((4, 4)))
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\).*\(3, 4\).*\(3,\)"):
        dense(x, w, np.ones(3))
    with pytest.raises(ValueError, match="x must have at least 1"):
        dense(np.float64(1.0), w)
    with pytest.raises(TypeError, match="kernel must have the dtype of x"):
        dense(x, w.astype(np.float32))
    with pytest.raises(TypeError, match="bias must have the dtype of x"):
        dense(x, w, np.ones(4, np.float32))
    with pytest.raises(ValueError, match="dense: unknown activation 'relux'"):
        dense(x, w, None, "relux")
    with pytest.raises(TypeError, match="activation must be a name or a callable"):
        dense(x, w, None, 3)


@pytest.mark.parametrize("name", sorted(A.ACTIVATIONS) + [None])
def test_dense_array_matches_the_op(name):
    """The inference entry (arrays, no tape) gives the op's values, through
    its C path or, for what that path does not take, through the op."""
    rng = np.random.RandomState(8)
    for dtype in (np.float32, np.float64):
        w = Variable(rng.randn(6, 5).astype(dtype))
        b = Variable(rng.randn(5).astype(dtype))
        xs = [rng.randn(4, 6).astype(dtype),              # the C path
              rng.randn(2, 3, 6).astype(dtype),           # leading axes
              rng.randn(6, 8).astype(dtype).T[:4]]        # strided
        if dtype == np.float32:
            xs.append(rng.randint(-3, 3, (4, 6)))         # the op casts to floatx
        for x in xs:
            with no_grad():
                expect = dense(x, w, b, name).data
            got = dense_array(x, w, b, name)
            assert type(got) is np.ndarray and got.dtype == expect.dtype
            np.testing.assert_allclose(got, expect, rtol=1e-6, atol=1e-6)
    x, w = rng.randn(4, 6), Variable(rng.randn(6, 5))
    capped = lambda z: A.relu(z, max_value=0.5)     # noqa: E731  (no C path: the op)
    np.testing.assert_allclose(dense_array(x, w, None, capped),
                               np.clip(x @ w.data, 0, 0.5))
