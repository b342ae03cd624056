"""Xception (Chollet 2017): depthwise separable convolutions with
residual connections; 299x299 inputs in the 'tf' convention."""
from .. import layers
from . import imagenet_utils
from ._builder import (channel_axis, check_weights, classifier_head, image_input,
                       input_shape_for, load_weights, make_model, weight_scope)

WEIGHT_FILES = (("xception_weights_tf_dim_ordering_tf_kernels.h5",
                 "0a58e3b7378bc2990ea3b43d5981f1f6"),
                ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
                 "b0042744bf5b25fce3cb969f33bebb97"))


def _bn(x, name=None):
    return layers.BatchNormalization(axis=channel_axis(), name=name)(x)


def _sepconv(x, filters, name):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                               name=name)(x)
    return _bn(x, name + "_bn")


def _downsample_block(x, block, filters, relu_first=True):
    """Two separable convolutions and a strided max pooling beside a
    strided 1x1 projection."""
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same",
                             use_bias=False)(x)
    residual = _bn(residual)
    if relu_first:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sepconv(x, filters[0], f"block{block}_sepconv1")
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sepconv(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                            name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax"):
    """Xception (299x299 by default, at least 71x71)."""
    check_weights(weights, include_top, classes)
    input_shape = input_shape_for(input_shape, 299, 71, include_top, weights)
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False,
                          name="block1_conv1")(img_input)
        x = _bn(x, "block1_conv1_bn")
        x = layers.Activation("relu", name="block1_conv1_act")(x)
        x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
        x = _bn(x, "block1_conv2_bn")
        x = layers.Activation("relu", name="block1_conv2_act")(x)
        x = _downsample_block(x, 2, (128, 128), relu_first=False)
        x = _downsample_block(x, 3, (256, 256))
        x = _downsample_block(x, 4, (728, 728))
        for i in range(8):
            residual = x
            prefix = "block" + str(i + 5)
            for j in (1, 2, 3):
                x = layers.Activation("relu", name=f"{prefix}_sepconv{j}_act")(x)
                x = _sepconv(x, 728, f"{prefix}_sepconv{j}")
            x = layers.add([x, residual])
        x = _downsample_block(x, 13, (728, 1024))
        for j, filters in ((1, 1536), (2, 2048)):
            x = _sepconv(x, filters, f"block14_sepconv{j}")
            x = layers.Activation("relu", name=f"block14_sepconv{j}_act")(x)
        x = classifier_head(x, include_top, weights, pooling, classes,
                            classifier_activation, ("avg_pool", None, None))
        model = make_model(img_input, input_tensor, x, "xception")
    file_name, file_hash = WEIGHT_FILES[0 if include_top else 1]
    return load_weights(model, weights, file_name, file_hash, subdir="xception/")


def preprocess_input(x, data_format=None):
    """Images in 0..255 scaled to -1..1 (the 'tf' convention)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
