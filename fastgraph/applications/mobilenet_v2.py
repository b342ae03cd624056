"""MobileNetV2 (Sandler et al. 2018): inverted residual blocks with linear
bottlenecks, width `alpha`; inputs in the 'tf' convention."""
import logging

from .. import backend
from .. import layers
from . import imagenet_utils
from ._builder import (channel_axis, check_weights, image_input, input_shape_for,
                       load_weights, make_model, pooled, square_size, weight_scope)

SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of blocks 0..16
PLAN = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
        (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
        (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]


def _default_size(input_shape, input_tensor):
    if input_shape is not None and input_tensor is not None:
        axis = 1 if backend.image_data_format() == "channels_first" else 2
        if input_tensor.shape[axis] != input_shape[1]:
            raise ValueError(f"input_tensor.shape[{axis}] must equal input_shape[1]; "
                             f"Received `input_tensor.shape={input_tensor.shape}`, "
                             f"`input_shape={input_shape}`")
    if input_shape is None and input_tensor is not None:
        return square_size(tuple(input_tensor.shape[1:]), SIZES) or 224
    return square_size(input_shape, SIZES) or 224


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", **kwargs):
    """MobileNetV2 (224x224 by default; ImageNet weights for alpha 0.35,
    0.5, 0.75, 1.0, 1.3, 1.4 at 96 to 224 pixels)."""
    if kwargs:
        raise ValueError(f"Unknown argument(s): {kwargs}")
    check_weights(weights, include_top, classes)
    if input_tensor is not None:
        image_input(input_tensor, None)
    default_size = _default_size(input_shape, input_tensor)
    input_shape = input_shape_for(input_shape, default_size, 32, include_top, weights)
    first = backend.image_data_format() == "channels_first"
    rows, cols = (input_shape[1], input_shape[2]) if first else input_shape[:2]
    if weights == "imagenet":
        if alpha not in [0.35, 0.5, 0.75, 1.0, 1.3, 1.4]:
            raise ValueError("If imagenet weights are being loaded, alpha must be one "
                             "of `0.35`, `0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; "
                             f"Received `alpha={alpha}`")
        if rows != cols or rows not in SIZES:
            rows = 224
            logging.warning("`input_shape` is undefined or non-square, or `rows` is "
                            "not in [96, 128, 160, 192, 224]. Weights for input shape "
                            "(224, 224) will be loaded as the default.")
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                          padding="same", use_bias=False, name="Conv1")(img_input)
        x = _bn(x, "bn_Conv1")
        x = layers.ReLU(6.0, name="Conv1_relu")(x)
        for block_id, (filters, stride, expansion) in enumerate(PLAN):
            x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                    expansion=expansion, block_id=block_id)
        last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
        x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
        x = _bn(x, "Conv_1_bn")
        x = layers.ReLU(6.0, name="out_relu")(x)
        if include_top:
            x = layers.GlobalAveragePooling2D()(x)
            imagenet_utils.validate_activation(classifier_activation, weights)
            x = layers.Dense(classes, activation=classifier_activation,
                             name="predictions")(x)
        else:
            x = pooled(x, pooling)
        model = make_model(img_input, input_tensor, x, f"mobilenetv2_{alpha:0.2f}_{rows}")
    if weights != "imagenet":
        return load_weights(model, weights)
    file_name = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
                 f"{'' if include_top else '_no_top'}.h5")
    return load_weights(model, weights, file_name, subdir="mobilenet_v2/")


def _bn(x, name):
    return layers.BatchNormalization(axis=channel_axis(), epsilon=1e-3, momentum=0.999,
                                     name=name)(x)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    in_channels = inputs.shape[channel_axis()]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=prefix + "expand")(x)
        x = _bn(x, prefix + "expand_BN")
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None,
                               use_bias=False, padding="same" if stride == 1 else "valid",
                               name=prefix + "depthwise")(x)
    x = _bn(x, prefix + "depthwise_BN")
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=prefix + "project")(x)
    x = _bn(x, prefix + "project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def preprocess_input(x, data_format=None):
    """Images in 0..255 scaled to -1..1 (the 'tf' convention)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
