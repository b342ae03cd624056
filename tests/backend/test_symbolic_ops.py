"""Backend functions, operators, slices, activations and losses applied to
symbolic tensors add op nodes (tf-keras's TF-op layers): traced, run in
training and inference, differentiated, summarized; bad input is refused."""
import numpy as np
import pytest

import fastgraph.backend as K
from fastgraph import activations, losses
from fastgraph.autodiff import Tensor, check_gradients
from fastgraph.engine import OpLambda
from fastgraph.layers import Dense, Input
from fastgraph.models import Model
from fastgraph.ops import elementwise as E

RNG = np.random.RandomState(0)
X = RNG.randn(5, 4).astype(np.float32)


@pytest.fixture
def float64():
    K.set_floatx("float64")
    yield
    K.set_floatx("float32")


def _predict(inputs, outputs, *arrays):
    return Model(inputs, outputs).predict(list(arrays) if len(arrays) > 1 else arrays[0],
                                          verbose=0)


def test_backend_function_on_input_is_a_node_not_an_object_array():
    x = Input((4,))
    flat = K.flatten(x)
    assert flat.shape == (None,) and flat.dtype == "float32"
    assert isinstance(flat._keras_history.layer, OpLambda)
    np.testing.assert_allclose(_predict(x, flat, X), X.reshape(-1))
    s = K.sum(x, axis=-1)
    assert s.shape == (None,)
    np.testing.assert_allclose(_predict(x, s, X), X.sum(-1), rtol=1e-6)


@pytest.mark.parametrize("build, expect", [
    (lambda x: x + 1, lambda a: a + 1), (lambda x: 2 - x, lambda a: 2 - a),
    (lambda x: x * x, lambda a: a * a), (lambda x: x / 2, lambda a: a / 2),
    (lambda x: 1 / (x * x + 1), lambda a: 1 / (a * a + 1)),
    (lambda x: x // 0.5, lambda a: a // 0.5), (lambda x: x % 0.7, lambda a: a % 0.7),
    (lambda x: 3.0 % (x * x + 1), lambda a: 3.0 % (a * a + 1)),
    (lambda x: (x * x) ** 1.5, lambda a: (a * a) ** 1.5), (lambda x: 2 ** x, lambda a: 2 ** a),
    (lambda x: -x, lambda a: -a), (lambda x: abs(x), np.abs), (lambda x: +x, lambda a: a),
    (lambda x: x < 0, lambda a: a < 0), (lambda x: x <= 0, lambda a: a <= 0),
    (lambda x: x > 0, lambda a: a > 0), (lambda x: x >= 0, lambda a: a >= 0),
    (lambda x: x @ np.ones((4, 2), np.float32), lambda a: a @ np.ones((4, 2))),
    (lambda x: np.ones((4,), np.float32) * x, lambda a: a),
    (lambda x: x[:, 1:3], lambda a: a[:, 1:3]), (lambda x: x[..., ::-1], lambda a: a[..., ::-1]),
    (lambda x: x[:, None, 0], lambda a: a[:, None, 0]),
])
def test_operators_and_slices(build, expect):
    x = Input((4,))
    y = build(x)
    got = _predict(x, y, X)
    np.testing.assert_allclose(got, expect(X), rtol=1e-5, atol=1e-6)
    assert y.shape[1:] == got.shape[1:]


def test_equality_stays_identity():
    x = Input((4,))
    assert (x == x) is True and (x != x) is False
    assert {x: 1}[x] == 1


def test_activations_and_losses_on_symbolic_tensors():
    x, t = Input((4,)), Input((4,))
    p = activations.sigmoid(x)
    outs = [activations.relu(x), activations.softmax(x), losses.binary_crossentropy(t, p),
            losses.mean_squared_error(t, x), K.categorical_crossentropy(t, K.softmax(x))]
    targets = (RNG.rand(5, 4) > 0.5).astype(np.float32)
    got = _predict([x, t], outs, X, targets)
    want = [activations.relu(Tensor(X)), activations.softmax(Tensor(X)),
            losses.binary_crossentropy(targets, activations.sigmoid(Tensor(X))),
            losses.mean_squared_error(targets, X),
            K.categorical_crossentropy(Tensor(targets), K.softmax(Tensor(X)))]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-5, atol=1e-6)


def test_shape_values_flow_through_shape_ops():
    x = Input((6,))
    batch = K.shape(x)[0]
    assert batch._inferred_value == (0, (None,))
    noise = K.random_normal(shape=(batch, 3))
    r = K.reshape(x, (K.shape(x)[0], 2, -1))
    assert noise.shape == (None, 3) and r.shape == (None, 2, 3)
    got = _predict(x, [noise, r], np.ones((7, 6), np.float32))
    assert got[0].shape == (7, 3) and got[1].shape == (7, 2, 3)


def test_op_nodes_train_and_show_in_summary():
    x = Input((4,))
    h = Dense(3)(x)
    y = K.tanh(h) * 2.0 + K.mean(h, axis=-1, keepdims=True)
    model = Model(x, y)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "backend.tanh (OpLambda)" in text and "operator.mul" in text
    model.compile("sgd", "mse")
    target = RNG.randn(5, 3).astype(np.float32)
    first = model.evaluate(X, target, verbose=0)
    model.fit(X, target, epochs=20, verbose=0)
    assert model.evaluate(X, target, verbose=0) < first


def test_gradient_through_op_nodes_matches_finite_differences(float64):
    x = Input((4,), dtype="float64")
    y = K.sum(K.square(K.exp(x[:, :3]) - x[:, 1:]) / (1 + abs(x[:, :3])), axis=-1)
    y = y + K.max(x, axis=1) % 0.9 + losses.mean_squared_error(x, K.tanh(x))
    model = Model(x, y)
    check_gradients(lambda t: model(t), RNG.randn(3, 4))


@pytest.mark.parametrize("fn", [E.floor_divide, E.mod])
def test_floor_divide_and_mod_gradients(fn):
    a = RNG.uniform(0.3, 3.0, (3, 4))
    b = RNG.uniform(0.5, 2.0, (3, 4))
    # away from the jumps of floor, both derivatives are smooth
    a = np.where(np.abs(np.mod(a, b)) < 0.05, a + 0.1, a)
    check_gradients(fn, a, b)


def test_variables_in_op_nodes_are_weights():
    w = K.variable(np.ones((4, 2)))
    x = Input((4,))
    y = K.dot(x, w)
    model = Model(x, y)
    assert any(v is w for v in model.trainable_weights)
    model.compile("sgd", "mse")
    model.fit(X, np.zeros((5, 2), np.float32), verbose=0)
    assert not np.allclose(K.get_value(w), 1.0)


def test_tensor_operators_hand_over_to_symbolic_tensors():
    v = K.variable(np.arange(4.0))
    x = Input((4,))
    for y in (v + x, v * x, v - x, v < x):
        assert isinstance(y._keras_history.layer, OpLambda)
    np.testing.assert_allclose(_predict(x, v - x, X), np.arange(4.0) - X, rtol=1e-6)


@pytest.mark.parametrize("call, what", [
    (lambda: K.flatten("abc"), "backend.flatten: argument 'x'"),
    (lambda: K.sum(object()), "backend.sum: argument 'x'"),
    (lambda: K.exp(np.array([object()])), "backend.exp: argument 'x'"),
    (lambda: K.square(Input((2,)), "x"), "backend.square"),
    (lambda: activations.relu("x"), "activations.relu: argument 'x'"),
    (lambda: losses.mean_squared_error(Input((2,)), {1: object()}),
     "losses.mean_squared_error: argument 'y_pred'"),
])
def test_bad_input_is_a_type_error_naming_function_and_argument(call, what):
    with pytest.raises(TypeError, match=what.replace(".", r"\.")):
        call()


def test_tensors_of_another_graph_are_refused():
    old = Input((2,))
    K.clear_session()
    new = Input((2,))
    with pytest.raises(TypeError, match="operator.add: argument 'b' is a symbolic "
                                        "tensor of another graph"):
        new + old
    recorded = K.variable(np.ones(2)) * 2.0
    with pytest.raises(TypeError, match="backend.maximum: argument 'b' is a Tensor of "
                                        "another graph"):
        K.maximum(new, recorded)


def test_symbolic_tensors_have_no_value():
    x = Input((2,))
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)
    with pytest.raises(TypeError, match="K.eval"):
        K.eval(x)
    with pytest.raises(TypeError, match="cannot be iterated"):
        list(x)


def test_queries_read_the_static_shape():
    x = Input((3, 5))
    assert K.int_shape(x) == (None, 3, 5) and K.ndim(x) == 3 and K.dtype(x) == "float32"
    assert K.is_keras_tensor(x) and not K.is_keras_tensor(K.variable(1.0))


def test_in_train_phase_follows_the_model_phase():
    x = Input((2,))
    y = K.in_train_phase(x * 0.0, x)
    model = Model(x, Dense(1, kernel_initializer="ones", use_bias=False)(y))
    model.compile("sgd", "mse")
    a = np.ones((4, 2), np.float32)
    np.testing.assert_allclose(model.predict(a, verbose=0), 2.0)
    np.testing.assert_allclose(model.evaluate(a, np.zeros((4, 1)), verbose=0), 4.0)
    np.testing.assert_allclose(model.train_on_batch(a, np.zeros((4, 1))), 0.0)


def test_numpy_scalars_and_arrays_on_the_left():
    x = Input((3,))
    y = np.float32(2.0) * x + np.arange(3, dtype=np.float32)
    np.testing.assert_allclose(_predict(x, y, np.ones((2, 3), np.float32)),
                               np.tile(2.0 + np.arange(3), (2, 1)))
