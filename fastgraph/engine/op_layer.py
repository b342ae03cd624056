"""Op nodes: a backend function, an operator, a slice, an activation or a
loss function applied to symbolic tensors becomes a layer call, as
tf-keras's TF-op layers do.

`OpLambda` holds the registered name of the function (the "op" kind of
fastgraph.registry) and its arguments as a template in which symbolic
tensors are numbered slots.  Like any layer it is traced by Functional,
runs in the training and inference plans, is differentiated through (its
function is made of differentiable ops), shows in `summary()` and is saved
by name and arguments: loading looks the name up in the registry and
decodes the template from plain JSON, nothing from the file is executed.
The engine registers `record` as the handler of `autodiff.symbolic`, so
the namespaces below it hand symbolic calls over without importing it.
"""
import inspect

import numpy as np

from .. import registry
from ..autodiff import Tensor, Variable, as_tensor, no_grad, symbolic
from .layer import Layer
from .layer_utils import unique_name
from .node import OPERATORS, KerasTensor

_MAX_INFERRED = 16   # largest integer tensor whose values shape inference tracks

for _name, _fn in OPERATORS.items():
    registry.register_builtin("op", _fn, _name)


# Arguments that take sizes: an integer tensor there is given as Python ints.
_SIZE_PARAMS = frozenset({"shape", "target_shape", "n", "rep", "num_classes",
                          "size", "axis", "pattern"})


class _Slot:
    """Where the i-th symbolic input (or captured variable) goes; `plain`:
    as Python int(s), the tensor being a size."""

    __slots__ = ("index", "variable", "plain")

    def __init__(self, index, variable=False, plain=False):
        self.index, self.variable, self.plain = index, variable, plain


def _plain(value):
    data = value.data if isinstance(value, Tensor) else np.asarray(value)
    return int(data) if data.ndim == 0 else tuple(int(v) for v in data)


def _encode(value, where, op_name, found, captured, nested=False):
    """`value` with symbolic tensors and variables replaced by slots;
    `found` gets (symbolic tensor, argument name) for each."""
    if isinstance(value, KerasTensor):
        if value._keras_history is None:
            raise TypeError(f"{op_name}: argument {where!r} is a symbolic tensor that "
                            f"no layer produced (use Input() or a layer's output)")
        found.append((value, where))
        size = np.dtype(value.dtype).kind in "iu" and value.ndim <= 1 and (
            (nested and value.ndim == 0) or where in _SIZE_PARAMS)
        return _Slot(len(found) - 1, plain=size)
    if isinstance(value, Variable):
        captured.append(value)
        return _Slot(len(captured) - 1, variable=True)
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise TypeError(f"{op_name}: argument {where!r} is a Tensor of another "
                            f"graph (computed eagerly from variables) mixed with "
                            f"symbolic tensors; build it from symbolic tensors too")
        return np.array(value.data)
    if isinstance(value, (list, tuple)):
        out = [_encode(v, f"{where}[{i}]", op_name, found, captured, True)
               for i, v in enumerate(value)]
        return tuple(out) if isinstance(value, tuple) else out
    if isinstance(value, dict):
        return {k: _encode(v, f"{where}[{k!r}]", op_name, found, captured)
                for k, v in value.items()}
    return value


def _fill(template, values, captured):
    if type(template) is _Slot:
        if template.variable:
            return captured[template.index]
        value = values[template.index]
        return _plain(value) if template.plain else value
    if type(template) is list:
        return [_fill(v, values, captured) for v in template]
    if type(template) is tuple:
        return tuple(_fill(v, values, captured) for v in template)
    if type(template) is dict:
        return {k: _fill(v, values, captured) for k, v in template.items()}
    return template


def _to_json(value, op_name):
    if type(value) is _Slot:
        if value.plain:
            return {"__size__": value.index}
        return {"__variable__" if value.variable else "__tensor__": value.index}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.name}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype) or (isinstance(value, type)
                                       and issubclass(value, np.generic)):
        return np.dtype(value).name
    if isinstance(value, slice):
        return {"__slice__": [_to_json(v, op_name) for v in
                              (value.start, value.stop, value.step)]}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v, op_name) for v in value]}
    if isinstance(value, list):
        return [_to_json(v, op_name) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v, op_name) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{op_name}: the argument {value!r} cannot be saved (only "
                    f"tensors, numbers, strings, arrays, slices and lists of them)")


def _from_json(value, where):
    """A template from its JSON form; ValueError for anything else."""
    if isinstance(value, list):
        return [_from_json(v, where) for v in value]
    if not isinstance(value, dict):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise ValueError(f"{where}: unexpected argument {value!r}")
    if len(value) == 1 and set(value) & {"__tensor__", "__variable__", "__size__"}:
        index = next(iter(value.values()))
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise ValueError(f"{where}: a tensor slot must be an index, got {index!r}")
        return _Slot(index, "__variable__" in value, "__size__" in value)
    if "__ndarray__" in value:
        return np.array(value["__ndarray__"], dtype=_dtype(value.get("dtype"), where))
    if "__slice__" in value:
        parts = value["__slice__"]
        if not isinstance(parts, list) or len(parts) != 3 or not all(
                p is None or isinstance(p, int) for p in parts):
            raise ValueError(f"{where}: a slice needs [start, stop, step] integers")
        return slice(*parts)
    if "__ellipsis__" in value:
        return Ellipsis
    if "__tuple__" in value:
        return tuple(_from_json(v, where) for v in value["__tuple__"])
    return {k: _from_json(v, where) for k, v in value.items()}


def _dtype(name, where):
    try:
        dtype = np.dtype(name)
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in "biuf":
        raise ValueError(f"{where}: unsupported array dtype {name!r}")
    return dtype


def _outputs(y):
    if isinstance(y, (list, tuple)):
        return [as_tensor(v) for v in y]
    return as_tensor(y)


def _dummy(shape, dtype, value, fill):
    """A stand-in input: zeros, or the known values of a shape tensor."""
    if value is not None:
        ndim, flat = value
        filled = np.array([fill if v is None else v for v in flat], dtype)
        return Tensor(filled.reshape(()) if ndim == 0 else filled)
    return Tensor(np.zeros(tuple(fill if d is None else d for d in shape), dtype))


def _describe(a, b, op_name):
    a, b = np.asarray(a.data), np.asarray(b.data)
    if a.ndim != b.ndim:
        raise ValueError(f"{op_name}: cannot infer the output shape: the rank changes "
                         f"with the input size ({a.shape} vs {b.shape})")
    shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
    value = None
    if a.dtype.kind in "iu" and a.ndim <= 1 and a.shape == b.shape \
            and a.size <= _MAX_INFERRED:
        pairs = zip(np.ravel(a).tolist(), np.ravel(b).tolist())
        value = (a.ndim, tuple(x if x == y else None for x, y in pairs))
    return shape, a.dtype.name, value


class OpLambda(Layer):
    """A function of fastgraph's namespaces applied to symbolic tensors
    (made by calling one; see the module docstring)."""

    def __init__(self, function, arguments, captured=(), **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self._fn = registry.resolve("op", function)
        if not isinstance(arguments, dict):
            raise TypeError(f"OpLambda {self.name!r}: arguments must be a dict of "
                            f"'args' and 'kwargs'")
        self._template = arguments
        self._captured = list(captured)
        for v in self._captured:
            (self._trainable_weights if v.trainable else
             self._non_trainable_weights).append(v)
        self._in_dtypes = self._in_values = None
        params = inspect.signature(self._fn).parameters
        self._takes_training = "training" in params and len(
            self._template.get("args", ())) < list(params).index("training") + 1
        self._described = None

    def _arguments(self, values):
        filled = _fill(self._template, values, self._captured)
        return filled.get("args", []), filled.get("kwargs", {})

    def call(self, inputs, training=None):
        values = inputs if isinstance(inputs, list) else [inputs]
        args, kwargs = self._arguments(values)
        if self._takes_training and "training" not in kwargs and training is not None:
            kwargs["training"] = training     # K.in_train_phase follows fit/predict
        return _outputs(self._fn(*args, **kwargs))

    def _symbolic_call(self, inputs, flat, args, kwargs):
        # shape inference runs the op on stand-ins of these inputs
        self._in_dtypes = [t.dtype for t in flat]
        self._in_values = [t._inferred_value for t in flat]
        outputs = super()._symbolic_call(inputs, flat, args, kwargs)
        described = self._described if isinstance(outputs, list) else [self._described]
        for t, (_, _, value) in zip(outputs if isinstance(outputs, list) else [outputs],
                                    described):
            t._inferred_value = value
        return outputs

    def compute_output_shape(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        dtypes = self._in_dtypes or [self.dtype] * len(shapes)
        values = self._in_values or [None] * len(shapes)
        runs = []
        for fill in (2, 3):
            xs = [_dummy(s, d, v, fill) for s, d, v in zip(shapes, dtypes, values)]
            args, kwargs = self._arguments(xs)
            with no_grad(), np.errstate(all="ignore"), symbolic.inferring():
                runs.append(_outputs(self._fn(*args, **kwargs)))
        a, b = runs
        if isinstance(a, list):
            self._described = [_describe(x, y, self.function) for x, y in zip(a, b)]
            return [d[0] for d in self._described]
        self._described = _describe(a, b, self.function)
        return self._described[0]

    def _compute_output_dtype(self, input_dtypes):
        if isinstance(self._described, list):
            return [d[1] for d in self._described]
        return self._described[1]

    def get_config(self):
        config = super().get_config()
        config.update({
            "function": self.function,
            "arguments": _to_json(self._template, self.function),
            "captured": [{"name": v.name, "shape": list(v.shape), "dtype": v.dtype.name,
                          "trainable": bool(v.trainable)} for v in self._captured],
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        where = f"OpLambda {config.get('name')!r}"
        function = config.pop("function", None)
        if not isinstance(function, str):
            raise ValueError(f"{where}: 'function' must name a registered op, got "
                             f"{function!r}")
        arguments = _from_json(config.pop("arguments", {}), where)
        if not isinstance(arguments, dict):
            raise ValueError(f"{where}: 'arguments' must be a dict")
        specs = config.pop("captured", [])
        layer = cls(function, arguments, **config)
        for j, spec in enumerate(specs):
            if not isinstance(spec, dict) or not isinstance(spec.get("shape"), list):
                raise ValueError(f"{where}: captured variable {j} needs a shape")
            var = layer.add_weight(
                f"captured_{j}", tuple(spec["shape"]), _dtype(spec.get("dtype"), where),
                initializer="zeros", trainable=bool(spec.get("trainable", True)))
            name = spec.get("name")
            if name is not None and not isinstance(name, str):
                raise ValueError(f"{where}: captured variable {j} has a name that is "
                                 f"not a string")
            var.name = name     # as the weight file names it
            layer._captured.append(var)
        return layer


def record(op_name, fn, args, kwargs):
    """`fn(*args, **kwargs)` as a node of the graph: an OpLambda called on
    the symbolic tensors among the arguments (the handler of
    autodiff.symbolic)."""
    names = [p.name for p in inspect.signature(fn).parameters.values()]
    found, captured = [], []
    encoded = [_encode(v, names[i] if i < len(names) else f"#{i}", op_name, found,
                       captured) for i, v in enumerate(args)]
    template = {"args": encoded,
                "kwargs": {k: _encode(v, k, op_name, found, captured)
                           for k, v in kwargs.items()}}
    tensors = [t for t, _ in found]
    latest = max(t._graph for t in tensors)
    for t, where in found:
        if t._graph != latest:
            raise TypeError(f"{op_name}: argument {where!r} is a symbolic tensor of "
                            f"another graph (made before clear_session)")
    layer = OpLambda(op_name, template, captured,
                     name=unique_name(symbolic.scope_prefix() + op_name))
    return layer(tensors[0] if len(tensors) == 1 else tensors)


symbolic.set_handler(KerasTensor, record)
