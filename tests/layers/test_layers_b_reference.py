"""The activation, masking, normalization, attention and EinsumDense layers,
and small models built from them, against tf-keras 2.21: outputs,
gradients for the inputs, the weights after one SGD step, parameter counts,
tf-keras's own configs; for the models predict, evaluate, train_on_batch
(masks reaching recurrent layers, merges, pooling and the losses;
constraints applied after the update) and the loaded tf-keras config.

tests/reference/layers_b_reference.npz was written once by
tests/reference/layers_b_make_reference.py (run with /work/venv-tf, tf-keras
2.21, TensorFlow 2.21, float32) on the cases of layers_b_cases.py."""
import importlib.util
import json
import os

import numpy as np
import pytest

import fastgraph
from fastgraph import optimizers
from fastgraph.autodiff import Tensor, Variable, gradients
from fastgraph.engine.layer import reset_uids
from fastgraph.ops import elementwise as E
from fastgraph.ops import reduce as R

HERE = os.path.join(os.path.dirname(__file__), "..", "reference")
_spec = importlib.util.spec_from_file_location(
    "layers_b_cases", os.path.join(HERE, "layers_b_cases.py"))
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)
REF = np.load(os.path.join(HERE, "layers_b_reference.npz"))


def _arrays(name, prefix):
    out, i = [], 0
    while f"{name}/{prefix}{i}" in REF.files:
        out.append(REF[f"{name}/{prefix}{i}"])
        i += 1
    return out


def close(a, b, tol=2e-5):
    np.testing.assert_allclose(np.asarray(a), b, rtol=tol, atol=tol)


def _masks(name, opts):
    if "masks" not in opts:
        return None
    given = opts["masks"]
    if not isinstance(given, list):
        return REF[f"{name}/mask0"]
    return [None if s is None else REF[f"{name}/mask{i}"] for i, s in enumerate(given)]


def _call(layer, xs, call, opts, masks, attention_mask, train):
    kwargs = dict(call)
    if train:
        kwargs["training"] = True
    how = opts.get("call", "one")
    if how in ("one", "list"):
        if masks is not None:
            kwargs["mask"] = masks
        return layer(xs[0] if how == "one" else xs, **kwargs)
    if attention_mask is not None:
        kwargs["attention_mask"] = attention_mask
    if len(xs) > 2:
        kwargs["key"] = xs[2]
    return layer(xs[0], xs[1], **kwargs)


def _setup(name, layer):
    _, _, call, opts = cases.LAYERS[name]
    xs = _arrays(name, "x")
    masks = _masks(name, opts)
    am = REF[f"{name}/attention_mask"] if "attention_mask" in opts else None
    _call(layer, xs, call, opts, masks, am, False)               # builds it
    layer.set_weights(_arrays(name, "w"))
    return xs, call, opts, masks, am


@pytest.fixture(autouse=True)
def fresh_names():
    reset_uids()


@pytest.mark.parametrize("name", sorted(cases.LAYERS))
def test_layer_matches_tf_keras(name):
    make = cases.LAYERS[name][0]
    layer = make(fastgraph)
    xs, call, opts, masks, am = _setup(name, layer)
    tx = [Variable(x) if x.dtype.kind == "f" else Tensor(x) for x in xs]
    ys = _call(layer, tx, call, opts, masks, am, opts.get("train", False))
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    refs, rs = _arrays(name, "y"), _arrays(name, "r")
    assert len(ys) == len(refs)
    for y, ref in zip(ys, refs):
        close(y.data, ref)
    loss = None
    for y, r in zip(ys, rs):
        term = R.sum(E.multiply(y, r))
        loss = term if loss is None else E.add(loss, term)
    floats = [t for t in tx if isinstance(t, Variable)]
    trainable = layer.trainable_weights
    grads = gradients(loss, floats + trainable)
    assert len(floats) == len(_arrays(name, "dx"))
    for g, ref in zip(grads[:len(floats)], _arrays(name, "dx")):
        close(g, ref, 5e-5)
    if trainable:
        optimizers.SGD(0.1).apply_gradients(zip(grads[len(floats):], trainable))
    after = _arrays(name, "after")
    assert len(after) == len(layer.weights)
    for w, ref in zip(layer.weights, after):
        close(w.data, ref, 5e-5)
    assert layer.count_params() == int(REF[f"{name}/params"])
    if name == "masking" or name == "masking_value":
        np.testing.assert_array_equal(layer.compute_mask(tx[0]), REF[f"{name}/out_mask"])


@pytest.mark.parametrize("name", sorted(n for n, c in cases.LAYERS.items()
                                        if not c[3].get("train")))
def test_layer_from_tf_keras_config(name):
    """tf-keras's get_config builds the same layer here: same output."""
    config = json.loads(str(REF[f"{name}/config"]))
    cls = getattr(fastgraph.layers, type(cases.LAYERS[name][0](fastgraph)).__name__)
    layer = cls.from_config(config)
    xs, call, opts, masks, am = _setup(name, layer)
    ys = _call(layer, xs, call, opts, masks, am, False)
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    for y, ref in zip(ys, _arrays(name, "y")):
        close(y.data, ref)
    again = cls.from_config(json.loads(json.dumps(layer.get_config())))
    assert again.get_config() == layer.get_config()


@pytest.mark.parametrize("name", sorted(cases.MODELS))
def test_model_matches_tf_keras(name):
    build, _, _, loss = cases.MODELS[name]
    key = f"model_{name}"
    model = build(fastgraph)
    model.compile(optimizer=optimizers.SGD(0.1), loss=loss)
    model.set_weights(_arrays(key, "w"))
    xs, y = _arrays(key, "x"), REF[f"{key}/y"]
    assert model.count_params() == int(REF[f"{key}/params"])
    preds = model.predict(xs, verbose=0)
    preds = preds if isinstance(preds, list) else [preds]
    assert len(preds) == len(_arrays(key, "pred"))
    for p, ref in zip(preds, _arrays(key, "pred")):
        close(p, ref, 5e-5)
    close(model.evaluate(xs, y, batch_size=len(y), verbose=0), REF[f"{key}/loss"], 5e-5)
    close(model.train_on_batch(xs, y), REF[f"{key}/train_loss"], 5e-5)
    after = _arrays(key, "after")
    assert len(after) == len(model.get_weights())
    for w, ref in zip(model.get_weights(), after):
        close(w, ref, 1e-4)


def _model(key, model):
    model.set_weights(_arrays(key, "w"))
    return model, _arrays(key, "x")


@pytest.mark.parametrize("name", sorted(cases.MODELS))
def test_model_from_tf_keras_config(name):
    """tf-keras's model config (MultiHeadAttention nodes with value= given
    as a tensor included) loads here and predicts the same."""
    key = f"model_{name}"
    config = json.loads(str(REF[f"{key}/config"]))
    model, xs = _model(key, fastgraph.models.Model.from_config(config))
    close(model.predict(xs, verbose=0), REF[f"{key}/pred0"], 5e-5)


@pytest.mark.parametrize("fmt", ["fastgraph", "h5", "keras"])
@pytest.mark.parametrize("name", sorted(cases.MODELS))
def test_model_save_load(name, fmt, tmp_path):
    key = f"model_{name}"
    model, xs = _model(key, cases.MODELS[name][0](fastgraph))
    path = str(tmp_path / f"model.{fmt}")
    model.save(path)
    loaded = fastgraph.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(xs, verbose=0),
                                  model.predict(xs, verbose=0))
