"""Each callback does its job inside a real fit: EarlyStopping (with
restore_best_weights), ModelCheckpoint, LearningRateScheduler,
ReduceLROnPlateau, CSVLogger, LambdaCallback, TerminateOnNaN, and
model.stop_training set by a callback."""
import csv
import os

import numpy as np
import pytest

from fastgraph import callbacks as C
from fastgraph import layers as L
from fastgraph import optimizers
from fastgraph.models import Model, Sequential

rng = np.random.default_rng(11)
X = rng.normal(size=(32, 4)).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5], [1.5]], np.float32)).astype(np.float32)


def model(lr=0.05):
    m = Sequential([L.Dense(4, activation="tanh", input_shape=(4,)), L.Dense(1)])
    m.compile(optimizers.SGD(lr=lr), "mse", metrics=["mae"])
    return m


class WeightLog(C.Callback):
    """Keeps the weights at the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def assert_weights_equal(a, b):
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("restore", [True, False])
def test_early_stopping_stops_and_restores_the_best_weights(restore):
    # Validating against -Y: the better the fit, the worse val_loss, so the
    # best epoch is the first.
    m = model()
    log = WeightLog()
    es = C.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=restore)
    history = m.fit(X, Y, epochs=20, batch_size=8, validation_data=(X, -Y),
                    callbacks=[log, es], verbose=0)
    assert history.epoch == [0, 1, 2]
    assert es.stopped_epoch == 2
    assert np.argmin(history.history["val_loss"]) == 0
    assert_weights_equal(m.get_weights(), log.weights[0] if restore else log.weights[2])


def test_early_stopping_on_a_training_metric_with_min_delta():
    m = model(lr=1e-6)          # almost no progress: stops after patience
    history = m.fit(X, Y, epochs=20, callbacks=[C.EarlyStopping(monitor="mae",
                                                                 min_delta=0.1,
                                                                 patience=1)],
                    verbose=0)
    assert len(history.epoch) == 2


def test_learning_rate_scheduler_sets_the_rate_each_epoch():
    m = model()
    seen = []
    sched = C.LearningRateScheduler(lambda epoch: [0.1, 0.0, 0.02][epoch])
    spy = C.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(float(m.optimizer.lr)))
    log = WeightLog()
    history = m.fit(X, Y, epochs=3, callbacks=[sched, spy, log], verbose=0)
    assert seen == [0.1, 0.0, 0.02]
    assert history.history["lr"] == pytest.approx([0.1, 0.0, 0.02])
    assert_weights_equal(log.weights[0], log.weights[1])     # lr 0: no change
    assert not np.allclose(log.weights[1][0], log.weights[2][0])
    two_args = C.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    m = model(lr=0.08)
    m.fit(X, Y, epochs=3, callbacks=[two_args], verbose=0)
    assert float(m.optimizer.lr) == pytest.approx(0.01)


def test_reduce_lr_on_plateau_inside_fit():
    m = model(lr=0.01)
    plateau = C.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=10.0,
                                  min_lr=0.002)
    history = m.fit(X, Y, epochs=5, callbacks=[plateau], verbose=0)
    # As in tf-keras, `lr` in the logs is the rate the epoch ran with.
    assert history.history["lr"] == pytest.approx([0.01, 0.01, 0.005, 0.0025, 0.002])
    assert float(m.optimizer.lr) == pytest.approx(0.002)


def test_csv_logger_writes_the_history(tmp_path):
    path = tmp_path / "log.csv"
    m = model()
    history = m.fit(X, Y, epochs=3, validation_split=0.25,
                    callbacks=[C.CSVLogger(str(path))], verbose=0)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for key in ("loss", "mae", "val_loss", "val_mae"):
        np.testing.assert_allclose([float(r[key]) for r in rows], history.history[key],
                                   rtol=1e-6)
    m.fit(X, Y, epochs=1, callbacks=[C.CSVLogger(str(path), append=True)], verbose=0)
    with open(path, newline="") as f:
        assert len(list(csv.DictReader(f))) == 4


def test_lambda_callback_hooks_and_logs():
    events = []
    cb = C.LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch)),
        on_batch_begin=lambda batch, logs: events.append(("batch_begin", batch,
                                                          logs["size"])),
        on_batch_end=lambda batch, logs: events.append(("batch_end", batch, sorted(logs))),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, sorted(logs))),
        on_train_end=lambda logs: events.append("train_end"))
    model().fit(X, Y, epochs=2, batch_size=20, validation_split=0.25, callbacks=[cb],
                verbose=0)
    epoch_keys = ["loss", "mae", "val_loss", "val_mae"]
    one_epoch = lambda e: [("epoch_begin", e), ("batch_begin", 0, 20),
                           ("batch_end", 0, ["loss", "mae"]), ("batch_begin", 1, 4),
                           ("batch_end", 1, ["loss", "mae"]), ("epoch_end", e, epoch_keys)]
    assert events == ["train_begin"] + one_epoch(0) + one_epoch(1) + ["train_end"]


def test_batch_logs_hold_running_epoch_means():
    m = model(lr=0.0)
    batch_losses = []
    cb = C.LambdaCallback(on_batch_end=lambda b, logs: batch_losses.append(logs["loss"]))
    history = m.fit(X, Y, batch_size=8, shuffle=False, callbacks=[cb], verbose=0)
    per_batch = [m.evaluate(X[i:i + 8], Y[i:i + 8], verbose=0)[0] for i in range(0, 32, 8)]
    np.testing.assert_allclose(batch_losses, np.cumsum(per_batch) / np.arange(1, 5),
                               rtol=1e-6)
    assert history.history["loss"][0] == pytest.approx(batch_losses[-1])


def test_callbacks_get_the_model_and_params():
    cb = C.Callback()
    m = model()
    m.fit(X, Y, epochs=3, batch_size=10, verbose=0, callbacks=cb)
    assert cb.model is m
    assert cb.params["epochs"] == 3 and cb.params["steps"] == 4
    assert cb.params["verbose"] == 0


def test_terminate_on_nan_stops_training_cleanly(capsys):
    m = model(lr=1e6)
    big = Y * 1e3
    with np.errstate(all="ignore"):
        history = m.fit(X, big, epochs=5, batch_size=4, callbacks=[C.TerminateOnNaN()],
                        verbose=0)
    assert len(history.epoch) == 1
    assert not np.isfinite(history.history["loss"][0])
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    assert m.stop_training


def test_stop_training_from_a_callback():
    m = model()
    ended = []

    def stop(batch, logs):
        if batch == 1:
            m.stop_training = True
    history = m.fit(X, Y, epochs=4, batch_size=4, verbose=0,
                    callbacks=[C.LambdaCallback(on_batch_end=stop,
                                                on_train_end=lambda logs: ended.append(1))])
    assert history.epoch == [0] and ended == [1]
    assert int(m.optimizer.iterations) == 2
    # the next fit starts afresh
    assert m.fit(X, Y, epochs=2, verbose=0).epoch == [0, 1]


class NpzWeights(Model):
    """A Model whose save_weights/save write the weights to .npz, so the
    checkpoint callback can be tested apart from the saving module."""

    def save_weights(self, filepath, overwrite=True):
        with open(filepath, "wb") as f:
            np.savez(f, *self.get_weights())

    save = save_weights


def npz_model():
    x = L.Input((4,))
    m = NpzWeights(x, L.Dense(1)(L.Dense(4, activation="tanh")(x)))
    m.compile(optimizers.SGD(lr=0.05), "mse")
    return m


def test_model_checkpoint_templates_and_save_best_only(tmp_path):
    m = npz_model()
    template = str(tmp_path / "w.{epoch:02d}-{val_loss:.3f}.npz")
    log = WeightLog()
    history = m.fit(X, Y, epochs=3, validation_data=(X, -Y), verbose=0,
                    callbacks=[log, C.ModelCheckpoint(template, save_weights_only=True)])
    names = sorted(os.listdir(tmp_path))
    assert names == [f"w.{e + 1:02d}-{v:.3f}.npz"
                     for e, v in enumerate(history.history["val_loss"])]
    with np.load(tmp_path / names[1]) as saved:
        assert_weights_equal([saved[k] for k in saved.files], log.weights[1])
    best = tmp_path / "best.npz"
    m = npz_model()
    log = WeightLog()
    m.fit(X, Y, epochs=3, validation_data=(X, -Y), verbose=0,   # val_loss rises
          callbacks=[log, C.ModelCheckpoint(str(best), save_best_only=True)])
    with np.load(best) as saved:
        assert_weights_equal([saved[k] for k in saved.files], log.weights[0])


@pytest.mark.skipif(not hasattr(Model, "save_weights") or not hasattr(Model, "load_weights"),
                    reason="Model.save_weights/load_weights (fastgraph.saving) are not "
                           "wired into Model yet")
def test_model_checkpoint_with_fastgraph_saving(tmp_path):
    m = model()
    path = str(tmp_path / "ckpt-{epoch}.weights")
    log = WeightLog()
    m.fit(X, Y, epochs=2, verbose=0,
          callbacks=[log, C.ModelCheckpoint(path, save_weights_only=True, monitor="loss")])
    fresh = model()
    fresh.load_weights(str(tmp_path / "ckpt-1.weights"))
    assert_weights_equal(fresh.get_weights(), log.weights[0])
    if hasattr(Model, "save"):
        m.fit(X, Y, epochs=1, verbose=0,
              callbacks=[C.ModelCheckpoint(str(tmp_path / "full.model"))])
        assert os.path.getsize(tmp_path / "full.model") > 0
