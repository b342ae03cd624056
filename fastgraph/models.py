"""Models: the functional `Model` and `Sequential`."""
from . import layers as _layers  # noqa: F401  (registers every layer class for from_config)
from .engine.functional import Model
from .engine.sequential import Sequential
from .saving import load_model, model_from_config, model_from_json, save_model

__all__ = ["Model", "Sequential", "load_model", "model_from_config",
           "model_from_json", "save_model"]
