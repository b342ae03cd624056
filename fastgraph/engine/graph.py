"""The graph of a functional model: the nodes between its inputs and
outputs, their depths, and its layers in tf-keras's order."""
import collections


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
    counts = collections.Counter(layer.name for layer in layers)
    for name, count in counts.items():
        if count != 1:
            raise ValueError(f'The name "{name}" is used {count} times in '
                             f'the model. All layer names should be unique.')
    return set(nodes_depths), dict(nodes_by_depth), layers
