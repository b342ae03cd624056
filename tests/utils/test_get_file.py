"""get_file: real downloads from a local HTTP server into the Keras cache,
hash checks, safe archive extraction and the offline error."""
import hashlib
import io
import os
import socket
import tarfile
import zipfile

import pytest

from fastgraph.utils import get_file
from fastgraph.utils.archives import extract_archive
from fastgraph.utils.data_utils import hash_file, validate_file

from .http_server import serving

PAYLOAD = b"fastgraph" * 1000


def test_downloads_once_into_keras_home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    with serving({"/data/file.bin": PAYLOAD}) as (url, requested):
        path = get_file(origin=url + "/data/file.bin")
        assert path == str(tmp_path / "home" / "datasets" / "file.bin")
        with open(path, "rb") as f:
            assert f.read() == PAYLOAD
        again = get_file("file.bin", url + "/data/file.bin")
        assert again == path and requested == ["/data/file.bin"]
    assert "Downloading data from" in capsys.readouterr().out
    assert [p for p in os.listdir(os.path.dirname(path)) if p.endswith(".part")] == []


def test_hashes_checked_and_stale_file_fetched_again(tmp_path):
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    md5 = hashlib.md5(PAYLOAD).hexdigest()
    with serving({"/f": PAYLOAD}) as (url, requested):
        path = get_file("f", url + "/f", file_hash=sha, cache_dir=str(tmp_path))
        assert hash_file(path) == sha and validate_file(path, md5)
        with open(path, "wb") as f:
            f.write(b"truncated")
        get_file("f", url + "/f", md5_hash=md5, cache_dir=str(tmp_path),
                 cache_subdir="datasets")
        assert len(requested) == 2 and validate_file(path, sha)
        with pytest.raises(ValueError, match="hash does not match"):
            get_file("g", url + "/f", file_hash="0" * 64, cache_dir=str(tmp_path))
        assert not os.path.exists(tmp_path / "datasets" / "g")
        with pytest.raises(ValueError, match="hash_algorithm"):
            get_file("f", url + "/f", file_hash=sha, hash_algorithm="sha1",
                     cache_dir=str(tmp_path))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_error_names_the_url_and_the_path(tmp_path):
    origin = f"http://127.0.0.1:{_free_port()}/mnist.npz"
    with pytest.raises(OSError) as err:
        get_file("mnist.npz", origin, cache_dir=str(tmp_path))
    message = str(err.value)
    assert origin in message and str(tmp_path / "datasets" / "mnist.npz") in message
    assert os.listdir(tmp_path / "datasets") == []
    with serving({}) as (url, _):
        with pytest.raises(OSError, match="HTTP 404"):
            get_file("x", url + "/x", cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match="origin"):
        get_file("x")


def _tar(members, links=()):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        for name, target, kind in links:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = target
            tar.addfile(info)
    return buf.getvalue()


def test_untar_and_extract(tmp_path):
    archive = _tar({"pkg/a.txt": b"A", "pkg/sub/b.txt": b"B"},
                   links=[("pkg/link", "a.txt", tarfile.SYMTYPE)])
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("z/c.txt", "C")
    with serving({"/pkg.tar.gz": archive, "/z.zip": zipped.getvalue()}) as (url, _):
        folder = get_file("pkg", url + "/pkg.tar.gz", untar=True,
                          cache_dir=str(tmp_path))
        assert folder == str(tmp_path / "datasets" / "pkg")
        with open(os.path.join(folder, "sub", "b.txt")) as f:
            assert f.read() == "B"
        get_file("z.zip", url + "/z.zip", extract=True, cache_dir=str(tmp_path))
        assert (tmp_path / "datasets" / "z" / "c.txt").read_text() == "C"


@pytest.mark.parametrize("members,links,why", [
    ({"../evil.txt": b"x"}, (), "outside"),
    ({"/abs/evil.txt": b"x"}, (), "absolute"),
    ({"ok/../../evil.txt": b"x"}, (), "outside"),
    ({}, [("link", "../../etc/passwd", tarfile.SYMTYPE)], "link"),
    ({}, [("link", "/etc/passwd", tarfile.SYMTYPE)], "link"),
    ({}, [("hard", "../outside", tarfile.LNKTYPE)], "hard link"),
    ({}, [("dev", "", tarfile.CHRTYPE)], "device"),
])
def test_tar_members_landing_outside_are_refused(tmp_path, members, links, why):
    path = tmp_path / "bad.tar.gz"
    path.write_bytes(_tar(dict(members, **{"fine.txt": b"ok"}), links))
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(ValueError, match=why):
        extract_archive(str(path), str(target))
    assert os.listdir(target) == []
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize("name", ["../evil.txt", "/abs/evil.txt", "a/../../evil.txt"])
def test_zip_members_landing_outside_are_refused(tmp_path, name):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("fine.txt", "ok")
        zf.writestr(zipfile.ZipInfo(name), "x")
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(ValueError, match="refusing"):
        extract_archive(str(path), str(target))
    assert os.listdir(target) == []


def test_extract_archive_formats(tmp_path):
    path = tmp_path / "plain.bin"
    path.write_bytes(b"not an archive")
    assert extract_archive(str(path), str(tmp_path)) is False
    assert extract_archive(str(path), str(tmp_path), None) is False
    with pytest.raises(ValueError, match="archive_format"):
        extract_archive(str(path), str(tmp_path), "rar")
