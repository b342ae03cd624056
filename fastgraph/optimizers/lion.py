"""Lion (EvoLved Sign Momentum), as tf-keras 2.11+'s Lion."""
from .._kernels import load
from .base import Optimizer, check_range

_k = load("optim")


class Lion(Optimizer):
    """Steps of the same size in every coordinate: the sign of an
    interpolation between momentum and gradient,
    `w -= lr * sign(beta_1 * m + (1 - beta_1) * g)`, then
    `m = beta_2 * m + (1 - beta_2) * g`."""

    _slot_names = ("m",)
    _own_config = frozenset({"weight_decay"})

    def __init__(self, learning_rate=0.0001, beta_1=0.9, beta_2=0.99,
                 weight_decay=None, name="Lion", **kwargs):
        # beta_1 = 0 would make it SignSGD, which tf-keras refuses too
        self.beta_1 = check_range("Lion", "beta_1", beta_1, 0.0, 1.0,
                                  low_open=True)
        self.beta_2 = check_range("Lion", "beta_2", beta_2, 0.0, 1.0)
        super().__init__(name, learning_rate, **kwargs)
        self._set_weight_decay(weight_decay)

    def _updater(self, lr_t):
        b1, b2 = self.beta_1, self.beta_2
        return lambda p, g, s, clip, scale: _k.lion(p, g, s["m"], lr_t, b1, b2,
                                                   clip, scale)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1,
                "beta_2": self.beta_2}
