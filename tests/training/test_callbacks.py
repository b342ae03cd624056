"""Callbacks, driven by hand with a fake model and scripted epoch logs."""
import csv
import io
import math
import os

import numpy as np
import pytest

from fastgraph.callbacks import (CSVLogger, Callback, CallbackList, EarlyStopping,
                                 History, LambdaCallback, LearningRateScheduler,
                                 ModelCheckpoint, ProgbarLogger, ReduceLROnPlateau,
                                 TerminateOnNaN)


class FakeOptimizer:
    def __init__(self, lr):
        self.lr = lr


class FakeModel:
    """What callbacks may use of a model; weights change every epoch."""

    def __init__(self, lr=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(lr)
        self.weights = [np.zeros(3, np.float32)]
        self.saved = []

    def get_weights(self):
        return self.weights  # the live arrays, like views of variables

    def set_weights(self, weights):
        for w, v in zip(self.weights, weights):
            w[...] = v

    def save(self, path):
        with open(path, "w") as f:
            f.write("model")
        self.saved.append(("model", path))

    def save_weights(self, path):
        with open(path, "w") as f:
            f.write("weights")
        self.saved.append(("weights", path))


def fit(callbacks, model, epoch_logs, steps=2, batch_logs=None, verbose=0):
    """Simulate Model.fit: returns (History, epochs run)."""
    cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose > 0, model=model,
                       epochs=len(epoch_logs), steps=steps, verbose=verbose,
                       metrics=sorted(epoch_logs[0]))
    cbs.on_train_begin()
    ran = 0
    for epoch, logs in enumerate(epoch_logs):
        cbs.on_epoch_begin(epoch)
        for batch in range(steps):
            cbs.on_train_batch_begin(batch)
            blogs = dict(batch_logs[epoch * steps + batch]) if batch_logs else {"loss": 1.0}
            cbs.on_train_batch_end(batch, blogs)
            if model.stop_training:
                break
        model.weights[0][...] = epoch  # training changes the weights in place
        logs = dict(logs)
        cbs.on_epoch_end(epoch, logs)
        ran += 1
        if model.stop_training:
            break
    cbs.on_train_end()
    return cbs.history, ran


def losses(*values, key="val_loss"):
    return [{"loss": 1.0, key: v} for v in values]


# --- Callback, CallbackList, History --------------------------------------

class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch))


def test_train_batch_hooks_call_keras2_batch_aliases():
    rec = Recorder()
    fit([rec], FakeModel(), losses(1.0), steps=2)
    assert rec.calls == [("batch_begin", 0), ("batch_end", 0), ("batch_begin", 1),
                         ("batch_end", 1), ("epoch_end", 0)]
    cbs = CallbackList([rec])
    cbs.on_batch_begin(5)
    assert rec.calls[-1] == ("batch_begin", 5)


def test_callback_list_params_model_and_every_hook():
    names = ["on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
             "on_predict_begin", "on_predict_end", "on_epoch_begin", "on_epoch_end",
             "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
             "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"]
    seen = []

    class All(Callback):
        pass

    cb = All()
    for n in names:
        setattr(cb, n, (lambda n: lambda *a: seen.append((n, a)))(n))
    model = FakeModel()
    cbs = CallbackList([cb], model=model, epochs=3, steps=4, verbose=0)
    assert cb.model is model and cb.params == {"epochs": 3, "steps": 4, "verbose": 0}
    for n in names:
        args = (0, None) if "batch" in n or "epoch" in n else (None,)
        getattr(cbs, n)(*args)
    assert [n for n, _ in seen] == names
    assert all(a[-1] == {} for _, a in seen)  # logs=None becomes {}


def test_batch_hooks_only_reach_callbacks_that_use_them():
    cbs = CallbackList([History(), EarlyStopping()])
    assert not cbs.needs_batch_hooks("train")
    cbs.append(TerminateOnNaN())
    assert cbs.needs_batch_hooks("train") and not cbs.needs_batch_hooks("test")
    assert CallbackList([LambdaCallback(on_batch_end=print)]).needs_batch_hooks("train")


def test_callback_list_rejects_non_callbacks():
    with pytest.raises(TypeError, match="callbacks\\[0\\]"):
        CallbackList([42])


def test_history_records_epochs_and_becomes_model_history():
    model = FakeModel()
    history, _ = fit([], model, [{"loss": 0.5, "acc": 0.1}, {"loss": 0.25, "acc": 0.2}])
    assert isinstance(history, History) and model.history is history
    assert history.history == {"loss": [0.5, 0.25], "acc": [0.1, 0.2]}
    assert history.epoch == [0, 1]
    assert history.params["epochs"] == 2


def test_user_history_is_reused():
    h = History()
    cbs = CallbackList([h], add_history=True)
    assert cbs.history is h and len(cbs) == 1


# --- EarlyStopping --------------------------------------------------------

def test_early_stopping_patience():
    model = FakeModel()
    es = EarlyStopping(monitor="val_loss", patience=2)
    _, ran = fit([es], model, losses(1.0, 0.5, 0.6, 0.7, 0.4, 0.3))
    assert ran == 4 and es.stopped_epoch == 3 and model.stop_training
    assert es.best == 0.5


def test_early_stopping_patience_zero_and_min_delta():
    es = EarlyStopping(patience=0, min_delta=0.1)
    _, ran = fit([es], FakeModel(), losses(1.0, 0.95, 0.5))
    assert ran == 2  # 0.95 is not better than 1.0 by 0.1


def test_early_stopping_max_mode_for_accuracy():
    es = EarlyStopping(monitor="val_accuracy", patience=1)
    assert es.mode == "max"
    _, ran = fit([es], FakeModel(), losses(0.5, 0.6, 0.55, 0.7, key="val_accuracy"))
    assert ran == 3
    assert EarlyStopping(monitor="val_acc").mode == "max"
    assert EarlyStopping(monitor="val_auc").mode == "max"
    assert EarlyStopping(monitor="val_accuracy", mode="min").mode == "min"


def test_early_stopping_restore_best_weights():
    model = FakeModel()
    es = EarlyStopping(patience=2, restore_best_weights=True)
    fit([es], model, losses(1.0, 0.2, 0.5, 0.9, 0.1))
    assert es.best_epoch == 1
    np.testing.assert_array_equal(model.weights[0], [1, 1, 1])  # epoch 1's weights
    model = FakeModel()
    fit([EarlyStopping(patience=5, restore_best_weights=False)], model, losses(1.0, 0.2, 0.5))
    np.testing.assert_array_equal(model.weights[0], [2, 2, 2])


def test_early_stopping_baseline_and_start_from_epoch():
    # Expected epoch counts checked against tf_keras 2.21's EarlyStopping.
    es = EarlyStopping(patience=2, baseline=0.1)
    _, ran = fit([es], FakeModel(), losses(1.0, 1.0, 1.0, 1.0))
    assert ran == 2  # not beating the baseline within `patience` epochs stops
    # as in tf-keras, an epoch that improves on the best never stops training
    _, ran = fit([EarlyStopping(patience=2, baseline=0.1)], FakeModel(),
                 losses(1.0, 0.9, 0.8, 0.7, 0.6))
    assert ran == 5
    es = EarlyStopping(patience=0, start_from_epoch=3)
    _, ran = fit([es], FakeModel(), losses(1.0, 2.0, 3.0, 4.0, 5.0, 6.0))
    assert ran == 5


def test_early_stopping_missing_monitor_warns_and_bad_mode():
    with pytest.warns(RuntimeWarning, match="val_loss.*available keys are: loss"):
        fit([EarlyStopping()], FakeModel(), [{"loss": 1.0}])
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="up")


# --- ModelCheckpoint ------------------------------------------------------

def test_checkpoint_template_every_epoch(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "weights.{epoch:02d}-{val_loss:.2f}.h5")
    fit([ModelCheckpoint(path)], model, losses(0.5, 0.25))
    assert sorted(os.listdir(tmp_path)) == ["weights.01-0.50.h5", "weights.02-0.25.h5"]
    assert [k for k, _ in model.saved] == ["model", "model"]


def test_checkpoint_save_best_only_and_weights_only(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "sub" / "best-{epoch}.w")
    cp = ModelCheckpoint(path, save_best_only=True, save_weights_only=True)
    fit([cp], model, losses(0.5, 0.7, 0.3, 0.4))
    assert sorted(os.listdir(tmp_path / "sub")) == ["best-1.w", "best-3.w"]
    assert {k for k, _ in model.saved} == {"weights"} and cp.best == 0.3


def test_checkpoint_fixed_name_max_mode_and_period(tmp_path, capsys):
    model = FakeModel()
    path = str(tmp_path / "best.h5")
    cp = ModelCheckpoint(path, monitor="val_acc", save_best_only=True, verbose=1)
    fit([cp], model, losses(0.5, 0.4, 0.9, key="val_acc"))
    assert len(model.saved) == 2 and os.path.exists(path)
    out = capsys.readouterr().out
    assert "Epoch 2: val_acc did not improve from 0.50000" in out
    assert "Epoch 3: val_acc improved from 0.50000 to 0.90000" in out
    model = FakeModel()
    fit([ModelCheckpoint(str(tmp_path / "p{epoch}"), period=2)], model, losses(1, 2, 3, 4, 5))
    assert [os.path.basename(p) for _, p in model.saved] == ["p2", "p4"]


def test_checkpoint_save_freq_in_batches(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "b{epoch}-{batch}")
    fit([ModelCheckpoint(path, save_freq=3)], model, losses(1, 2, 3), steps=2)
    assert [os.path.basename(p) for _, p in model.saved] == ["b2-1", "b3-2"]


def test_checkpoint_errors(tmp_path):
    with pytest.raises(KeyError, match="val_acc"):
        fit([ModelCheckpoint(str(tmp_path / "{val_acc}"))], FakeModel(), losses(1.0))
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint("x", save_freq="batch")
    with pytest.warns(RuntimeWarning, match="val_loss"):
        fit([ModelCheckpoint(str(tmp_path / "x"), save_best_only=True)],
            FakeModel(), [{"loss": 1.0}])
    with pytest.raises(IsADirectoryError, match="directory"):
        fit([ModelCheckpoint(str(tmp_path))], FakeModel(), losses(1.0))


# --- learning rate --------------------------------------------------------

def test_learning_rate_scheduler_epoch_only_and_with_lr(capsys):
    model = FakeModel(lr=0.1)
    history, _ = fit([LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))],
                     model, losses(1, 1, 1))
    assert model.optimizer.lr == pytest.approx(0.1 / 3)
    assert history.history["lr"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    model = FakeModel(lr=1.0)
    fit([LearningRateScheduler(lambda epoch, lr: lr * 0.5, verbose=1)], model, losses(1, 1))
    assert model.optimizer.lr == 0.25
    assert "LearningRateScheduler setting learning rate to 0.5" in capsys.readouterr().out


def test_learning_rate_scheduler_errors():
    with pytest.raises(ValueError, match="float"):
        fit([LearningRateScheduler(lambda epoch: "fast")], FakeModel(), losses(1))
    model = FakeModel()
    model.optimizer = object()
    with pytest.raises(ValueError, match="'lr'"):
        fit([LearningRateScheduler(lambda epoch: 0.1)], model, losses(1))
    with pytest.raises(TypeError, match="callable"):
        LearningRateScheduler(0.1)


def test_reduce_lr_on_plateau():
    model = FakeModel(lr=1.0)
    rl = ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.2)
    history, _ = fit([rl], model, losses(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0))
    # reductions after epochs 2, 4 and 6 (patience 2), floored at min_lr
    assert history.history["lr"] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert model.optimizer.lr == 0.2


def test_reduce_lr_on_plateau_cooldown_min_delta_and_max_mode():
    model = FakeModel(lr=1.0)
    rl = ReduceLROnPlateau(factor=0.1, patience=1, cooldown=2)
    history, _ = fit([rl], model, losses(1.0, 1.0, 1.0, 1.0, 1.0))
    # as tf_keras 2.21 logs it: reduced after epoch 1, two cooldown epochs, again
    assert history.history["lr"] == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01])
    model = FakeModel(lr=1.0)
    fit([ReduceLROnPlateau(patience=1, min_delta=0.1)], model, losses(1.0, 0.95, 0.5))
    assert model.optimizer.lr == pytest.approx(0.1)  # 0.95 was no improvement
    model = FakeModel(lr=1.0)
    fit([ReduceLROnPlateau(monitor="val_acc", patience=1)], model,
        losses(0.5, 0.6, 0.7, key="val_acc"))
    assert model.optimizer.lr == 1.0
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=1.5)
    assert ReduceLROnPlateau(epsilon=0.5).min_delta == 0.5


# --- CSVLogger ------------------------------------------------------------

def test_csv_logger_content(tmp_path):
    path = str(tmp_path / "log.csv")
    fit([CSVLogger(path)], FakeModel(),
        [{"loss": 0.5, "acc": 0.25, "val_loss": 0.75, "val_acc": 0.125},
         {"loss": 0.25, "acc": 0.5, "val_loss": 0.5, "val_acc": 0.25}])
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows == [["epoch", "acc", "loss", "val_acc", "val_loss"],
                    ["0", "0.25", "0.5", "0.125", "0.75"],
                    ["1", "0.5", "0.25", "0.25", "0.5"]]


def test_csv_logger_append_separator_and_missing_val(tmp_path):
    path = str(tmp_path / "log.tsv")
    fit([CSVLogger(path, separator="\t")], FakeModel(), [{"loss": 1.0}])
    fit([CSVLogger(path, separator="\t", append=True)], FakeModel(),
        [{"loss": 0.5}, {"loss": np.float32(0.25)}])
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines == ["epoch\tloss\tval_loss", "0\t1.0\tNA", "0\t0.5\tNA", "1\t0.25\tNA"]


# --- TerminateOnNaN, LambdaCallback, ProgbarLogger -------------------------

@pytest.mark.parametrize("bad", [math.nan, math.inf, np.float32("nan")])
def test_terminate_on_nan(bad, capsys):
    model = FakeModel()
    batch_logs = [{"loss": 1.0}, {"loss": 2.0}, {"loss": bad}, {"loss": 3.0}]
    _, ran = fit([TerminateOnNaN()], model, losses(1, 1, 1), steps=2, batch_logs=batch_logs * 2)
    assert model.stop_training and ran == 2
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_leaves_finite_losses_alone():
    model = FakeModel()
    _, ran = fit([TerminateOnNaN()], model, losses(1, 1, 1))
    assert ran == 3 and not model.stop_training


def test_lambda_callback():
    events = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(f"epoch_begin {epoch}"),
        on_batch_end=lambda b, l: events.append(f"batch_end {b}"),
        on_epoch_end=lambda epoch, logs: events.append(f"epoch_end {logs['val_loss']}"),
        on_train_end=lambda logs: events.append("train_end"),
        on_test_end=lambda logs: events.append("test_end"))
    fit([cb], FakeModel(), losses(0.5), steps=2)
    assert events == ["train_begin", "epoch_begin 0", "batch_end 0", "batch_end 1",
                      "epoch_end 0.5", "train_end"]
    cb.on_test_end({})
    assert events[-1] == "test_end"
    with pytest.raises(TypeError, match="unknown hook"):
        LambdaCallback(on_whatever=print)
    with pytest.raises(TypeError, match="on_epoch_end"):
        LambdaCallback(on_epoch_end=3)


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progbar_logger_steps_not_a_tty(capsys):
    batch_logs = [{"loss": 0.5}, {"loss": 0.25}] * 2
    fit([], FakeModel(), [{"loss": 0.25, "val_loss": 0.5}] * 2, steps=2,
        batch_logs=batch_logs, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and "\b" not in out
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("2/2 [==============================]")
    assert lines[1].endswith("loss: 0.2500 - val_loss: 0.5000")
    assert len(lines) == 4


def test_progbar_logger_tty_and_verbose_2(monkeypatch, capsys):
    tty = FakeTTY()
    monkeypatch.setattr("sys.stdout", tty)
    fit([], FakeModel(), [{"loss": 0.25}], steps=3, verbose=1)
    text = tty.getvalue()
    assert "\r" in text and "3/3 [" in text and text.endswith("\n")
    monkeypatch.undo()
    fit([], FakeModel(), [{"loss": 0.25}] * 2, steps=3, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("3/3 - ")
    assert "loss: 0.2500" in lines[1] and len(lines) == 4
    fit([], FakeModel(), [{"loss": 0.25}] * 2, steps=3, verbose=0)
    assert capsys.readouterr().out == ""


def test_progbar_logger_unknown_steps_and_evaluate(capsys):
    pl = ProgbarLogger()
    cbs = CallbackList([pl], model=FakeModel(), epochs=1, steps=None, verbose=1)
    assert cbs.needs_batch_hooks("train")
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    for b in range(5):
        cbs.on_train_batch_end(b, {"loss": 1.0})
    cbs.on_epoch_end(0, {"loss": 1.0})
    cbs.on_train_end()
    assert "5/5 [" in capsys.readouterr().out
    # evaluate(): a progbar for the test loop when not inside fit
    cbs = CallbackList([ProgbarLogger()], model=FakeModel(), epochs=1, steps=4, verbose=1)
    cbs.on_test_begin()
    for b in range(4):
        cbs.on_test_batch_end(b, {"loss": 2.0})
    cbs.on_test_end({"loss": 2.0})
    assert "4/4 [" in capsys.readouterr().out
    with pytest.raises(ValueError, match="count_mode"):
        ProgbarLogger(count_mode="epochs")
