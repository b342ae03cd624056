"""Input and InputLayer: where a functional graph starts."""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from ..autodiff import floatx
from .layer import Layer, unique_name
from .node import KerasTensor, Node


class InputLayer(Layer):
    """The layer behind `Input`: it owns one symbolic tensor of
    `batch_input_shape` and a single node with no inbound layers."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None,
                 batch_input_shape=None, sparse=False, ragged=False, **kwargs):
        if sparse or ragged:
            raise ValueError("InputLayer: sparse and ragged inputs are not supported")
        kwargs.pop("optional", None)            # tf-keras >= 2.16 config key
        if kwargs:
            raise TypeError(f"InputLayer: unexpected argument(s) {sorted(kwargs)}")
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("InputLayer: give `input_shape` (without the batch "
                                 "axis) or `batch_input_shape`")
            if isinstance(input_shape, (int, np.integer)):
                input_shape = (input_shape,)
            batch_input_shape = (batch_size,) + tuple(input_shape)
        elif input_shape is not None:
            raise ValueError("InputLayer: give only one of `input_shape` and "
                             "`batch_input_shape`")
        batch_input_shape = tuple(None if d is None else int(d) for d in batch_input_shape)
        for d in batch_input_shape:
            if d is not None and d < 0:
                raise ValueError(f"InputLayer: dimensions must be positive or None, "
                                 f"got shape {batch_input_shape}")
        if name is None:
            name = unique_name("input", zero_based=False)
        super().__init__(name=name, dtype=dtype or floatx())
        self._batch_input_shape = batch_input_shape
        self.built = True
        tensor = KerasTensor(batch_input_shape, self.dtype, name)
        Node(self, [tensor], [tensor], is_input=True)

    def get_config(self):
        return {"batch_input_shape": self._batch_input_shape, "dtype": self.dtype,
                "sparse": False, "ragged": False, "name": self.name}


def Input(shape: Union[int, Sequence[Optional[int]], None] = None,
          batch_size: Optional[int] = None, name: Optional[str] = None,
          dtype: Union[str, np.dtype, None] = None,
          batch_shape: Optional[Sequence[Optional[int]]] = None,
          **kwargs: Any) -> KerasTensor:
    """A symbolic tensor to start a functional model: `shape` excludes the
    batch axis (Keras 2 `batch_shape=` gives it too)."""
    if "tensor" in kwargs or kwargs.get("sparse") or kwargs.get("ragged"):
        raise ValueError("Input: `tensor`, `sparse` and `ragged` are not supported")
    for key in ("sparse", "ragged"):
        kwargs.pop(key, None)
    if kwargs:
        raise TypeError(f"Input: unexpected argument(s) {sorted(kwargs)}")
    if shape is None and batch_shape is None:
        raise ValueError("Please provide to Input a `shape` or a `batch_shape` "
                         "argument. Note that `shape` does not include the batch "
                         "dimension.")
    if shape is not None and batch_shape is not None:
        raise ValueError("Input: give only one of `shape` and `batch_shape`")
    layer = InputLayer(input_shape=shape, batch_size=batch_size, dtype=dtype,
                       name=name, batch_input_shape=batch_shape)
    return layer._inbound_nodes[0].output_tensors[0]
