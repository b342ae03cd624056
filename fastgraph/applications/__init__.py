"""Keras's applications: the ImageNet architectures with Keras's arguments,
layer names, shapes and parameter counts, their input conventions
(`preprocess_input`) and `decode_predictions`."""
from . import (densenet, imagenet_utils, mobilenet, mobilenet_v2, mobilenet_v3,
               resnet, resnet50, resnet_v2, vgg16,
               vgg19)
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .resnet import ResNet50, ResNet101, ResNet152
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from .vgg16 import VGG16
from .vgg19 import VGG19
