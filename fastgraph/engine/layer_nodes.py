"""The Keras 2 accessors of a layer's calls: the inputs, outputs, shapes and
masks of each node, and of the layer when it was called once."""
from .node import unpack_singleton


class NodeAccess:
    """Mixin of Layer: what each recorded call (node) of the layer saw."""

    def _node_attr(self, node_index, fn, what):
        if not self._inbound_nodes:
            raise RuntimeError(f"The layer {self.name} has never been called and thus "
                               f"has no defined {what}.")
        if not 0 <= node_index < len(self._inbound_nodes):
            raise ValueError(f"Asked to get {what} at node {node_index}, but the layer "
                             f"has only {len(self._inbound_nodes)} inbound nodes.")
        return fn(self._inbound_nodes[node_index])

    @staticmethod
    def _node_inputs(node):
        return node.output_tensors if node.is_input else node.input_tensors

    def get_input_at(self, node_index):
        """Input tensor(s) of the call recorded as node `node_index`."""
        return self._node_attr(node_index,
                               lambda n: unpack_singleton(self._node_inputs(n)), "input")

    def get_output_at(self, node_index):
        """Output tensor(s) of the call recorded as node `node_index`."""
        return self._node_attr(node_index,
                               lambda n: unpack_singleton(n.output_tensors), "output")

    def get_input_shape_at(self, node_index):
        """Input shape(s) of node `node_index`."""
        return self._node_attr(node_index, lambda n: unpack_singleton(
            [t.shape for t in self._node_inputs(n)]), "input shape")

    def get_output_shape_at(self, node_index):
        """Output shape(s) of node `node_index`."""
        return self._node_attr(node_index, lambda n: unpack_singleton(
            [t.shape for t in n.output_tensors]), "output shape")

    def get_input_mask_at(self, node_index):
        """Symbolic input mask(s) of node `node_index` (None if unmasked)."""
        return self._node_attr(node_index, lambda n: unpack_singleton(
            [t._keras_mask for t in self._node_inputs(n)]), "input mask")

    def get_output_mask_at(self, node_index):
        """Symbolic output mask(s) of node `node_index` (None if unmasked)."""
        return self._node_attr(node_index, lambda n: unpack_singleton(
            [t._keras_mask for t in n.output_tensors]), "output mask")

    def _single_node(self, what, method):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no {what} "
                                 f"to return.")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(f'Layer "{self.name}" has multiple inbound nodes, '
                                 f'hence the notion of "layer {what}" is ill-defined. '
                                 f'Use `{method}(node_index)` instead.')

    @property
    def input(self):
        """The input tensor(s), for a layer called exactly once."""
        self._single_node("input", "get_input_at")
        return self.get_input_at(0)

    @property
    def output(self):
        """The output tensor(s), for a layer called exactly once."""
        self._single_node("output", "get_output_at")
        return self.get_output_at(0)

    @property
    def input_mask(self):
        """The symbolic input mask(s), for a layer called exactly once."""
        self._single_node("input mask", "get_input_mask_at")
        return self.get_input_mask_at(0)

    @property
    def output_mask(self):
        """The symbolic output mask(s), for a layer called exactly once."""
        self._single_node("output mask", "get_output_mask_at")
        return self.get_output_mask_at(0)

    def _shared_shape(self, attr, what, method):
        if not self._inbound_nodes:
            raise AttributeError(f'The layer "{self.name}" has never been called and '
                                 f'thus has no defined {what}.')
        shapes = [getattr(n, attr) for n in self._inbound_nodes]
        if any(s != shapes[0] for s in shapes[1:]):
            raise AttributeError(f'The layer "{self.name}" has multiple inbound nodes, '
                                 f'with different {what}s. Hence the notion of '
                                 f'"{what}" is ill-defined for the layer. Use '
                                 f'`{method}(node_index)` instead.')
        return shapes[0]

    @property
    def input_shape(self):
        """Input shape(s), when every call of the layer agrees on them."""
        return self._shared_shape("input_shapes", "input shape", "get_input_shape_at")

    @property
    def output_shape(self):
        """Output shape(s), when every call of the layer agrees on them."""
        return self._shared_shape("output_shapes", "output shape", "get_output_shape_at")

    @property
    def inbound_nodes(self):
        """The nodes recording this layer's calls, in call order."""
        return self._inbound_nodes

    @property
    def outbound_nodes(self):
        """The nodes of calls that consumed this layer's outputs."""
        return self._outbound_nodes
