"""The Optimizer base: learning rate (a number or a schedule) and its
decay, gradient clipping, weight decay, iterations and slots.

Each step computes its scalars (decayed rate, bias corrections) in Python
doubles, then one C pass per variable updates the variable's array and its
slots in place: arrays are never rebound, so views held by layers stay
valid.  Gradients are read, never modified; clipping happens inside that
pass.
"""
import math
import numbers
import re

import numpy as np

from ..autodiff.gradient_tape import GradientTape
from ..autodiff.row_sparse import RowSparseGradient
from ..autodiff.tape import no_grad
from ..autodiff.tensor import Tensor, as_array
from .._kernels import load
from .schedules import LearningRateSchedule
from .schedules import deserialize as deserialize_schedule
from .schedules import serialize as serialize_schedule

_k = load("optim")

EPSILON = 1e-7
_ALLOWED_KWARGS = ("clipnorm", "clipvalue", "global_clipnorm", "lr", "decay")
# Keras 3 / tf-keras 2.11+ config keys that change nothing at these values.
_NEUTRAL_CONFIG = {"weight_decay": (None, 0, 0.0), "use_ema": (False,),
                   "loss_scale_factor": (None,),
                   "gradient_accumulation_steps": (None,)}
_IGNORED_CONFIG = ("is_legacy_optimizer", "jit_compile", "ema_momentum",
                   "ema_overwrite_frequency")


def check_range(cls_name, name, value, low=0.0, high=None, low_open=False,
                high_open=False):
    """`value` as a float, or ValueError naming the optimizer and the
    argument unless it is a number in the interval from `low` to `high`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{cls_name}: {name} must be a number, got {value!r}")
    value = float(value)
    bad = (value < low or (low_open and value == low)
           or (high is not None and (value > high or (high_open and value == high)))
           or math.isnan(value))
    if bad:
        if high is None:
            raise ValueError(f"{cls_name}: expected {name} {'>' if low_open else '>='}"
                             f" {low:g}, got {value}")
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{cls_name}: {name} must be in {left}{low:g}, {high:g}"
                         f"{right}, got {value}")
    return value


class Optimizer:
    """Base class: learning rate and its decay, clipping, iterations, slots.

    `learning_rate` is a number or a LearningRateSchedule (evaluated at
    `iterations` before each step).  Keyword arguments (as tf-keras): `lr`
    (Keras 2 name of `learning_rate`), `decay` (the rate is
    `lr / (1 + decay * iterations)`), `clipvalue` (clip each gradient
    element), `clipnorm` (scale each gradient to at most this L2 norm),
    `global_clipnorm` (scale all gradients together to at most this norm).
    Classes listing "weight_decay" in `_own_config` (the optimizers tf-keras
    2.11+ added) also take `weight_decay`: before each step every variable
    not excluded (`exclude_from_weight_decay`) shrinks by
    `weight_decay * lr * variable`.

    A subclass lists its slot names in `_slot_names` (tf-keras creation
    order) and implements `_updater(lr_t)`, which returns the step's
    `update(param, grad, slots, clip, scale)`: `slots` maps slot names to
    arrays, `clip` bounds gradient elements, `scale` is the norm factor.
    A gradient may come as a RowSparseGradient; its dense array serves
    unless `_rows_updater` gives a rule for the rows it flags.
    """

    _slot_names = ()
    _own_config = frozenset()   # keys of _NEUTRAL_CONFIG the class implements

    def __init__(self, name, learning_rate=0.001, **kwargs):
        cls = type(self).__name__
        for key, value in kwargs.items():
            if key not in _ALLOWED_KWARGS:
                raise TypeError(
                    f"{cls}: unexpected keyword argument "
                    f"{key!r}; allowed are {', '.join(_ALLOWED_KWARGS)}")
            if value is not None and key != "lr":
                check_range(cls, key, value)
        if (kwargs.get("clipnorm") is not None
                and kwargs.get("global_clipnorm") is not None):
            raise ValueError(f"{cls}: give clipnorm or "
                             f"global_clipnorm, not both")
        self.name = name
        self.learning_rate = kwargs.get("lr", learning_rate)
        self.decay = float(kwargs.get("decay", 0.0))
        self.clipnorm = kwargs.get("clipnorm")
        self.clipvalue = kwargs.get("clipvalue")
        self.global_clipnorm = kwargs.get("global_clipnorm")
        self.weight_decay = None
        self._decay_excluded, self._decay_excluded_names = set(), ()
        self._iterations = np.zeros((), dtype=np.int64)
        self._weights = [self._iterations]
        self._state = {}  # id(variable) -> (variable, {slot name: array})

    @property
    def learning_rate(self):
        """The base learning rate: a float, or the LearningRateSchedule it was
        given (settable, e.g. by callbacks)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule):
            self._learning_rate = value
            return
        self._learning_rate = check_range(type(self).__name__, "learning_rate",
                                          value)

    lr = learning_rate  # the Keras 2 name

    @property
    def iterations(self):
        """Number of update steps applied so far (an int, settable)."""
        return int(self._iterations)

    @iterations.setter
    def iterations(self, value):
        self._iterations[...] = int(value)

    def _current_lr(self):
        """The learning rate of this step, before `decay`."""
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return float(lr(self.iterations))
        return lr

    def _decayed_lr(self):
        lr = self._current_lr()
        if self.decay > 0.0:
            lr = lr / (1.0 + self.decay * self.iterations)
        return lr

    def _set_weight_decay(self, weight_decay):
        if weight_decay is not None:
            weight_decay = check_range(type(self).__name__, "weight_decay",
                                       weight_decay)
        self.weight_decay = weight_decay

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Leave the variables of `var_list`, and those whose name contains a
        match of one of the regular expressions `var_names`, out of weight
        decay (before the first step, as in tf-keras)."""
        if self._state:
            raise ValueError(f"{self.name}: exclude_from_weight_decay() must be "
                             f"called before the optimizer is built")
        self._decay_excluded = {id(v) for v in var_list or ()}
        self._decay_excluded_names = tuple(var_names or ())

    def _decays(self, var):
        if id(var) in self._decay_excluded:
            return False
        name = getattr(var, "name", None) or ""
        return not any(re.search(p, name) for p in self._decay_excluded_names)

    def _slot_initial(self, slot_name):
        return 0.0

    def _slot_shape(self, slot_name, shape):
        """The shape of slot `slot_name` of a variable of `shape`."""
        return shape

    def _create_slots(self, variables):
        """Create the slots of new variables: each slot name in turn over
        all of them, which is the order tf-keras's legacy `get_weights` uses."""
        for var in variables:
            self._state[id(var)] = (var, {})
        for slot_name in self._slot_names:
            for var in variables:
                data = var.data
                slot = np.full(self._slot_shape(slot_name, data.shape),
                               self._slot_initial(slot_name), dtype=data.dtype)
                self._state[id(var)][1][slot_name] = slot
                self._weights.append(slot)

    def build(self, variables):
        """Create the slots of `variables` now (e.g. before `set_weights`)."""
        new = []
        for var in variables:
            data = getattr(var, "data", None)
            if not isinstance(data, np.ndarray):
                raise TypeError(f"{self.name}: expected a Variable, got "
                                f"{type(var).__name__}")
            if data.dtype not in (np.float32, np.float64):
                raise TypeError(f"{self.name}: variable "
                                f"{getattr(var, 'name', None)!r} must be "
                                f"float32 or float64, got {data.dtype}")
            if id(var) not in self._state and all(v is not var for v in new):
                new.append(var)
        if new:
            self._create_slots(new)

    def get_slot(self, var, slot_name):
        """The slot array `slot_name` of `var` (live, updated in place)."""
        try:
            return self._state[id(var)][1][slot_name]
        except KeyError:
            raise KeyError(f"{self.name}: no slot {slot_name!r} for variable "
                           f"{getattr(var, 'name', var)!r}; slots are "
                           f"{list(self._slot_names)}") from None

    def get_slot_names(self):
        """Names of the slots this optimizer keeps per variable."""
        return list(self._slot_names)

    def _clip(self, grads):
        """Element clip bound and per-gradient norm scale factors."""
        clip = math.inf if self.clipvalue is None else float(self.clipvalue)
        if self.clipnorm is None and self.global_clipnorm is None:
            return clip, [1.0] * len(grads)
        sq = [_k.sqnorm(g, clip) for g in grads]
        if self.clipnorm is not None:
            c = float(self.clipnorm)
            return clip, [c / math.sqrt(s) if math.sqrt(s) > c else 1.0
                          for s in sq]
        c = float(self.global_clipnorm)
        norm = math.sqrt(math.fsum(sq))
        return clip, [c / norm if norm > c else 1.0] * len(grads)

    def apply_gradients(self, grads_and_vars):
        """Apply one step: update each variable's array in place from its
        gradient (pairs whose gradient is None are skipped)."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise ValueError(f"{self.name}: no gradients provided for any "
                             f"variable")
        state = self._state
        new = [v for _, v in pairs if id(v) not in state]
        if new:
            self.build(new)
        grads, rows = [], []
        for g, var in pairs:
            data = var.data
            r = None
            if isinstance(g, RowSparseGradient):
                g, r = g.dense, g.rows
            g = g.data if isinstance(g, Tensor) else g
            if (not isinstance(g, np.ndarray) or g.dtype != data.dtype
                    or not g.flags.c_contiguous):
                g = np.asarray(g, dtype=data.dtype, order="C")
            if g.shape != data.shape:
                raise ValueError(
                    f"{self.name}: gradient for variable "
                    f"{getattr(var, 'name', None)!r} has shape {g.shape}, "
                    f"expected {data.shape}")
            grads.append(g)
            rows.append(r)
        clip, scales = self._clip(grads)
        lr_t = self._decayed_lr()
        if self.weight_decay:
            for _, var in pairs:
                if self._decays(var):
                    _k.decay(var.data, self.weight_decay, lr_t)
        update = self._updater(lr_t)
        update_rows = None
        if any(r is not None for r in rows):
            update_rows = self._rows_updater(lr_t)
        for g, r, (_, var), scale in zip(grads, rows, pairs, scales):
            if r is None or update_rows is None:
                update(var.data, g, state[id(var)][1], clip, scale)
            else:
                update_rows(var.data, g, r, state[id(var)][1], clip, scale)
            if getattr(var, "constraint", None) is not None:
                with no_grad():
                    np.copyto(var.data, as_array(var.constraint(var)),
                              casting="same_kind")
        self._iterations += 1

    def _rows_updater(self, lr_t):
        """The step's `update(param, grad, rows, slots, clip, scale)` for a
        gradient that is zero outside the rows flagged in the uint8 `rows`
        (a RowSparseGradient's), or None to use the dense rule (the default)."""
        return None

    def apply(self, grads, variables=None):
        """Keras 3 form of `apply_gradients`: gradients and variables as two
        lists (variables default to those the optimizer already tracks)."""
        if variables is None:
            variables = [var for var, _ in self._state.values()]
        grads, variables = list(grads), list(variables)
        if len(grads) != len(variables):
            raise ValueError(f"{self.name}: got {len(grads)} gradients for "
                             f"{len(variables)} variables")
        self.apply_gradients(zip(grads, variables))

    def minimize(self, loss, var_list, grad_loss=None, name=None, tape=None):
        """tf-keras's one step on `loss` (a Tensor, or a zero-argument
        callable run under a new tape): the gradients of `loss` with
        respect to `var_list` (a list, or a callable returning one) from
        `tape` (when the loss was computed under it), then
        `apply_gradients`; variables the loss does not depend on are left
        alone.  Returns the iteration count."""
        if callable(loss) and not isinstance(loss, Tensor):
            with GradientTape() as tape:
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        if not isinstance(loss, Tensor):
            raise TypeError(f"{self.name}.minimize: `loss` must be a Tensor or a "
                            f"zero-argument callable returning one, got "
                            f"{type(loss).__name__}")
        tape = tape if tape is not None else GradientTape()
        grads = tape.gradient(loss, var_list, output_gradients=grad_loss)
        self.apply_gradients(zip(grads, var_list))
        return self._iterations

    def variables(self):
        """The live state arrays: iterations, then slots in creation order."""
        return list(self._weights)

    @property
    def weights(self):
        """Same as `variables()`."""
        return list(self._weights)

    def get_weights(self):
        """Copies of the state: [iterations, then the slots in creation
        order], as tf-keras's legacy optimizers order them."""
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        """Restore state from `get_weights()` output, in place; continuing
        from it then reproduces the original run bit for bit."""
        weights = [np.asarray(w) for w in weights]
        if len(weights) != len(self._weights):
            raise ValueError(
                f"{self.name}.set_weights: expected {len(self._weights)} "
                f"arrays (iterations, then the slots; call build(variables) "
                f"first to create slots), got {len(weights)}")
        for i, (mine, w) in enumerate(zip(self._weights, weights)):
            if mine.shape != w.shape:
                raise ValueError(f"{self.name}.set_weights: weight {i} has "
                                 f"shape {w.shape}, expected {mine.shape}")
        for mine, w in zip(self._weights, weights):
            np.copyto(mine, w, casting="unsafe")

    def get_config(self):
        """Constructor arguments, as a dict."""
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = serialize_schedule(lr)
        config = {"name": self.name, "learning_rate": lr, "decay": self.decay}
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, key) is not None:
                config[key] = getattr(self, key)
        if "weight_decay" in self._own_config:
            config["weight_decay"] = self.weight_decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an optimizer from `get_config()` output (also accepts
        `lr`, and Keras 3 keys left at values that change nothing)."""
        config = dict(config)
        if "lr" in config:
            config["learning_rate"] = config.pop("lr")
        for key in _IGNORED_CONFIG:
            config.pop(key, None)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = deserialize_schedule(config["learning_rate"],
                                                           custom_objects)
        for key, neutral in _NEUTRAL_CONFIG.items():
            if key in config and key not in cls._own_config:
                value = config.pop(key)
                if value not in neutral:
                    raise ValueError(f"{cls.__name__}: config {key}={value!r}"
                                     f" is not supported")
        return cls(**config)


