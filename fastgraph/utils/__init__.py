"""Utilities of the Keras 2 `utils` namespace: one-hot and ordinal
encoding, the progress bar and interactive logging, Sequence and the
enqueuers, downloads (`get_file`), image files, dataset builders, model
plots, and the object registry's Keras names."""
from ..registry import (CustomObjectScope, custom_object_scope,
                        deserialize_keras_object, get_custom_objects,
                        get_registered_name, get_registered_object,
                        register_keras_serializable, serialize_keras_object)
from . import legacy
from .data_packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .data_utils import get_file
from .dataset_split import split_dataset
from .enqueuers import GeneratorEnqueuer, OrderedEnqueuer, SequenceEnqueuer
from .image_dataset import image_dataset_from_directory
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .io_utils import (disable_interactive_logging, enable_interactive_logging,
                       is_interactive_logging_enabled)
from .layer_utils import get_source_inputs, warmstart_embedding_matrix
from .np_utils import normalize, to_categorical, to_ordinal
from .padding import pad_sequences
from .plotting import model_to_dot, plot_history, plot_model
from .progbar import Progbar
from .random_seed import set_random_seed
from .sequence import Sequence
from .text_dataset import text_dataset_from_directory
from .timeseries_dataset import timeseries_dataset_from_array

__all__ = ["CustomObjectScope", "GeneratorEnqueuer", "OrderedEnqueuer", "Progbar",
           "Sequence", "SequenceEnqueuer", "array_to_img", "custom_object_scope",
           "deserialize_keras_object", "disable_interactive_logging",
           "enable_interactive_logging", "get_custom_objects", "get_file",
           "get_registered_name", "get_registered_object", "get_source_inputs",
           "image_dataset_from_directory", "img_to_array",
           "is_interactive_logging_enabled", "legacy", "load_img", "model_to_dot",
           "normalize", "pack_x_y_sample_weight", "pad_sequences", "plot_history",
           "plot_model", "register_keras_serializable", "save_img",
           "serialize_keras_object", "set_random_seed", "split_dataset",
           "text_dataset_from_directory", "timeseries_dataset_from_array",
           "to_categorical", "to_ordinal", "unpack_x_y_sample_weight",
           "warmstart_embedding_matrix"]
