"""Core layers against tf-keras: outputs for the same weights, shapes,
configs, errors.

tests/reference/core_merge_tf_ref.npz was written by tf_keras 2.21 in
/work/refenv: seeded inputs, a Dense kernel/bias set with set_weights, and
each layer's output on them (layer(x).numpy())."""
import json
import os

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.autodiff import Tensor, check_gradients, gradients
from fastgraph.engine import reset_uids
from fastgraph.layers import Input
from fastgraph.models import Model
from fastgraph.ops import reduce as R

REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "core_merge_tf_ref.npz"))


@pytest.fixture(autouse=True)
def fresh_names():
    reset_uids()


def roundtrip(layer, **from_kwargs):
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config, **from_kwargs)
    assert clone.get_config() == layer.get_config()
    return clone


@pytest.mark.parametrize("act", ["linear", "relu", "softmax", "tanh", "sigmoid", "elu"])
def test_dense_matches_tf_keras(act):
    layer = L.Dense(3, activation=act)
    layer.build((None, 5))
    layer.set_weights([REF["kernel"], REF["bias"]])
    np.testing.assert_allclose(layer(REF["x2"]).data, REF[f"dense_{act}_2d"],
                               rtol=1e-5, atol=1e-6)
    out3 = layer(REF["x3"])                      # applied to the last axis
    assert out3.shape == (2, 3, 3)
    np.testing.assert_allclose(out3.data, REF[f"dense_{act}_3d"], rtol=1e-5, atol=1e-6)


def test_dense_without_bias_and_shapes():
    layer = L.Dense(3, use_bias=False)
    layer.build((None, 5))
    assert len(layer.weights) == 1
    layer.set_weights([REF["kernel"]])
    np.testing.assert_allclose(layer(REF["x2"]).data, REF["dense_nobias"], rtol=1e-5)
    y = L.Dense(7)(Input((4, 5)))
    assert y.shape == (None, 4, 7)
    assert L.Dense(2)(np.arange(6).reshape(2, 3)).dtype == np.float32


def test_dense_regularization_matches_tf_keras():
    from fastgraph import regularizers
    layer = L.Dense(3, kernel_regularizer=regularizers.l1_l2(0.01, 0.02),
                    bias_regularizer="l2", activity_regularizer=regularizers.l1(0.05))
    layer.build((None, 5))
    layer.set_weights([REF["kernel"], REF["bias"]])
    layer(REF["x2"])
    np.testing.assert_allclose([float(t.data) for t in layer.losses], REF["dense_losses"],
                               rtol=1e-5)


def test_dense_gradients():
    layer = L.Dense(3, activation="tanh", dtype="float64")
    layer.build((None, 4))
    x = np.random.default_rng(0).standard_normal((2, 4))
    check_gradients(lambda t: layer(t), x)
    linear = L.Dense(3)
    out = linear(Tensor(np.ones((5, 4), np.float32)))
    g_kernel, g_bias = gradients(R.sum(out), [linear.kernel, linear.bias])
    np.testing.assert_allclose(g_kernel, 5.0)
    np.testing.assert_allclose(g_bias, 5.0)


def test_dense_config_and_errors():
    layer = L.Dense(4, activation="relu", kernel_initializer="he_normal",
                    kernel_regularizer="l2", input_dim=3, name="d")
    config = layer.get_config()
    assert config["kernel_initializer"] == {"class_name": "HeNormal",
                                            "config": {"seed": None}}
    assert config["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    assert config["activation"] == "relu" and config["batch_input_shape"] == (None, 3)
    roundtrip(layer)
    with pytest.raises(ValueError, match="units"):
        L.Dense(0)
    with pytest.raises(ValueError, match="last dimension.*should be defined"):
        L.Dense(2)(Input((None,)))
    with pytest.raises(ValueError, match="min_ndim=2"):
        L.Dense(2)(Input(batch_shape=(3,)))
    with pytest.raises(ValueError, match="kernel_constraint"):
        L.Dense(2, kernel_constraint="max_nrom")
    assert type(L.Dense(2, kernel_constraint="max_norm").kernel_constraint).__name__ \
        == "MaxNorm"


@pytest.mark.parametrize("act", ["relu", "softplus", "selu", "hard_sigmoid", "softsign",
                                 "swish", "exponential"])
def test_activation_matches_tf_keras(act):
    layer = L.Activation(act)
    np.testing.assert_allclose(layer(REF["x3"]).data, REF[f"activation_{act}"],
                               rtol=1e-5, atol=1e-6)
    assert roundtrip(layer).get_config()["activation"] == act
    assert layer(Input((2, 3))).shape == (None, 2, 3)


def test_dropout_only_when_training():
    layer = L.Dropout(0.5, seed=1)
    x = np.ones((200, 10), np.float32)
    np.testing.assert_array_equal(layer(x).data, x)
    a = layer(x, training=True).data
    assert set(np.unique(a)) <= {0.0, 2.0} and 0.4 < (a == 0).mean() < 0.6
    b = layer(x, training=True).data
    assert not np.array_equal(a, b)                 # a new mask each call
    np.testing.assert_array_equal(L.Dropout(0.5, seed=1)(x, training=True).data, a)
    shared = L.Dropout(0.5, noise_shape=(None, 1))(x, training=True).data
    assert all(len(set(row)) == 1 for row in shared)
    assert roundtrip(L.Dropout(0.3, noise_shape=(None, 1), seed=2)).rate == 0.3
    with pytest.raises(ValueError, match="rate"):
        L.Dropout(1.5)
    x_int = Input((3,), dtype="int32")
    assert L.Dropout(0.2)(x_int).dtype == "int32"


def test_shape_layers_match_tf_keras():
    x4 = REF["x4"]
    np.testing.assert_array_equal(L.Flatten()(x4).data, REF["flatten"])
    np.testing.assert_array_equal(L.Flatten(data_format="channels_first")(x4).data,
                                  REF["flatten_cf"])
    np.testing.assert_array_equal(L.Reshape((4, -1))(x4).data, REF["reshape"])
    np.testing.assert_array_equal(L.Permute((3, 1, 2))(x4).data, REF["permute"])
    np.testing.assert_array_equal(L.RepeatVector(3)(REF["x2"]).data, REF["repeat"])


def test_shape_layers_symbolic_shapes_and_configs():
    x = Input((3, 4, 5))
    assert L.Flatten()(x).shape == (None, 60)
    assert L.Flatten()(Input((None, 4))).shape == (None, None)
    assert L.Flatten()(Input(batch_shape=(None,))).shape == (None, 1)
    assert L.Reshape((4, -1))(x).shape == (None, 4, 15)
    assert L.Reshape((-1, 2))(Input((None, 4))).shape == (None, None, 2)
    assert L.Permute((3, 1, 2))(x).shape == (None, 5, 3, 4)
    assert L.RepeatVector(6)(Input((7,))).shape == (None, 6, 7)
    for layer in [L.Flatten(), L.Flatten(data_format="channels_first"),
                  L.Reshape((4, -1)), L.Permute((2, 1)), L.RepeatVector(3)]:
        roundtrip(layer)


def test_shape_layer_errors():
    with pytest.raises(ValueError, match=r'"reshape".*total size of new array'):
        L.Reshape((7, -1))(Input((3, 4)))
    with pytest.raises(ValueError, match=r'"reshape_1".*total size'):
        L.Reshape((5,))(np.ones((2, 4)))
    with pytest.raises(ValueError, match="at most one unknown"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        L.Permute((0, 1))
    with pytest.raises(ValueError, match="expected ndim=3"):
        L.Permute((2, 1))(Input((3,)))
    with pytest.raises(ValueError, match="expected ndim=2"):
        L.RepeatVector(2)(Input((3, 4)))
    with pytest.raises(ValueError, match="data_format"):
        L.Flatten(data_format="nhwc")


def double(t, factor=2.0):
    return t * factor


def test_lambda_shapes_arguments_and_config():
    x = Input((3, 4))
    assert L.Lambda(lambda t: R.sum(t, axis=1))(x).shape == (None, 4)
    assert L.Lambda(lambda t: R.sum(t, axis=1))(Input((None, 4))).shape == (None, 4)
    assert L.Lambda(lambda t: t, output_shape=(12,))(x).shape == (None, 12)
    assert L.Lambda(lambda t: t, output_shape=lambda s: (s[0], 99))(x).shape == (None, 99)
    two = L.Lambda(lambda ts: [ts[0], ts[1]])([x, Input((5,))])
    assert [t.shape for t in two] == [(None, 3, 4), (None, 5)]
    layer = L.Lambda(double, arguments={"factor": 3.0})
    np.testing.assert_allclose(layer(np.ones((1, 2))).data, 3.0)
    config = layer.get_config()
    assert config["function"] == "double" and config["arguments"] == {"factor": 3.0}
    assert "code" not in json.dumps(config)
    clone = roundtrip(layer, custom_objects={"double": double})
    np.testing.assert_allclose(clone(np.ones((1, 2))).data, 3.0)
    with pytest.raises(ValueError, match="custom_objects"):
        L.Lambda.from_config(config)
    legacy = dict(config, function=["4wEAAAAAAAAA", None, None], function_type="lambda")
    with pytest.raises(ValueError, match="never loads code"):
        L.Lambda.from_config(legacy)
    with pytest.raises(TypeError, match="callable"):
        L.Lambda(3)


def test_lambda_mask_and_kwargs():
    seen = {}

    def fn(t, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return t

    layer = L.Lambda(fn, mask=lambda inputs, mask: np.ones(inputs.shape[:2], bool))
    x = Input((3, 2))
    y = layer(x)
    assert y._keras_mask.shape == (None, 3)
    model = Model(x, y)
    model.call(np.ones((1, 3, 2)), training=True)
    assert seen["training"] is True
    assert L.Lambda(lambda t: t).supports_masking is False
