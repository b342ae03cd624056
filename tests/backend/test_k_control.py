"""K.rnn, K.map_fn, K.foldl, K.foldr against tf-keras 2.21 (the same case code
run on both backends: tests/reference/backend_control_cases.py, recorded by
backend_control_make_reference.py), float64 gradients through the loops
against finite differences, and bad input."""
import os
import runpy
import types

import numpy as np
import pytest

import fastgraph.backend as K
from fastgraph.autodiff import check_gradients

HERE = os.path.join(os.path.dirname(__file__), "..", "reference")
cases = types.SimpleNamespace(**runpy.run_path(os.path.join(HERE, "backend_control_cases.py")))
REF = np.load(os.path.join(HERE, "backend_control_reference.npz"))


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_matches_tf_keras(name):
    got = cases.CASES[name](K, dict(cases.ARRAYS))
    for i, g in enumerate(got):
        want = REF[f"{name}/out{i}"]
        assert g.shape == want.shape, (i, g.shape, want.shape)
        np.testing.assert_allclose(g.data, want, rtol=2e-5, atol=2e-5)
    assert f"{name}/out{len(got)}" not in REF.files


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_gradients_through_the_loop(name):
    arrays = {k: v.astype(np.float64) if v.dtype == np.float32 else v
              for k, v in cases.ARRAYS.items()}
    wrt = cases.GRAD_WRT[name]

    def fn(*ts):
        a = dict(arrays)
        a.update(zip(wrt, ts))
        return K.concatenate([K.flatten(o) for o in cases.CASES[name](K, a)])
    check_gradients(fn, *[arrays[k] for k in wrt])


def test_rnn_return_all_outputs_false_and_states_list():
    x = np.ones((2, 3, 1), np.float32)
    last, outs, states = K.rnn(lambda x_t, s: (x_t + s[0], [s[0] + x_t]), x,
                               [np.zeros((2, 1), np.float32)], return_all_outputs=False)
    assert outs.shape == (2, 1, 1) and isinstance(states, list)
    np.testing.assert_array_equal(last.data, [[3.0], [3.0]])


@pytest.mark.parametrize("call, exc, match", [
    (lambda: K.rnn(None, np.zeros((1, 2, 3)), []), TypeError, "rnn: step_function"),
    (lambda: K.rnn(lambda x, s: (x, s), np.zeros((1, 2)), []), ValueError,
     "rnn: inputs must have rank >= 3"),
    (lambda: K.rnn(lambda x, s: (x, s), "abc", []), TypeError, "backend.rnn: (argument ')?inputs"),
    (lambda: K.rnn(lambda x, s: (x, s), np.zeros((1, 2, 3)), [],
                   mask=np.ones((1, 2))), ValueError, "rnn: a mask needs"),
    (lambda: K.rnn(lambda x, s: (x, s), np.zeros((1, 2, 3)), [np.zeros((1, 3))],
                   mask=np.ones((1, 5))), ValueError, "rnn: mask shape"),
    (lambda: K.rnn(lambda x, s: (x, []), np.zeros((1, 2, 3)), [np.zeros((1, 3))]),
     ValueError, "rnn: step_function returned 0 states"),
    (lambda: K.map_fn(3, np.zeros(3)), TypeError, "map_fn: fn"),
    (lambda: K.map_fn(lambda r: r, object()), TypeError, "backend.map_fn: (argument ')?elems"),
    (lambda: K.foldl(lambda a, r: a, np.zeros((0, 2))), ValueError, "foldl: elems is empty"),
    (lambda: K.foldr(lambda a, r: "s", np.zeros((3, 2))), TypeError, "foldr: the function.s result"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
