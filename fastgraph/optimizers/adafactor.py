"""Adafactor, as tf-keras 2.11+'s Adafactor: Adam-like steps whose second
moment of a matrix is kept as one row vector and one column vector."""
import math

from .._kernels import load
from .base import Optimizer, check_range

_k = load("optim")


class Adafactor(Optimizer):
    """Adafactor.  For a variable of 2 or more dimensions the slots "r"
    (shape[:-1]) and "c" (shape[:-2] + shape[-1:]) hold the factored second
    moment and "v" its product; for fewer dimensions "v" holds it alone (and
    "r", "c" are empty).  The step is `rho * max(epsilon_2, rms(w))` times
    the gradient over sqrt(v), scaled down to an rms of `clip_threshold`,
    where `rho = min(lr, 1/sqrt(t))` and the second-moment decay is
    `1 - t ** beta_2_decay`."""

    _slot_names = ("r", "c", "v")
    _own_config = frozenset({"weight_decay"})

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
                 epsilon_2=1e-3, clip_threshold=1.0, relative_step=True,
                 weight_decay=None, name="Adafactor", **kwargs):
        self.beta_2_decay = check_range("Adafactor", "beta_2_decay", beta_2_decay,
                                        -float("inf"), 0.0)
        self.epsilon_1 = check_range("Adafactor", "epsilon_1", epsilon_1)
        self.epsilon_2 = check_range("Adafactor", "epsilon_2", epsilon_2)
        self.clip_threshold = check_range("Adafactor", "clip_threshold",
                                          clip_threshold, low_open=True)
        self.relative_step = bool(relative_step)
        super().__init__(name, learning_rate, **kwargs)
        self._set_weight_decay(weight_decay)

    def _slot_shape(self, slot_name, shape):
        if slot_name == "v":
            return shape
        if len(shape) < 2:
            return (0,)
        return shape[:-1] if slot_name == "r" else shape[:-2] + shape[-1:]

    def _updater(self, lr_t):
        t = float(self.iterations + 1)
        # tf-keras also caps lr itself when relative_step, which changes nothing
        rho = min(lr_t, 1.0 / math.sqrt(t))
        beta = 1.0 - t ** self.beta_2_decay
        eps1, eps2, threshold = self.epsilon_1, self.epsilon_2, self.clip_threshold

        def update(p, g, s, clip, scale):
            factored = p.ndim >= 2
            _k.adafactor(p, g, s["r"] if factored else None,
                         s["c"] if factored else None, s["v"], rho, beta, eps1,
                         eps2, threshold, clip, scale)
        return update

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step}
