"""The hand-over of symbolic arguments, and the argument check of Keras's
function namespaces.

A function of `fastgraph.backend`, `fastgraph.activations` or
`fastgraph.losses` called with a symbolic tensor (a layer's output) must
add a node to the graph instead of computing.  Those namespaces sit below
the engine that knows graphs, so the engine registers its symbolic tensor
type and the handler making the node here at import time (`set_handler`),
and each namespace wraps its functions with `symbolic_op`.  The wrapper
also refuses arguments no op can use (a Python object, a string where a
tensor goes, an object array) with a TypeError naming the function and
the argument, so nothing ever computes on an object array.
"""
import functools
import inspect
import threading

import numpy as np

from .. import registry
from .tensor import Tensor

_HOOKS = {"type": (), "handler": None, "clear": []}
_SCOPES = []        # K.name_scope prefixes, outermost first
_STRING_PARAMS = frozenset({"dtype", "name", "data_format", "padding", "mode",
                            "message", "reduction", "interpolation", "prefix"})
_PLAIN = (type(None), bool, int, float, complex, slice, type(Ellipsis), np.dtype,
          type, np.generic)


def set_handler(symbolic_type, handler):
    """The engine's symbolic tensor class and `handler(op_name, fn, args,
    kwargs)`, which records `fn(*args, **kwargs)` as a node and returns its
    symbolic output(s)."""
    _HOOKS["type"] = symbolic_type
    _HOOKS["handler"] = handler


def is_symbolic(x):
    """True for a symbolic tensor of the engine (a layer's output)."""
    return isinstance(x, _HOOKS["type"])


def dispatch(op_name, fn, args, kwargs=None):
    """Record `fn(*args, **kwargs)` as a graph node (some argument is
    symbolic); the engine must be imported."""
    handler = _HOOKS["handler"]
    if handler is None:
        raise RuntimeError(f"{op_name}: symbolic tensors need fastgraph.engine")
    return handler(op_name, fn, tuple(args), dict(kwargs or {}))


def register(name, fn):
    """Provide the engine's implementation of graph function `name`
    (placeholder, function, gradients, get_uid, reset_uids)."""
    _HOOKS[name] = fn
    return fn


def hook(name):
    """The engine's implementation of graph function `name`."""
    fn = _HOOKS.get(name)
    if fn is None:      # the engine is among the modules the registry loads for ops
        registry.builtins("op")
        fn = _HOOKS.get(name)
    if fn is None:
        raise RuntimeError(f"K.{name} on symbolic tensors needs fastgraph.engine "
                           f"(import fastgraph.layers or fastgraph.models)")
    return fn


def scope_prefix():
    """'outer/inner/' inside `K.name_scope('outer')` and 'inner', else ''."""
    return "".join(s + "/" for s in _SCOPES)


def push_scope(name):
    _SCOPES.append(name)


def pop_scope():
    _SCOPES.pop()


_INFERRING = threading.local()


class inferring:
    """Context: ops run on stand-in values to infer shapes (side effects
    such as K.print_tensor's output are skipped), on this thread."""

    def __enter__(self):
        _INFERRING.depth = getattr(_INFERRING, "depth", 0) + 1

    def __exit__(self, *exc):
        _INFERRING.depth -= 1


def is_inferring():
    """True while this thread infers shapes by running ops on stand-ins."""
    return getattr(_INFERRING, "depth", 0) > 0


class UnwatchedError(TypeError):
    """K.gradients asked about a Tensor no recorded op depends on: its
    gradient is unknown (the tape records only from watched tensors)."""


def watch(x):
    """`x` as a Tensor whose ops are recorded: itself when it already is
    (so gradients still flow through it), else a leaf sharing its array."""
    if isinstance(x, Tensor) and x.requires_grad:
        return x
    return Tensor(x.data if isinstance(x, Tensor) else np.asarray(x), True)


def on_clear_session(fn):
    """Run `fn()` on every `clear_session` (the engine resets its names)."""
    _HOOKS["clear"].append(fn)
    return fn


def clear_session():
    """Run every function registered with `on_clear_session`."""
    for fn in _HOOKS["clear"]:
        fn()


def _bad(op_name, param, value, what="a tensor, an array or a number"):
    shown = repr(value) if isinstance(value, str) else type(value).__name__
    return TypeError(f"{op_name}: argument {param!r} must be {what}, got {shown}")


def _scan(op_name, param, value, strings, depth=0):
    """True if `value` holds a symbolic tensor; TypeError for a value no op
    can use."""
    cls = value.__class__
    if cls is np.ndarray:
        if value.dtype.kind == "O" or (value.dtype.kind in "US" and not strings):
            raise TypeError(f"{op_name}: argument {param!r} must be a numeric array, "
                            f"got an array of dtype {value.dtype}")
        return False
    if isinstance(value, Tensor) or isinstance(value, _PLAIN):
        return False
    if isinstance(value, _HOOKS["type"]):
        return True
    if isinstance(value, str):
        if strings:
            return False
        raise _bad(op_name, param, value)
    if isinstance(value, (list, tuple, dict)) and depth < 8:
        items = value.values() if isinstance(value, dict) else value
        found = False
        for item in items:
            found = _scan(op_name, param, item, strings, depth + 1) or found
        return found
    if callable(value):
        return False
    raise _bad(op_name, param, value)


class SymbolicOp:
    """A function of a Keras namespace made to record a node when called
    with symbolic tensors, and to check its arguments (see the module
    docstring); saved in files as `symbolic_name`.

    It hashes and compares equal to the function it wraps, so tables keyed
    by fastgraph's functions (the fused activations of Dense and the
    convolutions) find it, and copies of it are itself."""

    def __init__(self, fn, op_name):
        functools.update_wrapper(self, fn)
        self.symbolic_name = op_name
        params = list(inspect.signature(fn).parameters.values())
        self._names = [p.name for p in params
                       if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self._var_name = next((p.name for p in params if p.kind is p.VAR_POSITIONAL),
                              None)
        self._strings = {p.name for p in params
                         if p.name in _STRING_PARAMS or p.default is not p.empty}

    def __call__(self, *args, **kwargs):
        op_name, names, strings = self.symbolic_name, self._names, self._strings
        found = False
        for i, value in enumerate(args):
            name = names[i] if i < len(names) else self._var_name or f"#{i}"
            found = _scan(op_name, name, value, name in strings) or found
        for name, value in kwargs.items():
            found = _scan(op_name, name, value, name in strings) or found
        if found:
            return dispatch(op_name, self.__wrapped__, args, kwargs)
        return self.__wrapped__(*args, **kwargs)

    def __hash__(self):
        return hash(self.__wrapped__)

    def __eq__(self, other):
        return other is self or other is self.__wrapped__

    def __repr__(self):
        return f"<function {self.symbolic_name}>"

    def __reduce__(self):
        return wrapper_named, (self.symbolic_name,)


_WRAPPERS = {}


def unwrapped(fn):
    """The function a SymbolicOp wraps (`fn` itself otherwise): a cheaper
    key for the per-call table lookups of inference paths."""
    return fn.__wrapped__ if fn.__class__ is SymbolicOp else fn


def wrapper_named(op_name):
    """The SymbolicOp saved as `op_name` (what copies of one unpickle to)."""
    return _WRAPPERS[op_name]


def symbolic_op(fn, op_name):
    """`fn` as a SymbolicOp named `op_name` (registered as that graph op)."""
    if getattr(fn, "symbolic_name", None):
        return fn
    op = _WRAPPERS[op_name] = SymbolicOp(fn, op_name)
    registry.register_builtin("op", fn, op_name)
    return op


def wrap_functions(namespace, names, prefix):
    """Wrap `namespace[name]` for each of `names` that is a function, in
    place, with `symbolic_op` under `prefix` + its own name (aliases of one
    function share one wrapper)."""
    done = {}
    for name in names:
        fn = namespace.get(name)
        if not inspect.isfunction(fn) or getattr(fn, "symbolic_name", None):
            continue
        if fn not in done:
            done[fn] = symbolic_op(fn, prefix + fn.__name__)
        namespace[name] = done[fn]


def graph_function(fn):
    """Mark `fn` as handling symbolic tensors itself (K.function,
    K.gradients, ...): `symbolic_op` leaves it as it is."""
    fn.symbolic_name = fn.__name__
    return fn
