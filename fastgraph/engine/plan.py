"""A functional model's execution plan, and the two interpreters that run it.

`compile_plan` turns the graph's nodes (in tf-keras's depth order) into a
flat list of Steps: each names a layer call, the integer slots its inputs
are read from and its outputs written to, and the slots that no later step
reads.  Running a model is then one pass over that list: no graph walk, no
dict lookups per call.

Two interpreters run a plan:
  - `run_traced` runs the layers' `call` on Tensors, recording the tape,
    and carries masks along (training, eager calls, evaluate's losses);
  - `InferencePlan` runs it on NumPy arrays without a tape (predict): each
    step becomes a function of arrays, Dense and Dropout run their
    array paths directly (`Layer._inference_fn`) and other layers their
    `call` under `no_grad`.  It holds no buffers and nothing it changes
    while running, so any number of threads can run one at once.
"""
from typing import NamedTuple

import numpy as np

from ..autodiff import Tensor, as_array, no_grad
from .dtypes import numpy_dtype
from .layer import CallScope, Layer
from .layer_utils import is_shape
from .node import Node


class Step(NamedTuple):
    """One layer call of a plan."""

    layer: Layer
    inputs: tuple           # slots read
    as_list: bool           # the layer takes a list (else the one tensor)
    outputs: tuple          # slots written
    args: tuple             # the call's extra positional arguments
    kwargs: dict            # the call's extra keyword arguments
    training: bool          # pass the model's `training` to the call
    mask: bool              # pass the input mask to the call
    nested: bool            # the layer is a functional model: run its plan
    computes_mask: bool     # the layer overrides compute_mask
    free: tuple             # slots no later step reads, released after it
    node: Node              # the graph node the step runs


class Plan:
    """The steps of a model, its number of slots (inputs first) and the
    slots its outputs are read from."""

    __slots__ = ("steps", "n_slots", "n_inputs", "output_slots")

    def __init__(self, steps, n_slots, n_inputs, output_slots):
        self.steps, self.n_slots = tuple(steps), n_slots
        self.n_inputs, self.output_slots = n_inputs, tuple(output_slots)

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)


def compile_plan(inputs, outputs, nodes_by_depth):
    """The plan computing symbolic `outputs` from `inputs`, given the nodes
    between them by depth (the deepest run first)."""
    slot_of = {id(t): i for i, t in enumerate(inputs)}
    steps = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if node.is_input:
                continue
            layer = node.layer
            outs = []
            for t in node.output_tensors:
                slot_of[id(t)] = len(slot_of)
                outs.append(slot_of[id(t)])
            steps.append(Step(
                layer=layer, inputs=tuple(slot_of[id(t)] for t in node.input_tensors),
                as_list=isinstance(node.inputs, (list, tuple)), outputs=tuple(outs),
                args=node.call_args, kwargs=node.call_kwargs,
                training=layer._call_accepts_training and "training" not in node.call_kwargs,
                mask=layer._call_accepts_mask and "mask" not in node.call_kwargs,
                nested=layer._is_graph,
                computes_mask=type(layer).compute_mask is not Layer.compute_mask,
                free=(), node=node))
    output_slots = tuple(slot_of[id(t)] for t in outputs)
    last_use = {}
    for k, step in enumerate(steps):
        for s in step.inputs:
            last_use[s] = k
    free = [[] for _ in steps]
    for s, k in last_use.items():
        if s not in output_slots:
            free[k].append(s)
    steps = [step._replace(free=tuple(f)) for step, f in zip(steps, free)]
    return Plan(steps, len(slot_of), len(inputs), output_slots)


# ------------------------------------------------- with the tape (training)
def run_traced(plan, xs, training, masks=None):
    """(output Tensors, output masks) of `plan` for input Tensors `xs` (one
    per model input) and their masks (None, or one per input), each layer
    running its `call` on the tape."""
    vals = [None] * plan.n_slots
    ms = [None] * plan.n_slots
    vals[:len(xs)] = xs
    if masks is not None:
        ms[:len(masks)] = masks
    with CallScope(training):
        for layer, ins, as_list, outs, args, kwargs, pass_training, pass_mask, \
                nested, computes_mask, free, _ in plan.steps:
            x = [vals[i] for i in ins] if as_list else vals[ins[0]]
            m = None
            if pass_mask or nested or layer.supports_masking:
                m = [ms[i] for i in ins] if as_list else ms[ins[0]]
                if as_list and all(v is None for v in m):
                    m = None
            if nested:
                y, ym = layer._execute(x, kwargs.get("training", training), m)
            else:
                if pass_training or pass_mask:
                    kwargs = dict(kwargs)
                    if pass_training:
                        kwargs["training"] = training
                    if pass_mask:
                        kwargs["mask"] = m
                y = layer._run(x, args, kwargs)
                ym = None
                if layer.supports_masking and (computes_mask or m is not None):
                    ym = layer.compute_mask(x, m)
            if len(outs) == 1 and not isinstance(y, (list, tuple)):
                vals[outs[0]] = y
                ms[outs[0]] = ym
            else:
                ym = ym if isinstance(ym, (list, tuple)) else [ym] + [None] * len(outs)
                for s, t, mk in zip(outs, y, ym):
                    vals[s], ms[s] = t, mk
            for s in free:
                vals[s] = ms[s] = None
    return [vals[s] for s in plan.output_slots], [ms[s] for s in plan.output_slots]


def infer_shapes(plan, input_shapes):
    """Output shapes of `plan` for new input shapes, by each layer's
    compute_output_shape (no computation)."""
    slots = [None] * plan.n_slots
    slots[:len(input_shapes)] = input_shapes
    for step in plan.steps:
        layer, ins, node = step.layer, step.inputs, step.node
        s_in = [slots[i] for i in ins] if step.as_list else slots[ins[0]]
        layer._dtypes_hint = ([t.dtype for t in node.input_tensors] if step.as_list
                              else node.input_tensors[0].dtype)
        try:
            s_out = layer.compute_output_shape(s_in)
        finally:
            layer._dtypes_hint = None
        if is_shape(s_out):
            slots[step.outputs[0]] = tuple(s_out)
        else:
            for s, o in zip(step.outputs, s_out):
                slots[s] = tuple(o)
    return [slots[s] for s in plan.output_slots]


# ---------------------------------------------- without the tape (predict)
def _arrays(y, single):
    if isinstance(y, (list, tuple)):
        return as_array(y[0]) if single else [as_array(t) for t in y]
    return as_array(y)


def _layer_step(step, single):
    """Run the step's layer `_run` on Tensors, returning arrays (the plan
    holds the no_grad and CallScope contexts around it)."""
    layer, args, kwargs = step.layer, step.args, step.kwargs
    pass_training, pass_mask = step.training, step.mask

    def run(x, training):
        kw = kwargs
        if pass_training or pass_mask:
            kw = dict(kwargs)
            if pass_training:
                kw["training"] = training
            if pass_mask:
                kw["mask"] = None
        t = _tensors(x) if isinstance(x, list) else Tensor(x)
        return _arrays(layer._run(t, args, kw), single)
    return run


def _tensors(arrays):
    """One Tensor per distinct array: a layer handed one value twice (as
    self-attention's query and value) sees one tensor twice, as in eager
    calls and training."""
    made = {}
    for a in arrays:
        if id(a) not in made:
            made[id(a)] = Tensor(a)
    return [made[id(a)] for a in arrays]


def _nested_step(model, kwargs, single):
    fixed = kwargs.get("training")

    def run(x, training):
        outs = model._predict_arrays(x if isinstance(x, list) else [x],
                                     training if fixed is None else fixed)
        return outs[0] if single else outs
    return run


def _has_masks(plan):
    for step in plan.steps:
        node = step.node
        for t in node.input_tensors + node.output_tensors:
            if getattr(t, "_keras_mask", None) is not None:
                return True
    return False


class InferencePlan:
    """A model's plan as functions of arrays (see the module docstring).

    `run(xs, training=False)` takes one array per model input, already of
    the Inputs' dtypes and shapes, and returns a list of output arrays.
    """

    def __init__(self, model):
        plan = model._plan
        self.source = plan
        self._model = model
        self._n_slots = plan.n_slots
        self._n_inputs = plan.n_inputs
        self._output_slots = plan.output_slots
        self._inputs = [(numpy_dtype(t.dtype), tuple(t.shape[1:])) for t in model.inputs]
        scoped = False
        steps = []
        for step in plan.steps:
            single = len(step.outputs) == 1
            fn = None
            if step.nested:
                fn = _nested_step(step.layer, step.kwargs, single)
            elif not step.args and not step.kwargs:
                dtypes = [t.dtype for t in step.node.input_tensors]
                fn = step.layer._inference_fn(dtypes if step.as_list else dtypes[0])
            if fn is None:
                fn = _layer_step(step, single)
                scoped = True
            steps.append((fn, step.inputs, step.as_list,
                          step.outputs[0] if single else step.outputs, step.free))
        self._steps = steps
        self._chain = _chain(steps, self._n_inputs, self._output_slots)
        body = self._run_slots if self._chain is None else self._run_chain
        if _has_masks(plan):
            self.run = self._run_masked
        elif scoped:
            self._body = body
            self.run = self._run_scoped
        else:
            self.run = body

    def __reduce__(self):
        # A copied or pickled model builds its own plan: this one's steps
        # call the original model's layers.
        return _no_plan, ()

    def checked_inputs(self, x):
        """`x` as a list of input arrays when it needs neither checks nor
        conversion: a C-contiguous ndarray (or a list or tuple of them, one
        per input) of exactly each Input's dtype and shape; otherwise None."""
        if type(x) is np.ndarray:
            xs = [x]
        elif type(x) is list or type(x) is tuple:
            xs = list(x)
        else:
            return None
        if len(xs) != len(self._inputs):
            return None
        for a, (dtype, shape) in zip(xs, self._inputs):
            if type(a) is not np.ndarray or a.dtype is not dtype \
                    or not a.flags.c_contiguous or a.ndim != len(shape) + 1:
                return None
            got = a.shape[1:]
            if got != shape and any(w is not None and w != g
                                    for w, g in zip(shape, got)):
                return None
        return xs

    def _run_chain(self, xs, training):
        x = xs[0]
        for fn in self._chain:
            x = fn(x, training)
        return [x]

    def _run_slots(self, xs, training):
        vals = [None] * self._n_slots
        vals[:self._n_inputs] = xs
        for fn, ins, as_list, out, free in self._steps:
            y = fn([vals[i] for i in ins] if as_list else vals[ins[0]], training)
            if type(out) is int:
                vals[out] = y
            else:
                for s, v in zip(out, y):
                    vals[s] = v
            for s in free:
                vals[s] = None
        return [vals[s] for s in self._output_slots]

    def _run_scoped(self, xs, training):
        with no_grad(), CallScope(training):
            return self._body(xs, training)

    def _run_masked(self, xs, training):
        with no_grad():
            outs, _ = self._model._execute(list(xs), training, None)
        return [as_array(o) for o in outs]


def _no_plan():
    return None


def _chain(steps, n_inputs, output_slots):
    """The step functions when each step reads only the previous step's one
    output (the first reads the only input) and the last gives the only
    output; otherwise None."""
    if n_inputs != 1 or len(output_slots) != 1 or not steps:
        return None
    prev = 0
    for _, ins, as_list, out, _ in steps:
        if as_list or ins != (prev,) or type(out) is not int:
            return None
        prev = out
    if prev != output_slots[0]:
        return None
    return tuple(fn for fn, *_ in steps)
