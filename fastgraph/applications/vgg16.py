"""VGG16 (Simonyan & Zisserman 2015) and the VGG network both VGG models
share, with Keras's layer names; inputs in the 'caffe' convention."""
from .. import backend
from .. import layers
from . import imagenet_utils
from ._builder import (check_weights, image_input, load_weights, make_model,
                       weight_scope)

WEIGHT_FILES = {
    "vgg16": (("vgg16_weights_tf_dim_ordering_tf_kernels.h5",
               "64373286793e3c8b2b4e3219cbf3544b"),
              ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
               "6d6bbae143d832006294945121d1f1fc")),
    "vgg19": (("vgg19_weights_tf_dim_ordering_tf_kernels.h5",
               "cbe5617147190e668d6c5d5026f83318"),
              ("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
               "253f8cb515780f3b799900260a226db6")),
}


def vgg(convs_per_block, name, include_top, weights, input_tensor, input_shape,
        pooling, classes, classifier_activation):
    """A VGG network with `convs_per_block` 3x3 convolutions in each of its
    five blocks (widths 64, 128, 256, 512, 512)."""
    check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    with weight_scope(weights):
        img_input = image_input(input_tensor, input_shape)
        x = img_input
        for block, (filters, n) in enumerate(zip((64, 128, 256, 512, 512),
                                                 convs_per_block), 1):
            for i in range(1, n + 1):
                x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                                  name=f"block{block}_conv{i}")(x)
            x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
        if include_top:
            x = layers.Flatten(name="flatten")(x)
            x = layers.Dense(4096, activation="relu", name="fc1")(x)
            x = layers.Dense(4096, activation="relu", name="fc2")(x)
            imagenet_utils.validate_activation(classifier_activation, weights)
            x = layers.Dense(classes, activation=classifier_activation,
                             name="predictions")(x)
        elif pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        model = make_model(img_input, input_tensor, x, name)
    file_name, file_hash = WEIGHT_FILES[name][0 if include_top else 1]
    return load_weights(model, weights, file_name, file_hash, subdir=f"{name}/")


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax"):
    """The VGG16 model (224x224 input by default, at least 32x32)."""
    return vgg((2, 2, 3, 3, 3), "vgg16", include_top, weights, input_tensor,
               input_shape, pooling, classes, classifier_activation)


def preprocess_input(x, data_format=None):
    """Images in 0..255 to the 'caffe' convention (BGR, ImageNet mean off)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
