"""Keras files of the newest layers written by tf-keras 2.21 and Keras 3.15
(tests/reference/keras_files/tfk_*, k3new_*, made by
keras_newest_make_reference.py):
RNN over a cell, StackedRNNCells (weights under `<layer>/cell/vars` and
`<layer>/cell/cells/<cell>/vars` in a .keras archive), ConvLSTM2D,
Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, Conv3D and
MultiHeadAttention (weights under `_query_dense/vars` in tf-keras's
archives, `query_dense/vars` in Keras 3's).  fastgraph loads each .keras and
.h5 file and predicts what Keras predicted, and reads back the files it
writes of them."""
import os
import warnings

import numpy as np
import pytest

pytest.importorskip("h5py")

from fastgraph.saving import keras_v3, load_model                  # noqa: E402

HERE = os.path.join(os.path.dirname(__file__), "..", "reference", "keras_files")
REF = {w: np.load(os.path.join(HERE, f"{w}_reference.npz")) for w in ("tfk", "k3new")}
MODELS = sorted({k.split("/")[0] for k in REF["tfk"].files})
FILES = [(w, ext) for w, ext in (("tfk", ".keras"), ("tfk", ".h5"), ("k3new", ".keras"))]


def _arrays(name, prefix, writer="tfk"):
    ref = REF[writer]
    keys = sorted((k for k in ref.files if k.startswith(f"{name}/{prefix}")),
                  key=lambda k: int(k.rsplit(prefix, 1)[1]))
    return [ref[k] for k in keys]


def _predict(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return out if isinstance(out, list) else [out]


def _assert_predicts_as_keras(model, name, writer="tfk"):
    got = _predict(model, _arrays(name, "x", writer))
    want = _arrays(name, "y", writer)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


def test_every_model_is_there():
    assert MODELS == ["attention", "conv_lstm", "conv_newest", "rnn_cells"]
    assert sorted({k.split("/")[0] for k in REF["k3new"].files}) == MODELS


@pytest.mark.parametrize("writer, ext", FILES)
@pytest.mark.parametrize("name", MODELS)
def test_loads_and_predicts_as_keras(name, writer, ext):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(os.path.join(HERE, f"{writer}_{name}{ext}"))
    _assert_predicts_as_keras(model, name, writer)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", MODELS)
def test_fastgraph_files_of_them_load_back(name, ext, tmp_path):
    model = load_model(os.path.join(HERE, f"tfk_{name}.keras"))
    model.save(tmp_path / f"m{ext}")
    _assert_predicts_as_keras(load_model(tmp_path / f"m{ext}"), name)


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
