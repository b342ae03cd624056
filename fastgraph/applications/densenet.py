"""DenseNet121/169/201 (Huang et al. 2017) with Keras's layer names;
inputs in the 'torch' convention."""
from .. import backend
from .. import layers
from . import imagenet_utils
from ._builder import (check_weights, image_input, load_weights, make_model,
                       weight_scope)

BLOCKS = {(6, 12, 24, 16): "densenet121", (6, 12, 32, 32): "densenet169",
          (6, 12, 48, 32): "densenet201"}
WEIGHTS_HASHES = {
    "densenet121": ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    "densenet169": ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    "densenet201": ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}


def _bn_axis():
    return 3 if backend.image_data_format() == "channels_last" else 1


def _bn(x, name):
    return layers.BatchNormalization(axis=_bn_axis(), epsilon=1.001e-5, name=name)(x)


def dense_block(x, blocks, name):
    """`blocks` conv blocks, each concatenating 32 new channels."""
    for i in range(blocks):
        x = conv_block(x, 32, name=name + "_block" + str(i + 1))
    return x


def transition_block(x, reduction, name):
    """BN, ReLU, a 1x1 convolution to `reduction` of the channels, 2x2
    average pooling."""
    x = _bn(x, name + "_bn")
    x = layers.Activation("relu", name=name + "_relu")(x)
    x = layers.Conv2D(int(x.shape[_bn_axis()] * reduction), 1, use_bias=False,
                      name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def conv_block(x, growth_rate, name):
    """A bottleneck (1x1 then 3x3) whose `growth_rate` channels join x."""
    x1 = _bn(x, name + "_0_bn")
    x1 = layers.Activation("relu", name=name + "_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(x1)
    x1 = _bn(x1, name + "_1_bn")
    x1 = layers.Activation("relu", name=name + "_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                       name=name + "_2_conv")(x1)
    return layers.Concatenate(axis=_bn_axis(), name=name + "_concat")([x, x1])


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None,
             input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax"):
    """A DenseNet with `blocks` conv blocks in its four dense blocks."""
    check_weights(weights, include_top, classes)
    name = BLOCKS.get(tuple(blocks), "densenet")
    if weights == "imagenet" and name == "densenet":
        raise ValueError(f"No ImageNet weights are published for blocks={blocks}")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
        x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1/conv")(x)
        x = _bn(x, "conv1/bn")
        x = layers.Activation("relu", name="conv1/relu")(x)
        x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
        for i, n in enumerate(blocks):
            x = dense_block(x, n, name=f"conv{i + 2}")
            if i < 3:
                x = transition_block(x, 0.5, name=f"pool{i + 2}")
        x = _bn(x, "bn")
        x = layers.Activation("relu", name="relu")(x)
        if include_top:
            x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
            imagenet_utils.validate_activation(classifier_activation, weights)
            x = layers.Dense(classes, activation=classifier_activation,
                             name="predictions")(x)
        elif pooling == "avg":
            x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D(name="max_pool")(x)
        model = make_model(img_input, input_tensor, x, name)
    if weights != "imagenet":
        return load_weights(model, weights)
    suffix = "" if include_top else "_notop"
    return load_weights(model, weights,
                        f"{name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                        WEIGHTS_HASHES[name][0 if include_top else 1], subdir="densenet/")


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax"):
    """DenseNet121: 6, 12, 24 and 16 conv blocks (224x224 by default)."""
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax"):
    """DenseNet169: 6, 12, 32 and 32 conv blocks."""
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax"):
    """DenseNet201: 6, 12, 48 and 32 conv blocks."""
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation)


def preprocess_input(x, data_format=None):
    """Images in 0..255 to the 'torch' convention (0..1, ImageNet mean and
    std per channel)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


decode_predictions = imagenet_utils.decode_predictions
