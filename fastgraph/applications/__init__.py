"""Keras's applications: the ImageNet architectures with Keras's arguments,
layer names, shapes and parameter counts, their input conventions
(`preprocess_input`) and `decode_predictions`."""
from . import (convnext, densenet, efficientnet, efficientnet_v2, imagenet_utils,
               inception_resnet_v2, inception_v3, mobilenet, mobilenet_v2, mobilenet_v3,
               nasnet, regnet, resnet, resnet50, resnet_rs, resnet_v2, vgg16, vgg19,
               xception)
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .resnet import ResNet50, ResNet101, ResNet152
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from .vgg16 import VGG16
from .vgg19 import VGG19
from .xception import Xception
from .convnext import (ConvNeXtBase, ConvNeXtLarge, ConvNeXtSmall, ConvNeXtTiny,
                       ConvNeXtXLarge)
from .efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3,
                           EfficientNetB4, EfficientNetB5, EfficientNetB6, EfficientNetB7)
from .efficientnet_v2 import (EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2,
                              EfficientNetV2B3, EfficientNetV2L, EfficientNetV2M,
                              EfficientNetV2S)
from .inception_v3 import InceptionV3
from .inception_resnet_v2 import InceptionResNetV2
from .nasnet import NASNetLarge, NASNetMobile
from .regnet import (RegNetX002, RegNetX004, RegNetX006, RegNetX008,
                     RegNetX016, RegNetX032, RegNetX040, RegNetX064, RegNetX080,
                     RegNetX120, RegNetX160, RegNetX320, RegNetY002, RegNetY004,
                     RegNetY006, RegNetY008, RegNetY016, RegNetY032, RegNetY040,
                     RegNetY064, RegNetY080, RegNetY120, RegNetY160, RegNetY320)
from .resnet_rs import (ResNetRS50, ResNetRS101, ResNetRS152, ResNetRS200, ResNetRS270,
                        ResNetRS350, ResNetRS420)


__all__ = ["convnext", "densenet", "efficientnet", "efficientnet_v2", "imagenet_utils",
           "inception_resnet_v2", "inception_v3", "mobilenet", "mobilenet_v2",
           "mobilenet_v3", "nasnet", "regnet", "resnet", "resnet50", "resnet_rs",
           "resnet_v2", "vgg16", "vgg19", "xception", "ConvNeXtBase", "ConvNeXtLarge",
           "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge", "DenseNet121",
           "DenseNet169", "DenseNet201", "EfficientNetB0", "EfficientNetB1",
           "EfficientNetB2", "EfficientNetB3", "EfficientNetB4", "EfficientNetB5",
           "EfficientNetB6", "EfficientNetB7", "EfficientNetV2B0", "EfficientNetV2B1",
           "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2L",
           "EfficientNetV2M", "EfficientNetV2S", "InceptionResNetV2", "InceptionV3",
           "MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small",
           "NASNetLarge", "NASNetMobile", "RegNetX002", "RegNetX004", "RegNetX006",
           "RegNetX008", "RegNetX016", "RegNetX032", "RegNetX040", "RegNetX064",
           "RegNetX080", "RegNetX120", "RegNetX160", "RegNetX320", "RegNetY002",
           "RegNetY004", "RegNetY006", "RegNetY008", "RegNetY016", "RegNetY032",
           "RegNetY040", "RegNetY064", "RegNetY080", "RegNetY120", "RegNetY160",
           "RegNetY320", "ResNet101", "ResNet101V2", "ResNet152", "ResNet152V2",
           "ResNet50", "ResNet50V2", "ResNetRS101", "ResNetRS152", "ResNetRS200",
           "ResNetRS270", "ResNetRS350", "ResNetRS420", "ResNetRS50", "VGG16", "VGG19",
           "Xception"]
