"""Loading costs are bounded by what a file really holds (issue 17, items
1-6): every archive member is read by one rule (its reader's budget, array
data compressed at most MAX_ARRAY_COMPRESSION_RATIO:1), weights are read
into the model's own buffers, JSON members are bounded by role and by value
count before they are parsed, loading is linear in the number of layers and
bounded in it, only regular files are read, and names from a file are cut
and escaped wherever they are shown (docs/contract.md)."""
import contextlib
import io
import json
import os
import socket
import time
import zipfile

import numpy as np
import pytest

import fastgraph
from fastgraph import layers as L
from fastgraph.cli import main as cli_main
from fastgraph.engine.functional import Functional
from fastgraph.models import Model, Sequential
from fastgraph.saving import archive, load_model, load_weights, save_model
from ..data.queue_testlib import deadline
from .rss_probe import probe


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(path, members, deflated=()):
    """Write `members` (bytes), deflating those named in `deflated`."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data, zipfile.ZIP_DEFLATED if name in deflated
                        else zipfile.ZIP_STORED)


def _npy(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _square(tmp_path, units, ext="fg", name="wide"):
    """A file of Input(units) -> Dense(units, no bias): units**2 floats."""
    a = L.Input(shape=(units,), name="a")
    path = tmp_path / f"{name}.{ext}"
    save_model(Model(a, L.Dense(units, use_bias=False, name="d")(a)), path)
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return _square(tmp_path_factory.mktemp("small"), 4, name="small")


# ------------------------------------------------ 1. array members
def test_deflated_weight_is_refused_before_it_is_inflated(tmp_path, small):
    path = _square(tmp_path, 4096)              # a 64 MiB kernel
    members = _members(path)
    kernel = next(n for n in members if n.startswith("weights/"))
    members[kernel] = _npy(np.zeros((4096, 4096), np.float32))
    _zip(path, members, deflated={kernel})       # deflates ~1000:1
    assert path.stat().st_size < 1 << 20
    result = probe(small, path)
    message = result["message"]
    assert message is not None and str(path) in message
    assert "compression ratio" in message and "100:1" in message and "'d/kernel" in message
    assert result["grew_mb"] < 20, result
    assert result["seconds"] < 2, result


def test_a_weight_member_larger_than_the_model_expects_is_refused(tmp_path):
    path = _square(tmp_path, 4)
    members = _members(path)
    kernel = next(n for n in members if n.startswith("weights/"))
    members[kernel] = members[kernel] + b"\0" * (1 << 20)
    _zip(path, members)
    with pytest.raises(ValueError, match=r"is 1048\d+ bytes, more than the limit of 10064"):
        load_model(path)


@pytest.mark.parametrize("ext", ["fg", "keras", "h5"])
def test_weights_are_read_into_the_model_once(tmp_path, ext):
    if ext != "fg":
        pytest.importorskip("h5py")
    path = _square(tmp_path, 2048, ext)         # 16 MiB of weights
    result = probe(_square(tmp_path, 4, ext, "warm"), path)
    assert result["message"] is None
    assert result["grew_mb"] < 16 * 1.5, result  # one copy, not two


def test_deflated_keras_weights_member_is_refused(tmp_path, small):
    pytest.importorskip("h5py")
    path = _square(tmp_path, 2048, "keras")
    model = load_model(path)
    model.layers[1].kernel.data[...] = 0
    model.save(path)
    _zip(path, _members(path), deflated={"model.weights.h5"})
    assert path.stat().st_size < 1 << 20
    result = probe(small, path)
    assert "compression ratio" in result["message"] and "model.weights.h5" in result["message"]
    assert result["grew_mb"] < 20, result


def test_compressed_hdf5_dataset_is_refused(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = _square(tmp_path, 1024, "h5")
    with h5py.File(path, "r+") as f:
        name = "model_weights/d/d/kernel:0"
        del f[name]
        f.create_dataset(name, data=np.zeros((1024, 1024), np.float32),
                         compression="gzip", compression_opts=9, chunks=(1024, 1024))
    with pytest.raises(ValueError, match=r"compression ratio over 100:1"):
        load_model(path)


# ------------------------------------------------- 2. JSON members
def _bomb(count):
    return b"[" + b"{}," * count + b"{}]"


def test_manifest_is_bounded_by_the_number_of_members(tmp_path, small):
    path = tmp_path / "manifest.fg"
    members = _members(small)
    members["weights.json"] = _bomb((16 << 20) // 3)          # 16 MiB of [{},{},...]
    _zip(path, members, deflated={"weights.json"})
    assert path.stat().st_size < 100 << 10
    result = probe(small, path)
    assert "'weights.json' is" in result["message"] and "for this member" in result["message"]
    assert result["grew_mb"] < 20 and result["seconds"] < 1, result


def test_format_member_is_small(tmp_path):
    path = tmp_path / "format.fg"
    header = {"format": "fastgraph", "version": 1, "kind": "model", "pad": "x" * 100_000}
    _zip(path, {archive.FORMAT_MEMBER: json.dumps(header).encode()})
    with pytest.raises(ValueError, match=r"fastgraph_format.json' is 1000\d+ bytes, "
                                         r"more than the limit of 65536"):
        load_model(path)


def test_json_value_count_is_checked_before_parsing(tmp_path, small):
    path = tmp_path / "values.fg"
    members = _members(small)
    members["config.json"] = _bomb(6_000_000)                # 18 MB, 12 M values
    _zip(path, members, deflated={"config.json"})
    result = probe(small, path)
    assert "MAX_JSON_VALUES" in result["message"] and "config.json" in result["message"]
    assert result["grew_mb"] < 40 and result["seconds"] < 1, result
    with pytest.raises(ValueError, match="MAX_JSON_VALUES"):
        fastgraph.models.model_from_json(_bomb(6_000_000).decode())


def test_keras_metadata_is_small(tmp_path):
    pytest.importorskip("h5py")
    path = _square(tmp_path, 4, "keras")
    members = _members(path)
    members["metadata.json"] = json.dumps({"pad": "x" * 100_000}).encode()
    _zip(path, members)
    with pytest.raises(ValueError, match=r"metadata.json' is \d+ bytes, more than the "
                                         r"limit of 65536"):
        load_model(path)


# ------------------------------------------- 3, 4. number of layers
def _activation_stack(n, kind):
    """The config of n Activation layers, as a Sequential or a Functional."""
    act = [{"class_name": "Activation",
            "config": {"name": f"act_{i}", "activation": "relu", "trainable": True,
                       "dtype": "float32"}} for i in range(n)]
    if kind == "Sequential":
        layers = [{"class_name": "InputLayer",
                   "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                              "name": "inp"}}] + act
        return {"class_name": "Sequential", "config": {"name": "seq", "layers": layers}}
    previous = "inp"
    for layer in act:
        layer["name"] = layer["config"]["name"]
        layer["inbound_nodes"] = [[[previous, 0, 0, {}]]]
        previous = layer["name"]
    inp = {"class_name": "InputLayer", "name": "inp", "inbound_nodes": [],
           "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "inp"}}
    return {"class_name": "Functional",
            "config": {"name": "fun", "layers": [inp] + act,
                       "input_layers": [["inp", 0, 0]],
                       "output_layers": [[previous, 0, 0]]}}


def _stack_file(tmp_path, n, kind):
    path = tmp_path / f"{kind}{n}.fg"
    _zip(path, {archive.FORMAT_MEMBER: json.dumps(
        {"format": "fastgraph", "version": 1, "kind": "model"}).encode(),
        "config.json": json.dumps(_activation_stack(n, kind)).encode(),
        "weights.json": b'{"layers": []}'}, deflated={"config.json"})
    return path


def _load_seconds(path):
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        model = load_model(path)
        best = min(best, time.perf_counter() - start)
    return best, model


@pytest.mark.parametrize("kind", ["Sequential", "Functional"])
def test_loading_is_linear_in_the_number_of_layers(tmp_path, kind):
    small, _ = _load_seconds(_stack_file(tmp_path, 250, kind))
    large, model = _load_seconds(_stack_file(tmp_path, 2000, kind))
    assert len(model.layers) == 2000 + (kind == "Functional")
    # 8 times the layers: linear growth takes ~8 times as long, quadratic ~64
    assert large < 20 * small + 0.2, (small, large)


def test_a_sequential_maps_its_graph_once(tmp_path, monkeypatch):
    calls = []
    original = Functional._init_graph

    def counting(self, *args, **kwargs):
        calls.append(self.name)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(Functional, "_init_graph", counting)
    load_model(_stack_file(tmp_path, 300, "Sequential"))
    assert calls == ["seq"]
    calls.clear()
    Sequential([L.Input(shape=(3,))] + [L.Activation("relu") for _ in range(50)])
    assert len(calls) == 1


@pytest.mark.parametrize("ext", ["fg", "keras", "h5"])
def test_layer_count_limit(tmp_path, monkeypatch, ext):
    if ext != "fg":
        pytest.importorskip("h5py")
    model = Sequential([L.Input(shape=(3,))] + [L.Dense(2) for _ in range(12)])
    path = tmp_path / f"deep.{ext}"
    model.save(path)
    monkeypatch.setattr(archive, "MAX_LAYERS", 10)
    with pytest.raises(ValueError, match=r"more than 10 layers.*MAX_LAYERS") as info:
        load_model(path)
    assert str(path) in str(info.value)
    monkeypatch.setattr(archive, "MAX_LAYERS", 13)
    assert len(load_model(path).layers) == 12


# ----------------------------------------------- 5. regular files only
def _model():
    a = L.Input(shape=(2,))
    return Model(a, L.Dense(1)(a))


def test_fifo_device_and_socket_are_refused(tmp_path):
    fifo = tmp_path / "model.fg"
    os.mkfifo(fifo)
    sock_path = tmp_path / "model.keras"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for path, kind in ((fifo, "FIFO"), ("/dev/zero", "character device"),
                           (sock_path, "socket")):
            for loader in (load_model, lambda p: load_weights(_model(), p),
                           lambda p: _model().load_weights(p)):
                with deadline(10), pytest.raises(OSError, match=f"is a {kind}") as info:
                    loader(path)
                assert "regular file" in str(info.value) and str(path) in str(info.value)
    finally:
        sock.close()


# ------------------------------------------------------------ 6. names
def _rewrite_config(src, dst, change):
    members = _members(src)
    config = json.loads(members["config.json"])
    change(config["config"]["layers"])
    members["config.json"] = json.dumps(config).encode()
    _zip(dst, members, deflated={"config.json"})
    return dst


@pytest.fixture
def two_layers(tmp_path):
    a = L.Input(shape=(3,), name="a")
    path = tmp_path / "two.fg"
    save_model(Model(a, L.Dense(2, name="d")(L.Activation("relu", name="act")(a))), path)
    return path


def _rename(layers, name):
    layers[1]["name"] = layers[1]["config"]["name"] = name
    layers[2]["inbound_nodes"][0][0][0] = name


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli_main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_huge_class_and_layer_names_are_cut(two_layers, tmp_path):
    huge = "x" * (8 << 20)

    def set_class(layers):
        layers[1]["class_name"] = huge
    for change, what in ((set_class, "class_name"), (lambda ls: _rename(ls, huge[:4 << 20]),
                                                     "the name")):
        path = _rewrite_config(two_layers, tmp_path / "huge.fg", change)
        with pytest.raises(ValueError, match=f"{what} at .* is a name of .* characters, "
                                             f"more than the limit of 1024") as info:
            load_model(path)
        assert len(str(info.value)) < 1000
        status, out, err = _cli("summary", str(path))
        assert status == 1 and len(out) + len(err) < 1000


def test_control_characters_in_names_are_escaped(two_layers, tmp_path):
    evil = "evil\x1b]0;pwned\x07\x1b[2J"
    path = _rewrite_config(two_layers, tmp_path / "evil.fg", lambda ls: _rename(ls, evil))
    model = load_model(path)
    assert model.layers[1].name == evil               # the name itself is kept
    status, out, err = _cli("summary", str(path))
    assert status == 0 and "\x1b" not in out + err and "\x07" not in out
    assert r"evil\x1b]0;pwned" in out
    lines = []
    Model(model.inputs, model.outputs, name="m\x1b[31m").summary(print_fn=lines.append)
    assert "\x1b" not in "".join(lines) and r'Model: "m\x1b[31m"' in lines[0]
    # an error quoting the name during loading: escaped too
    broken = _rewrite_config(two_layers, tmp_path / "broken.fg", lambda ls: (
        _rename(ls, evil), ls[2]["inbound_nodes"][0][0].__setitem__(0, evil + "?")))
    with pytest.raises(ValueError) as info:
        load_model(broken)
    assert "\x1b" not in str(info.value) and r"evil\x1b" in str(info.value)


def test_summary_cuts_long_names_of_models_built_in_code():
    a = L.Input(shape=(2,))
    model = Model(a, L.Dense(1, name="n" * 100_000)(a))
    lines = []
    model.summary(print_fn=lines.append)
    assert sum(map(len, lines)) < 5000
    assert "characters" in "".join(line.replace(" ", "") for line in lines)
