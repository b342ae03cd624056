"""clone_model: the same architecture with new layers (and so new weights),
as Keras's `keras.models.clone_model`.

A functional model's graph is replayed node by node, deepest first, on new
inputs: each layer is replaced once (a shared layer stays shared) by
`clone_function(layer)`, by default `layer.__class__.from_config(
layer.get_config())`, and called with the arguments of the original call.
A Sequential model is rebuilt from its cloned layers.  Weights are not
copied, and the clone is not compiled.
"""
from ..engine.input_layer import Input, InputLayer
from ..engine.layer import Layer
from ..engine.node import KerasTensor, flatten
from .model import Model
from .sequential import Sequential


def _clone_layer(layer):
    return layer.__class__.from_config(layer.get_config())


def _cloner(clone_function):
    """layer -> its clone, made once per layer and checked."""
    make = clone_function or _clone_layer
    if not callable(make):
        raise TypeError(f"clone_model: clone_function must be a callable taking a "
                        f"layer and returning a layer, got {make!r}")
    memo = {}

    def clone(layer):
        new = memo.get(id(layer))
        if new is None:
            new = make(layer)
            if not isinstance(new, Layer):
                raise TypeError(f"clone_model: clone_function returned "
                                f"{type(new).__name__} for layer {layer.name!r}; "
                                f"it must return a Layer")
            memo[id(layer)] = new
        return new
    return clone


def _input_layer_of(value, i):
    """The InputLayer of input_tensors[i] (an Input tensor or an InputLayer)."""
    if isinstance(value, InputLayer):
        return value
    if isinstance(value, KerasTensor) and value._keras_history is not None \
            and isinstance(value._keras_history.layer, InputLayer):
        return value._keras_history.layer
    if isinstance(value, KerasTensor):
        raise ValueError(f"clone_model: input_tensors[{i}] comes from layer "
                         f"{value._keras_history.layer.name!r}, not from Input(); "
                         f"clone the model on new Inputs and call the clone on "
                         f"that tensor instead")
    raise TypeError(f"clone_model: input_tensors[{i}] must be a symbolic tensor "
                    f"from Input() or an InputLayer, got {type(value).__name__}")


def _new_inputs(model, input_tensors):
    """{id of an original input tensor: its replacement}."""
    if input_tensors is None:
        new = [Input(batch_shape=t.shape, dtype=t.dtype, name=t._keras_history.layer.name)
               for t in model.inputs]
    else:
        given = list(input_tensors) if isinstance(input_tensors, (list, tuple)) \
            else [input_tensors]
        if len(given) != len(model.inputs):
            raise ValueError(f"clone_model: input_tensors has {len(given)} tensor(s) "
                             f"but model {model.name!r} has {len(model.inputs)} "
                             f"input(s)")
        new = [_input_layer_of(t, i)._inbound_nodes[0].output_tensors[0]
               for i, t in enumerate(given)]
    return {id(old): t for old, t in zip(model.inputs, new)}


def _replace(value, tensors):
    """`value` with each symbolic tensor (in lists, tuples, dicts) replaced."""
    if isinstance(value, KerasTensor):
        return tensors[id(value)]
    if isinstance(value, dict):
        return {k: _replace(v, tensors) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_replace(v, tensors) for v in value)
    return value


def _clone_functional(model, input_tensors, clone):
    tensors = _new_inputs(model, input_tensors)
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            if node.is_input:
                continue
            outputs = clone(node.layer)(_replace(node.inputs, tensors),
                                        *_replace(node.call_args, tensors),
                                        **_replace(node.call_kwargs, tensors))
            for old, new in zip(node.output_tensors, flatten(outputs)):
                tensors[id(old)] = new
    return Model([tensors[id(t)] for t in model.inputs],
                 [tensors[id(t)] for t in model.outputs], name=model.name)


def _clone_sequential(model, input_tensors, clone):
    layers = [clone(layer) for layer in model.layers]
    if input_tensors is not None:
        given = list(input_tensors) if isinstance(input_tensors, (list, tuple)) \
            else [input_tensors]
        if len(given) != 1:
            raise ValueError(f"clone_model: to clone a Sequential model, give at most "
                             f"one tensor in input_tensors, got {len(given)}")
        layers = [_input_layer_of(given[0], 0)] + layers
    elif model.built:
        first = model._layers[0]
        layers = [_clone_layer(first) if isinstance(first, InputLayer)
                  else Input(batch_shape=model.inputs[0].shape,
                             dtype=model.inputs[0].dtype)] + layers
    return Sequential(layers, name=model.name)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new functional or Sequential model with the architecture of
    `model` and new weights: each layer replaced by `clone_function(layer)`
    (default: the layer rebuilt from its config), the graph built on
    `input_tensors` (symbolic tensors from Input(), one per model input)
    or on new Inputs like the model's."""
    if not isinstance(model, Model):
        raise TypeError(f"clone_model: expected a fastgraph Model or Sequential, got "
                        f"{type(model).__name__}")
    if not model._is_graph:
        raise ValueError(f"clone_model: expected a functional or Sequential model, "
                         f"but {type(model).__name__} is a subclassed model; create "
                         f"a new instance of its class instead")
    clone = _cloner(clone_function)
    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone)
    return _clone_functional(model, input_tensors, clone)
