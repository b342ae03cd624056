"""MobileNet (Howard et al. 2017): depthwise separable convolutions, width
`alpha` and `depth_multiplier`; inputs in the 'tf' convention."""
import logging

from .. import backend
from .. import layers
from . import imagenet_utils
from ._builder import (channel_axis, check_weights, image_input, input_shape_for,
                       load_weights, make_model, pooled, square_size,
                       weight_scope)

ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3,
              include_top=True, weights="imagenet", input_tensor=None, pooling=None,
              classes=1000, classifier_activation="softmax", **kwargs):
    """MobileNet v1 (224x224 by default; ImageNet weights for alpha 0.25,
    0.5, 0.75, 1.0 at 128, 160, 192 or 224 pixels)."""
    if kwargs:
        raise ValueError(f"Unknown argument(s): {(kwargs,)}")
    check_weights(weights, include_top, classes)
    sizes = (128, 160, 192, 224)
    default_size = square_size(input_shape, sizes) or 224
    input_shape = input_shape_for(input_shape, default_size, 32, include_top, weights)
    first = backend.image_data_format() == "channels_first"
    rows, cols = (input_shape[1], input_shape[2]) if first else input_shape[:2]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier "
                             f"must be 1.  Received depth_multiplier={depth_multiplier}")
        if alpha not in ALPHA_TEXT:
            raise ValueError("If imagenet weights are being loaded, alpha can be one "
                             "of`0.25`, `0.50`, `0.75` or `1.0` only.  Received "
                             f"alpha={alpha}")
        if rows != cols or rows not in sizes:
            rows = 224
            logging.warning("`input_shape` is undefined or non-square, or `rows` is "
                            "not in [128, 160, 192, 224]. Weights for input shape "
                            "(224, 224) will be loaded as the default.")
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = _conv_block(img_input, 32, alpha, strides=(2, 2))
        plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + \
            [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
        for block_id, (filters, stride) in enumerate(plan, 1):
            x = _depthwise_conv_block(x, filters, alpha, depth_multiplier,
                                      strides=(stride, stride), block_id=block_id)
        if include_top:
            x = layers.GlobalAveragePooling2D(keepdims=True)(x)
            x = layers.Dropout(dropout, name="dropout")(x)
            x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
            x = layers.Reshape((classes,), name="reshape_2")(x)
            imagenet_utils.validate_activation(classifier_activation, weights)
            x = layers.Activation(activation=classifier_activation, name="predictions")(x)
        else:
            x = pooled(x, pooling)
        model = make_model(img_input, input_tensor, x, f"mobilenet_{alpha:0.2f}_{rows}")
    if weights != "imagenet":
        return load_weights(model, weights)
    file_name = f"mobilenet_{ALPHA_TEXT[alpha]}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    return load_weights(model, weights, file_name, subdir="mobilenet/")


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    filters = int(filters * alpha)
    x = layers.Conv2D(filters, kernel, padding="same", use_bias=False, strides=strides,
                      name="conv1")(inputs)
    x = layers.BatchNormalization(axis=channel_axis(), name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1,
                          strides=(1, 1), block_id=1):
    pointwise_conv_filters = int(pointwise_conv_filters * alpha)
    if strides == (1, 1):
        x = inputs
    else:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name="conv_pad_%d" % block_id)(inputs)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides,
                               use_bias=False, name="conv_dw_%d" % block_id)(x)
    x = layers.BatchNormalization(axis=channel_axis(), name="conv_dw_%d_bn" % block_id)(x)
    x = layers.ReLU(6.0, name="conv_dw_%d_relu" % block_id)(x)
    x = layers.Conv2D(pointwise_conv_filters, (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name="conv_pw_%d" % block_id)(x)
    x = layers.BatchNormalization(axis=channel_axis(), name="conv_pw_%d_bn" % block_id)(x)
    return layers.ReLU(6.0, name="conv_pw_%d_relu" % block_id)(x)


def preprocess_input(x, data_format=None):
    """Images in 0..255 scaled to -1..1 (the 'tf' convention)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
