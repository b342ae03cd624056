"""fit_generator / evaluate_generator / predict_generator, and fit/evaluate/
predict given a generator or Sequence, on the seed's two-input model."""
import os
import signal
import warnings

import numpy as np
import pytest

from fastgraph.callbacks import Callback
from fastgraph.layers import Dense, Input, concatenate
from fastgraph.models import Model
from fastgraph.ops.random import set_seed
from fastgraph.optimizers import Adam
from fastgraph.utils.sequence import Sequence
from ..data.queue_testlib import deadline, leaves_nothing_behind

BATCH = 16
# (workers, processes): the main thread, two threads, two processes.
MODES = [(0, False), (2, False), (2, True)]
MODE_IDS = ["main-thread", "threads", "processes"]


def two_input_model():
    set_seed(1)
    x1 = Input(shape=(4,), name="input_1")
    x2 = Input(shape=(3,), name="input_2")
    h = Dense(16, activation="relu")(concatenate([x1, x2]))
    out = Dense(1, name="output")(h)
    model = Model(inputs=[x1, x2], outputs=out)
    model.compile(optimizer=Adam(learning_rate=0.02), loss="mse")
    return model


def make_batch(rng, n=BATCH):
    x1 = rng.standard_normal((n, 4)).astype(np.float32)
    x2 = rng.standard_normal((n, 3)).astype(np.float32)
    y = x1[:, :1] - 2 * x2[:, 1:2] + 0.5
    return {"input_1": x1, "input_2": x2}, {"output": y}


def dict_batches(seed=0):
    """The seed program's generator: ({'input_1', 'input_2'}, {'output'})."""
    rng = np.random.default_rng(seed)
    while True:
        yield make_batch(rng)


class Batches(Sequence):
    """`n` fixed batches; `inputs_only` yields x alone (for predict)."""

    def __init__(self, n, seed=0, inputs_only=False, weights=None):
        rng = np.random.default_rng(seed)
        self.data = [make_batch(rng) for _ in range(n)]
        self.inputs_only, self.weights = inputs_only, weights

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        x, y = self.data[index]
        if self.inputs_only:
            return x
        if self.weights is not None:
            return x, y, {"output": self.weights}
        return x, y

    def arrays(self):
        x = {k: np.concatenate([b[0][k] for b in self.data]) for k in self.data[0][0]}
        y = np.concatenate([b[1]["output"] for b in self.data])
        return x, y


def _queue_kwargs(workers, procs, spelling):
    if spelling == "keras2":
        return {"workers": workers, "max_q_size": 4, "pickle_safe": procs}
    return {"workers": workers, "max_queue_size": 4, "use_multiprocessing": procs}


@pytest.mark.parametrize("spelling", ["keras2", "keras3"])
@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_fit_generator_lowers_the_loss_in_every_mode(workers, procs, spelling):
    model = two_input_model()
    with leaves_nothing_behind(), deadline(60), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # duplicated batches
        history = model.fit_generator(dict_batches(), steps_per_epoch=10,
                                      epochs=4, verbose=0,
                                      **_queue_kwargs(workers, procs, spelling))
    loss = history.history["loss"]
    assert len(loss) == 4 and loss[-1] < 0.8 * loss[0]


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_fit_evaluate_predict_accept_a_sequence(workers, procs):
    model = two_input_model()
    seq = Batches(6)
    x, y = seq.arrays()
    kw = {"workers": workers, "use_multiprocessing": procs}
    with leaves_nothing_behind(), deadline(60):
        history = model.fit(seq, epochs=3, verbose=0, **kw)
        assert history.params["steps"] == 6
        loss = model.evaluate(seq, verbose=0, **kw)
        pred = model.predict(Batches(6, inputs_only=True), **kw)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_allclose(loss, model.evaluate(x, y, batch_size=BATCH,
                                                    verbose=0), rtol=1e-5)
    np.testing.assert_allclose(pred, model.predict(x, batch_size=BATCH),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_fit_and_evaluate_accept_a_generator(workers, procs):
    model = two_input_model()
    kw = {"workers": workers, "use_multiprocessing": procs}
    with leaves_nothing_behind(), deadline(60), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        history = model.fit(dict_batches(), steps_per_epoch=5, epochs=2,
                            verbose=0, **kw)
        value = model.evaluate(dict_batches(7), steps=3, verbose=0, **kw)
    assert len(history.history["loss"]) == 2 and np.isfinite(value)


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_predict_generator_keeps_sequence_order(workers, procs):
    model = two_input_model()
    seq = Batches(7, seed=3, inputs_only=True)
    x = {k: np.concatenate([b[0][k] for b in seq.data]) for k in seq.data[0][0]}
    with leaves_nothing_behind(), deadline(60):
        got = model.predict_generator(seq, workers=workers, pickle_safe=procs,
                                      max_q_size=3)
    np.testing.assert_allclose(got, model.predict(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_validation_data_as_generator_or_sequence(workers, procs):
    kw = {"workers": workers, "use_multiprocessing": procs}
    with leaves_nothing_behind(), deadline(60), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for validation, steps in [(dict_batches(5), 2), (Batches(3, seed=5), None)]:
            model = two_input_model()
            history = model.fit_generator(Batches(5), epochs=3, verbose=0,
                                          validation_data=validation,
                                          validation_steps=steps, **kw)
            assert len(history.history["val_loss"]) == 3
            assert all(np.isfinite(history.history["val_loss"]))
    x, y = Batches(3, seed=5).arrays()
    np.testing.assert_allclose(history.history["val_loss"][-1],
                               model.evaluate(x, y, batch_size=BATCH, verbose=0),
                               rtol=1e-5)


def test_sample_weights_from_three_tuples():
    zero = two_input_model()
    before = zero.get_weights()
    history = zero.fit_generator(Batches(4, weights=np.zeros(BATCH, np.float32)),
                                 epochs=2, verbose=0, workers=0)
    assert history.history["loss"] == [0.0, 0.0]
    for a, b in zip(before, zero.get_weights()):
        np.testing.assert_array_equal(a, b)
    ones, plain = two_input_model(), two_input_model()
    h1 = ones.fit_generator(Batches(4, weights=np.ones(BATCH, np.float32)),
                            epochs=2, verbose=0, shuffle=False)
    h2 = plain.fit_generator(Batches(4), epochs=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-6)


class StopAt(Callback):
    def __init__(self, batch):
        super().__init__()
        self.batch = batch

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            self.model.stop_training = True


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_stop_training_from_a_callback_stops_workers(workers, procs):
    model = two_input_model()
    with leaves_nothing_behind(), deadline(60):
        history = model.fit_generator(Batches(20), epochs=5, verbose=0,
                                      workers=workers, use_multiprocessing=procs,
                                      callbacks=[StopAt(2)])
    assert len(history.history["loss"]) == 1


class Interrupt(Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 2:
            os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("workers,procs", MODES[1:], ids=MODE_IDS[1:])
def test_keyboard_interrupt_during_fit_stops_workers(workers, procs):
    model = two_input_model()
    with leaves_nothing_behind(), deadline(60):
        with pytest.raises(KeyboardInterrupt):
            model.fit_generator(Batches(20), epochs=5, verbose=0,
                                workers=workers, use_multiprocessing=procs,
                                callbacks=[Interrupt()])


class Broken(Batches):
    def __getitem__(self, index):
        if index == 3:
            raise KeyError(f"no record for batch {index}")
        return super().__getitem__(index)


class Dying(Batches):
    def __getitem__(self, index):
        if index == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__getitem__(index)


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_error_in_the_data_reaches_fit(workers, procs):
    model = two_input_model()
    with leaves_nothing_behind(), deadline(60):
        with pytest.raises(KeyError, match="no record for batch 3"):
            model.fit_generator(Broken(6), epochs=2, verbose=0, shuffle=False,
                                workers=workers, use_multiprocessing=procs)


def test_dead_worker_fails_fit_with_runtime_error():
    model = two_input_model()
    with leaves_nothing_behind(), deadline(60):
        with pytest.raises(RuntimeError, match="died with exit code -9.*"
                                               "batch index 3"):
            model.fit_generator(Dying(6), epochs=2, verbose=0, shuffle=False,
                                workers=2, use_multiprocessing=True)


def test_generator_problems_are_clear_errors():
    model = two_input_model()
    with pytest.raises(ValueError, match="steps"):
        model.fit_generator(dict_batches(), epochs=1, verbose=0)
    short = (b for _, b in zip(range(3), dict_batches()))
    with pytest.raises(ValueError, match="stopped after 3 batches; steps=5"):
        model.fit_generator(short, steps_per_epoch=5, verbose=0, workers=0)
    with pytest.raises(ValueError, match="must yield tuples"):
        model.fit_generator(iter([[1, 2]] * 3), steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match="`y` must be None"):
        model.fit(dict_batches(), np.zeros(3), steps_per_epoch=2, verbose=0)


def test_fit_rejects_validation_split_with_a_generator():
    inp = Input((3,))
    model = Model(inp, Dense(1)(inp))
    model.compile("sgd", "mse")

    def gen():
        while True:
            yield np.zeros((2, 3), "float32"), np.zeros((2, 1), "float32")
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(gen(), steps_per_epoch=1, validation_split=0.5, verbose=0)
