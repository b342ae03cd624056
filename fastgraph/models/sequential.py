"""Sequential: a linear stack of layers, a functional model once its input
shape is known."""
import warnings

from ..engine.input_layer import Input, InputLayer
from ..engine.layer import Layer, unique_name
from ..engine.node import KerasTensor, flatten
from ..engine.serialization import deserialize_layer, serialize_layer, shared_object_scope
from .model import Model

_SINGLE_OUTPUT = ("All layers in a Sequential model should have a single output "
                  "tensor. For multi-output layers, use the functional API.")


class Sequential(Model):
    """`Sequential(layers=None, name=None)`: layers applied one after the
    other.  The graph is built as soon as the input shape is known: from the
    first layer's `input_shape=` / `batch_input_shape=` / `input_dim=`, an
    Input added first, `build(input_shape)`, or the first call."""

    _config_class_name = "Sequential"
    inputs = outputs = input_names = output_names = None   # until built

    def __init__(self, layers=None, name=None):
        Layer.__init__(self, name=name or unique_name("sequential"))
        self.supports_masking = True
        self._input_tensor = None     # the graph's input, once known
        self._explicit_input = False  # an Input/InputLayer was added by the user
        self._stack_outputs = []      # output of each layer of the stack
        self._add_all(layers or [])

    @property
    def layers(self):
        """The stacked layers (the InputLayer excluded, as tf-keras)."""
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def add(self, layer):
        """Stack `layer` on top (an Input tensor or InputLayer may come first)."""
        self._add_all([layer])

    def _add_all(self, layers):
        """Stack `layers` in order, each called as it comes, and map the graph
        once at the end: mapping it after each layer would make building
        (and loading) a long stack quadratic."""
        stack = self.layers
        names = {other.name: other for other in stack}
        connected = len(self._stack_outputs)
        try:
            for layer in layers:
                layer = _as_layer(layer)
                if names.get(layer.name, layer) is not layer:
                    raise ValueError(f"All layers added to a Sequential model should "
                                     f"have unique names. Name \"{layer.name}\" is "
                                     f"already the name of a layer in this model. "
                                     f"Update the `name` argument to pass a unique name.")
                if isinstance(layer, InputLayer):
                    if stack or self._input_tensor is not None:
                        raise ValueError(f'Sequential "{self.name}": an Input can only '
                                         f'be the first layer')
                    self._input_tensor = layer._inbound_nodes[0].output_tensors[0]
                    self._explicit_input = True
                    self._layers = [layer]
                    continue
                first = _innermost_first(layer)
                if not stack and self._input_tensor is None and first._batch_input_shape:
                    self._input_tensor = Input(batch_shape=first._batch_input_shape,
                                               dtype=_input_dtype(first),
                                               name=layer.name + "_input")
                if self._input_tensor is None:
                    self._layers = stack + [layer]
                else:
                    self._call_on_top(layer)
                stack.append(layer)
                names[layer.name] = layer
        finally:
            if len(self._stack_outputs) > connected:
                self._init_graph(self._input_tensor, self._stack_outputs[-1])

    def _call_on_top(self, layer):
        x = layer(self._stack_outputs[-1] if self._stack_outputs else self._input_tensor)
        if len(flatten(x)) != 1:
            raise ValueError(_SINGLE_OUTPUT)
        self._stack_outputs.append(x)

    def _connect(self, stack, start):
        """Call stack[start:] on the current output and rebuild the graph."""
        for layer in stack[start:]:
            self._call_on_top(layer)
        self._init_graph(self._input_tensor, self._stack_outputs[-1])

    def pop(self):
        """Remove the last layer."""
        stack = self.layers
        if not stack:
            raise TypeError("There are no layers in the model.")
        stack.pop()
        if self._stack_outputs:
            self._stack_outputs.pop()
            if stack:
                stack[-1]._outbound_nodes = []
        if self._stack_outputs:
            self._init_graph(self._input_tensor, self._stack_outputs[-1])
        else:
            self._reset(stack)

    def _reset(self, stack):
        """Back to a model without a graph (no layer left to connect); an
        Input the user added stays."""
        if not self._explicit_input:
            self._input_tensor = None
        keep = [self._input_tensor._keras_history.layer] if self._input_tensor else []
        self._layers = keep + stack
        self.built = False
        for attr in ("inputs", "outputs", "input_names", "output_names"):
            self.__dict__.pop(attr, None)

    def build(self, input_shape=None):
        """Build the graph for inputs of `input_shape` (batch axis first)."""
        self._maybe_build(input_shape)

    def _maybe_build(self, input_shapes, input_dtypes=None):
        if self.built:
            return
        if input_shapes is None:
            raise ValueError("You must provide an `input_shape` argument.")
        stack = self.layers
        if not stack:
            raise ValueError(f'Sequential "{self.name}" has no layers to build')
        created = self._input_tensor is None
        if created:
            dtype = input_dtypes if isinstance(input_dtypes, str) else None
            self._input_tensor = Input(batch_shape=(None,) + tuple(input_shapes)[1:],
                                       dtype=dtype or _input_dtype(_innermost_first(stack[0])),
                                       name=stack[0].name + "_input")
        self._stack_outputs = []
        try:
            self._connect(stack, 0)
        except Exception:
            self._stack_outputs = []
            if created:
                self._input_tensor = None
            raise

    def _to_tensors(self, inputs):
        if not self.built:
            return Layer._to_tensors(self, inputs)
        return super()._to_tensors(inputs)

    def get_config(self):
        """{'name', 'layers': [layer configs, the InputLayer first if any]}."""
        with shared_object_scope("saving"):
            return {"name": self.name, "layers": [serialize_layer(layer)
                                                  for layer in self._layers]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if isinstance(config, list):            # Keras 2.0 stored only the layers
            config = {"layers": config}
        model = cls(name=config.get("name"))
        with shared_object_scope("loading"):
            model._add_all([deserialize_layer(layer_config, custom_objects)
                            for layer_config in config["layers"]])
        if not model.built and config.get("build_input_shape"):
            model.build(config["build_input_shape"])
        return model

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Keras 2's name of `predict` for probability outputs (deprecated:
        use `predict`); warns when an output leaves [0, 1]."""
        warnings.warn("Sequential.predict_proba() is deprecated (Keras 2.6 removed "
                      "it): use model.predict(x) instead", DeprecationWarning,
                      stacklevel=2)
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        if preds.size and (preds.min() < 0.0 or preds.max() > 1.0):
            warnings.warn("Sequential.predict_proba: the network returns values "
                          "outside [0, 1], not probabilities (is the last activation "
                          "a softmax or a sigmoid?)", RuntimeWarning, stacklevel=2)
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Keras 2's class predictions (deprecated): the argmax of a
        multi-class output, or `output > 0.5` as int32 for one unit."""
        warnings.warn("Sequential.predict_classes() is deprecated (Keras 2.6 removed "
                      "it): use np.argmax(model.predict(x), axis=-1) for multi-class "
                      "classification (a softmax output), or "
                      "(model.predict(x) > 0.5).astype('int32') for binary "
                      "classification (a sigmoid output)", DeprecationWarning,
                      stacklevel=2)
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")


def _as_layer(layer):
    """`layer`, or the InputLayer of an Input tensor; TypeError otherwise."""
    if isinstance(layer, KerasTensor) and layer._keras_history is not None \
            and isinstance(layer._keras_history.layer, InputLayer):
        layer = layer._keras_history.layer
    if not isinstance(layer, Layer):
        raise TypeError(f"The added layer must be an instance of class Layer. "
                        f"Received: layer={layer!r} of type {type(layer).__name__}.")
    return layer


def _innermost_first(layer):
    """The layer that first sees a (possibly nested) model's input."""
    while layer._is_graph and layer._layers:
        layer = layer._layers[0]
    return layer


def _input_dtype(layer):
    """The dtype of an Input created in front of `layer`: its `_input_dtype`
    (Embedding asks for int32) or else the layer's dtype."""
    return getattr(layer, "_input_dtype", None) or layer.dtype
