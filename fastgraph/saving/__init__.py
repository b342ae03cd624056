"""Saving and loading models safely: fastgraph's zip format (archive), the
allowlist of serializable names (registry) and the model functions."""
from .archive import FileFormatError
from .model_io import (load_model, load_weights, model_from_config,
                       model_from_json, save_model, save_weights, to_json)
from .registry import (custom_object_scope, get_custom_objects,
                       get_registered_name, get_registered_object,
                       register_serializable)

__all__ = ["FileFormatError", "load_model", "load_weights", "model_from_config",
           "model_from_json", "save_model", "save_weights", "to_json",
           "custom_object_scope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "register_serializable"]
