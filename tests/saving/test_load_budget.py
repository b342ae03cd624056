"""load_model rebuilds a model without running initializers, within a
weight budget set by the file's own arrays, and with bounded dummy inputs
for shape inference: hostile configs fail fast, before allocating."""
import json
import threading
import time
import types
import zipfile

import numpy as np
import pytest

from fastgraph import initializers
from fastgraph import layers as L
from fastgraph.engine.layer_utils import infer_by_dummy_call
from fastgraph.engine.weight_scope import (MAX_DUMMY_BYTES, DummyInputError,
                                           WeightBudgetError, WeightCreationScope,
                                           current_scope)
from fastgraph.models import Model
from fastgraph.saving import load_model, register_serializable, save_model
from .rss_probe import probe


# ------------------------------------------------------------- helpers
def _rewrite_config(path, **changes):
    """Rewrite config.json: `changes` maps a layer name to the config keys
    to set on that layer."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    for layer in config["config"]["layers"]:
        layer["config"].update(changes.get(layer["name"], {}))
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _dense_file(tmp_path):
    a = L.Input(shape=(5,), name="a")
    x = L.Dense(4, activation="relu", name="d1")(a)
    path = tmp_path / "dense.fg"
    save_model(Model(a, L.Dense(2, name="d2")(x)), path)
    return path


def _masked_file(tmp_path):
    a = L.Input(batch_shape=(None, 8), dtype="int32", name="a")
    x = L.Embedding(10, 3, mask_zero=True, name="e")(a)
    path = tmp_path / "masked.fg"
    save_model(Model(a, L.Dense(1, name="d")(L.GlobalAveragePooling1D(name="g")(x))), path)
    return path


# ------------------------------------------------------ hostile configs
def test_huge_dense_is_refused_before_allocating(tmp_path):
    valid = _dense_file(tmp_path)
    hostile = tmp_path / "hostile.fg"
    hostile.write_bytes(valid.read_bytes())
    # a 16000 x 16000 float32 kernel: 1 GB, from a file of a few kB
    _rewrite_config(hostile, a={"batch_input_shape": [None, 16000]}, d1={"units": 16000})
    result = probe(valid, hostile)
    message = result["message"]
    assert message is not None and str(hostile) in message
    assert "corrupted or hostile" in message and '"d1"' in message
    assert "'kernel'" in message and "(16000, 16000)" in message and "budget" in message
    assert result["grew_mb"] < 20, result
    assert result["seconds"] < 2, result


def test_huge_dense_message_names_file_layer_weight_shape_and_budget(tmp_path):
    path = _dense_file(tmp_path)
    _rewrite_config(path, a={"batch_input_shape": [None, 100000]}, d1={"units": 100000})
    start = time.perf_counter()
    with pytest.raises(ValueError) as info:
        load_model(path)
    assert time.perf_counter() - start < 2
    message = str(info.value)
    for part in (repr(str(path)), '"d1"', "'kernel'", "(100000, 100000)",
                 "40000000000 bytes", "weight budget of"):
        assert part in message, (part, message)


def test_huge_batch_input_shape_is_refused_before_allocating(tmp_path):
    valid = _masked_file(tmp_path)
    hostile = tmp_path / "hostile.fg"
    hostile.write_bytes(valid.read_bytes())
    # the mask of the Embedding is inferred on a 20000 x 20000 dummy input
    _rewrite_config(hostile, a={"batch_input_shape": [20000, 20000]})
    result = probe(valid, hostile)
    message = result["message"]
    assert message is not None and str(hostile) in message
    assert "corrupted or hostile" in message and '"e"' in message
    assert "(20000, 20000)" in message and "MAX_DUMMY_BYTES" in message
    assert result["grew_mb"] < 20, result
    assert result["seconds"] < 2, result


@register_serializable("LoadBudgetDoubler")
class Doubler(L.Layer):
    """No compute_output_shape: symbolic calls infer it by a dummy call."""

    def call(self, inputs):
        return inputs * 2.0


def test_default_output_shape_inference_is_bounded_while_loading(tmp_path):
    a = L.Input(batch_shape=(2, 3), name="a")
    path = tmp_path / "m.fg"
    save_model(Model(a, Doubler(name="doubler")(a)), path)
    _rewrite_config(path, a={"batch_input_shape": [3000, 3000]})
    with pytest.raises(ValueError, match=r'Layer "doubler".*\(3000, 3000\).*MAX_DUMMY_BYTES'):
        load_model(path)
    # outside loading, the same shapes infer as before
    b = L.Input(batch_shape=(3000, 3000))
    assert Doubler()(b).shape == (3000, 3000)


def double(x):
    return x * 2.0


def test_lambda_shape_inference_is_bounded_while_loading(tmp_path):
    a = L.Input(batch_shape=(2, 3), name="a")
    path = tmp_path / "m.fg"
    save_model(Model(a, L.Lambda(double, name="lam")(a)), path)
    assert load_model(path, custom_objects={"double": double}).output_shape == (2, 3)
    _rewrite_config(path, a={"batch_input_shape": [3000, 3000]})
    with pytest.raises(ValueError, match=r'Layer "lam".*MAX_DUMMY_BYTES'):
        load_model(path, custom_objects={"double": double})


def test_small_mismatch_is_still_a_shape_error(tmp_path):
    path = _dense_file(tmp_path)
    _rewrite_config(path, d2={"units": 3})
    with pytest.raises(ValueError, match=r"'d2'.*\(4, 3\).*\(4, 2\)"):
        load_model(path)


@register_serializable("LoadBudgetHidden")
class Hidden(L.Layer):
    """Builds a helper layer kept in a plain object (not a layer, list or
    dict), so its weights are not tracked (and not saved)."""

    def build(self, input_shape):
        self.scale = self.add_weight("scale", (input_shape[-1],))
        self.helpers = types.SimpleNamespace(extra=L.Dense(2, name="extra"))
        self.helpers.extra.build(input_shape)

    def call(self, inputs):
        return inputs * self.scale


def test_weights_not_in_the_file_are_an_error(tmp_path):
    a = L.Input(shape=(3,))
    path = tmp_path / "m.fg"
    save_model(Model(a, Hidden(name="hidden")(a)), path)
    with pytest.raises(ValueError, match=r"does not list.*extra/kernel"):
        load_model(path)


# ------------------------------------------------------- normal models
def _zoo():
    img = L.Input(shape=(6, 6, 2))
    x = L.Conv2D(3, 3, name="conv")(img)
    x = L.BatchNormalization(name="bn")(x)
    x = L.Dense(4, name="dense")(L.Flatten()(x))
    seq = L.Input(shape=(5,), dtype="int32")
    y = L.Embedding(20, 4, name="emb")(seq)
    y = L.Bidirectional(L.GRU(3), name="bi")(L.LSTM(4, return_sequences=True,
                                                     name="lstm")(y))
    out = L.Dense(2, name="out")(L.Concatenate()([x, y]))
    return Model([img, seq], out)


def _initializers_raise(monkeypatch):
    def forbidden(self, *args, **kwargs):
        raise AssertionError(f"{type(self).__name__} was called while loading")
    for value in vars(initializers).values():
        if isinstance(value, type) and issubclass(value, initializers.Initializer) \
                and "__call__" in vars(value):
            monkeypatch.setattr(value, "__call__", forbidden)


def test_loading_never_calls_initializers_and_is_bit_identical(tmp_path, monkeypatch):
    model = _zoo()
    path = tmp_path / "zoo.fg"
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    x = [rng.standard_normal((3, 6, 6, 2)).astype("float32"),
         rng.integers(0, 20, (3, 5)).astype("int32")]
    model.fit(x, rng.standard_normal((3, 2)).astype("float32"), verbose=0)
    save_model(model, path)
    _initializers_raise(monkeypatch)
    with pytest.raises(AssertionError, match="was called"):
        _zoo()
    loaded = load_model(path)
    assert len(loaded.weights) == len(model.weights)
    for w, v in zip(model.weights, loaded.weights):
        assert w.data.dtype == v.data.dtype and np.array_equal(w.data, v.data), w.name
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert current_scope() is None


def test_load_succeeds_right_at_the_budget(tmp_path):
    a = L.Input(shape=(300,))
    path = tmp_path / "m.fg"
    model = Model(a, L.Dense(1000)(a))    # 1.2 MB: more than the slack alone
    save_model(model, path)
    np.testing.assert_array_equal(load_model(path).weights[0].data, model.weights[0].data)


# ------------------------------------------------------------ the scope
def test_scope_allocates_zeros_within_the_budget():
    with WeightCreationScope(100) as scope:
        assert current_scope() is scope
        layer = L.Dense(3, name="sd")
        layer.build((None, 4))              # 12 + 3 floats = 60 bytes
        assert scope.used == 60
        assert not layer.kernel.data.any() and layer.kernel.data.dtype == np.float32
        with pytest.raises(WeightBudgetError, match=r'"sd2".*\'kernel\'.*\(4, 3\).*100'):
            L.Dense(3, name="sd2").build((None, 4))
        assert scope.unfilled([layer.kernel.data]) == ["sd/bias"]
    assert current_scope() is None
    fresh = L.Dense(3)
    fresh.build((None, 4))
    assert fresh.kernel.data.any()           # initializers run outside the scope


def test_scopes_nest_and_are_per_thread():
    seen = []

    def build_elsewhere():
        layer = L.Dense(2)
        layer.build((None, 2))
        seen.append((current_scope(), bool(layer.kernel.data.any())))
    with WeightCreationScope(10 ** 6) as outer:
        with WeightCreationScope(10 ** 6) as inner:
            assert current_scope() is inner
            thread = threading.Thread(target=build_elsewhere)
            thread.start()
            thread.join()
        assert current_scope() is outer
    assert seen == [(None, True)]


def test_dummy_limit_applies_only_in_a_scope():
    def run(shape):
        return infer_by_dummy_call(lambda x: x, shape, "float32", "probe")
    assert run((None, 100)) == ((None, 100), "float32")
    with WeightCreationScope(0, dummy_limit=1000):
        assert run((None, 80)) == ((None, 80), "float32")     # 3 * 80 * 4 bytes
        with pytest.raises(DummyInputError, match=r'"probe".*1200 bytes.*1000'):
            run((None, 100))
        with pytest.raises(DummyInputError, match="1200 bytes"):
            infer_by_dummy_call(lambda xs: xs[0], [(None, 50), (None, 50)],
                                ["float32", "float32"])
    assert MAX_DUMMY_BYTES >= 1 << 20
