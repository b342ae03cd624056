"""ConvNeXt Tiny to XLarge (Liu et al. 2022), with the LayerScale and
stochastic depth layers the family needs; the model normalises its 0..255
inputs itself (`include_preprocessing`), so `preprocess_input` passes them
through."""
import numpy as np

from .. import backend
from .. import initializers
from .. import layers
from ..models import Sequential
from . import imagenet_utils
from ._builder import (check_weights, image_input, input_shape_for, load_weights,
                       make_model, pooled, weight_scope)
from ..engine.layer_utils import unique_name

WEIGHTS_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
MODEL_CONFIGS = {
    "tiny": ([3, 3, 9, 3], [96, 192, 384, 768]),
    "small": ([3, 3, 27, 3], [96, 192, 384, 768]),
    "base": ([3, 3, 27, 3], [128, 256, 512, 1024]),
    "large": ([3, 3, 27, 3], [192, 384, 768, 1536]),
    "xlarge": ([3, 3, 27, 3], [256, 512, 1024, 2048]),
}


class StochasticDepth(layers.Layer):
    """Drops the whole residual branch of a sample with probability
    `drop_path_rate` in training (survivors scaled by 1/keep); identity in
    inference."""

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        if not training:
            return x
        keep_prob = 1 - self.drop_path_rate
        shape = (x.shape[0],) + (1,) * (len(x.shape) - 1)
        keep = backend.random_uniform(shape) < keep_prob
        return x * backend.constant(1.0 / keep_prob) * backend.cast(keep, x.dtype)

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


class LayerScale(layers.Layer):
    """x times a learned per-channel `gamma` (initialised to `init_values`)."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(name="gamma", shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values),
                                     trainable=True)
        super().build(input_shape)

    def call(self, x):
        return x * self.gamma

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6,
                  name=None):
    """Depthwise 7x7, LayerNorm, an inverted MLP, LayerScale, residual add."""
    name = name or unique_name("convnext_block")

    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same",
                          groups=projection_dim, name=name + "_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=name + "_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=name + "_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=name + "_gelu")(x)
        x = layers.Dense(projection_dim, name=name + "_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim,
                           name=name + "_layer_scale")(x)
        if drop_path_rate:
            layer = StochasticDepth(drop_path_rate, name=name + "_stochastic_depth")
        else:
            layer = layers.Activation("linear", name=name + "_identity")
        return layers.Add(name=unique_name("tf.__operators__.add"))([inputs, layer(x)])
    return apply


def PreStem(name=None):
    """ImageNet's mean and std (of 0..255 pixels) off each channel."""
    name = name or unique_name("prestem")
    return layers.Normalization(
        mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
        variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
        name=name + "_prestem_normalization")


def Head(num_classes=1000, classifier_activation=None, name=None):
    """Global average pooling, LayerNorm, Dense."""
    name = name or unique_name("head")

    def apply(x):
        x = layers.GlobalAveragePooling2D(name=name + "_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=name + "_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation,
                            name=name + "_head_dense")(x)
    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6,
             default_size=224, model_name="convnext", include_preprocessing=True,
             include_top=True, weights=None, input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax"):
    """A ConvNeXt with `depths` blocks of widths `projection_dims`."""
    check_weights(weights, include_top, classes)
    input_shape = input_shape_for(input_shape, default_size, 32, include_top, weights)
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = img_input
        channels_last = backend.image_data_format() == "channels_last"
        if include_preprocessing and input_shape[2 if channels_last else 0] == 3:
            x = PreStem(name=model_name)(x)
        stem = Sequential([
            layers.Conv2D(projection_dims[0], kernel_size=4, strides=4,
                          name=model_name + "_stem_conv"),
            layers.LayerNormalization(epsilon=1e-6, name=model_name + "_stem_layernorm")],
            name=model_name + "_stem")
        downsample_layers = [stem] + [Sequential([
            layers.LayerNormalization(epsilon=1e-6,
                                      name=f"{model_name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                          name=f"{model_name}_downsampling_conv_{i}")],
            name=f"{model_name}_downsampling_block_{i}") for i in range(3)]
        rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
        cur = 0
        for i in range(4):
            x = downsample_layers[i](x)
            for j in range(depths[i]):
                x = ConvNeXtBlock(projection_dim=projection_dims[i],
                                  drop_path_rate=rates[cur + j],
                                  layer_scale_init_value=layer_scale_init_value,
                                  name=model_name + f"_stage_{i}_block_{j}")(x)
            cur += depths[i]
        if include_top:
            imagenet_utils.validate_activation(classifier_activation, weights)
            x = Head(num_classes=classes, classifier_activation=classifier_activation,
                     name=model_name)(x)
        else:
            x = layers.LayerNormalization(epsilon=1e-6)(pooled(x, pooling))
        model = make_model(img_input, input_tensor, x, model_name)
    if weights != "imagenet":
        return load_weights(model, weights)
    if model_name not in WEIGHTS_HASHES:
        raise ValueError(f"No ImageNet weights are published for {model_name!r}")
    file_name = model_name + (".h5" if include_top else "_notop.h5")
    return load_weights(model, weights, file_name,
                        WEIGHTS_HASHES[model_name][0 if include_top else 1],
                        subdir="convnext/")


def _variant(size, model_name, include_top, include_preprocessing, weights, input_tensor,
             input_shape, pooling, classes, classifier_activation):
    depths, dims = MODEL_CONFIGS[size]
    return ConvNeXt(depths, dims, 0.0, 1e-6, 224, model_name, include_preprocessing,
                    include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation)


def ConvNeXtTiny(model_name="convnext_tiny", include_top=True, include_preprocessing=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax"):
    """ConvNeXt-T: depths 3, 3, 9, 3; widths 96 to 768."""
    return _variant("tiny", model_name, include_top, include_preprocessing, weights,
                    input_tensor, input_shape, pooling, classes, classifier_activation)


def ConvNeXtSmall(model_name="convnext_small", include_top=True,
                  include_preprocessing=True, weights="imagenet", input_tensor=None,
                  input_shape=None, pooling=None, classes=1000,
                  classifier_activation="softmax"):
    """ConvNeXt-S: depths 3, 3, 27, 3; widths 96 to 768."""
    return _variant("small", model_name, include_top, include_preprocessing, weights,
                    input_tensor, input_shape, pooling, classes, classifier_activation)


def ConvNeXtBase(model_name="convnext_base", include_top=True, include_preprocessing=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax"):
    """ConvNeXt-B: depths 3, 3, 27, 3; widths 128 to 1024."""
    return _variant("base", model_name, include_top, include_preprocessing, weights,
                    input_tensor, input_shape, pooling, classes, classifier_activation)


def ConvNeXtLarge(model_name="convnext_large", include_top=True,
                  include_preprocessing=True, weights="imagenet", input_tensor=None,
                  input_shape=None, pooling=None, classes=1000,
                  classifier_activation="softmax"):
    """ConvNeXt-L: depths 3, 3, 27, 3; widths 192 to 1536."""
    return _variant("large", model_name, include_top, include_preprocessing, weights,
                    input_tensor, input_shape, pooling, classes, classifier_activation)


def ConvNeXtXLarge(model_name="convnext_xlarge", include_top=True,
                   include_preprocessing=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax"):
    """ConvNeXt-XL: depths 3, 3, 27, 3; widths 256 to 2048."""
    return _variant("xlarge", model_name, include_top, include_preprocessing, weights,
                    input_tensor, input_shape, pooling, classes, classifier_activation)


def preprocess_input(x, data_format=None):
    """The input unchanged: ConvNeXt normalises inside the model."""
    return x


decode_predictions = imagenet_utils.decode_predictions
