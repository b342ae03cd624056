"""Subclassed models (class M(Model) with call): the functional twin with
the same weights, attribute tracking, building, the training API, summary
and the errors."""
import numpy as np
import pytest

import fastgraph
from fastgraph import layers as L
from fastgraph.models import Model, Sequential
from fastgraph.utils import Sequence


class TwoLayer(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = L.Dense(8, activation="tanh")
        self.norm = L.BatchNormalization()
        self.out = L.Dense(3, activation="softmax")

    def call(self, inputs, training=None):
        return self.out(self.norm(self.hidden(inputs), training=training))


def _twin():
    x = L.Input((5,))
    h = L.Dense(8, activation="tanh")(x)
    return Model(x, L.Dense(3, activation="softmax")(L.BatchNormalization()(h)))


def _data(n=24, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.rand(n, 5).astype("float32")
    return x, np.eye(3, dtype="float32")[rng.randint(0, 3, n)]


def test_subclassed_and_functional_twins_train_alike():
    x, y = _data()
    sub, fun = TwoLayer(), _twin()
    sub.build((None, 5))
    assert [w.shape for w in sub.get_weights()] == [w.shape for w in fun.get_weights()]
    sub.set_weights(fun.get_weights())
    for m in (sub, fun):
        m.compile(fastgraph.optimizers.Adam(0.01), "categorical_crossentropy",
                  metrics=["accuracy"])
    np.testing.assert_allclose(sub.predict(x), fun.predict(x), rtol=1e-6, atol=1e-7)
    for step in range(3):
        batch = slice(8 * step, 8 * step + 8)
        got = sub.train_on_batch(x[batch], y[batch])
        want = fun.train_on_batch(x[batch], y[batch])
        np.testing.assert_allclose(got, want, rtol=1e-6)
    for a, b in zip(sub.get_weights(), fun.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(sub.predict(x), fun.predict(x), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(sub.evaluate(x, y, verbose=0),
                               fun.evaluate(x, y, verbose=0), rtol=1e-5)
    assert sub.metrics_names == fun.metrics_names == ["loss", "accuracy"]


class Block(L.Layer):
    """A custom layer holding sublayers in a dict."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.parts = {"a": L.Dense(4), "b": L.Dense(4)}

    def call(self, inputs):
        return self.parts["a"](inputs) + self.parts["b"](inputs)


class Tracked(Model):
    def __init__(self):
        super().__init__()
        self.stack = []
        for _ in range(2):
            self.stack.append(L.Dense(6))
        self.pair = (L.Dense(5), L.Dense(5))
        self.block = Block()
        self.inner = TwoLayer()
        self.not_a_layer = [1, 2]

    def call(self, inputs):
        for layer in self.stack:
            inputs = layer(inputs)
        inputs = self.pair[1](self.pair[0](inputs))
        return self.inner(self.block(inputs))


def test_layers_lists_dicts_and_nested_models_are_tracked():
    m = Tracked()
    assert not m.built and m.weights == []
    out = m(np.zeros((2, 3), "float32"))
    assert out.shape == (2, 3) and m.built
    assert [type(layer).__name__ for layer in m.layers] == \
        ["Dense", "Dense", "Dense", "Dense", "Block", "TwoLayer"]
    # 4 Dense and the Block's 2 (kernel, bias), TwoLayer's 2 Dense and its
    # BatchNormalization's gamma, beta, moving mean and variance
    assert len(m.weights) == 2 * 6 + 2 * 2 + 4
    assert len(m.trainable_weights) == 18
    assert len(m.non_trainable_weights) == 2
    assert m.count_params() == sum(w.size for w in m.get_weights())


def test_build_summary_and_unbuilt_errors():
    m = TwoLayer(name="two")
    with pytest.raises(ValueError, match="has not yet been built.*build()"):
        m.summary()
    m.build((None, 5))
    lines = []
    m.summary(print_fn=lines.append)
    assert lines[0] == 'Model: "two"'
    assert any(line.startswith(" dense") and "multiple" in line for line in lines)
    assert lines[-3].startswith("Trainable params: 91")
    with pytest.raises(ValueError, match="input shape"):
        TwoLayer().build(None)


def test_fit_evaluate_predict_and_generators():
    x, y = _data(32)
    m = TwoLayer()
    m.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    history = m.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert m.predict(x, batch_size=5).shape == (32, 3)
    assert m.predict_on_batch(x[:4]).shape == (4, 3)
    assert len(m.test_on_batch(x[:4], y[:4])) == 2

    class Batches(Sequence):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[8 * i:8 * i + 8], y[8 * i:8 * i + 8]
    m.fit_generator(Batches(), epochs=1, verbose=0)
    loss, acc = m.evaluate_generator(Batches())
    np.testing.assert_allclose(loss, m.evaluate(x, y, batch_size=8, verbose=0)[0],
                               rtol=1e-5)
    assert m.predict_generator(Batches()).shape == (32, 3)
    fresh = TwoLayer()          # the first batch of a generator builds it
    fresh.compile("sgd", "categorical_crossentropy")
    assert len(fresh.fit_generator(Batches(), epochs=2, verbose=0).history["loss"]) == 2
    assert TwoLayer().predict_generator(Batches()).shape == (32, 3)


class DictInOut(Model):
    def __init__(self):
        super().__init__()
        self.a = L.Dense(2)
        self.b = L.Dense(1, activation="sigmoid")

    def call(self, inputs):
        h = L.concatenate([inputs["left"], inputs["right"]])
        return {"score": self.a(h), "flag": self.b(h)}


def test_dict_inputs_and_outputs_use_their_names():
    rng = np.random.RandomState(1)
    x = {"left": rng.rand(16, 3).astype("float32"),
         "right": rng.rand(16, 2).astype("float32")}
    y = {"score": rng.rand(16, 2).astype("float32"),
         "flag": (rng.rand(16, 1) > 0.5).astype("float32")}
    m = DictInOut()
    m.compile("adam", {"score": "mse", "flag": "binary_crossentropy"})
    history = m.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "score_loss", "flag_loss"}
    score, flag = m.predict(x)
    assert score.shape == (16, 2) and flag.shape == (16, 1)


def test_a_subclassed_model_inside_a_functional_model():
    inner = TwoLayer()
    x = L.Input((5,))
    outer = Model(x, L.Dense(1)(inner(x)))
    assert outer.output_shape == (None, 1)
    assert len(outer.trainable_weights) == len(inner.trainable_weights) + 2
    data, _ = _data(4)
    np.testing.assert_allclose(outer.predict(data),
                               outer.layers[-1](inner(data)).data, rtol=1e-6)
    seq = Sequential([TwoLayer(), L.Dense(2)])
    assert seq(np.zeros((3, 5), "float32")).shape == (3, 2)


def test_mistakes_are_named():
    class NoSuper(Model):
        def __init__(self):
            self.dense = L.Dense(2)

    with pytest.raises(RuntimeError, match="super\\(\\).__init__\\(\\)"):
        NoSuper()

    class NoCall(Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)

    with pytest.raises(TypeError, match="must define call"):
        NoCall()(np.zeros((1, 2), "float32"))
    with pytest.raises(TypeError, match="only"):
        TwoLayer(units=3)
    with pytest.raises(TypeError, match="both are required"):
        Model()


def test_fastgraph_exports_model_and_gradient_tape():
    assert fastgraph.Model is Model
    assert fastgraph.GradientTape is fastgraph.autodiff.GradientTape
    assert {"Model", "GradientTape"} <= set(dir(fastgraph))


class Dropping(Model):
    """Calls its Dropout without `training`: the model's call passes it down."""

    def __init__(self):
        super().__init__()
        self.drop = L.Dropout(0.5)
        self.dense = L.Dense(1, kernel_initializer="ones", use_bias=False)

    def call(self, inputs):
        self.add_loss(0.0 * inputs[0, 0] + 1.0)
        return self.dense(self.drop(inputs))


def test_training_reaches_sublayers_and_call_losses_count():
    x = np.ones((64, 10), "float32")
    m = Dropping()
    kept = m(x, training=True).data
    assert set(np.unique(kept)) != {10.0} and np.isclose(kept.mean(), 10.0, rtol=0.2)
    np.testing.assert_array_equal(m(x).data, 10.0)
    np.testing.assert_array_equal(m.predict(x), 10.0)
    m.compile("sgd", "mse")
    # the loss added in call() joins the compiled loss, in evaluate too
    np.testing.assert_allclose(m.evaluate(x, np.full((64, 1), 10.0), verbose=0), 1.0)
