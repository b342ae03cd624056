"""Keras's ImageNet helpers: the three input conventions (`preprocess_input`
modes caffe, tf and torch), `decode_predictions` over Keras's class index,
and the input-shape rules every application applies (after tf-keras's
applications/imagenet_utils.py, Apache 2.0)."""
import json
import warnings

import numpy as np

from .. import activations
from .. import backend
from ..engine.node import KerasTensor
from ..layers import Lambda
from ..utils import get_file

CLASS_INDEX = None
CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

CAFFE_MEAN = (103.939, 116.779, 123.68)
TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)


def _check_format(data_format):
    if data_format is None:
        return backend.image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format}")
    return data_format


def _preprocess_array(x, data_format, mode):
    """In place where x is a float array (as Keras); the result as float."""
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(backend.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        mean, std = TORCH_MEAN, TORCH_STD
    else:
        if data_format == "channels_first":
            x = x[::-1, ...] if x.ndim == 3 else x[:, ::-1, ...]
        else:
            x = x[..., ::-1]
        mean, std = CAFFE_MEAN, None
    shape = (-1, 1, 1) if data_format == "channels_first" else (-1,)
    x -= np.asarray(mean, x.dtype).reshape(shape)
    if std is not None:
        x /= np.asarray(std, x.dtype).reshape(shape)
    return x


def _preprocess_tensor(x, data_format, mode):
    """The same arithmetic with differentiable ops, for a Lambda layer."""
    if mode == "tf":
        return x / 127.5 - 1.0
    first = data_format == "channels_first"
    shape = (1, -1, 1, 1) if first else (-1,)
    if mode == "torch":
        x = (x / 255.0 - backend.constant(np.reshape(TORCH_MEAN, shape)))
        return x / backend.constant(np.reshape(TORCH_STD, shape))
    x = backend.reverse(x, 1 if first else -1)
    return x - backend.constant(np.reshape(CAFFE_MEAN, shape))


def preprocess_input(x, data_format=None, mode="caffe"):
    """A batch of images (array or symbolic tensor, 3D or 4D, values in
    0..255) in one of the three conventions ImageNet models were trained on:
    'caffe' (RGB to BGR, minus the ImageNet mean), 'tf' (scaled to -1..1) or
    'torch' (0..1, then minus mean and over std per channel).  Arrays are
    changed in place where their dtype allows, as in Keras; a symbolic
    tensor gets a layer that does the same."""
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError("Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    data_format = _check_format(data_format)
    if isinstance(x, KerasTensor):
        return Lambda(_preprocess_tensor, output_shape=x.shape[1:],
                      arguments={"data_format": data_format, "mode": mode})(x)
    if isinstance(x, np.ndarray):
        return _preprocess_array(x, data_format, mode)
    return _preprocess_array(np.array(x, dtype=backend.floatx()), data_format, mode)


def _class_index():
    global CLASS_INDEX
    if CLASS_INDEX is None:
        path = get_file("imagenet_class_index.json", CLASS_INDEX_PATH,
                        cache_subdir="models", file_hash=CLASS_INDEX_HASH)
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    return CLASS_INDEX


def decode_predictions(preds, top=5):
    """For each row of `preds` (shape (samples, 1000)) the `top` classes as
    (class_name, class_description, score), best first; the class index is
    Keras's imagenet_class_index.json, fetched once into ~/.keras/models."""
    preds = np.asarray(preds)
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions "
                         "(i.e. a 2D array of shape (samples, 1000)). "
                         "Found array with shape: " + str(preds.shape))
    index = _class_index()
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(index[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda r: r[2], reverse=True)
        results.append(result)
    return results


def _default_shape(input_shape, default_size, data_format, weights):
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if data_format == "channels_first" else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, "
                          f"it was passed an input_shape with {channels} input "
                          "channels.", stacklevel=3)
        if data_format == "channels_first":
            return (channels, default_size, default_size)
        return (default_size, default_size, channels)
    if data_format == "channels_first":
        return (3, default_size, default_size)
    return (default_size, default_size, 3)


def obtain_input_shape(input_shape, default_size, min_size, data_format,
                       require_flatten, weights=None):
    """The model's input shape from the user's (validated: 3 axes, 3
    channels for ImageNet weights, at least `min_size` pixels), or the
    default; a model with a Flatten top needs a static one."""
    default_shape = _default_shape(input_shape, default_size, data_format, weights)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` "
                             f"weights, `input_shape` should be {default_shape}.  "
                             f"Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        first = data_format == "channels_first"
        channels = input_shape[0] if first else input_shape[-1]
        sizes = input_shape[1:] if first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError("The input must have 3 channels; Received "
                             f"`input_shape={input_shape}`")
        if any(s is not None and s < min_size for s in sizes):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; "
                             f"Received: input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if data_format == "channels_first" else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """The ZeroPadding2D padding before a stride-2 convolution of
    `kernel_size` that keeps TensorFlow's 'same' alignment."""
    img_dim = 2 if backend.image_data_format() == "channels_first" else 1
    input_size = inputs.shape[img_dim:img_dim + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    if input_size[0] is None:
        adjust = (1, 1)
    else:
        adjust = (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """Pretrained weights allow only softmax or no activation on the top."""
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained "
                         "weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")
