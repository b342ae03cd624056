"""Functional models: a graph of layer calls, run as a flat plan.

`Model(inputs, outputs)` walks the nodes from the outputs back to the
inputs once, orders them by depth as tf-keras does (so `layers`, weight
order and configs match Keras), and compiles them into an execution plan:
a list of steps, each naming a layer and the integer slots its inputs are
read from and its outputs written to.  Running the model is one pass over
that list: no graph walk, no dict lookups per call.
"""
import collections
import inspect
import json

import numpy as np

from ..autodiff import Tensor
from .inference import InferencePlan
from .input_layer import InputLayer
from .layer import CallScope, InputSpec, Layer, is_shape, to_snake_case, unique_name
from .serialization import (_LAYER_CLASSES, deserialize_layer, serialize_layer,
                            shared_object_scope)
from ..training.trainer import Trainer
from .node import KerasTensor, flatten

_TRAINING, _MASK, _NESTED = 1, 2, 4


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
    a = np.asarray(x)
    if np.dtype(ref.dtype).kind == "f" and a.dtype != ref.dtype and a.dtype.kind in "biuf":
        a = a.astype(ref.dtype)
    return Tensor(a)


def _build_map(outputs):
    """Nodes reachable from `outputs`, in a topological order (inputs
    first), and each layer's index in the traversal (tf-keras order)."""
    finished, in_progress, ordered, layer_indices = set(), set(), [], {}

    def enter(node):
        layer_indices.setdefault(node.layer, len(layer_indices))
        in_progress.add(node)
        return node, iter(node.input_tensors)

    for out in outputs:
        layer, node_index, _ = out._keras_history
        node = layer._inbound_nodes[node_index]
        if node in finished:
            continue
        stack = [enter(node)]
        while stack:
            node, pending = stack[-1]
            t = next(pending, None)
            if t is None:
                stack.pop()
                in_progress.discard(node)
                finished.add(node)
                ordered.append(node)
                continue
            parent = t._keras_history.layer._inbound_nodes[t._keras_history.node_index]
            if parent in in_progress:
                raise ValueError(f'Tensor {t} from layer "{parent.layer.name}" is part '
                                 f'of a cycle.')
            if parent not in finished:
                stack.append(enter(parent))
    return ordered, layer_indices


def map_graph(inputs, outputs):
    """(network nodes, {depth: nodes}, layers by depth) for a model, with
    tf-keras's depth rules; raises ValueError for a disconnected graph or
    duplicate layer names."""
    ordered, layer_indices = _build_map(outputs)
    nodes_depths, layers_depths = {}, {}
    for node in reversed(ordered):
        depth = max(nodes_depths.setdefault(node, 0), layers_depths.get(node.layer, 0))
        layers_depths[node.layer] = depth
        nodes_depths[node] = depth
        for parent in node.parent_nodes:
            nodes_depths[parent] = max(depth + 1, nodes_depths.get(parent, 0))
    for t in inputs:
        layer = t._keras_history.layer
        if layer not in layers_depths:
            layers_depths[layer] = 0
            layer_indices[layer] = -1
            nodes_depths[layer._inbound_nodes[0]] = 0
    nodes_by_depth = collections.defaultdict(list)
    for node, depth in nodes_depths.items():
        nodes_by_depth[depth].append(node)
    layers_by_depth = collections.defaultdict(list)
    for layer, depth in layers_depths.items():
        layers_by_depth[depth].append(layer)
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        layers.extend(sorted(layers_by_depth[depth], key=lambda x: layer_indices[x]))
    computable = {id(t) for t in inputs}
    accessed = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for t in node.output_tensors if node.is_input else node.input_tensors:
                if id(t) not in computable:
                    raise ValueError(
                        f'Graph disconnected: cannot obtain value for tensor {t} at '
                        f'layer "{node.layer.name}". The following previous layers '
                        f'were accessed without issue: {accessed}')
            computable.update(id(t) for t in node.output_tensors)
            accessed.append(node.layer.name)
    names = [layer.name for layer in layers]
    for name in names:
        if names.count(name) != 1:
            raise ValueError(f'The name "{name}" is used {names.count(name)} times in '
                             f'the model. All layer names should be unique.')
    return set(nodes_depths), dict(nodes_by_depth), layers


def should_skip_first_node(layer):
    """tf-keras config convention: a model built on its own Input numbers
    the nodes of its calls from 1 in configs (0 stands for its own graph)."""
    return (isinstance(layer, Functional) and bool(layer._layers)
            and isinstance(layer._layers[0], InputLayer))


class Functional(Layer):
    """A graph of layer calls from `inputs` to `outputs`; itself a layer."""

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if kwargs:
            raise TypeError(f"Model: unexpected argument(s) {sorted(kwargs)}")
        if inputs is None or outputs is None:
            raise TypeError("Model(inputs, outputs): both are required (symbolic "
                            "tensors from Input() and layer calls)")
        if name is None:
            cls = type(self)
            base = "Model" if cls.__module__ == __name__ else cls.__name__
            name = unique_name(to_snake_case(base))
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
        self._compile_plan()
        self._shape_cache = {tuple(t.shape for t in self.inputs):
                             [t.shape for t in self.outputs]}
        self.built = True

    def _compile_plan(self):
        slot_of = {id(t): i for i, t in enumerate(self.inputs)}
        steps, nodes = [], []
        for depth in sorted(self._nodes_by_depth, reverse=True):
            for node in self._nodes_by_depth[depth]:
                if node.is_input:
                    continue
                layer = node.layer
                ins = tuple(slot_of[id(t)] for t in node.input_tensors)
                outs = []
                for t in node.output_tensors:
                    slot_of[id(t)] = len(slot_of)
                    outs.append(slot_of[id(t)])
                flags = 0
                if layer._call_accepts_training and "training" not in node.call_kwargs:
                    flags |= _TRAINING
                if layer._call_accepts_mask and "mask" not in node.call_kwargs:
                    flags |= _MASK
                if isinstance(layer, Functional):
                    flags |= _NESTED
                as_list = isinstance(node.inputs, (list, tuple))
                steps.append([layer, ins, as_list, tuple(outs), node.call_args,
                              node.call_kwargs, flags,
                              type(layer).compute_mask is not Layer.compute_mask, ()])
                nodes.append(node)
        self._output_slots = tuple(slot_of[id(t)] for t in self.outputs)
        last_use = {}
        for k, step in enumerate(steps):
            for s in step[1]:
                last_use[s] = k
        keep = set(self._output_slots)
        for s, k in last_use.items():
            if s not in keep:
                steps[k][8] += (s,)
        self._plan = [tuple(step) for step in steps]
        self._plan_nodes = nodes
        self._n_slots = len(slot_of)

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
        xs = self._input_list(inputs)
        if len(xs) != len(self.inputs):
            raise ValueError(f'Layer "{self.name}" expects {len(self.inputs)} input(s), '
                             f'but it received {len(xs)} input tensors.')
        vals = [None] * self._n_slots
        ms = [None] * self._n_slots
        for i, (x, ref) in enumerate(zip(xs, self.inputs)):
            vals[i] = _as_input(x, ref)
        if masks is not None:
            for i, m in enumerate(self._input_list(masks)):
                ms[i] = m
        with CallScope():
            for layer, ins, as_list, outs, args, kwargs, flags, own_mask, free in self._plan:
                x = [vals[i] for i in ins] if as_list else vals[ins[0]]
                m = None
                if flags & (_MASK | _NESTED) or layer.supports_masking:
                    m = [ms[i] for i in ins] if as_list else ms[ins[0]]
                    if as_list and all(v is None for v in m):
                        m = None
                if flags & _NESTED:
                    y, ym = layer._execute(x, kwargs.get("training", training), m)
                else:
                    if flags & (_TRAINING | _MASK):
                        kwargs = dict(kwargs)
                        if flags & _TRAINING:
                            kwargs["training"] = training
                        if flags & _MASK:
                            kwargs["mask"] = m
                    y = layer._run(x, args, kwargs)
                    ym = None
                    if layer.supports_masking and (own_mask or m is not None):
                        ym = layer.compute_mask(x, m)
                if len(outs) == 1 and not isinstance(y, (list, tuple)):
                    vals[outs[0]] = y
                    ms[outs[0]] = ym
                else:
                    ym = ym if isinstance(ym, (list, tuple)) else [ym] + [None] * len(outs)
                    for s, t, mk in zip(outs, y, ym):
                        vals[s], ms[s] = t, mk
                for s in free:
                    vals[s] = ms[s] = None
        return ([vals[s] for s in self._output_slots], [ms[s] for s in self._output_slots])

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
            slots = [None] * self._n_slots
            slots[:len(key)] = key
            for step, node in zip(self._plan, self._plan_nodes):
                layer, ins, as_list, outs = step[:4]
                s_in = [slots[i] for i in ins] if as_list else slots[ins[0]]
                layer._dtypes_hint = ([t.dtype for t in node.input_tensors] if as_list
                                      else node.input_tensors[0].dtype)
                try:
                    s_out = layer.compute_output_shape(s_in)
                finally:
                    layer._dtypes_hint = None
                if is_shape(s_out):
                    slots[outs[0]] = tuple(s_out)
                else:
                    for s, o in zip(outs, s_out):
                        slots[s] = tuple(o)
            result = [slots[s] for s in self._output_slots]
            self._shape_cache[key] = result
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
        from .summary import print_summary
        print_summary(self, line_length, positions, print_fn, expand_nested,
                      show_trainable)

    # ------------------------------------------------------------ configs
    def get_config(self):
        """tf-keras functional config: layers with their inbound nodes as
        [layer name, node index, tensor index, call kwargs], input_layers and
        output_layers as [layer name, node index, tensor index]."""
        with shared_object_scope("saving"):
            conversion = {}
            for layer in self._layers:
                kept = 1 if should_skip_first_node(layer) else 0
                for node in layer._inbound_nodes:
                    if node in self._network_nodes:
                        conversion[node] = kept
                        kept += 1
            layer_configs = []
            for layer in self._layers:
                inbound = [_serialize_node(node, conversion) for node in layer._inbound_nodes
                           if node in self._network_nodes and not node.is_input]
                config = serialize_layer(layer)
                config["name"] = layer.name
                config["inbound_nodes"] = inbound
                layer_configs.append(config)

        def coordinates(layer, node_index, tensor_index):
            return [layer.name, conversion[layer._inbound_nodes[node_index]], tensor_index]
        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "input_layers": [coordinates(layer, 0, 0) for layer in self._input_layers],
                "output_layers": [coordinates(*c) for c in self._output_coordinates]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a model (new layers, same graph) from `get_config()`."""
        with shared_object_scope("loading"):
            inputs, outputs = reconstruct_graph(config, custom_objects)
        return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
                   trainable=config.get("trainable", True))


def _serialize_node(node, conversion):
    kwargs = dict(node.call_kwargs)
    if node.call_args:
        names = list(inspect.signature(node.layer.call).parameters)[1:]
        kwargs.update(zip(names, node.call_args))
    kwargs = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    try:
        json.dumps(kwargs)
    except TypeError:
        raise TypeError(f'Layer "{node.layer.name}" was called with arguments that '
                        f'cannot be serialized: {kwargs}') from None
    return [[layer.name, conversion.get(layer._inbound_nodes[ni], 0), ti, kwargs]
            for layer, ni, ti, _ in node.iterate_inbound()]


def reconstruct_graph(config, custom_objects=None):
    """(input tensors, output tensors) of a functional config, its layers
    created and called in the order the config allows (tf-keras rules)."""
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"A functional model config needs {key!r}; got keys "
                             f"{sorted(config)}")
    created, order, node_count, node_index_map = {}, [], {}, {}
    unprocessed = {}
    for layer_data in config["layers"]:
        layer = deserialize_layer(layer_data, custom_objects)
        name = layer_data.get("name", layer.name)
        if name in created:
            raise ValueError(f"The model config names layer {name!r} twice")
        created[name] = layer
        order.append(layer)
        node_count[layer] = int(should_skip_first_node(layer))
        if layer_data.get("inbound_nodes"):
            unprocessed[layer] = list(layer_data["inbound_nodes"])

    def node_index(layer, config_index):
        if isinstance(layer, InputLayer):
            return 0
        return node_index_map.get((layer.name, config_index))

    def tensor_at(entry):
        name, config_index, tensor_index = entry[:3]
        if name not in created:
            raise ValueError(f"The model config refers to an unknown layer {name!r}")
        layer = created[name]
        index = node_index(layer, config_index)
        if index is None:
            return None
        try:
            return layer._inbound_nodes[index].output_tensors[tensor_index]
        except IndexError:
            raise ValueError(f"The model config refers to a missing output "
                             f"{entry[:3]} of layer {name!r}") from None

    def process(layer, node_data):
        tensors, kwargs = [], {}
        for entry in node_data:
            if not isinstance(entry, (list, tuple)) or len(entry) not in (3, 4):
                raise ValueError(f"Improperly formatted model config: node entry "
                                 f"{entry!r} of layer {layer.name!r}")
            t = tensor_at(entry)
            if t is None:
                return False
            tensors.append(t)
            kwargs = dict(entry[3]) if len(entry) == 4 else {}
        out = layer(tensors[0] if len(tensors) == 1 else tensors, **kwargs)
        node_index_map[(layer.name, node_count[layer])] = \
            flatten(out)[0]._keras_history.node_index
        node_count[layer] += 1
        return True

    while unprocessed:
        progressed = False
        for layer in order:
            if layer not in unprocessed:
                continue
            pending = unprocessed.pop(layer)
            while pending and process(layer, pending[0]):
                pending.pop(0)
                progressed = True
            if pending:
                unprocessed[layer] = pending
        if not progressed:
            raise ValueError(f"Malformed model config: the inbound nodes of layer(s) "
                             f"{[layer.name for layer in unprocessed]} can never be "
                             f"connected")

    def endpoints(key):
        entries = config[key]
        if entries and isinstance(entries[0], str):
            entries = [entries]
        tensors = []
        for entry in entries:
            t = tensor_at(entry)
            if t is None:
                raise ValueError(f"Malformed model config: {key} entry {entry} "
                                 f"refers to a node that does not exist")
            tensors.append(t)
        return tensors
    return endpoints("input_layers"), endpoints("output_layers")


class Model(Trainer, Functional):
    """A functional model (Keras `Model(inputs, outputs, name=None)`).

    The training API (compile, fit, ...) is added by a mixin listed before
    Functional in this class's bases; the graph engine lives in Functional.
    """

    _config_class_name = "Functional"

    def save(self, filepath, overwrite=True, include_optimizer=True,
             save_format=None, **kwargs):
        """Save architecture, weights, compile settings and optimizer state
        to one fastgraph file, whatever its name (see fastgraph.saving)."""
        from ..saving import save_model
        save_model(self, filepath, overwrite, include_optimizer, save_format, **kwargs)

    def save_weights(self, filepath, overwrite=True, save_format=None, options=None):
        """Save the weights only, to a fastgraph file."""
        from ..saving import save_weights
        save_weights(self, filepath, overwrite, save_format, options)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, options=None):
        """Set the weights from a fastgraph file, by layer order or name."""
        from ..saving import load_weights
        load_weights(self, filepath, by_name, skip_mismatch, options)

    def to_json(self, **kwargs):
        """The architecture as JSON text (`kwargs` go to json.dumps)."""
        from ..saving import to_json
        return to_json(self, **kwargs)


_LAYER_CLASSES["Functional"] = Model
_LAYER_CLASSES["Model"] = Model
