"""Overridden train_step / test_step / predict_step (tf-keras 2.2+ style),
compiled_loss, compiled_metrics, metrics and fastgraph.GradientTape."""
import numpy as np
import pytest

import fastgraph
from fastgraph import backend as K
from fastgraph import layers as L
from fastgraph.losses import mean_squared_error
from fastgraph.metrics import Mean, Sum
from fastgraph.models import Model


class Net(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = L.Dense(6, activation="tanh", kernel_regularizer="l2")
        self.out = L.Dense(2)

    def call(self, inputs, training=None):
        return self.out(self.hidden(inputs))


class ViaSuper(Net):
    def train_step(self, data):
        return super().train_step(data)

    def test_step(self, data):
        return super().test_step(data)


class ByHand(Net):
    """tf-keras's guide: the tape, compiled_loss, apply_gradients, metrics."""

    def train_step(self, data):
        x, y = data
        with fastgraph.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _data(n=32):
    rng = np.random.RandomState(0)
    x = rng.rand(n, 4).astype("float32")
    return x, np.stack([x.sum(1), x[:, 0] - x[:, 1]], 1).astype("float32")


def _pair(cls):
    plain, custom = Net(), cls()
    for m in (plain, custom):
        m.build((None, 4))
        m.compile(fastgraph.optimizers.SGD(0.1, momentum=0.9), "mse", metrics=["mae"])
    custom.set_weights(plain.get_weights())
    return plain, custom


@pytest.mark.parametrize("cls", [ViaSuper, ByHand])
def test_overridden_steps_train_as_the_built_in_step(cls):
    x, y = _data()
    plain, custom = _pair(cls)
    want = plain.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    got = custom.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    assert set(got) == set(want) == {"loss", "mae"}
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5)
    for a, b in zip(custom.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(custom.evaluate(x, y, verbose=0),
                               plain.evaluate(x, y, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(custom.train_on_batch(x[:8], y[:8]),
                               plain.train_on_batch(x[:8], y[:8]), rtol=1e-5)


class Autoencoder(Model):
    """Trained on x alone, logging trackers of its own (the Keras VAE way)."""

    def __init__(self):
        super().__init__()
        self.encode = L.Dense(2, activation="relu")
        self.decode = L.Dense(4)
        self.loss_tracker = Mean(name="reconstruction")
        self.steps = Sum(name="steps")

    def call(self, inputs):
        return self.decode(self.encode(inputs))

    def train_step(self, data):
        with fastgraph.GradientTape() as tape:
            loss = K.mean(mean_squared_error(data, self(data, training=True)))
        self.optimizer.minimize(loss, self.trainable_variables, tape=tape)
        self.loss_tracker.update_state(loss)
        self.steps.update_state(1.0)
        return {"reconstruction": self.loss_tracker.result(),
                "steps": self.steps.result()}


def test_fit_without_targets_shows_the_step_logs_and_resets_metrics(capsys):
    x, _ = _data()
    m = Autoencoder()
    m.compile("adam")
    history = m.fit(x, batch_size=8, epochs=3, verbose=2).history
    assert history["steps"] == [4.0, 4.0, 4.0]      # reset at every epoch
    assert history["reconstruction"][-1] < history["reconstruction"][0]
    assert "reconstruction:" in capsys.readouterr().out
    assert [metric.name for metric in m.metrics] == ["reconstruction", "steps"]


class Scored(Net):
    def test_step(self, data):
        x, y = data
        err = K.mean(K.abs(self(x, training=False) - y))
        return {"error": err, "double": 2.0 * err}

    def predict_step(self, data):
        return self(data, training=False) * 10.0


def test_test_step_and_predict_step_are_honoured():
    x, y = _data()
    m = Scored()
    m.compile("sgd", "mse")
    logs = m.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    assert set(logs) == {"error", "double"}
    np.testing.assert_allclose(logs["double"], 2 * logs["error"], rtol=1e-6)
    # names evaluate does not know come sorted, as tf-keras returns them
    assert m.evaluate(x, y, verbose=0) == [logs["double"], logs["error"]]
    plain = Net()
    plain.build((None, 4))
    plain.set_weights(m.get_weights())
    np.testing.assert_allclose(m.predict(x), 10 * plain.predict(x), rtol=1e-5)
    np.testing.assert_allclose(m.predict_on_batch(x[:3]), 10 * plain.predict(x[:3]),
                               rtol=1e-5)
    history = m.fit(x, y, epochs=1, validation_data=(x, y), verbose=0).history
    assert set(history) == {"loss", "val_error", "val_double"}


class FunctionalStep(Model):
    """A functional model (inputs, outputs) whose train_step is its own."""

    calls = 0

    def train_step(self, data):
        type(self).calls += 1
        return super().train_step(data)


def test_a_functional_model_may_override_train_step():
    x, y = _data()
    inputs = L.Input((4,))
    m = FunctionalStep(inputs, L.Dense(2)(inputs))
    m.compile("sgd", "mse")
    m.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert FunctionalStep.calls == 2


def test_a_step_must_return_a_dict():
    class Bad(Net):
        def train_step(self, data):
            return 1.0

    x, y = _data()
    m = Bad()
    m.compile("sgd", "mse")
    with pytest.raises(TypeError, match="Bad.train_step must return a dict"):
        m.fit(x, y, verbose=0)


class TwoOutputs(Model):
    """Functional; its train_step hands the compiled loss dicts by name."""

    def train_step(self, data):
        x, y, sample_weight = data
        y = dict(zip(self.output_names, y))
        with fastgraph.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, sample_weight)
        self.optimizer.minimize(loss, self.trainable_variables, tape=tape)
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()


def test_two_outputs_with_sample_weights_match_the_built_in_step():
    x, y = _data()
    w = np.linspace(0.5, 2.0, len(x)).astype("float32")
    models = []
    for cls in (Model, TwoOutputs):
        inputs = L.Input((4,))
        hidden = L.Dense(3, name="hidden")(inputs)
        m = cls(inputs, [L.Dense(1, name="a")(hidden), L.Dense(1, name="b")(hidden)])
        m.compile("adam", ["mse", "mae"], loss_weights=[1.0, 0.5], metrics=["mse"])
        models.append(m)
    models[1].set_weights(models[0].get_weights())
    targets = [y[:, :1], y[:, 1:]]
    want, got = (m.fit(x, targets, sample_weight=w, batch_size=8, epochs=2,
                       shuffle=False, verbose=0).history for m in models)
    assert set(got) == set(want) == {"loss", "a_loss", "b_loss", "a_mse", "b_mse"}
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5)


def test_metrics_lists_the_loss_of_a_model_trained_on_added_losses():
    inputs = L.Input((4,))
    hidden = L.Dense(4)(inputs)
    m = Model(inputs, hidden)
    m.add_loss(K.mean(K.square(hidden - inputs)))
    m.compile("adam")
    history = m.fit(_data()[0], epochs=2, verbose=0).history
    assert [metric.name for metric in m.metrics] == ["loss"] == list(history)
