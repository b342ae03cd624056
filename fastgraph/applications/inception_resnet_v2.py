"""InceptionResNetV2 (Szegedy et al. 2017): Inception blocks with scaled
residual connections; 299x299 inputs in the 'tf' convention."""
from .. import backend
from .. import layers
from . import imagenet_utils
from ._builder import (check_weights, classifier_head, image_input, input_shape_for,
                       load_weights, make_model, weight_scope)

WEIGHT_FILES = (("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                 "e693bd0210a403b3192acc6073ad2e96"),
                ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                 "d19885ff4a710c122648d3b5c3b684e4"))


def _axis():
    return 1 if backend.image_data_format() == "channels_first" else 3


class CustomScaleLayer(layers.Layer):
    """inputs[0] + inputs[1] * scale: the scaled residual connection."""

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu",
              use_bias=False, name=None):
    """Convolution, then (without bias) BatchNormalization without scale,
    then the activation."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=_axis(), scale=False,
                                      name=None if name is None else name + "_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else name + "_ac")(x)
    return x


def _chain(x, specs):
    for filters, kernel in specs:
        x = conv2d_bn(x, filters, kernel)
    return x


BRANCHES = {
    "block35": [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    "block17": [[(192, 1)], [(128, 1), (160, [1, 7]), (192, [7, 1])]],
    "block8": [[(192, 1)], [(192, 1), (224, [1, 3]), (256, [3, 1])]],
}


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """x + scale * (the block's branches, concatenated and projected)."""
    if block_type not in BRANCHES:
        raise ValueError("Unknown Inception-ResNet block type. Expects "
                         '"block35", "block17" or "block8", but got: ' + str(block_type))
    branches = [_chain(x, specs) for specs in BRANCHES[block_type]]
    block_name = block_type + "_" + str(block_idx)
    mixed = layers.Concatenate(axis=_axis(), name=block_name + "_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[_axis()], 1, activation=None, use_bias=True,
                   name=block_name + "_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=block_name + "_ac")(x)
    return x


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None,
                      input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax", **kwargs):
    """InceptionResNetV2 (299x299 by default, at least 75x75)."""
    if kwargs:
        raise ValueError(f"Unknown argument(s): {kwargs}")
    check_weights(weights, include_top, classes)
    input_shape = input_shape_for(input_shape, 299, 75, include_top, weights)
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
        x = conv2d_bn(x, 32, 3, padding="valid")
        x = conv2d_bn(x, 64, 3)
        x = layers.MaxPooling2D(3, strides=2)(x)
        x = conv2d_bn(x, 80, 1, padding="valid")
        x = conv2d_bn(x, 192, 3, padding="valid")
        x = layers.MaxPooling2D(3, strides=2)(x)
        branches = [conv2d_bn(x, 96, 1), _chain(x, [(48, 1), (64, 5)]),
                    _chain(x, [(64, 1), (96, 3), (96, 3)])]
        branch_pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
        branches.append(conv2d_bn(branch_pool, 64, 1))
        x = layers.Concatenate(axis=_axis(), name="mixed_5b")(branches)
        for block_idx in range(1, 11):
            x = inception_resnet_block(x, scale=0.17, block_type="block35",
                                       block_idx=block_idx)
        branches = [conv2d_bn(x, 384, 3, strides=2, padding="valid")]
        branch_1 = _chain(x, [(256, 1), (256, 3)])
        branches.append(conv2d_bn(branch_1, 384, 3, strides=2, padding="valid"))
        branches.append(layers.MaxPooling2D(3, strides=2, padding="valid")(x))
        x = layers.Concatenate(axis=_axis(), name="mixed_6a")(branches)
        for block_idx in range(1, 21):
            x = inception_resnet_block(x, scale=0.1, block_type="block17",
                                       block_idx=block_idx)
        branches = []
        for specs, last in (([(256, 1)], 384), ([(256, 1)], 288),
                            ([(256, 1), (288, 3)], 320)):
            branches.append(conv2d_bn(_chain(x, specs), last, 3, strides=2,
                                      padding="valid"))
        branches.append(layers.MaxPooling2D(3, strides=2, padding="valid")(x))
        x = layers.Concatenate(axis=_axis(), name="mixed_7a")(branches)
        for block_idx in range(1, 10):
            x = inception_resnet_block(x, scale=0.2, block_type="block8",
                                       block_idx=block_idx)
        x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8",
                                   block_idx=10)
        x = conv2d_bn(x, 1536, 1, name="conv_7b")
        x = classifier_head(x, include_top, weights, pooling, classes,
                            classifier_activation, ("avg_pool", None, None))
        model = make_model(img_input, input_tensor, x, "inception_resnet_v2")
    file_name, file_hash = WEIGHT_FILES[0 if include_top else 1]
    return load_weights(model, weights, file_name, file_hash,
                        subdir="inception_resnet_v2/")


def preprocess_input(x, data_format=None):
    """Images in 0..255 scaled to -1..1 (the 'tf' convention)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
