"""fastgraph.backend (Keras `K`): names, tf-keras semantics, user losses and gradients.

Expected values marked "tf-keras" were produced with tf_keras.backend 2.x.
"""
import numpy as np
import pytest

import fastgraph
import fastgraph.backend as K
from fastgraph.autodiff import Tensor, Variable, check_gradients

NAMES = """sum mean max min prod var std square sqrt abs exp log pow clip maximum
minimum dot batch_dot concatenate stack reshape transpose permute_dimensions
expand_dims squeeze repeat_elements repeat tile flatten batch_flatten gather softmax
sigmoid hard_sigmoid relu elu selu softplus softsign tanh categorical_crossentropy
sparse_categorical_crossentropy binary_crossentropy epsilon set_epsilon floatx
set_floatx image_data_format cast shape int_shape ndim dtype zeros ones zeros_like
ones_like eye variable constant eval get_value batch_get_value set_value
batch_set_value equal not_equal greater greater_equal less less_equal argmax argmin
round sign l2_normalize switch any all random_uniform random_normal gradients
stop_gradient in_train_phase in_test_phase learning_phase logsumexp one_hot
reverse dropout bias_add count_params""".split()

X = np.array([[1.0, -2.0, 3.0], [0.0, 4.0, -1.0]], np.float32)


def test_all_names_exist_and_module_attribute():
    missing = [n for n in NAMES if not callable(getattr(K, n, None))]
    assert not missing
    assert fastgraph.backend is K


def test_user_loss_and_gradients_on_variables():
    rng = np.random.RandomState(0)
    y_true = rng.rand(4, 3).astype(np.float32)
    w = K.variable(rng.randn(5, 3))
    x = rng.randn(4, 5).astype(np.float32)
    assert w.dtype == np.float32

    def loss(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true), axis=-1) + 0.1 * K.sum(K.abs(y_pred))

    value = loss(y_true, K.dot(x, w))
    (g,) = K.gradients(K.mean(value), [w])
    pred = x @ w.data
    want = x.T @ (2 * (pred - y_true) / (3 * 4) + 0.1 * np.sign(pred))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-6)
    (again,) = K.gradients(K.mean(value), w)         # the record is kept
    np.testing.assert_allclose(again, g)


def test_api_example_flow():
    v = K.variable(np.array([[1.0, 2.0], [3.0, 4.0]]), name="v")
    c = K.constant([[1.0, 0.0], [0.0, 2.0]])
    y = K.sum(v @ c * np.array([1.0, -1.0]) + 2 * v - v[0], axis=1)
    assert isinstance(y, Tensor) and y.dtype == np.float32
    np.testing.assert_allclose(K.eval(y), [0.0, 6.0])
    (gv,) = K.gradients(K.sum(y), [v])
    np.testing.assert_allclose(gv, [[1 + 2 - 2, -2 + 2 - 2], [1 + 2, -2 + 2]])
    snapshot = K.get_value(v)
    K.set_value(v, np.zeros((2, 2)))
    np.testing.assert_array_equal(K.get_value(v), 0.0)
    np.testing.assert_array_equal(snapshot, [[1, 2], [3, 4]])     # a copy
    K.batch_set_value([(v, np.ones((2, 2)))])
    assert K.batch_get_value([v])[0].sum() == 4.0
    with pytest.raises(ValueError, match="cannot assign a value of shape"):
        K.set_value(v, np.zeros(3))
    with pytest.raises(TypeError, match="set_value: x must be a variable"):
        K.set_value(c, np.zeros((2, 2)))


def test_gradcheck_of_a_k_written_function():
    def fn(a, b):
        h = K.tanh(K.batch_dot(a, b, axes=(2, 1)))
        return K.logsumexp(K.l2_normalize(h, axis=-1) * 3.0, axis=1) + K.std(h, axis=1)
    rng = np.random.RandomState(1)
    check_gradients(fn, rng.randn(2, 3, 4), rng.randn(2, 4, 5))


def test_configuration():
    assert K.epsilon() == 1e-7 and K.floatx() == "float32"
    assert K.image_data_format() == "channels_last"
    K.set_epsilon(1e-5)
    try:
        assert K.epsilon() == 1e-5
    finally:
        K.set_epsilon(1e-7)
    K.set_image_data_format("channels_first")
    try:
        assert K.image_data_format() == "channels_first"
    finally:
        K.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="set_image_data_format: data_format must be"):
        K.set_image_data_format("channels_middle")
    assert K.image_data_format() == "channels_last"


def test_creation_and_queries():
    for z in (K.zeros((2, 3)), K.ones((2, 3)), K.eye(3)):
        assert isinstance(z, Variable) and z.dtype == np.float32
    np.testing.assert_array_equal(K.eval(K.eye((2, 3))), np.eye(2, 3))
    assert K.zeros_like(X).dtype == np.float32 and K.ones_like(X, "int32").dtype == np.int32
    assert K.constant(2.0, shape=(2, 2)).data.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert K.constant([1, 2], dtype="int32").dtype == np.int32
    t = K.constant(X)
    assert K.int_shape(t) == (2, 3) and K.ndim(t) == 2 and K.dtype(t) == "float32"
    assert K.shape(t).tolist() == [2, 3] and K.shape(t).dtype == np.int32
    assert K.count_params(t) == 6 and K.dtype(np.ones(2, np.int64)) == "int64"
    assert K.reshape(t, (K.shape(t)[0], -1, 1)).shape == (2, 3, 1)
    assert K.cast_to_floatx([1, 2]).dtype == np.float32
    assert K.is_tensor(t) and not K.is_tensor(X)


def test_keras_shape_semantics():
    x3 = np.ones((2, 3, 4), np.float32)
    assert K.transpose(x3).shape == (4, 3, 2)                  # tf-keras
    assert K.flatten(X).shape == (6,) and K.batch_flatten(x3).shape == (2, 12)
    assert K.repeat(X, 2).shape == (2, 2, 3)
    np.testing.assert_array_equal(K.eval(K.repeat_elements(X, 2, 1)),
                                  np.repeat(X, 2, axis=1))
    assert K.concatenate([X, X], axis=-2).shape == (4, 3)
    assert K.squeeze(np.ones((2, 1)), 1).shape == (2,)
    assert K.expand_dims(X).shape == (2, 3, 1)
    assert K.permute_dimensions(x3, (0, 2, 1)).shape == (2, 4, 3)
    np.testing.assert_array_equal(K.eval(K.tile(np.array([1.0, 2.0]), 2)), [1, 2, 1, 2])
    np.testing.assert_array_equal(K.eval(K.reverse(X, 1)), X[:, ::-1])
    assert K.stack([X, X], axis=1).shape == (2, 2, 3)
    assert K.gather(X, [1, 1, 0]).shape == (3, 3)
    assert K.temporal_padding(x3, (1, 2)).shape == (2, 6, 4)
    assert K.spatial_2d_padding(np.ones((1, 2, 2, 3))).shape == (1, 4, 4, 3)


def test_keras_value_semantics():
    # tf-keras values
    np.testing.assert_allclose(K.eval(K.l2_normalize(X, axis=1)),
                               [[0.26726124, -0.5345225, 0.8017837],
                                [0.0, 0.97014254, -0.24253564]], rtol=1e-6)
    np.testing.assert_allclose(K.eval(K.l2_normalize(X))[0, 0], 0.1796053, rtol=1e-6)
    np.testing.assert_array_equal(K.eval(K.clip(X, 2.0, 1.0)), np.full((2, 3), 2.0))
    np.testing.assert_array_equal(K.eval(K.round(np.array([0.5, 1.5, 2.5, -0.5]))),
                                  [0, 2, 2, 0])
    np.testing.assert_array_equal(K.eval(K.one_hot(np.array([0, 2, 5]), 3)),
                                  [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    np.testing.assert_allclose(K.eval(K.var(X, axis=1)), [4.2222223, 4.6666665], rtol=1e-6)
    np.testing.assert_allclose(K.eval(K.std(X)), 2.114763, rtol=1e-6)
    np.testing.assert_allclose(K.eval(K.mean(np.array([True, False, True]))), 2 / 3)
    np.testing.assert_array_equal(K.eval(K.argmax(np.array([[1.0, 3.0, 3.0]]))), [1])
    np.testing.assert_array_equal(K.eval(K.any(X, axis=1)), [True, True])
    assert not K.eval(K.all(X))
    np.testing.assert_allclose(K.eval(K.pow(X, 2)), X ** 2)
    np.testing.assert_allclose(K.eval(K.bias_add(X, np.array([1.0, 2.0, 3.0]))),
                               X + [1, 2, 3])
    with pytest.raises(ValueError, match=r"bias_add: bias must have shape \(3,\)"):
        K.bias_add(X, np.ones(2))


def test_switch():
    # tf-keras: a rank-1 condition broadcasts like NumPy, rank > 1 gets trailing axes
    np.testing.assert_array_equal(
        K.eval(K.switch(np.array([True, False, True]), X, -X)),
        [[1, 2, 3], [0, -4, -1]])
    np.testing.assert_array_equal(
        K.eval(K.switch(np.array([[True], [False]]), X, -X)),
        [[1, -2, 3], [0, -4, 1]])
    np.testing.assert_array_equal(K.eval(K.switch(True, lambda: X, -X)), X)
    np.testing.assert_array_equal(K.eval(K.switch(Tensor(np.array(0)), X, lambda: -X)), -X)
    with pytest.raises(ValueError, match="switch: the rank of condition"):
        K.switch(np.ones((2, 3, 1), bool), X, X)


def test_learning_phase():
    assert K.learning_phase() == 0
    assert K.in_train_phase(1, 2) == 2 and K.in_test_phase(1, 2) == 1
    assert K.in_train_phase(lambda: 1, 2, training=True) == 1
    with K.learning_phase_scope(1):
        assert K.learning_phase() == 1 and K.in_train_phase(1, lambda: 2) == 1
    assert K.learning_phase() == 0
    with pytest.raises(ValueError, match="set_learning_phase: value must be 0 or 1"):
        K.set_learning_phase(2)


def test_random():
    u = K.random_uniform((3, 4), -1.0, 2.0, seed=3)
    assert u.shape == (3, 4) and u.dtype == np.float32
    assert (u.data >= -1).all() and (u.data < 2).all()
    np.testing.assert_array_equal(u.data, K.random_uniform((3, 4), -1.0, 2.0, seed=3).data)
    n = K.random_normal((1000,), mean=5.0, stddev=0.1, dtype="float64", seed=0)
    assert n.dtype == np.float64 and abs(n.data.mean() - 5.0) < 0.05
    b = K.random_binomial((100,), p=0.3, seed=0)
    assert set(np.unique(b.data)) <= {0.0, 1.0}
    d = K.dropout(np.ones((50, 50), np.float32), 0.5, seed=1)
    assert set(np.unique(d.data)) <= {0.0, 2.0}


def test_stop_gradient():
    v = K.variable([1.0, 2.0])
    (g,) = K.gradients(K.sum(v * K.stop_gradient(v)), [v])
    np.testing.assert_allclose(g, [1.0, 2.0])
    assert all(not t.requires_grad for t in K.stop_gradient([v, v]))


def test_activations_and_crossentropies_are_wired():
    # tf-keras values
    np.testing.assert_allclose(
        K.eval(K.binary_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.9, 0.2]]))),
        [[0.10536041, 0.22314338]], rtol=1e-5)
    p = np.array([[0.2, 0.7, 0.1]])
    np.testing.assert_allclose(
        K.eval(K.categorical_crossentropy(np.array([[0.0, 1.0, 0.0]]), p)), [0.35667497],
        rtol=1e-5)
    np.testing.assert_allclose(
        K.eval(K.sparse_categorical_crossentropy(np.array([1.0]), p)), [0.35667497],
        rtol=1e-5)
    np.testing.assert_allclose(K.eval(K.hard_sigmoid(np.array([-3.0, 0.0, 1.0, 3.0]))),
                               [0.0, 0.5, 0.7, 1.0], rtol=1e-6)
    np.testing.assert_allclose(
        K.eval(K.relu(np.array([-3.0, 0.5, 1.0, 3.0]), alpha=0.1, max_value=2.0,
                      threshold=0.7)), [-0.37, -0.02, 1.0, 2.0], rtol=1e-5)
    s = K.softmax(X)
    np.testing.assert_allclose(K.eval(K.sum(s, axis=-1)), 1.0, rtol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda x: K.mean(K.square(x - 1.0)), lambda x: K.clip(x, K.epsilon(), 1.0),
    lambda x: K.log(K.maximum(x, 0.5)), lambda x: K.dot(x, np.ones((3, 2))),
    lambda x: K.pow(x, 2), lambda x: K.l2_normalize(x, -1), lambda x: K.switch(x > 0, x, 0.0),
    lambda x: K.var(x, axis=0), lambda x: K.cast(x, "float32"), lambda x: K.exp(-x)])
def test_float32_stays_float32(fn):
    assert fn(Tensor(X)).dtype == np.float32
