"""Keras files of the newest layers written by tf-keras 2.21
(tests/reference/keras_files/tfk_*, made by keras_newest_make_reference.py):
RNN over a cell, StackedRNNCells (weights under `<layer>/cell/vars` and
`<layer>/cell/cells/<cell>/vars` in a .keras archive), ConvLSTM2D,
Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, Conv3D and
MultiHeadAttention (weights under `_query_dense/vars`, ...).  fastgraph
loads each .keras and .h5 file and predicts what tf-keras predicted, and
reads back the files it writes of them."""
import os
import warnings

import numpy as np
import pytest

pytest.importorskip("h5py")

from fastgraph.saving import keras_v3, load_model                  # noqa: E402

HERE = os.path.join(os.path.dirname(__file__), "..", "reference", "keras_files")
REF = np.load(os.path.join(HERE, "tfk_reference.npz"))
MODELS = sorted({k.split("/")[0] for k in REF.files})


def _arrays(name, prefix):
    keys = sorted((k for k in REF.files if k.startswith(f"{name}/{prefix}")),
                  key=lambda k: int(k.rsplit(prefix, 1)[1]))
    return [REF[k] for k in keys]


def _predict(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return out if isinstance(out, list) else [out]


def _assert_predicts_as_tf_keras(model, name):
    got, want = _predict(model, _arrays(name, "x")), _arrays(name, "y")
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


def test_every_model_is_there():
    assert MODELS == ["attention", "conv_lstm", "conv_newest", "rnn_cells"]


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", MODELS)
def test_loads_and_predicts_as_tf_keras(name, ext):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(os.path.join(HERE, f"tfk_{name}{ext}"))
    _assert_predicts_as_tf_keras(model, name)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", MODELS)
def test_fastgraph_files_of_them_load_back(name, ext, tmp_path):
    model = load_model(os.path.join(HERE, f"tfk_{name}.keras"))
    model.save(tmp_path / f"m{ext}")
    _assert_predicts_as_tf_keras(load_model(tmp_path / f"m{ext}"), name)


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
