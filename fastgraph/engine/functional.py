"""Functional models: a graph of layer calls, run as a flat plan.

`Functional(inputs, outputs)` walks the nodes from the outputs back to the
inputs once (graph.py), orders them by depth as tf-keras does (so `layers`,
weight order and configs match Keras), and compiles them into an execution
plan (plan.py) that the tape interpreter runs for training and the
inference interpreter for predict.  The training API and saving are added
above the engine, by `fastgraph.models.Model`.
"""
import numpy as np

from ..autodiff import Tensor
from .dtypes import STRING, as_strings
from .functional_config import functional_config, reconstruct_graph
from .graph import map_graph
from .input_layer import InputLayer
from .layer import CallScope, InputSpec, Layer, is_shape, to_snake_case, unique_name
from .node import KerasTensor, flatten
from .plan import InferencePlan, compile_plan, infer_shapes, run_traced
from .serialization import shared_object_scope
from .summary import print_summary


def _check_symbolic(tensors, what, model_name):
    for t in tensors:
        if not isinstance(t, KerasTensor) or t._keras_history is None:
            raise TypeError(f'Model "{model_name}": {what} must be symbolic tensors '
                            f'returned by Input() or by calling a layer on symbolic '
                            f'tensors, got {type(t).__name__}')


def _as_input(x, ref):
    """`x` as a Tensor for model input `ref`: NumPy data for a float Input
    is cast to its dtype; Tensors pass unchanged."""
    if isinstance(x, Tensor):
        return x
    if ref.dtype == STRING:
        return Tensor(as_strings(x, f"input {ref.name!r}"))
    a = np.asarray(x)
    if np.dtype(ref.dtype).kind == "f" and a.dtype != ref.dtype and a.dtype.kind in "biuf":
        a = a.astype(ref.dtype)
    return Tensor(a)


class Functional(Layer):
    """A graph of layer calls from `inputs` to `outputs`; itself a layer."""

    _is_graph = True

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if kwargs:
            raise TypeError(f"Model: unexpected argument(s) {sorted(kwargs)}")
        if inputs is None or outputs is None:
            raise TypeError("Model(inputs, outputs): both are required (symbolic "
                            "tensors from Input() and layer calls)")
        if name is None:
            name = unique_name(to_snake_case(type(self).__name__))
        super().__init__(name=name)
        self._init_graph(inputs, outputs)
        if not trainable:
            self.trainable = False

    def _init_graph(self, inputs, outputs):
        """Discover the graph between `inputs` and `outputs` and compile the
        execution plan (Sequential calls this again after add/pop)."""
        if isinstance(inputs, dict) or isinstance(outputs, dict):
            raise TypeError(f'Model "{self.name}": inputs and outputs must be symbolic '
                            f'tensors or lists of them, not dicts')
        self.inputs = flatten(inputs)
        self.outputs = flatten(outputs)
        self._nested_inputs = self.inputs[0] if len(self.inputs) == 1 else self.inputs
        self._nested_outputs = self.outputs[0] if len(self.outputs) == 1 else self.outputs
        _check_symbolic(self.inputs, "inputs", self.name)
        _check_symbolic(self.outputs, "outputs", self.name)
        if len({id(t) for t in self.inputs}) != len(self.inputs):
            raise ValueError(f'Model "{self.name}": the same input is given more than '
                             f'once; all inputs should appear once')
        for t in self.inputs:
            if not isinstance(t._keras_history.layer, InputLayer):
                raise ValueError(f'Model "{self.name}": inputs must come from Input(); '
                                 f'{t} was produced by layer '
                                 f'"{t._keras_history.layer.name}"')
        self._network_nodes, self._nodes_by_depth, self._layers = \
            map_graph(self.inputs, self.outputs)
        self._input_layers = [t._keras_history.layer for t in self.inputs]
        self._output_coordinates = [tuple(t._keras_history) for t in self.outputs]
        self.input_names = [layer.name for layer in self._input_layers]
        self.output_names = []
        for layer, _, _ in self._output_coordinates:
            proposal, k = layer.name, 1
            while proposal in self.output_names:
                proposal, k = f"{layer.name}_{k}", k + 1
            self.output_names.append(proposal)
        self.input_spec = [InputSpec(shape=(None,) + t.shape[1:], dtype=None,
                                     allow_last_axis_squeeze=True) for t in self.inputs]
        self.supports_masking = True
        self._plan = compile_plan(self.inputs, self.outputs, self._nodes_by_depth)
        self._terms, self._terms_plan = [], None
        self._shape_cache = {tuple(t.shape for t in self.inputs):
                             [t.shape for t in self.outputs]}
        self.built = True

    # ------------------------------------------------------------ running
    def _input_list(self, inputs):
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise KeyError(f'Model "{self.name}": no data for input(s) {missing}; '
                               f'the dict has keys {sorted(inputs)}')
            return [inputs[n] for n in self.input_names]
        if isinstance(inputs, (list, tuple)):
            return list(inputs)
        return [inputs]

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, dict):
            inputs = self._input_list(inputs)
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1 \
                and self.inputs is not None and len(self.inputs) == 1:
            inputs = inputs[0]
        return super().__call__(inputs, *args, **kwargs)

    def _to_tensors(self, inputs):
        xs = self._input_list(inputs)
        if len(xs) != len(self.inputs):
            return super()._to_tensors(inputs)
        out = [_as_input(x, ref) for x, ref in zip(xs, self.inputs)]
        return out[0] if len(out) == 1 else out

    def _execute(self, inputs, training, masks):
        """(output Tensors, output masks) of one traced run of the plan."""
        xs = self._input_list(inputs)
        if len(xs) != len(self.inputs):
            raise ValueError(f'Layer "{self.name}" expects {len(self.inputs)} input(s), '
                             f'but it received {len(xs)} input tensors.')
        xs = [_as_input(x, ref) for x, ref in zip(xs, self.inputs)]
        masks = None if masks is None else self._input_list(masks)
        if not self._terms:
            return run_traced(self._plan, xs, training, masks)
        with CallScope():
            outs, out_masks = run_traced(self._terms_plan, xs, training, masks)
            n = len(self.outputs)
            for (_, name), value in zip(self._terms, outs[n:]):
                if name is None:
                    Layer.add_loss(self, value)
                else:
                    Layer.add_metric(self, value, name)
        return outs[:n], out_masks[:n]

    def _add_graph_term(self, tensor, metric_name):
        """A symbolic loss (`metric_name` None) or metric computed by this
        model's graph (add_loss, add_metric): its nodes join the model, and
        every traced run computes it beside the outputs."""
        _check_symbolic([tensor], "added losses and metrics", self.name)
        terms = self._terms + [(tensor, metric_name)]
        ends = self.outputs + [t for t, _ in terms]
        try:
            self._network_nodes, self._nodes_by_depth, self._layers = \
                map_graph(self.inputs, ends)
        except ValueError as err:
            raise ValueError(f'Model "{self.name}": the added loss or metric {tensor} '
                             f'must be computed from the model\'s inputs ({err})') from None
        self._terms = terms
        self._terms_plan = compile_plan(self.inputs, ends, self._nodes_by_depth)

    def _inference_plan(self):
        plan = self.__dict__.get("_inference")
        if plan is None or plan.source is not self._plan:
            plan = self._inference = InferencePlan(self)
        return plan

    def _predict_arrays(self, xs, training=False):
        """Output arrays (a list, one per output) for `xs`, a list of arrays
        that passed the input checks (one per input, of its dtype and shape),
        computed without the tape; any number of threads may call it."""
        return self._inference_plan().run(xs, training)

    def _checked_inputs(self, x):
        """`x` as the list of input arrays when it needs neither checks nor
        conversion (C-contiguous ndarrays of each Input's dtype and shape,
        one per input), else None: the trainer validates only the others."""
        if not self.built:
            return None
        return self._inference_plan().checked_inputs(x)

    def call(self, inputs, training=None, mask=None):
        """Run the plan on Tensors (or arrays); one output Tensor or a list."""
        outputs, _ = self._execute(inputs, training, mask)
        return outputs[0] if len(outputs) == 1 else outputs

    def call_with_masks(self, inputs, training=None, mask=None):
        """(outputs, output masks) from one run, each a list per output."""
        return self._execute(inputs, training, mask)

    def compute_mask(self, inputs, mask=None):
        """Output mask(s) for `inputs` (runs the whole graph)."""
        _, masks = self._execute(inputs, None, mask)
        return masks[0] if len(masks) == 1 else masks

    def _creates_masks(self):
        return any(t._keras_mask is not None for t in self.outputs or [])

    def _set_symbolic_masks(self, inputs, flat, outputs):
        for t, ref in zip(flatten(outputs), self.outputs):
            if ref._keras_mask is not None:
                t._keras_mask = KerasTensor((None,) + ref._keras_mask.shape[1:], "bool")

    def compute_output_shape(self, input_shape):
        """Output shape(s) for new input shapes, by shape inference through
        the plan (cached per input shapes)."""
        shapes = [input_shape] if is_shape(input_shape) else list(input_shape)
        if len(shapes) != len(self.inputs):
            raise ValueError(f'Model "{self.name}" expects {len(self.inputs)} input '
                             f'shape(s), got {input_shape}')
        key = tuple(tuple(s) for s in shapes)
        result = self._shape_cache.get(key)
        if result is None:
            result = self._shape_cache[key] = infer_shapes(self._plan, list(key))
        return result[0] if len(result) == 1 else list(result)

    def _compute_output_dtype(self, input_dtypes):
        dtypes = [t.dtype for t in self.outputs]
        return dtypes[0] if len(dtypes) == 1 else dtypes

    # --------------------------------------------------------- structure
    @property
    def layers(self):
        """The model's layers, by depth (its InputLayers first), as tf-keras."""
        return list(self._layers)

    @property
    def weights(self):
        """Each layer's weights in layer order, shared weights once."""
        seen, out = set(), []
        for layer in self._layers:
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def input(self):
        """The model's own input tensor(s), whatever its calls elsewhere."""
        return self._nested_inputs

    @property
    def output(self):
        """The model's own output tensor(s)."""
        return self._nested_outputs

    @property
    def input_shape(self):
        """Shape(s) of the model's inputs."""
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        """Shape(s) of the model's outputs."""
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def stateful(self):
        """Whether a layer keeps states from one batch to the next."""
        return any(getattr(layer, "stateful", False) for layer in self._layers)

    def reset_states(self):
        """Reset the states of every stateful layer (Keras 2's Model.reset_states)."""
        for layer in self._layers:
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in `layers`."""
        if name is not None and index is not None:
            raise ValueError(f"Provide only a layer name or a layer index, not both. "
                             f"Received: index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but "
                                 f"model only has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None,
                expand_nested=False, show_trainable=False):
        """Print the tf-keras summary table (to `print_fn`, default print)."""
        print_summary(self, line_length, positions, print_fn, expand_nested,
                      show_trainable)

    # ------------------------------------------------------------ configs
    def get_config(self):
        """tf-keras functional config: layers with their inbound nodes as
        [layer name, node index, tensor index, call kwargs], input_layers and
        output_layers as [layer name, node index, tensor index]."""
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a model (new layers, same graph) from `get_config()`."""
        with shared_object_scope("loading"):
            inputs, outputs, terms = reconstruct_graph(config, custom_objects)
        model = cls(inputs=inputs, outputs=outputs, name=config.get("name"),
                    trainable=config.get("trainable", True))
        for tensor, metric_name in terms:
            model._add_graph_term(tensor, metric_name)
        return model
