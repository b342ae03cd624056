"""Saving and loading models: architecture, weights, compile settings and
optimizer state in one fastgraph file (see archive.py for the container).

Loading never runs code from the file: every name in it goes through the
allowlist (allowlist.py), arrays are plain numeric .npy checked against the
shapes of the rebuilt model, and nothing is unpickled or imported.
"""
from __future__ import annotations

import os
import re
import warnings
from typing import Any, Optional, Union

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from .._version import __version__
from ..engine import Functional, deserialize_layer, serialize_layer
from ..engine.weight_scope import DummyInputError, WeightBudgetError, \
    WeightCreationScope
from . import archive
from .. import registry
from ..engine.display import quoted, shown
from .allowlist import builtin_objects, check_config, check_name

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
# Weight bytes a model may create beyond what its file holds, so that a
# small difference is reported as a shape mismatch, layer by layer.
_BUDGET_SLACK = 1 << 20


def _check_model(model, who):
    if not isinstance(model, Functional):
        raise TypeError(f"{who}: expected a fastgraph Model or Sequential, got "
                        f"{type(model).__name__}")


def _name_for_file(text):
    return _SAFE.sub("_", text)[:64] or "_"


# ------------------------------------------------------------- configs
def to_json(model, **kwargs):
    """The model's architecture as JSON text (`{"class_name", "config",
    "fastgraph_version"}`); `kwargs` go to `json.dumps`."""
    _check_model(model, "to_json")
    config = dict(serialize_layer(model), fastgraph_version=__version__)
    return archive.dumps(config, **kwargs)


def _rebuild(config, objects, where):
    """A model from a parsed `{'class_name', 'config'}`, names checked first."""
    if not isinstance(config, dict) or not isinstance(config.get("config"), (dict, list)) \
            or not isinstance(config.get("class_name"), str):
        raise ValueError(f"{where} must be an object with 'class_name' and "
                         f"'config', got {type(config).__name__}")
    check_config(config, objects, where)
    try:
        model = deserialize_layer(config, objects)
    except (WeightBudgetError, DummyInputError):
        raise
    except MemoryError:
        raise ValueError(f"{where} does not describe a valid model: building it "
                         f"ran out of memory (does it ask for huge layers?)") from None
    except Exception as err:
        # The message may quote names from the file: cut and escaped.
        raise ValueError(f"{where} does not describe a valid model "
                         f"({type(err).__name__}: {shown(err, 4000)})") from None
    if not isinstance(model, Functional):
        raise ValueError(f"{where} describes a {type(model).__name__} layer, "
                         f"not a model")
    build = config.get("build_config")
    if isinstance(build, dict) and not model.built:     # a subclassed model
        model.build_from_config(build)
    return model


def model_from_config(config: dict, custom_objects: Optional[dict] = None) -> Functional:
    """A new model (fresh weights) from `{'class_name', 'config'}`."""
    if isinstance(config, list):
        raise TypeError("model_from_config expects a dictionary "
                        "{'class_name': ..., 'config': ...}, not a list")
    return _rebuild(config, registry.custom_objects(custom_objects), "config")


def model_from_json(json_string: Union[str, bytes],
                    custom_objects: Optional[dict] = None) -> Functional:
    """A new model (fresh weights) from `to_json()` output; names resolve
    only through fastgraph's registry and `custom_objects`."""
    if not isinstance(json_string, (str, bytes)):
        raise TypeError(f"model_from_json expects a JSON string, got "
                        f"{type(json_string).__name__}")
    config = archive.parse_json(json_string, "the JSON string")
    return _rebuild(config, registry.custom_objects(custom_objects), "config")


# ------------------------------------------------------------- weights
def _layers_with_weights(model):
    return [(index, layer, layer.weights) for index, layer in enumerate(model.layers)
            if layer.weights]


def _weights_members(model):
    """(manifest, arrays): each layer with weights and its weights in
    order; a weight shared by several layers is stored once."""
    stored, arrays, layers = {}, [], []
    for index, layer, weights in _layers_with_weights(model):
        entries = []
        for j, var in enumerate(weights):
            path = stored.get(id(var))
            if path is None:
                short = var.name.rsplit("/", 1)[-1].split(":")[0] if var.name else "w"
                path = (f"weights/{index:04d}_{_name_for_file(layer.name)}_{j:02d}_"
                        f"{_name_for_file(short)}.npy")
                stored[id(var)] = path
                arrays.append((path, var.data))
            entries.append({"name": var.name, "shape": list(var.shape),
                            "dtype": str(var.data.dtype), "path": path})
        layers.append({"name": layer.name, "class_name": type(layer).__name__,
                       "index": index, "weights": entries})
    return {"layers": layers}, arrays


def _manifest(reader):
    """The checked weights manifest: a list of (layer name, entries)."""
    fail = reader.fail
    data = reader.read_json("weights.json", reader.manifest_limit())
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list):
        raise fail("weights.json must hold a 'layers' list")
    out, names = [], set()
    for i, layer in enumerate(layers):
        entries = layer.get("weights") if isinstance(layer, dict) else None
        name = layer.get("name") if isinstance(layer, dict) else None
        if not isinstance(name, str) or not isinstance(entries, list):
            raise fail(f"weights.json layers[{i}] needs a 'name' and a 'weights' list")
        check_name(name, f"weights.json layers[{i}].name")
        if name in names:
            raise fail(f"weights.json names layer {quoted(name)} twice")
        names.add(name)
        for j, entry in enumerate(entries):
            shape = entry.get("shape") if isinstance(entry, dict) else None
            if not (isinstance(shape, list) and all(
                    isinstance(d, int) and not isinstance(d, bool) and d >= 0
                    for d in shape)
                    and isinstance(entry.get("path"), str)
                    and isinstance(entry.get("dtype"), str)):
                raise fail(f"weights.json layers[{i}].weights[{j}] needs 'path', "
                           f"'dtype' and a 'shape' of non-negative integers")
            for key in ("path", "name"):
                check_name(entry.get(key), f"weights.json layers[{i}].weights[{j}].{key}")
        out.append((name, entries))
    return out


def _read_layer(reader, layer, weights, entries, by_file_name, in_place=False):
    """Arrays for `layer` from its manifest entries, every shape checked;
    `in_place` reads them straight into the weights' buffers."""
    arrays = []
    for j, (var, entry) in enumerate(zip(weights, entries)):
        shape = tuple(var.shape)
        if tuple(entry["shape"]) != shape:
            raise ValueError(
                f"Layer {layer.name!r}{by_file_name}: weight {j} ({var.name!r}) has "
                f"shape {shape} in the model but {tuple(entry['shape'])} in "
                f"{reader.name!r}")
        arrays.append(reader.read_array(
            entry["path"], shape, var.data.dtype,
            f"weight {quoted(var.name)} of layer {quoted(layer.name)}",
            var.data if in_place else None))
    return arrays


def _count_mismatch(reader, layer, weights, entries, by_file_name):
    return ValueError(
        f"Layer {layer.name!r}{by_file_name} has {len(weights)} weight(s) in the "
        f"model ({[tuple(w.shape) for w in weights]}) but {len(entries)} in "
        f"{reader.name!r} ({[tuple(e['shape']) for e in entries]})")


def assign_all(pairs):
    """Set each variable of (variable, array) pairs to its array (an array
    read in place is the variable's own buffer already)."""
    for var, array in pairs:
        if array is not var.data:
            var.assign(array)


def _load_by_order(model, reader, strict, manifest=None):
    """Weights layer by layer in order; `strict` (load_model) also requires
    the layer and weight names of the file, and reads straight into the
    new model's weights (load_weights reads and checks everything before
    any weight changes).  Returns the variables set."""
    if manifest is None:
        manifest = _manifest(reader)
    layers = _layers_with_weights(model)
    if len(layers) != len(manifest):
        raise ValueError(
            f"{reader.name!r} holds weights for {len(manifest)} layer(s) "
            f"{[name for name, _ in manifest]}, but the model has {len(layers)} "
            f"layer(s) with weights {[layer.name for _, layer, _ in layers]}")
    pairs = []
    for (_, layer, weights), (file_name, entries) in zip(layers, manifest):
        # a subclassed model's layers are named afresh when it is rebuilt
        if strict and model._is_graph and (
                file_name != layer.name
                or [e.get("name") for e in entries] != [w.name for w in weights]):
            raise reader.fail(f"weights.json does not match config.json at layer "
                       f"{layer.name!r} (weights.json says {file_name!r})")
        label = "" if file_name == layer.name else f" (file layer {file_name!r})"
        if len(weights) != len(entries):
            raise _count_mismatch(reader, layer, weights, entries, label)
        pairs += zip(weights, _read_layer(reader, layer, weights, entries, label,
                                          in_place=strict))
    assign_all(pairs)
    return [var for var, _ in pairs]


def _load_by_name(model, reader, skip_mismatch):
    manifest = dict(_manifest(reader))
    pairs = []
    for _, layer, weights in _layers_with_weights(model):
        entries = manifest.get(layer.name)
        if entries is None:
            continue
        try:
            if len(weights) != len(entries):
                raise _count_mismatch(reader, layer, weights, entries, "")
            pairs += zip(weights, _read_layer(reader, layer, weights, entries, ""))
        except archive.FileFormatError:
            raise
        except ValueError as err:
            if not skip_mismatch:
                raise
            warnings.warn(f"load_weights: skipping layer {layer.name!r}: {err}",
                          stacklevel=3)
    assign_all(pairs)


def save_fastgraph_weights(model, filepath, overwrite=True):
    """Write the model's weights (no architecture) to a fastgraph file,
    atomically."""
    manifest, arrays = _weights_members(model)
    archive.write_archive(filepath, "weights", {"weights.json": manifest}, arrays,
                          overwrite, __version__)


def load_fastgraph_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Set the model's weights from a fastgraph file (see load_weights)."""
    with archive.ArchiveReader(filepath) as reader:
        if by_name:
            _load_by_name(model, reader, skip_mismatch)
        else:
            _load_by_order(model, reader, strict=False)


def _weight_budget(reader, manifest):
    """Bytes of weights the model rebuilt from the file may allocate: what
    the weight members listed in `manifest` hold (each bounded by the
    archive limits), plus a small slack."""
    paths = {entry["path"] for _, entries in manifest for entry in entries}
    return sum(reader.size(path) for path in paths) + _BUDGET_SLACK


# ------------------------------------------------------ compile settings
class _Unnamed(Exception):
    """A compile setting that can only be saved by name has none."""


def _name_of(value, kind, tables):
    """The name under which a loss/metric callable is saved."""
    if isinstance(value, (losses_mod.Loss, metrics_mod.Metric)):
        return registry.serialize(value)
    name = registry.get_registered_name(value)
    if not name or not name.isidentifier():
        raise _Unnamed(f"{kind} {value!r} has no name")
    builtins = [tables[kind].get(name)]
    if kind == "metric":
        builtins.append(tables["loss"].get(name))
    if any(b is not None for b in builtins) and all(b is not value for b in builtins):
        raise _Unnamed(f"{kind} {value!r} has the name of fastgraph's own {name!r}")
    return name


def _names(value, kind, tables):
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_names(v, kind, tables) for v in value]
    if isinstance(value, dict):
        return {str(k): _names(v, kind, tables) for k, v in value.items()}
    if callable(value):
        return _name_of(value, kind, tables)
    raise _Unnamed(f"{kind} {value!r} cannot be saved")


def _compile_members(model, include_optimizer):
    """compile.json and optimizer.json contents, and the optimizer arrays;
    ({}, []) with a warning when a setting cannot be saved by name."""
    cfg = getattr(model, "_compile_config", None)
    if cfg is None:
        return {}, []
    tables = builtin_objects()
    try:
        compile_json = {"loss": _names(cfg["loss"], "loss", tables),
                        "metrics": _names(cfg["metrics"], "metric", tables),
                        "weighted_metrics": _names(cfg["weighted_metrics"], "metric",
                                                   tables),
                        "loss_weights": _names(cfg["loss_weights"], "loss", tables),
                        "sample_weight_mode": cfg["sample_weight_mode"]}
    except _Unnamed as err:
        warnings.warn(f"save: the compile settings are not saved ({err}); name "
                      f"the function and register it with "
                      f"@fastgraph.saving.register_serializable(). The loaded "
                      f"model will not be compiled.", stacklevel=4)
        return {}, []
    members, arrays = {"compile.json": compile_json}, []
    if model.optimizer is not None:
        if include_optimizer:
            members["optimizer.json"], arrays = _optimizer_members(model,
                                                                   model.optimizer)
        else:
            members["optimizer.json"] = dict(optimizers_mod.serialize(model.optimizer),
                                             state=None)
    return members, arrays


def _optimizer_members(model, optimizer):
    """The optimizer's config and state (`state` None when it cannot be
    saved).  Each state array is recorded as
    the slot of which model weight it is (or as non-slot state), and the
    weights' slots as the groups in which they were created, so loading
    recreates the same arrays in the same order."""
    weights = model.weights
    index = {id(w): i for i, w in enumerate(weights)}
    tracked = [var for var, _ in optimizer._state.values()]
    description = dict(optimizers_mod.serialize(optimizer))
    foreign = [getattr(v, "name", None) for v in tracked if id(v) not in index]
    if foreign:
        warnings.warn(f"save: the optimizer also updates variables outside the "
                      f"model ({foreign[:3]}); its state is not saved and the "
                      f"loaded model starts with a fresh optimizer", stacklevel=5)
        description["state"] = None
        return description, []
    slot_of = {}
    for var in tracked:
        for slot in optimizer.get_slot_names():
            slot_of[id(optimizer.get_slot(var, slot))] = (index[id(var)], slot)
    entries, arrays, sequence = [], [], []
    for k, array in enumerate(optimizer.weights):
        path = f"optimizer/{k:05d}.npy"
        var_index, slot = slot_of.get(id(array), (None, None))
        if slot is not None:
            sequence.append((var_index, slot))
        entries.append({"path": path, "shape": list(array.shape),
                        "dtype": str(array.dtype), "variable": var_index,
                        "slot": slot})
        arrays.append((path, array))
    description["state"] = {"groups": _slot_groups(sequence,
                                                   optimizer.get_slot_names()),
                            "arrays": entries}
    return description, arrays


def _slot_groups(sequence, slot_names):
    """The variable groups of successive `build` calls, from the slots'
    creation order (each call creates slot after slot over its group)."""
    groups, i = [], 0
    while i < len(sequence):
        group = []
        while i < len(sequence) and sequence[i][1] == slot_names[0]:
            group.append(sequence[i][0])
            i += 1
        for slot in slot_names[1:]:
            for var_index in group:
                if i >= len(sequence) or sequence[i] != (var_index, slot):
                    raise RuntimeError("optimizer slots are not in creation order")
                i += 1
        groups.append(group)
    return groups


def _resolve(value, kind, objects):
    """Saved loss/metric names back to what compile accepts: user objects
    for names of custom_objects, built-in names as they are."""
    if isinstance(value, str):
        return objects.get(value, value)
    if isinstance(value, list):
        return [_resolve(v, kind, objects) for v in value]
    if isinstance(value, dict) and "class_name" in value:
        cls = objects.get(value["class_name"])
        if cls is None:
            return value
        config = value.get("config") or {}
        if not isinstance(config, dict):
            raise ValueError(f"the config of {kind} {value['class_name']!r} must "
                             f"be an object")
        if isinstance(cls, type):
            return (cls.from_config(config) if hasattr(cls, "from_config")
                    else cls(**config))
        return cls
    if isinstance(value, dict):
        return {k: _resolve(v, kind, objects) for k, v in value.items()}
    return value


def _check_compile_json(data):
    if not isinstance(data, dict):
        raise ValueError("compile.json must hold an object")
    for key in ("loss_weights", "sample_weight_mode"):
        stack = [data.get(key)]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
            elif value is not None and (isinstance(value, bool) or not isinstance(
                    value, (int, float, str))):
                raise ValueError(f"compile.json {key} holds {value!r}")


def _restore_compile(model, reader, objects):
    data = reader.read_json("compile.json")
    _check_compile_json(data)
    for key, kind in (("loss", "loss"), ("metrics", "metric"),
                      ("weighted_metrics", "metric")):
        check_config(data.get(key), objects, f"compile.json {key}", kind)
    optimizer, state = "rmsprop", None
    if reader.has("optimizer.json"):
        description = reader.read_json("optimizer.json", reader.manifest_limit())
        if not isinstance(description, dict) or not isinstance(
                description.get("class_name"), str):
            raise ValueError("optimizer.json needs a 'class_name'")
        state = description.pop("state", None)
        check_config(description, objects, "optimizer.json", "optimizer")
        optimizer = optimizers_mod.deserialize(description, objects)
    model.compile(optimizer=optimizer,
                  loss=_resolve(data.get("loss"), "loss", objects),
                  metrics=_resolve(data.get("metrics"), "metric", objects),
                  weighted_metrics=_resolve(data.get("weighted_metrics"), "metric",
                                            objects),
                  loss_weights=data.get("loss_weights"),
                  sample_weight_mode=data.get("sample_weight_mode"))
    if state is not None:
        _restore_optimizer(model, model.optimizer, state, reader)


def _restore_optimizer(model, optimizer, state, reader):
    """Recreate the slots group by group, check that they are the arrays
    the file describes, then set them."""
    weights = model.weights
    groups = state.get("groups") if isinstance(state, dict) else None
    entries = state.get("arrays") if isinstance(state, dict) else None
    if not isinstance(groups, list) or not isinstance(entries, list):
        raise ValueError("optimizer.json state needs 'groups' and 'arrays' lists")
    seen = set()
    for group in groups:
        if not isinstance(group, list) or len(set(map(repr, group))) != len(group) \
                or not all(isinstance(i, int) and not isinstance(i, bool)
                           and 0 <= i < len(weights) and i not in seen for i in group):
            raise ValueError(f"optimizer.json has an invalid slot group {group!r}")
        seen.update(group)
        optimizer.build([weights[i] for i in group])
    live = optimizer.weights
    if len(live) != len(entries):
        raise ValueError(f"optimizer.json describes {len(entries)} state arrays; the "
                   f"{type(optimizer).__name__} optimizer of this model has "
                   f"{len(live)}")
    arrays = []
    for k, (array, entry) in enumerate(zip(live, entries)):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise ValueError(f"optimizer.json arrays[{k}] needs a 'path'")
        var_index, slot = entry.get("variable"), entry.get("slot")
        if slot is not None:
            if var_index not in seen or slot not in optimizer.get_slot_names() \
                    or optimizer.get_slot(weights[var_index], slot) is not array:
                raise ValueError(f"optimizer.json arrays[{k}] is not slot {slot!r} of "
                           f"weight {var_index!r} of this model")
        arrays.append(reader.read_array(entry["path"], array.shape, array.dtype,
                                        f"optimizer state array {k}"))
    optimizer.set_weights(arrays)


# -------------------------------------------------------- whole models
def save_fastgraph(model, filepath, overwrite=True, include_optimizer=True):
    """Write the model to one fastgraph file: architecture, weights, compile
    settings and optimizer state (unless include_optimizer=False)."""
    members = {"config.json": serialize_layer(model)}
    build = model.get_build_config()
    if build is not None:       # a subclassed model: built by a call on loading
        members["config.json"]["build_config"] = build
    manifest, arrays = _weights_members(model)
    members["weights.json"] = manifest
    compile_members, optimizer_arrays = _compile_members(model, include_optimizer)
    members.update(compile_members)
    archive.write_archive(filepath, "model", members, arrays + optimizer_arrays,
                          overwrite, __version__)


def rebuild_within(config, objects, where, budget, fail):
    """(model, scope): the model of `config` built in a WeightCreationScope
    of `budget` bytes, so that a config asking for more weights than its
    file holds fails before it allocates; `fail(problem)` makes the error."""
    scope = WeightCreationScope(budget)
    try:
        with scope:
            model = _rebuild(config, objects, where)
    except archive.FileFormatError:
        raise
    except WeightBudgetError as err:
        raise fail(f"{where} does not describe a valid model: it needs "
                   f"more weight bytes than the file holds, so the file is "
                   f"corrupted or hostile ({shown(err, 4000)})") from None
    except DummyInputError as err:
        raise fail(f"{where} does not describe a valid model: its input "
                   f"shapes are too large to infer the layers' output shapes "
                   f"safely, so the file is corrupted or hostile ({shown(err, 4000)})") from None
    except ValueError as err:
        raise fail(err) from err
    return model, scope


def load_fastgraph(filepath, objects, compile=True):
    """A model from a fastgraph file (see load_model)."""
    with archive.ArchiveReader(filepath) as reader:
        if reader.kind != "model":
            raise ValueError(f"{reader.name!r} holds only weights (written by "
                             f"save_weights); build the model in code and call "
                             f"model.load_weights({reader.name!r})")

        def fail(problem):
            return ValueError(f"Cannot load a model from {reader.name!r}: {problem}")
        manifest = _manifest(reader)
        model, scope = rebuild_within(reader.read_json("config.json"), objects,
                                      "config.json",
                                      _weight_budget(reader, manifest), fail)
        filled = _load_by_order(model, reader, strict=True, manifest=manifest)
        unfilled = scope.unfilled([var.data for var in filled])
        if unfilled:
            raise fail(f"the model built from config.json has weights that "
                       f"weights.json does not list: {unfilled[:5]}")
        if compile and reader.has("compile.json"):
            try:
                _restore_compile(model, reader, objects)
            except archive.FileFormatError:
                raise
            except (ValueError, TypeError, KeyError) as err:
                raise fail(f"cannot restore the compile settings ({err}); pass "
                           f"compile=False to load the model without them") from err
    return model
