"""clone_model: same architecture and config, new weights; clone_function
and input_tensors as in Keras."""
import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.models import Model, Sequential, clone_model


def _functional():
    a, b = L.Input((4,), name="a"), L.Input((3,), name="b")
    shared = L.Dense(5, activation="relu", name="shared")
    inner_in = L.Input((5,))
    inner = Model(inner_in, L.Dense(2)(inner_in), name="inner")
    ha, hb = shared(a), shared(L.Dense(4)(b))
    merged = L.concatenate([ha, L.Dropout(0.5)(hb, training=False)])
    return Model([a, b], [inner(ha), L.Dense(1, name="score")(merged)], name="two_heads")


def _inputs(n=3):
    rng = np.random.RandomState(0)
    return [rng.rand(n, 4).astype("float32"), rng.rand(n, 3).astype("float32")]


def test_a_functional_clone_has_the_config_and_new_weights():
    model = _functional()
    clone = clone_model(model)
    assert clone.name == model.name and clone.get_config() == model.get_config()
    assert not {id(w) for w in clone.weights} & {id(w) for w in model.weights}
    assert len(clone.get_layer("shared")._inbound_nodes) == 2     # still shared
    assert clone.get_layer("inner") is not model.get_layer("inner")
    clone.set_weights(model.get_weights())
    for got, want in zip(clone.predict(_inputs()), model.predict(_inputs())):
        np.testing.assert_array_equal(got, want)
    clone.compile("sgd", "mse")
    clone.train_on_batch(_inputs(), [np.zeros((3, 2)), np.zeros((3, 1))])
    assert any(not np.array_equal(a, b)
               for a, b in zip(clone.get_weights(), model.get_weights()))


def test_clone_function_replaces_each_layer_once():
    model = _functional()
    seen = []

    def rename(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(dict(layer.get_config(), name="c_" + layer.name))
    clone = clone_model(model, clone_function=rename)
    assert sorted(seen) == sorted(layer.name for layer in model.layers
                                  if not isinstance(layer, L.InputLayer))
    assert clone.get_layer("c_shared") is not None and clone.output_names[1] == "c_score"

    def keep(layer):
        return layer
    same = clone_model(model, clone_function=keep)      # Keras' way to share weights
    assert [id(w) for w in same.weights] == [id(w) for w in model.weights]


def test_input_tensors_start_the_clone():
    model = _functional()
    a, b = L.Input((4,), name="new_a"), L.Input((3,), name="new_b")
    clone = clone_model(model, input_tensors=[a, b])
    assert clone.inputs[0] is a and clone.input_names == ["new_a", "new_b"]
    with pytest.raises(ValueError, match="input_tensors has 1 tensor"):
        clone_model(model, input_tensors=[a])
    with pytest.raises(ValueError, match="not from Input"):
        clone_model(model, input_tensors=[L.Dense(4)(a), b])
    with pytest.raises(TypeError, match=r"input_tensors\[0\]"):
        clone_model(model, input_tensors=[np.zeros((1, 4)), b])


def test_sequential_clones():
    built = Sequential([L.Dense(3, input_shape=(4,)), L.Dropout(0.2), L.Dense(1)],
                       name="seq")
    clone = clone_model(built)
    assert isinstance(clone, Sequential) and clone.name == "seq" and clone.built
    assert clone.input_shape == (None, 4) and clone.get_config() == built.get_config()
    assert len(clone.weights) == len(built.weights)
    deferred = clone_model(Sequential([L.Dense(3), L.Dense(1)]))
    assert not deferred.built and len(deferred.layers) == 2
    x = L.Input((4,), name="start")
    on_x = clone_model(Sequential([L.Dense(2)]), input_tensors=x)
    assert on_x.inputs[0] is x and on_x.output_shape == (None, 2)
    with pytest.raises(ValueError, match="at most one tensor"):
        clone_model(built, input_tensors=[x, x])


def test_what_cannot_be_cloned():
    class Sub(Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

    with pytest.raises(ValueError, match="subclassed model"):
        clone_model(Sub())
    with pytest.raises(TypeError, match="expected a fastgraph Model"):
        clone_model(L.Dense(2))
    with pytest.raises(TypeError, match="must return a Layer"):
        clone_model(_functional(), clone_function=lambda layer: None)
