"""The Keras backend families (math, conv, image, nn) against tf-keras 2.21
`keras.backend`: outputs on the same inputs, then a float64 gradient check
against finite differences for every input Keras differentiates.

tests/reference/backend_k_reference.npz was written once by
tests/reference/backend_k_make_reference.py (run with /work/venv-tf,
tf-keras 2.21, TensorFlow 2.21, float32), which also holds the cases.
"""
import os
import runpy
import types

import numpy as np
import pytest

import fastgraph.backend as K
from fastgraph.autodiff import check_gradients

HERE = os.path.join(os.path.dirname(__file__), "..", "reference")
cases = types.SimpleNamespace(**runpy.run_path(os.path.join(HERE, "backend_k_make_reference.py")))
REF = np.load(os.path.join(HERE, "backend_k_reference.npz"))
# Bicubic and the others read float32 weights; TF sums in another order.
TOL = 2e-5


def _arrays(case, prefix):
    """The stored arrays of a case (a 0-d NaN input stands for None)."""
    count = sum(key.startswith(f"{case}/{prefix}") for key in REF.files)
    arrays = [REF[f"{case}/{prefix}{i}"] for i in range(count)]
    return [None if a.ndim == 0 and np.isnan(a) else a for a in arrays]


def _call(case):
    name, _, kwargs = cases.CASES[case]
    fn = getattr(K, name)

    def run(*xs):
        out = fn(*xs, **kwargs)
        if isinstance(out, tuple):
            return K.concatenate([K.flatten(o) for o in out])
        return out
    return run


@pytest.mark.parametrize("case", sorted(cases.CASES))
def test_matches_tf_keras(case):
    name, _, kwargs = cases.CASES[case]
    ins, outs = _arrays(case, "in"), _arrays(case, "out")
    got = getattr(K, name)(*ins, **kwargs)
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(outs)
    for g, want in zip(got, outs):
        assert g.shape == want.shape
        assert g.dtype == np.float32
        np.testing.assert_allclose(g.data, want, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("case", sorted(cases.CASES))
def test_gradients_match_finite_differences(case):
    ins = _arrays(case, "in")
    given = [i for i, a in enumerate(ins) if a is not None]
    run = _call(case)

    def fn(*ts):
        full = list(ins)
        for i, t in zip(given, ts):
            full[i] = t
        return run(*full)
    check_gradients(fn, *[ins[i].astype(np.float64) for i in given], rtol=1e-4, atol=1e-6)


def test_in_top_k_matches_tf_keras():
    p = REF["in_top_k/in0"]
    for k in (1, 2, 3):
        got = K.in_top_k(p, np.array([1, 2, 0, 3]), k)
        assert got.dtype == bool
        np.testing.assert_array_equal(got.data, REF[f"in_top_k_{k}/out0"])


def test_arange_matches_tf_keras():
    for key, got in (("a", K.arange(7)), ("b", K.arange(0, 10, 1.5)),
                     ("c", K.arange(2, 11, 3, dtype="float64")), ("d", K.arange(-4))):
        want = REF[f"arange/{key}"]
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.data, want)


def test_channels_first_default_follows_image_data_format():
    x = np.random.RandomState(0).randn(1, 2, 4, 4).astype(np.float32)
    k = np.random.RandomState(1).randn(3, 3, 2, 3).astype(np.float32)
    want = K.conv2d(x, k, data_format="channels_first").data
    K.set_image_data_format("channels_first")
    try:
        np.testing.assert_array_equal(K.conv2d(x, k).data, want)
    finally:
        K.set_image_data_format("channels_last")
