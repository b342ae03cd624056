"""Keras 2 (tf-keras) HDF5 files: full models (`model.save('m.h5')`) and
weights (`save_weights('w.h5')`), read and written.

A full-model file holds the attributes `model_config` and
`training_config` (JSON), `keras_version` and `backend`, the group
`model_weights` and, for a compiled model, `optimizer_weights`.  The
weights group lists its layers in the attribute `layer_names`; each layer's
group lists its weights in `weight_names` (trainable weights first, as
tf-keras's `_legacy_weights`), each a dataset at that name.  Every dataset
is checked against the weight the rebuilt model expects before it is read
(hdf5.H5Reader); nothing changes in the model unless every weight fits.
"""
import warnings

from . import archive, hdf5, keras_compile
from .keras_config import from_keras
from .model_io import _BUDGET_SLACK, assign_all, rebuild_within

KERAS_VERSION = "2.21.0"     # the tf-keras version fastgraph's files claim


def legacy_weights(layer):
    """A layer's weights in tf-keras's HDF5 order: trainable, then not."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _file_layers(reader, group, path):
    """[(layer name, [weight names])] of a weights group, in file order."""
    out = []
    for name in reader.attr_strings(group, "layer_names", path):
        layer_group = reader.get(f"{path}/{name}")
        if layer_group is None:
            raise reader.fail(f"layer {name!r} is listed in {path!r} but has no group")
        out.append((name, reader.attr_strings(layer_group, "weight_names",
                                              f"{path}/{name}")))
    return out


def _weights_group(reader):
    """The weights group of a file (a full model's `model_weights`, or the
    root of a weights file) and its path."""
    root = reader.file
    if not reader.has_attr(root, "layer_names"):
        group = reader.get("model_weights")
        if group is not None:
            return group, "model_weights"
        raise reader.fail("it has no 'layer_names' attribute and no "
                          "'model_weights' group (not a Keras 2 model or "
                          "weights file)")
    return root, ""


def _read_layer(reader, path, layer, file_name, weight_names, label="",
                in_place=False):
    """The arrays of `layer` from its group, every shape checked first;
    `in_place` reads them straight into the weights' buffers."""
    weights = legacy_weights(layer)
    if len(weights) != len(weight_names):
        raise ValueError(
            f"Layer {layer.name!r}{label} has {len(weights)} weight(s) in the model "
            f"({[tuple(w.shape) for w in weights]}) but {len(weight_names)} in "
            f"{reader.name!r} ({weight_names})")
    datasets = []
    for var, weight_name in zip(weights, weight_names):
        full = f"{path}/{file_name}/{weight_name}".lstrip("/")
        dset = reader.dataset(full)
        if dset is None:
            raise reader.fail(f"weight {weight_name!r} of layer {file_name!r} is missing")
        if tuple(dset.shape) != tuple(var.shape):
            raise ValueError(
                f"Layer {layer.name!r}{label}: weight {var.name!r} has shape "
                f"{tuple(var.shape)} in the model but {tuple(dset.shape)} in "
                f"{reader.name!r}")
        datasets.append((var, dset, full))
    return [(var, reader.read(dset, full, var.shape, var.data.dtype,
                              f"weight {var.name!r} of layer {layer.name!r}",
                              var.data if in_place else None))
            for var, dset, full in datasets]


def _load_group(model, reader, group, path, by_name=False, skip_mismatch=False,
                in_place=False):
    """Set the model's weights from a weights group; returns {name in the
    file: variable} (None for a name met twice).  `in_place` (a model being
    loaded, whose weights nobody holds yet) reads straight into them; else
    every array is read and checked before any weight changes."""
    file_layers = [(n, w) for n, w in _file_layers(reader, group, path) if w]
    layers = [layer for layer in model.layers if layer.weights]
    pairs, names = [], {}
    if by_name:
        found = dict(file_layers)
        for layer in layers:
            if layer.name not in found:
                continue
            try:
                pairs += _read_layer(reader, path, layer, layer.name, found[layer.name])
            except archive.FileFormatError:
                raise
            except ValueError as err:
                if not skip_mismatch:
                    raise
                warnings.warn(f"load_weights: skipping layer {layer.name!r}: {err}",
                              stacklevel=4)
    else:
        if len(file_layers) != len(layers):
            raise ValueError(
                f"{reader.name!r} holds weights for {len(file_layers)} layer(s) "
                f"{[n for n, _ in file_layers]}, but the model has {len(layers)} "
                f"layer(s) with weights {[layer.name for layer in layers]}")
        for layer, (file_name, weight_names) in zip(layers, file_layers):
            label = "" if file_name == layer.name else f" (file layer {file_name!r})"
            read = _read_layer(reader, path, layer, file_name, weight_names, label,
                               in_place)
            for (var, _), weight_name in zip(read, weight_names):
                names[weight_name] = None if weight_name in names else var
            pairs += read
    assign_all(pairs)
    return names, [var for var, _ in pairs]


def _budget(reader, group, path):
    """Bytes of weights a model rebuilt from the file may allocate: what
    the file's weight datasets declare (each checked against its storage)."""
    total = _BUDGET_SLACK
    for name, weight_names in _file_layers(reader, group, path):
        for weight_name in weight_names:
            full = f"{path}/{name}/{weight_name}".lstrip("/")
            dset = reader.dataset(full)
            if dset is None:
                raise reader.fail(f"weight {weight_name!r} of layer {name!r} is missing")
            size = 1
            for d in dset.shape:
                size *= d
            total += size * max(dset.dtype.itemsize, 4)
    return total


def load_model(reader, objects, compile):
    """A model from an open Keras 2 HDF5 file (see load_model)."""
    root = reader.file

    def fail(problem):
        return ValueError(f"Cannot load a model from {reader.name!r}: {problem}")
    config = reader.attr_json(root, "model_config")
    if config is None:
        raise ValueError(f"{reader.name!r} holds only weights (no model_config: "
                         f"written by save_weights); build the model in code and "
                         f"call model.load_weights({reader.name!r})")
    group, path = _weights_group(reader)
    try:
        translated = from_keras(config, objects, repr(reader.name), keras3=False)
    except ValueError as err:
        raise fail(err) from err
    model, scope = rebuild_within(translated, objects, "model_config",
                                  _budget(reader, group, path), fail)
    names, filled = _load_group(model, reader, group, path, in_place=True)
    unfilled = scope.unfilled([var.data for var in filled])
    if unfilled:
        raise fail(f"the model built from model_config has weights that the file "
                   f"does not hold: {unfilled[:5]}")
    training = reader.attr_json(root, "training_config") if compile else None
    if training is not None:
        _restore_training(model, reader, training, names, objects, fail)
    return model


def _restore_training(model, reader, training, names, objects, fail):
    optimizer = keras_compile.compile_from_keras(model, training, objects,
                                                 "training_config", fail)
    group = reader.get("optimizer_weights")
    if group is None:
        return
    weight_names = reader.attr_strings(group, "weight_names", "optimizer_weights")

    def read(k, shape, dtype):
        full = f"optimizer_weights/{weight_names[k]}"
        dset = reader.dataset(full)
        if dset is None:
            raise reader.fail(f"optimizer weight {weight_names[k]!r} is missing")
        return reader.read(dset, full, shape, dtype,
                           f"optimizer weight {weight_names[k]!r}")
    keras_compile.restore_keras2_state(model, optimizer, weight_names, read, names,
                                       f"load_model({reader.name!r})")


def load_weights(model, reader, by_name, skip_mismatch):
    """Set the model's weights from an open Keras 2 HDF5 file."""
    group, path = _weights_group(reader)
    _load_group(model, reader, group, path, by_name, skip_mismatch)


# ------------------------------------------------------------ writing
def _unique(names):
    seen, out = {}, []
    for name in names:
        k = seen.get(name, 0)
        seen[name] = k + 1
        out.append(name if not k else f"{name[:-2] if name.endswith(':0') else name}"
                                      f"_{k}:0")
    return out


def _write_weights(group, model):
    """tf-keras's weights layout in `group`."""
    group.attrs["backend"] = "tensorflow"
    group.attrs["keras_version"] = KERAS_VERSION
    hdf5.write_strings_attr(group, "layer_names", [layer.name for layer in model.layers])
    for layer in model.layers:
        # require_group: a layer "a/b/pad" listed before "a/b" already made
        # the group "a/b" (MobileNetV3's "expanded_conv/depthwise/pad")
        layer_group = group.require_group(layer.name)
        weights = legacy_weights(layer)
        names = _unique([w.name or f"{layer.name}/w{i}:0"
                         for i, w in enumerate(weights)])
        hdf5.write_strings_attr(layer_group, "weight_names", names)
        for name, var in zip(names, weights):
            layer_group.create_dataset(name, data=var.data)
    hdf5.write_strings_attr(group.create_group("top_level_model_weights"),
                            "weight_names", [])


def save_model(model, path, overwrite, include_optimizer, serialize):
    """Write `model` as tf-keras's `model.save('m.h5')` does; `serialize`
    gives its config.  The optimizer's state (unless include_optimizer=
    False) is written as tf-keras's optimizers name and order it."""
    config = archive.dumps(dict(serialize(model), keras_version=KERAS_VERSION,
                                backend="tensorflow"))
    settings = keras_compile.compile_settings(model)
    training, state = None, None
    if settings is not None:
        where = f"save({path!r})"
        optimizer = (keras_compile.keras2_optimizer(model.optimizer, where)
                     if model.optimizer is not None else None)
        training = dict(settings, optimizer_config=optimizer) if optimizer else settings
        if include_optimizer and optimizer is not None:
            state = keras_compile.keras2_optimizer_weights(model, model.optimizer)

    def fill(f):
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["model_config"] = config.encode("utf-8")
        if training is not None:
            f.attrs["training_config"] = archive.dumps(training).encode("utf-8")
        _write_weights(f.create_group("model_weights"), model)
        if state:
            group = f.create_group("optimizer_weights")
            hdf5.write_strings_attr(group, "weight_names", [n for n, _ in state])
            for name, array in state:
                group.create_dataset(name, data=array)
    hdf5.write_file(path, fill, overwrite)


def save_weights(model, path, overwrite):
    """Write the weights as tf-keras's `save_weights('w.h5')` does."""
    hdf5.write_file(path, lambda f: _write_weights(f, model), overwrite)
