"""Functional graphs: symbolic tensors, nodes, Model construction, running
the plan, shared layers, nested models, masks and the error messages.

Parameter counts and layer orders are tf-keras 2.21's, obtained by building
the same models with tf_keras in /work/refenv (model.count_params(),
[l.name for l in model.layers])."""
import numpy as np
import pytest

import fastgraph
from fastgraph import layers as L
from fastgraph.autodiff import Tensor, gradients
from fastgraph.engine import KerasTensor, reset_uids
from fastgraph.engine import functional as functional_mod
from fastgraph.engine import graph as graph_mod
from fastgraph.engine.layer import to_snake_case
from fastgraph.layers import Dense, Input, concatenate
from fastgraph.models import Model
from fastgraph.ops import elementwise as E
from fastgraph.ops import reduce as R

SEED1_PARAMS = 55050            # tf-keras: the seed-1 dense network
SEED3_DENSE_PARAMS = 158        # seed 3 with Dense(4, tanh) for Embedding+LSTM


@pytest.fixture(autouse=True)
def fresh_names():
    reset_uids()


def seed1():
    inputs = Input(shape=(784,))
    x = Dense(64, activation='relu')(inputs)
    x = Dense(64, activation='relu')(x)
    predictions = Dense(10, activation='softmax')(x)
    return Model(inputs=inputs, outputs=predictions)


def test_input_is_symbolic_with_history():
    x = Input(shape=(3, 4), name="x", dtype="int32")
    assert isinstance(x, KerasTensor) and not isinstance(x, Tensor)
    assert x.shape == (None, 3, 4) and x.dtype == "int32" and x.name == "x"
    layer, node_index, tensor_index = x._keras_history
    assert isinstance(layer, L.InputLayer) and (node_index, tensor_index) == (0, 0)
    assert Input(batch_shape=(8, 5)).shape == (8, 5)
    assert Input(shape=(5,), batch_size=4).shape == (4, 5)
    with pytest.raises(ValueError, match="shape"):
        Input()


def test_symbolic_tensors_compare_by_identity():
    a, b = Input((2,)), Input((2,))
    assert (a == a) is True and (a == b) is False and (a != b) is True
    assert len({a, b, a}) == 2


def test_auto_names_per_class_and_reset():
    assert [Dense(1).name, Dense(1).name, Dense(1, name="x").name] == ["dense", "dense_1", "x"]
    assert Input((1,)).name == "input_1" and Input((1,)).name == "input_2"
    assert L.Concatenate().name == "concatenate"
    reset_uids()
    assert Dense(1).name == "dense"
    for cls, snake in [("Conv2D", "conv2d"), ("MaxPooling2D", "max_pooling2d"),
                       ("LSTM", "lstm"), ("SimpleRNN", "simple_rnn"),
                       ("BatchNormalization", "batch_normalization")]:
        assert to_snake_case(cls) == snake


def test_seed1_dense_network():
    model = seed1()
    assert model.count_params() == SEED1_PARAMS
    assert model.output_shape == (None, 10) and model.input_shape == (None, 784)
    assert [layer.name for layer in model.layers] == ["input_1", "dense", "dense_1", "dense_2"]
    assert model.input_names == ["input_1"] and model.output_names == ["dense_2"]
    out = model(np.random.rand(5, 784))
    assert isinstance(out, Tensor) and out.shape == (5, 10) and out.dtype == np.float32
    np.testing.assert_allclose(out.data.sum(axis=1), 1.0, rtol=1e-5)


def test_seed2_model_is_callable_like_a_layer():
    model = seed1()
    x = Input(shape=(784,))
    y = model(x)
    assert y.shape == (None, 10) and y._keras_history.layer is model
    outer = Model(x, y)
    assert outer.count_params() == SEED1_PARAMS
    assert [w is v for w, v in zip(outer.weights, model.weights)] == [True] * 6
    data = np.random.rand(3, 784).astype("float32")
    np.testing.assert_array_equal(outer(data).data, model(data).data)


def test_seed2_time_distributed_over_a_model():
    if not hasattr(L, "TimeDistributed"):
        pytest.skip("TimeDistributed is not in fastgraph.layers yet")
    model = seed1()
    input_sequences = Input(shape=(20, 784))
    processed = L.TimeDistributed(model)(input_sequences)
    assert processed.shape == (None, 20, 10)


def test_seed3_two_inputs_two_outputs():
    main_input = Input(shape=(10,), name="main_input")
    lstm_out = Dense(4, activation="tanh", name="encoder")(main_input)
    aux_output = Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    aux_input = Input(shape=(5,), name="aux_input")
    x = fastgraph.layers.concatenate([lstm_out, aux_input])
    x = Dense(6, activation="relu")(x)
    x = Dense(6, activation="relu")(x)
    main_output = Dense(1, activation="sigmoid", name="main_output")(x)
    model = Model(inputs=[main_input, aux_input], outputs=[main_output, aux_output])
    assert model.count_params() == SEED3_DENSE_PARAMS
    assert [layer.name for layer in model.layers] == [
        "main_input", "encoder", "aux_input", "concatenate", "dense", "dense_1",
        "main_output", "aux_output"]
    assert model.output_names == ["main_output", "aux_output"]
    assert model.input_names == ["main_input", "aux_input"]
    assert model.output_shape == [(None, 1), (None, 1)]
    outs = model({"aux_input": np.ones((2, 5)), "main_input": np.ones((2, 10))})
    assert [o.shape for o in outs] == [(2, 1), (2, 1)]


def test_seed3_with_embedding_and_lstm():
    if not (hasattr(L, "Embedding") and hasattr(L, "LSTM")):
        pytest.skip("Embedding / LSTM are not in fastgraph.layers yet")
    main_input = Input(shape=(100,), dtype="int32", name="main_input")
    x = L.Embedding(output_dim=512, input_dim=10000, input_length=100)(main_input)
    lstm_out = L.LSTM(32)(x)
    aux_output = Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    aux_input = Input(shape=(5,), name="aux_input")
    x = concatenate([lstm_out, aux_input])
    for _ in range(3):
        x = Dense(64, activation="relu")(x)
    main_output = Dense(1, activation="sigmoid", name="main_output")(x)
    model = Model([main_input, aux_input], [main_output, aux_output])
    assert model.count_params() == 5200610


def test_seed4_shared_layer_over_two_inputs():
    tweet_a, tweet_b = Input(shape=(14, 8)), Input(shape=(14, 8))
    shared = Dense(6)
    encoded_a, encoded_b = shared(tweet_a), shared(tweet_b)
    merged = concatenate([encoded_a, encoded_b], axis=-1)
    predictions = Dense(1, activation="sigmoid")(merged)
    model = Model(inputs=[tweet_a, tweet_b], outputs=predictions)
    assert model.count_params() == 8 * 6 + 6 + 12 + 1
    assert len(model.weights) == 4
    assert [n.layer.name for n in shared._outbound_nodes] == ["concatenate", "concatenate"]
    a = np.random.rand(2, 14, 8).astype("float32")
    out = model([a, a]).data
    assert out.shape == (2, 14, 1)


def test_seed5_layer_nodes():
    a = Input(shape=(140, 256))
    layer = Dense(32)
    encoded_a = layer(a)
    assert layer.output == encoded_a
    assert layer.input == a and layer.input_shape == (None, 140, 256)
    b = Input(shape=(140, 256))
    encoded_b = layer(b)
    with pytest.raises(AttributeError, match=r'"dense" has multiple inbound nodes.*'
                                             r'get_output_at\(node_index\)'):
        layer.output
    with pytest.raises(AttributeError, match=r"multiple inbound nodes.*get_input_at"):
        layer.input
    assert layer.get_output_at(0) == encoded_a and layer.get_output_at(1) == encoded_b
    assert layer.get_input_at(1) == b
    assert layer.output_shape == (None, 140, 32)      # every node agrees
    c = Input(shape=(64, 256))
    layer(c)
    with pytest.raises(AttributeError, match="get_input_shape_at"):
        layer.input_shape
    with pytest.raises(AttributeError, match="get_output_shape_at"):
        layer.output_shape
    assert layer.get_input_shape_at(0) == (None, 140, 256)
    assert layer.get_input_shape_at(2) == (None, 64, 256)
    assert layer.get_output_shape_at(2) == (None, 64, 32)
    assert len(layer.inbound_nodes) == 3 and layer._inbound_nodes is layer.inbound_nodes
    with pytest.raises(ValueError, match="only 3 inbound nodes"):
        layer.get_output_at(3)
    with pytest.raises(RuntimeError, match="never been called"):
        Dense(2).get_input_at(0)
    with pytest.raises(AttributeError, match="not connected"):
        Dense(2).output


def test_seed5_conv_nodes():
    if not hasattr(L, "Conv2D"):
        pytest.skip("Conv2D is not in fastgraph.layers yet")
    a, b = Input(shape=(32, 32, 3)), Input(shape=(64, 64, 3))
    conv = L.Conv2D(16, (3, 3), padding="same")
    conv(a)
    assert conv.input_shape == (None, 32, 32, 3)
    conv(b)
    assert conv.get_input_shape_at(0) == (None, 32, 32, 3)
    assert conv.get_input_shape_at(1) == (None, 64, 64, 3)


def test_seed7_residual_connection():
    if not hasattr(L, "Conv2D"):
        pytest.skip("Conv2D is not in fastgraph.layers yet")
    x = Input(shape=(256, 256, 3))
    y = L.Conv2D(3, (3, 3), padding="same")(x)
    z = fastgraph.layers.add([x, y])
    assert z.shape == (None, 256, 256, 3) and Model(x, z).count_params() == 84


def test_seed8_shared_vision_model():
    if not (hasattr(L, "Conv2D") and hasattr(L, "MaxPooling2D")):
        pytest.skip("Conv2D / MaxPooling2D are not in fastgraph.layers yet")
    digit_input = Input(shape=(27, 27, 1))
    x = L.Conv2D(64, (3, 3))(digit_input)
    x = L.Conv2D(64, (3, 3))(x)
    x = L.MaxPooling2D((2, 2))(x)
    vision_model = Model(digit_input, L.Flatten()(x))
    digit_a, digit_b = Input(shape=(27, 27, 1)), Input(shape=(27, 27, 1))
    concatenated = concatenate([vision_model(digit_a), vision_model(digit_b)])
    out = Dense(1, activation="sigmoid")(concatenated)
    model = Model([digit_a, digit_b], out)
    assert vision_model.count_params() == 37568 and vision_model.output_shape == (None, 7744)
    assert model.count_params() == 53057


def test_shared_weights_are_the_same_variables():
    inner_in = Input((3,))
    inner = Model(inner_in, Dense(2)(inner_in))
    a, b = Input((3,)), Input((3,))
    outer = Model([a, b], concatenate([inner(a), inner(b)]))
    assert len(outer.weights) == 2 and outer.count_params() == 8
    new = [np.full((3, 2), 0.5, "float32"), np.array([1.0, -1.0], "float32")]
    inner.set_weights(new)
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(outer([x, 2 * x]).data, [[2.5, 0.5, 4.0, 2.0]])
    outer.set_weights([w * 2 for w in new])
    np.testing.assert_allclose(inner.get_weights()[0], 1.0)


def test_models_nest_to_any_depth():
    x = Input((4,))
    model = Model(x, Dense(4, activation="tanh")(x))
    for _ in range(3):
        x = Input((4,))
        model = Model(x, Dense(4)(model(x)))
    data = np.random.rand(2, 4).astype("float32")
    expected = data
    layers = [model]
    while layers:
        current = layers.pop()
        if isinstance(current, Model):
            layers.extend(reversed(current.layers[1:]))
            continue
        expected = current(expected).data
    np.testing.assert_allclose(model(data).data, expected, rtol=1e-6)
    assert model.count_params() == 4 * 20


def test_compute_output_shape_for_new_input_shapes():
    x = Input((5, 3))
    h = Dense(4)(x)
    model = Model(x, L.Reshape((-1,))(h))
    assert model.output_shape == (None, 20)
    assert model.compute_output_shape((None, 7, 3)) == (None, 28)
    with pytest.raises(ValueError, match=r'layer "model".*expected shape=\(None, 5, 3\)'):
        model(Input((9, 3)))
    with pytest.raises(ValueError, match="expects 1 input shape"):
        model.compute_output_shape([(None, 5, 3), (None, 5, 3)])


def test_eager_calls_convert_arrays():
    x = Input((3,), dtype="int32")
    y = L.Lambda(lambda t: t)(x)
    ident = Model(x, y)
    out = ident(np.array([[1, 2, 3]], dtype=np.int64))
    assert out.dtype.kind == "i"
    f = Input((3,))
    model = Model(f, Dense(2)(f))
    assert model(np.ones((2, 3), np.float64)).dtype == np.float32
    assert model.call(np.ones((2, 3), np.float64)).dtype == np.float32
    assert model([np.ones((2, 3))]).shape == (2, 2)
    with pytest.raises(KeyError, match="input_"):
        model({"nope": np.ones((2, 3))})


def test_plan_runs_without_walking_the_graph(monkeypatch):
    model = seed1()
    assert len(model._plan) == 3
    monkeypatch.setattr(functional_mod, "map_graph", None)
    monkeypatch.setattr(graph_mod, "map_graph", None)
    monkeypatch.setattr(graph_mod, "_build_map", None)
    assert model(np.ones((2, 784))).shape == (2, 10)


def test_training_flag_reaches_layers_unless_fixed():
    seen = {}

    class Probe(L.Layer):
        def call(self, inputs, training=None):
            seen[self.name] = training
            return inputs

    x = Input((2,))
    y = Probe(name="free")(x)
    y = Probe(name="fixed")(y, training=False)
    model = Model(x, Dense(1)(y))
    model(np.ones((1, 2)))
    assert seen == {"free": None, "fixed": False}
    model.call(np.ones((1, 2)), training=True)
    assert seen == {"free": True, "fixed": False}


class ZeroMask(L.Layer):
    """Masks the time steps that are all zero (like Keras's Masking)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_mask(self, inputs, mask=None):
        return np.any(np.asarray(inputs) != 0, axis=-1)


class MaskedSum(L.Layer):
    def call(self, inputs, mask=None):
        self.mask_seen = mask
        if mask is None:
            return R.sum(inputs, axis=1)
        return R.sum(E.multiply(inputs, mask[..., None].astype("float32")), axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


def test_masks_propagate_symbolically_and_at_run_time():
    x = Input((5, 3))
    h = Dense(4)(ZeroMask()(x))                   # Dense passes masks through
    summed = MaskedSum()
    model = Model(x, summed(L.Dropout(0.5)(h)))
    assert h._keras_mask.shape == (None, 5) and h._keras_mask.dtype == "bool"
    assert summed.get_input_mask_at(0).shape == (None, 5)
    assert summed.get_output_mask_at(0) is None
    data = np.random.rand(2, 5, 3).astype("float32")
    data[0, 3:] = 0
    model(data)
    np.testing.assert_array_equal(summed.mask_seen, [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    inner = Model(x, L.Dropout(0.5)(h))
    y = Input((5, 3))
    outer = Model(y, MaskedSum()(inner(y)))
    np.testing.assert_allclose(outer(data).data, model(data).data)
    outs, masks = inner.call_with_masks(data)
    np.testing.assert_array_equal(masks[0], summed.mask_seen)


def test_losses_from_regularizers_and_activity():
    x = Input((3,))
    dense = Dense(2, kernel_regularizer=fastgraph.regularizers.l2(0.1),
                  activity_regularizer="l1")
    model = Model(x, dense(x))
    assert len(model.losses) == 1
    (g,) = gradients(model.losses[0], [dense.kernel])
    np.testing.assert_allclose(g, 0.2 * dense.kernel.data, rtol=1e-6)
    out = model(np.ones((4, 3)))
    losses = model.losses
    assert len(losses) == 2
    np.testing.assert_allclose(losses[0].data, 0.01 * np.abs(out.data).sum() / 4, rtol=1e-5)


def test_errors_graph_disconnected_names_the_missing_input():
    a, b = Input((3,)), Input((4,), name="input_2")
    out = concatenate([Dense(2)(a), b])
    with pytest.raises(ValueError, match=r'Graph disconnected: cannot obtain value '
                                         r'for tensor .* at layer "input_2"'):
        Model(a, out)


def test_errors_duplicate_layer_names():
    x = Input((3,))
    y = Dense(2, name="twin")(Dense(2, name="twin")(x))
    with pytest.raises(ValueError, match='"twin" is used 2 times'):
        Model(x, y)


def test_errors_non_symbolic_inputs_and_outputs():
    x = Input((3,))
    y = Dense(2)(x)
    with pytest.raises(TypeError, match="symbolic tensors.*Input"):
        Model(np.zeros((2, 3)), y)
    with pytest.raises(TypeError, match="symbolic tensors"):
        Model(x, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="must come from Input"):
        Model(y, Dense(1)(y))
    with pytest.raises(TypeError, match="mix of symbolic"):
        L.add([x, np.ones((1, 3))])


def test_get_layer():
    model = seed1()
    assert model.get_layer("dense_1") is model.layers[2]
    assert model.get_layer(index=-1).name == "dense_2"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only has 4 layers"):
        model.get_layer(index=7)
    with pytest.raises(ValueError, match="Provide either"):
        model.get_layer()


def test_output_names_are_uniquified():
    x = Input((2,))
    d = Dense(2, name="head")
    model = Model(x, [d(x), d(x)])
    assert model.output_names == ["head", "head_1"]


def test_trainable_false_freezes_every_layer():
    model = seed1()
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 6
    assert all(not layer.trainable for layer in model.layers)
    x = Input((784,))
    frozen_outer = Model(x, model(x), trainable=False)
    assert frozen_outer.trainable_weights == []
