"""The functional-API engine: symbolic tensors, nodes, Layer, Input, Model,
Sequential."""
from .node import KerasTensor, Node
from .input_spec import InputSpec
from .layer import Layer, reset_uids
from .serialization import deserialize_layer, get_layer_class, serialize_layer
from .input_layer import Input, InputLayer
from .functional import Functional, Model
from .sequential import Sequential

__all__ = ["KerasTensor", "Node", "InputSpec", "Layer", "Input", "InputLayer",
           "Functional", "Model", "Sequential", "reset_uids", "serialize_layer",
           "deserialize_layer", "get_layer_class"]
