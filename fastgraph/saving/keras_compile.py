"""Compile settings and optimizer state in Keras files.

Keras 2 (tf-keras) HDF5 files hold a `training_config` and, in
`optimizer_weights`, the optimizer's variables by name: the legacy
optimizers' `<opt>/iter:0` and `<opt>/<variable>/<slot>:0`, the newer
ones' `iteration:0` and `<opt>/<slot>/<variable>:0`.  Keras 3 archives hold
a `compile_config` and the optimizer's variables by position: iterations,
the learning rate, then the slots in the order each optimizer creates them.

Both map onto fastgraph's optimizers (tf-keras's legacy update rules) when
the optimizer is one fastgraph has: restored are the iteration count and
every slot of every trainable weight (and the learning rate Keras 3
recorded); if any of them cannot be matched, none is, and a warning says
why (the model is compiled with a fresh optimizer).  The update rules of
Keras's newer RMSprop, Adagrad and Nadam differ slightly from the legacy
ones fastgraph runs (where epsilon is added; Nadam's momentum schedule).
"""
import warnings

import numpy as np

from .. import optimizers as optimizers_mod
from .. import registry
from .allowlist import check_config
from .archive import FileFormatError
from .keras_config import snake_case
from .model_io import _compile_members, _resolve

# tf-keras >= 2.11 and Keras 3 slot names -> fastgraph's (legacy) names.
_NEW_SLOTS = {
    "SGD": {"m": "momentum", "momentum": "momentum"},
    "Adam": {"m": "m", "v": "v", "vhat": "vhat", "momentum": "m", "velocity": "v",
             "velocity_hat": "vhat"},
    "RMSprop": {"velocity": "rms", "momentum": "momentum", "average_gradient": "mg"},
    "Adagrad": {"accumulator": "accumulator"},
    "Adadelta": {"accumulated_grad": "accum_grad", "accumulated_delta_var": "accum_var"},
    "Adamax": {"m": "m", "u": "v", "momentum": "m", "norm": "v"},
    "Nadam": {"m": "m", "v": "v", "momentum": "m", "velocity": "v"},
}
# Keras 3's creation order: groups of slots, each group interleaved per weight.
_KERAS3_ORDER = {
    "SGD": [("momentum",)], "Adam": [("m", "v"), ("vhat",)],
    "RMSprop": [("rms",), ("momentum",), ("mg",)], "Adagrad": [("accumulator",)],
    "Adadelta": [("accum_grad", "accum_var")], "Adamax": [("m", "v")],
    "Nadam": [("m", "v")],
}
_KERAS3_SLOT_NAMES = {"SGD": {"momentum": "momentum"},
                      "Adam": {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"},
                      "RMSprop": {"rms": "velocity", "momentum": "momentum",
                                  "mg": "average_gradient"},
                      "Adagrad": {"accumulator": "accumulator"},
                      "Adadelta": {"accum_grad": "accumulated_grad",
                                   "accum_var": "accumulated_delta_var"},
                      "Adamax": {"m": "momentum", "v": "norm"},
                      "Nadam": {"m": "momentum", "v": "velocity"}}
_KERAS2_SLOT_NAMES = {"SGD": {"momentum": "m"}, "Adam": {"m": "m", "v": "v", "vhat": "vhat"},
                      "RMSprop": {"rms": "velocity", "momentum": "momentum",
                                  "mg": "average_gradient"},
                      "Adagrad": {"accumulator": "accumulator"},
                      "Adadelta": {"accum_grad": "accumulated_grad",
                                   "accum_var": "accumulated_delta_var"},
                      "Adamax": {"m": "m", "v": "u"}, "Nadam": {"m": "m", "v": "v"}}
_KERAS3_NEUTRAL = {"weight_decay": None, "use_ema": False, "ema_momentum": 0.99,
                   "ema_overwrite_frequency": None, "loss_scale_factor": None,
                   "gradient_accumulation_steps": None}
_METRIC_ALIASES = ("accuracy", "acc", "crossentropy", "ce")


def _family(optimizer):
    """The fastgraph optimizer class name whose slots `optimizer` has (None
    under a learning-rate schedule, which Keras files do not hold here)."""
    if isinstance(optimizer.learning_rate, optimizers_mod.schedules.LearningRateSchedule):
        return None
    for cls in type(optimizer).__mro__:
        if cls.__name__ in _NEW_SLOTS and cls.__module__ == optimizers_mod.__name__:
            return cls.__name__
    return None


# ------------------------------------------------------------ reading
def optimizer_from_keras(config, objects, where):
    """A fastgraph optimizer from a Keras optimizer config (tf-keras's
    'Custom>Adam' names the built-in Adam)."""
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"{where}: the optimizer config must name a class")
    name = config["class_name"]
    if name.startswith("Custom>") and name not in objects:
        name = name[len("Custom>"):]
    args = dict(config.get("config") or {})
    if isinstance(args.get("learning_rate"), dict):
        raise ValueError(f"{where}: learning-rate schedules "
                         f"({args['learning_rate'].get('class_name')}) are not "
                         f"supported")
    plain = {"class_name": name, "config": args}
    check_config(plain, objects, where, "optimizer")
    return optimizers_mod.deserialize(plain, objects)


def _metric(value):
    if isinstance(value, dict) and value.get("class_name") == "MeanMetricWrapper":
        args = value.get("config") or {}
        name, fn = args.get("name"), args.get("fn")
        return name if name in _METRIC_ALIASES or not isinstance(fn, str) else fn
    if isinstance(value, dict) and isinstance(value.get("class_name"), str) \
            and value["class_name"] != "function":
        snake = snake_case(value["class_name"])
        if snake in registry.builtins("metric"):
            return snake
    if isinstance(value, dict) and value.get("class_name") == "function":
        return value.get("config")
    if isinstance(value, list):
        return [_metric(v) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _metric(v) for k, v in value.items()}
    return value


def _per_output(value, model):
    """Keras nests metrics per output; a single output's list is unnested."""
    if isinstance(value, list) and len(model.outputs) == 1 and len(value) == 1 \
            and isinstance(value[0], list):
        return value[0]
    if isinstance(value, list) and len(model.outputs) > 1 and value \
            and all(isinstance(v, list) and not v for v in value):
        return None
    return value


def compile_from_keras(model, config, objects, where, fail):
    """Compile `model` as a Keras `training_config`/`compile_config` says
    and return its optimizer; a setting that cannot be restored is
    `fail(problem)`, which suggests compile=False."""
    try:
        return _compile(model, config, objects, where)
    except FileFormatError:
        raise
    except (ValueError, TypeError, KeyError) as err:
        raise fail(f"cannot restore the compile settings ({err}); pass "
                   f"compile=False to load the model without them") from err


def _compile(model, config, objects, where):
    if not isinstance(config, dict):
        raise ValueError(f"{where} must be an object")
    optimizer_config = config.get("optimizer_config", config.get("optimizer"))
    optimizer = (optimizer_from_keras(optimizer_config, objects, f"{where} optimizer")
                 if optimizer_config is not None else "rmsprop")
    loss = _plain(config.get("loss"))
    metrics = _per_output(_metric(_plain(config.get("metrics"))), model)
    weighted = _per_output(_metric(_plain(config.get("weighted_metrics"))), model)
    for key, value, kind in (("loss", loss, "loss"), ("metrics", metrics, "metric"),
                             ("weighted_metrics", weighted, "metric")):
        check_config(value, objects, f"{where} {key}", kind)
    model.compile(optimizer=optimizer, loss=_resolve(loss, "loss", objects),
                  metrics=_resolve(metrics, "metric", objects),
                  weighted_metrics=_resolve(weighted, "metric", objects),
                  loss_weights=config.get("loss_weights"),
                  sample_weight_mode=config.get("sample_weight_mode"))
    return model.optimizer


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()
                if k not in ("module", "registered_name")}
    return value


def _warn_fresh(where, why):
    warnings.warn(f"{where}: the optimizer state is not restored ({why}); the "
                  f"model is compiled with a fresh optimizer", stacklevel=4)


def restore_keras2_state(model, optimizer, names, read, variables, where):
    """Set the optimizer's iterations and slots from tf-keras's named
    optimizer weights.  `names` are the file's weight names, `read(k, shape,
    dtype)` reads the k-th, `variables` maps the model's weight names in
    the file to its variables (None for an ambiguous name)."""
    family = _family(optimizer)
    if family is None:
        return _warn_fresh(where, f"{type(optimizer).__name__} is not a Keras optimizer")
    trainable = model.trainable_weights
    optimizer.build(trainable)
    slots = optimizer.get_slot_names()
    targets, iterations = {}, None
    for k, full in enumerate(names):
        parts = full[:-2].split("/") if full.endswith(":0") else full.split("/")
        if parts[-1] in ("iteration", "iter") and len(parts) <= 2:
            iterations = k
            continue
        if family == "Nadam" and parts[-1] == "momentum_cache":
            targets[k] = (None, "momentum_cache")
            continue
        new_slot = _NEW_SLOTS[family].get(parts[1]) if len(parts) > 2 else None
        new_var = variables.get("/".join(parts[2:]) + ":0")
        old_var = variables.get("/".join(parts[1:-1]) + ":0")
        if new_slot in slots and new_var is not None:
            targets[k] = (new_var, new_slot)
        elif parts[-1] in slots and old_var is not None:
            targets[k] = (old_var, parts[-1])
        else:
            return _warn_fresh(where, f"optimizer weight {full!r} matches no slot of "
                                      f"a weight of this model")
    wanted = {(id(v), s) for v in trainable for s in slots}
    found = {(id(v), s) for v, s in targets.values() if v is not None}
    if iterations is None or found != wanted:
        return _warn_fresh(where, f"the file holds {len(found)} of the "
                                  f"{len(wanted)} slots and "
                                  f"{'no' if iterations is None else 'the'} "
                                  f"iteration count")
    arrays = {}
    for k, (var, slot) in targets.items():
        if var is None:
            arrays[k] = (optimizer._m_cache, read(k, (), np.float64))
        else:
            target = optimizer.get_slot(var, slot)
            arrays[k] = (target, read(k, target.shape, target.dtype))
    optimizer.iterations = int(read(iterations, (), np.int64))
    for target, array in arrays.values():
        np.copyto(target, array, casting="unsafe")


def keras3_slots(model, optimizer):
    """The optimizer's slot arrays in Keras 3's order (None: not a Keras
    optimizer or not built for every trainable weight)."""
    family = _family(optimizer)
    if family is None:
        return None
    slots = optimizer.get_slot_names()
    out = []
    try:
        for group in _KERAS3_ORDER[family]:
            group = [s for s in group if s in slots]
            for var in model.trainable_weights:
                out += [optimizer.get_slot(var, s) for s in group]
    except KeyError:
        return None
    return out


def restore_keras3_state(model, optimizer, count, read, where):
    """Set iterations, learning rate and slots from Keras 3's positional
    optimizer variables (`count` of them; `read(k, shape, dtype)`)."""
    if _family(optimizer) is None:
        return _warn_fresh(where, f"{type(optimizer).__name__} is not a Keras optimizer")
    optimizer.build(model.trainable_weights)
    slots = keras3_slots(model, optimizer)
    if count != len(slots) + 2:
        return _warn_fresh(where, f"the file holds {count} optimizer variables; "
                                  f"iterations, the learning rate and "
                                  f"{len(slots)} slots were expected")
    arrays = [read(k + 2, s.shape, s.dtype) for k, s in enumerate(slots)]
    optimizer.iterations = int(read(0, (), np.int64))
    rate = read(1, (), np.float32)
    if rate != np.float32(optimizer.learning_rate):     # changed while training
        optimizer.learning_rate = float(rate)
    for target, array in zip(slots, arrays):
        np.copyto(target, array)


# ------------------------------------------------------------ writing
def compile_settings(model):
    """The model's compile settings as names (fastgraph's compile.json
    content), or None when it is not compiled or they cannot be saved."""
    members, _ = _compile_members(model, include_optimizer=False)
    return members.get("compile.json")


def keras2_optimizer(optimizer, where):
    """tf-keras's config of `optimizer` (its optimizer of the same name), or
    None with a warning when tf-keras cannot express it (a `decay`)."""
    family = _family(optimizer)
    if family is None:
        return None
    config = dict(optimizer.get_config())
    if config.pop("decay", 0.0) and family != "Nadam":
        warnings.warn(f"{where}: Keras's optimizers have no `decay`; the optimizer "
                      f"is not saved", stacklevel=4)
        return None
    return {"class_name": family, "config": dict(config, is_legacy_optimizer=False)}


def keras2_optimizer_weights(model, optimizer):
    """[(name, array)]: `iteration:0`, then the slots named and ordered as
    tf-keras's optimizers create them (Keras 3's order); None when the
    optimizer has not been built for every trainable weight."""
    family = _family(optimizer)
    slots = keras3_slots(model, optimizer)
    if slots is None:
        return None
    names = _KERAS2_SLOT_NAMES[family]
    out = [("iteration:0", np.asarray(optimizer.iterations, dtype=np.int64))]
    by_id = {id(optimizer.get_slot(var, slot)): (var, slot)
             for var in model.trainable_weights for slot in optimizer.get_slot_names()}
    for array in slots:
        var, slot = by_id[id(array)]
        short = var.name[:-2] if var.name.endswith(":0") else var.name
        out.append((f"{optimizer.name}/{names[slot]}/{short}:0", array))
    return out


def keras3_optimizer(optimizer, where):
    """Keras 3's config of `optimizer` ({'module', 'class_name', 'config',
    'registered_name'}), or None with a warning when Keras 3 cannot express
    it (a `decay`)."""
    family = _family(optimizer)
    if family is None:
        return None
    config = dict(optimizer.get_config())
    decay = config.pop("decay", 0.0)
    if decay and family != "Nadam":
        warnings.warn(f"{where}: Keras 3 optimizers have no `decay`; the optimizer "
                      f"is not saved", stacklevel=4)
        return None
    config.update(_KERAS3_NEUTRAL)
    config.setdefault("clipnorm", None)
    config.setdefault("clipvalue", None)
    config.setdefault("global_clipnorm", None)
    return {"module": "keras.optimizers", "class_name": family, "config": config,
            "registered_name": None}
