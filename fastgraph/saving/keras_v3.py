"""Keras 3 files: `.keras` archives (`model.save('m.keras')`) and
`.weights.h5` weights files, read and written.

A `.keras` archive is a zip of `metadata.json`, `config.json` (the model's
config, with its `compile_config`) and `model.weights.h5`.  The weights
file addresses each layer by the snake_case of its class, numbered in its
container (`layers/dense`, `layers/dense_1`, `layers/sequential/layers/
conv2d`), its own variables under `vars/0`, `vars/1`, ... (trainable ones
first), a recurrent layer's under `cell/vars`, a wrapper's under `layer`,
`forward_layer`, `backward_layer`; the optimizer's under `optimizer/vars`.
Each dataset is checked against the weight of the rebuilt model it must
fill before it is read (hdf5.H5Reader); the archive is read within
fastgraph's zip limits (archive.ZipReader).
"""
import time
import zipfile

import numpy as np

from ..engine import Layer
from . import archive, hdf5, keras_compile
from .keras_config import from_keras, keras3_config, snake_case
from .atomic import atomic_write
from .model_io import _BUDGET_SLACK, assign_all, rebuild_within

KERAS_VERSION = "3.15.1"     # the Keras 3 version fastgraph's archives claim
_WEIGHTS = "model.weights.h5"


class KerasArchiveReader(archive.ZipReader):
    """A Keras 3 `.keras` archive, checked within the zip limits."""

    label = "Keras .keras archive"


def _own_weights(layer):
    """A layer's own weights in Keras 3's order: trainable, then not."""
    own = [w for w in layer.weights]
    return [w for w in own if w.trainable] + [w for w in own if not w.trainable]


def _class_name(layer):
    if layer._is_graph:
        return "Sequential" if type(layer).__name__ == "Sequential" else "Functional"
    return type(layer).__name__


def weight_paths(layer, base):
    """[(dataset path, variable)] of `layer`'s weights at group `base`."""
    if layer._is_graph:
        out, used = [], {}
        sublayers = [sub for sub in layer._layers if not (
            _class_name(layer) == "Sequential" and type(sub).__name__ == "InputLayer")]
        for sub in sublayers:
            name = snake_case(_class_name(sub))
            used[name] = used.get(name, -1) + 1
            out += weight_paths(sub, f"{base}/layers/"
                                     f"{name if not used[name] else f'{name}_{used[name]}'}")
        return out
    if hasattr(layer, "forward_layer") and hasattr(layer, "backward_layer"):
        return (weight_paths(layer.forward_layer, f"{base}/forward_layer")
                + weight_paths(layer.backward_layer, f"{base}/backward_layer"))
    if hasattr(layer, "layer") and getattr(layer, "layer", None) is not None \
            and hasattr(layer.layer, "weights"):
        return weight_paths(layer.layer, f"{base}/layer")
    out, inner = [], set()
    for part, sub in _sublayers(layer):
        out += weight_paths(sub, f"{base}/{part}")
        inner.update(id(w) for w in sub.weights)
    own = [w for w in _own_weights(layer) if id(w) not in inner]
    return out + [(f"{base}/vars/{i}", w) for i, w in enumerate(own)]


def _sublayers(layer):
    """(path, layer) of the layers `layer` holds in its attributes, where
    Keras's saver finds them: an RNN's `cell`, a StackedRNNCells' `cells`
    (`cells/lstm_cell`, `cells/lstm_cell_1`, ...), MultiHeadAttention's
    `_query_dense`, ..."""
    out, seen = [], {id(layer)}
    for attr, value in vars(layer).items():
        if attr == "_layers":           # the tracker of every sublayer, not a path
            continue
        if isinstance(value, Layer) and id(value) not in seen:
            out.append((attr, value))
            seen.add(id(value))
        elif isinstance(value, list) and value and all(
                isinstance(v, Layer) and id(v) not in seen for v in value):
            used = {}
            seen.update(id(v) for v in value)
            for sub in value:
                name = snake_case(type(sub).__name__)
                used[name] = used.get(name, -1) + 1
                out.append((f"{attr}/{name if not used[name] else f'{name}_{used[name]}'}",
                            sub))
    return out


def _as_written(reader, path):
    """`path`, or its Keras 3 spelling where the file has that instead:
    Keras 3 names a sublayer attribute without its underscore
    (`multi_head_attention/query_dense`, tf-keras `_query_dense`)."""
    group = path.rsplit("/", 2)[0].lstrip("/")
    if "/_" not in path or reader.get(group) is not None:
        return path
    return "/".join(part.lstrip("_") for part in path.split("/"))


def _dataset_count(reader, path):
    group = reader.get(path)
    return 0 if group is None else len(reader.children(group, path))


def _read_weights(model, reader, in_place=False):
    """[(variable, array)] for every weight of `model`, all checked first;
    `in_place` reads them straight into the weights' buffers."""
    paths = [(_as_written(reader, path), var) for path, var in weight_paths(model, "")]
    groups = {}
    for path, var in paths:
        groups.setdefault(path.rsplit("/", 1)[0].lstrip("/"), []).append(var)
    for group, variables in groups.items():
        found = _dataset_count(reader, group)
        if found != len(variables):
            raise ValueError(f"{reader.name!r}: {group!r} holds {found} weight(s); the "
                             f"model expects {len(variables)} "
                             f"({[tuple(v.shape) for v in variables]})")
    datasets = []
    for path, var in paths:
        path = path.lstrip("/")
        dset = reader.dataset(path)
        if dset is None:
            raise reader.fail(f"weight {path!r} is missing")
        if tuple(dset.shape) != tuple(var.shape):
            raise ValueError(f"weight {var.name!r} has shape {tuple(var.shape)} in the "
                             f"model but {tuple(dset.shape)} at {path!r} in "
                             f"{reader.name!r}")
        datasets.append((var, dset, path))
    return [(var, reader.read(dset, path, var.shape, var.data.dtype,
                              f"weight {var.name!r}", var.data if in_place else None))
            for var, dset, path in datasets]


def _budget(reader, path="layers"):
    """Bytes the datasets under `path` declare (each checked)."""
    total, stack = _BUDGET_SLACK, [path]
    while stack:
        current = stack.pop()
        group = reader.get(current)
        if group is None:
            continue
        for name in reader.children(group, current):
            child = f"{current}/{name}"
            dset = reader.get(child, None)
            if not reader.is_dataset(dset):
                stack.append(child)
                continue
            reader.check_dataset(dset, child)
            size = 1
            for d in dset.shape:
                size *= d
            total += size * max(dset.dtype.itemsize, 4)
    return total


def load_weights_from(model, reader, by_name=False):
    """Set the model's weights from an open Keras 3 weights file."""
    if by_name:
        raise ValueError(f"load_weights: by_name=True is not supported for Keras 3 "
                         f"weights files such as {reader.name!r} (Keras 3 matches "
                         f"weights by the model's structure)")
    if reader.get("layers") is None:
        raise reader.fail("it has no 'layers' group (not a Keras 3 weights file)")
    assign_all(_read_weights(model, reader))


def _open_weights(zreader):
    """The archive's weights file: read in place when it is stored (as
    Keras writes it), else inflated, as array data the file really holds
    (archive.MAX_ARRAY_COMPRESSION_RATIO)."""
    if not zreader.has(_WEIGHTS):
        raise zreader.fail(f"it has no {_WEIGHTS}")
    data = zreader.open_stored(_WEIGHTS, archive.MAX_MEMBER_BYTES)
    if data is None:
        data = zreader.read_bytes(_WEIGHTS, archive.MAX_MEMBER_BYTES,
                                  archive.MAX_ARRAY_COMPRESSION_RATIO)
    return hdf5.H5Reader(data, name=f"{zreader.name}:{_WEIGHTS}",
                         label="Keras 3 weights file")


def load_weights(model, filepath, by_name=False):
    """Set the model's weights from a `.keras` archive."""
    with KerasArchiveReader(filepath) as zreader, _open_weights(zreader) as reader:
        load_weights_from(model, reader, by_name)


def load_model(filepath, objects, compile):
    """A model from a Keras 3 `.keras` archive (see formats.load_model)."""
    with KerasArchiveReader(filepath) as zreader:
        name = zreader.name

        def fail(problem):
            return ValueError(f"Cannot load a model from {name!r}: {problem}")
        metadata = zreader.read_json("metadata.json", archive.MAX_SMALL_JSON_BYTES)
        if not isinstance(metadata, dict):
            raise zreader.fail("metadata.json must hold an object")
        config = zreader.read_json("config.json")
        with _open_weights(zreader) as reader:
            try:
                translated = from_keras(config, objects, repr(name), keras3=True)
            except ValueError as err:
                raise fail(err) from err
            model, scope = rebuild_within(translated, objects, "config.json",
                                          _budget(reader), fail)
            pairs = _read_weights(model, reader, in_place=True)
            assign_all(pairs)
            _load_assets(model, zreader, "assets")
            unfilled = scope.unfilled([var.data for var, _ in pairs])
            if unfilled:
                raise fail(f"the model built from config.json has weights that the "
                           f"file does not hold: {unfilled[:5]}")
            settings = config.get("compile_config") if isinstance(config, dict) else None
            if compile and settings:
                _restore_training(model, reader, settings, objects, fail)
    return model


def _load_assets(layer, zreader, base):
    """Give each layer that reads Keras assets (the vocabulary a lookup
    layer learned by adapt, `assets/<layer path>/vocabulary.txt`) its files,
    each read within archive.MAX_JSON_BYTES."""
    if layer._is_graph:
        used = {}
        for sub in layer._layers:
            if type(sub).__name__ == "InputLayer" and _class_name(layer) == "Sequential":
                continue
            name = snake_case(_class_name(sub))
            used[name] = used.get(name, -1) + 1
            _load_assets(sub, zreader, f"{base}/layers/"
                                       f"{name if not used[name] else f'{name}_{used[name]}'}")
        return
    names = getattr(layer, "keras_asset_names", ())
    files = {n: zreader.read_bytes(f"{base}/{n}", archive.MAX_JSON_BYTES)
             for n in names if zreader.has(f"{base}/{n}")}
    if files:
        layer.load_keras_assets(files)


def _restore_training(model, reader, settings, objects, fail):
    optimizer = keras_compile.compile_from_keras(model, settings, objects,
                                                 "compile_config", fail)
    count = _dataset_count(reader, "optimizer/vars")
    if not count:
        return

    def read(k, shape, dtype):
        path = f"optimizer/vars/{k}"
        dset = reader.dataset(path)
        if dset is None:
            raise reader.fail(f"optimizer variable {path!r} is missing")
        return reader.read(dset, path, shape, dtype, f"optimizer variable {k}")
    keras_compile.restore_keras3_state(model, optimizer, count, read,
                                       f"load_model({reader.name!r})")


# ------------------------------------------------------------ writing
def _fill_weights(f, model, optimizer_arrays=None):
    for path, var in weight_paths(model, ""):
        f.create_dataset(path.lstrip("/"), data=var.data)
    _empty_groups(f, model, "")
    f.require_group("vars")
    if optimizer_arrays:
        group = f.create_group("optimizer/vars")
        for k, array in enumerate(optimizer_arrays):
            group.create_dataset(str(k), data=array)


def _empty_groups(f, layer, base):
    """The `vars` groups Keras writes for layers without weights too."""
    if layer._is_graph:
        used = {}
        for sub in layer._layers:
            if _class_name(layer) == "Sequential" and type(sub).__name__ == "InputLayer":
                continue
            name = snake_case(_class_name(sub))
            used[name] = used.get(name, -1) + 1
            path = f"{base}/layers/{name if not used[name] else f'{name}_{used[name]}'}"
            _empty_groups(f, sub, path)
    f.require_group(f"{base}/vars".lstrip("/"))


def _optimizer_arrays(model, optimizer):
    slots = keras_compile.keras3_slots(model, optimizer)
    if slots is None:
        return None
    return [np.asarray(optimizer.iterations, dtype=np.int64),
            np.asarray(optimizer.learning_rate, dtype=np.float32)] + slots


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Write `model` as Keras 3's `model.save('m.keras')` does."""
    config = keras3_config(model)
    where = f"save({filepath!r})"
    settings = keras_compile.compile_settings(model)
    optimizer_arrays = None
    if settings is not None:
        optimizer = keras_compile.keras3_optimizer(model.optimizer, where) \
            if model.optimizer is not None else None
        config["compile_config"] = {
            "optimizer": optimizer, "loss": settings["loss"],
            "loss_weights": settings["loss_weights"], "metrics": settings["metrics"],
            "weighted_metrics": settings["weighted_metrics"], "run_eagerly": False,
            "steps_per_execution": 1, "jit_compile": False}
        if include_optimizer and optimizer is not None:
            optimizer_arrays = _optimizer_arrays(model, model.optimizer)
    weights = hdf5.to_bytes(lambda f: _fill_weights(f, model, optimizer_arrays))
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S")}

    def write(out):
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr(archive._zipinfo("metadata.json", False), archive.dumps(metadata))
            zf.writestr(archive._zipinfo("config.json", False), archive.dumps(config))
            zf.writestr(archive._zipinfo(_WEIGHTS, False), weights)
    atomic_write(filepath, write, overwrite)


def save_weights(model, filepath, overwrite=True):
    """Write the weights as Keras 3's `save_weights('w.weights.h5')` does."""
    hdf5.write_file(filepath, lambda f: _fill_weights(f, model), overwrite)

