"""KerasClassifier / KerasRegressor as Keras 2.3 had them: build_fn forms,
sk_params routed by signature, labels through classes_, one-hot targets
for categorical crossentropy, and use inside scikit-learn's clone,
cross_val_score and GridSearchCV."""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from fastgraph import losses, utils
from fastgraph.layers import Dense
from fastgraph.models import Sequential
from fastgraph.wrappers.scikit_learn import (KerasClassifier, KerasRegressor,
                                             is_categorical_crossentropy)


def _data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    labels = np.argmax(x[:, :3] - x[:, 3:], axis=1)       # linearly separable
    return x, np.array(["cat", "dog", "emu"])[labels]


def build_softmax(hidden=16, loss="categorical_crossentropy"):
    model = Sequential([Dense(hidden, activation="relu", input_shape=(4,)),
                        Dense(3, activation="softmax")])
    model.compile("adam", loss, metrics=["accuracy"])
    return model


def build_sigmoid(hidden=8):
    model = Sequential([Dense(hidden, activation="relu", input_shape=(4,)),
                        Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["acc"])
    return model


def build_linear(units=8, lr=0.01):
    from fastgraph.optimizers import Adam
    model = Sequential([Dense(units, activation="relu", input_shape=(4,)), Dense(1)])
    model.compile(Adam(lr), "mse")
    return model


@pytest.fixture(autouse=True)
def _seed():
    utils.set_random_seed(0)


def test_string_labels_map_through_classes():
    x, y = _data()
    clf = KerasClassifier(build_softmax, epochs=60, batch_size=16, verbose=0)
    clf.fit(x, y)
    assert list(clf.classes_) == ["cat", "dog", "emu"] and clf.n_classes_ == 3
    pred = clf.predict(x)
    assert pred.dtype == y.dtype and set(pred) <= set(y)
    assert np.mean(pred == y) > 0.8
    proba = clf.predict_proba(x)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)
    assert clf.score(x, y) == pytest.approx(np.mean(pred == y), abs=1e-6)


@pytest.mark.parametrize("loss", ["categorical_crossentropy", losses.categorical_crossentropy,
                                  losses.CategoricalCrossentropy()])
def test_integer_labels_become_one_hot_for_categorical_crossentropy(loss):
    assert is_categorical_crossentropy(loss)
    x, y = _data(30)
    labels = np.searchsorted(np.unique(y), y)
    seen = []

    def build():
        model = build_softmax(loss=loss)
        fit = model.fit
        model.fit = lambda x, y, **kw: seen.append(y.shape) or fit(x, y, **kw)
        return model

    clf = KerasClassifier(build, epochs=1, verbose=0)
    clf.fit(x, labels)
    assert seen == [(30, 3)]
    assert 0.0 <= clf.score(x[:5], labels[:5]) <= 1.0    # a fold missing classes


def test_sparse_loss_keeps_integer_targets_and_one_hot_y_gives_arange_classes():
    assert not is_categorical_crossentropy("sparse_categorical_crossentropy")
    x, y = _data(30)
    clf = KerasClassifier(build_softmax, loss="sparse_categorical_crossentropy",
                          epochs=1, verbose=0)
    clf.fit(x, y)
    assert clf.model.loss == "sparse_categorical_crossentropy"
    onehot = utils.to_categorical(np.searchsorted(clf.classes_, y), 3)
    clf2 = KerasClassifier(build_softmax, epochs=1, verbose=0)
    clf2.fit(x, onehot)
    np.testing.assert_array_equal(clf2.classes_, [0, 1, 2])
    assert set(clf2.predict(x)) <= {0, 1, 2}
    with pytest.raises(ValueError, match=r"invalid shape for y: \(30, 3, 1\)"):
        clf2.fit(x, onehot[..., None])


def test_binary_sigmoid_gives_two_probability_columns():
    x, y = _data(60)
    y = np.where(y == "cat", -1, 7)           # labels that are not 0/1
    clf = KerasClassifier(build_sigmoid, epochs=40, batch_size=8, verbose=0)
    clf.fit(x, y.reshape(-1, 1), sample_weight=np.ones(60))
    proba = clf.predict_proba(x)
    assert proba.shape == (60, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    pred = clf.predict(x).ravel()
    np.testing.assert_array_equal(pred, np.where(proba[:, 1] > 0.5, 7, -1))
    assert clf.score(x, y) > 0.8                # the 'acc' metric


def test_build_fn_as_object_and_as_subclass_call():
    class Builder:
        def __call__(self, hidden=4):
            self.hidden = hidden
            return build_softmax(hidden)

    x, y = _data(20)
    builder = Builder()
    KerasClassifier(builder, hidden=5, epochs=1, verbose=0).fit(x, y)
    assert builder.hidden == 5

    class MyClassifier(KerasClassifier):
        def __call__(self, width=3):
            return build_softmax(width)

    clf = MyClassifier(width=6, epochs=1, verbose=0)
    clf.fit(x, y)
    assert clf.model.layers[0].units == 6
    with pytest.raises(ValueError, match="hidden is not a legal parameter of MyClassifier"):
        MyClassifier(hidden=2)
    with pytest.raises(ValueError, match="build_fn is None and KerasClassifier defines no "
                                         "__call__"):
        KerasClassifier(epochs=1)
    with pytest.raises(TypeError, match="build_fn must be a function"):
        KerasRegressor(build_fn=3)


def test_sk_params_are_split_by_signature():
    calls = []

    def build(units=8):
        calls.append(("build", units))
        model = build_linear(units)
        for name in ("fit", "predict", "evaluate"):
            method = getattr(model, name)
            setattr(model, name, lambda *a, _n=name, _m=method, **kw:
                    calls.append((_n, sorted(kw))) or _m(*a, **kw))
        return model

    x, _ = _data(16)
    y = x.sum(axis=1)
    reg = KerasRegressor(build, units=3, epochs=2, batch_size=4, verbose=0,
                         sample_weight=np.ones(16), steps=None)
    reg.fit(x, y)
    reg.predict(x)
    reg.score(x, y)
    assert calls == [("build", 3),
                     ("fit", ["batch_size", "epochs", "sample_weight", "verbose"]),
                     ("predict", ["batch_size", "steps", "verbose"]),
                     ("evaluate", ["batch_size", "sample_weight", "steps", "verbose"])]
    calls.clear()
    reg.predict(x, batch_size=2)                 # call arguments override sk_params
    assert calls == [("predict", ["batch_size", "steps", "verbose"])]


def test_params_checked_and_cloned():
    clf = KerasClassifier(build_softmax, hidden=4, epochs=3, nb_epoch=2)
    params = clf.get_params(deep=True)
    assert params == {"build_fn": build_softmax, "hidden": 4, "epochs": 3, "nb_epoch": 2}
    assert clf.set_params(hidden=9) is clf and clf.sk_params["hidden"] == 9
    for bad in ({"units": 3}, {"x": 1}, {"learning_rate": 0.1}):
        with pytest.raises(ValueError, match=f"{next(iter(bad))} is not a legal parameter"):
            clf.set_params(**bad)
        with pytest.raises(ValueError, match="not a legal parameter of KerasClassifier"):
            KerasClassifier(build_softmax, **bad)
    assert clf.sk_params["hidden"] == 9
    with pytest.raises(RuntimeError, match=r"KerasClassifier.predict: .* call fit"):
        clf.predict(np.zeros((1, 4)))
    sklearn_base = pytest.importorskip("sklearn.base")
    callbacks = []
    clf.set_params(callbacks=callbacks)
    copy = sklearn_base.clone(clf)
    assert copy.get_params()["callbacks"] is not callbacks
    assert copy.get_params()["hidden"] == 9
    assert sklearn_base.is_classifier(clf) and sklearn_base.is_regressor(KerasRegressor(build_linear))


def test_score_needs_accuracy():
    def build():
        model = build_softmax()
        model.compile("adam", "categorical_crossentropy")
        return model

    x, y = _data(20)
    clf = KerasClassifier(build, epochs=1, verbose=0)
    clf.fit(x, y)
    with pytest.raises(ValueError, match=r"metrics=\['accuracy'\]"):
        clf.score(x, y)


def test_regressor_predicts_squeezed_and_scores_minus_loss():
    x, _ = _data(40)
    y = x @ np.array([1.0, -2.0, 0.5, 0.0], dtype="float32")
    reg = KerasRegressor(build_linear, epochs=2, verbose=0, nb_epoch=3)
    history = reg.fit(x, y)
    assert len(history.history["loss"]) == 2           # epochs wins over nb_epoch
    assert reg.predict(x).shape == (40,)
    assert reg.score(x, y) == pytest.approx(-reg.model.evaluate(x, y, verbose=0), rel=1e-6)
    assert len(KerasRegressor(build_linear, nb_epoch=3, verbose=0).fit(x, y)
               .history["loss"]) == 3


def test_cross_val_score_and_grid_search():
    model_selection = pytest.importorskip("sklearn.model_selection")
    x, y = _data(90)
    clf = KerasClassifier(build_softmax, epochs=100, batch_size=16, verbose=0)
    scores = model_selection.cross_val_score(clf, x, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8
    grid = model_selection.GridSearchCV(
        KerasClassifier(build_softmax, batch_size=16, verbose=0),
        {"hidden": [2, 16], "epochs": [1, 100]}, cv=2)
    grid.fit(x, y)
    assert grid.best_params_["epochs"] == 100
    assert grid.best_estimator_.model.layers[0].units == grid.best_params_["hidden"]
    assert np.mean(grid.predict(x) == y) > 0.8

    target = x @ np.array([1.0, -2.0, 0.5, 0.0], dtype="float32")
    reg = KerasRegressor(build_linear, epochs=30, batch_size=8, verbose=0)
    fitted = model_selection.cross_val_score(reg, x, target, cv=3)
    untrained = model_selection.cross_val_score(reg.set_params(epochs=1, lr=1e-4),
                                                x, target, cv=3)
    assert fitted.mean() > untrained.mean() and np.all(fitted <= 0)


def test_the_wrappers_do_not_need_scikit_learn():
    code = ("import sys, fastgraph.wrappers.scikit_learn as w; "
            "assert 'sklearn' not in sys.modules; print(w.KerasRegressor.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(pathlib.Path(__file__).parents[2]))
    assert out.stdout.strip() == "KerasRegressor"
