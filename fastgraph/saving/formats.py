"""save_model, load_model, save_weights, load_weights: which file format.

Saving picks the format from `save_format` or the file name, as Keras does:
`.h5`/`.hdf5` is Keras 2's HDF5 (keras_h5), `.keras` Keras 3's archive and
`.weights.h5` its weights file (keras_v3), anything else (`.fastgraph`, no
extension, a file object) fastgraph's own zip (model_io).  Loading never
trusts the name: the content says which format it is (an HDF5 signature, a
zip holding fastgraph_format.json, or config.json and metadata.json).
"""
from __future__ import annotations

import os
from typing import Any, Optional, Union

from .. import registry
from ..engine import Functional
from . import archive, hdf5, keras_h5, keras_v3, model_io
from .files import open_regular
from .model_io import _check_model

_IGNORED_SAVE_ARGS = {"signatures", "options", "save_traces"}
_IGNORED_LOAD_ARGS = {"options"}
_SAVE_FORMATS = {"h5": "h5", "hdf5": "h5", "keras": "keras", "keras_v3": "keras",
                 "fastgraph": "fastgraph"}


def _check_kwargs(kwargs, allowed, who):
    unknown = set(kwargs) - allowed
    if unknown:
        raise TypeError(f"{who}() got unexpected argument(s) {sorted(unknown)}")


def _format_for(filepath, save_format, who, weights=False):
    """'h5', 'keras', 'keras_weights' or 'fastgraph' for saving."""
    if save_format is not None:
        key = str(save_format).lower()
        if key in ("tf", "tensorflow", "savedmodel"):
            raise ValueError(f"{who}: save_format={save_format!r} (TensorFlow's "
                             f"SavedModel) is not supported: fastgraph writes "
                             f"'h5' (Keras 2), 'keras' (Keras 3) or 'fastgraph'")
        if key not in _SAVE_FORMATS:
            raise ValueError(f"{who}: unknown save_format {save_format!r}; expected "
                             f"'h5', 'keras' or 'fastgraph'")
        chosen = _SAVE_FORMATS[key]
        if weights and chosen == "keras":
            return "keras_weights"
        return chosen
    if hasattr(filepath, "write"):
        return "fastgraph"
    name = os.fspath(filepath).lower()
    if weights and name.endswith(".weights.h5"):
        return "keras_weights"
    if name.endswith((".h5", ".hdf5")):
        return "h5"
    if name.endswith(".keras") and not weights:
        return "keras"
    return "fastgraph"


def _sniff(filepath):
    """'hdf5', 'zip' or None from a file's first bytes (a file object is
    read from its start and rewound)."""
    if hasattr(filepath, "read"):
        filepath.seek(0)
        head = filepath.read(8)
        filepath.seek(0)
    else:
        with open_regular(filepath) as f:
            head = f.read(8)
    if hdf5.is_hdf5(head):
        return "hdf5"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    return None


def _zip_kind(filepath):
    """'fastgraph' or 'keras' (a Keras 3 archive) for a zip file."""
    with archive.ZipReader(filepath) as reader:
        names = set(reader.names())
    if archive.FORMAT_MEMBER not in names and {"config.json", "metadata.json"} <= names:
        return "keras"
    return "fastgraph"


# -------------------------------------------------------------- public
def save_model(model: Functional, filepath: Union[str, os.PathLike],
               overwrite: bool = True, include_optimizer: bool = True,
               save_format: Optional[str] = None, **kwargs: Any) -> None:
    """Write the model (architecture, weights, compile settings and, unless
    include_optimizer=False, optimizer state) to one file: Keras 2 HDF5 for
    a name ending in `.h5`/`.hdf5`, a Keras 3 archive for `.keras`,
    fastgraph's own format otherwise; `save_format` ('h5', 'keras',
    'fastgraph') overrides the name ('tf' is refused).  The file is written
    to a temporary name and renamed, so `filepath` never holds a partial
    model.  tf-keras's `signatures`, `options`, `save_traces` are accepted
    and change nothing."""
    _check_kwargs(kwargs, _IGNORED_SAVE_ARGS, "save_model")
    _check_model(model, "save_model")
    kind = _format_for(filepath, save_format, "save_model")
    if kind == "h5":
        keras_h5.save_model(model, filepath, overwrite, include_optimizer,
                            model_io.serialize_layer)
    elif kind == "keras":
        keras_v3.save_model(model, filepath, overwrite, include_optimizer)
    else:
        model_io.save_fastgraph(model, filepath, overwrite, include_optimizer)


def load_model(filepath: Union[str, os.PathLike], custom_objects: Optional[dict] = None,
               compile: bool = True, safe_mode: bool = True,
               **kwargs: Any) -> Functional:
    """A model from a fastgraph file, a Keras 2 HDF5 file or a Keras 3
    `.keras` archive, recognised by its content (never by its name): the
    architecture rebuilt through the allowlist, weights checked and set,
    and (with `compile=True`, when the file has them) the compile settings
    and optimizer state restored.  `custom_objects` maps names in the file
    to user classes and functions (registered ones are found without it);
    a Keras `Lambda` layer's code is never run: its function must be given
    under the layer's name.  The model is built without running
    initializers, and a config that would create more weight bytes than the
    file holds (or run shape inference on huge dummy inputs) is refused
    before it allocates.  `safe_mode` (Keras's switch for loading Lambda
    code) changes nothing.  A file that is not a valid model raises
    ValueError naming the file and the problem; an unreadable path raises
    OSError."""
    _check_kwargs(kwargs, _IGNORED_LOAD_ARGS, "load_model")
    objects = registry.custom_objects(custom_objects)
    kind = _sniff(filepath)
    if kind == "hdf5":
        with hdf5.H5Reader(filepath) as reader:
            if reader.get("layers") is not None and not reader.has_attr(
                    reader.file, "layer_names"):
                raise ValueError(f"{reader.name!r} holds only weights (a Keras 3 "
                                 f".weights.h5 file); build the model in code "
                                 f"and call model.load_weights({reader.name!r})")
            return keras_h5.load_model(reader, objects, compile)
    if kind == "zip" and _zip_kind(filepath) == "keras":
        return keras_v3.load_model(filepath, objects, compile)
    return model_io.load_fastgraph(filepath, objects, compile)


def save_weights(model: Functional, filepath: Union[str, os.PathLike],
                 overwrite: bool = True, save_format: Optional[str] = None,
                 options: Any = None) -> None:
    """Write the model's weights (no architecture): Keras 3's layout for a
    name ending in `.weights.h5`, Keras 2's HDF5 for other `.h5`/`.hdf5`
    names, fastgraph's own format otherwise (or as `save_format` says);
    atomically."""
    _check_model(model, "save_weights")
    kind = _format_for(filepath, save_format, "save_weights", weights=True)
    if kind == "h5":
        keras_h5.save_weights(model, filepath, overwrite)
    elif kind == "keras_weights":
        keras_v3.save_weights(model, filepath, overwrite)
    else:
        model_io.save_fastgraph_weights(model, filepath, overwrite)


def load_weights(model: Functional, filepath: Union[str, os.PathLike],
                 by_name: bool = False, skip_mismatch: bool = False,
                 options: Any = None) -> None:
    """Set the model's weights from a fastgraph file, a Keras 2 HDF5 file
    (weights or full model), a Keras 3 `.weights.h5` or `.keras` file,
    recognised by content: by layer order, or with `by_name=True` by layer
    name (layers absent from the file keep their weights; Keras 2 and
    fastgraph files).  Every shape is checked before any weight changes; a
    mismatch names the layer and both shapes.  `skip_mismatch=True` (with
    by_name) skips mismatched layers with a warning."""
    _check_model(model, "load_weights")
    if skip_mismatch and not by_name:
        raise ValueError("load_weights: skip_mismatch=True needs by_name=True")
    if not model.built:
        raise ValueError(f"load_weights: model {model.name!r} is not built yet, so "
                         f"it has no weights to set; call model.build(input_shape) "
                         f"or run it on data first")
    kind = _sniff(filepath)
    if kind == "hdf5":
        with hdf5.H5Reader(filepath) as reader:
            if reader.has_attr(reader.file, "layer_names") or \
                    reader.get("model_weights") is not None:
                keras_h5.load_weights(model, reader, by_name, skip_mismatch)
            else:
                keras_v3.load_weights_from(model, reader, by_name)
    elif kind == "zip" and _zip_kind(filepath) == "keras":
        keras_v3.load_weights(model, filepath, by_name)
    else:
        model_io.load_fastgraph_weights(model, filepath, by_name, skip_mismatch)
