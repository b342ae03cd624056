"""Saving and loading models safely: fastgraph's zip format (archive,
model_io), Keras 2 HDF5 files (keras_h5) and Keras 3 archives (keras_v3)
read through a bounded HDF5 reader (hdf5), the allowlist check of every
name a file holds (allowlist) and the choice of format (formats); the
object registry's Keras names are here too."""
from ..registry import (CustomObjectScope, custom_object_scope,
                        deserialize_keras_object, get_custom_objects,
                        get_registered_name, get_registered_object,
                        register_keras_serializable, register_serializable,
                        serialize_keras_object)
from .archive import FileFormatError
from .formats import load_model, load_weights, save_model, save_weights
from .model_io import model_from_config, model_from_json, to_json

__all__ = ["FileFormatError", "load_model", "load_weights", "model_from_config",
           "model_from_json", "save_model", "save_weights", "to_json",
           "CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object",
           "register_keras_serializable", "register_serializable",
           "serialize_keras_object"]
