"""Every application against tf-keras's numbers (recorded once by
tests/reference/make_applications.py): layer count, parameter counts as
Keras reports them, output shape, model name and every layer's name,
output shape and parameter count.

The largest models are built at 75x75 by default (the same layers and
parameters; shape inference at full size costs seconds each), the deepest
repeats of a family's code only with FASTGRAPH_FULL_APPLICATIONS=1, which
also builds the largest at their default size.
"""
import os

import pytest

from fastgraph import applications

from .helpers import LARGE, RECORDS, build, record

SURFACE = ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny",
           "ConvNeXtXLarge", "DenseNet121", "DenseNet169", "DenseNet201"] + \
    [f"EfficientNetB{i}" for i in range(8)] + \
    [f"EfficientNetV2{v}" for v in ("B0", "B1", "B2", "B3", "L", "M", "S")] + \
    ["InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large",
     "MobileNetV3Small", "NASNetLarge", "NASNetMobile"] + \
    [f"RegNet{k}{n}" for k in "XY" for n in ("002", "004", "006", "008", "016", "032",
                                             "040", "064", "080", "120", "160", "320")] + \
    ["ResNet101", "ResNet101V2", "ResNet152", "ResNet152V2", "ResNet50", "ResNet50V2"] + \
    [f"ResNetRS{n}" for n in (101, 152, 200, 270, 350, 420, 50)] + \
    ["VGG16", "VGG19", "Xception"]
MODULES = ["convnext", "densenet", "efficientnet", "efficientnet_v2", "imagenet_utils",
           "inception_resnet_v2", "inception_v3", "mobilenet", "mobilenet_v2",
           "mobilenet_v3", "nasnet", "regnet", "resnet", "resnet50", "resnet_rs",
           "resnet_v2", "vgg16", "vgg19", "xception"]


FULL = os.environ.get("FASTGRAPH_FULL_APPLICATIONS") == "1"
DEEPEST = {"EfficientNetB5/small", "EfficientNetB6/small", "EfficientNetV2M/small",
           "ResNetRS350/small", "ResNetRS420/small"}
KEYS = sorted(k for k in RECORDS if FULL or (k not in LARGE and k not in DEEPEST))


@pytest.mark.parametrize("key", KEYS)
def test_matches_tf_keras(key):
    got, rows = record(build(key))
    if got != RECORDS[key]:
        print(rows[:3])
    assert got == RECORDS[key]


@pytest.mark.parametrize("module", MODULES)
def test_family_modules_decode_and_preprocess(module):
    mod = getattr(applications, module)
    assert callable(mod.decode_predictions) and callable(mod.preprocess_input)


def test_every_surface_name_is_recorded():
    assert sorted(n for n in RECORDS if "/" not in n) == sorted(SURFACE)
    assert sorted(n for n in applications.__all__ if n[0].isupper()) == sorted(SURFACE)
