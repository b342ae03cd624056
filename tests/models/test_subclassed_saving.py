"""Saving subclassed models: weights in fastgraph's format and Keras 2's
.h5, whole models when the class is registered and has get_config, and the
errors otherwise."""
import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.models import Model, load_model, model_from_json
from fastgraph.utils import register_keras_serializable


@register_keras_serializable(package="SubclassedSaving")
class Net(Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.blocks = [L.Dense(units, activation="relu"), L.Dense(units)]
        self.norm = L.BatchNormalization()
        self.out = L.Dense(1)

    def call(self, inputs, training=None):
        for block in self.blocks:
            inputs = block(inputs)
        return self.out(self.norm(inputs, training=training))

    def get_config(self):
        return {"units": self.units, "name": self.name}


class Unregistered(Net):
    pass


@register_keras_serializable(package="SubclassedSaving")
class NoConfig(Model):
    def __init__(self):
        super().__init__()
        self.dense = L.Dense(1)

    def call(self, inputs):
        return self.dense(inputs)


def _trained(cls=Net):
    rng = np.random.RandomState(0)
    x = rng.rand(16, 3).astype("float32")
    y = x.sum(1, keepdims=True)
    m = cls(5)
    m.compile("adam", "mse")
    m.fit(x, y, batch_size=8, epochs=2, verbose=0)
    return m, x, y


def test_a_registered_subclassed_model_saves_and_loads_whole(tmp_path):
    m, x, y = _trained()
    path = tmp_path / "net.fg"
    m.save(path)
    back = load_model(path)
    assert type(back) is Net and back.units == 5
    np.testing.assert_array_equal(back.predict(x), m.predict(x))
    # compile settings and optimizer state come back: training goes on alike
    m.train_on_batch(x, y)
    back.train_on_batch(x, y)
    for a, b in zip(back.get_weights(), m.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    again = model_from_json(m.to_json())
    assert type(again) is Net and not again.built


@pytest.mark.parametrize("name", ["w.fg", "w.h5"])
def test_weights_round_trip(tmp_path, name):
    if name.endswith(".h5"):
        pytest.importorskip("h5py")
    m, x, _ = _trained()
    m.save_weights(tmp_path / name)
    fresh = Net(5)
    with pytest.raises(ValueError, match="not built.*build"):
        fresh.load_weights(tmp_path / name)
    fresh.build((None, 3))
    fresh.load_weights(tmp_path / name)
    np.testing.assert_array_equal(fresh.predict(x), m.predict(x))


def test_what_cannot_be_saved_says_why(tmp_path):
    m, _, _ = _trained(Unregistered)
    with pytest.raises(ValueError, match="not registered.*register_keras_serializable"):
        m.save(tmp_path / "m.fg")
    m.save_weights(tmp_path / "w.fg")        # weights need no registration
    with pytest.raises(ValueError, match="must define get_config"):
        NoConfig().save(tmp_path / "m.fg")
    with pytest.raises(ValueError, match="not built"):
        Net().save(tmp_path / "m.fg")
    net, _, _ = _trained()
    with pytest.raises(ValueError, match="fastgraph's format"):
        net.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="not Keras 3's"):
        net.save_weights(tmp_path / "m.weights.h5")

    class OwnWeights(Model):
        def build(self, input_shape):
            self.scale = self.add_weight("scale", (input_shape[-1],))
            super().build(input_shape)      # a call on zeros, which builds nothing twice

        def call(self, inputs):
            return inputs * self.scale

    own = OwnWeights()
    own.build((None, 2))
    assert own.built
    own(np.ones((3, 2), "float32"))         # built once: no second weight
    assert len(own.weights) == 1
    with pytest.raises(ValueError, match="weights of its own"):
        own.save_weights(tmp_path / "own.fg")
