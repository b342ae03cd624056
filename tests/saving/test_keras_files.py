"""Keras model files written by tf-keras 2.21 and Keras 3.15
(tests/reference/keras_files/, made by keras_files_make_reference.py):
fastgraph loads each and predicts what Keras predicted, continues training
from the saved optimizer state as Keras did, and writes files it reads
back (docs/contract.md: safe loading).  The newest layers (tfk_*, k3new_*,
made by keras_newest_make_reference.py): RNN over a cell and
StackedRNNCells (weights under `<layer>/cell/vars`, `<layer>/cell/cells/
<cell>/vars`), ConvLSTM2D, Conv2DTranspose, DepthwiseConv2D,
SeparableConv2D, Conv3D and MultiHeadAttention (`_query_dense/vars` in
tf-keras's archives, `query_dense/vars` in Keras 3's)."""
import os
import warnings

import numpy as np
import pytest

pytest.importorskip("h5py")

from fastgraph import layers as L                                  # noqa: E402
from fastgraph.models import Model, Sequential                     # noqa: E402
from fastgraph.saving import (keras_v3, load_model, load_weights,   # noqa: E402
                              save_model, save_weights)

HERE = os.path.join(os.path.dirname(__file__), "..", "reference", "keras_files")
# the fixtures' writers: tf-keras 2.21 (2) and Keras 3.15 (3) for the seed
# models, the same two ("tfk", "k3new") for the newest layers
PREFIXES = {2: "k2", 3: "k3", "tfk": "tfk", "k3new": "k3new"}
REF = {v: np.load(os.path.join(HERE, f"{p}_reference.npz")) for v, p in PREFIXES.items()}
MODELS = {v: sorted({k.split("/")[0] for k in ref.files}) for v, ref in REF.items()}
LAMBDA = {"affine": lambda t: t * 2.0 + 1.0}
COMPILED = ("adam", "sgd_momentum", "rmsprop", "legacy_adam", "legacy_sgd")


def _path(version, name, weights=False):
    ext = ".weights.h5" if weights else (".h5" if version == 2 else ".keras")
    return os.path.join(HERE, f"k{version}_{name}{ext}")


def _arrays(version, name, prefix):
    ref = REF[version]
    keys = sorted((k for k in ref.files if k.startswith(f"{name}/{prefix}")),
                  key=lambda k: int(k.rsplit(prefix, 1)[1]))
    return [ref[k] for k in keys]


def _predict(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return out if isinstance(out, list) else [out]


def _assert_predicts_as_keras(model, version, name):
    got = _predict(model, _arrays(version, name, "x"))
    want = _arrays(version, name, "y")
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


CASES = [(v, n) for v in (2, 3) for n in MODELS[v]]


@pytest.mark.parametrize("version, name", CASES)
def test_loads_and_predicts_as_keras(version, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(_path(version, name), custom_objects=LAMBDA)
    _assert_predicts_as_keras(model, version, name)
    assert (model.optimizer is not None) == (name in COMPILED)


@pytest.mark.parametrize("version, name", CASES)
def test_weights_files_load_into_the_rebuilt_model(version, name):
    model = load_model(_path(version, name), custom_objects=LAMBDA, compile=False)
    for var in model.weights:
        var.assign(np.zeros(var.shape, var.data.dtype))
    model.load_weights(_path(version, name, weights=True))
    _assert_predicts_as_keras(model, version, name)


@pytest.mark.parametrize("version, name", [c for c in CASES if c[1] in COMPILED])
def test_training_continues_as_keras_did(version, name):
    model = load_model(_path(version, name))
    x, y = _arrays(version, name, "step_x"), _arrays(version, name, "step_y")
    loss = model.train_on_batch(x[0], y[0])
    loss = loss[0] if isinstance(loss, list) else loss
    want = REF[version][f"{name}/step_loss"]
    np.testing.assert_allclose(loss, want, rtol=1e-4)
    after = _arrays(version, name, "after/")
    assert len(after) == len(model.weights)
    # Keras's RMSprop adds epsilon inside the square root, fastgraph's
    # (tf-keras's legacy rule) outside: equal to a looser tolerance.
    tol = 2e-3 if name == "rmsprop" else 2e-5
    for var, want in zip(model.weights, after):
        np.testing.assert_allclose(var.data, want, rtol=tol, atol=tol)


def test_weights_by_name_and_skip_mismatch():
    source = load_model(_path(2, "adam"), compile=False)
    inputs = L.Input((6,))
    hidden = L.Dense(8, activation="relu", name="hidden")(inputs)
    other = Model(inputs, L.Dense(5, name="probs")(hidden))
    before = other.get_layer("probs").get_weights()
    with pytest.raises(ValueError, match="probs"):       # a full model's weights
        other.load_weights(_path(2, "adam"), by_name=True)
    with pytest.warns(UserWarning, match="skipping layer 'probs'"):
        other.load_weights(_path(2, "adam"), by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(other.get_layer("hidden").get_weights()[0],
                                  source.get_layer("hidden").get_weights()[0])
    np.testing.assert_array_equal(other.get_layer("probs").get_weights()[0], before[0])


def test_lambda_code_is_never_loaded():
    for version in (2, 3):
        with pytest.raises(ValueError, match=r"Lambda layer 'affine'.*custom_objects="
                                             r"\{'affine': function\}") as info:
            load_model(_path(version, "lambda"), safe_mode=False)
        assert "never decodes or runs" in str(info.value)


# ------------------------------------------------------------ round trips
def _model():
    a, b = L.Input((6,), name="a"), L.Input((4, 3), name="b")
    x = L.Dense(5, activation="relu", name="d")(a)
    x = L.BatchNormalization()(x)
    seq = L.Bidirectional(L.LSTM(3, return_sequences=True))(b)
    seq = L.TimeDistributed(L.Dense(2))(seq)
    inner = Sequential([L.Input((8,)), L.Dense(4), L.Dense(3)], name="inner")
    out = inner(L.concatenate([x, L.GlobalAveragePooling1D()(seq), L.Dense(1)(x)]))
    return Model([a, b], [out, L.Dense(1, name="aux")(x)])


def _xs():
    rng = np.random.default_rng(3)
    return [rng.normal(size=(4, 6)).astype(np.float32),
            rng.normal(size=(4, 4, 3)).astype(np.float32)]


@pytest.mark.parametrize("name", ["m.h5", "m.hdf5", "m.keras"])
def test_round_trip_resumes_training(tmp_path, name):
    model = _model()
    model.compile("adam", ["mse", "mse"], metrics=[["mae"], []])
    ys = [np.ones((4, 3), np.float32), np.zeros((4, 1), np.float32)]
    model.fit(_xs(), ys, epochs=2, batch_size=2, verbose=0, shuffle=False)
    save_model(model, tmp_path / name)
    loaded = load_model(tmp_path / name)
    for a, b in zip(_predict(model, _xs()), _predict(loaded, _xs())):
        np.testing.assert_array_equal(a, b)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 4
    model.fit(_xs(), ys, batch_size=2, verbose=0, shuffle=False)
    loaded.fit(_xs(), ys, batch_size=2, verbose=0, shuffle=False)
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("name", ["w.h5", "w.weights.h5"])
def test_weights_round_trip(tmp_path, name):
    model = _model()
    save_weights(model, tmp_path / name)
    fresh = _model()
    load_weights(fresh, tmp_path / name)
    for a, b in zip(_predict(model, _xs()), _predict(fresh, _xs())):
        np.testing.assert_array_equal(a, b)


def test_format_by_name_and_save_format(tmp_path):
    model = Sequential([L.Input((2,)), L.Dense(1)])
    model.save(tmp_path / "a.h5")
    model.save(tmp_path / "b.keras")
    model.save(tmp_path / "c", save_format="h5")
    model.save(tmp_path / "d.h5", save_format="fastgraph")
    model.save_weights(tmp_path / "e.weights.h5")
    heads = {p: (tmp_path / p).read_bytes()[:4] for p in ("a.h5", "b.keras", "c", "d.h5",
                                                          "e.weights.h5")}
    assert heads == {"a.h5": b"\x89HDF", "b.keras": b"PK\x03\x04", "c": b"\x89HDF",
                     "d.h5": b"PK\x03\x04", "e.weights.h5": b"\x89HDF"}
    with pytest.raises(ValueError, match="SavedModel"):
        model.save(tmp_path / "f", save_format="tf")
    for p in ("a.h5", "b.keras", "c", "d.h5"):
        load_model(tmp_path / p)
    with pytest.raises(ValueError, match="only weights"):
        load_model(tmp_path / "e.weights.h5")


# ------------------------------------------------------- the newest layers
NEWEST_FILES = [("tfk", ".keras"), ("tfk", ".h5"), ("k3new", ".keras")]


def test_every_newest_layer_model_is_there():
    assert MODELS["tfk"] == MODELS["k3new"] == ["attention", "conv_lstm", "conv_newest",
                                                "rnn_cells"]


@pytest.mark.parametrize("writer, ext", NEWEST_FILES)
@pytest.mark.parametrize("name", MODELS["tfk"])
def test_newest_layers_load_and_predict_as_keras(name, writer, ext):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(os.path.join(HERE, f"{writer}_{name}{ext}"))
    _assert_predicts_as_keras(model, writer, name)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", MODELS["tfk"])
def test_fastgraph_files_of_the_newest_layers_load_back(name, ext, tmp_path):
    model = load_model(os.path.join(HERE, f"tfk_{name}.keras"))
    model.save(tmp_path / f"m{ext}")
    _assert_predicts_as_keras(load_model(tmp_path / f"m{ext}"), "tfk", name)


def test_weight_paths_follow_the_cells_and_sublayers():
    paths = {name: [p for p, _ in keras_v3.weight_paths(
        load_model(os.path.join(HERE, f"tfk_{name}.keras")), "")]
        for name in ("rnn_cells", "conv_lstm", "attention")}
    assert "/layers/rnn/cell/vars/2" in paths["rnn_cells"]
    assert "/layers/rnn_2/cell/cells/simple_rnn_cell/vars/0" in paths["rnn_cells"]
    assert "/layers/rnn_3/cell/cells/lstm_cell/vars/1" in paths["rnn_cells"]
    assert "/layers/conv_lstm2d_1/cell/vars/0" in paths["conv_lstm"]
    assert "/layers/multi_head_attention_1/_output_dense/vars/0" in paths["attention"]
    assert not any("/_layers/" in p for ps in paths.values() for p in ps)


def test_keras3_configs_of_them_are_keras3s():
    from fastgraph.saving.keras_config import keras3_config
    configs = {name: keras3_config(load_model(os.path.join(HERE, f"tfk_{name}.keras")))
               for name in ("rnn_cells", "conv_newest", "attention")}
    layers = {layer["config"]["name"]: layer for c in configs.values()
              for layer in c["config"]["layers"]}
    cell = layers["rnn_2"]["config"]["cell"]
    assert cell["module"] == "keras.layers" and cell["class_name"] == "StackedRNNCells"
    assert [c["class_name"] for c in cell["config"]["cells"]] == ["LSTMCell", "GRUCell"]
    assert "time_major" not in layers["rnn"]["config"]
    assert "groups" not in layers["conv2d_transpose"]["config"]
    assert "kernel_initializer" not in layers["separable_conv2d"]["config"]
    assert "query_shape" not in layers["multi_head_attention"]["config"]
    node = layers["multi_head_attention_1"]["inbound_nodes"][0]
    assert len(node["args"]) == 1 and set(node["kwargs"]) == {"value", "key"}
    assert node["kwargs"]["key"]["config"]["keras_history"] == ["input_6", 0, 0]


def test_mha_nodes_are_written_as_tf_keras_writes_them():
    model = load_model(os.path.join(HERE, "tfk_attention.h5"))
    nodes = {layer["name"]: layer["inbound_nodes"] for layer in model.get_config()["layers"]}
    assert nodes["multi_head_attention_1"] == [[["input_5", 0, 0, {
        "value": ["input_6", 0, 0], "key": ["input_6", 0, 0]}]]]
    assert nodes["multi_head_attention_2"] == [[["input_5", 0, 0, {
        "use_causal_mask": True, "value": ["input_5", 0, 0]}]]]


def test_hard_sigmoid_going_to_keras3_warns(tmp_path):
    model = load_model(os.path.join(HERE, "tfk_conv_lstm.keras"))
    with pytest.warns(UserWarning, match="recurrent_activation='hard_sigmoid'.*relu6"):
        model.save(tmp_path / "m.keras")
