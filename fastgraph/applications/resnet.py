"""ResNet50/101/152 (He et al. 2015) and the residual network ResNetV2
shares, with Keras's layer names; inputs in the 'caffe' convention."""
from .. import backend
from .. import layers
from . import imagenet_utils
from ._builder import (check_weights, image_input, load_weights, make_model,
                       weight_scope)

WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971",
                    "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9",
                    "ed17cf2e0169df9d443503ef94b23b33"),
}


def _bn_axis():
    return 3 if backend.image_data_format() == "channels_last" else 1


def _bn(x, name):
    return layers.BatchNormalization(axis=_bn_axis(), epsilon=1.001e-5, name=name)(x)


def ResNet(stack_fn, preact, use_bias, model_name="resnet", include_top=True,
           weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
           classes=1000, classifier_activation="softmax"):
    """A ResNet (v1 or, with `preact`, v2) whose stages `stack_fn` builds."""
    check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
        x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
        if not preact:
            x = _bn(x, "conv1_bn")
            x = layers.Activation("relu", name="conv1_relu")(x)
        x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
        x = stack_fn(x)
        if preact:
            x = _bn(x, "post_bn")
            x = layers.Activation("relu", name="post_relu")(x)
        if include_top:
            x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
            imagenet_utils.validate_activation(classifier_activation, weights)
            x = layers.Dense(classes, activation=classifier_activation,
                             name="predictions")(x)
        elif pooling == "avg":
            x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D(name="max_pool")(x)
        model = make_model(img_input, input_tensor, x, model_name)
    if weights == "imagenet" and model_name not in WEIGHTS_HASHES:
        raise ValueError(f"No ImageNet weights are published for {model_name!r}")
    if weights == "imagenet":
        suffix = "" if include_top else "_notop"
        file_name = f"{model_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        file_hash = WEIGHTS_HASHES[model_name][0 if include_top else 1]
        return load_weights(model, weights, file_name, file_hash, subdir="resnet/")
    return load_weights(model, weights)


def block1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """A bottleneck residual block (v1: convolution, BN, ReLU)."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = _bn(shortcut, name + "_0_bn")
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = _bn(x, name + "_1_bn")
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="SAME", name=name + "_2_conv")(x)
    x = _bn(x, name + "_2_bn")
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = _bn(x, name + "_3_bn")
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def stack1(x, filters, blocks, stride1=2, name=None):
    """`blocks` v1 blocks, the first one with a projection shortcut."""
    x = block1(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = block1(x, filters, conv_shortcut=False, name=name + "_block" + str(i))
    return x


def block2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """A pre-activation bottleneck block (v2: BN, ReLU, convolution)."""
    preact = _bn(x, name + "_preact_bn")
    preact = layers.Activation("relu", name=name + "_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride,
                                 name=name + "_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=name + "_1_conv")(preact)
    x = _bn(x, name + "_1_bn")
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + "_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False,
                      name=name + "_2_conv")(x)
    x = _bn(x, name + "_2_bn")
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    return layers.Add(name=name + "_out")([shortcut, x])


def stack2(x, filters, blocks, stride1=2, name=None):
    """`blocks` v2 blocks; the last one strides."""
    x = block2(x, filters, conv_shortcut=True, name=name + "_block1")
    for i in range(2, blocks):
        x = block2(x, filters, name=name + "_block" + str(i))
    return block2(x, filters, stride=stride1, name=name + "_block" + str(blocks))


def _v1(depths, name, args):
    def stack_fn(x):
        x = stack1(x, 64, depths[0], stride1=1, name="conv2")
        x = stack1(x, 128, depths[1], name="conv3")
        x = stack1(x, 256, depths[2], name="conv4")
        return stack1(x, 512, depths[3], name="conv5")
    return ResNet(stack_fn, False, True, name, *args)


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax"):
    """ResNet50: 3, 4, 6 and 3 bottleneck blocks (224x224 input by default)."""
    return _v1((3, 4, 6, 3), "resnet50", (include_top, weights, input_tensor,
                                           input_shape, pooling, classes,
                                           classifier_activation))


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax"):
    """ResNet101: 3, 4, 23 and 3 bottleneck blocks."""
    return _v1((3, 4, 23, 3), "resnet101", (include_top, weights, input_tensor,
                                             input_shape, pooling, classes,
                                             classifier_activation))


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax"):
    """ResNet152: 3, 8, 36 and 3 bottleneck blocks."""
    return _v1((3, 8, 36, 3), "resnet152", (include_top, weights, input_tensor,
                                             input_shape, pooling, classes,
                                             classifier_activation))


def preprocess_input(x, data_format=None):
    """Images in 0..255 to the 'caffe' convention (BGR, ImageNet mean off)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
