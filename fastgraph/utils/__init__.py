"""Utilities: one-hot encoding, the progress bar, Sequence, model plots, and
the object registry's Keras names."""
from ..registry import (CustomObjectScope, custom_object_scope,
                        deserialize_keras_object, get_custom_objects,
                        get_registered_name, get_registered_object,
                        register_keras_serializable, serialize_keras_object)
from .np_utils import normalize, to_categorical
from .plotting import model_to_dot, plot_history, plot_model
from .progbar import Progbar
from .sequence import Sequence

__all__ = ["normalize", "to_categorical", "Progbar", "Sequence", "model_to_dot",
           "plot_history", "plot_model", "CustomObjectScope",
           "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
           "get_registered_name", "get_registered_object",
           "register_keras_serializable", "serialize_keras_object"]
