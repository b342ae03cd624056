"""Adagrad and Adadelta: per-element rates from running sums of squared
gradients (tf-keras's legacy rules)."""
from .._kernels import load
from .base import EPSILON, Optimizer, check_range

_k = load("optim")


class Adagrad(Optimizer):
    """Adagrad: per-element rates shrinking with the sum of squared
    gradients."""

    _slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1,
                 epsilon=1e-7, name="Adagrad", **kwargs):
        initial_accumulator_value = check_range(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value)
        epsilon = check_range("Adagrad", "epsilon", epsilon or EPSILON)
        super().__init__(name, learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

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
        rho = check_range("Adadelta", "rho", rho, 0.0, 1.0)
        epsilon = check_range("Adadelta", "epsilon", epsilon or EPSILON)
        super().__init__(name, learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _updater(self, lr_t):
        rho, eps = self.rho, self.epsilon
        return lambda p, g, s, clip, scale: _k.adadelta(
            p, g, s["accum_grad"], s["accum_var"], lr_t, rho, eps, clip, scale)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho,
                "epsilon": self.epsilon}
