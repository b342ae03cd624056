"""Write tests/reference/optimizers_schedules_reference.npz: what tf-keras
2.21 computes for the optimizers and schedules added after the legacy ones
(run once with the reference venv, never imported by tests):

    /work/venv-tf/bin/python tests/reference/optimizers_schedules_make_reference.py

`configs` (JSON): key -> [tf-keras class path, constructor kwargs (a
schedule as {"schedule": [class, kwargs]}), shapes of the variables].  For
each key, 5 steps of `apply_gradients` on float32 variables starting from
"<key>__init<i>" with gradients "<key>__grads<i>"[step]; "<key>__w<i>" holds
the variables after each step, "<key>__slot__<slot>__<i>" the optimizer's
slot of variable i after the 5 steps (fastgraph's slot names).
`schedules` (JSON): key -> [class, kwargs]; "<key>__values" holds the rate
at steps 0..STEPS-1.
"""
import json
import os

import numpy as np
import tensorflow as tf
import tf_keras as keras

OUT = {}
STEPS = 5
SCHEDULE_STEPS = 60

# fastgraph slot name -> tf-keras variable name prefix (new optimizers) or
# legacy slot name.
SLOTS = {
    "AdamW": {"m": "m", "v": "v"},
    "AdamW_amsgrad": {"m": "m", "v": "v", "vhat": "vhat"},
    "Adam": {"m": "m", "v": "v"},
    "Lion": {"m": "m"},
    "Adafactor": {"r": "r", "c": "c", "v": "v"},
    "Ftrl": {"accumulator": "accumulator", "linear": "linear"},
    "SGD": {"momentum": "momentum"},
    "RMSprop": {"rms": "rms"},
}

CONFIGS = {
    "adamw": ["AdamW", {"learning_rate": 0.01}, [[3, 4], [4]]],
    "adamw_amsgrad_clip": ["AdamW", {"learning_rate": 0.02, "weight_decay": 0.1,
                                     "amsgrad": True, "clipnorm": 0.5},
                           [[3, 4], [4]]],
    "adamw_schedule": ["AdamW", {"learning_rate": {"schedule": [
        "ExponentialDecay", {"initial_learning_rate": 0.05, "decay_steps": 2,
                             "decay_rate": 0.5}]}, "weight_decay": 0.05},
                       [[3, 4], [4]]],
    "adam_new": ["Adam", {"learning_rate": 0.01}, [[3, 4], [4]]],
    "ftrl_legacy": ["legacy.Ftrl", {"learning_rate": 0.1}, [[3, 4], [4]]],
    "ftrl_legacy_reg": ["legacy.Ftrl", {
        "learning_rate": 0.2, "learning_rate_power": -0.7,
        "initial_accumulator_value": 0.3, "l1_regularization_strength": 0.05,
        "l2_regularization_strength": 0.1,
        "l2_shrinkage_regularization_strength": 0.02, "beta": 0.4},
        [[3, 4], [4]]],
    "ftrl_new_decay": ["Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.01,
                                "weight_decay": 0.1}, [[3, 4], [4]]],
    "lion": ["Lion", {"learning_rate": 0.001}, [[3, 4], [4]]],
    "lion_clip_decay": ["Lion", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.95,
                                 "clipvalue": 0.3, "weight_decay": 0.2},
                        [[3, 4], [4]]],
    "adafactor": ["Adafactor", {"learning_rate": 0.01}, [[3, 4], [4]]],
    "adafactor_3d": ["Adafactor", {"learning_rate": 0.5, "beta_2_decay": -0.5,
                                   "clip_threshold": 0.5, "epsilon_2": 0.01},
                     [[2, 3, 5], [5], []]],
    "sgd_legacy_exponential": ["legacy.SGD", {"learning_rate": {"schedule": [
        "ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 2,
                             "decay_rate": 0.5, "staircase": True}]},
        "momentum": 0.9}, [[3, 4], [4]]],
    "adam_legacy_piecewise": ["legacy.Adam", {"learning_rate": {"schedule": [
        "PiecewiseConstantDecay", {"boundaries": [1, 3],
                                   "values": [0.1, 0.01, 0.001]}]}},
        [[3, 4], [4]]],
    "rmsprop_legacy_cosine_decay": ["legacy.RMSprop", {"learning_rate": {"schedule": [
        "CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 4}]},
        "decay": 0.1}, [[3, 4], [4]]],
}

SCHEDULES = {
    "exponential": ["ExponentialDecay", {"initial_learning_rate": 0.1,
                                         "decay_steps": 7, "decay_rate": 0.8}],
    "exponential_staircase": ["ExponentialDecay", {
        "initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.8,
        "staircase": True}],
    "piecewise": ["PiecewiseConstantDecay", {"boundaries": [5, 17, 30],
                                             "values": [1.0, 0.5, 0.1, 0.01]}],
    "polynomial": ["PolynomialDecay", {"initial_learning_rate": 0.1,
                                       "decay_steps": 20, "end_learning_rate": 0.01,
                                       "power": 0.5}],
    "polynomial_cycle": ["PolynomialDecay", {"initial_learning_rate": 0.1,
                                             "decay_steps": 13, "power": 2.0,
                                             "cycle": True}],
    "inverse_time": ["InverseTimeDecay", {"initial_learning_rate": 0.1,
                                          "decay_steps": 4, "decay_rate": 0.5}],
    "inverse_time_staircase": ["InverseTimeDecay", {
        "initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5,
        "staircase": True}],
    "cosine": ["CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 40,
                               "alpha": 0.1}],
    "cosine_warmup": ["CosineDecay", {"initial_learning_rate": 0.0,
                                      "decay_steps": 30, "warmup_target": 0.2,
                                      "warmup_steps": 10, "alpha": 0.05}],
    "cosine_restarts": ["CosineDecayRestarts", {"initial_learning_rate": 0.1,
                                                "first_decay_steps": 5}],
    "cosine_restarts_flat": ["CosineDecayRestarts", {
        "initial_learning_rate": 0.1, "first_decay_steps": 7, "t_mul": 1.0,
        "m_mul": 0.5, "alpha": 0.1}],
}


def schedule(spec):
    cls, kwargs = spec
    return getattr(keras.optimizers.schedules, cls)(**kwargs)


def build(path, kwargs):
    kwargs = dict(kwargs)
    lr = kwargs.get("learning_rate")
    if isinstance(lr, dict):
        kwargs["learning_rate"] = schedule(lr["schedule"])
    cls = keras.optimizers
    for part in path.split("."):
        cls = getattr(cls, part)
    return cls(**kwargs)


def slot_arrays(key, path, opt, variables):
    family = path.split(".")[-1]
    names = SLOTS["AdamW_amsgrad" if key == "adamw_amsgrad_clip" else family]
    if key == "adam_legacy_piecewise":
        names = {"m": "m", "v": "v"}
    for ours, theirs in names.items():
        for i, var in enumerate(variables):
            if path.startswith("legacy."):
                array = opt.get_slot(var, theirs).numpy()
            else:
                found = [v for v in opt.variables
                         if v.name.split(":")[0].endswith(f"/{theirs}/w{i}")]
                if not found:   # Adafactor keeps no r, c for vectors
                    continue
                array = found[0].numpy()
            OUT[f"{key}__slot__{ours}__{i}"] = array


rng = np.random.default_rng(1234)
for key, (path, kwargs, shapes) in CONFIGS.items():
    init = [rng.normal(size=s).astype(np.float32) for s in shapes]
    grads = [rng.normal(size=[STEPS] + s).astype(np.float32) for s in shapes]
    variables = [tf.Variable(a, name=f"w{i}") for i, a in enumerate(init)]
    opt = build(path, kwargs)
    traj = [[] for _ in shapes]
    for step in range(STEPS):
        opt.apply_gradients([(tf.constant(g[step]), v)
                             for g, v in zip(grads, variables)])
        for i, v in enumerate(variables):
            traj[i].append(v.numpy())
    for i in range(len(shapes)):
        OUT[f"{key}__init{i}"] = init[i]
        OUT[f"{key}__grads{i}"] = grads[i]
        OUT[f"{key}__w{i}"] = np.stack(traj[i])
    slot_arrays(key, path, opt, variables)

for key, spec in SCHEDULES.items():
    s = schedule(spec)
    OUT[f"{key}__values"] = np.array([float(s(step)) for step in range(SCHEDULE_STEPS)])
    assert keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(s)).get_config() == s.get_config()

OUT["configs"] = np.array(json.dumps(CONFIGS))
OUT["schedules"] = np.array(json.dumps(SCHEDULES))
np.savez_compressed(os.path.join(os.path.dirname(__file__),
                                 "optimizers_schedules_reference.npz"), **OUT)
