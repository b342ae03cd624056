"""Optimizers: tf-keras 2.x legacy update rules over fused in-place C kernels.

Update rules, defaults, slot names and the order of `get_weights()` follow
`tf_keras.optimizers.legacy`.  Each step computes its scalars (decayed rate,
bias corrections) in Python doubles, then one C pass per variable updates
the variable's array and its slots in place: arrays are never rebound, so
views held by layers stay valid.  Gradients are read, never modified;
clipping happens inside that pass.
"""
import math

import numpy as np

from . import registry
from ._kernels import load
from .autodiff.row_sparse import RowSparseGradient
from .autodiff.tape import no_grad
from .autodiff.tensor import Tensor, as_array

_k = load("optim")

_EPSILON = 1e-7
_ALLOWED_KWARGS = ("clipnorm", "clipvalue", "global_clipnorm", "lr", "decay")
# Keras 3 / tf-keras 2.11+ config keys that change nothing at these values.
_NEUTRAL_CONFIG = {"weight_decay": (None, 0, 0.0), "use_ema": (False,),
                   "loss_scale_factor": (None,),
                   "gradient_accumulation_steps": (None,)}
_IGNORED_CONFIG = ("is_legacy_optimizer", "jit_compile", "ema_momentum",
                   "ema_overwrite_frequency")


class Optimizer:
    """Base class: learning rate and its decay, clipping, iterations, slots.

    Keyword arguments (as tf-keras): `lr` (Keras 2 name of
    `learning_rate`), `decay` (the rate is `lr / (1 + decay * iterations)`),
    `clipvalue` (clip each gradient element), `clipnorm` (scale each
    gradient to at most this L2 norm), `global_clipnorm` (scale all
    gradients together to at most this norm).

    A subclass lists its slot names in `_slot_names` (tf-keras creation
    order) and implements `_updater(lr_t)`, which returns the step's
    `update(param, grad, slots, clip, scale)`: `slots` maps slot names to
    arrays, `clip` bounds gradient elements, `scale` is the norm factor.
    A gradient may come as a RowSparseGradient; its dense array serves
    unless `_rows_updater` gives a rule for the rows it flags.
    """

    _slot_names = ()

    def __init__(self, name, learning_rate=0.001, **kwargs):
        for key, value in kwargs.items():
            if key not in _ALLOWED_KWARGS:
                raise TypeError(
                    f"{type(self).__name__}: unexpected keyword argument "
                    f"{key!r}; allowed are {', '.join(_ALLOWED_KWARGS)}")
            if value is not None and value < 0:
                raise ValueError(f"{type(self).__name__}: expected {key} >= 0,"
                                 f" got {value}")
        if (kwargs.get("clipnorm") is not None
                and kwargs.get("global_clipnorm") is not None):
            raise ValueError(f"{type(self).__name__}: give clipnorm or "
                             f"global_clipnorm, not both")
        self.name = name
        self.learning_rate = kwargs.get("lr", learning_rate)
        self.decay = float(kwargs.get("decay", 0.0))
        self.clipnorm = kwargs.get("clipnorm")
        self.clipvalue = kwargs.get("clipvalue")
        self.global_clipnorm = kwargs.get("global_clipnorm")
        self._iterations = np.zeros((), dtype=np.int64)
        self._weights = [self._iterations]
        self._state = {}  # id(variable) -> (variable, {slot name: array})

    @property
    def learning_rate(self):
        """The base learning rate, a float (settable, e.g. by callbacks)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = float(value)

    lr = learning_rate  # the Keras 2 name

    @property
    def iterations(self):
        """Number of update steps applied so far (an int, settable)."""
        return int(self._iterations)

    @iterations.setter
    def iterations(self, value):
        self._iterations[...] = int(value)

    def _decayed_lr(self):
        lr = self._learning_rate
        if self.decay > 0.0:
            lr = lr / (1.0 + self.decay * self.iterations)
        return lr

    def _slot_initial(self, slot_name):
        return 0.0

    def _create_slots(self, variables):
        """Create the slots of new variables: each slot name in turn over
        all of them, which is the order tf-keras's `get_weights` uses."""
        for var in variables:
            self._state[id(var)] = (var, {})
        for slot_name in self._slot_names:
            for var in variables:
                data = var.data
                slot = np.full(data.shape, self._slot_initial(slot_name),
                               dtype=data.dtype)
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
                g = np.ascontiguousarray(g, dtype=data.dtype)
            if g.shape != data.shape:
                raise ValueError(
                    f"{self.name}: gradient for variable "
                    f"{getattr(var, 'name', None)!r} has shape {g.shape}, "
                    f"expected {data.shape}")
            grads.append(g)
            rows.append(r)
        clip, scales = self._clip(grads)
        lr_t = self._decayed_lr()
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
        config = {"name": self.name, "learning_rate": self.learning_rate,
                  "decay": self.decay}
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, key) is not None:
                config[key] = getattr(self, key)
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
        for key, neutral in _NEUTRAL_CONFIG.items():
            if key in config:
                value = config.pop(key)
                if value not in neutral:
                    raise ValueError(f"{cls.__name__}: config {key}={value!r}"
                                     f" is not supported")
        return cls(**config)


def _check_unit(cls_name, name, value):
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{cls_name}: {name} must be in [0, 1], got {value}")


class SGD(Optimizer):
    """Gradient descent, optionally with momentum or Nesterov momentum:
    `velocity = momentum * velocity - lr * g; w += velocity` (Nesterov:
    `w += momentum * velocity - lr * g`)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False,
                 name="SGD", **kwargs):
        _check_unit("SGD", "momentum", momentum)
        super().__init__(name, learning_rate, **kwargs)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self._slot_names = ("momentum",) if momentum > 0 else ()

    def _updater(self, lr_t):
        if not self._slot_names:
            return lambda p, g, s, clip, scale: _k.sgd(p, g, lr_t, clip, scale)
        mu, nesterov = self.momentum, self.nesterov

        def update(p, g, s, clip, scale):
            _k.momentum(p, g, s["momentum"], lr_t, mu, nesterov, clip, scale)
        return update

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square (centered:
    by the running variance), optionally with momentum.

    Handed a RowSparseGradient (an Embedding table's: zero outside the rows
    the batch looked up), plain RMSprop (no momentum, not centered, no norm
    clipping) updates those rows and only decays `rms` elsewhere, which is
    what the dense rule gives there bit for bit, and what tf-keras's sparse
    rule (IndexedSlices) computes too.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0,
                 epsilon=1e-7, centered=False, name="RMSprop", **kwargs):
        _check_unit("RMSprop", "momentum", momentum)
        super().__init__(name, learning_rate, **kwargs)
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon or _EPSILON)
        self.centered = bool(centered)
        self._slot_names = (("rms",)
                            + (("momentum",) if momentum > 0 else ())
                            + (("mg",) if centered else ()))

    def _updater(self, lr_t):
        rho, mu, eps = self.rho, self.momentum, self.epsilon
        if "momentum" in self._slot_names:
            def update(p, g, s, clip, scale):
                _k.rmsprop_momentum(p, g, s["rms"], s["momentum"], s.get("mg"),
                                    lr_t, rho, mu, eps, clip, scale)
        else:
            def update(p, g, s, clip, scale):
                _k.rmsprop(p, g, s["rms"], s.get("mg"), lr_t, rho, eps, clip,
                           scale)
        return update

    def _rows_updater(self, lr_t):
        if self._slot_names != ("rms",) or lr_t < 0.0:
            return None
        rho, eps, dense = self.rho, self.epsilon, self._updater(lr_t)

        def update(p, g, rows, s, clip, scale):
            if scale != 1.0:    # norm clipping scales every row
                dense(p, g, s, clip, scale)
            else:
                _k.rmsprop_rows(p, g, s["rms"], rows, lr_t, rho, eps, clip)
        return update

    def get_config(self):
        return {**super().get_config(), "rho": self.rho,
                "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


RMSProp = RMSprop


class Adagrad(Optimizer):
    """Adagrad: per-element rates shrinking with the sum of squared
    gradients."""

    _slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1,
                 epsilon=1e-7, name="Adagrad", **kwargs):
        if initial_accumulator_value < 0.0:
            raise ValueError(f"Adagrad: initial_accumulator_value must be "
                             f">= 0, got {initial_accumulator_value}")
        super().__init__(name, learning_rate, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon or _EPSILON)

    def _slot_initial(self, slot_name):
        return self.initial_accumulator_value

    def _updater(self, lr_t):
        eps = self.epsilon
        return lambda p, g, s, clip, scale: _k.adagrad(
            p, g, s["accumulator"], lr_t, eps, clip, scale)

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta: steps scaled by running averages of squared gradients and
    of squared updates."""

    _slot_names = ("accum_grad", "accum_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7,
                 name="Adadelta", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.rho = float(rho)
        self.epsilon = float(epsilon or _EPSILON)

    def _updater(self, lr_t):
        rho, eps = self.rho, self.epsilon
        return lambda p, g, s, clip, scale: _k.adadelta(
            p, g, s["accum_grad"], s["accum_var"], lr_t, rho, eps, clip, scale)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho,
                "epsilon": self.epsilon}


class Adam(Optimizer):
    """Adam (optionally AMSGrad), in tf-keras's form: the step is
    `lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)`."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name="Adam", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon or _EPSILON)
        self.amsgrad = bool(amsgrad)
        self._slot_names = ("m", "v", "vhat") if amsgrad else ("m", "v")

    def _updater(self, lr_t):
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        t = self.iterations + 1
        alpha = lr_t * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        return lambda p, g, s, clip, scale: _k.adam(
            p, g, s["m"], s["v"], s.get("vhat"), alpha, b1, b2, eps, clip,
            scale)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1,
                "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm, `v = max(beta_2 * v, |g|)`."""

    _slot_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, name="Adamax", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon or _EPSILON)

    def _updater(self, lr_t):
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        lr_scaled = lr_t / (1.0 - b1 ** (self.iterations + 1))
        return lambda p, g, s, clip, scale: _k.adamax(
            p, g, s["m"], s["v"], lr_scaled, b1, b2, eps, clip, scale)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1,
                "beta_2": self.beta_2, "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum and tf-keras's momentum schedule
    `mu_t = beta_1 * (1 - 0.5 * 0.96^(schedule_decay * t))`.

    As in tf-keras, the learning rate is not decayed: `decay` (alias
    `schedule_decay`, default 0.004) is the momentum schedule's decay, and
    the running product of `mu_t` is a state weight after `iterations`.
    """

    _slot_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, schedule_decay=None, name="Nadam", **kwargs):
        decay = kwargs.pop("decay", 0.004)
        if schedule_decay is not None:
            decay = schedule_decay
        super().__init__(name, learning_rate, decay=decay, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon or _EPSILON)
        self._m_cache = None

    def _decayed_lr(self):
        return self._learning_rate

    def _create_slots(self, variables):
        if self._m_cache is None:
            self._m_cache = np.ones((), dtype=np.float64)
            self._weights.append(self._m_cache)
        super()._create_slots(variables)

    def _updater(self, lr_t):
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        t = self.iterations + 1
        mu_t = b1 * (1.0 - 0.5 * 0.96 ** (self.decay * t))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** (self.decay * (t + 1)))
        sched = float(self._m_cache) * mu_t
        self._m_cache[...] = sched
        cg = (1.0 - mu_t) / (1.0 - sched)
        cm = mu_next / (1.0 - sched * mu_next)
        cv = 1.0 / (1.0 - b2 ** t)
        return lambda p, g, s, clip, scale: _k.nadam(
            p, g, s["m"], s["v"], lr_t, b1, b2, eps, cg, cm, cv, clip, scale)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1,
                "beta_2": self.beta_2, "epsilon": self.epsilon}


registry.set_base("optimizer", Optimizer)
for _cls in (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam):
    registry.register_builtin("optimizer", _cls)
    registry.register_builtin("optimizer", _cls, _cls.__name__.lower())


def serialize(optimizer):
    """`{'class_name': ..., 'config': ...}` describing `optimizer`."""
    return registry.serialize(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from `serialize()` output or a name; `custom_objects`
    maps class names to user Optimizer classes."""
    return registry.deserialize("optimizer", config, custom_objects)


def get(identifier, custom_objects=None):
    """An optimizer from a name ('adam', case-insensitive), a config dict
    or an instance (returned as is)."""
    if not isinstance(identifier, (str, dict, Optimizer)):
        raise ValueError(f"Could not interpret optimizer identifier "
                         f"{identifier!r}: expected a name, a config dict or "
                         f"an Optimizer")
    return registry.get("optimizer", identifier, custom_objects)
