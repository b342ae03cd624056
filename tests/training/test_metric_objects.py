"""Metric objects and focal losses against tf-keras 2.21, and metric objects
in compile / fit / evaluate / save.

tests/reference/metrics_reference.npz was written by
tests/reference/metrics_make_reference.py (its docstring says what each
entry holds).
"""
import io
import json
import os
import time
from contextlib import redirect_stdout

import numpy as np
import pytest

from fastgraph import layers, losses, metrics, models, optimizers
from fastgraph.autodiff import check_gradients
from fastgraph.metrics.base import fresh_names

REF = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "reference",
                           "metrics_reference.npz"))
METRICS = json.loads(str(REF["metrics"]))
FOCAL = json.loads(str(REF["focal"]))


def _float32(config):
    """Floats as float32 values (tf-keras stores some arguments as float32)."""
    if isinstance(config, float):
        return float(np.float32(config))
    if isinstance(config, list):
        return [_float32(v) for v in config]
    if isinstance(config, dict):
        return {k: _float32(v) for k, v in config.items()}
    return config


def _make(cls, kwargs):
    with fresh_names():     # names as right after tf-keras's clear_session
        return getattr(metrics, cls)(**kwargs)


@pytest.mark.parametrize("key", sorted(METRICS))
def test_metric_matches_tf_keras(key):
    cls, kwargs, kind = METRICS[key]
    metric = _make(cls, kwargs)
    assert _float32(json.loads(json.dumps(metric.get_config()))) == _float32(
        json.loads(str(REF[f"{key}__config"])))
    weight = REF[f"{key}__weight2"] if f"{key}__weight2" in REF.files \
        else REF[f"{kind}__weight2"]
    first = (REF[f"{kind}__pred1"],) if kind == "values" else (
        REF[f"{kind}__true1"], REF[f"{kind}__pred1"])
    second = (REF[f"{kind}__pred2"],) if kind == "values" else (
        REF[f"{kind}__true2"], REF[f"{kind}__pred2"])
    metric.update_state(*first)
    np.testing.assert_allclose(metric.result(), REF[f"{key}__result1"], rtol=2e-5,
                               atol=2e-6)
    metric.update_state(*second, sample_weight=weight)
    result = metric.result()
    assert np.asarray(result).dtype == np.float32
    np.testing.assert_allclose(result, REF[f"{key}__result2"], rtol=2e-5, atol=2e-6)
    again = type(metric).from_config(metric.get_config())
    again.update_state(*first)          # builds the metrics whose shapes wait for data
    again.set_weights(metric.get_weights())
    np.testing.assert_array_equal(again.result(), result)
    metric.reset_state()
    metric.update_state(*first)
    np.testing.assert_allclose(metric.result(), REF[f"{key}__result1"], rtol=2e-5,
                               atol=2e-6)


@pytest.mark.parametrize("key", sorted(FOCAL))
def test_focal_losses_match_tf_keras(key):
    fn, kwargs, kind = FOCAL[key]
    y_true, y_pred = REF[f"{kind}__true1"], REF[f"{kind}__pred1"]
    np.testing.assert_allclose(getattr(losses, fn)(y_true, y_pred, **kwargs).data,
                               REF[f"{key}__values"], rtol=1e-5, atol=1e-6)
    cls = {"binary_focal_crossentropy": losses.BinaryFocalCrossentropy,
           "categorical_focal_crossentropy": losses.CategoricalFocalCrossentropy}[fn]
    loss = cls(**kwargs)
    np.testing.assert_allclose(loss(y_true, y_pred).data, REF[f"{key}__reduced"],
                               rtol=1e-5)
    np.testing.assert_allclose(loss(y_true, y_pred, sample_weight=REF[f"{kind}__weight2"])
                               .data, REF[f"{key}__weighted"], rtol=1e-5)
    assert losses.get(losses.serialize(loss)).get_config() == loss.get_config()
    metric = getattr(metrics, fn)(y_true, y_pred, **kwargs)
    np.testing.assert_allclose(metric, REF[f"{key}__values"], rtol=1e-5, atol=1e-6)


def test_focal_loss_gradients():
    rng = np.random.RandomState(3)
    labels = rng.randint(0, 2, (3, 4)).astype(float)
    check_gradients(lambda t, p: losses.binary_focal_crossentropy(
        t, p, apply_class_balancing=True, gamma=1.5), labels,
        rng.rand(3, 4) * 0.8 + 0.1, wrt=[1])
    check_gradients(lambda t, p: losses.binary_focal_crossentropy(
        t, p, from_logits=True, label_smoothing=0.1), labels, rng.randn(3, 4), wrt=[1])
    onehot = np.eye(4)[[0, 3, 1]]
    probs = rng.rand(3, 4) + 0.1
    check_gradients(lambda t, p: losses.categorical_focal_crossentropy(t, p, gamma=2.5),
                    onehot, probs / probs.sum(1, keepdims=True), wrt=[1])
    check_gradients(lambda t, p: losses.categorical_focal_crossentropy(
        t, p, from_logits=True, label_smoothing=0.2), onehot, rng.randn(3, 4), wrt=[1])


def test_reduction_names():
    assert losses.Reduction.all() == ("auto", "none", "sum", "sum_over_batch_size")
    assert losses.MeanSquaredError(reduction=losses.Reduction.SUM).reduction == "sum"
    losses.Reduction.validate("none")
    with pytest.raises(ValueError, match="Reduction: invalid reduction 'mean'"):
        losses.Reduction.validate("mean")


# ------------------------------------------------------------------ compile

def _fixed_model():
    """The reference's Dense(1, sigmoid) model, compiled like tf-keras's."""
    x = layers.Input((5,), name="x")
    model = models.Model(x, layers.Dense(1, activation="sigmoid", name="out")(x))
    model.set_weights([REF["fit__kernel"], REF["fit__bias"]])
    model.compile(optimizers.SGD(0.0), "binary_crossentropy",
                  metrics=["AUC", "Precision", "Recall", "accuracy", "mse",
                           metrics.AUC(num_thresholds=1000, name="auc_fine"),
                           metrics.AUC(curve="PR", name="pr_auc"),
                           "BinaryAccuracy", metrics.TruePositives(name="tp"),
                           metrics.F1Score(threshold=0.5, name="f1")])
    return model


def _exact_auc(y, p):
    """The ROC AUC (scikit-learn's roc_auc_score): the probability that a
    positive ranks above a negative, ties counting one half."""
    y, p = y.ravel() > 0, p.ravel()
    pos, neg = p[y], p[~y]
    above = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return above / (len(pos) * len(neg))


def test_fit_metrics_match_tf_keras_over_the_epoch():
    model = _fixed_model()
    assert model.metrics_names == json.loads(str(REF["fit_names"]))
    history = model.fit(REF["fit__x"], REF["fit__y"], batch_size=32, epochs=2,
                        verbose=0, shuffle=False,
                        validation_data=(REF["fit__vx"], REF["fit__vy"]))
    keys = sorted(k[len("fit__history__"):] for k in REF.files
                  if k.startswith("fit__history__"))
    assert sorted(history.history) == keys
    for key in keys:
        np.testing.assert_allclose(np.asarray(history.history[key], dtype=np.float64),
                                   REF[f"fit__history__{key}"], rtol=2e-5, atol=1e-6,
                                   err_msg=key)
    # an AUC over the whole epoch, not a mean of batch AUCs: scikit-learn's
    # exact value within the resolution of the thresholds
    exact = _exact_auc(REF["fit__y"], model.predict(REF["fit__x"]))
    assert abs(history.history["auc_fine"][-1] - exact) < 2e-3
    assert abs(history.history["auc"][-1] - exact) < 1e-2
    logs = model.evaluate(REF["fit__vx"], REF["fit__vy"], verbose=0, return_dict=True)
    assert logs["auc"] == pytest.approx(history.history["val_auc"][-1], rel=1e-6)
    exact = _exact_auc(REF["fit__vy"], model.predict(REF["fit__vx"]))
    assert abs(logs["auc_fine"] - exact) < 2e-3


def test_multi_output_names_match_tf_keras():
    x = layers.Input((5,), name="x")
    model = models.Model(x, [layers.Dense(1, activation="sigmoid", name=n)(x)
                             for n in ("a", "b")])
    model.compile("sgd", "binary_crossentropy", metrics=["AUC"], weighted_metrics=["AUC"])
    assert model.metrics_names == json.loads(str(REF["multi_names"]))
    auc = metrics.AUC(name="shared")
    model.compile("sgd", "binary_crossentropy", metrics=[auc])
    objects = [m for spec in model._specs for _, m, _ in spec.metrics]
    assert objects[0] is auc and objects[1] is not auc   # one state per output
    assert model.metrics_names[-2:] == ["a_shared", "b_shared"]


def test_progress_bar_history_and_reset_between_epochs():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    inp = layers.Input((3,))
    model = models.Model(inp, layers.Dense(1, activation="sigmoid")(inp))
    model.compile("sgd", "binary_crossentropy", metrics=[metrics.TruePositives()])
    out = io.StringIO()
    with redirect_stdout(out):
        history = model.fit(x, y, epochs=2, batch_size=16, verbose=2)
    assert "true_positives:" in out.getvalue()
    # counts restart each epoch: never more than the positives of one epoch
    assert all(v <= y.sum() for v in history.history["true_positives"])
    predicted = model.predict(x) > 0.5
    assert model.evaluate(x, y, verbose=0, return_dict=True)["true_positives"] == \
        float(np.sum(predicted & (y > 0)))


def test_on_batch_reset_metrics():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    inp = layers.Input((3,))
    model = models.Model(inp, layers.Dense(1, activation="sigmoid")(inp))
    model.compile(optimizers.SGD(0.0), "binary_crossentropy", metrics=["AUC"])
    whole = model.test_on_batch(x, y, return_dict=True)["auc"]
    model.test_on_batch(x[:20], y[:20], reset_metrics=False)
    assert model.test_on_batch(x[20:], y[20:], return_dict=True)["auc"] == \
        pytest.approx(whole)
    half = model.test_on_batch(x[20:], y[20:], return_dict=True)["auc"]
    assert half != pytest.approx(whole)
    model.test_on_batch(x[:20], y[:20], reset_metrics=False)
    model.reset_metrics()
    assert model.test_on_batch(x[20:], y[20:], return_dict=True)["auc"] == \
        pytest.approx(half)


def test_metric_objects_saved_and_restored(tmp_path):
    class MyCount(metrics.Metric):
        def __init__(self, name="my_count", dtype=None):
            super().__init__(name=name, dtype=dtype)
            self.count = self.add_weight("count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.count += np.asarray(y_true).shape[0]

        def result(self):
            return self._out(self.count)

    x = layers.Input((3,))
    model = models.Model(x, layers.Dense(1, activation="sigmoid")(x))
    model.compile("adam", "binary_crossentropy",
                  metrics=[metrics.AUC(num_thresholds=50, curve="PR"), "Precision",
                           MyCount(), "accuracy"],
                  weighted_metrics=[metrics.Recall(thresholds=[0.3, 0.6])])
    data = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    target = (data[:, :1] > 0).astype(np.float32)
    model.fit(data, target, epochs=1, verbose=0)
    model.save(tmp_path / "m.fg")
    with pytest.raises(ValueError, match="MyCount"):
        models.load_model(tmp_path / "m.fg")
    loaded = models.load_model(tmp_path / "m.fg", custom_objects={"MyCount": MyCount})
    assert loaded.metrics_names == model.metrics_names
    objects = [m for spec in loaded._specs for _, m, _ in spec.metrics]
    assert objects[0].get_config() == metrics.AUC(
        num_thresholds=50, curve="PR", name="auc").get_config()
    assert type(objects[2]).__name__ == "MyCount"
    for a, b in zip(model.evaluate(data, target, verbose=0),
                    loaded.evaluate(data, target, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_metric_api():
    with fresh_names():
        first, second = metrics.AUC(), metrics.AUC()
        assert (first.name, second.name) == ("auc", "auc_1")
        assert metrics.get("Precision").name == "precision"
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert metrics.get(first) is first
    assert metrics.deserialize(metrics.serialize(first)).get_config() == first.get_config()
    wrapper = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="acc",
                                        threshold=0.3)
    config = wrapper.get_config()
    assert config["fn"] == "binary_accuracy" and config["threshold"] == 0.3
    assert metrics.MeanMetricWrapper.from_config(config)(
        np.array([[1.0], [0.0]]), np.array([[0.4], [0.2]])) == 1.0
    mean = metrics.Mean()
    assert mean([1.0, 2.0, 3.0]) == 2.0
    mean.update_state([[10.0, 20.0]], sample_weight=[[0.0, 1.0]])
    assert mean.result() == pytest.approx(26.0 / 4)
    total = metrics.Sum()
    total.update_state(np.ones((2, 3)), sample_weight=[1.0, 2.0])
    assert total.result() == 9.0
    tensor = metrics.MeanTensor()
    tensor.update_state([1.0, 2.0])
    tensor.update_state([3.0, 6.0], sample_weight=[1.0, 0.0])
    np.testing.assert_allclose(tensor.result(), [2.0, 2.0])
    with pytest.raises(ValueError, match="keep the shape"):
        tensor.update_state([1.0])
    a, b = metrics.Precision(), metrics.Precision()
    a.update_state([1, 0, 1], [0.9, 0.8, 0.2])
    b.update_state([1, 1], [0.7, 0.9])
    a.merge_state([b])
    assert a.result() == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="not compatible"):
        a.merge_state([metrics.AUC()])
    a.reset_states()
    assert a.result() == 0.0
    with pytest.raises(TypeError):
        metrics.Metric()
    with pytest.raises(ValueError, match="AUC: curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="thresholds must be numbers in"):
        metrics.Precision(thresholds=[1.5])
    with pytest.raises(ValueError, match="SensitivityAtSpecificity: specificity"):
        metrics.SensitivityAtSpecificity(1.5)
    with pytest.raises(ValueError, match="y_pred class ids must be in"):
        metrics.MeanIoU(2)([0, 1], [0, 2])


def test_confusion_updates_are_vectorised():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1_000_000).astype(np.float32)
    p = rng.random(1_000_000).astype(np.float32)
    for metric in (metrics.AUC(num_thresholds=1000),
                   metrics.Precision(thresholds=list(np.linspace(0.05, 0.95, 50)))):
        start = time.perf_counter()
        metric.update_state(y, p)
        assert time.perf_counter() - start < 2.0      # a Python loop takes minutes
    assert abs(float(metrics.AUC(num_thresholds=1000)(y, p)) - 0.5) < 0.01


def test_trackers_state_round_trip():
    x = layers.Input((3,))
    model = models.Model(x, layers.Dense(2, activation="sigmoid")(x))
    model.compile("sgd", "binary_crossentropy", metrics=["AUC", "mae"])
    data = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    model.test_on_batch(data, (data[:, :2] > 0).astype(np.float32))
    trackers = model._trackers
    before = trackers.result()
    state = trackers.state()
    trackers.reset()
    trackers.set_state(2 * state)     # two processes with the same data
    after = trackers.result()
    for key in before:
        np.testing.assert_allclose(after[key], before[key], rtol=1e-6)
