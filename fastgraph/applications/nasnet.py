"""NASNetMobile and NASNetLarge (Zoph et al. 2018): cells found by
architecture search, channels_last only as in Keras; inputs in the 'tf'
convention."""
import logging

from .. import backend
from .. import layers
from . import imagenet_utils
from ._builder import (check_weights, image_input, input_shape_for, load_weights,
                       make_model, pooled, weight_scope)

WEIGHT_FILES = {
    224: (("nasnet_mobile.h5", "NASNet-mobile.h5", "020fb642bf7360b370c678b08e0adf61"),
          ("nasnet_mobile_no_top.h5", "NASNet-mobile-no-top.h5",
           "1ed92395b5b598bdda52abe5c0dbfd63")),
    331: (("nasnet_large.h5", "NASNet-large.h5", "11577c9a518f0070763c2b964a382f17"),
          ("nasnet_large_no_top.h5", "NASNet-large-no-top.h5",
           "d81d89dc07e6e56530c4e77faddd61b5")),
}


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
           skip_reduction=True, filter_multiplier=2, include_top=True, weights="imagenet",
           input_tensor=None, pooling=None, classes=1000, default_size=None,
           classifier_activation="softmax"):
    """A NASNet-A network of `num_blocks` normal cells per stage."""
    check_weights(weights, include_top, classes)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("When specifying the input shape of a NASNet and loading "
                         "`ImageNet` weights, the input_shape argument must be static "
                         f"(no None entries). Got: `input_shape={input_shape}`.")
    default_size = default_size or 331
    if weights == "imagenet" and default_size not in WEIGHT_FILES:
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or "
                         "NASNetMobile")
    if penultimate_filters % (24 * filter_multiplier ** 2) != 0:
        raise ValueError("For NASNet-A models, the `penultimate_filters` must be a "
                         "multiple of 24 * (`filter_multiplier` ** 2). Current value: "
                         f"{penultimate_filters}")
    input_shape = input_shape_for(input_shape, default_size, 32, include_top, weights)
    old_data_format = backend.image_data_format()
    if old_data_format != "channels_last":
        logging.warning("The NASNet family of models is only available for the input "
                        'data format "channels_last" (width, height, channels). The '
                        "model being returned right now will expect inputs to follow "
                        'the "channels_last" data format.')
        backend.set_image_data_format("channels_last")
    try:
        with weight_scope(weights):
            img_input = image_input(input_tensor, input_shape)
            x = _cells(img_input, penultimate_filters // 24, num_blocks,
                       stem_block_filters, skip_reduction, filter_multiplier)
            x = layers.Activation("relu")(x)
            if include_top:
                x = layers.GlobalAveragePooling2D()(x)
                imagenet_utils.validate_activation(classifier_activation, weights)
                x = layers.Dense(classes, activation=classifier_activation,
                                 name="predictions")(x)
            else:
                x = pooled(x, pooling)
            model = make_model(img_input, input_tensor, x, "NASNet")
    finally:
        backend.set_image_data_format(old_data_format)
    if weights != "imagenet":
        return load_weights(model, weights)
    file_name, remote_name, file_hash = WEIGHT_FILES[default_size][0 if include_top else 1]
    return load_weights(model, weights, file_name, file_hash, subdir="nasnet/",
                        remote_name=remote_name)


def _cells(img_input, filters, num_blocks, stem_block_filters, skip_reduction,
           filter_multiplier):
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid",
                      use_bias=False, name="stem_conv1",
                      kernel_initializer="he_normal")(img_input)
    x = _bn(x, "stem_bn1")
    p = None
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier ** 2, block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for stage in range(3):
        if stage:
            x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier ** stage,
                                      block_id="reduce_%d" % (stage * num_blocks))
            p = p0 if not skip_reduction else p
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, filters * filter_multiplier ** stage,
                                  block_id="%d" % (stage * num_blocks + i + (stage > 0)))
    return x


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                 pooling=None, classes=1000, classifier_activation="softmax"):
    """NASNet-A (4 @ 1056), 224x224 inputs by default."""
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                  skip_reduction=False, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling,
                  classes=classes, default_size=224,
                  classifier_activation=classifier_activation)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax"):
    """NASNet-A (6 @ 4032), 331x331 inputs by default."""
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                  skip_reduction=True, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling,
                  classes=classes, default_size=331,
                  classifier_activation=classifier_activation)


def _bn(x, name):
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)(x)


def _conv1x1(x, filters, name, strides=(1, 1)):
    return layers.Conv2D(filters, (1, 1), strides=strides, padding="same", use_bias=False,
                         name=name, kernel_initializer="he_normal")(x)


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    x = layers.Activation("relu")(ip)
    conv_pad = "same"
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)
        conv_pad = "valid"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides,
                               name=f"separable_conv_1_{block_id}", padding=conv_pad,
                               use_bias=False, kernel_initializer="he_normal")(x)
    x = _bn(x, f"separable_conv_1_bn_{block_id}")
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size, name=f"separable_conv_2_{block_id}",
                               padding="same", use_bias=False,
                               kernel_initializer="he_normal")(x)
    return _bn(x, f"separable_conv_2_bn_{block_id}")


def _adjust_block(p, ip, filters, block_id=None):
    """`p` brought to the shape of `ip` with `filters` channels."""
    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = _conv1x1(p1, filters // 2, f"adjust_conv_1_{block_id}")
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = _conv1x1(p2, filters // 2, f"adjust_conv_2_{block_id}")
        p = layers.concatenate([p1, p2], axis=-1)
        return _bn(p, f"adjust_bn_{block_id}")
    if p.shape[-1] != filters:
        p = layers.Activation("relu")(p)
        p = _conv1x1(p, filters, f"adjust_conv_projection_{block_id}")
        return _bn(p, f"adjust_bn_{block_id}")
    return p


def _avg3(x, strides, padding, name):
    return layers.AveragePooling2D((3, 3), strides=strides, padding=padding, name=name)(x)


def _normal_a_cell(ip, p, filters, block_id=None):
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _bn(_conv1x1(h, filters, f"normal_conv_1_{block_id}"), f"normal_bn_1_{block_id}")
    x1_1 = _separable_conv_block(h, filters, kernel_size=(5, 5),
                                 block_id=f"normal_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"normal_add_1_{block_id}")
    x2_1 = _separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
    x2_2 = _separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"normal_add_2_{block_id}")
    x3 = _avg3(h, (1, 1), "same", f"normal_left3_{block_id}")
    x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
    x4_1 = _avg3(p, (1, 1), "same", f"normal_left4_{block_id}")
    x4_2 = _avg3(p, (1, 1), "same", f"normal_right4_{block_id}")
    x4 = layers.add([x4_1, x4_2], name=f"normal_add_4_{block_id}")
    x5 = _separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1,
                           name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _bn(_conv1x1(h, filters, f"reduction_conv_1_{block_id}"),
            f"reduction_bn_1_{block_id}")
    h3 = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(h, 3),
                              name=f"reduction_pad_1_{block_id}")(h)
    x1_1 = _separable_conv_block(h, filters, (5, 5), strides=(2, 2),
                                 block_id=f"reduction_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                 block_id=f"reduction_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"reduction_add_1_{block_id}")
    x2_1 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                               name=f"reduction_left2_{block_id}")(h3)
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                 block_id=f"reduction_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
    x3_1 = _avg3(h3, (2, 2), "valid", f"reduction_left3_{block_id}")
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2),
                                 block_id=f"reduction_right3_{block_id}")
    x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
    x4 = _avg3(x1, (1, 1), "same", f"reduction_left4_{block_id}")
    x4 = layers.add([x2, x4])
    x5_1 = _separable_conv_block(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
    x5_2 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                               name=f"reduction_right5_{block_id}")(h3)
    x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip


def preprocess_input(x, data_format=None):
    """Images in 0..255 scaled to -1..1 (the 'tf' convention)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
