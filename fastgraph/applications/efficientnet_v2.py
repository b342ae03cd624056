"""EfficientNetV2 B0 to B3, S, M and L (Tan & Le 2021): fused and plain
MBConv blocks; the model rescales its 0..255 inputs itself
(`include_preprocessing`), so `preprocess_input` passes them through."""
import copy
import math

from .. import backend
from .. import layers
from ..initializers import Constant
from . import imagenet_utils
from ._builder import (check_weights, classifier_head, image_input, input_shape_for,
                       load_weights, make_model, weight_scope)
from .efficientnet import CONV_KERNEL_INITIALIZER, DENSE_KERNEL_INITIALIZER, squeeze_excite

WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
_B = [(3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
      (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0),
      (3, 8, 112, 192, 6, 0.25, 2, 0)]
# kernel_size, num_repeat, input_filters, output_filters, expand_ratio, se_ratio,
# strides, conv_type (1: fused) of each stage
_STAGES = {
    "efficientnetv2-s": [(3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1),
                         (3, 4, 48, 64, 4, 0, 2, 1), (3, 6, 64, 128, 4, 0.25, 2, 0),
                         (3, 9, 128, 160, 6, 0.25, 1, 0),
                         (3, 15, 160, 256, 6, 0.25, 2, 0)],
    "efficientnetv2-m": [(3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1),
                         (3, 5, 48, 80, 4, 0, 2, 1), (3, 7, 80, 160, 4, 0.25, 2, 0),
                         (3, 14, 160, 176, 6, 0.25, 1, 0),
                         (3, 18, 176, 304, 6, 0.25, 2, 0),
                         (3, 5, 304, 512, 6, 0.25, 1, 0)],
    "efficientnetv2-l": [(3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1),
                         (3, 7, 64, 96, 4, 0, 2, 1), (3, 10, 96, 192, 4, 0.25, 2, 0),
                         (3, 19, 192, 224, 6, 0.25, 1, 0),
                         (3, 25, 224, 384, 6, 0.25, 2, 0),
                         (3, 7, 384, 640, 6, 0.25, 1, 0)],
    "efficientnetv2-b0": _B, "efficientnetv2-b1": _B, "efficientnetv2-b2": _B,
    "efficientnetv2-b3": _B,
}
_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
         "se_ratio", "strides", "conv_type")
DEFAULT_BLOCKS_ARGS = {name: [dict(zip(_KEYS, stage)) for stage in stages]
                       for name, stages in _STAGES.items()}


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """Filters scaled by the width and rounded to the divisor."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    new_filters = max(minimum_depth,
                      int(filters + depth_divisor / 2) // depth_divisor * depth_divisor)
    return int(new_filters)


def round_repeats(repeats, depth_coefficient):
    """Repeats scaled by the depth, rounded up."""
    return int(math.ceil(depth_coefficient * repeats))


def _conv(filters, kernel_size, strides, name):
    return layers.Conv2D(filters, kernel_size=kernel_size, strides=strides,
                         kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                         use_bias=False, name=name)


def _bn_act(x, bn_momentum, activation, bn_name, act_name):
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1
    x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=bn_name)(x)
    return x if act_name is None else layers.Activation(activation, name=act_name)(x)


def _residual(x, inputs, strides, input_filters, output_filters, survival_probability,
              name):
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1),
                               name=name + "drop")(x)
        x = layers.add([x, inputs], name=name + "add")
    return x


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1,
                se_ratio=0.0, bn_momentum=0.9, activation="swish",
                survival_probability=0.8, name=None):
    """Expand 1x1, depthwise, squeeze-excite, project 1x1."""
    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(filters, 1, 1, name + "expand_conv")(x)
            x = _bn_act(x, bn_momentum, activation, name + "expand_bn",
                        name + "expand_activation")
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER,
                                   padding="same", use_bias=False, name=name + "dwconv2")(x)
        x = _bn_act(x, bn_momentum, activation, name + "bn", name + "activation")
        if 0 < se_ratio <= 1:
            x = squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)),
                               activation, name)
        x = _conv(output_filters, 1, 1, name + "project_conv")(x)
        x = _bn_act(x, bn_momentum, activation, name + "project_bn", None)
        return _residual(x, inputs, strides, input_filters, output_filters,
                         survival_probability, name)
    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3,
                     strides=1, se_ratio=0.0, bn_momentum=0.9, activation="swish",
                     survival_probability=0.8, name=None):
    """A full convolution in place of expand + depthwise."""
    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(filters, kernel_size, strides, name + "expand_conv")(x)
            x = _bn_act(x, bn_momentum, activation, name + "expand_bn",
                        name + "expand_activation")
        if 0 < se_ratio <= 1:
            x = squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)),
                               activation, name)
        fused = expand_ratio == 1
        x = _conv(output_filters, kernel_size if fused else 1, strides if fused else 1,
                  name + "project_conv")(x)
        x = _bn_act(x, bn_momentum, activation, name + "project_bn",
                    name + "project_activation" if fused else None)
        return _residual(x, inputs, strides, input_filters, output_filters,
                         survival_probability, name)
    return apply


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                   drop_connect_rate=0.2, depth_divisor=8, min_depth=8, bn_momentum=0.9,
                   activation="swish", blocks_args="default", model_name="efficientnetv2",
                   include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", include_preprocessing=True):
    """An EfficientNetV2 of `blocks_args` scaled by width and depth."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[model_name]
    check_weights(weights, include_top, classes)
    if weights == "imagenet" and model_name[-2:] not in WEIGHTS_HASHES:
        raise ValueError(f"No ImageNet weights are published for {model_name!r}")
    input_shape = input_shape_for(input_shape, default_size, 32, include_top, weights)
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1

    def rf(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = img_input
        if include_preprocessing:
            if model_name.split("-")[-1].startswith("b") and input_shape[bn_axis - 1] == 3:
                x = layers.Rescaling(scale=1.0 / 255)(x)
                x = layers.Normalization(mean=[0.485, 0.456, 0.406],
                                         variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2],
                                         axis=bn_axis)(x)
            else:
                x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)
        x = _conv(rf(blocks_args[0]["input_filters"]), 3, 2, "stem_conv")(x)
        x = _bn_act(x, bn_momentum, activation, "stem_bn", "stem_activation")
        blocks_args = copy.deepcopy(blocks_args)
        b = 0
        blocks = float(sum(args["num_repeat"] for args in blocks_args))
        for i, args in enumerate(blocks_args):
            args["input_filters"] = rf(args["input_filters"])
            args["output_filters"] = rf(args["output_filters"])
            block = (MBConvBlock, FusedMBConvBlock)[args.pop("conv_type")]
            for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
                if j > 0:
                    args["strides"] = 1
                    args["input_filters"] = args["output_filters"]
                x = block(activation=activation, bn_momentum=bn_momentum,
                          survival_probability=drop_connect_rate * b / blocks,
                          name=f"block{i + 1}{chr(j + 97)}_", **args)(x)
                b += 1
        x = _conv(rf(1280), 1, 1, "top_conv")(x)
        x = _bn_act(x, bn_momentum, activation, "top_bn", "top_activation")
        if include_top:
            x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
            if dropout_rate > 0:
                x = layers.Dropout(dropout_rate, name="top_dropout")(x)
            imagenet_utils.validate_activation(classifier_activation, weights)
            x = layers.Dense(classes, activation=classifier_activation,
                             kernel_initializer=DENSE_KERNEL_INITIALIZER,
                             bias_initializer=Constant(0), name="predictions")(x)
        else:
            x = classifier_head(x, False, weights, pooling, classes, None)
        model = make_model(img_input, input_tensor, x, model_name)
    if weights != "imagenet":
        return load_weights(model, weights)
    return load_weights(model, weights, model_name + (".h5" if include_top else "_notop.h5"),
                        WEIGHTS_HASHES[model_name[-2:]][0 if include_top else 1],
                        subdir="efficientnet_v2/")


SCALES = {"b0": (1.0, 1.0, 224), "b1": (1.0, 1.1, 240), "b2": (1.1, 1.2, 260),
          "b3": (1.2, 1.4, 300), "s": (1.0, 1.0, 384), "m": (1.0, 1.0, 480),
          "l": (1.0, 1.0, 480)}


def _variant(key):
    width, depth, size = SCALES[key]

    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax",
              include_preprocessing=True):
        return EfficientNetV2(width, depth, size, model_name="efficientnetv2-" + key,
                              include_top=include_top, weights=weights,
                              input_tensor=input_tensor, input_shape=input_shape,
                              pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing)
    build.__name__ = build.__qualname__ = "EfficientNetV2" + key.upper()
    build.__doc__ = (f"EfficientNetV2{key.upper()}: {size}x{size} inputs in 0..255 by "
                     f"default.")
    return build


EfficientNetV2B0 = _variant("b0")
EfficientNetV2B1 = _variant("b1")
EfficientNetV2B2 = _variant("b2")
EfficientNetV2B3 = _variant("b3")
EfficientNetV2S = _variant("s")
EfficientNetV2M = _variant("m")
EfficientNetV2L = _variant("l")


def preprocess_input(x, data_format=None):
    """The input unchanged: EfficientNetV2 rescales inside the model."""
    return x


decode_predictions = imagenet_utils.decode_predictions
