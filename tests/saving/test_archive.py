"""The container: atomic writes, limits, sniffing and checked .npy reads."""
import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest

from fastgraph.saving import archive
from fastgraph.saving.archive import ArchiveReader, FileFormatError, write_archive


def _write(path, arrays=None, members=None, kind="model"):
    arrays = arrays if arrays is not None else [("weights/a.npy",
                                                 np.arange(6, dtype=np.float32).reshape(2, 3))]
    write_archive(path, kind, members or {"config.json": {"a": 1}}, arrays)


def _zip(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _format_member(**extra):
    return json.dumps({"format": "fastgraph", "version": 1, "kind": "model", **extra})


def _npy(array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


# ------------------------------------------------------------- writing
def test_round_trip_and_layout(tmp_path):
    path = tmp_path / "m.h5"
    _write(path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names[0] == "fastgraph_format.json"
        assert zf.getinfo("weights/a.npy").compress_type == zipfile.ZIP_STORED
        assert zf.getinfo("config.json").compress_type == zipfile.ZIP_DEFLATED
    with ArchiveReader(path) as reader:
        assert reader.kind == "model" and reader.header["version"] == 1
        assert reader.read_json("config.json") == {"a": 1}
        a = reader.read_array("weights/a.npy", (2, 3), np.float32, "a")
    assert a.dtype == np.float32 and np.array_equal(a, np.arange(6).reshape(2, 3))


def test_same_content_gives_same_bytes(tmp_path):
    _write(tmp_path / "a")
    _write(tmp_path / "b")
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    _write(buf)
    buf.seek(0)
    with ArchiveReader(buf) as reader:
        assert reader.read_json("config.json") == {"a": 1}
    assert not buf.closed


def test_interrupted_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    _write(path)
    before = path.read_bytes()
    calls = []

    def failing(f, array):
        calls.append(1)
        f.write(b"partial")
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(archive, "write_npy", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        _write(path, arrays=[("weights/b.npy", np.zeros(3, np.float32))])
    assert calls and path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.keras"]


def test_keyboard_interrupt_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "m"

    def interrupted(f, array):
        raise KeyboardInterrupt
    monkeypatch.setattr(archive, "write_npy", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _write(path)
    assert os.listdir(tmp_path) == []


def test_overwrite_false_and_bad_targets(tmp_path):
    path = tmp_path / "m"
    _write(path)
    with pytest.raises(FileExistsError):
        write_archive(path, "model", {}, [], overwrite=False)
    with pytest.raises(IsADirectoryError):
        _write(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        _write(tmp_path / "missing" / "m")


def test_writes_through_symlink_and_keeps_mode(tmp_path):
    target = tmp_path / "real"
    _write(target)
    os.chmod(target, 0o600)
    link = tmp_path / "link"
    os.symlink(target, link)
    _write(link, members={"config.json": {"b": 2}})
    assert os.path.islink(link)
    assert os.stat(target).st_mode & 0o777 == 0o600
    with ArchiveReader(target) as reader:
        assert reader.read_json("config.json") == {"b": 2}


def test_refuses_object_arrays_when_writing(tmp_path):
    with pytest.raises(TypeError, match="numeric"):
        _write(tmp_path / "m", arrays=[("weights/o.npy", np.array([None], dtype=object))])


# ----------------------------------------------------------- sniffing
@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\x89HDF\r\n\x1a\n" + b"\0" * 100, "HDF5"),
    (b"\x80\x04\x95" + b"\0" * 40, "pickle"),
    (b"\x93NUMPY\x01\x00", ".npy"),
    (b'  {"class_name": "Functional"}', "JSON"),
    (b"\x07" + np.random.RandomState(5).bytes(63), "unrecognised"),
])
def test_recognises_other_formats(tmp_path, content, message):
    path = tmp_path / "model.h5"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        ArchiveReader(path)
    assert str(path) in str(info.value)


def test_other_zip_archives(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.zeros(2))
    with pytest.raises(ValueError, match="without fastgraph_format.json"):
        ArchiveReader(path)
    keras3 = tmp_path / "k.keras"
    _zip(keras3, {"metadata.json": "{}", "config.json": "{}", "model.weights.h5": "x"})
    with pytest.raises(ValueError, match="Keras 3"):
        ArchiveReader(keras3)
    torch = tmp_path / "t.pt"
    _zip(torch, {"archive/data.pkl": b"\x80\x02N."})
    with pytest.raises(ValueError, match="never unpickles"):
        ArchiveReader(torch)


def test_truncated_and_corrupted(tmp_path):
    path = tmp_path / "m"
    _write(path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 5, 40):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated|corrupted"):
            ArchiveReader(path)
    # One flipped byte inside the stored array: the CRC check catches it.
    start = data.index(b"\x93NUMPY")
    header_len = struct.unpack("<H", data[start + 8:start + 10])[0]
    flipped = bytearray(data)
    flipped[start + 10 + header_len + 4] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with ArchiveReader(path) as reader:
        with pytest.raises(ValueError, match="corrupted"):
            reader.read_array("weights/a.npy", (2, 3), np.float32, "a")


def test_format_member_checks(tmp_path):
    path = tmp_path / "m"
    for member, message in [(_format_member(version=2), "newer fastgraph"),
                            (json.dumps({"format": "other", "version": 1}), "format="),
                            (_format_member(version="1"), "invalid version"),
                            (_format_member(kind="pickle"), "invalid kind"),
                            ("{not json", "not valid JSON")]:
        _zip(path, {"fastgraph_format.json": member})
        with pytest.raises(FileFormatError, match=message):
            ArchiveReader(path)


def test_unreadable_paths(tmp_path):
    with pytest.raises(FileNotFoundError):
        ArchiveReader(tmp_path / "nothing")
    with pytest.raises(IsADirectoryError):
        ArchiveReader(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_permission_denied(tmp_path):
    path = tmp_path / "m"
    _write(path)
    os.chmod(path, 0)
    with pytest.raises(PermissionError):
        ArchiveReader(path)


# ------------------------------------------------------------- limits
def test_json_limits(tmp_path, monkeypatch):
    path = tmp_path / "m"
    _zip(path, {"fastgraph_format.json": _format_member(),
                "config.json": "[" * 5000 + "]" * 5000})
    with ArchiveReader(path) as reader:
        with pytest.raises(ValueError, match="nested"):
            reader.read_json("config.json")
    _zip(path, {"fastgraph_format.json": _format_member(),
                "config.json": '{"a": 1, "a": 2}'})
    with ArchiveReader(path) as reader:
        with pytest.raises(ValueError, match="duplicate key"):
            reader.read_json("config.json")
    monkeypatch.setattr(archive, "MAX_JSON_BYTES", 1000)
    _zip(path, {"fastgraph_format.json": _format_member(),
                "config.json": " " * 5000 + "{}"})
    with ArchiveReader(path) as reader:
        with pytest.raises(ValueError, match="more than the limit"):
            reader.read_json("config.json")


def test_zip_bomb_member_is_refused_before_decompressing(tmp_path):
    path = tmp_path / "bomb.h5"
    _zip(path, {"fastgraph_format.json": _format_member(),
                "config.json": b" " * (80 << 20)})   # 80 MiB of spaces, ~80 KiB
    assert path.stat().st_size < 1 << 20
    with ArchiveReader(path) as reader:
        with pytest.raises(ValueError, match="more than the limit"):
            reader.read_json("config.json")


def _patch_central_sizes(path, member, file_size):
    """Make the central directory claim `file_size` for `member`."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    pos = data.index(b"PK\x01\x02")
    while True:
        n = struct.unpack("<H", data[pos + 28:pos + 30])[0]
        if bytes(data[pos + 46:pos + 46 + n]) == name:
            data[pos + 24:pos + 28] = struct.pack("<L", file_size)
            break
        pos = data.index(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))


def test_lying_sizes_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "m"
    _zip(path, {"fastgraph_format.json": _format_member(),
                "config.json": b"{}" * 1000})
    _patch_central_sizes(path, "config.json", 0xFFFFFFF0)
    with pytest.raises(ValueError, match="compression ratio"):
        ArchiveReader(path)
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 1 << 20)
    with pytest.raises(ValueError, match="claims"):
        ArchiveReader(path)


def test_member_count_and_total_limits(tmp_path, monkeypatch):
    path = tmp_path / "m"
    _write(path)
    monkeypatch.setattr(archive, "MAX_MEMBERS", 2)
    with pytest.raises(ValueError, match="members, more than the limit"):
        ArchiveReader(path)
    monkeypatch.setattr(archive, "MAX_MEMBERS", 100)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 100)
    with pytest.raises(ValueError, match="bytes uncompressed"):
        ArchiveReader(path)


def test_overlapping_and_duplicate_members(tmp_path):
    path = tmp_path / "m"
    _zip(path, {"fastgraph_format.json": _format_member(), "a.json": "{}",
                "b.json": "{}"}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    last = data.rindex(b"PK\x01\x02")
    data[last + 42:last + 46] = struct.pack("<L", 0)   # b.json -> first member's data
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="overlaps"):
        ArchiveReader(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("fastgraph_format.json", _format_member())
        with pytest.warns(UserWarning):
            zf.writestr("fastgraph_format.json", _format_member())
    with pytest.raises(ValueError, match="appears twice"):
        ArchiveReader(path)


def test_unsupported_compression(tmp_path):
    path = tmp_path / "m"
    _zip(path, {"fastgraph_format.json": _format_member()}, zipfile.ZIP_BZIP2)
    with pytest.raises(ValueError, match="compression method"):
        ArchiveReader(path)


# ------------------------------------------------------- array checks
@pytest.mark.parametrize("array, message", [
    (np.zeros((3, 2), np.float32), r"shape \(3, 2\), expected \(2, 3\)"),
    (np.zeros((2, 3), np.float64), "dtype float64, expected float32"),
    (np.array([[None] * 3] * 2, dtype=object), "only plain numeric"),
    (np.zeros(2, dtype=[("a", "<f4"), ("b", "<f4")]), "only plain numeric"),
    (np.zeros((2, 3), np.complex64), "only plain numeric"),
])
def test_array_header_checks(tmp_path, array, message):
    path = tmp_path / "m"
    _zip(path, {"fastgraph_format.json": _format_member(), "a.npy": _npy(array)})
    with ArchiveReader(path) as reader:
        with pytest.raises(FileFormatError, match=message):
            reader.read_array("a.npy", (2, 3), np.float32, "weight 'k'")


def test_array_size_must_match_header(tmp_path):
    path = tmp_path / "m"
    good = _npy(np.zeros((2, 3), np.float32))
    for data in (good + b"\0" * 8, good[:-4]):
        _zip(path, {"fastgraph_format.json": _format_member(), "a.npy": data})
        with ArchiveReader(path) as reader:
            with pytest.raises(FileFormatError, match="data bytes, expected 24"):
                reader.read_array("a.npy", (2, 3), np.float32, "a")


def test_big_endian_array_is_read(tmp_path):
    path = tmp_path / "m"
    _zip(path, {"fastgraph_format.json": _format_member(),
                "a.npy": _npy(np.arange(6, dtype=">f4").reshape(2, 3))})
    with ArchiveReader(path) as reader:
        a = reader.read_array("a.npy", (2, 3), np.float32, "a")
    assert np.array_equal(a, np.arange(6).reshape(2, 3))


def test_bad_npy_headers(tmp_path):
    path = tmp_path / "m"
    for data, message in [(b"not an npy at all", "invalid .npy header"),
                          (b"\x93NUMPY\x03\x00" + b"\0" * 20, "npy version"),
                          (b"\x93NUMPY\x01\x00\x10\x00{'descr': exec}  \n",
                           "invalid .npy header")]:
        _zip(path, {"fastgraph_format.json": _format_member(), "a.npy": data})
        with ArchiveReader(path) as reader:
            with pytest.raises(FileFormatError, match=message):
                reader.read_array("a.npy", (2, 3), np.float32, "a")
        with ArchiveReader(path) as reader:
            with pytest.raises(FileFormatError, match="missing"):
                reader.read_array("b.npy", (2, 3), np.float32, "b")
