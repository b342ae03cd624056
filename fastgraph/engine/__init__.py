"""The functional-API engine: symbolic tensors, nodes, Layer, Input, the
Functional graph and its execution plan.  It knows nothing of training or
saving (fastgraph.models puts them together)."""
from .node import KerasTensor, Node
from .input_spec import InputSpec
from .layer import Layer, reset_uids
from .serialization import deserialize_layer, get_layer_class, serialize_layer
from .input_layer import Input, InputLayer
from .functional import Functional
from .op_layer import OpLambda
from .graph_function import GraphFunction, Gradients

__all__ = ["KerasTensor", "Node", "InputSpec", "Layer", "Input", "InputLayer",
           "Functional", "reset_uids", "serialize_layer", "deserialize_layer",
           "get_layer_class", "OpLambda", "GraphFunction", "Gradients"]
