"""What every application shares: Keras's checks of `weights`, `classes`
and `input_tensor`, the image input, and the weights (a model that a file
will fill is built without running its initializers)."""
import contextlib
import os

from .. import backend
from .. import layers
from ..engine.layer_utils import unique_name
from ..engine.node import KerasTensor
from ..engine.weight_scope import WeightCreationScope
from ..models import Model
from ..utils import get_file, get_source_inputs
from . import imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/"
# A weight file holds at most this many bytes of arrays (ConvNeXtXLarge: 1.4 GB).
MAX_WEIGHT_BYTES = 8 << 30


def check_weights(weights, include_top, classes):
    """Keras's errors for a `weights` that is neither None, 'imagenet' nor
    an existing file, and for ImageNet weights on a top of other than 1000
    classes."""
    if not (weights is None or weights == "imagenet" or (
            isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), `imagenet` (pre-training on ImageNet), or "
                         "the path to the weights file to be loaded.  Received: "
                         f"weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError('If using `weights` as `"imagenet"` with `include_top` as '
                         f"true, `classes` should be 1000.  Received `classes={classes}`")


def image_input(input_tensor, input_shape):
    """The model's input: `input_tensor` itself when given, else a new Input."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError("input_tensor must be a symbolic tensor (from "
                         "fastgraph.layers.Input or a layer's output); got "
                         f"{type(input_tensor).__name__}")
    return input_tensor


def weight_scope(weights):
    """Where to build a model: with weights to load, weights are lazily
    mapped zeros (no initializer runs); without, initialised as usual."""
    if weights is None:
        return contextlib.nullcontext()
    return WeightCreationScope(MAX_WEIGHT_BYTES, dummy_limit=MAX_WEIGHT_BYTES)


def make_model(img_input, input_tensor, outputs, name):
    """The Model from the source inputs of `input_tensor` (or `img_input`)."""
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    return Model(inputs, outputs, name=name)


def load_weights(model, weights, file_name=None, file_hash=None, subdir="",
                 remote_name=None):
    """Fill `model` from a weights file: Keras's published `file_name`
    (fetched once into ~/.keras/models from `subdir`/`remote_name`) for
    'imagenet', else the path."""
    if weights == "imagenet":
        weights = get_file(file_name, BASE_WEIGHTS_PATH + subdir + (remote_name or file_name),
                           cache_subdir="models", file_hash=file_hash)
    if weights is not None:
        model.load_weights(weights)
    return model


def pooled(x, pooling, avg_name=None, max_name=None):
    """The feature extractor's head: global average or max pooling, or none."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def input_shape_for(input_shape, default_size, min_size, include_top, weights):
    """obtain_input_shape with the current data format."""
    return imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=min_size,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)


def channel_axis():
    """The channels axis of a 4D image tensor in the current data format."""
    return 1 if backend.image_data_format() == "channels_first" else -1


def square_size(input_shape, sizes):
    """The image size of `input_shape` (no batch axis) when it is square and
    one of `sizes`, else None."""
    if input_shape is None:
        return None
    first = backend.image_data_format() == "channels_first"
    rows, cols = (input_shape[1], input_shape[2]) if first else input_shape[:2]
    return rows if rows == cols and rows in sizes else None


def operator_layer(x, op_name, scale, offset):
    """What tf-keras records for `x + c` or `x * c` on a symbolic tensor: a
    weightless layer named after the TensorFlow op ('tf.__operators__.add',
    'tf.math.multiply', numbered as Keras numbers them), here a Rescaling."""
    return layers.Rescaling(scale, offset, name=unique_name(op_name))(x)


def classifier_head(x, include_top, weights, pooling, classes, classifier_activation,
                    names=("avg_pool", "avg_pool", "max_pool")):
    """The usual top: global average pooling and the Dense 'predictions'
    layer; without it, the optional pooling.  `names`: the top's pooling
    layer, the avg and the max pooling (None for an automatic name)."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name=names[0])(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation,
                            name="predictions")(x)
    return pooled(x, pooling, names[1], names[2])
