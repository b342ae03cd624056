"""Compile settings and optimizer state survive a round trip: training
resumed from a reloaded file matches uninterrupted training bit for bit."""
import json
import zipfile

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph import losses, optimizers
from fastgraph.models import Model, Sequential
from fastgraph.ops.random import set_seed
from fastgraph.saving import (get_custom_objects, load_model, register_serializable,
                              save_model)

RNG = np.random.default_rng(1)
X = RNG.standard_normal((24, 6)).astype(np.float32)
X2 = RNG.standard_normal((24, 3)).astype(np.float32)
Y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 24)]
YB = RNG.integers(0, 2, (24, 1)).astype(np.float32)


def _model(**compile_kwargs):
    set_seed(3)
    a = L.Input(shape=(6,))
    x = L.Dense(8, activation="relu")(a)
    x = L.Dropout(0.3)(x)
    model = Model(a, L.Dense(3, activation="softmax")(x))
    if compile_kwargs:
        model.compile(**compile_kwargs)
    return model


def _assert_same_state(a, b):
    assert len(a.weights) == len(b.weights)
    for wa, wb in zip(a.weights, b.weights):
        assert np.array_equal(wa.data, wb.data), wa.name
    sa, sb = a.optimizer.get_weights(), b.optimizer.get_weights()
    assert len(sa) == len(sb)
    for x, y in zip(sa, sb):
        assert x.dtype == y.dtype and np.array_equal(x, y)


def _resume_matches(model, tmp_path, train):
    """Train, save, train more; reload and train the same: identical."""
    train(model, 0)
    path = tmp_path / "ckpt.fastgraph"
    save_model(model, path)
    set_seed(7)
    train(model, 1)
    loaded = load_model(path)
    assert loaded.metrics_names == model.metrics_names
    set_seed(7)
    train(loaded, 1)
    _assert_same_state(model, loaded)
    return loaded


OPTIMIZERS = [
    lambda: optimizers.SGD(learning_rate=0.05),
    lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True, decay=0.01),
    lambda: optimizers.RMSprop(centered=True, momentum=0.5, clipnorm=1.0),
    lambda: optimizers.Adagrad(initial_accumulator_value=0.2, clipvalue=0.5),
    lambda: optimizers.Adadelta(learning_rate=1.0),
    lambda: optimizers.Adam(amsgrad=True, decay=1e-3),
    lambda: optimizers.Adamax(),
    lambda: optimizers.Nadam(global_clipnorm=2.0),
    lambda: "rmsprop",
]


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_fit_resumes_exactly(tmp_path, make_optimizer):
    model = _model(optimizer=make_optimizer(), loss="categorical_crossentropy",
                   metrics=["accuracy"])

    def train(m, part):
        m.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=True)
    loaded = _resume_matches(model, tmp_path, train)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()


def test_multi_output_compile_settings(tmp_path):
    set_seed(4)
    a = L.Input(shape=(6,), name="a")
    b = L.Input(shape=(3,), name="b")
    h = L.concatenate([L.Dense(5, activation="tanh")(a), b])
    main = L.Dense(3, activation="softmax", name="main")(h)
    aux = L.Dense(1, activation="sigmoid", name="aux")(h)
    model = Model([a, b], [main, aux])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01),
                  loss={"main": "categorical_crossentropy",
                        "aux": losses.BinaryCrossentropy(label_smoothing=0.1)},
                  loss_weights={"main": 1.0, "aux": 0.2},
                  metrics={"main": ["accuracy", "mae"], "aux": "binary_accuracy"},
                  weighted_metrics=["mse"])

    def train(m, part):
        for i in range(3):
            s = slice(8 * i, 8 * i + 8)
            m.train_on_batch({"a": X[s], "b": X2[s]}, {"main": Y[s], "aux": YB[s]})
    loaded = _resume_matches(model, tmp_path, train)
    data = json.loads(zipfile.ZipFile(tmp_path / "ckpt.fastgraph").read("compile.json"))
    assert data["loss_weights"] == {"main": 1.0, "aux": 0.2}
    assert data["loss"]["aux"]["class_name"] == "BinaryCrossentropy"
    xs, ys = [X, X2], [Y, YB]
    assert model.evaluate(xs, ys, verbose=0) == loaded.evaluate(xs, ys, verbose=0)


def test_slots_created_in_several_groups(tmp_path):
    model = _model(optimizer=optimizers.Adam(), loss="mse")
    model.optimizer.build(model.trainable_weights[2:])   # the last layer first

    def train(m, part):
        m.train_on_batch(X[:8], Y[:8])
    _resume_matches(model, tmp_path, train)


def test_frozen_layers(tmp_path):
    model = _model()
    model.layers[1].trainable = False
    model.compile(optimizer="adam", loss="mse")

    def train(m, part):
        m.fit(X, Y, batch_size=12, epochs=1, verbose=0)
    loaded = _resume_matches(model, tmp_path, train)
    assert not loaded.layers[1].trainable


def test_compile_false_and_include_optimizer_false(tmp_path):
    model = _model(optimizer="adam", loss="mse")
    model.train_on_batch(X[:8], Y[:8])
    save_model(model, tmp_path / "m")
    assert load_model(tmp_path / "m", compile=False).optimizer is None
    save_model(model, tmp_path / "n", include_optimizer=False)
    loaded = load_model(tmp_path / "n")
    assert isinstance(loaded.optimizer, optimizers.Adam)
    assert loaded.optimizer.iterations == 0 and loaded.optimizer.get_weights()[0] == 0
    uncompiled = _model()
    save_model(uncompiled, tmp_path / "u")
    assert "compile.json" not in zipfile.ZipFile(tmp_path / "u").namelist()
    assert load_model(tmp_path / "u").optimizer is None


def weighted_mse(y_true, y_pred):
    return losses.mean_squared_error(y_true, y_pred) * 2.0


def test_custom_loss_and_metric_by_name(tmp_path):
    model = _model(optimizer="sgd", loss=weighted_mse, metrics=[weighted_mse, "acc"])
    model.train_on_batch(X[:8], Y[:8])
    save_model(model, tmp_path / "m")
    with pytest.raises(ValueError, match=r"unknown loss 'weighted_mse'.*custom_objects"):
        load_model(tmp_path / "m")
    loaded = load_model(tmp_path / "m", custom_objects={"weighted_mse": weighted_mse})
    assert loaded.metrics_names == model.metrics_names
    assert loaded.evaluate(X, Y, verbose=0) == model.evaluate(X, Y, verbose=0)
    saved = dict(get_custom_objects())
    try:
        register_serializable()(weighted_mse)
        assert load_model(tmp_path / "m").metrics_names == model.metrics_names
    finally:
        get_custom_objects().clear()
        get_custom_objects().update(saved)


def test_anonymous_loss_is_not_saved(tmp_path):
    model = _model(optimizer="sgd", loss=lambda t, p: losses.mse(t, p))
    with pytest.warns(UserWarning, match="compile settings are not saved"):
        save_model(model, tmp_path / "m")
    assert load_model(tmp_path / "m").optimizer is None


def test_shadowing_builtin_name_is_not_saved(tmp_path):
    def mse(y_true, y_pred):
        return losses.mae(y_true, y_pred)
    model = _model(optimizer="sgd", loss=mse)
    with pytest.warns(UserWarning, match="fastgraph's own 'mse'"):
        save_model(model, tmp_path / "m")


def test_optimizer_used_outside_the_model(tmp_path):
    model = _model(optimizer="adam", loss="mse")
    other = Sequential([L.Dense(2, input_shape=(6,))])
    other.compile(optimizer=model.optimizer, loss="mse")
    other.train_on_batch(X[:4], Y[:4, :2])
    with pytest.warns(UserWarning, match="fresh optimizer"):
        save_model(model, tmp_path / "m")
    assert load_model(tmp_path / "m").optimizer.iterations == 0


def test_hostile_optimizer_state(tmp_path):
    model = _model(optimizer="adam", loss="mse")
    model.train_on_batch(X[:8], Y[:8])
    path = tmp_path / "m"
    save_model(model, path)
    members = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
    description = json.loads(members["optimizer.json"])

    def load_with(change):
        broken = json.loads(json.dumps(description))
        change(broken["state"])
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in members.items():
                zf.writestr(name, json.dumps(broken) if name == "optimizer.json" else data)
        with pytest.raises(ValueError) as info:
            load_model(path)
        assert str(path) in str(info.value)
        return str(info.value)
    assert "invalid slot group" in load_with(lambda s: s["groups"].append([99]))
    assert "invalid slot group" in load_with(lambda s: s["groups"].append([0]))
    assert "invalid slot group" in load_with(lambda s: s["groups"].insert(0, [0, 0]))
    assert "state arrays" in load_with(lambda s: s["arrays"].pop())
    assert "is not slot" in load_with(lambda s: s["arrays"][1].update(slot="v"))
    assert "needs 'groups'" in load_with(lambda s: s.pop("groups"))
    assert "expected int64" in load_with(lambda s: s["arrays"][0].update(
        path=s["arrays"][1]["path"]))
