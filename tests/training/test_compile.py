"""compile: every form of optimizer, loss, loss_weights, metrics and
sample_weight_mode, the resulting metrics_names (as tf-keras 2.x names
them), and clear errors for every mistake."""
import numpy as np
import pytest

import fastgraph
from fastgraph import backend as K
from fastgraph import layers as L
from fastgraph import losses, metrics, optimizers
from fastgraph.models import Model, Sequential

rng = np.random.default_rng(0)
XA = rng.normal(size=(20, 4)).astype(np.float32)
XB = rng.normal(size=(20, 3)).astype(np.float32)
Y_MAIN = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 20)]
Y_AUX = rng.integers(0, 2, (20, 1)).astype(np.float32)


def two_output_model():
    a = L.Input((4,), name="a")
    b = L.Input((3,), name="b")
    h = L.Dense(8, activation="relu")(L.concatenate([a, b]))
    main = L.Dense(3, activation="softmax", name="main_output")(h)
    aux = L.Dense(1, activation="sigmoid", name="aux")(h)
    return Model([a, b], [main, aux])


def losses_by_hand(model):
    main, aux = [p.astype(np.float64) for p in model.predict([XA, XB])]
    ce = -np.mean(np.sum(Y_MAIN * np.log(main), axis=-1))
    bce = -np.mean(Y_AUX * np.log(aux) + (1 - Y_AUX) * np.log(1 - aux))
    return ce, bce


@pytest.mark.parametrize("name, cls", [
    ("sgd", optimizers.SGD), ("rmsprop", optimizers.RMSprop), ("adam", optimizers.Adam),
    ("adagrad", optimizers.Adagrad), ("adadelta", optimizers.Adadelta),
    ("adamax", optimizers.Adamax), ("nadam", optimizers.Nadam), ("Adam", optimizers.Adam)])
def test_optimizer_by_name(name, cls):
    model = two_output_model()
    model.compile(name, "mse")
    assert isinstance(model.optimizer, cls)


def test_optimizer_object_is_used_as_given():
    model = two_output_model()
    opt = optimizers.SGD(lr=0.5, momentum=0.9)
    model.compile(opt, ["categorical_crossentropy", "binary_crossentropy"])
    assert model.optimizer is opt
    model.train_on_batch([XA, XB], [Y_MAIN, Y_AUX])
    assert int(opt.iterations) == 1


def user_ce(y_true, y_pred):
    return -K.sum(y_true * K.log(y_pred), axis=-1)


@pytest.mark.parametrize("loss", [
    ["categorical_crossentropy", "binary_crossentropy"],
    ("categorical_crossentropy", losses.binary_crossentropy),
    {"main_output": "categorical_crossentropy", "aux": "binary_crossentropy"},
    {"aux": losses.BinaryCrossentropy(), "main_output": user_ce},
    [losses.CategoricalCrossentropy(), "bce"],
])
def test_loss_forms_give_the_same_losses(loss):
    model = two_output_model()
    model.compile("sgd", loss)
    ce, bce = losses_by_hand(model)
    total, l_main, l_aux = model.test_on_batch([XA, XB], [Y_MAIN, Y_AUX])
    assert l_main == pytest.approx(ce, rel=1e-5)
    assert l_aux == pytest.approx(bce, rel=1e-5)
    assert total == pytest.approx(ce + bce, rel=1e-5)


def test_one_loss_for_every_output():
    model = two_output_model()
    model.compile("sgd", "mse")
    main, aux = model.predict([XA, XB])
    total, l_main, l_aux = model.test_on_batch([XA, XB], [Y_MAIN, Y_AUX])
    assert l_main == pytest.approx(np.mean((main - Y_MAIN) ** 2), rel=1e-5)
    assert l_aux == pytest.approx(np.mean((aux - Y_AUX) ** 2), rel=1e-5)


@pytest.mark.parametrize("loss_weights, w", [
    ([1.0, 0.2], (1.0, 0.2)), ((0.5, 2), (0.5, 2.0)),
    ({"main_output": 1.0, "aux": 0.2}, (1.0, 0.2)),
    ({"aux": 3.0}, (1.0, 3.0)), (None, (1.0, 1.0))])
def test_loss_weights_list_and_dict(loss_weights, w):
    model = two_output_model()
    model.compile("sgd", "binary_crossentropy", loss_weights=loss_weights)
    total, l_main, l_aux = model.test_on_batch([XA, XB], [Y_MAIN, Y_AUX])
    assert total == pytest.approx(w[0] * l_main + w[1] * l_aux, rel=1e-6)


# metrics_names as tf-keras 2.21 reports them for the same compile arguments
# (printed once with tests/reference/training_make_reference.py's environment).
@pytest.mark.parametrize("kwargs, names", [
    ({"metrics": ["accuracy"]},
     ["loss", "main_output_loss", "aux_loss", "main_output_accuracy", "aux_accuracy"]),
    ({"metrics": ["acc", "mse"]},
     ["loss", "main_output_loss", "aux_loss", "main_output_acc", "main_output_mse",
      "aux_acc", "aux_mse"]),
    ({"metrics": [["acc"], ["mse"]]},
     ["loss", "main_output_loss", "aux_loss", "main_output_acc", "aux_mse"]),
    ({"metrics": {"aux": "acc"}}, ["loss", "main_output_loss", "aux_loss", "aux_acc"]),
    ({"metrics": {"aux": ["acc", "mae"], "main_output": metrics.top_k_categorical_accuracy}},
     ["loss", "main_output_loss", "aux_loss", "main_output_top_k_categorical_accuracy",
      "aux_acc", "aux_mae"]),
    ({"metrics": ["accuracy"], "weighted_metrics": ["accuracy"]},
     ["loss", "main_output_loss", "aux_loss", "main_output_accuracy",
      "main_output_weighted_accuracy", "aux_accuracy", "aux_weighted_accuracy"]),
    ({"weighted_metrics": ["accuracy"]},
     ["loss", "main_output_loss", "aux_loss", "main_output_accuracy", "aux_accuracy"]),
    ({"metrics": [metrics.categorical_accuracy, "mae"]},
     ["loss", "main_output_loss", "aux_loss", "main_output_categorical_accuracy",
      "main_output_mae", "aux_categorical_accuracy", "aux_mae"]),
    ({}, ["loss", "main_output_loss", "aux_loss"]),
])
def test_metrics_forms_and_names_as_tf_keras(kwargs, names):
    model = two_output_model()
    model.compile("sgd", ["categorical_crossentropy", "binary_crossentropy"], **kwargs)
    assert model.metrics_names == names
    history = model.fit([XA, XB], [Y_MAIN, Y_AUX], epochs=1, verbose=0,
                        validation_split=0.25)
    assert list(history.history) == names + ["val_" + n for n in names]
    assert len(model.evaluate([XA, XB], [Y_MAIN, Y_AUX], verbose=0)) == len(names)


@pytest.mark.parametrize("kwargs, names", [
    ({"metrics": ["acc"]}, ["loss", "acc"]),
    ({"metrics": ["accuracy", "mse"]}, ["loss", "accuracy", "mse"]),
    ({"metrics": [metrics.categorical_accuracy]}, ["loss", "categorical_accuracy"]),
    ({"weighted_metrics": ["acc"]}, ["loss", "acc"]),
    ({"metrics": [losses.MeanSquaredError()]}, ["loss", "mean_squared_error"]),
])
def test_single_output_metric_names(kwargs, names):
    model = Sequential([L.Dense(3, activation="softmax", input_shape=(4,))])
    assert model.metrics_names == []
    model.compile("sgd", "categorical_crossentropy", **kwargs)
    assert model.metrics_names == names
    assert list(model.fit(XA, Y_MAIN, verbose=0).history) == names


def test_accuracy_is_resolved_from_the_loss():
    x = L.Input((4,))
    probs = L.Dense(3, activation="softmax")(x)
    cases = [("categorical_crossentropy", Y_MAIN, metrics.categorical_accuracy),
             ("sparse_categorical_crossentropy", np.argmax(Y_MAIN, -1),
              metrics.sparse_categorical_accuracy)]
    for loss, y, fn in cases:
        model = Model(x, probs)
        model.compile("sgd", loss, metrics=["accuracy"])
        acc = model.test_on_batch(XA, y)[1]
        assert acc == pytest.approx(float(np.mean(fn(y, model.predict(XA)))))
    model = Model(x, L.Dense(1, activation="sigmoid")(x))
    model.compile("sgd", "binary_crossentropy", metrics=["acc"])
    p = model.predict(XA)
    assert model.test_on_batch(XA, Y_AUX)[1] == pytest.approx(np.mean((p > 0.5) == Y_AUX))


def test_user_metric_callable():
    def mean_pred(y_true, y_pred):
        return K.mean(y_pred, axis=-1)
    model = Sequential([L.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "categorical_crossentropy", metrics=[mean_pred])
    assert model.metrics_names == ["loss", "mean_pred"]
    assert model.test_on_batch(XA, Y_MAIN)[1] == pytest.approx(1 / 3, rel=1e-5)


@pytest.mark.parametrize("mode, weights", [
    (None, [(5,), (5,)]), ("temporal", [(5, 4), (5, 1)]),
    (["temporal", None], [(5, 4), (5,)]), ({"steps": "temporal"}, [(5, 4), (5,)])])
def test_sample_weight_mode_forms(mode, weights):
    seq = L.Input((4, 3))
    steps = L.Dense(2, name="steps")(seq)
    flat = L.Dense(1, name="flat")(L.Flatten()(seq))
    model = Model(seq, [steps, flat])
    model.compile("sgd", "mse", sample_weight_mode=mode)
    x = rng.normal(size=(5, 4, 3)).astype(np.float32)
    ys = [np.ones((5, 4, 2), np.float32), np.ones((5, 1), np.float32)]
    sws = [np.full(shape, 2.0) for shape in weights]
    weighted = model.test_on_batch(x, ys, sample_weight=sws)
    plain = model.test_on_batch(x, ys)
    np.testing.assert_allclose(weighted, 2 * np.asarray(plain), rtol=1e-6)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"loss": "nope"}, ValueError, ["unknown loss", "nope", "main_output"]),
    ({"loss": "mse", "optimizer": "nope"}, ValueError, ["optimizer", "nope"]),
    ({"loss": "mse", "metrics": ["nope"]}, ValueError, ["unknown metric", "nope"]),
    ({"loss": {"main_output": "mse", "x": "mse"}}, ValueError,
     ["unknown output name", "'x'", "loss", "main_output", "aux"]),
    ({"loss": ["mse"]}, ValueError, ["`loss` has 1 entries", "2 output"]),
    ({"loss": ["mse"] * 3}, ValueError, ["`loss` has 3 entries"]),
    ({"loss": "mse", "loss_weights": [1.0]}, ValueError, ["loss_weights", "1 entries"]),
    ({"loss": "mse", "loss_weights": {"zz": 1.0}}, ValueError,
     ["unknown output name", "zz", "loss_weights"]),
    ({"loss": "mse", "loss_weights": ["a", 1.0]}, ValueError, ["loss weight", "main_output"]),
    ({"loss": "mse", "metrics": {"zz": "acc"}}, ValueError, ["unknown output name", "zz"]),
    ({"loss": "mse", "metrics": [["acc"]]}, ValueError, ["metrics", "1 entries"]),
    ({"loss": "mse", "metrics": ["mae", "mae"]}, ValueError, ["main_output_mae", "unique"]),
    ({"loss": "mse", "sample_weight_mode": "steps"}, ValueError,
     ["sample_weight_mode", "temporal", "steps"]),
    ({"loss": "mse", "sample_weight_mode": {"zz": "temporal"}}, ValueError,
     ["unknown output name", "zz"]),
    ({"loss": {"main_output": "mse"}}, ValueError, ["no loss", "aux"]),
    ({"loss": None}, ValueError, ["loss"]),
    ({"loss": "mse", "bogus": 1}, TypeError, ["bogus"]),
])
def test_compile_errors_name_the_mistake(kwargs, error, words):
    model = two_output_model()
    kwargs = dict(kwargs)
    optimizer = kwargs.pop("optimizer", "sgd")
    with pytest.raises(error) as info:
        model.compile(optimizer, **kwargs)
    for word in words:
        assert word in str(info.value)


def test_training_an_uncompiled_model_is_an_error():
    model = two_output_model()
    for call in (lambda: model.fit([XA, XB], [Y_MAIN, Y_AUX], verbose=0),
                 lambda: model.evaluate([XA, XB], [Y_MAIN, Y_AUX], verbose=0),
                 lambda: model.train_on_batch([XA, XB], [Y_MAIN, Y_AUX])):
        with pytest.raises(RuntimeError, match="compile"):
            call()
    assert [p.shape for p in model.predict([XA, XB])] == [(20, 3), (20, 1)]


def test_deferred_sequential_compiles_before_it_is_built():
    model = Sequential()
    model.add(L.Dense(3, activation="softmax"))
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(XA, Y_MAIN, epochs=2, verbose=0)
    assert list(history.history) == ["loss", "accuracy"]
    assert model.metrics_names == ["loss", "accuracy"]
    bad = Sequential([L.Dense(1)])
    bad.compile("sgd", "nope")
    with pytest.raises(ValueError, match="unknown loss 'nope'"):
        bad.fit(XA, Y_AUX, verbose=0)


def test_recompiling_keeps_weights_and_changes_loss_and_optimizer():
    model = two_output_model()
    model.compile("sgd", "mse")
    model.fit([XA, XB], [Y_MAIN, Y_AUX], verbose=0)
    weights = model.get_weights()
    model.compile(optimizers.Adam(), ["categorical_crossentropy", "binary_crossentropy"],
                  metrics=["acc"])
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert isinstance(model.optimizer, optimizers.Adam)
    assert model.metrics_names[-1] == "aux_acc"
    ce, bce = losses_by_hand(model)
    assert model.test_on_batch([XA, XB], [Y_MAIN, Y_AUX])[0] == pytest.approx(ce + bce,
                                                                             rel=1e-5)


def test_keras3_compile_arguments_are_accepted():
    model = two_output_model()
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True, steps_per_execution=1,
                  jit_compile=False)
    assert fastgraph.models.Model is Model
