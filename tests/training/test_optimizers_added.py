"""AdamW, Ftrl, Lion, Adafactor, learning-rate schedules and the legacy
namespace against tf-keras 2.21, and their C kernels against NumPy.

tests/reference/optimizers_schedules_reference.npz was written by
tests/reference/optimizers_schedules_make_reference.py (its docstring says
what each entry holds): 5 steps of each optimizer on float32 variables, and
each schedule's rate over 60 steps.  tf-keras 2.21's own (non-legacy) Adam
is compared with fastgraph's Adam too: the update rule is the same.
"""
import copy
import json
import os

import numpy as np
import pytest

from fastgraph import optimizers
from fastgraph._kernels import load
from fastgraph.autodiff import Variable
from fastgraph.optimizers import schedules

_k = load("optim")
REF = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "reference",
                           "optimizers_schedules_reference.npz"))
CONFIGS = json.loads(str(REF["configs"]))
SCHEDULES = json.loads(str(REF["schedules"]))


def _schedule(spec):
    cls, kwargs = spec
    return getattr(schedules, cls)(**kwargs)


def _optimizer(path, kwargs):
    kwargs = dict(kwargs)
    lr = kwargs.get("learning_rate")
    if isinstance(lr, dict):
        kwargs["learning_rate"] = _schedule(lr["schedule"])
    return getattr(optimizers, path.split(".")[-1])(**kwargs)


@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_matches_tf_keras(key):
    path, kwargs, shapes = CONFIGS[key]
    opt = _optimizer(path, kwargs)
    variables = [Variable(REF[f"{key}__init{i}"].copy()) for i in range(len(shapes))]
    for step in range(5):
        opt.apply_gradients([(REF[f"{key}__grads{i}"][step], v)
                             for i, v in enumerate(variables)])
        for i, v in enumerate(variables):
            np.testing.assert_allclose(v.data, REF[f"{key}__w{i}"][step],
                                       rtol=2e-5, atol=2e-6, err_msg=f"step {step}")
    slots = [name for name in REF.files if name.startswith(key + "__slot__")]
    assert slots
    for name in slots:
        slot, i = name.split("__")[2:]
        np.testing.assert_allclose(opt.get_slot(variables[int(i)], slot), REF[name],
                                   rtol=2e-5, atol=1e-7, err_msg=name)
    assert opt.iterations == 5


@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_schedules_match_tf_keras(key):
    schedule = _schedule(SCHEDULES[key])
    values = [schedule(step) for step in range(len(REF[f"{key}__values"]))]
    np.testing.assert_allclose(values, REF[f"{key}__values"], rtol=2e-6, atol=1e-9)
    again = schedules.deserialize(schedules.serialize(schedule))
    assert type(again) is type(schedule)
    assert again.get_config() == schedule.get_config()
    assert optimizers.get({"class_name": "SGD", "config": {
        "learning_rate": schedules.serialize(schedule)}}).get_config()[
        "learning_rate"] == schedules.serialize(schedule)


# ---------------------------------------------------------------- kernels

def _np_ftrl(p, g, acc, lin, lr, power, l1, l2, shrink):
    gs = g + 2 * shrink * p
    na = acc + g * g
    lin += gs - (na ** -power - acc ** -power) / lr * p
    q = na ** -power / lr + 2 * l2
    p[...] = (np.clip(lin, -l1, l1) - lin) / q
    acc[...] = na


def _np_lion(p, g, m, lr, b1, b2):
    p -= lr * np.sign(m * b1 + g * (1 - b1))
    m[...] = m * b2 + g * (1 - b2)


def _np_adafactor(p, g, r, c, v, rho, b2, eps1, eps2, threshold):
    alpha = max(eps2, np.sqrt(np.mean(p * p))) * rho
    q = g * g + eps1
    if r is not None:
        r[...] = b2 * r + (1 - b2) * q.mean(axis=-1)
        c[...] = b2 * c + (1 - b2) * q.mean(axis=-2)
        v[...] = (r / r.mean(axis=-1, keepdims=True))[..., None] * c[..., None, :]
    else:
        v[...] = b2 * v + (1 - b2) * q
    u = g / np.sqrt(v)
    p -= alpha * u / max(1.0, np.sqrt(np.mean(u * u)) / threshold)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (5, 7), (2, 3, 4), (70001,)])
def test_new_kernels_match_numpy(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    tol = (dict(rtol=2e-4, atol=1e-5) if dtype == np.float32
           else dict(rtol=1e-10, atol=1e-12))
    p0 = rng.normal(size=shape)
    factored = len(shape) >= 2
    cases = [
        ("ftrl", _np_ftrl, 2, (0.1, -0.5, 0.01, 0.2, 0.05)),
        ("ftrl", _np_ftrl, 2, (0.1, -0.7, 0.0, 0.0, 0.0)),
        ("lion", _np_lion, 1, (0.01, 0.9, 0.99)),
    ]
    for clip, scale in ((np.inf, 1.0), (0.7, 0.5)):
        for name, rule, n_slots, scalars in cases:
            p_ref, p_k = p0.copy(), p0.astype(dtype)
            s_ref = [np.abs(rng.normal(size=shape)) + 0.1 for _ in range(n_slots)]
            s_k = [s.astype(dtype) for s in s_ref]
            g = rng.normal(size=shape)
            g_k = g.astype(dtype)
            rule(p_ref, np.clip(g, -clip, clip) * scale, *s_ref, *scalars)
            getattr(_k, name)(p_k, g_k, *s_k, *scalars, clipvalue=clip, scale=scale)
            np.testing.assert_array_equal(g_k, g.astype(dtype))
            np.testing.assert_allclose(p_k, p_ref, err_msg=name, **tol)
            for a, b in zip(s_k, s_ref):
                np.testing.assert_allclose(a, b, err_msg=name, **tol)
        r = np.abs(rng.normal(size=shape[:-1])) if factored else None
        c = np.abs(rng.normal(size=shape[:-2] + shape[-1:])) if factored else None
        v = np.abs(rng.normal(size=shape))
        g = rng.normal(size=shape)
        slots_k = [None if a is None else a.astype(dtype) for a in (r, c, v)]
        p_ref, p_k = p0.copy(), p0.astype(dtype)
        _np_adafactor(p_ref, np.clip(g, -clip, clip) * scale, r, c, v, 0.05, 0.9,
                      1e-30, 1e-3, 0.8)
        _k.adafactor(p_k, g.astype(dtype), *slots_k, 0.05, 0.9, 1e-30, 1e-3, 0.8,
                     clipvalue=clip, scale=scale)
        np.testing.assert_allclose(p_k, p_ref, **tol)
        for a, b in zip(slots_k, (r, c, v)):
            if b is not None:
                np.testing.assert_allclose(a, b, **tol)
    p_k = p0.astype(dtype)
    _k.decay(p_k, 0.1, 0.5)
    np.testing.assert_allclose(p_k, p0 - p0 * 0.1 * 0.5, **tol)


def test_new_kernels_bad_input():
    p = np.zeros((3, 4), np.float32)
    g = np.ones((3, 4), np.float32)
    m = np.zeros((3, 4), np.float32)
    cases = [
        (TypeError, "'m'", lambda: _k.lion(p, g, m.astype(np.float64), 0.1, 0.9, 0.9)),
        (ValueError, "'linear'", lambda: _k.ftrl(p, g, m, m, 0.1, -0.5, 0, 0, 0)),
        (ValueError, "'r'", lambda: _k.adafactor(p, g, np.zeros(4, np.float32),
                                                 np.zeros(4, np.float32), m, 0.1,
                                                 0.9, 1e-30, 1e-3, 1.0)),
        (ValueError, "'c'", lambda: _k.adafactor(p, g, np.zeros(3, np.float32),
                                                 np.zeros(3, np.float32), m, 0.1,
                                                 0.9, 1e-30, 1e-3, 1.0)),
        (ValueError, "'r' and 'c' must be None", lambda: _k.adafactor(
            p[0].copy(), g[0].copy(), m[0].copy(), None, m[1].copy(), 0.1, 0.9,
            1e-30, 1e-3, 1.0)),
        (TypeError, "'param'", lambda: _k.decay(p.astype(np.int32), 0.1, 0.1)),
    ]
    for exc, name, call in cases:
        with pytest.raises(exc, match=name):
            call()
    assert not p.any()


# ------------------------------------------------------------- optimizers

def _problem(seed=0, steps=6):
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=(4, 3)).astype(np.float32),
            rng.normal(size=(3,)).astype(np.float32)]
    grads = [[rng.normal(size=a.shape).astype(np.float32) for a in init]
             for _ in range(steps)]
    return init, grads


@pytest.mark.parametrize("opt", [
    optimizers.AdamW(0.01, amsgrad=True), optimizers.Ftrl(0.1, beta=0.1),
    optimizers.Lion(weight_decay=0.1), optimizers.Adafactor(clipnorm=1.0),
    optimizers.SGD(schedules.CosineDecay(0.1, 4), momentum=0.5)],
    ids=lambda o: o.name)
def test_set_weights_resumes_bit_identically(opt):
    init, grads = _problem()
    fresh = copy.deepcopy(opt)
    w = [Variable(a) for a in init]
    for g in grads[:3]:
        opt.apply_gradients(zip(g, w))
    saved_vars, saved_state = [v.data.copy() for v in w], opt.get_weights()
    for g in grads[3:]:
        opt.apply_gradients(zip(g, w))
    resumed = optimizers.get(optimizers.serialize(fresh))
    w2 = [Variable(a) for a in saved_vars]
    resumed.build(w2)
    resumed.set_weights(saved_state)
    for g in grads[3:]:
        resumed.apply_gradients(zip(g, w2))
    for a, b in zip(w, w2):
        np.testing.assert_array_equal(a.data, b.data)


def test_schedule_as_learning_rate():
    schedule = schedules.PiecewiseConstantDecay([1], [1.0, 0.5])
    opt = optimizers.SGD(schedule)
    assert opt.learning_rate is schedule and opt.lr is schedule
    v = Variable(np.zeros(1, np.float32))
    for _ in range(3):      # rates at iterations 0, 1, 2: 1.0, 1.0, 0.5
        opt.apply_gradients([(np.ones(1, np.float32), v)])
    np.testing.assert_allclose(v.data, [-2.5])
    config = opt.get_config()
    assert config["learning_rate"] == {"class_name": "PiecewiseConstantDecay",
                                       "config": {"boundaries": [1],
                                                  "values": [1.0, 0.5],
                                                  "name": None}}
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(again.learning_rate, schedules.PiecewiseConstantDecay)
    opt.learning_rate = 0.25        # a number replaces the schedule
    assert opt.lr == 0.25

    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.5 ** step

        def get_config(self):
            return {}
    config = optimizers.serialize(optimizers.Adam(Halving()))
    with pytest.raises(ValueError, match="Halving"):
        optimizers.deserialize(config)
    custom = optimizers.deserialize(config, custom_objects={"Halving": Halving})
    assert isinstance(custom.learning_rate, Halving)


def test_schedule_saved_with_the_model(tmp_path):
    from fastgraph import layers, models
    x = layers.Input((3,))
    model = models.Model(x, layers.Dense(2)(x))
    model.compile(optimizers.Adam(schedules.ExponentialDecay(0.01, 3, 0.5)), "mse")
    data = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    model.fit(data, data[:, :2], epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "m.fg")
    loaded = models.load_model(tmp_path / "m.fg")
    lr = loaded.optimizer.learning_rate
    assert isinstance(lr, schedules.ExponentialDecay)
    assert lr.get_config() == model.optimizer.learning_rate.get_config()
    assert loaded.optimizer.iterations == 4
    model.train_on_batch(data, data[:, :2])
    loaded.train_on_batch(data, data[:, :2])
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weight_decay_exclusion():
    a, b = Variable(np.ones(2, np.float32), name="kernel"), \
        Variable(np.ones(2, np.float32), name="bias")
    opt = optimizers.AdamW(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    zero = np.zeros(2, np.float32)
    opt.apply_gradients([(zero, a), (zero, b)])
    np.testing.assert_allclose(a.data, [0.95, 0.95])
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay([a])
    assert optimizers.get(optimizers.serialize(opt)).weight_decay == 0.5
    assert optimizers.Lion(weight_decay=0.1).get_config()["weight_decay"] == 0.1


def test_legacy_namespace_and_names():
    from fastgraph.optimizers import legacy
    for name in ("Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam",
                 "Adamax", "Nadam", "Ftrl"):
        assert getattr(legacy, name) is getattr(optimizers, name)
    for name, cls in (("adamw", optimizers.AdamW), ("Ftrl", optimizers.Ftrl),
                      ("lion", optimizers.Lion), ("Adafactor", optimizers.Adafactor)):
        assert type(optimizers.get(name)) is cls
    assert optimizers.Lion().learning_rate == 1e-4
    opt = optimizers.Adafactor()
    opt.build([Variable(np.zeros((4, 3), np.float32)), Variable(np.zeros(3, np.float32))])
    assert [w.shape for w in opt.get_weights()] == [(), (4,), (0,), (3,), (0,),
                                                  (4, 3), (3,)]


@pytest.mark.parametrize("make, message", [
    (lambda: optimizers.Adam(beta_1=1.0), r"Adam: beta_1 must be in \[0, 1\)"),
    (lambda: optimizers.Adam(epsilon=-1.0), "Adam: expected epsilon >= 0"),
    (lambda: optimizers.AdamW(weight_decay=None), "AdamW: weight_decay"),
    (lambda: optimizers.AdamW(weight_decay=-0.1), "AdamW: expected weight_decay"),
    (lambda: optimizers.RMSprop(rho=1.5), "RMSprop: rho"),
    (lambda: optimizers.Adadelta(rho=-0.5), "Adadelta: rho"),
    (lambda: optimizers.Ftrl(learning_rate_power=0.5), "Ftrl: learning_rate_power"),
    (lambda: optimizers.Ftrl(l1_regularization_strength=-1),
     "Ftrl: expected l1_regularization_strength >= 0"),
    (lambda: optimizers.Lion(beta_1=0.0), r"Lion: beta_1 must be in \(0, 1\]"),
    (lambda: optimizers.Adafactor(clip_threshold=0.0), "Adafactor: expected clip_threshold > 0"),
    (lambda: optimizers.SGD(learning_rate="fast"), "SGD: learning_rate must be a number"),
    (lambda: optimizers.SGD(learning_rate=-0.1), "SGD: expected learning_rate >= 0"),
    (lambda: optimizers.Nadam(beta_2=2.0), "Nadam: beta_2"),
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "ExponentialDecay: decay_steps"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1]), "one entry less"),
    (lambda: schedules.PiecewiseConstantDecay([2, 1], [0.1, 0.2, 0.3]), "increase"),
    (lambda: schedules.CosineDecay(0.1, 10, warmup_target=0.2), "warmup_steps"),
])
def test_hyper_parameters_validated(make, message):
    with pytest.raises(ValueError, match=message):
        make()
