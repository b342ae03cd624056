"""Subclassed models: `class M(Model)` with layers made in `__init__` and a
`call(self, inputs, training=None, mask=None)` that runs eagerly on the
tape, as tf-keras's subclassed models do.

`Model(...)` without inputs and outputs makes such a model: a layer (not a
graph) whose weights are those of the layers, lists and dicts of layers
and nested models assigned to its attributes (engine.layer tracks them).
It is built by its first call or by `build(input_shape)` (a call on zero
arrays); the training API learns its inputs and outputs from that first
call: their number, structure (one array, a list, a dict) and ranks, under
tf-keras's names ('input_1', ..., 'output_1', ...).  Functional models
take every method here from the engine unchanged.
"""
import functools

import numpy as np

from ..autodiff import Tensor, as_array, no_grad
from ..engine.functional import Functional
from ..engine.layer import Layer, infer_by_dummy_call, is_shape
from ..engine.node import KerasTensor, flatten

_SUBCLASS_KWARGS = ("name", "trainable", "dtype", "dynamic", "autocast")


def _leaf(x):
    return isinstance(x, (Tensor, np.ndarray)) or np.isscalar(x)


class SubclassedModel:
    """Model's behaviour without a graph; mixed in before the engine."""

    def __init_subclass__(cls, **kwargs):
        """A user's own `build` marks the model built when it returns, even
        called directly: the first call must not build (and create the
        weights) a second time."""
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is None or cls.__module__.startswith("fastgraph."):
            return

        @functools.wraps(build)
        def build_once(self, input_shape=None, *args, **kw):
            result = build(self, input_shape, *args, **kw)
            if not self._is_graph:
                self.built = True
                if self._build_input_shape is None:
                    self._build_input_shape = input_shape
            return result
        cls.build = build_once

    def _init_subclassed(self, kwargs):
        unknown = sorted(set(kwargs) - set(_SUBCLASS_KWARGS))
        if unknown:
            raise TypeError(f"{type(self).__name__}: Model.__init__ takes inputs and "
                            f"outputs (a functional model) or only {_SUBCLASS_KWARGS[:3]} "
                            f"(a subclassed model); got {unknown}")
        Layer.__init__(self, name=kwargs.get("name"), dtype=kwargs.get("dtype"),
                       trainable=kwargs.get("trainable", True))
        self._is_graph = False
        self._in_build = False
        self._input_structure = None     # None, 'list', 'tuple' or dict keys
        self._build_input_shape = None
        self._network_nodes, self._nodes_by_depth = set(), {}
        self.inputs = self.outputs = self.input_names = self.output_names = None

    def __setattr__(self, name, value):
        if isinstance(value, Layer) and "_layers" not in self.__dict__:
            raise RuntimeError(f"It looks like you are subclassing `Model` and you "
                               f"forgot to call `super().__init__()` before assigning "
                               f"the layer {name!r}: always start __init__ with it")
        super().__setattr__(name, value)

    # ------------------------------------------------------------- calls
    def __call__(self, inputs, *args, **kwargs):
        if self._is_graph:
            return super().__call__(inputs, *args, **kwargs)
        if type(self).call is Functional.call:
            raise TypeError(f"{type(self).__name__}: a subclassed Model must define "
                            f"call(self, inputs, training=None, mask=None)")
        outputs = Layer.__call__(self, inputs, *args, **kwargs)
        if self.outputs is None and not any(isinstance(x, KerasTensor)
                                            for x in flatten(inputs)):
            self._record_io(inputs, outputs)
        return outputs

    def _record_io(self, inputs, outputs):
        """The inputs' and outputs' names and specs (ranks, dtypes), as the
        training API reads them, from the first eager call."""
        if isinstance(inputs, dict):
            self._input_structure, names = tuple(inputs), list(inputs)
            flat_in = [inputs[k] for k in names]
        elif isinstance(inputs, (list, tuple)) and not _leaf(inputs):
            self._input_structure = type(inputs).__name__
            flat_in = list(inputs)
            names = [f"input_{i + 1}" for i in range(len(flat_in))]
        else:
            flat_in, names = [inputs], ["input_1"]
        specs = []
        for x in flat_in:
            a = as_array(x)
            dtype = self.dtype if a.dtype.kind == "f" else str(a.dtype)
            specs.append(KerasTensor((None,) * a.ndim, dtype, f"{self.name}/{len(specs)}"))
        flat_out = self._flat_outputs(outputs)
        out_names = list(outputs) if isinstance(outputs, dict) else \
            [f"output_{i + 1}" for i in range(len(flat_out))]
        self.input_names, self.inputs = names, specs
        self.output_names = out_names
        self.outputs = [KerasTensor((None,) + tuple(as_array(o).shape[1:]),
                                    str(as_array(o).dtype), name)
                        for o, name in zip(flat_out, out_names)]

    def _pack_inputs(self, items):
        """A list of input arrays or Tensors in the structure `call` takes."""
        if self._is_graph or self._input_structure is None:
            return items[0] if len(items) == 1 else list(items)
        if isinstance(self._input_structure, tuple):
            return dict(zip(self._input_structure, items))
        return tuple(items) if self._input_structure == "tuple" else list(items)

    def _flat_outputs(self, outputs):
        """The model's outputs (a Tensor, a list, or a dict by name) as a list."""
        if isinstance(outputs, dict):
            names = self.output_names or list(outputs)
            return [outputs[k] for k in names]
        return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

    def _to_tensors(self, inputs):
        if self._is_graph:
            return super()._to_tensors(inputs)
        if isinstance(inputs, dict):
            return {k: Layer._to_tensors(self, v) for k, v in inputs.items()}
        if isinstance(inputs, (list, tuple)) and not _leaf(inputs):
            return type(inputs)(Layer._to_tensors(self, v) for v in inputs)
        return Layer._to_tensors(self, inputs)

    # ------------------------------------------------------------ build
    def _maybe_build(self, input_shapes, input_dtypes=None):
        if self._is_graph or self.built:
            return super()._maybe_build(input_shapes, input_dtypes)
        self._build_input_shape = input_shapes
        if type(self).build is not SubclassedModel.build:
            self._in_build = True
            try:
                self.build(input_shapes)
            finally:
                self._in_build = False
        self.built = True

    def build(self, input_shape=None):
        """Build the model for inputs of `input_shape` (a shape tuple, batch
        first, or a list of them): one call on zero arrays creates the
        weights of every layer."""
        if self._is_graph:
            return super().build(input_shape)
        if self._in_build:              # super().build() from a user's build
            return
        if input_shape is None or not (is_shape(input_shape) or all(
                is_shape(s) for s in input_shape)):
            raise ValueError(f'{type(self).__name__} "{self.name}": build() needs the '
                             f'input shape, batch axis first (None for any size): '
                             f'a tuple or a list of tuples, got {input_shape!r}')
        shapes = tuple(input_shape) if is_shape(input_shape) else \
            [tuple(s) for s in input_shape]
        dtypes = self.dtype if is_shape(shapes) else [self.dtype] * len(shapes)
        self.built = True       # the call below must not build the model again
        self._build_input_shape = shapes
        infer_by_dummy_call(lambda x: self(x, training=False), shapes, dtypes, self.name)

    def get_build_config(self):
        """{'input_shape': ...} of the first build (None before it), which
        a saved file holds so that loading can build the model."""
        if self._is_graph or self._build_input_shape is None:
            return None
        return {"input_shape": self._build_input_shape}

    def build_from_config(self, config):
        """Build from `get_build_config()` output."""
        self.build(config["input_shape"])

    def _build_from_data(self, x):
        """The first data fit/evaluate/predict see builds a subclassed
        model: a call on its first sample."""
        if self._is_graph:
            return super()._build_from_data(x)
        if self.outputs is not None:
            return
        if isinstance(x, dict):
            first = {k: np.asarray(as_array(v))[:1] for k, v in x.items()}
        elif isinstance(x, (list, tuple)) and x and all(_leaf(v) for v in x) \
                and not np.isscalar(x[0]):
            first = type(x)(np.asarray(as_array(v))[:1] for v in x)
        else:
            first = np.asarray(as_array(x))[:1]
        with no_grad():
            self(first, training=False)

    def _require_compiled(self, what):
        if not self._is_graph and self.outputs is None and self._compile_config:
            return      # resolved when the first batch has built the model
        super()._require_compiled(what)

    # --------------------------------------------------------- running
    def _predict_arrays(self, xs, training=False):
        if self._is_graph and not self._overrides("predict_step"):
            return super()._predict_arrays(xs, training)
        with no_grad():
            if self._overrides("predict_step"):
                out = self.predict_step(self._pack_inputs(xs))
            else:
                out = self(self._pack_inputs([Tensor(x) for x in xs]), training=training)
        return [np.asarray(as_array(o)) for o in self._flat_outputs(out)]

    def _checked_inputs(self, x):
        return super()._checked_inputs(x) if self._is_graph else None

    def compute_output_shape(self, input_shape):
        if self._is_graph:
            return super().compute_output_shape(input_shape)
        return Layer.compute_output_shape(self, input_shape)

    def compute_mask(self, inputs, mask=None):
        if self._is_graph:
            return super().compute_mask(inputs, mask)
        return Layer.compute_mask(self, inputs, mask)

    def _creates_masks(self):
        return super()._creates_masks() if self._is_graph else Layer._creates_masks(self)

    def _set_symbolic_masks(self, inputs, flat, outputs):
        if self._is_graph:
            return super()._set_symbolic_masks(inputs, flat, outputs)
        return Layer._set_symbolic_masks(self, inputs, flat, outputs)

    def _compute_output_dtype(self, input_dtypes):
        if self._is_graph:
            return super()._compute_output_dtype(input_dtypes)
        return self.dtype

    # -------------------------------------------------------- structure
    @property
    def weights(self):
        """Each layer's weights in layer order, then the model's own."""
        if self._is_graph:
            return super().weights
        out = list(Functional.weights.fget(self))
        out += [w for w in self._trainable_weights + self._non_trainable_weights
                if all(w is not o for o in out)]
        return out

    @property
    def input(self):
        """The input tensor(s) of the model (of its one call, when
        subclassed)."""
        return super().input if self._is_graph else Layer.input.fget(self)

    @property
    def output(self):
        """The output tensor(s) of the model (of its one call, when
        subclassed)."""
        return super().output if self._is_graph else Layer.output.fget(self)

    @property
    def input_shape(self):
        """Shape(s) of the model's inputs."""
        return super().input_shape if self._is_graph else Layer.input_shape.fget(self)

    @property
    def output_shape(self):
        """Shape(s) of the model's outputs."""
        return super().output_shape if self._is_graph else Layer.output_shape.fget(self)

    # --------------------------------------------------------- configs
    def get_config(self):
        """The functional config, or for a subclassed model the base layer
        config (name, trainable, dtype): a subclass that takes other
        arguments returns them from its own get_config."""
        return super().get_config() if self._is_graph else Layer.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional model from its config, or for a user's subclassed
        model `cls(**config)`."""
        if cls.__module__.startswith("fastgraph.") or not isinstance(config, dict) \
                or "input_layers" in config:
            return super().from_config(config, custom_objects)
        return cls(**config)
