"""Keras model files written by tf-keras 2.21 and Keras 3.15
(tests/reference/keras_files/, made by keras_files_make_reference.py):
fastgraph loads each and predicts what Keras predicted, continues training
from the saved optimizer state as Keras did, and writes files it reads
back (docs/contract.md: safe loading)."""
import os
import warnings

import numpy as np
import pytest

pytest.importorskip("h5py")

from fastgraph import layers as L                                  # noqa: E402
from fastgraph.models import Model, Sequential                     # noqa: E402
from fastgraph.saving import load_model, load_weights, save_model, save_weights  # noqa: E402

HERE = os.path.join(os.path.dirname(__file__), "..", "reference", "keras_files")
REF = {v: np.load(os.path.join(HERE, f"k{v}_reference.npz")) for v in (2, 3)}
MODELS = {v: sorted({k.split("/")[0] for k in REF[v].files}) for v in (2, 3)}
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
