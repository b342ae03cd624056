"""Write tests/reference/training_reference.npz: what tf-keras 2.x computes for the
trainer tests (run once with the reference venv, never imported by tests):

    /work/refenv/bin/python tests/reference/training_make_reference.py

`step/<model>/...`: one SGD(0.1) train_on_batch from given weights on given
data: weights before (`w0/<layer>/<i>`) and after (`w1/...`), the loss (and
per-output losses) train_on_batch reported, and predictions after the step.
`weights/...`: losses with class_weight / sample_weight / temporal weights.
`infer/...`: evaluate and predict of a model with Dropout and
BatchNormalization in inference mode.  `masked/...`: a step and evaluate of
a model whose per-step output is masked (Embedding(mask_zero=True)).  The tests build the same models with
fastgraph (same layer names) and compare.
"""
import os

import numpy as np
import tf_keras as keras
from tf_keras import layers as L
from tf_keras import regularizers as R

keras.utils.set_random_seed(1234)
OUT = {}
rng = np.random.default_rng(42)


def f32(*shape):
    return rng.normal(size=shape).astype(np.float32)


def onehot(n, k):
    return np.eye(k, dtype=np.float32)[rng.integers(0, k, n)]


def mlp():
    x = L.Input((6,), name="x")
    h = L.Dense(5, activation="relu", kernel_regularizer=R.l2(0.01),
                bias_regularizer=R.l1(0.02), name="d1")(x)
    h = L.BatchNormalization(name="bn")(h)
    h = L.Dropout(0.0, name="drop")(h)
    h = L.Dense(4, activation="tanh", name="d2")(h)
    out = L.Dense(3, activation="softmax", name="out")(h)
    return keras.Model(x, out), "categorical_crossentropy", None


def cnn():
    x = L.Input((6, 6, 2), name="img")
    h = L.Conv2D(3, (3, 3), padding="same", activation="relu", name="c1")(x)
    h = L.MaxPooling2D((2, 2), name="pool")(h)
    h = L.Conv2D(2, (2, 2), activation="tanh", name="c2")(h)
    h = L.BatchNormalization(name="bn")(h)
    h = L.Flatten(name="flat")(h)
    out = L.Dense(1, activation="sigmoid", name="out")(h)
    return keras.Model(x, out), "binary_crossentropy", None


def rnn():
    x = L.Input((5,), dtype="int32", name="tokens")
    h = L.Embedding(12, 4, name="emb")(x)
    h = L.LSTM(3, return_sequences=True, name="lstm")(h)
    h = L.GRU(3, return_sequences=True, name="gru")(h)
    h = L.SimpleRNN(2, name="rnn")(h)
    out = L.Dense(2, name="out")(h)
    return keras.Model(x, out), "mse", None


def merge():
    a = L.Input((4,), name="a")
    b = L.Input((4,), name="b")
    da = L.Dense(3, activation="sigmoid", name="da")(a)
    db = L.Dense(3, activation="tanh", activity_regularizer=R.l2(0.05), name="db")(b)
    s = L.add([da, db], name="sum")
    c = L.concatenate([s, a], name="cat")
    cls = L.Dense(4, activation="softmax", name="cls")(c)
    reg = L.Dense(1, name="reg")(s)
    return (keras.Model([a, b], [cls, reg]),
            ["sparse_categorical_crossentropy", "mse"], [1.0, 0.5])


def step_data(name, n=7):
    if name == "mlp":
        return [f32(n, 6)], [onehot(n, 3)]
    if name == "cnn":
        return [f32(n, 6, 6, 2)], [rng.integers(0, 2, (n, 1)).astype(np.float32)]
    if name == "rnn":
        return [rng.integers(0, 12, (n, 5)).astype(np.int32)], [f32(n, 2)]
    return [f32(n, 4), f32(n, 4)], [rng.integers(0, 4, n).astype(np.int32), f32(n, 1)]


def layer_weights(model, tag, prefix):
    for layer in model.layers:
        for i, w in enumerate(layer.get_weights()):
            OUT[f"{prefix}/{tag}/{layer.name}/{i}"] = w


def make_steps():
    for name, builder in [("mlp", mlp), ("cnn", cnn), ("rnn", rnn), ("merge", merge)]:
        model, loss, loss_weights = builder()
        # Non-trivial moving statistics, so inference-mode BN is visible.
        for layer in model.layers:
            if isinstance(layer, L.BatchNormalization):
                g, b, mm, mv = layer.get_weights()
                layer.set_weights([g + f32(*g.shape) * 0.1, b + f32(*b.shape) * 0.1,
                                   f32(*mm.shape) * 0.1,
                                   1.0 + np.abs(f32(*mv.shape)) * 0.2])
        model.compile(keras.optimizers.legacy.SGD(learning_rate=0.1), loss,
                      loss_weights=loss_weights)
        xs, ys = step_data(name)
        p = f"step/{name}"
        layer_weights(model, "w0", p)
        for i, a in enumerate(xs):
            OUT[f"{p}/x{i}"] = a
        for i, a in enumerate(ys):
            OUT[f"{p}/y{i}"] = a
        OUT[f"{p}/loss"] = np.asarray(model.train_on_batch(xs, ys), np.float64)
        layer_weights(model, "w1", p)
        preds = model.predict(xs, verbose=0)
        for i, a in enumerate(preds if isinstance(preds, list) else [preds]):
            OUT[f"{p}/pred{i}"] = a


def weighted_model():
    x = L.Input((4,), name="x")
    out = L.Dense(3, activation="softmax", name="out")(x)
    model = keras.Model(x, out)
    model.compile(keras.optimizers.legacy.SGD(learning_rate=0.1),
                  "categorical_crossentropy", metrics=["accuracy"],
                  weighted_metrics=["accuracy"])
    return model


def make_weights():
    n = 12
    x, y = f32(n, 4), onehot(n, 3)
    sw = rng.uniform(0.1, 2.0, n).astype(np.float32)
    cw = {0: 1.0, 1: 2.5, 2: 0.5}
    model = weighted_model()
    w0 = model.get_weights()
    OUT["weights/x"], OUT["weights/y"], OUT["weights/sw"] = x, y, sw
    OUT["weights/cw"] = np.array([cw[k] for k in range(3)], np.float32)
    for i, w in enumerate(w0):
        OUT[f"weights/w0/{i}"] = w
    for tag, kw in [("plain", {}), ("class", dict(class_weight=cw)),
                    ("sample", dict(sample_weight=sw)),
                    ("both", dict(class_weight=cw, sample_weight=sw))]:
        model.set_weights(w0)
        OUT[f"weights/tob_{tag}"] = np.asarray(model.train_on_batch(x, y, **kw))
        OUT[f"weights/tob_{tag}_w1"] = model.get_weights()[0]
    model.set_weights(w0)
    OUT["weights/eval_sample"] = np.asarray(
        model.evaluate(x, y, sample_weight=sw, batch_size=5, verbose=0))
    model.set_weights(w0)
    h = model.fit(x, y, class_weight=cw, batch_size=5, epochs=2, shuffle=False,
                  verbose=0)
    OUT["weights/fit_class_loss"] = np.asarray(h.history["loss"])
    OUT["weights/fit_class_w1"] = model.get_weights()[0]

    # Temporal weights: one weight per sample and time step.
    xt = L.Input((5, 3), name="seq")
    model = keras.Model(xt, L.Dense(2, name="out")(xt))
    model.compile(keras.optimizers.legacy.SGD(learning_rate=0.1), "mse")
    data, target = f32(6, 5, 3), f32(6, 5, 2)
    tsw = rng.uniform(0.0, 2.0, (6, 5)).astype(np.float32)
    for i, w in enumerate(model.get_weights()):
        OUT[f"temporal/w0/{i}"] = w
    OUT["temporal/x"], OUT["temporal/y"], OUT["temporal/sw"] = data, target, tsw
    OUT["temporal/loss"] = np.asarray(model.train_on_batch(data, target, sample_weight=tsw))
    OUT["temporal/w1"] = model.get_weights()[0]

    # Two outputs, a sample weight per output, loss weights.
    model, loss, loss_weights = merge()
    model.compile(keras.optimizers.legacy.SGD(learning_rate=0.1), loss,
                  loss_weights=loss_weights)
    xs, ys = step_data("merge", n=8)
    sws = [rng.uniform(0.2, 1.5, 8).astype(np.float32), rng.uniform(0.2, 1.5, 8).astype(np.float32)]
    layer_weights(model, "w0", "multi")
    for i, a in enumerate(xs + ys + sws):
        OUT[f"multi/data{i}"] = a
    OUT["multi/loss"] = np.asarray(model.test_on_batch(xs, ys, sample_weight=sws))


def make_inference():
    x = L.Input((6,), name="x")
    h = L.Dense(8, activation="relu", name="d1")(x)
    h = L.Dropout(0.5, name="drop")(h)
    h = L.BatchNormalization(name="bn")(h)
    out = L.Dense(3, activation="softmax", name="out")(h)
    model = keras.Model(x, out)
    bn = model.get_layer("bn")
    g, b, mm, mv = bn.get_weights()
    bn.set_weights([g + 0.3, b - 0.2, f32(8) * 0.5, 0.5 + np.abs(f32(8))])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    data, target = f32(20, 6), onehot(20, 3)
    layer_weights(model, "w0", "infer")
    OUT["infer/x"], OUT["infer/y"] = data, target
    OUT["infer/evaluate"] = np.asarray(model.evaluate(data, target, batch_size=8, verbose=0))
    OUT["infer/predict"] = model.predict(data, batch_size=8, verbose=0)


def make_masked():
    """Padded sequences: Embedding(mask_zero=True) masks the loss and the
    accuracy of a per-step output."""
    x = L.Input((6,), dtype="int32", name="tokens")
    h = L.Embedding(9, 4, mask_zero=True, name="emb")(x)
    h = L.LSTM(3, return_sequences=True, name="lstm")(h)
    out = L.Dense(3, activation="softmax", name="out")(h)
    model = keras.Model(x, out)
    model.compile(keras.optimizers.legacy.SGD(learning_rate=0.1),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    tokens = rng.integers(1, 9, (5, 6)).astype(np.int32)
    for i, length in enumerate([6, 4, 2, 5, 1]):
        tokens[i, length:] = 0
    labels = rng.integers(0, 3, (5, 6)).astype(np.int32)
    layer_weights(model, "w0", "masked")
    OUT["masked/x"], OUT["masked/y"] = tokens, labels
    OUT["masked/train"] = np.asarray(model.train_on_batch(tokens, labels))
    layer_weights(model, "w1", "masked")
    OUT["masked/evaluate"] = np.asarray(model.evaluate(tokens, labels, verbose=0))


make_steps()
make_weights()
make_inference()
make_masked()
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "training_reference.npz")
np.savez_compressed(path, **OUT)
print("wrote", path, len(OUT), "arrays,", os.path.getsize(path), "bytes")
