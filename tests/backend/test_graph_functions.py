"""Keras 2's graph functions: placeholders, K.function, K.gradients over
symbolic graphs (with respect to inputs too, and inside Lambda: exact, or
an error, never zeros), updates, sessions and names."""
import numpy as np
import pytest

import fastgraph.backend as K
from fastgraph.autodiff import Tensor
from fastgraph.layers import Conv2D, Dense, Dropout, Input, Lambda
from fastgraph.models import Model

RNG = np.random.RandomState(1)


@pytest.fixture
def float64():
    K.set_floatx("float64")
    yield
    K.set_floatx("float32")


def test_placeholder_and_function():
    p = K.placeholder(shape=(None, 3))
    assert p.shape == (None, 3) and K.is_placeholder(p) and K.is_keras_tensor(p)
    assert K.placeholder(ndim=2).shape == (None, None)
    q = K.sum(K.square(p), axis=1)
    f = K.function([p], [q, p * 2])
    a = RNG.randn(4, 3).astype(np.float32)
    got = f([a])
    np.testing.assert_allclose(got[0], (a ** 2).sum(1), rtol=1e-6)
    np.testing.assert_allclose(got[1], a * 2)
    assert K.function(p, q)(a).shape == (4,)


def test_function_errors():
    p, other = K.placeholder(shape=(None, 3)), Input((3,))
    with pytest.raises(ValueError, match="K.function: .* depends on the input"):
        K.function([p], [p + other])
    with pytest.raises(TypeError, match=r"K.function: outputs\[0\] must be a symbolic"):
        K.function([p], [np.ones(3)])
    with pytest.raises(ValueError, match="expects 1 input"):
        K.function([p], [p])([np.ones((1, 3)), np.ones((1, 3))])


def test_function_of_a_model_layer_output_uses_the_learning_phase():
    x = Input((4,))
    h = Dense(3, name="h")(x)
    model = Model(x, Dense(2)(h))
    f = K.function([model.input], [model.get_layer("h").output])
    a = RNG.randn(2, 4).astype(np.float32)
    kernel, bias = model.get_layer("h").get_weights()
    np.testing.assert_allclose(f([a])[0], a @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_function_takes_the_learning_phase_as_an_input():
    x = Input((200,))
    y = Dropout(0.5)(x)
    f = K.function([x, K.learning_phase()], [y])
    ones = np.ones((2, 200), np.float32)
    np.testing.assert_array_equal(f([ones, 0])[0], ones)
    dropped = f([ones, 1])[0]
    assert (dropped == 0).any() and np.isin(dropped, [0.0, 2.0]).all()


def test_every_backend_function_hands_symbolic_tensors_over():
    import inspect
    for name in K.__all__ if hasattr(K, "__all__") else dir(K):
        fn = getattr(K, name)
        if callable(fn) and not inspect.isclass(fn) and not inspect.ismodule(fn) \
                and not name.startswith("_"):
            assert getattr(fn, "symbolic_name", None) or name in (
                "int_shape", "ndim", "dtype", "is_tensor", "epsilon", "set_epsilon",
                "floatx", "set_floatx", "image_data_format", "set_image_data_format",
                "learning_phase", "set_learning_phase", "learning_phase_scope",
                "is_sparse"), name


def test_symbolic_gradients_with_respect_to_inputs_and_weights():
    x = Input((3,))
    dense = Dense(1)
    loss = K.sum(K.square(dense(x)))
    gx, gk = K.gradients(loss, [x, dense.kernel])
    assert gx.shape == (None, 3) and gk.shape == (3, 1)
    a = RNG.randn(5, 3).astype(np.float32)
    got_x, got_k = K.function([x], [gx, gk])([a])
    kernel, bias = dense.get_weights()
    y = a @ kernel + bias
    np.testing.assert_allclose(got_x, 2 * y @ kernel.T, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_k, a.T @ (2 * y), rtol=1e-4, atol=1e-5)


def test_filter_visualization_ascends_and_matches_finite_differences(float64):
    inp = Input((8, 8, 1))
    conv = Conv2D(4, 3, activation="tanh", name="conv")(inp)
    model = Model(inp, conv)
    loss = K.mean(model.get_layer("conv").output[:, :, :, 1])
    grads = K.gradients(loss, model.input)[0]
    iterate = K.function([model.input], [loss, grads])
    img = RNG.rand(1, 8, 8, 1)
    value, grad = iterate([img])
    eps, numeric = 1e-6, np.zeros_like(img)
    for idx in np.ndindex(img.shape):
        up, down = img.copy(), img.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (iterate([up])[0] - iterate([down])[0]) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    normalized = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)
    step = K.function([model.input], [loss, normalized])
    for _ in range(10):
        _, g = step([img])
        img += 0.1 * g
    assert step([img])[0] > value


def _grad_lambda(x):
    return K.gradients(K.sum(K.square(2 * x)), x)[0]


def test_gradients_inside_lambda_are_exact_in_predict_evaluate_and_fit():
    x = Input((3,))
    y = Lambda(_grad_lambda)(x)
    model = Model(x, y)
    a = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(model.predict(a, verbose=0), 8 * a)
    model.compile("sgd", "mse")
    np.testing.assert_allclose(model.evaluate(a, np.zeros_like(a), verbose=0),
                               np.mean((8 * a) ** 2), rtol=1e-6)
    # training: the Lambda's output feeds a Dense whose update uses 8x
    head = Dense(1, use_bias=False, kernel_initializer="zeros")
    trained = Model(x, head(y))
    trained.compile("sgd", "mse")
    target = np.ones((4, 1), np.float32)
    trained.train_on_batch(a, target)
    features = 8 * a
    expected = -0.01 * (2 * features.T @ (0 - target)) / 4    # one SGD step from 0
    np.testing.assert_allclose(head.get_weights()[0], expected, rtol=1e-5)


def test_second_order_gradients_raise():
    x = Input((3,))
    y = Lambda(lambda t: K.gradients(K.sum(K.square(t)), t)[0])(Dense(3)(x))
    model = Model(x, y)
    model.compile("sgd", "mse")
    a = RNG.randn(2, 3).astype(np.float32)
    assert model.predict(a, verbose=0).shape == (2, 3)
    with pytest.raises(ValueError, match="second-order"):
        model.fit(a, np.zeros((2, 3)), verbose=0)


def test_eager_gradients_refuse_unwatched_tensors():
    v = K.variable(np.array([1.0, 2.0]))
    loss = K.sum(v * v)
    np.testing.assert_allclose(K.gradients(loss, [v])[0], [2.0, 4.0])
    const = Tensor(np.ones(2, np.float32))
    with pytest.raises(TypeError, match=r"variables\[0\] is a Tensor that no recorded op"):
        K.gradients(K.sum(const * 2), [const])


def test_stop_gradient_on_symbolic_tensors():
    x = Input((2,))
    loss = K.sum(K.stop_gradient(x) * x)
    a = np.array([[1.0, 2.0]], np.float32)
    np.testing.assert_allclose(K.function([x], K.gradients(loss, [x]))([a])[0], a)


def test_updates():
    v = K.variable(np.zeros(3))
    assert K.update(v, np.ones(3)) is v
    K.update_add(v, np.ones(3))
    K.update_sub(v, 0.5 * np.ones(3))
    np.testing.assert_allclose(K.get_value(v), 1.5)
    K.moving_average_update(v, np.zeros(3), 0.9)
    np.testing.assert_allclose(K.get_value(v), 1.35, rtol=1e-6)
    p = K.placeholder(shape=(None, 3))
    total = K.variable(np.zeros(3))
    mean = K.variable(np.zeros(3))
    f = K.function([p], [K.sum(p)], updates=[K.update_add(total, K.sum(p, axis=0)),
                                             K.moving_average_update(mean, K.mean(p, 0), 0.5),
                                             (v, K.mean(p, axis=0))])
    f([np.ones((2, 3))])
    np.testing.assert_allclose(K.get_value(total), 2.0)
    np.testing.assert_allclose(K.get_value(mean), 0.5)
    np.testing.assert_allclose(K.get_value(v), 1.0)
    with pytest.raises(TypeError, match="update_add: x must be a variable"):
        K.update_add(np.zeros(3), 1.0)


def test_names_session_and_misc(capsys):
    K.reset_uids()
    assert K.get_uid("thing") == 1 and K.get_uid("thing") == 2
    Dense(2)
    assert K.get_uid("dense") == 2
    with K.name_scope("block"):
        y = K.exp(Input((2,)))
    assert y._keras_history.layer.name.startswith("block/backend.exp")
    assert K.backend() == "fastgraph"
    K.set_learning_phase(1)
    K.clear_session()
    assert K.learning_phase() == 0 and Dense(1).name == "dense"
    out = K.print_tensor(K.variable(np.array([1.0, 2.0])), message="v = ")
    assert "v = [1. 2.]" in capsys.readouterr().out
    np.testing.assert_allclose(K.get_value(out), [1.0, 2.0])
    x = Input((2,))
    f = K.function([x], [K.print_tensor(x, message="x: ")])
    assert capsys.readouterr().out == ""        # nothing printed while building
    f([np.ones((1, 2))])
    assert "x: [[1. 1.]]" in capsys.readouterr().out
    K.manual_variable_initialization(True)
    K.manual_variable_initialization(False)
    with pytest.raises(ValueError, match="is_keras_tensor"):
        K.is_keras_tensor("x")


def test_placeholders_need_only_the_backend_import():
    import pathlib
    import subprocess
    import sys
    code = ("import numpy as np, fastgraph.backend as K\n"
            "p = K.placeholder(shape=(None, 2))\n"
            "print(K.function([p], [K.sum(p * 3, axis=1)])([np.ones((2, 2))])[0])\n")
    root = pathlib.Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[6. 6.]"


def test_style_transfer_graph_descends_on_the_placeholder():
    base, style = K.variable(RNG.rand(1, 8, 8, 3)), K.variable(RNG.rand(1, 8, 8, 3))
    combination = K.placeholder((1, 8, 8, 3))
    features = Conv2D(4, 3, padding="same", activation="relu")(
        K.concatenate([base, style, combination], axis=0))

    def gram_matrix(x):
        flat = K.batch_flatten(K.permute_dimensions(x, (2, 0, 1)))
        return K.dot(flat, K.transpose(flat))
    loss = K.variable(0.0)
    loss = loss + 0.5 * K.sum(K.square(features[2] - features[0]))
    loss = loss + K.sum(K.square(gram_matrix(features[1]) - gram_matrix(features[2]))) / 100
    grads = K.gradients(loss, combination)
    f_outputs = K.function([combination], [loss] + grads)
    x = RNG.rand(1, 8, 8, 3).astype(np.float32)
    first, _ = f_outputs([x])
    for _ in range(20):
        _, g = f_outputs([x])
        x -= 0.01 * g / (np.abs(g).mean() + 1e-8)
    assert f_outputs([x])[0] < 0.5 * first


def test_what_where_mask_symbolically_and_a_clear_error_inside_lambda():
    from fastgraph.layers import MaxPooling2D
    x = Input((4, 4, 1))
    y_prepool = Conv2D(2, 3, padding="same")(x)
    y = MaxPooling2D()(y_prepool)
    where = K.gradients(K.sum(y), y_prepool)[0]
    mask = K.function([x], [where])([RNG.rand(3, 4, 4, 1)])[0]
    assert set(np.unique(mask)) <= {0.0, 1.0}
    np.testing.assert_array_equal(mask.reshape(3, 2, 2, 2, 2, 2).sum(axis=(2, 4)), 1.0)

    def getwhere(args):       # the Keras 2 example's Lambda: the pool ran outside it
        y_prepool, y_postpool = args
        return K.gradients(K.sum(y_postpool), y_prepool)[0]
    model = Model(x, Lambda(getwhere, output_shape=lambda s: s[0])([y_prepool, y]))
    with pytest.raises(ValueError, match="does not depend on variables"):
        model.predict(RNG.rand(1, 4, 4, 1), verbose=0)
