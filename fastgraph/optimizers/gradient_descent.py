"""SGD, with momentum or Nesterov momentum (tf-keras's legacy rule)."""
from .._kernels import load
from .base import Optimizer, check_range

_k = load("optim")


class SGD(Optimizer):
    """Gradient descent, optionally with momentum or Nesterov momentum:
    `velocity = momentum * velocity - lr * g; w += velocity` (Nesterov:
    `w += momentum * velocity - lr * g`)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False,
                 name="SGD", **kwargs):
        momentum = check_range("SGD", "momentum", momentum, 0.0, 1.0)
        super().__init__(name, learning_rate, **kwargs)
        self.momentum = momentum
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
