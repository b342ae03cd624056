"""Saving and loading models safely: fastgraph's zip format (archive), the
allowlist check of every name a file holds (allowlist) and the model
functions (model_io); the object registry's Keras names are here too."""
from ..registry import (CustomObjectScope, custom_object_scope,
                        deserialize_keras_object, get_custom_objects,
                        get_registered_name, get_registered_object,
                        register_keras_serializable, register_serializable,
                        serialize_keras_object)
from .archive import FileFormatError
from .model_io import (load_model, load_weights, model_from_config,
                       model_from_json, save_model, save_weights, to_json)

__all__ = ["FileFormatError", "load_model", "load_weights", "model_from_config",
           "model_from_json", "save_model", "save_weights", "to_json",
           "CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object",
           "register_keras_serializable", "register_serializable",
           "serialize_keras_object"]
