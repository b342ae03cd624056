"""fit with every argument of docs/contract.md: data forms, batching, epochs (and
nb_epoch), verbose output, validation_split / validation_data, shuffle,
initial_epoch, steps_per_epoch, History, and input validation up front."""
import io
import re
import sys
import time

import numpy as np
import pytest

from fastgraph import callbacks as C
from fastgraph import layers as L
from fastgraph import optimizers
from fastgraph.training import data_adapter
from fastgraph.models import Model, Sequential
from fastgraph.ops.random import set_seed

N = 10


class Recorder(L.Layer):
    """Identity that records the first feature (a sample id) of each batch
    it sees, and whether it ran in training mode."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.batches = []

    def call(self, inputs, training=None):
        self.batches.append((bool(training), inputs.data[:, 0].astype(int).tolist()))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


def data(n=N):
    rng = np.random.default_rng(1)
    x = np.concatenate([np.arange(n, dtype=np.float32)[:, None],
                        rng.normal(size=(n, 2)).astype(np.float32)], axis=1)
    return x, rng.normal(size=(n, 1)).astype(np.float32)


def recorder_model(lr=0.01):
    x = L.Input((3,), name="x")
    rec = Recorder(name="rec")
    out = L.Dense(1, name="y", kernel_initializer="ones")(rec(x))
    model = Model(x, out)
    model.compile(optimizers.SGD(lr=lr), "mse")
    return model, rec


def trained_ids(rec):
    return [ids for training, ids in rec.batches if training]


def two_io_model():
    a = L.Input((3,), name="in_a")
    b = L.Input((2,), name="in_b")
    h = L.Dense(4, activation="tanh", name="h")(L.concatenate([a, b]))
    model = Model([a, b], [L.Dense(1, name="out_a")(h),
                           L.Dense(2, activation="softmax", name="out_b")(h)])
    model.compile(optimizers.SGD(lr=0.1), ["mse", "categorical_crossentropy"],
                  metrics={"out_b": "acc"})
    return model


def two_io_data(n=12):
    rng = np.random.default_rng(2)
    return ([rng.normal(size=(n, 3)).astype(np.float32),
             rng.normal(size=(n, 2)).astype(np.float32)],
            [rng.normal(size=(n, 1)).astype(np.float32),
             np.eye(2, dtype=np.float32)[rng.integers(0, 2, n)]])


def test_array_list_and_dict_forms_train_identically():
    (xa, xb), (ya, yb) = two_io_data()
    model = two_io_model()
    start = model.get_weights()
    results = []
    for x, y in [([xa, xb], [ya, yb]), ((xa, xb), (ya, yb)),
                 ({"in_b": xb, "in_a": xa}, {"out_b": yb, "out_a": ya})]:
        model.set_weights(start)
        model.compile(optimizers.SGD(lr=0.1), ["mse", "categorical_crossentropy"])
        history = model.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
        results.append((history.history, model.get_weights()))
    for history, weights in results[1:]:
        assert history == results[0][0]
        for a, b in zip(weights, results[0][1]):
            np.testing.assert_array_equal(a, b)
    single = Sequential([L.Dense(1, input_shape=(3,))])
    single.compile("sgd", "mse")
    x, y = data()
    start = single.get_weights()
    losses = []
    for xx, yy in [(x, y), ([x], [y]), ({single.input_names[0]: x},
                                         {single.output_names[0]: y}),
                   (x.tolist(), y[:, 0].tolist())]:
        single.set_weights(start)
        losses.append(single.fit(xx, yy, shuffle=False, verbose=0).history["loss"])
    assert losses[1:] == [losses[0]] * 3


def test_fit_returns_history_with_one_value_per_epoch():
    model, _ = recorder_model()
    x, y = data()
    history = model.fit(x, y, epochs=3, verbose=0)
    assert isinstance(history, C.History)
    assert model.history is history
    assert history.epoch == [0, 1, 2]
    assert list(history.history) == ["loss"]
    assert len(history.history["loss"]) == 3
    assert all(isinstance(v, float) for v in history.history["loss"])


def test_batch_size_and_epochs():
    model, rec = recorder_model()
    x, y = data()
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert trained_ids(rec) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] * 2
    rec.batches.clear()
    x40, y40 = data(40)
    model.fit(x40, y40, shuffle=False, verbose=0)              # default 32
    assert [len(ids) for ids in trained_ids(rec)] == [32, 8]
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.fit(x, y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="epochs must be an integer"):
        model.fit(x, y, epochs=1.5, verbose=0)


def test_epoch_loss_is_the_mean_over_samples():
    """With lr=0 the weights stay put, so the epoch loss (batches of 4, 4
    and 2) equals the loss over all samples at once."""
    model, _ = recorder_model(lr=0.0)
    x, y = data()
    history = model.fit(x, y, batch_size=4, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(
        model.evaluate(x, y, batch_size=N, verbose=0), rel=1e-6)


def test_nb_epoch_is_a_deprecated_alias():
    model, _ = recorder_model()
    x, y = data()
    with pytest.warns(DeprecationWarning, match="nb_epoch"):
        history = model.fit(x, y, nb_epoch=2, verbose=0)
    assert history.epoch == [0, 1]
    with pytest.raises(TypeError, match="bogus"):
        model.fit(x, y, bogus=1, verbose=0)


NUM = r"\d+\.\d{4}(e[+-]\d+)?"
TIME = r"\d+(us|ms|s)"


def test_verbose_1_writes_keras_bars_as_plain_lines_when_not_a_tty(capsys):
    model = two_io_model()
    x, y = two_io_data()
    model.fit(x, y, batch_size=5, epochs=2, validation_split=0.25, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and "\b" not in out
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    names = ["loss", "out_a_loss", "out_b_loss", "out_b_acc"]
    metrics = "".join(f" - {n}: {NUM}" for n in names + ["val_" + n for n in names])
    pattern = rf"2/2 \[==============================\] - \d+s {TIME}/step{metrics}"
    assert re.fullmatch(pattern, lines[1]), lines[1]
    assert re.fullmatch(pattern, lines[3]), lines[3]
    assert len(lines) == 4


def test_verbose_2_writes_one_line_per_epoch(capsys):
    model, _ = recorder_model()
    x, y = data()
    model.fit(x, y, batch_size=4, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    for line in lines[1::2]:
        assert re.fullmatch(rf"3/3 - \d+s - loss: {NUM} - {TIME}/epoch - {TIME}/step",
                            line), line


def test_verbose_0_is_silent_and_single_epoch_has_no_epoch_line(capsys):
    model, _ = recorder_model()
    x, y = data()
    model.fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert not out.startswith("Epoch") and re.fullmatch(
        rf"1/1 \[=+\] - \d+s {TIME}/step - loss: {NUM}\n", out)


def test_verbose_1_on_a_terminal_redraws_one_line_with_eta(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True
    stream = Tty()
    monkeypatch.setattr(sys, "stdout", stream)
    model, _ = recorder_model()
    x, y = data()
    slow = C.LambdaCallback(on_batch_end=lambda batch, logs: time.sleep(0.06))
    model.fit(x, y, batch_size=2, epochs=1, verbose=1, callbacks=[slow])
    out = stream.getvalue()
    assert "\r" in out and "ETA: " in out and out.endswith("\n")
    assert out.count("\n") == 1
    assert "5/5 [==============================]" in out


def test_validation_split_takes_the_last_samples_before_shuffling():
    model, rec = recorder_model(lr=0.0)
    x, y = data()
    history = model.fit(x, y, batch_size=3, validation_split=0.3, shuffle=True,
                        epochs=2, verbose=0)
    seen = sorted(i for ids in trained_ids(rec) for i in ids)
    assert seen == sorted(list(range(7)) * 2)
    validated = [ids for training, ids in rec.batches if not training]
    assert validated == [[7, 8, 9]] * 2
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(x[7:], y[7:], verbose=0), rel=1e-6)
    assert history.history["loss"][0] == pytest.approx(
        model.evaluate(x[:7], y[:7], verbose=0), rel=1e-6)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="no training or no validation"):
        model.fit(x[:1], y[:1], validation_split=0.5, verbose=0)


def test_validation_split_splits_sample_weights_too():
    model, _ = recorder_model(lr=0.0)
    x, y = data()
    sw = np.linspace(0.5, 2.0, N).astype(np.float32)
    history = model.fit(x, y, sample_weight=sw, validation_split=0.5, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(x[5:], y[5:], sample_weight=sw[5:], verbose=0), rel=1e-6)


def test_class_weight_is_not_applied_to_validation_data():
    x = L.Input((3,))
    model = Model(x, L.Dense(2, activation="softmax")(x))
    model.compile(optimizers.SGD(lr=0.0), "sparse_categorical_crossentropy")
    xs, _ = data()
    labels = np.arange(N) % 2
    history = model.fit(xs, labels, class_weight={0: 5.0, 1: 0.1},
                        validation_split=0.4, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(xs[6:], labels[6:], verbose=0), rel=1e-6)
    assert history.history["loss"][0] != pytest.approx(
        model.evaluate(xs[:6], labels[:6], verbose=0), rel=1e-3)


def test_validation_data_with_and_without_sample_weights():
    model, rec = recorder_model(lr=0.0)
    x, y = data()
    vx, vy = x[:4] + 100.0, y[:4]
    history = model.fit(x, y, validation_data=(vx, vy), epochs=2, verbose=0,
                        validation_split=0.5)   # validation_data wins
    assert [ids for t, ids in rec.batches if not t] == [[100, 101, 102, 103]] * 2
    assert history.history["val_loss"] == [pytest.approx(
        model.evaluate(vx, vy, verbose=0), rel=1e-6)] * 2
    sw = np.array([0.0, 1.0, 2.0, 0.5], np.float32)
    history = model.fit(x, y, validation_data=(vx, vy, sw), verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(vx, vy, sample_weight=sw, verbose=0), rel=1e-6)
    with pytest.raises(ValueError, match="validation_data must be a tuple"):
        model.fit(x, y, validation_data=(vx,), verbose=0)
    with pytest.raises(ValueError, match=r"input 'x'.*\(None, 3\)"):
        model.fit(x, y, validation_data=(vx[:, :2], vy), verbose=0)


def test_validation_freq():
    model, _ = recorder_model()
    x, y = data()
    history = model.fit(x, y, epochs=4, validation_split=0.2, validation_freq=2, verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2


def test_shuffle_false_true_and_batch():
    x, y = data()
    model, rec = recorder_model()
    model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    assert trained_ids(rec) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] * 2
    rec.batches.clear()
    set_seed(3)
    model.fit(x, y, batch_size=3, epochs=2, shuffle=True, verbose=0)
    first = trained_ids(rec)
    for epoch in (first[:4], first[4:]):
        assert sorted(i for ids in epoch for i in ids) == list(range(N))
    assert first[:4] != first[4:] and first[:4] != [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    rec.batches.clear()
    set_seed(3)
    model.fit(x, y, batch_size=3, epochs=2, shuffle=True, verbose=0)
    assert trained_ids(rec) == first
    rec.batches.clear()
    model.fit(x, y, batch_size=3, epochs=3, shuffle="batch", verbose=0)
    for k in range(3):
        epoch = trained_ids(rec)[4 * k:4 * k + 4]
        assert sorted(sorted(ids) for ids in epoch) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_initial_epoch(capsys):
    model, rec = recorder_model()
    x, y = data()
    history = model.fit(x, y, epochs=4, initial_epoch=2, verbose=2)
    assert history.epoch == [2, 3]
    assert len(trained_ids(rec)) == 2
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 3/4" and lines[2] == "Epoch 4/4"
    assert model.fit(x, y, epochs=2, initial_epoch=2, verbose=0).epoch == []


def test_steps_per_epoch_runs_on_through_the_data():
    model, rec = recorder_model()
    x, y = data()
    counter = C.LambdaCallback(on_epoch_end=lambda epoch, logs: None)
    history = model.fit(x, y, batch_size=4, steps_per_epoch=2, epochs=3, shuffle=False,
                        verbose=0, callbacks=[counter])
    assert counter.params["steps"] == 2
    assert trained_ids(rec) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3],
                                [4, 5, 6, 7], [8, 9]]
    assert len(history.history["loss"]) == 3
    rec.batches.clear()
    model.fit(x, y, steps_per_epoch=5, shuffle=False, verbose=0)   # batch size 2
    assert trained_ids(rec) == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    with pytest.raises(ValueError, match="steps_per_epoch must be an integer >= 1"):
        model.fit(x, y, steps_per_epoch=0, verbose=0)


def test_fit_runs_in_training_mode_and_evaluate_predict_do_not():
    model, rec = recorder_model()
    x, y = data()
    model.fit(x, y, batch_size=N, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x)
    model.train_on_batch(x, y)
    model.test_on_batch(x, y)
    model.predict_on_batch(x)
    assert [t for t, _ in rec.batches] == [True, False, False, True, False, False]


def test_fit_changes_batchnorm_statistics_and_uses_dropout():
    model = Sequential([L.BatchNormalization(input_shape=(3,), name="bn"),
                        L.Dropout(0.5), L.Dense(1)])
    model.compile("sgd", "mse")
    x, y = data()
    before = model.get_layer("bn").get_weights()
    model.evaluate(x, y, verbose=0)
    model.predict(x)
    for a, b in zip(before, model.get_layer("bn").get_weights()):
        np.testing.assert_array_equal(a, b)
    model.fit(x + 5.0, y, verbose=0, epochs=2)
    moving_mean = model.get_layer("bn").get_weights()[2]
    assert np.all(moving_mean > 0.05)
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    losses = {model.train_on_batch(x, y) for _ in range(3)}
    assert len(losses) == 3


BAD_INPUTS = [
    ("count", lambda x, y: ([x[0][:5], x[1]], y), "same number of samples"),
    ("target count", lambda x, y: (x, [y[0][:5], y[1]]), "same number of samples"),
    ("missing input", lambda x, y: ({"in_a": x[0]}, y), "missing input data for ['in_b']"),
    ("unknown input", lambda x, y: ({"in_a": x[0], "in_b": x[1], "c": x[1]}, y),
     "unknown input name(s) ['c']"),
    ("missing target", lambda x, y: (x, {"out_a": y[0]}), "missing target data for ['out_b']"),
    ("unknown target", lambda x, y: (x, {"out_a": y[0], "out_b": y[1], "z": y[0]}),
     "unknown target name(s) ['z']"),
    ("feature shape", lambda x, y: ([x[0][:, :2], x[1]], y),
     "input 'in_a': expected arrays of shape (None, 3)"),
    ("rank", lambda x, y: ([x[0][:, :, None], x[1]], y),
     "input 'in_a': expected arrays of shape (None, 3)"),
    ("target shape", lambda x, y: (x, [y[0], y[1][:, :1]]),
     "target 'out_b': expected arrays of shape (None, 2)"),
    ("too few inputs", lambda x, y: ([x[0]], y), "expected 2 input array(s)"),
    ("too many targets", lambda x, y: (x, y + [y[0]]), "expected 2 target array(s)"),
    ("one array for two inputs", lambda x, y: (x[0], y), "has 2 inputs"),
    ("NaN input", lambda x, y: ([np.where(x[0] > 1, np.nan, x[0]), x[1]], y),
     "input 'in_a' contains NaN or inf"),
    ("inf target", lambda x, y: (x, [np.where(y[0] > 1, np.inf, y[0]), y[1]]),
     "target 'out_a' contains NaN or inf"),
    ("no targets", lambda x, y: (x, None), "no target data"),
    ("strings", lambda x, y: ([x[0].astype(str), x[1]], y), "numeric"),
]


@pytest.mark.parametrize("case, make, message", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_data_is_rejected_before_any_computation(case, make, message, monkeypatch):
    model = two_io_model()
    before = model.get_weights()
    calls = []
    monkeypatch.setattr(model, "_step", lambda *a, **k: calls.append(1))
    x, y = make(*two_io_data())
    for run in (lambda: model.fit(x, y, verbose=0),
                lambda: model.evaluate(x, y, verbose=0),
                lambda: model.train_on_batch(x, y),
                lambda: model.test_on_batch(x, y)):
        with pytest.raises((ValueError, TypeError)) as info:
            run()
        assert message in str(info.value)
    assert calls == []
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_sparse_labels_are_checked_up_front():
    x = L.Input((3,), name="x")
    model = Model(x, L.Dense(4, activation="softmax", name="probs")(x))
    model.compile("sgd", "sparse_categorical_crossentropy")
    xs, _ = data()
    with pytest.raises(IndexError, match=r"target 'probs'.*\[0, 4\)"):
        model.fit(xs, np.arange(N), verbose=0)
    with pytest.raises(ValueError, match=r"target 'probs'.*integer class labels"):
        model.fit(xs, np.zeros((N, 4)), verbose=0)
    with pytest.raises(TypeError, match="integer"):
        model.fit(xs, np.full(N, 0.5), verbose=0)
    model.fit(xs, (np.arange(N) % 4).astype(np.float32), verbose=0)
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(xs, np.arange(N) % 4, verbose=0)


def test_data_is_validated_once_per_fit_not_per_batch(monkeypatch):
    model, _ = recorder_model(lr=1e-5)
    x, y = data(64)
    calls = []
    original = data_adapter.check_finite
    monkeypatch.setattr(data_adapter, "check_finite",
                        lambda *a: calls.append(1) or original(*a))
    model.fit(x, y, batch_size=4, epochs=2, validation_split=0.25, verbose=0)
    assert len(calls) == 2          # inputs and targets, once


def test_empty_data_is_an_error():
    model, _ = recorder_model()
    x, y = data()
    with pytest.raises(ValueError, match="no samples"):
        model.fit(x[:0], y[:0], verbose=0)
    with pytest.raises(ValueError, match="no samples"):
        model.evaluate(x[:0], y[:0], verbose=0)


def test_validation_data_as_a_sequence_or_generator():
    from fastgraph.utils import Sequence

    class Halves(Sequence):
        def __init__(self, x, y):
            self.x, self.y = x, y

        def __len__(self):
            return 2

        def __getitem__(self, i):
            return self.x[5 * i:5 * i + 5], self.y[5 * i:5 * i + 5]

    model, _ = recorder_model(lr=0.0)
    x, y = data()
    expected = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=2, validation_data=Halves(x, y), verbose=0)
    assert history.history["val_loss"] == [pytest.approx(expected, rel=1e-6)] * 2

    def batches():
        while True:
            yield x[:4], y[:4]
    history = model.fit(x, y, validation_data=batches(), validation_steps=3, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(x[:4], y[:4], verbose=0), rel=1e-6)
    with pytest.raises(ValueError, match="validation_steps is required"):
        model.fit(x, y, validation_data=batches(), verbose=0)


def test_deferred_sequential_builds_from_the_first_data():
    x, y = data()
    for xx in (x, [x], x.tolist()):
        model = Sequential([L.Dense(2, activation="relu"), L.Dense(1)])
        model.compile("sgd", "mse")
        model.fit(xx, y, verbose=0)
        assert model.layers[0].get_weights()[0].shape == (3, 2)
    model = Sequential([L.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="no input data"):
        model.fit(None, y, verbose=0)
