"""Symbolic tensors and the nodes that connect layers into a graph.

A `KerasTensor` holds no data: only a static shape (batch axis None), a
dtype and `_keras_history`, the (layer, node_index, tensor_index) that
produced it.  A `Node` is one call of a layer on symbolic tensors; a layer
called n times has n nodes, which is all "sharing a layer" means.
"""
import collections

from ..autodiff import symbolic
from ..ops import elementwise as _ew
from ..ops import linalg as _la
from ..ops import shape as _sh

_GRAPH = [0]    # the current graph; clear_session starts a new one

class KerasHistory(collections.namedtuple(
        "KerasHistory", ["layer", "node_index", "tensor_index"])):
    """Where a symbolic tensor comes from: output `tensor_index` of node
    `node_index` of `layer` (i.e. `layer._inbound_nodes[node_index]`)."""
    __slots__ = ()


class KerasTensor:
    """A symbolic tensor of the functional API.

    `shape` is a tuple whose entries are ints or None (the batch axis is
    None unless an Input fixed it), `dtype` a dtype name.  Two symbolic
    tensors are equal only if they are the same object, so `==` is a plain
    bool and tensors can be dict keys.  The other Python operators
    (`+ - * / // % ** @`, unary `-`, `abs`, `< <= > >=`) and indexing add
    op nodes, as every backend function does (engine/op_layer.py).
    `_inferred_value` is what is known of a small integer tensor computed
    from shapes, as (ndim, flat values): `K.shape(x)` is `(1, (None, 4))`; `_graph`
    the graph (session) the tensor belongs to.
    """

    __slots__ = ("shape", "dtype", "name", "_keras_history", "_keras_mask",
                 "_inferred_value", "_graph", "__weakref__")
    __array_ufunc__ = None    # NumPy defers `array op tensor` to our operators

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name
        self._keras_history = None
        self._keras_mask = None
        self._inferred_value = None
        self._graph = _GRAPH[0]

    @property
    def ndim(self):
        """Number of axes, batch included."""
        return len(self.shape)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    __hash__ = object.__hash__

    def __bool__(self):
        return True

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"{self!r} is symbolic: it has no value until a model or "
                        f"K.function runs it")

    def __iter__(self):
        raise TypeError(f"{self!r} is symbolic and cannot be iterated; index it "
                        f"(x[0]) or use K.unstack")

    def __repr__(self):
        where = ""
        if self._keras_history is not None:
            where = f" (created by layer '{self._keras_history.layer.name}')"
        return f"<KerasTensor: shape={self.shape} dtype={self.dtype}{where}>"


def _operator(op, fn, reflected=False):
    name = "operator." + op

    def method(self, other):
        args = (other, self) if reflected else (self, other)
        return symbolic.dispatch(name, fn, args)
    method.__name__ = f"__{'r' if reflected else ''}{op}__"
    return method


def _unary(op, fn):
    name = "operator." + op

    def method(self):
        return symbolic.dispatch(name, fn, (self,))
    method.__name__ = f"__{op}__"
    return method


_BINARY = {"add": _ew.add, "sub": _ew.subtract, "mul": _ew.multiply,
           "truediv": _ew.divide, "floordiv": _ew.floor_divide, "mod": _ew.mod,
           "pow": _ew.power, "matmul": _la.matmul}
_COMPARE = {"lt": _ew.less, "le": _ew.less_equal, "gt": _ew.greater,
            "ge": _ew.greater_equal}
OPERATORS = {f"operator.{op}": fn for op, fn in
             {**_BINARY, **_COMPARE, "neg": _ew.negative, "abs": _ew.abs,
              "getitem": _sh.getitem}.items()}
for _op, _fn in _BINARY.items():
    setattr(KerasTensor, f"__{_op}__", _operator(_op, _fn))
    setattr(KerasTensor, f"__r{_op}__", _operator(_op, _fn, reflected=True))
for _op, _fn in _COMPARE.items():
    setattr(KerasTensor, f"__{_op}__", _operator(_op, _fn))
KerasTensor.__neg__ = _unary("neg", _ew.negative)
KerasTensor.__abs__ = _unary("abs", _ew.abs)
KerasTensor.__pos__ = lambda self: self
KerasTensor.__getitem__ = _operator("getitem", _sh.getitem)
del _op, _fn


def is_symbolic(x):
    """True for a KerasTensor."""
    return isinstance(x, KerasTensor)


def flatten(structure):
    """The leaves of a (possibly nested) list/tuple, in order."""
    if isinstance(structure, (list, tuple)):
        out = []
        for item in structure:
            out.extend(flatten(item))
        return out
    return [structure]


def unpack_singleton(values):
    """values[0] for a one-element list, else the list itself."""
    if isinstance(values, list) and len(values) == 1:
        return values[0]
    return values


class Node:
    """One call of `layer` on symbolic tensors.

    Invariant, for a node `n` at position `k` of `n.layer._inbound_nodes`:
      - `n.output_tensors[j]._keras_history == (n.layer, k, j)` for every j;
      - for every input i, `n.input_tensors[i]._keras_history ==
        (n.inbound_layers[i], n.node_indices[i], n.tensor_indices[i])`,
        so `n.parent_nodes[i]` is the node that produced input i;
      - `n` is in `_outbound_nodes` of each of its inbound layers (once per
        input it takes from that layer, as Keras).
    `call_args` / `call_kwargs` are the extra (non-tensor) arguments of the
    call, replayed whenever the graph runs.  An InputLayer's only node has
    no inbound layers (`is_input`), and its input and output are its tensor.
    `inputs` / `outputs` keep the structure the layer was called with and
    returned (one tensor or a list); the `*_tensors` lists are flat.
    """

    def __init__(self, layer, inputs, outputs, call_args=(), call_kwargs=None,
                 is_input=False):
        self.layer = layer
        self.is_input = is_input
        self.inputs = inputs
        self.outputs = outputs
        self.input_tensors = [] if is_input else flatten(inputs)
        self.output_tensors = flatten(outputs)
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.inbound_layers, self.node_indices, self.tensor_indices = [], [], []
        for t in self.input_tensors:
            history = t._keras_history
            self.inbound_layers.append(history.layer)
            self.node_indices.append(history.node_index)
            self.tensor_indices.append(history.tensor_index)
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for j, t in enumerate(self.output_tensors):
            t._keras_history = KerasHistory(layer, node_index, j)
        for inbound in self.inbound_layers:
            inbound._outbound_nodes.append(self)

    @property
    def outbound_layer(self):
        """The layer whose call this node records (Keras 2 name)."""
        return self.layer

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        return [layer._inbound_nodes[i]
                for layer, i in zip(self.inbound_layers, self.node_indices)]

    def iterate_inbound(self):
        """(inbound layer, node index, tensor index, tensor) per input."""
        return zip(self.inbound_layers, self.node_indices, self.tensor_indices,
                   self.input_tensors)

    @property
    def input_shapes(self):
        """Input shape(s) in the structure of the call (a list for an
        InputLayer's node, as tf-keras)."""
        if self.is_input:
            return [t.shape for t in self.output_tensors]
        if isinstance(self.inputs, (list, tuple)):
            return [t.shape for t in self.input_tensors]
        return self.inputs.shape

    @property
    def output_shapes(self):
        """Output shape(s) in the structure the layer returned."""
        if isinstance(self.outputs, (list, tuple)):
            return [t.shape for t in self.output_tensors]
        return self.outputs.shape

    def __repr__(self):
        return (f"<Node of {self.layer.name!r}: inbound "
                f"{[layer.name for layer in self.inbound_layers]}>")
