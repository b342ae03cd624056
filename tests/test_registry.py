"""The object registry: one lookup for every kind of object, the Keras
registration names, and builtins found whatever the caller imported."""
import json
import subprocess
import sys

import numpy as np
import pytest

import fastgraph
from fastgraph import (activations, constraints, initializers, losses, metrics,
                       optimizers, registry, regularizers)
from fastgraph.layers import Dense, Input, Layer
from fastgraph.models import Model, Sequential, load_model
from fastgraph.utils import (CustomObjectScope, custom_object_scope,
                             deserialize_keras_object, get_custom_objects,
                             get_registered_name, get_registered_object,
                             register_keras_serializable, serialize_keras_object)


@pytest.fixture
def clean_registry():
    saved = dict(get_custom_objects())
    yield
    get_custom_objects().clear()
    get_custom_objects().update(saved)


MODULES = {"activation": activations, "initializer": initializers,
           "regularizer": regularizers, "constraint": constraints,
           "loss": losses, "metric": metrics, "optimizer": optimizers}


@pytest.mark.parametrize("kind", sorted(MODULES))
def test_every_kind_takes_custom_objects_the_same_way(kind):
    module = MODULES[kind]

    def mine(*args):
        return args
    assert module.get("mine_x", custom_objects={"mine_x": mine}) is mine
    with custom_object_scope({"mine_x": mine}):
        assert module.get("mine_x") is mine
        assert module.deserialize("mine_x") is mine
    with pytest.raises(ValueError, match=f"Unknown {registry.KINDS[kind].word}: 'mine_x'"):
        module.get("mine_x")


@pytest.mark.parametrize("kind, name", [
    ("activation", "relu"), ("initializer", "glorot_uniform"),
    ("regularizer", "l2"), ("loss", "mse"), ("metric", "mae"),
    ("optimizer", "adam")])
def test_module_get_is_the_registry_lookup(kind, name):
    module = MODULES[kind]
    a, b = module.get(name), registry.get(kind, name)
    assert a is b or (type(a) is type(b) and type(a).__module__.startswith("fastgraph"))
    assert name in registry.builtins(kind) or name.lower() in registry.builtins(kind)


def test_builtin_tables_are_read_only_and_canonical_names_round_trip():
    table = registry.builtins("initializer")
    with pytest.raises(TypeError):
        table["x"] = initializers.Zeros
    assert registry.get_registered_name(initializers.GlorotUniform) == "GlorotUniform"
    assert registry.get_registered_name(losses.mse) == "mean_squared_error"
    assert registry.get_registered_name(Model) == "Functional"
    assert registry.builtins("layer")["Model"] is Model
    assert registry.builtins("layer")["Functional"] is Model
    assert registry.builtins("layer")["Sequential"] is Sequential
    assert registry.builtin_kind("Dense") == "layer"
    assert registry.builtin_kind("nope") is None


def test_unknown_kind_and_bad_identifiers():
    with pytest.raises(ValueError, match="unknown kind"):
        registry.get("widget", "x")
    with pytest.raises(TypeError, match="Could not interpret activation function"):
        activations.get(3)
    with pytest.raises(ValueError, match="Could not interpret constraint"):
        constraints.get(3)
    with pytest.raises(ValueError, match="config must be a name or a dict"):
        registry.deserialize("loss", {"config": {}})


def test_register_keras_serializable_as_keras(clean_registry, tmp_path):
    @register_keras_serializable(package="my_pkg")
    class Twice(Layer):
        def call(self, inputs):
            return inputs * 2.0

    @register_keras_serializable()
    def halve(x):
        return x * 0.5
    assert get_registered_name(Twice) == "my_pkg>Twice"
    assert get_registered_name(halve) == "Custom>halve"
    assert get_registered_object("my_pkg>Twice") is Twice
    assert get_custom_objects()["Custom>halve"] is halve
    config = serialize_keras_object(Twice(name="t"))
    assert config["class_name"] == "my_pkg>Twice" and config["config"]["name"] == "t"
    again = deserialize_keras_object(config)
    assert type(again) is Twice and again.name == "t"
    assert deserialize_keras_object("Custom>halve") is halve
    with pytest.raises(ValueError, match="Unknown object: 'nope'"):
        deserialize_keras_object("nope")
    with pytest.raises(ValueError, match="already registered"):
        register_keras_serializable(package="my_pkg", name="Twice")(type("Other", (Layer,), {}))
    with pytest.raises(ValueError, match="get_config"):
        register_keras_serializable()(type("NoConfig", (), {}))
    # a model holding the registered layer and activation loads without custom_objects
    x = Input((3,))
    model = Model(x, Twice()(Dense(2, activation="Custom>halve")(x)))
    model.save(tmp_path / "m.fastgraph")
    data = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(load_model(tmp_path / "m.fastgraph").predict(data),
                                  model.predict(data))


def test_custom_object_scope_alias_and_deserialize_with_module_objects():
    assert CustomObjectScope is custom_object_scope

    class Thing:
        def __init__(self, a=1):
            self.a = a
    made = deserialize_keras_object({"class_name": "Thing", "config": {"a": 3}},
                                    module_objects={"Thing": Thing})
    assert isinstance(made, Thing) and made.a == 3
    with CustomObjectScope({"Thing": Thing}):
        assert get_registered_object("Thing") is Thing


def test_constraints_module():
    c = constraints.Constraint()
    w = np.arange(3.0)
    assert c(w) is w and c.get_config() == {}
    assert constraints.serialize(None) is None
    assert constraints.get(None) is None
    assert constraints.get(c) is c
    assert constraints.serialize(c) == {"class_name": "Constraint", "config": {}}

    def clip(w):
        return w
    assert constraints.get(clip) is clip and constraints.serialize(clip) == "clip"
    with pytest.raises(ValueError, match="kernel_constraint"):
        Dense(2, kernel_constraint="not_a_constraint")


@pytest.mark.parametrize("code", [
    # the loader finds Dense and the nested Sequential without importing their modules
    "from fastgraph.saving import load_model; m = load_model(PATH); "
    "print(type(m).__name__, [type(l).__name__ for l in m.layers])",
    # layers.deserialize finds model classes, which live above the layers
    "import fastgraph.layers as L; m = L.deserialize(CONFIG); print(type(m).__name__)",
])
def test_builtins_are_found_whatever_was_imported(tmp_path, code):
    x = Input((3,))
    inner = Sequential([Dense(2, input_shape=(3,))])
    model = Model(x, Dense(1)(inner(x)))
    path = str(tmp_path / "m.fastgraph")
    model.save(path)
    code = code.replace("PATH", repr(path)).replace(
        "CONFIG", repr(json.dumps({"class_name": "Sequential",
                                   "config": inner.get_config()})).join(
            ["__import__('json').loads(", ")"]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(tmp_path), env={"PYTHONPATH": str(
                             __import__("pathlib").Path(fastgraph.__file__).parents[1])})
    assert out.returncode == 0, out.stderr
    assert "Sequential" in out.stdout
