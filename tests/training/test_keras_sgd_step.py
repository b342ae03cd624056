"""One SGD step through train_on_batch changes every weight exactly as
tf-keras does from the same weights and data: an end-to-end check of every
layer's gradient, of the losses, of regularization and of BatchNormalization's
moving statistics.  Reference arrays: tests/reference/training_reference.npz
(written by tests/reference/training_make_reference.py with tf-keras 2.x)."""
import os

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph import optimizers, regularizers as R
from fastgraph.layers.recurrent import GRU, LSTM, SimpleRNN
from fastgraph.models import Model

REF = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "reference",
                           "training_reference.npz"))


def mlp():
    x = L.Input((6,), name="x")
    h = L.Dense(5, activation="relu", kernel_regularizer=R.l2(0.01),
                bias_regularizer=R.l1(0.02), name="d1")(x)
    h = L.BatchNormalization(name="bn")(h)
    h = L.Dropout(0.0, name="drop")(h)
    h = L.Dense(4, activation="tanh", name="d2")(h)
    out = L.Dense(3, activation="softmax", name="out")(h)
    return Model(x, out), "categorical_crossentropy", None


def cnn():
    x = L.Input((6, 6, 2), name="img")
    h = L.Conv2D(3, (3, 3), padding="same", activation="relu", name="c1")(x)
    h = L.MaxPooling2D((2, 2), name="pool")(h)
    h = L.Conv2D(2, (2, 2), activation="tanh", name="c2")(h)
    h = L.BatchNormalization(name="bn")(h)
    h = L.Flatten(name="flat")(h)
    out = L.Dense(1, activation="sigmoid", name="out")(h)
    return Model(x, out), "binary_crossentropy", None


def rnn():
    x = L.Input((5,), dtype="int32", name="tokens")
    h = L.Embedding(12, 4, name="emb")(x)
    h = LSTM(3, return_sequences=True, name="lstm")(h)
    h = GRU(3, return_sequences=True, name="gru")(h)
    h = SimpleRNN(2, name="rnn")(h)
    out = L.Dense(2, name="out")(h)
    return Model(x, out), "mse", None


def merge():
    a = L.Input((4,), name="a")
    b = L.Input((4,), name="b")
    da = L.Dense(3, activation="sigmoid", name="da")(a)
    db = L.Dense(3, activation="tanh", activity_regularizer=R.l2(0.05), name="db")(b)
    s = L.add([da, db], name="sum")
    c = L.concatenate([s, a], name="cat")
    cls = L.Dense(4, activation="softmax", name="cls")(c)
    reg = L.Dense(1, name="reg")(s)
    return Model([a, b], [cls, reg]), ["sparse_categorical_crossentropy", "mse"], [1.0, 0.5]


BUILDERS = {"mlp": mlp, "cnn": cnn, "rnn": rnn, "merge": merge}


def ref_weights(prefix, tag, layer):
    out, i = [], 0
    while f"{prefix}/{tag}/{layer.name}/{i}" in REF:
        out.append(REF[f"{prefix}/{tag}/{layer.name}/{i}"])
        i += 1
    return out


def load_layer_weights(model, prefix):
    for layer in model.layers:
        ref = ref_weights(prefix, "w0", layer)
        assert len(ref) == len(layer.get_weights()), layer.name
        if ref:
            layer.set_weights(ref)


def arrays(prefix, kind):
    out, i = [], 0
    while f"{prefix}/{kind}{i}" in REF:
        out.append(REF[f"{prefix}/{kind}{i}"])
        i += 1
    return out


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_one_sgd_step_matches_tf_keras(name):
    model, loss, loss_weights = BUILDERS[name]()
    prefix = f"step/{name}"
    load_layer_weights(model, prefix)
    model.compile(optimizers.SGD(lr=0.1), loss, loss_weights=loss_weights)
    xs, ys = arrays(prefix, "x"), arrays(prefix, "y")
    reported = model.train_on_batch(xs, ys)
    np.testing.assert_allclose(reported, REF[f"{prefix}/loss"], rtol=2e-5, atol=1e-6)
    checked = 0
    for layer in model.layers:
        before = ref_weights(prefix, "w0", layer)
        after = ref_weights(prefix, "w1", layer)
        for i, (w, b, a) in enumerate(zip(layer.get_weights(), before, after)):
            # The change itself must match, not just the (much larger) weights.
            step, ref_step = w - b, a - b
            scale = np.abs(ref_step).max() + 1e-12
            np.testing.assert_allclose(step, ref_step, rtol=1e-4, atol=1e-5 * scale,
                                       err_msg=f"{name}: {layer.name} weight {i}")
            assert np.abs(ref_step).max() > 0 or np.abs(step).max() == 0
            checked += 1
    assert checked == sum(len(layer.get_weights()) for layer in model.layers)
    preds = model.predict(xs)
    for p, r in zip(preds if isinstance(preds, list) else [preds], arrays(prefix, "pred")):
        np.testing.assert_allclose(p, r, rtol=1e-4, atol=1e-5)


def test_every_layer_kind_is_covered():
    kinds = set()
    for builder in BUILDERS.values():
        kinds.update(type(layer).__name__ for layer in builder()[0].layers)
    assert {"Dense", "Conv2D", "MaxPooling2D", "Flatten", "BatchNormalization",
            "Embedding", "LSTM", "GRU", "SimpleRNN", "Add", "Concatenate",
            "Dropout"} <= kinds


def test_regularization_joins_the_loss():
    """The MLP's reported loss is crossentropy plus l2/l1 weight penalties;
    without them it would be lower by exactly those penalties."""
    model, loss, _ = mlp()
    load_layer_weights(model, "step/mlp")
    model.compile(optimizers.SGD(lr=0.1), loss)
    x, y = REF["step/mlp/x0"], REF["step/mlp/y0"]
    kernel, bias = REF["step/mlp/w0/d1/0"], REF["step/mlp/w0/d1/1"]
    penalty = 0.01 * np.sum(kernel.astype(np.float64) ** 2) + 0.02 * np.sum(np.abs(bias))
    assert penalty > 1e-3
    assert len(model.losses) == 2
    total = model.train_on_batch(x, y)
    np.testing.assert_allclose(total, REF["step/mlp/loss"], rtol=2e-5)
    load_layer_weights(model, "step/mlp")
    plain = model.test_on_batch(x, y)          # inference BN, same weights
    probs = model.predict(x).astype(np.float64)
    ce = -np.mean(np.sum(y * np.log(probs), axis=-1))
    np.testing.assert_allclose(plain, ce + penalty, rtol=1e-5)


def test_activity_regularization_is_counted_once_per_step():
    model, loss, lw = merge()
    load_layer_weights(model, "step/merge")
    model.compile(optimizers.SGD(lr=0.1), loss, loss_weights=lw)
    xs, ys = arrays("step/merge", "x"), arrays("step/merge", "y")
    total, cls_loss, reg_loss = model.test_on_batch(xs, ys)
    db = model.get_layer("db")
    act = np.tanh(xs[1] @ db.get_weights()[0] + db.get_weights()[1])
    # tf-keras divides an activity penalty by the batch size.
    penalty = 0.05 * np.sum(act.astype(np.float64) ** 2) / len(act)
    np.testing.assert_allclose(total, cls_loss + 0.5 * reg_loss + penalty, rtol=1e-5)


def test_masked_sequence_output_matches_tf_keras():
    """Padding masked by Embedding(mask_zero=True) is left out of the loss
    (a mean over the valid steps) and of the accuracy, as in tf-keras."""
    x = L.Input((6,), dtype="int32", name="tokens")
    h = L.Embedding(9, 4, mask_zero=True, name="emb")(x)
    h = LSTM(3, return_sequences=True, name="lstm")(h)
    model = Model(x, L.Dense(3, activation="softmax", name="out")(h))
    load_layer_weights(model, "masked")
    model.compile(optimizers.SGD(lr=0.1), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    tokens, labels = REF["masked/x"], REF["masked/y"]
    probs = model.predict(tokens).astype(np.float64)
    valid = tokens != 0
    ce = -np.log(np.take_along_axis(probs, labels[..., None], -1)[..., 0])
    loss, acc = model.test_on_batch(tokens, labels)
    assert loss == pytest.approx(ce[valid].mean(), rel=1e-5)
    assert acc == pytest.approx(np.mean((probs.argmax(-1) == labels)[valid]))
    np.testing.assert_allclose(model.train_on_batch(tokens, labels), REF["masked/train"],
                               rtol=2e-5)
    for layer in model.layers:
        for i, w in enumerate(layer.get_weights()):
            np.testing.assert_allclose(w, REF[f"masked/w1/{layer.name}/{i}"], rtol=1e-5,
                                       atol=1e-6, err_msg=layer.name)
    np.testing.assert_allclose(model.evaluate(tokens, labels, verbose=0),
                               REF["masked/evaluate"], rtol=2e-5)
