"""Models: the functional or subclassed `Model` and `Sequential`, with the
functions that save, load and clone them."""
from ..saving import load_model, model_from_config, model_from_json, save_model
from .cloning import clone_model
from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_config",
           "model_from_json", "save_model"]
