"""train_on_batch, test_on_batch and predict_on_batch: return conventions,
one update per call, reset_metrics, and their agreement with fit, evaluate
and predict."""
import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph import optimizers
from fastgraph.models import Model, Sequential

rng = np.random.default_rng(8)
X = rng.normal(size=(16, 4)).astype(np.float32)
Y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 16)]
Y2 = rng.normal(size=(16, 2)).astype(np.float32)


def single(metrics=None, lr=0.1):
    model = Sequential([L.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(optimizers.SGD(lr=lr), "categorical_crossentropy", metrics=metrics)
    return model


def double():
    x = L.Input((4,), name="x")
    h = L.Dense(5, activation="tanh")(x)
    model = Model(x, [L.Dense(3, activation="softmax", name="cls")(h),
                      L.Dense(2, name="reg")(h)])
    model.compile(optimizers.SGD(lr=0.1), ["categorical_crossentropy", "mse"],
                  metrics=["mae"])
    return model


def test_return_conventions():
    loss = single().train_on_batch(X, Y)
    assert isinstance(loss, float)
    assert isinstance(single().test_on_batch(X, Y), float)
    with_metrics = single(["acc"]).train_on_batch(X, Y)
    assert isinstance(with_metrics, list) and len(with_metrics) == 2
    model = double()
    assert model.metrics_names == ["loss", "cls_loss", "reg_loss", "cls_mae", "reg_mae"]
    for result in (model.train_on_batch(X, [Y, Y2]), model.test_on_batch(X, [Y, Y2])):
        assert isinstance(result, list) and len(result) == 5
        assert all(isinstance(v, float) for v in result)
    as_dict = model.test_on_batch(X, {"cls": Y, "reg": Y2}, return_dict=True)
    assert list(as_dict) == model.metrics_names
    assert isinstance(model.predict_on_batch(X), list)
    p = single().predict_on_batch(X)
    assert isinstance(p, np.ndarray) and p.shape == (16, 3)


def test_train_on_batch_reports_the_loss_before_its_update():
    model = single(["acc"])
    before = model.test_on_batch(X, Y)
    weights = model.get_weights()
    assert model.train_on_batch(X, Y) == pytest.approx(before, rel=1e-6)
    after = model.get_weights()
    assert not np.allclose(weights[0], after[0])
    assert model.test_on_batch(X, Y)[0] < before[0]
    assert int(model.optimizer.iterations) == 1
    model.test_on_batch(X, Y)
    for a, b in zip(after, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_on_batch_agrees_with_fit_evaluate_and_predict():
    model = double()
    start = model.get_weights()
    np.testing.assert_allclose(model.test_on_batch(X, [Y, Y2]),
                               model.evaluate(X, [Y, Y2], batch_size=16, verbose=0),
                               rtol=1e-6)
    for a, b in zip(model.predict_on_batch(X), model.predict(X)):
        np.testing.assert_array_equal(a, b)
    model.train_on_batch(X, [Y, Y2])
    model.train_on_batch(X, [Y, Y2])
    by_batch = model.get_weights()
    model.set_weights(start)
    model.compile(optimizers.SGD(lr=0.1), ["categorical_crossentropy", "mse"])
    model.fit(X, [Y, Y2], batch_size=16, epochs=2, verbose=0)
    for a, b in zip(by_batch, model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_reset_metrics_false_keeps_running_means():
    model = single(["acc"], lr=0.0)
    halves = [(X[:10], Y[:10]), (X[10:], Y[10:])]
    first = model.test_on_batch(*halves[0], reset_metrics=False)
    both = model.test_on_batch(*halves[1], reset_metrics=False)
    whole = model.test_on_batch(X, Y)
    np.testing.assert_allclose(both, whole, rtol=1e-6)
    assert model.test_on_batch(*halves[0]) == pytest.approx(first)
    model.train_on_batch(*halves[0], reset_metrics=False)
    model.reset_metrics()
    assert model.train_on_batch(*halves[1]) == pytest.approx(
        model.test_on_batch(*halves[1]), rel=1e-6)


def test_train_on_batch_with_sample_and_class_weights():
    model = single(lr=0.0)
    p = model.predict(X).astype(np.float64)
    ce = -np.sum(Y * np.log(p), axis=-1)
    sw = np.linspace(0, 2, 16).astype(np.float32)
    assert model.train_on_batch(X, Y, sample_weight=sw) == pytest.approx(np.mean(ce * sw),
                                                                         rel=1e-5)
    cw = {0: 0.5, 1: 2.0, 2: 1.0}
    w = np.array([0.5, 2.0, 1.0])[Y.argmax(-1)]
    assert model.train_on_batch(X, Y, class_weight=cw) == pytest.approx(np.mean(ce * w),
                                                                        rel=1e-5)


def test_batches_of_different_sizes_and_batch_of_one():
    model = double()
    for n in (1, 3, 16):
        result = model.train_on_batch(X[:n], [Y[:n], Y2[:n]])
        assert np.all(np.isfinite(result))
        assert [p.shape[0] for p in model.predict_on_batch(X[:n])] == [n, n]


def test_on_batch_inputs_are_validated():
    model = double()
    with pytest.raises(ValueError, match=r"input 'x'.*\(None, 4\)"):
        model.predict_on_batch(X[:, :2])
    with pytest.raises(ValueError, match="same number of samples"):
        model.train_on_batch(X, [Y[:3], Y2])
    with pytest.raises(ValueError, match="unknown target name"):
        model.test_on_batch(X, {"cls": Y, "reg": Y2, "other": Y2})
    with pytest.raises(ValueError, match="NaN or inf"):
        model.train_on_batch(X * np.nan, [Y, Y2])


def test_frozen_layers_and_frozen_models():
    model = double()
    frozen = model.layers[1]
    frozen.trainable = False
    model.compile(optimizers.SGD(lr=0.1), ["categorical_crossentropy", "mse"])
    kept = frozen.get_weights()
    model.train_on_batch(X, [Y, Y2])
    for a, b in zip(kept, frozen.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.trainable = False
    model.compile(optimizers.SGD(lr=0.1), ["categorical_crossentropy", "mse"])
    weights = model.get_weights()
    loss = model.train_on_batch(X, [Y, Y2])
    assert loss == model.test_on_batch(X, [Y, Y2])
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
