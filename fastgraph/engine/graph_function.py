"""The engine's half of Keras 2's graph functions (fastgraph.backend.graph):
placeholders, `K.function` and symbolic `K.gradients`, each over a plan of
the nodes between some symbolic tensors and others.

A symbolic gradient is a `Gradients` layer: its inputs are the graph's
inputs the loss depends on plus the tensors differentiated against; when
it runs, it runs the plan from them to the loss on the tape (those tensors
watched, the others detached) and returns the tape's gradients.  Its
outputs refuse to be differentiated again (no second-order gradients).
"""
import numpy as np

from ..autodiff import Tensor, Variable, as_array, enable_grad, no_grad, symbolic
from ..autodiff import gradients as tape_gradients
from ..backend import core as backend_core
from ..backend.graph import Update, depends_on, first_order
from .input_layer import Input, InputLayer
from .layer import Layer
from .layer_utils import next_uid, reset_uids, unique_name
from .node import _GRAPH, KerasTensor
from .plan import compile_plan, run_traced


def subgraph_plan(inputs, outputs, who):
    """The plan computing symbolic `outputs` from symbolic `inputs` (cut
    there: what produced an input is not run); ValueError naming `who` when
    an output needs a graph input that is not among `inputs`."""
    given = {id(t) for t in inputs}
    ordered, state = [], {}
    for out in outputs:
        stack = [(out, False)]
        while stack:
            t, done = stack.pop()
            node = t._keras_history.layer._inbound_nodes[t._keras_history.node_index]
            if done:
                if state.get(node) != "done":
                    state[node] = "done"
                    ordered.append(node)
                continue
            if id(t) in given or node in state:
                continue
            if node.is_input:
                raise ValueError(f"{who}: {out!r} depends on the input {t.name!r}, "
                                 f"which is not among the inputs given")
            state[node] = "open"
            stack.append((t, True))
            stack.extend((s, False) for s in reversed(node.input_tensors))
    return compile_plan(list(inputs), list(outputs), {0: ordered})


def _symbolic_list(values, who, what):
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    for i, t in enumerate(values):
        if not isinstance(t, KerasTensor) or t._keras_history is None:
            raise TypeError(f"{who}: {what}[{i}] must be a symbolic tensor (a "
                            f"placeholder, an Input or a layer's output), got "
                            f"{type(t).__name__}")
    return values


def _roots(outputs):
    """The graph inputs (Input tensors) that `outputs` depend on, in order."""
    found, seen, stack = [], set(), list(outputs)
    while stack:
        t = stack.pop()
        node = t._keras_history.layer._inbound_nodes[t._keras_history.node_index]
        if node in seen:
            continue
        seen.add(node)
        if node.is_input:
            found.append(t)
        stack.extend(node.input_tensors)
    return found


class GraphFunction:
    """What `K.function(inputs, outputs, updates)` returns: called with one
    array per input, it runs the plan (no tape) and returns a list of
    arrays, after assigning the updates."""

    def __init__(self, inputs, outputs, updates, name=None):
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        # Keras 2's K.function([x, K.learning_phase()], ...) feeds the phase too
        phase = [i for i, t in enumerate(inputs) if type(t) is int and t in (0, 1)]
        self._phase_at = phase[-1] if phase else None
        if phase:
            del inputs[self._phase_at]
        self.inputs = _symbolic_list(inputs, "K.function", "inputs")
        self._single = not isinstance(outputs, (list, tuple))
        self.outputs = _symbolic_list(outputs, "K.function", "outputs")
        self.name = name
        self._variables, targets = [], []
        for i, u in enumerate(updates):
            variable, value = u if isinstance(u, (Update, tuple, list)) else (u, None)
            if not isinstance(variable, Variable) or not isinstance(value, KerasTensor):
                raise TypeError(f"K.function: updates[{i}] must be a (variable, "
                                f"symbolic value) pair or what K.update returned")
            self._variables.append(variable)
            targets.append(value)
        self._plan = subgraph_plan(self.inputs, self.outputs + targets, "K.function")

    def __call__(self, inputs):
        xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        training = bool(backend_core.learning_phase())
        if self._phase_at is not None and len(xs) == len(self.inputs) + 1:
            training = bool(xs.pop(self._phase_at))
        if len(xs) != len(self.inputs):
            raise ValueError(f"K.function expects {len(self.inputs)} input array(s)"
                             f"{' and the learning phase' if self._phase_at is not None else ''}"
                             f", got {len(xs)}")
        values = []
        for x, ref in zip(xs, self.inputs):
            a = as_array(x) if isinstance(x, Tensor) else np.asarray(x)
            if a.dtype.kind == "f" and np.dtype(ref.dtype).kind == "f":
                a = a.astype(ref.dtype, copy=False)
            values.append(Tensor(a))
        with no_grad():
            outs, _ = run_traced(self._plan, values, training)
        outs = [as_array(o) for o in outs]
        n = len(self.outputs)
        for variable, value in zip(self._variables, outs[n:]):
            variable.assign(value)
        return outs[0] if self._single else outs[:n]


class Gradients(Layer):
    """d loss / d tensors and variables, computed when the graph runs (see
    the module docstring).  Inputs: the loss's graph inputs, then the
    symbolic tensors differentiated against."""

    def __init__(self, loss, wrt, variables, **kwargs):
        super().__init__(**kwargs)
        roots = [t for t in _roots([loss]) if all(t is not w for w in wrt)]
        self._cut = roots + list(wrt)
        self._n_roots = len(roots)
        self._variables = list(variables)
        self._shapes = [t.shape for t in wrt]
        self._dtypes = [t.dtype for t in wrt]
        self._plan = subgraph_plan(self._cut, [loss], "K.gradients")
        self.built = True

    def call(self, inputs):
        values = inputs if isinstance(inputs, list) else [inputs]
        watched = [Tensor(as_array(v), i >= self._n_roots)
                   for i, v in enumerate(values)]
        with enable_grad():
            (loss,), _ = run_traced(self._plan, watched,
                                    bool(backend_core.learning_phase()))
            targets = watched[self._n_roots:] + self._variables
            grads = tape_gradients(loss, targets)
        names = [t.name for t in self._cut[self._n_roots:]] + \
            [v.name for v in self._variables]
        # what the gradients depend on through no recorded op: the weights
        # the loss read, and the inputs when they come from weights
        upstream = depends_on(loss) + [v for v in values
                                       if isinstance(v, Tensor) and v.requires_grad]
        outs = first_order(grads, upstream, names)
        return outs if len(outs) > 1 else outs[0]

    def compute_output_shape(self, input_shape):
        shapes = self._shapes + [v.shape for v in self._variables]
        return shapes if len(shapes) > 1 else shapes[0]

    def _compute_output_dtype(self, input_dtypes):
        dtypes = self._dtypes + [v.dtype.name for v in self._variables]
        return dtypes if len(dtypes) > 1 else dtypes[0]

    def get_config(self):
        raise TypeError(f'Layer "{self.name}" (a symbolic K.gradients) cannot be '
                        f'saved: rebuild it in code after loading the model')


def _gradients(loss, variables):
    if not isinstance(loss, KerasTensor) or loss._keras_history is None:
        raise TypeError(f"K.gradients: with symbolic variables the loss must be a "
                        f"symbolic tensor too, got {type(loss).__name__}")
    wrt, weights = [], []
    for i, v in enumerate(variables):
        if isinstance(v, KerasTensor):
            wrt.append(v)
        elif isinstance(v, Variable):
            weights.append(v)
        else:
            raise TypeError(f"K.gradients: variables[{i}] must be a variable or a "
                            f"symbolic tensor, got {type(v).__name__}")
    layer = Gradients(loss, wrt, weights,
                      name=unique_name(symbolic.scope_prefix() + "gradients"))
    cut = layer._cut
    out = layer(cut[0] if len(cut) == 1 else cut)
    outs = out if isinstance(out, list) else [out]
    by_id = {id(v): t for v, t in zip(wrt + weights, outs)}
    return [by_id[id(v)] for v in variables]


def _placeholder(shape, dtype, name):
    return Input(batch_shape=shape, dtype=dtype, name=name)


def _is_input(x):
    return x._keras_history is not None and isinstance(x._keras_history.layer, InputLayer)


def _new_graph():
    reset_uids()
    _GRAPH[0] += 1


symbolic.register("placeholder", _placeholder)
symbolic.register("is_input", _is_input)
symbolic.register("function", GraphFunction)
symbolic.register("gradients", _gradients)
symbolic.register("get_uid", next_uid)
symbolic.register("reset_uids", reset_uids)
symbolic.on_clear_session(_new_graph)
