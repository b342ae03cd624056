"""evaluate and predict: return conventions (a scalar or a list in
metrics_names order; an array or a list per output), batching, verbose
output, callbacks, and inference-mode Dropout/BatchNormalization matching
tf-keras (tests/reference/training_reference.npz)."""
import os
import re

import numpy as np
import pytest

from fastgraph import callbacks as C
from fastgraph import layers as L
from fastgraph.models import Model, Sequential

REF = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "reference",
                           "training_reference.npz"))
rng = np.random.default_rng(5)
X = rng.normal(size=(23, 4)).astype(np.float32)
Y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 23)]
Y2 = rng.normal(size=(23, 2)).astype(np.float32)


def single(metrics=None):
    model = Sequential([L.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "categorical_crossentropy", metrics=metrics)
    return model


def double():
    x = L.Input((4,), name="x")
    h = L.Dense(5, activation="relu")(x)
    model = Model(x, [L.Dense(3, activation="softmax", name="cls")(h),
                      L.Dense(2, name="reg")(h)])
    model.compile("sgd", ["categorical_crossentropy", "mse"], metrics={"cls": "acc"},
                  loss_weights=[1.0, 0.5])
    return model


def hand_ce(model):
    p = model.predict(X).astype(np.float64)
    return -np.mean(np.sum(Y * np.log(p), axis=-1))


def test_evaluate_returns_a_float_without_metrics():
    model = single()
    result = model.evaluate(X, Y, verbose=0)
    assert isinstance(result, float)
    assert result == pytest.approx(hand_ce(model), rel=1e-5)


def test_evaluate_returns_a_list_in_metrics_names_order():
    model = double()
    result = model.evaluate(X, [Y, Y2], verbose=0)
    assert model.metrics_names == ["loss", "cls_loss", "reg_loss", "cls_acc"]
    assert isinstance(result, list) and len(result) == 4
    p_cls, p_reg = model.predict(X)
    assert result[1] == pytest.approx(-np.mean(np.sum(Y * np.log(p_cls), -1)), rel=1e-5)
    assert result[2] == pytest.approx(np.mean((p_reg - Y2) ** 2), rel=1e-5)
    assert result[0] == pytest.approx(result[1] + 0.5 * result[2], rel=1e-6)
    assert result[3] == pytest.approx(np.mean(p_cls.argmax(-1) == Y.argmax(-1)))
    as_dict = model.evaluate(X, [Y, Y2], verbose=0, return_dict=True)
    assert list(as_dict) == model.metrics_names
    np.testing.assert_allclose(list(as_dict.values()), result, rtol=1e-7)


@pytest.mark.parametrize("batch_size", [1, 5, 23, 100, None])
def test_evaluate_does_not_depend_on_the_batch_size(batch_size):
    model = double()
    ref = model.evaluate(X, [Y, Y2], batch_size=23, verbose=0)
    np.testing.assert_allclose(model.evaluate(X, [Y, Y2], batch_size=batch_size,
                                              verbose=0), ref, rtol=1e-5)


def test_evaluate_steps_and_errors():
    model = single()
    # 2 steps: batches of 12 and 11 samples
    assert model.evaluate(X, Y, steps=2, verbose=0) == pytest.approx(hand_ce(model), rel=1e-5)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.evaluate(X, Y, batch_size=-1, verbose=0)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        model.evaluate(X, Y, steps=0, verbose=0)
    with pytest.raises(TypeError, match="bogus"):
        model.evaluate(X, Y, bogus=1)


def test_evaluate_verbose_output(capsys):
    model = single(metrics=["accuracy"])
    model.evaluate(X, Y, batch_size=10, verbose=0)
    assert capsys.readouterr().out == ""
    model.evaluate(X, Y, batch_size=10, verbose=1)
    out = capsys.readouterr().out
    assert re.fullmatch(r"3/3 \[==============================\] - \d+s \d+(us|ms|s)/step"
                        r" - loss: \d\.\d{4} - accuracy: \d\.\d{4}\n", out), out


def test_evaluate_calls_the_test_hooks():
    events = []
    cb = C.LambdaCallback()
    cb.on_test_begin = lambda logs=None: events.append("begin")
    cb.on_test_batch_end = lambda batch, logs=None: events.append(("batch", batch,
                                                                   sorted(logs)))
    cb.on_test_end = lambda logs=None: events.append(("end", sorted(logs)))
    model = single(metrics=["acc"])
    model.evaluate(X, Y, batch_size=12, verbose=0, callbacks=[cb])
    assert events == ["begin", ("batch", 0, ["acc", "loss"]), ("batch", 1, ["acc", "loss"]),
                      ("end", ["acc", "loss"])]


def test_validation_inside_fit_calls_the_test_hooks():
    events = []
    cb = C.LambdaCallback()
    cb.on_test_begin = lambda logs=None: events.append("test_begin")
    cb.on_test_end = lambda logs=None: events.append("test_end")
    cb.on_epoch_end = lambda epoch, logs=None: events.append("epoch_end")
    single().fit(X, Y, epochs=2, validation_split=0.2, callbacks=[cb], verbose=0)
    assert events == ["test_begin", "test_end", "epoch_end"] * 2


def test_predict_returns_an_array_or_a_list_per_output():
    model = single()
    p = model.predict(X)
    assert isinstance(p, np.ndarray) and p.shape == (23, 3) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-5)
    outs = double().predict(X)
    assert isinstance(outs, list) and [o.shape for o in outs] == [(23, 3), (23, 2)]


@pytest.mark.parametrize("batch_size", [1, 4, 23, 64])
def test_predict_does_not_depend_on_the_batch_size(batch_size):
    model = double()
    ref = model.predict(X, batch_size=23)
    for a, b in zip(model.predict(X, batch_size=batch_size), ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_predict_forms_steps_and_empty_input():
    model = double()
    ref = model.predict(X)
    for a, b in zip(model.predict({"x": X}), ref):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(model.predict([X]), ref):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(model.predict(X, steps=3), ref):     # 3 batches of 8, 8, 7
        np.testing.assert_allclose(a, b, rtol=1e-6)
    empty = model.predict(X[:0])
    assert [e.shape for e in empty] == [(0, 3), (0, 2)]
    with pytest.raises(ValueError, match=r"input 'x'.*\(None, 4\)"):
        model.predict(X[:, :3])


def test_predict_verbose_and_hooks(capsys):
    model = single()
    model.predict(X, batch_size=10)
    assert capsys.readouterr().out == ""
    model.predict(X, batch_size=10, verbose=1)
    assert re.fullmatch(r"3/3 \[=+\] - \d+s \d+(us|ms|s)/step\n", capsys.readouterr().out)
    seen = []
    cb = C.LambdaCallback()
    cb.on_predict_batch_end = lambda batch, logs=None: seen.append(
        (batch, logs["outputs"][0].shape))
    cb.on_predict_end = lambda logs=None: seen.append("end")
    model.predict(X, batch_size=10, callbacks=[cb])
    assert seen == [(0, (10, 3)), (1, (10, 3)), (2, (3, 3)), "end"]


def inference_model():
    x = L.Input((6,), name="x")
    h = L.Dense(8, activation="relu", name="d1")(x)
    h = L.Dropout(0.5, name="drop")(h)
    h = L.BatchNormalization(name="bn")(h)
    model = Model(x, L.Dense(3, activation="softmax", name="out")(h))
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([REF[f"infer/w0/{layer.name}/{i}"]
                               for i in range(len(layer.weights))])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    return model


def test_dropout_and_batchnorm_in_inference_match_tf_keras():
    model = inference_model()
    x, y = REF["infer/x"], REF["infer/y"]
    np.testing.assert_allclose(model.predict(x, batch_size=8), REF["infer/predict"],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=8, verbose=0),
                               REF["infer/evaluate"], rtol=1e-5)
    np.testing.assert_allclose(model.test_on_batch(x, y), REF["infer/evaluate"], rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(x), REF["infer/predict"],
                               rtol=1e-5, atol=1e-6)


def test_training_mode_differs_from_inference():
    model = inference_model()
    x, y = REF["infer/x"], REF["infer/y"]
    moving_mean = model.get_layer("bn").get_weights()[2]
    evaluated = model.evaluate(x, y, verbose=0)[0]
    trained = model.train_on_batch(x, y)[0]    # dropout + batch statistics
    assert abs(trained - evaluated) > 1e-3
    assert not np.allclose(model.get_layer("bn").get_weights()[2], moving_mean)
