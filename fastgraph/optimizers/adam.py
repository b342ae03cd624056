"""The Adam family: Adam (and AMSGrad), Adamax, Nadam (tf-keras's legacy
rules) and AdamW (tf-keras 2.11+'s, Adam with decoupled weight decay)."""
import math

import numpy as np

from .._kernels import load
from .base import EPSILON, Optimizer, check_range

_k = load("optim")


def _betas(cls, beta_1, beta_2):
    return (check_range(cls, "beta_1", beta_1, 0.0, 1.0, high_open=True),
            check_range(cls, "beta_2", beta_2, 0.0, 1.0))


class Adam(Optimizer):
    """Adam (optionally AMSGrad), in tf-keras's form: the step is
    `lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)`."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name="Adam", **kwargs):
        cls = type(self).__name__
        self.beta_1, self.beta_2 = _betas(cls, beta_1, beta_2)
        self.epsilon = check_range(cls, "epsilon", epsilon or EPSILON)
        super().__init__(name, learning_rate, **kwargs)
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
        self.beta_1, self.beta_2 = _betas("Adamax", beta_1, beta_2)
        self.epsilon = check_range("Adamax", "epsilon", epsilon or EPSILON)
        super().__init__(name, learning_rate, **kwargs)

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
        self.beta_1, self.beta_2 = _betas("Nadam", beta_1, beta_2)
        self.epsilon = check_range("Nadam", "epsilon", epsilon or EPSILON)
        super().__init__(name, learning_rate, decay=decay, **kwargs)
        self._m_cache = None

    def _decayed_lr(self):
        return self._current_lr()

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


class AdamW(Adam):
    """Adam with decoupled weight decay (tf-keras 2.11+'s AdamW): before
    each Adam step every variable not excluded shrinks by
    `weight_decay * lr * variable` (see `exclude_from_weight_decay`)."""

    _own_config = frozenset({"weight_decay"})

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-7, amsgrad=False, name="AdamW",
                 **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay is required (a float >= 0)")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, name,
                         **kwargs)
        self._set_weight_decay(weight_decay)
