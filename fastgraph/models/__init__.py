"""Models: the functional `Model` and `Sequential`, with the functions that
save and load them."""
from ..saving import load_model, model_from_config, model_from_json, save_model
from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "load_model", "model_from_config",
           "model_from_json", "save_model"]
