"""class_weight and sample_weight: the weighted loss is what a hand
computation and tf-keras give (tests/reference/training_reference.npz), for
1D, per-output, temporal (2D) and class weights, in train_on_batch,
test_on_batch, evaluate and fit."""
import os

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph import optimizers, regularizers
from fastgraph.models import Model

REF = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "reference",
                           "training_reference.npz"))
X, Y, SW = REF["weights/x"], REF["weights/y"], REF["weights/sw"]
CW = {k: float(v) for k, v in enumerate(REF["weights/cw"])}


def weighted_model():
    x = L.Input((4,), name="x")
    model = Model(x, L.Dense(3, activation="softmax", name="out")(x))
    model.compile(optimizers.SGD(lr=0.1), "categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    model.set_weights([REF["weights/w0/0"], REF["weights/w0/1"]])
    return model


def merge_model():
    """The two-output model of the reference, with its weights."""
    a = L.Input((4,), name="a")
    b = L.Input((4,), name="b")
    da = L.Dense(3, activation="sigmoid", name="da")(a)
    db = L.Dense(3, activation="tanh", activity_regularizer=regularizers.l2(0.05),
                  name="db")(b)
    s = L.add([da, db], name="sum")
    cls = L.Dense(4, activation="softmax", name="cls")(L.concatenate([s, a], name="cat"))
    model = Model([a, b], [cls, L.Dense(1, name="reg")(s)])
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([REF[f"multi/w0/{layer.name}/{i}"]
                               for i in range(len(layer.weights))])
    return model


def per_sample_ce(model):
    probs = model.predict(X).astype(np.float64)
    return -np.sum(Y * np.log(probs), axis=-1)


def test_names_of_plain_and_weighted_metrics():
    assert weighted_model().metrics_names == ["loss", "accuracy", "weighted_accuracy"]


@pytest.mark.parametrize("tag, kwargs", [
    ("plain", {}), ("class", {"class_weight": CW}), ("sample", {"sample_weight": SW}),
    ("both", {"class_weight": CW, "sample_weight": SW})])
def test_train_on_batch_weighted_loss_and_step_match_tf_keras(tag, kwargs):
    model = weighted_model()
    ce = per_sample_ce(model)
    w = np.ones(len(X))
    if "class_weight" in kwargs:
        w = w * REF["weights/cw"][np.argmax(Y, axis=-1)]
    if "sample_weight" in kwargs:
        w = w * SW
    # Keras's weighted mean divides by the number of samples, not sum(w).
    hand = np.sum(ce * w) / len(X)
    result = model.train_on_batch(X, Y, **kwargs)
    np.testing.assert_allclose(result[0], hand, rtol=1e-5)
    np.testing.assert_allclose(result, REF[f"weights/tob_{tag}"], rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], REF[f"weights/tob_{tag}_w1"],
                               rtol=1e-5, atol=1e-6)


def test_weighted_accuracy_uses_the_weights():
    model = weighted_model()
    correct = np.argmax(model.predict(X), -1) == np.argmax(Y, -1)
    loss, acc, wacc = model.test_on_batch(X, Y, sample_weight=SW)
    assert acc == pytest.approx(correct.mean())
    assert wacc == pytest.approx(np.sum(correct * SW) / np.sum(SW), rel=1e-6)


def test_weighted_metrics_with_small_weights():
    model = weighted_model()
    correct = np.argmax(model.predict(X), -1) == np.argmax(Y, -1)
    sw = np.full(len(X), 0.01, np.float32)
    sw[0] = 0.05
    expected = np.sum(correct * sw) / np.sum(sw)
    assert model.test_on_batch(X, Y, sample_weight=sw)[2] == pytest.approx(expected, rel=1e-6)
    result = model.evaluate(X, Y, sample_weight=sw, batch_size=5, verbose=0)
    assert result[2] == pytest.approx(expected, rel=1e-6)


def test_evaluate_with_sample_weight_over_several_batches():
    model = weighted_model()
    result = model.evaluate(X, Y, sample_weight=SW, batch_size=5, verbose=0)
    np.testing.assert_allclose(result, REF["weights/eval_sample"], rtol=1e-5)
    hand = np.sum(per_sample_ce(model) * SW) / len(X)
    assert result[0] == pytest.approx(hand, rel=1e-5)


def test_fit_with_class_weight_matches_tf_keras():
    model = weighted_model()
    history = model.fit(X, Y, class_weight=CW, batch_size=5, epochs=2,
                        shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], REF["weights/fit_class_loss"],
                               rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], REF["weights/fit_class_w1"],
                               rtol=1e-5, atol=1e-6)


def test_class_weight_for_sparse_and_binary_targets():
    x = L.Input((4,))
    sparse = Model(x, L.Dense(3, activation="softmax")(x))
    sparse.compile("sgd", "sparse_categorical_crossentropy")
    labels = np.argmax(Y, axis=-1)
    w = REF["weights/cw"][labels]
    for target in (labels, labels[:, None]):
        probs = sparse.predict(X).astype(np.float64)
        ce = -np.log(probs[np.arange(len(X)), labels])
        assert sparse.test_on_batch(X, target) == pytest.approx(ce.mean(), rel=1e-5)
        assert sparse.train_on_batch(X, target, class_weight=CW) == \
            pytest.approx(np.sum(ce * w) / len(X), rel=1e-5)
    binary = Model(x, L.Dense(1, activation="sigmoid")(x))
    binary.compile("sgd", "binary_crossentropy")
    t = (labels > 0).astype(np.float32)
    p = binary.predict(X)[:, 0].astype(np.float64)
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert binary.test_on_batch(X, t) == pytest.approx(bce.mean(), rel=1e-5)
    loss = binary.train_on_batch(X, t, class_weight={0: 3.0, 1: 0.5})
    assert loss == pytest.approx(np.mean(bce * np.where(t > 0, 0.5, 3.0)), rel=1e-5)


def test_temporal_sample_weights_match_tf_keras():
    xt = L.Input((5, 3), name="seq")
    model = Model(xt, L.Dense(2, name="out")(xt))
    model.compile(optimizers.SGD(lr=0.1), "mse", sample_weight_mode="temporal")
    model.set_weights([REF["temporal/w0/0"], REF["temporal/w0/1"]])
    x, y, sw = REF["temporal/x"], REF["temporal/y"], REF["temporal/sw"]
    per_step = np.mean((model.predict(x).astype(np.float64) - y) ** 2, axis=-1)
    hand = np.sum(per_step * sw) / sw.size
    assert model.test_on_batch(x, y, sample_weight=sw) == pytest.approx(hand, rel=1e-5)
    loss = model.train_on_batch(x, y, sample_weight=sw)
    assert loss == pytest.approx(float(REF["temporal/loss"]), rel=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], REF["temporal/w1"], rtol=1e-5,
                               atol=1e-6)
    # A 1D weight is refused in temporal mode, a 2D one without it.
    with pytest.raises(ValueError, match="temporal"):
        model.fit(x, y, sample_weight=np.ones(6), verbose=0)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="sample_weight_mode='temporal'"):
        model.fit(x, y, sample_weight=sw, verbose=0)


def test_temporal_mode_per_output_and_class_weight_per_time_step():
    seq = L.Input((4, 3), name="seq")
    steps = L.Dense(3, activation="softmax", name="steps")(seq)
    pooled = L.Dense(1, name="pooled")(L.Flatten()(seq))
    model = Model(seq, [steps, pooled])
    model.compile("sgd", ["categorical_crossentropy", "mse"],
                  sample_weight_mode={"steps": "temporal"})
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 4, 3)).astype(np.float32)
    y_steps = np.eye(3, dtype=np.float32)[rng.integers(0, 3, (6, 4))]
    y_pooled = rng.normal(size=(6, 1)).astype(np.float32)
    sw_steps = rng.uniform(size=(6, 4)).astype(np.float32)
    sw_pooled = rng.uniform(size=6).astype(np.float32)
    p_steps, p_pooled = [p.astype(np.float64) for p in model.predict(x)]
    ce = -np.sum(y_steps * np.log(p_steps), axis=-1)
    se = (p_pooled[:, 0] - y_pooled[:, 0]) ** 2
    total, l_steps, l_pooled = model.test_on_batch(
        x, {"steps": y_steps, "pooled": y_pooled},
        sample_weight={"steps": sw_steps, "pooled": sw_pooled})
    assert l_steps == pytest.approx(np.mean(ce * sw_steps), rel=1e-5)
    assert l_pooled == pytest.approx(np.mean(se * sw_pooled), rel=1e-5)
    assert total == pytest.approx(l_steps + l_pooled, rel=1e-6)
    cw = {0: 2.0, 1: 1.0, 2: 0.0}
    class_w = np.array([2.0, 1.0, 0.0])[np.argmax(y_steps, -1)]
    first = model.train_on_batch(x, [y_steps, y_pooled], sample_weight=[sw_steps, None],
                                 class_weight={"steps": cw})
    assert first[1] == pytest.approx(np.mean(ce * sw_steps * class_w), rel=1e-5)
    assert first[2] == pytest.approx(np.mean(se), rel=1e-5)


def test_two_outputs_sample_weight_per_output_match_tf_keras():
    model = merge_model()
    model.compile(optimizers.SGD(lr=0.1), ["sparse_categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5])
    xa, xb, y_cls, y_reg, sw_cls, sw_reg = [REF[f"multi/data{i}"] for i in range(6)]
    for sw in ([sw_cls, sw_reg], {"cls": sw_cls, "reg": sw_reg}):
        result = model.test_on_batch([xa, xb], [y_cls, y_reg], sample_weight=sw)
        np.testing.assert_allclose(result, REF["multi/loss"], rtol=1e-5)


def test_one_sample_weight_array_applies_to_every_output():
    model = merge_model()
    model.compile("sgd", ["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
    xa, xb, y_cls, y_reg, sw_cls, _ = [REF[f"multi/data{i}"] for i in range(6)]
    one = model.test_on_batch([xa, xb], [y_cls, y_reg], sample_weight=sw_cls)
    both = model.test_on_batch([xa, xb], [y_cls, y_reg], sample_weight=[sw_cls, sw_cls])
    np.testing.assert_allclose(one, both, rtol=1e-6)


def test_zero_weights_remove_samples_from_the_gradient():
    model = weighted_model()
    sw = np.zeros(len(X), np.float32)
    sw[:4] = 1.0
    model.train_on_batch(X, Y, sample_weight=sw)
    w_weighted = model.get_weights()
    # The same step from only those samples, scaled by 4/12 (mean over all 12).
    model = weighted_model()
    model.compile(optimizers.SGD(lr=0.1 * 4 / 12), "categorical_crossentropy")
    model.train_on_batch(X[:4], Y[:4])
    for a, b in zip(w_weighted, model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kwargs, message", [
    ({"sample_weight": np.ones(11)}, "does not match"),
    ({"sample_weight": np.ones((12, 2))}, "1D array"),
    ({"sample_weight": np.full(12, np.nan)}, "NaN or inf"),
    ({"sample_weight": np.array(["a"] * 12)}, "numeric"),
    ({"sample_weight": {"nope": np.ones(12)}}, "unknown sample_weight name"),
    ({"class_weight": {"nope": {0: 1.0}}}, "unknown output name"),
    ({"class_weight": {-1: 1.0}}, "class indices"),
    ({"class_weight": {0: np.inf}}, "finite"),
    ({"class_weight": [1.0, 2.0]}, "dict"),
])
def test_bad_weights_are_rejected_before_training(kwargs, message):
    model = weighted_model()
    before = model.get_weights()
    with pytest.raises((ValueError, TypeError), match=message):
        model.fit(X, Y, verbose=0, **kwargs)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
