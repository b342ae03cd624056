"""RMSprop (tf-keras's legacy rule), with its row-sparse update for
Embedding tables."""
from .._kernels import load
from .base import EPSILON, Optimizer, check_range

_k = load("optim")


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
        momentum = check_range("RMSprop", "momentum", momentum, 0.0, 1.0)
        rho = check_range("RMSprop", "rho", rho, 0.0, 1.0)
        epsilon = check_range("RMSprop", "epsilon", epsilon or EPSILON)
        super().__init__(name, learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
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
