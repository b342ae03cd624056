"""fastgraph._threads: one call sizes the OpenMP kernels and NumPy's BLAS."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from fastgraph import _threads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def restore_threads():
    before = _threads.get_num_threads()
    yield
    _threads.set_num_threads(before["openmp"])
    if before["blas"] is not None:
        _threads._find_blas()["set"](before["blas"])


def test_set_then_get(restore_threads):
    _threads.set_num_threads(1)
    one = _threads.get_num_threads()
    _threads.set_num_threads(2)
    two = _threads.get_num_threads()
    assert one["openmp"] == 1 and two["openmp"] == 2
    if one["blas_library"] is not None:
        assert one["blas"] == 1 and two["blas"] == 2
    else:
        assert one["blas"] is None and two["blas"] is None


def test_numpy_integer_accepted(restore_threads):
    np = pytest.importorskip("numpy")
    _threads.set_num_threads(np.int64(1))
    assert _threads.get_num_threads()["openmp"] == 1


@pytest.mark.parametrize("bad", [0, -3])
def test_bad_count_raises_value_error(bad):
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        _threads.set_num_threads(bad)


@pytest.mark.parametrize("bad", [1.5, "2", None, True])
def test_non_integer_raises_type_error(bad):
    with pytest.raises(TypeError, match="set_num_threads: n"):
        _threads.set_num_threads(bad)


def test_sync_thread_adopts_requested_count(restore_threads):
    _threads.set_num_threads(1)
    seen = []

    def worker():
        _threads.sync_thread()
        seen.append(_threads.get_num_threads()["openmp"])

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [1]


def test_blas_info_fields():
    info = _threads.blas_info()
    assert set(info) == {"vendor", "library", "config", "corename", "threads", "env"}
    assert set(info["env"]) == {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}
    if info["library"] is not None:
        assert info["vendor"] in ("openblas", "mkl", "blis")
        assert info["threads"] >= 1


def _child(code, value):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env[_threads.ENV_VAR] = value
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_env_var_honoured_in_subprocess():
    code = ("from fastgraph import _threads\n"     # importing fastgraph applies it
            "assert _threads.apply_env() is None\n"
            "t = _threads.get_num_threads()\n"
            "assert t['openmp'] == 1, t\n"
            "assert t['blas'] in (1, None), t\n"
            "print('ok')\n")
    proc = _child(code, "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_bad_env_var_names_the_variable():
    proc = _child("from fastgraph import _threads; _threads.apply_env()", "many")
    assert proc.returncode != 0
    assert "FASTGRAPH_NUM_THREADS" in proc.stderr and "ValueError" in proc.stderr


def test_env_var_honoured_by_public_api():
    code = ("import fastgraph\n"
            "if not hasattr(fastgraph, 'get_num_threads'):\n"
            "    print('unwired')\n"
            "else:\n"
            "    t = fastgraph.get_num_threads()\n"
            "    assert t['openmp'] == 1 and t['blas'] in (1, None), t\n"
            "    print('ok')\n")
    proc = _child(code, "1")
    assert proc.returncode == 0, proc.stderr
    if proc.stdout.strip() == "unwired":
        pytest.skip("fastgraph/__init__.py does not export get_num_threads yet")
    assert proc.stdout.strip() == "ok"


def test_model_methods_adopt_the_count_in_other_threads():
    from fastgraph.layers import Dense, Input
    from fastgraph.models import Model
    inp = Input((4,))
    model = Model(inp, Dense(2)(inp))
    before = _threads.get_num_threads()["openmp"]
    seen = []
    try:
        _threads.set_num_threads(1)

        def worker():
            model.predict_on_batch(np.zeros((1, 4), "float32"))
            seen.append(_threads.get_num_threads()["openmp"])
        t = threading.Thread(target=worker)
        t.start()
        t.join(60)
        assert seen == [1]
    finally:
        _threads.set_num_threads(before)


def test_prime_blas_runs_each_count_once(monkeypatch):
    if _threads._find_blas() is None:
        pytest.skip("no BLAS with thread control in this process")
    monkeypatch.setattr(_threads, "_primed", 0)
    started = []

    class Counted(threading.Thread):
        def start(self):
            started.append(self.name)
            super().start()
    monkeypatch.setattr(threading, "Thread", Counted)
    before = _threads.get_num_threads()["blas"]
    _threads.prime_blas(3)          # the caller and two helpers, at once
    assert started == ["fastgraph-prime"] * 2
    assert _threads.get_num_threads()["blas"] == before
    _threads.prime_blas(2)
    _threads.prime_blas(3)
    assert len(started) == 2


def test_products_prime_the_blas_for_their_thread_count(monkeypatch, restore_threads):
    from fastgraph.ops import pool_matmul
    asked = []
    monkeypatch.setattr(_threads, "prime_blas", asked.append)
    _threads.set_num_threads(2)
    a = np.ones((64, 64), np.float32)
    np.testing.assert_array_equal(pool_matmul.matmul(a, a), a @ a)
    assert asked == [2]
