"""Produce tests/reference/conv_layers_reference.npz with real tf-keras 2.x
(run once; not part of the test suite):

    /work/venv-tf/bin/python tests/reference/conv_layers_make_reference.py

The convolution family of issue 13: transposed, 3-D, grouped, dilated,
depthwise, separable and locally connected convolutions, 3-D and
channels-first pooling, padding, cropping and upsampling.

`layer/<case>/...`: `spec` (JSON: class, kwargs, call mode, tf-keras's
get_config() and count_params()), `x` (input), `mask` (optional), `w0`,
`w1`, ... (the weights given to the layer, Keras order) and tf-keras's
output `y`.  `step/<model>/...`: one SGD(0.1) train_on_batch of a model
built from these layers: weights before (`w0/<layer>/<i>`) and after
(`w1/...`), the data, the loss and count_params().
"""
import json
import os

import numpy as np
import tf_keras as keras
from tf_keras import layers as L

rng = np.random.default_rng(20261213)
CF = "channels_first"


def rand(*shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


# name: (class, kwargs, input shape, mode); mode 'plain' or 'mask'
CASES = {
    # convolutions: 3-D, groups, channels_first
    "conv3d_same_relu": ("Conv3D", {"filters": 3, "kernel_size": [2, 3, 2],
                                    "padding": "same", "activation": "relu"},
                         (2, 4, 5, 6, 2), "plain"),
    "conv3d_strided": ("Conv3D", {"filters": 4, "kernel_size": 2, "strides": [1, 2, 2]},
                       (2, 5, 6, 6, 3), "plain"),
    "conv3d_dilated_tanh": ("Conv3D", {"filters": 2, "kernel_size": 2,
                                       "dilation_rate": [2, 1, 2], "padding": "same",
                                       "activation": "tanh"}, (1, 5, 5, 5, 2), "plain"),
    "conv3d_cf": ("Conv3D", {"filters": 3, "kernel_size": 2, "data_format": CF},
                  (1, 2, 4, 4, 3), "plain"),
    "conv2d_groups": ("Conv2D", {"filters": 6, "kernel_size": 3, "groups": 3,
                                 "padding": "same"}, (2, 6, 5, 6), "plain"),
    "conv2d_groups_per_channel": ("Conv2D", {"filters": 8, "kernel_size": 3, "groups": 4,
                                             "activation": "relu"}, (2, 7, 6, 4), "plain"),
    "conv1d_groups_causal": ("Conv1D", {"filters": 4, "kernel_size": 3, "groups": 2,
                                        "padding": "causal", "dilation_rate": 2},
                             (2, 9, 4), "plain"),
    "conv2d_cf": ("Conv2D", {"filters": 4, "kernel_size": [3, 2], "strides": 2,
                             "padding": "same", "data_format": CF,
                             "activation": "sigmoid"}, (2, 3, 7, 6), "plain"),
    "conv1d_cf": ("Conv1D", {"filters": 3, "kernel_size": 3, "data_format": CF},
                  (2, 4, 8), "plain"),
    # transposed convolutions
    "conv2dt_same_s2_relu": ("Conv2DTranspose", {"filters": 3, "kernel_size": 3,
                                                 "strides": 2, "padding": "same",
                                                 "activation": "relu"},
                             (2, 4, 5, 3), "plain"),
    "conv2dt_valid": ("Conv2DTranspose", {"filters": 4, "kernel_size": [3, 2],
                                          "strides": [2, 3]}, (2, 3, 4, 2), "plain"),
    "conv2dt_output_padding": ("Conv2DTranspose", {"filters": 2, "kernel_size": 3,
                                                   "strides": 2, "padding": "same",
                                                   "output_padding": 1},
                               (2, 4, 4, 3), "plain"),
    "conv2dt_output_padding_valid": ("Conv2DTranspose",
                                     {"filters": 2, "kernel_size": 4, "strides": 3,
                                      "output_padding": [2, 1]}, (1, 3, 3, 2), "plain"),
    "conv2dt_dilated_tanh": ("Conv2DTranspose", {"filters": 3, "kernel_size": 3,
                                                 "dilation_rate": 2, "padding": "same",
                                                 "activation": "tanh"},
                             (1, 5, 5, 2), "plain"),
    "conv2dt_cf": ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2,
                                       "data_format": CF}, (2, 2, 4, 5), "plain"),
    "conv1dt_same": ("Conv1DTranspose", {"filters": 3, "kernel_size": 4, "strides": 2,
                                         "padding": "same"}, (2, 6, 3), "plain"),
    "conv1dt_dilated": ("Conv1DTranspose", {"filters": 2, "kernel_size": 3,
                                            "dilation_rate": 2}, (2, 5, 3), "plain"),
    "conv3dt_same": ("Conv3DTranspose", {"filters": 2, "kernel_size": [2, 3, 2],
                                         "strides": [2, 1, 2], "padding": "same"},
                     (1, 2, 3, 3, 3), "plain"),
    "conv3dt_output_padding_cf": ("Conv3DTranspose",
                                  {"filters": 2, "kernel_size": 3, "strides": 2,
                                   "output_padding": 1, "data_format": CF},
                                  (1, 2, 2, 3, 2), "plain"),
    # depthwise and separable
    "dw2d_same_relu": ("DepthwiseConv2D", {"kernel_size": 3, "padding": "same",
                                           "activation": "relu"}, (2, 6, 5, 4), "plain"),
    "dw2d_multiplier_strided": ("DepthwiseConv2D", {"kernel_size": [3, 2], "strides": 2,
                                                    "depth_multiplier": 2},
                                (2, 7, 6, 3), "plain"),
    "dw2d_dilated_cf": ("DepthwiseConv2D", {"kernel_size": 3, "dilation_rate": 2,
                                            "padding": "same", "data_format": CF},
                        (1, 3, 7, 7), "plain"),
    "dw1d_multiplier_tanh": ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2,
                                                 "padding": "same", "activation": "tanh"},
                             (2, 8, 3), "plain"),
    "sep2d_same_relu": ("SeparableConv2D", {"filters": 4, "kernel_size": 3,
                                            "padding": "same", "activation": "relu"},
                        (2, 6, 5, 3), "plain"),
    "sep2d_strided_nobias": ("SeparableConv2D", {"filters": 5, "kernel_size": [3, 2],
                                                 "strides": 2, "depth_multiplier": 2,
                                                 "use_bias": False}, (2, 7, 6, 3), "plain"),
    "sep2d_dilated_cf": ("SeparableConv2D", {"filters": 3, "kernel_size": 3,
                                             "dilation_rate": 2, "padding": "same",
                                             "data_format": CF}, (1, 2, 7, 7), "plain"),
    "sep1d_causal": ("SeparableConv1D", {"filters": 4, "kernel_size": 3,
                                         "padding": "causal", "dilation_rate": 2,
                                         "depth_multiplier": 2}, (2, 9, 3), "plain"),
    "sep1d_same_elu": ("SeparableConv1D", {"filters": 3, "kernel_size": 4, "strides": 2,
                                           "padding": "same", "activation": "elu"},
                       (2, 9, 2), "plain"),
    # locally connected
    "lc2d_relu": ("LocallyConnected2D", {"filters": 3, "kernel_size": [3, 2],
                                         "strides": [2, 1], "activation": "relu"},
                  (2, 7, 6, 2), "plain"),
    "lc2d_cf": ("LocallyConnected2D", {"filters": 2, "kernel_size": 2, "data_format": CF},
                (2, 3, 5, 4), "plain"),
    "lc1d": ("LocallyConnected1D", {"filters": 3, "kernel_size": 3, "strides": 2},
             (2, 9, 2), "plain"),
    "lc1d_cf": ("LocallyConnected1D", {"filters": 2, "kernel_size": 2, "data_format": CF},
                (2, 3, 6), "plain"),
    "lc2d_impl2_same": ("LocallyConnected2D", {"filters": 2, "kernel_size": 3,
                                               "padding": "same", "implementation": 2},
                        (2, 5, 4, 2), "plain"),
    "lc2d_impl3": ("LocallyConnected2D", {"filters": 2, "kernel_size": [2, 3],
                                          "strides": 2, "implementation": 3},
                   (2, 5, 6, 2), "plain"),
    "lc1d_impl2_cf_same": ("LocallyConnected1D", {"filters": 2, "kernel_size": 3,
                                                  "padding": "same", "implementation": 2,
                                                  "data_format": CF}, (2, 2, 7), "plain"),
    "lc1d_impl3_same": ("LocallyConnected1D", {"filters": 3, "kernel_size": 2,
                                               "padding": "same", "implementation": 3},
                        (2, 6, 2), "plain"),
    "lc2d_impl3_cf_same": ("LocallyConnected2D", {"filters": 2, "kernel_size": 3,
                                                  "strides": 2, "padding": "same",
                                                  "implementation": 3, "data_format": CF},
                           (1, 2, 5, 5), "plain"),
    # pooling
    "max3d": ("MaxPooling3D", {}, (2, 4, 5, 6, 3), "plain"),
    "max3d_same": ("MaxPooling3D", {"pool_size": [3, 2, 3], "strides": [2, 1, 2],
                                    "padding": "same"}, (2, 5, 4, 5, 2), "plain"),
    "avg3d_same": ("AveragePooling3D", {"pool_size": 3, "strides": 2, "padding": "same"},
                   (2, 5, 5, 5, 2), "plain"),
    "avg3d_cf": ("AveragePooling3D", {"pool_size": 2, "data_format": CF},
                 (1, 2, 4, 4, 4), "plain"),
    "max2d_cf_same": ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same",
                                       "data_format": CF}, (2, 3, 7, 6), "plain"),
    "avg1d_cf": ("AveragePooling1D", {"pool_size": 2, "data_format": CF}, (2, 3, 7), "plain"),
    "max1d_cf_same": ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same",
                                       "data_format": CF}, (2, 3, 8), "plain"),
    "gap3d": ("GlobalAveragePooling3D", {}, (2, 3, 4, 5, 3), "plain"),
    "gmp3d_keepdims": ("GlobalMaxPooling3D", {"keepdims": True}, (2, 3, 4, 5, 3), "plain"),
    "gap3d_cf": ("GlobalAveragePooling3D", {"data_format": CF}, (2, 3, 3, 4, 5), "plain"),
    "gap2d_cf_keepdims": ("GlobalAveragePooling2D", {"data_format": CF, "keepdims": True},
                          (2, 3, 4, 5), "plain"),
    "gmp2d_cf": ("GlobalMaxPooling2D", {"data_format": CF}, (2, 3, 4, 5), "plain"),
    "gap1d_cf_masked": ("GlobalAveragePooling1D", {"data_format": CF}, (3, 4, 6), "mask"),
    "gmp1d_cf": ("GlobalMaxPooling1D", {"data_format": CF}, (2, 4, 6), "plain"),
    # reshaping
    "up1d": ("UpSampling1D", {"size": 3}, (2, 4, 3), "plain"),
    "up2d": ("UpSampling2D", {"size": [2, 3]}, (2, 3, 4, 2), "plain"),
    "up2d_bilinear": ("UpSampling2D", {"size": [2, 3], "interpolation": "bilinear"},
                      (2, 3, 4, 2), "plain"),
    "up2d_bilinear_cf": ("UpSampling2D", {"size": 3, "interpolation": "bilinear",
                                          "data_format": CF}, (2, 2, 3, 4), "plain"),
    "up3d": ("UpSampling3D", {"size": [2, 1, 3]}, (1, 2, 3, 2, 2), "plain"),
    "up3d_cf": ("UpSampling3D", {"size": 2, "data_format": CF}, (1, 2, 2, 3, 2), "plain"),
    "zp3d": ("ZeroPadding3D", {"padding": [[1, 0], [2, 1], [0, 2]]}, (2, 2, 3, 2, 2), "plain"),
    "zp3d_cf": ("ZeroPadding3D", {"padding": 1, "data_format": CF}, (1, 2, 2, 3, 2), "plain"),
    "zp2d_cf": ("ZeroPadding2D", {"padding": [[1, 2], [0, 1]], "data_format": CF},
                (2, 3, 2, 4), "plain"),
    "crop3d": ("Cropping3D", {"cropping": [[1, 0], [0, 1], [1, 1]]}, (2, 3, 4, 5, 2), "plain"),
    "crop3d_cf": ("Cropping3D", {"cropping": 1, "data_format": CF}, (1, 2, 4, 4, 4), "plain"),
    "crop2d_cf": ("Cropping2D", {"cropping": [[1, 0], [1, 2]], "data_format": CF},
                  (2, 3, 5, 5), "plain"),
}


def layer_cases(out):
    for name, (cls, kwargs, shape, mode) in CASES.items():
        layer = getattr(L, cls)(**kwargs)
        x = rand(*shape)
        layer.build(x.shape)
        weights = [rand(*w.shape, low=-0.8, high=0.8) for w in layer.get_weights()]
        layer.set_weights(weights)
        mask = None
        if mode == "mask":
            mask = np.ones((shape[0], shape[-1]), dtype=bool)
            mask[0, -2:] = False
            mask[1, :1] = False
            out[f"layer/{name}/mask"] = mask
        y = layer(x, mask=mask) if mask is not None else layer(x)
        spec = {"class": cls, "kwargs": kwargs, "mode": mode,
                "config": layer.get_config(), "params": layer.count_params()}
        out[f"layer/{name}/spec"] = np.array(json.dumps(spec))
        out[f"layer/{name}/x"] = x
        out[f"layer/{name}/y"] = y.numpy()
        for i, w in enumerate(weights):
            out[f"layer/{name}/w{i}"] = w


def image_model():
    x = L.Input((8, 8, 3), name="img")
    h = L.Conv2D(4, 3, padding="same", name="c1")(x)
    h = L.SeparableConv2D(6, 3, padding="same", activation="relu", depth_multiplier=2,
                          name="sep")(h)
    h = L.DepthwiseConv2D(3, strides=2, padding="same", activation="tanh", name="dw")(h)
    h = L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1,
                          activation="relu", name="deconv")(h)
    h = L.UpSampling2D(interpolation="bilinear", name="up")(h)
    h = L.Conv2D(4, 3, strides=2, groups=2, name="grouped")(h)
    h = L.MaxPooling2D(name="pool")(h)
    h = L.LocallyConnected2D(2, 2, activation="relu", name="local")(h)
    h = L.Flatten(name="flat")(h)
    out = L.Dense(1, activation="sigmoid", name="out")(h)
    return keras.Model(x, out), "binary_crossentropy", (8, 8, 3), "binary"


def volume_model():
    x = L.Input((2, 6, 6, 6), name="vol")
    h = L.Conv3D(3, 3, padding="same", activation="relu", data_format=CF, name="c3")(x)
    h = L.MaxPooling3D(2, data_format=CF, name="pool")(h)
    h = L.Conv3DTranspose(2, 2, strides=2, data_format=CF, name="deconv")(h)
    h = L.ZeroPadding3D(1, data_format=CF, name="pad")(h)
    h = L.Cropping3D(((1, 0), (0, 1), (1, 1)), data_format=CF, name="crop")(h)
    h = L.AveragePooling3D(2, data_format=CF, name="avg")(h)
    h = L.UpSampling3D((1, 2, 1), data_format=CF, name="up")(h)
    h = L.GlobalAveragePooling3D(data_format=CF, name="gap")(h)
    out = L.Dense(2, name="out")(h)
    return keras.Model(x, out), "mse", (2, 6, 6, 6), "regression"


def sequence_model():
    x = L.Input((10, 3), name="seq")
    h = L.Conv1D(4, 3, padding="causal", name="c1")(x)
    h = L.SeparableConv1D(4, 3, padding="same", depth_multiplier=2, name="sep")(h)
    h = L.DepthwiseConv1D(2, activation="relu", name="dw")(h)
    h = L.Conv1DTranspose(3, 3, strides=2, name="deconv")(h)
    h = L.UpSampling1D(2, name="up")(h)
    h = L.LocallyConnected1D(2, 3, strides=2, implementation=3, name="local")(h)
    h = L.MaxPooling1D(2, name="pool")(h)
    h = L.GlobalMaxPooling1D(name="gmp")(h)
    out = L.Dense(3, activation="softmax", name="out")(h)
    return keras.Model(x, out), "categorical_crossentropy", (10, 3), "onehot"


def step_cases(out, n=6):
    for name, builder in (("image", image_model), ("volume", volume_model),
                          ("sequence", sequence_model)):
        model, loss, shape, target = builder()
        model.compile(keras.optimizers.legacy.SGD(learning_rate=0.1), loss)
        x = rand(n, *shape)
        if target == "binary":
            y = rng.integers(0, 2, (n, 1)).astype(np.float32)
        elif target == "onehot":
            y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]
        else:
            y = rand(n, 2)
        p = f"step/{name}"
        for layer in model.layers:
            for i, w in enumerate(layer.get_weights()):
                out[f"{p}/w0/{layer.name}/{i}"] = w
        out[f"{p}/x"], out[f"{p}/y"] = x, y
        out[f"{p}/loss"] = np.asarray(model.train_on_batch(x, y), np.float64)
        out[f"{p}/params"] = np.asarray(model.count_params())
        for layer in model.layers:
            for i, w in enumerate(layer.get_weights()):
                out[f"{p}/w1/{layer.name}/{i}"] = w


def main():
    keras.utils.set_random_seed(1213)
    out = {}
    layer_cases(out)
    step_cases(out)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "conv_layers_reference.npz")
    np.savez_compressed(path, **out)
    print(f"wrote {len(CASES)} layer cases and 3 training steps to {path}")


if __name__ == "__main__":
    main()
