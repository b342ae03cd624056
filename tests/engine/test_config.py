"""get_config / from_config of functional and Sequential models, and
loading configs written by tf-keras.

tests/reference/functional_tf_ref.json holds, per model, tf_keras 2.21's
model.to_json(), get_weights(), an input batch and predict() on it, the
layer names and the weight names (built in /work/refenv with tf_keras)."""
import json
import os

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.engine import get_layer_class, reset_uids
from fastgraph.layers import Dense, Input, concatenate
from fastgraph.models import Model, Sequential
from fastgraph.ops import elementwise as E

REF = json.load(open(os.path.join(os.path.dirname(__file__), "..", "reference",
                                  "functional_tf_ref.json")))


@pytest.fixture(autouse=True)
def fresh_names():
    reset_uids()


def roundtrip(model, custom_objects=None):
    config = json.loads(json.dumps(model.get_config()))     # JSON-safe
    clone = type(model).from_config(config, custom_objects=custom_objects)
    clone.set_weights(model.get_weights())
    assert clone.get_config() == model.get_config()
    return clone


def assert_same_outputs(a, b, inputs):
    ya, yb = a(inputs), b(inputs)
    ya, yb = (ya, yb) if isinstance(ya, list) else ([ya], [yb])
    for u, v in zip(ya, yb):
        np.testing.assert_allclose(u.data, v.data, rtol=1e-6)


def shared_and_nested():
    a, b = Input((6,)), Input((6,))
    shared = Dense(4, activation="relu")
    inner_in = Input((4,))
    inner = Model(inner_in, Dense(3, activation="tanh")(L.Dropout(0.5)(inner_in)),
                  name="inner")
    oa, ob = inner(shared(a)), inner(shared(b))
    d = L.Dot(axes=1, normalize=True)([oa, ob])
    f = L.Flatten()(L.Permute((2, 1))(L.Reshape((2, 3))(concatenate([oa, ob]))))
    o = Dense(2, activation="softmax")(concatenate([f, d, L.Activation("elu")(oa)]))
    return Model([a, b], [o, d])


def test_functional_roundtrip_with_shared_layer_and_nested_model():
    model = shared_and_nested()
    clone = roundtrip(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    config = model.get_config()
    dense = next(c for c in config["layers"] if c["name"] == "dense")
    assert dense["inbound_nodes"] == [[["input_1", 0, 0, {}]], [["input_2", 0, 0, {}]]]
    inner = next(c for c in config["layers"] if c["name"] == "inner")
    assert inner["class_name"] == "Functional"
    assert inner["inbound_nodes"] == [[["dense", 0, 0, {}]], [["dense", 1, 0, {}]]]
    dot = next(c for c in config["layers"] if c["name"] == "dot")
    assert dot["inbound_nodes"] == [[["inner", 1, 0, {}], ["inner", 2, 0, {}]]]
    assert config["input_layers"] == [["input_1", 0, 0], ["input_2", 0, 0]]
    data = [np.random.rand(3, 6), np.random.rand(3, 6)]
    assert_same_outputs(model, clone, data)


def test_frozen_layers_stay_frozen():
    x = Input((3,))
    frozen = Dense(2, name="frozen")
    frozen.trainable = False
    model = Model(x, Dense(1)(frozen(x)))
    clone = roundtrip(model)
    assert not clone.get_layer("frozen").trainable and len(clone.trainable_weights) == 2
    model.trainable = False
    assert roundtrip(model).trainable_weights == []


def test_layer_shared_across_depths_roundtrip():
    x = Input((4,))
    d = Dense(4)
    y = d(Dense(4)(d(x)))          # A(B(A(x))): nodes at two depths
    model = Model(x, y)
    clone = roundtrip(model)
    assert_same_outputs(model, clone, np.random.rand(2, 4))


def test_call_kwargs_are_kept():
    x = Input((3,))
    model = Model(x, L.Dropout(0.5)(x, training=False))
    config = model.get_config()
    assert config["layers"][1]["inbound_nodes"] == [[["input_1", 0, 0,
                                                      {"training": False}]]]
    clone = roundtrip(model)
    np.testing.assert_array_equal(clone.call(np.ones((2, 3)), training=True).data, 1.0)


def test_sequential_roundtrip_and_nested_sequential():
    seq = Sequential([Dense(5, input_shape=(4,), activation="relu"), L.Dropout(0.2),
                      Dense(3, activation="softmax")])
    config = seq.get_config()
    assert [c["class_name"] for c in config["layers"]] == [
        "InputLayer", "Dense", "Dropout", "Dense"]
    clone = roundtrip(seq)
    assert_same_outputs(seq, clone, np.random.rand(2, 4))
    inner = Sequential([Dense(5, activation="relu"), Dense(2)])
    x = Input((4,))
    model = Model(x, inner(x))
    assert_same_outputs(model, roundtrip(model), np.random.rand(2, 4))
    deferred = Sequential([Dense(3)])
    assert Sequential.from_config(deferred.get_config()).built is False


@pytest.mark.parametrize("name", sorted(REF))
def test_loads_tf_keras_configs(name):
    ref = REF[name]
    config = json.loads(ref["json"])
    model = get_layer_class(config["class_name"]).from_config(config["config"])
    assert [layer.name for layer in model.layers] == ref["layers"]
    assert [w.name for w in model.weights] == ref["weight_names"]
    model.set_weights([np.array(w, "float32") for w in ref["weights"]])
    x = ref["x"]
    multi = isinstance(x[0][0], list)
    out = model([np.array(a, "float32") for a in x] if multi else np.array(x, "float32"))
    outs, expected = (out, ref["y"]) if isinstance(out, list) else ([out], [ref["y"]])
    for o, e in zip(outs, expected):
        np.testing.assert_allclose(o.data, np.array(e), rtol=1e-5, atol=1e-6)


class Doubler(L.Layer):
    def call(self, inputs):
        return E.multiply(inputs, 2.0)

    def compute_output_shape(self, input_shape):
        return input_shape


def triple(t):
    return E.multiply(t, 3.0)


def test_custom_objects_for_layers_and_functions():
    x = Input((2,))
    model = Model(x, L.Lambda(triple)(Doubler()(Dense(2, activation=triple)(x))))
    config = model.get_config()
    with pytest.raises(ValueError, match="layer 'dense'.*Unknown activation.*'triple'"):
        Model.from_config(config)
    with pytest.raises(ValueError, match="Unknown layer: 'Doubler'.*custom_objects"):
        Model.from_config(config, custom_objects={"triple": triple})
    lambda_only = Model(x, L.Lambda(triple)(x)).get_config()
    with pytest.raises(ValueError, match="Lambda 'lambda_1'.*'triple'.*custom_objects"):
        Model.from_config(lambda_only)
    clone = roundtrip(model, custom_objects={"Doubler": Doubler, "triple": triple})
    assert_same_outputs(model, clone, np.ones((1, 2)))


def test_malformed_configs_raise():
    config = shared_and_nested().get_config()
    broken = json.loads(json.dumps(config))
    broken["layers"][2]["inbound_nodes"] = [[["nowhere", 0, 0, {}]]]
    with pytest.raises(ValueError, match="unknown layer 'nowhere'"):
        Model.from_config(broken)
    broken = json.loads(json.dumps(config))
    broken["layers"][2]["inbound_nodes"] = [[["dense", 5, 0, {}]]]
    with pytest.raises(ValueError, match="can never be connected"):
        Model.from_config(broken)
    with pytest.raises(ValueError, match="input_layers"):
        Model.from_config({"layers": []})
    with pytest.raises(ValueError, match="class_name"):
        Model.from_config({"layers": [{"config": {}}], "input_layers": [],
                           "output_layers": []})
