"""The Layer base class: weights, calls (symbolic and eager), nodes, losses."""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from .. import initializers, registry, regularizers
from ..autodiff import Tensor, Variable, floatx
from ..ops import elementwise as E
from .dtypes import dtype_name
from .input_spec import InputSpec, check_input_spec  # noqa: F401  (re-exported)
from .layer_utils import (_structure, infer_by_dummy_call, is_shape, map_shapes,  # noqa: F401
                          reset_uids, to_snake_case, unique_name)
from .layer_losses import CallScope, LossesMixin, current_training
from .layer_nodes import NodeAccess
from .node import KerasTensor, Node, flatten

def _dedup(weights):
    seen, out = set(), []
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


_SIGNATURES = {}


def _call_signature(cls):
    """(accepts `training`, accepts `mask`) for cls.call, cached per class."""
    sig = _SIGNATURES.get(cls)
    if sig is None:
        params = inspect.signature(cls.call).parameters
        varkw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        sig = ("training" in params or varkw, "mask" in params or varkw)
        _SIGNATURES[cls] = sig
    return sig


def _layer_items(value):
    """The layers of an attribute value that is a layer or a list, tuple or
    dict of layers (possibly empty); None for any other value."""
    items = list(value.values()) if isinstance(value, dict) else \
        value if isinstance(value, (list, tuple)) else (value,)
    return items if all(isinstance(v, Layer) for v in items) else None


def _track(owner, items):
    """Add the layers among `items` to `owner`'s sublayers (none while a
    copy of the owner is being made: its sublayers come with it)."""
    tracked = owner.__dict__.get("_layers")
    for v in items if tracked is not None else ():
        if isinstance(v, Layer) and v is not owner and all(v is not t for t in tracked):
            tracked.append(v)


class _TrackedList(list):
    """A list attribute of a layer: layers appended later are tracked too."""

    def append(self, item):
        _track(self._owner, [item])
        super().append(item)

    def extend(self, items):
        items = list(items)
        _track(self._owner, items)
        super().extend(items)

    def insert(self, index, item):
        _track(self._owner, [item])
        super().insert(index, item)

    def __setitem__(self, index, item):
        _track(self._owner, item if isinstance(index, slice) else [item])
        super().__setitem__(index, item)


class _TrackedDict(dict):
    """A dict attribute of a layer: layers stored later are tracked too."""

    def __setitem__(self, key, item):
        _track(self._owner, [item])
        super().__setitem__(key, item)

    def update(self, *args, **kwargs):
        other = dict(*args, **kwargs)
        _track(self._owner, list(other.values()))
        super().update(other)

    def setdefault(self, key, default=None):
        if key not in self:
            _track(self._owner, [default])
        return super().setdefault(key, default)


_ALLOWED_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim",
                   "weights", "activity_regularizer"}


class Layer(LossesMixin, NodeAccess):
    """Base class of every layer (Keras 2 contract).

    Subclasses implement:
      - `__init__(self, <args>, **kwargs)`: store the arguments, then
        `super().__init__(**kwargs)` (name, trainable, dtype, input_shape,
        batch_input_shape, batch_size, input_dim, weights,
        activity_regularizer).  Set `self.supports_masking = True` when the
        layer passes masks through (or computes them).
      - `build(self, input_shape)`: create weights with `self.add_weight`;
        optionally set `self.input_spec` (an InputSpec or a list of them,
        checked on every later call).  `input_shape` is one shape tuple (batch
        first, None for unknown sizes) or a list of them.  Called once, before
        the first call; `built` is set afterwards.
      - `call(self, inputs, training=None, mask=None)`: the forward pass on
        autodiff Tensors with differentiable ops; `inputs` is a Tensor or a
        list of Tensors.  Declare `training` and/or `mask` only if they are
        needed: each is passed only when `call` accepts it (or **kwargs).
        `training` is True, False or None (treat None as False).  Masks are
        boolean NumPy arrays or None.  Return a Tensor or a list of Tensors.
      - `compute_output_shape(self, input_shape)`: output shape(s) with the
        same conventions, without computing anything (symbolic calls use it).
        The default calls the layer on small zero arrays to find out.
      - `compute_mask(self, inputs, mask=None)`: the output mask(s) (only
        called when supports_masking); the default passes `mask` through.
      - `get_config(self)`: `super().get_config()` updated with the
        constructor arguments, JSON-friendly (initializers etc. serialized);
        `from_config(config)` is `cls(**config)` unless overridden.
    Optional hooks: `_compute_output_dtype(input_dtypes)` (default the
    layer's dtype; layers that only move values return the input dtype);
    a class attribute `_input_dtype` (the dtype of the Input that Sequential
    puts in front of the layer, e.g. 'int32'); wrappers build an inner layer
    with `inner._maybe_build(input_shape)`.
    Calling a layer on symbolic tensors builds it, infers output shapes and
    records a Node; calling it on arrays or Tensors computes eagerly (NumPy
    float arrays are cast to the layer's dtype, integer arrays and Tensors
    pass unchanged).  Layer-valued attributes (and lists, tuples and
    dicts of layers, nested models included) are tracked as sublayers:
    their weights and losses are the layer's too.
    """

    _spec_passed = None     # (input_spec, shapes, dtypes) of the last checked eager call
    _is_graph = False       # a functional model (a plan of layer calls) is one

    def __init__(self, trainable: bool = True, name: Optional[str] = None,
                 dtype: Union[str, np.dtype, None] = None, **kwargs: Any) -> None:
        unknown = set(kwargs) - _ALLOWED_KWARGS
        if unknown:
            raise TypeError(f"{type(self).__name__}: keyword argument(s) not "
                            f"understood: {sorted(unknown)}")
        self._layers = []
        self._trainable_weights, self._non_trainable_weights = [], []
        self._regularized, self._loss_fns, self._call_losses = [], [], None
        self._inbound_nodes, self._outbound_nodes = [], []
        if name is None:
            name = unique_name(to_snake_case(type(self).__name__))
        elif not isinstance(name, str) or not name:
            raise TypeError(f"{type(self).__name__}: name must be a non-empty "
                            f"string, got {name!r}")
        self.name = name
        self._trainable = bool(trainable)
        if isinstance(dtype, dict):            # a tf-keras dtype policy config
            dtype = dtype.get("config", {}).get("name")
        self.dtype = dtype_name(dtype or floatx())
        self.built = False
        self.supports_masking = False
        self.input_spec = None
        self._dtypes_hint = None   # input dtypes during a symbolic call
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self._initial_weights = kwargs.get("weights")
        self._batch_input_shape = None
        if "input_dim" in kwargs and "input_shape" not in kwargs:
            kwargs["input_shape"] = (kwargs["input_dim"],)
        if kwargs.get("batch_input_shape") is not None:
            self._batch_input_shape = tuple(kwargs["batch_input_shape"])
        elif kwargs.get("input_shape") is not None:
            self._batch_input_shape = ((kwargs.get("batch_size"),)
                                       + tuple(kwargs["input_shape"]))
        self._call_accepts_training, self._call_accepts_mask = \
            _call_signature(type(self))

    def __init_subclass__(cls, **kwargs):
        """fastgraph's own layer classes join the registry as they are defined,
        under the name their configs carry."""
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("fastgraph.") and not cls.__name__.startswith("_"):
            registry.register_builtin(
                "layer", cls, cls.__dict__.get("_config_class_name", cls.__name__))

    def __setattr__(self, name, value):
        tracked = self.__dict__.get("_layers")
        if tracked is not None and name != "_layers":
            items = _layer_items(value)
            if items is not None:
                _track(self, items)
                # a public list or dict of layers keeps tracking what is added later
                if type(value) in (list, dict) and not name.startswith("_"):
                    value = (_TrackedList if type(value) is list else _TrackedDict)(value)
                    value._owner = self
        object.__setattr__(self, name, value)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # ------------------------------------------------------ to override
    def build(self, input_shape: Any) -> None:
        """Create the weights for inputs of `input_shape` (base: nothing)."""
        self.built = True

    def call(self, inputs, **kwargs):
        """The forward computation (base: identity)."""
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape(s) for `input_shape`, found by a call on zero arrays
        unless a subclass computes it directly."""
        dtypes = self._dtypes_hint
        if dtypes is None or is_shape(input_shape) != isinstance(dtypes, str):
            dtypes = map_shapes(lambda s: self.dtype, input_shape)
        kwargs = {"training": False} if self._call_accepts_training else {}
        with CallScope():       # what call() adds with add_loss/add_metric is dropped
            out = infer_by_dummy_call(lambda x: self.call(x, **kwargs), input_shape,
                                      dtypes, self.name)
        return [o[0] for o in out] if isinstance(out, list) else out[0]

    def compute_mask(self, inputs, mask=None):
        """Output mask(s): `mask` itself when the layer supports masking."""
        return mask if self.supports_masking else None

    # True in subclasses whose compute_mask returns None when no input has a
    # mask: graph building then skips the dummy call that computes masks.
    _mask_only_from_masks = False

    def _creates_masks(self):
        """True when the layer may produce an output mask from unmasked
        inputs (wrappers ask, to know whether to compute masks)."""
        return (self.supports_masking and not self._mask_only_from_masks
                and type(self).compute_mask is not Layer.compute_mask)

    def get_config(self) -> dict:
        """Constructor arguments: name, trainable, dtype (+ subclass args)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        """A new layer from `get_config()` output."""
        return cls(**config)

    # ---------------------------------------------------------- weights
    def add_weight(self, name: Optional[str] = None,
                   shape: Optional[Sequence[int]] = None,
                   dtype: Union[str, np.dtype, None] = None, initializer: Any = None,
                   regularizer: Any = None, trainable: bool = True,
                   constraint: Optional[Callable] = None) -> Variable:
        """Create, track and return a Variable of `shape`, filled by
        `initializer` (glorot_uniform for floats, zeros otherwise);
        `regularizer(variable)` then joins `losses`.  Inside a
        WeightCreationScope (loading) the initializer is not called: the
        weight is a budgeted zero array that the loader fills."""
        from .weight_scope import current_scope
        shape = () if shape is None else tuple(shape)
        if any(d is None or int(d) < 0 for d in shape):
            raise ValueError(f'Layer "{self.name}": weight {name!r} needs a fully '
                             f'known shape, got {shape}')
        dtype = np.dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        init = initializers.get(initializer)
        scope = current_scope()
        if scope is not None:
            value = scope.allocate(self.name, name, shape, dtype)
        else:
            value = np.asarray(init(shape, dtype=dtype), dtype=dtype)
        if value.shape != shape:
            raise ValueError(f'Layer "{self.name}": the initializer of weight {name!r} '
                             f'returned shape {value.shape}, expected {shape}')
        # fresh arrays (fastgraph's initializers', the scope's) are adopted uncopied
        var = Variable(value, dtype=dtype, name=f"{self.name}/{name}:0",
                       trainable=trainable, constraint=constraint,
                       copy=scope is None and not isinstance(init, initializers.Initializer))
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        regularizer = regularizers.get(regularizer)
        if regularizer is not None:
            self._regularized.append((regularizer, var))
        return var

    @property
    def trainable(self):
        """Whether the optimizer updates the weights; setting it applies to
        every sublayer too."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        for layer in self._flatten_layers():
            layer._trainable = bool(value)

    @property
    def trainable_weights(self) -> list:
        """Weights the optimizer updates (none when not trainable)."""
        if not self._trainable:
            return []
        weights = list(self._trainable_weights)
        for layer in self._layers:
            weights += layer.trainable_weights
        return _dedup(weights)

    @property
    def non_trainable_weights(self) -> list:
        """Weights the optimizer leaves alone (all, when not trainable)."""
        if self._trainable:
            weights = list(self._non_trainable_weights)
            for layer in self._layers:
                weights += layer.non_trainable_weights
        else:
            weights = self._trainable_weights + self._non_trainable_weights
            for layer in self._layers:
                weights += layer.weights
        return _dedup(weights)

    @property
    def weights(self) -> list:
        """Trainable then non-trainable weights, each in creation order."""
        return _dedup(self.trainable_weights + self.non_trainable_weights)

    def get_weights(self) -> list:
        """Copies of the weights as NumPy arrays, in `weights` order."""
        return [np.array(w.data) for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Assign arrays to the weights, in `weights` order (all shapes are
        checked before anything is written)."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(f'You called `set_weights(weights)` on layer "{self.name}" '
                             f'with a weight list of length {len(weights)}, but the '
                             f'layer was expecting {len(params)} weights.')
        arrays = []
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if w.shape != p.shape:
                raise ValueError(f'Layer "{self.name}" weight {p.name!r} has shape '
                                 f'{p.shape}, which is not compatible with the '
                                 f'provided weight shape {w.shape}.')
            arrays.append(w)
        for p, w in zip(params, arrays):
            p.assign(w)

    def count_params(self) -> int:
        """Number of scalars in the weights (the layer must be built)."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name}, "
                             f"but the layer isn't built. You can build it manually "
                             f"via: `{self.name}.build(batch_input_shape)`.")
        return int(sum(math.prod(w.shape) for w in self.weights))

    def _flatten_layers(self, include_self=True):
        """This layer and all its sublayers, each once, depth first."""
        seen, stack, out = set(), [self], []
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if layer is not self or include_self:
                out.append(layer)
            stack.extend(reversed(layer._layers))
        return out

    # ---------------------------------------------------------- calling
    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        flat = flatten(inputs)
        n_symbolic = sum(isinstance(x, KerasTensor) for x in flat)
        if n_symbolic:
            if n_symbolic != len(flat):
                raise TypeError(f'Layer "{self.name}" was called on a mix of symbolic '
                                f'tensors and concrete values; the functional API '
                                f'expects only symbolic tensors (from Input or a '
                                f'layer call)')
            return self._symbolic_call(inputs, flat, args, kwargs)
        return self._eager_call(inputs, args, kwargs)

    def _maybe_build(self, input_shapes, input_dtypes=None):
        if not self.built:
            self.build(input_shapes)
            self.built = True
            if self._initial_weights is not None:
                weights, self._initial_weights = self._initial_weights, None
                self.set_weights(weights)

    def _call_kwargs(self, kwargs):
        if "training" in kwargs and not self._call_accepts_training:
            kwargs.pop("training")
        if "mask" in kwargs and not self._call_accepts_mask:
            kwargs.pop("mask")
        return kwargs

    def _symbolic_call(self, inputs, flat, args, kwargs):
        for value in list(args) + list(kwargs.values()):
            if any(isinstance(x, KerasTensor) for x in flatten(value)):
                raise TypeError(f'Layer "{self.name}": symbolic tensors can only be '
                                f'passed as the first argument (inputs) of a layer call')
        shapes = _structure(inputs, lambda t: t.shape)
        dtypes = _structure(inputs, lambda t: t.dtype)
        self._maybe_build(shapes, dtypes)
        if self.input_spec is not None:
            check_input_spec(self.input_spec, [t.shape for t in flat],
                             [t.dtype for t in flat], self.name)
        self._dtypes_hint = dtypes
        try:
            out_shapes = self.compute_output_shape(shapes)
        finally:
            self._dtypes_hint = None
        out_dtypes = self._compute_output_dtype(dtypes)
        node_index = len(self._inbound_nodes)
        if is_shape(out_shapes):
            dtype = out_dtypes[0] if isinstance(out_dtypes, list) else out_dtypes
            outputs = KerasTensor(out_shapes, dtype, f"{self.name}/{node_index}:0")
        else:
            if not isinstance(out_dtypes, list):
                out_dtypes = [out_dtypes] * len(out_shapes)
            outputs = [KerasTensor(s, d, f"{self.name}/{node_index}:{j}")
                       for j, (s, d) in enumerate(zip(out_shapes, out_dtypes))]
        self._set_symbolic_masks(inputs, flat, outputs)
        Node(self, inputs, outputs, args, self._call_kwargs(dict(kwargs)))
        return outputs

    def _compute_output_dtype(self, input_dtypes):
        """Dtype(s) of the outputs for inputs of `input_dtypes` (the
        layer's dtype unless a subclass knows better)."""
        return self.dtype

    def _set_symbolic_masks(self, inputs, flat, outputs):
        """Attach symbolic masks (bool KerasTensors) to `outputs`: the
        inputs' masks for the default compute_mask, none when no input has
        a mask and the layer only derives masks from masks, otherwise the
        shapes of what compute_mask returns on zero arrays of the input
        shapes."""
        if not self.supports_masking:
            return
        out_flat = flatten(outputs)
        in_masks = [t._keras_mask for t in flat]
        if type(self).compute_mask is Layer.compute_mask:
            masks = in_masks if len(in_masks) == len(out_flat) else [None] * len(out_flat)
        elif self._mask_only_from_masks and all(m is None for m in in_masks):
            masks = [None] * len(out_flat)
        else:
            n, single = len(flat), not isinstance(inputs, (list, tuple))
            given = [m for m in in_masks if m is not None]

            def masks_of(args):
                xs, ms = args[:n], iter(args[n:])
                m_in = [None if m is None else next(ms).data for m in in_masks]
                if single:
                    m = self.compute_mask(xs[0], m_in[0])
                else:
                    m = self.compute_mask(xs, m_in if given else None)
                return None if m is None else _structure(m, np.asarray)
            described = infer_by_dummy_call(
                masks_of, [t.shape for t in flat] + [m.shape for m in given],
                [t.dtype for t in flat] + ["bool"] * len(given), self.name)
            described = described if isinstance(described, list) else [described]
            masks = [None if d is None else KerasTensor(d[0], "bool") for d in described]
        for t, m in zip(out_flat, masks):
            t._keras_mask = m

    def _to_tensors(self, inputs):
        def convert(x):
            if isinstance(x, Tensor):
                return x
            a = np.asarray(x)
            if a.dtype.kind == "f" and a.dtype != self.dtype \
                    and np.dtype(self.dtype).kind == "f":
                a = a.astype(self.dtype)
            return Tensor(a)
        if isinstance(inputs, (list, tuple)) and inputs and all(
                isinstance(x, (Tensor, np.ndarray)) for x in inputs):
            return [convert(x) for x in inputs]
        return convert(inputs)

    def _eager_call(self, inputs, args, kwargs):
        inputs = self._to_tensors(inputs)
        flat = flatten(inputs)
        if not self.built:
            self._maybe_build(_structure(inputs, lambda t: tuple(t.shape)),
                              _structure(inputs, lambda t: str(t.dtype)))
        if self.input_spec is not None:
            # a layer called again on inputs like the last ones needs no new check
            key = (self.input_spec, [t.shape for t in flat], [t.dtype for t in flat])
            if key != self._spec_passed:
                check_input_spec(self.input_spec, key[1], key[2], self.name)
                self._spec_passed = key
        training = kwargs.get("training")
        if training is None:
            training = current_training()
            if training is not None and self._call_accepts_training:
                kwargs["training"] = training
        with CallScope(training):
            return self._run(inputs, args, self._call_kwargs(kwargs))

    def _run(self, inputs, args, kwargs):
        """call() plus activity regularization: the path of every eager call,
        including each step of a model's execution plan."""
        outputs = self.call(inputs, *args, **kwargs)
        if self.activity_regularizer is not None:
            for out in flatten(outputs):
                penalty = self.activity_regularizer(out)
                if out.ndim:
                    penalty = E.multiply(penalty, 1.0 / out.shape[0])
                self.add_loss(penalty)
        return outputs

    def _inference_fn(self, input_dtype):
        """A function `(array(s), training) -> array` computing call() without
        the tape for inference plans, given the symbolic input dtype(s); None
        (the default) runs call() on Tensors instead.  Only for layers whose
        call takes no mask and adds no losses."""
        return None
