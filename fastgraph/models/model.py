"""Model: a functional graph (fastgraph.engine) with Keras's training API
(fastgraph.training) and saving (fastgraph.saving); the top of the stack."""
from __future__ import annotations

import os
from typing import Any, Optional, Union

from .. import registry, saving
from ..engine.functional import Functional
from ..training import Trainer


class Model(Trainer, Functional):
    """A functional model (Keras `Model(inputs, outputs, name=None)`).

    The graph engine is Functional's, the training API (compile, fit, ...)
    Trainer's; Model adds saving.  Configs name it 'Functional', as tf-keras
    2.x does ('Model' loads too).
    """

    _config_class_name = "Functional"

    def save(self, filepath: Union[str, os.PathLike], overwrite: bool = True,
             include_optimizer: bool = True, save_format: Optional[str] = None,
             **kwargs: Any) -> None:
        """Save architecture, weights, compile settings and optimizer state
        to one file: Keras 2 HDF5 for `.h5`/`.hdf5`, a Keras 3 archive for
        `.keras`, fastgraph's own format otherwise (see fastgraph.saving)."""
        saving.save_model(self, filepath, overwrite, include_optimizer, save_format,
                          **kwargs)

    def save_weights(self, filepath: Union[str, os.PathLike], overwrite: bool = True,
                     save_format: Optional[str] = None, options: Any = None) -> None:
        """Save the weights only (`.weights.h5`: Keras 3's layout; `.h5`:
        Keras 2's; otherwise fastgraph's format)."""
        saving.save_weights(self, filepath, overwrite, save_format, options)

    def load_weights(self, filepath: Union[str, os.PathLike], by_name: bool = False,
                     skip_mismatch: bool = False, options: Any = None) -> None:
        """Set the weights from a fastgraph or Keras file, by layer order or
        name."""
        saving.load_weights(self, filepath, by_name, skip_mismatch, options)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as JSON text (`kwargs` go to json.dumps)."""
        return saving.to_json(self, **kwargs)


registry.register_builtin("layer", Model, "Model")
