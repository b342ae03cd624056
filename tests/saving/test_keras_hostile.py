"""Hostile and broken Keras files are refused with a ValueError naming the
file, quickly and before anything large is allocated: code payloads,
links out of the file, virtual and external datasets, unusual filters,
huge declared shapes, wrong dtypes, truncation (docs/contract.md)."""
import json
import os
import shutil
import sys
import time
import zipfile

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from fastgraph import layers as L                                  # noqa: E402
from fastgraph.models import Sequential                            # noqa: E402
from fastgraph.saving import FileFormatError, load_model           # noqa: E402

HERE = os.path.join(os.path.dirname(__file__), "..", "reference", "keras_files")
KERNEL = "model_weights/hidden/hidden/kernel:0"


@pytest.fixture
def k2(tmp_path):
    path = tmp_path / "model.h5"
    shutil.copy(os.path.join(HERE, "k2_adam.h5"), path)
    return path


def _replace(path, dataset, make):
    with h5py.File(path, "r+") as f:
        parent, name = dataset.rsplit("/", 1)
        del f[dataset]
        make(f[parent], name, f)


def _refused(path, match):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=match) as info:
        load_model(path)
    assert str(path) in str(info.value)
    assert time.perf_counter() - start < 5
    return info.value


def test_external_and_soft_links(k2, tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["kernel"] = np.zeros((6, 8), np.float32)
    _replace(k2, KERNEL, lambda g, n, f: g.__setitem__(
        n, h5py.ExternalLink(str(other), "kernel")))
    _refused(k2, "external link")
    _replace(k2, KERNEL, lambda g, n, f: g.__setitem__(
        n, h5py.SoftLink("/model_weights/probs/probs/kernel:0")))
    _refused(k2, "soft link")


def test_virtual_and_external_storage(k2, tmp_path):
    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as f:
        f["kernel"] = np.zeros((6, 8), np.float32)

    def virtual(group, name, f):
        layout = h5py.VirtualLayout(shape=(6, 8), dtype=np.float32)
        layout[:] = h5py.VirtualSource(str(source), "kernel", shape=(6, 8))
        group.create_virtual_dataset(name, layout)
    _replace(k2, KERNEL, virtual)
    _refused(k2, "virtual dataset")
    raw = tmp_path / "raw.bin"
    raw.write_bytes(bytes(6 * 8 * 4))
    _replace(k2, KERNEL, lambda g, n, f: g.create_dataset(
        n, (6, 8), np.float32, external=[(str(raw), 0, h5py.h5f.UNLIMITED)]))
    _refused(k2, "external files")


def test_unusual_filters_and_wrong_dtypes(k2):
    _replace(k2, KERNEL, lambda g, n, f: g.create_dataset(
        n, data=np.zeros((6, 8), np.float32), scaleoffset=4))
    _refused(k2, "filter")
    _replace(k2, KERNEL, lambda g, n, f: g.create_dataset(
        n, data=np.zeros((6, 8), np.int32)))
    _refused(k2, "dtype int32, expected float32")
    _replace(k2, KERNEL, lambda g, n, f: g.create_dataset(
        n, data=np.array([[b"x"] * 8] * 6)))
    _refused(k2, "only plain numeric")
    compound = np.zeros((6, 8), dtype=[("a", np.float32), ("b", np.float32)])
    _replace(k2, KERNEL, lambda g, n, f: g.create_dataset(n, data=compound))
    _refused(k2, "only plain numeric")


def test_wrong_and_huge_declared_shapes(k2):
    _replace(k2, KERNEL, lambda g, n, f: g.create_dataset(
        n, data=np.zeros((7, 8), np.float32)))
    _refused(k2, r"shape \(6, 8\) in the model but \(7, 8\)")
    # a chunked dataset declaring 4 TB that the file does not hold
    _replace(k2, KERNEL, lambda g, n, f: g.create_dataset(
        n, (1 << 20, 1 << 20), np.float32, chunks=(64, 64)))
    _refused(k2, "declares")
    with h5py.File(k2, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        config["config"]["layers"][1]["config"]["units"] = 1 << 20
        f.attrs["model_config"] = json.dumps(config).encode()
    _refused(k2, "declares|more weight bytes")


def test_truncated_and_corrupted(k2, tmp_path):
    data = k2.read_bytes()
    for size in (4, 100, len(data) // 2, len(data) - 100):
        cut = tmp_path / f"cut{size}.h5"
        cut.write_bytes(data[:size])
        _refused(cut, "truncated|corrupted|not a valid")
    broken = tmp_path / "broken.h5"
    broken.write_bytes(data[:2000] + bytes(len(data) - 2000))
    _refused(broken, "not a valid|Cannot load")


def test_names_resolve_only_through_the_registry(k2):
    for bad in ("os.system", "builtins.exec", "NoSuchLayer"):
        with h5py.File(k2, "r+") as f:
            config = json.loads(f.attrs["model_config"])
            config["config"]["layers"][1]["class_name"] = bad
            f.attrs["model_config"] = json.dumps(config).encode()
        _refused(k2, f"unknown layer class '{bad}'")


def test_keras2_lambda_bytecode_is_refused(k2):
    with h5py.File(os.path.join(HERE, "k2_lambda.h5")) as f:
        assert "function_type" in f.attrs["model_config"]     # it holds bytecode
    error = _refused(os.path.join(HERE, "k2_lambda.h5"), "marshalled bytecode")
    assert "custom_objects={'affine': function}" in str(error)


def _rewrite_keras3(path, tmp_path, config=None, weights=None):
    out = tmp_path / "rewritten.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "config.json" and config is not None:
                data = json.dumps(config(json.loads(data))).encode()
            if name == "model.weights.h5" and weights is not None:
                data = weights(data, tmp_path)
            dst.writestr(name, data)
    return out


def test_keras3_lambda_payload_and_unknown_names(tmp_path):
    error = _refused(os.path.join(HERE, "k3_lambda.keras"), "__lambda__ payload")
    assert "never decodes or runs" in str(error)

    def module_path(config):
        config["config"]["layers"][1]["class_name"] = "os.system"
        return config
    _refused(_rewrite_keras3(os.path.join(HERE, "k3_adam.keras"), tmp_path,
                             module_path), "unknown layer class 'os.system'")


def test_keras3_weights_checked_before_reading(tmp_path):
    def huge(data, tmp):
        path = tmp / "w.h5"
        path.write_bytes(data)
        with h5py.File(path, "r+") as f:
            del f["layers/dense/vars/0"]
            f["layers/dense/vars"].create_dataset("0", (1 << 20, 1 << 20), np.float32,
                                                  chunks=(64, 64))
        return path.read_bytes()
    _refused(_rewrite_keras3(os.path.join(HERE, "k3_adam.keras"), tmp_path,
                             weights=huge), "declares")
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes((open(os.path.join(HERE, "k3_adam.keras"), "rb").read())[:3000])
    with pytest.raises(FileFormatError, match="truncated|corrupted"):
        load_model(truncated)


def test_without_h5py_the_error_names_the_extra(monkeypatch, tmp_path):
    model = Sequential([L.Input((2,)), L.Dense(1)])
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"fastgraph\[h5\]"):
        model.save(tmp_path / "m.h5")
    with pytest.raises(ImportError, match=r"fastgraph\[h5\]"):
        load_model(os.path.join(HERE, "k2_adam.h5"))
