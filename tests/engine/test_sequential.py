"""Sequential: add/pop, input shape from the first layer or an Input,
deferred build, behaving as a functional model once built."""
import numpy as np
import pytest

from fastgraph.engine import InputLayer, reset_uids
from fastgraph.layers import Dense, Dropout, Flatten, Input, Layer
from fastgraph.models import Model, Sequential


@pytest.fixture(autouse=True)
def fresh_names():
    reset_uids()


def test_input_shape_on_first_layer_builds_at_once():
    model = Sequential()
    model.add(Dense(32, input_shape=(16,)))
    assert model.built and model.output_shape == (None, 32)
    model.add(Dropout(0.5))
    model.add(Dense(4, activation="softmax"))
    assert [layer.name for layer in model.layers] == ["dense", "dropout", "dense_1"]
    assert model.input_names == ["dense_input"] and model.output_names == ["dense_1"]
    assert model.count_params() == 16 * 32 + 32 + 32 * 4 + 4
    assert isinstance(model._layers[0], InputLayer)     # kept out of `layers`
    out = model(np.random.rand(3, 16))
    np.testing.assert_allclose(out.data.sum(axis=1), 1.0, rtol=1e-5)


def test_input_dim_and_input_tensor_first():
    assert Sequential([Dense(3, input_dim=7)]).input_shape == (None, 7)
    model = Sequential([Input((5,), name="features"), Dense(2)])
    assert model.input_names == ["features"] and model.output_shape == (None, 2)
    assert Sequential([InputLayer(input_shape=(3, 2)), Flatten()]).output_shape == (None, 6)


def test_deferred_build_on_first_call_and_by_build():
    model = Sequential([Dense(8, activation="relu"), Dense(2)])
    assert not model.built and model.inputs is None
    with pytest.raises(ValueError, match="isn't built"):
        model.count_params()
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    out = model(np.ones((3, 5)))
    assert out.shape == (3, 2) and model.built
    assert model.input_shape == (None, 5) and model.count_params() == 48 + 18
    built = Sequential([Dense(4)])
    built.build((None, 6))
    assert built.output_shape == (None, 4)
    symbolic = Sequential([Dense(3)])
    y = symbolic(Input((9,)))
    assert y.shape == (None, 3) and symbolic.built


def test_deferred_build_keeps_integer_input_dtype():
    class Lookup(Layer):
        def call(self, inputs):
            assert inputs.dtype.kind == "i"
            return inputs

        def compute_output_shape(self, input_shape):
            return input_shape

    model = Sequential([Lookup()])
    model(np.arange(6).reshape(2, 3))
    assert model.inputs[0].dtype.startswith("int")


def test_pop():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(5), Dense(6)])
    model.pop()
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    assert model.output_shape == (None, 5)
    model.pop()
    model.pop()
    assert model.layers == [] and not model.built
    with pytest.raises(TypeError, match="no layers"):
        model.pop()
    deferred = Sequential([Dense(2), Dense(3)])
    deferred.pop()
    assert [layer.name for layer in deferred.layers] == ["dense_3"]


def test_add_errors():
    model = Sequential([Dense(2, name="a")])
    with pytest.raises(TypeError, match="instance of class Layer"):
        model.add(np.ones(3))
    with pytest.raises(ValueError, match='Name "a" is already'):
        model.add(Dense(2, name="a"))

    class TwoOut(Layer):
        def call(self, inputs):
            return [inputs, inputs]

    with pytest.raises(ValueError, match="single output tensor"):
        Sequential([Dense(2, input_shape=(2,)), TwoOut()])


def test_sequential_as_a_layer_and_nested():
    inner = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    x = Input((3,))
    outer = Model(x, Dense(1)(inner(x)))
    assert outer.count_params() == 16 + 10 + 3
    assert [layer.name for layer in outer.layers] == ["input_1", "sequential", "dense_2"]
    data = np.random.rand(2, 3)
    np.testing.assert_allclose(outer(data).data,
                               outer.layers[2](inner(data)).data, rtol=1e-6)
    stacked = Sequential([inner, Dense(5)])
    assert stacked.output_shape == (None, 5)
