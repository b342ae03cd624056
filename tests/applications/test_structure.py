"""Every application against tf-keras's numbers (recorded once by
tests/reference/make_applications.py): layer count, parameter counts as
Keras reports them, output shape, model name and every layer's name,
output shape and parameter count."""
import pytest

from fastgraph import applications

from .helpers import RECORDS, build, layer_rows, record

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
           "mobilenet_v3", "resnet", "resnet50",
           "resnet_v2", "vgg16", "vgg19", "xception"]


@pytest.mark.parametrize("key", sorted(RECORDS))
def test_matches_tf_keras(key):
    model = build(key)
    got = record(model)
    if got != RECORDS[key]:
        for i, row in enumerate(layer_rows(model)[:3]):
            print(i, row)
    assert got == RECORDS[key]


@pytest.mark.parametrize("module", MODULES)
def test_family_modules_decode_and_preprocess(module):
    mod = getattr(applications, module)
    assert callable(mod.decode_predictions) and callable(mod.preprocess_input)


def test_every_surface_name_is_recorded():
    assert sorted(n for n in RECORDS if "/" not in n) == sorted(
        n for n in SURFACE if not n.startswith(("NAS", "RegNet", "ResNetRS")))
