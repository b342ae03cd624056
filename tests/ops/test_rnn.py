"""Tests for fastgraph.ops.rnn (LSTM, GRU, SimpleRNN) and its C kernels.

tests/reference/rnn_reference.npz holds tf-keras 2.21 outputs (tf_keras LSTM,
GRU(reset_after=True and False), SimpleRNN with return_state=True and
set_weights) for x (3, 5, 3), units 4, random float32 weights `<kind>_w<i>`,
`mask`, `h0`, `c0`, and the cases in CASES below; output j of case i is
`<kind>_c<i>_o<j>`.  `masking_y` is LSTM(4, return_sequences=True) with the
lstm weights after keras.layers.Masking(0.0) applied to `masking_x`.
"""
import os

import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients, no_grad, output
from fastgraph.ops.rnn import gru, lstm, simple_rnn

_k = load("rnn")

REF = os.path.join(os.path.dirname(__file__), os.pardir, "reference", "rnn_reference.npz")

# rs: return_sequences, gb: go_backwards, mk: mask, st: initial state,
# alt: activation='relu', recurrent_activation='hard_sigmoid'.
CASES = [dict(rs=True), dict(rs=True, gb=True, st=True), dict(rs=True, mk=True, st=True),
         dict(rs=False, mk=True, gb=True), dict(rs=True, mk=True, gb=True, st=True),
         dict(rs=False, st=True, alt=True)]


def _gru_no_reset(*args, **kwargs):
    return gru(*args, reset_after=False, **kwargs)


OPS = {"lstm": lstm, "gru": gru, "grunr": _gru_no_reset, "srnn": simple_rnn}
GATES = {"lstm": 4, "gru": 3, "grunr": 3, "srnn": 1}


# ----------------------------------------------------------- NumPy reference

ACTS = {
    "linear": lambda v: v, "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "hard_sigmoid": lambda v: np.clip(0.2 * v + 0.5, 0, 1), "relu": lambda v: np.maximum(v, 0),
    "softsign": lambda v: v / (1 + np.abs(v)), "softplus": lambda v: np.log1p(np.exp(v)),
    "elu": lambda v: np.where(v > 0, v, np.expm1(v)),
    "selu": lambda v: 1.0507009873554805 * np.where(v > 0, v, 1.6732632423543772 * np.expm1(v)),
    "exponential": np.exp,
}


def reference(kind, x, K, U, b, h0=None, c0=None, mask=None, go_backwards=False,
              return_sequences=False, act="tanh", ract="sigmoid"):
    """Per-step NumPy forward with tf-keras masking semantics."""
    f, g = ACTS[act], ACTS[ract]
    N, T, _ = x.shape
    u = U.shape[0]
    h = np.zeros((N, u), x.dtype) if h0 is None else h0.copy()
    c = np.zeros((N, u), x.dtype) if c0 is None else c0.copy()
    prev_out = np.zeros((N, u), x.dtype)
    outs = []
    for s in range(T):
        t = T - 1 - s if go_backwards else s
        xt = x[:, t] @ K
        if kind == "lstm":
            z = xt + h @ U + (0 if b is None else b)
            i, fg, cc, o = np.split(z, 4, axis=1)
            c_new = g(fg) * c + g(i) * f(cc)
            h_new = g(o) * f(c_new)
        elif kind == "gru":
            bx, br = (0, 0) if b is None else (b[0], b[1])
            xz, xr, xh = np.split(xt + bx, 3, axis=1)
            rz, rr, rh = np.split(h @ U + br, 3, axis=1)
            z, r = g(xz + rz), g(xr + rr)
            h_new = z * h + (1 - z) * f(xh + r * rh)
            c_new = c
        elif kind == "grunr":
            xz, xr, xh = np.split(xt + (0 if b is None else b), 3, axis=1)
            z = g(xz + h @ U[:, :u])
            r = g(xr + h @ U[:, u:2 * u])
            h_new = z * h + (1 - z) * f(xh + (r * h) @ U[:, 2 * u:])
            c_new = c
        else:
            h_new = f(xt + h @ U + (0 if b is None else b))
            c_new = c
        keep = np.ones((N, 1), bool) if mask is None else mask[:, t:t + 1]
        h = np.where(keep, h_new, h)
        c = np.where(keep, c_new, c)
        prev_out = np.where(keep, h_new, prev_out)
        outs.append(prev_out)
    y = np.stack(outs, axis=1) if return_sequences else outs[-1]
    return (y, h, c) if kind == "lstm" else (y, h)


def _weights(rng, kind, D, u, dtype, scale=0.5):
    G = GATES[kind] * u
    bshape = (2, G) if kind == "gru" else (G,)
    return [(rng.uniform(-scale, scale, s)).astype(dtype) for s in [(D, G), (u, G), bshape]]


# -------------------------------------------------------- tf-keras reference

@pytest.fixture(scope="module")
def ref():
    return np.load(REF)


@pytest.mark.parametrize("kind", ["lstm", "gru", "grunr", "srnn"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_matches_tf_keras(ref, kind, case):
    c = CASES[case]
    kw = dict(return_sequences=c.get("rs", False), go_backwards=c.get("gb", False))
    if c.get("mk"):
        kw["mask"] = ref["mask"]
    if c.get("st"):
        kw["initial_state"] = [ref["h0"], ref["c0"]] if kind == "lstm" else [ref["h0"]]
    if c.get("alt"):
        kw["activation"] = "relu"
        if kind != "srnn":
            kw["recurrent_activation"] = "hard_sigmoid"
    w = [ref[f"{kind}_w{j}"] for j in range(3)]
    outs = OPS[kind](ref["x"], *w, **kw)
    assert len(outs) == (3 if kind == "lstm" else 2)
    for j, o in enumerate(outs):
        assert o.dtype == np.float32
        np.testing.assert_allclose(o.data, ref[f"{kind}_c{case}_o{j}"], rtol=1e-5, atol=1e-6)


def test_masking_layer_semantics(ref):
    xm = ref["masking_x"]
    mask = np.any(xm != 0, axis=-1)
    w = [ref[f"lstm_w{j}"] for j in range(3)]
    y, _, _ = lstm(xm, *w, mask=mask, return_sequences=True)
    np.testing.assert_allclose(y.data, ref["masking_y"], rtol=1e-5, atol=1e-6)


# ------------------------------------------------------- kernel vs reference

@pytest.mark.parametrize("kind", ["lstm", "gru", "grunr", "srnn"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("N,T,D,u", [(5, 7, 6, 9), (9, 3, 2, 17), (1, 1, 1, 1)])
def test_forward_matches_numpy(kind, dtype, N, T, D, u):
    rng = np.random.RandomState(N * 100 + u)
    x = rng.randn(N, T, D).astype(dtype)
    K, U, b = _weights(rng, kind, D, u, dtype)
    h0, c0 = rng.randn(N, u).astype(dtype), rng.randn(N, u).astype(dtype)
    mask = rng.rand(N, T) > 0.3
    states = [h0, c0] if kind == "lstm" else [h0]
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for gb, rs, m in [(False, True, None), (True, False, mask), (True, True, mask)]:
        outs = OPS[kind](x, K, U, b, initial_state=states, mask=m, go_backwards=gb,
                         return_sequences=rs)
        want = reference(kind, x, K, U, b, h0, c0, m, gb, rs)
        for o, w in zip(outs, want):
            assert o.dtype == dtype
            np.testing.assert_allclose(o.data, w, **tol)


@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_match_numpy(act, dtype):
    rng = np.random.RandomState(3)
    x = (0.5 * rng.randn(3, 4, 2)).astype(dtype)
    for kind in ["lstm", "gru", "srnn"]:
        K, U, b = _weights(rng, kind, 2, 5, dtype, scale=0.3)
        pairs = [(act, "sigmoid")] if kind == "srnn" else [(act, "sigmoid"), ("tanh", act)]
        for a, r in pairs:
            kw = {} if kind == "srnn" else {"recurrent_activation": r}
            outs = OPS[kind](x, K, U, b, activation=a, return_sequences=True, **kw)
            want = reference(kind, x, K, U, b, act=a, ract=r, return_sequences=True)
            np.testing.assert_allclose(outs[0].data, want[0], rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("kind,u", [("lstm", 256), ("gru", 256), ("grunr", 256),
                                    ("srnn", 512)])
def test_threaded_time_loop(kind, u):
    """Sizes above the C threading threshold: same results with 1 and 2 threads."""
    from fastgraph import _threads
    rng = np.random.RandomState(17)
    N, T, D = 12, 16, 5
    x = rng.randn(N, T, D).astype(np.float32)
    K, U, b = _weights(rng, kind, D, u, np.float32, scale=0.05)
    mask = rng.rand(N, T) > 0.2
    kw = dict(mask=mask, go_backwards=True, return_sequences=True)
    before = _threads.get_num_threads()["openmp"]
    results = []
    try:
        for n in (1, 2):
            _threads.set_num_threads(n)
            vs = [Variable(a) for a in (x, K, U, b)]
            outs = OPS[kind](*vs, **kw)
            results.append([o.data for o in outs] + gradients(outs[0], vs))
            if n == 1:
                want = reference(kind, x, K, U, b, mask=mask, go_backwards=True,
                                 return_sequences=True)
    finally:
        _threads.set_num_threads(before)
    np.testing.assert_allclose(results[0][0], want[0], rtol=1e-4, atol=1e-5)
    # the C loops give the same bits; BLAS sums the weight gradients over N*T
    # rows in a thread-dependent order
    for one, two in zip(*results):
        np.testing.assert_allclose(one, two, rtol=1e-4, atol=5e-5)


def test_no_bias_no_state_and_int_mask():
    rng = np.random.RandomState(4)
    x = rng.randn(2, 4, 3).astype(np.float32)
    K, U, _ = _weights(rng, "lstm", 3, 4, np.float32)
    mask = np.array([[1, 0, 1, 1], [0, 1, 1, 0]])
    y, h, c = lstm(x, K, U, mask=mask, return_sequences=True)
    want = reference("lstm", x, K, U, None, mask=mask.astype(bool), return_sequences=True)
    np.testing.assert_allclose(y.data, want[0], rtol=2e-5, atol=2e-6)
    full = lstm(x, K, U, mask=np.ones((2, 4), bool))[0].data
    np.testing.assert_array_equal(full, lstm(x, K, U)[0].data)


def test_empty_batch():
    rng = np.random.RandomState(5)
    K, U, b = _weights(rng, "gru", 3, 4, np.float32)
    y, h = gru(np.zeros((0, 4, 3), np.float32), K, U, b, return_sequences=True)
    assert y.shape == (0, 4, 4) and h.shape == (0, 4)


# ----------------------------------------------------------------- gradients

MASK = np.array([[0, 1, 1, 0], [1, 1, 0, 1], [0, 0, 0, 0]], bool)


def _grad_args(kind, N, T, D, u, seed, scale=0.8):
    rng = np.random.RandomState(seed)
    x = rng.randn(N, T, D) * scale
    K, U, b = _weights(rng, kind, D, u, np.float64, scale=scale)
    states = [rng.randn(N, u) for _ in range(2 if kind == "lstm" else 1)]
    return [x, K, U, b] + states


def _concat(*tensors):
    """All outputs of an op as one flat Tensor, so one check covers them all
    (and the accumulation of their gradients into the op's packed result)."""
    sizes = np.cumsum([t.data.size for t in tensors])[:-1]

    def backward(g):
        return tuple(p.reshape(t.shape) for p, t in zip(np.split(g, sizes), tensors))

    return output(np.concatenate([t.data.ravel() for t in tensors]), tensors, backward)


@pytest.mark.parametrize("kind", ["lstm", "gru", "grunr", "srnn"])
@pytest.mark.parametrize("kw", [
    dict(), dict(return_sequences=True), dict(go_backwards=True),
    dict(mask=MASK), dict(mask=MASK, go_backwards=True, return_sequences=True),
    dict(mask=MASK, activation="relu", recurrent_activation="hard_sigmoid"),
], ids=["last", "seq", "backwards", "mask", "mask-backwards-seq", "relu-hardsig"])
def test_gradients(kind, kw):
    kw = dict(kw)
    if kind == "srnn":
        kw.pop("recurrent_activation", None)
    arrays = _grad_args(kind, 3, 4, 3, 4, seed=len(kw))

    def fn(x, K, U, b, *states):
        return _concat(*OPS[kind](x, K, U, b, initial_state=list(states), **kw))

    check_gradients(fn, *arrays)


@pytest.mark.parametrize("kind", ["lstm", "gru", "grunr", "srnn"])
def test_gradients_batch_one_odd_sizes(kind):
    arrays = _grad_args(kind, 1, 3, 5, 3, seed=7)
    check_gradients(lambda x, K, U, b, *s: OPS[kind](x, K, U, b, initial_state=list(s),
                                                       return_sequences=True)[0], *arrays)


@pytest.mark.parametrize("act", ["linear", "sigmoid", "softsign", "softplus", "elu",
                                 "selu", "exponential"])
def test_gradients_activations(act):
    for kind, seed in [("lstm", 11), ("grunr", 12)]:
        arrays = _grad_args(kind, 2, 3, 2, 3, seed=seed, scale=0.4)[:4]
        for a, r in [(act, "sigmoid"), ("tanh", act)]:
            check_gradients(lambda x, K, U, b: OPS[kind](
                x, K, U, b, activation=a, recurrent_activation=r)[0], *arrays)


def test_gradients_without_bias_or_state_and_float32_dtypes():
    rng = np.random.RandomState(14)
    x = Variable(rng.randn(2, 3, 3).astype(np.float32))
    K, U, _ = (Variable(w) for w in _weights(rng, "gru", 3, 4, np.float32))
    y, h = gru(x, K, U, return_sequences=True)
    grads = gradients(y, [x, K, U])
    for g, v in zip(grads, [x, K, U]):
        assert g.dtype == np.float32 and g.shape == v.shape and np.all(np.isfinite(g))
    assert np.any(grads[0] != 0)


def test_no_grad_records_nothing():
    rng = np.random.RandomState(15)
    K, U, b = (Variable(w) for w in _weights(rng, "lstm", 3, 4, np.float32))
    with no_grad():
        y, h, c = lstm(rng.randn(2, 3, 3).astype(np.float32), K, U, b)
    assert not y.requires_grad and y._rec is None


# ----------------------------------------------------------------- bad input

def _lstm_args():
    rng = np.random.RandomState(16)
    return [rng.randn(2, 3, 5).astype(np.float32)] + _weights(rng, "lstm", 5, 4, np.float32)


@pytest.mark.parametrize("change,exc,words", [
    (lambda a: [a[0][0]] + a[1:], ValueError, ["x", "3-D"]),
    (lambda a: [a[0][:, :0]] + a[1:], ValueError, ["x", "timestep"]),
    (lambda a: [a[0], a[1][:, :12]] + a[2:], ValueError, ["kernel", "(5, 16)"]),
    (lambda a: [a[0], a[1][:4]] + a[2:], ValueError, ["kernel", "(features, 4*units)"]),
    (lambda a: [a[0], a[1], a[2][:, :12], a[3]], ValueError, ["recurrent_kernel", "(units, 4*units)"]),
    (lambda a: a[:3] + [a[3][:8]], ValueError, ["bias", "(16,)"]),
    (lambda a: [a[0], a[1].astype(np.float16)] + a[2:], TypeError, ["kernel", "float16"]),
    (lambda a: [a[0].astype(np.float64)] + a[1:], TypeError, ["x", "float32"]),
    (lambda a: a[:2] + [a[2].astype(np.float64), a[3]], TypeError, ["recurrent_kernel"]),
])
def test_bad_arguments(change, exc, words):
    with pytest.raises(exc) as info:
        lstm(*change(_lstm_args()))
    for w in words:
        assert w in str(info.value)


def test_bad_mask_state_and_activation():
    x, K, U, b = _lstm_args()
    with pytest.raises(ValueError, match=r"lstm: mask must have shape .*\(2, 3\)"):
        lstm(x, K, U, b, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"initial_state\[1\] must have shape .*\(2, 4\)"):
        lstm(x, K, U, b, initial_state=[np.zeros((2, 4), np.float32), np.zeros((2, 3), np.float32)])
    with pytest.raises(ValueError, match="initial_state must be a list of 2"):
        lstm(x, K, U, b, initial_state=[np.zeros((2, 4), np.float32)])
    with pytest.raises(ValueError, match="recurrent_activation must be None or one of"):
        lstm(x, K, U, b, recurrent_activation="swish")
    with pytest.raises(ValueError, match=r"gru: bias must have shape \(2, 12\)"):
        gru(x, K[:, :12], U[:, :12], b[:12])
    with pytest.raises(ValueError, match=r"gru: bias must have shape \(12,\)"):
        gru(x, K[:, :12], U[:, :12], np.zeros((2, 12), np.float32), reset_after=False)
    with pytest.raises(ValueError, match=r"simple_rnn: recurrent_kernel must have shape"):
        simple_rnn(x, K[:, :4], U[:, :5])


def test_named_callable_activation():
    x, K, U, b = _lstm_args()

    def relu(v):
        return v

    a = lstm(x, K, U, b, activation=relu)[0].data
    np.testing.assert_array_equal(a, lstm(x, K, U, b, activation="relu")[0].data)


def test_kernel_shim_checks():
    N, T, u = 2, 3, 4
    f32 = np.float32
    g = np.zeros((N, T, 4 * u), f32)
    U = np.zeros((u, 4 * u), f32)
    bufs = [np.zeros((N, T, u), f32) for _ in range(3)]
    outs = [np.zeros((N, u), f32) for _ in range(3)]

    def call(**over):
        args = dict(gates=g, bias=None, U=U, h0=None, c0=None, hprev=bufs[0], cprev=bufs[1],
                    actc=bufs[2], y=outs[0], hT=outs[1], cT=outs[2], mask=None, first=None,
                    go_backwards=False, return_sequences=False, act=1, rec_act=2)
        args.update(over)
        _k.lstm_forward(**args)

    call()
    with pytest.raises(TypeError, match=r"U must have the dtype of gates \(float32\)"):
        call(U=U.astype(np.float64))
    with pytest.raises(ValueError, match=r"hprev must have shape \(2, 3, 4\)"):
        call(hprev=np.zeros((2, 3, 5), f32))
    with pytest.raises(ValueError, match="U must be C-contiguous"):
        call(U=np.zeros((4 * u, u), f32).T)
    with pytest.raises(TypeError, match="gates must be float32 or float64"):
        call(gates=g.astype(np.int32))
    with pytest.raises(ValueError, match="mask and first must be given together"):
        call(mask=np.ones((N, T), np.uint8))
    with pytest.raises(ValueError, match="act must be an activation code"):
        call(act=99)
    with pytest.raises(TypeError, match="y must be a numpy array"):
        call(y=[0.0])
    with pytest.raises(ValueError, match=r"y must have shape \(2, 3, 4\)"):
        call(return_sequences=True)


def test_tensor_inputs_pass_through():
    x, K, U, b = _lstm_args()
    y1 = lstm(Tensor(x), Tensor(K), Tensor(U), Tensor(b))[0].data
    np.testing.assert_array_equal(y1, lstm(x, K, U, b)[0].data)
