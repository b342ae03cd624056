"""StackedRNNCells: several cells run as one, each feeding the next at
every timestep (tf-keras's StackedRNNCells)."""
import inspect

from ..engine.layer import Layer
from ..engine.serialization import deserialize_layer, serialize_layer
from .recurrent_cell_base import (build_sublayer, flatten_states,
                                  is_multiple, output_dims, pack_states, state_shapes,
                                  zero_states)


_ACCEPTS = {}


def accepts(fn, name):
    """Whether callable `fn` takes a keyword argument `name` (cached per
    function: asked at every call of a recurrent layer)."""
    key = (getattr(fn, "__func__", fn), name)
    answer = _ACCEPTS.get(key)
    if answer is None:
        params = inspect.signature(fn).parameters
        answer = _ACCEPTS[key] = name in params or any(
            p.kind is p.VAR_KEYWORD for p in params.values())
    return answer


def check_cell(cell, what):
    """`cell` has a `call` method and a `state_size` (tf-keras's checks)."""
    if not callable(getattr(cell, "call", None)):
        raise ValueError(f"{what} should have a `call` method. Received: cell={cell!r}")
    if not hasattr(cell, "state_size"):
        raise ValueError(f"{what}: the RNN cell should have a `state_size` attribute "
                         f"(an integer, or a list of integers, one per RNN state). "
                         f"Received: cell={cell!r}")


class StackedRNNCells(Layer):
    """Cells run one after the other at each step: the output of one is the
    input of the next.  The states are those of every cell in order (last
    cell first with reverse_state_order=True); the output is the last
    cell's.  Built-in cells still run as fused whole-sequence ops, one
    cell after the other."""

    def __init__(self, cells, **kwargs):
        cells = list(cells)
        if not cells:
            raise ValueError("StackedRNNCells: cells must be a non-empty list of cells")
        for cell in cells:
            check_cell(cell, "StackedRNNCells: every cell")
        self.reverse_state_order = bool(kwargs.pop("reverse_state_order", False))
        super().__init__(**kwargs)
        self.cells = cells

    def _ordered(self):
        return self.cells[::-1] if self.reverse_state_order else self.cells

    @property
    def state_size(self):
        return tuple(c.state_size for c in self._ordered())

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        return last.state_size[0] if is_multiple(last.state_size) else last.state_size

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Each cell's initial states, in state order."""
        out = []
        for cell in self._ordered():
            fn = getattr(cell, "get_initial_state", None)
            out.append(fn(inputs=inputs, batch_size=batch_size, dtype=dtype) if fn
                       else zero_states(cell.state_size, inputs, batch_size, dtype))
        return tuple(out)

    def _groups(self, flat):
        """The flat states cut into one list per cell, in cell order."""
        groups, start = [], 0
        for cell in self._ordered():
            n = len(state_shapes(cell.state_size))
            groups.append(list(flat[start:start + n]))
            start += n
        return groups[::-1] if self.reverse_state_order else groups

    def _regroup(self, groups):
        """Per-cell new states (cell order) as the nested result, state order."""
        nested = [g if is_multiple(c.state_size) else g[0]
                  for c, g in zip(self.cells, groups)]
        return nested[::-1] if self.reverse_state_order else nested

    def call(self, inputs, states, constants=None, training=None):
        new_groups = []
        for cell, group in zip(self.cells, self._groups(flatten_states(states))):
            kwargs = {}
            if accepts(cell.call, "training"):
                kwargs["training"] = training
            if constants is not None and accepts(cell.call, "constants"):
                kwargs["constants"] = constants
            inputs, new = cell.call(inputs, pack_states(cell.state_size, group), **kwargs)
            new_groups.append(flatten_states(new))
        return inputs, self._regroup(new_groups)

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            build_sublayer(self, cell, shape)
            shape = (shape[0],) + output_dims(cell)
        self.built = True

    # ------------------------------------------------- the fused sequence
    def fuses(self, training):
        """Whether every cell runs fused (then the stack runs cell by cell)."""
        return (type(self).call is StackedRNNCells.call
                and type(self).get_initial_state is StackedRNNCells.get_initial_state
                and all(callable(getattr(c, "fuses", None)) and c.fuses(training)
                        for c in self.cells))

    def sequence(self, x, states, mask, go_backwards, return_sequences, training):
        """The cells' fused ops one after the other: each returns its whole
        sequence (in processing order, so the next runs forwards on it)."""
        groups = [None] * len(self.cells) if states is None else self._groups(states)
        finals = []
        for k, (cell, group) in enumerate(zip(self.cells, groups)):
            last = k == len(self.cells) - 1
            out = cell.sequence(x, group, mask, go_backwards,
                                return_sequences or not last, training)
            x = out[0]
            finals.append(list(out[1:]))
            if go_backwards:
                go_backwards = False
                mask = None if mask is None else mask[:, ::-1]
        return (x, *flatten_states(self._regroup(finals)))

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialize_layer(c) for c in self.cells]
        if self.reverse_state_order:
            config["reverse_state_order"] = True
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)

