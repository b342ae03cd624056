"""VGG19: VGG with four convolutions in each of its last three blocks."""
from . import imagenet_utils
from .vgg16 import preprocess_input, vgg

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax"):
    """The VGG19 model (224x224 input by default, at least 32x32)."""
    return vgg((2, 2, 4, 4, 4), "vgg19", include_top, weights, input_tensor,
               input_shape, pooling, classes, classifier_activation)


decode_predictions = imagenet_utils.decode_predictions
