"""The kernels' CPU levels (fastgraph/_kernels/dispatch.py): the best one
built and runnable is chosen, FASTGRAPH_CPU_LEVEL forces each one this
machine runs, and every level computes what the baseline computes."""
import os
import subprocess
import sys

import numpy as np
import pytest

from fastgraph._kernels import dispatch, load

# The levels this installation built and this machine runs.
AVAILABLE = [lv for lv in dispatch.built()
             if lv == dispatch.NATIVE or lv in dispatch.runnable()]


def run(code, level):
    env = dict(os.environ, **{dispatch.ENV: level})
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=300, env=env)


def test_the_best_built_level_the_cpu_runs_is_chosen():
    assert dispatch.level() == AVAILABLE[-1]
    assert os.environ.get(dispatch.ENV) or dispatch.level() == dispatch.choose()
    runnable = dispatch.runnable()
    assert runnable[0] == "baseline" and set(runnable) <= set(dispatch.LEVELS)


def test_an_unknown_forced_level_is_refused(monkeypatch):
    monkeypatch.setenv(dispatch.ENV, "avx9")
    with pytest.raises(dispatch.LevelError, match="FASTGRAPH_CPU_LEVEL='avx9': "
                                                  "expected one of baseline, avx2"):
        dispatch.choose()


def test_a_forced_level_not_built_or_not_runnable_is_refused(monkeypatch):
    monkeypatch.setenv(dispatch.ENV, "avx512")
    monkeypatch.setattr(dispatch, "built", lambda: ["baseline", "avx2"])
    with pytest.raises(dispatch.LevelError, match="no avx512 kernels .built: baseline, avx2"):
        dispatch.choose()
    monkeypatch.setattr(dispatch, "built", lambda: ["baseline", "avx2", "avx512"])
    monkeypatch.setattr(dispatch, "runnable", lambda: ("baseline", "avx2"))
    with pytest.raises(dispatch.LevelError, match="this CPU does not run it"):
        dispatch.choose()
    monkeypatch.delenv(dispatch.ENV)
    assert dispatch.choose() == "avx2"
    monkeypatch.setattr(dispatch, "built", lambda: ["avx512"])
    with pytest.raises(ImportError, match="no kernel level this CPU runs is built"):
        dispatch.choose()


def test_a_forced_level_refused_at_import_says_why():
    r = run("import fastgraph.layers", "avx9")
    assert r.returncode != 0 and "FASTGRAPH_CPU_LEVEL='avx9'" in r.stderr


def _activations(K, dtype):
    rng = np.random.RandomState(3)
    x = (rng.randn(250, 201) * 3).astype(dtype)
    b = rng.randn(201).astype(dtype)
    g = rng.randn(250, 201).astype(dtype)
    out = []
    for code in (K.RELU, K.ELU, K.SELU, K.SOFTPLUS, K.SIGMOID, K.TANH, K.EXPONENTIAL):
        y = K.act_forward(code, x, b, np.empty_like(x), 0.5)
        out += [y, K.act_backward(code, y, g, np.empty_like(x), 0.5)]
    y = K.softmax_forward(x, np.empty_like(x), 1)
    return out + [y, K.softmax_backward(y, g, np.empty_like(x), 1)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_level_computes_what_the_baseline_computes(dtype):
    if len(AVAILABLE) < 2:
        pytest.skip(f"one kernel level built and runnable here: {AVAILABLE}")
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    reference = _activations(load("activation", AVAILABLE[0]), dtype)
    for level in AVAILABLE[1:]:
        module = load("activation", level)
        assert module.__file__.startswith(os.path.join(
            os.path.dirname(dispatch.__file__), level, ""))
        for got, want in zip(_activations(module, dtype), reference):
            np.testing.assert_allclose(got, want, **tol, err_msg=level)


TRAIN = """
import numpy as np, sys
import fastgraph
from fastgraph._kernels import dispatch
from fastgraph.layers import (Input, Conv2D, BatchNormalization, MaxPooling2D, Reshape,
                              LSTM, Dense, Embedding, GlobalAveragePooling1D, concatenate)
from fastgraph.models import Model
assert dispatch.level() == sys.argv[1], dispatch.level()
fastgraph.utils.set_random_seed(0)
img, ids = Input((12, 12, 2)), Input((7,), dtype="int32")
h = MaxPooling2D()(BatchNormalization()(Conv2D(4, 3, activation="relu")(img)))
h = LSTM(6)(Reshape((5, 20))(h))
e = GlobalAveragePooling1D()(Embedding(20, 5)(ids))
out = Dense(3, activation="softmax")(concatenate([h, e]))
model = Model([img, ids], out)
model.compile("adam", "sparse_categorical_crossentropy")
rng = np.random.RandomState(0)
x = [rng.randn(16, 12, 12, 2).astype("float32"), rng.randint(0, 20, (16, 7))]
y = rng.randint(0, 3, 16)
model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
np.savez(sys.argv[2], *model.get_weights(), model.predict(x, verbose=0))
"""


def test_a_model_trains_alike_at_every_level(tmp_path):
    results = {}
    for level in AVAILABLE:
        path = str(tmp_path / f"{level}.npz")
        r = subprocess.run([sys.executable, "-c", TRAIN, level, path], capture_output=True,
                           text=True, timeout=300, env=dict(os.environ, **{dispatch.ENV: level}))
        assert r.returncode == 0, r.stderr[-3000:]
        with np.load(path) as f:
            results[level] = [f[k] for k in sorted(f.files, key=lambda k: int(k[4:]))]
    for level in AVAILABLE[1:]:
        for got, want in zip(results[level], results[AVAILABLE[0]]):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=level)
