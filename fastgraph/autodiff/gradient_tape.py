"""GradientTape: tf.GradientTape's interface over fastgraph's tape.

fastgraph records every op whose inputs require gradients (Variables, and
tensors `watch` marks), so the context manager's part is to make sure
recording is on inside it (even within `no_grad`) and to hand
`gradient(target, sources)` to the tape: sources in any nesting of lists,
tuples and dicts, one gradient Tensor each, None (or zeros, with
`unconnected_gradients='zero'`) where the target does not depend on the
source, as tf.GradientTape answers.  A non-persistent tape frees its
records after its one `gradient` call; a persistent one keeps them.
Ops that ran before the tape was entered keep their records too, so a
gradient flows through them (tf.GradientTape would stop there).
"""
import numpy as np

from .tape import _GradMode, _count_uses, gradients
from .tensor import Tensor


class GradientTape:
    """`with GradientTape() as tape: loss = ...` then
    `tape.gradient(loss, model.trainable_variables)`."""

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._used = False
        self._watched = []
        self._mode = None

    def __enter__(self):
        self._mode = _GradMode(True).__enter__()
        return self

    def __exit__(self, *exc):
        self._mode.__exit__(*exc)
        self._mode = None

    def watch(self, tensor):
        """Record ops on `tensor` (a Tensor, or a list/tuple/dict of them)
        from now on, so that gradients with respect to it exist."""
        for t in _flatten(tensor, "GradientTape.watch", "tensor"):
            t.requires_grad = True
            self._watched.append(t)

    def watched_variables(self):
        """The tensors `watch` marked, in order."""
        return list(self._watched)

    def stop_recording(self):
        """Context manager: ops inside it are not recorded."""
        return _GradMode(False)

    def reset(self):
        """Forget the watched tensors; the tape can be used again."""
        self._watched = []
        self._used = False

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients="none"):
        """d sum(target) / d source for each source, in the structure of
        `sources`: a Tensor each, None where `target` does not depend on
        the source (zeros with unconnected_gradients='zero').  A list of
        targets adds their gradients.  `output_gradients` seeds the
        backward pass (one array per target)."""
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"GradientTape.gradient: unconnected_gradients must be "
                             f"'none' or 'zero', got {unconnected_gradients!r}")
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to "
                               "compute one set of gradients; create it with "
                               "GradientTape(persistent=True) to call gradient() "
                               "several times")
        self._used = True
        targets = _flatten(target, "GradientTape.gradient", "target")
        flat = _flatten(sources, "GradientTape.gradient", "sources")
        seeds = [None] * len(targets)
        if output_gradients is not None:
            seeds = output_gradients if isinstance(output_gradients, (list, tuple)) \
                else [output_gradients]
            if len(seeds) != len(targets):
                raise ValueError(f"GradientTape.gradient: {len(seeds)} "
                                 f"output_gradients for {len(targets)} targets")
        keep = {id(s) for s in flat}
        connected, total = set(), None
        for i, (t, seed) in enumerate(zip(targets, seeds)):
            uses = _count_uses([(0, id(t), t)] if t._rec is not None else [], keep)
            connected.update(k for k, n in uses.items() if n)
            connected.add(id(t))
            retain = self._persistent or i < len(targets) - 1
            grads = gradients(t, flat, grad_loss=None if seed is None
                              else np.asarray(seed, dtype=t.dtype), retain=retain)
            total = grads if total is None else [a + b for a, b in zip(total, grads)]
        out = [Tensor(g) if id(s) in connected or unconnected_gradients == "zero"
               else None for s, g in zip(flat, total)]
        return _pack(sources, iter(out))


def _flatten(value, who, what):
    """The Tensors of a Tensor or a nesting of lists, tuples and dicts."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, dict):
        return [t for k in value for t in _flatten(value[k], who, what)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flatten(v, who, what)]
    hint = (" (a symbolic tensor: use fastgraph.backend.gradients on graphs)"
            if hasattr(value, "_keras_history") else "")
    raise TypeError(f"{who}: `{what}` must be Tensors or Variables (or lists, "
                    f"tuples or dicts of them), got {type(value).__name__}{hint}")


def _pack(structure, flat):
    """`structure` with its Tensors replaced, in order, by items of `flat`."""
    if isinstance(structure, Tensor):
        return next(flat)
    if isinstance(structure, dict):
        return {k: _pack(v, flat) for k, v in structure.items()}
    return type(structure)(_pack(v, flat) for v in structure) \
        if isinstance(structure, tuple) else [_pack(v, flat) for v in structure]
