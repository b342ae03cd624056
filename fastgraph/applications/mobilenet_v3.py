"""MobileNetV3Small and MobileNetV3Large (Howard et al. 2019), minimalistic
variants included; the model rescales its 0..255 inputs itself
(`include_preprocessing`), so `preprocess_input` passes them through."""
import logging

from .. import backend
from .. import layers
from . import imagenet_utils
from ._builder import (channel_axis, check_weights, image_input, load_weights,
                       make_model, operator_layer, pooled, weight_scope)

WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb",
                             "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7",
                            "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7",
                             "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862",
                            "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}
# (expansion, filters, kernel ('k': 3 or 5 by minimalistic), stride, se, activation
# ('relu' or 'act': ReLU or hard swish by minimalistic)) of each block
SMALL = [(1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"),
         (88 / 24, 24, 3, 1, False, "relu"), (4, 40, "k", 2, True, "act"),
         (6, 40, "k", 1, True, "act"), (6, 40, "k", 1, True, "act"),
         (3, 48, "k", 1, True, "act"), (3, 48, "k", 1, True, "act"),
         (6, 96, "k", 2, True, "act"), (6, 96, "k", 1, True, "act"),
         (6, 96, "k", 1, True, "act")]
LARGE = [(1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"),
         (3, 24, 3, 1, False, "relu"), (3, 40, "k", 2, True, "relu"),
         (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
         (6, 80, 3, 2, False, "act"), (2.5, 80, 3, 1, False, "act"),
         (2.3, 80, 3, 1, False, "act"), (2.3, 80, 3, 1, False, "act"),
         (6, 112, 3, 1, True, "act"), (6, 112, 3, 1, True, "act"),
         (6, 160, "k", 2, True, "act"), (6, 160, "k", 1, True, "act"),
         (6, 160, "k", 1, True, "act")]


def _input_shape(input_shape, input_tensor):
    first = backend.image_data_format() == "channels_first"
    if input_tensor is not None:
        image_input(input_tensor, None)
        if input_shape is not None:
            axis = 1 if first else 2
            if input_tensor.shape[axis] != input_shape[1]:
                raise ValueError(f"input_shape[1] must equal the input_tensor's shape"
                                 f"[{axis}].  Received input_shape={input_shape}, "
                                 f"input_tensor.shape={input_tensor.shape}")
        else:
            rows, cols = input_tensor.shape[2:4] if first else input_tensor.shape[1:3]
            input_shape = (3, cols, rows) if first else (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if first else (None, None, 3)
    return input_shape


def MobileNetV3(plan, last_point_ch, input_shape=None, alpha=1.0, model_type="large",
                minimalistic=False, include_top=True, weights="imagenet",
                input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                classifier_activation="softmax", include_preprocessing=True):
    """A MobileNetV3 whose inverted residual blocks `plan` lists."""
    check_weights(weights, include_top, classes)
    input_shape = _input_shape(input_shape, input_tensor)
    first = backend.image_data_format() == "channels_first"
    rows, cols = (input_shape[1], input_shape[2]) if first else input_shape[:2]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError("Input size must be at least 32x32; Received "
                         f"`input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in [0.75, 1.0]) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of "
                             "`0.75`, `1.0` for non minimalistic or `1.0` for "
                             "minimalistic only.")
        if rows != cols or rows != 224:
            logging.warning("`input_shape` is undefined or non-square, or `rows` is not "
                            "224. Weights for input shape (224, 224) will be loaded as "
                            "the default.")
    kernel, activation, se_ratio = (3, relu, None) if minimalistic else (5, hard_swish, 0.25)
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = img_input
        if include_preprocessing:
            x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
        x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same",
                          use_bias=False, name="Conv")(x)
        x = activation(_bn(x, "Conv/BatchNorm"))
        for block_id, (expansion, filters, k, stride, se, act) in enumerate(plan):
            x = _inverted_res_block(x, expansion, _depth(filters * alpha),
                                    kernel if k == "k" else k, stride,
                                    se_ratio if se else None,
                                    relu if act == "relu" else activation, block_id)
        last_conv_ch = _depth(x.shape[channel_axis()] * 6)
        if alpha > 1.0:
            last_point_ch = _depth(last_point_ch * alpha)
        x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                          name="Conv_1")(x)
        x = activation(_bn(x, "Conv_1/BatchNorm"))
        if include_top:
            x = layers.GlobalAveragePooling2D(keepdims=True)(x)
            x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                              name="Conv_2")(x)
            x = activation(x)
            if dropout_rate > 0:
                x = layers.Dropout(dropout_rate)(x)
            x = layers.Conv2D(classes, kernel_size=1, padding="same", name="Logits")(x)
            x = layers.Flatten()(x)
            imagenet_utils.validate_activation(classifier_activation, weights)
            x = layers.Activation(activation=classifier_activation, name="Predictions")(x)
        else:
            x = pooled(x, pooling, "avg_pool", "max_pool")
        model = make_model(img_input, input_tensor, x, "MobilenetV3" + model_type)
    if weights != "imagenet":
        return load_weights(model, weights)
    model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    file_name = f"weights_mobilenet_v3_{model_name}{'' if include_top else '_no_top_v2'}.h5"
    return load_weights(model, weights, file_name,
                        WEIGHTS_HASHES[model_name][0 if include_top else 1],
                        subdir="mobilenet_v3/")


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True):
    """MobileNetV3Small: expects 0..255 inputs (with include_preprocessing)."""
    return MobileNetV3(SMALL, 1024, input_shape, alpha, "small", minimalistic,
                       include_top, weights, input_tensor, classes, pooling,
                       dropout_rate, classifier_activation, include_preprocessing)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True):
    """MobileNetV3Large: expects 0..255 inputs (with include_preprocessing)."""
    return MobileNetV3(LARGE, 1280, input_shape, alpha, "large", minimalistic,
                       include_top, weights, input_tensor, classes, pooling,
                       dropout_rate, classifier_activation, include_preprocessing)


def _bn(x, name):
    return layers.BatchNormalization(axis=channel_axis(), epsilon=1e-3, momentum=0.999,
                                     name=name)(x)


def relu(x):
    """An unnamed ReLU layer, as Keras's block activation."""
    return layers.ReLU()(x)


def hard_sigmoid(x):
    """ReLU6(x + 3) / 6 with the layers tf-keras records for it."""
    x = operator_layer(x, "tf.__operators__.add", 1.0, 3.0)
    return operator_layer(layers.ReLU(6.0)(x), "tf.math.multiply", 1.0 / 6.0, 0.0)


def hard_swish(x):
    """x * hard_sigmoid(x)."""
    return layers.Multiply()([x, hard_sigmoid(x)])


def _depth(v, divisor=8, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True,
                                      name=prefix + "squeeze_excite/AvgPool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=prefix + "squeeze_excite/Conv")(x)
    x = layers.ReLU(name=prefix + "squeeze_excite/Relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=prefix + "squeeze_excite/Conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=prefix + "squeeze_excite/Mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation,
                        block_id):
    shortcut = x
    prefix = "expanded_conv/"
    infilters = x.shape[channel_axis()]
    if block_id:
        prefix = f"expanded_conv_{block_id}/"
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same",
                          use_bias=False, name=prefix + "expand")(x)
        x = activation(_bn(x, prefix + "expand/BatchNorm"))
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=prefix + "depthwise/pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid",
                               use_bias=False, name=prefix + "depthwise")(x)
    x = activation(_bn(x, prefix + "depthwise/BatchNorm"))
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=prefix + "project")(x)
    x = _bn(x, prefix + "project/BatchNorm")
    if stride == 1 and infilters == filters:
        x = layers.Add(name=prefix + "Add")([shortcut, x])
    return x


def preprocess_input(x, data_format=None):
    """The input unchanged: MobileNetV3 rescales inside the model."""
    return x


decode_predictions = imagenet_utils.decode_predictions
