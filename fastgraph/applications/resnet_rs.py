"""ResNetRS50 to 420 (Bello et al. 2021): ResNets with squeeze-and-
excitation and a deep stem; the model normalises its 0..255 inputs itself
(`include_preprocessing`), so `preprocess_input` passes them through."""
import os

from .. import backend
from .. import layers
from ..engine.layer_utils import unique_name
from . import imagenet_utils
from ._builder import (classifier_head, image_input, input_shape_for, load_weights,
                       make_model, weight_scope)

WEIGHT_HASHES = {
    "resnet-rs-101-i160.h5": "544b3434d00efc199d66e9058c7f3379",
    "resnet-rs-101-i160_notop.h5": "82d5b90c5ce9d710da639d6216d0f979",
    "resnet-rs-101-i192.h5": "eb285be29ab42cf4835ff20a5e3b5d23",
    "resnet-rs-101-i192_notop.h5": "f9a0f6b85faa9c3db2b6e233c4eebb5b",
    "resnet-rs-152-i192.h5": "8d72a301ed8a6f11a47c4ced4396e338",
    "resnet-rs-152-i192_notop.h5": "5fbf7ac2155cb4d5a6180ee9e3aa8704",
    "resnet-rs-152-i224.h5": "31a46a92ab21b84193d0d71dd8c3d03b",
    "resnet-rs-152-i224_notop.h5": "dc8b2cba2005552eafa3167f00dc2133",
    "resnet-rs-152-i256.h5": "ba6271b99bdeb4e7a9b15c05964ef4ad",
    "resnet-rs-152-i256_notop.h5": "fa79794252dbe47c89130f65349d654a",
    "resnet-rs-200-i256.h5": "a76930b741884e09ce90fa7450747d5f",
    "resnet-rs-200-i256_notop.h5": "bbdb3994718dfc0d1cd45d7eff3f3d9c",
    "resnet-rs-270-i256.h5": "20d575825ba26176b03cb51012a367a8",
    "resnet-rs-270-i256_notop.h5": "2c42ecb22e35f3e23d2f70babce0a2aa",
    "resnet-rs-350-i256.h5": "f4a039dc3c421321b7fc240494574a68",
    "resnet-rs-350-i256_notop.h5": "6e44b55025bbdff8f51692a023143d66",
    "resnet-rs-350-i320.h5": "7ccb858cc738305e8ceb3c0140bee393",
    "resnet-rs-350-i320_notop.h5": "ab0c1f9079d2f85a9facbd2c88aa6079",
    "resnet-rs-420-i320.h5": "ae0eb9bed39e64fc8d7e0db4018dc7e8",
    "resnet-rs-420-i320_notop.h5": "fe6217c32be8305b1889657172b98884",
    "resnet-rs-50-i160.h5": "69d9d925319f00a8bdd4af23c04e4102",
    "resnet-rs-50-i160_notop.h5": "90daa68cd26c95aa6c5d25451e095529",
}
DEPTH_TO_WEIGHT_VARIANTS = {50: [160], 101: [160, 192], 152: [192, 224, 256],
                            200: [256], 270: [256], 350: [256, 320], 420: [320]}
_REPEATS = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3],
            200: [3, 24, 36, 3], 270: [4, 29, 53, 4], 350: [4, 36, 72, 4],
            420: [4, 44, 87, 4]}
BLOCK_ARGS = {depth: [{"input_filters": f, "num_repeats": r}
                      for f, r in zip((64, 128, 256, 512), repeats)]
              for depth, repeats in _REPEATS.items()}
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}


def _uid(prefix):
    """Keras's backend.get_uid: 1, 2, ... per prefix since the last reset."""
    return unique_name("resnet_rs_uid_" + prefix, zero_based=False).rsplit("_", 1)[1]


def _bn(x, bn_momentum, bn_epsilon, name):
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1
    return layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                     epsilon=bn_epsilon, name=name)(x)


def fixed_padding(inputs, kernel_size):
    """Zero padding of kernel_size - 1 split before and after."""
    pad_beg = (kernel_size - 1) // 2
    pad_end = kernel_size - 1 - pad_beg
    return layers.ZeroPadding2D(padding=((pad_beg, pad_end), (pad_beg, pad_end)))(inputs)


def Conv2DFixedPadding(filters, kernel_size, strides, name=None):
    """A convolution whose strided form pads explicitly."""
    name = name or f"conv_{_uid('conv_')}"

    def apply(inputs):
        if strides > 1:
            inputs = fixed_padding(inputs, kernel_size)
        return layers.Conv2D(filters=filters, kernel_size=kernel_size, strides=strides,
                             padding="same" if strides == 1 else "valid", use_bias=False,
                             kernel_initializer=CONV_KERNEL_INITIALIZER, name=name)(inputs)
    return apply


def STEM(bn_momentum=0.0, bn_epsilon=1e-5, activation="relu", name=None):
    """Four 3x3 convolutions (32, 32, 64, 64 filters; strides 2, 1, 1, 2)."""
    name = name or f"stem_{_uid('stem_')}"

    def apply(x):
        for i, (filters, strides) in enumerate(((32, 2), (32, 1), (64, 1), (64, 2)), 1):
            x = Conv2DFixedPadding(filters=filters, kernel_size=3, strides=strides,
                                   name=f"{name}_stem_conv_{i}")(x)
            x = _bn(x, bn_momentum, bn_epsilon, f"{name}_stem_batch_norm_{i}")
            x = layers.Activation(activation, name=f"{name}_stem_act_{i}")(x)
        return x
    return apply


def SE(in_filters, se_ratio=0.25, expand_ratio=1, name=None):
    """Squeeze-and-excitation over 4 * in_filters channels."""
    name = name or f"se_{_uid('se_')}"

    def apply(inputs):
        x = layers.GlobalAveragePooling2D(name=name + "_se_squeeze")(inputs)
        first = backend.image_data_format() != "channels_last"
        se_shape = (x.shape[-1], 1, 1) if first else (1, 1, x.shape[-1])
        x = layers.Reshape(se_shape, name=name + "_se_reshape")(x)
        x = layers.Conv2D(filters=max(1, int(in_filters * 4 * se_ratio)), kernel_size=[1, 1],
                          strides=[1, 1], kernel_initializer=CONV_KERNEL_INITIALIZER,
                          padding="same", use_bias=True, activation="relu",
                          name=name + "_se_reduce")(x)
        x = layers.Conv2D(filters=4 * in_filters * expand_ratio, kernel_size=[1, 1],
                          strides=[1, 1], kernel_initializer=CONV_KERNEL_INITIALIZER,
                          padding="same", use_bias=True, activation="sigmoid",
                          name=name + "_se_expand")(x)
        return layers.multiply([inputs, x], name=name + "_se_excite")
    return apply


def BottleneckBlock(filters, strides, use_projection, bn_momentum=0.0, bn_epsilon=1e-5,
                    activation="relu", se_ratio=0.25, survival_probability=0.8, name=None):
    """A bottleneck block with SE; the projection shortcut average-pools."""
    name = name or f"block_0_{_uid('block_0_')}"

    def apply(inputs):
        shortcut = inputs
        if use_projection:
            if strides == 2:
                shortcut = layers.AveragePooling2D(pool_size=(2, 2), strides=(2, 2),
                                                   padding="same",
                                                   name=name + "_projection_pooling")(inputs)
            shortcut = Conv2DFixedPadding(filters=filters * 4, kernel_size=1,
                                          strides=1 if strides == 2 else strides,
                                          name=name + "_projection_conv")(shortcut)
            shortcut = _bn(shortcut, bn_momentum, bn_epsilon,
                           name + "_projection_batch_norm")
        x = Conv2DFixedPadding(filters=filters, kernel_size=1, strides=1,
                               name=name + "_conv_1")(inputs)
        x = _bn(x, bn_momentum, bn_epsilon, name + "batch_norm_1")
        x = layers.Activation(activation, name=name + "_act_1")(x)
        x = Conv2DFixedPadding(filters=filters, kernel_size=3, strides=strides,
                               name=name + "_conv_2")(x)
        x = _bn(x, bn_momentum, bn_epsilon, name + "_batch_norm_2")
        x = layers.Activation(activation, name=name + "_act_2")(x)
        x = Conv2DFixedPadding(filters=filters * 4, kernel_size=1, strides=1,
                               name=name + "_conv_3")(x)
        x = _bn(x, bn_momentum, bn_epsilon, name + "_batch_norm_3")
        if 0 < se_ratio < 1:
            x = SE(filters, se_ratio=se_ratio, name=name + "_se")(x)
        if survival_probability:
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1),
                               name=name + "_drop")(x)
        x = layers.Add()([x, shortcut])
        return layers.Activation(activation, name=name + "_output_act")(x)
    return apply


def BlockGroup(filters, strides, num_repeats, se_ratio=0.25, bn_epsilon=1e-5,
               bn_momentum=0.0, activation="relu", survival_probability=0.8, name=None):
    """`num_repeats` bottleneck blocks, the first with a projection."""
    name = name or f"block_group_{_uid('block_group_')}"

    def apply(x):
        for i in range(num_repeats):
            x = BottleneckBlock(filters=filters, strides=strides if i == 0 else 1,
                                use_projection=i == 0, se_ratio=se_ratio,
                                bn_epsilon=bn_epsilon, bn_momentum=bn_momentum,
                                activation=activation,
                                survival_probability=survival_probability,
                                name=name + f"_block_{i}_")(x)
        return x
    return apply


def get_survival_probability(init_rate, block_num, total_blocks):
    """The drop rate of block group `block_num`, growing linearly."""
    return init_rate * float(block_num) / total_blocks


def _check_weights(weights, depth, include_top, classes):
    """Keras's weights spelling: None, a path, 'imagenet' (the largest
    input size) or 'imagenet-i<size>'; the resolved name."""
    variants = DEPTH_TO_WEIGHT_VARIANTS[depth]
    if weights == "imagenet":
        weights = f"imagenet-i{max(variants)}"
    allowed = [f"imagenet-i{x}" for x in variants]
    if not (weights is None or weights in allowed or (
            isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), `'imagenet'` (pre-training on ImageNet, with "
                         "highest available input shape), or the path to the weights "
                         f"file to be loaded. For ResNetRS{depth} the following weight "
                         f"variants are available {allowed} (default=highest). Received "
                         f"weights={weights}")
    if weights in allowed and include_top and classes != 1000:
        raise ValueError(f"If using `weights` as `'imagenet'` or any of {allowed} with "
                         "`include_top` as true, `classes` should be 1000. Received "
                         f"classes={classes}")
    return weights, weights in allowed


def ResNetRS(depth, input_shape=None, bn_momentum=0.0, bn_epsilon=1e-5, activation="relu",
             se_ratio=0.25, dropout_rate=0.25, drop_connect_rate=0.2, include_top=True,
             block_args=None, model_name="resnet-rs", pooling=None, weights="imagenet",
             input_tensor=None, classes=1000, classifier_activation="softmax",
             include_preprocessing=True):
    """A ResNet-RS of `depth` (50, 101, 152, 200, 270, 350 or 420)."""
    if depth not in DEPTH_TO_WEIGHT_VARIANTS:
        raise ValueError(f"ResNetRS: depth must be one of "
                         f"{sorted(DEPTH_TO_WEIGHT_VARIANTS)}, got {depth!r}")
    weights, published = _check_weights(weights, depth, include_top, classes)
    input_shape = input_shape_for(input_shape, 224, 32, include_top, weights)
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = img_input
        if include_preprocessing:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            if input_shape[bn_axis - 1] == 3:
                x = layers.Normalization(mean=[0.485, 0.456, 0.406],
                                         variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2],
                                         axis=bn_axis)(x)
        x = STEM(bn_momentum=bn_momentum, bn_epsilon=bn_epsilon, activation=activation)(x)
        block_args = block_args or BLOCK_ARGS[depth]
        for i, args in enumerate(block_args):
            x = BlockGroup(filters=args["input_filters"], activation=activation,
                           strides=1 if i == 0 else 2, num_repeats=args["num_repeats"],
                           se_ratio=se_ratio, bn_momentum=bn_momentum,
                           bn_epsilon=bn_epsilon,
                           survival_probability=get_survival_probability(
                               drop_connect_rate, i + 2, len(block_args) + 1),
                           name=f"BlockGroup{i + 2}_")(x)
        if include_top:
            x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
            if dropout_rate > 0:
                x = layers.Dropout(dropout_rate, name="top_dropout")(x)
            imagenet_utils.validate_activation(classifier_activation, weights)
            x = layers.Dense(classes, activation=classifier_activation,
                             name="predictions")(x)
        else:
            x = classifier_head(x, False, weights, pooling, classes, None)
        model = make_model(img_input, input_tensor, x, model_name)
    if not published:
        return load_weights(model, weights)
    file_name = f"{model_name}-{weights.split('-')[-1]}{'' if include_top else '_notop'}.h5"
    return load_weights(model, "imagenet", file_name, WEIGHT_HASHES[file_name],
                        subdir="resnet_rs/")


def _variant(depth, drop_connect_rate, dropout_rate):
    def build(include_top=True, weights="imagenet", classes=1000, input_shape=None,
              input_tensor=None, pooling=None, classifier_activation="softmax",
              include_preprocessing=True):
        return ResNetRS(depth=depth, include_top=include_top,
                        drop_connect_rate=drop_connect_rate, dropout_rate=dropout_rate,
                        weights=weights, classes=classes, input_shape=input_shape,
                        input_tensor=input_tensor, pooling=pooling,
                        classifier_activation=classifier_activation,
                        model_name=f"resnet-rs-{depth}",
                        include_preprocessing=include_preprocessing)
    build.__name__ = build.__qualname__ = f"ResNetRS{depth}"
    build.__doc__ = (f"ResNetRS{depth}: ImageNet weights for inputs of "
                     f"{DEPTH_TO_WEIGHT_VARIANTS[depth]} pixels ('imagenet' is the "
                     f"largest, 'imagenet-i<size>' picks one).")
    return build


ResNetRS50 = _variant(50, 0.0, 0.25)
ResNetRS101 = _variant(101, 0.0, 0.25)
ResNetRS152 = _variant(152, 0.0, 0.25)
ResNetRS200 = _variant(200, 0.1, 0.25)
ResNetRS270 = _variant(270, 0.1, 0.25)
ResNetRS350 = _variant(350, 0.1, 0.4)
ResNetRS420 = _variant(420, 0.1, 0.4)


def preprocess_input(x, data_format=None):
    """The input unchanged: ResNetRS normalises inside the model."""
    return x


decode_predictions = imagenet_utils.decode_predictions
