"""FTRL-proximal, as tf-keras's Ftrl (the legacy and the 2.11+ classes
share the rule: tf's ApplyFtrlV2)."""
from .._kernels import load
from .base import Optimizer, check_range

_k = load("optim")


class Ftrl(Optimizer):
    """Follow The Regularized Leader: per-element rates from the
    accumulated squared gradients (`learning_rate_power` -0.5 is Adagrad's
    square root), with L1 (sparsity), L2 and L2-shrinkage regularization
    and `beta` added to the L2 strength as `beta / (2 lr)`."""

    _slot_names = ("accumulator", "linear")
    _own_config = frozenset({"weight_decay"})

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, name="Ftrl",
                 l2_shrinkage_regularization_strength=0.0, beta=0.0,
                 weight_decay=None, **kwargs):
        self.learning_rate_power = check_range(
            "Ftrl", "learning_rate_power", learning_rate_power, -float("inf"), 0.0)
        self.initial_accumulator_value = check_range(
            "Ftrl", "initial_accumulator_value", initial_accumulator_value)
        self.l1_regularization_strength = check_range(
            "Ftrl", "l1_regularization_strength", l1_regularization_strength)
        self.l2_regularization_strength = check_range(
            "Ftrl", "l2_regularization_strength", l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = check_range(
            "Ftrl", "l2_shrinkage_regularization_strength",
            l2_shrinkage_regularization_strength)
        self.beta = check_range("Ftrl", "beta", beta)
        super().__init__(name, learning_rate, **kwargs)
        self._set_weight_decay(weight_decay)

    def _slot_initial(self, slot_name):
        return self.initial_accumulator_value if slot_name == "accumulator" else 0.0

    def _updater(self, lr_t):
        power, l1 = self.learning_rate_power, self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr_t)
        shrink = self.l2_shrinkage_regularization_strength
        return lambda p, g, s, clip, scale: _k.ftrl(
            p, g, s["accumulator"], s["linear"], lr_t, power, l1, l2, shrink,
            clip, scale)

    def get_config(self):
        return {**super().get_config(),
                "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
