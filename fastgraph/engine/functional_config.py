"""Functional models to and from tf-keras configs: layers with their
inbound nodes as [layer name, node index, tensor index, call kwargs], and
the graph rebuilt from them by calling each layer in the order the config
allows."""
import inspect
import json

import numpy as np

from .input_layer import InputLayer
from .node import flatten
from .serialization import deserialize_layer, serialize_layer, shared_object_scope


def should_skip_first_node(layer):
    """tf-keras config convention: a model built on its own Input numbers
    the nodes of its calls from 1 in configs (0 stands for its own graph)."""
    return (layer._is_graph and bool(layer._layers)
            and isinstance(layer._layers[0], InputLayer))


def functional_config(model):
    """tf-keras functional config of `model`: its layers with their inbound
    nodes, its input_layers and output_layers as [layer name, node index,
    tensor index]."""
    with shared_object_scope("saving"):
        conversion = {}
        for layer in model._layers:
            kept = 1 if should_skip_first_node(layer) else 0
            for node in layer._inbound_nodes:
                if node in model._network_nodes:
                    conversion[node] = kept
                    kept += 1
        layer_configs = []
        for layer in model._layers:
            inbound = [_serialize_node(node, conversion) for node in layer._inbound_nodes
                       if node in model._network_nodes and not node.is_input]
            config = serialize_layer(layer)
            config["name"] = layer.name
            config["inbound_nodes"] = inbound
            layer_configs.append(config)

    def coordinates(layer, node_index, tensor_index):
        return [layer.name, conversion[layer._inbound_nodes[node_index]], tensor_index]
    config = {"name": model.name, "trainable": model.trainable, "layers": layer_configs,
              "input_layers": [coordinates(layer, 0, 0) for layer in model._input_layers],
              "output_layers": [coordinates(*c) for c in model._output_coordinates]}
    # symbolic losses and metrics added to the model (add_loss, add_metric)
    for key, want_metric in (("added_losses", False), ("added_metrics", True)):
        entries = [coordinates(*t._keras_history) + ([name] if want_metric else [])
                   for t, name in model._terms if (name is not None) == want_metric]
        if entries:
            config[key] = entries
    return config


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
    coords = [[layer.name, conversion.get(layer._inbound_nodes[ni], 0), ti]
              for layer, ni, ti, _ in node.iterate_inbound()]
    keywords = getattr(node.layer, "call_tensor_keywords", None)
    if keywords and len(coords) > 1:
        # tf-keras's form for a layer called as layer(query, value=..., key=...)
        return [coords[0] + [dict(kwargs, **dict(zip(keywords, coords[1:])))]]
    return [c + [kwargs] for c in coords]


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
        for key, value in kwargs.items():
            # tf-keras writes a tensor passed by keyword (MultiHeadAttention's
            # value=, key=) as [layer name, node index, tensor index]
            if isinstance(value, list) and len(value) == 3 and value[0] in created \
                    and all(isinstance(v, int) for v in value[1:]):
                kwargs[key] = tensor_at(value)
                if kwargs[key] is None:
                    return False
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
        return endpoints_of(entries, key)

    def endpoints_of(entries, key):
        tensors = []
        for entry in entries:
            t = tensor_at(entry)
            if t is None:
                raise ValueError(f"Malformed model config: {key} entry {entry} "
                                 f"refers to a node that does not exist")
            tensors.append(t)
        return tensors
    terms = []
    for key in ("added_losses", "added_metrics"):
        for entry in config.get(key, []):
            if not isinstance(entry, list) or len(entry) not in (3, 4):
                raise ValueError(f"Malformed model config: {key} entry {entry!r} must "
                                 f"be [layer name, node index, tensor index(, name)]")
            name = entry[3] if key == "added_metrics" and len(entry) == 4 else None
            if key == "added_metrics" and not isinstance(name, str):
                raise ValueError(f"Malformed model config: {key} entry {entry} needs "
                                 f"a metric name")
            terms.append((endpoints_of([entry[:3]], key)[0], name))
    return endpoints("input_layers"), endpoints("output_layers"), terms
