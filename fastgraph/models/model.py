"""Model: a functional graph (fastgraph.engine) or a subclassed model
(subclassed.py), with Keras's training API (fastgraph.training) and saving
(fastgraph.saving); the top of the stack."""
from __future__ import annotations

import os
from typing import Any, Optional, Union

from .. import registry, saving
from ..engine.functional import Functional
from ..training import Trainer
from .subclassed import SubclassedModel


class Model(SubclassedModel, Trainer, Functional):
    """A functional model (Keras `Model(inputs, outputs, name=None)`), or,
    subclassed without inputs and outputs, a model whose `call` runs as
    written (subclassed.py).

    The graph engine is Functional's, the training API (compile, fit, ...)
    Trainer's; Model adds saving.  Configs name it 'Functional', as tf-keras
    2.x does ('Model' loads too).
    """

    _config_class_name = "Functional"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or "inputs" in kwargs or "outputs" in kwargs or type(self) is Model:
            Functional.__init__(self, *args, **kwargs)
        else:
            self._init_subclassed(kwargs)

    def save(self, filepath: Union[str, os.PathLike], overwrite: bool = True,
             include_optimizer: bool = True, save_format: Optional[str] = None,
             **kwargs: Any) -> None:
        """Save architecture, weights, compile settings and optimizer state
        to one file: Keras 2 HDF5 for `.h5`/`.hdf5`, a Keras 3 archive for
        `.keras`, fastgraph's own format otherwise (see fastgraph.saving).
        A subclassed model saves whole in fastgraph's format only, when its
        class is registered and defines get_config."""
        if not self._is_graph:
            _check_savable(self, filepath, save_format)
        saving.save_model(self, filepath, overwrite, include_optimizer, save_format,
                          **kwargs)

    def save_weights(self, filepath: Union[str, os.PathLike], overwrite: bool = True,
                     save_format: Optional[str] = None, options: Any = None) -> None:
        """Save the weights only (`.weights.h5`: Keras 3's layout; `.h5`:
        Keras 2's; otherwise fastgraph's format)."""
        if not self._is_graph:
            _check_weights_savable(self, filepath, save_format)
        saving.save_weights(self, filepath, overwrite, save_format, options)

    def load_weights(self, filepath: Union[str, os.PathLike], by_name: bool = False,
                     skip_mismatch: bool = False, options: Any = None) -> None:
        """Set the weights from a fastgraph or Keras file, by layer order or
        name."""
        saving.load_weights(self, filepath, by_name, skip_mismatch, options)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as JSON text (`kwargs` go to json.dumps)."""
        return saving.to_json(self, **kwargs)


def _file_name(filepath):
    """The path as text ('' for a file object)."""
    return os.fsdecode(filepath) if isinstance(filepath, (str, bytes, os.PathLike)) else ""


def _check_weights_savable(model, filepath, save_format):
    """Files store weights per layer, in Keras 2's layouts for a
    subclassed model (Keras 3 names them by attribute paths)."""
    if model._trainable_weights or model._non_trainable_weights:
        raise ValueError(f"save_weights: the subclassed model {model.name!r} holds "
                         f"weights of its own (add_weight on the model), which "
                         f"files store per layer; create them in a layer")
    if save_format == "keras" or _file_name(filepath).endswith(".weights.h5"):
        raise ValueError(f"save_weights: the subclassed model {model.name!r} is saved "
                         f"in fastgraph's format or Keras 2's .h5 layout, not Keras "
                         f"3's .weights.h5; choose another file name")


def _check_savable(model, filepath, save_format):
    """A subclassed model is saved as its registered class name, its
    get_config() and its build input shape, in fastgraph's format."""
    cls = type(model)
    if registry.get_registered_object(registry.get_registered_name(cls)) is not cls:
        raise ValueError(
            f"save: {cls.__name__} is a subclassed model whose class is not "
            f"registered, so a file could not name it; decorate the class with "
            f"@fastgraph.utils.register_keras_serializable() (and define "
            f"get_config), or save only the weights with save_weights()")
    if cls.get_config is Model.get_config:
        raise ValueError(f"save: the subclassed model class {cls.__name__} must define "
                         f"get_config() returning its constructor arguments to be "
                         f"saved whole; or save only the weights with save_weights()")
    if not model.built:
        raise ValueError(f"save: the subclassed model {model.name!r} is not built; "
                         f"call it on data or model.build(input_shape) first")
    if save_format in ("h5", "keras") or _file_name(filepath).endswith(
            (".h5", ".hdf5", ".keras")):
        raise ValueError(f"save: the subclassed model {model.name!r} can only be saved "
                         f"whole in fastgraph's format (a name not ending in .h5, "
                         f".hdf5 or .keras); save_weights() writes .h5 weights")


registry.register_builtin("layer", Model, "Model")
