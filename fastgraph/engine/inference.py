"""Inference plans: a model's execution plan run on NumPy arrays, no tape.

`predict` needs no gradients, so its steps need no Tensors, records or
closures: each step of the Functional plan becomes a function from input
arrays to output arrays.  Layers that provide `_inference_fn` (Dense, with
its bias and activation fused in C, and Dropout) run directly on arrays;
every other layer runs its ordinary call() on Tensors under `no_grad`.  A
chain of single-input single-output steps (an MLP, most Sequentials) runs
as a plain loop that hands each step's output to the next.  A plan holds no
buffers and nothing it changes while running, so any number of threads can
run one plan at once; the model rebuilds it whenever its own plan changes.
"""
import numpy as np

from ..autodiff import Tensor, as_array, no_grad
from .layer import CallScope

_TRAINING, _MASK, _NESTED = 1, 2, 4      # the step flags of Functional._compile_plan


def _arrays(y, single):
    if isinstance(y, (list, tuple)):
        return as_array(y[0]) if single else [as_array(t) for t in y]
    return as_array(y)


def _layer_step(layer, args, kwargs, flags, single):
    """Run `layer._run` on Tensors, returning arrays (the plan holds the
    no_grad and CallScope contexts around it)."""
    def run(x, training):
        kw = kwargs
        if flags & (_TRAINING | _MASK):
            kw = dict(kwargs)
            if flags & _TRAINING:
                kw["training"] = training
            if flags & _MASK:
                kw["mask"] = None
        t = [Tensor(a) for a in x] if isinstance(x, list) else Tensor(x)
        return _arrays(layer._run(t, args, kw), single)
    return run


def _nested_step(model, kwargs, single):
    fixed = kwargs.get("training")

    def run(x, training):
        outs = model._predict_arrays(x if isinstance(x, list) else [x],
                                     training if fixed is None else fixed)
        return outs[0] if single else outs
    return run


def _has_masks(model):
    for node in model._plan_nodes:
        for t in node.input_tensors + node.output_tensors:
            if getattr(t, "_keras_mask", None) is not None:
                return True
    return False


class InferencePlan:
    """The steps of `model._plan` as functions of arrays (see module doc).

    `run(xs, training=False)` takes one array per model input, already of
    the Inputs' dtypes and shapes, and returns a list of output arrays.
    """

    def __init__(self, model):
        self.source = model._plan
        self._model = model
        self._n_slots = model._n_slots
        self._n_inputs = len(model.inputs)
        self._output_slots = model._output_slots
        self._inputs = [(np.dtype(t.dtype), tuple(t.shape[1:])) for t in model.inputs]
        scoped = False
        steps = []
        for (layer, ins, as_list, outs, args, kwargs, flags, _, free), node in \
                zip(model._plan, model._plan_nodes):
            single = len(outs) == 1
            fn = None
            if flags & _NESTED:
                fn = _nested_step(layer, kwargs, single)
            elif not args and not kwargs:
                dtypes = [t.dtype for t in node.input_tensors]
                fn = layer._inference_fn(dtypes if as_list else dtypes[0])
            if fn is None:
                fn = _layer_step(layer, args, kwargs, flags, single)
                scoped = True
            steps.append((fn, ins, as_list, outs[0] if single else outs, free))
        self._steps = steps
        self._chain = _chain(steps, self._n_inputs, self._output_slots)
        body = self._run_slots if self._chain is None else self._run_chain
        if _has_masks(model):
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
        with no_grad(), CallScope():
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
