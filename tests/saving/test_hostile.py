"""Hostile, broken and foreign files: each load raises a clean ValueError
(OSError for unreadable paths), and nothing in a file is ever executed,
unpickled or imported."""
import builtins
import importlib
import io
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.models import Model
from fastgraph.saving import load_model, load_weights, save_model, save_weights
from fastgraph.saving import archive


class Payload:
    """Unpickling this creates the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.exec, (f"open({self.marker!r}, 'w').close()",))


@pytest.fixture(autouse=True)
def nothing_runs(monkeypatch):
    """Fail on any unpickling or eval/exec; record imports by name."""
    def forbidden(*args, **kwargs):
        raise AssertionError("code from a file was about to run")
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    imported = []
    real = importlib.import_module

    def recording(name, package=None):
        imported.append(name)
        return real(name, package)
    monkeypatch.setattr(importlib, "import_module", recording)
    was_loaded = "this" in sys.modules
    yield
    assert not any(n.split(".")[0] in ("os", "builtins", "this", "subprocess")
                   for n in imported), imported
    assert was_loaded or "this" not in sys.modules


@pytest.fixture
def saved(tmp_path):
    a = L.Input(shape=(5,), name="a")
    x = L.Dense(4, activation="relu", name="d1")(a)
    model = Model(a, L.Dense(2, name="d2")(x), name="m")
    path = tmp_path / "model.fastgraph"
    save_model(model, path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rewrite(path, changes):
    """Rebuild the zip with members replaced (bytes, str or JSON-able
    values) or removed (None)."""
    members = _members(path)
    for name, value in changes.items():
        if value is None:
            members.pop(name, None)
        else:
            members[name] = value if isinstance(value, (bytes, str)) else json.dumps(value)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _tiny_model():
    a = L.Input(shape=(1,))
    return Model(a, L.Dense(1)(a))


def _config(path):
    return json.loads(_members(path)["config.json"])


def _npy(array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


def _first_weight(path):
    return sorted(n for n in _members(path) if n.startswith("weights/"))[0]


# ------------------------------------------------------------- pickles
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_payload_renamed_to_model_extension(tmp_path, protocol):
    marker = tmp_path / "marker"
    path = tmp_path / "model.fastgraph"
    path.write_bytes(pickle.dumps(Payload(marker), protocol=protocol))
    for loader in (load_model, lambda p: load_weights(_tiny_model(), p)):
        with pytest.raises(ValueError, match="not a fastgraph file") as info:
            loader(path)
        assert str(path) in str(info.value)
    if protocol >= 2:
        assert "pickle" in str(info.value)
    assert not marker.exists()


def test_pickled_object_array_inside_the_zip(saved, tmp_path):
    marker = tmp_path / "marker"
    member = _first_weight(saved)
    payload = np.empty((5, 4), dtype=object)
    payload[...] = Payload(marker)
    members = _members(saved)
    members[member] = _npy(payload)
    members["data.pkl"] = pickle.dumps(Payload(marker))
    with zipfile.ZipFile(saved, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match="only plain numeric arrays"):
        load_model(saved)
    _rewrite(saved, {"config.json": pickle.dumps(Payload(marker))})
    with pytest.raises(ValueError, match="not valid JSON"):
        load_model(saved)
    assert not marker.exists()


# ------------------------------------------------------- unknown names
def test_unknown_layer(saved):
    config = _config(saved)
    config["config"]["layers"][1]["class_name"] = "EvilLayer"
    _rewrite(saved, {"config.json": config})
    with pytest.raises(ValueError, match="unknown layer class 'EvilLayer'") as info:
        load_model(saved)
    assert str(saved) in str(info.value) and "custom_objects" in str(info.value)


def _set_layer(config, index, **changes):
    config["config"]["layers"][index]["config"].update(changes)
    return config


@pytest.mark.parametrize("bad", ["os.system", "builtins.exec", "this.s"])
@pytest.mark.parametrize("where", ["layer", "initializer", "regularizer",
                                   "activation", "nested model", "wrapped layer",
                                   "dtype policy", "loss", "metric", "optimizer"])
def test_module_paths_at_any_depth(saved, bad, where):
    config = _config(saved)
    extra = {"config.json": config}
    if where == "layer":
        config["config"]["layers"][1]["class_name"] = bad
    elif where == "initializer":
        _set_layer(config, 1, kernel_initializer={"class_name": bad, "config": {}})
    elif where == "regularizer":
        _set_layer(config, 2, bias_regularizer={"class_name": bad, "config": {}})
    elif where == "activation":
        _set_layer(config, 1, activation=bad)
    elif where == "nested model":
        inner = json.loads(json.dumps(config))
        inner["config"]["layers"][2]["class_name"] = bad
        inner["config"]["name"] = "inner"
        config["config"]["layers"][2] = dict(inner, name="inner", inbound_nodes=[
            [["d1", 0, 0, {}]]])
    elif where == "wrapped layer":
        config["config"]["layers"][2]["class_name"] = "TimeDistributed"
        config["config"]["layers"][2]["config"] = {
            "name": "d2", "layer": {"class_name": bad, "config": {}}}
    elif where == "dtype policy":
        _set_layer(config, 1, dtype={"class_name": bad, "config": {"name": "float32"}})
    elif where == "loss":
        extra["compile.json"] = {"loss": {"d2": bad}}
    elif where == "metric":
        extra["compile.json"] = {"loss": "mse", "metrics": [["acc", bad]]}
    else:
        extra["compile.json"] = {"loss": "mse"}
        extra["optimizer.json"] = {"class_name": bad, "config": {}, "state": None}
    _rewrite(saved, extra)
    with pytest.raises(ValueError) as info:
        load_model(saved)
    assert repr(bad) in str(info.value) and str(saved) in str(info.value)


def test_bad_dtype_names(saved):
    for dtype in ("object", "O", "V16"):
        _rewrite(saved, {"config.json": _set_layer(_config(saved), 1, dtype=dtype)})
        with pytest.raises(ValueError, match="unsupported dtype"):
            load_model(saved)


def test_bad_constructor_values_are_value_errors(saved):
    for changes in ({"units": -3}, {"units": "many"}, {"units": 10 ** 13},
                    {"no_such_argument": 1}, {"dtype": {"class_name": "Policy",
                                                        "config": 7}}):
        _rewrite(saved, {"config.json": _set_layer(_config(saved), 1, **changes)})
        with pytest.raises(ValueError, match="does not describe a valid model"):
            load_model(saved)
    _rewrite(saved, {"config.json": {"class_name": "Dense", "config": {"units": 2}}})
    with pytest.raises(ValueError, match="not a model"):
        load_model(saved)
    for bad in ([], {"class_name": "Functional"}, {"class_name": 3, "config": {}}):
        _rewrite(saved, {"config.json": bad})
        with pytest.raises(ValueError, match="must be an object with 'class_name'"):
            load_model(saved)


# -------------------------------------------------------------- arrays
def test_array_with_wrong_shape(saved):
    member = _first_weight(saved)
    _rewrite(saved, {member: _npy(np.zeros((3, 3), np.float32))})
    with pytest.raises(ValueError, match=r"layer 'd1'.*shape \(3, 3\), expected \(5, 4\)"):
        load_model(saved)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.float16, np.bool_])
def test_array_with_wrong_dtype(saved, dtype):
    member = _first_weight(saved)
    _rewrite(saved, {member: _npy(np.zeros((5, 4), dtype))})
    with pytest.raises(ValueError, match="expected float32"):
        load_model(saved)


def test_manifest_disagreeing_with_config(saved):
    manifest = json.loads(_members(saved)["weights.json"])
    manifest["layers"][0]["weights"][0]["shape"] = [5, 5]
    _rewrite(saved, {"weights.json": manifest})
    with pytest.raises(ValueError, match=r"'d1'.*\(5, 4\) in the model but \(5, 5\)"):
        load_model(saved)
    manifest["layers"][0]["weights"][0]["shape"] = [5, 4]
    manifest["layers"][0]["name"] = "other"
    _rewrite(saved, {"weights.json": manifest})
    with pytest.raises(ValueError, match="does not match config.json"):
        load_model(saved)
    manifest["layers"][0]["name"] = "d1"
    manifest["layers"][0]["weights"][0]["path"] = "../../etc/passwd"
    _rewrite(saved, {"weights.json": manifest})
    with pytest.raises(ValueError, match="missing"):
        load_model(saved)
    for broken in ({"layers": {}}, {"layers": [{"name": 1}]}, [],
                   {"layers": [{"name": "d1", "weights": [{"shape": [-1]}]}]}):
        _rewrite(saved, {"weights.json": broken})
        with pytest.raises(ValueError, match="weights.json"):
            load_model(saved)
    _rewrite(saved, {"weights.json": None})
    with pytest.raises(ValueError, match="'weights.json' is missing"):
        load_model(saved)


# ------------------------------------------------------- broken files
def test_truncated_random_and_empty_files(saved, tmp_path):
    data = saved.read_bytes()
    for content in (data[:len(data) // 3], data[:-1], os.urandom(4096), b"",
                    b"PK\x03\x04" + os.urandom(500)):
        saved.write_bytes(content)
        with pytest.raises(ValueError) as info:
            load_model(saved)
        assert str(saved) in str(info.value)


def test_foreign_and_renamed_files(saved, tmp_path):
    hdf5 = tmp_path / "keras.h5"
    hdf5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(1000))
    with pytest.raises(ValueError, match="HDF5"):
        load_model(hdf5)
    config = tmp_path / "model.json"
    config.write_text(json.dumps(_config(saved)))
    with pytest.raises(ValueError, match="model_from_json"):
        load_model(config)
    weights = tmp_path / "weights.keras"
    save_weights(_tiny_model(), weights)
    with pytest.raises(ValueError, match="only weights"):
        load_model(weights)


def test_unreadable_paths(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.h5")
    with pytest.raises(IsADirectoryError):
        load_model(tmp_path)


def test_zip_bomb_like_members(saved, monkeypatch):
    member = _first_weight(saved)
    huge = _npy(np.zeros((4096, 4096), np.float32))     # 64 MiB, deflates to ~64 KiB
    _rewrite(saved, {member: huge})
    assert saved.stat().st_size < 1 << 20
    with pytest.raises(ValueError, match=r"shape \(4096, 4096\), expected \(5, 4\)"):
        load_model(saved)
    monkeypatch.setattr(archive, "MAX_JSON_BYTES", 1 << 16)
    _rewrite(saved, {"config.json": " " * (1 << 20) + "{}"})
    with pytest.raises(ValueError, match="more than the limit"):
        load_model(saved)
