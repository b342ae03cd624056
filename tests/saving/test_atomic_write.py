"""A save killed outright (kill -9) leaves no temporary file behind: the
data go to an unnamed file where the platform has one, and elsewhere the
next save into the folder sweeps the named leftovers of dead writers
(issue 17, item 7; README "Saving and loading models")."""
import os
import signal
import subprocess
import sys

import pytest

import fastgraph
from fastgraph import layers as L
from fastgraph.models import Model
from fastgraph.saving import atomic, load_model, save_model

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(fastgraph.__file__)))

_WRITER = """
import sys, time
from fastgraph.saving import atomic
if sys.argv[2] == "named":
    atomic._open_unnamed = lambda directory, mode: None
def write(f):
    f.write(b"x" * (1 << 20))
    f.flush()
    print("writing", flush=True)
    time.sleep(60)
atomic.atomic_write(sys.argv[1], write)
"""


def _kill_mid_save(target, how):
    """Start a save of `target` in a child and kill -9 it mid-write."""
    env = dict(os.environ, PYTHONPATH=_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen([sys.executable, "-c", _WRITER, str(target), how],
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        child.stdout.close()


def _model():
    a = L.Input(shape=(3,))
    return Model(a, L.Dense(2)(a))


def _unnamed_files_work(directory):
    fd = atomic._open_unnamed(str(directory), 0o600)
    if fd is None:
        return False
    os.close(fd)
    return True


def test_killed_save_leaves_nothing_with_unnamed_files(tmp_path):
    if not _unnamed_files_work(tmp_path):
        pytest.skip("no unnamed temporary files (O_TMPFILE) here")
    save_model(_model(), tmp_path / "m.fg")
    before = (tmp_path / "m.fg").read_bytes()
    for _ in range(3):
        _kill_mid_save(tmp_path / "m.fg", "unnamed")
    assert os.listdir(tmp_path) == ["m.fg"]
    assert (tmp_path / "m.fg").read_bytes() == before


def test_named_leftovers_of_dead_writers_are_swept_by_the_next_save(tmp_path):
    for _ in range(3):      # each save sweeps the leftover of the one before
        _kill_mid_save(tmp_path / "m.keras", "named")
        leftovers = os.listdir(tmp_path)
        assert len(leftovers) == 1 and leftovers[0].startswith(".m.keras" + atomic.TEMP_MARK)
    # A live writer's file (this process) and other files stay.
    mine = tmp_path / f".x{atomic.TEMP_MARK}{atomic._host()}.{os.getpid()}.abc"
    mine.write_bytes(b"")
    (tmp_path / "notes.txt").write_text("kept")
    _model().save(tmp_path / "other.fg")
    assert sorted(os.listdir(tmp_path)) == sorted([mine.name, "notes.txt", "other.fg"])
    assert load_model(tmp_path / "other.fg").output_shape == (None, 2)


def test_fallback_without_unnamed_files_writes_and_replaces(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "_open_unnamed", lambda directory, mode: None)
    path = tmp_path / "m.fg"
    save_model(_model(), path)
    os.chmod(path, 0o640)
    save_model(_model(), path)
    assert os.listdir(tmp_path) == ["m.fg"] and os.stat(path).st_mode & 0o777 == 0o640
