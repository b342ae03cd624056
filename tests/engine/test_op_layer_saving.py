"""A model with op nodes saves and loads by op name and arguments (plain
JSON, checked by the allowlist); a file naming an unregistered op is
refused before anything is built."""
import json
import os
import zipfile

import numpy as np
import pytest

import fastgraph.backend as K
from fastgraph import activations, losses
from fastgraph.engine import OpLambda
from fastgraph.layers import Dense, Input
from fastgraph.models import Model, load_model, model_from_json

RNG = np.random.RandomState(2)


def _model():
    x = Input((4,), name="x")
    h = Dense(3, name="h")(x)
    w = K.variable(RNG.randn(3, 2), name="w")
    y = K.dot(K.tanh(h[:, ::-1]) * 2.0 + K.mean(h, axis=-1, keepdims=True), w)
    y = y + np.arange(2, dtype=np.float32) - abs(x[..., :2]) // 0.5
    y = K.concatenate([activations.softmax(y), K.reshape(x, (K.shape(x)[0], 2, 2))[:, 0]])
    z = losses.mean_squared_error(x[:, :2], y[:, :2]) ** 2
    return Model(x, [y, K.cast(K.greater(z, 0.1), "float32"), z % 0.3])


@pytest.mark.parametrize("ext", [".keras", ".h5", ".fg"])
def test_saves_loads_and_predicts_identically(tmp_path, ext):
    model = _model()
    a = RNG.rand(6, 4).astype(np.float32)
    path = str(tmp_path / f"model{ext}")
    model.save(path)
    loaded = load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == \
        [type(layer).__name__ for layer in model.layers]
    for want, got in zip(model.predict(a, verbose=0), loaded.predict(a, verbose=0)):
        np.testing.assert_array_equal(want, got)
    assert len(loaded.trainable_weights) == len(model.trainable_weights) == 3


def test_config_round_trip_is_plain_json():
    model = _model()
    text = model.to_json()
    config = json.loads(text)
    ops = [entry["config"] for entry in config["config"]["layers"]
           if entry["class_name"] == "OpLambda"]
    assert {op["function"] for op in ops} >= {"backend.dot", "operator.getitem",
                                              "activations.softmax", "backend.reshape"}
    clone = model_from_json(text)
    clone.set_weights(model.get_weights())
    a = RNG.rand(3, 4).astype(np.float32)
    for want, got in zip(model.predict(a, verbose=0), clone.predict(a, verbose=0)):
        np.testing.assert_allclose(want, got, rtol=1e-6)


def _rewrite(path, out, change):
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith("config.json"):
                data = change(data.decode()).encode()
            dst.writestr(item, data)


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "backend.no_such_op"])
def test_unregistered_op_is_refused(tmp_path, name):
    model = _model()
    path = str(tmp_path / "model.keras")
    model.save(path)
    bad = str(tmp_path / "bad.keras")
    _rewrite(path, bad, lambda text: text.replace('"backend.tanh"', json.dumps(name)))
    with pytest.raises(ValueError, match="not one of fastgraph's registered ops"):
        load_model(bad)


def test_bad_arguments_are_refused():
    x = Input((4,))
    config = Model(x, K.sum(x, axis=1)).get_config()
    entry = next(e for e in config["layers"] if e["class_name"] == "OpLambda")
    entry["config"]["arguments"]["args"] = [{"__tensor__": "zero"}]
    with pytest.raises(ValueError, match="a tensor slot must be an index"):
        Model.from_config(config)
    entry["config"]["arguments"]["args"] = [{"__ndarray__": [1], "dtype": "object"}]
    with pytest.raises(ValueError, match="unsupported array dtype"):
        Model.from_config(config)


def test_an_unsavable_argument_names_the_op():
    x = Input((4,))
    y = K.switch(K.greater(x, 0.0), lambda: np.ones((1, 4), np.float32),
                 lambda: np.zeros((1, 4), np.float32))
    assert isinstance(y._keras_history.layer, OpLambda)
    with pytest.raises(TypeError, match="backend.switch: the argument"):
        Model(x, y).get_config()


def test_saved_files_hold_no_pickles(tmp_path):
    path = str(tmp_path / "model.keras")
    _model().save(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert not any(n.endswith((".pkl", ".pickle")) for n in names)
    assert os.path.getsize(path) > 0


def test_loss_objects_on_symbolic_tensors_save_by_config(tmp_path):
    x, t = Input((3,)), Input((3,))
    p = Dense(3, activation="sigmoid")(x)
    model = Model([x, t], p)
    model.add_loss(losses.BinaryCrossentropy(label_smoothing=0.1)(t, p))
    model.compile("adam")
    a = RNG.rand(8, 3).astype(np.float32)
    b = (RNG.rand(8, 3) > 0.5).astype(np.float32)
    want = losses.BinaryCrossentropy(label_smoothing=0.1)(b, model.predict([a, b], verbose=0))
    np.testing.assert_allclose(model.evaluate([a, b], verbose=0), np.asarray(want), rtol=1e-5)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = load_model(path)
    loaded.compile("adam")
    np.testing.assert_allclose(loaded.evaluate([a, b], verbose=0), np.asarray(want), rtol=1e-5)
    bad = str(tmp_path / "bad.keras")
    _rewrite(path, bad, lambda text: text.replace('"BinaryCrossentropy"', '"os.system"'))
    with pytest.raises(ValueError, match="unknown loss"):
        load_model(bad)
