"""Model and weights round trips: save/load_model, save/load_weights, JSON."""
import importlib
import io
import json
import os
import zipfile

import numpy as np
import pytest

import fastgraph
from fastgraph import layers as L
from fastgraph import regularizers
from fastgraph.models import Model, Sequential
from fastgraph.saving import (custom_object_scope, get_custom_objects, load_model,
                              load_weights, model_from_config, model_from_json,
                              register_serializable, save_model, save_weights,
                              to_json)
from fastgraph.saving import archive

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _predict(model, xs):
    out = model(xs)
    return [o.data for o in out] if isinstance(out, list) else [out.data]


def _same(a, b, xs):
    for pa, pb in zip(_predict(a, xs), _predict(b, xs)):
        assert pa.dtype == pb.dtype and np.array_equal(pa, pb)
    assert len(a.weights) == len(b.weights)
    for wa, wb in zip(a.weights, b.weights):
        assert wa.name == wb.name and np.array_equal(wa.data, wb.data)


def _json(config):
    return json.loads(json.dumps(config))


def _core_model():
    a = L.Input(shape=(6,), name="a")
    b = L.Input(shape=(4, 3), name="b")
    x = L.Dense(8, activation="tanh", kernel_initializer="he_normal",
                bias_initializer="ones", kernel_regularizer=regularizers.l2(0.01),
                name="dense_a")(a)
    x = L.Dropout(0.5)(x)
    x = L.Reshape((4, 2))(x)
    x = L.Permute((2, 1))(x)
    x = L.Flatten()(x)
    y = L.Flatten()(b)
    y = L.Dense(8, use_bias=False)(y)
    merged = L.concatenate([L.add([x, y]), L.multiply([x, y]), L.maximum([x, y])])
    out1 = L.Dense(3, activation="softmax", name="out1")(merged)
    out2 = L.Activation("sigmoid", name="out2")(L.Dense(1)(L.subtract([x, y])))
    rep = L.RepeatVector(2)(out2)
    return Model([a, b], [out1, L.Flatten(name="out3")(rep)], name="core")


def test_functional_round_trip_is_exact(tmp_path):
    model = _core_model()
    path = tmp_path / "core.h5"
    save_model(model, path)
    loaded = load_model(path)
    assert type(loaded) is type(model) and loaded.name == "core"
    assert _json(loaded.get_config()) == _json(model.get_config())
    _same(model, loaded, [_x(5, 6), _x(5, 4, 3)])
    assert loaded.input_names == ["a", "b"]
    assert loaded.output_names == model.output_names
    assert len(loaded.losses) == 1    # the kernel regularizer came back


@pytest.mark.parametrize("name", ["m.fastgraph", "m", "m.pkl", "m.tf"])
def test_other_file_names_get_fastgraph_format(tmp_path, name):
    model = Sequential([L.Dense(3, input_shape=(2,)), L.Dense(1)])
    save_model(model, tmp_path / name)
    assert zipfile.is_zipfile(tmp_path / name)
    _same(model, load_model(tmp_path / name), [_x(3, 2)])


def test_sequential_round_trips(tmp_path):
    explicit = Sequential([L.Input(shape=(5,)), L.Dense(4, activation="relu"),
                           L.Dense(2)])
    deferred = Sequential([L.Dense(4), L.Dense(2, activation="softmax")])
    deferred(_x(2, 5))
    for model in (explicit, deferred):
        save_model(model, tmp_path / "s")
        loaded = load_model(tmp_path / "s")
        assert isinstance(loaded, Sequential)
        assert [la.name for la in loaded.layers] == [la.name for la in model.layers]
        _same(model, loaded, [_x(3, 5)])


def test_file_objects(tmp_path):
    model = _core_model()
    buf = io.BytesIO()
    save_model(model, buf)
    buf.seek(0)
    _same(model, load_model(buf), [_x(2, 6), _x(2, 4, 3)])


def test_shared_weights_are_stored_once(tmp_path):
    shared = L.Dense(4, name="shared")
    a = L.Input(shape=(4,))
    model = Model(a, shared(L.Dense(4)(shared(a))))
    save_model(model, tmp_path / "m")
    with zipfile.ZipFile(tmp_path / "m") as zf:
        arrays = [n for n in zf.namelist() if n.endswith(".npy")]
    assert len(arrays) == 4
    _same(model, load_model(tmp_path / "m"), [_x(2, 4)])


def test_interrupted_save_keeps_previous_model(tmp_path, monkeypatch):
    model = _core_model()
    path = tmp_path / "model.fastgraph"
    save_model(model, path)
    before = path.read_bytes()
    real, calls = archive.write_npy, []

    def crash_on_third(f, array):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("simulated crash while writing a weight")
        real(f, array)
    monkeypatch.setattr(archive, "write_npy", crash_on_third)
    model.layers[-1].set_weights([w * 0 for w in model.layers[-1].get_weights()])
    with pytest.raises(OSError, match="simulated crash"):
        save_model(model, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.fastgraph"]
    monkeypatch.undo()
    load_model(path)


def test_save_arguments(tmp_path):
    model = Sequential([L.Dense(1, input_shape=(2,))])
    save_model(model, tmp_path / "m", save_format="h5", signatures=None,
               options=None, save_traces=True)
    with pytest.raises(FileExistsError):
        save_model(model, tmp_path / "m", overwrite=False)
    with pytest.raises(TypeError, match="unexpected argument"):
        save_model(model, tmp_path / "m", compression="gzip")
    with pytest.raises(TypeError, match="unexpected argument"):
        load_model(tmp_path / "m", verbose=True)
    with pytest.raises(TypeError, match="expected a fastgraph Model"):
        save_model(L.Dense(2), tmp_path / "m")
    load_model(tmp_path / "m", safe_mode=False, options=None)


# --------------------------------------------------------------- JSON
def test_json_round_trip():
    model = _core_model()
    text = to_json(model, indent=2)
    assert json.loads(text)["fastgraph_version"] == fastgraph.__version__
    rebuilt = model_from_json(text)
    rebuilt.set_weights(model.get_weights())
    _same(model, rebuilt, [_x(2, 6), _x(2, 4, 3)])
    again = model_from_config(json.loads(text))
    assert again.get_config() == rebuilt.get_config()
    with pytest.raises(TypeError, match="not a list"):
        model_from_config([])
    with pytest.raises(TypeError, match="JSON string"):
        model_from_json({"class_name": "Functional"})
    with pytest.raises(ValueError, match="not valid JSON"):
        model_from_json("{")
    with pytest.raises(ValueError, match="unknown layer class 'Bogus'"):
        model_from_json(text.replace('"Dense"', '"Bogus"', 1))


# ------------------------------------------------------------ weights
def _pair():
    def build(units):
        a = L.Input(shape=(3,))
        x = L.Dense(4, name="first")(a)
        x = L.Dense(units, name="second")(x)
        return Model(a, L.Dense(2, name="third")(x))
    return build(5), build(5)


def test_weights_by_order_and_by_name(tmp_path):
    source, target = _pair()
    save_weights(source, tmp_path / "w.h5")
    load_weights(target, tmp_path / "w.h5")
    _same(source, target, [_x(2, 3)])
    renamed = Sequential([L.Dense(4, input_shape=(3,)), L.Dense(5), L.Dense(2)])
    load_weights(renamed, tmp_path / "w.h5")    # order ignores names
    for a, b in zip(source.weights, renamed.weights):
        assert np.array_equal(a.data, b.data)
    by_name = Sequential([L.Dense(4, input_shape=(3,), name="first"),
                          L.Dense(7, name="other")])
    before = by_name.layers[1].get_weights()
    load_weights(by_name, tmp_path / "w.h5", by_name=True)
    assert np.array_equal(by_name.layers[0].get_weights()[0],
                          source.get_layer("first").get_weights()[0])
    assert np.array_equal(by_name.layers[1].get_weights()[0], before[0])


def test_weights_from_a_full_model_file(tmp_path):
    source, target = _pair()
    save_model(source, tmp_path / "m")
    load_weights(target, tmp_path / "m")
    _same(source, target, [_x(2, 3)])


def test_weight_mismatches_name_the_layer_and_shapes(tmp_path):
    source, _ = _pair()
    save_weights(source, tmp_path / "w")
    a = L.Input(shape=(3,))
    x = L.Dense(4, name="first")(a)
    x = L.Dense(6, name="second")(x)
    other = Model(a, L.Dense(2, name="third")(x))
    before = [w.copy() for w in other.get_weights()]
    with pytest.raises(ValueError, match=r"'second'.*\(4, 6\).*\(4, 5\)"):
        load_weights(other, tmp_path / "w")
    with pytest.raises(ValueError, match=r"'second'.*\(4, 6\).*\(4, 5\)"):
        load_weights(other, tmp_path / "w", by_name=True)
    for w, b in zip(other.get_weights(), before):   # nothing was changed
        assert np.array_equal(w, b)
    with pytest.warns(UserWarning, match="skipping layer") as caught:
        load_weights(other, tmp_path / "w", by_name=True, skip_mismatch=True)
    assert ["'second'" in str(w.message) for w in caught] == [True, False]
    assert np.array_equal(other.get_layer("first").get_weights()[0],
                          source.get_layer("first").get_weights()[0])
    with pytest.raises(ValueError, match="needs by_name=True"):
        load_weights(other, tmp_path / "w", skip_mismatch=True)
    short = Sequential([L.Dense(4, input_shape=(3,))])
    with pytest.raises(ValueError, match=r"3 layer\(s\).*1 layer\(s\)"):
        load_weights(short, tmp_path / "w")
    no_bias = Sequential([L.Dense(4, input_shape=(3,), use_bias=False, name="first")])
    with pytest.raises(ValueError, match=r"'first' has 1 weight\(s\).*but 2"):
        load_weights(no_bias, tmp_path / "w", by_name=True)
    with pytest.raises(ValueError, match="not built"):
        load_weights(Sequential([L.Dense(2)]), tmp_path / "w")


# ------------------------------------------------------ custom objects
class Scale(L.Layer):
    """A user layer with one weight and a constructor argument."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.w * self.factor

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def cube(x):
    return x * x * x


def _custom_model():
    a = L.Input(shape=(3,))
    x = Scale(2.0, name="scale")(a)
    x = L.Dense(3, activation=cube)(x)
    return Model(a, L.Lambda(cube, name="lam")(x))


@pytest.fixture
def clean_registry():
    saved = dict(get_custom_objects())
    yield
    get_custom_objects().clear()
    get_custom_objects().update(saved)


def test_custom_objects_argument(tmp_path):
    model = _custom_model()
    save_model(model, tmp_path / "m")
    with pytest.raises(ValueError, match=r"unknown layer class 'Scale'.*custom_objects"):
        load_model(tmp_path / "m")
    with pytest.raises(ValueError, match=r"activation function 'cube'.*custom_objects"):
        load_model(tmp_path / "m", custom_objects={"Scale": Scale})
    only_lambda = Sequential([L.Lambda(cube, input_shape=(2,), name="lam")])
    save_model(only_lambda, tmp_path / "lam")
    with pytest.raises(ValueError, match=r"Lambda layer 'lam'.*custom_objects="
                                         r"\{'cube': cube\}.*register_serializable"):
        load_model(tmp_path / "lam")
    loaded = load_model(tmp_path / "m", custom_objects={"Scale": Scale, "cube": cube})
    assert loaded.get_layer("scale").factor == 2.0
    _same(model, loaded, [_x(2, 3)])
    with custom_object_scope({"Scale": Scale}, {"cube": cube}):
        _same(model, load_model(tmp_path / "m"), [_x(2, 3)])


def test_registered_objects(tmp_path, clean_registry):
    model = _custom_model()
    save_model(model, tmp_path / "m")
    register_serializable()(Scale)
    register_serializable()(cube)
    _same(model, load_model(tmp_path / "m"), [_x(2, 3)])


def test_layer_registered_under_another_name(tmp_path, clean_registry):
    class Doubler(L.Layer):
        def call(self, inputs):
            return inputs * 2.0
    register_serializable(name="my_pkg.Doubler")(Doubler)
    a = L.Input(shape=(2,))
    model = Model(a, Doubler()(a))
    save_model(model, tmp_path / "m")
    assert '"my_pkg.Doubler"' in zipfile.ZipFile(tmp_path / "m").read(
        "config.json").decode()
    loaded = load_model(tmp_path / "m")
    assert isinstance(loaded.layers[1], Doubler)


def test_lambda_stores_only_the_name(tmp_path):
    model = _custom_model()
    save_model(model, tmp_path / "m")
    config = zipfile.ZipFile(tmp_path / "m").read("config.json").decode()
    assert '"function": "cube"' in config
    anonymous = Sequential([L.Lambda(lambda t: t + 1.0, input_shape=(2,))])
    save_model(anonymous, tmp_path / "anon")
    with pytest.raises(ValueError, match="anonymous lambda"):
        load_model(tmp_path / "anon")


def _tf_keras_object(module, class_name, config):
    return {"module": module, "class_name": class_name, "config": config,
            "registered_name": None}


def _tf_keras_dense(name, units, activation, regularizer, inputs, inbound):
    config = {"name": name, "trainable": True, "dtype": "float32", "units": units,
              "activation": activation, "use_bias": True,
              "kernel_initializer": _tf_keras_object("keras.initializers",
                                                     "GlorotUniform", {"seed": None}),
              "bias_initializer": _tf_keras_object("keras.initializers", "Zeros", {}),
              "kernel_regularizer": regularizer, "bias_regularizer": None,
              "activity_regularizer": None, "kernel_constraint": None,
              "bias_constraint": None}
    return dict(_tf_keras_object("keras.layers", "Dense", config), name=name,
                build_config={"input_shape": [None, inputs]},
                inbound_nodes=[[[inbound, 0, 0, {}]]])


# What tf-keras 2.x `model.to_json()` writes for Dense(4, relu, l2) -> Dense(2).
TF_KERAS_DENSE = {
    "class_name": "Functional", "keras_version": "2.21.0", "backend": "tensorflow",
    "config": {
        "name": "model", "trainable": True,
        "layers": [
            dict(_tf_keras_object("keras.layers", "InputLayer", {
                "batch_input_shape": [None, 10], "dtype": "float32", "sparse": False,
                "ragged": False, "name": "input_1", "optional": False}),
                name="input_1", inbound_nodes=[]),
            _tf_keras_dense("dense", 4, "relu", _tf_keras_object(
                "keras.regularizers", "L2", {"l2": 0.009999999776482582}), 10, "input_1"),
            _tf_keras_dense("dense_1", 2, "linear", None, 4, "dense")],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}


def test_tf_keras_json_loads_and_its_module_keys_are_never_imported(monkeypatch):
    imported = []
    real = importlib.import_module

    def recording(name, package=None):
        imported.append(name)
        return real(name, package)
    monkeypatch.setattr(importlib, "import_module", recording)
    config = json.loads(json.dumps(TF_KERAS_DENSE))
    for layer in config["config"]["layers"]:
        layer["module"], layer["registered_name"] = "os", "system"
    model = model_from_json(json.dumps(config))
    assert model.count_params() == 54 and len(model.losses) == 1
    assert [layer.name for layer in model.layers] == ["input_1", "dense", "dense_1"]
    assert not [n for n in imported if n.startswith("os")]


def test_model_methods_and_models_module(tmp_path):
    from fastgraph import models
    model = _core_model()
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    _same(model, loaded, [_x(2, 6), _x(2, 4, 3)])
    model.save_weights(tmp_path / "w.h5")
    fresh = models.model_from_json(model.to_json())
    fresh.load_weights(tmp_path / "w.h5")
    _same(model, fresh, [_x(2, 6), _x(2, 4, 3)])
    assert models.save_model is save_model
    assert models.model_from_config is model_from_config
