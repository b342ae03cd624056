"""Optimizers against tf-keras's legacy optimizers, and their C kernels.

tests/reference/optimizer_reference.npz was generated once with /work/refenv
(tensorflow 2.21, tf_keras 2.21): for every entry of its "configs" table
(key -> [class name, constructor kwargs, learning rate set through `opt.lr`
before step 2 or null]), a `tf_keras.optimizers.legacy.<class>(**kwargs)`
applied 5 steps of `apply_gradients` to two float32 tf.Variables starting
from "init_w0" (3, 4) and "init_w1" (4,), with gradients "grads_w0"[step]
and "grads_w1"[step] (all drawn from np.random.default_rng(1234).normal).
"<key>__w0"/"<key>__w1" hold the variables after each step and
"<key>__state<i>" the optimizer's final `get_weights()`.
"""
import copy
import json
import os

import numpy as np
import pytest

from fastgraph import optimizers
from fastgraph._kernels import load
from fastgraph.autodiff import Tensor, Variable

_k = load("optim")
REF = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "reference",
                           "optimizer_reference.npz"))
CONFIGS = json.loads(str(REF["configs"]))


def _run_reference(key):
    cls, kwargs, new_lr = CONFIGS[key]
    opt = optimizers.deserialize({"class_name": cls, "config": kwargs})
    w = [Variable(REF["init_w0"]), Variable(REF["init_w1"])]
    traj = [[], []]
    for step in range(5):
        if new_lr is not None and step == 2:
            opt.lr = new_lr
        grads = [REF["grads_w0"][step], REF["grads_w1"][step]]
        opt.apply_gradients(zip(grads, w))
        for i in range(2):
            traj[i].append(w[i].data.copy())
    return opt, traj


@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_matches_tf_keras_legacy(key):
    opt, traj = _run_reference(key)
    for i in range(2):
        np.testing.assert_allclose(np.stack(traj[i]), REF[f"{key}__w{i}"],
                                   rtol=2e-5, atol=1e-6)
    state = opt.get_weights()
    n_ref = len([f for f in REF.files if f.startswith(key + "__state")])
    assert len(state) == n_ref
    assert int(state[0]) == int(REF[f"{key}__state0"]) == 5
    for i in range(1, n_ref):
        np.testing.assert_allclose(state[i], REF[f"{key}__state{i}"],
                                   rtol=2e-5, atol=1e-7)


# ---------------------------------------------------------------- kernels

def _clipped(g, clip, scale):
    return np.clip(g, -clip, clip) * scale


def _np_rules():
    """NumPy (float64) versions of the update rules: each takes the
    parameter, the clipped gradient and slot arrays, and updates them in
    place."""
    def sgd(p, g, lr):
        p -= lr * g

    def momentum(p, g, mom, lr, mu, nesterov):
        mom[...] = mom * mu - g * lr
        p += mom * mu - g * lr if nesterov else mom

    def rmsprop(p, g, ms, mg, lr, rho, eps):
        ms[...] = rho * ms + (1 - rho) * g * g
        denom = ms
        if mg is not None:
            mg[...] = rho * mg + (1 - rho) * g
            denom = ms - mg * mg
        p -= lr * g / (np.sqrt(denom) + eps)

    def rmsprop_momentum(p, g, ms, mom, mg, lr, rho, mu, eps):
        ms += (g * g - ms) * (1 - rho)
        denom = ms + eps
        if mg is not None:
            mg += (g - mg) * (1 - rho)
            denom = ms - mg * mg + eps
        mom[...] = mom * mu + lr * g / np.sqrt(denom)
        p -= mom

    def adagrad(p, g, acc, lr, eps):
        acc += g * g
        p -= lr * g / (np.sqrt(acc) + eps)

    def adadelta(p, g, acc, upd, lr, rho, eps):
        acc[...] = acc * rho + g * g * (1 - rho)
        u = np.sqrt(upd + eps) / np.sqrt(acc + eps) * g
        p -= u * lr
        upd[...] = upd * rho + u * u * (1 - rho)

    def adam(p, g, m, v, vhat, alpha, b1, b2, eps):
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        denom = v
        if vhat is not None:
            np.maximum(vhat, v, out=vhat)
            denom = vhat
        p -= m * alpha / (np.sqrt(denom) + eps)

    def adamax(p, g, m, v, lr_t, b1, b2, eps):
        m += (g - m) * (1 - b1)
        np.maximum(b2 * v, np.abs(g), out=v)
        p -= lr_t * m / (v + eps)

    def nadam(p, g, m, v, lr, b1, b2, eps, cg, cm, cv):
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * g * g
        p -= lr * (cg * g + cm * m) / (np.sqrt(v * cv) + eps)

    return locals()


NP_RULES = _np_rules()
# case -> (kernel, number of slots given, number of optional slots left
# None, scalar arguments)
KERNELS = {
    "sgd": ("sgd", 0, 0, (0.1,)),
    "momentum": ("momentum", 1, 0, (0.1, 0.9, False)),
    "momentum_nesterov": ("momentum", 1, 0, (0.1, 0.9, True)),
    "rmsprop": ("rmsprop", 1, 1, (0.01, 0.9, 1e-7)),
    "rmsprop_centered": ("rmsprop", 2, 0, (0.01, 0.9, 1e-7)),
    "rmsprop_momentum": ("rmsprop_momentum", 2, 1, (0.01, 0.9, 0.5, 1e-7)),
    "rmsprop_momentum_centered": ("rmsprop_momentum", 3, 0,
                                  (0.01, 0.9, 0.5, 1e-7)),
    "adagrad": ("adagrad", 1, 0, (0.1, 1e-7)),
    "adadelta": ("adadelta", 2, 0, (1.0, 0.95, 1e-7)),
    "adam": ("adam", 2, 1, (0.01, 0.9, 0.999, 1e-7)),
    "adam_amsgrad": ("adam", 3, 0, (0.01, 0.9, 0.999, 1e-7)),
    "adamax": ("adamax", 2, 0, (0.01, 0.9, 0.999, 1e-7)),
    "nadam": ("nadam", 2, 0, (0.01, 0.9, 0.999, 1e-7, 0.8, 0.7, 1.5)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [(1,), (5, 7), (70001,)])
@pytest.mark.parametrize("case", sorted(KERNELS))
def test_kernel_matches_numpy(case, size, dtype):
    kernel, n_slots, n_none, scalars = KERNELS[case]
    rng = np.random.default_rng(len(case) * 100 + len(size))
    p_ref = rng.normal(size=size)
    s_ref = [np.abs(rng.normal(size=size)) for _ in range(n_slots)]
    if case.endswith("centered"):  # mg^2 < ms keeps ms - mg^2 positive
        s_ref[-1] = 0.5 * np.sqrt(s_ref[0]) * np.sign(rng.normal(size=size))
    p_k = p_ref.astype(dtype)
    s_k = [s.astype(dtype) for s in s_ref]
    none = [None] * n_none
    tol = (dict(rtol=2e-4, atol=1e-5) if dtype == np.float32
           else dict(rtol=1e-10, atol=1e-12))
    for clip, scale in ((np.inf, 1.0), (np.inf, 1.0), (0.7, 0.5)):
        g = rng.normal(size=size)
        g_k = g.astype(dtype)
        g_before = g_k.copy()
        NP_RULES[kernel](p_ref, _clipped(g, clip, scale), *s_ref, *none,
                         *scalars)
        getattr(_k, kernel)(p_k, g_k, *s_k, *none, *scalars, clipvalue=clip,
                            scale=scale)
        np.testing.assert_array_equal(g_k, g_before)
        assert np.isfinite(p_ref).all()
        np.testing.assert_allclose(p_k, p_ref, **tol)
        for a, b in zip(s_k, s_ref):
            np.testing.assert_allclose(a, b, **tol)
    assert p_k.dtype == dtype and all(s.dtype == dtype for s in s_k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 3, 8193, 200003])
def test_sqnorm(n, dtype):
    g = np.random.default_rng(n).normal(size=n).astype(dtype)
    ref = np.sum(np.clip(g.astype(np.float64), -0.5, 0.5) ** 2)
    assert _k.sqnorm(g, 0.5) == pytest.approx(ref, rel=1e-12)
    assert _k.sqnorm(g) == pytest.approx(np.sum(g.astype(np.float64) ** 2),
                                         rel=1e-12)
    assert _k.sqnorm(g.reshape(-1, 1)) == _k.sqnorm(g)


def test_kernel_bad_input():
    p = np.zeros((3, 4), np.float32)
    g = np.ones((3, 4), np.float32)
    m = np.zeros((3, 4), np.float32)
    v = np.zeros((3, 4), np.float32)
    cases = [
        (TypeError, "'param'", lambda: _k.sgd(p.astype(np.int32), g, 0.1)),
        (TypeError, "'param'", lambda: _k.sgd([0.0, 1.0], g, 0.1)),
        (TypeError, "'grad'", lambda: _k.sgd(p, g.astype(np.float64), 0.1)),
        (ValueError, "'grad'", lambda: _k.sgd(p, g.T.copy(), 0.1)),
        (TypeError, "'m'", lambda: _k.adam(p, g, m.astype(np.float64), v,
                                           None, 0.1, 0.9, 0.999, 1e-7)),
        (ValueError, "'v'", lambda: _k.adam(p, g, m, v[:, :3], None, 0.1,
                                            0.9, 0.999, 1e-7)),
        (ValueError, "'v'", lambda: _k.adam(
            p, g, m, np.zeros((4, 3), np.float32).T, None, 0.1, 0.9, 0.999,
            1e-7)),
        (ValueError, "'param'", lambda: _k.sgd(
            np.zeros((4, 3), np.float32).T, g, 0.1)),
        (ValueError, "'vhat'", lambda: _k.adam(p, g, m, v, m, 0.1, 0.9,
                                               0.999, 1e-7)),
        (ValueError, "'grad'", lambda: _k.sgd(p, p, 0.1)),
        (TypeError, "'grad'", lambda: _k.sqnorm(np.zeros(3, np.int64))),
        (ValueError, "'grad'", lambda: _k.sqnorm(np.zeros((3, 4))[:, ::2])),
    ]
    ro = np.zeros((3, 4), np.float32)
    ro.flags.writeable = False
    cases.append((ValueError, "'mom'", lambda: _k.momentum(
        p, g, ro, 0.1, 0.9, False)))
    for exc, name, call in cases:
        with pytest.raises(exc, match=name):
            call()
    assert not p.any()  # nothing reached C


# ------------------------------------------------------------- optimizers

def _steps(opt, variables, grads):
    for step_grads in grads:
        opt.apply_gradients(zip(step_grads, variables))


def _problem(seed=0, steps=5):
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=(4, 3)).astype(np.float32),
            rng.normal(size=(3,)).astype(np.float32)]
    grads = [[rng.normal(size=a.shape).astype(np.float32) for a in init]
             for _ in range(steps)]
    return init, grads


@pytest.mark.parametrize("opt", [
    optimizers.SGD(0.1, momentum=0.9, nesterov=True, decay=0.01),
    optimizers.RMSprop(momentum=0.5, centered=True, clipnorm=1.0),
    optimizers.Adagrad(clipvalue=0.3), optimizers.Adadelta(1.0),
    optimizers.Adam(amsgrad=True, decay=0.1), optimizers.Adamax(),
    optimizers.Nadam(global_clipnorm=1.0)], ids=lambda o: o.name)
def test_set_weights_resumes_bit_identically(opt):
    init, grads = _problem(steps=6)
    fresh = copy.deepcopy(opt)
    w = [Variable(a) for a in init]
    _steps(opt, w, grads[:3])
    saved_vars = [v.data.copy() for v in w]
    saved_state = opt.get_weights()
    _steps(opt, w, grads[3:])

    resumed = optimizers.get(optimizers.serialize(fresh))
    w2 = [Variable(a) for a in saved_vars]
    resumed.build(w2)
    resumed.set_weights(saved_state)
    assert resumed.iterations == 3
    _steps(resumed, w2, grads[3:])
    for a, b in zip(w, w2):
        np.testing.assert_array_equal(a.data, b.data)
    for a, b in zip(opt.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_updates_in_place_and_keeps_gradients():
    init, grads = _problem()
    w = [Variable(a) for a in init]
    arrays = [v.data for v in w]
    view = w[0].data[1]
    g_copy = [g.copy() for g in grads[0]]
    opt = optimizers.Adam(0.1, clipnorm=0.5)
    opt.apply_gradients(zip(grads[0], w))
    assert all(v.data is a for v, a in zip(w, arrays))
    np.testing.assert_array_equal(view, w[0].data[1])
    assert not np.array_equal(w[0].data, init[0])
    for g, c in zip(grads[0], g_copy):
        np.testing.assert_array_equal(g, c)
    assert opt.get_slot(w[0], "m").shape == (4, 3)
    assert opt.get_slot_names() == ["m", "v"]


def test_gradient_forms_and_none():
    init, grads = _problem()
    w = [Variable(a) for a in init]
    opt = optimizers.SGD(1.0)
    # a Tensor, a float64 list (cast to float32), and None (skipped)
    opt.apply_gradients([(Tensor(np.ones((4, 3), np.float32)), w[0]),
                         (None, w[1])])
    np.testing.assert_allclose(w[0].data, init[0] - 1.0)
    np.testing.assert_array_equal(w[1].data, init[1])
    opt.apply([[0.5, 0.5, 0.5]], [w[1]])
    np.testing.assert_allclose(w[1].data, init[1] - 0.5)
    assert w[1].data.dtype == np.float32
    assert opt.iterations == 2
    with pytest.raises(ValueError, match="no gradients"):
        opt.apply_gradients([(None, w[0])])
    with pytest.raises(ValueError, match="shape"):
        opt.apply_gradients([(np.ones((3, 4), np.float32), w[0])])
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        opt.apply([grads[0][0], grads[0][0]], [w[0]])


def test_float64_variables():
    init, grads = _problem()
    w32 = [Variable(a) for a in init]
    w64 = [Variable(a, dtype="float64") for a in init]
    o32, o64 = optimizers.RMSprop(0.01), optimizers.RMSprop(0.01)
    _steps(o32, w32, grads)
    _steps(o64, w64, [[g.astype(np.float64) for g in s] for s in grads])
    assert o64.get_slot(w64[0], "rms").dtype == np.float64
    for a, b in zip(w32, w64):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-4, atol=1e-6)


def test_clipping_rules():
    g = np.array([3.0, -4.0, 0.5], np.float32)  # norm 5.04
    for kwargs, expected in [
            ({"clipvalue": 1.0}, [1.0, -1.0, 0.5]),
            ({"clipnorm": 1.0}, g / np.linalg.norm(g)),
            ({"clipnorm": 10.0}, g),
            ({"clipvalue": 1.0, "clipnorm": 1.0},
             np.array([1.0, -1.0, 0.5]) / 1.5)]:
        v = Variable(np.zeros(3, np.float32))
        optimizers.SGD(1.0, **kwargs).apply_gradients([(g, v)])
        np.testing.assert_allclose(-v.data, expected, rtol=1e-6)
    a, b = Variable(np.zeros(2, np.float32)), Variable(np.zeros(1, np.float32))
    optimizers.SGD(1.0, global_clipnorm=1.0).apply_gradients(
        [(np.array([3.0, 0.0], np.float32), a),
         (np.array([4.0], np.float32), b)])
    np.testing.assert_allclose(-a.data, [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(-b.data, [0.8], rtol=1e-6)


def test_decay_and_learning_rate_alias():
    opt = optimizers.SGD(lr=0.5, decay=1.0)
    assert opt.learning_rate == opt.lr == 0.5
    v = Variable(np.zeros(1, np.float32))
    for _ in range(3):  # rates 0.5/1, 0.5/2, 0.5/3
        opt.apply_gradients([(np.ones(1, np.float32), v)])
    np.testing.assert_allclose(-v.data, [0.5 * (1 + 1 / 2 + 1 / 3)],
                               rtol=1e-6)
    opt.lr = np.float32(0.25)
    assert opt.learning_rate == 0.25 and type(opt.lr) is float
    opt.learning_rate = 0.125
    assert opt.lr == 0.125
    assert opt.get_config()["learning_rate"] == 0.125
    assert optimizers.Adam.from_config({"lr": 0.02}).learning_rate == 0.02
    assert optimizers.SGD().learning_rate == 0.01
    assert optimizers.Adam().learning_rate == 0.001


def test_constraint_applied_after_update():
    v = Variable(np.zeros(3, np.float32),
                 constraint=lambda t: np.clip(t.data, -0.5, 0.5))
    optimizers.SGD(1.0).apply_gradients(
        [(np.array([2.0, -0.2, -3.0], np.float32), v)])
    np.testing.assert_allclose(v.data, [-0.5, 0.2, 0.5])


def test_get_serialize_deserialize():
    for name, cls in [("sgd", optimizers.SGD), ("RMSprop", optimizers.RMSprop),
                      ("ADAGRAD", optimizers.Adagrad),
                      ("adadelta", optimizers.Adadelta),
                      ("Adam", optimizers.Adam), ("adamax", optimizers.Adamax),
                      ("nadam", optimizers.Nadam)]:
        opt = optimizers.get(name)
        assert type(opt) is cls
        again = optimizers.deserialize(optimizers.serialize(opt))
        assert type(again) is cls and again.get_config() == opt.get_config()
    opt = optimizers.Adam(0.01, amsgrad=True, clipnorm=2.0, name="my_adam")
    assert optimizers.get(opt) is opt
    cfg = optimizers.serialize(opt)
    assert cfg["class_name"] == "Adam"
    again = optimizers.get(cfg)
    assert again.get_config() == opt.get_config()
    assert again.amsgrad and again.clipnorm == 2.0 and again.name == "my_adam"
    nadam = optimizers.Nadam(schedule_decay=0.01)
    assert nadam.get_config()["decay"] == 0.01
    assert optimizers.get(optimizers.serialize(nadam)).decay == 0.01
    keras3 = {"class_name": "Adam", "config": {
        "learning_rate": 0.003, "weight_decay": None, "use_ema": False,
        "is_legacy_optimizer": False, "ema_momentum": 0.99}}
    assert optimizers.get(keras3).learning_rate == 0.003

    class MyOpt(optimizers.SGD):
        pass
    custom = optimizers.deserialize({"class_name": "MyOpt", "config": {}},
                                    custom_objects={"MyOpt": MyOpt})
    assert type(custom) is MyOpt
    with pytest.raises(ValueError, match="adadelta, adafactor, adagrad, adam, "
                                         "adamax, adamw, ftrl, lion, nadam, "
                                         "rmsprop, sgd"):
        optimizers.get("adamx")
    with pytest.raises(ValueError, match="identifier"):
        optimizers.get(3)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.get({"class_name": "adam",
                        "config": {"weight_decay": 0.1}})


def test_argument_validation():
    with pytest.raises(TypeError, match="'foo'"):
        optimizers.Adam(foo=1)
    with pytest.raises(ValueError, match="clipnorm >= 0"):
        optimizers.SGD(clipnorm=-1.0)
    with pytest.raises(ValueError, match="not both"):
        optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.RMSprop(momentum=-0.1)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        optimizers.Adagrad(initial_accumulator_value=-1.0)
    with pytest.raises(TypeError, match="Variable"):
        optimizers.SGD().apply_gradients([(np.ones(2), np.zeros(2))])
    ints = Variable(np.zeros(2, np.int32), name="counts")
    with pytest.raises(TypeError, match="'counts' must be float32"):
        optimizers.SGD().apply_gradients([(np.ones(2), ints)])


def test_weights_order_and_set_weights_errors():
    init, grads = _problem()
    w = [Variable(a) for a in init]
    opt = optimizers.Adam()
    assert [a.shape for a in opt.get_weights()] == [()]
    opt.build(w)
    shapes = [a.shape for a in opt.get_weights()]
    assert shapes == [(), (4, 3), (3,), (4, 3), (3,)]  # iter, m..., v...
    live = opt.variables()
    assert live[1] is opt.get_slot(w[0], "m")
    assert opt.weights[3] is opt.get_slot(w[0], "v")
    with pytest.raises(ValueError, match="expected 5 arrays"):
        opt.set_weights(opt.get_weights()[:4])
    bad = opt.get_weights()
    bad[2] = np.zeros((4,))
    with pytest.raises(ValueError, match="weight 2"):
        opt.set_weights(bad)
    assert opt.iterations == 0
    opt.iterations = 7
    assert int(opt.get_weights()[0]) == 7
    nadam = optimizers.Nadam()
    nadam.build(w)
    assert [a.shape for a in nadam.get_weights()][:3] == [(), (), (4, 3)]
