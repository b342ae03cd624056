"""Models: the functional `Model` and `Sequential`."""
from . import layers as _layers  # noqa: F401  (registers every layer class for from_config)
from .engine.functional import Model
from .engine.sequential import Sequential

__all__ = ["Model", "Sequential"]
