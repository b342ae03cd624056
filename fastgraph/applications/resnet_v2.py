"""ResNet50V2/101V2/152V2 (He et al. 2016, pre-activation blocks);
inputs in the 'tf' convention (-1..1)."""
from . import imagenet_utils
from .resnet import ResNet, stack2


def _v2(depths, name, args):
    def stack_fn(x):
        x = stack2(x, 64, depths[0], name="conv2")
        x = stack2(x, 128, depths[1], name="conv3")
        x = stack2(x, 256, depths[2], name="conv4")
        return stack2(x, 512, depths[3], stride1=1, name="conv5")
    return ResNet(stack_fn, True, True, name, *args)


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
               pooling=None, classes=1000, classifier_activation="softmax"):
    """ResNet50V2: 3, 4, 6 and 3 pre-activation blocks."""
    return _v2((3, 4, 6, 3), "resnet50v2", (include_top, weights, input_tensor,
                                             input_shape, pooling, classes,
                                             classifier_activation))


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax"):
    """ResNet101V2: 3, 4, 23 and 3 pre-activation blocks."""
    return _v2((3, 4, 23, 3), "resnet101v2", (include_top, weights, input_tensor,
                                               input_shape, pooling, classes,
                                               classifier_activation))


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax"):
    """ResNet152V2: 3, 8, 36 and 3 pre-activation blocks."""
    return _v2((3, 8, 36, 3), "resnet152v2", (include_top, weights, input_tensor,
                                               input_shape, pooling, classes,
                                               classifier_activation))


def preprocess_input(x, data_format=None):
    """Images in 0..255 scaled to -1..1 (the 'tf' convention)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
