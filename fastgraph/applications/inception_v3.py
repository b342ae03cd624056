"""InceptionV3 (Szegedy et al. 2016) with Keras's layer names (automatic
ones included, so layers are made in Keras's order); 299x299 inputs in
the 'tf' convention."""
from .. import backend
from .. import layers
from . import imagenet_utils
from ._builder import (check_weights, classifier_head, image_input, input_shape_for,
                       load_weights, make_model, weight_scope)

WEIGHT_FILES = (("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                 "9a0d58056eeedaa3f26cb7ebd46da564"),
                ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                 "bcbd6486424b2319ff4ef7d526e38f63"))


def _axis():
    return 1 if backend.image_data_format() == "channels_first" else 3


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Convolution (no bias), BatchNormalization (no scale), ReLU."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else name + "_conv")(x)
    x = layers.BatchNormalization(axis=_axis(), scale=False,
                                  name=None if name is None else name + "_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_pool_branch(x, filters):
    pool = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(pool, filters, 1, 1)


def _block_a(x, pool_filters, name):
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    branch3x3dbl = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    branch_pool = _avg_pool_branch(x, pool_filters)
    return layers.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool],
                              axis=_axis(), name=name)


def _block_c(x, width, name):
    """The 7x7 factorised block with `width` inner filters."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, width, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, width, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, width, 1, 1)
    for filters, rows, cols in ((width, 7, 1), (width, 1, 7), (width, 7, 1), (192, 1, 7)):
        branch7x7dbl = conv2d_bn(branch7x7dbl, filters, rows, cols)
    branch_pool = _avg_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool],
                              axis=_axis(), name=name)


def _block_e(x, i):
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate([conv2d_bn(branch3x3, 384, 1, 3),
                                    conv2d_bn(branch3x3, 384, 3, 1)],
                                   axis=_axis(), name="mixed9_" + str(i))
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    branch3x3dbl = layers.concatenate([conv2d_bn(branch3x3dbl, 384, 1, 3),
                                       conv2d_bn(branch3x3dbl, 384, 3, 1)], axis=_axis())
    branch_pool = _avg_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool],
                              axis=_axis(), name="mixed" + str(9 + i))


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax"):
    """InceptionV3 (299x299 by default, at least 75x75)."""
    check_weights(weights, include_top, classes)
    input_shape = input_shape_for(input_shape, 299, 75, include_top, weights)
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
        x = conv2d_bn(x, 32, 3, 3, padding="valid")
        x = conv2d_bn(x, 64, 3, 3)
        x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
        x = conv2d_bn(x, 80, 1, 1, padding="valid")
        x = conv2d_bn(x, 192, 3, 3, padding="valid")
        x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
        x = _block_a(x, 32, "mixed0")
        x = _block_a(x, 64, "mixed1")
        x = _block_a(x, 64, "mixed2")
        branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
        branch3x3dbl = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
        branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
        branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
        x = layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=_axis(),
                               name="mixed3")
        x = _block_c(x, 128, "mixed4")
        x = _block_c(x, 160, "mixed5")
        x = _block_c(x, 160, "mixed6")
        x = _block_c(x, 192, "mixed7")
        branch3x3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2),
                              padding="valid")
        branch7x7x3 = conv2d_bn(x, 192, 1, 1)
        branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
        branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
        branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
        branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
        x = layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=_axis(),
                               name="mixed8")
        x = _block_e(x, 0)
        x = _block_e(x, 1)
        x = classifier_head(x, include_top, weights, pooling, classes,
                            classifier_activation, ("avg_pool", None, None))
        model = make_model(img_input, input_tensor, x, "inception_v3")
    file_name, file_hash = WEIGHT_FILES[0 if include_top else 1]
    return load_weights(model, weights, file_name, file_hash, subdir="inception_v3/")


def preprocess_input(x, data_format=None):
    """Images in 0..255 scaled to -1..1 (the 'tf' convention)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
