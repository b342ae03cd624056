"""The allowlist: user registration, scopes and config checks."""
import threading

import pytest

from fastgraph.saving import (custom_object_scope, get_custom_objects,
                              get_registered_name, get_registered_object,
                              register_serializable)
from fastgraph.registry import custom_objects as merged_custom_objects
from fastgraph.saving.allowlist import check_config, is_known


@pytest.fixture
def clean_registry():
    saved = dict(get_custom_objects())
    yield
    get_custom_objects().clear()
    get_custom_objects().update(saved)


def _dense(**config):
    return {"class_name": "Dense", "config": {"name": "d", "units": 2, **config}}


def _model(*layers):
    return {"class_name": "Functional",
            "config": {"name": "m", "layers": list(layers),
                       "input_layers": [], "output_layers": []}}


def test_register_function_and_class(clean_registry):
    @register_serializable()
    def my_act(x):
        return x

    @register_serializable(name="Renamed")
    class Thing:
        pass
    assert get_custom_objects()["my_act"] is my_act
    assert get_registered_object("Renamed") is Thing
    assert Thing._config_class_name == "Renamed"
    assert get_registered_name(Thing) == "Renamed"
    assert get_registered_name(len) == "len"
    assert is_known("activation", "my_act", merged_custom_objects())


def test_register_refuses_builtin_names_and_bad_values(clean_registry):
    with pytest.raises(ValueError, match="built-in layer class"):
        register_serializable(name="Dense")(type("X", (), {}))
    def relu(x):
        return x
    with pytest.raises(ValueError, match="built-in activation"):
        register_serializable()(relu)
    with pytest.raises(TypeError, match="non-empty string"):
        register_serializable(name="")
    with pytest.raises(TypeError, match="class or a function"):
        register_serializable(name="x")(3)


def test_register_lambda_needs_a_name(clean_registry):
    with pytest.raises(ValueError, match="no usable name"):
        register_serializable()(lambda x: x)


def test_custom_object_scope_is_per_thread_and_nests(clean_registry):
    def f(x):
        return x
    seen = []
    with custom_object_scope({"f": f}):
        with custom_object_scope({"g": len}):
            assert get_registered_object("f") is f
            assert get_registered_object("g") is len
        assert get_registered_object("g") is None
        worker = threading.Thread(target=lambda: seen.append(get_registered_object("f")))
        worker.start()
        worker.join()
    assert seen == [None]
    assert get_registered_object("f") is None


def test_custom_objects_are_validated():
    with pytest.raises(TypeError, match="must be a dict"):
        merged_custom_objects([("a", len)])
    with pytest.raises(TypeError, match="class or a function"):
        merged_custom_objects({"a": 3})
    with pytest.raises(TypeError, match="keys must be strings"):
        merged_custom_objects({1: len})


def test_explicit_custom_objects_win(clean_registry):
    def mine(x):
        return x
    register_serializable(name="thing")(len)
    assert merged_custom_objects({"thing": mine})["thing"] is mine


def test_known_configs_pass():
    check_config(_model({"class_name": "InputLayer", "config": {"dtype": "int32"}},
                        _dense(activation="relu",
                               kernel_initializer={"class_name": "GlorotUniform",
                                                   "config": {"seed": None}},
                               bias_initializer="zeros",
                               kernel_regularizer={"class_name": "L2",
                                                   "config": {"l2": 0.1}},
                               dtype="float32")))
    check_config({"class_name": "Adam", "config": {}}, kind="optimizer")
    check_config({"class_name": "adam", "config": {}}, kind="optimizer")
    check_config(["mse", {"out": "binary_crossentropy"},
                  {"class_name": "Huber", "config": {"delta": 2.0}}], kind="loss")
    check_config([["accuracy", "mae"], {"class_name": "function", "config": "mse"}],
                 kind="metric")


@pytest.mark.parametrize("bad", ["os.system", "builtins.exec", "posix.system",
                                 "subprocess.Popen", "__import__"])
@pytest.mark.parametrize("where, build", [pytest.param(*case, id=case[0]) for case in [
    ("config.class_name", lambda b: {"class_name": b, "config": {}}),
    ("config.config.layers[0].class_name", lambda b: _model({"class_name": b,
                                                              "config": {}})),
    ("kernel_initializer.class_name",
     lambda b: _model(_dense(kernel_initializer={"class_name": b, "config": {}}))),
    ("kernel_initializer", lambda b: _model(_dense(kernel_initializer=b))),
    ("activity_regularizer.class_name",
     lambda b: _model(_dense(activity_regularizer={"class_name": b, "config": {}}))),
    ("config.activation", lambda b: _model(_dense(activation=b))),
    ("recurrent_activation", lambda b: _model(
        {"class_name": "LSTM", "config": {"units": 2, "recurrent_activation": b}})),
    ("config.layer.class_name", lambda b: _model(
        {"class_name": "TimeDistributed", "config": {"layer": {"class_name": b,
                                                                "config": {}}}})),
    ("config.layer.config.activation", lambda b: _model(
        {"class_name": "TimeDistributed", "config": {"layer": _dense(activation=b)}})),
    ("layers[0].config.layers[0].class_name", lambda b: _model(
        _model({"class_name": b, "config": {}}))),
    ("layers[0].config.layers[0].config.kernel_initializer", lambda b: _model(
        {"class_name": "Sequential", "config": {"layers": [_dense(kernel_initializer=b)]}})),
    ("deep", lambda b: {"class_name": "Functional", "config": {
        "x": [[{"nested": {"class_name": b}}]]}}),
]])
def test_module_paths_are_refused_at_any_depth(bad, where, build):
    with pytest.raises(ValueError, match="never imported as a module path|unknown") as info:
        check_config(build(bad))
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize("kind, value", [
    ("loss", "os.system"), ("loss", ["mse", "builtins.exec"]),
    ("loss", {"out": {"class_name": "os.system", "config": {}}}),
    ("loss", {"class_name": "function", "config": "builtins.eval"}),
    ("metric", [["acc", "os.system"]]),
    ("optimizer", {"class_name": "builtins.exec", "config": {}}),
])
def test_compile_names_are_checked(kind, value):
    with pytest.raises(ValueError, match="unknown"):
        check_config(value, kind=kind)


def test_dtypes_are_checked():
    for dtype in ("object", "O", "|O", "V8", "os.system"):
        with pytest.raises(ValueError, match="unsupported dtype"):
            check_config(_model(_dense(dtype=dtype)))
    with pytest.raises(ValueError, match="dtype policy"):
        check_config(_model(_dense(dtype={"class_name": "os.system", "config": {}})))
    check_config(_model(_dense(dtype={"class_name": "Policy",
                                      "config": {"name": "float32"}})))


def test_non_string_class_names():
    with pytest.raises(ValueError, match="must be a string"):
        check_config(_model({"class_name": ["os", "system"], "config": {}}))


def test_lambda_checks(clean_registry):
    def lam(config):
        return _model({"class_name": "Lambda", "config": {"name": "l", **config}})
    with pytest.raises(ValueError, match=r"custom_objects=\{'double': double\}"):
        check_config(lam({"function": "double"}))
    with pytest.raises(ValueError, match="stored as Python code"):
        check_config(lam({"function": ["4wEAAAAAAAAA", None, None],
                          "function_type": "lambda"}))
    with pytest.raises(ValueError, match="anonymous lambda"):
        check_config(lam({"function": "<lambda>"}))
    with pytest.raises(ValueError, match="as its 'output_shape'"):
        check_config(lam({"function": "len", "output_shape": "shape_fn",
                          "output_shape_type": "function"}),
                     merged_custom_objects({"len": len}))
    check_config(lam({"function": "double", "output_shape": [[2], [3]]}),
                 merged_custom_objects({"double": len}))
    register_serializable(name="double")(len)
    check_config(lam({"function": "double", "mask": None}))
