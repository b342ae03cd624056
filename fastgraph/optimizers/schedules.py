"""Learning-rate schedules, as tf-keras's `keras.optimizers.schedules`.

A schedule maps the optimizer's step count (`iterations`, before the step
is counted) to a learning rate; every optimizer accepts one as its
`learning_rate`.  The formulas are tf-keras's, evaluated in Python doubles
(tf-keras evaluates them in float32, hence differences of about 1e-7).
"""
import math

from .. import registry


class LearningRateSchedule:
    """Base class: subclasses define `__call__(step)` and `get_config()`."""

    def __call__(self, step):
        raise TypeError(f"{type(self).__name__}: a LearningRateSchedule must "
                        f"define __call__(self, step)")

    def get_config(self):
        raise TypeError(f"{type(self).__name__}: a LearningRateSchedule must "
                        f"define get_config() to be saved")

    @classmethod
    def from_config(cls, config):
        """A schedule from `get_config()`'s output."""
        return cls(**config)


def _positive(cls, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{cls}: {name} must be a number > 0, got {value!r}")


def _number(cls, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{cls}: {name} must be a number, got {value!r}")


class _RateDecay(LearningRateSchedule):
    """A decay of `initial_learning_rate` by `decay_rate` over
    `step / decay_steps` (floored with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate,
                 staircase=False, name=None):
        cls = type(self).__name__
        _number(cls, "initial_learning_rate", initial_learning_rate)
        _positive(cls, "decay_steps", decay_steps)
        _number(cls, "decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step):
        p = float(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`, the
    exponent floored with `staircase`."""

    def __call__(self, step):
        return self.initial_learning_rate * self.decay_rate ** self._progress(step)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, `values[-1]` after."""

    def __init__(self, boundaries, values, name=None):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"PiecewiseConstantDecay: boundaries must have one "
                             f"entry less than values, got {len(boundaries)} "
                             f"boundaries and {len(values)} values")
        if any(b2 <= b1 for b1, b2 in zip(boundaries, boundaries[1:])):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must increase "
                             f"strictly, got {boundaries}")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values,
                "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` over `decay_steps`
    along `(1 - step / decay_steps) ** power`; with `cycle`, over the first
    multiple of `decay_steps` past `step`."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name=None):
        _number("PolynomialDecay", "initial_learning_rate", initial_learning_rate)
        _positive("PolynomialDecay", "decay_steps", decay_steps)
        _number("PolynomialDecay", "end_learning_rate", end_learning_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step, steps = float(step), float(self.decay_steps)
        if self.cycle:
            steps *= 1.0 if step == 0 else math.ceil(step / self.decay_steps)
        else:
            step = min(step, steps)
        p = step / steps
        return ((self.initial_learning_rate - self.end_learning_rate)
                * (1.0 - p) ** self.power + self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power,
                "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_RateDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`, the
    ratio floored with `staircase`."""

    def __call__(self, step):
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step))


def _cosine(fraction, alpha):
    return (1.0 - alpha) * 0.5 * (1.0 + math.cos(math.pi * fraction)) + alpha


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the starting rate down to `alpha` times it over
    `decay_steps`.  With `warmup_target`, first a linear rise from
    `initial_learning_rate` to `warmup_target` over `warmup_steps`, then
    the cosine from `warmup_target`."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None,
                 warmup_target=None, warmup_steps=0):
        _number("CosineDecay", "initial_learning_rate", initial_learning_rate)
        _positive("CosineDecay", "decay_steps", decay_steps)
        if warmup_target is not None:
            _number("CosineDecay", "warmup_target", warmup_target)
            _positive("CosineDecay", "warmup_steps", warmup_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def __call__(self, step):
        step = float(step)
        if self.warmup_target is None:
            step = min(step, self.decay_steps)
            return self.initial_learning_rate * _cosine(step / self.decay_steps,
                                                        self.alpha)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            delta = self.warmup_target - self.initial_learning_rate
            return delta * (step / self.warmup_steps) + self.initial_learning_rate
        return self.warmup_target * _cosine(
            (step - self.warmup_steps) / self.decay_steps, self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha,
                "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay restarted after `first_decay_steps`, each period `t_mul`
    times longer than the one before and starting `m_mul` times lower (SGDR)."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0,
                 m_mul=1.0, alpha=0.0, name=None):
        _number("CosineDecayRestarts", "initial_learning_rate", initial_learning_rate)
        _positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        _positive("CosineDecayRestarts", "t_mul", t_mul)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = float(step) / self.first_decay_steps
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul))
                                 / math.log(t_mul))
            done = (1.0 - t_mul ** restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul ** restart
        scale = self._m_mul ** restart
        cosine = 0.5 * scale * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


registry.set_base("schedule", LearningRateSchedule)
for _cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
             InverseTimeDecay, CosineDecay, CosineDecayRestarts):
    registry.register_builtin("schedule", _cls)


def serialize(learning_rate_schedule):
    """`{'class_name': ..., 'config': ...}` describing a schedule."""
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise ValueError(f"schedules.serialize: expected a LearningRateSchedule, "
                         f"got {learning_rate_schedule!r}")
    return registry.serialize(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """A schedule from `serialize()`'s output; `custom_objects` maps class
    names to user schedules."""
    schedule = registry.deserialize("schedule", config, custom_objects)
    if not isinstance(schedule, LearningRateSchedule):
        raise ValueError(f"schedules.deserialize: {config!r} does not describe a "
                         f"LearningRateSchedule")
    return schedule


__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay",
           "CosineDecayRestarts", "serialize", "deserialize"]
