"""EfficientNetB0 to B7 (Tan & Le 2019); the model rescales and
normalises its 0..255 inputs itself, so `preprocess_input` passes them
through."""
import copy
import math

import numpy as np


from .. import backend
from .. import layers
from ..engine.layer_utils import unique_name
from . import imagenet_utils
from ._builder import (check_weights, classifier_head, image_input, input_shape_for,
                       load_weights, make_model, operator_layer, weight_scope)

WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}
# kernel_size, repeats, filters_in, filters_out, expand_ratio, strides of each stage
_STAGES = [(3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
           (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
           (3, 1, 192, 320, 6, 1)]
DEFAULT_BLOCKS_ARGS = [
    dict(kernel_size=k, repeats=r, filters_in=i, filters_out=o, expand_ratio=e,
         id_skip=True, strides=s, se_ratio=0.25) for k, r, i, o, e, s in _STAGES]
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def scale_channels_first(x, scales):
    """x (channels first) times one factor per channel."""
    return x * backend.constant(np.reshape(np.asarray(scales, np.float32), (1, -1, 1, 1)))


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                 drop_connect_rate=0.2, depth_divisor=8, activation="swish",
                 blocks_args="default", model_name="efficientnet", include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax"):
    """An EfficientNet scaled by `width_coefficient` and `depth_coefficient`."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    check_weights(weights, include_top, classes)
    if weights == "imagenet" and model_name[-2:] not in WEIGHTS_HASHES:
        raise ValueError(f"No ImageNet weights are published for {model_name!r}")
    input_shape = input_shape_for(input_shape, default_size, 32, include_top, weights)
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1

    def round_filters(filters, divisor=depth_divisor):
        filters *= width_coefficient
        new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
        if new_filters < 0.9 * filters:
            new_filters += divisor
        return int(new_filters)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = layers.Rescaling(1.0 / 255.0)(img_input)
        x = layers.Normalization(axis=bn_axis)(x)
        if weights == "imagenet":
            # Keras's published weights need this correction of their statistics
            scales = [1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB]
            if bn_axis == 3:
                x = operator_layer(x, "tf.math.multiply", scales, 0.0)
            else:
                x = layers.Lambda(scale_channels_first, output_shape=x.shape[1:],
                                  arguments={"scales": scales},
                                  name=unique_name("tf.math.multiply"))(x)
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name="stem_conv_pad")(x)
        x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
        x = layers.Activation(activation, name="stem_activation")(x)
        blocks_args = copy.deepcopy(blocks_args)
        b = 0
        blocks = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
        for i, args in enumerate(blocks_args):
            args["filters_in"] = round_filters(args["filters_in"])
            args["filters_out"] = round_filters(args["filters_out"])
            for j in range(round_repeats(args.pop("repeats"))):
                if j > 0:
                    args["strides"] = 1
                    args["filters_in"] = args["filters_out"]
                x = block(x, activation, drop_connect_rate * b / blocks,
                          name=f"block{i + 1}{chr(j + 97)}_", **args)
                b += 1
        x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, name="top_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, name="top_bn")(x)
        x = layers.Activation(activation, name="top_activation")(x)
        if include_top:
            x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
            if dropout_rate > 0:
                x = layers.Dropout(dropout_rate, name="top_dropout")(x)
            imagenet_utils.validate_activation(classifier_activation, weights)
            x = layers.Dense(classes, activation=classifier_activation,
                             kernel_initializer=DENSE_KERNEL_INITIALIZER,
                             name="predictions")(x)
        else:
            x = classifier_head(x, False, weights, pooling, classes, None)
        model = make_model(img_input, input_tensor, x, model_name)
    if weights != "imagenet":
        return load_weights(model, weights)
    return load_weights(model, weights, model_name + (".h5" if include_top else "_notop.h5"),
                        WEIGHTS_HASHES[model_name[-2:]][0 if include_top else 1],
                        subdir="")


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32,
          filters_out=16, kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0,
          id_skip=True):
    """An inverted residual block with squeeze-and-excitation."""
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER,
                          name=name + "expand_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, name=name + "expand_bn")(x)
        x = layers.Activation(activation, name=name + "expand_activation")(x)
    conv_pad = "same"
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=name + "dwconv_pad")(x)
        conv_pad = "valid"
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=conv_pad,
                               use_bias=False, depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=name + "dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=name + "bn")(x)
    x = layers.Activation(activation, name=name + "activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, max(1, int(filters_in * se_ratio)), activation,
                           name)
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name=name + "project_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=name + "project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1),
                               name=name + "drop")(x)
        x = layers.add([x, inputs], name=name + "add")
    return x


def squeeze_excite(x, filters, filters_se, activation, name):
    """x times a per-channel gate computed from its global average."""
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1
    se = layers.GlobalAveragePooling2D(name=name + "se_squeeze")(x)
    se_shape = (filters, 1, 1) if bn_axis == 1 else (1, 1, filters)
    se = layers.Reshape(se_shape, name=name + "se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=name + "se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=name + "se_expand")(se)
    return layers.multiply([x, se], name=name + "se_excite")


SCALES = {"b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2),
          "b2": (1.1, 1.2, 260, 0.3), "b3": (1.2, 1.4, 300, 0.3),
          "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
          "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5)}


def _variant(key):
    width, depth, size, dropout = SCALES[key]

    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", **kwargs):
        return EfficientNet(width, depth, size, dropout, model_name="efficientnet" + key,
                            include_top=include_top, weights=weights,
                            input_tensor=input_tensor, input_shape=input_shape,
                            pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, **kwargs)
    build.__name__ = build.__qualname__ = "EfficientNet" + key.upper()
    build.__doc__ = (f"EfficientNet{key.upper()}: width x{width}, depth x{depth}, "
                     f"{size}x{size} inputs in 0..255 by default.")
    return build


EfficientNetB0 = _variant("b0")
EfficientNetB1 = _variant("b1")
EfficientNetB2 = _variant("b2")
EfficientNetB3 = _variant("b3")
EfficientNetB4 = _variant("b4")
EfficientNetB5 = _variant("b5")
EfficientNetB6 = _variant("b6")
EfficientNetB7 = _variant("b7")


def preprocess_input(x, data_format=None):
    """The input unchanged: EfficientNet rescales inside the model."""
    return x


decode_predictions = imagenet_utils.decode_predictions
