"""The weight creation scope: how a model is rebuilt for loading.

Inside `with WeightCreationScope(budget):` (on the current thread only),
`Layer.add_weight` skips the initializer and allocates zeros, whose pages
the kernel maps lazily, so nothing is computed or touched until the loader
copies the file's arrays in; every weight's bytes are counted against
`budget`, so a config asking for more than the file holds fails before it
allocates.  Shape inference by dummy calls (`infer_by_dummy_call`) refuses
inputs over `MAX_DUMMY_BYTES` in the scope.  After loading, `unfilled`
names the weights the loader did not set.
"""
import math
import threading

import numpy as np

# Bytes of dummy inputs for one shape inference in a scope (a program may raise it).
MAX_DUMMY_BYTES = 16 << 20

_state = threading.local()


class WeightBudgetError(ValueError):
    """A weight that does not fit the budget of a WeightCreationScope."""


class DummyInputError(ValueError):
    """Dummy inputs for shape inference over the limit of a
    WeightCreationScope."""


def current_scope():
    """The WeightCreationScope active on this thread, or None."""
    return getattr(_state, "scope", None)


class WeightCreationScope:
    """Weights created without initializers, within `budget` bytes.

    Scopes nest (the innermost applies) and are per thread.  Attributes:
    `budget`, `used` (bytes allocated so far), `dummy_limit` (bytes of
    dummy inputs allowed in one shape inference).
    """

    def __init__(self, budget, dummy_limit=None):
        self.budget = int(budget)
        self.dummy_limit = MAX_DUMMY_BYTES if dummy_limit is None else int(dummy_limit)
        self.used = 0
        self._created = []
        self._previous = None

    def __enter__(self):
        self._previous = current_scope()
        _state.scope = self
        return self

    def __exit__(self, *exc):
        _state.scope = self._previous

    def allocate(self, layer_name, weight_name, shape, dtype):
        """A zero array for weight `weight_name` of layer `layer_name`,
        charged to the budget; WeightBudgetError when it does not fit."""
        nbytes = math.prod(int(d) for d in shape) * np.dtype(dtype).itemsize
        if self.used + nbytes > self.budget:
            raise WeightBudgetError(
                f'Layer "{layer_name}": weight {weight_name!r} of shape {shape} '
                f'needs {nbytes} bytes, but only {self.budget - self.used} of the '
                f'weight budget of {self.budget} bytes are left')
        array = np.zeros(shape, dtype)
        self.used += nbytes
        self._created.append((layer_name, weight_name, array))
        return array

    def check_dummy(self, shapes, itemsizes, layer_name=None):
        """DummyInputError when dummy inputs of `shapes` (None dims
        counted as 3) with `itemsizes` bytes per element exceed the limit."""
        nbytes = sum(math.prod(3 if d is None else int(d) for d in s) * size
                     for s, size in zip(shapes, itemsizes))
        if nbytes > self.dummy_limit:
            who = f'Layer "{layer_name}"' if layer_name else "Shape inference"
            raise DummyInputError(
                f"{who}: inferring output shapes for input shape(s) "
                f"{list(map(tuple, shapes))} would run on {nbytes} bytes of dummy "
                f"inputs, more than the limit of {self.dummy_limit} while loading "
                f"(fastgraph.engine.weight_scope.MAX_DUMMY_BYTES)")

    def unfilled(self, filled):
        """'layer/weight' names of the weights created in the scope whose
        arrays are not among `filled` (arrays the loader has set)."""
        done = {id(a) for a in filled}
        return [f"{layer}/{weight}" for layer, weight, array in self._created
                if id(array) not in done]
