"""Keras 2's graph functions: placeholders, K.function, K.gradients over
symbolic graphs, variable updates, sessions and names.

Symbolic graphs belong to the engine (above this package), which provides
the symbolic halves of these functions through `autodiff.symbolic` hooks;
on Tensors they work eagerly.  `gradients` never returns a silent zero: a
gradient with respect to a Tensor that no recorded op depends on raises
`UnwatchedError` naming it, and a gradient that is itself differentiated
again (second order) raises when the outer backward pass reaches it.
"""
import contextlib

import numpy as np

from ..autodiff import Tensor, Variable, as_tensor, output, symbolic
from ..autodiff import gradients as _tape_gradients
from .core import set_learning_phase

__all__ = ["placeholder", "function", "gradients", "is_keras_tensor", "update",
           "update_add", "update_sub", "moving_average_update", "clear_session",
           "name_scope", "get_uid", "reset_uids", "print_tensor", "backend",
           "manual_variable_initialization", "is_placeholder"]

_MANUAL_INIT = [False]


@symbolic.graph_function
def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """A symbolic input of `shape` (batch axis included, None for unknown
    sizes) or of `ndim` unknown axes: an Input for K.function and models."""
    if sparse:
        raise ValueError("placeholder: fastgraph has no sparse tensors (sparse=True)")
    if shape is None:
        if ndim is None:
            raise ValueError("placeholder: give shape or ndim")
        shape = (None,) * int(ndim)
    return symbolic.hook("placeholder")(tuple(shape), dtype, name)


@symbolic.graph_function
def is_placeholder(x):
    """True for a symbolic input made by `placeholder` or `Input`."""
    return symbolic.is_symbolic(x) and symbolic.hook("is_input")(x)


@symbolic.graph_function
def is_keras_tensor(x):
    """True for a symbolic tensor (Input or a layer's output), False for a
    Tensor; ValueError for anything else, as tf-keras."""
    if symbolic.is_symbolic(x):
        return True
    if isinstance(x, (Tensor, np.ndarray)):
        return False
    raise ValueError(f"is_keras_tensor: expected a tensor, got {type(x).__name__}")


@symbolic.graph_function
def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A callable computing `outputs` from arrays fed to `inputs` (symbolic
    tensors: placeholders, Inputs, layer outputs), then applying `updates`
    ((variable, new value) pairs or what `update*` returned)."""
    if kwargs:
        raise TypeError(f"function: unexpected argument(s) {sorted(kwargs)}")
    return symbolic.hook("function")(inputs, outputs, updates or [], name)


def _second_order(what):
    def backward(g):
        raise ValueError(
            f"K.gradients: the gradient of the loss with respect to {what} is being "
            f"differentiated again (it feeds a loss whose weights it depends on); "
            f"fastgraph has no second-order gradients")
    return backward


def _walk(loss):
    """(the variables `loss`'s records read, the ids of every Tensor they
    read)."""
    found, stack, seen = [], [loss], {id(loss)}
    while stack:
        rec = stack.pop()._rec
        if rec is None:
            continue
        for t in rec.inputs:
            if t.requires_grad and id(t) not in seen:
                seen.add(id(t))
                stack.append(t)
                if isinstance(t, Variable):
                    found.append(t)
    return found, seen


def depends_on(loss):
    """The variables that `loss`'s records read (a gradient of the loss
    depends on them, through no recorded op)."""
    return _walk(loss)[0]


def first_order(grads, inputs, names):
    """Gradient arrays as Tensors that refuse to be differentiated again:
    they depend on `inputs` through no recorded op."""
    inputs = tuple(inputs)
    return [output(np.asarray(g), inputs, _second_order(name))
            for g, name in zip(grads, names)]


@symbolic.graph_function
def gradients(loss, variables):
    """d loss / d each of `variables` (a non-scalar loss is summed), as a
    list.  On a symbolic loss: symbolic gradients with respect to variables
    or symbolic tensors (inputs too), computed when the graph runs.  On a
    Tensor: Tensors, the record kept so this may be called again."""
    single = not isinstance(variables, (list, tuple))
    variables = [variables] if single else list(variables)
    if symbolic.is_symbolic(loss) or any(symbolic.is_symbolic(v) for v in variables):
        return symbolic.hook("gradients")(loss, variables)
    if not isinstance(loss, Tensor):
        raise TypeError(f"gradients: loss must be a Tensor or a symbolic tensor, got "
                        f"{type(loss).__name__}")
    names = []
    for i, v in enumerate(variables):
        if not isinstance(v, Tensor):
            raise TypeError(f"gradients: variables[{i}] must be a Tensor, a variable "
                            f"or a symbolic tensor, got {type(v).__name__}")
        if not v.requires_grad:
            raise symbolic.UnwatchedError(
                f"gradients: variables[{i}] is a Tensor that no recorded op depends "
                f"on (a constant, or computed without recording), so its gradient "
                f"is unknown; differentiate with respect to a K.variable, or build "
                f"the graph on symbolic tensors (K.placeholder, Input)")
        names.append(getattr(v, "name", None) or f"variables[{i}]")
    weights, reached = _walk(loss)
    for i, v in enumerate(variables):
        if id(v) not in reached and v._rec is None and not isinstance(v, Variable):
            # a watched input of a Lambda: what links it to the loss, if
            # anything, ran outside the Lambda, where no op was recorded
            raise ValueError(
                f"gradients: the loss does not depend on variables[{i}] through the "
                f"ops recorded since it was watched (inside a Lambda, only the "
                f"Lambda's own ops); compute the loss from it there, or call "
                f"K.gradients on the layers' symbolic outputs outside the Lambda")
    grads = _tape_gradients(loss, variables, retain=True)
    return first_order(grads, weights, names)


# ------------------------------------------------------------ updates
class Update:
    """A pending assignment of a symbolic value to a variable, applied by
    the K.function it is given to (`updates=`)."""

    __slots__ = ("variable", "value")

    def __init__(self, variable, value):
        self.variable, self.value = variable, value

    def __iter__(self):
        return iter((self.variable, self.value))


def _variable(x, fn):
    if not isinstance(x, Variable):
        raise TypeError(f"{fn}: x must be a variable (made with K.variable), got "
                        f"{type(x).__name__}")
    return x


@symbolic.graph_function
def update(x, new_x):
    """x = new_x: now for a value, when the K.function runs for a symbolic one."""
    _variable(x, "update")
    if symbolic.is_symbolic(new_x):
        return Update(x, new_x)
    x.assign(as_tensor(new_x).data)
    return x


@symbolic.graph_function
def update_add(x, increment):
    """x = x + increment."""
    _variable(x, "update_add")
    if symbolic.is_symbolic(increment):
        return Update(x, x + increment)
    x.assign(x.data + as_tensor(increment).data)
    return x


@symbolic.graph_function
def update_sub(x, decrement):
    """x = x - decrement."""
    _variable(x, "update_sub")
    if symbolic.is_symbolic(decrement):
        return Update(x, x - decrement)
    x.assign(x.data - as_tensor(decrement).data)
    return x


@symbolic.graph_function
def moving_average_update(x, value, momentum):
    """x = x * momentum + value * (1 - momentum)."""
    _variable(x, "moving_average_update")
    if symbolic.is_symbolic(value):
        return Update(x, (value - x) * (1.0 - momentum) + x)
    x.assign(x.data * momentum + as_tensor(value).data * (1.0 - momentum))
    return x


# ------------------------------------------------------------ session and names

@symbolic.graph_function
def get_uid(prefix=""):
    """1, 2, 3, ... for successive calls with the same prefix (shared with
    the automatic layer names: after one Dense, get_uid('dense') is 2)."""
    return symbolic.hook("get_uid")(prefix)


@symbolic.graph_function
def reset_uids():
    """Restart the counters of `get_uid` and of the automatic layer names."""
    symbolic.hook("reset_uids")()


@symbolic.graph_function
def clear_session():
    """Forget the graph: layer names start again, later symbolic tensors
    belong to a new graph (mixing them with older ones is an error), the
    learning phase is 0."""
    symbolic.clear_session()
    set_learning_phase(0)


@symbolic.graph_function
@contextlib.contextmanager
def name_scope(name):
    """Names of the op nodes made inside start with 'name/'."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"name_scope: name must be a non-empty string, got {name!r}")
    symbolic.push_scope(name)
    try:
        yield name
    finally:
        symbolic.pop_scope()


def print_tensor(x, message=""):
    """Print `message` and the value of x (each time a graph runs it, for a
    symbolic x) and return x unchanged (gradients flow through)."""
    x = as_tensor(x)
    if not symbolic.is_inferring():
        print(f"{message}{x.data}")
    return x


@symbolic.graph_function
def backend():
    """The name of the backend: 'fastgraph'."""
    return "fastgraph"


@symbolic.graph_function
def manual_variable_initialization(value):
    """Keras's switch for initializing variables by hand.  fastgraph
    variables always hold their initial value from creation, which manual
    initialization allows too; the flag is kept for code that reads it."""
    _MANUAL_INIT[0] = bool(value)
